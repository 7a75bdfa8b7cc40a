//! Which bucket a request addresses: path-style (`/bucket/key`) or virtual-hosted
//! (`bucket.s3.example.com/key`), and whether it targets the bucket or an object.

use std::borrow::Cow;
use std::fmt;

use ::http::header::{HOST, HeaderMap};
use ::http::uri::Uri;

use crate::request::ResourceType;

/// The bucket a request addresses, and what in it: the bucket itself or an object.
///
/// The name borrows from the request when it needs no decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    bucket: Cow<'a, str>,
    resource: ResourceType,
}

impl<'a> Target<'a> {
    /// A target: the bucket's name and what the request targets in it.
    #[must_use]
    pub fn new(bucket: impl Into<Cow<'a, str>>, resource: ResourceType) -> Self {
        Target {
            bucket: bucket.into(),
            resource,
        }
    }

    /// The bucket's name.
    #[must_use]
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// [`ResourceType::Bucket`] for the bucket itself, [`ResourceType::Object`] for a key in
    /// it; S3 names it in a refused preflight's error body.
    #[must_use]
    pub const fn resource(&self) -> ResourceType {
        self.resource
    }
}

/// Tells which bucket a request addresses.
///
/// The layer asks before anything else; a request for which it answers `None` (the service
/// root, `GET /` for ListBuckets, or anything the host does not serve as a bucket) goes to
/// the inner service untouched. A host with its own addressing scheme implements this.
///
/// ```
/// use bucket_cors::ResourceType;
/// use bucket_cors::tower::{ResolveBucket, Target};
///
/// /// Every request addresses one bucket, named by the `x-tenant` header.
/// struct ByHeader;
///
/// impl ResolveBucket for ByHeader {
///     fn resolve<'a>(&self, _uri: &'a http::Uri, headers: &'a http::HeaderMap) -> Option<Target<'a>> {
///         let name = headers.get("x-tenant")?.to_str().ok()?;
///         Some(Target::new(name, ResourceType::Object))
///     }
/// }
/// ```
pub trait ResolveBucket: Send + Sync + 'static {
    /// The bucket this request addresses, or `None` when it addresses none.
    fn resolve<'a>(&self, uri: &'a Uri, headers: &'a HeaderMap) -> Option<Target<'a>>;
}

/// Path-style addressing: the first segment of the path is the bucket (`/bucket`, `/bucket/`
/// or `/bucket/key`). `/` addresses no bucket. A percent-encoded name is decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathStyle;

impl ResolveBucket for PathStyle {
    fn resolve<'a>(&self, uri: &'a Uri, _headers: &'a HeaderMap) -> Option<Target<'a>> {
        path_style(uri.path())
    }
}

/// Virtual-hosted addressing: a request to `bucket.BASE` (for one of the configured base
/// domains, any port) addresses `bucket`, and its whole path is the key (`/` is the bucket
/// itself). A request to any other host, a base domain itself included, falls back to
/// path-style addressing.
///
/// ```
/// use bucket_cors::ResourceType;
/// use bucket_cors::tower::{ResolveBucket, VirtualHosted};
///
/// let resolver = VirtualHosted::new(["s3.example.com"]);
/// let mut headers = http::HeaderMap::new();
/// headers.insert("host", "photos.s3.example.com:9000".parse().unwrap());
/// let uri: http::Uri = "/2024/cat.jpg".parse().unwrap();
/// let target = resolver.resolve(&uri, &headers).unwrap();
/// assert_eq!(target.bucket(), "photos");
/// assert_eq!(target.resource(), ResourceType::Object);
///
/// headers.insert("host", "s3.example.com".parse().unwrap());
/// let uri: http::Uri = "/photos".parse().unwrap();
/// assert_eq!(resolver.resolve(&uri, &headers).unwrap().resource(), ResourceType::Bucket);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct VirtualHosted {
    /// Each base domain lower-cased, with its leading dot (`.s3.example.com`).
    suffixes: Vec<String>,
}

impl VirtualHosted {
    /// Virtual-hosted addressing under these base domains (`s3.example.com`, matched
    /// without regard to case; a leading dot is ignored).
    #[must_use]
    pub fn new<I, S>(base_domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let suffixes = base_domains
            .into_iter()
            .map(|domain| {
                let domain = domain.as_ref().trim_start_matches('.');
                format!(".{}", domain.to_ascii_lowercase())
            })
            .filter(|suffix| suffix.len() > 1)
            .collect();
        VirtualHosted { suffixes }
    }

    /// The base domains, as configured (lower-cased).
    pub fn base_domains(&self) -> impl Iterator<Item = &str> {
        self.suffixes.iter().map(|suffix| &suffix[1..])
    }

    /// The bucket named by a host (`bucket.BASE[:port]`), if any.
    fn bucket_of<'a>(&self, host: &'a str) -> Option<&'a str> {
        let host = strip_port(host);
        self.suffixes.iter().find_map(|suffix| {
            let split = host.len().checked_sub(suffix.len())?;
            let (bucket, rest) = (host.get(..split)?, host.get(split..)?);
            (!bucket.is_empty() && rest.eq_ignore_ascii_case(suffix)).then_some(bucket)
        })
    }
}

impl fmt::Debug for VirtualHosted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualHosted")
            .field("base_domains", &self.base_domains().collect::<Vec<_>>())
            .finish()
    }
}

impl ResolveBucket for VirtualHosted {
    fn resolve<'a>(&self, uri: &'a Uri, headers: &'a HeaderMap) -> Option<Target<'a>> {
        let host = headers
            .get(HOST)
            .and_then(|value| value.to_str().ok())
            .or_else(|| uri.host());
        let Some(bucket) = host.and_then(|host| self.bucket_of(host)) else {
            return path_style(uri.path());
        };
        let resource = match uri.path() {
            "" | "/" => ResourceType::Bucket,
            _ => ResourceType::Object,
        };
        Some(Target::new(bucket, resource))
    }
}

/// `host` without its `:port` (an IPv6 literal keeps its brackets).
fn strip_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(at) if !host[at..].contains(']') => &host[..at],
        _ => host,
    }
}

fn path_style(path: &str) -> Option<Target<'_>> {
    let rest = path.strip_prefix('/')?;
    let (bucket, resource) = match rest.split_once('/') {
        Some((bucket, "")) => (bucket, ResourceType::Bucket),
        Some((bucket, _)) => (bucket, ResourceType::Object),
        None => (rest, ResourceType::Bucket),
    };
    if bucket.is_empty() {
        return None;
    }
    Some(Target::new(percent_decoded(bucket)?, resource))
}

/// The name with its `%XX` escapes decoded; `None` when an escape is broken or the result is
/// not UTF-8.
fn percent_decoded(text: &str) -> Option<Cow<'_, str>> {
    if !text.contains('%') {
        return Some(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b == b'%' {
            let hex = bytes.get(at + 1..at + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(b);
            at += 1;
        }
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(
        resolver: &dyn ResolveBucket,
        host: Option<&str>,
        path: &str,
    ) -> Option<(String, ResourceType)> {
        let uri: Uri = path.parse().unwrap();
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            headers.insert(HOST, host.parse().unwrap());
        }
        resolver
            .resolve(&uri, &headers)
            .map(|t| (t.bucket().to_owned(), t.resource()))
    }

    fn some(bucket: &str, resource: ResourceType) -> Option<(String, ResourceType)> {
        Some((bucket.to_owned(), resource))
    }

    #[test]
    fn path_style_takes_the_first_segment() {
        use ResourceType::{Bucket, Object};
        let p = &PathStyle;
        assert_eq!(resolve(p, None, "/"), None);
        assert_eq!(resolve(p, None, "//key"), None);
        assert_eq!(resolve(p, None, "/b"), some("b", Bucket));
        assert_eq!(resolve(p, None, "/b/"), some("b", Bucket));
        assert_eq!(resolve(p, None, "/b/k"), some("b", Object));
        assert_eq!(resolve(p, None, "/b/k/"), some("b", Object));
        assert_eq!(resolve(p, None, "/b?cors"), some("b", Bucket));
        assert_eq!(
            resolve(p, None, "/my%2Dbucket/k"),
            some("my-bucket", Object)
        );
        assert_eq!(resolve(p, None, "/bad%zz/k"), None);
        assert_eq!(
            resolve(p, Some("b.s3.example.com"), "/x/y"),
            some("x", Object)
        );
    }

    #[test]
    fn virtual_hosted_takes_the_host_and_falls_back_to_the_path() {
        use ResourceType::{Bucket, Object};
        let v = &VirtualHosted::new(["S3.Example.com", ".s3.local"]);
        assert_eq!(resolve(v, Some("b.s3.example.com"), "/"), some("b", Bucket));
        assert_eq!(
            resolve(v, Some("B.S3.EXAMPLE.COM:9000"), "/k"),
            some("B", Object)
        );
        assert_eq!(resolve(v, Some("a.b.s3.local"), "/k/"), some("a.b", Object));
        // The base domain itself, another host, or no host: path-style.
        assert_eq!(
            resolve(v, Some("s3.example.com"), "/b/k"),
            some("b", Object)
        );
        assert_eq!(resolve(v, Some("example.com"), "/b"), some("b", Bucket));
        assert_eq!(resolve(v, Some("[::1]:9000"), "/"), None);
        assert_eq!(resolve(v, None, "/b/"), some("b", Bucket));
        assert_eq!(resolve(v, Some("xs3.example.com"), "/"), None);
        // An absolute URI's authority when there is no Host header.
        assert_eq!(resolve(v, None, "http://c.s3.local/k"), some("c", Object));
        assert_eq!(
            v.base_domains().collect::<Vec<_>>(),
            ["s3.example.com", "s3.local"]
        );
    }
}
