//! Hostile input, one case per test: oversized, malformed or malicious documents and headers.
//! Each test asserts the outcome; the README's Robustness section states the time and memory
//! bound each case stays within.

use bucket_cors::s3::{MALFORMED_XML_MESSAGE, MAX_DOCUMENT_BYTES, S3ErrorCode};
use bucket_cors::{
    ConfigError, ConfigErrorKind, CorsConfiguration, CorsEngine, CorsRequest, CorsRequestBuilder,
    CorsRule, Decision, Field, Format, HeaderLines,
};

const KB: usize = 1024;

/// An engine of one rule per origin entry, each allowing GET and PUT and any header.
fn engine(origins: &[&str]) -> CorsEngine {
    let rules = origins
        .iter()
        .map(|o| {
            CorsRule::new()
                .allowed_origin(*o)
                .allowed_methods(["GET", "PUT"])
                .allowed_header("*")
        })
        .collect();
    CorsEngine::compile(&CorsConfiguration::new(rules)).unwrap()
}

fn preflight(origin: &str) -> CorsRequest<'_> {
    preflight_with(origin).build()
}

/// [`preflight`], to add requested headers to.
fn preflight_with(origin: &str) -> CorsRequestBuilder<'_> {
    CorsRequest::builder("OPTIONS")
        .origin(origin)
        .request_method("PUT")
}

/// The headers of a decision, rendered.
fn headers(decision: &Decision<'_>) -> Vec<(String, String)> {
    decision
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_string()))
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A minimal valid S3 XML document of exactly `size` bytes, padded with a comment.
fn xml_of_size(size: usize) -> Vec<u8> {
    let head = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
                <AllowedMethod>GET</AllowedMethod></CORSRule><!--";
    let tail = "--></CORSConfiguration>";
    let mut doc = head.as_bytes().to_vec();
    doc.resize(size - tail.len(), b'x');
    doc.extend_from_slice(tail.as_bytes());
    assert_eq!(doc.len(), size);
    doc
}

fn assert_malformed(result: Result<CorsConfiguration, ConfigError>) {
    let err = result.unwrap_err();
    assert!(
        matches!(err.kind(), ConfigErrorKind::Malformed { .. }),
        "{err:?}"
    );
    assert_eq!(err.s3_code(), S3ErrorCode::MalformedXml);
    assert_eq!(err.status(), 400);
    assert_eq!(err.s3_message(), MALFORMED_XML_MESSAGE);
}

/// Characters XML cannot carry are refused, so every valid configuration can be written as
/// S3 XML and read back unchanged (found by the `s3_xml` fuzz target).
#[test]
fn xml_noncharacters_in_values_are_refused() {
    for value in ["a\u{FFFF}b", "\u{FFFE}"] {
        let origin = CorsConfiguration::new(vec![
            CorsRule::new().allowed_origin(value).allowed_method("GET"),
        ]);
        let err = origin.validate().unwrap_err();
        assert_eq!(err.s3_code(), S3ErrorCode::InvalidRequest);
        assert!(matches!(
            err.kind(),
            ConfigErrorKind::InvalidCharacter {
                field: Field::AllowedOrigin,
                ..
            }
        ));
        let id = CorsConfiguration::new(vec![
            CorsRule::new()
                .id(value)
                .allowed_origin("*")
                .allowed_method("GET"),
        ]);
        assert!(matches!(
            id.validate().unwrap_err().kind(),
            ConfigErrorKind::InvalidCharacter {
                field: Field::Id,
                ..
            }
        ));
    }
    let xml = "<CORSConfiguration><CORSRule><AllowedOrigin>a&#xFFFF;b</AllowedOrigin>\
               <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
    let config = CorsConfiguration::from_s3_xml(xml.as_bytes()).unwrap();
    assert_eq!(
        config.validate().unwrap_err().s3_code(),
        S3ErrorCode::InvalidRequest
    );
}

// --- Requests --------------------------------------------------------------------------------

#[test]
fn origin_of_one_megabyte() {
    let origin = format!("https://{}.example", "a".repeat(1024 * KB));
    // Matched by a wildcard: echoed byte for byte, borrowed, not copied.
    let wildcard = engine(&["https://*.example"]);
    let decision = wildcard.evaluate(&preflight(&origin));
    let Decision::Preflight(allowed) = decision else {
        panic!("{decision:?}")
    };
    assert!(std::ptr::eq(allowed.allow_origin(), origin.as_str()));
    // Matched by `*`: the answer is `*`, not the megabyte.
    let any = engine(&["*"]);
    assert_eq!(headers(&any.evaluate(&preflight(&origin)))[0].1, "*");
    // Not matched by exact entries or other patterns: 403.
    let others = engine(&["https://a.example", "http://*", "*.org"]);
    assert_eq!(others.evaluate(&preflight(&origin)).status(), Some(403));
}

#[test]
fn ten_thousand_requested_headers() {
    let names: Vec<String> = (0..10_000).map(|i| format!("X-Amz-Meta-{i}")).collect();
    let line = names.join(", ");
    let allowed = CorsEngine::compile(&CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("*")
            .allowed_method("PUT")
            .allowed_header("x-amz-meta-*"),
    ]))
    .unwrap();
    let request = preflight_with("https://a.example")
        .request_headers(&line)
        .build();
    let decision = allowed.evaluate(&request);
    assert_eq!(decision.status(), Some(200));
    let allow_headers = header(&headers(&decision), "Access-Control-Allow-Headers")
        .unwrap()
        .to_owned();
    assert_eq!(allow_headers, line.to_ascii_lowercase());
    // The same names on 10,000 header lines.
    let lines: Vec<&str> = names.iter().map(String::as_str).collect();
    let request = preflight_with("https://a.example")
        .request_headers(HeaderLines::many(&lines))
        .build();
    assert_eq!(
        header(
            &headers(&allowed.evaluate(&request)),
            "Access-Control-Allow-Headers"
        ),
        Some(allow_headers.as_str())
    );
    // One name the rule does not allow, at the very end: refused.
    let refused = format!("{line}, content-type");
    let request = preflight_with("https://a.example")
        .request_headers(&refused)
        .build();
    assert_eq!(allowed.evaluate(&request).status(), Some(403));
}

#[test]
fn cr_lf_and_nul_in_origin_are_never_echoed() {
    let engine = engine(&["https://a.example*", "*"]);
    for origin in [
        "https://a.example\r\nSet-Cookie: a=b",
        "https://a.example\n",
        "https://a.example\0",
        "https://a.example\t",
        "https://a.example\x7f",
    ] {
        // Even the `*` rule does not answer: the origin matches nothing.
        assert_eq!(engine.evaluate(&preflight(origin)).status(), Some(403));
        let actual = CorsRequest::builder("GET").origin(origin).build();
        assert!(matches!(engine.evaluate(&actual), Decision::Pass(_)));
        assert!(headers(&engine.evaluate(&actual)).is_empty());
    }
}

#[test]
fn non_ascii_origin_is_matched_and_echoed_exactly() {
    let origin = "https://bücher.example";
    let engine = engine(&["https://*.example"]);
    let decision = engine.evaluate(&preflight(origin));
    assert_eq!(
        header(&headers(&decision), "Access-Control-Allow-Origin"),
        Some(origin)
    );
    // Case-sensitive, byte for byte: the upper-case form is another origin.
    let exact = self::engine(&["https://bücher.example"]);
    assert_eq!(
        exact
            .evaluate(&preflight("https://BÜCHER.example"))
            .status(),
        Some(403)
    );
}

#[test]
fn cr_lf_nul_and_non_ascii_in_requested_headers_are_refused() {
    let engine = engine(&["*"]);
    for line in [
        "x-a\r\nSet-Cookie: a=b",
        "x-a\n",
        "x-a\0",
        "x-\u{e4}",
        "x a",
    ] {
        let request = preflight_with("https://a.example")
            .request_headers(line)
            .build();
        let decision = engine.evaluate(&request);
        assert_eq!(decision.status(), Some(403), "{line:?}");
        assert!(headers(&decision).is_empty());
        let actual = CorsRequest::builder("GET")
            .origin("https://a.example")
            .request_headers(line)
            .build();
        assert!(headers(&engine.evaluate(&actual)).is_empty(), "{line:?}");
    }
}

#[test]
fn origin_null_is_an_ordinary_string() {
    assert_eq!(
        headers(&engine(&["*"]).evaluate(&preflight("null")))[0].1,
        "*"
    );
    let listed = headers(&engine(&["null"]).evaluate(&preflight("null")));
    assert_eq!(header(&listed, "Access-Control-Allow-Origin"), Some("null"));
    assert_eq!(
        header(&listed, "Access-Control-Allow-Credentials"),
        Some("true")
    );
    assert_eq!(
        engine(&["https://*", "*.example"])
            .evaluate(&preflight("null"))
            .status(),
        Some(403)
    );
}

// --- Document size and rule count ------------------------------------------------------------

#[test]
fn document_of_exactly_64_kb_is_read() {
    let doc = xml_of_size(MAX_DOCUMENT_BYTES);
    assert_eq!(doc.len(), 65_536);
    let config = CorsConfiguration::from_s3_xml(&doc).unwrap();
    assert!(CorsEngine::compile(&config).is_ok());
    assert_eq!(CorsConfiguration::parse(&doc).unwrap().0, Format::S3Xml);
}

#[test]
fn document_of_64_kb_and_one_byte_is_refused_before_parsing() {
    let doc = xml_of_size(MAX_DOCUMENT_BYTES + 1);
    for result in [
        CorsConfiguration::from_s3_xml(&doc),
        CorsConfiguration::from_oss_xml(&doc),
        CorsConfiguration::from_json(&doc),
        CorsConfiguration::parse(&doc).map(|(_, c)| c),
    ] {
        let err = result.unwrap_err();
        assert_eq!(
            *err.kind(),
            ConfigErrorKind::TooLarge {
                size: 65_537,
                limit: 65_536
            }
        );
        assert_eq!(err.s3_code(), S3ErrorCode::MaxMessageLengthExceeded);
        assert_eq!(err.status(), 400);
        assert_eq!(err.s3_message(), "Your request was too big.");
    }
    // Size is checked first: a document that is not even XML gets the same answer.
    let garbage = vec![0xffu8; MAX_DOCUMENT_BYTES + 1];
    assert!(matches!(
        CorsConfiguration::parse(&garbage).map_err(|e| e.kind().clone()),
        Err(ConfigErrorKind::TooLarge { .. })
    ));
}

fn rules(count: usize) -> CorsConfiguration {
    CorsConfiguration::new(
        (0..count)
            .map(|i| {
                CorsRule::new()
                    .allowed_origin(format!("https://{i}.example"))
                    .allowed_method("GET")
            })
            .collect(),
    )
}

#[test]
fn one_hundred_rules_compile_and_the_last_one_answers() {
    let engine = CorsEngine::compile(&rules(100)).unwrap();
    let request = CorsRequest::builder("GET")
        .origin("https://99.example")
        .build();
    assert_eq!(engine.evaluate(&request).matched_rule(), Some(99));
    // Written and read back, the document still fits and still validates.
    let xml = rules(100).to_s3_xml();
    assert!(xml.len() <= MAX_DOCUMENT_BYTES);
    assert!(
        CorsConfiguration::from_s3_xml(xml.as_bytes())
            .unwrap()
            .validate()
            .is_ok()
    );
}

#[test]
fn one_hundred_and_one_rules_are_refused() {
    let err = CorsEngine::compile(&rules(101)).unwrap_err();
    assert_eq!(
        *err.kind(),
        ConfigErrorKind::TooManyRules {
            count: 101,
            limit: 100
        }
    );
    assert_eq!(err.s3_code(), S3ErrorCode::InvalidRequest);
    assert_eq!(
        err.s3_message(),
        "The number of CORS rules should not exceed allowed limit of 100 rules."
    );
}

// --- Patterns --------------------------------------------------------------------------------

#[test]
fn origin_pattern_star_alone_matches_every_origin() {
    let engine = engine(&["*"]);
    for origin in [
        "https://a.example",
        "",
        "null",
        "localhost:4566",
        "*",
        "ünï",
    ] {
        let decision = engine.evaluate(&preflight(origin));
        let headers = headers(&decision);
        assert_eq!(header(&headers, "Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(header(&headers, "Access-Control-Allow-Credentials"), None);
    }
}

#[test]
fn double_star_is_refused() {
    let origin = CorsConfiguration::new(vec![
        CorsRule::new().allowed_origin("**").allowed_method("GET"),
    ]);
    let err = origin.validate().unwrap_err();
    assert_eq!(err.s3_code(), S3ErrorCode::InvalidRequest);
    assert_eq!(
        err.s3_message(),
        "AllowedOrigin \"**\" can not have more than one wildcard."
    );
    let header = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("*")
            .allowed_method("GET")
            .allowed_header("**"),
    ]);
    assert_eq!(
        header.validate().unwrap_err().s3_message(),
        "AllowedHeader \"**\" can not have more than one wildcard."
    );
    let origin = CorsConfiguration::new(vec![
        CorsRule::new().allowed_origin("**").allowed_method("GET"),
    ]);
    assert!(CorsEngine::compile(&origin).is_err());
}

#[test]
fn star_against_64_kb_of_a() {
    let origin = "a".repeat(64 * KB);
    for (pattern, matches) in [
        ("*", true),
        ("a*", true),
        ("*a", true),
        ("a*a", true),
        ("*b", false),
        ("b*", false),
        ("aa*b", false),
    ] {
        let status = engine(&[pattern]).evaluate(&preflight(&origin)).status();
        assert_eq!(status == Some(200), matches, "{pattern}");
    }
    // A hundred rules of near-misses: `a…a*b` of every length up to 100.
    let entries: Vec<String> = (0..100).map(|n| format!("{}*b", "a".repeat(n))).collect();
    let entries: Vec<&str> = entries.iter().map(String::as_str).collect();
    assert_eq!(
        engine(&entries).evaluate(&preflight(&origin)).status(),
        Some(403)
    );
    // The same for a 64 KB requested header name.
    let name = "a".repeat(64 * KB);
    let header_engine = CorsEngine::compile(&CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("*")
            .allowed_method("PUT")
            .allowed_headers(["*b", "a*a"]),
    ]))
    .unwrap();
    let request = preflight_with("https://a.example")
        .request_headers(&name)
        .build();
    assert_eq!(header_engine.evaluate(&request).status(), Some(200));
}

// --- Hostile documents -----------------------------------------------------------------------

#[test]
fn deeply_nested_xml_is_refused() {
    for element in ["CORSRule", "a", "AllowedOrigin"] {
        // As deep as 64 KB allows, well-formed: thousands of levels.
        let depth = (MAX_DOCUMENT_BYTES - 64) / (2 * element.len() + 5);
        let mut doc = String::from("<CORSConfiguration>");
        for _ in 0..depth {
            doc.push_str(&format!("<{element}>"));
        }
        for _ in 0..depth {
            doc.push_str(&format!("</{element}>"));
        }
        doc.push_str("</CORSConfiguration>");
        assert!(doc.len() <= MAX_DOCUMENT_BYTES && depth > 2_000);
        let doc = doc.as_bytes();
        assert_malformed(CorsConfiguration::from_s3_xml(doc));
        assert_malformed(CorsConfiguration::from_oss_xml(doc));
    }
}

#[test]
fn deeply_nested_json_is_refused() {
    let depth = 30_000;
    let doc = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_malformed(CorsConfiguration::from_json(doc.as_bytes()));
    let doc = format!(
        "{{\"CORSRules\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert_malformed(CorsConfiguration::from_json(doc.as_bytes()));
}

#[test]
fn entity_declarations_and_billion_laughs_are_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE CORSConfiguration [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<CORSConfiguration><CORSRule><AllowedOrigin>&lol9;</AllowedOrigin>
<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"#;
    assert_malformed(CorsConfiguration::from_s3_xml(laughs.as_bytes()));
    let external = r#"<!DOCTYPE CORSConfiguration [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<CORSConfiguration><CORSRule><AllowedOrigin>&x;</AllowedOrigin>
<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"#;
    assert_malformed(CorsConfiguration::from_s3_xml(external.as_bytes()));
    // Without a DOCTYPE, an undefined entity is refused, never expanded or kept as text.
    let undefined = "<CORSConfiguration><CORSRule><AllowedOrigin>&lol9;</AllowedOrigin>\
                     <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
    assert_malformed(CorsConfiguration::from_s3_xml(undefined.as_bytes()));
    // XML's five predefined entities and character references are read.
    let predefined = "<CORSConfiguration><CORSRule><AllowedOrigin>&lt;&amp;&#65;&#x42;</AllowedOrigin>\
                      <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
    let config = CorsConfiguration::from_s3_xml(predefined.as_bytes()).unwrap();
    assert_eq!(config.rules[0].allowed_origins, ["<&AB"]);
}

#[test]
fn byte_order_mark_is_skipped() {
    let xml = "\u{feff}<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
               <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
    let json =
        "\u{feff}{\"CORSRules\": [{\"AllowedOrigins\": [\"*\"], \"AllowedMethods\": [\"GET\"]}]}";
    let from_xml = CorsConfiguration::from_s3_xml(xml.as_bytes()).unwrap();
    let from_json = CorsConfiguration::from_json(json.as_bytes()).unwrap();
    assert_eq!(from_xml, from_json);
    assert_eq!(
        CorsConfiguration::parse(xml.as_bytes()).unwrap().0,
        Format::S3Xml
    );
    assert_eq!(
        CorsConfiguration::parse(json.as_bytes()).unwrap().0,
        Format::Json
    );
    // Inside a value, U+FEFF is content, kept as is.
    let inside = xml.replace("<AllowedOrigin>*", "<AllowedOrigin>\u{feff}*");
    let config = CorsConfiguration::from_s3_xml(inside.as_bytes()).unwrap();
    assert_eq!(config.rules[0].allowed_origins, ["\u{feff}*"]);
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut bytes = if big_endian {
        vec![0xfe, 0xff]
    } else {
        vec![0xff, 0xfe]
    };
    for unit in text.encode_utf16() {
        let pair = if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        };
        bytes.extend_from_slice(&pair);
    }
    bytes
}

#[test]
fn utf16_documents_are_refused() {
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><CORSConfiguration><CORSRule>\
               <AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>\
               </CORSRule></CORSConfiguration>";
    let json = "{\"CORSRules\": [{\"AllowedOrigins\": [\"*\"], \"AllowedMethods\": [\"GET\"]}]}";
    for big_endian in [false, true] {
        let xml16 = utf16(xml, big_endian);
        assert_malformed(CorsConfiguration::from_s3_xml(&xml16));
        assert_malformed(CorsConfiguration::from_oss_xml(&xml16));
        assert_malformed(CorsConfiguration::from_json(&utf16(json, big_endian)));
        assert_eq!(Format::detect(&xml16), None);
        assert_malformed(CorsConfiguration::parse(&xml16).map(|(_, c)| c));
        // Without the byte-order mark too.
        assert_malformed(CorsConfiguration::from_s3_xml(&xml16[2..]));
    }
    // UTF-8 bytes that declare UTF-16 are refused as well.
    assert_malformed(CorsConfiguration::from_s3_xml(xml.as_bytes()));
}

#[test]
fn json_with_duplicated_keys_is_refused() {
    for doc in [
        r#"{"CORSRules": [], "CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}"#,
        r#"{"CORSRules": [{"AllowedOrigins": ["https://a.example"], "AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}"#,
        r#"{"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "MaxAgeSeconds": 1, "MaxAgeSeconds": 2}]}"#,
        r#"[{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "ID": "a", "ID": "b"}]"#,
    ] {
        assert_malformed(CorsConfiguration::from_json(doc.as_bytes()));
    }
}

#[test]
fn json_numbers_beyond_u64_are_refused() {
    for number in [
        "18446744073709551616",
        "340282366920938463463374607431768211456",
        "1e400",
        "-1",
        "4294967296",
        "3000.5",
    ] {
        let doc = format!(
            r#"{{"CORSRules": [{{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "MaxAgeSeconds": {number}}}]}}"#
        );
        assert_malformed(CorsConfiguration::from_json(doc.as_bytes()));
    }
    // Within u32 but beyond S3's signed 32-bit integer: read, then refused by validation.
    let doc = r#"{"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "MaxAgeSeconds": 2147483648}]}"#;
    let config = CorsConfiguration::from_json(doc.as_bytes()).unwrap();
    assert_eq!(
        config.validate().unwrap_err().s3_code(),
        S3ErrorCode::MalformedXml
    );
}

// ---- explain ----
//
// `explain` is O(n + C) besides the trace it returns: it indexes the entries once and looks
// the origin and each requested name up once. Each document is near 64 KB and built for the
// most work per lookup. Each bound is at least 50 times the slowest of several runs of the
// debug test build on the 2-core machine under a load average of 8 to 11 (2026-12-03: long
// patterns 23 ms, bound 2 s; many origins and wildcard headers 87 ms, bound 5 s; shadowed
// rules 59 ms, bound 3 s), so an ordinary slow run passes. The shadowed-rules case fails on a
// return to a walk over rules x entries x names (19 million comparisons: 7.5 s for that walk
// alone in the same build) and on an index whose hash puts similar keys in one bucket (it
// took 200 ms with such a hash).

/// A JSON configuration of rules `(origins, headers)`, each allowing GET and PUT.
fn explain_document(rules: &[(Vec<String>, Vec<String>)]) -> Vec<u8> {
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|(origins, headers)| {
            serde_json::json!({
                "AllowedOrigins": origins,
                "AllowedMethods": ["GET", "PUT"],
                "AllowedHeaders": headers,
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "CORSRules": rules })).unwrap()
}

/// Compiles a document that must be near, and within, 64 KB.
fn explain_engine(document: &[u8]) -> CorsEngine {
    assert!(
        (48 * 1024..=MAX_DOCUMENT_BYTES).contains(&document.len()),
        "{} bytes",
        document.len()
    );
    CorsEngine::compile(&CorsConfiguration::from_json(document).unwrap()).unwrap()
}

/// Runs `explain` and checks it took less than `bound`.
fn explain_within(
    engine: &CorsEngine,
    request: &CorsRequest<'_>,
    bound: std::time::Duration,
) -> bucket_cors::Explanation {
    let start = std::time::Instant::now();
    let explanation = engine.explain(request);
    let took = start.elapsed();
    assert!(took < bound, "explain took {took:?}, bound {bound:?}");
    assert_eq!(
        explanation.matched_rule,
        engine.evaluate(request).matched_rule()
    );
    explanation
}

#[test]
fn explain_of_many_origins_and_wildcard_headers() {
    // Two rules with the same 1,600 header entries of every shape (exact, `prefix*`,
    // `*suffix`, and `prefix*suffix` all sharing one suffix), the second in upper case, and
    // 1,000 origins; the request asks for 1,600 names, each allowed only by an entry late in
    // each rule.
    let n = 400;
    let mut headers = Vec::new();
    for i in 0..n {
        headers.extend([
            format!("name-{i}"),
            format!("x-h{i}-*"),
            format!("*-s{i}"),
            format!("p{i}.*-z"),
        ]);
    }
    let origins: Vec<String> = (0..500)
        .flat_map(|i| {
            [
                format!("https://o{i}.example.com"),
                format!("https://*.w{i}.example.com"),
            ]
        })
        .collect();
    let upper: Vec<String> = headers.iter().map(|h| h.to_ascii_uppercase()).collect();
    let document = explain_document(&[
        (origins.clone(), headers.clone()),
        (vec!["https://*.w499.example.com".to_owned()], upper),
    ]);
    let engine = explain_engine(&document);
    let names: Vec<String> = (0..n)
        .rev()
        .flat_map(|i| {
            [
                format!("Name-{i}"),
                format!("x-h{i}-v"),
                format!("v-s{i}"),
                format!("p{i}.y-z"),
            ]
        })
        .collect();
    let line = names.join(", ");
    let request = preflight_with("https://a.w499.example.com")
        .request_headers(&line)
        .build();
    let explanation = explain_within(&engine, &request, std::time::Duration::from_secs(5));
    assert_eq!(explanation.matched_rule, Some(0));
    let first = &explanation.rules[0];
    assert_eq!(
        first.origin_match.as_deref(),
        Some("https://*.w499.example.com")
    );
    assert_eq!(first.headers.len(), 4 * n);
    let by: Vec<&str> = first.headers[..4]
        .iter()
        .map(|h| h.allowed_by.as_deref().unwrap())
        .collect();
    assert_eq!(by, ["name-399", "x-h399-*", "*-s399", "p399.*-z"]);
    let second = &explanation.rules[1];
    assert!(second.matches && !second.chosen);
    assert_eq!(second.headers[3].allowed_by.as_deref(), Some("P399.*-Z"));
}

#[test]
fn explain_of_shadowed_rules_whose_last_entry_allows() {
    // Two identical rules (the second shadowed by the first), each listing 2,400 header
    // patterns no name matches (1,200, each twice in two cases) before the one that allows
    // every name; 4,000 requested names. A walk over rules x entries x names, as `explain`
    // once made, compares 19 million times; an indexed one looks each name up once.
    let origins = vec!["https://a.example".to_owned(), "*".to_owned()];
    let headers: Vec<String> = (0..1_200)
        .flat_map(|i| [format!("X-Q{i}-*"), format!("x-q{i}-*")])
        .chain(["x-amz-*".to_owned()])
        .collect();
    let document = explain_document(&[(origins.clone(), headers.clone()), (origins, headers)]);
    let engine = explain_engine(&document);
    let line = (0..4_000)
        .map(|i| format!("x-amz-{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let request = preflight_with("https://a.example")
        .request_headers(&line)
        .build();
    let explanation = explain_within(&engine, &request, std::time::Duration::from_secs(3));
    assert_eq!(explanation.matched_rule, Some(0));
    let second = &explanation.rules[1];
    assert!(second.matches && !second.chosen);
    assert_eq!(second.origin_match.as_deref(), Some("https://a.example"));
    assert_eq!(second.headers[3_999].name, "x-amz-3999");
    assert_eq!(second.headers[3_999].allowed_by.as_deref(), Some("x-amz-*"));
}

#[test]
fn explain_of_long_wildcard_patterns() {
    // One origin pattern and one header pattern of about 30 KB each, against an origin and a
    // name of about 30 KB that match them.
    let half = "a".repeat(15_000);
    let origin_pattern = format!("https://{half}*{half}");
    let header_pattern = format!("x-{}*", "b".repeat(30_000));
    let document =
        explain_document(&[(vec![origin_pattern.clone()], vec![header_pattern.clone()])]);
    let engine = explain_engine(&document);
    let origin = format!("https://{half}-{half}");
    let name = format!("x-{}", "b".repeat(30_001));
    let request = preflight_with(&origin).request_headers(&name).build();
    let explanation = explain_within(&engine, &request, std::time::Duration::from_secs(2));
    assert_eq!(explanation.matched_rule, Some(0));
    let rule = &explanation.rules[0];
    assert_eq!(rule.origin_match.as_deref(), Some(origin_pattern.as_str()));
    assert_eq!(
        rule.headers[0].allowed_by.as_deref(),
        Some(header_pattern.as_str())
    );
}

// ---- lint ----
//
// Near-64 KB documents built for the worst case of each lint (benches/support/diag_cases.rs;
// `benches/diag.rs` times the same documents). Each asserts the warnings and a time bound
// fifty times or more over the time measured in a debug build, so it cannot flake on a slow
// machine but fails on a return to polynomial time (the cubic lint took minutes on the first).

#[path = "../benches/support/diag_cases.rs"]
mod diag_cases;

mod lint_cases {
    use std::time::{Duration, Instant};

    use bucket_cors::lint::{LintCode, Warning, lint};
    use bucket_cors::s3::MAX_DOCUMENT_BYTES;
    use bucket_cors::{CorsConfiguration, Format};

    use super::diag_cases::{self, DiagCase};

    /// The time bound of every case: at least 50 times the slowest lint of these documents
    /// measured in a debug build (37 ms, on a shared two-core machine; see
    /// docs/robustness.md, Diagnostics). The cubic lint took minutes on the first case.
    const BOUND: Duration = Duration::from_secs(2);

    /// Parses the case's document, lints it (the best of three runs) and checks the time.
    fn lint_within(case: &DiagCase, bound: Duration) -> Vec<Warning> {
        assert!(
            case.document.len() <= MAX_DOCUMENT_BYTES
                && case.document.len() > MAX_DOCUMENT_BYTES - 2048,
            "{}: {} bytes",
            case.name,
            case.document.len()
        );
        let (_, config) = CorsConfiguration::parse(&case.document).expect("the case parses");
        let mut best = Duration::MAX;
        let mut warnings = Vec::new();
        for _ in 0..3 {
            let start = Instant::now();
            warnings = lint(&config);
            best = best.min(start.elapsed());
        }

        assert!(
            best < bound,
            "{}: lint took {best:?}, bound {bound:?}",
            case.name
        );
        warnings
    }

    /// The (rule, code) of each warning.
    fn codes(warnings: &[Warning]) -> Vec<(Option<usize>, LintCode)> {
        warnings.iter().map(|w| (w.rule, w.code)).collect()
    }

    #[test]
    fn lint_of_many_origins_by_many_headers() {
        let case = diag_cases::fit(
            "origins-by-headers",
            Format::Json,
            diag_cases::origins_by_headers,
        );
        assert!(case.n > 600, "{}", case.n);
        let warnings = lint_within(&case, BOUND);
        assert_eq!(codes(&warnings), [(Some(1), LintCode::UnreachableRule)]);
        assert!(
            warnings[0].message.contains("rule 0 matches"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn lint_of_many_wildcard_origins_and_headers() {
        let case = diag_cases::fit("wildcards", Format::S3Xml, diag_cases::wildcards);
        assert!(case.n > 150, "{}", case.n);
        let warnings = lint_within(&case, BOUND);
        // Rule 1 lists one origin no pattern covers; rule 2, without it, is shadowed.
        assert_eq!(codes(&warnings), [(Some(2), LintCode::UnreachableRule)]);
        assert!(
            warnings[0].message.contains("rule 0 matches"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn lint_of_many_duplicate_values() {
        let case = diag_cases::fit("duplicates", Format::S3Xml, diag_cases::duplicates);
        assert!(case.n > 180, "{}", case.n);
        let warnings = lint_within(&case, BOUND);
        assert_eq!(warnings.len(), 3 * case.n);
        assert!(
            warnings
                .iter()
                .all(|w| w.rule == Some(0) && w.code == LintCode::Duplicate)
        );
        let headers = warnings
            .iter()
            .filter(|w| w.message.contains("(names ignore case)"))
            .count();
        assert_eq!(headers, 2 * case.n);
    }

    #[test]
    fn lint_of_many_rules_shadowing_each_other() {
        let case = diag_cases::fit("shadowing", Format::Json, diag_cases::shadowing);
        let first = diag_cases::SHADOWING_FIRST;
        let warnings = lint_within(&case, BOUND);
        let expected: Vec<_> = (first..2 * first)
            .map(|rule| (Some(rule), LintCode::UnreachableRule))
            .collect();
        assert_eq!(codes(&warnings), expected);
        let all: Vec<String> = (0..first).map(|r| r.to_string()).collect();
        let together = format!("rules {} together match", all.join(", "));
        assert!(
            warnings.iter().all(|w| w.message.contains(&together)),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn lint_of_long_wildcard_patterns() {
        let case = diag_cases::fit("long-wildcards", Format::S3Xml, diag_cases::long_wildcards);
        assert!(case.n > 100, "{}", case.n);
        let warnings = lint_within(&case, BOUND);
        assert_eq!(codes(&warnings), [(Some(1), LintCode::UnreachableRule)]);
        assert!(
            warnings[0].message.contains("rule 0 matches"),
            "{}",
            warnings[0]
        );
    }
}
