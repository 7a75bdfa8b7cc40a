//! The document formats the codecs read and write, and format detection for tools.

use std::fmt;
use std::str::FromStr;

use crate::error::UnknownName;

/// A CORS configuration document format.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// S3 XML: a `PutBucketCors` / `GetBucketCors` body (`CORSConfiguration`).
    S3Xml,
    /// Alibaba OSS XML: S3's element names without `ID`, with a configuration-level
    /// `ResponseVary`.
    OssXml,
    /// The AWS CLI / boto3 JSON shape `{"CORSRules": [...]}`, or the bare array of rules the
    /// S3 console editor takes.
    Json,
}

impl Format {
    /// Guesses the format of a document from its bytes, without parsing it.
    ///
    /// JSON starts with `{` or `[`; XML starts with `<`, and is taken for OSS XML when it has a
    /// `ResponseVary` element, otherwise for S3 XML. A byte-order mark and leading whitespace
    /// are skipped. Returns `None` for anything else.
    ///
    /// ```
    /// use bucket_cors::Format;
    /// assert_eq!(Format::detect(br#"{"CORSRules": []}"#), Some(Format::Json));
    /// assert_eq!(Format::detect(b"<CORSConfiguration/>"), Some(Format::S3Xml));
    /// assert_eq!(Format::detect(b"hello"), None);
    /// ```
    #[must_use]
    pub fn detect(bytes: &[u8]) -> Option<Format> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
        match bytes[start] {
            b'{' | b'[' => Some(Format::Json),
            b'<' if contains(bytes, b"<ResponseVary") => Some(Format::OssXml),
            b'<' => Some(Format::S3Xml),
            _ => None,
        }
    }

    /// A short lowercase name: `s3-xml`, `oss-xml` or `json`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Format::S3Xml => "s3-xml",
            Format::OssXml => "oss-xml",
            Format::Json => "json",
        }
    }
}

impl FromStr for Format {
    type Err = UnknownName;

    /// The names [`Format::name`] gives: `s3-xml`, `oss-xml`, `json`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Format::S3Xml, Format::OssXml, Format::Json]
            .into_iter()
            .find(|format| format.name() == name)
            .ok_or_else(|| UnknownName::new("format", name, &["s3-xml", "oss-xml", "json"]))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}
