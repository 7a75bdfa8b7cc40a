//! What the end-to-end cases run, shared by `benches/evaluate.rs` (criterion) and
//! `benches/instructions.rs` (callgrind), so both measure the same work.

#![allow(dead_code)]

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bucket_cors::http::HeaderTable;
use bucket_cors::{CorsEngine, ResourceType};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use tower::{Layer, Service, service_fn};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::cases::APP;

/// What a host does with this crate: view the request, decide, and write the status and
/// headers into the response (for a refused preflight, without building the XML body).
pub fn answer(engine: &CorsEngine, table: &HeaderTable, request: &Request<()>) -> Response<()> {
    let view = bucket_cors::http::request_from_http(request, ResourceType::Object);
    let decision = engine.evaluate(&view);
    let mut response = Response::new(());
    if let Some(status) = decision.status() {
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    }
    table.write_headers(&decision, request.headers(), response.headers_mut());
    response
}

/// tower-http's `CorsLayer` configured as the single-rule configuration: the origin with
/// credentials, `GET, PUT`, the allowed headers, `ETag` exposed, a max age of 3000.
pub fn tower_http_layer() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::exact(HeaderValue::from_static(APP)))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::PUT])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("content-md5"),
        ])
        .expose_headers([header::ETAG])
        .max_age(Duration::from_secs(3000))
}

/// [`tower_http_layer`] over an inner service that answers an empty `200`.
pub fn tower_cors() -> impl Service<
    Request<()>,
    Response = Response<()>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<()>, Infallible>>,
> {
    tower_http_layer().layer(service_fn(|_request: Request<()>| async {
        Ok::<_, Infallible>(Response::new(()))
    }))
}

/// Polls a future that is ready at once (the inner services here never wait).
pub fn poll_once<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the inner service is ready at once"),
    }
}

/// The criterion settings of the request benchmarks (`benches/evaluate.rs`,
/// `benches/tower.rs`): short warm-up and measurement, 50 samples.
pub fn criterion_config() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}
