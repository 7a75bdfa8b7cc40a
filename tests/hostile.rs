//! Hostile input, one case per test: oversized, malformed or malicious documents and headers.
//! Each test asserts the outcome; the README's Robustness section states the time and memory
//! bound each case stays within.

use bucket_cors::{
    ConfigError, CorsConfiguration, CorsEngine, CorsRequest, CorsRule, Decision, Field, S3ErrorCode,
};

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
            err,
            ConfigError::InvalidCharacter {
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
            id.validate().unwrap_err(),
            ConfigError::InvalidCharacter {
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
