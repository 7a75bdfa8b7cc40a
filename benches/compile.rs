//! Parse + validate + compile: what a host does on PutBucketCors (and on loading a stored
//! configuration), reported in bytes per second.

use std::hint::black_box;
use std::time::Duration;

use bucket_cors::EngineOptions;
use bucket_cors::s3::MAX_DOCUMENT_BYTES;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "support/documents.rs"]
mod documents;

use documents::{GENERATED, KINDS, generated, load, sample, sample_paths};

fn samples(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile/samples");
    for path in sample_paths() {
        let (bytes, options) = sample(&path);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("sample");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| load(black_box(&bytes), &options)));
    }
    group.finish();
}

fn generated_documents(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile/generated");
    for (label, format, rules) in GENERATED {
        for kind in KINDS {
            let bytes = generated(format, rules, kind);
            if kind == "64KB" {
                // Within one step of the limit (a step adds an entry to each of 100 rules).
                assert!(
                    bytes.len() <= MAX_DOCUMENT_BYTES && bytes.len() > MAX_DOCUMENT_BYTES - 8192
                );
            }
            let options = EngineOptions::s3();
            drop(load(&bytes, &options));
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.bench_function(format!("{label}/{rules} rules/{kind}"), |b| {
                b.iter(|| load(black_box(&bytes), &options));
            });
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = samples, generated_documents
}
criterion_main!(benches);
