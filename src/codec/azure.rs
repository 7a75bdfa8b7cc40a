//! Azure Blob Storage: the `<Cors>` element of the service properties
//! (`Set Blob Service Properties`).
//!
//! Read: a `<StorageServiceProperties>` document (its other elements, such as `Logging`, are
//! skipped) or a bare `<Cors>`. Written: `<StorageServiceProperties>` holding only `<Cors>`,
//! which the service takes as a change of the CORS rules alone.
//!
//! Limits and semantics, from the provider's page on CORS support for Azure Storage
//! (<https://learn.microsoft.com/rest/api/storageservices/cross-origin-resource-sharing--cors--support-for-the-azure-storage-services>):
//! - each list is one comma-separated value, so a value holding a comma cannot be written;
//! - at most [`MAX_RULES`] rules, and at most [`MAX_TOTAL_BYTES`] bytes of rule text in all;
//! - origins match exactly (case-sensitively) or by `*` alone: no patterns; at most
//!   [`MAX_ORIGINS`] per rule;
//! - headers: names, or prefixes ending in `*` (at most [`MAX_PREFIXED_HEADERS`] per list
//!   beside at most [`MAX_LITERAL_HEADERS`] names), or `*`; each value at most
//!   [`MAX_VALUE_CHARS`] characters;
//! - methods: S3's five, and `MERGE`, `OPTIONS` and `PATCH`, which an S3 rule cannot hold;
//! - `MaxAgeInSeconds` is required; rules have no name.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::codec::Format;
use crate::codec::convert::{
    ConversionError, ConversionErrorKind, ConversionWarning, HeaderShape, WarningKind, codec_error,
    header_shape, vary_lost,
};
use crate::error::{ConfigError, Field};
use crate::model::{CorsConfiguration, CorsMethod, CorsRule};

const FORMAT: Format = Format::AzureXml;

/// The most CORS rules one Azure Storage service holds (the provider's page on CORS support).
pub const MAX_RULES: usize = 5;
/// The most bytes of rule text (values, without the XML tags) one service holds: 2 KiB (the
/// provider's page on CORS support).
pub const MAX_TOTAL_BYTES: usize = 2048;
/// The most allowed origins in one rule (the provider's page on CORS support).
pub const MAX_ORIGINS: usize = 64;
/// The most header names (without `*`) in one header list (the provider's page on CORS
/// support).
pub const MAX_LITERAL_HEADERS: usize = 64;
/// The most prefixed header names (ending in `*`) in one header list (the provider's page on
/// CORS support).
pub const MAX_PREFIXED_HEADERS: usize = 2;
/// The longest origin or header value, in characters (the provider's page on CORS support).
pub const MAX_VALUE_CHARS: usize = 256;
/// The deepest element nesting read; deeper documents are refused.
const MAX_DEPTH: usize = 32;

/// True for XML with Azure's `<Cors>` or `<CorsRule>` elements (S3 writes `CORSRule`).
pub(crate) fn sniff(bytes: &[u8]) -> bool {
    [
        &b"<Cors>"[..],
        b"<Cors ",
        b"<CorsRule>",
        b"<StorageServiceProperties",
    ]
    .iter()
    .any(|needle| memchr::memmem::find(bytes, needle).is_some())
}

#[derive(Default)]
struct RuleText {
    origins: Option<String>,
    methods: Option<String>,
    headers: Option<String>,
    exposed: Option<String>,
    max_age: Option<String>,
}

fn error(rule: Option<usize>, detail: impl Into<String>) -> ConfigError {
    codec_error(FORMAT, rule, detail.into())
}

/// Reads the `<CorsRule>` elements' texts.
fn read_rules(text: &str) -> Result<Vec<RuleText>, ConfigError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    // Element path from the root, as local names.
    let mut path: Vec<String> = Vec::new();
    let mut rules: Vec<RuleText> = Vec::new();
    let mut value = String::new();
    let mut seen_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| error(None, format!("not well-formed: {e}")))?;
        let index = rules.len().checked_sub(1);
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if seen_root {
                        return Err(error(None, "more than one root element"));
                    }
                    seen_root = true;
                    if name != "StorageServiceProperties" && name != "Cors" {
                        return Err(error(None, format!("unexpected root element {name:?}")));
                    }
                }
                if path.len() >= MAX_DEPTH {
                    return Err(error(
                        None,
                        format!("nested deeper than {MAX_DEPTH} elements"),
                    ));
                }
                path.push(name);
                enter(&path, &mut rules)?;
                value.clear();
            }
            Event::Empty(start) => {
                let name = start.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if name != "StorageServiceProperties" && name != "Cors" {
                        return Err(error(None, format!("unexpected root element {name:?}")));
                    }
                    seen_root = true;
                    continue;
                }
                path.push(name);
                enter(&path, &mut rules)?;
                value.clear();
                leave(&path, &mut rules, &value, index)?;
                path.pop();
            }
            Event::End(_) => {
                leave(&path, &mut rules, &value, index)?;
                value.clear();
                path.pop();
            }
            Event::Text(text) => value.push_str(&text.xml10_content()),
            Event::CData(data) => value.push_str(&data.xml10_content()),
            Event::GeneralRef(reference) => {
                if let Some(c) = reference
                    .resolve_char_ref()
                    .map_err(|e| error(index, format!("bad character reference: {e}")))?
                {
                    value.push(c);
                } else {
                    let name = reference.xml10_content();
                    value.push(match name.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(error(index, format!("unknown entity &{other};"))),
                    });
                }
            }
            Event::DocType(_) => return Err(error(None, "a document type declaration")),
            Event::Eof if path.is_empty() => break,
            Event::Eof => {
                return Err(error(
                    None,
                    format!("element {:?} is not closed", path[path.len() - 1]),
                ));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    if !seen_root {
        return Err(error(None, "no root element"));
    }
    Ok(rules)
}

/// The rule fields, by element name.
fn slot<'a>(rule: &'a mut RuleText, name: &str) -> Option<&'a mut Option<String>> {
    Some(match name {
        "AllowedOrigins" => &mut rule.origins,
        "AllowedMethods" => &mut rule.methods,
        "AllowedHeaders" => &mut rule.headers,
        "ExposedHeaders" => &mut rule.exposed,
        "MaxAgeInSeconds" => &mut rule.max_age,
        _ => return None,
    })
}

/// Where the CORS elements sit: `[StorageServiceProperties,] Cors, CorsRule, field`.
fn cors_depth(path: &[String]) -> Option<usize> {
    match path.first().map(String::as_str) {
        Some("Cors") => Some(0),
        Some("StorageServiceProperties") if path.get(1).is_some_and(|n| n == "Cors") => Some(1),
        _ => None,
    }
}

fn enter(path: &[String], rules: &mut Vec<RuleText>) -> Result<(), ConfigError> {
    let Some(base) = cors_depth(path) else {
        return Ok(()); // another service property: skipped
    };
    let inner = &path[base + 1..];
    match inner {
        [] => Ok(()),
        [rule] if rule == "CorsRule" => {
            rules.push(RuleText::default());
            Ok(())
        }
        [rule, field] if rule == "CorsRule" => {
            let index = rules.len() - 1;
            let last = rules
                .last_mut()
                .ok_or_else(|| error(None, "field outside a rule"))?;
            match slot(last, field) {
                Some(slot) if slot.is_some() => {
                    Err(error(Some(index), format!("{field} given twice")))
                }
                Some(_) => Ok(()),
                None => Err(error(Some(index), format!("unknown element {field:?}"))),
            }
        }
        [other, ..] => Err(error(
            rules.len().checked_sub(1),
            format!("unexpected element {other:?} in Cors"),
        )),
    }
}

fn leave(
    path: &[String],
    rules: &mut [RuleText],
    value: &str,
    index: Option<usize>,
) -> Result<(), ConfigError> {
    let Some(base) = cors_depth(path) else {
        return Ok(());
    };
    if let [_, field] = &path[base + 1..] {
        let last = rules
            .last_mut()
            .ok_or_else(|| error(index, "field outside a rule"))?;
        if let Some(slot) = slot(last, field) {
            *slot = Some(value.to_owned());
        }
    }
    Ok(())
}

fn split(list: Option<&String>) -> impl Iterator<Item = &str> {
    list.map_or("", String::as_str)
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

pub(crate) fn parse(
    bytes: &[u8],
) -> Result<(CorsConfiguration, Vec<ConversionWarning>), ConfigError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| error(None, format!("not utf-8: {e}")))?;
    let texts = read_rules(text)?;
    if texts.len() > MAX_RULES {
        return Err(error(
            None,
            format!(
                "{} rules, more than azure's limit of {MAX_RULES}",
                texts.len()
            ),
        ));
    }
    let mut warnings = Vec::new();
    let mut rules = Vec::with_capacity(texts.len());
    for (index, text) in texts.iter().enumerate() {
        let mut warn = |field, value: &str, reason| {
            warnings.push(ConversionWarning::new(
                Some(index),
                Some(field),
                WarningKind::Dropped {
                    value: value.to_owned(),
                    reason,
                },
            ));
        };
        let mut rule = CorsRule::new();
        for origin in split(text.origins.as_ref()) {
            if origin != "*" && origin.contains('*') {
                warn(
                    Field::AllowedOrigin,
                    origin,
                    "azure matches origins exactly; * stands only alone",
                );
            } else {
                rule.allowed_origins.push(origin.to_owned());
            }
        }
        for method in split(text.methods.as_ref()) {
            match CorsMethod::from_name(method) {
                Some(method) if !rule.allowed_methods.iter().any(|m| m == method.as_str()) => {
                    rule.allowed_methods.push(method.as_str().to_owned());
                }
                Some(_) => {}
                None => warn(
                    Field::AllowedMethod,
                    method,
                    "not one of the five methods an s3 rule allows",
                ),
            }
        }
        for header in split(text.headers.as_ref()) {
            if header_shape(header) == HeaderShape::Other {
                warn(
                    Field::AllowedHeader,
                    header,
                    "azure takes * only at the end of a name",
                );
            } else {
                rule.allowed_headers.push(header.to_owned());
            }
        }
        for header in split(text.exposed.as_ref()) {
            if header.contains('*') {
                warn(
                    Field::ExposeHeader,
                    header,
                    "s3 expose headers hold no wildcard",
                );
            } else {
                rule.expose_headers.push(header.to_owned());
            }
        }
        rule.max_age_seconds = match text.max_age.as_deref().map(str::trim) {
            None => None,
            Some(age) => Some(age.parse::<u32>().map_err(|_| {
                error(
                    Some(index),
                    format!("MaxAgeInSeconds {age:?} is not a non-negative 32-bit integer"),
                )
            })?),
        };
        rules.push(rule);
    }
    Ok((CorsConfiguration::new(rules), warnings))
}

/// One rule's lists as Azure holds them.
struct RuleOut {
    origins: Vec<String>,
    methods: Vec<String>,
    headers: Vec<String>,
    exposed: Vec<String>,
    max_age: u32,
}

fn to_wire(config: &CorsConfiguration, warnings: &mut Vec<ConversionWarning>) -> Vec<RuleOut> {
    vary_lost(config, warnings);
    let writable = |value: &str| !value.is_empty() && !value.contains(',') && value.trim() == value;
    config
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let mut warn = |field, kind| {
                warnings.push(ConversionWarning::new(Some(index), Some(field), kind));
            };
            if rule.id.is_some() {
                warn(
                    Field::Id,
                    WarningKind::IdChanged {
                        from: rule.id.clone(),
                        to: None,
                    },
                );
            }
            let mut origins = Vec::new();
            for origin in &rule.allowed_origins {
                let reason = if !writable(origin) {
                    "azure lists are comma-separated and trimmed: the value cannot be written"
                } else if origin != "*" && origin.contains('*') {
                    "azure matches origins exactly; * stands only alone"
                } else {
                    origins.push(origin.clone());
                    continue;
                };
                warn(
                    Field::AllowedOrigin,
                    WarningKind::Dropped {
                        value: origin.clone(),
                        reason,
                    },
                );
            }
            let mut headers = Vec::new();
            for header in &rule.allowed_headers {
                let reason = if !writable(header) {
                    "azure lists are comma-separated and trimmed: the value cannot be written"
                } else if header_shape(header) == HeaderShape::Other {
                    "azure takes * only at the end of a name"
                } else {
                    headers.push(header.clone());
                    continue;
                };
                warn(
                    Field::AllowedHeader,
                    WarningKind::Dropped {
                        value: header.clone(),
                        reason,
                    },
                );
            }
            let mut exposed = Vec::new();
            for header in &rule.expose_headers {
                if writable(header) {
                    exposed.push(header.clone());
                } else {
                    warn(
                        Field::ExposeHeader,
                        WarningKind::Dropped {
                            value: header.clone(),
                            reason: "azure lists are comma-separated and trimmed: the value cannot be written",
                        },
                    );
                }
            }
            let max_age = rule.max_age_seconds.unwrap_or_else(|| {
                warn(
                    Field::MaxAgeSeconds,
                    WarningKind::MaxAgeChanged {
                        from: None,
                        to: Some(0),
                        reason: "azure requires a max age",
                    },
                );
                0
            });
            RuleOut {
                origins,
                methods: rule.allowed_methods.clone(),
                headers,
                exposed,
                max_age,
            }
        })
        .collect()
}

fn render(rules: &[RuleOut]) -> String {
    use quick_xml::escape::escape;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<StorageServiceProperties>\n  <Cors>\n",
    );
    for rule in rules {
        out.push_str("    <CorsRule>\n");
        for (name, list) in [
            ("AllowedOrigins", &rule.origins),
            ("AllowedMethods", &rule.methods),
            ("AllowedHeaders", &rule.headers),
            ("ExposedHeaders", &rule.exposed),
        ] {
            let joined = list.join(",");
            out.push_str(&format!(
                "      <{name}>{}</{name}>\n",
                escape(joined.as_str())
            ));
        }
        out.push_str(&format!(
            "      <MaxAgeInSeconds>{}</MaxAgeInSeconds>\n    </CorsRule>\n",
            rule.max_age
        ));
    }
    out.push_str("  </Cors>\n</StorageServiceProperties>\n");
    out
}

fn check(rules: &[RuleOut]) -> Result<(), ConversionError> {
    let error = |rule, kind| ConversionError::new(FORMAT, rule, kind);
    if rules.len() > MAX_RULES {
        return Err(error(
            None,
            ConversionErrorKind::TooManyRules {
                count: rules.len(),
                limit: MAX_RULES,
            },
        ));
    }
    let mut total = 0;
    for (index, rule) in rules.iter().enumerate() {
        let at = Some(index);
        if rule.origins.is_empty() {
            return Err(error(
                at,
                ConversionErrorKind::NothingLeft {
                    field: Field::AllowedOrigin,
                },
            ));
        }
        if rule.methods.is_empty() {
            return Err(error(
                at,
                ConversionErrorKind::NothingLeft {
                    field: Field::AllowedMethod,
                },
            ));
        }
        if rule.origins.len() > MAX_ORIGINS {
            return Err(error(
                at,
                ConversionErrorKind::TooManyValues {
                    field: Field::AllowedOrigin,
                    count: rule.origins.len(),
                    limit: MAX_ORIGINS,
                },
            ));
        }
        for (field, list) in [
            (Field::AllowedOrigin, &rule.origins),
            (Field::AllowedHeader, &rule.headers),
            (Field::ExposeHeader, &rule.exposed),
        ] {
            if let Some(long) = list.iter().find(|v| v.chars().count() > MAX_VALUE_CHARS) {
                return Err(error(
                    at,
                    ConversionErrorKind::ValueTooLong {
                        field,
                        len: long.len(),
                        limit: MAX_VALUE_CHARS,
                    },
                ));
            }
            if field == Field::AllowedOrigin {
                continue;
            }
            let prefixed = list
                .iter()
                .filter(|v| v.ends_with('*') && *v != "*")
                .count();
            for (count, limit) in [
                (prefixed, MAX_PREFIXED_HEADERS),
                (list.len() - prefixed, MAX_LITERAL_HEADERS),
            ] {
                if count > limit {
                    return Err(error(
                        at,
                        ConversionErrorKind::TooManyValues {
                            field,
                            count,
                            limit,
                        },
                    ));
                }
            }
        }
        total += [&rule.origins, &rule.methods, &rule.headers, &rule.exposed]
            .iter()
            .map(|list| list.join(",").len())
            .sum::<usize>()
            + rule.max_age.to_string().len();
    }
    if total > MAX_TOTAL_BYTES {
        return Err(error(
            None,
            ConversionErrorKind::TooLarge {
                size: total,
                limit: MAX_TOTAL_BYTES,
            },
        ));
    }
    Ok(())
}

pub(crate) fn write(
    config: &CorsConfiguration,
) -> Result<(String, Vec<ConversionWarning>), ConversionError> {
    let mut warnings = Vec::new();
    let rules = to_wire(config, &mut warnings);
    check(&rules)?;
    Ok((render(&rules), warnings))
}

/// The document, leaving out what Azure cannot hold, even past its limits.
pub(crate) fn write_lossy(config: &CorsConfiguration) -> String {
    render(&to_wire(config, &mut Vec::new()))
}
