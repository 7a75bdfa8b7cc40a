//! The per-rule trace: what it records, and that it always agrees with `evaluate`.

use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, CorsRule, ResourceType};

const CONFIG: &str = r#"{"CORSRules":[
  {"ID":"uploads","AllowedOrigins":["https://app.example","https://*.preview.example"],"AllowedMethods":["PUT","POST"],"AllowedHeaders":["content-type","x-amz-*"]},
  {"AllowedOrigins":["*"],"AllowedMethods":["GET"]}
]}"#;

fn engine() -> CorsEngine {
    CorsEngine::compile(&CorsConfiguration::from_json(CONFIG.as_bytes()).unwrap()).unwrap()
}

#[test]
fn trace_names_the_entries_that_matched_and_failed() {
    let request = CorsRequest::builder("OPTIONS")
        .origin("https://pr1.preview.example")
        .request_method("PUT")
        .request_headers("Content-Type, X-Amz-Date, Authorization")
        .build();
    let explanation = engine().explain(&request);
    assert_eq!(explanation.matched_rule, None);
    let first = &explanation.rules[0];
    assert_eq!(first.id.as_deref(), Some("uploads"));
    assert_eq!(
        first.origin_match.as_deref(),
        Some("https://*.preview.example")
    );
    assert!(first.method_allowed);
    let by: Vec<Option<&str>> = first
        .headers
        .iter()
        .map(|h| h.allowed_by.as_deref())
        .collect();
    assert_eq!(by, [Some("content-type"), Some("x-amz-*"), None]);
    assert!(!first.matches);
    let second = &explanation.rules[1];
    assert_eq!(second.origin_match.as_deref(), Some("*"));
    assert!(!second.method_allowed);
    let text = explanation.to_string();
    assert!(
        text.contains("rule 0 (\"uploads\"): does not match"),
        "{text}"
    );
    assert!(
        text.contains("header:  Authorization not allowed"),
        "{text}"
    );
    assert!(
        text.ends_with("decision: preflight rejected with 403 AccessForbidden: no rule matches"),
        "{text}"
    );
}

#[test]
fn trace_marks_the_chosen_rule_and_later_matches() {
    let request = CorsRequest::builder("GET")
        .origin("https://app.example")
        .build();
    let config = r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]},{"AllowedOrigins":["https://app.example"],"AllowedMethods":["GET"]}]}"#;
    let engine =
        CorsEngine::compile(&CorsConfiguration::from_json(config.as_bytes()).unwrap()).unwrap();
    let explanation = engine.explain(&request);
    assert_eq!(explanation.matched_rule, Some(0));
    assert!(explanation.rules[0].chosen && explanation.rules[0].matches);
    assert!(!explanation.rules[1].chosen && explanation.rules[1].matches);
    assert!(
        explanation
            .to_string()
            .contains("matches, but an earlier rule was chosen")
    );
}

#[test]
fn trace_stops_before_rules_when_evaluation_does() {
    let engine = engine();
    let cases = [
        (
            CorsRequest::builder("OPTIONS").build(),
            "preflight rejected with 400 BadRequest: no Origin header",
        ),
        (
            CorsRequest::builder("GET").build(),
            "not a CORS request (no Origin header): no CORS headers",
        ),
        (
            CorsRequest::builder("OPTIONS").origin("o").build(),
            "preflight rejected with 400 BadRequest: Access-Control-Request-Method is missing or not GET, PUT, HEAD, POST or DELETE",
        ),
    ];
    for (request, summary) in cases {
        let explanation = engine.explain(&request);
        assert!(explanation.rules.is_empty());
        assert_eq!(explanation.summary, summary);
    }
    let disabled =
        CorsEngine::disabled().explain(&CorsRequest::builder("OPTIONS").origin("o").build());
    assert_eq!(
        disabled.summary,
        "preflight rejected with 403 AccessForbidden: the bucket has no CORS configuration"
    );
}

#[test]
fn trace_agrees_with_evaluate_on_many_requests() {
    let engine = engine();
    let origins = [
        "https://app.example",
        "https://x.preview.example",
        "https://preview.example",
        "null",
        "",
        "a\nb",
    ];
    let methods = ["GET", "PUT", "POST", "DELETE", "get"];
    let headers = [
        None,
        Some(""),
        Some("content-type"),
        Some("x-amz-meta-a, CONTENT-TYPE"),
        Some("authorization"),
        Some("a b"),
    ];
    let mut checked = 0;
    for origin in origins {
        for method in methods {
            for header in headers {
                for preflight in [true, false] {
                    let mut builder = if preflight {
                        CorsRequest::builder("OPTIONS").request_method(method)
                    } else {
                        CorsRequest::builder(method)
                    }
                    .origin(origin)
                    .resource_type(ResourceType::Bucket);
                    if let Some(header) = header {
                        builder = builder.request_headers(header);
                    }
                    let request = builder.build();
                    let decision = engine.evaluate(&request);
                    let explanation = engine.explain(&request);
                    assert_eq!(
                        explanation.matched_rule,
                        decision.matched_rule(),
                        "{request:?}"
                    );
                    let first_traced = explanation.rules.iter().position(|r| r.matches);
                    if !explanation.rules.is_empty() {
                        assert_eq!(first_traced, decision.matched_rule(), "{request:?}");
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 6 * 5 * 6 * 2);
}

/// Whether `text` matches `pattern` (at most one `*`), by the definition.
fn naive_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (pattern, text) = if ignore_case {
        (pattern.to_ascii_lowercase(), text.to_ascii_lowercase())
    } else {
        (pattern.to_owned(), text.to_owned())
    };
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.len() >= head.len() + tail.len() && text.starts_with(head) && text.ends_with(tail)
        }
    }
}

#[test]
fn trace_names_the_first_matching_entry_of_each_rule() {
    let origin_pool = [
        "https://a.example",
        "https://*.example",
        "https://*",
        "*.example",
        "*",
        "https://a*",
        "https://b.example",
    ];
    let header_pool = [
        "content-type",
        "Content-Type",
        "x-amz-*",
        "X-AMZ-*",
        "*-date",
        "x-*-date",
        "x-amz-date",
        "*",
        "authorization",
        "a*",
    ];
    let origins = [
        "https://a.example",
        "https://b.example",
        "https://c.other",
        "http://a.example",
        "https://a",
    ];
    let lines = [
        "content-type",
        "X-Amz-Date, authorization",
        "x-amz-meta-a,x-foo-date",
        "a, b",
        "Authorization",
    ];
    // A small linear congruential generator: the same configurations on every run.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % n
    };
    let mut checked = 0;
    for _ in 0..60 {
        let rules: Vec<CorsRule> = (0..1 + next(4))
            .map(|_| {
                let mut rule = CorsRule::new().allowed_methods(["GET", "PUT"]);
                for _ in 0..1 + next(4) {
                    rule = rule.allowed_origin(origin_pool[next(origin_pool.len())]);
                }
                for _ in 0..next(5) {
                    rule = rule.allowed_header(header_pool[next(header_pool.len())]);
                }
                rule
            })
            .collect();
        let engine = CorsEngine::compile(&CorsConfiguration::new(rules.clone())).unwrap();
        for origin in origins {
            for line in lines {
                let request = CorsRequest::builder("OPTIONS")
                    .origin(origin)
                    .request_method("PUT")
                    .request_headers(line)
                    .build();
                let explanation = engine.explain(&request);
                assert_eq!(
                    explanation.matched_rule,
                    engine.evaluate(&request).matched_rule()
                );
                if explanation.rules.is_empty() {
                    continue;
                }
                let names: Vec<&str> = request.request_headers().items().collect();
                for (rule, trace) in rules.iter().zip(&explanation.rules) {
                    let origin_match = rule
                        .allowed_origins
                        .iter()
                        .find(|entry| naive_match(entry, origin, false));
                    assert_eq!(
                        trace.origin_match.as_ref(),
                        origin_match,
                        "{rule:?} {origin}"
                    );
                    for (name, header) in names.iter().zip(&trace.headers) {
                        let allowed_by = rule
                            .allowed_headers
                            .iter()
                            .find(|entry| naive_match(entry, name, true));
                        assert_eq!(header.allowed_by.as_ref(), allowed_by, "{rule:?} {name}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 1_000, "{checked}");
}
