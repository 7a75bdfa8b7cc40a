//! A small in-memory S3 server built on s3s, whose bucket CORS is answered by `bucket_cors`.
//!
//! ```text
//! cargo run --features s3s,tower --example s3s_server -- [--listen 127.0.0.1:9000] [--allow-non-loopback] [--vary s3|always]
//! ```
//!
//! The S3 operations are an `s3s::S3` implementation over an in-memory store (s3.rs), made
//! into a service by `s3s::service::S3ServiceBuilder` and served with hyper 1.
//! `bucket_cors::tower::CorsLayer` wraps it: preflights are answered by the layer before s3s
//! runs (before any authentication), and every other response of a bucket, errors
//! included, gets its CORS headers. Put/Get/DeleteBucketCors convert s3s's types with the
//! crate's `TryFrom`/`From`, validate with the engine and keep the layer's `PolicyStore`
//! current.
//!
//! It serves CreateBucket, DeleteBucket, HeadBucket, ListBuckets, ListObjects (v1 and v2),
//! ListObjectVersions (an unversioned bucket's), PutObject, GetObject (with `Range`),
//! HeadObject, DeleteObject, DeleteObjects, GetObjectLockConfiguration (none is set) and
//! Put/Get/DeleteBucketCors, path-style (s3s's default without a host configuration), in S3's
//! dialect only: s3s does not speak Alibaba OSS's (examples/s3_server does). Signatures,
//! presigned URLs included, are accepted and not checked (transport.rs tells why and how).
//! Everything is kept in memory and lost when the process ends.
//!
//! It prints `listening on http://ADDR` once it accepts connections (port `0` picks a free
//! port), and refuses to bind anything but a loopback address unless `--allow-non-loopback`
//! is given.

#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;
mod s3;
mod store;
mod transport;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bucket_cors::VaryPolicy;
use bucket_cors::tower::CorsLayer;
use hyper::header::{HeaderMap, HeaderValue};
use s3s::service::S3ServiceBuilder;
use tower::Layer as _;

use crate::common::args::Args;
use crate::common::server;
use crate::common::server::Buckets;
use crate::s3::{HOST_ID, Server};
use crate::transport::Transport;

/// The command line: `--listen`, `--allow-non-loopback` and `--vary` (examples/common/args.rs).
fn command() -> clap::Command {
    Args::command_for(
        "s3s_server",
        "An in-memory S3 server on s3s, with bucket CORS answered by bucket_cors",
        "The `Vary` policy",
    )
}

fn main() -> ExitCode {
    server::main(&command(), serve)
}

async fn serve(addr: SocketAddr, vary: VaryPolicy) -> std::io::Result<()> {
    let listener = server::bind(addr).await?;
    let server = Server::new(vary);
    let policies = server.policies().clone();
    // s3s's service: no authentication provider (transport.rs takes signatures off) and no
    // host configuration, so every request is path-style, as the layer's resolver reads it.
    // (With `set_host(SingleDomain::new(..))` s3s reads `bucket.domain` hosts as virtual-hosted,
    // IP hosts still path-style; the layer would then take `VirtualHosted` with the same
    // domain, so both agree on the bucket.)
    let s3 = S3ServiceBuilder::new(server).build();
    let cors = CorsLayer::new(policies)
        .resolver(Buckets)
        .host_id(HOST_ID)
        .layer(Transport::new(s3));
    let requests = Arc::new(AtomicU64::new(0));
    server::serve("s3s_server", listener, cors, move |_| {
        let n = requests.fetch_add(1, Ordering::Relaxed) + 1;
        let request_id = format!("{n:016X}");
        let mut stamped = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            stamped.insert("x-amz-request-id", value);
        }
        stamped.insert("x-amz-id-2", HeaderValue::from_static(HOST_ID));
        stamped.insert(
            "server",
            HeaderValue::from_static("bucket-cors-s3s-example"),
        );
        (request_id, stamped)
    })
    .await
}
