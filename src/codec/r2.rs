//! Cloudflare R2: the CORS policy of its REST API and `wrangler r2 bucket cors`.
//!
//! Shape: `{"rules": [{"allowed": {"origins", "methods", "headers"}, "exposeHeaders",
//! "maxAgeSeconds", "id"}]}`, also inside the API's `{"result": {...}, "success": ...}`
//! envelope. R2 also takes S3 XML and the AWS JSON shapes, which [`Format::S3Xml`] and
//! [`Format::Json`] read.
//!
//! Limits and semantics, from the API reference for the bucket CORS policy
//! (<https://developers.cloudflare.com/api/resources/r2/subresources/buckets/subresources/cors>)
//! and the CORS guide (<https://developers.cloudflare.com/r2/buckets/cors/>):
//! - `methods` are the same five as S3's;
//! - origins, headers and exposed headers are S3's;
//! - `maxAgeSeconds` is at most [`MAX_AGE_SECONDS`] (one day).

use serde::{Deserialize, Serialize};

use crate::codec::Format;
use crate::codec::convert::{
    ConversionError, ConversionWarning, WarningKind, codec_error, has_key, json_max_age, json_text,
    vary_lost,
};
use crate::error::{ConfigError, Field};
use crate::model::{CorsConfiguration, CorsMethod, CorsRule};

const FORMAT: Format = Format::R2Json;

/// The largest `maxAgeSeconds` R2 takes: 86 400 seconds (the API reference for the bucket
/// CORS policy).
pub const MAX_AGE_SECONDS: u32 = 86_400;

#[derive(Deserialize)]
struct PolicyIn {
    #[serde(default)]
    rules: Option<Vec<RuleIn>>,
    /// The REST API's envelope: `{"result": {"rules": [...]}, "success": true, ...}`.
    #[serde(default)]
    result: Option<Box<PolicyIn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleIn {
    allowed: AllowedIn,
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "exposeHeaders", default)]
    expose_headers: Option<Vec<String>>,
    #[serde(rename = "maxAgeSeconds", default)]
    max_age_seconds: Option<serde_json::Number>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowedIn {
    #[serde(default)]
    origins: Option<Vec<String>>,
    #[serde(default)]
    methods: Option<Vec<String>>,
    #[serde(default)]
    headers: Option<Vec<String>>,
}

#[derive(Serialize)]
struct PolicyOut<'a> {
    rules: Vec<RuleOut<'a>>,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    allowed: AllowedOut<'a>,
    #[serde(rename = "exposeHeaders", skip_serializing_if = "<[_]>::is_empty")]
    expose_headers: &'a [String],
    #[serde(rename = "maxAgeSeconds", skip_serializing_if = "Option::is_none")]
    max_age_seconds: Option<u32>,
}

#[derive(Serialize)]
struct AllowedOut<'a> {
    origins: &'a [String],
    methods: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    headers: &'a [String],
}

/// True for a JSON document with R2's `allowed` member.
pub(crate) fn sniff(bytes: &[u8]) -> bool {
    has_key(bytes, b"\"allowed\"") && has_key(bytes, b"\"rules\"")
}

pub(crate) fn parse(
    bytes: &[u8],
) -> Result<(CorsConfiguration, Vec<ConversionWarning>), ConfigError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut policy = serde_json::from_slice::<PolicyIn>(bytes)
        .map_err(|error| codec_error(FORMAT, None, error.to_string()))?;
    let rules = loop {
        match (policy.rules, policy.result) {
            (Some(rules), _) => break rules,
            (None, Some(inner)) => policy = *inner,
            (None, None) => return Err(codec_error(FORMAT, None, "no rules member".to_owned())),
        }
    };
    let mut warnings = Vec::new();
    let mut out = Vec::with_capacity(rules.len());
    for (index, rule) in rules.into_iter().enumerate() {
        let mut methods = Vec::new();
        for method in rule.allowed.methods.unwrap_or_default() {
            if CorsMethod::from_name(&method).is_some() {
                methods.push(method);
            } else {
                warnings.push(ConversionWarning::new(
                    Some(index),
                    Some(Field::AllowedMethod),
                    WarningKind::Dropped {
                        value: method,
                        reason: "not one of the five methods r2 and s3 allow",
                    },
                ));
            }
        }
        out.push(CorsRule {
            id: rule.id,
            allowed_origins: rule.allowed.origins.unwrap_or_default(),
            allowed_methods: methods,
            allowed_headers: rule.allowed.headers.unwrap_or_default(),
            expose_headers: rule.expose_headers.unwrap_or_default(),
            max_age_seconds: json_max_age(
                FORMAT,
                index,
                rule.max_age_seconds.as_ref(),
                Some(MAX_AGE_SECONDS),
            )?,
        });
    }
    Ok((CorsConfiguration::new(out), warnings))
}

pub(crate) fn write(
    config: &CorsConfiguration,
) -> Result<(String, Vec<ConversionWarning>), ConversionError> {
    let mut warnings = Vec::new();
    let text = render(config, &mut warnings);
    Ok((text, warnings))
}

/// The document; R2 can hold every valid S3 configuration, with the max age capped.
pub(crate) fn write_lossy(config: &CorsConfiguration) -> String {
    render(config, &mut Vec::new())
}

fn render(config: &CorsConfiguration, warnings: &mut Vec<ConversionWarning>) -> String {
    vary_lost(config, warnings);
    let rules = config
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let max_age_seconds = rule.max_age_seconds.map(|age| {
                if age > MAX_AGE_SECONDS {
                    warnings.push(ConversionWarning::new(
                        Some(index),
                        Some(Field::MaxAgeSeconds),
                        WarningKind::MaxAgeChanged {
                            from: Some(age),
                            to: Some(MAX_AGE_SECONDS),
                            reason: "r2 caps the max age at one day",
                        },
                    ));
                }
                age.min(MAX_AGE_SECONDS)
            });
            RuleOut {
                id: rule.id.as_deref(),
                allowed: AllowedOut {
                    origins: &rule.allowed_origins,
                    methods: &rule.allowed_methods,
                    headers: &rule.allowed_headers,
                },
                expose_headers: &rule.expose_headers,
                max_age_seconds,
            }
        })
        .collect();
    json_text(&PolicyOut { rules })
}
