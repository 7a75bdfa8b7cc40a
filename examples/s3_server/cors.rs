//! Between `http` types and the engine: the request view, and the decision's headers.

use bucket_cors::{CorsRequest, Decision, HeaderLines, ResourceType};
use hyper::header::{
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderName,
    HeaderValue, ORIGIN, VARY,
};

/// What a header value that is not UTF-8 reads as: a control character, so it matches no
/// rule and is never echoed.
const UNDECODABLE: &str = "\u{1}";

fn text(value: &HeaderValue) -> &str {
    std::str::from_utf8(value.as_bytes()).unwrap_or(UNDECODABLE)
}

/// The request's `Access-Control-Request-Headers` lines, in order.
pub fn request_header_lines(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .map(text)
        .collect()
}

/// The engine's view of a request: method, `Origin`, `Access-Control-Request-Method`, every
/// `Access-Control-Request-Headers` line (see [`request_header_lines`]) and what it targets.
pub fn request_view<'a>(
    method: &'a str,
    headers: &'a HeaderMap,
    lines: &'a [&'a str],
    resource: ResourceType,
) -> CorsRequest<'a> {
    let mut request = CorsRequest::new(method)
        .request_header_lines(HeaderLines::many(lines))
        .resource(resource);
    if let Some(origin) = headers.get(ORIGIN) {
        request = request.origin(text(origin));
    }
    if let Some(method) = headers.get(ACCESS_CONTROL_REQUEST_METHOD) {
        request = request.request_method(text(method));
    }
    request
}

/// Adds the decision's headers to a response. `Vary` is appended to a `Vary` already there,
/// never put in its place.
pub fn add_headers(decision: &Decision<'_>, headers: &mut HeaderMap) {
    for (name, value) in decision.headers() {
        let Ok(value) = HeaderValue::from_str(&value.to_string()) else {
            continue;
        };
        if name == "Vary" {
            headers.append(VARY, value);
        } else {
            headers.insert(HeaderName::from_static(lower(name)), value);
        }
    }
}

fn lower(name: &'static str) -> &'static str {
    match name {
        "Access-Control-Allow-Origin" => "access-control-allow-origin",
        "Access-Control-Allow-Credentials" => "access-control-allow-credentials",
        "Access-Control-Allow-Methods" => "access-control-allow-methods",
        "Access-Control-Allow-Headers" => "access-control-allow-headers",
        "Access-Control-Expose-Headers" => "access-control-expose-headers",
        "Access-Control-Max-Age" => "access-control-max-age",
        _ => "x-unknown-cors-header",
    }
}
