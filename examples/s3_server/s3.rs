//! The S3 operations. CORS is not handled here: `bucket_cors::tower::CorsLayer`, in front
//! of this service (see `main.rs`), answers every preflight itself and adds the CORS headers
//! to what the operations answer. The operations keep the layer's `PolicyStore` current:
//! CreateBucket and DeleteBucket add and remove the bucket, Put/DeleteBucketCors its
//! compiled configuration.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use bucket_cors::tower::{PolicyStore, RequestId};
use bucket_cors::{
    CorsConfiguration, CorsEngine, EngineOptions, Format, ResourceType, ValidationOptions,
    VaryPolicy,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};

use crate::common::chunked::{Incomplete, decode_aws_chunked};
use crate::digest::{self, CHECKSUM_HEADERS, Integrity};
use crate::store::{Access, Acl, Bucket, Dialect, Object, Store, StoredCors};
use crate::wire::{
    DeleteRequest, Query, S3Error, element, http_date, iso_date, percent_decode, percent_encode,
};

/// The response body type.
pub type Body = Full<Bytes>;

/// The largest request body the example reads.
pub const MAX_BODY: usize = 64 << 20;

const NAMESPACE: &str = bucket_cors::s3::S3_NAMESPACE;
/// The `x-amz-id-2` and `<HostId>` of every answer, the CORS layer's included.
pub const HOST_ID: &str = "bucket-cors-example-host";
const OWNER_ID: &str = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";
const OWNER_NAME: &str = "example";
const DEFAULT_CONTENT_TYPE: &str = "binary/octet-stream";

/// Query parameters that name a sub-resource of a bucket or object. A request with one the
/// example does not serve gets `501 NotImplemented`.
const SUBRESOURCES: [&str; 24] = [
    "cors",
    "location",
    "acl",
    "policy",
    "lifecycle",
    "versioning",
    "requestPayment",
    "website",
    "tagging",
    "ownershipControls",
    "publicAccessBlock",
    "encryption",
    "logging",
    "notification",
    "replication",
    "accelerate",
    "uploads",
    "uploadId",
    "delete",
    "object-lock",
    "versions",
    "restore",
    "select",
    "attributes",
];

/// The sub-resource a request names, if any: the first of `SUBRESOURCES` in its query.
/// Every other parameter (a listing's `prefix`, a presigned URL's `X-Amz-Signature`,
/// `AWSAccessKeyId`, `Signature`, `Expires`, ...) leaves the request an ordinary one.
fn subresource(query: &Query) -> Option<&'static str> {
    SUBRESOURCES.iter().copied().find(|name| query.has(name))
}

/// The server: the store, the CORS layer's policy store, a request counter, and the `Vary`
/// policy of S3-dialect buckets.
#[derive(Debug, Default)]
pub struct Server {
    store: Store,
    policies: PolicyStore,
    requests: AtomicU64,
    vary: VaryPolicy,
}

/// What the request names.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    /// `None` for the service root.
    bucket: Option<String>,
    /// `None` for the bucket itself (`/bucket` or `/bucket/`).
    key: Option<String>,
}

impl Target {
    fn parse(path: &str) -> Result<Target, S3Error> {
        let invalid = || S3Error::new(400, "InvalidURI", "Couldn't parse the specified URI.");
        let rest = path.strip_prefix('/').ok_or_else(invalid)?;
        if rest.is_empty() {
            return Ok(Target {
                bucket: None,
                key: None,
            });
        }
        let (bucket, key) = match rest.split_once('/') {
            Some((bucket, "")) => (bucket, None),
            Some((bucket, key)) => (bucket, Some(percent_decode(key).ok_or_else(invalid)?)),
            None => (rest, None),
        };
        let bucket = percent_decode(bucket)
            .filter(|b| !b.is_empty())
            .ok_or_else(invalid)?;
        Ok(Target {
            bucket: Some(bucket),
            key,
        })
    }
}

/// One request, as the operations need it.
struct Call<'a> {
    method: &'a Method,
    headers: &'a HeaderMap,
    query: Query,
    /// No `Authorization` header and no signature in the query.
    anonymous: bool,
    /// Sent by an Alibaba OSS client.
    oss: bool,
}

impl Call<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// True when the request comes from an Alibaba OSS client: an `OSS` signature, an `x-oss-`
/// header, or OSS's query-string signature.
fn is_oss(headers: &HeaderMap, query: &Query) -> bool {
    let auth = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes().starts_with(b"OSS"));
    auth || headers
        .keys()
        .any(|name| name.as_str().starts_with("x-oss-"))
        || query.has("OSSAccessKeyId")
        || query.has("x-oss-signature")
}

/// The headers every answer carries, the CORS layer's own included: the request id, the
/// host id, `Date` and `Server` (and OSS's request id for an OSS client).
pub fn stamp<B>(request: &Request<B>, request_id: &str, response: &mut HeaderMap) {
    let oss = Query::parse(request.uri().query()).is_some_and(|q| is_oss(request.headers(), &q));
    set(response, "x-amz-request-id", request_id);
    set(response, "x-amz-id-2", HOST_ID);
    if oss {
        set(response, "x-oss-request-id", request_id);
    }
    set(response, "date", &http_date(SystemTime::now()));
    set(response, "server", "bucket-cors-example");
}

fn is_anonymous(parts: &Parts, query: &Query) -> bool {
    !parts.headers.contains_key(header::AUTHORIZATION)
        && ![
            "X-Amz-Signature",
            "Signature",
            "OSSAccessKeyId",
            "x-oss-signature",
        ]
        .iter()
        .any(|name| query.has(name))
}

fn response(status: u16, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
}

fn xml_response(status: u16, body: String) -> Response<Body> {
    let mut response = response(status, body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

fn error_response(error: &S3Error, head: bool, request_id: &str) -> Response<Body> {
    let body = if head {
        String::new()
    } else {
        error.to_xml(request_id, HOST_ID)
    };
    xml_response(error.status, body)
}

fn set(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.insert(name, value);
    }
}

fn method_not_allowed(method: &Method, resource: ResourceType) -> S3Error {
    S3Error::new(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )
    .with("Method", method.as_str())
    .with("ResourceType", resource.as_str())
}

impl Server {
    /// An empty server whose S3-dialect configurations use this `Vary` policy (OSS-dialect
    /// ones follow their `ResponseVary`).
    pub fn new(vary: VaryPolicy) -> Self {
        Server {
            vary,
            ..Server::default()
        }
    }

    /// A new request id.
    pub fn request_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{n:016X}")
    }

    /// The CORS policies, shared with the CORS layer.
    pub fn policies(&self) -> &PolicyStore {
        &self.policies
    }

    /// Reads the request's body and answers it.
    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => Err(S3Error::new(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
            )),
            Err(_) => Err(incomplete_body()),
        };
        self.respond(&parts, body)
    }

    /// Answers a request whose body has been read. Its request id is the one the outer
    /// service gave it (see `main.rs`).
    pub fn respond(&self, parts: &Parts, body: Result<Bytes, S3Error>) -> Response<Body> {
        let request_id = match parts.extensions.get::<RequestId>() {
            Some(id) => id.as_str().to_owned(),
            None => self.request_id(),
        };
        let head = parts.method == Method::HEAD;
        let query = Query::parse(parts.uri.query());
        match query {
            Some(query) => self.route(parts, query, body, &request_id),
            None => error_response(
                &S3Error::new(
                    400,
                    "InvalidArgument",
                    "The query string could not be decoded.",
                ),
                head,
                &request_id,
            ),
        }
    }

    fn route(
        &self,
        parts: &Parts,
        query: Query,
        body: Result<Bytes, S3Error>,
        request_id: &str,
    ) -> Response<Body> {
        let head = parts.method == Method::HEAD;
        let target = match Target::parse(parts.uri.path()) {
            Ok(target) => target,
            Err(err) => return error_response(&err, head, request_id),
        };
        let call = Call {
            method: &parts.method,
            headers: &parts.headers,
            anonymous: is_anonymous(parts, &query),
            oss: is_oss(&parts.headers, &query),
            query,
        };
        let Some(bucket) = target.bucket else {
            return self.service(&call, parts, request_id);
        };
        let result = body.and_then(|body| match &target.key {
            Some(key) => self.object(&call, &bucket, key, body),
            None => self.bucket(&call, &bucket, body),
        });
        match result {
            Ok(response) => response,
            Err(err) => error_response(&err, head, request_id),
        }
    }

    /// The service root: ListBuckets. It never carries CORS headers (its preflights are
    /// answered by the CORS layer).
    fn service(&self, call: &Call<'_>, parts: &Parts, request_id: &str) -> Response<Body> {
        let head = parts.method == Method::HEAD;
        let answer = match *call.method {
            Method::GET => self.list_buckets(call),
            _ => Err(method_not_allowed(call.method, ResourceType::Bucket)),
        };
        answer.unwrap_or_else(|err| error_response(&err, head, request_id))
    }

    /// ListBuckets, with `prefix`, and pages of `max-buckets` whose `ContinuationToken` is
    /// the last name of the page (S3's tokens are opaque; this one is as good as any).
    fn list_buckets(&self, call: &Call<'_>) -> Result<Response<Body>, S3Error> {
        let q = &call.query;
        let prefix = q.get("prefix").unwrap_or("");
        let after = q.get("continuation-token").unwrap_or("");
        let max = match q.get("max-buckets") {
            None => None,
            Some(text) => Some(
                text.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=10_000).contains(n))
                    .ok_or_else(|| {
                        S3Error::new(
                            400,
                            "InvalidArgument",
                            "Argument max-buckets must be an integer between 1 and 10000.",
                        )
                        .with("ArgumentName", "max-buckets")
                        .with("ArgumentValue", text)
                    })?,
            ),
        };
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"{NAMESPACE}\">"
        );
        owner(&mut out);
        out.push_str("<Buckets>");
        let store = self.store.lock();
        let mut names = store
            .range::<str, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded))
            .filter(|(name, _)| name.starts_with(prefix))
            .peekable();
        let mut count = 0;
        let mut next_token = None;
        while let Some((name, bucket)) = names.next() {
            out.push_str("<Bucket>");
            element(&mut out, "Name", name);
            element(&mut out, "CreationDate", &iso_date(bucket.created));
            out.push_str("</Bucket>");
            count += 1;
            if max == Some(count) {
                if names.peek().is_some() {
                    next_token = Some(name.clone());
                }
                break;
            }
        }
        drop(store);
        out.push_str("</Buckets>");
        if let Some(token) = next_token {
            element(&mut out, "ContinuationToken", &token);
        }
        if q.has("prefix") {
            element(&mut out, "Prefix", prefix);
        }
        out.push_str("</ListAllMyBucketsResult>");
        Ok(xml_response(200, out))
    }

    /// Checks that the bucket exists and that the request may do this to it.
    fn authorize(&self, call: &Call<'_>, bucket: &str, access: Access) -> Result<(), S3Error> {
        let store = self.store.lock();
        let found = store
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        if call.anonymous && !found.acl.allows_anonymous(access) {
            return Err(S3Error::access_denied());
        }
        Ok(())
    }

    fn bucket(
        &self,
        call: &Call<'_>,
        bucket: &str,
        body: Bytes,
    ) -> Result<Response<Body>, S3Error> {
        let subresource = subresource(&call.query);
        let not_found = |code: &'static str, message: &str| {
            Err(S3Error::new(404, code, message).with("BucketName", bucket))
        };
        match (call.method.clone(), subresource) {
            (Method::PUT, Some("cors")) => self.put_cors(call, bucket, body),
            (Method::GET, Some("cors")) => self.get_cors(call, bucket),
            (Method::DELETE, Some("cors")) => self.delete_cors(call, bucket),
            (Method::GET, Some("versions")) => self.list_versions(call, bucket),
            (Method::POST, Some("delete")) => self.delete_objects(call, bucket, body),
            (Method::GET, Some(sub)) => {
                self.authorize(call, bucket, Access::Admin)?;
                match sub {
                    "location" => Ok(xml_response(
                        200,
                        format!(
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"{NAMESPACE}\"></LocationConstraint>"
                        ),
                    )),
                    "acl" => Ok(self.acl(bucket)),
                    "versioning" => Ok(xml_response(
                        200,
                        format!(
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VersioningConfiguration xmlns=\"{NAMESPACE}\"/>"
                        ),
                    )),
                    "requestPayment" => Ok(xml_response(
                        200,
                        format!(
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RequestPaymentConfiguration xmlns=\"{NAMESPACE}\"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>"
                        ),
                    )),
                    "policy" => not_found("NoSuchBucketPolicy", "The bucket policy does not exist"),
                    "lifecycle" => not_found(
                        "NoSuchLifecycleConfiguration",
                        "The lifecycle configuration does not exist",
                    ),
                    "website" => not_found(
                        "NoSuchWebsiteConfiguration",
                        "The specified bucket does not have a website configuration",
                    ),
                    "tagging" => not_found("NoSuchTagSet", "The TagSet does not exist"),
                    "object-lock" => not_found(
                        "ObjectLockConfigurationNotFoundError",
                        "Object Lock configuration does not exist for this bucket",
                    ),
                    _ => Err(S3Error::not_implemented()),
                }
            }
            (_, Some(_)) => {
                self.authorize(call, bucket, Access::Admin)?;
                Err(S3Error::not_implemented())
            }
            (Method::PUT, None) => self.create_bucket(call, bucket),
            (Method::GET, None) => self.list_objects(call, bucket),
            (Method::HEAD, None) => {
                self.authorize(call, bucket, Access::Read)?;
                let mut response = response(200, Bytes::new());
                set(response.headers_mut(), "x-amz-bucket-region", "us-east-1");
                Ok(response)
            }
            (Method::DELETE, None) => self.delete_bucket(call, bucket),
            (Method::POST, None) => {
                self.authorize(call, bucket, Access::Write)?;
                Err(S3Error::not_implemented())
            }
            (method, None) => Err(method_not_allowed(&method, ResourceType::Bucket)),
        }
    }

    fn create_bucket(&self, call: &Call<'_>, bucket: &str) -> Result<Response<Body>, S3Error> {
        if !is_valid_bucket_name(bucket) {
            return Err(S3Error::new(
                400,
                "InvalidBucketName",
                "The specified bucket is not valid.",
            )
            .with("BucketName", bucket));
        }
        let acl = match call
            .header("x-amz-acl")
            .or_else(|| call.header("x-oss-acl"))
        {
            None => Acl::Open,
            Some(value) => Acl::parse(value).ok_or_else(|| {
                S3Error::new(400, "InvalidArgument", "")
                    .with("ArgumentName", "x-amz-acl")
                    .with("ArgumentValue", value)
            })?,
        };
        let mut store = self.store.lock();
        if store.contains_key(bucket) {
            return Err(S3Error::new(
                409,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .with("BucketName", bucket));
        }
        store.insert(bucket.to_owned(), Bucket::new(acl));
        self.policies.create_bucket(bucket);
        let mut response = response(200, Bytes::new());
        set(response.headers_mut(), "location", &format!("/{bucket}"));
        Ok(response)
    }

    fn delete_bucket(&self, call: &Call<'_>, bucket: &str) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Admin)?;
        let mut store = self.store.lock();
        if store.get(bucket).is_some_and(|b| !b.objects.is_empty()) {
            return Err(S3Error::new(
                409,
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
            )
            .with("BucketName", bucket));
        }
        store.remove(bucket);
        self.policies.remove_bucket(bucket);
        Ok(response(204, Bytes::new()))
    }

    fn acl(&self, bucket: &str) -> Response<Body> {
        let acl = self.store.lock().get(bucket).map_or(Acl::Open, |b| b.acl);
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"{NAMESPACE}\">"
        );
        owner(&mut out);
        out.push_str("<AccessControlList>");
        let grant = |out: &mut String, grantee: &str, permission: &str| {
            let _ = write!(
                out,
                "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" {grantee}</Grantee><Permission>{permission}</Permission></Grant>"
            );
        };
        let me = format!(
            "xsi:type=\"CanonicalUser\"><ID>{OWNER_ID}</ID><DisplayName>{OWNER_NAME}</DisplayName>"
        );
        let all = "xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>";
        grant(&mut out, &me, "FULL_CONTROL");
        if matches!(acl, Acl::PublicRead | Acl::PublicReadWrite | Acl::Open) {
            grant(&mut out, all, "READ");
        }
        if matches!(acl, Acl::PublicReadWrite | Acl::Open) {
            grant(&mut out, all, "WRITE");
        }
        out.push_str("</AccessControlList></AccessControlPolicy>");
        xml_response(200, out)
    }

    /// PutBucketCors. An S3 request must carry `Content-MD5` or an `x-amz-checksum-*` value;
    /// the values the example can compute are checked. The document is stored byte for byte.
    fn put_cors(
        &self,
        call: &Call<'_>,
        bucket: &str,
        body: Bytes,
    ) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Admin)?;
        let (body, integrity) = read_body(call, body)?;
        let dialect = if call.oss || Format::detect(&body) == Some(Format::OssXml) {
            Dialect::Oss
        } else {
            Dialect::S3
        };
        if dialect == Dialect::S3 && !integrity.is_present() {
            return Err(missing_content_md5());
        }
        integrity.verify(&body)?;
        let (format, options) = match dialect {
            Dialect::S3 => (Format::S3Xml, EngineOptions::s3().vary(self.vary)),
            Dialect::Oss => (
                Format::OssXml,
                EngineOptions::s3()
                    .validation(ValidationOptions::s3().dialect(bucket_cors::Dialect::Oss))
                    .vary(VaryPolicy::ResponseVary),
            ),
        };
        let engine = CorsConfiguration::parse_as(&body, format)
            .and_then(|config| CorsEngine::compile_with(&config, &options))
            .map_err(|err| {
                let status = err.status();
                S3Error::new(status, err.s3_code().as_str(), err.s3_message())
            })?;
        let mut store = self.store.lock();
        let found = store
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        found.cors = Some(Arc::new(StoredCors {
            document: body,
            dialect,
        }));
        // Under the store's lock, so two PutBucketCors reach both stores in the same order.
        self.policies.put(bucket, engine);
        Ok(response(200, Bytes::new()))
    }

    /// GetBucketCors: the stored document, byte for byte, in the dialect it was stored in.
    fn get_cors(&self, call: &Call<'_>, bucket: &str) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Admin)?;
        let stored = self.store.lock().get(bucket).and_then(|b| b.cors.clone());
        let Some(stored) = stored else {
            return Err(S3Error::new(
                404,
                "NoSuchCORSConfiguration",
                "The CORS configuration does not exist",
            )
            .with("BucketName", bucket));
        };
        let mut response = response(200, stored.document.clone());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        set(
            response.headers_mut(),
            "x-example-cors-dialect",
            match stored.dialect {
                Dialect::S3 => "s3",
                Dialect::Oss => "oss",
            },
        );
        Ok(response)
    }

    /// DeleteBucketCors: 204 whether or not there was a configuration.
    fn delete_cors(&self, call: &Call<'_>, bucket: &str) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Admin)?;
        if let Some(found) = self.store.lock().get_mut(bucket) {
            found.cors = None;
            self.policies.delete(bucket);
        }
        Ok(response(204, Bytes::new()))
    }

    /// The page of a bucket ListObjects and ListObjectVersions answer: its objects, each as
    /// `object` writes it (with its key encoded), its common prefixes, and where it ends.
    fn list(
        &self,
        bucket: &str,
        query: &ListQuery<'_>,
        after: &str,
        mut object: impl FnMut(&mut String, &str, &Object),
    ) -> Result<Listed, S3Error> {
        let store = self.store.lock();
        let objects = &store
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?
            .objects;
        let page = Page::walk(
            objects,
            query.prefix,
            query.delimiter,
            after,
            query.max_keys,
        );
        let mut listed = Listed {
            objects: String::new(),
            prefixes: String::new(),
            count: page.entries.len(),
            next: page.next_marker().map(str::to_owned),
            truncated: page.truncated,
        };
        for entry in &page.entries {
            match entry {
                Entry::Prefix(common) => {
                    common_prefix(&mut listed.prefixes, &query.encode(common));
                }
                Entry::Object(key, found) => object(&mut listed.objects, &query.encode(key), found),
            }
        }
        Ok(listed)
    }

    fn list_objects(&self, call: &Call<'_>, bucket: &str) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Read)?;
        let q = &call.query;
        let v2 = q.get("list-type") == Some("2");
        let list = ListQuery::read(q)?;
        let start_after = if v2 {
            q.get("continuation-token")
                .or_else(|| q.get("start-after"))
                .unwrap_or("")
        } else {
            q.get("marker").unwrap_or("")
        };
        let encode = |text: &str| list.encode(text);
        let with_owner = !v2 || q.get("fetch-owner") == Some("true");
        let listed = self.list(bucket, &list, start_after, |out, key, object| {
            out.push_str("<Contents>");
            element(out, "Key", key);
            object_facts(out, object);
            if with_owner {
                owner(out);
            }
            element(out, "StorageClass", "STANDARD");
            out.push_str("</Contents>");
        })?;

        let root = "ListBucketResult";
        let mut out =
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{NAMESPACE}\">");
        element(&mut out, "Name", bucket);
        element(&mut out, "Prefix", &encode(list.prefix));
        if v2 {
            if let Some(token) = q.get("continuation-token") {
                element(&mut out, "ContinuationToken", token);
            }
            if let Some(after) = q.get("start-after") {
                element(&mut out, "StartAfter", &encode(after));
            }
            element(&mut out, "KeyCount", &listed.count.to_string());
        } else {
            element(&mut out, "Marker", &encode(start_after));
        }
        list.write_facts(&mut out, listed.truncated);
        if let Some(last) = &listed.next {
            if v2 {
                element(&mut out, "NextContinuationToken", last);
            } else if list.delimiter.is_some() {
                element(&mut out, "NextMarker", &encode(last));
            }
        }
        out.push_str(&listed.objects);
        out.push_str(&listed.prefixes);
        let _ = write!(out, "</{root}>");
        Ok(xml_response(200, out))
    }

    /// ListObjectVersions of a bucket that has never been versioned: each object is its only
    /// version, `null` and latest. `key-marker` (with `version-id-marker`, whose only version
    /// here is `null`) resumes after that key; `prefix`, `delimiter`, `max-keys` and
    /// `encoding-type=url` work as in ListObjects.
    fn list_versions(&self, call: &Call<'_>, bucket: &str) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Read)?;
        let q = &call.query;
        let list = ListQuery::read(q)?;
        let key_marker = q.get("key-marker").unwrap_or("");
        let version_marker = q.get("version-id-marker").unwrap_or("");
        if key_marker.is_empty() && !version_marker.is_empty() {
            return Err(S3Error::new(
                400,
                "InvalidArgument",
                "A version-id marker cannot be specified without a key marker.",
            )
            .with("ArgumentName", "version-id-marker")
            .with("ArgumentValue", version_marker));
        }
        let encode = |text: &str| list.encode(text);
        let listed = self.list(bucket, &list, key_marker, |out, key, object| {
            out.push_str("<Version>");
            element(out, "Key", key);
            element(out, "VersionId", "null");
            element(out, "IsLatest", "true");
            object_facts(out, object);
            element(out, "StorageClass", "STANDARD");
            owner(out);
            out.push_str("</Version>");
        })?;

        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListVersionsResult xmlns=\"{NAMESPACE}\">"
        );
        element(&mut out, "Name", bucket);
        element(&mut out, "Prefix", &encode(list.prefix));
        element(&mut out, "KeyMarker", &encode(key_marker));
        element(&mut out, "VersionIdMarker", version_marker);
        if let Some(next) = &listed.next {
            element(&mut out, "NextKeyMarker", &encode(next));
            element(&mut out, "NextVersionIdMarker", "null");
        }
        list.write_facts(&mut out, listed.truncated);
        out.push_str(&listed.objects);
        out.push_str(&listed.prefixes);
        out.push_str("</ListVersionsResult>");
        Ok(xml_response(200, out))
    }

    /// DeleteObjects: like PutBucketCors, the request must carry `Content-MD5` or an
    /// `x-amz-checksum-*` value, and the values the example can compute are checked. Every
    /// key is deleted (a missing one counts as deleted, as in S3); the only version of an
    /// object here is `null`, so another version id is an `<Error>` for that key.
    fn delete_objects(
        &self,
        call: &Call<'_>,
        bucket: &str,
        body: Bytes,
    ) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Write)?;
        let (body, integrity) = read_body(call, body)?;
        if !integrity.is_present() {
            return Err(missing_content_md5());
        }
        integrity.verify(&body)?;
        let request = DeleteRequest::parse(&body)?;
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult xmlns=\"{NAMESPACE}\">"
        );
        let mut store = self.store.lock();
        let objects = &mut store
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?
            .objects;
        for target in &request.objects {
            let version = target.version_id.as_deref();
            if version.is_some_and(|v| v != "null") {
                out.push_str("<Error>");
                element(&mut out, "Key", &target.key);
                element(&mut out, "VersionId", version.unwrap_or_default());
                element(&mut out, "Code", "NoSuchVersion");
                element(&mut out, "Message", "The specified version does not exist.");
                out.push_str("</Error>");
                continue;
            }
            objects.remove(&target.key);
            if !request.quiet {
                out.push_str("<Deleted>");
                element(&mut out, "Key", &target.key);
                if let Some(version) = version {
                    element(&mut out, "VersionId", version);
                }
                out.push_str("</Deleted>");
            }
        }
        drop(store);
        out.push_str("</DeleteResult>");
        Ok(xml_response(200, out))
    }

    fn object(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        body: Bytes,
    ) -> Result<Response<Body>, S3Error> {
        if let Some(sub) = subresource(&call.query) {
            let access = if sub == "acl" || sub == "tagging" {
                Access::Admin
            } else {
                Access::Write
            };
            self.authorize(call, bucket, access)?;
            return Err(S3Error::not_implemented());
        }
        match *call.method {
            Method::PUT => self.put_object(call, bucket, key, body),
            Method::GET | Method::HEAD => self.get_object(call, bucket, key),
            Method::DELETE => {
                self.authorize(call, bucket, Access::Write)?;
                if let Some(found) = self.store.lock().get_mut(bucket) {
                    found.objects.remove(key);
                }
                Ok(response(204, Bytes::new()))
            }
            Method::POST => {
                self.authorize(call, bucket, Access::Write)?;
                Err(S3Error::not_implemented())
            }
            _ => Err(method_not_allowed(call.method, ResourceType::Object)),
        }
    }

    fn put_object(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        body: Bytes,
    ) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Write)?;
        if call.headers.contains_key("x-amz-copy-source") {
            return Err(S3Error::not_implemented());
        }
        let (body, integrity) = read_body(call, body)?;
        integrity.verify(&body)?;
        let mut headers = Vec::new();
        for (name, value) in call.headers {
            let name = name.as_str();
            let kept = matches!(
                name,
                "content-type" | "cache-control" | "content-disposition" | "content-language"
            ) || name.starts_with("x-amz-meta-")
                || name.starts_with("x-oss-meta-");
            if let (true, Ok(value)) = (kept, value.to_str()) {
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
        if let Some(encoding) = call.header("content-encoding") {
            let rest: Vec<&str> = encoding
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty() && *e != "aws-chunked")
                .collect();
            if !rest.is_empty() {
                headers.push(("content-encoding".to_owned(), rest.join(", ")));
            }
        }
        let etag = digest::md5_hex(&body);
        let object = Object {
            body,
            etag: etag.clone(),
            last_modified: SystemTime::now(),
            headers,
        };
        let mut store = self.store.lock();
        let found = store
            .get_mut(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        found.objects.insert(key.to_owned(), object);
        drop(store);
        let mut response = response(200, Bytes::new());
        set(response.headers_mut(), "etag", &format!("\"{etag}\""));
        for (name, value) in &integrity.checksums {
            set(response.headers_mut(), name, value);
        }
        Ok(response)
    }

    fn get_object(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
    ) -> Result<Response<Body>, S3Error> {
        self.authorize(call, bucket, Access::Read)?;
        let object = self
            .store
            .lock()
            .get(bucket)
            .and_then(|b| b.objects.get(key).cloned())
            .ok_or_else(|| S3Error::no_such_key(key))?;
        let size = object.body.len();
        let range = match call.header("range") {
            Some(spec) => parse_range(spec, size)?,
            None => None,
        };
        let head = *call.method == Method::HEAD;
        let (status, content) = match range {
            Some((start, end)) => (206, object.body.slice(start..=end)),
            None => (200, object.body.clone()),
        };
        let length = content.len();
        let mut response = response(status, if head { Bytes::new() } else { content });
        let headers = response.headers_mut();
        set(headers, "etag", &format!("\"{}\"", object.etag));
        set(headers, "last-modified", &http_date(object.last_modified));
        set(headers, "accept-ranges", "bytes");
        set(headers, "content-type", DEFAULT_CONTENT_TYPE);
        for (name, value) in &object.headers {
            set(headers, name, value);
        }
        set(headers, "content-length", &length.to_string());
        if let Some((start, end)) = range {
            set(
                headers,
                "content-range",
                &format!("bytes {start}-{end}/{size}"),
            );
        }
        Ok(response)
    }
}

fn owner(out: &mut String) {
    out.push_str("<Owner>");
    element(out, "ID", OWNER_ID);
    element(out, "DisplayName", OWNER_NAME);
    out.push_str("</Owner>");
}

/// S3's answer to a PutBucketCors or DeleteObjects request without `Content-MD5` or an
/// `x-amz-checksum-*` value.
fn missing_content_md5() -> S3Error {
    S3Error::new(
        400,
        "InvalidRequest",
        "Missing required header for this request: Content-MD5",
    )
}

/// A page of a bucket, written: see `Server::list`.
struct Listed {
    /// Each object's element.
    objects: String,
    /// The `<CommonPrefixes>` elements.
    prefixes: String,
    /// How many objects and common prefixes.
    count: usize,
    /// The last key or prefix of a truncated page.
    next: Option<String>,
    /// Whether more keys follow.
    truncated: bool,
}

/// An object's `LastModified`, `ETag` and `Size` in a listing.
fn object_facts(out: &mut String, object: &Object) {
    element(out, "LastModified", &iso_date(object.last_modified));
    element(out, "ETag", &format!("\"{}\"", object.etag));
    element(out, "Size", &object.body.len().to_string());
}

/// What ListObjects (v1 and v2) and ListObjectVersions read alike from the query.
#[derive(Debug, Clone, Copy)]
struct ListQuery<'q> {
    /// `prefix`, empty when not given.
    prefix: &'q str,
    /// `delimiter`, when given and not empty.
    delimiter: Option<&'q str>,
    /// `max-keys`.
    max_keys: usize,
    /// Whether `encoding-type=url` was given.
    url_encoding: bool,
}

impl<'q> ListQuery<'q> {
    fn read(q: &'q Query) -> Result<Self, S3Error> {
        Ok(ListQuery {
            prefix: q.get("prefix").unwrap_or(""),
            delimiter: q.get("delimiter").filter(|d| !d.is_empty()),
            max_keys: max_keys(q)?,
            url_encoding: url_encoding(q)?,
        })
    }

    /// A key or prefix as the listing writes it.
    fn encode(&self, text: &str) -> String {
        encode_key(text, self.url_encoding)
    }

    /// The listing's `MaxKeys`, `Delimiter`, `EncodingType` and `IsTruncated`.
    fn write_facts(&self, out: &mut String, truncated: bool) {
        element(out, "MaxKeys", &self.max_keys.to_string());
        if let Some(delimiter) = self.delimiter {
            element(out, "Delimiter", &self.encode(delimiter));
        }
        if self.url_encoding {
            element(out, "EncodingType", "url");
        }
        element(out, "IsTruncated", bool_text(truncated));
    }
}

fn bool_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

fn common_prefix(out: &mut String, prefix: &str) {
    out.push_str("<CommonPrefixes>");
    element(out, "Prefix", prefix);
    out.push_str("</CommonPrefixes>");
}

/// A listing's `max-keys`: 1000 when absent, at most 1000.
fn max_keys(q: &Query) -> Result<usize, S3Error> {
    match q.get("max-keys") {
        None => Ok(1000),
        Some(text) => text.parse::<usize>().map(|n| n.min(1000)).map_err(|_| {
            S3Error::new(
                400,
                "InvalidArgument",
                "Provided max-keys not an integer or within integer range",
            )
            .with("ArgumentName", "max-keys")
            .with("ArgumentValue", text)
        }),
    }
}

/// Whether a listing asked for `encoding-type=url` (the only encoding S3 knows).
fn url_encoding(q: &Query) -> Result<bool, S3Error> {
    match q.get("encoding-type") {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(other) => Err(S3Error::new(
            400,
            "InvalidArgument",
            "Invalid Encoding Method specified in Request",
        )
        .with("ArgumentName", "encoding-type")
        .with("ArgumentValue", other)),
    }
}

fn encode_key(text: &str, url_encoding: bool) -> String {
    if url_encoding {
        percent_encode(text)
    } else {
        text.to_owned()
    }
}

/// One entry of a listing page.
enum Entry<'a> {
    /// An object, by key.
    Object(&'a str, &'a Object),
    /// A common prefix (up to and including the delimiter).
    Prefix(&'a str),
}

/// One page of a listing, in key order.
struct Page<'a> {
    entries: Vec<Entry<'a>>,
    truncated: bool,
}

impl<'a> Page<'a> {
    /// The keys after `after` that start with `prefix`, with the keys that share a prefix up
    /// to `delimiter` rolled into one common prefix, at most `max_keys` entries.
    fn walk(
        objects: &'a BTreeMap<String, Object>,
        prefix: &str,
        delimiter: Option<&str>,
        after: &str,
        max_keys: usize,
    ) -> Page<'a> {
        let mut page = Page {
            entries: Vec::new(),
            truncated: false,
        };
        let mut last_prefix: Option<&str> = None;
        let range =
            objects.range::<str, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded));
        for (key, object) in range {
            if !key.starts_with(prefix) {
                if key.as_str() > prefix {
                    break;
                }
                continue;
            }
            let common = delimiter.and_then(|delimiter| {
                key[prefix.len()..]
                    .find(delimiter)
                    .map(|at| &key[..prefix.len() + at + delimiter.len()])
            });
            if let Some(common) = common {
                if last_prefix == Some(common) || common <= after {
                    continue;
                }
            }
            if page.entries.len() == max_keys {
                page.truncated = true;
                break;
            }
            match common {
                Some(common) => {
                    page.entries.push(Entry::Prefix(common));
                    last_prefix = Some(common);
                }
                None => page.entries.push(Entry::Object(key, object)),
            }
        }
        page
    }

    /// Where the next page starts, when this one is truncated: its last key or prefix.
    fn next_marker(&self) -> Option<&'a str> {
        if !self.truncated {
            return None;
        }
        self.entries.last().map(|entry| match entry {
            Entry::Object(key, _) => *key,
            Entry::Prefix(common) => *common,
        })
    }
}

/// S3's rules for a new bucket's name: 3 to 63 lower-case letters, digits, dots and hyphens,
/// starting and ending with a letter or digit.
fn is_valid_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

/// One `bytes=` range, as inclusive offsets. `None` for a header the example ignores (several
/// ranges, another unit), as S3 ignores what it cannot read.
fn parse_range(spec: &str, size: usize) -> Result<Option<(usize, usize)>, S3Error> {
    let Some(range) = spec.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if range.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = range.split_once('-') else {
        return Ok(None);
    };
    let unsatisfiable = || {
        S3Error::new(
            416,
            "InvalidRange",
            "The requested range is not satisfiable",
        )
        .with("RangeRequested", spec)
        .with("ActualObjectSize", size.to_string())
    };
    let (start, end) = match (first.trim(), last.trim()) {
        ("", "") => return Ok(None),
        ("", suffix) => {
            let Ok(n) = suffix.parse::<usize>() else {
                return Ok(None);
            };
            if n == 0 || size == 0 {
                return Err(unsatisfiable());
            }
            (size.saturating_sub(n), size - 1)
        }
        (first, last) => {
            let Ok(start) = first.parse::<usize>() else {
                return Ok(None);
            };
            let end = if last.is_empty() {
                usize::MAX
            } else {
                match last.parse::<usize>() {
                    Ok(end) if end >= start => end,
                    _ => return Ok(None),
                }
            };
            if start >= size {
                return Err(unsatisfiable());
            }
            (start, end.min(size - 1))
        }
    };
    Ok(Some((start, end)))
}

/// S3's answer to a body cut short or not in the encoding it declares.
fn incomplete_body() -> S3Error {
    S3Error::new(
        400,
        "IncompleteBody",
        "The request body terminated unexpectedly",
    )
}

/// The payload and its integrity values: `aws-chunked` bodies are decoded and their trailer
/// read; everything else is taken as it came.
fn read_body(call: &Call<'_>, body: Bytes) -> Result<(Bytes, Integrity), S3Error> {
    let chunked = call
        .header("content-encoding")
        .is_some_and(|e| e.split(',').any(|e| e.trim() == "aws-chunked"))
        || call
            .header("x-amz-content-sha256")
            .is_some_and(|v| v.starts_with("STREAMING-"));
    let (body, trailers) = if chunked {
        let decoded = decode_aws_chunked(&body).map_err(|Incomplete| incomplete_body())?;
        (Bytes::from(decoded.body), decoded.trailers)
    } else {
        (body, Vec::new())
    };
    let mut integrity = Integrity {
        content_md5: call.header("content-md5").map(str::to_owned),
        checksums: Vec::new(),
    };
    for name in CHECKSUM_HEADERS {
        let value = call.header(name).map(str::to_owned).or_else(|| {
            trailers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        });
        if let Some(value) = value {
            integrity.checksums.push((name, value));
        }
    }
    Ok((body, integrity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_service_a_bucket_or_an_object() {
        let t = |path: &str| Target::parse(path).map(|t| (t.bucket, t.key));
        assert_eq!(t("/").unwrap(), (None, None));
        assert_eq!(t("/b").unwrap(), (Some("b".into()), None));
        assert_eq!(t("/b/").unwrap(), (Some("b".into()), None));
        assert_eq!(
            t("/b/dir/a%20b+c").unwrap(),
            (Some("b".into()), Some("dir/a b+c".into()))
        );
        assert_eq!(t("/b//x").unwrap(), (Some("b".into()), Some("/x".into())));
        assert_eq!(t("//x").unwrap_err().code, "InvalidURI");
        assert_eq!(t("/b/%zz").unwrap_err().code, "InvalidURI");
    }

    #[test]
    fn presigned_parameters_are_not_subresources() {
        let sub = |raw: &str| subresource(&Query::parse(Some(raw)).unwrap());
        let v4 = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
                  &X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fs3%2Faws4_request\
                  &X-Amz-Date=20260101T000000Z&X-Amz-Expires=300\
                  &X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
        let v2 = "AWSAccessKeyId=test&Expires=1700000000&Signature=a%2Bb%3D";
        assert_eq!(sub(v4), None);
        assert_eq!(sub(v2), None);
        assert_eq!(sub("list-type=2&prefix=acl&delimiter=%2F"), None);
        assert_eq!(sub("versionId=null"), None);
        assert_eq!(sub("versions&prefix=a&key-marker=b"), Some("versions"));
        assert_eq!(sub("delete"), Some("delete"));
        assert_eq!(sub("delete="), Some("delete"));
        assert_eq!(sub("object-lock"), Some("object-lock"));
        assert_eq!(sub(&format!("cors&{v4}")), Some("cors"));
        assert_eq!(sub(&format!("{v2}&acl")), Some("acl"));
    }

    #[test]
    fn listing_pages_roll_up_prefixes_and_resume_after_the_marker() {
        let object = Object {
            body: Bytes::from_static(b"x"),
            etag: String::new(),
            last_modified: SystemTime::UNIX_EPOCH,
            headers: Vec::new(),
        };
        let objects: BTreeMap<String, Object> = ["a", "b/1", "b/2", "c", "d/1"]
            .iter()
            .map(|k| ((*k).to_owned(), object.clone()))
            .collect();
        let names = |page: &Page<'_>| {
            page.entries
                .iter()
                .map(|e| match e {
                    Entry::Object(key, _) => format!("o:{key}"),
                    Entry::Prefix(p) => format!("p:{p}"),
                })
                .collect::<Vec<_>>()
        };
        let page = Page::walk(&objects, "", Some("/"), "", 3);
        assert_eq!(names(&page), ["o:a", "p:b/", "o:c"]);
        assert!(page.truncated);
        assert_eq!(page.next_marker(), Some("c"));
        let rest = Page::walk(&objects, "", Some("/"), "c", 3);
        assert_eq!(names(&rest), ["p:d/"]);
        assert!(!rest.truncated && rest.next_marker().is_none());
        let after_prefix = Page::walk(&objects, "", Some("/"), "b/", 1000);
        assert_eq!(names(&after_prefix), ["o:c", "p:d/"]);
        let prefixed = Page::walk(&objects, "b/", None, "b/1", 1000);
        assert_eq!(names(&prefixed), ["o:b/2"]);
    }

    #[test]
    fn bucket_names_follow_s3s_rules() {
        assert!(is_valid_bucket_name("my-bucket.1"));
        for bad in [
            "ab",
            "Upper",
            "-lead",
            "trail-",
            "under_score",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_bucket_name(bad), "{bad}");
        }
    }

    #[test]
    fn ranges_are_read_as_s3_reads_them() {
        assert_eq!(parse_range("bytes=0-3", 10).unwrap(), Some((0, 3)));
        assert_eq!(parse_range("bytes=5-", 10).unwrap(), Some((5, 9)));
        assert_eq!(parse_range("bytes=-4", 10).unwrap(), Some((6, 9)));
        assert_eq!(parse_range("bytes=-40", 10).unwrap(), Some((0, 9)));
        assert_eq!(parse_range("bytes=2-400", 10).unwrap(), Some((2, 9)));
        assert_eq!(parse_range("bytes=0-1,3-4", 10).unwrap(), None);
        assert_eq!(parse_range("items=0-1", 10).unwrap(), None);
        assert_eq!(parse_range("bytes=10-", 10).unwrap_err().status, 416);
        assert_eq!(parse_range("bytes=-0", 10).unwrap_err().status, 416);
    }
}
