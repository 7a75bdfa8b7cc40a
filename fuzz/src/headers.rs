//! The header values the `http` and `tower` targets build from fuzz input, and how they read
//! what the adapter wrote.

use arbitrary::Arbitrary;
use bucket_cors::adapter::http::UNDECODABLE;
use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRequest, Dialect, EngineOptions, HeaderLines,
    ResourceType, ValidationOptions,
};
use http::header::{self, HeaderMap, HeaderValue};

/// A header value from fuzz input.
#[derive(Debug, Arbitrary)]
pub enum Value {
    /// Any bytes (the ones a header value cannot hold are dropped).
    Bytes(Vec<u8>),
    /// One of the configuration's own origins or header names, so rules match.
    FromConfig(u16),
    /// A byte repeated up to 128 KiB times.
    Huge(u8, u16),
    Empty,
}

/// Repairs an arbitrary configuration into one S3 accepts and compiles it with the `Vary`
/// policy the low two bits of `flags` pick; with it, the configuration's own origins and
/// header names, which [`Value::FromConfig`] draws from.
pub fn compile_for(
    config: &mut CorsConfiguration,
    flags: u8,
) -> Option<(CorsEngine, Vec<&str>)> {
    crate::repair(config, Dialect::S3, false);
    let options = EngineOptions::s3()
        .validation(ValidationOptions::s3())
        .vary(crate::vary_policy(flags));
    let engine = CorsEngine::compile_with(config, &options).ok()?;
    let pool = config
        .rules
        .iter()
        .flat_map(|r| r.allowed_origins.iter().chain(&r.allowed_headers))
        .map(String::as_str)
        .collect();
    Some((engine, pool))
}

/// A header value as the engine reads it (the adapter's documented reading).
pub fn text(value: &HeaderValue) -> &str {
    std::str::from_utf8(value.as_bytes()).unwrap_or(UNDECODABLE)
}

/// The plain request view of these values.
pub fn plain_view<'a>(
    method: &'a str,
    origin: Option<&'a str>,
    request_method: Option<&'a str>,
    lines: &'a [&'a str],
    resource: ResourceType,
) -> CorsRequest<'a> {
    let mut view = CorsRequest::builder(method)
        .request_headers(HeaderLines::many(lines))
        .resource_type(resource);
    if let Some(origin) = origin {
        view = view.origin(origin);
    }
    if let Some(request_method) = request_method {
        view = view.request_method(request_method);
    }
    view.build()
}

/// The header value `value` stands for; `pool` holds the configuration's own values.
pub fn value(value: &Value, pool: &[&str]) -> Option<HeaderValue> {
    match value {
        Value::Bytes(bytes) => {
            let kept: Vec<u8> = bytes
                .iter()
                .copied()
                .filter(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
                .collect();
            HeaderValue::from_bytes(&kept).ok()
        }
        Value::FromConfig(at) if !pool.is_empty() => {
            HeaderValue::from_str(pool[usize::from(*at) % pool.len()]).ok()
        }
        Value::FromConfig(_) | Value::Empty => Some(HeaderValue::from_static("")),
        Value::Huge(byte, len) => {
            let byte = if *byte < 0x20 || *byte == 0x7f {
                b'a'
            } else {
                *byte
            };
            HeaderValue::from_bytes(&vec![byte; usize::from(*len) * 2]).ok()
        }
    }
}

/// Every `Vary` token, lower-cased, in order.
pub fn vary_tokens(map: &HeaderMap) -> Vec<String> {
    map.get_all(header::VARY)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .map(|t| String::from_utf8_lossy(t.trim_ascii()).to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}
