//! What examples/s3_server and examples/s3s_server share, included by both with
//! `#[path = "../common/mod.rs"] mod common;` (not an example of its own: Cargo builds only
//! examples/*.rs and examples/*/main.rs).

pub mod args;
pub mod chunked;
pub mod server;
pub mod store;
