//! An S3-exact CORS rule engine for S3-compatible storage servers. It does no I/O.
//!
//! ```
//! use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, Decision};
//!
//! // PutBucketCors: read and validate the body, answer S3's error if it is refused.
//! let body = br#"<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
//!   <CORSRule>
//!     <AllowedOrigin>https://app.example.com</AllowedOrigin>
//!     <AllowedMethod>GET</AllowedMethod>
//!     <AllowedMethod>PUT</AllowedMethod>
//!     <AllowedHeader>*</AllowedHeader>
//!     <ExposeHeader>ETag</ExposeHeader>
//!     <MaxAgeSeconds>3000</MaxAgeSeconds>
//!   </CORSRule>
//! </CORSConfiguration>"#;
//! let config = CorsConfiguration::from_s3_xml(body)?;
//! // Compile once (this validates with S3's rules); share the engine behind an Arc.
//! let engine = CorsEngine::compile(&config)?;
//!
//! // Every request: hand the engine the method and CORS headers, act on the decision.
//! let request = CorsRequest::builder("OPTIONS")
//!     .origin("https://app.example.com")
//!     .request_method("PUT")
//!     .request_headers("Content-Type, X-Amz-Date")
//!     .build();
//! match engine.evaluate(&request) {
//!     Decision::Preflight(allowed) => {
//!         let headers: Vec<(&str, String)> =
//!             allowed.headers().map(|(name, value)| (name, value.to_string())).collect();
//!         assert_eq!(headers[0], ("Access-Control-Allow-Origin", "https://app.example.com".into()));
//!         assert_eq!(headers[1], ("Access-Control-Allow-Credentials", "true".into()));
//!         assert_eq!(headers[2], ("Access-Control-Allow-Methods", "GET, PUT".into()));
//!         assert_eq!(headers[3], ("Access-Control-Allow-Headers", "content-type, x-amz-date".into()));
//!         assert_eq!(headers[4], ("Access-Control-Expose-Headers", "ETag".into()));
//!         assert_eq!(headers[5], ("Access-Control-Max-Age", "3000".into()));
//!     }
//!     other => panic!("expected a preflight answer, got {other:?}"),
//! }
//! # Ok::<(), bucket_cors::ConfigError>(())
//! ```
//!
//! # How data flows
//!
//! ```text
//!  bytes ──codec──▶ CorsConfiguration ──validate + compile──▶ CorsEngine
//!                                                                 │
//!  request's method and headers ──▶ CorsRequest ──evaluate────────┘──▶ Decision ──▶ host writes headers
//! ```
//!
//! - [`CorsConfiguration`] is the stored model, read and written by the codecs for
//!   [S3 XML](CorsConfiguration::from_s3_xml), [AWS JSON](CorsConfiguration::from_json) and
//!   [OSS XML](CorsConfiguration::from_oss_xml); [`Format::detect`] tells them apart.
//! - [`CorsConfiguration::validate`] applies S3's limits and answers with S3's error code,
//!   status and message ([`ConfigError`]).
//! - [`CorsEngine`] is the compiled policy; [`CorsEngine::evaluate`] returns a [`Decision`]:
//!   pass, preflight answer, actual-request headers, or a [`Rejection`] with S3's error body.
//!   It allocates nothing and never panics.
//! - [`CorsEngine::explain`] traces every rule; [`lint`] warns about the pitfalls people hit.
//!
//!
//! # Features
//!
//! None is on by default.
//!
//! - `http`: the `bucket_cors::http` module (in [`adapter`]): a request view from an
//!   `http::request::Parts`, decisions written into an `http::HeaderMap` (through a
//!   `HeaderTable` of the engine's values, made once next to the engine), and refused
//!   preflights as `http::Response`s with S3's XML body. The rest of the crate is the same
//!   with or without it.
//! - `tower` (turns on `http`): the `bucket_cors::tower` module, a `CorsLayer` that answers
//!   a bucket's preflights before the service it wraps (so before authentication), adds the
//!   decision's headers to every other response of a bucket, resolves the bucket path-style
//!   or virtual-hosted, and reads each bucket's policy from a lock-free `PolicyStore` or the
//!   host's own lookup.
//! - `s3s` (s3s 0.14, which needs Rust 1.92 rather than the crate's 1.86): conversions
//!   between s3s's `CORSConfiguration` and [`CorsConfiguration`], and [`ConfigError`] into
//!   s3s's `S3Error`, in [`adapter`].
//! - `cli`: the `bucket-cors` command (`validate`, `convert`, `lint`, `eval`, `diff`,
//!   `probe`); install it from a clone with `cargo install --path . --features cli`, and see
//!   `bucket-cors --help`.
//! - `arbitrary`: `arbitrary::Arbitrary` on [`CorsConfiguration`] and [`CorsRule`], for
//!   fuzzing.
//!
//! The documentation on docs.rs is built with every feature, and marks what each one adds.
//!
//! # Where things are
//!
//! The types of the flow above sit at the crate root. The modules hold what a host reaches
//! for less often:
//!
//! - [`s3`]: what S3 puts on the wire: error codes and their statuses, exact message texts,
//!   the limits on a configuration, and the XML namespace.
//! - [`header`]: the names of the response headers a decision writes, and the `Vary` values.
//! - [`lint`]: the pitfall warnings and their stable codes.
//! - [`adapter`]: glue for the HTTP stacks servers are built on (`http`, `tower` and `s3s`,
//!   each behind its feature).
//!
//! The names a tool reads from its users parse with [`FromStr`](std::str::FromStr):
//! [`CorsMethod`], [`Format`], [`Dialect`], [`VaryPolicy`] and [`lint::LintCode`], each
//! refusing an unknown name with an [`UnknownName`] that lists the accepted ones.
//!
//! # Compatibility
//!
//! The engine follows Amazon S3 as recorded in the conformance vectors the tests run. Where
//! S3's behaviour is not recorded, the choices made (each with its test) are listed in the
//! Compatibility section of `README.md`, at the root of the package and of its repository,
//! which also links the evidence: benchmark runs, fuzzing, the hostile-input table and the
//! browser findings, under `docs/`.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod adapter;
mod codec;
mod decision;
mod diag;
mod engine;
mod error;
pub mod header;
mod model;
mod request;
pub mod s3;
mod swar;
mod syntax;
mod validate;

#[cfg(feature = "http")]
pub use adapter::http;
#[cfg(feature = "tower")]
pub use adapter::tower;
pub use codec::Format;
pub use codec::convert::{
    ConversionError, ConversionErrorKind, ConversionWarning, Effect, WarningKind,
};
pub use decision::{
    AllowHeaders, Allowed, Decision, FieldValue, Headers, Pass, PassReason, Rejection,
    RejectionKind, RejectionMessage, Vary,
};
pub use diag::diff::{
    AccessChange, Direction, HeaderChange, OriginClass, PolicyDiff, ResponseChange, Witness, diff,
};
pub use diag::explain::{Explanation, HeaderTrace, RuleTrace};
pub use diag::lint;
pub use engine::{CorsEngine, EngineOptions, VaryPolicy};
pub use error::{ConfigError, ConfigErrorKind, Field, UnknownName};
pub use model::{CorsConfiguration, CorsMethod, CorsRule};
pub use request::{CorsRequest, CorsRequestBuilder, HeaderLines, ResourceType};
pub use validate::{Dialect, ValidationOptions};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
