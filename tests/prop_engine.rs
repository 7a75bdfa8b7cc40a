//! Property tests of the engine against the reference evaluator (`tests/reference`), a
//! straight reading of the specification (sections 3 and 4 of `s3-cors-behaviour.md`) and of
//! the README's compatibility choices: rules tried in order, the first that allows origin,
//! method and every requested header answers.
//!
//! Configurations and requests are drawn from small pools so that wildcard origins, header
//! patterns, case differences and rule order all meet often.

use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRequest, CorsRule, Decision, EngineOptions, HeaderLines,
    ResourceType, VaryPolicy,
};
use proptest::prelude::*;

mod reference;

use reference::{Answer, Kind, Refusal, Request as Req};

// ---------------------------------------------------------------------------------------------
// The engine, seen as the reference sees an answer.

/// The one place these tests build a `CorsRequest`.
fn cors_request<'a>(req: &'a Req, lines: &'a [&'a str]) -> CorsRequest<'a> {
    let mut request = CorsRequest::builder(&req.method)
        .request_headers(HeaderLines::many(lines))
        .resource_type(if req.bucket {
            ResourceType::Bucket
        } else {
            ResourceType::Object
        });
    if let Some(origin) = &req.origin {
        request = request.origin(origin);
    }
    if let Some(method) = &req.request_method {
        request = request.request_method(method);
    }
    request.build()
}

fn to_answer(decision: &Decision<'_>) -> Answer {
    let headers = decision
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_string()))
        .collect();
    let (kind, refusal) = match decision {
        Decision::Pass(_) => (Kind::Pass, None),
        Decision::Preflight(_) => (Kind::Preflight, None),
        Decision::Actual(_) => (Kind::Actual, None),
        Decision::Reject(r) => (
            Kind::Reject,
            Some(Refusal {
                code: r.code().to_string(),
                message: r.message().to_string(),
                method: r.error_method().map(str::to_owned),
                resource: r.resource_type().map(|t| t.to_string()),
            }),
        ),
        other => panic!("a decision the reference does not know: {other:?}"),
    };
    Answer {
        kind,
        status: decision.status(),
        rule: decision.matched_rule(),
        headers,
        refusal,
    }
}

fn answer(engine: &CorsEngine, req: &Req) -> Answer {
    let lines: Vec<&str> = req.header_lines.iter().map(String::as_str).collect();
    to_answer(&engine.evaluate(&cors_request(req, &lines)))
}

fn missing_bucket_answer(req: &Req) -> Answer {
    let lines: Vec<&str> = req.header_lines.iter().map(String::as_str).collect();
    to_answer(&CorsEngine::evaluate_missing_bucket(&cors_request(
        req, &lines,
    )))
}

// ---------------------------------------------------------------------------------------------
// Generators: small pools that collide often.

const ORIGIN_ENTRIES: &[&str] = &[
    "*",
    "https://a.example",
    "http://a.example",
    "https://b.example",
    "https://*.example",
    "https://*",
    "*.example",
    "https://a.*",
    "*a.example",
    "null",
    "",
];
const ORIGINS: &[&str] = &[
    "https://a.example",
    "https://b.example",
    "http://a.example",
    "https://x.a.example",
    "https://.example",
    "https://a.example/",
    "https://A.EXAMPLE",
    "https://a.",
    "a.example",
    "null",
    "",
    "https://a.example\r\nSet-Cookie: x=1",
    "https://ä.example",
];
const HEADER_ENTRIES: &[&str] = &[
    "*",
    "x-amz-*",
    "content-type",
    "X-Amz-Date",
    "*-id",
    "x-*-b",
    "authorization",
    "",
];
const ITEMS: &[&str] = &[
    "Content-Type",
    "x-amz-date",
    "X-AMZ-META-A",
    "x-amz-",
    "Authorization",
    "x-a-b",
    "X-B",
    "req-ID",
    "bad header",
    "é",
    "",
];
const METHODS: &[&str] = &["GET", "PUT", "HEAD", "POST", "DELETE"];
const REQUEST_METHODS: &[&str] = &[
    "OPTIONS", "GET", "PUT", "HEAD", "POST", "DELETE", "PATCH", "get",
];
const SEPARATORS: &[&str] = &[",", ", ", " ,\t", ",,"];

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_owned)
}

fn rule() -> impl Strategy<Value = CorsRule> {
    (
        prop::collection::vec(pick(ORIGIN_ENTRIES), 1..3),
        prop::collection::vec(pick(METHODS), 1..3),
        prop::collection::vec(pick(HEADER_ENTRIES), 0..3),
        prop::collection::vec(pick(&["ETag", "x-amz-request-id"]), 0..2),
        prop::option::of(prop_oneof![Just(0u32), Just(3000u32)]),
    )
        .prop_map(|(origins, methods, headers, expose, max_age)| {
            let mut rule = CorsRule::new()
                .allowed_origins(origins)
                .allowed_methods(methods)
                .allowed_headers(headers)
                .expose_headers(expose);
            rule.max_age_seconds = max_age;
            rule
        })
}

fn configuration() -> impl Strategy<Value = CorsConfiguration> {
    (
        prop::collection::vec(rule(), 1..6),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(rules, response_vary)| CorsConfiguration {
            rules,
            response_vary,
        })
}

fn policy() -> impl Strategy<Value = VaryPolicy> {
    prop::sample::select(vec![
        VaryPolicy::S3,
        VaryPolicy::Always,
        VaryPolicy::ResponseVary,
    ])
}

fn header_line() -> impl Strategy<Value = String> {
    prop::collection::vec((pick(ITEMS), pick(SEPARATORS)), 0..4).prop_map(|items| {
        let mut line = String::new();
        for (i, (item, separator)) in items.iter().enumerate() {
            if i > 0 {
                line.push_str(separator);
            }
            line.push_str(item);
        }
        line
    })
}

fn request() -> impl Strategy<Value = Req> {
    (
        pick(REQUEST_METHODS),
        prop::option::of(pick(ORIGINS)),
        prop::option::of(pick(REQUEST_METHODS)),
        prop::collection::vec(header_line(), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(method, origin, request_method, header_lines, bucket)| Req {
                method,
                origin,
                request_method,
                header_lines,
                bucket,
            },
        )
}

/// Header entries and names from a wider space: many distinct entries (so the engine's
/// larger indexes come into play), names longer than 64 bytes, mixed case.
fn wide_header_entry() -> impl Strategy<Value = String> {
    prop_oneof![
        "[xX]-[a-dA-D]{0,3}[0-9]{0,2}",
        "[xX]-[a-d]{0,2}\\*",
        "\\*-[a-d]{1,2}",
        "[a-d]{1,2}\\*[0-9]",
        "[a-d]{66,70}",
        "[a-d]{66,70}\\*",
        Just("*".to_owned()),
    ]
}

fn wide_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[xX]-[a-dA-D]{0,3}[0-9]{0,2}",
        "[a-dA-D]{1,3}-[a-d]{1,2}",
        "[a-d]{1,2}[0-9]",
        "[a-dA-D]{66,72}",
    ]
}

fn wide_configuration() -> impl Strategy<Value = CorsConfiguration> {
    let rule = (
        prop::collection::vec(
            prop_oneof![
                "https://[a-c]{1,2}\\.example",
                "https://\\*[a-c]?\\.example",
                "https://[a-c]\\*",
                pick(ORIGIN_ENTRIES),
            ],
            1..4,
        ),
        prop::collection::vec(pick(METHODS), 1..3),
        prop::collection::vec(wide_header_entry(), 0..8),
    )
        .prop_map(|(origins, methods, headers)| {
            CorsRule::new()
                .allowed_origins(origins)
                .allowed_methods(methods)
                .allowed_headers(headers)
        });
    prop::collection::vec(rule, 1..40).prop_map(CorsConfiguration::new)
}

fn wide_request() -> impl Strategy<Value = Req> {
    (
        pick(&["OPTIONS", "GET", "PUT"]),
        prop_oneof![
            "https://[a-c]{1,2}\\.example",
            "https://[a-c]{0,2}\\.?example"
        ],
        pick(METHODS),
        prop::collection::vec(wide_name(), 0..5),
        any::<bool>(),
    )
        .prop_map(|(method, origin, request_method, names, bucket)| Req {
            method,
            origin: Some(origin),
            request_method: Some(request_method),
            header_lines: vec![names.join(",")],
            bucket,
        })
}

fn compile(config: &CorsConfiguration, policy: VaryPolicy) -> CorsEngine {
    CorsEngine::compile_with(config, &EngineOptions::s3().vary(policy)).unwrap()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(config())]

    /// Same decision, same rule, same status, same headers, same error body fields.
    #[test]
    fn engine_agrees_with_the_reference(
        config in configuration(),
        policy in policy(),
        requests in prop::collection::vec(request(), 1..16),
    ) {
        let engine = compile(&config, policy);
        // The packed copy the engine keeps gives back exactly what it was compiled from.
        prop_assert_eq!(engine.configuration(), Some(config.clone()));
        for req in &requests {
            prop_assert_eq!(answer(&engine, req), reference::evaluate(Some(&config), policy, req), "{:?}", req);
        }
    }

    /// The same on configurations of up to 40 rules with up to 8 header entries each.
    #[test]
    fn engine_agrees_with_the_reference_on_wide_configurations(
        config in wide_configuration(),
        requests in prop::collection::vec(wide_request(), 1..24),
    ) {
        let engine = compile(&config, VaryPolicy::S3);
        for req in &requests {
            prop_assert_eq!(answer(&engine, req), reference::evaluate(Some(&config), VaryPolicy::S3, req), "{:?}", req);
        }
    }

    /// Without an `Origin` no `Access-Control-*` header is ever sent, and with S3's Vary
    /// policy no header at all.
    #[test]
    fn no_origin_no_cors_headers(
        config in configuration(),
        policy in policy(),
        mut req in request(),
    ) {
        req.origin = None;
        let engine = compile(&config, policy);
        let got = answer(&engine, &req);
        prop_assert!(got.headers.iter().all(|(n, _)| !n.starts_with("Access-Control-")));
        prop_assert_eq!(got.rule, None);
        let s3 = answer(&compile(&config, VaryPolicy::S3), &req);
        prop_assert!(s3.headers.is_empty());
        let disabled = answer(&CorsEngine::disabled(), &req);
        prop_assert!(disabled.headers.is_empty());
    }

    /// A bucket without configuration, and one that does not exist, answer as the reference.
    #[test]
    fn unconfigured_and_missing_buckets_agree_with_the_reference(
        requests in prop::collection::vec(request(), 1..16),
    ) {
        for req in &requests {
            prop_assert_eq!(
                answer(&CorsEngine::disabled(), req),
                reference::evaluate(None, VaryPolicy::Always, req),
                "{:?}", req
            );
            prop_assert_eq!(
                missing_bucket_answer(req),
                reference::evaluate_missing_bucket(req),
                "{:?}", req
            );
        }
    }

    /// Appending a rule never changes the answer to a request an earlier rule matched.
    #[test]
    fn appending_a_rule_keeps_earlier_matches(
        config in configuration(),
        extra in rule(),
        policy in policy(),
        requests in prop::collection::vec(request(), 1..16),
    ) {
        let mut longer = config.clone();
        longer.rules.push(extra);
        let (before, after) = (compile(&config, policy), compile(&longer, policy));
        for req in &requests {
            let first = answer(&before, req);
            if first.rule.is_some() {
                prop_assert_eq!(answer(&after, req), first, "{:?}", req);
            }
        }
    }

    /// The matched rule is the smallest index whose rule, on its own, matches.
    #[test]
    fn matched_rule_is_the_first_that_matches(
        config in configuration(),
        requests in prop::collection::vec(request(), 1..16),
    ) {
        let engine = compile(&config, VaryPolicy::S3);
        let alone: Vec<CorsEngine> = config
            .rules
            .iter()
            .map(|rule| compile(&CorsConfiguration::new(vec![rule.clone()]), VaryPolicy::S3))
            .collect();
        for req in &requests {
            let first = alone.iter().position(|e| answer(e, req).rule.is_some());
            prop_assert_eq!(answer(&engine, req).rule, first, "{:?}", req);
        }
    }
}
