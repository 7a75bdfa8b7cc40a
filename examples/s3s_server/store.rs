//! The in-memory state: buckets, their objects and their CORS configurations (the buckets
//! and their ACLs are examples/common/store.rs, as in examples/s3_server).

use std::collections::HashMap;
use std::time::SystemTime;

use bucket_cors::CorsConfiguration;
use bytes::Bytes;

pub use crate::common::store::{Access, Acl};

/// A bucket of [`Object`]s and its CORS configuration.
pub type Bucket = crate::common::store::Bucket<Object, CorsConfiguration>;

/// Every bucket.
pub type Store = crate::common::store::Store<Object, CorsConfiguration>;

/// An object.
#[derive(Debug, Clone)]
pub struct Object {
    /// The content.
    pub body: Bytes,
    /// The hex MD5 of the content, without quotes.
    pub etag: String,
    /// When it was written.
    pub last_modified: SystemTime,
    /// `Content-Type`, when one was given.
    pub content_type: Option<String>,
    /// `Content-Encoding` (without `aws-chunked`), `Cache-Control`, `Content-Disposition`
    /// and `Content-Language`, when given.
    pub content_encoding: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    /// The `x-amz-meta-*` values, by name without the prefix.
    pub metadata: HashMap<String, String>,
}
