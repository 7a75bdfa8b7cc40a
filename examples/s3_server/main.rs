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

mod digest;
mod s3;
mod store;
mod wire;

use std::convert::Infallible;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use bucket_cors::tower::{CorsLayer, PathStyle, RequestId, ResolveBucket, Target};
use bucket_cors::{ResourceType, VaryPolicy};
use clap::error::ErrorKind;
use clap::{CommandFactory as _, Parser};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::server::conn::http1;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::{Layer as _, ServiceExt as _};

use crate::s3::{HOST_ID, Server};

/// The `Vary` policy of S3-dialect configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Vary {
    /// Vary only on responses a rule allowed.
    S3,
    /// Also `Vary: Origin` on every other response of a bucket with CORS.
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

/// The command line.
#[derive(Debug, PartialEq, Eq, Parser)]
#[command(
    name = "s3_server",
    about = "A small in-memory S3-compatible server whose bucket CORS is answered by bucket_cors."
)]
struct Args {
    /// Address to listen on (port 0 picks a free port); `localhost:PORT` means
    /// 127.0.0.1:PORT
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9000", value_parser = parse_addr)]
    listen: SocketAddr,
    /// Allow an address other than a loopback one
    #[arg(long)]
    allow_non_loopback: bool,
    /// The `Vary` policy of S3-dialect configurations (OSS-dialect documents follow their
    /// ResponseVary either way)
    #[arg(long, value_name = "POLICY", value_enum, default_value_t = Vary::S3)]
    vary: Vary,
}

fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let parsed = match text.strip_prefix("localhost:") {
        Some(port) => port
            .parse()
            .ok()
            .map(|port| SocketAddr::from((Ipv4Addr::LOCALHOST, port))),
        None => text.parse().ok(),
    };
    parsed.ok_or_else(|| "expected IP:PORT or localhost:PORT".to_owned())
}

impl Args {
    /// Reads the command line (the program name first) and applies the loopback guard.
    fn parse_from_args<I, T>(args: I) -> Result<Args, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let args = Args::try_parse_from(args)?;
        if !args.listen.ip().is_loopback() && !args.allow_non_loopback {
            return Err(Args::command().error(
                ErrorKind::ValueValidation,
                format!(
                    "{} is not a loopback address; pass --allow-non-loopback to listen on it",
                    args.listen
                ),
            ));
        }
        Ok(args)
    }
}

fn main() -> ExitCode {
    let args = match Args::parse_from_args(std::env::args_os()) {
        Ok(args) => args,
        // `--help` (exit 0) and refused command lines (exit 2), as clap prints them.
        Err(err) => err.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("s3_server: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args.listen, args.vary.into())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("s3_server: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(addr: SocketAddr, vary: VaryPolicy) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await.map_err(|err| {
        std::io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}"))
    })?;
    let local = listener.local_addr()?;
    println!("listening on http://{local}");
    std::io::stdout().flush()?;
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
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("s3_server: accept failed: {err}");
                continue;
            }
        };
        let (server, cors) = (Arc::clone(&server), cors.clone());
        tokio::spawn(async move {
            // Outermost: a request id for the request, and the headers every answer carries
            // (the CORS layer's own answers included).
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                let request_id = server.request_id();
                let mut stamped = HeaderMap::new();
                s3::stamp(&request, &request_id, &mut stamped);
                request.extensions_mut().insert(RequestId::new(request_id));
                let answer = cors.clone().oneshot(request);
                async move {
                    let mut response = answer.await?;
                    response.headers_mut().extend(stamped);
                    Ok::<_, Infallible>(response)
                }
            });
            if let Err(err) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                if !err.is_incomplete_message() {
                    eprintln!("s3_server: connection error: {err}");
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
        Args::parse_from_args(std::iter::once("s3_server").chain(args.iter().copied()))
    }

    fn refused(args: &[&str]) -> clap::Error {
        parse(args).expect_err("the command line should be refused")
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Args::command().debug_assert();
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
        assert_eq!(
            VaryPolicy::from(parse(&["--vary", "always"]).unwrap().vary),
            VaryPolicy::Always
        );
        assert_eq!(
            VaryPolicy::from(parse(&["--vary=s3"]).unwrap().vary),
            VaryPolicy::S3
        );
        assert_eq!(
            refused(&["--vary", "sometimes"]).kind(),
            ErrorKind::InvalidValue
        );
        assert_eq!(refused(&["--vary"]).kind(), ErrorKind::InvalidValue);
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
        let err = refused(&["--listen", "0.0.0.0:9000"]);
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("not a loopback address"), "{err}");
        assert!(err.to_string().contains("--allow-non-loopback"), "{err}");
        let args = parse(&["--listen", "0.0.0.0:9000", "--allow-non-loopback"]).unwrap();
        assert!(args.allow_non_loopback);
    }

    #[test]
    fn refuses_bad_arguments() {
        assert_eq!(refused(&["--listen"]).kind(), ErrorKind::InvalidValue);
        let nowhere = refused(&["--listen", "nowhere"]);
        assert_eq!(nowhere.kind(), ErrorKind::ValueValidation);
        assert!(nowhere.to_string().contains("IP:PORT"), "{nowhere}");
        assert_eq!(refused(&["--port", "1"]).kind(), ErrorKind::UnknownArgument);
        assert_eq!(
            refused(&["--allow-non-loopback=yes"]).kind(),
            ErrorKind::TooManyValues
        );
        for help in ["--help", "-h"] {
            let err = refused(&[help]);
            assert_eq!(err.kind(), ErrorKind::DisplayHelp);
            assert_eq!(err.exit_code(), 0);
            let text = err.to_string();
            for flag in ["--listen <ADDR>", "--allow-non-loopback", "--vary <POLICY>"] {
                assert!(text.contains(flag), "{flag} missing from:\n{text}");
            }
        }
    }
}
