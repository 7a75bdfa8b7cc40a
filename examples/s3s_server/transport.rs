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
//! decoded here, its trailing checksums becoming headers. The bodies of PutBucketCors and
//! DeleteObjects are kept byte for byte ([`RawBody`]) so their `Content-MD5` or checksum
//! can be checked.
//!
//! A few requests s3s would take otherwise than S3 are answered here ([`Refused`]), S3's
//! message is added to the error answers s3s sends without one, and ListObjectVersions's
//! document is put in S3's element order ([`in_s3_order`]).

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
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};
use s3s::service::S3Service;

use crate::common::chunked::{Incomplete, Unchunked, decode_aws_chunked};
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

/// The request extension holding PutBucketCors's or DeleteObjects's body as it was sent.
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

/// Why a request is answered here, before s3s: what s3s would accept or answer otherwise
/// than S3 does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    code: &'static str,
    message: &'static str,
    status: u16,
}

impl Refused {
    const fn new(code: &'static str, message: &'static str, status: u16) -> Refused {
        Refused {
            code,
            message,
            status,
        }
    }

    const INCOMPLETE: Refused = Refused::new(
        "IncompleteBody",
        "The request body terminated unexpectedly",
        400,
    );
    const TOO_LARGE: Refused = Refused::new(
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        400,
    );
    /// s3s decodes an invalid `%` escape in the path as it stands.
    const INVALID_URI: Refused =
        Refused::new("InvalidURI", "Couldn't parse the specified URI.", 400);
    /// s3s takes an invalid `%` escape in the query as it stands.
    const INVALID_QUERY: Refused = Refused::new(
        "InvalidArgument",
        "The query string could not be decoded.",
        400,
    );
    /// s3s answers another method `501 NotImplemented`.
    const METHOD_NOT_ALLOWED: Refused = Refused::new(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        405,
    );

    /// The answer, in the shape of s3s's own error answers.
    fn response(self) -> Response<Body> {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code><Message>{}</Message></Error>",
            self.code, self.message
        );
        let mut response = Response::new(Body::from(body));
        *response.status_mut() =
            hyper::StatusCode::from_u16(self.status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        response
    }
}

/// S3's message for the codes s3s sends without one.
const MESSAGES: [(&str, &str); 3] = [
    (
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    ),
    ("InvalidBucketName", "The specified bucket is not valid."),
    ("NoSuchBucket", "The specified bucket does not exist"),
];

/// s3s's error body with S3's message added where s3s gave none.
fn with_message(mut response: Response<Body>) -> Response<Body> {
    if !response.status().is_client_error() {
        return response;
    }
    let Some(body) = response.body().bytes() else {
        return response;
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return response;
    };
    if text.contains("<Message>") {
        return response;
    }
    for (code, message) in MESSAGES {
        let bare = format!("<Code>{code}</Code>");
        if text.contains(&bare) {
            let text = text.replacen(&bare, &format!("{bare}<Message>{message}</Message>"), 1);
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
            *response.body_mut() = Body::from(text);
            break;
        }
    }
    response
}

/// The order of an element's children: each entry names one child, or several that keep
/// their order among themselves (`|`); children not named go last.
type Order = (&'static str, &'static [&'static str]);

/// S3's order of ListObjectVersions's elements (examples/s3_server's). s3s writes every
/// element's children in alphabetical order (`ETag` before `Key` in a `Version`, `Name`
/// after `MaxKeys`); S3 writes them in its own order, which clients reading the document
/// in order rely on.
const VERSIONS_ORDER: [Order; 4] = [
    (
        "ListVersionsResult",
        &[
            "Name",
            "Prefix",
            "KeyMarker",
            "VersionIdMarker",
            "NextKeyMarker",
            "NextVersionIdMarker",
            "MaxKeys",
            "Delimiter",
            "EncodingType",
            "IsTruncated",
            "Version|DeleteMarker",
            "CommonPrefixes",
        ],
    ),
    (
        "Version",
        &[
            "Key",
            "VersionId",
            "IsLatest",
            "LastModified",
            "ETag",
            "Size",
            "StorageClass",
            "Owner",
        ],
    ),
    (
        "DeleteMarker",
        &["Key", "VersionId", "IsLatest", "LastModified", "Owner"],
    ),
    ("Owner", &["ID", "DisplayName"]),
];

/// A node of an XML document: an element (its children `None` for an empty-element tag),
/// or anything else (text, references, the declaration) as it was read.
enum Node {
    Element(BytesStart<'static>, Option<Vec<Node>>),
    Other(Event<'static>),
}

/// The document's top-level nodes, or `None` if it does not parse.
fn parse_xml(body: &[u8]) -> Option<Vec<Node>> {
    let mut reader = Reader::from_reader(body);
    let mut top = Vec::new();
    let mut open: Vec<(BytesStart<'static>, Vec<Node>)> = Vec::new();
    loop {
        let node = match reader.read_event().ok()? {
            Event::Eof => break,
            Event::Start(start) => {
                open.push((start.into_owned(), Vec::new()));
                continue;
            }
            Event::End(_) => {
                let (start, children) = open.pop()?;
                Node::Element(start, Some(children))
            }
            Event::Empty(start) => Node::Element(start.into_owned(), None),
            other => Node::Other(other.into_owned()),
        };
        match open.last_mut() {
            Some((_, children)) => children.push(node),
            None => top.push(node),
        }
    }
    open.is_empty().then_some(top)
}

/// Sorts the children of every element an order names, stably, by that order.
fn reorder(nodes: &mut [Node], orders: &[Order]) {
    for node in nodes {
        let Node::Element(start, Some(children)) = node else {
            continue;
        };
        reorder(children, orders);
        let name = start.local_name().into_inner();
        let Some((_, order)) = orders.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        children.sort_by_key(|child| match child {
            Node::Element(start, _) => order
                .iter()
                .position(|names| {
                    names
                        .split('|')
                        .any(|n| n == start.local_name().into_inner())
                })
                .unwrap_or(order.len()),
            Node::Other(_) => order.len(),
        });
    }
}

fn write_xml(writer: &mut Writer<Vec<u8>>, nodes: &[Node]) -> std::io::Result<()> {
    for node in nodes {
        match node {
            Node::Element(start, None) => writer.write_event(Event::Empty(start.borrow()))?,
            Node::Element(start, Some(children)) => {
                writer.write_event(Event::Start(start.borrow()))?;
                write_xml(writer, children)?;
                writer.write_event(Event::End(start.to_end()))?;
            }
            Node::Other(event) => writer.write_event(event.borrow())?,
        }
    }
    Ok(())
}

/// A successful answer's XML document with the children of the elements these orders name
/// in S3's order (the rest as s3s wrote it).
fn in_s3_order(mut response: Response<Body>, orders: &[Order]) -> Response<Body> {
    if !response.status().is_success() {
        return response;
    }
    let Some(body) = response.body().bytes() else {
        return response;
    };
    let Some(mut nodes) = parse_xml(&body) else {
        return response;
    };
    reorder(&mut nodes, orders);
    let mut writer = Writer::new(Vec::with_capacity(body.len()));
    if write_xml(&mut writer, &nodes).is_err() {
        return response;
    }
    let text = writer.into_inner();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    *response.body_mut() = Body::from(Bytes::from(text));
    response
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
        Box::pin(async move {
            let versions = request.method() == Method::GET
                && request
                    .uri()
                    .query()
                    .is_some_and(|query| has_parameter(query, "versions"));
            match prepare(request).await {
                Ok(request) => {
                    let response = s3.call(request).await.map(with_message)?;
                    Ok(if versions {
                        in_s3_order(response, &VERSIONS_ORDER)
                    } else {
                        response
                    })
                }
                Err(refused) => Ok(refused.response()),
            }
        })
    }
}

/// Whether every `%` escape is two hex digits and the decoded bytes are UTF-8.
fn decodes(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = bytes
                .get(at + 1..at + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(byte) => out.push(byte),
                None => return false,
            }
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).is_ok()
}

/// The request as s3s is to see it, or why it is answered here.
async fn prepare(request: Request<Incoming>) -> Result<Request<Body>, Refused> {
    let (mut parts, body) = request.into_parts();
    if !parts.uri.path().starts_with('/') || !decodes(parts.uri.path()) {
        return Err(Refused::INVALID_URI);
    }
    if !matches!(
        parts.method,
        Method::GET | Method::HEAD | Method::PUT | Method::POST | Method::DELETE
    ) {
        return Err(Refused::METHOD_NOT_ALLOWED);
    }
    let query = parts.uri.query().unwrap_or_default().to_owned();
    if !decodes(&query) {
        return Err(Refused::INVALID_QUERY);
    }
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
    // The bodies whose `Content-MD5` or checksum is checked: PutBucketCors's and
    // DeleteObjects's.
    let guarded = (parts.method == Method::PUT && has_parameter(&query, "cors"))
        || (parts.method == Method::POST && has_parameter(&query, "delete"));
    if !chunked && !guarded {
        return Ok(Request::from_parts(parts, Body::from(body)));
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
    let bytes = read?;
    if guarded {
        parts.extensions.insert(RawBody(bytes.clone()));
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Ok(Request::from_parts(parts, Body::from(bytes)))
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
    let Unchunked {
        body: decoded,
        trailers,
    } = decode_aws_chunked(body).map_err(|Incomplete| Refused::INCOMPLETE)?;
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
    fn version_listings_are_put_in_s3_order() {
        let mut response = Response::new(Body::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListVersionsResult xmlns=\"x\">\
             <IsTruncated>false</IsTruncated><KeyMarker></KeyMarker><MaxKeys>1000</MaxKeys>\
             <Name>b</Name><Prefix/><Version><ETag>&quot;e&quot;</ETag><IsLatest>true</IsLatest>\
             <Key>d&amp;e</Key><Owner><DisplayName>n</DisplayName><ID>i</ID></Owner>\
             <VersionId>null</VersionId></Version></ListVersionsResult>"
                .to_owned(),
        ));
        response = in_s3_order(response, &VERSIONS_ORDER);
        let body = response.body().bytes().unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListVersionsResult xmlns=\"x\">\
             <Name>b</Name><Prefix/><KeyMarker></KeyMarker><MaxKeys>1000</MaxKeys>\
             <IsTruncated>false</IsTruncated><Version><Key>d&amp;e</Key>\
             <VersionId>null</VersionId><IsLatest>true</IsLatest><ETag>&quot;e&quot;</ETag>\
             <Owner><ID>i</ID><DisplayName>n</DisplayName></Owner></Version></ListVersionsResult>"
        );
        assert_eq!(
            response.headers()[header::CONTENT_LENGTH],
            body.len().to_string().as_str()
        );
    }

    #[test]
    fn escapes_must_decode_to_utf8() {
        assert!(decodes("/b/a%20b+c"));
        assert!(!decodes("/b/%zz"));
        assert!(!decodes("/b/%ff"));
        assert!(!decodes("prefix=%2"));
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
