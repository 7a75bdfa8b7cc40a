//! The tower layer's own cost per request: the bare inner service, the same service behind
//! `bucket_cors::tower::CorsLayer` (path-style bucket, `PolicyStore` look-up, decision,
//! headers), and behind tower-http's `CorsLayer` configured as the same single rule.
//!
//! Like for like: on every side the request is built, handed to the service, and the
//! response dropped inside the timed region, and the inner service answers at once (its
//! future is polled once).

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::hint::black_box;

use bucket_cors::tower::PolicyStore;
use bucket_cors::{CorsConfiguration, CorsEngine, CorsRule};
use criterion::{Criterion, criterion_group};
use http::header::{self, HeaderValue};
use http::{Request, Response};
use tower::{Layer, Service, service_fn};

#[path = "support/cases.rs"]
mod cases;
#[path = "support/end_to_end.rs"]
mod end_to_end;

use cases::APP;
use end_to_end::{poll_once, tower_http_layer};

/// The inner service: an empty `200` with `Vary: Accept-Encoding`, ready at once.
fn inner(_request: Request<()>) -> Ready<Result<Response<String>, Infallible>> {
    let mut response = Response::new(String::new());
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    ready(Ok(response))
}

/// The single rule both layers are configured with.
fn engine() -> CorsEngine {
    CorsEngine::compile(&CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"])
            .allowed_headers(["authorization", "content-type", "content-md5"])
            .expose_header("ETag")
            .max_age_seconds(3000),
    ]))
    .expect("a valid rule")
}

/// The requests: built on every iteration, on every side.
#[derive(Debug, Clone, Copy)]
enum Case {
    Preflight,
    ActualGet,
    NoOrigin,
}

impl Case {
    const ALL: [Case; 3] = [Case::Preflight, Case::ActualGet, Case::NoOrigin];

    fn name(self) -> &'static str {
        match self {
            Case::Preflight => "preflight hit",
            Case::ActualGet => "actual GET hit",
            Case::NoOrigin => "GET without Origin",
        }
    }

    fn request(self) -> Request<()> {
        let builder = match self {
            Case::Preflight => Request::options("/photos/2024/cat.jpg")
                .header(header::ORIGIN, APP)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")
                .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type"),
            Case::ActualGet => Request::get("/photos/2024/cat.jpg").header(header::ORIGIN, APP),
            Case::NoOrigin => Request::get("/photos/2024/cat.jpg"),
        };
        builder
            .header(header::HOST, "127.0.0.1:9000")
            .header(header::USER_AGENT, "bench")
            .body(())
            .expect("a valid request")
    }
}

/// One request through the service, response dropped.
#[inline]
fn one<S>(service: &mut S, case: Case)
where
    S: Service<Request<()>, Response = Response<String>, Error = Infallible>,
{
    let response = poll_once(service.call(black_box(case.request())));
    drop(black_box(response));
}

fn allow_origin<S>(service: &mut S, case: Case) -> Option<HeaderValue>
where
    S: Service<Request<()>, Response = Response<String>, Error = Infallible>,
{
    let response = poll_once(service.call(case.request())).expect("infallible");
    response
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .cloned()
}

fn overhead(c: &mut Criterion) {
    let store = PolicyStore::new();
    store.put("photos", engine());
    let mut bare = service_fn(inner);
    let mut layered = bucket_cors::tower::CorsLayer::new(store).layer(service_fn(inner));
    let mut tower_http = tower_http_layer().layer(service_fn(inner));

    let mut group = c.benchmark_group("tower");
    for case in Case::ALL {
        // Both layers answer alike before anything is timed.
        let expected = match case {
            Case::NoOrigin => None,
            Case::Preflight | Case::ActualGet => Some(HeaderValue::from_static(APP)),
        };
        assert_eq!(allow_origin(&mut layered, case), expected, "{case:?}");
        // tower-http sends an exact origin whether or not the request has one.
        assert_eq!(
            allow_origin(&mut tower_http, case),
            Some(HeaderValue::from_static(APP)),
            "{case:?}"
        );
        assert_eq!(allow_origin(&mut bare, case), None);

        group.bench_function(format!("bare/{}", case.name()), |b| {
            b.iter(|| one(&mut bare, case));
        });
        group.bench_function(format!("bucket-cors/{}", case.name()), |b| {
            b.iter(|| one(&mut layered, case));
        });
        group.bench_function(format!("tower-http/{}", case.name()), |b| {
            b.iter(|| one(&mut tower_http, case));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = end_to_end::criterion_config();
    targets = overhead
}

/// Instruction counts: with `TOWER_BENCH_CALLGRIND="SIDE/CASE N"` (for example
/// `"bucket-cors/preflight hit 10000"`) the binary sends N requests of that kind through that
/// side and exits, for `valgrind --tool=callgrind`; the per-request count is the difference
/// between two values of N, divided by their difference.
fn callgrind(spec: &str) {
    let (name, count) = spec.rsplit_once(' ').expect("\"SIDE/CASE N\"");
    let count: usize = count.parse().expect("a count");
    let (side, case) = name.split_once('/').expect("SIDE/CASE");
    let case = Case::ALL
        .into_iter()
        .find(|c| c.name() == case)
        .expect("a case name");
    let store = PolicyStore::new();
    store.put("photos", engine());
    match side {
        "bare" => {
            let mut service = service_fn(inner);
            (0..count).for_each(|_| one(&mut service, case));
        }
        "bucket-cors" => {
            let mut service = bucket_cors::tower::CorsLayer::new(store).layer(service_fn(inner));
            (0..count).for_each(|_| one(&mut service, case));
        }
        "tower-http" => {
            let mut service = tower_http_layer().layer(service_fn(inner));
            (0..count).for_each(|_| one(&mut service, case));
        }
        other => panic!("unknown side {other}"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var("TOWER_BENCH_CALLGRIND") {
        callgrind(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
