//! The `bucket-cors` command, run as a process: exit codes, human output and the JSON
//! contracts, on the shipped sample configurations and on the S3 vectors.
#![cfg(feature = "cli")]

use std::path::Path;

use bucket_cors::{CorsConfiguration, Format};
use serde_json::Value;

mod command;
mod vectors;

use command::{ROOT, TempFile, run, run_with_stdin};

use vectors::{Kind, Vector};

fn sample(name: &str) -> String {
    format!("tests/data/samples/{name}")
}

/// What each shipped sample is: detected format, S3-valid, and its lint codes by rule.
struct Sample {
    name: &'static str,
    format: &'static str,
    /// `None` when S3 accepts it; otherwise S3's code (and `--lenient` accepts it).
    invalid: Option<&'static str>,
    lints: &'static [(usize, &'static str)],
}

const SAMPLES: &[Sample] = &[
    Sample {
        name: "azure-cors-only.xml",
        format: "azure-xml",
        invalid: None,
        lints: &[(0, "etag-not-exposed"), (0, "max-age-too-long")],
    },
    Sample {
        name: "azure-service-properties.xml",
        format: "azure-xml",
        invalid: None,
        lints: &[(0, "etag-not-exposed")],
    },
    Sample {
        name: "b2-s3-operations.json",
        format: "b2-json",
        invalid: None,
        lints: &[],
    },
    Sample {
        name: "b2-update-bucket.json",
        format: "b2-json",
        invalid: None,
        lints: &[],
    },
    Sample {
        name: "boto3-full-rule.json",
        format: "json",
        invalid: None,
        lints: &[],
    },
    Sample {
        name: "gcs-bucket-cors.json",
        format: "gcs-json",
        invalid: None,
        lints: &[(0, "needless-expose-header")],
    },
    Sample {
        name: "gcs-bucket-resource.json",
        format: "gcs-json",
        invalid: None,
        lints: &[(0, "needless-expose-header")],
    },
    Sample {
        name: "gcs-gcloud-array.json",
        format: "gcs-json",
        invalid: None,
        lints: &[
            (0, "etag-not-exposed"),
            (0, "needless-expose-header"),
            (1, "wildcard-origin-write"),
            (1, "etag-not-exposed"),
        ],
    },
    Sample {
        name: "linode-example-com.xml",
        format: "s3-xml",
        invalid: None,
        lints: &[
            (0, "insecure-origin"),
            (0, "insecure-origin"),
            (0, "needless-expose-header"),
            (1, "insecure-origin"),
            (1, "insecure-origin"),
        ],
    },
    Sample {
        name: "linode-open.xml",
        format: "s3-xml",
        invalid: Some("InvalidRequest"),
        lints: &[(0, "wildcard-origin-write")],
    },
    Sample {
        name: "linode-public-read.xml",
        format: "s3-xml",
        invalid: None,
        lints: &[],
    },
    Sample {
        name: "linode-stored-with-namespace.xml",
        format: "s3-xml",
        invalid: None,
        lints: &[(0, "wildcard-origin-write"), (0, "etag-not-exposed")],
    },
    Sample {
        name: "oss-public-read.xml",
        format: "oss-xml",
        invalid: None,
        lints: &[],
    },
    Sample {
        name: "ovh-my-app.json",
        format: "json",
        invalid: None,
        lints: &[(0, "needless-expose-header")],
    },
    Sample {
        name: "r2-api-response.json",
        format: "r2-json",
        invalid: None,
        lints: &[(0, "max-age-too-long")],
    },
    Sample {
        name: "r2-policy.json",
        format: "r2-json",
        invalid: None,
        lints: &[],
    },
    Sample {
        name: "www-example-com.json",
        format: "json",
        invalid: None,
        lints: &[(0, "insecure-origin")],
    },
    Sample {
        name: "www-example-com.xml",
        format: "s3-xml",
        invalid: None,
        lints: &[(0, "insecure-origin")],
    },
];

#[test]
fn every_shipped_sample_is_described() {
    let dir = Path::new(ROOT).join("tests/data/samples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let described: Vec<&str> = SAMPLES.iter().map(|s| s.name).collect();
    assert_eq!(names, described, "add the new sample to SAMPLES");
}

#[test]
fn validate_every_sample() {
    for s in SAMPLES {
        let path = sample(s.name);
        let human = run(&["validate", &path]);
        let json = run(&["validate", &path, "--json"]).json();
        let lenient = run(&["validate", &path, "--lenient"]);
        assert_eq!(lenient.code, 0, "{lenient:?}");
        match s.invalid {
            None => {
                assert_eq!(human.code, 0, "{human:?}");
                assert!(
                    human
                        .stdout
                        .starts_with(&format!("{path}: valid ({}, ", s.format)),
                    "{human:?}"
                );
                assert_eq!(
                    json,
                    serde_json::json!({"valid": true, "error_code": null, "status": null,
                        "message": null, "rule": null})
                );
            }
            Some(code) => {
                assert_eq!(human.code, 1, "{human:?}");
                assert!(
                    human.stdout.contains(&format!("S3 answers 400 {code}")),
                    "{human:?}"
                );
                assert_eq!(json["valid"], false);
                assert_eq!(json["error_code"], code);
                assert_eq!(json["status"], 400);
                assert_eq!(json["rule"], 0);
            }
        }
    }
}

#[test]
fn lint_every_sample() {
    for s in SAMPLES {
        let path = sample(s.name);
        let mut args = vec!["lint", path.as_str(), "--json"];
        if s.invalid.is_some() {
            args.push("--lenient");
        }
        let out = run(&args);
        assert_eq!(out.code, i32::from(!s.lints.is_empty()), "{out:?}");
        let json = out.json();
        let got: Vec<(usize, String)> = json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                assert!(w["message"].as_str().is_some_and(|m| !m.is_empty()), "{w}");
                assert!(w["fix"].as_str().is_some_and(|m| !m.is_empty()), "{w}");
                (
                    w["rule"].as_u64().unwrap() as usize,
                    w["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want: Vec<(usize, String)> =
            s.lints.iter().map(|(r, c)| (*r, (*c).to_owned())).collect();
        assert_eq!(got, want, "{}", s.name);

        args.retain(|a| *a != "--json");
        let human = run(&args);
        assert_eq!(human.code, out.code);
        let summary = match s.lints.len() {
            0 => "no warnings".to_owned(),
            1 => "1 warning".to_owned(),
            n => format!("{n} warnings"),
        };
        assert!(
            human.stdout.ends_with(&format!("{path}: {summary}\n")),
            "{human:?}"
        );
        for (rule, code) in s.lints {
            assert!(
                human.stdout.contains(&format!("{path}: rule {rule}: "))
                    && human.stdout.contains(&format!("[{code}]\n  fix: ")),
                "{human:?}"
            );
        }
    }
}

#[test]
fn convert_every_sample_to_every_format() {
    for s in SAMPLES {
        let path = sample(s.name);
        let original =
            CorsConfiguration::parse(&std::fs::read(Path::new(ROOT).join(&path)).unwrap())
                .unwrap()
                .1;
        for (to, format) in [
            ("s3-xml", Format::S3Xml),
            ("json", Format::Json),
            ("oss-xml", Format::OssXml),
        ] {
            let mut args = vec!["convert", path.as_str(), "--to", to];
            if s.invalid.is_some() {
                args.push("--lenient");
            }
            let out = run(&args);
            assert_eq!(out.code, 0, "{out:?}");
            let converted = CorsConfiguration::parse_as(out.stdout.as_bytes(), format)
                .unwrap_or_else(|e| panic!("{} to {to}: {e}\n{}", s.name, out.stdout));
            let mut expected = original.clone();
            if format == Format::OssXml {
                for rule in &mut expected.rules {
                    rule.id = None;
                }
            } else {
                expected.response_vary = None;
            }
            assert_eq!(converted, expected, "{} to {to}", s.name);
            // What convert writes, validate reads back.
            let mut check = vec!["validate", "-", "--format", to];
            if s.invalid.is_some() {
                check.push("--lenient");
            }
            let back = run_with_stdin(&check, out.stdout.as_bytes());
            assert_eq!(back.code, 0, "{back:?}");
        }
    }
}

#[test]
fn convert_notes_what_the_target_format_cannot_hold() {
    let oss = run(&["convert", &sample("oss-public-read.xml"), "--to", "json"]);
    assert_eq!(oss.code, 0);
    assert!(oss.stderr.contains("response vary"), "{oss:?}");
    let ids = run(&[
        "convert",
        &sample("boto3-full-rule.json"),
        "--to",
        "oss-xml",
    ]);
    assert_eq!(ids.code, 0);
    assert!(ids.stderr.contains("rule 0, id (label)"), "{ids:?}");
    assert!(!ids.stdout.contains("<ID>"), "{ids:?}");
    let quiet = run(&["convert", &sample("boto3-full-rule.json"), "--to", "s3-xml"]);
    assert_eq!(quiet.stderr, "");
    assert!(
        quiet.stdout.contains("<ID>uploads-from-app</ID>"),
        "{quiet:?}"
    );
}

// ---- the S3 vectors, through the JSON contracts ----

/// The vectors the engine answers: not those a host answers (missing buckets, listings, the
/// integrity header), nor API calls.
fn engine_vector(v: &&Vector) -> bool {
    matches!(v.kind, Kind::Preflight | Kind::Actual)
        && !v.host_only()
        && v.bucket_exists
        && v.request_headers_absent.is_empty()
}

#[test]
fn validate_vectors() {
    let mut checked = 0;
    for v in vectors::of(&[Kind::Validate]).filter(|v| !v.host_only()) {
        let out = run_with_stdin(&["validate", "-", "--json"], v.xml().as_bytes());
        let json = out.json();
        let expect = &v.expect;
        let name = &v.name;
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 5, "{name}: {json}");
        match &expect.error_code {
            None => {
                assert_eq!(out.code, 0, "{name}: {out:?}");
                assert_eq!(json["valid"], true, "{name}");
            }
            Some(code) => {
                assert_eq!(out.code, 1, "{name}: {out:?}");
                assert_eq!(json["valid"], false, "{name}");
                assert_eq!(json["error_code"], code.as_str(), "{name}");
                assert_eq!(json["status"], expect.status, "{name}");
                assert_eq!(
                    json["message"].as_str(),
                    expect.message.as_deref(),
                    "{name}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} validate vectors");
}

#[test]
fn eval_vectors() {
    let mut checked = 0;
    for v in vectors::all().iter().filter(engine_vector) {
        let name = &v.name;
        let req = v.request();
        let method = req.method.as_str();
        let config = serde_json::to_string(&v.config).unwrap();
        let mut args: Vec<String> = vec!["eval".into()];
        args.push(
            if v.config.is_none() {
                "--no-config"
            } else {
                "-"
            }
            .into(),
        );
        args.extend(["--method".into(), method.into()]);
        for (header, value) in &req.headers {
            args.push("--header".into());
            args.push(format!("{header}: {value}"));
        }
        if req.names_bucket() {
            args.push("--bucket-root".into());
        }
        args.push("--json".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_with_stdin(&args, config.as_bytes());
        assert_eq!(out.code, 0, "{name}: {out:?}");
        let json = out.json();
        // serde_json's map sorts its keys.
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "error_code",
                "error_message",
                "error_method",
                "headers",
                "matched_rule",
                "resource_type",
                "status",
            ],
            "{name}"
        );
        // The contract's order, as printed.
        assert!(
            out.stdout.starts_with("{\"status\": ")
                && out.stdout.contains("\"resource_type\": ")
                && out.stdout.trim_end().ends_with('}')
                && out.stdout.find("\"headers\"") < out.stdout.find("\"matched_rule\""),
            "{name}: {}",
            out.stdout
        );
        let expect = &v.expect;
        if method == "OPTIONS" {
            assert_eq!(json["status"], expect.status, "{name}");
            assert_eq!(
                json["error_code"].as_str(),
                expect.error_code.as_deref(),
                "{name}"
            );
            for (field, key) in [
                ("Message", "error_message"),
                ("Method", "error_method"),
                ("ResourceType", "resource_type"),
            ] {
                if let Some(value) = expect.error.get(field) {
                    assert_eq!(json[key], value.as_str(), "{name}: {key}");
                }
            }
            if expect.status == 200 {
                assert!(json["error_message"].is_null(), "{name}");
            }
        } else {
            assert!(json["status"].is_null(), "{name}");
            assert!(json["error_code"].is_null(), "{name}");
        }
        let headers = json["headers"].as_object().unwrap();
        let header = |wanted: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(wanted))
                .map(|(_, v)| v.clone())
        };
        for (wanted, value) in &expect.headers {
            if wanted.eq_ignore_ascii_case("content-length")
                || wanted.eq_ignore_ascii_case("content-type")
            {
                continue;
            }
            assert_eq!(
                header(wanted).as_ref().and_then(Value::as_str),
                Some(value.as_str()),
                "{name}: {wanted}"
            );
        }
        for absent in &expect.absent {
            assert_eq!(header(absent), None, "{name}: {absent} must be absent");
        }
        let matched = &json["matched_rule"];
        assert_eq!(
            matched.is_null(),
            !headers.keys().any(|k| k == "Access-Control-Allow-Origin"),
            "{name}: matched_rule {matched}"
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} engine vectors");
}

// ---- eval: human output and header arguments ----

const PREFLIGHT: &[&str] = &[
    "eval",
    "examples/cors.xml",
    "--method",
    "OPTIONS",
    "--header",
    "Origin: https://app.example.com",
    "--header",
    "Access-Control-Request-Method: PUT",
    "--header",
    "Access-Control-Request-Headers: content-type,x-amz-date",
];

#[test]
fn eval_prints_an_allowed_preflight_as_curl_shows_it() {
    let out = run(PREFLIGHT);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "HTTP/1.1 200 OK\n\
         Access-Control-Allow-Origin: https://app.example.com\n\
         Access-Control-Allow-Credentials: true\n\
         Access-Control-Allow-Methods: GET, PUT, POST\n\
         Access-Control-Allow-Headers: content-type, x-amz-date\n\
         Access-Control-Expose-Headers: ETag\n\
         Access-Control-Max-Age: 3000\n\
         Vary: Origin, Access-Control-Request-Headers, Access-Control-Request-Method\n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn eval_prints_a_rejection_with_s3s_error_body() {
    let out = run(&[
        "eval",
        "examples/cors.xml",
        "--method",
        "OPTIONS",
        "--header",
        "Origin: https://evil.example",
        "--header",
        "Access-Control-Request-Method: PUT",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with(
            "HTTP/1.1 403 Forbidden\nContent-Type: application/xml\n\n<?xml version=\"1.0\""
        ),
        "{out:?}"
    );
    for part in [
        "<Code>AccessForbidden</Code>",
        "<Method>PUT</Method>",
        "<ResourceType>OBJECT</ResourceType>",
        "This CORS request is not allowed.",
    ] {
        assert!(out.stdout.contains(part), "{part} in {out:?}");
    }
    let missing_origin = run(&["eval", "examples/cors.xml", "--method", "OPTIONS"]);
    assert!(
        missing_origin
            .stdout
            .starts_with("HTTP/1.1 400 Bad Request\n"),
        "{missing_origin:?}"
    );
    assert!(missing_origin.stdout.contains("<Code>BadRequest</Code>"));
}

#[test]
fn eval_of_an_ordinary_request_prints_a_status_line_and_the_headers() {
    let out = run(&[
        "eval",
        "examples/cors.xml",
        "--method",
        "GET",
        "--header",
        "Origin: https://elsewhere.example",
    ]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "HTTP/1.1 200 OK\n\
         Access-Control-Allow-Origin: *\n\
         Access-Control-Allow-Methods: GET, HEAD\n\
         Vary: Origin, Access-Control-Request-Headers, Access-Control-Request-Method\n"
    );
    assert_eq!(
        out.stderr,
        "bucket-cors: note: 200 OK stands for the server's own answer to GET, to which CORS \
         adds the headers shown\n"
    );
    // Without headers the status line is still there, as `curl -i` would show it.
    let none = run(&["eval", "examples/cors.xml", "--method", "GET"]);
    assert_eq!(none.code, 0);
    assert_eq!(none.stdout, "HTTP/1.1 200 OK\n");
    assert_eq!(
        none.stderr,
        "bucket-cors: note: no CORS headers: not a CORS request (no Origin header); 200 OK \
         stands for the server's own answer to GET\n"
    );
    // With the trace, a blank line separates it from the response.
    let traced = run(&["eval", "examples/cors.xml", "--method", "GET", "--explain"]);
    assert!(
        traced.stdout.starts_with("HTTP/1.1 200 OK\n\n"),
        "{traced:?}"
    );
    // The JSON contract keeps a null status for requests other than OPTIONS.
    let json = run(&["eval", "examples/cors.xml", "--method", "GET", "--json"]);
    assert_eq!(json.json()["status"], Value::Null);
    assert_eq!(json.stderr, "");
}

#[test]
fn eval_notes_a_method_that_differs_only_in_case() {
    let lower = |method: &str, json: bool| {
        let mut args = vec![
            "eval",
            "examples/cors.xml",
            "--method",
            method,
            "--header",
            "Origin: https://app.example.com",
            "--header",
            "Access-Control-Request-Method: PUT",
        ];
        if json {
            args.push("--json");
        }
        run(&args)
    };
    // `options` is an ordinary request: headers for an actual request, no preflight status.
    let options = lower("options", false);
    assert_eq!(options.code, 0, "{options:?}");
    assert!(
        options.stdout.starts_with("HTTP/1.1 200 OK\n"),
        "{options:?}"
    );
    assert!(
        options.stderr.starts_with(
            "bucket-cors: note: method \"options\" is not OPTIONS (methods are case-sensitive), \
             so this is an ordinary request, not a preflight; use --method OPTIONS for a preflight\n"
        ),
        "{options:?}"
    );
    // The note goes to standard error in JSON mode too; the JSON is unchanged.
    let json = lower("Options", true);
    assert_eq!(json.json()["status"], Value::Null);
    assert!(
        json.stderr.contains("\"Options\" is not OPTIONS"),
        "{json:?}"
    );
    // A CORS method in lower case is allowed by no rule...
    let get = run(&[
        "eval",
        "examples/cors.xml",
        "--method",
        "get",
        "--header",
        "Origin: https://app.example.com",
    ]);
    assert_eq!(get.stdout, "HTTP/1.1 200 OK\n", "{get:?}");
    assert!(
        get.stderr.starts_with(
            "bucket-cors: note: method \"get\" is not GET (methods are case-sensitive), so no \
             rule allows it; use --method GET\n"
        ),
        "{get:?}"
    );
    assert!(
        get.stderr.contains("no CORS headers: no rule matches"),
        "{get:?}"
    );
    // ...unless Access-Control-Request-Method names the method to match, as S3 does.
    let with_acrm = lower("get", false);
    assert!(
        with_acrm.stderr.contains(
            "method \"get\" is not GET (methods are case-sensitive), so \
             Access-Control-Request-Method is matched instead; use --method GET"
        ),
        "{with_acrm:?}"
    );
    assert!(
        with_acrm
            .stdout
            .contains("Access-Control-Allow-Origin: https://app.example.com\n"),
        "{with_acrm:?}"
    );
    // Upper case, or a method no case makes a CORS method: no note about case.
    for method in ["OPTIONS", "PATCH", "patch"] {
        let out = lower(method, true);
        assert!(!out.stderr.contains("case-sensitive"), "{method}: {out:?}");
    }
}

#[test]
fn eval_explain_adds_the_rule_by_rule_trace() {
    let mut args = PREFLIGHT.to_vec();
    args[5] = "Origin: https://evil.example";
    args.push("--explain");
    let out = run(&args);
    assert_eq!(out.code, 0);
    for part in [
        "rule 0 (\"browser-uploads\"): does not match\n",
        "rule 1 (\"public-read\"): does not match\n",
        "  method:  PUT not allowed\n",
        "decision: preflight rejected with 403 AccessForbidden: no rule matches\n",
    ] {
        assert!(out.stdout.contains(part), "{part:?} in {out:?}");
    }
    args.push("--json");
    let json = run(&args).json();
    assert_eq!(json["status"], 403);
    assert!(
        json["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("decision: preflight rejected")),
        "{json}"
    );
}

#[test]
fn eval_header_arguments() {
    let config = r#"{"CORSRules": [{"AllowedOrigins": ["https://a.example:8443"],
        "AllowedMethods": ["PUT"], "AllowedHeaders": ["content-type", "x-amz-*"]}]}"#;
    // No space after the colon, a port in the value, names in any case, and two lines of
    // Access-Control-Request-Headers forming one list; other headers are ignored.
    let out = run_with_stdin(
        &[
            "eval",
            "-",
            "--method",
            "OPTIONS",
            "--header",
            "origin:https://a.example:8443",
            "--header",
            "ACCESS-CONTROL-REQUEST-METHOD:   PUT",
            "--header",
            "Access-Control-Request-Headers: Content-Type",
            "--header",
            "access-control-request-headers: x-amz-date, X-Amz-Meta-A",
            "--header",
            "Authorization: AWS key:signature",
            "--json",
        ],
        config.as_bytes(),
    );
    let json = out.json();
    assert_eq!(json["status"], 200, "{out:?}");
    assert_eq!(json["matched_rule"], 0);
    assert_eq!(
        json["headers"]["Access-Control-Allow-Origin"],
        "https://a.example:8443"
    );
    assert_eq!(
        json["headers"]["Access-Control-Allow-Headers"],
        "content-type, x-amz-date, x-amz-meta-a"
    );
}

#[test]
fn eval_bucket_root_no_config_and_vary() {
    let preflight = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--method",
            "OPTIONS",
            "--header",
            "Origin: https://evil.example",
            "--header",
            "Access-Control-Request-Method: GET",
            "--json",
        ];
        args.extend_from_slice(extra);
        run(&args).json()
    };
    let object = preflight(&["tests/data/samples/www-example-com.xml"]);
    assert_eq!(object["resource_type"], "OBJECT");
    assert_eq!(object["error_method"], "GET");
    let bucket = preflight(&["tests/data/samples/www-example-com.xml", "--bucket-root"]);
    assert_eq!(bucket["resource_type"], "BUCKET");
    let disabled = preflight(&["--no-config"]);
    assert_eq!(disabled["status"], 403);
    assert_eq!(
        disabled["error_message"],
        "CORSResponse: CORS is not enabled for this bucket."
    );
    assert_eq!(disabled["resource_type"], "BUCKET");

    let get = |vary: &str| {
        run(&[
            "eval",
            "examples/cors.xml",
            "--method",
            "GET",
            "--vary",
            vary,
            "--json",
        ])
        .json()
    };
    assert_eq!(get("s3")["headers"], serde_json::json!({}));
    assert_eq!(
        get("always")["headers"],
        serde_json::json!({"Vary": "Origin"})
    );
    // OSS's ResponseVary=false: no Vary even on a match.
    let oss = run(&[
        "eval",
        &sample("oss-public-read.xml"),
        "--method",
        "GET",
        "--header",
        "Origin: https://a.example",
        "--vary",
        "response-vary",
        "--json",
    ])
    .json();
    assert_eq!(
        oss["headers"],
        serde_json::json!({"Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD", "Access-Control-Max-Age": "1000"})
    );
}

/// The README's first set-up command, run as written (after `cargo run --features cli --`).
#[test]
fn readme_first_command_answers_the_preflight() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --features cli -- eval"))
        .expect("the README's first set-up command is a bucket-cors eval");
    let args = shell_words(line.strip_prefix("cargo run --features cli --").unwrap());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("HTTP/1.1 200 OK\n"), "{out:?}");
    assert!(
        out.stdout.contains("Access-Control-Allow-Origin: "),
        "{out:?}"
    );
}

/// Splits a one-line shell command with single-quoted words, as the README writes them.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            _ => {
                word.push(c);
                started = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quote in {line:?}");
    if started {
        words.push(word);
    }
    words
}

// ---- validate and lint: human output and options ----

#[test]
fn validate_human_output_names_code_message_and_rule() {
    let doc = br#"<CORSConfiguration>
        <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>
        <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule>
        </CORSConfiguration>"#;
    let out = run_with_stdin(&["validate", "-"], doc);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "<stdin>: invalid: S3 answers 400 InvalidRequest\n  \
         message: Found unsupported HTTP method in CORS config. Unsupported method is PATCH\n  \
         rule:    1\n  \
         detail:  rule 1: unsupported allowed method \"PATCH\"\n"
    );
    let json = run_with_stdin(&["validate", "-", "--json"], doc).json();
    assert_eq!(json["rule"], 1);
}

#[test]
fn validate_format_and_dialect_options() {
    let s3 = std::fs::read(Path::new(ROOT).join("examples/cors.xml")).unwrap();
    // Forced to JSON, an XML document is malformed.
    let forced = run_with_stdin(&["validate", "-", "--format", "json", "--json"], &s3).json();
    assert_eq!(forced["error_code"], "MalformedXML");
    // The OSS dialect has no ID; detected S3 XML read as OSS XML is refused for it.
    let oss = run_with_stdin(&["validate", "-", "--dialect", "oss", "--json"], &s3).json();
    assert_eq!(oss["error_code"], "MalformedXML");
    assert_eq!(oss["rule"], 0);
    // Eleven rules: too many for OSS (detected from ResponseVary), fine for S3.
    let rule =
        "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>";
    let eleven = format!(
        "<CORSConfiguration>{}<ResponseVary>false</ResponseVary></CORSConfiguration>",
        rule.repeat(11)
    );
    let out = run_with_stdin(&["validate", "-", "--json"], eleven.as_bytes()).json();
    assert_eq!(
        out["message"],
        "The number of CORS rules should not exceed allowed limit of 10 rules."
    );
    let s3_rules = run_with_stdin(
        &["validate", "-", "--dialect", "s3", "--json"],
        eleven.as_bytes(),
    )
    .json();
    assert_eq!(s3_rules["valid"], true, "{s3_rules}");
}

#[test]
fn lint_allow_and_invalid_input() {
    let path = sample("linode-stored-with-namespace.xml");
    let out = run(&[
        "lint",
        &path,
        "--allow",
        "wildcard-origin-write",
        "--allow",
        "etag-not-exposed",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{path}: no warnings\n"));
    run(&["lint", &path, "--allow", "no-such-lint"]).assert_one_line_error(
        "invalid value 'no-such-lint' for '--allow <CODE>' [possible values: unreachable-rule, \
         origin-no-scheme,",
    );
    run(&["lint", &sample("linode-open.xml")])
        .assert_one_line_error("S3 answers 400 InvalidRequest");
    assert!(
        run(&["lint", &sample("linode-open.xml")])
            .stderr
            .contains("--lenient")
    );
}

#[test]
fn validate_hints_at_lenient_when_it_would_accept_the_document() {
    let path = sample("linode-open.xml");
    let out = run(&["validate", &path]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        format!(
            "{path}: invalid: S3 answers 400 InvalidRequest\n  \
             message: ExposeHeader \"*\" contains wildcard. We currently do not support wildcard for ExposeHeader.\n  \
             rule:    0\n  \
             detail:  rule 0: expose header \"*\" contains a wildcard\n  \
             hint:    --lenient accepts it\n"
        )
    );
    // The JSON contract has no hint member.
    assert_eq!(
        run(&["validate", &path, "--json"]).stdout,
        "{\"valid\": false, \"error_code\": \"InvalidRequest\", \"status\": 400, \"message\": \
         \"ExposeHeader \\\"*\\\" contains wildcard. We currently do not support wildcard for \
         ExposeHeader.\", \"rule\": 0}\n"
    );
    // No hint when --lenient would not help: a second fault beside the `*`.
    let two_faults = br#"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>
        <AllowedMethod>GET</AllowedMethod><ExposeHeader>*</ExposeHeader></CORSRule>
        <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule>
        </CORSConfiguration>"#;
    let out = run_with_stdin(&["validate", "-"], two_faults);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stdout.contains("--lenient"), "{out:?}");
    run_with_stdin(&["lint", "-"], two_faults).assert_one_line_error("InvalidRequest");
    assert!(
        !run_with_stdin(&["lint", "-"], two_faults)
            .stderr
            .contains("--lenient")
    );
}

#[test]
fn refusals_under_the_oss_dialect_do_not_name_s3() {
    // examples/cors.xml has IDs, which the OSS dialect does not have.
    let out = run(&["validate", "examples/cors.xml", "--dialect", "oss"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .starts_with("examples/cors.xml: invalid: the OSS dialect answers 400 MalformedXML\n"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("S3 answers"), "{out:?}");
    for command in [
        vec!["lint", "examples/cors.xml", "--dialect", "oss"],
        vec![
            "convert",
            "examples/cors.xml",
            "--to",
            "json",
            "--dialect",
            "oss",
        ],
        vec![
            "eval",
            "examples/cors.xml",
            "--method",
            "GET",
            "--dialect",
            "oss",
        ],
    ] {
        let out = run(&command);
        out.assert_one_line_error("(the OSS dialect answers 400 MalformedXML)");
    }
    // Detected OSS XML is the OSS dialect without --dialect: eleven rules are too many.
    let rule =
        "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>";
    let eleven = format!(
        "<CORSConfiguration>{}<ResponseVary>true</ResponseVary></CORSConfiguration>",
        rule.repeat(11)
    );
    run_with_stdin(&["lint", "-"], eleven.as_bytes())
        .assert_one_line_error("(the OSS dialect answers 400 InvalidRequest)");
    // A document that does not read at all, forced to OSS XML.
    run_with_stdin(&["lint", "-", "--format", "oss-xml"], b"{}")
        .assert_one_line_error("(the OSS dialect answers 400 MalformedXML)");
    // The S3 dialect still names S3.
    run_with_stdin(&["lint", "-", "--format", "s3-xml"], b"{}")
        .assert_one_line_error("(S3 answers 400 MalformedXML)");
}

#[test]
fn named_options_list_the_librarys_names() {
    // `--help` lists the names each option takes, as the library's `FromStr` reads them.
    let help = |command: &str| run(&[command, "--help"]).stdout;
    let formats: Vec<&str> = bucket_cors::Format::ALL.iter().map(|f| f.name()).collect();
    let formats = format!("[possible values: {}]", formats.join(", "));
    let validate = help("validate");
    assert!(validate.contains(&formats), "{validate}");
    assert!(
        validate.contains("[possible values: s3, oss]"),
        "{validate}"
    );
    assert!(help("convert").contains(&formats), "convert --help");
    let eval = help("eval");
    assert!(
        eval.contains("[default: s3] [possible values: s3, always, response-vary]"),
        "{eval}"
    );
    let lint = help("lint");
    let names: Vec<&str> = bucket_cors::lint::LintCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert!(
        lint.contains(&format!("[possible values: {}]", names.join(", "))),
        "{lint}"
    );
    // Each name reads; a wrong one is a one-line error listing the right ones.
    for format in ["s3-xml", "oss-xml", "json"] {
        let out = run(&["convert", "examples/cors.xml", "--to", format]);
        assert_eq!(out.code, 0, "{format}: {out:?}");
    }
    run(&["convert", "examples/cors.xml", "--to", "xml"]).assert_one_line_error(&format!(
        "invalid value 'xml' for '--to <FORMAT>' {formats}"
    ));
    run(&["validate", "examples/cors.xml", "--format", "S3-XML"])
        .assert_one_line_error("invalid value 'S3-XML' for '--format <FORMAT>'");
    run(&["eval", "--no-config", "--method", "GET", "--vary", "never"])
        .assert_one_line_error("[possible values: s3, always, response-vary]");
    for code in names {
        let out = run(&["lint", &sample("www-example-com.xml"), "--allow", code]);
        assert!(out.code == 0 || out.code == 1, "{code}: {out:?}");
    }
}

/// The JSON contracts, byte for byte: scripts parse these lines.
#[test]
fn json_outputs_are_byte_stable() {
    assert_eq!(
        run(&["validate", "examples/cors.xml", "--json"]).stdout,
        "{\"valid\": true, \"error_code\": null, \"status\": null, \"message\": null, \"rule\": null}\n"
    );
    assert_eq!(
        run(&["lint", &sample("linode-public-read.xml"), "--json"]).stdout,
        "{\"warnings\": []}\n"
    );
    // The members' order (the lint's own wording is not part of the contract).
    let lint = run(&["lint", &sample("www-example-com.xml"), "--json"]).stdout;
    assert!(
        lint.starts_with(
            "{\"warnings\": [{\"rule\": 0, \"code\": \"insecure-origin\", \"message\": \""
        ) && lint.contains("\", \"fix\": \"")
            && lint.ends_with("\"}]}\n"),
        "{lint}"
    );
    let mut args = PREFLIGHT.to_vec();
    args.push("--json");
    assert_eq!(
        run(&args).stdout,
        "{\"status\": 200, \"error_code\": null, \"error_message\": null, \"error_method\": null, \
         \"resource_type\": null, \"headers\": {\"Access-Control-Allow-Origin\": \
         \"https://app.example.com\", \"Access-Control-Allow-Credentials\": \"true\", \
         \"Access-Control-Allow-Methods\": \"GET, PUT, POST\", \"Access-Control-Allow-Headers\": \
         \"content-type, x-amz-date\", \"Access-Control-Expose-Headers\": \"ETag\", \
         \"Access-Control-Max-Age\": \"3000\", \"Vary\": \"Origin, Access-Control-Request-Headers, \
         Access-Control-Request-Method\"}, \"matched_rule\": 0}\n"
    );
}

// ---- bad input: one line, exit 2, never a panic ----

#[test]
fn a_missing_file_is_a_one_line_error() {
    for command in [
        vec!["validate", "no/such/file.xml"],
        vec!["convert", "no/such/file.xml", "--to", "json"],
        vec!["lint", "no/such/file.xml"],
        vec!["eval", "no/such/file.xml", "--method", "GET"],
    ] {
        run(&command).assert_one_line_error("cannot read no/such/file.xml: no such file");
    }
    run(&["validate", "tests"]).assert_one_line_error("cannot read tests");
}

#[test]
fn usage_errors_are_one_line() {
    run(&["validate"]).assert_one_line_error("FILE");
    run(&["validate", "x", "--nope"]).assert_one_line_error("--nope");
    run(&["frobnicate"]).assert_one_line_error("frobnicate");
    run(&["validate", "x", "--dialect", "gcs"]).assert_one_line_error("gcs");
    run(&["convert", "x"]).assert_one_line_error("--to");
    run(&["eval", "--method", "GET"]).assert_one_line_error("--no-config");
    run(&["eval", "x", "--no-config", "--method", "GET"]).assert_one_line_error("--no-config");
    run(&[
        "eval",
        "--no-config",
        "--method",
        "GET",
        "--header",
        "Origin",
    ])
    .assert_one_line_error("no colon");
    // A forgotten colon before a URL: the name is not a token.
    run(&[
        "eval",
        "--no-config",
        "--method",
        "GET",
        "--header",
        "Origin https://a.example",
    ])
    .assert_one_line_error("not an HTTP token");
    run(&["eval", "--no-config", "--method", "GET", "--header", ": x"])
        .assert_one_line_error("empty");
    run(&[
        "eval",
        "--no-config",
        "--method",
        "GET",
        "--header",
        "Origin: https://a.example",
        "--header",
        "Origin: https://b.example",
    ])
    .assert_one_line_error("more than once");
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Usage: bucket-cors"), "{help:?}");
    let bare = run(&[]);
    assert_eq!(bare.code, 2);
    assert!(bare.stderr.contains("Usage: bucket-cors"), "{bare:?}");
}

/// A valid document padded past 64 KB.
fn huge_document() -> Vec<u8> {
    let mut doc = b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
        <AllowedMethod>GET</AllowedMethod></CORSRule>"
        .to_vec();
    doc.extend(std::iter::repeat_n(b' ', 70_000));
    doc.extend_from_slice(b"</CORSConfiguration>");
    doc
}

#[test]
fn a_huge_document_is_s3s_max_message_length_exceeded() {
    let file = TempFile::new("huge.xml", &huge_document());
    let out = run(&["validate", file.path(), "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.json(),
        serde_json::json!({"valid": false, "error_code": "MaxMessageLengthExceeded",
            "status": 400, "message": "Your request was too big.", "rule": null})
    );
    let human = run(&["validate", file.path()]);
    assert!(
        human
            .stdout
            .contains("larger than the limit of 65536 bytes"),
        "{human:?}"
    );
    // The other commands refuse it on one line.
    run(&["lint", file.path()]).assert_one_line_error("MaxMessageLengthExceeded");
    run(&["convert", file.path(), "--to", "json"])
        .assert_one_line_error("MaxMessageLengthExceeded");
    run(&["eval", file.path(), "--method", "GET"])
        .assert_one_line_error("MaxMessageLengthExceeded");
    // A stream far larger than the limit is not read whole: the answer comes all the same.
    let stream = vec![b'<'; 8 * 1024 * 1024];
    let out = run_with_stdin(&["validate", "-", "--json"], &stream);
    assert_eq!(out.json()["error_code"], "MaxMessageLengthExceeded");
    // Exactly at the limit is not too big.
    let mut at_limit = huge_document();
    at_limit.drain(200..at_limit.len() - (65_536 - 200));
    assert_eq!(at_limit.len(), 65_536);
    let out = run_with_stdin(&["validate", "-", "--json"], &at_limit);
    assert_eq!(out.json()["valid"], true, "{out:?}");
}

#[test]
fn unreadable_bytes_are_malformed_or_refused() {
    let bytes = b"\xff\xfe<\x00C\x00O\x00R\x00S\x00";
    let file = TempFile::new("bad-bytes.xml", bytes);
    let out = run(&["validate", file.path(), "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["error_code"], "MalformedXML");
    let not_utf8 = TempFile::new("latin1.xml", b"<CORSConfiguration><CORSRule><AllowedOrigin>\xe9</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>");
    assert_eq!(
        run(&["validate", not_utf8.path(), "--json"]).json()["error_code"],
        "MalformedXML"
    );
    run(&["eval", not_utf8.path(), "--method", "GET"]).assert_one_line_error("MalformedXML");
    run(&["lint", file.path()]).assert_one_line_error("MalformedXML");
    run(&["convert", file.path(), "--to", "json"]).assert_one_line_error("MalformedXML");
}

// ---- convert between clouds, and diff ----

/// Every sample to every format: the output reads back in that format, or the conversion is
/// refused on one line with exit 1; each warning is one line naming the side it comes from.
#[test]
fn convert_every_sample_to_every_cloud_format() {
    for s in SAMPLES {
        let path = sample(s.name);
        for format in Format::ALL {
            let mut args = vec!["convert", path.as_str(), "--to", format.name()];
            if s.invalid.is_some() {
                args.push("--lenient");
            }
            let out = run(&args);
            let lines: Vec<&str> = out.stderr.lines().collect();
            match out.code {
                0 => {
                    CorsConfiguration::parse_as(out.stdout.as_bytes(), format)
                        .unwrap_or_else(|e| panic!("{} to {format}: {e}\n{}", s.name, out.stdout));
                    for line in lines {
                        assert!(
                            line.starts_with("bucket-cors: warning: reading ")
                                || line.starts_with(&format!(
                                    "bucket-cors: warning: writing {format}: "
                                )),
                            "{} to {format}: {line}",
                            s.name
                        );
                    }
                }
                1 => {
                    assert_eq!(out.stdout, "", "{out:?}");
                    let last = lines.last().unwrap();
                    assert!(
                        last.starts_with(&format!("bucket-cors: cannot write {format}")),
                        "{out:?}"
                    );
                }
                _ => panic!("{} to {format}: {out:?}", s.name),
            }
        }
    }
}

#[test]
fn convert_from_names_the_format_and_format_is_its_alias() {
    let gcs = sample("gcs-bucket-cors.json");
    let detected = run(&["convert", &gcs, "--to", "s3-xml"]);
    assert_eq!(detected.code, 0, "{detected:?}");
    for option in ["--from", "--format"] {
        let named = run(&["convert", &gcs, option, "gcs-json", "--to", "s3-xml"]);
        assert_eq!(named.stdout, detected.stdout, "{option}");
    }
    // The wrong format named: the document does not read, one line.
    run(&["convert", &gcs, "--from", "azure-xml", "--to", "json"])
        .assert_one_line_error("MalformedXML");
    run(&["convert", &gcs, "--from", "gcs", "--to", "json"])
        .assert_one_line_error("invalid value 'gcs' for '--from <FORMAT>'");
}

#[test]
fn convert_prints_every_warning_and_strict_refuses_any() {
    let file = sample("boto3-full-rule.json");
    let lossy = run(&["convert", &file, "--to", "gcs-json"]);
    assert_eq!(lossy.code, 0, "{lossy:?}");
    assert_eq!(
        lossy.stderr,
        "bucket-cors: warning: writing gcs-json: rule 0, id (label): name \"uploads-from-app\" \
         becomes (none)\nbucket-cors: warning: writing gcs-json: rule 0, allowed header \
         (widens): \"content-type, x-amz-*\" written as \"*\": gcs checks no request header, so \
         any is allowed\n"
    );
    let strict = run(&["convert", &file, "--to", "gcs-json", "--strict"]);
    assert_eq!(strict.code, 1, "{strict:?}");
    assert_eq!(strict.stdout, "", "nothing lossy is written: {strict:?}");
    assert!(
        strict
            .stderr
            .ends_with("bucket-cors: --strict: 2 warnings, nothing written\n"),
        "{strict:?}"
    );
    // Reading another provider's document warns too.
    let read = run(&[
        "convert",
        &sample("gcs-gcloud-array.json"),
        "--to",
        "s3-xml",
        "--strict",
    ]);
    assert_eq!(read.code, 1, "{read:?}");
    assert!(
        read.stderr
            .contains("warning: reading gcs-json: rule 0, allowed method (narrows): \"OPTIONS\""),
        "{read:?}"
    );
    // Without a warning, --strict changes nothing.
    let exact = run(&["convert", &file, "--to", "s3-xml", "--strict"]);
    assert_eq!(exact.code, 0, "{exact:?}");
    assert_eq!(exact.stderr, "");
    assert_eq!(
        exact.stdout,
        run(&["convert", &file, "--to", "s3-xml"]).stdout
    );
}

#[test]
fn convert_refuses_what_the_target_cannot_express() {
    let b2 = run(&[
        "convert",
        &sample("b2-update-bucket.json"),
        "--to",
        "azure-xml",
    ]);
    assert_eq!(b2.code, 1, "{b2:?}");
    assert_eq!(b2.stdout, "");
    assert!(
        b2.stderr.ends_with(
            "bucket-cors: cannot write azure-xml, rule 0: no allowed origin the format can hold \
             is left\n"
        ),
        "{b2:?}"
    );
    // 100 rules, S3's limit: more than Azure's five.
    let rules: String = (0..100)
        .map(|i| {
            format!(
                "<CORSRule><AllowedOrigin>https://o{i}.example</AllowedOrigin>\
                 <AllowedMethod>GET</AllowedMethod></CORSRule>"
            )
        })
        .collect();
    let doc = format!("<CORSConfiguration>{rules}</CORSConfiguration>");
    let many = run_with_stdin(&["convert", "-", "--to", "azure-xml"], doc.as_bytes());
    assert_eq!(many.code, 1, "{many:?}");
    assert_eq!(
        many.stderr,
        "bucket-cors: cannot write azure-xml: 100 rules, more than the limit of 5\n"
    );
}

const OPEN_READ: &str = "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com\
    </AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
const OPEN_READ_WRITE: &str = "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com\
    </AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>\
    </CORSRule></CORSConfiguration>";

#[test]
fn diff_says_which_access_changes() {
    let old = TempFile::new("diff-old.xml", OPEN_READ.as_bytes());
    let new = TempFile::new("diff-new.xml", OPEN_READ_WRITE.as_bytes());
    let same = run(&["diff", old.path(), old.path(), "--fail-on", "change"]);
    assert_eq!(
        (same.code, same.stdout.as_str()),
        (0, "no change\n"),
        "{same:?}"
    );
    let wider = run(&["diff", old.path(), new.path()]);
    assert_eq!(
        wider.code, 0,
        "without --fail-on a change is not a failure: {wider:?}"
    );
    assert_eq!(
        wider.stdout,
        "1 access changes (1 widened, 0 narrowed), 1 response changes\n\
         + PUT from \"https://app.example.com\" (exact): refused before, rule 0 now\n\
         ~ GET from \"https://app.example.com\" (exact):\n    \
         access-control-allow-methods: GET -> GET, PUT\n"
    );
    assert_eq!(
        run(&["diff", old.path(), new.path(), "--fail-on", "widen"]).code,
        1
    );
    assert_eq!(
        run(&["diff", old.path(), new.path(), "--fail-on", "narrow"]).code,
        0
    );
    assert_eq!(
        run(&["diff", new.path(), old.path(), "--fail-on", "widen"]).code,
        0
    );
    assert_eq!(
        run(&["diff", new.path(), old.path(), "--fail-on", "narrow"]).code,
        1
    );
    let json = run(&["diff", old.path(), new.path(), "--json"]).json();
    assert_eq!(json["widens"], true);
    assert_eq!(json["narrows"], false);
    assert_eq!(
        json["access"],
        serde_json::json!([{"direction": "widened", "request": {"origin":
            "https://app.example.com", "origin_class": {"kind": "exact"}, "method": "PUT",
            "request_headers": null}, "old_rule": null, "new_rule": 0}])
    );
    assert_eq!(json["responses"].as_array().unwrap().len(), 1);
    let help = run(&["diff", "--help"]).stdout;
    assert!(help.contains("Exit status: 0"), "{help}");
}

#[test]
fn diff_compares_any_formats() {
    // A GCS document and its S3 XML conversion allow the same requests.
    let gcs = sample("gcs-bucket-cors.json");
    let xml = run(&["convert", &gcs, "--to", "s3-xml"]);
    let converted = TempFile::new("diff-gcs.xml", xml.stdout.as_bytes());
    let out = run(&["diff", &gcs, converted.path(), "--fail-on", "change"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "no change\n"),
        "{out:?}"
    );
    // Standard input for one side, with its format named.
    let out = run_with_stdin(
        &[
            "diff",
            &gcs,
            "-",
            "--new-format",
            "s3-xml",
            "--fail-on",
            "change",
        ],
        xml.stdout.as_bytes(),
    );
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn diff_bad_input_is_one_line() {
    let old = TempFile::new("diff-bad-old.xml", OPEN_READ.as_bytes());
    run(&["diff", "-", "-"]).assert_one_line_error("cannot both be standard input");
    run(&["diff", old.path(), "no/such/file.xml"]).assert_one_line_error("no such file");
    run(&["diff", old.path()]).assert_one_line_error("NEW");
    run(&["diff", old.path(), old.path(), "--fail-on", "grow"])
        .assert_one_line_error("invalid value 'grow' for '--fail-on <CHANGE>'");
    let huge = TempFile::new("diff-huge.xml", &huge_document());
    run(&["diff", old.path(), huge.path()]).assert_one_line_error("MaxMessageLengthExceeded");
    run_with_stdin(&["diff", old.path(), "-"], b"<CORSConfiguration>")
        .assert_one_line_error("MalformedXML");
}

/// Two valid documents just under 64 KB, with many origins, patterns and headers: the exact
/// diff stays bounded (the library's own test measures it) and the command answers.
#[test]
fn diff_of_two_near_64_kb_documents_is_bounded() {
    let document = |seed: usize| {
        let rules: Vec<bucket_cors::CorsRule> = (0..100)
            .map(|r| {
                bucket_cors::CorsRule::new()
                    .allowed_origins((0..7).map(|i| format!("https://h{r}-{i}-{seed}.example.com")))
                    .allowed_origins([
                        format!("https://*.z{r}.example.com"),
                        format!("https://p{}*", r % 7),
                    ])
                    .allowed_methods(["GET", "PUT", "POST"])
                    .allowed_headers((0..4).map(|i| format!("x-h{}-{i}", (r + seed) % 50)))
                    .allowed_header(format!("x-p{}-*", r % 9))
                    .max_age_seconds(u32::try_from(r).unwrap())
            })
            .collect();
        CorsConfiguration::new(rules).to_json()
    };
    let (old, new) = (document(0), document(1));
    assert!(
        old.len() > 48 * 1024 && old.len() <= 64 * 1024,
        "{}",
        old.len()
    );
    let old = TempFile::new("diff-near-old.json", old.as_bytes());
    let new = TempFile::new("diff-near-new.json", new.as_bytes());
    let started = std::time::Instant::now();
    let out = run(&[
        "diff",
        old.path(),
        new.path(),
        "--json",
        "--fail-on",
        "widen",
    ]);
    let took = started.elapsed();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json = out.json();
    assert_eq!(
        (json["widens"].as_bool(), json["narrows"].as_bool()),
        (Some(true), Some(true))
    );
    // Seconds unoptimised on a shared two-core machine; the bound is a wide margin.
    assert!(took < std::time::Duration::from_secs(400), "{took:?}");
}

/// A valid document just under 64 KB, to every format: linear work, an answer each time.
#[test]
fn convert_of_a_near_64_kb_document_is_bounded() {
    let rules: Vec<bucket_cors::CorsRule> = (0..100)
        .map(|r| {
            bucket_cors::CorsRule::new()
                .id(format!("rule-{r:03}"))
                .allowed_origins((0..7).map(|i| format!("https://h{r}-{i}.example.com")))
                .allowed_origin(format!("https://*.z{r}.example.com"))
                .allowed_methods(["GET", "PUT", "POST"])
                .allowed_headers((0..4).map(|i| format!("x-h{r}-{i}")))
                .expose_header("ETag")
                .max_age_seconds(600)
        })
        .collect();
    let doc = CorsConfiguration::new(rules).to_json();
    assert!(
        doc.len() > 48 * 1024 && doc.len() <= 64 * 1024,
        "{}",
        doc.len()
    );
    let file = TempFile::new("convert-near.json", doc.as_bytes());
    for format in Format::ALL {
        let started = std::time::Instant::now();
        let out = run(&["convert", file.path(), "--to", format.name()]);
        assert!(out.code == 0 || out.code == 1, "{format}: {}", out.stderr);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{format}: {:?}",
            started.elapsed()
        );
    }
}
