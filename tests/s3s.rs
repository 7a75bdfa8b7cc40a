//! The `s3s` glue: s3s's CORS configuration converted both ways, and configuration errors as
//! s3s errors with S3's code, status and message.
#![cfg(feature = "s3s")]

use bucket_cors::s3::MALFORMED_XML_MESSAGE;
use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, CorsRule, Decision};
use s3s::S3Error;
use s3s::dto::{CORSConfiguration, CORSRule};

fn s3s_rule(origins: &[&str], methods: &[&str]) -> CORSRule {
    CORSRule {
        allowed_origins: origins.iter().map(|s| (*s).to_owned()).collect(),
        allowed_methods: methods.iter().map(|s| (*s).to_owned()).collect(),
        ..CORSRule::default()
    }
}

fn full() -> CORSConfiguration {
    CORSConfiguration {
        cors_rules: vec![
            CORSRule {
                allowed_headers: Some(vec!["content-type".into(), "x-amz-*".into()]),
                expose_headers: Some(vec!["ETag".into()]),
                id: Some("uploads".into()),
                max_age_seconds: Some(3000),
                ..s3s_rule(&["https://app.example.com"], &["GET", "PUT"])
            },
            s3s_rule(&["*"], &["GET"]),
        ],
    }
}

#[test]
fn every_field_maps_one_to_one_and_back() {
    let config = CorsConfiguration::try_from(&full()).unwrap();
    assert_eq!(
        config,
        CorsConfiguration::new(vec![
            CorsRule::new()
                .id("uploads")
                .allowed_origin("https://app.example.com")
                .allowed_methods(["GET", "PUT"])
                .allowed_headers(["content-type", "x-amz-*"])
                .expose_header("ETag")
                .max_age_seconds(3000),
            CorsRule::new().allowed_origin("*").allowed_method("GET"),
        ])
    );
    assert_eq!(CORSConfiguration::from(&config), full());
    assert_eq!(CORSConfiguration::from(config.clone()), full());
    assert_eq!(CorsConfiguration::try_from(full()).unwrap(), config);
}

#[test]
fn empty_header_lists_go_back_as_none_and_max_age_zero_is_kept() {
    let input = CORSConfiguration {
        cors_rules: vec![CORSRule {
            allowed_headers: Some(vec![]),
            expose_headers: Some(vec![]),
            max_age_seconds: Some(0),
            ..s3s_rule(&["*"], &["GET"])
        }],
    };
    let config = CorsConfiguration::try_from(&input).unwrap();
    assert_eq!(config.rules[0].max_age_seconds, Some(0));
    let back = CORSConfiguration::from(&config);
    assert_eq!(back.cors_rules[0].allowed_headers, None);
    assert_eq!(back.cors_rules[0].expose_headers, None);
    assert_eq!(back.cors_rules[0].max_age_seconds, Some(0));
}

#[test]
fn a_negative_max_age_is_s3s_malformed_xml() {
    let mut input = full();
    input.cors_rules[1].max_age_seconds = Some(-1);
    let error = CorsConfiguration::try_from(&input).unwrap_err();
    assert_eq!(error.rule(), Some(1));
    assert_eq!(error.s3_code().as_str(), "MalformedXML");
    let s3 = S3Error::from(error);
    assert_eq!(s3.code().as_str(), "MalformedXML");
    assert_eq!(s3.status_code().unwrap(), 400);
    assert_eq!(s3.message(), Some(MALFORMED_XML_MESSAGE));
}

#[test]
fn a_u32_max_age_beyond_s3s_i32_goes_back_as_i32_max() {
    let config = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("*")
            .allowed_method("GET")
            .max_age_seconds(u32::MAX),
    ]);
    let back = CORSConfiguration::from(&config);
    assert_eq!(back.cors_rules[0].max_age_seconds, Some(i32::MAX));
}

/// Each validation error through `compile`, as s3s would send it.
#[test]
fn validation_errors_become_s3_errors_with_s3s_code_status_and_message() {
    let cases: [(CORSRule, &str, &str); 4] = [
        (
            s3s_rule(&["*"], &["PATCH"]),
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
        ),
        (
            s3s_rule(&["https://*.*.example.com"], &["GET"]),
            "InvalidRequest",
            "AllowedOrigin \"https://*.*.example.com\" can not have more than one wildcard.",
        ),
        (
            CORSRule {
                expose_headers: Some(vec!["x-*".into()]),
                ..s3s_rule(&["*"], &["GET"])
            },
            "InvalidRequest",
            "ExposeHeader \"x-*\" contains wildcard. We currently do not support wildcard for ExposeHeader.",
        ),
        (
            s3s_rule(&[], &["GET"]),
            "MalformedXML",
            MALFORMED_XML_MESSAGE,
        ),
    ];
    for (rule, code, message) in cases {
        let input = CORSConfiguration {
            cors_rules: vec![rule],
        };
        let config = CorsConfiguration::try_from(&input).unwrap();
        let error = CorsEngine::compile(&config).unwrap_err();
        let s3 = S3Error::from(&error);
        assert_eq!(s3.code().as_str(), code, "{error}");
        assert_eq!(s3.status_code().unwrap(), 400, "{error}");
        assert_eq!(s3.message(), Some(message), "{error}");
        // A known code is s3s's own variant, not a custom one.
        assert!(!matches!(s3.code(), s3s::S3ErrorCode::Custom(_)), "{error}");
    }
}

#[test]
fn a_too_large_document_is_max_message_length_exceeded() {
    let error = CorsConfiguration::from_s3_xml(&vec![b' '; 70 * 1024]).unwrap_err();
    let s3 = S3Error::from(error);
    assert_eq!(s3.code().as_str(), "MaxMessageLengthExceeded");
    assert_eq!(s3.status_code().unwrap(), 400);
    assert_eq!(s3.message(), Some("Your request was too big."));
}

#[test]
fn a_converted_configuration_evaluates_like_the_xml_one() {
    let from_s3s = CorsEngine::compile(&CorsConfiguration::try_from(&full()).unwrap()).unwrap();
    let xml = CorsConfiguration::try_from(&full()).unwrap().to_s3_xml();
    let from_xml =
        CorsEngine::compile(&CorsConfiguration::from_s3_xml(xml.as_bytes()).unwrap()).unwrap();
    let request = preflight("https://app.example.com", "PUT", "x-amz-date");
    let (a, b) = (from_s3s.evaluate(&request), from_xml.evaluate(&request));
    assert!(matches!(a, Decision::Preflight(_)), "{a:?}");
    assert_eq!(
        a.headers()
            .map(|(n, v)| (n, v.to_string()))
            .collect::<Vec<_>>(),
        b.headers()
            .map(|(n, v)| (n, v.to_string()))
            .collect::<Vec<_>>()
    );
}

// The calls into the request view's constructor, kept together for a change of its API.

fn preflight<'a>(origin: &'a str, method: &'a str, headers: &'a str) -> CorsRequest<'a> {
    CorsRequest::builder("OPTIONS")
        .origin(origin)
        .request_method(method)
        .request_headers(headers)
        .build()
}
