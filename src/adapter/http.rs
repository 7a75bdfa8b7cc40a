//! Glue for servers built on the [`http`] crate (feature `http`).
//!
//! - [`request`], [`request_from_parts`] and [`request_from_http`] build the engine's
//!   [`CorsRequest`] from a method and a [`HeaderMap`] without copying anything: every
//!   `Access-Control-Request-Headers` line is read in place, as one comma-separated list.
//! - [`HeaderTable`] holds an engine's values as [`HeaderValue`]s, made once next to the
//!   engine; its [`write_headers`](HeaderTable::write_headers) writes a [`Decision`] into a
//!   response's [`HeaderMap`]: the CORS headers replace any the response already has, and
//!   `Vary` is appended (an existing `Vary` is never overwritten). The echoed `Origin` reuses
//!   the request's own [`HeaderValue`] and the rule's values come from the table, so writing
//!   them copies no bytes.
//! - [`rejection_response`] builds S3's error answer for a refused preflight, and
//!   [`HeaderTable::respond`] the whole answer to any preflight.
//! - The free functions [`write_headers`], [`write_to_builder`] and [`respond`] do the same
//!   without a table, making each value from its text (a copy per header).
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
//! // Once per engine: its values as `HeaderValue`s.
//! let table = bucket_cors::http::HeaderTable::new(&engine);
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
//!     table.respond(&decision, request.headers(), "request-id", "host-id")
//!         .expect("a preflight is answered by the engine");
//! assert_eq!(response.status(), 200);
//! let headers = response.headers();
//! assert_eq!(headers["access-control-allow-origin"], "https://app.example.com");
//! assert_eq!(headers["access-control-allow-headers"], "content-type, x-amz-date");
//! ```

use ::http::header::{self, Entry, HeaderMap, HeaderValue};
use ::http::{Method, Request, Response, StatusCode, request::Parts, response};

use crate::decision::{AllowHeaders, Allowed, Decision, Rejection, Vary};
use crate::engine::CorsEngine;
use crate::request::{CorsRequest, HeaderLines, ResourceType};
use crate::syntax::{ListItem, list_items};

/// What the engine is handed for a header value that is not UTF-8
/// ([`CorsRequest::UNDECODABLE`]).
pub const UNDECODABLE: &str = CorsRequest::UNDECODABLE;

// Static values: cloning one copies a pointer and a length.
static APPLICATION_XML: HeaderValue = HeaderValue::from_static("application/xml");
static ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
static TRUE: HeaderValue = HeaderValue::from_static("true");
static VARY_CORS: HeaderValue = HeaderValue::from_static(crate::header::VARY_CORS);
static VARY_ORIGIN: HeaderValue = HeaderValue::from_static(crate::header::VARY_ORIGIN);

/// A header value as the engine sees it.
#[inline]
fn text(value: &HeaderValue) -> &str {
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
        let mut all = headers
            .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .iter();
        (
            headers.get(header::ORIGIN),
            headers.get(header::ACCESS_CONTROL_REQUEST_METHOD),
            lines_of(headers, all.next(), all.next().is_some()),
        )
    };
    let mut builder = CorsRequest::builder(method.as_str())
        .request_headers(lines)
        .resource_type(resource);
    if let Some(origin) = origin {
        builder = builder.origin(text(origin));
    }
    if let Some(method) = request_method {
        builder = builder.request_method(text(method));
    }
    builder.build()
}

/// The `Access-Control-Request-Headers` lines of a map whose first such value is `first`,
/// with `more` telling whether there is a second.
fn lines_of<'a>(map: &'a HeaderMap, first: Option<&'a HeaderValue>, more: bool) -> HeaderLines<'a> {
    match (first, more) {
        (None, _) => HeaderLines::ABSENT,
        (Some(one), false) => HeaderLines::one(text(one)),
        (Some(_), true) => HeaderLines::in_map(map),
    }
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
    (origin, method, lines_of(headers, first_line, more_lines))
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

/// Writes a decision's headers into a response's header map, making each of the rule's
/// values from its text. [`HeaderTable::write_headers`] does the same without copying them.
///
/// `request` is the request's header map: the echoed `Origin` and, when the request already
/// sent it in S3's form, the `Access-Control-Allow-Headers` value reuse its values instead
/// of copying them. The `Access-Control-*` headers replace any the map holds; `Vary` is
/// appended as a further line, so a `Vary` set by the host stays, and names the host's
/// `Vary` already lists (or its `*`) are not repeated.
pub fn write_headers(decision: &Decision<'_>, request: &HeaderMap, response: &mut HeaderMap) {
    HeaderTable::EMPTY.write_headers(decision, request, response);
}

/// Writes a decision's headers into a response builder's header map (see
/// [`write_headers`]). A builder that already holds an error is returned as it is.
pub fn write_to_builder(
    decision: &Decision<'_>,
    request: &HeaderMap,
    builder: response::Builder,
) -> response::Builder {
    HeaderTable::EMPTY.write_to_builder(decision, request, builder)
}

/// The answer to a preflight or refused request, when the engine decides it (see
/// [`HeaderTable::respond`], which this is without a table).
#[must_use]
pub fn respond<B: From<String>>(
    decision: &Decision<'_>,
    request: &HeaderMap,
    request_id: &str,
    host_id: &str,
) -> Option<Response<B>> {
    HeaderTable::EMPTY.respond(decision, request, request_id, host_id)
}

/// An engine's rule values (`Access-Control-Allow-Methods`, `-Expose-Headers`, `-Max-Age`)
/// as [`HeaderValue`]s, indexed by rule. Build it once per engine, next to it (compiling is
/// the time to pay for it); writing a decision with it then copies none of those bytes.
///
/// A table made for another engine is harmless: a value is used only when its bytes are the
/// decision's, and made from the decision's text otherwise.
///
/// ```
/// use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, CorsRule};
/// use bucket_cors::http::HeaderTable;
///
/// let config = CorsConfiguration::new(vec![
///     CorsRule::new().allowed_origin("*").allowed_method("GET").max_age_seconds(600),
/// ]);
/// let engine = CorsEngine::compile(&config).unwrap();
/// let table = HeaderTable::new(&engine);
///
/// let request = CorsRequest::builder("GET").origin("https://a.example").build();
/// let mut response = ::http::HeaderMap::new();
/// table.write_headers(&engine.evaluate(&request), &::http::HeaderMap::new(), &mut response);
/// assert_eq!(response["access-control-allow-origin"], "*");
/// assert_eq!(response["access-control-max-age"], "600");
/// ```
#[derive(Debug, Clone, Default)]
pub struct HeaderTable {
    rules: Vec<RuleValues>,
}

impl HeaderTable {
    /// A table with no values: every value is made from its text, as the free functions
    /// do. [`HeaderTable::default`] as a constant, for a `static`.
    pub const EMPTY: HeaderTable = HeaderTable { rules: Vec::new() };

    /// The values of every rule of `engine` (none for a disabled engine).
    #[must_use]
    pub fn new(engine: &CorsEngine) -> Self {
        let rules = engine
            .compiled()
            .map(|compiled| {
                compiled
                    .rules
                    .iter()
                    .map(|rule| RuleValues {
                        methods: shared(rule.values().0),
                        expose_headers: rule.values().1.and_then(shared),
                        max_age: rule.max_age.map(|seconds| {
                            let value = HeaderValue::from(seconds);
                            drop(value.clone());
                            (seconds, value)
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default();
        HeaderTable { rules }
    }

    /// Writes a decision's headers into a response's header map.
    ///
    /// `request` is the request's header map: the echoed `Origin` and, when the request
    /// already sent it in S3's form, the `Access-Control-Allow-Headers` value reuse its
    /// values instead of copying them. The `Access-Control-*` headers replace any the map
    /// holds; `Vary` is appended as a further line, so a `Vary` set by the host stays.
    pub fn write_headers(
        &self,
        decision: &Decision<'_>,
        request: &HeaderMap,
        response: &mut HeaderMap,
    ) {
        match decision {
            Decision::Preflight(allowed) | Decision::Actual(allowed) => {
                self.write_allowed(allowed, request, response);
            }
            Decision::Pass(pass) => append_vary(response, pass.vary()),
            Decision::Reject(rejection) => append_vary(response, rejection.vary()),
        }
    }

    /// Writes a decision's headers into a response builder's header map (see
    /// [`HeaderTable::write_headers`]). A builder that already holds an error is returned
    /// as it is.
    pub fn write_to_builder(
        &self,
        decision: &Decision<'_>,
        request: &HeaderMap,
        mut builder: response::Builder,
    ) -> response::Builder {
        if let Some(headers) = builder.headers_mut() {
            self.write_headers(decision, request, headers);
        }
        builder
    }

    /// The answer to a preflight or refused request, when the engine decides it: `200` with
    /// an empty body and the CORS headers for [`Decision::Preflight`], S3's error for
    /// [`Decision::Reject`] (see [`rejection_response`]); `None` for [`Decision::Pass`] and
    /// [`Decision::Actual`], which the host serves itself (adding
    /// [`write_headers`](HeaderTable::write_headers)' headers).
    #[must_use]
    pub fn respond<B: From<String>>(
        &self,
        decision: &Decision<'_>,
        request: &HeaderMap,
        request_id: &str,
        host_id: &str,
    ) -> Option<Response<B>> {
        match decision {
            Decision::Preflight(_) => {
                let mut response = Response::new(B::from(String::new()));
                self.write_headers(decision, request, response.headers_mut());
                Some(response)
            }
            Decision::Reject(rejection) => Some(rejection_response(rejection, request_id, host_id)),
            Decision::Pass(_) | Decision::Actual(_) => None,
        }
    }

    fn write_allowed(&self, allowed: &Allowed<'_>, request: &HeaderMap, response: &mut HeaderMap) {
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
        let values = self.rules.get(allowed.rule);
        let methods = values.and_then(|v| v.methods.as_ref());
        if let Some(value) = prepared(methods, allowed.methods) {
            response.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value);
        }
        if allowed.allow_headers().is_some() {
            let reused = match (reusable_list, list_value) {
                (Some(line), Some(value)) if value.as_bytes() == line.as_bytes() => {
                    Some(value.clone())
                }
                _ => None,
            };
            if let Some(value) = reused.or_else(|| allow_headers_value(allowed)) {
                response.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
            }
        }
        if let Some(text) = allowed.expose_headers {
            let expose = values.and_then(|v| v.expose_headers.as_ref());
            if let Some(value) = prepared(expose, text) {
                response.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, value);
            }
        }
        if let Some(seconds) = allowed.max_age {
            let value = match values.and_then(|v| v.max_age.as_ref()) {
                Some((number, value)) if *number == seconds => value.clone(),
                _ => HeaderValue::from(seconds),
            };
            response.insert(header::ACCESS_CONTROL_MAX_AGE, value);
        }
        append_vary(response, allowed.vary);
    }
}

/// S3's answer to a refused preflight: its status (400 or 403), `Content-Type:
/// application/xml`, the `Vary` the engine's policy asks for, and the XML error body of
/// [`Rejection::to_xml`] with the host's request and host ids.
///
/// ```
/// use bucket_cors::{CorsEngine, CorsRequest, Decision};
///
/// let request = CorsRequest::builder("OPTIONS").origin("https://a.example").request_method("GET").build();
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

/// A value made in advance when it holds `text`, or one made from `text`.
#[inline]
fn prepared(value: Option<&HeaderValue>, text: &str) -> Option<HeaderValue> {
    match value {
        Some(value) if value.as_bytes() == text.as_bytes() => Some(value.clone()),
        _ => HeaderValue::from_str(text).ok(),
    }
}

fn append_vary(response: &mut HeaderMap, vary: Option<Vary>) {
    let Some(vary) = vary else { return };
    let value = match vary {
        Vary::Cors => VARY_CORS.clone(),
        Vary::Origin => VARY_ORIGIN.clone(),
    };
    append_vary_value(response, value);
}

/// Appends `Vary: value`, leaving out the names the response already varies on (compared
/// without regard to case); nothing when it varies on `*` or on all of them. One map lookup,
/// and no allocation unless a name is already there; the tower layer merges the inner
/// service's response through it too.
pub(crate) fn append_vary_value(response: &mut HeaderMap, value: HeaderValue) {
    let mut entry = match response.entry(header::VARY) {
        Entry::Vacant(vacant) => {
            vacant.insert(value);
            return;
        }
        Entry::Occupied(entry) => entry,
    };
    let listed = |name: &[u8]| {
        entry
            .iter()
            .flat_map(tokens)
            .any(|have| have.eq_ignore_ascii_case(name))
    };
    if listed(b"*") {
        return;
    }
    if !tokens(&value).any(listed) {
        entry.append(value);
        return;
    }
    let missing: Vec<&[u8]> = tokens(&value)
        .filter(|name| !name.is_empty() && !listed(name))
        .collect();
    if missing.is_empty() {
        return;
    }
    if let Ok(value) = HeaderValue::from_bytes(&missing.join(&b", "[..])) {
        entry.append(value);
    }
}

/// The comma-separated items of a header value, trimmed.
fn tokens(value: &HeaderValue) -> impl Iterator<Item = &[u8]> {
    value
        .as_bytes()
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
}

/// `Access-Control-Allow-Headers` rendered from the requested list.
fn allow_headers_value(allowed: &Allowed<'_>) -> Option<HeaderValue> {
    let list = allowed.allow_headers()?;
    // The names are tokens (the engine allowed nothing else): split on commas, trim
    // spaces and tabs, copy and lower-case each name whole.
    let mut stack = [0u8; 512];
    let mut at = 0;
    for line in allowed.request_headers.lines() {
        for ListItem { bytes: item, .. } in list_items(line) {
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
fn rendered_in_heap(list: AllowHeaders<'_>) -> Option<HeaderValue> {
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

/// The header values of one rule. Their bytes are shared, so writing one into a response
/// copies nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct RuleValues {
    methods: Option<HeaderValue>,
    expose_headers: Option<HeaderValue>,
    /// The number, to tell the value is the decision's without reading it.
    max_age: Option<(u32, HeaderValue)>,
}

/// A header value whose bytes are already reference-counted: the first clone of a fresh
/// value converts its buffer, so it is done here rather than on a request.
fn shared(text: &str) -> Option<HeaderValue> {
    let value = HeaderValue::from_str(text).ok()?;
    drop(value.clone());
    Some(value)
}
