//! Glue for servers built on [s3s](https://docs.rs/s3s) (feature `s3s`).
//!
//! - [`CorsConfiguration`] converts from s3s's `CORSConfiguration` (the body of
//!   `PutBucketCors` as s3s parsed it) with `TryFrom`, and back with `From` (for
//!   `GetBucketCors`). The fields map one to one; a negative `MaxAgeSeconds`, which s3s's
//!   `i32` can hold, is refused as the XML codec refuses it.
//! - A [`ConfigError`] converts into an [`s3s::S3Error`] with S3's code, status and exact
//!   message, so a `put_bucket_cors` handler can use `?` on validation.
//!
//! The feature builds on s3s 0.14, the newest release that builds with the Rust toolchain
//! this crate is tested on; s3s 0.14 needs Rust 1.92, a newer Rust than the rest of the crate
//! (whose `rust-version` does not change with this feature).
//!
//! ```
//! use bucket_cors::{CorsConfiguration, CorsEngine};
//!
//! fn put_bucket_cors(input: &s3s::dto::CORSConfiguration) -> Result<CorsEngine, s3s::S3Error> {
//!     let config = CorsConfiguration::try_from(input)?;
//!     Ok(CorsEngine::compile(&config)?)
//! }
//!
//! let input = s3s::dto::CORSConfiguration {
//!     cors_rules: vec![s3s::dto::CORSRule {
//!         allowed_origins: vec!["https://app.example.com".to_owned()],
//!         allowed_methods: vec!["PATCH".to_owned()],
//!         ..Default::default()
//!     }],
//! };
//! let error = put_bucket_cors(&input).unwrap_err();
//! assert_eq!(error.code().as_str(), "InvalidRequest");
//! assert_eq!(error.status_code().unwrap(), 400);
//! ```

use s3s::dto::{CORSConfiguration as S3sConfiguration, CORSRule as S3sRule};
use s3s::{S3Error, S3ErrorCode};

use crate::codec::Format;
use crate::error::ConfigError;
use crate::model::{CorsConfiguration, CorsRule};

impl TryFrom<&S3sConfiguration> for CorsConfiguration {
    type Error = ConfigError;

    /// The configuration s3s parsed. It is not validated here: compiling it does that.
    ///
    /// # Errors
    ///
    /// A rule whose `max_age_seconds` is negative.
    fn try_from(input: &S3sConfiguration) -> Result<Self, ConfigError> {
        let rules = input
            .cors_rules
            .iter()
            .enumerate()
            .map(|(index, rule)| rule_from(index, rule))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CorsConfiguration::new(rules))
    }
}

impl TryFrom<S3sConfiguration> for CorsConfiguration {
    type Error = ConfigError;

    /// As the conversion from a reference.
    ///
    /// # Errors
    ///
    /// A rule whose `max_age_seconds` is negative.
    fn try_from(input: S3sConfiguration) -> Result<Self, ConfigError> {
        CorsConfiguration::try_from(&input)
    }
}

fn rule_from(index: usize, rule: &S3sRule) -> Result<CorsRule, ConfigError> {
    let max_age_seconds = match rule.max_age_seconds {
        None => None,
        Some(seconds) => match u32::try_from(seconds) {
            Ok(seconds) => Some(seconds),
            Err(_) => return Err(negative_max_age(index, seconds)),
        },
    };
    let mut out = CorsRule::new()
        .allowed_origins(rule.allowed_origins.iter())
        .allowed_methods(rule.allowed_methods.iter())
        .allowed_headers(rule.allowed_headers.iter().flatten())
        .expose_headers(rule.expose_headers.iter().flatten());
    out.id.clone_from(&rule.id);
    out.max_age_seconds = max_age_seconds;
    Ok(out)
}

impl From<&CorsConfiguration> for S3sConfiguration {
    /// The configuration in s3s's types, for `GetBucketCors`. Empty header lists become
    /// `None`. A `max_age_seconds` beyond `i32::MAX`, which validation refuses, is given as
    /// `i32::MAX`. The OSS `ResponseVary` has no place in S3's shape and is left out.
    fn from(config: &CorsConfiguration) -> Self {
        S3sConfiguration {
            cors_rules: config.rules.iter().map(rule_into).collect(),
        }
    }
}

impl From<CorsConfiguration> for S3sConfiguration {
    /// As the conversion from a reference.
    fn from(config: CorsConfiguration) -> Self {
        S3sConfiguration::from(&config)
    }
}

fn rule_into(rule: &CorsRule) -> S3sRule {
    let non_empty = |list: &Vec<String>| (!list.is_empty()).then(|| list.clone());
    S3sRule {
        allowed_headers: non_empty(&rule.allowed_headers),
        allowed_methods: rule.allowed_methods.clone(),
        allowed_origins: rule.allowed_origins.clone(),
        expose_headers: non_empty(&rule.expose_headers),
        id: rule.id.clone(),
        max_age_seconds: rule
            .max_age_seconds
            .map(|seconds| i32::try_from(seconds).unwrap_or(i32::MAX)),
    }
}

impl From<ConfigError> for S3Error {
    /// S3's answer to the refused configuration: its code (a standard s3s code, or
    /// [`S3ErrorCode::Custom`] where s3s has none), its status and its exact message.
    fn from(error: ConfigError) -> Self {
        S3Error::from(&error)
    }
}

impl From<&ConfigError> for S3Error {
    /// As the conversion from a value.
    fn from(error: &ConfigError) -> Self {
        let code = code_of(error);
        let code = S3ErrorCode::from_bytes(code.as_bytes())
            .unwrap_or_else(|| S3ErrorCode::Custom(code.to_owned().into()));
        let mut out = S3Error::with_message(code, message_of(error));
        if let Ok(status) = ::http::StatusCode::from_u16(status_of(error)) {
            out.set_status_code(status);
        }
        out
    }
}

// The calls into `ConfigError`, kept together so a change of its API is adapted here alone.

/// The error for a negative `MaxAgeSeconds`, as the XML codec gives it.
fn negative_max_age(rule: usize, seconds: i32) -> ConfigError {
    ConfigError::malformed(
        Format::S3Xml,
        format!("MaxAgeSeconds {seconds} is not a non-negative integer"),
    )
    .with_rule(Some(rule))
}

/// S3's error code.
fn code_of(error: &ConfigError) -> &'static str {
    error.s3_code().as_str()
}

/// S3's HTTP status.
fn status_of(error: &ConfigError) -> u16 {
    error.status()
}

/// S3's exact message.
fn message_of(error: &ConfigError) -> String {
    error.s3_message()
}
