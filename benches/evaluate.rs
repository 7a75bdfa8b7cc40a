//! Evaluation: the decision alone, end to end from an `http::Request` to a response's
//! `HeaderMap`, and tower-http's `CorsLayer` on the equivalent single-rule requests, in one
//! run so the ratios compare like with like.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bucket_cors::http::HeaderTable;
use bucket_cors::{CorsEngine, ResourceType};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use tower::{Layer, Service, service_fn};
use tower_http::cors::{AllowOrigin, CorsLayer};

#[path = "support/cases.rs"]
mod cases;

use cases::{APP, CASES, Config};

fn engines() -> [(Config, CorsEngine); 3] {
    [
        Config::OneRule,
        Config::HundredExact,
        Config::HundredWildcard,
    ]
    .map(|c| (c, c.engine()))
}

fn engine_for(engines: &[(Config, CorsEngine); 3], config: Config) -> &CorsEngine {
    &engines
        .iter()
        .find(|(c, _)| *c == config)
        .expect("every configuration is compiled")
        .1
}

/// Decision only: a prebuilt `CorsRequest` in, a `Decision` out.
fn decision(c: &mut Criterion) {
    let engines = engines();
    let mut group = c.benchmark_group("decision");
    for case in CASES {
        let engine = engine_for(&engines, case.config);
        let view = case.view();
        assert_eq!(
            engine.evaluate(&view).matched_rule(),
            case.rule,
            "{}",
            case.name
        );
        group.bench_function(case.name, |b| {
            b.iter(|| black_box(engine).evaluate(black_box(&view)).matched_rule());
        });
    }
    group.finish();
}

/// What a host does with this crate: view the request, decide, and write the status and
/// headers into the response (for a refused preflight, without building the XML body).
fn answer(engine: &CorsEngine, table: &HeaderTable, request: &Request<()>) -> Response<()> {
    let view = bucket_cors::http::request_from_http(request, ResourceType::Object);
    let decision = engine.evaluate(&view);
    let mut response = Response::new(());
    if let Some(status) = decision.status() {
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    }
    table.write_headers(&decision, request.headers(), response.headers_mut());
    response
}

/// tower-http configured as the single-rule configuration: the origin with credentials,
/// `GET, PUT`, the allowed headers, `ETag` exposed, a max age of 3000; the inner service
/// answers an empty `200`.
fn tower_cors() -> impl Service<
    Request<()>,
    Response = Response<()>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<()>, Infallible>>,
> {
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
        .layer(service_fn(|_request: Request<()>| async {
            Ok::<_, Infallible>(Response::new(()))
        }))
}

fn poll_once<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the inner service is ready at once"),
    }
}

fn end_to_end(c: &mut Criterion) {
    let engines = engines();
    let mut group = c.benchmark_group("end_to_end");
    for case in CASES {
        let engine = engine_for(&engines, case.config);
        // Made once with the engine, as a server keeps it next to the engine.
        let table = HeaderTable::new(engine);
        let request = case.http_request();
        let response = answer(engine, &table, &request);
        let allowed = response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN);
        assert_eq!(allowed, case.rule.is_some(), "{}", case.name);
        // The response is dropped inside the timing, as a server drops it once sent; the
        // same goes for tower-http below.
        group.bench_function(case.name, |b| {
            b.iter(|| drop(answer(black_box(engine), &table, black_box(&request))));
        });
    }

    // tower-http takes the request by value, so each call gets a fresh clone made outside
    // the timing.
    let mut service = tower_cors();
    for case in CASES
        .iter()
        .filter(|case| matches!(case.name, "1 rule/preflight hit" | "1 rule/actual GET hit"))
    {
        let request = case.http_request();
        let response = poll_once(service.call(request.clone())).expect("infallible");
        assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], APP);
        group.bench_function(format!("tower-http/{}", case.name), |b| {
            b.iter_batched(
                || request.clone(),
                |request| drop(poll_once(service.call(request))),
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = decision, end_to_end
}
criterion_main!(benches);
