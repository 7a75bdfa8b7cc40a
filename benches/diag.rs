//! The diagnostics on the hostile near-64 KB documents of `support/diag_cases.rs`: parse,
//! lint and explain each, so the figures of `docs/robustness.md`, Diagnostics (lint within 3× of
//! parsing the same document) can be checked on any machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bucket_cors::lint::lint;
use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "support/diag_cases.rs"]
mod diag_cases;

/// A preflight from `origin` asking for `headers`: the request `explain` is timed on.
fn preflight<'a>(origin: &'a str, headers: &'a str) -> CorsRequest<'a> {
    CorsRequest::builder("OPTIONS")
        .origin(origin)
        .request_method("GET")
        .request_headers(headers)
        .build()
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

/// The fastest of `runs` runs of `f`.
fn fastest<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// With `DIAG_RATIOS` set, prints each case's fastest parse and lint (of 200 runs, taken in
/// turn so that a busy machine slows both alike) and their ratio, as a Markdown table.
fn ratios() {
    if std::env::var_os("DIAG_RATIOS").is_none() {
        return;
    }
    println!("| case | bytes | parse | lint | lint / parse |");
    println!("|---|---|---|---|---|");
    for case in diag_cases::all() {
        let (_, config) = CorsConfiguration::parse(&case.document).expect("the case parses");
        let (mut parse, mut linted) = (Duration::MAX, Duration::MAX);
        for _ in 0..20 {
            parse = parse.min(fastest(10, || CorsConfiguration::parse(&case.document)));
            linted = linted.min(fastest(10, || lint(&config)));
        }
        println!(
            "| {} | {} | {parse:.2?} | {linted:.2?} | {:.1}x |",
            case.name,
            case.document.len(),
            linted.as_secs_f64() / parse.as_secs_f64()
        );
    }
}

fn diag(c: &mut Criterion) {
    ratios();
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
