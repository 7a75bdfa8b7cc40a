//! Property tests of the engine against a deliberately simple reference evaluator, written
//! here as a straight reading of the specification (sections 3 and 4 of
//! `s3-cors-behaviour.md`) and of the README's compatibility choices: rules tried in order,
//! the first that allows origin, method and every requested header answers.
//!
//! Configurations and requests are drawn from small pools so that wildcard origins, header
//! patterns, case differences and rule order all meet often.

use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRequest, CorsRule, Decision, EngineOptions, HeaderLines,
    ResourceType, VaryPolicy,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// The reference evaluator.

/// What a response carries, as the specification describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    /// `pass`, `preflight`, `actual` or `reject`.
    kind: &'static str,
    status: Option<u16>,
    rule: Option<usize>,
    headers: Vec<(String, String)>,
    /// For a rejection: code, message, `<Method>`, `<ResourceType>`.
    error: Option<(String, String, Option<String>, Option<String>)>,
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    origin: Option<String>,
    request_method: Option<String>,
    header_lines: Vec<String>,
    bucket: bool,
}

const FIVE: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];
const NOT_ALLOWED: &str = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/// `*` alone matches anything; one `*` splits the entry into a prefix and a suffix that must
/// both fit, without overlapping; otherwise the text must be equal.
fn wildcard(entry: &str, value: &str, ignore_case: bool) -> bool {
    let same = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match entry.split_once('*') {
        None => same(entry, value),
        Some((prefix, suffix)) => {
            value.len() >= prefix.len() + suffix.len()
                && value.is_char_boundary(prefix.len())
                && value.is_char_boundary(value.len() - suffix.len())
                && same(prefix, &value[..prefix.len()])
                && same(suffix, &value[value.len() - suffix.len()..])
        }
    }
}

fn is_token(item: &str) -> bool {
    !item.is_empty()
        && item
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn requested(req: &Req) -> Vec<String> {
    req.header_lines
        .iter()
        .flat_map(|line| line.split(','))
        .map(|item| item.trim_matches(|c| c == ' ' || c == '\t').to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

fn reference(config: &CorsConfiguration, policy: VaryPolicy, req: &Req) -> Answer {
    // README, Vary: S3 sends Vary only on a match; `Always` adds `Vary: Origin` elsewhere;
    // `ResponseVary` follows the OSS flag.
    let cors_vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";
    let (vary_match, vary_other) = match (policy, config.response_vary) {
        (VaryPolicy::Always, _) | (VaryPolicy::ResponseVary, Some(true)) => {
            (Some(cors_vary), Some("Origin"))
        }
        (VaryPolicy::ResponseVary, Some(false)) => (None, None),
        _ => (Some(cors_vary), None),
    };
    let vary_only: Vec<(String, String)> = vary_other
        .map(|v| ("Vary".to_owned(), v.to_owned()))
        .into_iter()
        .collect();
    let preflight = req.method == "OPTIONS";
    let resource = if req.bucket { "BUCKET" } else { "OBJECT" };
    let reject = |status: u16, code: &str, message: String, method: Option<&str>| Answer {
        kind: "reject",
        status: Some(status),
        rule: None,
        headers: vary_only.clone(),
        error: Some((
            code.to_owned(),
            message,
            method.map(str::to_owned),
            method.map(|_| resource.to_owned()),
        )),
    };
    let pass = Answer {
        kind: "pass",
        status: None,
        rule: None,
        headers: vary_only.clone(),
        error: None,
    };
    // 3.1 step 1 and section 4: no Origin.
    let Some(origin) = &req.origin else {
        return if preflight {
            reject(
                400,
                "BadRequest",
                "Insufficient information. Origin request header needed.".to_owned(),
                None,
            )
        } else {
            pass
        };
    };
    // 3.1 step 4: a preflight needs one of the five methods.
    if preflight {
        match req.request_method.as_deref() {
            Some(m) if FIVE.contains(&m) => {}
            other => {
                let message = format!(
                    "Invalid Access-Control-Request-Method: {}",
                    other.unwrap_or("null")
                );
                return reject(400, "BadRequest", message, None);
            }
        }
    }
    // Section 4: Access-Control-Request-Method, when present, is the method on any request.
    let method = req.request_method.as_deref().unwrap_or(&req.method);
    let items = requested(req);
    // README: an Origin with a control character matches nothing; so does a requested
    // header that is not a token.
    let origin_ok = !origin.bytes().any(|b| b < 0x20 || b == 0x7f);
    let items_ok = items.iter().all(|i| is_token(i));
    // 3.2: the first rule, in document order, that allows all three.
    let chosen = config.rules.iter().position(|rule| {
        origin_ok
            && items_ok
            && FIVE.contains(&method)
            && rule.allowed_methods.iter().any(|m| m == method)
            && rule
                .allowed_origins
                .iter()
                .any(|entry| wildcard(entry, origin, false))
            && items.iter().all(|item| {
                rule.allowed_headers
                    .iter()
                    .any(|entry| wildcard(entry, item, true))
            })
    });
    let Some(index) = chosen else {
        return if preflight {
            reject(403, "AccessForbidden", NOT_ALLOWED.to_owned(), Some(method))
        } else {
            pass
        };
    };
    // 3.3: the headers of the matched rule.
    let rule = &config.rules[index];
    let star = rule.allowed_origins.iter().any(|o| o == "*");
    let mut headers = Vec::new();
    let mut add = |name: &str, value: String| headers.push((name.to_owned(), value));
    add(
        "Access-Control-Allow-Origin",
        if star { "*".to_owned() } else { origin.clone() },
    );
    if !star {
        add("Access-Control-Allow-Credentials", "true".to_owned());
    }
    add(
        "Access-Control-Allow-Methods",
        rule.allowed_methods.join(", "),
    );
    if !items.is_empty() {
        let lower: Vec<String> = items.iter().map(|i| i.to_ascii_lowercase()).collect();
        add("Access-Control-Allow-Headers", lower.join(", "));
    }
    if !rule.expose_headers.is_empty() {
        add(
            "Access-Control-Expose-Headers",
            rule.expose_headers.join(", "),
        );
    }
    if let Some(seconds) = rule.max_age_seconds {
        add("Access-Control-Max-Age", seconds.to_string());
    }
    if let Some(vary) = vary_match {
        add("Vary", vary.to_owned());
    }
    Answer {
        kind: if preflight { "preflight" } else { "actual" },
        status: preflight.then_some(200),
        rule: Some(index),
        headers,
        error: None,
    }
}

// ---------------------------------------------------------------------------------------------
// The engine, seen the same way.

fn evaluate<'a>(engine: &'a CorsEngine, req: &'a Req, lines: &'a [&'a str]) -> Decision<'a> {
    let mut builder = CorsRequest::builder(&req.method)
        .request_headers(HeaderLines::many(lines))
        .resource_type(if req.bucket {
            ResourceType::Bucket
        } else {
            ResourceType::Object
        });
    if let Some(origin) = &req.origin {
        builder = builder.origin(origin);
    }
    if let Some(method) = &req.request_method {
        builder = builder.request_method(method);
    }
    let request = builder.build();
    engine.evaluate(&request)
}

fn answer(engine: &CorsEngine, req: &Req) -> Answer {
    let lines: Vec<&str> = req.header_lines.iter().map(String::as_str).collect();
    let decision = evaluate(engine, req, &lines);
    let headers = decision
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_string()))
        .collect();
    let (kind, error) = match &decision {
        Decision::Pass(_) => ("pass", None),
        Decision::Preflight(_) => ("preflight", None),
        Decision::Actual(_) => ("actual", None),
        Decision::Reject(r) => (
            "reject",
            Some((
                r.code().to_string(),
                r.message().to_string(),
                r.error_method().map(str::to_owned),
                r.resource_type().map(|t| t.to_string()),
            )),
        ),
        _ => ("unknown", None),
    };
    Answer {
        kind,
        status: decision.status(),
        rule: decision.matched_rule(),
        headers,
        error,
    }
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
        for req in &requests {
            prop_assert_eq!(answer(&engine, req), reference(&config, policy, req), "{:?}", req);
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
            prop_assert_eq!(answer(&engine, req), reference(&config, VaryPolicy::S3, req), "{:?}", req);
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
