//! The response headers a CORS decision writes, named as S3 sends them, and the `Vary`
//! values it sends.

/// `Access-Control-Allow-Origin` ([MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Allow-Origin)).
pub const ALLOW_ORIGIN: &str = "Access-Control-Allow-Origin";
/// `Access-Control-Allow-Credentials` ([MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Allow-Credentials)).
pub const ALLOW_CREDENTIALS: &str = "Access-Control-Allow-Credentials";
/// `Access-Control-Allow-Methods` ([MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Allow-Methods)).
pub const ALLOW_METHODS: &str = "Access-Control-Allow-Methods";
/// `Access-Control-Allow-Headers` ([MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Allow-Headers)).
pub const ALLOW_HEADERS: &str = "Access-Control-Allow-Headers";
/// `Access-Control-Expose-Headers` ([MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Expose-Headers)).
pub const EXPOSE_HEADERS: &str = "Access-Control-Expose-Headers";
/// `Access-Control-Max-Age` ([MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Max-Age)).
pub const MAX_AGE: &str = "Access-Control-Max-Age";
/// `Vary` ([MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Vary)).
pub const VARY: &str = "Vary";

/// The `Vary` value S3 sends with every allowed CORS response.
pub const VARY_CORS: &str = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";
/// The `Vary` value of the cache-safe and OSS policies on responses no rule allowed.
pub const VARY_ORIGIN: &str = "Origin";
