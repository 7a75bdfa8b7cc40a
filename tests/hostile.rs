//! Hostile input, one case per test: oversized, malformed or malicious documents and headers.
//! Each test asserts the outcome; the README's Robustness section states the time and memory
//! bound each case stays within.

use bucket_cors::s3::{MALFORMED_XML_MESSAGE, MAX_DOCUMENT_BYTES, S3ErrorCode};
use bucket_cors::{
    ConfigError, ConfigErrorKind, CorsConfiguration, CorsEngine, CorsRequest, CorsRule, Decision,
    Field, Format, HeaderLines,
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
    CorsRequest::new("OPTIONS")
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
    let request = preflight("https://a.example").request_headers(&line);
    let decision = allowed.evaluate(&request);
    assert_eq!(decision.status(), Some(200));
    let allow_headers = header(&headers(&decision), "Access-Control-Allow-Headers")
        .unwrap()
        .to_owned();
    assert_eq!(allow_headers, line.to_ascii_lowercase());
    // The same names on 10,000 header lines.
    let lines: Vec<&str> = names.iter().map(String::as_str).collect();
    let request = preflight("https://a.example").request_header_lines(HeaderLines::many(&lines));
    assert_eq!(
        header(
            &headers(&allowed.evaluate(&request)),
            "Access-Control-Allow-Headers"
        ),
        Some(allow_headers.as_str())
    );
    // One name the rule does not allow, at the very end: refused.
    let refused = format!("{line}, content-type");
    let request = preflight("https://a.example").request_headers(&refused);
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
        let actual = CorsRequest::new("GET").origin(origin);
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
        let request = preflight("https://a.example").request_headers(line);
        let decision = engine.evaluate(&request);
        assert_eq!(decision.status(), Some(403), "{line:?}");
        assert!(headers(&decision).is_empty());
        let actual = CorsRequest::new("GET")
            .origin("https://a.example")
            .request_headers(line);
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
    let request = CorsRequest::new("GET").origin("https://99.example");
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
    let request = preflight("https://a.example").request_headers(&name);
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
