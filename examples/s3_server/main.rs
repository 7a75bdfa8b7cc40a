//! A small in-memory S3-compatible server whose bucket CORS is answered by `bucket_cors`.
//!
//! ```text
//! cargo run --features tower --example s3_server -- [--listen 127.0.0.1:9000] [--allow-non-loopback] [--vary s3|always]
//! ```
//!
//! Path-style requests (`/bucket/key`); authentication headers and query-string signatures
//! (presigned URLs, SigV2 and SigV4) are accepted and not checked. It serves ListBuckets
//! (with `prefix`, `max-buckets` and `continuation-token`), CreateBucket, DeleteBucket,
//! HeadBucket, ListObjects (v1 and v2), ListObjectVersions (every object is its `null`
//! version), PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects and
//! Put/Get/DeleteBucketCors, in S3's dialect and in Alibaba OSS's, and answers
//! GetObjectLockConfiguration with S3's `ObjectLockConfigurationNotFoundError`. CORS is
//! `bucket_cors::tower::CorsLayer` in front of the S3 operations: it answers `OPTIONS`
//! preflights itself, before anything else runs, and adds the CORS headers to every other
//! response of a bucket, errors included; the operations keep its `PolicyStore` current.
//! Everything is kept in memory and lost when the process ends.
//!
//! It prints `listening on http://ADDR` once it accepts connections (port `0` picks a free
//! port), and refuses to bind anything but a loopback address unless `--allow-non-loopback`
//! is given.

#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;
mod digest;
mod s3;
mod store;
mod wire;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use bucket_cors::VaryPolicy;
use bucket_cors::tower::CorsLayer;
use hyper::Request;
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use tower::Layer as _;

use crate::common::args::Args;
use crate::common::server;
use crate::common::server::Buckets;
use crate::s3::{HOST_ID, Server};

/// The command line: `--listen`, `--allow-non-loopback` and `--vary` (examples/common/args.rs).
fn command() -> clap::Command {
    Args::command_for(
        "s3_server",
        "A small in-memory S3-compatible server whose bucket CORS is answered by bucket_cors.",
        "The `Vary` policy of S3-dialect configurations (OSS-dialect documents follow their \
         ResponseVary either way)",
    )
}

fn main() -> ExitCode {
    server::main(&command(), serve)
}

async fn serve(addr: SocketAddr, vary: VaryPolicy) -> std::io::Result<()> {
    let listener = server::bind(addr).await?;
    let server = Arc::new(Server::new(vary));
    // The S3 operations, behind the CORS layer, which shares the server's policy store.
    let operations = {
        let server = Arc::clone(&server);
        tower::service_fn(move |request: Request<Incoming>| {
            let server = Arc::clone(&server);
            async move { Ok::<_, Infallible>(server.handle(request).await) }
        })
    };
    let cors = CorsLayer::new(server.policies().clone())
        .resolver(Buckets)
        .host_id(HOST_ID)
        .layer(operations);
    server::serve("s3_server", listener, cors, move |request| {
        let request_id = server.request_id();
        let mut stamped = HeaderMap::new();
        s3::stamp(request, &request_id, &mut stamped);
        (request_id, stamped)
    })
    .await
}
