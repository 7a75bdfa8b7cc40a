//! Errors, and their mapping to S3's wire answers in one place.
//!
//! Every error has two texts. [`Display`](std::fmt::Display) is for logs: lowercase, specific,
//! naming the rule index and the field. [`ConfigError::s3_message`] is the exact `<Message>`
//! Amazon S3 puts in its error body, so a server can answer with it as is, together with
//! [`ConfigError::s3_code`] and [`ConfigError::status`].

use std::fmt;
use std::sync::Arc;

use crate::codec::Format;
use crate::s3::{ErrorBody, MALFORMED_XML_MESSAGE, S3ErrorCode};

/// A field of a CORS rule, named as its S3 XML element.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `ID`
    Id,
    /// `AllowedOrigin`
    AllowedOrigin,
    /// `AllowedMethod`
    AllowedMethod,
    /// `AllowedHeader`
    AllowedHeader,
    /// `ExposeHeader`
    ExposeHeader,
    /// `MaxAgeSeconds`
    MaxAgeSeconds,
}

impl Field {
    /// The S3 XML element name, for example `"AllowedOrigin"`.
    #[must_use]
    pub const fn xml_name(self) -> &'static str {
        match self {
            Field::Id => "ID",
            Field::AllowedOrigin => "AllowedOrigin",
            Field::AllowedMethod => "AllowedMethod",
            Field::AllowedHeader => "AllowedHeader",
            Field::ExposeHeader => "ExposeHeader",
            Field::MaxAgeSeconds => "MaxAgeSeconds",
        }
    }

    /// A lowercase name for log messages, for example `"allowed origin"`.
    const fn log_name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::AllowedOrigin => "allowed origin",
            Field::AllowedMethod => "allowed method",
            Field::AllowedHeader => "allowed header",
            Field::ExposeHeader => "expose header",
            Field::MaxAgeSeconds => "max age seconds",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.xml_name())
    }
}

/// Why a CORS configuration document was refused: by a codec, or by validation.
///
/// The error is data: what went wrong ([`ConfigError::kind`]), and where, as far as it is
/// known: the rule ([`ConfigError::rule`], 0-based in document order), the field
/// ([`ConfigError::field`]) and the byte offset in the document ([`ConfigError::offset`]).
/// S3's answer is [`ConfigError::s3_code`], [`ConfigError::status`] and
/// [`ConfigError::s3_message`], or the whole XML error body from [`ConfigError::to_xml`].
/// When a codec's parser refused the document, [`source`](std::error::Error::source) is
/// that parser's error (`serde_json`'s or `quick-xml`'s).
///
/// ```
/// use bucket_cors::{ConfigErrorKind, CorsConfiguration, Field};
///
/// let doc = b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
///             <AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>";
/// let err = CorsConfiguration::from_s3_xml(doc)?.validate().unwrap_err();
/// assert!(matches!(err.kind(), ConfigErrorKind::UnsupportedMethod { method } if method == "PATCH"));
/// assert_eq!((err.rule(), err.field()), (Some(0), Some(Field::AllowedMethod)));
/// assert_eq!(err.status(), 400);
/// assert_eq!(err.to_string(), "rule 0: unsupported allowed method \"PATCH\"");
/// let body = err.to_xml("REQ1", "HOST1");
/// assert!(body.contains("<Code>InvalidRequest</Code>"));
/// # Ok::<(), bucket_cors::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    rule: Option<usize>,
    field: Option<Field>,
    offset: Option<usize>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// What was wrong with a CORS configuration document. [`ConfigError`] adds where.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigErrorKind {
    /// The document is larger than the limit (64 KB for S3), decided before any parsing.
    #[error("document of {size} bytes is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The document's size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The document could not be read: not well-formed, the wrong root, an unknown or repeated
    /// element, a value of the wrong type. S3 answers `MalformedXML`.
    #[error("malformed {format} document: {detail}")]
    Malformed {
        /// The format that was being read.
        format: Format,
        /// What was wrong, for logs.
        detail: String,
    },
    /// The configuration has no rule at all.
    #[error("configuration has no rules")]
    NoRules,
    /// A rule has no `AllowedOrigin`.
    #[error("no allowed origin")]
    MissingAllowedOrigin,
    /// A rule has no `AllowedMethod`.
    #[error("no allowed method")]
    MissingAllowedMethod,
    /// A rule's `ID` is longer than 255 characters.
    #[error("id of {chars} characters is longer than 255")]
    IdTooLong {
        /// The ID's length in characters.
        chars: usize,
    },
    /// A rule's `MaxAgeSeconds` is beyond what S3's schema holds (a signed 32-bit integer).
    #[error("max age seconds {value} is larger than {max}", max = i32::MAX)]
    MaxAgeOutOfRange {
        /// The value.
        value: u32,
    },
    /// More rules than the dialect allows (100 for S3, 10 for OSS).
    #[error("{count} rules, more than the limit of {limit}")]
    TooManyRules {
        /// How many rules the configuration has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An `AllowedMethod` other than `GET`, `PUT`, `HEAD`, `POST` or `DELETE` (case-sensitive).
    #[error("unsupported allowed method {method:?}")]
    UnsupportedMethod {
        /// The method as written.
        method: String,
    },
    /// An `AllowedOrigin` or `AllowedHeader` with more than one `*`.
    #[error("{} {value:?} has more than one wildcard", field.log_name())]
    TooManyWildcards {
        /// [`Field::AllowedOrigin`] or [`Field::AllowedHeader`].
        field: Field,
        /// The value as written.
        value: String,
    },
    /// An `ExposeHeader` that contains `*`.
    #[error("expose header {value:?} contains a wildcard")]
    ExposeHeaderWildcard {
        /// The value as written.
        value: String,
    },
    /// A value with a character it may not hold: a control character anywhere, or a header
    /// name that is not an HTTP token.
    #[error("{} {value:?} contains an invalid character", field.log_name())]
    InvalidCharacter {
        /// The field.
        field: Field,
        /// The value as written.
        value: String,
    },
    /// The rule has an `ID`, which the OSS dialect does not have.
    #[error("the oss dialect has no id")]
    IdNotSupported,
}

impl ConfigErrorKind {
    /// The S3 error code a server answers with.
    #[must_use]
    pub const fn s3_code(&self) -> S3ErrorCode {
        match self {
            ConfigErrorKind::TooLarge { .. } => S3ErrorCode::MaxMessageLengthExceeded,
            ConfigErrorKind::Malformed { .. }
            | ConfigErrorKind::NoRules
            | ConfigErrorKind::MissingAllowedOrigin
            | ConfigErrorKind::MissingAllowedMethod
            | ConfigErrorKind::IdTooLong { .. }
            | ConfigErrorKind::MaxAgeOutOfRange { .. }
            | ConfigErrorKind::IdNotSupported => S3ErrorCode::MalformedXml,
            ConfigErrorKind::TooManyRules { .. }
            | ConfigErrorKind::UnsupportedMethod { .. }
            | ConfigErrorKind::TooManyWildcards { .. }
            | ConfigErrorKind::ExposeHeaderWildcard { .. }
            | ConfigErrorKind::InvalidCharacter { .. } => S3ErrorCode::InvalidRequest,
        }
    }

    /// The field a kind is about by its nature, for the kinds that name one.
    const fn own_field(&self) -> Option<Field> {
        match self {
            ConfigErrorKind::MissingAllowedOrigin => Some(Field::AllowedOrigin),
            ConfigErrorKind::MissingAllowedMethod | ConfigErrorKind::UnsupportedMethod { .. } => {
                Some(Field::AllowedMethod)
            }
            ConfigErrorKind::IdTooLong { .. } | ConfigErrorKind::IdNotSupported => Some(Field::Id),
            ConfigErrorKind::MaxAgeOutOfRange { .. } => Some(Field::MaxAgeSeconds),
            ConfigErrorKind::ExposeHeaderWildcard { .. } => Some(Field::ExposeHeader),
            ConfigErrorKind::TooManyWildcards { field, .. }
            | ConfigErrorKind::InvalidCharacter { field, .. } => Some(*field),
            ConfigErrorKind::TooLarge { .. }
            | ConfigErrorKind::Malformed { .. }
            | ConfigErrorKind::NoRules
            | ConfigErrorKind::TooManyRules { .. } => None,
        }
    }
}

impl ConfigError {
    /// An error of this kind, about the whole document. The field is the kind's own, when it
    /// names one.
    #[must_use]
    pub(crate) fn new(kind: ConfigErrorKind) -> Self {
        ConfigError {
            field: kind.own_field(),
            kind,
            rule: None,
            offset: None,
            source: None,
        }
    }

    /// An error of this kind in the rule at `rule`.
    pub(crate) fn in_rule(rule: usize, kind: ConfigErrorKind) -> Self {
        ConfigError::new(kind).with_rule(Some(rule))
    }

    /// A document over `limit` bytes.
    pub(crate) fn too_large(size: usize, limit: usize) -> Self {
        ConfigError::new(ConfigErrorKind::TooLarge { size, limit })
    }

    /// More rules than `limit`.
    pub(crate) fn too_many_rules(count: usize, limit: usize) -> Self {
        ConfigError::new(ConfigErrorKind::TooManyRules { count, limit })
    }

    /// A document in `format` that could not be read, for the reason `detail`.
    pub(crate) fn malformed(format: Format, detail: impl Into<String>) -> Self {
        ConfigError::new(ConfigErrorKind::Malformed {
            format,
            detail: detail.into(),
        })
    }

    /// Sets the rule at fault.
    #[must_use]
    pub(crate) fn with_rule(mut self, rule: Option<usize>) -> Self {
        self.rule = rule;
        self
    }

    /// Sets the field at fault.
    #[must_use]
    pub(crate) fn with_field(mut self, field: Option<Field>) -> Self {
        self.field = field;
        self
    }

    /// Sets the byte offset in the document where the problem was found.
    #[must_use]
    pub(crate) fn with_offset(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Keeps the parser's own error as the [`source`](std::error::Error::source).
    #[must_use]
    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// What was wrong.
    #[must_use]
    pub const fn kind(&self) -> &ConfigErrorKind {
        &self.kind
    }

    /// The 0-based index of the rule at fault, when one rule is.
    #[must_use]
    pub const fn rule(&self) -> Option<usize> {
        self.rule
    }

    /// The field at fault, when one is known.
    #[must_use]
    pub const fn field(&self) -> Option<Field> {
        self.field
    }

    /// The byte offset in the document where a codec found the problem, when it is known.
    /// Validation errors have none: they are about the configuration, not its bytes.
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// The S3 error code a server answers with.
    #[must_use]
    pub const fn s3_code(&self) -> S3ErrorCode {
        self.kind.s3_code()
    }

    /// The HTTP status a server answers with (always 400 for configuration errors).
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.s3_code().http_status()
    }

    /// The HTTP status a server answers with.
    #[deprecated(since = "0.2.0", note = "renamed to `status`")]
    #[must_use]
    pub const fn http_status(&self) -> u16 {
        self.status()
    }

    /// The exact `<Message>` S3 puts in its error body for this error.
    #[must_use]
    pub fn s3_message(&self) -> String {
        match &self.kind {
            ConfigErrorKind::TooLarge { .. } => "Your request was too big.".to_owned(),
            ConfigErrorKind::TooManyRules { limit, .. } => format!(
                "The number of CORS rules should not exceed allowed limit of {limit} rules."
            ),
            ConfigErrorKind::UnsupportedMethod { method } => format!(
                "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            ),
            ConfigErrorKind::TooManyWildcards { field, value } => {
                format!("{field} \"{value}\" can not have more than one wildcard.")
            }
            ConfigErrorKind::ExposeHeaderWildcard { value } => format!(
                "ExposeHeader \"{value}\" contains wildcard. We currently do not support wildcard for ExposeHeader."
            ),
            ConfigErrorKind::InvalidCharacter { field, value } => {
                format!("{field} \"{value}\" contains invalid character.")
            }
            _ => MALFORMED_XML_MESSAGE.to_owned(),
        }
    }

    /// S3's XML error body for this error: `Code`, `Message`, `RequestId`, `HostId`, every
    /// value escaped. The host supplies the two ids, and sends the body with
    /// [`ConfigError::status`] and `Content-Type: application/xml`.
    ///
    /// ```
    /// use bucket_cors::CorsConfiguration;
    ///
    /// let err = CorsConfiguration::from_s3_xml(b"<CORSConfiguration>").unwrap_err();
    /// assert_eq!(
    ///     err.to_xml("REQ1", "HOST<1>"),
    ///     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>MalformedXML</Code>\
    ///      <Message>The XML you provided was not well-formed or did not validate against our \
    ///      published schema</Message><RequestId>REQ1</RequestId>\
    ///      <HostId>HOST&lt;1&gt;</HostId></Error>"
    /// );
    /// ```
    #[must_use]
    pub fn to_xml(&self, request_id: &str, host_id: &str) -> String {
        ErrorBody::new(self.s3_code(), &self.s3_message()).finish(request_id, host_id)
    }
}

/// Two errors are equal when they say the same: kind, rule, field and offset. The parser's
/// error behind a [`ConfigErrorKind::Malformed`] is not compared.
impl PartialEq for ConfigError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.rule == other.rule
            && self.field == other.field
            && self.offset == other.offset
    }
}

impl Eq for ConfigError {}

impl From<ConfigErrorKind> for ConfigError {
    fn from(kind: ConfigErrorKind) -> Self {
        ConfigError::new(kind)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, self.rule) {
            (ConfigErrorKind::Malformed { format, detail }, rule) => {
                write!(f, "malformed {format} document")?;
                if let Some(rule) = rule {
                    write!(f, ", rule {rule}")?;
                }
                write!(f, ": {detail}")?;
                if let Some(offset) = self.offset {
                    write!(f, " (at byte {offset})")?;
                }
                Ok(())
            }
            (kind, Some(rule)) => write!(f, "rule {rule}: {kind}"),
            (kind, None) => write!(f, "{kind}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.source {
            Some(source) => Some(&**source),
            None => None,
        }
    }
}

/// A name that is not one of a type's names, from a [`FromStr`](std::str::FromStr)
/// implementation such as `"put".parse::<CorsMethod>()`.
///
/// ```
/// use bucket_cors::CorsMethod;
///
/// let err = "PATCH".parse::<CorsMethod>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown method \"PATCH\", expected one of GET, PUT, HEAD, POST, DELETE");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {name:?}, expected one of {}", expected.join(", "))]
pub struct UnknownName {
    what: &'static str,
    name: String,
    expected: &'static [&'static str],
}

impl UnknownName {
    pub(crate) fn new(what: &'static str, name: &str, expected: &'static [&'static str]) -> Self {
        UnknownName {
            what,
            name: name.to_owned(),
            expected,
        }
    }

    /// The name that was given.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names that are accepted.
    #[must_use]
    pub const fn expected(&self) -> &'static [&'static str] {
        self.expected
    }
}
