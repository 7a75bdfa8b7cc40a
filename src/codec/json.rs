//! The AWS CLI / boto3 JSON codec: `{"CORSRules": [...]}` or the console's bare array.
//!
//! The wire structs are private; the model does not derive the wire shape. Unknown members,
//! duplicated members and values of the wrong type are refused, as boto3's parameter
//! validation refuses them.

use serde::{Deserialize, Serialize};

use crate::codec::Format;
use serde_json::error::Category;

use crate::error::{ConfigError, Field};
use crate::model::{CorsConfiguration, CorsRule};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireConfigIn {
    #[serde(rename = "CORSRules")]
    rules: Vec<WireRuleIn>,
    /// `aws s3api get-bucket-cors` prints this beside the rules; it carries no configuration.
    #[serde(rename = "ResponseMetadata", default)]
    _metadata: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRuleIn {
    #[serde(rename = "ID", default)]
    id: Option<String>,
    #[serde(rename = "AllowedHeaders", default)]
    allowed_headers: Option<Vec<String>>,
    #[serde(rename = "AllowedMethods", default)]
    allowed_methods: Option<Vec<String>>,
    #[serde(rename = "AllowedOrigins", default)]
    allowed_origins: Option<Vec<String>>,
    #[serde(rename = "ExposeHeaders", default)]
    expose_headers: Option<Vec<String>>,
    #[serde(rename = "MaxAgeSeconds", default)]
    max_age_seconds: Option<i64>,
}

#[derive(Serialize)]
struct WireConfigOut<'a> {
    #[serde(rename = "CORSRules")]
    rules: Vec<WireRuleOut<'a>>,
}

#[derive(Serialize)]
struct WireRuleOut<'a> {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "AllowedHeaders", skip_serializing_if = "<[_]>::is_empty")]
    allowed_headers: &'a [String],
    #[serde(rename = "AllowedMethods", skip_serializing_if = "<[_]>::is_empty")]
    allowed_methods: &'a [String],
    #[serde(rename = "AllowedOrigins", skip_serializing_if = "<[_]>::is_empty")]
    allowed_origins: &'a [String],
    #[serde(rename = "ExposeHeaders", skip_serializing_if = "<[_]>::is_empty")]
    expose_headers: &'a [String],
    #[serde(rename = "MaxAgeSeconds", skip_serializing_if = "Option::is_none")]
    max_age_seconds: Option<u32>,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<CorsConfiguration, ConfigError> {
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let bytes = &bytes[bom..];
    let malformed = |error: serde_json::Error| malformed(bytes, bom, error);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let rules = if first == Some(&b'[') {
        serde_json::from_slice::<Vec<WireRuleIn>>(bytes).map_err(malformed)?
    } else {
        serde_json::from_slice::<WireConfigIn>(bytes)
            .map_err(malformed)?
            .rules
    };
    let rules = rules
        .into_iter()
        .enumerate()
        .map(|(index, rule)| {
            let max_age_seconds = match rule.max_age_seconds {
                None => None,
                Some(value) => Some(u32::try_from(value).map_err(|_| {
                    ConfigError::malformed(
                        Format::Json,
                        format!("MaxAgeSeconds {value} is not a non-negative 32-bit integer"),
                    )
                    .with_rule(Some(index))
                    .with_field(Some(Field::MaxAgeSeconds))
                })?),
            };
            Ok(CorsRule {
                id: rule.id,
                allowed_origins: rule.allowed_origins.unwrap_or_default(),
                allowed_methods: rule.allowed_methods.unwrap_or_default(),
                allowed_headers: rule.allowed_headers.unwrap_or_default(),
                expose_headers: rule.expose_headers.unwrap_or_default(),
                max_age_seconds,
            })
        })
        .collect::<Result<Vec<_>, ConfigError>>()?;
    Ok(CorsConfiguration::new(rules))
}

/// A `serde_json` error, kept as the source, with the byte offset its line and column point
/// at (`bom` bytes before `bytes` were left out of the reading).
fn malformed(bytes: &[u8], bom: usize, error: serde_json::Error) -> ConfigError {
    let detail = match error.classify() {
        Category::Eof => "unexpected end of document",
        Category::Syntax => "not well-formed json",
        Category::Data | Category::Io => "not the aws cli shape of a cors configuration",
    };
    let err = ConfigError::malformed(Format::Json, detail);
    let offset = byte_offset(bytes, error.line(), error.column());
    let err = match offset {
        Some(offset) => err.with_offset(bom + offset),
        None => err,
    };
    err.with_source(error)
}

/// The byte offset just after what serde_json had read when it stopped: its line is 1-based,
/// its column the number of bytes it read on that line; `None` when the error has no
/// position.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let line_start = if line == 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', bytes).nth(line - 2)? + 1
    };
    Some((line_start + column).min(bytes.len()))
}

pub(crate) fn write(config: &CorsConfiguration) -> String {
    let wire = WireConfigOut {
        rules: config
            .rules
            .iter()
            .map(|rule| WireRuleOut {
                id: rule.id.as_deref(),
                allowed_headers: &rule.allowed_headers,
                allowed_methods: &rule.allowed_methods,
                allowed_origins: &rule.allowed_origins,
                expose_headers: &rule.expose_headers,
                max_age_seconds: rule.max_age_seconds,
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&wire).unwrap_or_else(|_| String::from("{}"));
    out.push('\n');
    out
}

impl CorsConfiguration {
    /// Reads the AWS CLI / boto3 JSON shape `{"CORSRules": [...]}` (a `ResponseMetadata`
    /// member, as `get-bucket-cors` prints it, is ignored), or a bare array of rules.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] of kind [`TooLarge`](crate::ConfigErrorKind::TooLarge) over 64 KB, or
    /// [`Malformed`](crate::ConfigErrorKind::Malformed) for JSON that is not well-formed, has
    /// unknown or duplicated members, or values of the wrong type; its
    /// [`source`](std::error::Error::source) is `serde_json`'s error.
    pub fn from_json(bytes: &[u8]) -> Result<CorsConfiguration, ConfigError> {
        Self::parse_as(bytes, Format::Json)
    }

    /// Writes the AWS CLI / boto3 JSON shape `{"CORSRules": [...]}`. Empty lists and an unset
    /// `MaxAgeSeconds` are left out, as `get-bucket-cors` leaves them out.
    #[must_use]
    pub fn to_json(&self) -> String {
        self.write(Format::Json)
    }
}
