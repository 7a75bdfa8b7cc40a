//! What Amazon S3 puts on the wire: error codes and their statuses, exact message texts,
//! the limits it enforces on a CORS configuration, and its XML error bodies.
//!
//! Everything here is data the rest of the crate maps to; nothing here decides anything.

mod body;
mod code;
mod escape;
mod limits;
mod messages;

pub(crate) use body::ErrorBody;
pub use code::S3ErrorCode;
pub(crate) use escape::escape_into;
pub use limits::{
    MAX_DOCUMENT_BYTES, MAX_ID_CHARS, OSS_MAX_RULES, S3_MAX_RULES, S3_NAMESPACE, S3_NAMESPACE_HTTPS,
};
pub use messages::{
    BUCKET_NOT_FOUND_MESSAGE, INVALID_REQUEST_METHOD_PREFIX, MALFORMED_XML_MESSAGE,
    MISSING_ORIGIN_MESSAGE, NOT_ALLOWED_MESSAGE, NOT_ENABLED_MESSAGE,
};
