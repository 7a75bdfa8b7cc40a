//! One line per validation rule: a document, and S3's answer to it (code, status, message,
//! the rule at fault), plus the lowercase log text.

use bucket_cors::s3::MAX_DOCUMENT_BYTES;
use bucket_cors::{ConfigError, CorsConfiguration, CorsRule, Dialect, Format, ValidationOptions};

const MALFORMED: &str =
    "The XML you provided was not well-formed or did not validate against our published schema";

fn xml_rules(rules: &str) -> String {
    format!(
        r#"<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{rules}</CORSConfiguration>"#
    )
}

fn rule(body: &str) -> String {
    format!("<CORSRule>{body}</CORSRule>")
}

const OK: &str = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>";

/// Reads and validates, rendering the outcome as `ok` or `CODE STATUS rule=N | message`.
fn outcome(document: &str) -> String {
    outcome_with(document, &ValidationOptions::s3())
}

fn outcome_with(document: &str, options: &ValidationOptions) -> String {
    let result = CorsConfiguration::parse(document.as_bytes())
        .and_then(|(_, config)| config.validate_with(options).map(|()| config));
    match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => render(&e),
    }
}

fn render(e: &ConfigError) -> String {
    let rule = e.rule().map(|r| format!(" rule={r}")).unwrap_or_default();
    format!("{} {}{rule} | {}", e.s3_code(), e.status(), e.s3_message())
}

macro_rules! table {
    ($($name:ident: $document:expr => $expected:expr;)*) => {
        $( #[test] fn $name() { assert_eq!(outcome(&$document), $expected, "{}", $document) } )*
    };
}

table! {
    accepts_a_minimal_rule: xml_rules(&rule(OK)) => "ok";
    accepts_no_namespace_and_a_declaration: format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CORSConfiguration>{}</CORSConfiguration>", rule(OK)) => "ok";
    accepts_interleaved_elements_comments_and_whitespace: xml_rules(&rule("\n <AllowedMethod>GET</AllowedMethod><!-- c -->\n <AllowedOrigin>a</AllowedOrigin>\n <MaxAgeSeconds> 10 </MaxAgeSeconds><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>b</AllowedOrigin><ID>x</ID>")) => "ok";
    accepts_empty_origin: xml_rules(&rule("<AllowedOrigin/><AllowedMethod>GET</AllowedMethod>")) => "ok";
    accepts_non_url_origin: xml_rules(&rule("<AllowedOrigin>localhost</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")) => "ok";
    accepts_255_character_id: xml_rules(&rule(&format!("<ID>{}</ID>{OK}", "é".repeat(255)))) => "ok";
    accepts_zero_and_max_max_age: xml_rules(&format!("{}{}", rule(&format!("{OK}<MaxAgeSeconds>0</MaxAgeSeconds>")), rule(&format!("{OK}<MaxAgeSeconds>2147483647</MaxAgeSeconds>")))) => "ok";
    accepts_100_rules: xml_rules(&rule(OK).repeat(100)) => "ok";
    accepts_star_and_specific_origin_together: xml_rules(&rule("<AllowedOrigin>*</AllowedOrigin><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")) => "ok";
    accepts_one_wildcard_in_header: xml_rules(&rule(&format!("{OK}<AllowedHeader>x-amz-*</AllowedHeader>"))) => "ok";

    // MalformedXML.
    no_rules: xml_rules("") => format!("MalformedXML 400 | {MALFORMED}");
    empty_rule: xml_rules("<CORSRule></CORSRule>") => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    self_closing_rule: xml_rules("<CORSRule/>") => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    missing_origin: xml_rules(&rule("<AllowedMethod>GET</AllowedMethod>")) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    missing_method_in_second_rule: xml_rules(&format!("{}{}", rule(OK), rule("<AllowedOrigin>*</AllowedOrigin>"))) => format!("MalformedXML 400 rule=1 | {MALFORMED}");
    max_age_not_integer: xml_rules(&rule(&format!("{OK}<MaxAgeSeconds>a</MaxAgeSeconds>"))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    max_age_negative: xml_rules(&rule(&format!("{OK}<MaxAgeSeconds>-1</MaxAgeSeconds>"))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    max_age_fraction: xml_rules(&rule(&format!("{OK}<MaxAgeSeconds>1.5</MaxAgeSeconds>"))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    max_age_over_i32: xml_rules(&rule(&format!("{OK}<MaxAgeSeconds>2147483648</MaxAgeSeconds>"))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    max_age_hundred_digits: xml_rules(&rule(&format!("{OK}<MaxAgeSeconds>{}</MaxAgeSeconds>", "9".repeat(100)))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    max_age_twice: xml_rules(&rule(&format!("{OK}<MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>2</MaxAgeSeconds>"))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    id_too_long: xml_rules(&rule(&format!("<ID>{}</ID>{OK}", "a".repeat(256)))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    id_twice: xml_rules(&rule(&format!("<ID>a</ID><ID>b</ID>{OK}"))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    unknown_rule_element: xml_rules(&rule(&format!("{OK}<AllowedOrigins>x</AllowedOrigins>"))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    unknown_root_element: xml_rules(&format!("{}<Other/>", rule(OK))) => format!("MalformedXML 400 | {MALFORMED}");
    wrong_root: format!("<CORSConfig>{}</CORSConfig>", rule(OK)) => format!("MalformedXML 400 | {MALFORMED}");
    wrong_namespace: format!("<CORSConfiguration xmlns=\"urn:other\">{}</CORSConfiguration>", rule(OK)) => format!("MalformedXML 400 | {MALFORMED}");
    accepts_the_https_namespace: format!("<CORSConfiguration xmlns=\"https://s3.amazonaws.com/doc/2006-03-01/\">{}</CORSConfiguration>", rule(OK)) => "ok";
    accepts_the_https_namespace_in_oss_xml: format!("<CORSConfiguration xmlns='https://s3.amazonaws.com/doc/2006-03-01/'>{}<ResponseVary>true</ResponseVary></CORSConfiguration>", rule(OK)) => "ok";
    https_namespace_must_be_exact: format!("<CORSConfiguration xmlns=\"https://s3.amazonaws.com/doc/2006-03-01\">{}</CORSConfiguration>", rule(OK)) => format!("MalformedXML 400 | {MALFORMED}");
    https_namespace_is_case_sensitive: format!("<CORSConfiguration xmlns=\"HTTPS://s3.amazonaws.com/doc/2006-03-01/\">{}</CORSConfiguration>", rule(OK)) => format!("MalformedXML 400 | {MALFORMED}");
    other_https_namespace: format!("<CORSConfiguration xmlns=\"https://s3.amazonaws.com/doc/2006-03-02/\">{}</CORSConfiguration>", rule(OK)) => format!("MalformedXML 400 | {MALFORMED}");
    not_well_formed: xml_rules(&rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</Allowed")) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    mismatched_end_tag: xml_rules(&rule("<AllowedOrigin>*</AllowedMethod>")) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    text_between_elements: xml_rules(&rule(&format!("oops{OK}"))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    element_inside_value: xml_rules(&rule("<AllowedOrigin><b>x</b></AllowedOrigin><AllowedMethod>GET</AllowedMethod>")) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    two_roots: format!("{}{}", xml_rules(&rule(OK)), xml_rules(&rule(OK))) => format!("MalformedXML 400 | {MALFORMED}");
    doctype_refused: format!("<!DOCTYPE CORSConfiguration [<!ENTITY x \"y\">]>{}", xml_rules(&rule(OK))) => format!("MalformedXML 400 | {MALFORMED}");
    undefined_entity_not_expanded: xml_rules(&rule("<AllowedOrigin>&x;</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")) => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    utf16_declaration_refused: format!("<?xml version=\"1.0\" encoding=\"UTF-16\"?>{}", xml_rules(&rule(OK))) => format!("MalformedXML 400 | {MALFORMED}");
    empty_document: "" => format!("MalformedXML 400 | {MALFORMED}");
    deep_nesting: xml_rules(&format!("{}{}", "<CORSRule>", "<a>".repeat(5000))) => format!("MalformedXML 400 rule=0 | {MALFORMED}");

    // InvalidRequest.
    unsupported_method: xml_rules(&rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>MYMETHOD</AllowedMethod>")) => "InvalidRequest 400 rule=0 | Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD";
    lowercase_method: xml_rules(&rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>")) => "InvalidRequest 400 rule=0 | Found unsupported HTTP method in CORS config. Unsupported method is get";
    empty_method: xml_rules(&rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod></AllowedMethod>")) => "InvalidRequest 400 rule=0 | Found unsupported HTTP method in CORS config. Unsupported method is ";
    first_bad_method_in_document_order: xml_rules(&rule("<AllowedMethod>PATCH</AllowedMethod><AllowedOrigin>*</AllowedOrigin><AllowedMethod>OPTIONS</AllowedMethod>")) => "InvalidRequest 400 rule=0 | Found unsupported HTTP method in CORS config. Unsupported method is PATCH";
    origin_two_wildcards: xml_rules(&rule("<AllowedOrigin>*example*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")) => "InvalidRequest 400 rule=0 | AllowedOrigin \"*example*.com\" can not have more than one wildcard.";
    origin_double_star: xml_rules(&rule("<AllowedOrigin>**</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")) => "InvalidRequest 400 rule=0 | AllowedOrigin \"**\" can not have more than one wildcard.";
    header_two_wildcards: xml_rules(&rule(&format!("{OK}<AllowedHeader>*-amz-*</AllowedHeader>"))) => "InvalidRequest 400 rule=0 | AllowedHeader \"*-amz-*\" can not have more than one wildcard.";
    expose_wildcard: xml_rules(&rule(&format!("{OK}<ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-meta-*</ExposeHeader>"))) => "InvalidRequest 400 rule=0 | ExposeHeader \"x-amz-meta-*\" contains wildcard. We currently do not support wildcard for ExposeHeader.";
    expose_not_a_token: xml_rules(&rule(&format!("{OK}<ExposeHeader>X:Y</ExposeHeader>"))) => "InvalidRequest 400 rule=0 | ExposeHeader \"X:Y\" contains invalid character.";
    expose_with_newline_reference: xml_rules(&rule(&format!("{OK}<ExposeHeader>a&#10;b</ExposeHeader>"))) => "InvalidRequest 400 rule=0 | ExposeHeader \"a\nb\" contains invalid character.";
    header_with_space: xml_rules(&rule(&format!("{OK}<AllowedHeader>x y</AllowedHeader>"))) => "InvalidRequest 400 rule=0 | AllowedHeader \"x y\" contains invalid character.";
    origin_with_control: xml_rules(&rule("<AllowedOrigin>a&#9;b</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")) => "InvalidRequest 400 rule=0 | AllowedOrigin \"a\tb\" contains invalid character.";
    too_many_rules: xml_rules(&rule(OK).repeat(101)) => "InvalidRequest 400 | The number of CORS rules should not exceed allowed limit of 100 rules.";
    shape_errors_come_before_rule_errors: xml_rules(&format!("{}{}", rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>BAD</AllowedMethod>"), rule("<AllowedOrigin>*</AllowedOrigin>"))) => format!("MalformedXML 400 rule=1 | {MALFORMED}");
    rules_are_checked_in_order: xml_rules(&format!("{}{}", rule("<AllowedOrigin>*a*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"), rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>BAD</AllowedMethod>"))) => "InvalidRequest 400 rule=0 | AllowedOrigin \"*a*\" can not have more than one wildcard.";

    // JSON reads the same rules.
    json_accepted: r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}"# => "ok";
    json_bare_array: r#"[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]"# => "ok";
    json_get_bucket_cors_output: r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}],"ResponseMetadata":{"HTTPStatusCode":200}}"# => "ok";
    json_empty_rules: r#"{"CORSRules":[]}"# => format!("MalformedXML 400 | {MALFORMED}");
    json_bad_method: r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["TRACE"]}]}"# => "InvalidRequest 400 rule=0 | Found unsupported HTTP method in CORS config. Unsupported method is TRACE";
    json_unknown_member: r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"AllowedOrigin":["x"]}]}"# => format!("MalformedXML 400 | {MALFORMED}");
    json_duplicate_member: r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedOrigins":["x"],"AllowedMethods":["GET"]}]}"# => format!("MalformedXML 400 | {MALFORMED}");
    json_wrong_type: r#"{"CORSRules":[{"AllowedOrigins":"*","AllowedMethods":["GET"]}]}"# => format!("MalformedXML 400 | {MALFORMED}");
    json_max_age_string: r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"MaxAgeSeconds":"3000"}]}"# => format!("MalformedXML 400 | {MALFORMED}");
    json_max_age_negative: r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"MaxAgeSeconds":-5}]}"# => format!("MalformedXML 400 rule=0 | {MALFORMED}");
    json_max_age_beyond_u64: r#"{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"MaxAgeSeconds":123456789012345678901234567890}]}"# => format!("MalformedXML 400 | {MALFORMED}");
    json_not_well_formed: r#"{"CORSRules":[{"AllowedOrigins":["*"]"# => format!("MalformedXML 400 | {MALFORMED}");
    json_deep_nesting: format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)) => format!("MalformedXML 400 | {MALFORMED}");
    not_a_document: "hello" => format!("MalformedXML 400 | {MALFORMED}");
}

#[test]
fn response_vary_is_not_an_s3_element() {
    let document = xml_rules(&format!("{}<ResponseVary>true</ResponseVary>", rule(OK)));
    let err = CorsConfiguration::from_s3_xml(document.as_bytes()).unwrap_err();
    assert_eq!(render(&err), format!("MalformedXML 400 | {MALFORMED}"));
    let oss = CorsConfiguration::from_oss_xml(document.as_bytes()).unwrap();
    assert_eq!(oss.response_vary, Some(true));
    assert_eq!(Format::detect(document.as_bytes()), Some(Format::OssXml));
}

#[test]
fn size_limit_is_decided_before_parsing() {
    let at_limit = vec![b' '; MAX_DOCUMENT_BYTES];
    // 64 KiB of spaces is read (and found empty), not refused for its size.
    let err = CorsConfiguration::from_s3_xml(&at_limit).unwrap_err();
    assert_eq!(err.s3_code().as_str(), "MalformedXML");
    let over = vec![b'<'; MAX_DOCUMENT_BYTES + 1];
    for format in [Format::S3Xml, Format::OssXml, Format::Json] {
        let err = CorsConfiguration::parse_as(&over, format).unwrap_err();
        assert_eq!(
            render(&err),
            "MaxMessageLengthExceeded 400 | Your request was too big."
        );
        assert_eq!(
            err.to_string(),
            "document of 65537 bytes is larger than the limit of 65536 bytes"
        );
    }
}

#[test]
fn a_valid_document_of_exactly_64_kib_is_accepted() {
    let head = xml_rules(&rule(OK));
    let padding = MAX_DOCUMENT_BYTES - head.len();
    let document = format!("{head}{}", " ".repeat(padding));
    assert_eq!(document.len(), MAX_DOCUMENT_BYTES);
    assert_eq!(outcome(&document), "ok");
}

#[test]
fn lenient_mode_only_relaxes_expose_header_wildcards() {
    let lenient = ValidationOptions::s3().lenient(true);
    let expose = xml_rules(&rule(&format!("{OK}<ExposeHeader>*</ExposeHeader>")));
    assert_eq!(outcome_with(&expose, &lenient), "ok");
    assert!(outcome(&expose).starts_with("InvalidRequest 400 rule=0 | ExposeHeader \"*\""));
    let method = xml_rules(&rule(
        "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>",
    ));
    assert!(outcome_with(&method, &lenient).starts_with("InvalidRequest"));
    assert!(
        outcome_with(&xml_rules(&rule(OK).repeat(101)), &lenient).starts_with("InvalidRequest")
    );
}

#[test]
fn oss_dialect_limits_rules_to_ten_and_has_no_id() {
    let oss = ValidationOptions::s3().dialect(Dialect::Oss);
    let ten = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("*")
            .allowed_method("GET");
        10
    ]);
    assert!(ten.validate_with(&oss).is_ok());
    let mut eleven = ten.clone();
    eleven
        .rules
        .push(CorsRule::new().allowed_origin("*").allowed_method("GET"));
    let err = eleven.validate_with(&oss).unwrap_err();
    assert_eq!(
        render(&err),
        "InvalidRequest 400 | The number of CORS rules should not exceed allowed limit of 10 rules."
    );
    assert!(eleven.validate().is_ok(), "S3 takes eleven rules");
    let with_id = CorsConfiguration::new(vec![
        CorsRule::new()
            .id("x")
            .allowed_origin("*")
            .allowed_method("GET"),
    ]);
    assert_eq!(
        render(&with_id.validate_with(&oss).unwrap_err()),
        format!("MalformedXML 400 rule=0 | {MALFORMED}")
    );
    // The OSS reader has no ID element either.
    let doc = format!(
        "<CORSConfiguration>{}</CORSConfiguration>",
        rule(&format!("<ID>x</ID>{OK}"))
    );
    assert!(CorsConfiguration::from_oss_xml(doc.as_bytes()).is_err());
}

#[test]
fn built_configurations_are_checked_too() {
    let config = CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin("*")
            .allowed_method("GET")
            .max_age_seconds(u32::MAX),
    ]);
    let err = config.validate().unwrap_err();
    assert_eq!(
        render(&err),
        format!("MalformedXML 400 rule=0 | {MALFORMED}")
    );
    assert_eq!(
        err.to_string(),
        "rule 0: max age seconds 4294967295 is larger than 2147483647"
    );
}

#[test]
fn display_is_lowercase_and_names_rule_and_field() {
    let cases = [
        (
            xml_rules(&rule(
                "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>",
            )),
            "rule 0: unsupported allowed method \"get\"",
        ),
        (
            xml_rules(&rule(
                "<AllowedOrigin>*a*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>",
            )),
            "rule 0: allowed origin \"*a*\" has more than one wildcard",
        ),
        (
            xml_rules(&rule(&format!("{OK}<ExposeHeader>a*</ExposeHeader>"))),
            "rule 0: expose header \"a*\" contains a wildcard",
        ),
        (
            xml_rules(&format!(
                "{}{}",
                rule(OK),
                rule("<AllowedMethod>GET</AllowedMethod>")
            )),
            "rule 1: no allowed origin",
        ),
        (xml_rules(""), "configuration has no rules"),
    ];
    for (document, expected) in cases {
        let err = CorsConfiguration::parse(document.as_bytes())
            .and_then(|(_, c)| c.validate())
            .unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
    let err = CorsConfiguration::from_s3_xml(b"<CORSConfiguration><Bad/></CORSConfiguration>")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("malformed s3-xml document: unexpected element \"Bad\""),
        "{text}"
    );
}

#[test]
fn errors_carry_kind_rule_field_and_offset_as_data() {
    use bucket_cors::{ConfigErrorKind, Field};
    // Validation: the rule and field, no offset (the model has no bytes).
    let doc = xml_rules(&format!(
        "{}{}",
        rule(OK),
        rule(
            "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>a b</AllowedHeader>"
        )
    ));
    let err = CorsConfiguration::from_s3_xml(doc.as_bytes())
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        *err.kind(),
        ConfigErrorKind::InvalidCharacter {
            field: Field::AllowedHeader,
            value: "a b".to_owned()
        }
    );
    assert_eq!(
        (err.rule(), err.field(), err.offset()),
        (Some(1), Some(Field::AllowedHeader), None)
    );
    assert_eq!(err.status(), 400);
    assert!(std::error::Error::source(&err).is_none());
    // Reading: the rule and field being read, and the byte where the problem was found.
    let doc = "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod>               <AllowedOrigin>a<b/></AllowedOrigin></CORSRule></CORSConfiguration>";
    let err = CorsConfiguration::from_s3_xml(doc.as_bytes()).unwrap_err();
    assert!(matches!(
        err.kind(),
        ConfigErrorKind::Malformed {
            format: Format::S3Xml,
            ..
        }
    ));
    assert_eq!(err.rule(), Some(0));
    assert_eq!(err.field(), Some(Field::AllowedOrigin));
    assert_eq!(err.offset(), doc.find("<b/>"));
    assert_eq!(
        err.to_string(),
        format!(
            "malformed s3-xml document, rule 0: unexpected element \"b\" inside a value (at byte {})",
            doc.find("<b/>").unwrap()
        )
    );
    // The kind's own text is lowercase and names no position.
    assert_eq!(
        ConfigErrorKind::MissingAllowedOrigin.to_string(),
        "no allowed origin"
    );
}

#[test]
fn the_parsers_own_errors_are_kept_as_the_source() {
    // quick-xml's, with the offset where it stopped.
    let doc = b"<CORSConfiguration><CORSRule></CORSConfiguration>";
    let err = CorsConfiguration::from_s3_xml(doc).unwrap_err();
    let source = std::error::Error::source(&err).expect("quick-xml's error");
    assert!(
        source.downcast_ref::<quick_xml::Error>().is_some(),
        "{source:?}"
    );
    assert_eq!(err.rule(), Some(0));
    assert_eq!(err.offset(), Some(29));
    // serde_json's, with the offset of its line and column.
    let doc = b"{\"CORSRules\": [\n  {\"AllowedOrigins\": [\"*\"], \"Bad\": 1}]}";
    let err = CorsConfiguration::from_json(doc).unwrap_err();
    let source = std::error::Error::source(&err).expect("serde_json's error");
    assert!(
        source.downcast_ref::<serde_json::Error>().is_some(),
        "{source:?}"
    );
    let offset = err.offset().expect("an offset");
    assert!(doc[..offset].ends_with(b"\"Bad\""), "{offset}");
    // A byte order mark counts in the offset.
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(b"<CORSConfiguration><Bad/></CORSConfiguration>");
    let err = CorsConfiguration::from_s3_xml(&with_bom).unwrap_err();
    assert_eq!(err.offset(), Some(22));
}

#[test]
fn to_xml_is_the_body_a_put_bucket_cors_handler_sends() {
    let doc = xml_rules(&rule(
        "<AllowedOrigin>https://*.<&>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>",
    ));
    let err = CorsConfiguration::from_s3_xml(doc.replace("<&>", "&lt;&amp;&gt;").as_bytes())
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        err.to_xml("4442587FB7D0A2F9", "host&id"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidRequest</Code>\
         <Message>AllowedOrigin \"https://*.&lt;&amp;&gt;*\" can not have more than one \
         wildcard.</Message><RequestId>4442587FB7D0A2F9</RequestId>\
         <HostId>host&amp;id</HostId></Error>"
    );
    let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
    let err = CorsConfiguration::from_s3_xml(&big).unwrap_err();
    assert!(err.to_xml("r", "h").contains(
        "<Code>MaxMessageLengthExceeded</Code><Message>Your request was too big.</Message>"
    ));
}
