//! S3's rules for a CORS configuration, each with S3's answer.
//!
//! The checks run in two stages, as S3 validates a document against its schema before it
//! checks the rules' meaning:
//!
//! 1. Shape (`MalformedXML`): at least one rule; every rule has an `AllowedOrigin` and an
//!    `AllowedMethod`; `ID` at most 255 characters; `MaxAgeSeconds` within a signed 32-bit
//!    integer; in the OSS dialect, no `ID`. Rules are checked in document order.
//! 2. Meaning (`InvalidRequest`): the rule count, then rule by rule, stopping at the first
//!    error: methods (the first bad one in document order), origins, allowed headers, expose
//!    headers, ID characters.

use crate::error::{ConfigError, ConfigErrorKind, Field};
use crate::model::CorsMethod;
use std::fmt;
use std::str::FromStr;

use crate::error::UnknownName;
use crate::model::{CorsConfiguration, CorsRule};
use crate::s3::{MAX_ID_CHARS, OSS_MAX_RULES, S3_MAX_RULES};
use crate::syntax::TCHAR;

/// Whose rules a configuration is checked against.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// Amazon S3: at most 100 rules.
    #[default]
    S3,
    /// Alibaba OSS: at most 10 rules, no `ID`.
    Oss,
}

impl Dialect {
    /// The most rules this dialect accepts.
    #[must_use]
    pub const fn max_rules(self) -> usize {
        match self {
            Dialect::S3 => S3_MAX_RULES,
            Dialect::Oss => OSS_MAX_RULES,
        }
    }
}

impl Dialect {
    /// A short lowercase name: `s3` or `oss`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::S3 => "s3",
            Dialect::Oss => "oss",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = UnknownName;

    /// `s3` or `oss`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "s3" => Ok(Dialect::S3),
            "oss" => Ok(Dialect::Oss),
            _ => Err(UnknownName::new("dialect", name, &["s3", "oss"])),
        }
    }
}

/// How strictly to validate. The default is S3-exact.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValidationOptions {
    /// Whose rule limits apply.
    pub dialect: Dialect,
    /// Accept what S3 rejects but other providers accept: a `*` in `ExposeHeader` (Linode's
    /// guides publish one). Everything else stays S3-exact.
    pub lenient: bool,
}

impl ValidationOptions {
    /// S3-exact validation.
    #[must_use]
    pub const fn s3() -> Self {
        ValidationOptions {
            dialect: Dialect::S3,
            lenient: false,
        }
    }

    /// Sets the dialect.
    #[must_use]
    pub const fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// Turns lenient mode on or off.
    #[must_use]
    pub const fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }
}

impl CorsConfiguration {
    /// Checks the configuration against S3's rules and answers as S3 would.
    ///
    /// ```
    /// use bucket_cors::{CorsConfiguration, CorsRule};
    /// use bucket_cors::s3::S3ErrorCode;
    ///
    /// let config = CorsConfiguration::new(vec![
    ///     CorsRule::new().allowed_origin("*").allowed_method("PATCH"),
    /// ]);
    /// let err = config.validate().unwrap_err();
    /// assert_eq!(err.s3_code(), S3ErrorCode::InvalidRequest);
    /// assert_eq!(
    ///     err.s3_message(),
    ///     "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// The first [`ConfigError`] found, in the order the module documentation gives.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_with(&ValidationOptions::s3())
    }

    /// Checks the configuration with the given options.
    ///
    /// # Errors
    ///
    /// As [`CorsConfiguration::validate`].
    pub fn validate_with(&self, options: &ValidationOptions) -> Result<(), ConfigError> {
        if self.rules.is_empty() {
            return Err(ConfigError::new(ConfigErrorKind::NoRules));
        }
        for (index, rule) in self.rules.iter().enumerate() {
            check_shape(index, rule, options)?;
        }
        let limit = options.dialect.max_rules();
        if self.rules.len() > limit {
            return Err(ConfigError::too_many_rules(self.rules.len(), limit));
        }
        for (index, rule) in self.rules.iter().enumerate() {
            check_meaning(index, rule, options)?;
        }
        Ok(())
    }
}

fn check_shape(rule: usize, r: &CorsRule, options: &ValidationOptions) -> Result<(), ConfigError> {
    let error = |kind| Err(ConfigError::in_rule(rule, kind));
    if r.allowed_origins.is_empty() {
        return error(ConfigErrorKind::MissingAllowedOrigin);
    }
    if r.allowed_methods.is_empty() {
        return error(ConfigErrorKind::MissingAllowedMethod);
    }
    if let Some(id) = &r.id {
        if options.dialect == Dialect::Oss {
            return error(ConfigErrorKind::IdNotSupported);
        }
        let chars = id.chars().count();
        if chars > MAX_ID_CHARS {
            return error(ConfigErrorKind::IdTooLong { chars });
        }
    }
    if let Some(value) = r.max_age_seconds {
        if i32::try_from(value).is_err() {
            return error(ConfigErrorKind::MaxAgeOutOfRange { value });
        }
    }
    Ok(())
}

fn check_meaning(
    rule: usize,
    r: &CorsRule,
    options: &ValidationOptions,
) -> Result<(), ConfigError> {
    if let Some(method) = r
        .allowed_methods
        .iter()
        .find(|m| CorsMethod::from_name(m).is_none())
    {
        return Err(ConfigError::in_rule(
            rule,
            ConfigErrorKind::UnsupportedMethod {
                method: method.clone(),
            },
        ));
    }
    for origin in &r.allowed_origins {
        let Some(stars) = text_wildcards(origin) else {
            return Err(invalid(rule, Field::AllowedOrigin, origin));
        };
        if stars > 1 {
            return Err(ConfigError::in_rule(
                rule,
                ConfigErrorKind::TooManyWildcards {
                    field: Field::AllowedOrigin,
                    value: origin.clone(),
                },
            ));
        }
    }
    for header in &r.allowed_headers {
        let Some(stars) = token_wildcards(header) else {
            return Err(invalid(rule, Field::AllowedHeader, header));
        };
        if stars > 1 {
            return Err(ConfigError::in_rule(
                rule,
                ConfigErrorKind::TooManyWildcards {
                    field: Field::AllowedHeader,
                    value: header.clone(),
                },
            ));
        }
    }
    for header in &r.expose_headers {
        let Some(stars) = token_wildcards(header) else {
            return Err(invalid(rule, Field::ExposeHeader, header));
        };
        if !options.lenient && stars > 0 {
            return Err(ConfigError::in_rule(
                rule,
                ConfigErrorKind::ExposeHeaderWildcard {
                    value: header.clone(),
                },
            ));
        }
    }
    if let Some(id) = &r.id {
        if text_wildcards(id).is_none() {
            return Err(invalid(rule, Field::Id, id));
        }
    }
    Ok(())
}

fn invalid(rule: usize, field: Field, value: &str) -> ConfigError {
    ConfigError::in_rule(
        rule,
        ConfigErrorKind::InvalidCharacter {
            field,
            value: value.to_owned(),
        },
    )
}

/// The number of `*` in a value that may be stored, or `None` when it holds a character it may
/// not: a control character (C0 or DEL), or U+FFFE or U+FFFF, which XML cannot carry (the
/// XML writer would have to alter them). The first passes have no early exit, so the
/// compiler can test many bytes at a time; only a value with a byte that needs a closer look
/// (`EF` may start U+FFFE or U+FFFF) is read byte by byte.
fn text_wildcards(value: &str) -> Option<usize> {
    let bytes = value.as_bytes();
    let stars = bytes.iter().filter(|&&b| b == b'*').count();
    let suspect = bytes.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == 0x7f) | (b == 0xef)
    });
    if !suspect {
        return Some(stars);
    }
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            0..0x20 | 0x7f => return None,
            // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8.
            0xef if bytes.get(i + 1) == Some(&0xbf)
                && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) =>
            {
                return None;
            }
            _ => {}
        }
    }
    Some(stars)
}

/// The number of `*` in an HTTP token (`*` is a `tchar`) or the empty string, or `None` when
/// the value is neither. Names as people write them (lower-case letters, digits, `-`) are
/// told apart in a pass without an early exit; any other is read by table.
fn token_wildcards(value: &str) -> Option<usize> {
    let bytes = value.as_bytes();
    let plain = bytes.iter().fold(true, |all, &b| {
        all & (b.is_ascii_lowercase() | b.is_ascii_digit() | (b == b'-'))
    });
    if plain {
        return Some(0);
    }
    let mut stars = 0;
    for &b in bytes {
        if !TCHAR[usize::from(b)] {
            return None;
        }
        stars += usize::from(b == b'*');
    }
    Some(stars)
}
