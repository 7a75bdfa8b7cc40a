//! S3's limits on a CORS configuration.

/// The largest document S3 accepts: 64 KB.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// The most rules S3 accepts.
pub const S3_MAX_RULES: usize = 100;
/// The most rules Alibaba OSS accepts.
pub const OSS_MAX_RULES: usize = 10;
/// The longest `ID` S3 accepts, in characters.
pub const MAX_ID_CHARS: usize = 255;

/// The S3 namespace, written on output and accepted (or absent) on input.
pub const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
/// The S3 namespace with `https`, also accepted on input: Amazon S3 answers 200 to it, and
/// test suites run against S3 itself send it. Output always uses [`S3_NAMESPACE`].
pub const S3_NAMESPACE_HTTPS: &str = "https://s3.amazonaws.com/doc/2006-03-01/";
