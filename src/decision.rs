//! What the engine decided, and the headers and error body that carry it.
//!
//! A [`Decision`] borrows from the engine (header values joined at compile time) and from the
//! request (the echoed `Origin` and requested header names), so making one allocates nothing.
//! Header names are given in the case S3 sends them.

use std::fmt;

use crate::header::{
    ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, ALLOW_ORIGIN, EXPOSE_HEADERS, MAX_AGE, VARY,
    VARY_CORS, VARY_ORIGIN,
};
use crate::request::{HeaderLines, ResourceType};
use crate::s3::{
    BUCKET_NOT_FOUND_MESSAGE, INVALID_REQUEST_METHOD_PREFIX, MISSING_ORIGIN_MESSAGE,
    NOT_ALLOWED_MESSAGE, NOT_ENABLED_MESSAGE, S3ErrorCode,
};

/// The engine's answer to one request. The host must act on it.
#[must_use = "a decision does nothing until the host writes its headers or rejection"]
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'a> {
    /// Not a CORS request, or one no rule allows (or a bucket without CORS): serve the request
    /// as usual and add no CORS header, except a `Vary` when a non-default policy asks for it.
    Pass(Pass),
    /// An `OPTIONS` preflight a rule allows: answer `200` with an empty body and these headers.
    Preflight(Allowed<'a>),
    /// Any other request a rule allows: serve it as usual and add these headers, whatever its
    /// status.
    Actual(Allowed<'a>),
    /// An `OPTIONS` preflight refused: answer with its status and S3's XML error body.
    Reject(Rejection<'a>),
}

impl<'a> Decision<'a> {
    /// The status to answer with: `Some` for a preflight (`200`) or a rejection, `None` when
    /// the host's own operation decides it.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Decision::Preflight(_) => Some(200),
            Decision::Reject(rejection) => Some(rejection.status()),
            Decision::Pass(_) | Decision::Actual(_) => None,
        }
    }

    /// The 0-based index of the rule that allowed the request.
    #[must_use]
    pub fn matched_rule(&self) -> Option<usize> {
        match self {
            Decision::Preflight(allowed) | Decision::Actual(allowed) => Some(allowed.rule()),
            Decision::Pass(_) | Decision::Reject(_) => None,
        }
    }

    /// Every header to add to the response, in a fixed order.
    pub fn headers(&self) -> Headers<'a> {
        match self {
            Decision::Preflight(allowed) | Decision::Actual(allowed) => allowed.headers(),
            Decision::Pass(pass) => Headers::vary_only(pass.vary),
            Decision::Reject(rejection) => Headers::vary_only(rejection.vary),
        }
    }
}

/// A `Vary` value the engine sends
/// ([MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Vary)).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vary {
    /// `Origin, Access-Control-Request-Headers, Access-Control-Request-Method`
    /// ([`header::VARY_CORS`](crate::header::VARY_CORS)): what S3 sends when a rule matched.
    Cors,
    /// `Origin` ([`header::VARY_ORIGIN`](crate::header::VARY_ORIGIN)): what the cache-safe
    /// and OSS policies send on other responses.
    Origin,
}

impl Vary {
    /// The value, as sent.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Vary::Cors => VARY_CORS,
            Vary::Origin => VARY_ORIGIN,
        }
    }
}

impl fmt::Display for Vary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a request passes without CORS headers.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PassReason {
    /// The request has no `Origin`: it is not a CORS request.
    NoOrigin,
    /// The bucket has no CORS configuration.
    NoConfiguration,
    /// No rule allows the origin, method and requested headers together.
    NoMatch,
}

/// A request served without CORS headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub(crate) reason: PassReason,
    pub(crate) vary: Option<Vary>,
}

impl Pass {
    /// Why no CORS headers are added.
    #[must_use]
    pub const fn reason(&self) -> PassReason {
        self.reason
    }

    /// A `Vary` value to add anyway, when the engine's Vary policy asks for one.
    #[must_use]
    pub const fn vary(&self) -> Option<Vary> {
        self.vary
    }
}

/// The headers of an allowed CORS request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed<'a> {
    pub(crate) rule: usize,
    /// `None` for `*`, otherwise the echoed origin.
    pub(crate) origin: Option<&'a str>,
    pub(crate) methods: &'a str,
    pub(crate) request_headers: HeaderLines<'a>,
    pub(crate) expose_headers: Option<&'a str>,
    pub(crate) max_age: Option<u32>,
    pub(crate) vary: Option<Vary>,
}

impl<'a> Allowed<'a> {
    /// The 0-based index of the rule that allowed the request.
    #[must_use]
    pub const fn rule(&self) -> usize {
        self.rule
    }

    /// `Access-Control-Allow-Origin`: `*` when the rule lists `*`, otherwise the request's
    /// `Origin`, byte for byte.
    #[must_use]
    pub const fn allow_origin(&self) -> &'a str {
        match self.origin {
            Some(origin) => origin,
            None => "*",
        }
    }

    /// `Access-Control-Allow-Credentials: true` is sent exactly when the origin is echoed.
    #[must_use]
    pub const fn allow_credentials(&self) -> bool {
        self.origin.is_some()
    }

    /// `Access-Control-Allow-Methods`: every method of the rule, joined by `", "`.
    #[must_use]
    pub const fn allow_methods(&self) -> &'a str {
        self.methods
    }

    /// `Access-Control-Allow-Headers`: the requested names, lower-cased, in request order,
    /// joined by `", "`; `None` when the request listed none.
    #[must_use]
    pub fn allow_headers(&self) -> Option<AllowHeaders<'a>> {
        self.request_headers
            .has_items()
            .then_some(AllowHeaders(self.request_headers))
    }

    /// `Access-Control-Expose-Headers`: the rule's values as stored, joined by `", "`.
    #[must_use]
    pub const fn expose_headers(&self) -> Option<&'a str> {
        self.expose_headers
    }

    /// `Access-Control-Max-Age`: the rule's `MaxAgeSeconds`, when set.
    #[must_use]
    pub const fn max_age(&self) -> Option<u32> {
        self.max_age
    }

    /// `Vary`.
    #[must_use]
    pub const fn vary(&self) -> Option<Vary> {
        self.vary
    }

    /// Every header to add, in the order `Access-Control-Allow-Origin`,
    /// `-Allow-Credentials`, `-Allow-Methods`, `-Allow-Headers`, `-Expose-Headers`,
    /// `-Max-Age`, `Vary`.
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            slots: [
                Some((ALLOW_ORIGIN, FieldValue::Text(self.allow_origin()))),
                self.allow_credentials()
                    .then_some((ALLOW_CREDENTIALS, FieldValue::Text("true"))),
                Some((ALLOW_METHODS, FieldValue::Text(self.methods))),
                self.allow_headers()
                    .map(|list| (ALLOW_HEADERS, FieldValue::AllowHeaders(list))),
                self.expose_headers
                    .map(|value| (EXPOSE_HEADERS, FieldValue::Text(value))),
                self.max_age
                    .map(|value| (MAX_AGE, FieldValue::Number(value))),
                self.vary
                    .map(|value| (VARY, FieldValue::Text(value.as_str()))),
            ],
            next: 0,
        }
    }
}

/// The `Access-Control-Allow-Headers` value, rendered lazily from the request's own
/// `Access-Control-Request-Headers`: items trimmed, empty ones dropped, lower-cased, joined
/// by `", "`. [`Display`](fmt::Display) writes it; [`AllowHeaders::len`] sizes a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowHeaders<'a>(HeaderLines<'a>);

impl<'a> AllowHeaders<'a> {
    /// The requested names as they came (not yet lower-cased).
    pub fn items(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.0.items()
    }

    /// The rendered value's length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items()
            .enumerate()
            .map(|(i, item)| item.len() + if i == 0 { 0 } else { 2 })
            .sum()
    }

    /// True when the rendered value is empty (never, for a value the engine hands out).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the rendered value to a buffer.
    pub fn write_into(&self, out: &mut Vec<u8>) {
        for (i, item) in self.items().enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            out.extend(item.bytes().map(|b| b.to_ascii_lowercase()));
        }
    }
}

impl fmt::Display for AllowHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chunk = [0u8; 64];
        for (i, item) in self.items().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            // Requested names are HTTP tokens (the engine allows nothing else), so ASCII.
            for piece in item.as_bytes().chunks(chunk.len()) {
                let out = &mut chunk[..piece.len()];
                out.copy_from_slice(piece);
                out.make_ascii_lowercase();
                f.write_str(std::str::from_utf8(out).map_err(|_| fmt::Error)?)?;
            }
        }
        Ok(())
    }
}

/// A header value: borrowed text, a number, or the lazily rendered
/// `Access-Control-Allow-Headers`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// The value, ready to send.
    Text(&'a str),
    /// A number (`Access-Control-Max-Age`), written in decimal.
    Number(u32),
    /// `Access-Control-Allow-Headers`, to render.
    AllowHeaders(AllowHeaders<'a>),
}

impl<'a> FieldValue<'a> {
    /// The value when it needs no rendering.
    #[must_use]
    pub const fn as_str(&self) -> Option<&'a str> {
        match self {
            FieldValue::Text(text) => Some(text),
            FieldValue::Number(_) | FieldValue::AllowHeaders(_) => None,
        }
    }
}

impl fmt::Display for FieldValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(text) => f.write_str(text),
            FieldValue::Number(number) => fmt::Display::fmt(number, f),
            FieldValue::AllowHeaders(list) => fmt::Display::fmt(list, f),
        }
    }
}

/// The headers of a decision: `(name, value)` pairs in a fixed order.
#[derive(Debug, Clone)]
pub struct Headers<'a> {
    slots: [Option<(&'static str, FieldValue<'a>)>; 7],
    next: usize,
}

impl<'a> Headers<'a> {
    fn vary_only(vary: Option<Vary>) -> Self {
        Headers {
            slots: [
                vary.map(|value| (VARY, FieldValue::Text(value.as_str()))),
                None,
                None,
                None,
                None,
                None,
                None,
            ],
            next: 0,
        }
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'static str, FieldValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        while let Some(slot) = self.slots.get(self.next) {
            self.next += 1;
            if let Some(pair) = slot {
                return Some(*pair);
            }
        }
        None
    }
}

/// Why a preflight was refused.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectionKind {
    /// `OPTIONS` without `Origin`: `400 BadRequest`.
    MissingOrigin,
    /// `OPTIONS` to a bucket that does not exist: `403 AccessForbidden`. The engine never
    /// decides this itself; see [`CorsEngine::evaluate_missing_bucket`](crate::CorsEngine::evaluate_missing_bucket).
    BucketNotFound,
    /// `OPTIONS` to a bucket without a CORS configuration: `403 AccessForbidden`.
    CorsNotEnabled,
    /// `Access-Control-Request-Method` missing, or not one of the five methods:
    /// `400 BadRequest`.
    InvalidRequestMethod,
    /// No rule allows the preflight: `403 AccessForbidden`.
    NotAllowed,
}

/// A refused preflight, with everything S3's error body carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection<'a> {
    pub(crate) kind: RejectionKind,
    /// The `<Method>` element, or for [`RejectionKind::InvalidRequestMethod`] the bad value.
    pub(crate) method: Option<&'a str>,
    pub(crate) resource: ResourceType,
    pub(crate) vary: Option<Vary>,
}

impl<'a> Rejection<'a> {
    /// Why the preflight was refused.
    #[must_use]
    pub const fn kind(&self) -> RejectionKind {
        self.kind
    }

    /// The S3 error code.
    #[must_use]
    pub const fn code(&self) -> S3ErrorCode {
        match self.kind {
            RejectionKind::MissingOrigin | RejectionKind::InvalidRequestMethod => {
                S3ErrorCode::BadRequest
            }
            RejectionKind::BucketNotFound
            | RejectionKind::CorsNotEnabled
            | RejectionKind::NotAllowed => S3ErrorCode::AccessForbidden,
        }
    }

    /// The HTTP status: 400 or 403.
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.code().http_status()
    }

    /// S3's `<Message>`, exact.
    #[must_use]
    pub const fn message(&self) -> RejectionMessage<'a> {
        RejectionMessage {
            kind: self.kind,
            value: self.method,
        }
    }

    /// The `<Method>` element of S3's error body, for the 403 answers: the
    /// `Access-Control-Request-Method`, or `OPTIONS` when there is none.
    #[must_use]
    pub const fn error_method(&self) -> Option<&'a str> {
        match self.kind {
            RejectionKind::MissingOrigin | RejectionKind::InvalidRequestMethod => None,
            _ => match self.method {
                Some(method) => Some(method),
                None => Some("OPTIONS"),
            },
        }
    }

    /// The `<ResourceType>` element of S3's error body, for the 403 answers. S3 says `BUCKET`
    /// for a bucket without CORS or a missing bucket, even when the URL names an object.
    #[must_use]
    pub const fn resource_type(&self) -> Option<ResourceType> {
        match self.kind {
            RejectionKind::MissingOrigin | RejectionKind::InvalidRequestMethod => None,
            RejectionKind::BucketNotFound | RejectionKind::CorsNotEnabled => {
                Some(ResourceType::Bucket)
            }
            RejectionKind::NotAllowed => Some(self.resource),
        }
    }

    /// A `Vary` value to add, when the engine's Vary policy asks for one (S3 sends none).
    #[must_use]
    pub const fn vary(&self) -> Option<Vary> {
        self.vary
    }

    /// S3's XML error body: `Code`, `Message`, `Method`, `ResourceType` (for the 403s),
    /// `RequestId`, `HostId`. The host supplies the two ids. Sent with
    /// `Content-Type: application/xml`.
    ///
    /// ```
    /// use bucket_cors::{CorsEngine, CorsRequest, Decision};
    ///
    /// let engine = CorsEngine::disabled();
    /// let request = CorsRequest::builder("OPTIONS")
    ///     .origin("https://a.example")
    ///     .request_method("GET")
    ///     .build();
    /// let Decision::Reject(rejection) = engine.evaluate(&request) else { panic!() };
    /// let body = rejection.to_xml("REQ1", "HOST1");
    /// assert!(body.contains("<Code>AccessForbidden</Code>"));
    /// assert!(body.contains("<ResourceType>BUCKET</ResourceType>"));
    /// ```
    #[must_use]
    pub fn to_xml(&self, request_id: &str, host_id: &str) -> String {
        let mut body = crate::s3::ErrorBody::new(self.code(), &self.message().to_string());
        if let Some(method) = self.error_method() {
            body.element("Method", method);
        }
        if let Some(resource) = self.resource_type() {
            body.element("ResourceType", resource.as_str());
        }
        body.finish(request_id, host_id)
    }
}

/// S3's `<Message>` for a [`Rejection`], rendered without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectionMessage<'a> {
    kind: RejectionKind,
    value: Option<&'a str>,
}

impl RejectionMessage<'_> {
    /// The message when it is a fixed text (every kind but
    /// [`RejectionKind::InvalidRequestMethod`]).
    #[must_use]
    pub const fn as_static(&self) -> Option<&'static str> {
        match self.kind {
            RejectionKind::MissingOrigin => Some(MISSING_ORIGIN_MESSAGE),
            RejectionKind::BucketNotFound => Some(BUCKET_NOT_FOUND_MESSAGE),
            RejectionKind::CorsNotEnabled => Some(NOT_ENABLED_MESSAGE),
            RejectionKind::NotAllowed => Some(NOT_ALLOWED_MESSAGE),
            RejectionKind::InvalidRequestMethod => None,
        }
    }
}

impl fmt::Display for RejectionMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_static() {
            Some(text) => f.write_str(text),
            None => {
                f.write_str(INVALID_REQUEST_METHOD_PREFIX)?;
                f.write_str(self.value.unwrap_or("null"))
            }
        }
    }
}
