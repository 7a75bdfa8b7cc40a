//! The S3 conformance vectors of `tests/data/s3-vectors.json`, shared by the test files that
//! run them (through the library, through `http` types, through the CLI).

#![allow(dead_code)]

use bucket_cors::{CorsConfiguration, CorsEngine};
use serde_json::Value;

/// Every vector, in file order.
pub fn all() -> Vec<Value> {
    serde_json::from_str(include_str!("../data/s3-vectors.json")).expect("the vector file is JSON")
}

/// The engine for a vector's `config`: disabled for `null`, otherwise compiled from the
/// boto3-shaped JSON with S3's rules.
pub fn engine(vector: &Value) -> Result<CorsEngine, String> {
    match &vector["config"] {
        Value::Null => Ok(CorsEngine::disabled()),
        config => {
            let bytes = serde_json::to_vec(config).map_err(|e| e.to_string())?;
            let config = CorsConfiguration::from_json(&bytes).map_err(|e| e.to_string())?;
            CorsEngine::compile(&config).map_err(|e| e.to_string())
        }
    }
}
