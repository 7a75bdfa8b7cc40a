//! The diagnostics on the hostile near-64 KB documents of `support/diag_cases.rs`: parse,
//! lint and explain each, so the figures of `docs/robustness-diag.md` (lint within 3× of
//! parsing the same document) can be checked on any machine.

use std::hint::black_box;
use std::time::Duration;

use bucket_cors::lint::lint;
use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "support/diag_cases.rs"]
mod diag_cases;

/// A preflight from `origin` asking for `headers`: the request `explain` is timed on.
fn preflight<'a>(origin: &'a str, headers: &'a str) -> CorsRequest<'a> {
    CorsRequest::new("OPTIONS")
        .origin(origin)
        .request_method("GET")
        .request_headers(headers)
}

/// The request that makes explain do the most work on a configuration: the last rule's
/// first origin (with any `*` filled) and all its headers.
fn hardest_request(config: &CorsConfiguration) -> (String, String) {
    let last = config.rules.last().expect("every case has rules");
    let origin = last
        .allowed_origins
        .first()
        .map_or_else(String::new, |o| o.replacen('*', "x", 1));
    let headers: Vec<String> = last
        .allowed_headers
        .iter()
        .map(|h| h.replacen('*', "x", 1))
        .collect();
    (origin, headers.join(","))
}

fn diag(c: &mut Criterion) {
    for case in diag_cases::all() {
        let mut group = c.benchmark_group(format!("diag/{}", case.name));
        group.throughput(Throughput::Bytes(case.document.len() as u64));
        group.measurement_time(Duration::from_secs(3));
        group.warm_up_time(Duration::from_millis(500));
        let (_, config) = CorsConfiguration::parse(&case.document).expect("the case parses");
        group.bench_function("parse", |b| {
            b.iter(|| CorsConfiguration::parse(black_box(&case.document)))
        });
        group.bench_function("lint", |b| b.iter(|| lint(black_box(&config))));
        // A case S3 would refuse (too many values for the engine's limits) has no engine.
        if let Ok(engine) = CorsEngine::compile(&config) {
            let (origin, headers) = hardest_request(&config);
            let request = preflight(&origin, &headers);
            group.bench_function("explain", |b| {
                b.iter(|| engine.explain(black_box(&request)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, diag);
criterion_main!(benches);
