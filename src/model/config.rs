//! The stored model: what `PutBucketCors` carries and `GetBucketCors` gives back.
//!
//! Plain data. Values keep the user's order and case, exactly as S3 stores them; nothing is
//! normalised here. [`CorsConfiguration::validate`](crate::CorsConfiguration::validate) applies S3's rules, and
//! [`CorsEngine::compile`](crate::CorsEngine::compile) turns a valid configuration into
//! something that can answer requests.

/// A bucket's CORS configuration: an ordered list of rules, plus the OSS dialect's
/// configuration-level `ResponseVary` flag.
///
/// ```
/// use bucket_cors::{CorsConfiguration, CorsMethod, CorsRule};
///
/// let config = CorsConfiguration::new(vec![
///     CorsRule::new()
///         .id("uploads")
///         .allowed_origin("https://app.example.com")
///         .allowed_methods([CorsMethod::Put, CorsMethod::Post])
///         .allowed_header("content-type")
///         .expose_header("ETag")
///         .max_age_seconds(3000),
/// ]);
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CorsConfiguration {
    /// The rules, in document order. The first rule that matches a request answers it.
    pub rules: Vec<CorsRule>,
    /// Alibaba OSS's `ResponseVary`: `None` when the document does not carry it.
    pub response_vary: Option<bool>,
}

/// One `CORSRule`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CorsRule {
    /// `ID`: an optional name, at most 255 characters.
    pub id: Option<String>,
    /// `AllowedOrigin`: exact origins, or patterns with one `*`.
    pub allowed_origins: Vec<String>,
    /// `AllowedMethod`: kept as written, so validation can report S3's error for a bad one.
    pub allowed_methods: Vec<String>,
    /// `AllowedHeader`: header names a preflight may request, matched case-insensitively,
    /// each with at most one `*`.
    pub allowed_headers: Vec<String>,
    /// `ExposeHeader`: response headers the browser may let scripts read.
    pub expose_headers: Vec<String>,
    /// `MaxAgeSeconds`: how long a browser may cache the preflight answer. `Some(0)` is a
    /// value, not absence.
    pub max_age_seconds: Option<u32>,
}

impl CorsConfiguration {
    /// A configuration of these rules, without `ResponseVary`.
    #[must_use]
    pub fn new(rules: Vec<CorsRule>) -> Self {
        CorsConfiguration {
            rules,
            response_vary: None,
        }
    }

    /// Sets the OSS `ResponseVary` flag.
    #[must_use]
    pub fn with_response_vary(mut self, response_vary: bool) -> Self {
        self.response_vary = Some(response_vary);
        self
    }
}

impl CorsRule {
    /// An empty rule; add origins and methods before it is valid.
    #[must_use]
    pub fn new() -> Self {
        CorsRule::default()
    }

    /// Sets the `ID`.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Adds an `AllowedOrigin`.
    #[must_use]
    pub fn allowed_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Adds several `AllowedOrigin`s.
    #[must_use]
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins
            .extend(origins.into_iter().map(Into::into));
        self
    }

    /// Adds an `AllowedMethod`. Takes a [`CorsMethod`](crate::CorsMethod) or a string.
    #[must_use]
    pub fn allowed_method(mut self, method: impl Into<String>) -> Self {
        self.allowed_methods.push(method.into());
        self
    }

    /// Adds several `AllowedMethod`s.
    #[must_use]
    pub fn allowed_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_methods
            .extend(methods.into_iter().map(Into::into));
        self
    }

    /// Adds an `AllowedHeader`.
    #[must_use]
    pub fn allowed_header(mut self, header: impl Into<String>) -> Self {
        self.allowed_headers.push(header.into());
        self
    }

    /// Adds several `AllowedHeader`s.
    #[must_use]
    pub fn allowed_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_headers
            .extend(headers.into_iter().map(Into::into));
        self
    }

    /// Adds an `ExposeHeader`.
    #[must_use]
    pub fn expose_header(mut self, header: impl Into<String>) -> Self {
        self.expose_headers.push(header.into());
        self
    }

    /// Adds several `ExposeHeader`s.
    #[must_use]
    pub fn expose_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expose_headers
            .extend(headers.into_iter().map(Into::into));
        self
    }

    /// Sets `MaxAgeSeconds`.
    #[must_use]
    pub fn max_age_seconds(mut self, seconds: u32) -> Self {
        self.max_age_seconds = Some(seconds);
        self
    }
}
