//! The documents the compile benchmarks load, shared by `benches/compile.rs` (wall clock) and
//! `benches/instructions.rs` (instruction counts), so both measure the same documents.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use bucket_cors::s3::MAX_DOCUMENT_BYTES;
use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRule, Dialect, EngineOptions, Format, ValidationOptions,
};

/// The options a sample compiles with: S3-exact when it can, otherwise its provider's.
pub fn options_for(config: &CorsConfiguration, format: Format) -> EngineOptions {
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

/// What a host does on PutBucketCors: parse, validate and compile one document.
pub fn load(bytes: &[u8], options: &EngineOptions) -> CorsEngine {
    let (_, config) = CorsConfiguration::parse(bytes).expect("valid document");
    CorsEngine::compile_owned(config, options).expect("valid configuration")
}

/// The shipped samples (`tests/data/samples`), sorted by path.
pub fn sample_paths() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/samples exists")
        .map(|entry| entry.expect("readable directory").path())
        .collect();
    paths.sort();
    paths
}

/// A sample's bytes and the options it compiles with.
pub fn sample(path: &Path) -> (Vec<u8>, EngineOptions) {
    let bytes = std::fs::read(path).expect("readable sample");
    let (format, config) = CorsConfiguration::parse(&bytes).expect("samples parse");
    let options = options_for(&config, format);
    (bytes, options)
}

/// A rule in the shape people write: one origin, the usual methods and headers.
pub fn typical_rule(i: usize) -> CorsRule {
    CorsRule::new()
        .id(format!("rule-{i}"))
        .allowed_origin(format!("https://app{i}.example.com"))
        .allowed_methods(["GET", "PUT", "POST", "HEAD"])
        .allowed_headers(["content-type", "x-amz-*"])
        .expose_headers(["ETag", "x-amz-request-id"])
        .max_age_seconds(3000)
}

/// `rules` typical rules, written in `format`.
pub fn typical(rules: usize, format: Format) -> Vec<u8> {
    CorsConfiguration::new((0..rules).map(typical_rule).collect())
        .write(format)
        .into_bytes()
}

/// `rules` rules, each grown with origins and allowed headers (mixed exact and wildcard)
/// until the document is as close to 64 KB as it gets.
pub fn filled(rules: usize, format: Format) -> Vec<u8> {
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

/// The generated documents: `(label, format, rules)`, each in both [`KINDS`].
pub const GENERATED: [(&str, Format, usize); 6] = [
    ("s3-xml", Format::S3Xml, 1),
    ("s3-xml", Format::S3Xml, 10),
    ("s3-xml", Format::S3Xml, 100),
    ("json", Format::Json, 1),
    ("json", Format::Json, 10),
    ("json", Format::Json, 100),
];

/// The two kinds of generated document.
pub const KINDS: [&str; 2] = ["typical", "64KB"];

/// The generated document of one kind.
pub fn generated(format: Format, rules: usize, kind: &str) -> Vec<u8> {
    match kind {
        "typical" => typical(rules, format),
        _ => filled(rules, format),
    }
}
