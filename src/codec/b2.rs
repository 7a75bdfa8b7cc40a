//! Backblaze B2: the `corsRules` of its native API (`b2_update_bucket`, the bucket object).
//!
//! Read: `{"corsRules": [...]}`, including a whole bucket object (its other members are
//! ignored), or the bare array. Written: `{"corsRules": [...]}`.
//!
//! Limits and semantics, from the provider's page on CORS rules
//! (<https://www.backblaze.com/b2/docs/cors_rules.html>), and for the S3-compatible API's
//! max-age range, its page on enabling CORS with that API
//! (<https://www.backblaze.com/docs/cloud-storage-enable-cors-with-the-s3-compatible-api>):
//! - at most [`MAX_RULES`] rules, each under [`MAX_RULE_BYTES`] bytes, counted as the sum of
//!   the UTF-8 lengths of its name, origins, operations and headers;
//! - `corsRuleName` is 6 to 50 letters, digits and `-`, not starting with `b2-`, unique;
//! - `allowedOrigins`: exact origins; one `*` within the host (`https://*.example.com`,
//!   matched on the scheme's default port only); `https` alone for any HTTPS origin on any
//!   port; `*` alone, as the only entry;
//! - `allowedOperations` name operations, not methods: `s3_get`, `s3_head`, `s3_put`,
//!   `s3_post`, `s3_delete`, and the native `b2_download_file_by_name`,
//!   `b2_download_file_by_id` (downloads, read as `GET`), `b2_upload_file` and
//!   `b2_upload_part` (uploads, read as `POST`); reading a native one widens access to the S3
//!   API's requests with that method;
//! - `allowedHeaders`: names, names ending in `*`, or `*`; `exposeHeaders`: names;
//! - `maxAgeSeconds` is required, 0 to [`MAX_AGE_SECONDS`].

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::codec::Format;
use crate::codec::convert::{
    ConversionError, ConversionErrorKind, ConversionWarning, HeaderShape, WarningKind, codec_error,
    has_key, header_shape, json_max_age, json_text, push_method, vary_lost,
};
use crate::error::{ConfigError, Field};
use crate::model::{CorsConfiguration, CorsMethod, CorsRule};

const FORMAT: Format = Format::B2Json;

/// The most CORS rules a B2 bucket holds (the provider's page on CORS rules).
pub const MAX_RULES: usize = 100;
/// Each rule must be shorter than this many bytes (the provider's page on CORS rules).
pub const MAX_RULE_BYTES: usize = 1000;
/// The largest `maxAgeSeconds` B2 takes: one day (the provider's page on CORS rules).
pub const MAX_AGE_SECONDS: u32 = 86_400;
/// The shortest and longest `corsRuleName` (the provider's page on CORS rules).
pub const NAME_CHARS: std::ops::RangeInclusive<usize> = 6..=50;

#[derive(Deserialize)]
struct BucketIn {
    #[serde(rename = "corsRules")]
    cors_rules: Vec<RuleIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleIn {
    #[serde(rename = "corsRuleName")]
    name: String,
    #[serde(rename = "allowedOrigins")]
    allowed_origins: Vec<String>,
    #[serde(rename = "allowedOperations")]
    allowed_operations: Vec<String>,
    #[serde(rename = "allowedHeaders", default)]
    allowed_headers: Option<Vec<String>>,
    #[serde(rename = "exposeHeaders", default)]
    expose_headers: Option<Vec<String>>,
    #[serde(rename = "maxAgeSeconds")]
    max_age_seconds: serde_json::Number,
}

#[derive(Serialize)]
struct BucketOut {
    #[serde(rename = "corsRules")]
    cors_rules: Vec<RuleOut>,
}

#[derive(Serialize)]
struct RuleOut {
    #[serde(rename = "corsRuleName")]
    name: String,
    #[serde(rename = "allowedOrigins")]
    allowed_origins: Vec<String>,
    #[serde(rename = "allowedOperations")]
    allowed_operations: Vec<&'static str>,
    #[serde(rename = "allowedHeaders", skip_serializing_if = "Vec::is_empty")]
    allowed_headers: Vec<String>,
    #[serde(rename = "exposeHeaders", skip_serializing_if = "Vec::is_empty")]
    expose_headers: Vec<String>,
    #[serde(rename = "maxAgeSeconds")]
    max_age_seconds: u32,
}

impl RuleOut {
    /// The size B2 counts: the UTF-8 lengths of every string of the rule.
    fn size(&self) -> usize {
        self.name.len()
            + self.allowed_origins.iter().map(String::len).sum::<usize>()
            + self
                .allowed_operations
                .iter()
                .map(|op| op.len())
                .sum::<usize>()
            + self.allowed_headers.iter().map(String::len).sum::<usize>()
            + self.expose_headers.iter().map(String::len).sum::<usize>()
    }
}

/// True for a JSON document with B2's `corsRules` or `corsRuleName` member.
pub(crate) fn sniff(bytes: &[u8]) -> bool {
    has_key(bytes, b"\"corsRules\"") || has_key(bytes, b"\"corsRuleName\"")
}

fn operation_method(operation: &str) -> Option<(CorsMethod, bool)> {
    Some(match operation {
        "s3_get" => (CorsMethod::Get, false),
        "s3_head" => (CorsMethod::Head, false),
        "s3_put" => (CorsMethod::Put, false),
        "s3_post" => (CorsMethod::Post, false),
        "s3_delete" => (CorsMethod::Delete, false),
        "b2_download_file_by_name" | "b2_download_file_by_id" => (CorsMethod::Get, true),
        "b2_upload_file" | "b2_upload_part" => (CorsMethod::Post, true),
        _ => return None,
    })
}

const fn method_operation(method: CorsMethod) -> &'static str {
    match method {
        CorsMethod::Get => "s3_get",
        CorsMethod::Head => "s3_head",
        CorsMethod::Put => "s3_put",
        CorsMethod::Post => "s3_post",
        CorsMethod::Delete => "s3_delete",
    }
}

fn valid_name(name: &str) -> bool {
    NAME_CHARS.contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with("b2-")
}

pub(crate) fn parse(
    bytes: &[u8],
) -> Result<(CorsConfiguration, Vec<ConversionWarning>), ConfigError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let malformed = |error: serde_json::Error| codec_error(FORMAT, None, error.to_string());
    let rules = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        serde_json::from_slice::<Vec<RuleIn>>(bytes).map_err(malformed)?
    } else {
        serde_json::from_slice::<BucketIn>(bytes)
            .map_err(malformed)?
            .cors_rules
    };
    if rules.len() > MAX_RULES {
        return Err(codec_error(
            FORMAT,
            None,
            format!("{} rules, more than b2's limit of {MAX_RULES}", rules.len()),
        ));
    }
    let mut warnings = Vec::new();
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(rules.len());
    for (index, rule) in rules.into_iter().enumerate() {
        let error = |detail: String| codec_error(FORMAT, Some(index), detail);
        if !valid_name(&rule.name) {
            return Err(error(format!(
                "rule name {:?} is not 6 to 50 letters, digits and -, or starts with b2-",
                rule.name
            )));
        }
        if !names.insert(rule.name.clone()) {
            return Err(error(format!("rule name {:?} is used twice", rule.name)));
        }
        let mut methods = Vec::new();
        for operation in &rule.allowed_operations {
            let (method, native) = operation_method(operation)
                .ok_or_else(|| error(format!("unknown operation {operation:?}")))?;
            push_method(&mut methods, method);
            if native {
                warnings.push(ConversionWarning::new(
                    Some(index),
                    Some(Field::AllowedMethod),
                    WarningKind::Widened {
                        from: operation.clone(),
                        to: method.as_str().to_owned(),
                        reason: "an s3 rule allows a method for every operation, not one native operation",
                    },
                ));
            }
        }
        let mut origins = Vec::with_capacity(rule.allowed_origins.len());
        for origin in rule.allowed_origins {
            if origin == "https" {
                origins.push("https://*".to_owned());
            } else if origin != "*" && origin.contains('*') {
                warnings.push(ConversionWarning::new(
                    Some(index),
                    Some(Field::AllowedOrigin),
                    WarningKind::Widened {
                        from: origin.clone(),
                        to: origin.clone(),
                        reason: "b2 matches the wildcard within the host on the default port; an s3 pattern's * also spans ports",
                    },
                ));
                origins.push(origin);
            } else {
                origins.push(origin);
            }
        }
        let size = rule.name.len()
            + origins.iter().map(String::len).sum::<usize>()
            + rule
                .allowed_operations
                .iter()
                .map(String::len)
                .sum::<usize>()
            + rule
                .allowed_headers
                .iter()
                .flatten()
                .map(String::len)
                .sum::<usize>()
            + rule
                .expose_headers
                .iter()
                .flatten()
                .map(String::len)
                .sum::<usize>();
        if size >= MAX_RULE_BYTES {
            return Err(error(format!(
                "rule of {size} bytes, not under b2's limit of {MAX_RULE_BYTES}"
            )));
        }
        out.push(CorsRule {
            id: Some(rule.name),
            allowed_origins: origins,
            allowed_methods: methods,
            allowed_headers: rule.allowed_headers.unwrap_or_default(),
            expose_headers: rule.expose_headers.unwrap_or_default(),
            max_age_seconds: json_max_age(
                FORMAT,
                index,
                Some(&rule.max_age_seconds),
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
    let wire = to_wire(config, &mut warnings);
    if wire.cors_rules.len() > MAX_RULES {
        return Err(ConversionError::new(
            FORMAT,
            None,
            ConversionErrorKind::TooManyRules {
                count: wire.cors_rules.len(),
                limit: MAX_RULES,
            },
        ));
    }
    for (index, rule) in wire.cors_rules.iter().enumerate() {
        let error = |kind| ConversionError::new(FORMAT, Some(index), kind);
        if rule.allowed_origins.is_empty() {
            return Err(error(ConversionErrorKind::NothingLeft {
                field: Field::AllowedOrigin,
            }));
        }
        if rule.allowed_operations.is_empty() {
            return Err(error(ConversionErrorKind::NothingLeft {
                field: Field::AllowedMethod,
            }));
        }
        let size = rule.size();
        if size >= MAX_RULE_BYTES {
            return Err(error(ConversionErrorKind::TooLarge {
                size,
                limit: MAX_RULE_BYTES - 1,
            }));
        }
    }
    Ok((json_text(&wire), warnings))
}

/// The document, leaving out what B2 cannot hold, even past its limits.
pub(crate) fn write_lossy(config: &CorsConfiguration) -> String {
    json_text(&to_wire(config, &mut Vec::new()))
}

fn to_wire(config: &CorsConfiguration, warnings: &mut Vec<ConversionWarning>) -> BucketOut {
    vary_lost(config, warnings);
    let mut used: HashSet<String> = config
        .rules
        .iter()
        .filter_map(|rule| rule.id.clone().filter(|id| valid_name(id)))
        .collect();
    let mut seen = HashSet::new();
    let cors_rules = config
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let warn = |warnings: &mut Vec<ConversionWarning>, field, kind| {
                warnings.push(ConversionWarning::new(Some(index), Some(field), kind));
            };
            let name = match &rule.id {
                Some(id) if valid_name(id) && seen.insert(id.clone()) => id.clone(),
                _ => {
                    let mut name = format!("rule-{index}");
                    let mut n = 0;
                    while used.contains(&name) {
                        n += 1;
                        name = format!("rule-{index}-{n}");
                    }
                    used.insert(name.clone());
                    warn(
                        warnings,
                        Field::Id,
                        WarningKind::IdChanged {
                            from: rule.id.clone(),
                            to: Some(name.clone()),
                        },
                    );
                    name
                }
            };
            let allowed_origins = if rule.allowed_origins.iter().any(|o| o == "*") {
                // `*` must stand alone; the other entries add nothing to it.
                vec!["*".to_owned()]
            } else {
                let mut origins: Vec<String> = Vec::new();
                for origin in &rule.allowed_origins {
                    if origin == "https://*" {
                        if !origins.iter().any(|o| o == "https") {
                            origins.push("https".to_owned());
                        }
                    } else if !origin.contains('*') {
                        origins.push(origin.clone());
                    } else if host_wildcard(origin) {
                        warn(
                            warnings,
                            Field::AllowedOrigin,
                            WarningKind::Narrowed {
                                from: origin.clone(),
                                to: origin.clone(),
                                reason: "b2 matches the wildcard within the host on the default port only",
                            },
                        );
                        origins.push(origin.clone());
                    } else {
                        warn(
                            warnings,
                            Field::AllowedOrigin,
                            WarningKind::Dropped {
                                value: origin.clone(),
                                reason: "b2 takes a wildcard only within the host of a scheme://host origin",
                            },
                        );
                    }
                }
                if origins.iter().any(|o| o == "https") {
                    // B2 takes no `https:` origin beside `https`, which covers them all.
                    origins.retain(|o| o == "https" || !o.starts_with("https:"));
                }
                origins
            };
            let mut allowed_operations = Vec::new();
            for method in &rule.allowed_methods {
                if let Some(method) = CorsMethod::from_name(method) {
                    let operation = method_operation(method);
                    if !allowed_operations.contains(&operation) {
                        allowed_operations.push(operation);
                    }
                }
            }
            let mut allowed_headers = Vec::new();
            for header in &rule.allowed_headers {
                if header_shape(header) == HeaderShape::Other {
                    warn(
                        warnings,
                        Field::AllowedHeader,
                        WarningKind::Dropped {
                            value: header.clone(),
                            reason: "b2 takes a wildcard only at the end of a header name",
                        },
                    );
                } else {
                    allowed_headers.push(header.clone());
                }
            }
            let max_age_seconds = match rule.max_age_seconds {
                Some(age) if age <= MAX_AGE_SECONDS => age,
                other => {
                    let to = other.map_or(0, |_| MAX_AGE_SECONDS);
                    warn(
                        warnings,
                        Field::MaxAgeSeconds,
                        WarningKind::MaxAgeChanged {
                            from: other,
                            to: Some(to),
                            reason: "b2 requires a max age of 0 to 86400 seconds",
                        },
                    );
                    to
                }
            };
            RuleOut {
                name,
                allowed_origins,
                allowed_operations,
                allowed_headers,
                expose_headers: rule.expose_headers.clone(),
                max_age_seconds,
            }
        })
        .collect();
    BucketOut { cors_rules }
}

/// True for `http://` or `https://` followed by a host with the one `*` in it.
fn host_wildcard(origin: &str) -> bool {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    rest.is_some_and(|host| {
        let host = host.split(':').next().unwrap_or(host);
        host.contains('*') && !host.contains('/')
    })
}
