//! Google Cloud Storage: the bucket's `cors` list of the JSON API.
//!
//! Read: the bare array gcloud and gsutil take (`[{"origin": [...], ...}]`), or an object
//! with a `cors` member, such as a whole bucket resource (its other members are ignored).
//! Written: `{"cors": [...]}`, the body `buckets.patch` takes.
//!
//! Semantics, from the provider's pages on CORS
//! (<https://cloud.google.com/storage/docs/cross-origin>) and the bucket resource
//! (<https://cloud.google.com/storage/docs/json_api/v1/buckets>):
//! - an entry matches on origin and method only; there is no list of allowed request headers,
//!   so an entry reads as allowing any (`AllowedHeader` `*`), and writing a rule with a
//!   narrower list widens access;
//! - `origin` holds exact origins or `*` alone; a pattern such as `https://*.example.com` is not
//!   documented, so it is left out on writing and on reading;
//! - `method` may hold any HTTP method and `*` (any method); the S3 model holds five, so `*`
//!   reads as those five and the others are left out;
//! - `responseHeader` is the list of response headers shared with the page (S3's
//!   `ExposeHeader`); `maxAgeSeconds` is the preflight cache age;
//! - entries have no name, and no entry count is documented (the 64 KB document limit holds).

use serde::{Deserialize, Serialize};

use crate::codec::Format;
use crate::codec::convert::{
    ALL_METHODS, ConversionError, ConversionErrorKind, ConversionWarning, WarningKind, codec_error,
    has_key, json_max_age, json_text, push_method, vary_lost,
};
use crate::error::{ConfigError, Field};
use crate::model::{CorsConfiguration, CorsMethod, CorsRule};

const FORMAT: Format = Format::GcsJson;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryIn {
    #[serde(default)]
    origin: Option<Vec<String>>,
    #[serde(default)]
    method: Option<Vec<String>>,
    #[serde(rename = "responseHeader", default)]
    response_header: Option<Vec<String>>,
    #[serde(rename = "maxAgeSeconds", default)]
    max_age_seconds: Option<serde_json::Number>,
}

/// A bucket resource or a patch body: only `cors` is read.
#[derive(Deserialize)]
struct BucketIn {
    cors: Vec<EntryIn>,
}

#[derive(Serialize)]
struct BucketOut<'a> {
    cors: Vec<EntryOut<'a>>,
}

#[derive(Serialize)]
struct EntryOut<'a> {
    origin: Vec<&'a str>,
    method: Vec<&'a str>,
    #[serde(rename = "responseHeader", skip_serializing_if = "Vec::is_empty")]
    response_header: Vec<&'a str>,
    #[serde(rename = "maxAgeSeconds", skip_serializing_if = "Option::is_none")]
    max_age_seconds: Option<u32>,
}

/// True for a JSON document with GCS's `origin` member and none of the AWS shape's.
pub(crate) fn sniff(bytes: &[u8]) -> bool {
    has_key(bytes, b"\"origin\"") && !has_key(bytes, b"\"AllowedOrigins\"")
}

pub(crate) fn parse(
    bytes: &[u8],
) -> Result<(CorsConfiguration, Vec<ConversionWarning>), ConfigError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let malformed = |error: serde_json::Error| codec_error(FORMAT, None, error.to_string());
    let entries = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        serde_json::from_slice::<Vec<EntryIn>>(bytes).map_err(malformed)?
    } else {
        serde_json::from_slice::<BucketIn>(bytes)
            .map_err(malformed)?
            .cors
    };
    let mut warnings = Vec::new();
    let mut rules = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        let mut rule = CorsRule::new();
        for origin in entry.origin.unwrap_or_default() {
            if origin != "*" && origin.contains('*') {
                warnings.push(dropped(index, Field::AllowedOrigin, origin, PATTERN_REASON));
            } else {
                rule.allowed_origins.push(origin);
            }
        }
        for method in entry.method.unwrap_or_default() {
            if method == "*" {
                for each in CorsMethod::ALL {
                    push_method(&mut rule.allowed_methods, each);
                }
                warnings.push(ConversionWarning::new(
                    Some(index),
                    Some(Field::AllowedMethod),
                    WarningKind::Narrowed {
                        from: method,
                        to: ALL_METHODS.to_owned(),
                        reason: "s3 rules allow only these five methods",
                    },
                ));
            } else if let Some(known) = CorsMethod::from_name(&method.to_ascii_uppercase()) {
                push_method(&mut rule.allowed_methods, known);
            } else {
                warnings.push(dropped(
                    index,
                    Field::AllowedMethod,
                    method,
                    "not one of the five methods an s3 rule allows",
                ));
            }
        }
        rule.allowed_headers.push("*".to_owned());
        rule.expose_headers = entry.response_header.unwrap_or_default();
        rule.max_age_seconds = json_max_age(FORMAT, index, entry.max_age_seconds.as_ref(), None)?;
        rules.push(rule);
    }
    Ok((CorsConfiguration::new(rules), warnings))
}

const PATTERN_REASON: &str = "gcs documents no origin pattern besides * alone";

fn dropped(index: usize, field: Field, value: String, reason: &'static str) -> ConversionWarning {
    ConversionWarning::new(
        Some(index),
        Some(field),
        WarningKind::Dropped { value, reason },
    )
}

pub(crate) fn write(
    config: &CorsConfiguration,
) -> Result<(String, Vec<ConversionWarning>), ConversionError> {
    let mut warnings = Vec::new();
    let wire = to_wire(config, &mut warnings);
    for (index, entry) in wire.cors.iter().enumerate() {
        if entry.origin.is_empty() {
            return Err(nothing_left(index, Field::AllowedOrigin));
        }
        if entry.method.is_empty() {
            return Err(nothing_left(index, Field::AllowedMethod));
        }
    }
    Ok((json_text(&wire), warnings))
}

fn nothing_left(index: usize, field: Field) -> ConversionError {
    ConversionError::new(
        FORMAT,
        Some(index),
        ConversionErrorKind::NothingLeft { field },
    )
}

/// The document, leaving out what GCS cannot hold.
pub(crate) fn write_lossy(config: &CorsConfiguration) -> String {
    json_text(&to_wire(config, &mut Vec::new()))
}

fn to_wire<'a>(
    config: &'a CorsConfiguration,
    warnings: &mut Vec<ConversionWarning>,
) -> BucketOut<'a> {
    vary_lost(config, warnings);
    let cors = config
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
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
            let mut origin = Vec::with_capacity(rule.allowed_origins.len());
            for value in &rule.allowed_origins {
                if value != "*" && value.contains('*') {
                    warnings.push(dropped(
                        index,
                        Field::AllowedOrigin,
                        value.clone(),
                        PATTERN_REASON,
                    ));
                } else {
                    origin.push(value.as_str());
                }
            }
            if !rule.allowed_headers.iter().any(|h| h == "*") {
                let from = if rule.allowed_headers.is_empty() {
                    "(none)".to_owned()
                } else {
                    rule.allowed_headers.join(", ")
                };
                warnings.push(ConversionWarning::new(
                    Some(index),
                    Some(Field::AllowedHeader),
                    WarningKind::Widened {
                        from,
                        to: "*".to_owned(),
                        reason: "gcs checks no request header, so any is allowed",
                    },
                ));
            }
            EntryOut {
                origin,
                method: rule.allowed_methods.iter().map(String::as_str).collect(),
                response_header: rule.expose_headers.iter().map(String::as_str).collect(),
                max_age_seconds: rule.max_age_seconds,
            }
        })
        .collect();
    BucketOut { cors }
}
