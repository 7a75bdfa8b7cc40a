//! The in-memory buckets both example servers (examples/s3_server, examples/s3s_server)
//! keep: canned ACLs, buckets of objects with their CORS configuration, and the lock over
//! them. Each server brings its own object (`O`) and stored CORS configuration (`C`).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

/// A canned ACL given with `x-amz-acl` at CreateBucket. Without one, a bucket is open to
/// every request, signed or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acl {
    /// No ACL given: everyone may read and write.
    Open,
    /// `private`: anonymous requests are refused.
    Private,
    /// `public-read`: anonymous requests may read.
    PublicRead,
    /// `public-read-write`: anonymous requests may read and write objects.
    PublicReadWrite,
}

impl Acl {
    /// Reads an `x-amz-acl` value.
    pub fn parse(value: &str) -> Option<Acl> {
        match value {
            "private" => Some(Acl::Private),
            "public-read" => Some(Acl::PublicRead),
            "public-read-write" => Some(Acl::PublicReadWrite),
            _ => None,
        }
    }

    /// Whether an anonymous request may do this.
    pub fn allows_anonymous(self, access: Access) -> bool {
        match (self, access) {
            (Acl::Open, _) => true,
            (Acl::Private, _) => false,
            (Acl::PublicRead, Access::Read) => true,
            (Acl::PublicRead, _) => false,
            (Acl::PublicReadWrite, Access::Admin) => false,
            (Acl::PublicReadWrite, _) => true,
        }
    }
}

/// What a request does to a bucket, for the ACL check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads objects or lists them.
    Read,
    /// Writes or deletes objects.
    Write,
    /// Reads or changes the bucket's own settings (its CORS configuration among them).
    Admin,
}

/// A bucket.
#[derive(Debug)]
pub struct Bucket<O, C> {
    /// When it was created.
    pub created: SystemTime,
    /// Its canned ACL.
    pub acl: Acl,
    /// Its objects, by key.
    pub objects: BTreeMap<String, O>,
    /// Its CORS configuration as PutBucketCors gave it (the compiled engine is in the CORS
    /// layer's policy store).
    pub cors: Option<C>,
}

impl<O, C> Bucket<O, C> {
    /// A new, empty bucket.
    pub fn new(acl: Acl) -> Self {
        Bucket {
            created: SystemTime::now(),
            acl,
            objects: BTreeMap::new(),
            cors: None,
        }
    }
}

/// Every bucket, behind one lock. Requests hold it only to read or change the maps; the CORS
/// layer never takes it.
#[derive(Debug)]
pub struct Store<O, C> {
    buckets: Mutex<BTreeMap<String, Bucket<O, C>>>,
}

impl<O, C> Default for Store<O, C> {
    fn default() -> Self {
        Store {
            buckets: Mutex::new(BTreeMap::new()),
        }
    }
}

impl<O, C> Store<O, C> {
    /// Locks the buckets. A panic while the lock was held does not poison the example.
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Bucket<O, C>>> {
        self.buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canned_acls_gate_anonymous_requests() {
        use Access::*;
        assert!(Acl::Open.allows_anonymous(Admin));
        assert!(!Acl::Private.allows_anonymous(Read));
        assert!(Acl::PublicRead.allows_anonymous(Read));
        assert!(!Acl::PublicRead.allows_anonymous(Write));
        assert!(Acl::PublicReadWrite.allows_anonymous(Write));
        assert!(!Acl::PublicReadWrite.allows_anonymous(Admin));
        assert_eq!(Acl::parse("public-read"), Some(Acl::PublicRead));
        assert_eq!(Acl::parse("authenticated-read"), None);
    }
}
