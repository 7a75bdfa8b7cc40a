//! The configurations and requests the benchmarks time and `tests/alloc.rs` checks, so both
//! speak of the same cases.

#![allow(dead_code)]

use bucket_cors::{CorsConfiguration, CorsEngine, CorsRule};

/// The origin of the single-rule configuration.
pub const APP: &str = "https://app.example.com";

/// Ten requested headers, as a browser sends them for an S3 SDK upload (lower case, sorted,
/// no spaces).
pub const TEN_HEADERS: &str = "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,\
x-amz-acl,x-amz-content-sha256,x-amz-date,x-amz-meta-project,x-amz-security-token,x-amz-user-agent";

/// `AllowedHeader` entries in the style S3 guides give: a few names and `x-amz-*` patterns.
const ALLOWED_HEADERS: [&str; 5] = [
    "authorization",
    "content-type",
    "content-md5",
    "amz-sdk-*",
    "x-amz-*",
];

fn rule(origin: String) -> CorsRule {
    CorsRule::new()
        .allowed_origin(origin)
        .allowed_methods(["GET", "PUT"])
        .allowed_headers(ALLOWED_HEADERS)
        .expose_header("ETag")
        .max_age_seconds(3000)
}

/// Which configuration a case runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Config {
    /// One rule for [`APP`].
    OneRule,
    /// 100 rules, rule `i` for `https://app{i}.example.com`.
    HundredExact,
    /// 100 rules, rule `i` for `https://*.tenant{i}.example.com`.
    HundredWildcard,
}

impl Config {
    pub fn configuration(self) -> CorsConfiguration {
        let rules = match self {
            Config::OneRule => vec![rule(APP.to_owned())],
            Config::HundredExact => (0..100)
                .map(|i| rule(format!("https://app{i}.example.com")))
                .collect(),
            Config::HundredWildcard => (0..100)
                .map(|i| rule(format!("https://*.tenant{i}.example.com")))
                .collect(),
        };
        CorsConfiguration::new(rules)
    }

    pub fn engine(self) -> CorsEngine {
        CorsEngine::compile(&self.configuration()).expect("benchmark configurations are valid")
    }
}

/// One request against one configuration, with the outcome it must get.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// `configuration/request`, the benchmark's name.
    pub name: &'static str,
    pub config: Config,
    pub method: &'static str,
    pub origin: Option<&'static str>,
    pub request_method: Option<&'static str>,
    pub request_headers: Option<&'static str>,
    /// The rule that must answer, `None` for a miss or a request without `Origin`.
    pub rule: Option<usize>,
}

const fn preflight(
    name: &'static str,
    config: Config,
    origin: &'static str,
    headers: Option<&'static str>,
    rule: Option<usize>,
) -> Case {
    Case {
        name,
        config,
        method: "OPTIONS",
        origin: Some(origin),
        request_method: Some("PUT"),
        request_headers: headers,
        rule,
    }
}

const fn get(
    name: &'static str,
    config: Config,
    origin: Option<&'static str>,
    rule: Option<usize>,
) -> Case {
    Case {
        name,
        config,
        method: "GET",
        origin,
        request_method: None,
        request_headers: None,
        rule,
    }
}

/// Every case the benchmarks time.
pub const CASES: &[Case] = &[
    preflight(
        "1 rule/preflight hit",
        Config::OneRule,
        APP,
        Some("content-type"),
        Some(0),
    ),
    preflight(
        "1 rule/preflight 10 headers",
        Config::OneRule,
        APP,
        Some(TEN_HEADERS),
        Some(0),
    ),
    get("1 rule/actual GET hit", Config::OneRule, Some(APP), Some(0)),
    get("1 rule/no origin", Config::OneRule, None, None),
    preflight(
        "100 exact/preflight hit 1st",
        Config::HundredExact,
        "https://app0.example.com",
        Some("content-type"),
        Some(0),
    ),
    preflight(
        "100 exact/preflight hit 100th",
        Config::HundredExact,
        "https://app99.example.com",
        Some("content-type"),
        Some(99),
    ),
    preflight(
        "100 exact/preflight miss",
        Config::HundredExact,
        "https://app100.example.com",
        Some("content-type"),
        None,
    ),
    preflight(
        "100 exact/preflight 10 headers hit 100th",
        Config::HundredExact,
        "https://app99.example.com",
        Some(TEN_HEADERS),
        Some(99),
    ),
    get(
        "100 exact/actual GET hit 100th",
        Config::HundredExact,
        Some("https://app99.example.com"),
        Some(99),
    ),
    get(
        "100 exact/actual GET miss",
        Config::HundredExact,
        Some("https://evil.example.net"),
        None,
    ),
    get("100 exact/no origin", Config::HundredExact, None, None),
    preflight(
        "100 wildcard/preflight hit 100th",
        Config::HundredWildcard,
        "https://app.tenant99.example.com",
        Some("content-type"),
        Some(99),
    ),
    preflight(
        "100 wildcard/preflight miss",
        Config::HundredWildcard,
        "https://app.tenant100.example.com",
        Some("content-type"),
        None,
    ),
    get(
        "100 wildcard/actual GET miss",
        Config::HundredWildcard,
        Some("https://evil.example.net"),
        None,
    ),
];

impl Case {
    /// The request as the engine's view.
    pub fn view(&self) -> bucket_cors::CorsRequest<'static> {
        let mut builder = bucket_cors::CorsRequest::builder(self.method);
        if let Some(origin) = self.origin {
            builder = builder.origin(origin);
        }
        if let Some(method) = self.request_method {
            builder = builder.request_method(method);
        }
        if let Some(headers) = self.request_headers {
            builder = builder.request_headers(headers);
        }
        builder.build()
    }

    /// The request as an `http::Request`, headers as a browser sends them.
    pub fn http_request(&self) -> http::Request<()> {
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri("/bucket/photos/cat.jpg")
            .header("host", "s3.example.com")
            .header("user-agent", "Mozilla/5.0")
            .header("accept", "*/*");
        if let Some(origin) = self.origin {
            builder = builder.header("origin", origin);
        }
        if let Some(method) = self.request_method {
            builder = builder.header("access-control-request-method", method);
        }
        if let Some(headers) = self.request_headers {
            builder = builder.header("access-control-request-headers", headers);
        }
        builder.body(()).expect("benchmark requests are valid")
    }
}
