//! Where the layer finds a bucket's policy: the [`PolicyLookup`] trait a host implements over
//! its own metadata, and [`PolicyStore`], an in-memory store updated under live traffic.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, ArcSwapOption};

use crate::adapter::http::HeaderTable;
use crate::engine::CorsEngine;

/// What the host knows of a bucket's CORS, as the layer needs it.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub enum Policy {
    /// The bucket does not exist: a preflight gets S3's `403` "Bucket not found" answer.
    NoBucket,
    /// The bucket exists and has no CORS configuration: a preflight gets S3's `403` "CORS is
    /// not enabled for this bucket." answer.
    NoConfiguration,
    /// The bucket's compiled configuration. The layer makes each header value from its text
    /// on every request; [`Policy::Compiled`] spares it that.
    Engine(Arc<CorsEngine>),
    /// The bucket's compiled configuration with its header values made in advance, as
    /// [`PolicyStore`] keeps it.
    Compiled(Arc<CompiledPolicy>),
}

impl Policy {
    /// The bucket's engine, when it has a configuration.
    #[must_use]
    pub fn engine(&self) -> Option<&CorsEngine> {
        match self {
            Policy::Engine(engine) => Some(engine),
            Policy::Compiled(compiled) => Some(compiled.engine()),
            Policy::NoBucket | Policy::NoConfiguration => None,
        }
    }
}

/// A bucket's engine and its [`HeaderTable`], made together once per configuration so that a
/// request writes the rule's header values without making them again.
///
/// ```
/// use std::sync::Arc;
/// use bucket_cors::{CorsEngine, CorsConfiguration, CorsRule};
/// use bucket_cors::tower::{CompiledPolicy, CorsLayer, Policy};
///
/// let engine = CorsEngine::compile(&CorsConfiguration::new(vec![
///     CorsRule::new().allowed_origin("*").allowed_method("GET").max_age_seconds(600),
/// ])).unwrap();
/// let public = Arc::new(CompiledPolicy::new(engine));
/// let layer = CorsLayer::new(move |bucket: &str| match bucket {
///     "public" => Policy::Compiled(Arc::clone(&public)),
///     _ => Policy::NoBucket,
/// });
/// # let _ = layer;
/// ```
#[derive(Debug)]
pub struct CompiledPolicy {
    engine: Arc<CorsEngine>,
    table: HeaderTable,
}

impl CompiledPolicy {
    /// The engine with its header table.
    #[must_use]
    pub fn new(engine: impl Into<Arc<CorsEngine>>) -> Self {
        let engine = engine.into();
        let table = HeaderTable::new(&engine);
        CompiledPolicy { engine, table }
    }

    /// The engine.
    #[must_use]
    pub fn engine(&self) -> &CorsEngine {
        &self.engine
    }

    /// The engine, shared.
    #[must_use]
    pub fn shared_engine(&self) -> &Arc<CorsEngine> {
        &self.engine
    }

    /// The engine's header values.
    #[must_use]
    pub fn table(&self) -> &HeaderTable {
        &self.table
    }
}

impl From<CorsEngine> for CompiledPolicy {
    fn from(engine: CorsEngine) -> Self {
        CompiledPolicy::new(engine)
    }
}

impl From<Arc<CorsEngine>> for CompiledPolicy {
    fn from(engine: Arc<CorsEngine>) -> Self {
        CompiledPolicy::new(engine)
    }
}

/// Finds a bucket's CORS policy. A host implements it over its own metadata store; it is
/// called once for every request that addresses a bucket, so it should answer from memory
/// (a cache the host keeps current) and never block for long.
///
/// Closures `Fn(&str) -> Policy` implement it, and so does [`PolicyStore`].
///
/// ```
/// use std::sync::Arc;
/// use bucket_cors::{CorsEngine, CorsConfiguration, CorsRule};
/// use bucket_cors::tower::{CorsLayer, Policy};
///
/// let engine = Arc::new(CorsEngine::compile(&CorsConfiguration::new(vec![
///     CorsRule::new().allowed_origin("*").allowed_method("GET"),
/// ])).unwrap());
/// // One public bucket, every other one missing.
/// let layer = CorsLayer::new(move |bucket: &str| match bucket {
///     "public" => Policy::Engine(Arc::clone(&engine)),
///     _ => Policy::NoBucket,
/// });
/// # let _ = layer;
/// ```
pub trait PolicyLookup: Send + Sync + 'static {
    /// The policy of the named bucket.
    fn policy(&self, bucket: &str) -> Policy;
}

impl<F> PolicyLookup for F
where
    F: Fn(&str) -> Policy + Send + Sync + 'static,
{
    fn policy(&self, bucket: &str) -> Policy {
        self(bucket)
    }
}

impl<T: PolicyLookup + ?Sized> PolicyLookup for Arc<T> {
    fn policy(&self, bucket: &str) -> Policy {
        (**self).policy(bucket)
    }
}

/// One bucket's slot: swapped on its own, so a configuration change copies nothing else.
type Slot = Arc<ArcSwapOption<CompiledPolicy>>;

/// An in-memory map from bucket names to CORS policies, read by the layer without a lock.
///
/// Cloning a store gives another handle on the same map: keep one, give one to the layer.
/// Every change takes effect on the next request that looks the bucket up. Requests never
/// wait for a writer, and see each bucket's policy either before or after a change, never a
/// part of one. Writers are serialized among themselves.
///
/// - [`put`](PolicyStore::put) and [`delete`](PolicyStore::delete) (PutBucketCors and
///   DeleteBucketCors) swap one bucket's engine: constant time, beside making the engine's
///   [`HeaderTable`] on `put` (once per configuration, never per request).
/// - [`create_bucket`](PolicyStore::create_bucket) and
///   [`remove_bucket`](PolicyStore::remove_bucket) swap a new map of the buckets: time in
///   the number of buckets, which is what a host does far less often.
///
/// ```
/// use bucket_cors::{CorsEngine, CorsConfiguration, CorsRule};
/// use bucket_cors::tower::{Policy, PolicyLookup, PolicyStore};
///
/// let store = PolicyStore::new();
/// assert!(matches!(store.policy("photos"), Policy::NoBucket));
/// store.create_bucket("photos");
/// assert!(matches!(store.policy("photos"), Policy::NoConfiguration));
/// let config = CorsConfiguration::new(vec![
///     CorsRule::new().allowed_origin("*").allowed_method("GET"),
/// ]);
/// store.put("photos", CorsEngine::compile(&config).unwrap());
/// assert!(matches!(store.policy("photos"), Policy::Compiled(_)));
/// assert!(store.policy("photos").engine().is_some());
/// store.delete("photos");
/// assert!(matches!(store.policy("photos"), Policy::NoConfiguration));
/// ```
#[derive(Clone, Default)]
pub struct PolicyStore {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    buckets: ArcSwap<HashMap<Box<str>, Slot>>,
    /// Held by writers only, so two changes to the map of buckets cannot lose one another.
    writer: Mutex<()>,
}

impl PolicyStore {
    /// An empty store: every bucket is missing.
    #[must_use]
    pub fn new() -> Self {
        PolicyStore::default()
    }

    /// Adds a bucket without a configuration. Returns `false`, and changes nothing, when the
    /// bucket exists.
    pub fn create_bucket(&self, bucket: &str) -> bool {
        let _writer = self.lock();
        if self.shared.buckets.load().contains_key(bucket) {
            return false;
        }
        self.swap_map(|map| {
            map.insert(bucket.into(), Slot::default());
        });
        true
    }

    /// Removes a bucket and its configuration. Returns `false` when there was no such bucket.
    pub fn remove_bucket(&self, bucket: &str) -> bool {
        let _writer = self.lock();
        if !self.shared.buckets.load().contains_key(bucket) {
            return false;
        }
        self.swap_map(|map| {
            map.remove(bucket);
        });
        true
    }

    /// True when the bucket exists.
    #[must_use]
    pub fn contains_bucket(&self, bucket: &str) -> bool {
        self.shared.buckets.load().contains_key(bucket)
    }

    /// Sets a bucket's configuration (PutBucketCors), adding the bucket if it is missing.
    /// Returns the configuration it replaces.
    /// The engine's [`HeaderTable`] is made here, once.
    pub fn put(&self, bucket: &str, engine: impl Into<Arc<CorsEngine>>) -> Option<Arc<CorsEngine>> {
        let engine = Arc::new(CompiledPolicy::new(engine));
        let replaced = |old: Option<Arc<CompiledPolicy>>| old.map(|old| Arc::clone(&old.engine));
        if let Some(slot) = self.slot(bucket) {
            return replaced(slot.swap(Some(engine)));
        }
        let _writer = self.lock();
        // Added by another writer since the look-up above?
        if let Some(slot) = self.slot(bucket) {
            return replaced(slot.swap(Some(engine)));
        }
        let slot = Slot::new(ArcSwapOption::from(Some(engine)));
        self.swap_map(|map| {
            map.insert(bucket.into(), slot);
        });
        None
    }

    /// Removes a bucket's configuration (DeleteBucketCors); the bucket stays. Returns the
    /// configuration removed.
    pub fn delete(&self, bucket: &str) -> Option<Arc<CorsEngine>> {
        self.slot(bucket)?
            .swap(None)
            .map(|old| Arc::clone(&old.engine))
    }

    /// The bucket's configuration, if it has one.
    #[must_use]
    pub fn get(&self, bucket: &str) -> Option<Arc<CorsEngine>> {
        self.slot(bucket)?
            .load()
            .as_ref()
            .map(|compiled| Arc::clone(&compiled.engine))
    }

    /// The names of the buckets, in no particular order.
    #[must_use]
    pub fn buckets(&self) -> Vec<String> {
        self.shared
            .buckets
            .load()
            .keys()
            .map(|name| name.to_string())
            .collect()
    }

    fn slot(&self, bucket: &str) -> Option<Slot> {
        self.shared.buckets.load().get(bucket).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        // The guarded data is `()`: a panic while it was held left nothing half-done.
        self.shared
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Publishes a changed copy of the map of buckets (the writer lock is held).
    fn swap_map(&self, change: impl FnOnce(&mut HashMap<Box<str>, Slot>)) {
        let mut map = HashMap::clone(&self.shared.buckets.load());
        change(&mut map);
        self.shared.buckets.store(Arc::new(map));
    }
}

impl PolicyLookup for PolicyStore {
    fn policy(&self, bucket: &str) -> Policy {
        let buckets = self.shared.buckets.load();
        match buckets.get(bucket) {
            None => Policy::NoBucket,
            Some(slot) => match slot.load_full() {
                None => Policy::NoConfiguration,
                Some(compiled) => Policy::Compiled(compiled),
            },
        }
    }
}

impl fmt::Debug for PolicyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buckets = self.shared.buckets.load();
        let mut map = f.debug_map();
        for (name, slot) in buckets.iter() {
            map.entry(name, &slot.load().as_ref().map(|_| "configured"));
        }
        map.finish()
    }
}
