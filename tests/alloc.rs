//! `CorsEngine::evaluate` allocates nothing: every benchmark case, and the paths the cases do
//! not reach (names in upper case, several header lines, long names, rejections), counted
//! with a counting global allocator.

use bucket_cors::{CorsEngine, CorsRequest, Decision, HeaderLines, ResourceType};

#[path = "../benches/support/cases.rs"]
mod cases;

use cases::{APP, CASES, Config, TEN_HEADERS};

/// Evaluates `request` a few times and returns the allocations made, asserting the rule.
fn allocations(engine: &CorsEngine, request: &CorsRequest<'_>, rule: Option<usize>) -> u64 {
    // Outside the count: anything lazily set up on first use.
    assert_eq!(engine.evaluate(request).matched_rule(), rule, "{request:?}");
    let info = allocation_counter::measure(|| {
        for _ in 0..10 {
            let decision = engine.evaluate(std::hint::black_box(request));
            std::hint::black_box(&decision);
        }
    });
    info.count_total
}

#[test]
fn the_counter_counts() {
    let info = allocation_counter::measure(|| {
        std::hint::black_box(String::from("allocates"));
    });
    assert_eq!(info.count_total, 1);
}

#[test]
fn every_benchmark_case_allocates_nothing() {
    assert!(CASES.len() >= 14);
    for case in CASES {
        let engine = case.config.engine();
        let view = case.view();
        assert_eq!(allocations(&engine, &view, case.rule), 0, "{}", case.name);
    }
}

#[test]
fn the_named_cases_allocate_nothing() {
    let engine = Config::OneRule.engine();
    let base = CorsRequest::builder("OPTIONS")
        .origin(APP)
        .request_method("PUT");
    let preflight = base.build();
    let cases = [
        ("preflight hit", preflight, Some(0)),
        (
            "preflight miss",
            base.origin("https://evil.example").build(),
            None,
        ),
        (
            "actual hit",
            CorsRequest::builder("GET").origin(APP).build(),
            Some(0),
        ),
        (
            "preflight with ten requested headers",
            base.request_headers(TEN_HEADERS).build(),
            Some(0),
        ),
    ];
    for (name, request, rule) in cases {
        assert_eq!(allocations(&engine, &request, rule), 0, "{name}");
    }
}

#[test]
fn the_slower_paths_allocate_nothing() {
    let engine = Config::HundredWildcard.engine();
    let upper = TEN_HEADERS.to_ascii_uppercase().replace(',', " , ");
    let long = format!("x-amz-{}", "a".repeat(200));
    let lines = ["content-type", "X-Amz-Date,x-amz-acl", ""];
    let origin = "https://app.tenant7.example.com";
    let base = CorsRequest::builder("OPTIONS")
        .origin(origin)
        .request_method("PUT")
        .resource_type(ResourceType::Bucket);
    let preflight = base.build();
    let cases = [
        (
            "upper-case names",
            base.request_headers(&upper).build(),
            Some(7),
        ),
        ("a long name", base.request_headers(&long).build(), Some(7)),
        (
            "several lines",
            base.request_headers(HeaderLines::many(&lines)).build(),
            Some(7),
        ),
        (
            "a name no rule allows",
            base.request_headers("x-other").build(),
            None,
        ),
        ("not a token", base.request_headers("a b").build(), None),
        (
            "a control character in the origin",
            base.origin("https://app.tenant7.example.com\u{1}").build(),
            None,
        ),
        (
            "no request method",
            CorsRequest::builder("OPTIONS").origin(origin).build(),
            None,
        ),
        ("no origin", CorsRequest::builder("OPTIONS").build(), None),
    ];
    for (name, request, rule) in cases {
        assert_eq!(allocations(&engine, &request, rule), 0, "{name}");
    }
    let disabled = CorsEngine::disabled();
    assert_eq!(allocations(&disabled, &preflight, None), 0, "disabled");
    let decision = disabled.evaluate(&preflight);
    assert!(matches!(decision, Decision::Reject(_)));
}

#[cfg(feature = "http")]
#[test]
fn building_the_view_from_http_types_allocates_nothing() {
    for case in CASES {
        let engine = case.config.engine();
        let request = case.http_request();
        let info = allocation_counter::measure(|| {
            let view = bucket_cors::http::request_from_http(&request, ResourceType::Object);
            std::hint::black_box(engine.evaluate(&view).matched_rule());
        });
        assert_eq!(info.count_total, 0, "{}", case.name);
    }
}

/// Writing a decision into a fresh `HeaderMap` with a `HeaderTable` allocates only the map's
/// own storage (and, when the requested list is not already in S3's form, the rendered
/// `Access-Control-Allow-Headers`): the echoed origin and the table's values are shared.
/// Without a table, each of the rule's three values (methods, exposed headers, max age) is
/// made from its text, at least one allocation each.
#[cfg(feature = "http")]
#[test]
fn writing_headers_allocates_only_the_map() {
    for case in CASES {
        let engine = case.config.engine();
        let table = bucket_cors::http::HeaderTable::new(&engine);
        let request = case.http_request();
        let view = bucket_cors::http::request_from_http(&request, ResourceType::Object);
        let decision = engine.evaluate(&view);
        // Once outside the count: the request's own values become shared on first clone.
        let mut warm = http::HeaderMap::new();
        table.write_headers(&decision, request.headers(), &mut warm);
        let with_table = allocation_counter::measure(|| {
            let mut response = http::HeaderMap::new();
            table.write_headers(&decision, request.headers(), &mut response);
            std::hint::black_box(&response);
        });
        let without = allocation_counter::measure(|| {
            let mut response = http::HeaderMap::new();
            bucket_cors::http::write_headers(&decision, request.headers(), &mut response);
            std::hint::black_box(&response);
        });
        let rendered = case
            .request_headers
            .is_some_and(|line| line.contains(',') && case.rule.is_some());
        let expected = match (case.rule, rendered) {
            (None, _) => 0,
            (Some(_), false) => 2,
            (Some(_), true) => 3,
        };
        assert_eq!(with_table.count_total, expected, "{}", case.name);
        if case.rule.is_some() {
            assert!(without.count_total >= expected + 3, "{}", case.name);
        } else {
            assert_eq!(without.count_total, 0, "{}", case.name);
        }
    }
}
