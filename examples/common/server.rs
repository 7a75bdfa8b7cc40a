//! What both example servers (examples/s3_server, examples/s3s_server) do around their S3
//! operations: `main`, the runtime, the listening socket and its `listening on http://ADDR` line,
//! the accept loop serving HTTP/1 with a request id and the headers every answer carries,
//! and the CORS layer's bucket resolver.

use std::error::Error as StdError;
use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use bucket_cors::tower::{PathStyle, RequestId, ResolveBucket, Target};
use bucket_cors::{ResourceType, VaryPolicy};
use hyper::body::{Body, Incoming};
use hyper::header::HeaderMap;
use hyper::server::conn::http1;
use hyper::{Request, Response, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::{Service, ServiceExt as _};

use super::args::Args;

/// A server's `main`: reads the command line with `command` (from [`Args::command_for`];
/// `--help` exits 0 and a refused command line 2, as clap prints them) and runs `serve` with
/// the address and `Vary` policy it gives, on a current-thread runtime. The command's name
/// prefixes the error it ends with.
pub fn main<F>(command: &clap::Command, serve: impl FnOnce(SocketAddr, VaryPolicy) -> F) -> ExitCode
where
    F: Future<Output = std::io::Result<()>>,
{
    let args = match Args::parse_with(command, std::env::args_os()) {
        Ok(args) => args,
        Err(err) => err.exit(),
    };
    let name = command.get_name();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{name}: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args.listen, args.vary.into())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{name}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Binds `addr`; the error names the address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|err| std::io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}")))
}

/// Prints `listening on http://ADDR`, then serves every connection `listener` accepts with
/// `service` (the CORS layer over the operations), outermost `stamp`: it gives each request
/// its id (put in the request's extensions as a [`RequestId`]) and the headers its answer
/// carries, the CORS layer's own answers included. `name` prefixes the errors it prints.
pub async fn serve<S, B, F>(
    name: &'static str,
    listener: TcpListener,
    service: S,
    stamp: F,
) -> std::io::Result<()>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
    F: Fn(&Request<Incoming>) -> (String, HeaderMap) + Clone + Send + 'static,
{
    let local = listener.local_addr()?;
    println!("listening on http://{local}");
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("{name}: accept failed: {err}");
                continue;
            }
        };
        let (service, stamp) = (service.clone(), stamp.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                let (request_id, stamped) = stamp(&request);
                request.extensions_mut().insert(RequestId::new(request_id));
                let answer = service.clone().oneshot(request);
                async move {
                    let mut response = answer.await?;
                    response.headers_mut().extend(stamped);
                    Ok::<_, S::Error>(response)
                }
            });
            if let Err(err) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                if !err.is_incomplete_message() {
                    eprintln!("{name}: connection error: {err}");
                }
            }
        });
    }
}

/// Path-style buckets; the service root is answered as a bucket that does not exist (S3
/// refuses a preflight of `/` with "Bucket not found"), which no bucket name can be.
#[derive(Debug, Clone, Copy)]
pub struct Buckets;

impl ResolveBucket for Buckets {
    fn resolve<'a>(&self, uri: &'a Uri, headers: &'a HeaderMap) -> Option<Target<'a>> {
        PathStyle
            .resolve(uri, headers)
            .or_else(|| (uri.path() == "/").then(|| Target::new("", ResourceType::Bucket)))
    }
}
