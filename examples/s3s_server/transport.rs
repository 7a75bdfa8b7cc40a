//! What runs between the CORS layer and s3s: signatures are accepted unchecked, and what
//! s3s reads only on a verified signature is undone here.
//!
//! s3s checks every signature it sees: without an `S3Auth` provider a signed request is
//! refused (`NotImplemented`, "This service has no authentication provider"), and with one
//! a signature made with any other secret is refused (`SignatureDoesNotMatch`). The client
//! suites sign with arbitrary keys, and examples/s3_server accepts any signature unchecked,
//! so this service takes the signature off (the `Authorization` header and the query-string
//! signatures of presigned URLs, v2 and v4) and records only that the request was signed
//! ([`Caller`]), for the canned-ACL check of anonymous requests. s3s, which has no
//! authentication provider, then sees an anonymous request and lets it through.
//!
//! s3s decodes an `aws-chunked` body only after verifying its signature, so the body is
//! decoded here, its trailing checksums becoming headers. The body of PutBucketCors is kept
//! byte for byte ([`RawBody`]) so its `Content-MD5` or checksum can be checked.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, Uri};
use md5::{Digest, Md5};
use s3s::service::S3Service;
use s3s::{Body, HttpError, S3Error, S3ErrorCode};

/// The largest request body read here.
pub const MAX_BODY: usize = 64 << 20;

/// The query parameters of a presigned URL's signature (v4, then v2).
const SIGNATURE_PARAMETERS: [&str; 9] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
    "AWSAccessKeyId",
    "Signature",
];

/// The request extension telling whether the request carried a signature (any signature:
/// none is checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// An `Authorization` header or a query-string signature was sent.
    pub signed: bool,
}

/// The request extension holding PutBucketCors's body as it was sent.
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

/// The request extension recording that the body could not be read or decoded; the
/// operation answers this error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    code: &'static str,
    message: &'static str,
}

impl Refused {
    pub const INCOMPLETE: Refused = Refused {
        code: "IncompleteBody",
        message: "The request body terminated unexpectedly",
    };
    const TOO_LARGE: Refused = Refused {
        code: "EntityTooLarge",
        message: "Your proposed upload exceeds the maximum allowed size",
    };

    /// The error to answer.
    pub fn error(self) -> S3Error {
        error(self.code, self.message, 400)
    }
}

/// An `S3Error` with this code (s3s's own where it has one), message and status.
pub fn error(code: &str, message: &str, status: u16) -> S3Error {
    let code = S3ErrorCode::from_bytes(code.as_bytes())
        .unwrap_or_else(|| S3ErrorCode::Custom(code.to_owned().into()));
    let mut out = S3Error::with_message(code, message.to_owned());
    if let Ok(status) = hyper::StatusCode::from_u16(status) {
        out.set_status_code(status);
    }
    out
}

/// s3s's service behind the request preparation above.
#[derive(Clone)]
pub struct Transport {
    s3: S3Service,
}

impl Transport {
    /// Serves requests with this s3s service.
    pub fn new(s3: S3Service) -> Self {
        Transport { s3 }
    }
}

impl tower::Service<Request<Incoming>> for Transport {
    type Response = Response<Body>;
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, HttpError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), HttpError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        let s3 = self.s3.clone();
        Box::pin(async move { s3.call(prepare(request).await).await })
    }
}

/// The request as s3s is to see it.
async fn prepare(request: Request<Incoming>) -> Request<Body> {
    let (mut parts, body) = request.into_parts();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let signed = parts.headers.contains_key(header::AUTHORIZATION)
        || has_parameter(&query, "X-Amz-Signature")
        || has_parameter(&query, "Signature");
    parts.headers.remove(header::AUTHORIZATION);
    if signed {
        parts.uri = without_signature(&parts.uri, &query);
    }
    parts.extensions.insert(Caller { signed });

    let chunked = header_text(&parts.headers, "content-encoding")
        .is_some_and(|e| e.split(',').any(|e| e.trim() == "aws-chunked"))
        || header_text(&parts.headers, "x-amz-content-sha256")
            .is_some_and(|v| v.starts_with("STREAMING-"));
    let put_cors = parts.method == Method::PUT && has_parameter(&query, "cors");
    if !chunked && !put_cors {
        return Request::from_parts(parts, Body::from(body));
    }
    let read = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => Err(Refused::TOO_LARGE),
        Err(_) => Err(Refused::INCOMPLETE),
    };
    let read = read.and_then(|bytes| {
        if chunked {
            unchunk(&mut parts.headers, &bytes)
        } else {
            Ok(bytes)
        }
    });
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(refused) => {
            parts.extensions.insert(refused);
            Bytes::new()
        }
    };
    if put_cors {
        parts.extensions.insert(RawBody(bytes.clone()));
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Request::from_parts(parts, Body::from(bytes))
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn parameter_name(pair: &str) -> &str {
    pair.split_once('=').map_or(pair, |(name, _)| name)
}

fn has_parameter(query: &str, name: &str) -> bool {
    query.split('&').any(|pair| parameter_name(pair) == name)
}

/// The URI without a presigned URL's signature parameters (and v2's `Expires`).
fn without_signature(uri: &Uri, query: &str) -> Uri {
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = parameter_name(pair);
            !pair.is_empty() && !SIGNATURE_PARAMETERS.contains(&name) && name != "Expires"
        })
        .collect();
    let mut path_and_query = uri.path().to_owned();
    if !kept.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&kept.join("&"));
    }
    let mut builder = Uri::builder();
    if let Some(scheme) = uri.scheme() {
        builder = builder.scheme(scheme.clone());
    }
    if let Some(authority) = uri.authority() {
        builder = builder.authority(authority.clone());
    }
    builder
        .path_and_query(path_and_query)
        .build()
        .unwrap_or_else(|_| uri.clone())
}

/// Decodes an `aws-chunked` body (chunk signatures are not checked); its trailers become
/// headers and the headers that describe the encoding go.
fn unchunk(headers: &mut HeaderMap, body: &[u8]) -> Result<Bytes, Refused> {
    let (decoded, trailers) = decode_aws_chunked(body)?;
    for (name, value) in trailers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
    let rest = header_text(headers, "content-encoding").map(|encoding| {
        encoding
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty() && *e != "aws-chunked")
            .collect::<Vec<_>>()
            .join(", ")
    });
    match rest.and_then(|rest| HeaderValue::from_str(&rest).ok()) {
        Some(rest) if !rest.is_empty() => {
            headers.insert(header::CONTENT_ENCODING, rest);
        }
        _ => {
            headers.remove(header::CONTENT_ENCODING);
        }
    }
    for name in [
        "x-amz-content-sha256",
        "x-amz-decoded-content-length",
        "x-amz-trailer",
    ] {
        headers.remove(name);
    }
    Ok(Bytes::from(decoded))
}

/// One CRLF-terminated line from `at`, and where the next starts.
fn line(input: &[u8], at: usize) -> Result<(&[u8], usize), Refused> {
    let rest = input.get(at..).ok_or(Refused::INCOMPLETE)?;
    let end = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or(Refused::INCOMPLETE)?;
    Ok((&rest[..end], at + end + 2))
}

/// The payload and the trailers (names lower-cased) of an `aws-chunked` body.
fn decode_aws_chunked(input: &[u8]) -> Result<(Vec<u8>, Vec<(String, String)>), Refused> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let (size_line, next) = line(input, at)?;
        let size = size_line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size)
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .ok_or(Refused::INCOMPLETE)?;
        at = next;
        if size == 0 {
            break;
        }
        let end = at.checked_add(size).ok_or(Refused::INCOMPLETE)?;
        body.extend_from_slice(input.get(at..end).ok_or(Refused::INCOMPLETE)?);
        if input.get(end..end + 2) != Some(b"\r\n".as_slice()) {
            return Err(Refused::INCOMPLETE);
        }
        at = end + 2;
    }
    let mut trailers = Vec::new();
    while at < input.len() {
        let (field, next) = line(input, at)?;
        at = next;
        if field.is_empty() {
            break;
        }
        let text = std::str::from_utf8(field).map_err(|_| Refused::INCOMPLETE)?;
        let (name, value) = text.split_once(':').ok_or(Refused::INCOMPLETE)?;
        if !name.trim().starts_with("x-amz-trailer-signature") {
            trailers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    Ok((body, trailers))
}

/// The `x-amz-checksum-*` headers that stand in for `Content-MD5`.
const CHECKSUM_HEADERS: [&str; 5] = [
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
];

/// Whether the request carries `Content-MD5` or an `x-amz-checksum-*` value.
pub fn has_integrity(headers: &HeaderMap) -> bool {
    headers.contains_key("content-md5") || CHECKSUM_HEADERS.iter().any(|n| headers.contains_key(*n))
}

/// Checks the body against `Content-MD5` and `x-amz-checksum-crc32` (the other checksums
/// are taken as sent).
pub fn verify(headers: &HeaderMap, body: &[u8]) -> Result<(), S3Error> {
    if let Some(value) = header_text(headers, "content-md5") {
        let expected = STANDARD
            .decode(value.trim())
            .ok()
            .filter(|d| d.len() == 16)
            .ok_or_else(|| {
                error(
                    "InvalidDigest",
                    "The Content-MD5 you specified was not valid.",
                    400,
                )
            })?;
        if Md5::digest(body).as_slice() != expected.as_slice() {
            return Err(error(
                "BadDigest",
                "The Content-MD5 you specified did not match what we received.",
                400,
            ));
        }
    }
    if let Some(value) = header_text(headers, "x-amz-checksum-crc32") {
        let expected = STANDARD
            .decode(value.trim())
            .ok()
            .and_then(|d| <[u8; 4]>::try_from(d).ok())
            .ok_or_else(|| {
                error(
                    "InvalidRequest",
                    "Value for x-amz-checksum-crc32 header is invalid.",
                    400,
                )
            })?;
        if crc32fast::hash(body).to_be_bytes() != expected {
            return Err(error(
                "BadDigest",
                "The CRC32 you specified did not match the calculated checksum.",
                400,
            ));
        }
    }
    Ok(())
}

/// The hex MD5 of a body: its ETag.
pub fn md5_hex(body: &[u8]) -> String {
    Md5::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presigned_parameters_are_taken_off() {
        let uri: Uri = "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&x-id=GetObject&X-Amz-Signature=ab"
            .parse()
            .unwrap();
        let query = uri.query().unwrap().to_owned();
        assert_eq!(without_signature(&uri, &query), "/b/k?x-id=GetObject");
        let v2: Uri = "/b/k?AWSAccessKeyId=a&Expires=1&Signature=x"
            .parse()
            .unwrap();
        let query = v2.query().unwrap().to_owned();
        assert_eq!(without_signature(&v2, &query), "/b/k");
    }

    #[test]
    fn aws_chunked_bodies_are_decoded_with_their_trailers() {
        let body = b"5;chunk-signature=0\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
        let (decoded, trailers) = decode_aws_chunked(body).unwrap();
        assert_eq!(decoded, b"hello");
        assert_eq!(
            trailers,
            vec![("x-amz-checksum-crc32".to_owned(), "AAAAAA==".to_owned())]
        );
        assert_eq!(decode_aws_chunked(b"5\r\nabc"), Err(Refused::INCOMPLETE));
    }

    #[test]
    fn integrity_values_are_checked() {
        let mut headers = HeaderMap::new();
        assert!(!has_integrity(&headers));
        headers.insert(
            "content-md5",
            HeaderValue::from_static("XUFAKrxLKna5cZ2REBfFkg=="),
        );
        assert!(has_integrity(&headers));
        assert!(verify(&headers, b"hello").is_ok());
        assert_eq!(
            verify(&headers, b"other").unwrap_err().code().as_str(),
            "BadDigest"
        );
        headers.insert("content-md5", HeaderValue::from_static("abc"));
        assert_eq!(
            verify(&headers, b"hello").unwrap_err().code().as_str(),
            "InvalidDigest"
        );
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }
}
