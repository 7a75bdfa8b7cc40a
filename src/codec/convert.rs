//! Converting between formats without silently changing who may do what.
//!
//! Every format reads into the one model ([`CorsConfiguration`]), which the engine evaluates
//! with S3's semantics. Reading another provider's document, or writing the model in its
//! format, can lose or widen meaning: GCS checks no request header, Azure matches origins
//! exactly, B2 names operations rather than methods, R2 caps the preflight cache age. Each
//! such change is a [`ConversionWarning`] saying which rule, which field, and whether access
//! narrows, widens, or only a response header changes. What a format cannot hold at all (too
//! many rules, a rule left without an origin) is a [`ConversionError`].
//!
//! ```
//! use bucket_cors::{CorsConfiguration, CorsRule, Effect, Format};
//!
//! let config = CorsConfiguration::new(vec![
//!     CorsRule::new()
//!         .allowed_origin("https://app.example.com")
//!         .allowed_method("PUT")
//!         .allowed_header("content-type"),
//! ]);
//! let (text, warnings) = config.to_format(Format::GcsJson)?;
//! assert!(text.contains("\"origin\""));
//! // GCS has no list of allowed request headers: writing there widens access.
//! assert_eq!(warnings[0].effect(), Effect::Widens);
//! # Ok::<(), bucket_cors::ConversionError>(())
//! ```

use std::fmt;

use serde::Serialize;

use crate::codec::{Format, azure, b2, gcs, r2};
use crate::error::{ConfigError, Field};
use crate::model::{CorsConfiguration, CorsMethod};

/// What a conversion change does to the policy.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Some requests that were allowed are refused.
    Narrows,
    /// Some requests that were refused are allowed.
    Widens,
    /// The same requests are allowed, but a response header differs (exposed headers, max
    /// age, `Access-Control-Allow-Origin`, `Vary`).
    Response,
    /// Nothing a browser sees changes (a rule's name).
    Label,
}

impl Effect {
    /// A lowercase name: `narrows`, `widens`, `response` or `label`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Effect::Narrows => "narrows",
            Effect::Widens => "widens",
            Effect::Response => "response",
            Effect::Label => "label",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a conversion changed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WarningKind {
    /// A value the target cannot hold was left out.
    Dropped {
        /// The value as written.
        value: String,
        /// Why the target cannot hold it.
        reason: &'static str,
    },
    /// A value was written as a broader one.
    Widened {
        /// The value as written.
        from: String,
        /// What it became.
        to: String,
        /// Why.
        reason: &'static str,
    },
    /// A value was written as a narrower one.
    Narrowed {
        /// The value as written.
        from: String,
        /// What it became.
        to: String,
        /// Why.
        reason: &'static str,
    },
    /// The `Access-Control-Max-Age` answer changes.
    MaxAgeChanged {
        /// The value before.
        from: Option<u32>,
        /// The value after.
        to: Option<u32>,
        /// Why.
        reason: &'static str,
    },
    /// The rule's name changed or was lost.
    IdChanged {
        /// The name before.
        from: Option<String>,
        /// The name after.
        to: Option<String>,
    },
    /// A response header is answered differently by the target provider.
    ResponseChanged {
        /// What changes.
        detail: &'static str,
    },
}

/// One change a conversion made, with the rule and field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ConversionWarning {
    rule: Option<usize>,
    #[serde(serialize_with = "serialize_field")]
    field: Option<Field>,
    effect: Effect,
    #[serde(flatten)]
    kind: WarningKind,
}

#[allow(
    clippy::ref_option,
    reason = "serde's serialize_with passes a reference"
)]
fn serialize_field<S: serde::Serializer>(
    field: &Option<Field>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match field {
        Some(field) => serializer.serialize_some(field.xml_name()),
        None => serializer.serialize_none(),
    }
}

impl ConversionWarning {
    pub(crate) fn new(rule: Option<usize>, field: Option<Field>, kind: WarningKind) -> Self {
        let effect = match (&kind, field) {
            (WarningKind::IdChanged { .. }, _) => Effect::Label,
            (WarningKind::MaxAgeChanged { .. } | WarningKind::ResponseChanged { .. }, _)
            | (_, Some(Field::ExposeHeader | Field::MaxAgeSeconds) | None) => Effect::Response,
            (WarningKind::Widened { .. }, _) => Effect::Widens,
            (WarningKind::Dropped { .. } | WarningKind::Narrowed { .. }, _) => Effect::Narrows,
        };
        ConversionWarning {
            rule,
            field,
            effect,
            kind,
        }
    }

    /// The 0-based index of the rule concerned, in document order; `None` for the whole
    /// configuration.
    #[must_use]
    pub const fn rule(&self) -> Option<usize> {
        self.rule
    }

    /// The field concerned, named as its S3 element; `None` for the whole configuration.
    #[must_use]
    pub const fn field(&self) -> Option<Field> {
        self.field
    }

    /// Whether access narrows, widens, or only a response header changes.
    #[must_use]
    pub const fn effect(&self) -> Effect {
        self.effect
    }

    /// What changed.
    #[must_use]
    pub const fn kind(&self) -> &WarningKind {
        &self.kind
    }

    /// True when the change alters which requests are allowed.
    #[must_use]
    pub const fn changes_access(&self) -> bool {
        matches!(self.effect, Effect::Narrows | Effect::Widens)
    }
}

impl fmt::Display for ConversionWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Some(rule) => write!(f, "rule {rule}")?,
            None => f.write_str("configuration")?,
        }
        if let Some(field) = self.field {
            write!(f, ", {}", field_log_name(field))?;
        }
        write!(f, " ({}): ", self.effect)?;
        match &self.kind {
            WarningKind::Dropped { value, reason } => write!(f, "{value:?} left out: {reason}"),
            WarningKind::Widened { from, to, reason }
            | WarningKind::Narrowed { from, to, reason } => {
                write!(f, "{from:?} written as {to:?}: {reason}")
            }
            WarningKind::MaxAgeChanged { from, to, reason } => write!(
                f,
                "max age {} becomes {}: {reason}",
                show_age(*from),
                show_age(*to)
            ),
            WarningKind::IdChanged { from, to } => write!(
                f,
                "name {} becomes {}",
                from.as_deref()
                    .map_or_else(|| "(none)".to_owned(), |id| format!("{id:?}")),
                to.as_deref()
                    .map_or_else(|| "(none)".to_owned(), |id| format!("{id:?}"))
            ),
            WarningKind::ResponseChanged { detail } => f.write_str(detail),
        }
    }
}

fn show_age(age: Option<u32>) -> String {
    age.map_or_else(|| "(unset)".to_owned(), |age| age.to_string())
}

const fn field_log_name(field: Field) -> &'static str {
    match field {
        Field::AllowedOrigin => "allowed origin",
        Field::AllowedMethod => "allowed method",
        Field::AllowedHeader => "allowed header",
        Field::ExposeHeader => "expose header",
        Field::MaxAgeSeconds => "max age seconds",
        _ => "id",
    }
}

/// Why a configuration cannot be written in a format at all.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConversionErrorKind {
    /// More rules than the format holds.
    TooManyRules {
        /// The configuration's rule count.
        count: usize,
        /// The format's limit.
        limit: usize,
    },
    /// Nothing of a required field is left once what the format cannot hold is left out.
    NothingLeft {
        /// The field.
        field: Field,
    },
    /// A value longer than the format allows.
    ValueTooLong {
        /// The field.
        field: Field,
        /// The value's length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// More values in one field than the format allows.
    TooManyValues {
        /// The field.
        field: Field,
        /// How many values.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The rule or rule set is larger than the format allows.
    TooLarge {
        /// Its size in bytes, counted as the provider counts it.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
}

/// A configuration the target format cannot express.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConversionError {
    format: Format,
    rule: Option<usize>,
    kind: ConversionErrorKind,
}

impl ConversionError {
    pub(crate) const fn new(
        format: Format,
        rule: Option<usize>,
        kind: ConversionErrorKind,
    ) -> Self {
        ConversionError { format, rule, kind }
    }

    /// The target format.
    #[must_use]
    pub const fn format(&self) -> Format {
        self.format
    }

    /// The 0-based index of the rule at fault, when one rule is.
    #[must_use]
    pub const fn rule(&self) -> Option<usize> {
        self.rule
    }

    /// What cannot be expressed.
    #[must_use]
    pub const fn kind(&self) -> &ConversionErrorKind {
        &self.kind
    }
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write {}", self.format)?;
        if let Some(rule) = self.rule {
            write!(f, ", rule {rule}")?;
        }
        match &self.kind {
            ConversionErrorKind::TooManyRules { count, limit } => {
                write!(f, ": {count} rules, more than the limit of {limit}")
            }
            ConversionErrorKind::NothingLeft { field } => write!(
                f,
                ": no {} the format can hold is left",
                field_log_name(*field)
            ),
            ConversionErrorKind::ValueTooLong { field, len, limit } => write!(
                f,
                ": {} of {len} bytes is longer than {limit}",
                field_log_name(*field)
            ),
            ConversionErrorKind::TooManyValues {
                field,
                count,
                limit,
            } => write!(
                f,
                ": {count} values of {}, more than {limit}",
                field_log_name(*field)
            ),
            ConversionErrorKind::TooLarge { size, limit } => {
                write!(f, ": {size} bytes, more than the limit of {limit}")
            }
        }
    }
}

impl std::error::Error for ConversionError {}

impl CorsConfiguration {
    /// Reads a document in the given format, with the changes reading it into the S3 model
    /// made. The S3, OSS and AWS JSON formats read without changes.
    ///
    /// Time and memory are linear in the document's size, which is at most 64 KB.
    ///
    /// # Errors
    ///
    /// As [`CorsConfiguration::parse_as`], and a [`ConfigError`] of kind
    /// [`Malformed`](crate::ConfigErrorKind::Malformed) for a document over its provider's
    /// documented limits.
    pub fn from_format(
        bytes: &[u8],
        format: Format,
    ) -> Result<(CorsConfiguration, Vec<ConversionWarning>), ConfigError> {
        super::check_size(bytes)?;
        match format {
            Format::GcsJson => gcs::parse(bytes),
            Format::AzureXml => azure::parse(bytes),
            Format::R2Json => r2::parse(bytes),
            Format::B2Json => b2::parse(bytes),
            _ => Self::parse_as(bytes, format).map(|config| (config, Vec::new())),
        }
    }

    /// Writes the configuration in the given format, with every change the format forces.
    ///
    /// Time and memory are linear in the configuration's size.
    ///
    /// # Errors
    ///
    /// A [`ConversionError`] when the format cannot express the configuration at all.
    pub fn to_format(
        &self,
        format: Format,
    ) -> Result<(String, Vec<ConversionWarning>), ConversionError> {
        match format {
            Format::GcsJson => gcs::write(self),
            Format::AzureXml => azure::write(self),
            Format::R2Json => r2::write(self),
            Format::B2Json => b2::write(self),
            Format::OssXml => {
                let mut warnings = Vec::new();
                for (index, rule) in self.rules.iter().enumerate() {
                    if rule.id.is_some() {
                        warnings.push(ConversionWarning::new(
                            Some(index),
                            Some(Field::Id),
                            WarningKind::IdChanged {
                                from: rule.id.clone(),
                                to: None,
                            },
                        ));
                    }
                }
                let mut copy = self.clone();
                for rule in &mut copy.rules {
                    rule.id = None;
                }
                Ok((copy.write(format), warnings))
            }
            _ => {
                let mut warnings = Vec::new();
                vary_lost(self, &mut warnings);
                Ok((self.write(format), warnings))
            }
        }
    }
}

/// The one place codec read errors are made, so their construction can change in one place.
pub(crate) fn codec_error(format: Format, rule: Option<usize>, detail: String) -> ConfigError {
    ConfigError::malformed(format, detail).with_rule(rule)
}

/// A warning for OSS's `ResponseVary`, which no other format carries.
pub(crate) fn vary_lost(config: &CorsConfiguration, warnings: &mut Vec<ConversionWarning>) {
    if config.response_vary.is_some() {
        warnings.push(ConversionWarning::new(
            None,
            None,
            WarningKind::ResponseChanged {
                detail: "the oss response vary setting has no equivalent and is left out",
            },
        ));
    }
}

/// Adds a method once, keeping the first position.
pub(crate) fn push_method(methods: &mut Vec<String>, method: CorsMethod) {
    if !methods.iter().any(|m| m == method.as_str()) {
        methods.push(method.as_str().to_owned());
    }
}

/// The five S3 methods joined, for warnings.
pub(crate) const ALL_METHODS: &str = "GET, PUT, HEAD, POST, DELETE";

/// How a header entry looks: `*` alone, a name ending in `*`, exact, or another pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderShape {
    Any,
    Prefix,
    Exact,
    Other,
}

pub(crate) fn header_shape(entry: &str) -> HeaderShape {
    match entry.find('*') {
        None => HeaderShape::Exact,
        Some(_) if entry == "*" => HeaderShape::Any,
        Some(at) if at + 1 == entry.len() => HeaderShape::Prefix,
        Some(_) => HeaderShape::Other,
    }
}

/// Reads a JSON max age: a non-negative integer within `u32`, or within `limit` if given.
pub(crate) fn json_max_age(
    format: Format,
    rule: usize,
    value: Option<&serde_json::Number>,
    limit: Option<u32>,
) -> Result<Option<u32>, ConfigError> {
    let Some(number) = value else {
        return Ok(None);
    };
    let seconds = number
        .as_u64()
        .or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
                .map(|f| f as u64)
        })
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            codec_error(
                format,
                Some(rule),
                format!("max age {number} is not a non-negative 32-bit integer"),
            )
        })?;
    if limit.is_some_and(|limit| seconds > limit) {
        let limit = limit.unwrap_or(u32::MAX);
        return Err(codec_error(
            format,
            Some(rule),
            format!("max age {seconds} is more than the provider's limit of {limit}"),
        ));
    }
    Ok(Some(seconds))
}

/// A pretty JSON text with a final newline.
pub(crate) fn json_text<T: Serialize>(value: &T) -> String {
    let mut out = serde_json::to_string_pretty(value).unwrap_or_else(|_| String::from("{}"));
    out.push('\n');
    out
}

/// True when the JSON document has the given member name, quoted, anywhere.
pub(crate) fn has_key(bytes: &[u8], key: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, key).any(|at| {
        // `"key"` followed by optional whitespace and a colon: a member name, not a value.
        bytes[at + key.len()..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            == Some(&b':')
    })
}
