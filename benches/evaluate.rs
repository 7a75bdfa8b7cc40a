//! Evaluation: the decision alone, end to end from an `http::Request` to a response's
//! `HeaderMap`, and tower-http's `CorsLayer` on the equivalent single-rule requests, in one
//! run so the ratios compare like with like.

use std::hint::black_box;

use bucket_cors::CorsEngine;
use bucket_cors::http::HeaderTable;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::header::{self};
use tower::Service;

#[path = "support/cases.rs"]
mod cases;
#[path = "support/end_to_end.rs"]
mod end_to_end;

use end_to_end::{answer, poll_once, tower_cors};

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

criterion_group! {
    name = benches;
    config = end_to_end::criterion_config();
    targets = decision, end_to_end
}
criterion_main!(benches);
