//! Every engine and validation vector of `tests/data/s3-vectors.json` (real S3 recordings and
//! S3-compatible suites), run against the library.

use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRequest, Decision, HeaderLines, ResourceType,
};
use serde_json::Value;

mod vectors;

/// Vectors only a host can answer (a listing of buckets; the integrity-header rule).
const HOST_ONLY: &[&str] = &[
    "actual-list-buckets-never-cors",
    "validate-missing-integrity-header",
];

fn header<'a>(headers: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

fn check_validate(v: &Value) -> Result<(), String> {
    let xml = v["xml"].as_str().unwrap();
    let expect = &v["expect"];
    let result = CorsConfiguration::from_s3_xml(xml.as_bytes()).and_then(|c| c.validate());
    match (expect["error_code"].as_str(), result) {
        (None, Ok(())) => Ok(()),
        (None, Err(e)) => Err(format!("expected valid, got {e}")),
        (Some(code), Ok(())) => Err(format!("expected {code}, got valid")),
        (Some(code), Err(e)) => {
            let mut problems = Vec::new();
            if e.s3_code().as_str() != code {
                problems.push(format!("code {} != {code}", e.s3_code()));
            }
            if u64::from(e.status()) != expect["status"].as_u64().unwrap() {
                problems.push(format!("status {}", e.status()));
            }
            if let Some(message) = expect["message"].as_str() {
                if e.s3_message() != message {
                    problems.push(format!("message {:?} != {message:?}", e.s3_message()));
                }
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("; "))
            }
        }
    }
}

fn check_engine(v: &Value) -> Result<(), String> {
    let engine = vectors::engine(v)?;
    let req = &v["request"];
    let method = req["method"].as_str().unwrap();
    let headers = req["headers"].as_object().unwrap();
    let path = req["path"].as_str().unwrap().split('?').next().unwrap();
    let mut builder =
        CorsRequest::builder(method).resource_type(if path == "/" || path.is_empty() {
            ResourceType::Bucket
        } else {
            ResourceType::Object
        });
    if let Some(origin) = header(headers, "Origin") {
        builder = builder.origin(origin);
    }
    if let Some(m) = header(headers, "Access-Control-Request-Method") {
        builder = builder.request_method(m);
    }
    if let Some(h) = header(headers, "Access-Control-Request-Headers") {
        builder = builder.request_headers(HeaderLines::one(h));
    }
    let request = builder.build();
    let decision = if v.get("bucket_exists") == Some(&Value::Bool(false)) {
        CorsEngine::evaluate_missing_bucket(&request)
    } else {
        engine.evaluate(&request)
    };
    let expect = &v["expect"];
    let mut problems = Vec::new();
    if method == "OPTIONS" {
        let status = decision.status().map(u64::from);
        if status != expect["status"].as_u64() {
            problems.push(format!("status {status:?}"));
        }
        let (code, message, err_method, resource) = match &decision {
            Decision::Reject(r) => (
                Some(r.code().as_str()),
                Some(r.message().to_string()),
                r.error_method(),
                r.resource_type().map(|t| t.as_str()),
            ),
            _ => (None, None, None, None),
        };
        if code != expect["error_code"].as_str() {
            problems.push(format!("code {code:?}"));
        }
        if let Some(err) = expect.get("error") {
            if let Some(m) = err.get("Message").and_then(Value::as_str) {
                if message.as_deref() != Some(m) {
                    problems.push(format!("message {message:?}"));
                }
            }
            if let Some(m) = err.get("Method").and_then(Value::as_str) {
                if err_method != Some(m) {
                    problems.push(format!("method {err_method:?}"));
                }
            }
            if let Some(t) = err.get("ResourceType").and_then(Value::as_str) {
                if resource != Some(t) {
                    problems.push(format!("resource type {resource:?}"));
                }
            }
        }
    } else if decision.status().is_some() {
        problems.push("a non-OPTIONS request got a status".to_owned());
    }
    let emitted: Vec<(String, String)> = decision
        .headers()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect();
    let get = |name: &str| {
        emitted
            .iter()
            .find(|(n, _)| *n == name.to_ascii_lowercase())
            .map(|(_, v)| v.clone())
    };
    for (name, value) in expect["headers"].as_object().unwrap() {
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("content-type")
        {
            continue;
        }
        if get(name).as_deref() != value.as_str() {
            problems.push(format!("{name}: {:?} != {value}", get(name)));
        }
    }
    for name in expect["absent"].as_array().unwrap() {
        let name = name.as_str().unwrap();
        if let Some(value) = get(name) {
            problems.push(format!("{name} present ({value:?})"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn run(kinds: &[&str], check: fn(&Value) -> Result<(), String>) {
    let mut ran = 0;
    let mut failures = Vec::new();
    for v in vectors::all() {
        let name = v["name"].as_str().unwrap();
        if !kinds.contains(&v["kind"].as_str().unwrap()) || HOST_ONLY.contains(&name) {
            continue;
        }
        ran += 1;
        if let Err(why) = check(&v) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(ran > 10, "only {ran} vectors ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} vectors fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn validate_vectors() {
    run(&["validate"], check_validate);
}

#[test]
fn preflight_and_actual_vectors() {
    run(&["preflight", "actual"], check_engine);
}
