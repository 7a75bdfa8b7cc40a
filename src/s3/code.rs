//! S3's error codes and the status each is answered with.

use std::fmt;

/// An S3 error code, as it appears in the `<Code>` element of an S3 error body.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum S3ErrorCode {
    /// `MalformedXML`: the document is not well-formed or does not follow S3's schema.
    MalformedXml,
    /// `InvalidRequest`: the document is well-formed but breaks one of S3's CORS rules.
    InvalidRequest,
    /// `MaxMessageLengthExceeded`: the document is larger than 64 KB.
    MaxMessageLengthExceeded,
    /// `BadRequest`: a preflight request is missing information S3 needs.
    BadRequest,
    /// `AccessForbidden`: a preflight request that the bucket's CORS policy does not allow.
    AccessForbidden,
}

impl S3ErrorCode {
    /// The code exactly as S3 writes it, for example `"MalformedXML"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            S3ErrorCode::MalformedXml => "MalformedXML",
            S3ErrorCode::InvalidRequest => "InvalidRequest",
            S3ErrorCode::MaxMessageLengthExceeded => "MaxMessageLengthExceeded",
            S3ErrorCode::BadRequest => "BadRequest",
            S3ErrorCode::AccessForbidden => "AccessForbidden",
        }
    }

    /// The HTTP status S3 answers with this code.
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            S3ErrorCode::AccessForbidden => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for S3ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
