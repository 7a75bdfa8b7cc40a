//! The borrowed request view the engine evaluates.
//!
//! A [`CorsRequest`] is a `Copy` bundle of `&str`s taken from the request: its method, and
//! the `Origin`, `Access-Control-Request-Method` and `Access-Control-Request-Headers` headers,
//! plus whether it targets the bucket or an object. Building one costs nothing.

use std::fmt;

use crate::syntax::list_texts;

/// What a request targets, as S3 reports it in `<ResourceType>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ResourceType {
    /// An object (`/bucket/key`).
    #[default]
    Object,
    /// The bucket itself (`/bucket` or `/bucket/`).
    Bucket,
}

impl ResourceType {
    /// `"OBJECT"` or `"BUCKET"`, as S3 writes it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceType::Object => "OBJECT",
            ResourceType::Bucket => "BUCKET",
        }
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The values of a header that may come on several lines, such as
/// `Access-Control-Request-Headers`. Several lines form one comma-separated list.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct HeaderLines<'a> {
    repr: LinesRepr<'a>,
}

#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum LinesRepr<'a> {
    #[default]
    Absent,
    One(&'a str),
    Many(&'a [&'a str]),
    /// Every `Access-Control-Request-Headers` line of an `http::HeaderMap` (two or more).
    #[cfg(feature = "http")]
    Map(&'a ::http::HeaderMap),
}

impl<'a> HeaderLines<'a> {
    /// No such header.
    pub const ABSENT: HeaderLines<'static> = HeaderLines {
        repr: LinesRepr::Absent,
    };

    /// One header line.
    #[must_use]
    pub const fn one(line: &'a str) -> Self {
        HeaderLines {
            repr: LinesRepr::One(line),
        }
    }

    /// Several header lines, in the order they came. An empty slice means no header.
    #[must_use]
    pub const fn many(lines: &'a [&'a str]) -> Self {
        match lines {
            [] => HeaderLines {
                repr: LinesRepr::Absent,
            },
            [line] => HeaderLines::one(line),
            _ => HeaderLines {
                repr: LinesRepr::Many(lines),
            },
        }
    }

    /// Every `Access-Control-Request-Headers` line of a header map (two or more), read in
    /// place. A line that is not UTF-8 reads as [`CorsRequest::UNDECODABLE`], which no rule allows.
    #[cfg(feature = "http")]
    pub(crate) const fn in_map(map: &'a ::http::HeaderMap) -> Self {
        HeaderLines {
            repr: LinesRepr::Map(map),
        }
    }

    /// True when there is no line at all.
    #[inline]
    #[must_use]
    pub const fn is_absent(&self) -> bool {
        matches!(self.repr, LinesRepr::Absent)
    }

    /// The only line, when there is exactly one.
    #[inline]
    pub(crate) const fn single(&self) -> Option<&'a str> {
        match self.repr {
            LinesRepr::One(line) => Some(line),
            _ => None,
        }
    }

    /// The header lines, in order.
    pub fn lines(&self) -> impl Iterator<Item = &'a str> + 'a {
        Lines(match self.repr {
            LinesRepr::Absent => LinesIter::Slice([].iter()),
            LinesRepr::One(line) => LinesIter::One(Some(line)),
            LinesRepr::Many(lines) => LinesIter::Slice(lines.iter()),
            #[cfg(feature = "http")]
            LinesRepr::Map(map) => LinesIter::Map(
                map.get_all(::http::header::ACCESS_CONTROL_REQUEST_HEADERS)
                    .iter(),
            ),
        })
    }

    /// The list's items: split on commas, trimmed of spaces and tabs, empty items dropped.
    ///
    /// ```
    /// use bucket_cors::HeaderLines;
    /// let lines = ["X-Amz-Date,, content-type ", "x-amz-meta-a"];
    /// let items: Vec<&str> = HeaderLines::many(&lines).items().collect();
    /// assert_eq!(items, ["X-Amz-Date", "content-type", "x-amz-meta-a"]);
    /// ```
    pub fn items(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.lines().flat_map(list_texts)
    }

    /// True when the list has at least one item.
    #[must_use]
    pub fn has_items(&self) -> bool {
        // Any byte but a comma, space or tab starts an item.
        let in_line = |line: &str| line.bytes().any(|b| !matches!(b, b',' | b' ' | b'\t'));
        match self.repr {
            LinesRepr::Absent => false,
            LinesRepr::One(line) => in_line(line),
            _ => self.lines().any(in_line),
        }
    }
}

/// The iterator behind [`HeaderLines::lines`].
struct Lines<'a>(LinesIter<'a>);

enum LinesIter<'a> {
    One(Option<&'a str>),
    Slice(std::slice::Iter<'a, &'a str>),
    #[cfg(feature = "http")]
    Map(::http::header::ValueIter<'a, ::http::HeaderValue>),
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        match &mut self.0 {
            LinesIter::One(line) => line.take(),
            LinesIter::Slice(lines) => lines.next().copied(),
            #[cfg(feature = "http")]
            LinesIter::Map(values) => values.next().map(|value| {
                std::str::from_utf8(value.as_bytes()).unwrap_or(CorsRequest::UNDECODABLE)
            }),
        }
    }
}

impl<'a> From<&'a str> for HeaderLines<'a> {
    /// One header line.
    fn from(line: &'a str) -> Self {
        HeaderLines::one(line)
    }
}

impl<'a> From<&'a String> for HeaderLines<'a> {
    /// One header line.
    fn from(line: &'a String) -> Self {
        HeaderLines::one(line)
    }
}

impl<'a> From<&'a [&'a str]> for HeaderLines<'a> {
    /// Several header lines ([`HeaderLines::many`]).
    fn from(lines: &'a [&'a str]) -> Self {
        HeaderLines::many(lines)
    }
}

impl<'a, const N: usize> From<&'a [&'a str; N]> for HeaderLines<'a> {
    /// Several header lines ([`HeaderLines::many`]).
    fn from(lines: &'a [&'a str; N]) -> Self {
        HeaderLines::many(lines)
    }
}

impl fmt::Debug for HeaderLines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lines()).finish()
    }
}

/// A request, as far as CORS cares: borrowed and `Copy`. Build one with
/// [`CorsRequest::builder`]; the getters have the builder's names.
///
/// ```
/// use bucket_cors::{CorsRequest, ResourceType};
///
/// let request = CorsRequest::builder("OPTIONS")
///     .origin("https://app.example.com")
///     .request_method("PUT")
///     .request_headers("content-type, x-amz-date")
///     .resource_type(ResourceType::Object)
///     .build();
/// assert!(request.is_preflight());
/// assert_eq!(request.origin(), Some("https://app.example.com"));
/// assert_eq!(request.request_method(), Some("PUT"));
/// assert_eq!(request.request_headers().items().count(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorsRequest<'a> {
    method: &'a str,
    origin: Option<&'a str>,
    request_method: Option<&'a str>,
    request_headers: HeaderLines<'a>,
    resource: ResourceType,
}

/// Builds a [`CorsRequest`]: [`CorsRequest::builder`], the setters, then
/// [`build`](CorsRequestBuilder::build). Building costs nothing.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorsRequestBuilder<'a> {
    request: CorsRequest<'a>,
}

impl<'a> CorsRequestBuilder<'a> {
    /// Sets the `Origin` header's value.
    pub const fn origin(mut self, origin: &'a str) -> Self {
        self.request.origin = Some(origin);
        self
    }

    /// Sets the `Access-Control-Request-Method` header's value.
    pub const fn request_method(mut self, method: &'a str) -> Self {
        self.request.request_method = Some(method);
        self
    }

    /// Sets the `Access-Control-Request-Headers` header: one line (`&str`) or all its lines
    /// (a slice of lines, or [`HeaderLines`]).
    pub fn request_headers(mut self, lines: impl Into<HeaderLines<'a>>) -> Self {
        self.request.request_headers = lines.into();
        self
    }

    /// Sets what the request targets (the default is [`ResourceType::Object`]).
    pub const fn resource_type(mut self, resource: ResourceType) -> Self {
        self.request.resource = resource;
        self
    }

    /// The request.
    #[must_use]
    pub const fn build(self) -> CorsRequest<'a> {
        self.request
    }
}

impl<'a> CorsRequest<'a> {
    /// What to hand the engine for a header value that is not UTF-8: U+FFFD followed by NUL.
    /// It holds a control character, so it matches no rule and is never echoed: an `Origin`
    /// that is not UTF-8 matches nothing, a request-header line that is not UTF-8 lists a
    /// name that is not a token, and a method that is not UTF-8 is unsupported.
    pub const UNDECODABLE: &'static str = "\u{FFFD}\u{0}";

    /// A builder for a request with this HTTP method (case-sensitive, as HTTP methods are),
    /// no CORS headers yet, targeting an object.
    pub const fn builder(method: &'a str) -> CorsRequestBuilder<'a> {
        CorsRequestBuilder {
            request: CorsRequest {
                method,
                origin: None,
                request_method: None,
                request_headers: HeaderLines {
                    repr: LinesRepr::Absent,
                },
                resource: ResourceType::Object,
            },
        }
    }

    /// The HTTP method.
    #[must_use]
    pub const fn method(&self) -> &'a str {
        self.method
    }

    /// The `Origin` header, if present.
    #[must_use]
    pub const fn origin(&self) -> Option<&'a str> {
        self.origin
    }

    /// The `Access-Control-Request-Method` header, if present.
    #[must_use]
    pub const fn request_method(&self) -> Option<&'a str> {
        self.request_method
    }

    /// The `Access-Control-Request-Headers` lines.
    #[must_use]
    pub const fn request_headers(&self) -> HeaderLines<'a> {
        self.request_headers
    }

    /// What the request targets.
    #[must_use]
    pub const fn resource_type(&self) -> ResourceType {
        self.resource
    }

    /// True for an `OPTIONS` request, which S3 answers as a CORS preflight.
    #[must_use]
    pub fn is_preflight(&self) -> bool {
        // A fixed-size compare: one or two integer compares, no `memcmp` call.
        <[u8; 7]>::try_from(self.method.as_bytes()).is_ok_and(|m| &m == b"OPTIONS")
    }

    /// The method a rule must allow: `Access-Control-Request-Method` when present (S3 uses it
    /// on every request), otherwise the request's own method.
    #[must_use]
    pub const fn effective_method(&self) -> &'a str {
        match self.request_method {
            Some(method) => method,
            None => self.method,
        }
    }
}
