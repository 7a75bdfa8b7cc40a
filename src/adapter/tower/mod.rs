//! A [`tower`](https://docs.rs/tower) layer that answers every bucket's CORS exactly as S3
//! does, in front of any `tower::Service<http::Request<B>>`: a hyper 1 service, an axum
//! router, an s3s service (feature `tower`).
//!
//! For each request, [`CorsService`]:
//!
//! 1. asks its [`ResolveBucket`] which bucket the request addresses ([`PathStyle`] or
//!    [`VirtualHosted`], or the host's own). A request that addresses none (`GET /`,
//!    ListBuckets) goes to the inner service untouched.
//! 2. asks its [`PolicyLookup`] for the bucket's policy: missing bucket, no configuration,
//!    or its compiled [`CorsEngine`], best with its header values made in advance
//!    ([`CompiledPolicy`]). [`PolicyStore`] is an in-memory one, changed under live traffic
//!    without a lock on the request path, that keeps each engine's values beside it.
//! 3. answers an `OPTIONS` request itself, without calling the inner service: `200` with
//!    the preflight headers, or S3's `400`/`403` XML error. So a preflight is answered
//!    before authentication, as in S3 (a browser's preflight of a presigned URL carries no
//!    signature valid for `OPTIONS`).
//! 4. hands any other request to the inner service, and adds the decision's headers to
//!    whatever it answers, `4xx` and `5xx` included. The `Access-Control-*` headers replace
//!    any the inner service set; `Vary` is appended, never overwritten, without repeating a
//!    name the response already varies on.
//!
//! What the layer does not do: authentication, authorization (ACLs, bucket policies) and
//! every S3 operation, `PutBucketCors` included, stay with the inner service, which updates
//! the policy store when a configuration changes.
//!
//! The layer's own answers carry `x-amz-request-id` and `x-amz-id-2`, and the same two ids
//! in the XML error body: the request id is the request's [`RequestId`] extension when a
//! layer outside this one set it, otherwise a counter the service keeps (shared by its
//! clones); the host id is [`CorsLayer::host_id`].
//!
//! ```
//! use std::convert::Infallible;
//! use bucket_cors::{CorsConfiguration, CorsEngine, CorsRule};
//! use bucket_cors::tower::{CorsLayer, PolicyStore};
//! use tower::{Layer, Service, ServiceExt, service_fn};
//!
//! # tokio_test_block_on(async {
//! let store = PolicyStore::new();
//! let config = CorsConfiguration::new(vec![
//!     CorsRule::new().allowed_origin("https://app.example.com").allowed_method("GET"),
//! ]);
//! store.put("photos", CorsEngine::compile(&config).unwrap());
//!
//! let inner = service_fn(|_request: http::Request<String>| async {
//!     Ok::<_, Infallible>(http::Response::new(String::from("object")))
//! });
//! let mut service = CorsLayer::new(store.clone()).layer(inner);
//!
//! let request = http::Request::get("/photos/cat.jpg")
//!     .header("origin", "https://app.example.com")
//!     .body(String::new())
//!     .unwrap();
//! let response = service.ready().await.unwrap().call(request).await.unwrap();
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//!
//! let preflight = http::Request::options("/photos/cat.jpg")
//!     .header("origin", "https://evil.example")
//!     .header("access-control-request-method", "GET")
//!     .body(String::new())
//!     .unwrap();
//! let response = service.ready().await.unwrap().call(preflight).await.unwrap();
//! assert_eq!(response.status(), 403);
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use ::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use ::http::{Method, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::adapter::http::{HeaderTable, append_vary_value};
use crate::decision::Decision;
use crate::engine::CorsEngine;
use crate::request::{CorsRequest, ResourceType};

mod bucket;
mod store;

pub use self::bucket::{PathStyle, ResolveBucket, Target, VirtualHosted};
pub use self::store::{CompiledPolicy, Policy, PolicyLookup, PolicyStore};

/// The host id the layer's own answers carry unless [`CorsLayer::host_id`] sets one.
pub const DEFAULT_HOST_ID: &str = "bucket-cors";

/// The request id a layer outside [`CorsLayer`] assigned, as a request extension: the
/// layer's own answers carry it (in `x-amz-request-id` and the error body) instead of one of
/// its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// A request id.
    #[must_use]
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        RequestId(id.into())
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Wraps a service so that every bucket's CORS is answered as S3 does (see the
/// [module](self) documentation).
///
/// `P` finds the bucket's policy; `R` tells which bucket a request addresses ([`PathStyle`]
/// unless [`resolver`](CorsLayer::resolver) sets another). Every service the layer makes
/// shares one copy of both.
#[must_use]
#[derive(Clone)]
pub struct CorsLayer<P, R = PathStyle> {
    policies: P,
    resolver: R,
    host_id: HeaderValue,
}

struct Shared<P, R> {
    policies: P,
    resolver: R,
    host_id: HeaderValue,
    host_id_text: Box<str>,
    requests: AtomicU64,
}

impl<P: PolicyLookup> CorsLayer<P, PathStyle> {
    /// A layer that looks policies up in `policies` and resolves buckets path-style.
    pub fn new(policies: P) -> Self {
        CorsLayer {
            policies,
            resolver: PathStyle,
            host_id: HeaderValue::from_static(DEFAULT_HOST_ID),
        }
    }
}

impl<P: PolicyLookup, R: ResolveBucket> CorsLayer<P, R> {
    /// The same layer, resolving buckets with `resolver` (for example
    /// [`VirtualHosted`]).
    pub fn resolver<R2: ResolveBucket>(self, resolver: R2) -> CorsLayer<P, R2> {
        CorsLayer {
            policies: self.policies,
            resolver,
            host_id: self.host_id,
        }
    }

    /// The host id (`x-amz-id-2` and `<HostId>`) of the layer's own answers, `bucket-cors`
    /// unless set. A value that is not visible ASCII text is ignored.
    pub fn host_id(mut self, host_id: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(host_id) {
            self.host_id = value;
        }
        self
    }
}

impl<P, R> fmt::Debug for CorsLayer<P, R>
where
    P: fmt::Debug,
    R: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsLayer")
            .field("policies", &self.policies)
            .field("resolver", &self.resolver)
            .field("host_id", &self.host_id)
            .finish()
    }
}

impl<S, P: Clone, R: Clone> Layer<S> for CorsLayer<P, R> {
    type Service = CorsService<S, P, R>;

    fn layer(&self, inner: S) -> Self::Service {
        let host_id_text = self.host_id.to_str().unwrap_or(DEFAULT_HOST_ID).into();
        CorsService {
            inner,
            shared: Arc::new(Shared {
                policies: self.policies.clone(),
                resolver: self.resolver.clone(),
                host_id: self.host_id.clone(),
                host_id_text,
                requests: AtomicU64::new(0),
            }),
        }
    }
}

/// The service [`CorsLayer`] wraps around an inner service.
pub struct CorsService<S, P, R = PathStyle> {
    inner: S,
    shared: Arc<Shared<P, R>>,
}

impl<S, P, R> CorsService<S, P, R> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, P, R> Clone for CorsService<S, P, R> {
    fn clone(&self) -> Self {
        CorsService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S: fmt::Debug, P: fmt::Debug, R: fmt::Debug> fmt::Debug for CorsService<S, P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsService")
            .field("inner", &self.inner)
            .field("policies", &self.shared.policies)
            .field("resolver", &self.shared.resolver)
            .finish()
    }
}

impl<S, P, R, ReqBody, ResBody> Service<Request<ReqBody>> for CorsService<S, P, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    P: PolicyLookup,
    R: ResolveBucket,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let shared = &*self.shared;
        let Some(target) = shared.resolver.resolve(&parts.uri, &parts.headers) else {
            return ResponseFuture::inner(self.inner.call(Request::from_parts(parts, body)), None);
        };
        let policy = shared.policies.policy(target.bucket());
        let resource = target.resource();
        drop(target);
        let view = view(&parts, resource);
        let (decision, table) = match &policy {
            Policy::NoBucket => (missing_bucket(&view), &NO_TABLE),
            Policy::NoConfiguration => (DISABLED.evaluate(&view), &NO_TABLE),
            // A host's engine without a table: each value is made from its text.
            Policy::Engine(engine) => (engine.evaluate(&view), &NO_TABLE),
            Policy::Compiled(compiled) => (compiled.engine().evaluate(&view), compiled.table()),
        };
        if parts.method == Method::OPTIONS {
            return ResponseFuture::ready(shared.answer(&decision, table, &parts));
        }
        let pending = match decision {
            // Nothing to add: the common case of a request without `Origin`.
            Decision::Pass(pass) if pass.vary().is_none() => None,
            _ => {
                let mut pending = HeaderMap::new();
                write_headers(table, &decision, &parts.headers, &mut pending);
                (!pending.is_empty()).then_some(pending)
            }
        };
        ResponseFuture::inner(self.inner.call(Request::from_parts(parts, body)), pending)
    }
}

/// The engine of a bucket without a configuration.
static DISABLED: CorsEngine = CorsEngine::disabled();

/// The table of an engine that comes without one: every value is made from its text.
static NO_TABLE: HeaderTable = HeaderTable::EMPTY;

impl<P, R> Shared<P, R> {
    /// The layer's own answer to an `OPTIONS` request.
    fn answer<B: From<String>>(
        &self,
        decision: &Decision<'_>,
        table: &HeaderTable,
        parts: &::http::request::Parts,
    ) -> Response<B> {
        let given = parts.extensions.get::<RequestId>();
        let mut counted = [0u8; 16];
        let request_id = match given {
            Some(id) => id.as_str(),
            None => hex16(
                self.requests.fetch_add(1, Ordering::Relaxed) + 1,
                &mut counted,
            ),
        };
        let mut response = respond(
            table,
            decision,
            &parts.headers,
            request_id,
            &self.host_id_text,
        )
        // Every decision about `OPTIONS` is a preflight answer or a rejection; the
        // fallback keeps an unexpected one an empty `200` rather than a panic.
        .unwrap_or_else(|| Response::new(B::from(String::new())));
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.insert(X_AMZ_REQUEST_ID, value);
        }
        headers.insert(X_AMZ_ID_2, self.host_id.clone());
        response
    }
}

/// `n` as 16 upper-case hex digits, written into `out`.
fn hex16(n: u64, out: &mut [u8; 16]) -> &str {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for (at, byte) in out.iter_mut().enumerate() {
        *byte = DIGITS[((n >> (60 - 4 * at)) & 0xF) as usize];
    }
    std::str::from_utf8(out).unwrap_or_default()
}

const X_AMZ_REQUEST_ID: HeaderName = HeaderName::from_static("x-amz-request-id");
const X_AMZ_ID_2: HeaderName = HeaderName::from_static("x-amz-id-2");

pin_project! {
    /// The response future of [`CorsService`].
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        /// The inner service's answer, and the headers to add to it.
        Inner {
            #[pin]
            future: F,
            pending: Option<HeaderMap>,
        },
        /// The layer's own answer.
        Ready {
            response: Option<Response<B>>,
        },
    }
}

impl<F, B> ResponseFuture<F, B> {
    fn inner(future: F, pending: Option<HeaderMap>) -> Self {
        ResponseFuture {
            state: State::Inner { future, pending },
        }
    }

    fn ready(response: Response<B>) -> Self {
        ResponseFuture {
            state: State::Ready {
                response: Some(response),
            },
        }
    }
}

impl<F, B> fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { future, pending } => {
                let mut response = std::task::ready!(future.poll(cx))?;
                if let Some(pending) = pending.take() {
                    let headers = response.headers_mut();
                    headers.reserve(pending.len());
                    merge(pending, headers);
                }
                Poll::Ready(Ok(response))
            }
            StateProj::Ready { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("ResponseFuture polled after it completed"),
            },
        }
    }
}

/// Adds the decision's headers to the inner service's response: the CORS headers replace
/// the response's own, `Vary` is appended without repeating a name already there.
fn merge(pending: HeaderMap, response: &mut HeaderMap) {
    let mut name = None;
    for (next, value) in pending {
        // A name is given with its first value only; the next values repeat it.
        if next.is_some() {
            name = next;
        }
        let Some(name) = &name else { continue };
        if *name == header::VARY {
            append_vary_value(response, value);
        } else {
            response.insert(name.clone(), value);
        }
    }
}

// The calls into the request view and the `http` adapter, kept together so a change of
// their signatures is adapted here alone.

/// The engine's view of the request.
fn view(parts: &::http::request::Parts, resource: ResourceType) -> CorsRequest<'_> {
    crate::adapter::http::request_from_parts(parts, resource)
}

/// The decision for a bucket that does not exist.
fn missing_bucket<'a>(view: &CorsRequest<'a>) -> Decision<'a> {
    CorsEngine::evaluate_missing_bucket(view)
}

/// Writes a decision's headers into an empty map, the rule's values taken from `table`.
fn write_headers(
    table: &HeaderTable,
    decision: &Decision<'_>,
    request: &HeaderMap,
    into: &mut HeaderMap,
) {
    table.write_headers(decision, request, into);
}

/// The whole answer to a preflight or refused request, the rule's values taken from `table`.
fn respond<B: From<String>>(
    table: &HeaderTable,
    decision: &Decision<'_>,
    request: &HeaderMap,
    request_id: &str,
    host_id: &str,
) -> Option<Response<B>> {
    table.respond(decision, request, request_id, host_id)
}

/// The examples of `docs/tower.md`, compiled and run as doctests.
#[cfg(all(doctest, feature = "s3s"))]
#[doc = include_str!("../../../docs/tower.md")]
pub struct TowerDocDoctests;
