//! Drives the `http` adapter with arbitrary header maps: repeated, empty, huge and non-UTF-8
//! values, any method, and a response that may already carry a `Vary`. Properties: no panic;
//! the decision equals the one from the plain request view built by hand from the same
//! headers; every header written is a legal field value; the `Vary` tokens written are not
//! repeated, neither among themselves nor with the ones the response already had.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use bucket_cors::adapter::http::{request, write_headers};
use bucket_cors::{CorsConfiguration, Decision, ResourceType};
use cors_fuzz::headers::{Value, compile_for, plain_view, text, value, vary_tokens};
use http::Method;
use http::header::{self, HeaderMap, HeaderName};
use libfuzzer_sys::fuzz_target;

/// The header names a map is drawn from: the ones the adapter reads, and a few it must skip.
const NAMES: [HeaderName; 7] = [
    header::ORIGIN,
    header::ACCESS_CONTROL_REQUEST_METHOD,
    header::ACCESS_CONTROL_REQUEST_HEADERS,
    header::VARY,
    header::CONTENT_TYPE,
    header::HOST,
    header::ACCEPT,
];

const METHODS: [&str; 8] = [
    "OPTIONS", "GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "options",
];

/// One header of the fuzzed map.
#[derive(Debug, Arbitrary)]
struct Entry {
    name: u8,
    value: Value,
}

#[derive(Debug, Arbitrary)]
struct Input {
    flags: u8,
    method: u8,
    entries: Vec<Entry>,
    vary: Vec<Value>,
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut config) = CorsConfiguration::arbitrary(&mut u) else {
        return;
    };
    let Ok(input) = Input::arbitrary(&mut u) else {
        return;
    };
    let Some((engine, pool)) = compile_for(&mut config, input.flags) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for entry in input.entries.iter().take(64) {
        let name = NAMES[usize::from(entry.name) % NAMES.len()].clone();
        if let Some(value) = value(&entry.value, &pool) {
            headers.append(name, value);
        }
    }
    let method = Method::from_bytes(METHODS[usize::from(input.method) % METHODS.len()].as_bytes())
        .expect("a token");
    let resource = if input.flags & 4 != 0 {
        ResourceType::Bucket
    } else {
        ResourceType::Object
    };

    let adapted = request(&method, &headers, resource);
    let decision = engine.evaluate(&adapted);
    let lines: Vec<&str> = headers
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .map(text)
        .collect();
    let plain = plain_view(
        method.as_str(),
        headers.get(header::ORIGIN).map(text),
        headers.get(header::ACCESS_CONTROL_REQUEST_METHOD).map(text),
        &lines,
        resource,
    );
    let expected = engine.evaluate(&plain);
    assert_eq!(kind(&decision), kind(&expected));
    assert_eq!(decision.matched_rule(), expected.matched_rule());

    let mut response = HeaderMap::new();
    for vary in input.vary.iter().take(4) {
        if let Some(value) = value(vary, &["Origin", "origin", "Accept-Encoding"]) {
            response.append(header::VARY, value);
        }
    }
    let before = vary_tokens(&response);
    let mut from_plain = response.clone();
    write_headers(&decision, &headers, &mut response);
    write_headers(&expected, &headers, &mut from_plain);
    assert_eq!(
        response, from_plain,
        "the adapter's view and the plain view write alike"
    );
    for (name, value) in &response {
        assert!(
            value
                .as_bytes()
                .iter()
                .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f)),
            "{name}: {value:?}"
        );
    }
    let after = vary_tokens(&response);
    let added = &after[before.len()..];
    for (at, token) in added.iter().enumerate() {
        assert!(
            !added[..at].contains(token) && !before.contains(token),
            "Vary {token} written twice: {after:?}"
        );
    }
});

fn kind(decision: &Decision<'_>) -> &'static str {
    match decision {
        Decision::Pass(_) => "pass",
        Decision::Preflight(_) => "preflight",
        Decision::Actual(_) => "actual",
        Decision::Reject(_) => "reject",
        _ => "other",
    }
}
