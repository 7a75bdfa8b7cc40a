//! A small in-memory S3-compatible server whose bucket CORS is answered by `bucket_cors`.
//!
//! ```text
//! cargo run --features tower --example s3_server -- [--listen 127.0.0.1:9000] [--allow-non-loopback] [--vary s3|always]
//! ```
//!
//! Path-style requests (`/bucket/key`); authentication headers and query-string signatures
//! are accepted and not checked. It serves CreateBucket, DeleteBucket, HeadBucket,
//! ListObjects (v1 and v2), PutObject, GetObject, HeadObject, DeleteObject and
//! Put/Get/DeleteBucketCors, in S3's dialect and in Alibaba OSS's. CORS is
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
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::server::conn::http1;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::{Layer as _, ServiceExt as _};

use crate::s3::{HOST_ID, Server};

const USAGE: &str = "usage: s3_server [--listen ADDR] [--allow-non-loopback] [--vary POLICY]

  --listen ADDR           address to listen on (default 127.0.0.1:9000; port 0 picks a free
                          port); `localhost:PORT` means 127.0.0.1:PORT
  --allow-non-loopback    allow an address other than a loopback one
  --vary POLICY           `s3` (default): Vary only on responses a rule allowed; `always`:
                          also `Vary: Origin` on every other response of a bucket with CORS
                          (OSS-dialect documents follow their ResponseVary either way)
  -h, --help              print this help";

/// The command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    listen: SocketAddr,
    allow_non_loopback: bool,
    vary: VaryPolicy,
}

/// Why the command line was refused.
#[derive(Debug, PartialEq, Eq)]
enum ArgsError {
    Help,
    Invalid(String),
}

fn parse_addr(text: &str) -> Option<SocketAddr> {
    if let Some(port) = text.strip_prefix("localhost:") {
        return port
            .parse()
            .ok()
            .map(|port| SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    text.parse().ok()
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, ArgsError> {
        let mut parsed = Args {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 9000)),
            allow_non_loopback: false,
            vary: VaryPolicy::S3,
        };
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => {
                    (flag.to_owned(), Some(value.to_owned()))
                }
                _ => (arg, None),
            };
            match flag.as_str() {
                "-h" | "--help" => return Err(ArgsError::Help),
                "--listen" => {
                    let value = inline.or_else(|| args.next()).ok_or_else(|| {
                        ArgsError::Invalid("--listen needs an address".to_owned())
                    })?;
                    parsed.listen = parse_addr(&value).ok_or_else(|| {
                        ArgsError::Invalid(format!("invalid address {value:?}: expected IP:PORT"))
                    })?;
                }
                "--allow-non-loopback" if inline.is_none() => parsed.allow_non_loopback = true,
                "--vary" => {
                    let value = inline.or_else(|| args.next()).unwrap_or_default();
                    parsed.vary = match value.as_str() {
                        "s3" => VaryPolicy::S3,
                        "always" => VaryPolicy::Always,
                        _ => {
                            return Err(ArgsError::Invalid(format!(
                                "invalid --vary {value:?}: expected s3 or always"
                            )));
                        }
                    };
                }
                other => return Err(ArgsError::Invalid(format!("unknown argument {other:?}"))),
            }
        }
        if !parsed.listen.ip().is_loopback() && !parsed.allow_non_loopback {
            return Err(ArgsError::Invalid(format!(
                "{} is not a loopback address; pass --allow-non-loopback to listen on it",
                parsed.listen
            )));
        }
        Ok(parsed)
    }
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(ArgsError::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(ArgsError::Invalid(message)) => {
            eprintln!("s3_server: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
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
    match runtime.block_on(serve(args.listen, args.vary)) {
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

    fn parse(args: &[&str]) -> Result<Args, ArgsError> {
        Args::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn defaults_to_loopback_port_9000() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.listen, "127.0.0.1:9000".parse().unwrap());
        assert!(!args.allow_non_loopback);
        assert_eq!(args.vary, VaryPolicy::S3);
    }

    #[test]
    fn reads_the_vary_policy() {
        assert_eq!(
            parse(&["--vary", "always"]).unwrap().vary,
            VaryPolicy::Always
        );
        assert_eq!(parse(&["--vary=s3"]).unwrap().vary, VaryPolicy::S3);
        assert!(matches!(
            parse(&["--vary", "sometimes"]),
            Err(ArgsError::Invalid(_))
        ));
        assert!(matches!(parse(&["--vary"]), Err(ArgsError::Invalid(_))));
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
        assert!(matches!(err, ArgsError::Invalid(m) if m.contains("--allow-non-loopback")));
        let args = parse(&["--listen", "0.0.0.0:9000", "--allow-non-loopback"]).unwrap();
        assert!(args.allow_non_loopback);
    }

    #[test]
    fn refuses_bad_arguments() {
        assert!(matches!(parse(&["--listen"]), Err(ArgsError::Invalid(_))));
        assert!(matches!(
            parse(&["--listen", "nowhere"]),
            Err(ArgsError::Invalid(_))
        ));
        assert!(matches!(
            parse(&["--port", "1"]),
            Err(ArgsError::Invalid(_))
        ));
        assert_eq!(parse(&["--help"]), Err(ArgsError::Help));
    }
}
