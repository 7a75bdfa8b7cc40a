//! Every engine and validation vector of `tests/data/s3-vectors.json` (real S3 recordings and
//! S3-compatible suites), run against the library.

use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRequest, Decision, HeaderLines, ResourceType,
};

mod vectors;

use vectors::{Kind, Vector};

/// The one place this file builds a `CorsRequest`.
fn cors_request(request: &vectors::Request) -> CorsRequest<'_> {
    let resource = if request.names_bucket() {
        ResourceType::Bucket
    } else {
        ResourceType::Object
    };
    let mut view = CorsRequest::builder(&request.method).resource_type(resource);
    if let Some(origin) = request.origin() {
        view = view.origin(origin);
    }
    if let Some(method) = request.request_method() {
        view = view.request_method(method);
    }
    if let Some(headers) = request.request_headers() {
        view = view.request_headers(HeaderLines::one(headers));
    }
    view.build()
}

fn check_validate(v: &Vector) -> Result<(), String> {
    let expect = &v.expect;
    let result = CorsConfiguration::from_s3_xml(v.xml().as_bytes()).and_then(|c| c.validate());
    match (expect.error_code.as_deref(), result) {
        (None, Ok(())) => Ok(()),
        (None, Err(e)) => Err(format!("expected valid, got {e}")),
        (Some(code), Ok(())) => Err(format!("expected {code}, got valid")),
        (Some(code), Err(e)) => {
            let mut problems = Vec::new();
            if e.s3_code().as_str() != code {
                problems.push(format!("code {} != {code}", e.s3_code()));
            }
            if e.status() != expect.status {
                problems.push(format!("status {}", e.status()));
            }
            if let Some(message) = expect.message.as_deref() {
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

fn check_engine(v: &Vector) -> Result<(), String> {
    let engine = v.engine()?;
    let request = v.request();
    let view = cors_request(request);
    let decision = if v.bucket_exists {
        engine.evaluate(&view)
    } else {
        CorsEngine::evaluate_missing_bucket(&view)
    };
    let expect = &v.expect;
    let mut problems = Vec::new();
    if request.method == "OPTIONS" {
        let status = decision.status();
        if status != Some(expect.status) {
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
        if code != expect.error_code.as_deref() {
            problems.push(format!("code {code:?}"));
        }
        if let Some(m) = expect.error.get("Message") {
            if message.as_deref() != Some(m) {
                problems.push(format!("message {message:?}"));
            }
        }
        if let Some(m) = expect.error.get("Method") {
            if err_method != Some(m) {
                problems.push(format!("method {err_method:?}"));
            }
        }
        if let Some(t) = expect.error.get("ResourceType") {
            if resource != Some(t) {
                problems.push(format!("resource type {resource:?}"));
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
    for (name, value) in &expect.headers {
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("content-type")
        {
            continue;
        }
        if get(name).as_deref() != Some(value) {
            problems.push(format!("{name}: {:?} != {value:?}", get(name)));
        }
    }
    for name in &expect.absent {
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

fn run(kinds: &[Kind], check: fn(&Vector) -> Result<(), String>) {
    let mut ran = 0;
    let mut failures = Vec::new();
    for v in vectors::of(kinds).filter(|v| !v.host_only()) {
        ran += 1;
        if let Err(why) = check(v) {
            failures.push(format!("{}: {why}", v.name));
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
fn the_vector_file_reads_into_its_types() {
    let count = |kind| vectors::of(&[kind]).count();
    assert_eq!(
        [
            count(Kind::Preflight),
            count(Kind::Actual),
            count(Kind::Api),
            count(Kind::Validate)
        ],
        [29, 15, 7, 14]
    );
    let mut names: Vec<&str> = vectors::all().iter().map(|v| v.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), vectors::all().len(), "vector names repeat");
    for v in vectors::all() {
        match v.kind {
            Kind::Validate => assert!(v.xml.is_some() && v.request.is_none(), "{}", v.name),
            _ => assert!(v.xml.is_none() && v.request.is_some(), "{}", v.name),
        }
        if let Some(config) = &v.config {
            config
                .to_configuration()
                .unwrap_or_else(|e| panic!("{}: the configuration does not read: {e}", v.name));
        }
    }
    for name in vectors::HOST_ONLY {
        assert!(
            vectors::all().iter().any(|v| v.name == *name),
            "{name} is not a vector"
        );
    }
}

#[test]
fn validate_vectors() {
    run(&[Kind::Validate], check_validate);
}

#[test]
fn preflight_and_actual_vectors() {
    run(&[Kind::Preflight, Kind::Actual], check_engine);
}
