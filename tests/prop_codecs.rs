//! Property tests of the codecs: every codec reads back what it writes, for generated valid
//! configurations, and the S3 XML and JSON forms of one configuration decide every request
//! alike. OSS XML has no `ID` and S3 XML and JSON have no `ResponseVary`, so each codec gets
//! configurations of its own shape.

use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsMethod, CorsRequest, CorsRule, Dialect, Format, HeaderLines,
    ValidationOptions,
};
use proptest::prelude::*;

/// Values S3 stores verbatim: XML's special characters, spaces at the ends, non-ASCII text.
fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" spaced ".to_owned()),
        Just("a<b>&c\"d'e".to_owned()),
        Just("]]>".to_owned()),
        "\\PC{0,12}",
    ]
}

fn origin() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        Just("null".to_owned()),
        "https://[a-z]{1,8}\\.example\\.(com|org)(:[0-9]{2,4})?",
        "https?://\\*\\.[a-z]{1,6}\\.com",
        "[a-z:/.]{0,4}\\*[a-z:/.]{0,4}",
        free_text(),
    ]
    .prop_filter("at most one *", |o| o.matches('*').count() <= 1)
}

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9!#$%&'+.^_`|~-]{1,10}"
}

fn allowed_header() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        Just(String::new()),
        token(),
        (token(), token()).prop_map(|(a, b)| format!("{a}*{b}")),
        token().prop_map(|a| format!("{a}*")),
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop::sample::select(CorsMethod::ALL.to_vec()).prop_map(String::from)
}

fn rule(with_id: bool) -> impl Strategy<Value = CorsRule> {
    (
        prop::option::of(free_text()).prop_map(move |id| id.filter(|_| with_id)),
        prop::collection::vec(origin(), 1..4),
        prop::collection::vec(method(), 1..4),
        prop::collection::vec(allowed_header(), 0..4),
        prop::collection::vec(token(), 0..3),
        prop::option::of(prop_oneof![
            Just(0u32),
            Just(i32::MAX as u32),
            0u32..100_000
        ]),
    )
        .prop_map(|(id, origins, methods, headers, expose, max_age)| {
            let mut rule = CorsRule::new()
                .allowed_origins(origins)
                .allowed_methods(methods)
                .allowed_headers(headers)
                .expose_headers(expose);
            rule.id = id;
            rule.max_age_seconds = max_age;
            rule
        })
}

/// A valid S3 configuration (IDs, no `ResponseVary`).
fn s3_config() -> impl Strategy<Value = CorsConfiguration> {
    prop::collection::vec(rule(true), 1..6).prop_map(CorsConfiguration::new)
}

/// A valid OSS configuration (no IDs, at most 10 rules, maybe `ResponseVary`).
fn oss_config() -> impl Strategy<Value = CorsConfiguration> {
    (
        prop::collection::vec(rule(false), 1..6),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(rules, vary)| CorsConfiguration {
            rules,
            response_vary: vary,
        })
}

/// A request drawn to hit the configuration's own origins and headers as often as not.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    origin: Option<String>,
    request_method: Option<String>,
    headers: Option<String>,
}

fn request() -> impl Strategy<Value = Req> {
    let method = prop_oneof![
        Just("OPTIONS".to_owned()),
        Just("GET".to_owned()),
        Just("PUT".to_owned()),
        Just("PATCH".to_owned()),
    ];
    (
        method,
        prop::option::of(prop_oneof![
            origin().prop_map(|o| o.replacen('*', "x", 1)),
            "https://[a-z]{1,8}\\.example\\.com"
        ]),
        prop::option::of(prop_oneof![method_name(), Just("get".to_owned())]),
        prop::option::of(prop::collection::vec(token(), 0..4).prop_map(|h| h.join(", "))),
    )
        .prop_map(|(method, origin, request_method, headers)| Req {
            method,
            origin,
            request_method,
            headers,
        })
}

fn method_name() -> impl Strategy<Value = String> {
    method()
}

fn decide(engine: &CorsEngine, req: &Req) -> (String, Vec<(String, String)>) {
    let mut builder = CorsRequest::builder(&req.method);
    if let Some(origin) = &req.origin {
        builder = builder.origin(origin);
    }
    if let Some(method) = &req.request_method {
        builder = builder.request_method(method);
    }
    if let Some(headers) = &req.headers {
        builder = builder.request_headers(HeaderLines::one(headers));
    }
    let request = builder.build();
    let decision = engine.evaluate(&request);
    let headers = decision
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_string()))
        .collect();
    (format!("{decision:?}"), headers)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn s3_xml_round_trip(config in s3_config()) {
        prop_assert_eq!(config.validate(), Ok(()));
        let text = config.to_s3_xml();
        prop_assert_eq!(CorsConfiguration::from_s3_xml(text.as_bytes()), Ok(config.clone()));
        prop_assert_eq!(
            CorsConfiguration::parse(text.as_bytes()),
            Ok((Format::S3Xml, config))
        );
    }

    #[test]
    fn json_round_trip(config in s3_config()) {
        prop_assert_eq!(config.validate(), Ok(()));
        let text = config.to_json();
        prop_assert_eq!(CorsConfiguration::from_json(text.as_bytes()), Ok(config.clone()));
        prop_assert_eq!(CorsConfiguration::parse(text.as_bytes()), Ok((Format::Json, config)));
    }

    #[test]
    fn oss_xml_round_trip(config in oss_config()) {
        let oss = ValidationOptions::s3().dialect(Dialect::Oss);
        prop_assert_eq!(config.validate_with(&oss), Ok(()));
        let text = config.to_oss_xml();
        prop_assert_eq!(CorsConfiguration::from_oss_xml(text.as_bytes()), Ok(config.clone()));
        let (format, detected) = CorsConfiguration::parse(text.as_bytes()).unwrap();
        // Without `ResponseVary` an OSS document is also a valid S3 document.
        let expected = if config.response_vary.is_some() { Format::OssXml } else { Format::S3Xml };
        prop_assert_eq!(format, expected);
        prop_assert_eq!(detected, config);
    }

    #[test]
    fn xml_and_json_decide_alike(
        config in s3_config(),
        requests in prop::collection::vec(request(), 1..12),
    ) {
        let from_xml = CorsConfiguration::from_s3_xml(config.to_s3_xml().as_bytes()).unwrap();
        let from_json = CorsConfiguration::from_json(config.to_json().as_bytes()).unwrap();
        let xml_engine = CorsEngine::compile(&from_xml).unwrap();
        let json_engine = CorsEngine::compile(&from_json).unwrap();
        for req in &requests {
            prop_assert_eq!(decide(&xml_engine, req), decide(&json_engine, req), "{:?}", req);
        }
    }
}
