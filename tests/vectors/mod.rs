//! The S3 conformance vectors of `tests/data/s3-vectors.json`, read once into typed structs
//! and shared by every suite that runs them: the library (`tests/conformance.rs`), `http`
//! types (`tests/http.rs`), the CLI (`tests/cli.rs`) and the example server
//! (`tests/server.rs`).
//!
//! Unknown fields are refused, so a vector file that grows a field no suite reads fails here
//! instead of being half run.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bucket_cors::{CorsConfiguration, CorsEngine};
use serde::{Deserialize, Serialize};

/// What a vector exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An `OPTIONS` request.
    Preflight,
    /// An ordinary request that carries (or lacks) `Origin`.
    Actual,
    /// PutBucketCors / GetBucketCors / DeleteBucketCors.
    Api,
    /// A PutBucketCors document and S3's verdict on it.
    Validate,
}

/// One vector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// A unique, descriptive name.
    pub name: String,
    /// What it exercises.
    pub kind: Kind,
    /// How strong the evidence is (`aws-recorded`, `secondary`, ...).
    pub evidence: String,
    /// Where it comes from.
    pub source: String,
    /// True when the expectation is inferred rather than recorded.
    pub inferred: bool,
    /// A remark (for example the bucket ACL the source used).
    #[serde(default)]
    pub note: Option<String>,
    /// The bucket's configuration, in boto3's shape; `None` for a bucket without one.
    #[serde(default)]
    pub config: Option<Config>,
    /// False when the bucket does not exist.
    #[serde(default = "yes")]
    pub bucket_exists: bool,
    /// The request (every kind but `validate`).
    #[serde(default)]
    pub request: Option<Request>,
    /// The PutBucketCors document (`validate` vectors).
    #[serde(default)]
    pub xml: Option<String>,
    /// Headers the PutBucketCors request must not carry (`validate` vectors).
    #[serde(default)]
    pub request_headers_absent: Vec<String>,
    /// What S3 answers.
    pub expect: Expect,
}

fn yes() -> bool {
    true
}

/// A configuration as boto3 writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The rules, in order.
    #[serde(rename = "CORSRules")]
    pub rules: Vec<Rule>,
}

/// A rule as boto3 writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct Rule {
    /// `ID`.
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `AllowedOrigins`.
    pub allowed_origins: Vec<String>,
    /// `AllowedMethods`.
    pub allowed_methods: Vec<String>,
    /// `AllowedHeaders`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_headers: Option<Vec<String>>,
    /// `ExposeHeaders`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose_headers: Option<Vec<String>>,
    /// `MaxAgeSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u32>,
}

/// The request a vector sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The HTTP method.
    pub method: String,
    /// The path, relative to a virtual-hosted bucket, with its query; [`SERVICE_ROOT`] for
    /// the service itself.
    pub path: String,
    /// The request headers (names as the source spelled them).
    pub headers: BTreeMap<String, String>,
    /// A second request sent after the first (`api` vectors).
    #[serde(default)]
    pub then: Option<Then>,
}

/// A follow-up request.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Then {
    /// The HTTP method.
    pub method: String,
    /// The path, as in [`Request::path`].
    pub path: String,
}

/// What S3 answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The HTTP status.
    pub status: u16,
    /// The S3 error code, `None` for a success.
    pub error_code: Option<String>,
    /// Headers the response carries with exactly these values.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers the response does not carry.
    #[serde(default)]
    pub absent: Vec<String>,
    /// The error message (`validate` vectors and follow-ups).
    #[serde(default)]
    pub message: Option<String>,
    /// Fields of the XML error body (`Message`, `Method`, `ResourceType`, `BucketName`;
    /// `<bucket>` stands for the bucket's name).
    #[serde(default)]
    pub error: BTreeMap<String, String>,
    /// The GetBucketCors body, in boto3's shape.
    #[serde(default)]
    pub body_json: Option<Config>,
    /// The answer to the follow-up request.
    #[serde(default)]
    pub then: Option<Box<Expect>>,
}

/// The path of a request to the service itself (ListBuckets), which has no bucket.
pub const SERVICE_ROOT: &str = "<service root, no bucket>";

/// Vectors only a host can answer through the library (a listing of buckets; the
/// integrity-header rule of PutBucketCors).
pub const HOST_ONLY: &[&str] = &[
    "actual-list-buckets-never-cors",
    "validate-missing-integrity-header",
];

/// Every vector, in file order, read once per test binary.
pub fn all() -> &'static [Vector] {
    static ALL: OnceLock<Vec<Vector>> = OnceLock::new();
    ALL.get_or_init(|| {
        serde_json::from_str(include_str!("../data/s3-vectors.json"))
            .unwrap_or_else(|e| panic!("tests/data/s3-vectors.json does not read as vectors: {e}"))
    })
}

/// The vectors of these kinds, in file order.
pub fn of(kinds: &[Kind]) -> impl Iterator<Item = &'static Vector> {
    all().iter().filter(move |v| kinds.contains(&v.kind))
}

impl Config {
    /// The configuration as the crate reads boto3's JSON.
    pub fn to_configuration(&self) -> Result<CorsConfiguration, String> {
        let json = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        CorsConfiguration::from_json(&json).map_err(|e| e.to_string())
    }
}

impl Vector {
    /// True for the vectors only a host can answer ([`HOST_ONLY`]).
    pub fn host_only(&self) -> bool {
        HOST_ONLY.contains(&self.name.as_str())
    }

    /// The request; panics for a `validate` vector, which has none.
    pub fn request(&self) -> &Request {
        self.request
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no request", self.name))
    }

    /// The PutBucketCors document; panics for a vector that has none.
    pub fn xml(&self) -> &str {
        self.xml
            .as_deref()
            .unwrap_or_else(|| panic!("{} has no document", self.name))
    }

    /// The engine for the vector's `config`: disabled without one, otherwise compiled from
    /// the boto3-shaped JSON with S3's rules.
    pub fn engine(&self) -> Result<CorsEngine, String> {
        match &self.config {
            None => Ok(CorsEngine::disabled()),
            Some(config) => {
                CorsEngine::compile(&config.to_configuration()?).map_err(|e| e.to_string())
            }
        }
    }
}

impl Request {
    /// A request header, its name compared ASCII case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Origin`.
    pub fn origin(&self) -> Option<&str> {
        self.header("Origin")
    }

    /// `Access-Control-Request-Method`.
    pub fn request_method(&self) -> Option<&str> {
        self.header("Access-Control-Request-Method")
    }

    /// `Access-Control-Request-Headers`.
    pub fn request_headers(&self) -> Option<&str> {
        self.header("Access-Control-Request-Headers")
    }

    /// True when the path names the bucket rather than an object (`/`, with or without a
    /// query).
    pub fn names_bucket(&self) -> bool {
        let path = self.path.split('?').next().unwrap_or_default();
        path.is_empty() || path == "/"
    }
}

impl Expect {
    /// The value the response must carry for a header, its name compared ASCII
    /// case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
