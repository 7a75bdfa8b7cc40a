//! Glue for servers built on the [`http`] crate (feature `http`).
//!
//! - [`request`], [`request_from_parts`] and [`request_from_http`] build the engine's
//!   [`CorsRequest`] from a method and a [`HeaderMap`] without copying anything: every
//!   `Access-Control-Request-Headers` line is read in place, as one comma-separated list.
//! - [`write_headers`] writes a [`Decision`] into a response's [`HeaderMap`]: the CORS headers
//!   replace any the response already has, and `Vary` is appended (an existing `Vary` is never
//!   overwritten). The echoed `Origin` reuses the request's own [`HeaderValue`], and the
//!   engine's fixed values were turned into [`HeaderValue`]s at compile time, so writing them
//!   copies no bytes.
//! - [`rejection_response`] builds S3's error answer for a refused preflight, and [`respond`]
//!   the whole answer to any preflight.
//!
//! # Header values that are not text
//!
//! The engine works on `&str`. A header value that is UTF-8 (visible ASCII, or UTF-8 beyond
//! ASCII) is handed over as it is. A value that is not UTF-8 is handed over as [`UNDECODABLE`],
//! text with a control character, which the engine never matches:
//!
//! - an `Origin` that is not UTF-8 is present but matches no rule, exactly like an `Origin` with
//!   a control character: a preflight gets the `403` "not allowed" answer, another request
//!   passes without CORS headers, and the value is never echoed;
//! - an `Access-Control-Request-Headers` line that is not UTF-8 lists a name that is not an
//!   HTTP token, so no rule allows the request;
//! - an `Access-Control-Request-Method` that is not UTF-8 is an unsupported method
//!   (`400 Invalid Access-Control-Request-Method`).
//!
//! When a header comes on several lines, `Origin` and `Access-Control-Request-Method` are
//! read from their first line; `Access-Control-Request-Headers` from all of them.
//!
//! ```
//! use bucket_cors::{CorsConfiguration, CorsEngine, CorsRule, Decision, ResourceType};
//!
//! let config = CorsConfiguration::new(vec![
//!     CorsRule::new()
//!         .allowed_origin("https://app.example.com")
//!         .allowed_method("PUT")
//!         .allowed_header("*"),
//! ]);
//! let engine = CorsEngine::compile(&config).unwrap();
//!
//! let request = ::http::Request::builder()
//!     .method("OPTIONS")
//!     .uri("/bucket/key")
//!     .header("Origin", "https://app.example.com")
//!     .header("Access-Control-Request-Method", "PUT")
//!     .header("Access-Control-Request-Headers", "content-type")
//!     .header("Access-Control-Request-Headers", "x-amz-date")
//!     .body(())
//!     .unwrap();
//! let view = bucket_cors::http::request_from_http(&request, ResourceType::Object);
//! let decision = engine.evaluate(&view);
//!
//! let response: ::http::Response<String> =
//!     bucket_cors::http::respond(&decision, request.headers(), "request-id", "host-id")
//!         .expect("a preflight is answered by the engine");
//! assert_eq!(response.status(), 200);
//! let headers = response.headers();
//! assert_eq!(headers["access-control-allow-origin"], "https://app.example.com");
//! assert_eq!(headers["access-control-allow-headers"], "content-type, x-amz-date");
//! ```

use ::http::header::{self, HeaderMap, HeaderValue};
use ::http::{Method, Request, Response, StatusCode, request::Parts, response};

use crate::decision::{Allowed, Decision, Rejection};
use crate::request::{CorsRequest, HeaderLines, ResourceType};

/// What the engine is handed for a header value that is not UTF-8: U+FFFD followed by NUL.
/// It holds a control character, so it matches no rule and is never echoed.
pub const UNDECODABLE: &str = "\u{FFFD}\u{0}";

// Static values: cloning one copies a pointer and a length.
static APPLICATION_XML: HeaderValue = HeaderValue::from_static("application/xml");
static ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
static TRUE: HeaderValue = HeaderValue::from_static("true");
static VARY_CORS: HeaderValue = HeaderValue::from_static(crate::header::VARY_CORS);
static VARY_ORIGIN: HeaderValue = HeaderValue::from_static(crate::header::VARY_ORIGIN);

/// A header value as the engine sees it.
#[inline]
pub(crate) fn text(value: &HeaderValue) -> &str {
    std::str::from_utf8(value.as_bytes()).unwrap_or(UNDECODABLE)
}

/// The request view of a request with this method and these headers.
///
/// The caller says what the request targets ([`ResourceType::Bucket`] for `/bucket` or
/// `/bucket/`, [`ResourceType::Object`] otherwise); S3 reports it in refused preflights.
#[must_use]
pub fn request<'a>(
    method: &'a Method,
    headers: &'a HeaderMap,
    resource: ResourceType,
) -> CorsRequest<'a> {
    let (origin, request_method, lines) = if headers.len() <= SCAN_HEADERS {
        scan(headers)
    } else {
        (
            headers.get(header::ORIGIN),
            headers.get(header::ACCESS_CONTROL_REQUEST_METHOD),
            HeaderLines::from_map(headers),
        )
    };
    let mut view = CorsRequest::new(method.as_str())
        .request_header_lines(lines)
        .resource(resource);
    if let Some(origin) = origin {
        view = view.origin(text(origin));
    }
    if let Some(method) = request_method {
        view = view.request_method(text(method));
    }
    view
}

/// The request's first `Origin` value and first `Access-Control-Request-Headers` value, each
/// only when wanted: one pass over a small map, hashed lookups in a large one.
fn request_values(
    request: &HeaderMap,
    want_origin: bool,
    want_list: bool,
) -> (Option<&HeaderValue>, Option<&HeaderValue>) {
    if request.len() > SCAN_HEADERS || !(want_origin && want_list) {
        return (
            want_origin.then(|| request.get(header::ORIGIN)).flatten(),
            want_list
                .then(|| request.get(header::ACCESS_CONTROL_REQUEST_HEADERS))
                .flatten(),
        );
    }
    let (mut origin, mut list) = (None, None);
    for (name, value) in request {
        if *name == header::ORIGIN {
            origin = origin.or(Some(value));
        } else if *name == header::ACCESS_CONTROL_REQUEST_HEADERS {
            list = list.or(Some(value));
        }
    }
    (origin, list)
}

/// Up to this many header values, one pass comparing names beats three hashed lookups.
const SCAN_HEADERS: usize = 24;

/// The first `Origin` and `Access-Control-Request-Method`, and the request-header lines,
/// found in one pass over the map.
fn scan(headers: &HeaderMap) -> (Option<&HeaderValue>, Option<&HeaderValue>, HeaderLines<'_>) {
    let (mut origin, mut method) = (None, None);
    let (mut first_line, mut more_lines) = (None, false);
    for (name, value) in headers {
        if *name == header::ORIGIN {
            origin = origin.or(Some(value));
        } else if *name == header::ACCESS_CONTROL_REQUEST_METHOD {
            method = method.or(Some(value));
        } else if *name == header::ACCESS_CONTROL_REQUEST_HEADERS {
            more_lines |= first_line.is_some();
            first_line = first_line.or(Some(value));
        }
    }
    (
        origin,
        method,
        HeaderLines::from_first_two(headers, first_line, more_lines),
    )
}

/// The request view of a request's head.
#[must_use]
pub fn request_from_parts(parts: &Parts, resource: ResourceType) -> CorsRequest<'_> {
    request(&parts.method, &parts.headers, resource)
}

/// The request view of a whole request (the body is not looked at).
#[must_use]
pub fn request_from_http<B>(request: &Request<B>, resource: ResourceType) -> CorsRequest<'_> {
    self::request(request.method(), request.headers(), resource)
}

/// Writes a decision's headers into a response's header map.
///
/// `request` is the request's header map: the echoed `Origin` and, when the request already
/// sent it in S3's form, the `Access-Control-Allow-Headers` value reuse its values instead
/// of copying them. The `Access-Control-*` headers replace any the map holds; `Vary` is
/// appended as a further line, so a `Vary` set by the host stays, and names the host's
/// `Vary` already lists (or its `*`) are not repeated.
pub fn write_headers(decision: &Decision<'_>, request: &HeaderMap, response: &mut HeaderMap) {
    match decision {
        Decision::Preflight(allowed) | Decision::Actual(allowed) => {
            write_allowed(allowed, request, response);
        }
        Decision::Pass(pass) => append_vary(response, pass.vary()),
        Decision::Reject(rejection) => append_vary(response, rejection.vary()),
    }
}

/// Writes a decision's headers into a response builder's header map (see
/// [`write_headers`]). A builder that already holds an error is returned as it is.
pub fn write_to_builder(
    decision: &Decision<'_>,
    request: &HeaderMap,
    mut builder: response::Builder,
) -> response::Builder {
    if let Some(headers) = builder.headers_mut() {
        write_headers(decision, request, headers);
    }
    builder
}

/// The answer to a preflight or refused request, when the engine decides it: `200` with an
/// empty body and the CORS headers for [`Decision::Preflight`], S3's error for
/// [`Decision::Reject`] (see [`rejection_response`]); `None` for [`Decision::Pass`] and
/// [`Decision::Actual`], which the host serves itself (adding [`write_headers`]' headers).
#[must_use]
pub fn respond<B: From<String>>(
    decision: &Decision<'_>,
    request: &HeaderMap,
    request_id: &str,
    host_id: &str,
) -> Option<Response<B>> {
    match decision {
        Decision::Preflight(_) => {
            let mut response = Response::new(B::from(String::new()));
            write_headers(decision, request, response.headers_mut());
            Some(response)
        }
        Decision::Reject(rejection) => Some(rejection_response(rejection, request_id, host_id)),
        Decision::Pass(_) | Decision::Actual(_) => None,
    }
}

/// S3's answer to a refused preflight: its status (400 or 403), `Content-Type:
/// application/xml`, the `Vary` the engine's policy asks for, and the XML error body of
/// [`Rejection::to_xml`] with the host's request and host ids.
///
/// ```
/// use bucket_cors::{CorsEngine, CorsRequest, Decision};
///
/// let request = CorsRequest::new("OPTIONS").origin("https://a.example").request_method("GET");
/// let engine = CorsEngine::disabled();
/// let Decision::Reject(rejection) = engine.evaluate(&request) else { panic!() };
/// let response: ::http::Response<String> =
///     bucket_cors::http::rejection_response(&rejection, "REQ", "HOST");
/// assert_eq!(response.status(), 403);
/// assert_eq!(response.headers()["content-type"], "application/xml");
/// assert!(response.body().contains("<Code>AccessForbidden</Code>"));
/// ```
#[must_use]
pub fn rejection_response<B: From<String>>(
    rejection: &Rejection<'_>,
    request_id: &str,
    host_id: &str,
) -> Response<B> {
    let mut response = Response::new(B::from(rejection.to_xml(request_id, host_id)));
    *response.status_mut() =
        StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::FORBIDDEN);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, APPLICATION_XML.clone());
    append_vary(headers, rejection.vary());
    response
}

fn write_allowed(allowed: &Allowed<'_>, request: &HeaderMap, response: &mut HeaderMap) {
    // The request values to reuse: the `Origin` to echo, and the requested list when it is
    // one line already in S3's form.
    let reusable_list = allowed
        .request_headers
        .single()
        .filter(|line| is_rendered(line));
    let (origin_value, list_value) =
        request_values(request, allowed.origin.is_some(), reusable_list.is_some());
    let origin = match allowed.origin {
        None => ANY_ORIGIN.clone(),
        Some(echoed) => match origin_value {
            Some(value) if value.as_bytes() == echoed.as_bytes() => value.clone(),
            // The engine echoes only origins without control characters, which are valid
            // header values; the fallback covers a view built from other headers.
            _ => match HeaderValue::from_str(echoed) {
                Ok(value) => value,
                Err(_) => return,
            },
        },
    };
    // Room for all seven at once: an empty map would otherwise grow twice.
    response.reserve(7);
    response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    if allowed.allow_credentials() {
        response.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE.clone());
    }
    let values = allowed.values;
    if let Some(value) = prepared(values.methods.as_ref(), allowed.methods) {
        response.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value);
    }
    if allowed.allow_headers().is_some() {
        let reused = match (reusable_list, list_value) {
            (Some(line), Some(value)) if value.as_bytes() == line.as_bytes() => Some(value.clone()),
            _ => None,
        };
        if let Some(value) = reused.or_else(|| allow_headers_value(allowed)) {
            response.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
        }
    }
    if let Some(text) = allowed.expose_headers {
        if let Some(value) = prepared(values.expose_headers.as_ref(), text) {
            response.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, value);
        }
    }
    if let Some(text) = allowed.max_age {
        if let Some(value) = prepared(values.max_age.as_ref(), text) {
            response.insert(header::ACCESS_CONTROL_MAX_AGE, value);
        }
    }
    append_vary(response, allowed.vary);
}

/// A value compiled in advance, or made from its text.
#[inline]
fn prepared(value: Option<&HeaderValue>, text: &str) -> Option<HeaderValue> {
    match value {
        Some(value) => Some(value.clone()),
        None => HeaderValue::from_str(text).ok(),
    }
}

fn append_vary(response: &mut HeaderMap, vary: Option<&'static str>) {
    let Some(vary) = vary else {
        return;
    };
    // The engine only hands out its two constants; telling them apart by length is enough,
    // and the text compare keeps any other value right.
    let value = if vary.len() == crate::header::VARY_CORS.len() && vary == crate::header::VARY_CORS
    {
        VARY_CORS.clone()
    } else if vary == crate::header::VARY_ORIGIN {
        VARY_ORIGIN.clone()
    } else {
        HeaderValue::from_static(vary)
    };
    if !response.contains_key(header::VARY) {
        response.append(header::VARY, value);
        return;
    }
    // The host set a `Vary`: add only the names it does not list yet.
    let listed = |name: &str| {
        response.get_all(header::VARY).iter().any(|line| {
            line.as_bytes().split(|&b| b == b',').any(|token| {
                let token = token.trim_ascii();
                token == b"*" || token.eq_ignore_ascii_case(name.as_bytes())
            })
        })
    };
    let names = vary.split(',').map(str::trim);
    let missing: Vec<&str> = names.clone().filter(|name| !listed(name)).collect();
    if missing.len() == names.count() {
        response.append(header::VARY, value);
    } else if !missing.is_empty() {
        // The engine's names are tokens, so the joined list is a valid value.
        if let Ok(value) = HeaderValue::from_str(&missing.join(", ")) {
            response.append(header::VARY, value);
        }
    }
}

/// `Access-Control-Allow-Headers` rendered from the requested list.
fn allow_headers_value(allowed: &Allowed<'_>) -> Option<HeaderValue> {
    let list = allowed.allow_headers()?;
    // The names are tokens (the engine allowed nothing else): split on commas, trim
    // spaces and tabs, copy and lower-case each name whole.
    let mut stack = [0u8; 512];
    let mut at = 0;
    for line in allowed.request_headers.lines() {
        for item in line.as_bytes().split(|&b| b == b',') {
            let item = item.trim_ascii();
            if item.is_empty() {
                continue;
            }
            let sep = if at == 0 { 0 } else { 2 };
            let Some(out) = stack.get_mut(at..at + sep + item.len()) else {
                return rendered_in_heap(list);
            };
            let (comma, name) = out.split_at_mut(sep);
            comma.copy_from_slice(&b", "[..sep]);
            name.copy_from_slice(item);
            name.make_ascii_lowercase();
            at += sep + item.len();
        }
    }
    HeaderValue::from_bytes(&stack[..at]).ok()
}

/// A list too long for the stack buffer, rendered into a vector.
#[cold]
fn rendered_in_heap(list: crate::decision::AllowHeaders<'_>) -> Option<HeaderValue> {
    let mut buffer = Vec::with_capacity(list.len());
    list.write_into(&mut buffer);
    HeaderValue::from_bytes(&buffer).ok()
}

/// True when rendering the line's list gives the line back: items separated by `", "`,
/// none empty, none with a space, tab, comma or upper-case letter.
fn is_rendered(line: &str) -> bool {
    let bytes = line.as_bytes();
    let mut item_start = true;
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b == b',' {
            // `", "` between two non-empty items.
            if item_start || bytes.get(at + 1) != Some(&b' ') {
                return false;
            }
            item_start = true;
            at += 2;
            continue;
        }
        if matches!(b, b' ' | b'\t') || b.is_ascii_uppercase() {
            return false;
        }
        item_start = false;
        at += 1;
    }
    !item_start
}

/// The header values of one rule, made once at compile time. Their bytes are shared, so
/// writing one into a response copies nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct RuleValues {
    methods: Option<HeaderValue>,
    expose_headers: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
}

impl RuleValues {
    pub(crate) fn new(methods: &str, expose_headers: Option<&str>, max_age: Option<&str>) -> Self {
        RuleValues {
            methods: shared(methods),
            expose_headers: expose_headers.and_then(shared),
            max_age: max_age.and_then(shared),
        }
    }
}

/// A header value whose bytes are already reference-counted: the first clone of a fresh
/// value converts its buffer, so it is done here rather than on a request.
fn shared(text: &str) -> Option<HeaderValue> {
    let value = HeaderValue::from_str(text).ok()?;
    drop(value.clone());
    Some(value)
}
