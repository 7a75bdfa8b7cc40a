//! The `http` integration: request views built from `http` types, decisions written into
//! `http::HeaderMap`s, rejection responses, and the S3 vectors run through that path.
#![cfg(feature = "http")]

use bucket_cors::http::{
    UNDECODABLE, rejection_response, request, request_from_http, request_from_parts, respond,
    write_headers, write_to_builder,
};
use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRequest, CorsRule, Decision, EngineOptions, HeaderLines,
    PassReason, RejectionKind, ResourceType, VaryPolicy,
};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response};
mod vectors;

use vectors::{Kind, Vector};

const APP: &str = "https://app.example.com";

fn engine() -> CorsEngine {
    let config = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin(APP)
            .allowed_method("GET")
            .allowed_method("PUT")
            .allowed_header("content-type")
            .allowed_header("x-amz-*")
            .expose_header("ETag")
            .max_age_seconds(3000),
        CorsRule::new()
            .allowed_origin("*")
            .allowed_method("GET")
            .allowed_header("*"),
    ]);
    CorsEngine::compile(&config).unwrap()
}

fn preflight(origin: &[u8], method: &str, header_lines: &[&[u8]]) -> Request<()> {
    let mut builder = Request::builder()
        .method("OPTIONS")
        .uri("/bucket/key")
        .header("origin", HeaderValue::from_bytes(origin).unwrap())
        .header("access-control-request-method", method);
    for line in header_lines {
        builder = builder.header(
            "access-control-request-headers",
            HeaderValue::from_bytes(line).unwrap(),
        );
    }
    builder.body(()).unwrap()
}

fn written(decision: &Decision<'_>, request: &HeaderMap) -> HeaderMap {
    let mut response = HeaderMap::new();
    write_headers(decision, request, &mut response);
    response
}

fn all(map: &HeaderMap, name: &str) -> Vec<String> {
    map.get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_view_carries_method_headers_and_resource() {
    let req = preflight(APP.as_bytes(), "PUT", &[b"Content-Type"]);
    let view = request_from_http(&req, ResourceType::Bucket);
    let expected = CorsRequest::builder("OPTIONS")
        .origin(APP)
        .request_method("PUT")
        .request_headers("Content-Type")
        .resource_type(ResourceType::Bucket)
        .build();
    assert_eq!(view, expected);
    let (parts, ()) = req.into_parts();
    assert_eq!(request_from_parts(&parts, ResourceType::Bucket), expected);
    assert_eq!(
        request(&parts.method, &parts.headers, ResourceType::Bucket),
        expected
    );

    let get = Request::get("/bucket").body(()).unwrap();
    let view = request_from_http(&get, ResourceType::Object);
    assert_eq!(view.method(), "GET");
    assert_eq!(view.origin(), None);
    assert_eq!(view.request_method(), None);
    assert!(!view.request_headers().has_items());
}

#[test]
fn several_request_header_lines_are_one_list() {
    let engine = engine();
    let req = preflight(
        APP.as_bytes(),
        "PUT",
        &[b"Content-Type", b"X-Amz-Date, x-amz-meta-a", b""],
    );
    let view = request_from_http(&req, ResourceType::Object);
    let items: Vec<&str> = view.request_headers().items().collect();
    assert_eq!(items, ["Content-Type", "X-Amz-Date", "x-amz-meta-a"]);
    let lines: Vec<&str> = view.request_headers().lines().collect();
    assert_eq!(lines, ["Content-Type", "X-Amz-Date, x-amz-meta-a", ""]);
    let decision = engine.evaluate(&view);
    assert!(matches!(decision, Decision::Preflight(_)), "{decision:?}");
    let out = written(&decision, req.headers());
    assert_eq!(
        all(&out, "access-control-allow-headers"),
        ["content-type, x-amz-date, x-amz-meta-a"]
    );

    // A name no entry allows on a later line refuses the whole preflight.
    let req = preflight(APP.as_bytes(), "PUT", &[b"content-type", b"x-other"]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let Decision::Reject(rejection) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(rejection.kind(), RejectionKind::NotAllowed);
}

#[test]
fn written_headers_match_the_decision_headers() {
    let engine = engine();
    let req = preflight(APP.as_bytes(), "PUT", &[b"Content-Type,X-Amz-Date"]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let out = written(&decision, req.headers());
    let expected: Vec<(String, String)> = decision
        .headers()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect();
    let got: Vec<(String, String)> = out
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    assert_eq!(got.len(), expected.len());
    for pair in &expected {
        assert!(got.contains(pair), "{pair:?} missing from {got:?}");
    }
    assert_eq!(
        all(&out, "access-control-allow-headers"),
        ["content-type, x-amz-date"]
    );
    assert_eq!(all(&out, "access-control-allow-methods"), ["GET, PUT"]);
    assert_eq!(all(&out, "access-control-expose-headers"), ["ETag"]);
    assert_eq!(all(&out, "access-control-max-age"), ["3000"]);
    assert_eq!(all(&out, "access-control-allow-credentials"), ["true"]);

    // The `*` rule: no credentials, `*` as the origin.
    let get = Request::get("/bucket/key")
        .header("origin", "https://other.example")
        .body(())
        .unwrap();
    let decision = engine.evaluate(&request_from_http(&get, ResourceType::Object));
    assert!(matches!(decision, Decision::Actual(_)));
    let out = written(&decision, get.headers());
    assert_eq!(all(&out, "access-control-allow-origin"), ["*"]);
    assert!(out.get("access-control-allow-credentials").is_none());
    assert!(out.get("access-control-allow-headers").is_none());
}

#[test]
fn vary_is_appended_and_other_cors_headers_replaced() {
    let engine = engine();
    let req = preflight(APP.as_bytes(), "GET", &[]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let mut out = HeaderMap::new();
    out.insert("vary", HeaderValue::from_static("Accept-Encoding"));
    out.insert(
        "access-control-allow-origin",
        HeaderValue::from_static("https://stale.example"),
    );
    write_headers(&decision, req.headers(), &mut out);
    assert_eq!(
        all(&out, "vary"),
        [
            "Accept-Encoding",
            "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
        ]
    );
    assert_eq!(all(&out, "access-control-allow-origin"), [APP]);

    // The cache-safe policy adds `Vary: Origin` to a request that passes, after the host's.
    let options = EngineOptions::s3().vary(VaryPolicy::Always);
    let always = CorsEngine::compile_with(&engine.configuration().unwrap(), &options).unwrap();
    let get = Request::get("/bucket/key").body(()).unwrap();
    let decision = always.evaluate(&request_from_http(&get, ResourceType::Object));
    assert!(matches!(decision, Decision::Pass(_)));
    let mut out = HeaderMap::new();
    out.insert("vary", HeaderValue::from_static("Accept-Encoding"));
    write_headers(&decision, get.headers(), &mut out);
    assert_eq!(all(&out, "vary"), ["Accept-Encoding", "Origin"]);
}

#[test]
fn the_echoed_origin_reuses_the_request_value() {
    let engine = engine();
    let req = preflight(APP.as_bytes(), "PUT", &[b"content-type, x-amz-date"]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let out = written(&decision, req.headers());
    let echoed = out.get("access-control-allow-origin").unwrap();
    let sent = req.headers().get("origin").unwrap();
    assert_eq!(echoed, sent);
    assert_eq!(
        echoed.as_bytes().as_ptr(),
        sent.as_bytes().as_ptr(),
        "the echoed origin shares the request's bytes"
    );
    // A list already in S3's form is reused too.
    let allow = out.get("access-control-allow-headers").unwrap();
    let requested = req.headers().get("access-control-request-headers").unwrap();
    assert_eq!(allow, "content-type, x-amz-date");
    assert_eq!(allow.as_bytes().as_ptr(), requested.as_bytes().as_ptr());
}

#[test]
fn table_values_are_shared_between_responses() {
    let engine = engine();
    let table = bucket_cors::http::HeaderTable::new(&engine);
    let req = preflight(APP.as_bytes(), "PUT", &[]);
    let view = request_from_http(&req, ResourceType::Object);
    let write = || {
        let mut out = http::HeaderMap::new();
        table.write_headers(&engine.evaluate(&view), req.headers(), &mut out);
        out
    };
    let (first, second) = (write(), write());
    // Without the table, the same values, each made afresh.
    let free = written(&engine.evaluate(&view), req.headers());
    for name in [
        "access-control-allow-methods",
        "access-control-expose-headers",
        "access-control-max-age",
    ] {
        let (a, b) = (first.get(name).unwrap(), second.get(name).unwrap());
        assert_eq!(a, b);
        assert_eq!(a.as_bytes().as_ptr(), b.as_bytes().as_ptr(), "{name}");
        let c = free.get(name).unwrap();
        assert_eq!(a, c);
        assert_ne!(a.as_bytes().as_ptr(), c.as_bytes().as_ptr(), "{name}");
    }
    assert_eq!(first, free);
}

#[test]
fn a_table_of_another_engine_writes_the_right_values() {
    let engine = engine();
    let other = CorsEngine::compile(&CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin(APP)
            .allowed_methods(["DELETE", "POST"])
            .expose_header("x-other")
            .max_age_seconds(1),
    ]))
    .unwrap();
    let req = preflight(APP.as_bytes(), "PUT", &[]);
    let view = request_from_http(&req, ResourceType::Object);
    let decision = engine.evaluate(&view);
    for table in [
        bucket_cors::http::HeaderTable::new(&other),
        bucket_cors::http::HeaderTable::new(&CorsEngine::disabled()),
        bucket_cors::http::HeaderTable::default(),
    ] {
        let mut out = http::HeaderMap::new();
        table.write_headers(&decision, req.headers(), &mut out);
        assert_eq!(out, written(&decision, req.headers()), "{table:?}");
    }
}

#[test]
fn long_and_odd_request_header_lists_are_rendered() {
    let config = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin(APP)
            .allowed_method("PUT")
            .allowed_header("*"),
    ]);
    let engine = CorsEngine::compile(&config).unwrap();
    let names: Vec<String> = (0..40).map(|i| format!("X-Amz-Meta-Field-{i}")).collect();
    let line = names.join(",");
    let req = preflight(APP.as_bytes(), "PUT", &[line.as_bytes()]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let out = written(&decision, req.headers());
    let expected = names.join(", ").to_ascii_lowercase();
    assert!(expected.len() > 256);
    assert_eq!(all(&out, "access-control-allow-headers"), [expected]);

    // Same length as S3's form but not it: rendered, not reused.
    let req = preflight(APP.as_bytes(), "PUT", &[b"a ,b"]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    assert_eq!(
        all(
            &written(&decision, req.headers()),
            "access-control-allow-headers"
        ),
        ["a, b"]
    );
}

#[test]
fn a_non_utf8_origin_is_present_but_matches_nothing() {
    let engine = engine(); // rule 1 allows `*`
    let origin: &[u8] = b"https://caf\xe9.example";
    let req = preflight(origin, "GET", &[]);
    let view = request_from_http(&req, ResourceType::Object);
    assert_eq!(view.origin(), Some(UNDECODABLE));
    let decision = engine.evaluate(&view);
    let Decision::Reject(rejection) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(rejection.kind(), RejectionKind::NotAllowed);
    assert_eq!(rejection.status(), 403);

    let get = Request::get("/bucket/key")
        .header("origin", HeaderValue::from_bytes(origin).unwrap())
        .body(())
        .unwrap();
    let decision = engine.evaluate(&request_from_http(&get, ResourceType::Object));
    let Decision::Pass(pass) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(pass.reason(), PassReason::NoMatch);
    assert!(written(&decision, get.headers()).is_empty());
}

#[test]
fn a_utf8_origin_beyond_ascii_matches_and_is_echoed() {
    let origin = "https://café.example";
    let config = CorsConfiguration::new(vec![
        CorsRule::new().allowed_origin(origin).allowed_method("GET"),
    ]);
    let engine = CorsEngine::compile(&config).unwrap();
    let req = preflight(origin.as_bytes(), "GET", &[]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let out = written(&decision, req.headers());
    assert_eq!(
        out.get("access-control-allow-origin").unwrap().as_bytes(),
        origin.as_bytes()
    );
}

#[test]
fn non_utf8_request_headers_and_method_are_refused() {
    let engine = engine();
    // Even the rule with `AllowedHeader *` does not allow a list that is not text.
    let req = preflight(b"https://other.example", "GET", &[b"x-a\xff"]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let Decision::Reject(rejection) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(rejection.kind(), RejectionKind::NotAllowed);
    // Also when the undecodable value is one of several lines.
    let req = preflight(b"https://other.example", "GET", &[b"x-a", b"\xff"]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    assert!(matches!(decision, Decision::Reject(_)), "{decision:?}");
    // Without the bad line, the same preflight is allowed.
    let req = preflight(b"https://other.example", "GET", &[b"x-a"]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    assert!(matches!(decision, Decision::Preflight(_)), "{decision:?}");

    let mut req = preflight(APP.as_bytes(), "GET", &[]);
    req.headers_mut().insert(
        "access-control-request-method",
        HeaderValue::from_bytes(b"G\xc9T").unwrap(),
    );
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let Decision::Reject(rejection) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(rejection.kind(), RejectionKind::InvalidRequestMethod);
    assert_eq!(rejection.status(), 400);
}

#[test]
fn rejections_become_s3_error_responses() {
    let engine = engine();
    let req = preflight(b"https://evil.example", "PUT", &[]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Bucket));
    let Decision::Reject(rejection) = decision else {
        panic!("{decision:?}")
    };
    let response: Response<String> = rejection_response(&rejection, "REQ1", "HOST1");
    assert_eq!(response.status(), 403);
    assert_eq!(all(response.headers(), "content-type"), ["application/xml"]);
    assert!(response.headers().get("vary").is_none());
    assert_eq!(response.body(), &rejection.to_xml("REQ1", "HOST1"));
    assert!(
        response
            .body()
            .contains("<ResourceType>BUCKET</ResourceType>")
    );

    let via_respond: Response<Vec<u8>> =
        respond(&decision, req.headers(), "REQ1", "HOST1").unwrap();
    assert_eq!(via_respond.status(), 403);
    assert_eq!(via_respond.body(), response.body().as_bytes());

    // Missing origin: 400, and the cache-safe policy's Vary.
    let options = EngineOptions::s3().vary(VaryPolicy::Always);
    let always = CorsEngine::compile_with(&engine.configuration().unwrap(), &options).unwrap();
    let req = Request::options("/bucket/key")
        .header("access-control-request-method", "GET")
        .body(())
        .unwrap();
    let decision = always.evaluate(&request_from_http(&req, ResourceType::Object));
    let response: Response<String> = respond(&decision, req.headers(), "R", "H").unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(all(response.headers(), "vary"), ["Origin"]);
    assert!(response.body().contains("<Code>BadRequest</Code>"));
}

#[test]
fn respond_answers_preflights_only() {
    let engine = engine();
    let req = preflight(APP.as_bytes(), "GET", &[]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let response: Response<String> = respond(&decision, req.headers(), "R", "H").unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty());
    assert_eq!(
        all(response.headers(), "access-control-allow-origin"),
        [APP]
    );

    let get = Request::get("/bucket/key")
        .header("origin", APP)
        .body(())
        .unwrap();
    let decision = engine.evaluate(&request_from_http(&get, ResourceType::Object));
    assert!(matches!(decision, Decision::Actual(_)));
    assert!(respond::<String>(&decision, get.headers(), "R", "H").is_none());
    let builder = write_to_builder(
        &decision,
        get.headers(),
        Response::builder()
            .status(404)
            .header("vary", "Accept-Encoding"),
    );
    let response = builder.body(()).unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        all(response.headers(), "access-control-allow-origin"),
        [APP]
    );
    assert_eq!(response.headers().get_all("vary").iter().count(), 2);
}

// The S3 vectors, through `http::Request` → view → `write_headers` / `respond`.

fn check_vector(v: &Vector) -> Result<(), String> {
    let engine = v.engine()?;
    let req = v.request();
    let method = Method::from_bytes(req.method.as_bytes()).unwrap();
    let path = req.path.as_str();
    let mut builder = Request::builder().method(method.clone()).uri(path);
    for (name, value) in &req.headers {
        builder = builder.header(HeaderName::from_bytes(name.as_bytes()).unwrap(), value);
    }
    let request = builder.body(()).unwrap();
    let key = path.split('?').next().unwrap().trim_start_matches('/');
    let resource = match key.split_once('/') {
        Some((_, object)) if !object.is_empty() => ResourceType::Object,
        _ => ResourceType::Bucket,
    };
    let view = request_from_http(&request, resource);
    let decision = if v.bucket_exists {
        engine.evaluate(&view)
    } else {
        CorsEngine::evaluate_missing_bucket(&view)
    };
    let expect = &v.expect;
    let mut problems = Vec::new();
    let headers = if method == Method::OPTIONS {
        let response: Response<String> =
            respond(&decision, request.headers(), "R", "H").ok_or("a preflight got no response")?;
        if response.status().as_u16() != expect.status {
            problems.push(format!("status {}", response.status()));
        }
        if let Some(code) = &expect.error_code {
            if !response.body().contains(&format!("<Code>{code}</Code>")) {
                problems.push(format!("body {}", response.body()));
            }
        }
        response.headers().clone()
    } else {
        written(&decision, request.headers())
    };
    for (name, value) in &expect.headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if name.eq_ignore_ascii_case("content-type") && method != Method::OPTIONS {
            continue;
        }
        let got = all(&headers, name);
        if got != [value.as_str()] {
            problems.push(format!("{name}: {got:?} != {value}"));
        }
    }
    for name in &expect.absent {
        if headers.contains_key(name.as_str()) {
            problems.push(format!("{name} present"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn s3_vectors_through_http_types() {
    const HOST_ONLY: &[&str] = &["actual-list-buckets-never-cors"];
    let mut ran = 0;
    let mut failures = Vec::new();
    for v in vectors::of(&[Kind::Preflight, Kind::Actual]) {
        if HOST_ONLY.contains(&v.name.as_str()) {
            continue;
        }
        ran += 1;
        if let Err(why) = check_vector(v) {
            failures.push(format!("{}: {why}", v.name));
        }
    }
    assert!(ran > 30, "only {ran} vectors ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn header_lines_from_a_map_compare_and_debug() {
    let req = preflight(APP.as_bytes(), "PUT", &[b"a", b"b"]);
    let view = request_from_http(&req, ResourceType::Object);
    assert_eq!(format!("{:?}", view.request_headers()), r#"["a", "b"]"#);
    assert_ne!(view.request_headers(), HeaderLines::one("a, b"));
    assert_eq!(view, request_from_http(&req, ResourceType::Object));
}

#[test]
fn a_request_with_many_headers_gives_the_same_view() {
    let mut req = preflight(APP.as_bytes(), "PUT", &[b"content-type", b"x-amz-date"]);
    let small = format!("{:?}", request_from_http(&req, ResourceType::Object));
    for i in 0..40 {
        req.headers_mut().insert(
            HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).unwrap(),
            HeaderValue::from_static("1"),
        );
    }
    // A second Origin line is ignored either way: the first one counts.
    req.headers_mut()
        .append("origin", HeaderValue::from_static("https://second.example"));
    let view = request_from_http(&req, ResourceType::Object);
    assert_eq!(format!("{view:?}"), small);
    assert_eq!(view.origin(), Some(APP));
    let items: Vec<&str> = view.request_headers().items().collect();
    assert_eq!(items, ["content-type", "x-amz-date"]);
    assert!(matches!(engine().evaluate(&view), Decision::Preflight(_)));
}

/// A `Vary` name the host's `Vary` already lists is not written again (found by the `http`
/// fuzz target: a host `Vary: origin` got a second `Origin`).
#[test]
fn vary_names_the_host_already_lists_are_not_repeated() {
    let engine = engine();
    let req = preflight(APP.as_bytes(), "GET", &[]);
    let decision = engine.evaluate(&request_from_http(&req, ResourceType::Object));
    let written = |host: &[&'static str]| {
        let mut out = HeaderMap::new();
        for value in host {
            out.append("vary", HeaderValue::from_static(value));
        }
        write_headers(&decision, req.headers(), &mut out);
        all(&out, "vary")
    };
    assert_eq!(
        written(&["origin"]),
        [
            "origin",
            "Access-Control-Request-Headers, Access-Control-Request-Method"
        ]
    );
    assert_eq!(
        written(&[
            "Accept-Encoding, ORIGIN",
            "access-control-request-method,Access-Control-Request-Headers"
        ]),
        [
            "Accept-Encoding, ORIGIN",
            "access-control-request-method,Access-Control-Request-Headers"
        ]
    );
    assert_eq!(written(&["*"]), ["*"]);
}
