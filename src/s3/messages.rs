//! S3's exact `<Message>` texts.

/// S3's message for every `MalformedXML` answer (it has no final period).
pub const MALFORMED_XML_MESSAGE: &str =
    "The XML you provided was not well-formed or did not validate against our published schema";

/// S3's message for `OPTIONS` without `Origin`.
pub const MISSING_ORIGIN_MESSAGE: &str = "Insufficient information. Origin request header needed.";
/// S3's message for `OPTIONS` to a bucket without a CORS configuration.
pub const NOT_ENABLED_MESSAGE: &str = "CORSResponse: CORS is not enabled for this bucket.";
/// S3's message for `OPTIONS` to a bucket that does not exist.
pub const BUCKET_NOT_FOUND_MESSAGE: &str = "CORSResponse: Bucket not found";
/// S3's message for a preflight no rule allows, with S3's spelling ("evalution") kept.
pub const NOT_ALLOWED_MESSAGE: &str = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
/// The start of S3's message for a missing or unsupported `Access-Control-Request-Method`.
pub const INVALID_REQUEST_METHOD_PREFIX: &str = "Invalid Access-Control-Request-Method: ";
