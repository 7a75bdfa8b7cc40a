//! The S3 operations, as an `s3s::S3` implementation over the in-memory store (as s3s-fs
//! does over a directory). CORS is not handled here: `bucket_cors::tower::CorsLayer`, in
//! front of s3s (see `main.rs`), answers every preflight itself and adds the CORS headers to
//! what the operations answer. The operations keep the layer's `PolicyStore` current:
//! CreateBucket and DeleteBucket add and remove the bucket, Put/DeleteBucketCors its
//! compiled configuration.

use std::ops::Bound;
use std::time::SystemTime;

use bucket_cors::s3::MALFORMED_XML_MESSAGE;
use bucket_cors::tower::PolicyStore;
use bucket_cors::{CorsConfiguration, CorsEngine, EngineOptions, VaryPolicy};
use bytes::Bytes;
use http_body_util::BodyExt;
use s3s::dto::{
    Bucket as S3sBucket, CORSConfiguration, CommonPrefix, CreateBucketInput, CreateBucketOutput,
    DeleteBucketCorsInput, DeleteBucketCorsOutput, DeleteBucketInput, DeleteBucketOutput,
    DeleteObjectInput, DeleteObjectOutput, DeleteObjectsInput, DeleteObjectsOutput, DeletedObject,
    ETag, GetBucketAclInput, GetBucketAclOutput, GetBucketCorsInput, GetBucketCorsOutput,
    GetBucketLifecycleConfigurationInput, GetBucketLifecycleConfigurationOutput,
    GetBucketLocationInput, GetBucketLocationOutput, GetBucketPolicyInput, GetBucketPolicyOutput,
    GetBucketRequestPaymentInput, GetBucketRequestPaymentOutput, GetBucketVersioningInput,
    GetBucketVersioningOutput, GetObjectInput, GetObjectLockConfigurationInput,
    GetObjectLockConfigurationOutput, GetObjectOutput, Grant, Grantee, HeadBucketInput,
    HeadBucketOutput, HeadObjectInput, HeadObjectOutput, ListBucketsInput, ListBucketsOutput,
    ListObjectVersionsInput, ListObjectVersionsOutput, ListObjectsInput, ListObjectsOutput,
    ListObjectsV2Input, ListObjectsV2Output, Object as S3sObject, ObjectStorageClass,
    ObjectVersion, ObjectVersionStorageClass, Owner, Payer, Permission, PutBucketCorsInput,
    PutBucketCorsOutput, PutObjectInput, PutObjectOutput, Range, StreamingBlob, Timestamp, Type,
};
use s3s::{Body, S3, S3Error, S3Request, S3Response, S3Result};

use crate::store::{Access, Acl, Bucket, Object, Store};
use crate::transport::{self, Caller, RawBody, error};

/// The `x-amz-id-2` of every answer, the CORS layer's included.
pub const HOST_ID: &str = "bucket-cors-s3s-example-host";
const OWNER_ID: &str = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";
const OWNER_NAME: &str = "example";
const DEFAULT_CONTENT_TYPE: &str = "binary/octet-stream";
/// The most keys one DeleteObjects may name.
const MAX_DELETE_KEYS: usize = 1000;

/// The server: the store, the CORS layer's policy store, and the `Vary` policy of the
/// configurations.
#[derive(Debug, Default)]
pub struct Server {
    store: Store,
    policies: PolicyStore,
    vary: VaryPolicy,
}

fn no_such_bucket() -> S3Error {
    error("NoSuchBucket", "The specified bucket does not exist", 404)
}

/// The answer to PutBucketCors or DeleteObjects without `Content-MD5` or a checksum.
fn missing_content_md5() -> S3Error {
    error(
        "InvalidRequest",
        "Missing required header for this request: Content-MD5",
        400,
    )
}

fn no_such_key() -> S3Error {
    error("NoSuchKey", "The specified key does not exist.", 404)
}

fn owner() -> Owner {
    Owner {
        display_name: Some(OWNER_NAME.to_owned()),
        id: Some(OWNER_ID.to_owned()),
    }
}

fn signed<T>(request: &S3Request<T>) -> bool {
    request
        .extensions
        .get::<Caller>()
        .is_some_and(|caller| caller.signed)
}

/// S3's encoding of a key for `encoding-type=url`.
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One page of a bucket's keys.
struct Listing {
    /// Keys and their objects.
    objects: Vec<(String, Object)>,
    prefixes: Vec<String>,
    truncated: bool,
    /// The last key or common prefix listed.
    last: Option<String>,
}

/// What a listing asks for.
struct Page<'a> {
    prefix: &'a str,
    delimiter: Option<&'a str>,
    after: &'a str,
    max_keys: usize,
}

fn max_keys(given: Option<i32>) -> S3Result<usize> {
    match given {
        None => Ok(1000),
        Some(n) => usize::try_from(n).map(|n| n.min(1000)).map_err(|_| {
            error(
                "InvalidArgument",
                "Provided max-keys not an integer or within integer range",
                400,
            )
        }),
    }
}

fn list(bucket: &Bucket, page: &Page<'_>) -> Listing {
    let mut out = Listing {
        objects: Vec::new(),
        prefixes: Vec::new(),
        truncated: false,
        last: None,
    };
    let mut count = 0;
    let range = bucket
        .objects
        .range::<str, _>((Bound::Excluded(page.after), Bound::Unbounded));
    for (key, object) in range {
        if !key.starts_with(page.prefix) {
            if key.as_str() > page.prefix {
                break;
            }
            continue;
        }
        if let Some(delimiter) = page.delimiter {
            if let Some(at) = key[page.prefix.len()..].find(delimiter) {
                let common = &key[..page.prefix.len() + at + delimiter.len()];
                if out.prefixes.last().map(String::as_str) == Some(common) || common <= page.after {
                    continue;
                }
                if count == page.max_keys {
                    out.truncated = true;
                    break;
                }
                out.prefixes.push(common.to_owned());
                out.last = Some(common.to_owned());
                count += 1;
                continue;
            }
        }
        if count == page.max_keys {
            out.truncated = true;
            break;
        }
        out.objects.push((key.clone(), object.clone()));
        out.last = Some(key.clone());
        count += 1;
    }
    out
}

fn encoder(encoding: Option<&s3s::dto::EncodingType>) -> impl Fn(&str) -> String {
    let url = encoding.is_some_and(|e| e.as_str() == "url");
    move |text: &str| {
        if url {
            url_encode(text)
        } else {
            text.to_owned()
        }
    }
}

fn listed_object(key: String, object: &Object, with_owner: bool) -> S3sObject {
    S3sObject {
        e_tag: Some(ETag::Strong(object.etag.clone())),
        key: Some(key),
        last_modified: Some(Timestamp::from(object.last_modified)),
        owner: with_owner.then(owner),
        size: Some(i64::try_from(object.body.len()).unwrap_or(i64::MAX)),
        storage_class: Some(ObjectStorageClass::from_static(
            ObjectStorageClass::STANDARD,
        )),
        ..S3sObject::default()
    }
}

fn common_prefixes(
    prefixes: &[String],
    encode: &impl Fn(&str) -> String,
) -> Option<Vec<CommonPrefix>> {
    (!prefixes.is_empty()).then(|| {
        prefixes
            .iter()
            .map(|p| CommonPrefix {
                prefix: Some(encode(p)),
            })
            .collect()
    })
}

impl Server {
    /// An empty server whose configurations use this `Vary` policy.
    pub fn new(vary: VaryPolicy) -> Self {
        Server {
            vary,
            ..Server::default()
        }
    }

    /// The CORS policies, shared with the CORS layer.
    pub fn policies(&self) -> &PolicyStore {
        &self.policies
    }

    /// Checks that the bucket exists and that the request may do this to it.
    fn authorize(&self, signed: bool, bucket: &str, access: Access) -> S3Result<()> {
        let store = self.store.lock();
        let found = store.get(bucket).ok_or_else(no_such_bucket)?;
        if !signed && !found.acl.allows_anonymous(access) {
            return Err(error("AccessDenied", "Access Denied", 403));
        }
        Ok(())
    }

    /// ListObjects', ListObjectsV2's and ListObjectVersions' page of a bucket the request
    /// may read, and what it lists.
    fn list_page<'a>(
        &self,
        signed: bool,
        bucket: &str,
        prefix: Option<&'a str>,
        delimiter: Option<&'a str>,
        after: &'a str,
        given_max_keys: Option<i32>,
    ) -> S3Result<(Page<'a>, Listing)> {
        self.authorize(signed, bucket, Access::Read)?;
        let page = Page {
            prefix: prefix.unwrap_or(""),
            delimiter: delimiter.filter(|d| !d.is_empty()),
            after,
            max_keys: max_keys(given_max_keys)?,
        };
        let listing = {
            let store = self.store.lock();
            list(store.get(bucket).ok_or_else(no_such_bucket)?, &page)
        };
        Ok((page, listing))
    }

    /// A bucket setting no bucket has (a policy, a lifecycle, Object Lock): once the request
    /// may read the bucket's settings, S3's 404 `code`.
    fn not_set<I, T>(
        &self,
        request: &S3Request<I>,
        bucket: &str,
        code: &str,
        message: &str,
    ) -> S3Result<T> {
        self.authorize(signed(request), bucket, Access::Admin)?;
        Err(error(code, message, 404))
    }

    /// The object, for GetObject and HeadObject.
    fn object(&self, bucket: &str, key: &str) -> S3Result<Object> {
        self.store
            .lock()
            .get(bucket)
            .ok_or_else(no_such_bucket)?
            .objects
            .get(key)
            .cloned()
            .ok_or_else(no_such_key)
    }
}

/// The part of an object a `Range` asks for, as `(first, last)` inclusive offsets.
fn byte_range(range: Option<&Range>, size: usize) -> S3Result<Option<(usize, usize)>> {
    let Some(range) = range else {
        return Ok(None);
    };
    let checked = range.check(size as u64).map_err(|_| {
        error(
            "InvalidRange",
            "The requested range is not satisfiable",
            416,
        )
    })?;
    let first = usize::try_from(checked.start).unwrap_or(usize::MAX);
    let end = usize::try_from(checked.end).unwrap_or(usize::MAX);
    if first >= end {
        return Err(error(
            "InvalidRange",
            "The requested range is not satisfiable",
            416,
        ));
    }
    Ok(Some((first, end - 1)))
}

/// ListObjects', ListObjectsV2's and ListObjectVersions' page (their inputs name these
/// fields alike) starting after `$after`: `Server::list_page`'s page and listing, and the
/// encoder of the keys.
macro_rules! list_page {
    ($server:expr, $request:expr, $after:expr) => {{
        let input = &$request.input;
        $server
            .list_page(
                signed(&$request),
                &input.bucket,
                input.prefix.as_deref(),
                input.delimiter.as_deref(),
                $after,
                input.max_keys,
            )
            .map(|(page, listing)| (page, listing, encoder(input.encoding_type.as_ref())))
    }};
}

/// GetObject's and HeadObject's answer (`$output`) for `$object`, of `$size` bytes, or the
/// `$range` of it (`$length` bytes), with the fields only one of them sends.
macro_rules! object_output {
    ($output:ident, $object:expr, $range:expr, $size:expr, $length:expr, { $($field:ident: $value:expr),* $(,)? }) => {{
        let object: Object = $object;
        let size: usize = $size;
        $output {
            accept_ranges: Some("bytes".to_owned()),
            content_length: Some(size_of($length)),
            content_range: $range.map(|(first, last)| format!("bytes {first}-{last}/{size}")),
            $($field: $value,)*
            cache_control: object.cache_control,
            content_disposition: object.content_disposition,
            content_encoding: object.content_encoding,
            content_language: object.content_language,
            content_type: Some(
                object
                    .content_type
                    .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
            ),
            e_tag: Some(ETag::Strong(object.etag)),
            last_modified: Some(Timestamp::from(object.last_modified)),
            metadata: (!object.metadata.is_empty()).then_some(object.metadata),
            ..$output::default()
        }
    }};
}

/// The answer, `206 Partial Content` when it is a range of the object.
fn partial<T>(output: T, range: Option<(usize, usize)>) -> S3Response<T> {
    let mut response = S3Response::new(output);
    if range.is_some() {
        response.status = Some(hyper::StatusCode::PARTIAL_CONTENT);
    }
    response
}

fn size_of(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl S3 for Server {
    async fn create_bucket(
        &self,
        request: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let input = request.input;
        let acl = match &input.acl {
            None => Acl::Open,
            Some(value) => Acl::parse(value.as_str())
                .ok_or_else(|| error("InvalidArgument", "Invalid canned ACL", 400))?,
        };
        let mut store = self.store.lock();
        if store.contains_key(&input.bucket) {
            return Err(error(
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
                409,
            ));
        }
        store.insert(input.bucket.clone(), Bucket::new(acl));
        self.policies.create_bucket(&input.bucket);
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{}", input.bucket)),
        }))
    }

    async fn delete_bucket(
        &self,
        request: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let bucket = &request.input.bucket;
        self.authorize(signed(&request), bucket, Access::Admin)?;
        let mut store = self.store.lock();
        if store.get(bucket).is_some_and(|b| !b.objects.is_empty()) {
            return Err(error(
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
                409,
            ));
        }
        store.remove(bucket);
        // The bucket's policy goes with it: a later preflight answers "Bucket not found".
        self.policies.remove_bucket(bucket);
        Ok(S3Response::new(DeleteBucketOutput::default()))
    }

    async fn head_bucket(
        &self,
        request: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.authorize(signed(&request), &request.input.bucket, Access::Read)?;
        Ok(S3Response::new(HeadBucketOutput {
            bucket_region: Some("us-east-1".to_owned()),
            ..HeadBucketOutput::default()
        }))
    }

    /// ListBuckets, with `prefix`, and pages of `max-buckets` whose `ContinuationToken` is
    /// the last name of the page (S3's tokens are opaque; this one is as good as any), as in
    /// examples/s3_server.
    async fn list_buckets(
        &self,
        request: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let input = request.input;
        let max = match input.max_buckets {
            None => None,
            Some(n) => Some(
                usize::try_from(n)
                    .ok()
                    .filter(|n| (1..=10_000).contains(n))
                    .ok_or_else(|| {
                        error(
                            "InvalidArgument",
                            "Argument max-buckets must be an integer between 1 and 10000.",
                            400,
                        )
                    })?,
            ),
        };
        let prefix = input.prefix.as_deref().unwrap_or("");
        let after = input.continuation_token.as_deref().unwrap_or("");
        let store = self.store.lock();
        let mut names = store
            .range::<str, _>((Bound::Excluded(after), Bound::Unbounded))
            .filter(|(name, _)| name.starts_with(prefix))
            .peekable();
        let mut buckets = Vec::new();
        let mut next_token = None;
        while let Some((name, bucket)) = names.next() {
            buckets.push(S3sBucket {
                creation_date: Some(Timestamp::from(bucket.created)),
                name: Some(name.clone()),
                ..S3sBucket::default()
            });
            if max == Some(buckets.len()) {
                if names.peek().is_some() {
                    next_token = Some(name.clone());
                }
                break;
            }
        }
        drop(store);
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(buckets),
            continuation_token: next_token,
            owner: Some(owner()),
            prefix: input.prefix,
        }))
    }

    async fn list_objects(
        &self,
        request: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let input = &request.input;
        let (page, listing, encode) =
            list_page!(self, request, input.marker.as_deref().unwrap_or(""))?;
        let contents = listing
            .objects
            .iter()
            .map(|(key, object)| listed_object(encode(key), object, true))
            .collect();
        let next_marker = (listing.truncated && page.delimiter.is_some())
            .then(|| listing.last.as_deref().map(&encode))
            .flatten();
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(input.bucket.clone()),
            prefix: Some(encode(page.prefix)),
            marker: Some(encode(page.after)),
            max_keys: input.max_keys.or(Some(1000)),
            is_truncated: Some(listing.truncated),
            contents: Some(contents),
            common_prefixes: common_prefixes(&listing.prefixes, &encode),
            delimiter: page.delimiter.map(&encode),
            next_marker,
            encoding_type: input.encoding_type.clone(),
            ..ListObjectsOutput::default()
        }))
    }

    async fn list_objects_v2(
        &self,
        request: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = &request.input;
        let (page, listing, encode) = list_page!(
            self,
            request,
            input
                .continuation_token
                .as_deref()
                .or(input.start_after.as_deref())
                .unwrap_or("")
        )?;
        let with_owner = input.fetch_owner == Some(true);
        let contents: Vec<_> = listing
            .objects
            .iter()
            .map(|(key, object)| listed_object(encode(key), object, with_owner))
            .collect();
        let count = listing.objects.len() + listing.prefixes.len();
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket.clone()),
            prefix: Some(encode(page.prefix)),
            max_keys: input.max_keys.or(Some(1000)),
            key_count: Some(i32::try_from(count).unwrap_or(i32::MAX)),
            continuation_token: input.continuation_token.clone(),
            is_truncated: Some(listing.truncated),
            next_continuation_token: listing.truncated.then_some(listing.last).flatten(),
            contents: Some(contents),
            common_prefixes: common_prefixes(&listing.prefixes, &encode),
            delimiter: page.delimiter.map(&encode),
            encoding_type: input.encoding_type.clone(),
            start_after: input.start_after.as_deref().map(&encode),
            ..ListObjectsV2Output::default()
        }))
    }

    /// An unversioned bucket's listing of versions: each object is one version, `null`.
    async fn list_object_versions(
        &self,
        request: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        let input = &request.input;
        let (page, listing, encode) =
            list_page!(self, request, input.key_marker.as_deref().unwrap_or(""))?;
        let versions = listing
            .objects
            .iter()
            .map(|(key, object)| ObjectVersion {
                e_tag: Some(ETag::Strong(object.etag.clone())),
                is_latest: Some(true),
                key: Some(encode(key)),
                last_modified: Some(Timestamp::from(object.last_modified)),
                owner: Some(owner()),
                size: Some(size_of(object.body.len())),
                storage_class: Some(ObjectVersionStorageClass::from_static(
                    ObjectVersionStorageClass::STANDARD,
                )),
                version_id: Some("null".to_owned()),
                ..ObjectVersion::default()
            })
            .collect();
        let next = listing.truncated.then_some(listing.last).flatten();
        Ok(S3Response::new(ListObjectVersionsOutput {
            common_prefixes: common_prefixes(&listing.prefixes, &encode),
            delimiter: page.delimiter.map(&encode),
            encoding_type: input.encoding_type.clone(),
            is_truncated: Some(listing.truncated),
            key_marker: Some(encode(page.after)),
            max_keys: input.max_keys.or(Some(1000)),
            name: Some(input.bucket.clone()),
            next_version_id_marker: next.as_ref().map(|_| "null".to_owned()),
            next_key_marker: next.as_deref().map(&encode),
            prefix: Some(encode(page.prefix)),
            // Always there, empty when none was given, as S3 sends it (s3s leaves out a
            // `None`).
            version_id_marker: Some(input.version_id_marker.clone().unwrap_or_default()),
            versions: Some(versions),
            ..ListObjectVersionsOutput::default()
        }))
    }

    async fn put_object(
        &self,
        request: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let signed = signed(&request);
        let headers = request.headers;
        let input = request.input;
        self.authorize(signed, &input.bucket, Access::Write)?;
        let body = match input.body {
            Some(blob) => Body::from(blob)
                .collect()
                .await
                .map_err(|_| {
                    error(
                        "IncompleteBody",
                        "The request body terminated unexpectedly",
                        400,
                    )
                })?
                .to_bytes(),
            None => Bytes::new(),
        };
        transport::verify(&headers, &body)?;
        let etag = transport::md5_hex(&body);
        let object = Object {
            body,
            etag: etag.clone(),
            last_modified: SystemTime::now(),
            content_type: input.content_type,
            content_encoding: input.content_encoding.filter(|e| !e.is_empty()),
            cache_control: input.cache_control,
            content_disposition: input.content_disposition,
            content_language: input.content_language,
            metadata: input.metadata.unwrap_or_default(),
        };
        let mut store = self.store.lock();
        let found = store.get_mut(&input.bucket).ok_or_else(no_such_bucket)?;
        found.objects.insert(input.key, object);
        drop(store);
        Ok(S3Response::new(PutObjectOutput {
            e_tag: Some(ETag::Strong(etag)),
            checksum_crc32: input.checksum_crc32,
            checksum_crc32c: input.checksum_crc32c,
            checksum_crc64nvme: input.checksum_crc64nvme,
            checksum_sha1: input.checksum_sha1,
            checksum_sha256: input.checksum_sha256,
            ..PutObjectOutput::default()
        }))
    }

    async fn get_object(
        &self,
        request: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let input = &request.input;
        self.authorize(signed(&request), &input.bucket, Access::Read)?;
        let object = self.object(&input.bucket, &input.key)?;
        let size = object.body.len();
        let range = byte_range(input.range.as_ref(), size)?;
        let content = match range {
            Some((first, last)) => object.body.slice(first..=last),
            None => object.body.clone(),
        };
        let length = content.len();
        let output = object_output!(GetObjectOutput, object, range, size, length, {
            body: Some(StreamingBlob::from(Body::from(content))),
        });
        Ok(partial(output, range))
    }

    async fn head_object(
        &self,
        request: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let input = &request.input;
        self.authorize(signed(&request), &input.bucket, Access::Read)?;
        let object = self.object(&input.bucket, &input.key)?;
        let size = object.body.len();
        let range = byte_range(input.range.as_ref(), size)?;
        let length = range.map_or(size, |(first, last)| last - first + 1);
        let output = object_output!(HeadObjectOutput, object, range, size, length, {});
        Ok(partial(output, range))
    }

    async fn delete_object(
        &self,
        request: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let input = &request.input;
        self.authorize(signed(&request), &input.bucket, Access::Write)?;
        if let Some(found) = self.store.lock().get_mut(&input.bucket) {
            found.objects.remove(&input.key);
        }
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    /// `POST ?delete`: as PutBucketCors, the request must carry `Content-MD5` or an
    /// `x-amz-checksum-*` value (s3s asks for neither), and the values the example can
    /// compute are checked against the body as it was sent. More than 1000 keys is S3's
    /// `MalformedXML` (s3s takes any number). Every key is deleted (a missing one too, as S3
    /// does); a quiet request gets an empty list back.
    async fn delete_objects(
        &self,
        request: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let input = &request.input;
        self.authorize(signed(&request), &input.bucket, Access::Write)?;
        if !transport::has_integrity(&request.headers) {
            return Err(missing_content_md5());
        }
        if let Some(RawBody(body)) = request.extensions.get::<RawBody>() {
            transport::verify(&request.headers, body)?;
        }
        if input.delete.objects.len() > MAX_DELETE_KEYS {
            return Err(error("MalformedXML", MALFORMED_XML_MESSAGE, 400));
        }
        let mut store = self.store.lock();
        let found = store.get_mut(&input.bucket).ok_or_else(no_such_bucket)?;
        let mut deleted = Vec::new();
        for identifier in &input.delete.objects {
            found.objects.remove(&identifier.key);
            deleted.push(DeletedObject {
                key: Some(identifier.key.clone()),
                version_id: identifier.version_id.clone(),
                ..DeletedObject::default()
            });
        }
        drop(store);
        let quiet = input.delete.quiet == Some(true);
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: (!quiet).then_some(deleted),
            ..DeleteObjectsOutput::default()
        }))
    }

    /// The bucket settings `s3cmd info` reads: the location, the ACL, versioning (never
    /// enabled), the payer, and no policy or lifecycle configuration.
    async fn get_bucket_location(
        &self,
        request: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.authorize(signed(&request), &request.input.bucket, Access::Admin)?;
        Ok(S3Response::new(GetBucketLocationOutput::default()))
    }

    async fn get_bucket_acl(
        &self,
        request: S3Request<GetBucketAclInput>,
    ) -> S3Result<S3Response<GetBucketAclOutput>> {
        let bucket = &request.input.bucket;
        self.authorize(signed(&request), bucket, Access::Admin)?;
        let acl = self.store.lock().get(bucket).map_or(Acl::Open, |b| b.acl);
        let grant = |grantee: Grantee, permission: &'static str| Grant {
            grantee: Some(grantee),
            permission: Some(Permission::from_static(permission)),
        };
        let everyone = || Grantee {
            type_: Type::from_static(Type::GROUP),
            uri: Some("http://acs.amazonaws.com/groups/global/AllUsers".to_owned()),
            display_name: None,
            email_address: None,
            id: None,
        };
        let me = Grantee {
            type_: Type::from_static(Type::CANONICAL_USER),
            id: Some(OWNER_ID.to_owned()),
            display_name: Some(OWNER_NAME.to_owned()),
            email_address: None,
            uri: None,
        };
        let mut grants = vec![grant(me, Permission::FULL_CONTROL)];
        if matches!(acl, Acl::PublicRead | Acl::PublicReadWrite | Acl::Open) {
            grants.push(grant(everyone(), Permission::READ));
        }
        if matches!(acl, Acl::PublicReadWrite | Acl::Open) {
            grants.push(grant(everyone(), Permission::WRITE));
        }
        Ok(S3Response::new(GetBucketAclOutput {
            grants: Some(grants),
            owner: Some(owner()),
        }))
    }

    async fn get_bucket_versioning(
        &self,
        request: S3Request<GetBucketVersioningInput>,
    ) -> S3Result<S3Response<GetBucketVersioningOutput>> {
        self.authorize(signed(&request), &request.input.bucket, Access::Admin)?;
        Ok(S3Response::new(GetBucketVersioningOutput::default()))
    }

    async fn get_bucket_request_payment(
        &self,
        request: S3Request<GetBucketRequestPaymentInput>,
    ) -> S3Result<S3Response<GetBucketRequestPaymentOutput>> {
        self.authorize(signed(&request), &request.input.bucket, Access::Admin)?;
        Ok(S3Response::new(GetBucketRequestPaymentOutput {
            payer: Some(Payer::from_static(Payer::BUCKET_OWNER)),
        }))
    }

    async fn get_bucket_policy(
        &self,
        request: S3Request<GetBucketPolicyInput>,
    ) -> S3Result<S3Response<GetBucketPolicyOutput>> {
        self.not_set(
            &request,
            &request.input.bucket,
            "NoSuchBucketPolicy",
            "The bucket policy does not exist",
        )
    }

    async fn get_bucket_lifecycle_configuration(
        &self,
        request: S3Request<GetBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
        self.not_set(
            &request,
            &request.input.bucket,
            "NoSuchLifecycleConfiguration",
            "The lifecycle configuration does not exist",
        )
    }

    /// No bucket has Object Lock.
    async fn get_object_lock_configuration(
        &self,
        request: S3Request<GetObjectLockConfigurationInput>,
    ) -> S3Result<S3Response<GetObjectLockConfigurationOutput>> {
        self.not_set(
            &request,
            &request.input.bucket,
            "ObjectLockConfigurationNotFoundError",
            "Object Lock configuration does not exist for this bucket",
        )
    }

    /// PutBucketCors: s3s's parsed document is converted with the crate's `TryFrom`,
    /// validated and compiled by the engine (a `ConfigError` becomes S3's error through
    /// `?`), and the layer's policy store updated. As S3, it needs `Content-MD5` or an
    /// `x-amz-checksum-*` value; the values the example can compute are checked against the
    /// body as it was sent.
    async fn put_bucket_cors(
        &self,
        request: S3Request<PutBucketCorsInput>,
    ) -> S3Result<S3Response<PutBucketCorsOutput>> {
        let bucket = &request.input.bucket;
        self.authorize(signed(&request), bucket, Access::Admin)?;
        if !transport::has_integrity(&request.headers) {
            return Err(missing_content_md5());
        }
        if let Some(RawBody(body)) = request.extensions.get::<RawBody>() {
            transport::verify(&request.headers, body)?;
        }
        let config = CorsConfiguration::try_from(&request.input.cors_configuration)?;
        let engine = CorsEngine::compile_with(&config, &EngineOptions::s3().vary(self.vary))?;
        let mut store = self.store.lock();
        let found = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
        found.cors = Some(config);
        // Under the store's lock, so two PutBucketCors reach both stores in the same order.
        self.policies.put(bucket, engine);
        Ok(S3Response::new(PutBucketCorsOutput::default()))
    }

    /// GetBucketCors: the stored configuration, in s3s's types.
    async fn get_bucket_cors(
        &self,
        request: S3Request<GetBucketCorsInput>,
    ) -> S3Result<S3Response<GetBucketCorsOutput>> {
        let bucket = &request.input.bucket;
        self.authorize(signed(&request), bucket, Access::Admin)?;
        let store = self.store.lock();
        let config = store
            .get(bucket)
            .ok_or_else(no_such_bucket)?
            .cors
            .as_ref()
            .ok_or_else(|| {
                error(
                    "NoSuchCORSConfiguration",
                    "The CORS configuration does not exist",
                    404,
                )
            })?;
        let rules = CORSConfiguration::from(config).cors_rules;
        Ok(S3Response::new(GetBucketCorsOutput {
            cors_rules: Some(rules),
        }))
    }

    /// DeleteBucketCors: 204 whether or not there was a configuration.
    async fn delete_bucket_cors(
        &self,
        request: S3Request<DeleteBucketCorsInput>,
    ) -> S3Result<S3Response<DeleteBucketCorsOutput>> {
        let bucket = &request.input.bucket;
        self.authorize(signed(&request), bucket, Access::Admin)?;
        if let Some(found) = self.store.lock().get_mut(bucket) {
            found.cors = None;
            self.policies.delete(bucket);
        }
        Ok(S3Response::new(DeleteBucketCorsOutput::default()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn bucket_with(keys: &[&str]) -> Bucket {
        let mut bucket = Bucket::new(Acl::Open);
        for key in keys {
            bucket.objects.insert(
                (*key).to_owned(),
                Object {
                    body: Bytes::from_static(b"x"),
                    etag: String::new(),
                    last_modified: SystemTime::now(),
                    content_type: None,
                    content_encoding: None,
                    cache_control: None,
                    content_disposition: None,
                    content_language: None,
                    metadata: HashMap::new(),
                },
            );
        }
        bucket
    }

    #[test]
    fn listings_group_by_delimiter_and_page() {
        let bucket = bucket_with(&["a/1", "a/2", "b", "c/1"]);
        let page = Page {
            prefix: "",
            delimiter: Some("/"),
            after: "",
            max_keys: 2,
        };
        let listing = list(&bucket, &page);
        assert_eq!(listing.prefixes, ["a/"]);
        assert_eq!(listing.objects.len(), 1);
        assert!(listing.truncated);
        assert_eq!(listing.last.as_deref(), Some("b"));
        let rest = list(&bucket, &Page { after: "b", ..page });
        assert_eq!(rest.prefixes, ["c/"]);
        assert!(!rest.truncated);
    }

    #[test]
    fn ranges_are_inclusive_offsets() {
        let range = |text: &str, size| byte_range(Some(&Range::parse(text).unwrap()), size);
        assert_eq!(range("bytes=0-3", 10).unwrap(), Some((0, 3)));
        assert_eq!(range("bytes=5-", 10).unwrap(), Some((5, 9)));
        assert_eq!(range("bytes=-4", 10).unwrap(), Some((6, 9)));
        assert!(range("bytes=10-", 10).is_err());
        assert_eq!(byte_range(None, 10).unwrap(), None);
    }

    #[test]
    fn keys_are_url_encoded_as_s3_does() {
        assert_eq!(url_encode("dir/a b+c"), "dir/a%20b%2Bc");
    }
}
