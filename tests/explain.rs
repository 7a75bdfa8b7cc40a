//! The per-rule trace: what it records, and that it always agrees with `evaluate`.

use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, ResourceType};

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
