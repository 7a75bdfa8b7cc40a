//! The stored model: what `PutBucketCors` carries and `GetBucketCors` gives back.
//!
//! Plain data, with builders. The codecs (`crate::codec`) read and write it, validation checks
//! it, and the engine compiles it; the model names none of them.

mod config;
mod method;

pub use config::{CorsConfiguration, CorsRule};
pub use method::CorsMethod;
