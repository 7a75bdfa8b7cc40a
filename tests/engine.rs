//! One line per behaviour of the engine (spec sections 3 and 4, and the README's
//! compatibility choices). Each case renders the decision as one line and compares it.

use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRequest, CorsRequestBuilder, Decision, EngineOptions,
    HeaderLines, ResourceType, VaryPolicy,
};

/// Renders a decision as one line: `pass:<reason>`, `<status> <code> [method=..] [resource=..]
/// msg=<message>`, or `<preflight|actual> rule=N` followed by its headers.
fn render(decision: &Decision<'_>) -> String {
    let mut out = match decision {
        Decision::Pass(pass) => format!("pass:{:?}", pass.reason()),
        Decision::Preflight(allowed) => format!("preflight rule={}", allowed.rule()),
        Decision::Actual(allowed) => format!("actual rule={}", allowed.rule()),
        Decision::Reject(r) => {
            let mut s = format!("{} {}", r.status(), r.code());
            if let Some(m) = r.error_method() {
                s.push_str(&format!(" method={m}"));
            }
            if let Some(t) = r.resource_type() {
                s.push_str(&format!(" resource={t}"));
            }
            s.push_str(&format!(" msg={}", r.message()));
            s
        }
        other => format!("{other:?}"),
    };
    for (name, value) in decision.headers() {
        let short = match name {
            "Access-Control-Allow-Origin" => "origin",
            "Access-Control-Allow-Credentials" => "creds",
            "Access-Control-Allow-Methods" => "methods",
            "Access-Control-Allow-Headers" => "headers",
            "Access-Control-Expose-Headers" => "expose",
            "Access-Control-Max-Age" => "max-age",
            "Vary" => "vary",
            other => other,
        };
        out.push_str(&format!(" | {short}={value}"));
    }
    out
}

fn engine(config: &str, vary: VaryPolicy) -> CorsEngine {
    if config.is_empty() {
        return CorsEngine::disabled();
    }
    let config = CorsConfiguration::from_json(config.as_bytes()).expect("test config parses");
    CorsEngine::compile_with(&config, &EngineOptions::s3().vary(vary))
        .expect("test config is valid")
}

fn check(config: &str, request: CorsRequestBuilder<'_>, expected: &str) {
    check_with(config, VaryPolicy::S3, request, expected);
}

fn check_with(config: &str, vary: VaryPolicy, request: CorsRequestBuilder<'_>, expected: &str) {
    let request = request.build();
    let engine = engine(config, vary);
    let decision = engine.evaluate(&request);
    assert_eq!(
        render(&decision),
        expected,
        "config {config}, request {request:?}"
    );
}

fn opt(origin: &str, method: &str) -> CorsRequestBuilder<'static> {
    // Test strings are leaked so the table can build requests inline.
    let origin: &'static str = Box::leak(origin.to_owned().into_boxed_str());
    let method: &'static str = Box::leak(method.to_owned().into_boxed_str());
    CorsRequest::builder("OPTIONS")
        .origin(origin)
        .request_method(method)
}

fn get(origin: &str) -> CorsRequestBuilder<'static> {
    let origin: &'static str = Box::leak(origin.to_owned().into_boxed_str());
    CorsRequest::builder("GET").origin(origin)
}

const V: &str = "vary=Origin, Access-Control-Request-Headers, Access-Control-Request-Method";
const NOT_ALLOWED: &str = "msg=CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

const EXACT: &str = r#"{"CORSRules":[{"AllowedOrigins":["https://a.example"],"AllowedMethods":["GET","PUT"],"AllowedHeaders":["*"],"MaxAgeSeconds":3000}]}"#;
const STAR: &str = r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}"#;
const HEADERS: &str = r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"AllowedHeaders":["Content-Type","x-amz-*","X-AMZ-Date"]}]}"#;
const ORDER: &str = r#"{"CORSRules":[{"AllowedOrigins":["https://a.example"],"AllowedMethods":["PUT"],"MaxAgeSeconds":1},{"AllowedOrigins":["https://*.example"],"AllowedMethods":["GET"],"MaxAgeSeconds":2},{"AllowedOrigins":["*"],"AllowedMethods":["GET","PUT"],"MaxAgeSeconds":3}]}"#;
const PATTERNS: &str = r#"{"CORSRules":[{"AllowedOrigins":["*suffix"],"AllowedMethods":["GET"]},{"AllowedOrigins":["start*end"],"AllowedMethods":["GET"]},{"AllowedOrigins":["prefix*"],"AllowedMethods":["GET"]}]}"#;
const EXPOSE: &str = r#"{"CORSRules":[{"AllowedOrigins":["https://a.example"],"AllowedMethods":["GET"],"ExposeHeaders":["ETag","x-amz-request-id"],"MaxAgeSeconds":0}]}"#;
const MIXED_STAR: &str =
    r#"{"CORSRules":[{"AllowedOrigins":["https://a.example","*"],"AllowedMethods":["GET"]}]}"#;
const EMPTY_ORIGIN: &str = r#"{"CORSRules":[{"AllowedOrigins":[""],"AllowedMethods":["GET"]}]}"#;

macro_rules! table {
    ($($name:ident: $config:expr, $request:expr => $expected:expr;)*) => {
        $( #[test] fn $name() { check($config, $request, &$expected) } )*
    };
}

table! {
    // Section 3.1: the decision order of a preflight.
    options_without_origin_no_config: "", CorsRequest::builder("OPTIONS") => "400 BadRequest msg=Insufficient information. Origin request header needed.";
    options_without_origin_configured: EXACT, CorsRequest::builder("OPTIONS").request_method("GET") => "400 BadRequest msg=Insufficient information. Origin request header needed.";
    options_no_config_names_requested_method: "", opt("https://a.example", "PUT") => "403 AccessForbidden method=PUT resource=BUCKET msg=CORSResponse: CORS is not enabled for this bucket.";
    options_no_config_without_method_says_options: "", CorsRequest::builder("OPTIONS").origin("x") => "403 AccessForbidden method=OPTIONS resource=BUCKET msg=CORSResponse: CORS is not enabled for this bucket.";
    options_no_config_even_for_bad_method: "", opt("x", "PATCH") => "403 AccessForbidden method=PATCH resource=BUCKET msg=CORSResponse: CORS is not enabled for this bucket.";
    options_missing_request_method: EXACT, CorsRequest::builder("OPTIONS").origin("https://a.example") => "400 BadRequest msg=Invalid Access-Control-Request-Method: null";
    options_unsupported_request_method: EXACT, opt("https://a.example", "PATCH") => "400 BadRequest msg=Invalid Access-Control-Request-Method: PATCH";
    options_lowercase_request_method: EXACT, opt("https://a.example", "get") => "400 BadRequest msg=Invalid Access-Control-Request-Method: get";
    options_options_is_not_a_cors_method: STAR, opt("https://a.example", "OPTIONS") => "400 BadRequest msg=Invalid Access-Control-Request-Method: OPTIONS";
    options_no_rule_object: EXACT, opt("http://a.example", "PUT") => format!("403 AccessForbidden method=PUT resource=OBJECT {NOT_ALLOWED}");
    options_no_rule_bucket: EXACT, opt("http://a.example", "PUT").resource_type(ResourceType::Bucket) => format!("403 AccessForbidden method=PUT resource=BUCKET {NOT_ALLOWED}");
    options_method_not_in_rule: EXACT, opt("https://a.example", "DELETE") => format!("403 AccessForbidden method=DELETE resource=OBJECT {NOT_ALLOWED}");

    // Section 3.3: the headers of an allowed preflight.
    exact_origin_echoed_with_credentials: EXACT, opt("https://a.example", "PUT") => format!("preflight rule=0 | origin=https://a.example | creds=true | methods=GET, PUT | max-age=3000 | {V}");
    star_origin_answers_star_without_credentials: STAR, opt("http://random:1234", "GET") => format!("preflight rule=0 | origin=* | methods=GET | {V}");
    star_matches_non_url_origins: STAR, opt("localhost:4566", "GET") => format!("preflight rule=0 | origin=* | methods=GET | {V}");
    star_matches_null_origin: STAR, opt("null", "GET") => format!("preflight rule=0 | origin=* | methods=GET | {V}");
    star_beside_specific_origin_answers_star: MIXED_STAR, opt("https://a.example", "GET") => format!("preflight rule=0 | origin=* | methods=GET | {V}");
    expose_headers_and_zero_max_age: EXPOSE, opt("https://a.example", "GET") => format!("preflight rule=0 | origin=https://a.example | creds=true | methods=GET | expose=ETag, x-amz-request-id | max-age=0 | {V}");

    // Section 3.2: origins.
    scheme_counts: EXACT, opt("http://a.example", "GET") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    default_port_is_not_normalised: EXACT, opt("https://a.example:443", "GET") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    origin_is_case_sensitive: EXACT, opt("https://A.example", "GET") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    trailing_slash_breaks_match: ORDER, opt("https://b.example/", "GET") => format!("preflight rule=2 | origin=* | methods=GET, PUT | max-age=3 | {V}");
    wildcard_suffix: PATTERNS, opt("foo.suffix", "GET") => format!("preflight rule=0 | origin=foo.suffix | creds=true | methods=GET | {V}");
    wildcard_matches_empty: PATTERNS, opt("startend", "GET") => format!("preflight rule=1 | origin=startend | creds=true | methods=GET | {V}");
    wildcard_spans_characters: PATTERNS, opt("start1.2/3:4end", "GET") => format!("preflight rule=1 | origin=start1.2/3:4end | creds=true | methods=GET | {V}");
    wildcard_prefix: PATTERNS, opt("prefix", "GET") => format!("preflight rule=2 | origin=prefix | creds=true | methods=GET | {V}");
    wildcard_is_anchored_at_the_end: PATTERNS, opt("foo.suffix.get", "GET") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    wildcard_is_anchored_at_the_start: PATTERNS, opt("0start12end", "GET") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    wildcard_prefix_and_suffix_do_not_overlap: r#"{"CORSRules":[{"AllowedOrigins":["ab*ba"],"AllowedMethods":["GET"]}]}"#, opt("aba", "GET") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    empty_origin_entry_matches_empty_origin: EMPTY_ORIGIN, opt("", "GET") => format!("preflight rule=0 | origin= | creds=true | methods=GET | {V}");
    empty_origin_entry_matches_nothing_else: EMPTY_ORIGIN, opt("https://a.example", "GET") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");

    // Section 3.2: rule order — the first rule that matches as a whole.
    first_rule_wins: ORDER, opt("https://a.example", "PUT") => format!("preflight rule=0 | origin=https://a.example | creds=true | methods=PUT | max-age=1 | {V}");
    origin_match_alone_does_not_win: ORDER, opt("https://a.example", "GET") => format!("preflight rule=1 | origin=https://a.example | creds=true | methods=GET | max-age=2 | {V}");
    later_wildcard_rule: ORDER, opt("https://b.example", "PUT") => format!("preflight rule=2 | origin=* | methods=GET, PUT | max-age=3 | {V}");

    // Section 3.2: requested headers.
    headers_case_insensitive_and_lowercased: HEADERS, opt("o", "GET").request_headers("CONTENT-TYPE, X-Amz-Meta-Foo,x-amz-date") => format!("preflight rule=0 | origin=* | methods=GET | headers=content-type, x-amz-meta-foo, x-amz-date | {V}");
    headers_empty_items_dropped: HEADERS, opt("o", "GET").request_headers(" ,content-type,, ,x-amz-date ,") => format!("preflight rule=0 | origin=* | methods=GET | headers=content-type, x-amz-date | {V}");
    headers_every_one_must_match: HEADERS, opt("o", "GET").request_headers("content-type, authorization") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    headers_without_allowed_headers: STAR, opt("o", "GET").request_headers("x-amz-date") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    headers_star_echoes_names_not_star: EXACT, opt("https://a.example", "GET").request_headers("X-Custom") => format!("preflight rule=0 | origin=https://a.example | creds=true | methods=GET, PUT | headers=x-custom | max-age=3000 | {V}");
    headers_only_commas_count_as_none: STAR, opt("o", "GET").request_headers(" , ,") => format!("preflight rule=0 | origin=* | methods=GET | {V}");
    headers_several_lines_form_one_list: HEADERS, opt("o", "GET").request_headers(HeaderLines::many(&["content-type", "X-Amz-Date"])) => format!("preflight rule=0 | origin=* | methods=GET | headers=content-type, x-amz-date | {V}");
    headers_not_tokens_match_nothing: EXACT, opt("https://a.example", "GET").request_headers("x-a b") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");

    // Section 4: other methods.
    actual_without_origin: EXACT, CorsRequest::builder("GET") => "pass:NoOrigin";
    actual_no_config: "", get("https://a.example") => "pass:NoConfiguration";
    actual_match_same_headers_as_preflight: EXACT, get("https://a.example") => format!("actual rule=0 | origin=https://a.example | creds=true | methods=GET, PUT | max-age=3000 | {V}");
    actual_star: STAR, get("anything") => format!("actual rule=0 | origin=* | methods=GET | {V}");
    actual_no_match_passes_without_vary: EXACT, get("https://b.example") => "pass:NoMatch";
    actual_method_not_allowed_passes: EXACT, CorsRequest::builder("DELETE").origin("https://a.example") => "pass:NoMatch";
    actual_request_method_header_overrides: EXACT, CorsRequest::builder("GET").origin("https://a.example").request_method("DELETE") => "pass:NoMatch";
    actual_put_matched_as_get_by_header: STAR, CorsRequest::builder("PUT").origin("o").request_method("GET") => format!("actual rule=0 | origin=* | methods=GET | {V}");
    actual_request_headers_checked: HEADERS, get("o").request_headers("authorization") => "pass:NoMatch";
    actual_request_headers_echoed: HEADERS, get("o").request_headers("Content-Type") => format!("actual rule=0 | origin=* | methods=GET | headers=content-type | {V}");
    actual_lowercase_method_never_matches: STAR, CorsRequest::builder("get").origin("o") => "pass:NoMatch";
    actual_head_needs_head: STAR, CorsRequest::builder("HEAD").origin("o") => "pass:NoMatch";

    // Safety: control characters are never echoed.
    origin_with_crlf_never_matches: STAR, opt("https://a.example\r\nSet-Cookie: x=1", "GET") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    origin_with_nul_passes_actual: STAR, get("a\0b") => "pass:NoMatch";
    request_headers_with_lf_never_match: STAR, opt("o", "GET").request_headers("x\ny") => format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED}");
    non_ascii_origin_is_an_ordinary_string: r#"{"CORSRules":[{"AllowedOrigins":["https://*.bücher.example"],"AllowedMethods":["GET"]}]}"#, opt("https://www.bücher.example", "GET") => format!("preflight rule=0 | origin=https://www.bücher.example | creds=true | methods=GET | {V}");
}

#[test]
fn missing_bucket_answers() {
    let builder = CorsRequest::builder("OPTIONS").origin("o");
    let with_origin = builder.build();
    assert_eq!(
        render(&CorsEngine::evaluate_missing_bucket(&with_origin)),
        "403 AccessForbidden method=OPTIONS resource=BUCKET msg=CORSResponse: Bucket not found"
    );
    let with_method = builder.request_method("PUT").build();
    assert_eq!(
        render(&CorsEngine::evaluate_missing_bucket(&with_method)),
        "403 AccessForbidden method=PUT resource=BUCKET msg=CORSResponse: Bucket not found"
    );
    assert_eq!(
        render(&CorsEngine::evaluate_missing_bucket(
            &CorsRequest::builder("OPTIONS").build()
        )),
        "400 BadRequest msg=Insufficient information. Origin request header needed."
    );
    assert_eq!(
        render(&CorsEngine::evaluate_missing_bucket(&get("o").build())),
        "pass:NoConfiguration"
    );
}

#[test]
fn vary_always_covers_every_response_of_a_configured_bucket() {
    let always = VaryPolicy::Always;
    check_with(
        EXACT,
        always,
        CorsRequest::builder("GET"),
        "pass:NoOrigin | vary=Origin",
    );
    check_with(
        EXACT,
        always,
        get("https://b.example"),
        "pass:NoMatch | vary=Origin",
    );
    check_with(
        EXACT,
        always,
        get("https://a.example"),
        &format!(
            "actual rule=0 | origin=https://a.example | creds=true | methods=GET, PUT | max-age=3000 | {V}"
        ),
    );
    check_with(
        EXACT,
        always,
        opt("https://b.example", "GET"),
        &format!("403 AccessForbidden method=GET resource=OBJECT {NOT_ALLOWED} | vary=Origin"),
    );
    // A bucket without configuration stays as S3 answers it.
    check_with("", always, CorsRequest::builder("GET"), "pass:NoOrigin");
}

#[test]
fn vary_response_vary_follows_the_oss_flag() {
    let oss = |flag: Option<bool>| {
        let mut config = CorsConfiguration::from_json(STAR.as_bytes()).unwrap();
        config.response_vary = flag;
        CorsEngine::compile_with(&config, &EngineOptions::s3().vary(VaryPolicy::ResponseVary))
            .unwrap()
    };
    let on = oss(Some(true));
    assert_eq!(
        render(&on.evaluate(&CorsRequest::builder("GET").build())),
        "pass:NoOrigin | vary=Origin"
    );
    assert_eq!(
        render(&on.evaluate(&get("o").build())),
        format!("actual rule=0 | origin=* | methods=GET | {V}")
    );
    let off = oss(Some(false));
    assert_eq!(
        render(&off.evaluate(&get("o").build())),
        "actual rule=0 | origin=* | methods=GET"
    );
    assert_eq!(
        render(&off.evaluate(&CorsRequest::builder("GET").build())),
        "pass:NoOrigin"
    );
    let absent = oss(None);
    assert_eq!(
        render(&absent.evaluate(&get("o").build())),
        format!("actual rule=0 | origin=* | methods=GET | {V}")
    );
    assert_eq!(
        render(&absent.evaluate(&CorsRequest::builder("GET").build())),
        "pass:NoOrigin"
    );
}

#[test]
fn error_body_has_s3_elements_in_order() {
    let engine = engine(EXACT, VaryPolicy::S3);
    let request = opt("https://b.example", "PUT")
        .resource_type(ResourceType::Bucket)
        .build();
    let Decision::Reject(rejection) = engine.evaluate(&request) else {
        panic!("expected a rejection");
    };
    let body = rejection.to_xml("R1", "H<1>");
    let expected = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessForbidden</Code><Message>{}</Message><Method>PUT</Method><ResourceType>BUCKET</ResourceType><RequestId>R1</RequestId><HostId>H&lt;1&gt;</HostId></Error>",
        bucket_cors::s3::NOT_ALLOWED_MESSAGE
    );
    assert_eq!(body, expected);
}

#[test]
fn error_body_never_carries_control_characters() {
    let engine = CorsEngine::disabled();
    let request = CorsRequest::builder("OPTIONS")
        .origin("o")
        .request_method("P\r\nX\u{1}")
        .build();
    let Decision::Reject(rejection) = engine.evaluate(&request) else {
        panic!("expected a rejection");
    };
    let body = rejection.to_xml("r", "h");
    assert!(
        body.contains("<Method>P&#13;&#10;X\u{FFFD}</Method>"),
        "{body}"
    );
    assert!(!body.bytes().any(|b| b < 0x20 && b != b'\n'));
}

#[test]
fn engine_is_send_sync_and_shareable() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<CorsEngine>();
    let engine = std::sync::Arc::new(engine(EXACT, VaryPolicy::S3));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let engine = std::sync::Arc::clone(&engine);
            std::thread::spawn(move || {
                engine
                    .evaluate(&get("https://a.example").build())
                    .matched_rule()
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), Some(0));
    }
}

#[test]
fn oversized_inputs_are_answered() {
    let engine = engine(PATTERNS, VaryPolicy::S3);
    let huge = format!("start{}end", "a".repeat(1 << 20));
    assert_eq!(
        engine.evaluate(&opt(&huge, "GET").build()).matched_rule(),
        Some(1)
    );
    let many: String = (0..10_000).map(|i| format!("x-h{i},")).collect();
    let star = engine_headers_star();
    let many: &str = Box::leak(many.into_boxed_str());
    let request = opt("o", "GET").request_headers(many).build();
    let Decision::Preflight(allowed) = star.evaluate(&request) else {
        panic!("ten thousand token headers are allowed by *");
    };
    assert_eq!(allowed.allow_headers().unwrap().items().count(), 10_000);
}

fn engine_headers_star() -> CorsEngine {
    engine(
        r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"AllowedHeaders":["*"]}]}"#,
        VaryPolicy::S3,
    )
}

#[test]
fn hundred_rules_index_exact_and_wildcard_origins() {
    let mut rules = Vec::new();
    for i in 0..50 {
        rules.push(format!(r#"{{"AllowedOrigins":["https://site{i}.example"],"AllowedMethods":["GET"],"MaxAgeSeconds":{i}}}"#));
        rules.push(format!(r#"{{"AllowedOrigins":["https://*.tenant{i}.example"],"AllowedMethods":["PUT"],"MaxAgeSeconds":{}}}"#, 100 + i));
    }
    let config = format!(r#"{{"CORSRules":[{}]}}"#, rules.join(","));
    let engine = engine(&config, VaryPolicy::S3);
    for i in 0..50 {
        let exact = format!("https://site{i}.example");
        assert_eq!(
            engine.evaluate(&opt(&exact, "GET").build()).matched_rule(),
            Some(2 * i)
        );
        let wild = format!("https://a.b.tenant{i}.example");
        assert_eq!(
            engine.evaluate(&opt(&wild, "PUT").build()).matched_rule(),
            Some(2 * i + 1)
        );
        assert_eq!(
            engine.evaluate(&opt(&wild, "GET").build()).matched_rule(),
            None
        );
    }
    assert_eq!(
        engine
            .evaluate(&opt("https://tenant1.example", "PUT").build())
            .matched_rule(),
        None
    );
    assert_eq!(
        engine
            .evaluate(&opt("https://.tenant1.example", "PUT").build())
            .matched_rule(),
        Some(3)
    );
}
