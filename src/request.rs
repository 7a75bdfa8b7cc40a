//! The borrowed request view the engine evaluates.
//!
//! A [`CorsRequest`] is a `Copy` bundle of `&str`s taken from the request: its method, and
//! the `Origin`, `Access-Control-Request-Method` and `Access-Control-Request-Headers` headers,
//! plus whether it targets the bucket or an object. Building one costs nothing.

use std::fmt;

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

    /// Every `Access-Control-Request-Headers` line of a header map, read in place. A line
    /// that is not UTF-8 reads as [`crate::adapter::http::UNDECODABLE`], which no rule allows.
    #[cfg(feature = "http")]
    pub(crate) fn from_map(map: &'a ::http::HeaderMap) -> Self {
        let mut all = map
            .get_all(::http::header::ACCESS_CONTROL_REQUEST_HEADERS)
            .iter();
        HeaderLines::from_first_two(map, all.next(), all.next().is_some())
    }

    /// The lines of a map whose first `Access-Control-Request-Headers` value is `first`,
    /// with `more` telling whether there is a second.
    #[cfg(feature = "http")]
    pub(crate) fn from_first_two(
        map: &'a ::http::HeaderMap,
        first: Option<&'a ::http::HeaderValue>,
        more: bool,
    ) -> Self {
        match (first, more) {
            (None, _) => HeaderLines::ABSENT,
            (Some(one), false) => HeaderLines::one(crate::adapter::http::text(one)),
            (Some(_), true) => HeaderLines {
                repr: LinesRepr::Map(map),
            },
        }
    }

    /// True when there is no line at all.
    #[inline]
    pub(crate) const fn is_absent(&self) -> bool {
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
        self.lines()
            .flat_map(|line| line.split(','))
            .map(|item| item.trim_matches([' ', '\t']))
            .filter(|item| !item.is_empty())
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
            LinesIter::Map(values) => values.next().map(crate::adapter::http::text),
        }
    }
}

impl fmt::Debug for HeaderLines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lines()).finish()
    }
}

/// A request, as far as CORS cares: borrowed, `Copy`, built with chained calls.
///
/// ```
/// use bucket_cors::{CorsRequest, ResourceType};
///
/// let request = CorsRequest::new("OPTIONS")
///     .origin("https://app.example.com")
///     .request_method("PUT")
///     .request_headers("content-type, x-amz-date")
///     .resource(ResourceType::Object);
/// assert!(request.is_preflight());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorsRequest<'a> {
    method: &'a str,
    origin: Option<&'a str>,
    request_method: Option<&'a str>,
    request_headers: HeaderLines<'a>,
    resource: ResourceType,
}

impl<'a> CorsRequest<'a> {
    /// A request with this HTTP method (case-sensitive, as HTTP methods are) and no CORS
    /// headers, targeting an object.
    #[must_use]
    pub const fn new(method: &'a str) -> Self {
        CorsRequest {
            method,
            origin: None,
            request_method: None,
            request_headers: HeaderLines {
                repr: LinesRepr::Absent,
            },
            resource: ResourceType::Object,
        }
    }

    /// Sets the `Origin` header's value.
    #[must_use]
    pub const fn origin(mut self, origin: &'a str) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Sets the `Access-Control-Request-Method` header's value.
    #[must_use]
    pub const fn request_method(mut self, method: &'a str) -> Self {
        self.request_method = Some(method);
        self
    }

    /// Sets the `Access-Control-Request-Headers` header from one line.
    #[must_use]
    pub const fn request_headers(mut self, line: &'a str) -> Self {
        self.request_headers = HeaderLines::one(line);
        self
    }

    /// Sets the `Access-Control-Request-Headers` header from all its lines.
    #[must_use]
    pub const fn request_header_lines(mut self, lines: HeaderLines<'a>) -> Self {
        self.request_headers = lines;
        self
    }

    /// Sets what the request targets.
    #[must_use]
    pub const fn resource(mut self, resource: ResourceType) -> Self {
        self.resource = resource;
        self
    }

    /// The HTTP method.
    #[must_use]
    pub const fn method(&self) -> &'a str {
        self.method
    }

    /// The `Origin` header, if present.
    #[must_use]
    pub const fn origin_value(&self) -> Option<&'a str> {
        self.origin
    }

    /// The `Access-Control-Request-Method` header, if present.
    #[must_use]
    pub const fn request_method_value(&self) -> Option<&'a str> {
        self.request_method
    }

    /// The `Access-Control-Request-Headers` lines.
    #[must_use]
    pub const fn request_header_values(&self) -> HeaderLines<'a> {
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
