//! Errors, and their mapping to S3's wire answers in one place.
//!
//! Every error has two texts. [`Display`](std::fmt::Display) is for logs: lowercase, specific,
//! naming the rule index and the field. [`ConfigError::s3_message`] is the exact `<Message>`
//! Amazon S3 puts in its error body, so a server can answer with it as is, together with
//! [`ConfigError::s3_code`] and [`ConfigError::http_status`].

use std::fmt;

use crate::codec::Format;
use crate::s3::{MALFORMED_XML_MESSAGE, S3ErrorCode};

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
/// Rule indexes are 0-based, in document order.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The document is larger than the limit (64 KB for S3), decided before any parsing.
    TooLarge {
        /// The document's size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The document could not be read: not well-formed, the wrong root, an unknown or repeated
    /// element, a value of the wrong type. S3 answers `MalformedXML`.
    Malformed {
        /// The format that was being read.
        format: Format,
        /// The rule being read when the problem was found, if any.
        rule: Option<usize>,
        /// What was wrong, for logs.
        detail: String,
    },
    /// The configuration has no rule at all.
    NoRules,
    /// A rule has no `AllowedOrigin`.
    MissingAllowedOrigin {
        /// The rule's index.
        rule: usize,
    },
    /// A rule has no `AllowedMethod`.
    MissingAllowedMethod {
        /// The rule's index.
        rule: usize,
    },
    /// A rule's `ID` is longer than 255 characters.
    IdTooLong {
        /// The rule's index.
        rule: usize,
        /// The ID's length in characters.
        chars: usize,
    },
    /// A rule's `MaxAgeSeconds` is beyond what S3's schema holds (a signed 32-bit integer).
    MaxAgeOutOfRange {
        /// The rule's index.
        rule: usize,
        /// The value.
        value: u32,
    },
    /// More rules than the dialect allows (100 for S3, 10 for OSS).
    TooManyRules {
        /// How many rules the configuration has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An `AllowedMethod` other than `GET`, `PUT`, `HEAD`, `POST` or `DELETE` (case-sensitive).
    UnsupportedMethod {
        /// The rule's index.
        rule: usize,
        /// The method as written.
        method: String,
    },
    /// An `AllowedOrigin` or `AllowedHeader` with more than one `*`.
    TooManyWildcards {
        /// The rule's index.
        rule: usize,
        /// [`Field::AllowedOrigin`] or [`Field::AllowedHeader`].
        field: Field,
        /// The value as written.
        value: String,
    },
    /// An `ExposeHeader` that contains `*`.
    ExposeHeaderWildcard {
        /// The rule's index.
        rule: usize,
        /// The value as written.
        value: String,
    },
    /// A value with a character it may not hold: a control character anywhere, or a header
    /// name that is not an HTTP token.
    InvalidCharacter {
        /// The rule's index.
        rule: usize,
        /// The field.
        field: Field,
        /// The value as written.
        value: String,
    },
    /// The rule has an `ID`, which the OSS dialect does not have.
    IdNotSupported {
        /// The rule's index.
        rule: usize,
    },
}

impl ConfigError {
    /// The S3 error code a server answers with.
    #[must_use]
    pub const fn s3_code(&self) -> S3ErrorCode {
        match self {
            ConfigError::TooLarge { .. } => S3ErrorCode::MaxMessageLengthExceeded,
            ConfigError::Malformed { .. }
            | ConfigError::NoRules
            | ConfigError::MissingAllowedOrigin { .. }
            | ConfigError::MissingAllowedMethod { .. }
            | ConfigError::IdTooLong { .. }
            | ConfigError::MaxAgeOutOfRange { .. }
            | ConfigError::IdNotSupported { .. } => S3ErrorCode::MalformedXml,
            ConfigError::TooManyRules { .. }
            | ConfigError::UnsupportedMethod { .. }
            | ConfigError::TooManyWildcards { .. }
            | ConfigError::ExposeHeaderWildcard { .. }
            | ConfigError::InvalidCharacter { .. } => S3ErrorCode::InvalidRequest,
        }
    }

    /// The HTTP status a server answers with (always 400 for configuration errors).
    #[must_use]
    pub const fn http_status(&self) -> u16 {
        self.s3_code().http_status()
    }

    /// The 0-based index of the rule at fault, when one rule is.
    #[must_use]
    pub const fn rule(&self) -> Option<usize> {
        match self {
            ConfigError::Malformed { rule, .. } => *rule,
            ConfigError::MissingAllowedOrigin { rule }
            | ConfigError::MissingAllowedMethod { rule }
            | ConfigError::IdTooLong { rule, .. }
            | ConfigError::MaxAgeOutOfRange { rule, .. }
            | ConfigError::UnsupportedMethod { rule, .. }
            | ConfigError::TooManyWildcards { rule, .. }
            | ConfigError::ExposeHeaderWildcard { rule, .. }
            | ConfigError::InvalidCharacter { rule, .. }
            | ConfigError::IdNotSupported { rule } => Some(*rule),
            ConfigError::TooLarge { .. }
            | ConfigError::NoRules
            | ConfigError::TooManyRules { .. } => None,
        }
    }

    /// The exact `<Message>` S3 puts in its error body for this error.
    #[must_use]
    pub fn s3_message(&self) -> String {
        match self {
            ConfigError::TooLarge { .. } => "Your request was too big.".to_owned(),
            ConfigError::TooManyRules { limit, .. } => format!(
                "The number of CORS rules should not exceed allowed limit of {limit} rules."
            ),
            ConfigError::UnsupportedMethod { method, .. } => format!(
                "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            ),
            ConfigError::TooManyWildcards { field, value, .. } => {
                format!("{field} \"{value}\" can not have more than one wildcard.")
            }
            ConfigError::ExposeHeaderWildcard { value, .. } => format!(
                "ExposeHeader \"{value}\" contains wildcard. We currently do not support wildcard for ExposeHeader."
            ),
            ConfigError::InvalidCharacter { field, value, .. } => {
                format!("{field} \"{value}\" contains invalid character.")
            }
            _ => MALFORMED_XML_MESSAGE.to_owned(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::TooLarge { size, limit } => {
                write!(
                    f,
                    "document of {size} bytes is larger than the limit of {limit} bytes"
                )
            }
            ConfigError::Malformed {
                format,
                rule: Some(rule),
                detail,
            } => write!(f, "malformed {format} document, rule {rule}: {detail}"),
            ConfigError::Malformed {
                format,
                rule: None,
                detail,
            } => write!(f, "malformed {format} document: {detail}"),
            ConfigError::NoRules => f.write_str("configuration has no rules"),
            ConfigError::MissingAllowedOrigin { rule } => {
                write!(f, "rule {rule}: no allowed origin")
            }
            ConfigError::MissingAllowedMethod { rule } => {
                write!(f, "rule {rule}: no allowed method")
            }
            ConfigError::IdTooLong { rule, chars } => {
                write!(
                    f,
                    "rule {rule}: id of {chars} characters is longer than 255"
                )
            }
            ConfigError::MaxAgeOutOfRange { rule, value } => write!(
                f,
                "rule {rule}: max age seconds {value} is larger than {}",
                i32::MAX
            ),
            ConfigError::TooManyRules { count, limit } => {
                write!(f, "{count} rules, more than the limit of {limit}")
            }
            ConfigError::UnsupportedMethod { rule, method } => {
                write!(f, "rule {rule}: unsupported allowed method {method:?}")
            }
            ConfigError::TooManyWildcards { rule, field, value } => write!(
                f,
                "rule {rule}: {} {value:?} has more than one wildcard",
                field.log_name()
            ),
            ConfigError::ExposeHeaderWildcard { rule, value } => {
                write!(
                    f,
                    "rule {rule}: expose header {value:?} contains a wildcard"
                )
            }
            ConfigError::InvalidCharacter { rule, field, value } => write!(
                f,
                "rule {rule}: {} {value:?} contains an invalid character",
                field.log_name()
            ),
            ConfigError::IdNotSupported { rule } => {
                write!(f, "rule {rule}: the oss dialect has no id")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

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
