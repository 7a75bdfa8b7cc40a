//! Near-64 KB documents built for the worst case of each lint, shared by `benches/diag.rs`
//! and the lint section of `tests/hostile.rs` so both speak of the same documents.
//!
//! Each case is a function of a size `n`; [`fit`] picks the largest `n` whose document still
//! fits in S3's 64 KB limit.

#![allow(dead_code)]

use bucket_cors::s3::MAX_DOCUMENT_BYTES;
use bucket_cors::{CorsConfiguration, CorsRule, Format};

/// One hostile document.
pub struct DiagCase {
    /// A short name for reports.
    pub name: &'static str,
    /// The document, at most [`MAX_DOCUMENT_BYTES`] long.
    pub document: Vec<u8>,
    /// The `n` it was built with.
    pub n: usize,
}

/// The largest `n` whose document fits in 64 KB, and that document.
pub fn fit(
    name: &'static str,
    format: Format,
    make: impl Fn(usize) -> CorsConfiguration,
) -> DiagCase {
    let size = |n: usize| make(n).write(format).len();
    let (mut low, mut high) = (1, 2);
    while size(high) <= MAX_DOCUMENT_BYTES {
        low = high;
        high *= 2;
    }
    while high - low > 1 {
        let mid = (low + high) / 2;
        if size(mid) <= MAX_DOCUMENT_BYTES {
            low = mid;
        } else {
            high = mid;
        }
    }
    DiagCase {
        name,
        document: make(low).write(format).into_bytes(),
        n: low,
    }
}

fn header(i: usize) -> String {
    format!("x-amz-meta-h{i:05}")
}

fn site(i: usize) -> String {
    format!("https://site{i:05}.example.com")
}

/// Many origins × many headers: rule 0 allows origin `*` and `n` headers, rule 1 lists `n`
/// origins and the same headers in reverse order (the report that found the cubic lint, as
/// JSON). Rule 1 is unreachable: every origin, method and header pair has to be checked.
pub fn origins_by_headers(n: usize) -> CorsConfiguration {
    let headers: Vec<String> = (0..n).map(header).collect();
    CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("*")
            .allowed_methods(["GET", "HEAD"])
            .allowed_headers(headers.iter().cloned()),
        CorsRule::new()
            .allowed_origins((0..n).map(site))
            .allowed_methods(["GET", "HEAD"])
            .allowed_headers(headers.iter().rev().cloned()),
    ])
}

/// Many wildcards: rule 0 allows `n` origin patterns `https://*.d{i}.example.com` and `n`
/// header patterns `x-amz-meta-p{i}-*`; rule 1 lists an origin and a header under each (and
/// one origin no pattern covers, so it stays reachable); rule 2 is rule 1 without that
/// origin, so rule 0 shadows it.
pub fn wildcards(n: usize) -> CorsConfiguration {
    let origins: Vec<String> = (0..n)
        .map(|i| format!("https://*.d{i}.example.com"))
        .collect();
    let headers: Vec<String> = (0..n).map(|i| format!("x-amz-meta-p{i}-*")).collect();
    let under_origins: Vec<String> = (0..n)
        .map(|i| format!("https://a.d{i}.example.com"))
        .collect();
    let under_headers: Vec<String> = (0..n).map(|i| format!("X-Amz-Meta-P{i}-Name")).collect();
    CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origins(origins)
            .allowed_method("GET")
            .allowed_headers(headers),
        CorsRule::new()
            .allowed_origins(
                under_origins
                    .iter()
                    .cloned()
                    .chain(["https://other.example".to_owned()]),
            )
            .allowed_method("GET")
            .allowed_headers(under_headers.iter().cloned()),
        CorsRule::new()
            .allowed_origins(under_origins)
            .allowed_method("GET")
            .allowed_headers(under_headers),
    ])
}

/// Many duplicate values: one rule listing `n` origins twice each and `n` headers and expose
/// headers twice each, the second time in another case.
pub fn duplicates(n: usize) -> CorsConfiguration {
    let origins = (0..n).map(site).chain((0..n).map(site));
    let headers = (0..n)
        .map(header)
        .chain((0..n).map(|i| header(i).to_ascii_uppercase()));
    let expose = (0..n)
        .map(|i| format!("x-e{i}"))
        .chain((0..n).map(|i| format!("X-E{i}")));
    CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origins(origins)
            .allowed_method("GET")
            .allowed_headers(headers)
            .expose_headers(expose),
    ])
}

/// The rules of [`shadowing`] that each allow one origin; as many again follow.
pub const SHADOWING_FIRST: usize = 36;

/// Many rules shadowing each other: [`SHADOWING_FIRST`] rules each allow one origin (its
/// name `n` characters longer as `n` grows, so the size can be fitted); as many later rules
/// list all of them and are unreachable only through all the first rules together.
pub fn shadowing(n: usize) -> CorsConfiguration {
    const FIRST: usize = SHADOWING_FIRST;
    let origin = |i: usize| format!("https://o{i:02}.{}.example.com", "x".repeat(n));
    let mut rules: Vec<CorsRule> = (0..FIRST)
        .map(|i| {
            CorsRule::new()
                .allowed_origin(origin(i))
                .allowed_methods(["GET", "PUT"])
                .allowed_header("*")
                .expose_header("ETag")
        })
        .collect();
    for _ in FIRST..2 * FIRST {
        rules.push(
            CorsRule::new()
                .allowed_origins((0..FIRST).map(origin))
                .allowed_method("GET")
                .allowed_header("x-amz-date"),
        );
    }
    CorsConfiguration::new(rules)
}

/// Long wildcard patterns: rule 0 allows origin patterns `https://a*.example` to
/// `https://aaa…a*.example` (`n` of them, every length) and header patterns `a*` to `aaa…a*`;
/// rule 1 lists long origins and headers of `a`s that each of those patterns covers.
pub fn long_wildcards(n: usize) -> CorsConfiguration {
    let a = |len: usize| "a".repeat(len);
    CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origins((1..=n).map(|i| format!("https://{}*.example", a(i))))
            .allowed_method("GET")
            .allowed_headers((1..=n).map(|i| format!("{}*", a(i)))),
        CorsRule::new()
            .allowed_origins((0..8).map(|k| format!("https://{}.example", a(n + k))))
            .allowed_method("GET")
            .allowed_headers((0..8).map(|k| a(n + k))),
    ])
}

/// Every case, fitted to 64 KB.
pub fn all() -> Vec<DiagCase> {
    vec![
        fit("origins-by-headers", Format::Json, origins_by_headers),
        fit("wildcards", Format::S3Xml, wildcards),
        fit("duplicates", Format::S3Xml, duplicates),
        fit("shadowing", Format::Json, shadowing),
        fit("long-wildcards", Format::S3Xml, long_wildcards),
    ]
}
