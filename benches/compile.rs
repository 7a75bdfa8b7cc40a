//! Parse + validate + compile: what a host does on PutBucketCors (and on loading a stored
//! configuration), reported in bytes per second.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use bucket_cors::s3::MAX_DOCUMENT_BYTES;
use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRule, Dialect, EngineOptions, Format, ValidationOptions,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The options a sample compiles with: S3-exact when it can, otherwise its provider's.
fn options_for(config: &CorsConfiguration, format: Format) -> EngineOptions {
    let candidates = [
        ValidationOptions::s3(),
        ValidationOptions::s3().lenient(true),
        ValidationOptions::s3().dialect(Dialect::Oss),
        ValidationOptions::s3().dialect(Dialect::Oss).lenient(true),
    ];
    let validation = candidates
        .into_iter()
        .filter(|o| (format == Format::OssXml) == (o.dialect == Dialect::Oss))
        .find(|o| config.validate_with(o).is_ok())
        .expect("every shipped sample is valid for its provider");
    EngineOptions::s3().validation(validation)
}

fn load(bytes: &[u8], options: &EngineOptions) -> CorsEngine {
    let (_, config) = CorsConfiguration::parse(bytes).expect("valid document");
    CorsEngine::compile_owned(config, options).expect("valid configuration")
}

fn samples(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/samples exists")
        .map(|entry| entry.expect("readable directory").path())
        .collect();
    paths.sort();
    let mut group = c.benchmark_group("compile/samples");
    for path in paths {
        let bytes = std::fs::read(&path).expect("readable sample");
        let (format, config) = CorsConfiguration::parse(&bytes).expect("samples parse");
        let options = options_for(&config, format);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("sample");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| load(black_box(&bytes), &options)));
    }
    group.finish();
}

/// A rule in the shape people write: one origin, the usual methods and headers.
fn typical_rule(i: usize) -> CorsRule {
    CorsRule::new()
        .id(format!("rule-{i}"))
        .allowed_origin(format!("https://app{i}.example.com"))
        .allowed_methods(["GET", "PUT", "POST", "HEAD"])
        .allowed_headers(["content-type", "x-amz-*"])
        .expose_headers(["ETag", "x-amz-request-id"])
        .max_age_seconds(3000)
}

/// `rules` rules, each grown with origins and allowed headers (mixed exact and wildcard)
/// until the document is as close to 64 KB as it gets.
fn filled(rules: usize, format: Format) -> Vec<u8> {
    let build = |per_rule: usize| {
        let config = CorsConfiguration::new(
            (0..rules)
                .map(|i| {
                    let mut rule = typical_rule(i);
                    for j in 0..per_rule {
                        rule = if j % 3 == 2 {
                            rule.allowed_header(format!("x-app-{i}-{j}-*"))
                        } else if j % 3 == 1 {
                            rule.allowed_origin(format!("https://*.t{i}-{j}.example.com"))
                        } else {
                            rule.allowed_origin(format!("https://app{i}-{j}.example.com"))
                        };
                    }
                    rule
                })
                .collect(),
        );
        config.write(format).into_bytes()
    };
    // The largest count that fits: double, then bisect.
    let fits = |per_rule: usize| build(per_rule).len() <= MAX_DOCUMENT_BYTES;
    let mut high = 1;
    while fits(high) {
        high *= 2;
    }
    let mut low = high / 2;
    while high - low > 1 {
        let mid = (low + high) / 2;
        if fits(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    build(low)
}

fn generated(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile/generated");
    for format in [Format::S3Xml, Format::Json] {
        let label = match format {
            Format::Json => "json",
            _ => "s3-xml",
        };
        for rules in [1, 10, 100] {
            let typical = CorsConfiguration::new((0..rules).map(typical_rule).collect())
                .write(format)
                .into_bytes();
            let full = filled(rules, format);
            // Within one step of the limit (a step adds an entry to each of 100 rules).
            assert!(full.len() <= MAX_DOCUMENT_BYTES && full.len() > MAX_DOCUMENT_BYTES - 8192);
            for (kind, bytes) in [("typical", typical), ("64KB", full)] {
                let options = EngineOptions::s3();
                drop(load(&bytes, &options));
                group.throughput(Throughput::Bytes(bytes.len() as u64));
                group.bench_function(format!("{label}/{rules} rules/{kind}"), |b| {
                    b.iter(|| load(black_box(&bytes), &options));
                });
            }
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
    targets = samples, generated
}
criterion_main!(benches);
