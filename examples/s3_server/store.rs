//! The in-memory state: buckets, their objects and their CORS configurations (the buckets
//! and their ACLs are examples/common/store.rs).

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;

pub use crate::common::store::{Access, Acl};

/// A bucket of [`Object`]s and its CORS document as it was sent.
pub type Bucket = crate::common::store::Bucket<Object, Arc<StoredCors>>;

/// Every bucket.
pub type Store = crate::common::store::Store<Object, Arc<StoredCors>>;

/// Which provider's API a CORS document was stored through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Amazon S3.
    S3,
    /// Alibaba OSS.
    Oss,
}

/// A bucket's CORS configuration as it was sent (its compiled engine is in the CORS layer's
/// policy store).
#[derive(Debug)]
pub struct StoredCors {
    /// The body of the PutBucketCors request, byte for byte.
    pub document: Bytes,
    /// The API it came through.
    pub dialect: Dialect,
}

/// An object.
#[derive(Debug, Clone)]
pub struct Object {
    /// The content.
    pub body: Bytes,
    /// The hex MD5 of the content, without quotes.
    pub etag: String,
    /// When it was written.
    pub last_modified: SystemTime,
    /// The stored `Content-Type`, `Content-Encoding`, `Cache-Control`, `Content-Disposition`
    /// and `x-amz-meta-*` headers, names lower-cased.
    pub headers: Vec<(String, String)>,
}
