//! The five methods an S3 CORS rule can allow.

use std::fmt;
use std::str::FromStr;

use crate::error::UnknownName;

/// One of the five methods S3 accepts in `AllowedMethod`: `GET`, `PUT`, `HEAD`, `POST` and
/// `DELETE`. The names are case-sensitive, as S3 checks them.
///
/// See [MDN on `Access-Control-Request-Method`](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Request-Method).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CorsMethod {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
}

impl CorsMethod {
    /// All five methods.
    pub const ALL: [CorsMethod; 5] = [
        CorsMethod::Get,
        CorsMethod::Put,
        CorsMethod::Head,
        CorsMethod::Post,
        CorsMethod::Delete,
    ];

    /// Parses a method name exactly (case-sensitive): `"GET"` is a method, `"get"` is not.
    ///
    /// ```
    /// use bucket_cors::CorsMethod;
    /// assert_eq!(CorsMethod::from_name("PUT"), Some(CorsMethod::Put));
    /// assert_eq!(CorsMethod::from_name("put"), None);
    /// assert_eq!(CorsMethod::from_name("OPTIONS"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<CorsMethod> {
        match name {
            "GET" => Some(CorsMethod::Get),
            "PUT" => Some(CorsMethod::Put),
            "HEAD" => Some(CorsMethod::Head),
            "POST" => Some(CorsMethod::Post),
            "DELETE" => Some(CorsMethod::Delete),
            _ => None,
        }
    }

    /// The method's name in upper case.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            CorsMethod::Get => "GET",
            CorsMethod::Put => "PUT",
            CorsMethod::Head => "HEAD",
            CorsMethod::Post => "POST",
            CorsMethod::Delete => "DELETE",
        }
    }
}

impl FromStr for CorsMethod {
    type Err = UnknownName;

    /// As [`CorsMethod::from_name`]: exact, case-sensitive.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        CorsMethod::from_name(name).ok_or_else(|| {
            UnknownName::new("method", name, &["GET", "PUT", "HEAD", "POST", "DELETE"])
        })
    }
}

impl fmt::Display for CorsMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<CorsMethod> for String {
    fn from(method: CorsMethod) -> String {
        method.as_str().to_owned()
    }
}
