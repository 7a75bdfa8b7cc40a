//! Other clouds' CORS formats: the provider samples read with the expected changes, round
//! trip, convert to S3; hostile documents get clean errors; and converting to each format and
//! back keeps every generated request's answer or a warning says why not.

use std::fs;

use bucket_cors::{
    ConfigError, ConfigErrorKind, ConversionErrorKind, ConversionWarning, CorsConfiguration,
    CorsEngine, CorsMethod, CorsRequest, CorsRule, Effect, Field, Format, WarningKind,
};
use proptest::prelude::*;

fn sample(name: &str) -> Vec<u8> {
    fs::read(format!(
        "{}/tests/data/samples/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Reads a sample in the format detection finds, checks the format, and compiles it.
fn read(name: &str, format: Format) -> (CorsConfiguration, Vec<ConversionWarning>) {
    let bytes = sample(name);
    assert_eq!(Format::detect(&bytes), Some(format), "{name}");
    let (config, warnings) =
        CorsConfiguration::from_format(&bytes, format).unwrap_or_else(|e| panic!("{name}: {e}"));
    CorsEngine::compile(&config).unwrap_or_else(|e| panic!("{name}: {e}"));
    (config, warnings)
}

/// (rule, field, effect) of each warning.
fn summary(warnings: &[ConversionWarning]) -> Vec<(Option<usize>, Option<Field>, Effect)> {
    warnings
        .iter()
        .map(|w| (w.rule(), w.field(), w.effect()))
        .collect()
}

/// Writing in the same format and reading again gives the same configuration, and writing
/// the result in S3 XML loses nothing.
fn round_trip(config: &CorsConfiguration, format: Format) {
    let (text, _) = config.to_format(format).expect("writes");
    let (again, _) = CorsConfiguration::from_format(text.as_bytes(), format).expect("reads back");
    assert_eq!(&again, config, "{format} round trip of\n{text}");
    let (_, to_s3) = config.to_format(Format::S3Xml).expect("s3 holds it");
    assert!(to_s3.is_empty(), "{to_s3:?}");
}

#[test]
fn gcs_bucket_cors_sample() {
    let (config, warnings) = read("gcs-bucket-cors.json", Format::GcsJson);
    assert!(warnings.is_empty(), "{warnings:?}");
    let rule = &config.rules[0];
    assert_eq!(rule.allowed_origins, ["https://photos.example.org"]);
    assert_eq!(rule.allowed_methods, ["GET", "HEAD", "DELETE"]);
    assert_eq!(rule.allowed_headers, ["*"], "gcs checks no request header");
    assert_eq!(rule.expose_headers, ["Content-Type"]);
    assert_eq!(rule.max_age_seconds, Some(3600));
    round_trip(&config, Format::GcsJson);
}

#[test]
fn gcs_gcloud_array_sample_reports_methods_s3_cannot_hold() {
    let (config, warnings) = read("gcs-gcloud-array.json", Format::GcsJson);
    assert_eq!(
        summary(&warnings),
        [
            (Some(0), Some(Field::AllowedMethod), Effect::Narrows),
            (Some(1), Some(Field::AllowedMethod), Effect::Narrows),
        ]
    );
    assert!(matches!(warnings[0].kind(), WarningKind::Dropped { value, .. } if value == "OPTIONS"));
    assert_eq!(
        config.rules[1].allowed_methods,
        ["GET", "PUT", "HEAD", "POST", "DELETE"]
    );
    assert_eq!(
        warnings[1].to_string(),
        "rule 1, allowed method (narrows): \"*\" written as \"GET, PUT, HEAD, POST, DELETE\": s3 rules allow only these five methods"
    );
    round_trip(&config, Format::GcsJson);
}

#[test]
fn gcs_bucket_resource_sample_ignores_other_members() {
    let (config, warnings) = read("gcs-bucket-resource.json", Format::GcsJson);
    assert!(warnings.is_empty());
    assert_eq!(config.rules[0].expose_headers, ["Content-Length", "ETag"]);
}

#[test]
fn azure_service_properties_sample() {
    let (config, warnings) = read("azure-service-properties.xml", Format::AzureXml);
    assert_eq!(
        summary(&warnings),
        [
            (Some(0), Some(Field::ExposeHeader), Effect::Response),
            (Some(1), Some(Field::AllowedMethod), Effect::Narrows),
        ]
    );
    let first = &config.rules[0];
    assert_eq!(
        first.allowed_origins,
        ["https://portal.example.com", "https://www.example.com"]
    );
    assert_eq!(
        first.allowed_headers,
        ["x-ms-meta-data*", "x-ms-meta-target*", "x-ms-meta-abc"]
    );
    assert!(first.expose_headers.is_empty());
    assert_eq!(config.rules[1].allowed_methods, ["GET", "HEAD"]);
    round_trip(&config, Format::AzureXml);
}

#[test]
fn azure_cors_only_sample() {
    let (config, warnings) = read("azure-cors-only.xml", Format::AzureXml);
    assert!(warnings.is_empty());
    assert_eq!(config.rules[0].max_age_seconds, Some(86_400));
    round_trip(&config, Format::AzureXml);
}

#[test]
fn r2_samples() {
    let (config, warnings) = read("r2-policy.json", Format::R2Json);
    assert!(warnings.is_empty());
    assert_eq!(config.rules[0].id.as_deref(), Some("Local development"));
    assert_eq!(
        config.rules[0].allowed_headers,
        ["x-requested-by", "content-type"]
    );
    round_trip(&config, Format::R2Json);
    let (config, warnings) = read("r2-api-response.json", Format::R2Json);
    assert!(warnings.is_empty());
    assert_eq!(config.rules[0].allowed_methods, ["GET", "HEAD"]);
    round_trip(&config, Format::R2Json);
}

#[test]
fn b2_native_download_sample_widens() {
    let (config, warnings) = read("b2-update-bucket.json", Format::B2Json);
    assert_eq!(
        summary(&warnings),
        [
            (Some(0), Some(Field::AllowedMethod), Effect::Widens),
            (Some(0), Some(Field::AllowedMethod), Effect::Widens),
        ]
    );
    let rule = &config.rules[0];
    assert_eq!(rule.id.as_deref(), Some("downloadFromAnyOrigin"));
    assert_eq!(
        rule.allowed_origins,
        ["https://*"],
        "b2's https is any https origin"
    );
    assert_eq!(rule.allowed_methods, ["GET"]);
}

#[test]
fn b2_s3_operations_sample() {
    let (config, warnings) = read("b2-s3-operations.json", Format::B2Json);
    // The host wildcard reads as an S3 pattern, whose `*` also spans ports.
    assert_eq!(
        summary(&warnings),
        [(Some(0), Some(Field::AllowedOrigin), Effect::Widens)]
    );
    assert_eq!(config.rules[0].allowed_methods, ["PUT", "POST", "GET"]);
    let (text, back) = config.to_format(Format::B2Json).unwrap();
    assert_eq!(
        summary(&back),
        [(Some(0), Some(Field::AllowedOrigin), Effect::Narrows)]
    );
    let (again, _) = CorsConfiguration::from_format(text.as_bytes(), Format::B2Json).unwrap();
    assert_eq!(again, config);
}

#[test]
fn s3_rules_written_for_each_cloud_name_what_changes() {
    let config = CorsConfiguration::new(vec![
        CorsRule::new()
            .id("uploads")
            .allowed_origins(["https://*.example.com", "https://app.example.com"])
            .allowed_methods([CorsMethod::Put, CorsMethod::Post])
            .allowed_headers(["content-type", "x-amz-*"])
            .expose_header("ETag"),
    ]);
    let effects = |format| {
        let (_, warnings) = config.to_format(format).unwrap();
        summary(&warnings)
    };
    let rule = Some(0);
    assert_eq!(
        effects(Format::GcsJson),
        [
            (rule, Some(Field::Id), Effect::Label),
            (rule, Some(Field::AllowedOrigin), Effect::Narrows),
            (rule, Some(Field::AllowedHeader), Effect::Widens),
        ]
    );
    assert_eq!(
        effects(Format::AzureXml),
        [
            (rule, Some(Field::Id), Effect::Label),
            (rule, Some(Field::AllowedOrigin), Effect::Narrows),
            (rule, Some(Field::MaxAgeSeconds), Effect::Response),
        ]
    );
    assert!(effects(Format::R2Json).is_empty());
    assert_eq!(
        effects(Format::B2Json),
        [
            (rule, Some(Field::AllowedOrigin), Effect::Narrows),
            (rule, Some(Field::MaxAgeSeconds), Effect::Response),
        ]
    );
    assert_eq!(
        effects(Format::OssXml),
        [(rule, Some(Field::Id), Effect::Label)]
    );
    assert!(effects(Format::Json).is_empty());
}

#[test]
fn r2_caps_max_age() {
    let config = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("*")
            .allowed_method("GET")
            .max_age_seconds(90_000),
    ]);
    let (text, warnings) = config.to_format(Format::R2Json).unwrap();
    assert!(text.contains("86400"));
    assert!(matches!(
        warnings[0].kind(),
        WarningKind::MaxAgeChanged {
            from: Some(90_000),
            to: Some(86_400),
            ..
        }
    ));
}

#[test]
fn what_cannot_be_expressed_is_an_error() {
    let rules = |n: usize| {
        CorsConfiguration::new(
            (0..n)
                .map(|i| {
                    CorsRule::new()
                        .allowed_origin(format!("https://{i}.example.com"))
                        .allowed_method("GET")
                })
                .collect(),
        )
    };
    let err = rules(6).to_format(Format::AzureXml).unwrap_err();
    assert_eq!(
        err.kind(),
        &ConversionErrorKind::TooManyRules { count: 6, limit: 5 }
    );
    assert_eq!(
        err.to_string(),
        "cannot write azure-xml: 6 rules, more than the limit of 5"
    );
    assert!(rules(5).to_format(Format::AzureXml).is_ok());
    assert!(rules(101).to_format(Format::B2Json).is_err());

    let only_pattern = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("https://*.example.com")
            .allowed_method("GET"),
    ]);
    let err = only_pattern.to_format(Format::GcsJson).unwrap_err();
    assert_eq!(err.rule(), Some(0));
    assert_eq!(
        err.kind(),
        &ConversionErrorKind::NothingLeft {
            field: Field::AllowedOrigin
        }
    );
    let long_origin = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin(format!("https://{}.example.com", "a".repeat(300)))
            .allowed_method("GET"),
    ]);
    assert!(matches!(
        long_origin.to_format(Format::AzureXml).unwrap_err().kind(),
        ConversionErrorKind::ValueTooLong { .. }
    ));
    let big_rule = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origins((0..40).map(|i| format!("https://host-{i}.example.com")))
            .allowed_method("GET"),
    ]);
    assert!(matches!(
        big_rule.to_format(Format::B2Json).unwrap_err().kind(),
        ConversionErrorKind::TooLarge { .. }
    ));
}

#[test]
fn names_parse_and_print() {
    for format in Format::ALL {
        assert_eq!(format.name().parse::<Format>(), Ok(format));
    }
    assert!("gcs".parse::<Format>().is_err());
}

#[test]
fn existing_formats_still_detected() {
    assert_eq!(Format::detect(br#"{"CORSRules": []}"#), Some(Format::Json));
    assert_eq!(
        Format::detect(br#"[{"AllowedOrigins": ["origin"], "AllowedMethods": ["GET"]}]"#),
        Some(Format::Json)
    );
    assert_eq!(
        Format::detect(b"<CORSConfiguration><CORSRule/></CORSConfiguration>"),
        Some(Format::S3Xml)
    );
    assert_eq!(
        Format::detect(sample("oss-public-read.xml").as_slice()),
        Some(Format::OssXml)
    );
}

fn malformed(result: Result<(CorsConfiguration, Vec<ConversionWarning>), ConfigError>) -> String {
    match result {
        Err(err) => match err.kind() {
            ConfigErrorKind::Malformed { detail, .. } => detail.clone(),
            _ => panic!("expected a malformed-document error, got {err:?}"),
        },
        other => panic!("expected a malformed-document error, got {other:?}"),
    }
}

#[test]
fn hostile_documents_get_clean_errors() {
    for format in [
        Format::GcsJson,
        Format::AzureXml,
        Format::R2Json,
        Format::B2Json,
    ] {
        let big = vec![b' '; 64 * 1024 + 1];
        assert!(matches!(
            CorsConfiguration::from_format(&big, format).map_err(|e| e.kind().clone()),
            Err(ConfigErrorKind::TooLarge { .. })
        ));
        assert!(CorsConfiguration::from_format(b"", format).is_err());
        assert!(CorsConfiguration::from_format(b"\xFF\xFE", format).is_err());
    }
    let deep_json = format!("{}{}", "[".repeat(30_000), "]".repeat(30_000));
    for format in [Format::GcsJson, Format::R2Json, Format::B2Json] {
        malformed(CorsConfiguration::from_format(deep_json.as_bytes(), format));
    }
    let deep_member = format!(
        r#"{{"cors": [], "labels": {}{}}}"#,
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    // An ignored member is skipped without recursing, however deep.
    let (skipped, _) =
        CorsConfiguration::from_format(deep_member.as_bytes(), Format::GcsJson).unwrap();
    assert!(skipped.rules.is_empty());
    let deep_xml = format!(
        "<StorageServiceProperties>{}{}</StorageServiceProperties>",
        "<a>".repeat(5_000),
        "</a>".repeat(5_000)
    );
    assert!(
        malformed(CorsConfiguration::from_format(
            deep_xml.as_bytes(),
            Format::AzureXml
        ))
        .contains("nested")
    );
    // Wrong types and shapes.
    malformed(CorsConfiguration::from_format(
        br#"[{"origin": "https://a", "method": ["GET"]}]"#,
        Format::GcsJson,
    ));
    malformed(CorsConfiguration::from_format(
        br#"[{"origin": ["*"], "method": ["GET"], "maxAgeSeconds": -1}]"#,
        Format::GcsJson,
    ));
    malformed(CorsConfiguration::from_format(
        br#"[{"origin": ["*"], "methods": ["GET"]}]"#,
        Format::GcsJson,
    ));
    malformed(CorsConfiguration::from_format(br#"{"rules": [{"allowed": {"origins": ["*"], "methods": ["GET"]}, "maxAgeSeconds": 90000}]}"#, Format::R2Json));
    malformed(CorsConfiguration::from_format(
        br#"{"rules": [{"allowed": {"origins": ["*"], "methods": "GET"}}]}"#,
        Format::R2Json,
    ));
    malformed(CorsConfiguration::from_format(br#"{"corsRules": [{"corsRuleName": "b2-reserved", "allowedOrigins": ["*"], "allowedOperations": ["s3_get"], "maxAgeSeconds": 0}]}"#, Format::B2Json));
    malformed(CorsConfiguration::from_format(br#"{"corsRules": [{"corsRuleName": "short", "allowedOrigins": ["*"], "allowedOperations": ["s3_get"], "maxAgeSeconds": 0}]}"#, Format::B2Json));
    malformed(CorsConfiguration::from_format(br#"{"corsRules": [{"corsRuleName": "fine-name", "allowedOrigins": ["*"], "allowedOperations": ["s3_patch"], "maxAgeSeconds": 0}]}"#, Format::B2Json));
    malformed(CorsConfiguration::from_format(br#"{"corsRules": [{"corsRuleName": "fine-name", "allowedOrigins": ["*"], "allowedOperations": ["s3_get"]}]}"#, Format::B2Json));
    let six = format!("<Cors>{}</Cors>", "<CorsRule><AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET</AllowedMethods><AllowedHeaders/><ExposedHeaders/><MaxAgeInSeconds>0</MaxAgeInSeconds></CorsRule>".repeat(6));
    assert!(
        malformed(CorsConfiguration::from_format(
            six.as_bytes(),
            Format::AzureXml
        ))
        .contains("6 rules")
    );
    malformed(CorsConfiguration::from_format(b"<Cors><CorsRule><AllowedOrigins>*</AllowedOrigins><AllowedOrigins>*</AllowedOrigins></CorsRule></Cors>", Format::AzureXml));
    malformed(CorsConfiguration::from_format(
        b"<Cors><CorsRule><Origin>*</Origin></CorsRule></Cors>",
        Format::AzureXml,
    ));
    malformed(CorsConfiguration::from_format(
        b"<Cors><CorsRule><MaxAgeInSeconds>-5</MaxAgeInSeconds></CorsRule></Cors>",
        Format::AzureXml,
    ));
    malformed(CorsConfiguration::from_format(
        b"<Cors><CorsRule>",
        Format::AzureXml,
    ));
    malformed(CorsConfiguration::from_format(
        b"<!DOCTYPE x [<!ENTITY a \"b\">]><Cors/>",
        Format::AzureXml,
    ));
    malformed(CorsConfiguration::from_format(
        b"<Cors><CorsRule><AllowedOrigins>&a;</AllowedOrigins></CorsRule></Cors>",
        Format::AzureXml,
    ));
    malformed(CorsConfiguration::from_format(
        b"<CORSConfiguration/>",
        Format::AzureXml,
    ));
}

#[test]
fn azure_reads_escapes() {
    let (config, _) = CorsConfiguration::from_format(
        b"<Cors><CorsRule><AllowedOrigins>https://a.test?x=1&amp;y=&#50;</AllowedOrigins><AllowedMethods>GET</AllowedMethods><AllowedHeaders/><ExposedHeaders/><MaxAgeInSeconds>5</MaxAgeInSeconds></CorsRule></Cors>",
        Format::AzureXml,
    )
    .unwrap();
    assert_eq!(config.rules[0].allowed_origins, ["https://a.test?x=1&y=2"]);
}

// ---- The property: convert there and back, same answers or a warning says why ----

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_owned)
}

const ORIGINS: &[&str] = &[
    "*",
    "https://a.example.com",
    "https://b.example.com",
    "http://a.example.com",
    "https://*.example.com",
    "https://*",
    "*.example.com",
    "",
    "https://a.example.com,https://b.example.com",
];
const REQUEST_ORIGINS: &[&str] = &[
    "https://a.example.com",
    "https://b.example.com",
    "http://a.example.com",
    "https://a.example.com:8443",
    "https://x.test",
    "null",
    "",
];
const HEADERS: &[&str] = &["*", "content-type", "x-amz-*", "X-Custom", "*-id", "range"];
const REQUEST_HEADERS: &[&str] = &[
    "content-type",
    "x-amz-date",
    "x-custom",
    "x-request-id",
    "range",
    "content-type, x-custom",
    "x-amz-date, range",
];

fn rule() -> impl Strategy<Value = CorsRule> {
    (
        prop::option::of(pick(&["uploads-1", "b2-x", "r"])),
        prop::collection::vec(pick(ORIGINS), 1..4),
        prop::sample::subsequence(CorsMethod::ALL.to_vec(), 1..=5),
        prop::collection::vec(pick(HEADERS), 0..3),
        prop::collection::vec(pick(&["ETag", "x-amz-request-id"]), 0..2),
        prop::option::of(prop::sample::select(vec![0u32, 600, 100_000])),
    )
        .prop_map(
            |(id, origins, methods, headers, expose, max_age)| CorsRule {
                id,
                allowed_origins: origins,
                allowed_methods: methods.into_iter().map(String::from).collect(),
                allowed_headers: headers,
                expose_headers: expose,
                max_age_seconds: max_age,
            },
        )
}

fn configuration() -> impl Strategy<Value = CorsConfiguration> {
    prop::collection::vec(rule(), 1..5).prop_map(CorsConfiguration::new)
}

/// Whether the request is allowed, and every header of the answer.
fn answer(
    engine: &CorsEngine,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> (bool, Vec<(String, String)>) {
    let mut builder = CorsRequest::builder("OPTIONS")
        .origin(origin)
        .request_method(method);
    if let Some(line) = headers {
        builder = builder.request_headers(line);
    }
    let request = builder.build();
    let decision = engine.evaluate(&request);
    (
        decision.matched_rule().is_some(),
        decision
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_string()))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn converting_there_and_back_keeps_answers_or_says_why(
        config in configuration(),
        format in prop::sample::select(Format::ALL.to_vec()),
    ) {
        let before = CorsEngine::compile(&config).unwrap();
        let Ok((text, mut warnings)) = config.to_format(format) else {
            return Ok(()); // refused with a reason: nothing written
        };
        let (back, read_warnings) = CorsConfiguration::from_format(text.as_bytes(), format)
            .map_err(|e| TestCaseError::fail(format!("{format} reads back its own output: {e}\n{text}")))?;
        warnings.extend(read_warnings);
        let after = CorsEngine::compile(&back)
            .map_err(|e| TestCaseError::fail(format!("{format} output compiles: {e}\n{text}")))?;
        for origin in REQUEST_ORIGINS {
            for method in CorsMethod::ALL {
                for headers in [None].into_iter().chain(REQUEST_HEADERS.iter().copied().map(Some)) {
                    let (old_ok, old_headers) = answer(&before, origin, method.as_str(), headers);
                    let (new_ok, new_headers) = answer(&after, origin, method.as_str(), headers);
                    if old_ok != new_ok {
                        let effect = if new_ok { Effect::Widens } else { Effect::Narrows };
                        prop_assert!(
                            warnings.iter().any(|w| w.effect() == effect),
                            "{format}: {method} from {origin:?} with {headers:?} {} without a warning; {warnings:?}\n{text}",
                            effect
                        );
                    } else if old_headers != new_headers {
                        prop_assert!(
                            !warnings.is_empty(),
                            "{format}: {method} from {origin:?}: headers {old_headers:?} became {new_headers:?} without a warning\n{text}"
                        );
                    }
                }
            }
        }
    }
}
