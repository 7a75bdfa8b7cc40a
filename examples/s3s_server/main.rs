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

mod s3;
mod store;
mod transport;

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bucket_cors::tower::{CorsLayer, PathStyle, RequestId, ResolveBucket, Target};
use bucket_cors::{ResourceType, VaryPolicy};
use clap::{CommandFactory as _, Parser, ValueEnum};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tower::{Layer as _, ServiceExt as _};

use crate::s3::{HOST_ID, Server};
use crate::transport::Transport;

/// An in-memory S3 server on s3s, with bucket CORS answered by bucket_cors.
#[derive(Debug, Parser)]
#[command(name = "s3s_server")]
struct Args {
    /// Address to listen on (port 0 picks a free port); `localhost:PORT` means
    /// 127.0.0.1:PORT.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9000", value_parser = parse_addr)]
    listen: SocketAddr,
    /// Allow an address other than a loopback one.
    #[arg(long)]
    allow_non_loopback: bool,
    /// `s3`: Vary only on responses a rule allowed; `always`: also `Vary: Origin` on every
    /// other response of a bucket with CORS.
    #[arg(long, value_name = "POLICY", value_enum, default_value_t = Vary::S3)]
    vary: Vary,
}

/// The `--vary` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Vary {
    S3,
    Always,
}

impl From<Vary> for VaryPolicy {
    fn from(vary: Vary) -> Self {
        match vary {
            Vary::S3 => VaryPolicy::S3,
            Vary::Always => VaryPolicy::Always,
        }
    }
}

fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Some(port) = text.strip_prefix("localhost:") {
        return port
            .parse()
            .map(|port| SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .map_err(|_| format!("invalid port {port:?}"));
    }
    text.parse()
        .map_err(|_| format!("invalid address {text:?}: expected IP:PORT"))
}

impl Args {
    /// The command line, refused (exit status 2) when it names a non-loopback address
    /// without `--allow-non-loopback`.
    fn checked(self) -> Result<Args, clap::Error> {
        if !self.listen.ip().is_loopback() && !self.allow_non_loopback {
            return Err(Args::command().error(
                clap::error::ErrorKind::ValueValidation,
                format!(
                    "{} is not a loopback address; pass --allow-non-loopback to listen on it",
                    self.listen
                ),
            ));
        }
        Ok(self)
    }
}

fn main() -> ExitCode {
    let args = match Args::parse().checked() {
        Ok(args) => args,
        Err(err) => err.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("s3s_server: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args.listen, args.vary.into())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("s3s_server: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(addr: SocketAddr, vary: VaryPolicy) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await.map_err(|err| {
        std::io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}"))
    })?;
    let local = listener.local_addr()?;
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
    println!("listening on http://{local}");
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("s3s_server: accept failed: {err}");
                continue;
            }
        };
        let (requests, cors) = (Arc::clone(&requests), cors.clone());
        tokio::spawn(async move {
            // Outermost: a request id for the request, and the headers every answer carries
            // (the CORS layer's own answers included).
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
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
                request.extensions_mut().insert(RequestId::new(request_id));
                let answer = cors.clone().oneshot(request);
                async move {
                    let mut response = answer.await?;
                    response.headers_mut().extend(stamped);
                    Ok::<_, s3s::HttpError>(response)
                }
            });
            if let Err(err) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                if !err.is_incomplete_message() {
                    eprintln!("s3s_server: connection error: {err}");
                }
            }
        });
    }
}

/// Path-style buckets; the service root is answered as a bucket that does not exist (S3
/// refuses a preflight of `/` with "Bucket not found"), which no bucket name can be.
#[derive(Debug, Clone, Copy)]
struct Buckets;

impl ResolveBucket for Buckets {
    fn resolve<'a>(&self, uri: &'a Uri, headers: &'a HeaderMap) -> Option<Target<'a>> {
        PathStyle
            .resolve(uri, headers)
            .or_else(|| (uri.path() == "/").then(|| Target::new("", ResourceType::Bucket)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("s3s_server").chain(args.iter().copied()))
            .and_then(Args::checked)
    }

    #[test]
    fn defaults_to_loopback_port_9000() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.listen, "127.0.0.1:9000".parse().unwrap());
        assert!(!args.allow_non_loopback);
        assert_eq!(VaryPolicy::from(args.vary), VaryPolicy::S3);
    }

    #[test]
    fn reads_the_vary_policy() {
        let vary = |args: &[&str]| parse(args).map(|a| VaryPolicy::from(a.vary));
        assert_eq!(vary(&["--vary", "always"]).unwrap(), VaryPolicy::Always);
        assert_eq!(vary(&["--vary=s3"]).unwrap(), VaryPolicy::S3);
        assert!(vary(&["--vary", "sometimes"]).is_err());
        assert!(vary(&["--vary"]).is_err());
    }

    #[test]
    fn reads_the_listen_address_in_both_spellings() {
        assert_eq!(
            parse(&["--listen", "127.0.0.1:0"]).unwrap().listen.port(),
            0
        );
        assert_eq!(
            parse(&["--listen=[::1]:9100"]).unwrap().listen,
            "[::1]:9100".parse().unwrap()
        );
        assert_eq!(
            parse(&["--listen", "localhost:9200"]).unwrap().listen,
            "127.0.0.1:9200".parse().unwrap()
        );
    }

    #[test]
    fn refuses_a_non_loopback_address_unless_told() {
        let err = parse(&["--listen", "0.0.0.0:9000"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--allow-non-loopback"));
        let args = parse(&["--listen", "0.0.0.0:9000", "--allow-non-loopback"]).unwrap();
        assert!(args.allow_non_loopback);
    }

    #[test]
    fn refuses_bad_arguments() {
        assert!(parse(&["--listen"]).is_err());
        assert!(parse(&["--listen", "nowhere"]).is_err());
        assert!(parse(&["--port", "1"]).is_err());
        assert_eq!(
            parse(&["--help"]).unwrap_err().kind(),
            clap::error::ErrorKind::DisplayHelp
        );
    }
}
