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
    /// Google Cloud Storage: the bucket's `cors` list (`origin`, `method`, `responseHeader`,
    /// `maxAgeSeconds`), bare or inside a bucket resource.
    GcsJson,
    /// Azure Blob Storage: the service properties' `<Cors><CorsRule>` XML, with
    /// comma-separated lists.
    AzureXml,
    /// Cloudflare R2: `{"rules": [{"allowed": {...}, ...}]}` of its API and CLI.
    R2Json,
    /// Backblaze B2: the bucket's `corsRules` (`corsRuleName`, `allowedOperations`, ...).
    B2Json,
}

/// Every format's name, in [`Format::ALL`]'s order.
const FORMAT_NAMES: [&str; 7] = [
    "s3-xml",
    "oss-xml",
    "json",
    "gcs-json",
    "azure-xml",
    "r2-json",
    "b2-json",
];

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 7] = [
        Format::S3Xml,
        Format::OssXml,
        Format::Json,
        Format::GcsJson,
        Format::AzureXml,
        Format::R2Json,
        Format::B2Json,
    ];

    /// Guesses the format of a document from its bytes, without parsing it.
    ///
    /// JSON starts with `{` or `[`: it is taken for B2 when it has a `corsRules` or
    /// `corsRuleName` member, for R2 when it has `rules` and `allowed` members, for GCS when it
    /// has an `origin` member and no `AllowedOrigins`, otherwise for the AWS shape. XML starts
    /// with `<`: it is taken for Azure when it has a `<Cors>`, `<CorsRule>` or
    /// `<StorageServiceProperties>` element, for OSS XML when it has a `ResponseVary` element,
    /// otherwise for S3 XML. A byte-order mark and leading whitespace are skipped. Returns
    /// `None` for anything else. Time is linear in the document's length.
    ///
    /// ```
    /// use bucket_cors::Format;
    /// assert_eq!(Format::detect(br#"{"CORSRules": []}"#), Some(Format::Json));
    /// assert_eq!(Format::detect(b"<CORSConfiguration/>"), Some(Format::S3Xml));
    /// assert_eq!(Format::detect(br#"[{"origin": ["*"], "method": ["GET"]}]"#), Some(Format::GcsJson));
    /// assert_eq!(Format::detect(b"<Cors><CorsRule/></Cors>"), Some(Format::AzureXml));
    /// assert_eq!(Format::detect(b"hello"), None);
    /// ```
    #[must_use]
    pub fn detect(bytes: &[u8]) -> Option<Format> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
        match bytes[start] {
            b'{' | b'[' if super::b2::sniff(bytes) => Some(Format::B2Json),
            b'{' | b'[' if super::r2::sniff(bytes) => Some(Format::R2Json),
            b'{' | b'[' if super::gcs::sniff(bytes) => Some(Format::GcsJson),
            b'{' | b'[' => Some(Format::Json),
            b'<' if super::azure::sniff(bytes) => Some(Format::AzureXml),
            b'<' if contains(bytes, b"<ResponseVary") => Some(Format::OssXml),
            b'<' => Some(Format::S3Xml),
            _ => None,
        }
    }

    /// A short lowercase name: `s3-xml`, `oss-xml`, `json`, `gcs-json`, `azure-xml`,
    /// `r2-json` or `b2-json`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Format::S3Xml => "s3-xml",
            Format::OssXml => "oss-xml",
            Format::Json => "json",
            Format::GcsJson => "gcs-json",
            Format::AzureXml => "azure-xml",
            Format::R2Json => "r2-json",
            Format::B2Json => "b2-json",
        }
    }
}

impl FromStr for Format {
    type Err = UnknownName;

    /// The names [`Format::name`] gives.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == name)
            .ok_or_else(|| UnknownName::new("format", name, &FORMAT_NAMES))
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
