//! The S3 and OSS XML codecs: one reading (`read`) and one writing (`write`) for both
//! dialects, which differ only in `ID` (S3) and `ResponseVary` (OSS).
//!
//! Reading uses quick-xml's borrowed reader and walks the fixed document shape over its
//! events. What it reads, and refuses, is XML 1.0 as far as this document needs it:
//!
//! - a UTF-8 document, with or without a byte order mark (UTF-16 is refused);
//! - comments, processing instructions and an XML declaration anywhere (the declaration's
//!   `encoding`, when given, must be UTF-8); a `DOCTYPE` and any other `<!` markup are refused;
//! - in values: text, CDATA sections, XML's five predefined entities and decimal or hexadecimal
//!   character references (a reference to an invalid code point, or to U+0000, is refused;
//!   any other entity is refused, never expanded); carriage returns and CRLF pairs in text and
//!   CDATA become line feeds, as XML 1.0's end-of-line handling requires;
//! - attributes on the root and in the declaration only as XML writes them (see
//!   `attributes`); an `xmlns`, when given, must be S3's namespace, with `http` or `https`;
//!   other elements' attributes are not read;
//! - end tags must name the element they close (whitespace may follow the name); text outside
//!   values must be whitespace; elements in any order, nothing deeper than a leaf.
//!
//! The 64 KB limit is decided before any of this, by the caller.

mod attributes;
mod read;
mod write;

pub(crate) use read::parse;
pub(crate) use write::write;

use crate::codec::Format;
use crate::error::ConfigError;
use crate::model::CorsConfiguration;
pub(crate) use crate::validate::Dialect;

/// A non-negative decimal integer that fits in `u32`; surrounding XML whitespace is allowed.
pub(crate) fn parse_max_age(text: &str) -> Result<u32, String> {
    let digits = text.trim_ascii();
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "MaxAgeSeconds {:?} is not a non-negative integer",
            shorten(text)
        ));
    }
    digits
        .parse::<u32>()
        .map_err(|_| format!("MaxAgeSeconds {:?} is out of range", shorten(text)))
}

/// At most 64 characters of a value, for error messages.
fn shorten(text: &str) -> &str {
    match text.char_indices().nth(64) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

impl CorsConfiguration {
    /// Reads an S3 XML `CORSConfiguration` document: with or without the S3 namespace and the
    /// XML declaration, child elements in any order, comments and whitespace between elements.
    ///
    /// This reads; it does not validate. Call [`CorsConfiguration::validate`] next.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] of kind [`TooLarge`](crate::ConfigErrorKind::TooLarge) over 64 KB, or
    /// [`Malformed`](crate::ConfigErrorKind::Malformed) for a document that is not
    /// well-formed, has the wrong root or namespace, an unknown or repeated element, a
    /// `DOCTYPE`, or a `MaxAgeSeconds` that is not a non-negative integer.
    pub fn from_s3_xml(bytes: &[u8]) -> Result<CorsConfiguration, ConfigError> {
        Self::parse_as(bytes, Format::S3Xml)
    }

    /// Reads an Alibaba OSS XML document: S3's elements without `ID`, and an optional
    /// `ResponseVary` after the rules.
    ///
    /// # Errors
    ///
    /// As [`CorsConfiguration::from_s3_xml`].
    pub fn from_oss_xml(bytes: &[u8]) -> Result<CorsConfiguration, ConfigError> {
        Self::parse_as(bytes, Format::OssXml)
    }

    /// Writes S3 XML: the S3 namespace, elements in the order `ID`, `AllowedHeader`,
    /// `AllowedMethod`, `AllowedOrigin`, `ExposeHeader`, `MaxAgeSeconds` (the botocore model's
    /// order), values verbatim. `ResponseVary` has no S3 form and is left out.
    #[must_use]
    pub fn to_s3_xml(&self) -> String {
        self.write(Format::S3Xml)
    }

    /// Writes OSS XML: no namespace, no `ID` (OSS has none), `ResponseVary` after the rules.
    #[must_use]
    pub fn to_oss_xml(&self) -> String {
        self.write(Format::OssXml)
    }
}
