//! The `tower` layer: preflights answered before the inner service, headers added to every
//! other bucket response, `Vary` merged, bucket resolution, policy changes on the next
//! request, and a bounded loopback load test with the policy replaced under traffic.
#![cfg(feature = "tower")]

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bucket_cors::s3::{BUCKET_NOT_FOUND_MESSAGE, MISSING_ORIGIN_MESSAGE, NOT_ENABLED_MESSAGE};
use bucket_cors::tower::{
    CompiledPolicy, CorsLayer, Policy, PolicyLookup, PolicyStore, RequestId, VirtualHosted,
};
use bucket_cors::{CorsConfiguration, CorsEngine, CorsRule, ResourceType};
use bytes::Bytes;
use http::header::{HeaderMap, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::{Layer, Service, ServiceExt, service_fn};

const APP: &str = "https://app.example.com";

fn policy_a() -> CorsEngine {
    CorsEngine::compile(&CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"])
            .allowed_header("content-type")
            .expose_header("ETag")
            .max_age_seconds(600),
    ]))
    .unwrap()
}

fn policy_b() -> CorsEngine {
    CorsEngine::compile(&CorsConfiguration::new(vec![
        CorsRule::new()
            .allowed_origin(APP)
            .allowed_method("GET")
            .allowed_header("*")
            .expose_header("x-amz-version-id")
            .max_age_seconds(60),
    ]))
    .unwrap()
}

/// What the inner service is told to answer: its status and extra headers, from the
/// request's `x-answer-status` and `x-answer-vary` headers.
async fn inner(request: Request<String>) -> Result<Response<String>, Infallible> {
    let headers = request.headers();
    let status = headers
        .get("x-answer-status")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(200);
    let mut response = Response::new(format!("inner {}", request.uri().path()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    for vary in headers.get_all("x-answer-vary") {
        response.headers_mut().append("vary", vary.clone());
    }
    if let Some(value) = headers.get("x-answer-acao") {
        response
            .headers_mut()
            .insert("access-control-allow-origin", value.clone());
    }
    Ok(response)
}

struct Harness {
    store: PolicyStore,
    calls: Arc<AtomicUsize>,
}

impl Harness {
    fn new() -> Self {
        let store = PolicyStore::new();
        store.put("photos", policy_a());
        store.create_bucket("plain");
        Harness {
            store,
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn service(
        &self,
    ) -> impl Service<Request<String>, Response = Response<String>, Error = Infallible> {
        let calls = Arc::clone(&self.calls);
        let inner = service_fn(move |request| {
            calls.fetch_add(1, Ordering::SeqCst);
            inner(request)
        });
        CorsLayer::new(self.store.clone()).layer(inner)
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn call<S>(service: &mut S, request: Request<String>) -> Response<String>
where
    S: Service<Request<String>, Response = Response<String>, Error = Infallible>,
{
    block_on(async { service.ready().await.unwrap().call(request).await.unwrap() })
}

fn req(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<String> {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(String::new()).unwrap()
}

fn all(map: &HeaderMap, name: &str) -> Vec<String> {
    map.get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cors_headers(map: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = map
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-") || name.as_str() == "vary")
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

/// Request headers, as name and value.
type Headers<'a> = &'a [(&'a str, &'a str)];

const VARY_CORS: &str = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

#[test]
fn an_allowed_preflight_is_answered_without_the_inner_service() {
    let h = Harness::new();
    let mut service = h.service();
    let response = call(
        &mut service,
        req(
            "OPTIONS",
            "/photos/cat.jpg",
            &[
                ("origin", APP),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "Content-Type"),
            ],
        ),
    );
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), "");
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], APP);
    assert_eq!(headers["access-control-allow-methods"], "GET, PUT");
    assert_eq!(headers["access-control-allow-headers"], "content-type");
    assert_eq!(headers["access-control-max-age"], "600");
    assert_eq!(all(headers, "vary"), [VARY_CORS]);
    assert!(headers.contains_key("x-amz-request-id"));
    assert_eq!(headers["x-amz-id-2"], "bucket-cors");
    assert_eq!(h.calls(), 0);
}

#[test]
fn refused_preflights_get_s3s_exact_status_and_body() {
    let h = Harness::new();
    let mut service = h.service();
    let cases: [(&str, Headers, u16, &str, &str); 5] = [
        (
            "/photos/k",
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "GET"),
            ],
            403,
            "AccessForbidden",
            "<ResourceType>OBJECT</ResourceType>",
        ),
        (
            "/photos",
            &[("origin", APP), ("access-control-request-method", "PATCH")],
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: PATCH",
        ),
        (
            "/photos/k",
            &[("access-control-request-method", "GET")],
            400,
            "BadRequest",
            MISSING_ORIGIN_MESSAGE,
        ),
        (
            "/plain/k",
            &[("origin", APP), ("access-control-request-method", "GET")],
            403,
            "AccessForbidden",
            NOT_ENABLED_MESSAGE,
        ),
        (
            "/missing/k",
            &[("origin", APP), ("access-control-request-method", "GET")],
            403,
            "AccessForbidden",
            BUCKET_NOT_FOUND_MESSAGE,
        ),
    ];
    for (uri, headers, status, code, text) in cases {
        let mut request = req("OPTIONS", uri, headers);
        request.extensions_mut().insert(RequestId::new("REQ-7"));
        let response = call(&mut service, request);
        assert_eq!(response.status(), status, "{uri} {headers:?}");
        assert_eq!(response.headers()["content-type"], "application/xml");
        assert_eq!(response.headers()["x-amz-request-id"], "REQ-7");
        let body = response.body();
        assert!(body.contains(&format!("<Code>{code}</Code>")), "{body}");
        assert!(body.contains(text), "{body}");
        assert!(body.contains("<RequestId>REQ-7</RequestId>"), "{body}");
        assert!(body.contains("<HostId>bucket-cors</HostId>"), "{body}");
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin")
        );
    }
    assert_eq!(h.calls(), 0, "no preflight reaches the inner service");
}

#[test]
fn the_layers_own_request_ids_count_and_the_host_id_is_configurable() {
    let store = PolicyStore::new();
    let mut service = CorsLayer::new(store)
        .host_id("host-9")
        .layer(service_fn(inner));
    let preflight = || req("OPTIONS", "/b/k", &[("origin", APP)]);
    let first = call(&mut service, preflight());
    let second = call(&mut service, preflight());
    assert_eq!(first.headers()["x-amz-request-id"], "0000000000000001");
    assert_eq!(second.headers()["x-amz-request-id"], "0000000000000002");
    assert_eq!(first.headers()["x-amz-id-2"], "host-9");
    assert!(
        second
            .body()
            .contains("<RequestId>0000000000000002</RequestId>")
    );
}

#[test]
fn every_other_bucket_response_gets_the_headers_errors_included() {
    let h = Harness::new();
    let mut service = h.service();
    for status in ["200", "403", "404", "500", "503"] {
        let response = call(
            &mut service,
            req(
                "GET",
                "/photos/k",
                &[("origin", APP), ("x-answer-status", status)],
            ),
        );
        assert_eq!(response.status().as_str(), status);
        assert_eq!(response.body(), "inner /photos/k");
        assert_eq!(
            cors_headers(response.headers()),
            [
                ("access-control-allow-credentials".into(), "true".into()),
                ("access-control-allow-methods".into(), "GET, PUT".into()),
                ("access-control-allow-origin".into(), APP.into()),
                ("access-control-expose-headers".into(), "ETag".into()),
                ("access-control-max-age".into(), "600".into()),
                ("vary".into(), VARY_CORS.into()),
            ],
            "status {status}"
        );
    }
    assert_eq!(h.calls(), 5);
}

#[test]
fn requests_the_engine_passes_are_left_as_the_inner_service_answered() {
    let h = Harness::new();
    let mut service = h.service();
    let cases: [(&str, &str, Headers); 6] = [
        ("GET", "/photos/k", &[]),
        ("GET", "/photos/k", &[("origin", "https://evil.example")]),
        ("DELETE", "/photos/k", &[("origin", APP)]),
        ("GET", "/plain/k", &[("origin", APP)]),
        (
            "GET",
            "/missing/k",
            &[("origin", APP), ("x-answer-status", "404")],
        ),
        // The service root is never a bucket's: even `OPTIONS` goes to the inner service.
        (
            "OPTIONS",
            "/",
            &[("origin", APP), ("access-control-request-method", "GET")],
        ),
    ];
    for (n, (method, uri, headers)) in cases.into_iter().enumerate() {
        let mut headers = headers.to_vec();
        headers.push(("x-answer-vary", "Accept-Encoding"));
        let response = call(&mut service, req(method, uri, &headers));
        assert_eq!(
            response.body(),
            &format!("inner {}", uri.split('?').next().unwrap())
        );
        assert_eq!(
            cors_headers(response.headers()),
            [("vary".to_owned(), "Accept-Encoding".to_owned())],
            "{method} {uri} {headers:?}"
        );
        assert_eq!(h.calls(), n + 1);
    }
}

#[test]
fn vary_is_appended_and_deduplicated_never_overwritten() {
    let h = Harness::new();
    let mut service = h.service();
    let cases: [(&[&str], &[&str]); 5] = [
        (&[], &[VARY_CORS]),
        (&["Accept-Encoding"], &["Accept-Encoding", VARY_CORS]),
        (
            &["accept-encoding, origin"],
            &[
                "accept-encoding, origin",
                "Access-Control-Request-Headers, Access-Control-Request-Method",
            ],
        ),
        (
            &[
                "Origin",
                "ACCESS-CONTROL-REQUEST-METHOD,Access-Control-Request-Headers",
            ],
            &[
                "Origin",
                "ACCESS-CONTROL-REQUEST-METHOD,Access-Control-Request-Headers",
            ],
        ),
        (&["*"], &["*"]),
    ];
    for (given, expected) in cases {
        let mut headers = vec![("origin", APP)];
        headers.extend(given.iter().map(|v| ("x-answer-vary", *v)));
        let response = call(&mut service, req("GET", "/photos/k", &headers));
        assert_eq!(all(response.headers(), "vary"), expected, "given {given:?}");
        assert_eq!(response.headers()["access-control-allow-origin"], APP);
    }
}

#[test]
fn the_decisions_cors_headers_replace_the_inner_services() {
    let h = Harness::new();
    let mut service = h.service();
    let response = call(
        &mut service,
        req(
            "GET",
            "/photos/k",
            &[("origin", APP), ("x-answer-acao", "*")],
        ),
    );
    assert_eq!(
        all(response.headers(), "access-control-allow-origin"),
        [APP]
    );
}

#[test]
fn put_and_delete_take_effect_on_the_next_request() {
    let h = Harness::new();
    let mut service = h.service();
    let preflight = || {
        req(
            "OPTIONS",
            "/photos/k",
            &[("origin", APP), ("access-control-request-method", "PUT")],
        )
    };
    assert_eq!(call(&mut service, preflight()).status(), 200);
    h.store.put("photos", policy_b());
    assert_eq!(call(&mut service, preflight()).status(), 403);
    h.store.put("photos", policy_a());
    assert_eq!(call(&mut service, preflight()).status(), 200);
    assert!(h.store.delete("photos").is_some());
    let response = call(&mut service, preflight());
    assert!(response.body().contains(NOT_ENABLED_MESSAGE));
    assert!(h.store.remove_bucket("photos"));
    let response = call(&mut service, preflight());
    assert!(response.body().contains(BUCKET_NOT_FOUND_MESSAGE));
    assert!(!h.store.contains_bucket("photos"));
    assert!(h.store.create_bucket("photos"));
    assert!(!h.store.create_bucket("photos"));
    assert!(h.store.get("photos").is_none());
}

#[test]
fn virtual_hosted_requests_resolve_the_bucket_from_the_host() {
    let store = PolicyStore::new();
    store.put("photos", policy_a());
    let mut service = CorsLayer::new(store)
        .resolver(VirtualHosted::new(["s3.example.com"]))
        .layer(service_fn(inner));
    let preflight = |host: &str, uri: &str| {
        let mut request = req(
            "OPTIONS",
            uri,
            &[("origin", APP), ("access-control-request-method", "GET")],
        );
        request
            .headers_mut()
            .insert("host", HeaderValue::from_str(host).unwrap());
        request
    };
    // Virtual-hosted: the whole path is the key; `/` is the bucket.
    let response = call(
        &mut service,
        preflight("photos.s3.example.com", "/photos/k"),
    );
    assert_eq!(response.status(), 200);
    // The path names a bucket that does not exist; the host names the real one.
    let response = call(
        &mut service,
        preflight("photos.s3.example.com:443", "/other"),
    );
    assert_eq!(response.status(), 200);
    // Path-style on the base domain and on any other host.
    assert_eq!(
        call(&mut service, preflight("s3.example.com", "/photos/k")).status(),
        200
    );
    assert_eq!(
        call(&mut service, preflight("localhost:9000", "/photos")).status(),
        200
    );
    let response = call(&mut service, preflight("other.s3.example.com", "/photos/k"));
    assert!(response.body().contains(BUCKET_NOT_FOUND_MESSAGE));
    // A refused preflight names the resource type the host-style request targets.
    let mut refused = preflight("photos.s3.example.com", "/");
    refused
        .headers_mut()
        .insert("origin", HeaderValue::from_static("https://evil.example"));
    let body = call(&mut service, refused).into_body();
    assert!(
        body.contains("<ResourceType>BUCKET</ResourceType>"),
        "{body}"
    );
}

#[test]
fn a_hosts_own_lookup_is_asked_once_per_bucket_request() {
    let asked = Arc::new(AtomicUsize::new(0));
    let engine = Arc::new(policy_a());
    let counter = Arc::clone(&asked);
    let lookup = move |bucket: &str| {
        counter.fetch_add(1, Ordering::SeqCst);
        match bucket {
            "photos" => Policy::Engine(Arc::clone(&engine)),
            _ => Policy::NoBucket,
        }
    };
    assert!(matches!(lookup.policy("x"), Policy::NoBucket));
    let mut service = CorsLayer::new(lookup).layer(service_fn(inner));
    let response = call(&mut service, req("GET", "/photos/k", &[("origin", APP)]));
    assert_eq!(response.headers()["access-control-expose-headers"], "ETag");
    call(&mut service, req("GET", "/", &[("origin", APP)]));
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "once for the bucket request, none for /"
    );
}

#[test]
fn an_engine_without_a_table_answers_as_the_stores_compiled_policy() {
    let engine = Arc::new(policy_a());
    let store = PolicyStore::new();
    store.put("photos", Arc::clone(&engine));
    assert!(matches!(store.policy("photos"), Policy::Compiled(_)));
    assert!(std::ptr::eq(
        store.policy("photos").engine().unwrap(),
        &*engine
    ));
    let compiled = Arc::new(CompiledPolicy::new(Arc::clone(&engine)));
    let lookups: [Arc<dyn PolicyLookup>; 2] = [
        Arc::new(move |_: &str| Policy::Engine(Arc::clone(&engine))),
        Arc::new(move |_: &str| Policy::Compiled(Arc::clone(&compiled))),
    ];
    let requests = || {
        [
            req(
                "OPTIONS",
                "/photos/k",
                &[
                    ("origin", APP),
                    ("access-control-request-method", "PUT"),
                    ("access-control-request-headers", "Content-Type"),
                ],
            ),
            req(
                "GET",
                "/photos/k",
                &[("origin", APP), ("x-answer-vary", "Origin")],
            ),
            req(
                "OPTIONS",
                "/photos/k",
                &[("origin", "https://evil.example")],
            ),
        ]
    };
    let mut answers: Vec<Vec<(String, String)>> = Vec::new();
    for lookup in lookups {
        let mut service = CorsLayer::new(lookup).layer(service_fn(inner));
        for request in requests() {
            let response = call(&mut service, request);
            let mut seen = cors_headers(response.headers());
            seen.push(("status".into(), response.status().to_string()));
            answers.push(seen);
        }
    }
    let mut service = CorsLayer::new(store).layer(service_fn(inner));
    for request in requests() {
        let response = call(&mut service, request);
        let mut seen = cors_headers(response.headers());
        seen.push(("status".into(), response.status().to_string()));
        answers.push(seen);
    }
    assert_eq!(answers[0..3], answers[3..6]);
    assert_eq!(answers[0..3], answers[6..9]);
    assert!(answers[0].contains(&("access-control-max-age".into(), "600".into())));
    assert!(answers[1].contains(&("access-control-expose-headers".into(), "ETag".into())));
    assert!(answers[2].contains(&("status".into(), "400 Bad Request".into())));
}

// The loopback load test.

type Body = Full<Bytes>;

/// The inner service of the load test: a fixed body, `Vary: Accept-Encoding`, and a `404`
/// for keys starting with `missing`.
async fn load_inner(request: Request<hyper::body::Incoming>) -> Result<Response<Body>, Infallible> {
    let missing = request.uri().path().starts_with("/photos/missing");
    let mut response = Response::new(Body::from("object body"));
    if missing {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
        .headers_mut()
        .insert("vary", HeaderValue::from_static("Accept-Encoding"));
    Ok(response)
}

/// The kinds of requests the clients send, in turn.
const KINDS: usize = 4;

fn load_request(kind: usize) -> Request<Body> {
    let builder = match kind {
        // Allowed by A only.
        0 => Request::options("/photos/k")
            .header("origin", APP)
            .header("access-control-request-method", "PUT"),
        // Allowed by both, with different methods and headers.
        1 => Request::options("/photos/k")
            .header("origin", APP)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "content-type"),
        // Allowed by both, with different exposed headers.
        2 => Request::get("/photos/k").header("origin", APP),
        // The inner service's 404, with the headers all the same.
        _ => Request::get("/photos/missing-key").header("origin", APP),
    };
    builder
        .header("host", "127.0.0.1")
        .body(Body::default())
        .unwrap()
}

/// What a response says about CORS: its status and every CORS header, sorted.
type Signature = (u16, Vec<(String, String)>);

fn signature<B>(response: &Response<B>) -> Signature {
    (response.status().as_u16(), cors_headers(response.headers()))
}

async fn serve<S>(listener: tokio::net::TcpListener, service: S, stop: Arc<AtomicBool>)
where
    S: Service<Request<hyper::body::Incoming>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    while !stop.load(Ordering::Relaxed) {
        let Ok(Ok((stream, _))) =
            tokio::time::timeout(Duration::from_millis(50), listener.accept()).await
        else {
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

struct Run {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The rounds of one side as one run.
    fn merge(runs: Vec<Run>) -> Run {
        let mut latencies: Vec<Duration> = runs
            .iter()
            .flat_map(|r| r.latencies.iter().copied())
            .collect();
        latencies.sort();
        Run {
            requests: runs.iter().map(|r| r.requests).sum(),
            elapsed: runs.iter().map(|r| r.elapsed).sum(),
            latencies,
        }
    }

    fn percentile(&self, p: f64) -> Duration {
        let at = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[at]
    }
}

/// `connections` clients each send `per_connection` requests (the kinds in turn) on one
/// keep-alive connection; every response's signature goes to `check`.
async fn drive(
    addr: std::net::SocketAddr,
    connections: usize,
    per_connection: usize,
    completed: Arc<AtomicU64>,
    check: Arc<dyn Fn(usize, Signature) + Send + Sync>,
) -> Run {
    let start = Instant::now();
    let mut clients = Vec::new();
    for client in 0..connections {
        let completed = Arc::clone(&completed);
        clients.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr)
                .await
                .expect("connecting to the loopback server");
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
                .await
                .expect("the HTTP/1 handshake");
            tokio::spawn(connection);
            let mut latencies = Vec::with_capacity(per_connection);
            let mut answers = Vec::with_capacity(per_connection);
            for n in 0..per_connection {
                let kind = (client + n) % KINDS;
                let sent = Instant::now();
                let response = sender
                    .send_request(load_request(kind))
                    .await
                    .expect("no connection error");
                let (parts, body) = response.into_parts();
                body.collect().await.expect("the whole body");
                latencies.push(sent.elapsed());
                // Checked once the run is timed, so both sides' clients do the same work.
                answers.push((kind, Response::from_parts(parts, ())));
                completed.fetch_add(1, Ordering::Relaxed);
            }
            (latencies, answers)
        }));
    }
    let mut latencies = Vec::new();
    let mut answers = Vec::new();
    for client in clients {
        let (times, responses) = client.await.expect("a client task panicked");
        latencies.extend(times);
        answers.push(responses);
    }
    let elapsed = start.elapsed();
    for (kind, response) in answers.into_iter().flatten() {
        assert!(!response.status().is_server_error(), "a 5xx: {response:?}");
        check(kind, signature(&response));
    }
    latencies.sort();
    Run {
        requests: latencies.len(),
        elapsed,
        latencies,
    }
}

/// The expected signature of each kind of request under each policy, from the layer itself.
fn expected_signatures() -> Vec<[Signature; 2]> {
    let answer = |engine: CorsEngine, kind: usize| -> Signature {
        let store = PolicyStore::new();
        store.put("photos", engine);
        let mut service =
            CorsLayer::new(store).layer(service_fn(|request: Request<String>| async move {
                let mut response = Response::new(String::new());
                if request.uri().path().starts_with("/photos/missing") {
                    *response.status_mut() = StatusCode::NOT_FOUND;
                }
                response
                    .headers_mut()
                    .insert("vary", HeaderValue::from_static("Accept-Encoding"));
                Ok::<_, Infallible>(response)
            }));
        let request = load_request(kind).map(|_| String::new());
        signature(&call(&mut service, request))
    };
    (0..KINDS)
        .map(|kind| {
            let pair = [answer(policy_a(), kind), answer(policy_b(), kind)];
            assert_ne!(
                pair[0], pair[1],
                "the two policies answer kind {kind} alike"
            );
            pair
        })
        .collect()
}

struct LoadReport {
    layered: Run,
    bare: Run,
    swaps: u64,
    answers: [u64; 2],
}

/// The load test: `connections` clients against the layered server while a thread replaces
/// the bucket's policy `swaps` times, and the same load against the bare inner service, in
/// `rounds` alternating rounds so both sides see the same machine load.
fn load(connections: usize, per_connection: usize, rounds: usize, swaps: u64) -> LoadReport {
    let expected = Arc::new(expected_signatures());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = PolicyStore::new();
        store.put("photos", policy_a());
        let (a, b) = (Arc::new(policy_a()), Arc::new(policy_b()));
        let layered = CorsLayer::new(store.clone()).layer(service_fn(load_inner));
        let bare = service_fn(load_inner);
        let stop = Arc::new(AtomicBool::new(false));
        let layered_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (layered_addr, bare_addr) = (
            layered_listener.local_addr().unwrap(),
            bare_listener.local_addr().unwrap(),
        );
        let servers = [
            tokio::spawn(serve(layered_listener, layered, Arc::clone(&stop))),
            tokio::spawn(serve(bare_listener, bare, Arc::clone(&stop))),
        ];

        // The policy changes, paced by the traffic so they spread over the whole run.
        let completed = Arc::new(AtomicU64::new(0));
        let total = (connections * per_connection) as u64;
        let step = (total / (swaps + swaps / 10)).max(1);
        let done = Arc::new(AtomicBool::new(false));
        let updater = {
            let (completed, done) = (Arc::clone(&completed), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut made = 0u64;
                while !done.load(Ordering::Relaxed) {
                    if completed.load(Ordering::Relaxed) >= (made + 1) * step {
                        let next = if made % 2 == 0 { &b } else { &a };
                        store.put("photos", Arc::clone(next));
                        made += 1;
                    } else {
                        std::thread::sleep(Duration::from_micros(50));
                    }
                }
                made
            })
        };
        let answers = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        let check = {
            let (expected, answers) = (Arc::clone(&expected), Arc::clone(&answers));
            Arc::new(move |kind: usize, got: Signature| {
                let which = expected[kind]
                    .iter()
                    .position(|want| *want == got)
                    .unwrap_or_else(|| {
                        panic!(
                            "kind {kind}: {got:?} is neither policy's answer {:?}",
                            expected[kind]
                        )
                    });
                answers[which].fetch_add(1, Ordering::Relaxed);
            })
        };
        // The bare inner service's answers carry no CORS headers.
        let bare_check: Arc<dyn Fn(usize, Signature) + Send + Sync> =
            Arc::new(|_: usize, got: Signature| {
                assert_eq!(got.1, [("vary".to_owned(), "Accept-Encoding".to_owned())]);
            });
        let (mut layered, mut bare) = (Vec::new(), Vec::new());
        let per_round = per_connection / rounds;
        for _ in 0..rounds {
            let check: Arc<dyn Fn(usize, Signature) + Send + Sync> = Arc::clone(&check) as _;
            let counted = Arc::clone(&completed);
            layered.push(drive(layered_addr, connections, per_round, counted, check).await);
            let uncounted = Arc::new(AtomicU64::new(0));
            let check = Arc::clone(&bare_check);
            bare.push(drive(bare_addr, connections, per_round, uncounted, check).await);
        }
        let (layered, bare) = (Run::merge(layered), Run::merge(bare));
        done.store(true, Ordering::Relaxed);
        let swaps_made = updater.join().unwrap();
        stop.store(true, Ordering::Relaxed);
        for server in servers {
            server.await.unwrap();
        }
        LoadReport {
            layered,
            bare,
            swaps: swaps_made,
            answers: [
                answers[0].load(Ordering::Relaxed),
                answers[1].load(Ordering::Relaxed),
            ],
        }
    })
}

fn check_and_print(report: &LoadReport, connections: usize, swaps: u64) {
    let LoadReport {
        layered,
        bare,
        swaps: made,
        answers,
    } = report;
    assert!(
        *made >= swaps,
        "only {made} policy changes during the traffic"
    );
    assert!(
        answers[0] > 0 && answers[1] > 0,
        "both policies answered: {answers:?}"
    );
    assert_eq!(layered.requests, bare.requests);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{connections} connections, {} requests per side, {made} policy changes, answers A/B {}/{}",
        layered.requests, answers[0], answers[1]
    );
    for (name, run) in [("with the layer", layered), ("bare inner service", bare)] {
        println!(
            "{name:>20}: {:>9.0} requests/s, p50 {:.3} ms, p99 {:.3} ms",
            run.per_second(),
            ms(run.percentile(0.50)),
            ms(run.percentile(0.99)),
        );
    }
    println!(
        "ratio layered/bare: throughput {:.3}, p50 {:.3}, p99 {:.3}",
        layered.per_second() / bare.per_second(),
        ms(layered.percentile(0.50)) / ms(bare.percentile(0.50)),
        ms(layered.percentile(0.99)) / ms(bare.percentile(0.99)),
    );
}

/// The short form CI runs: 64 connections, 1,000 policy changes, a few seconds.
#[test]
fn load_with_policy_changes_under_traffic() {
    let (connections, swaps) = (64, 1_000);
    let report = load(connections, 80, 2, swaps);
    check_and_print(&report, connections, swaps);
}

/// The long form behind the figures in `docs/tower.md`:
/// `cargo test --release --features tower --test tower -- --ignored --nocapture`.
#[test]
#[ignore = "a longer run for the figures in docs/tower.md"]
fn load_report() {
    let (connections, swaps) = (64, 10_000);
    let report = load(connections, 2_000, 10, swaps);
    check_and_print(&report, connections, swaps);
}

#[test]
fn resource_types_are_reported_from_the_path() {
    let h = Harness::new();
    let mut service = h.service();
    for (uri, resource) in [
        ("/photos", ResourceType::Bucket),
        ("/photos/k", ResourceType::Object),
    ] {
        let response = call(
            &mut service,
            req(
                "OPTIONS",
                uri,
                &[
                    ("origin", "https://evil.example"),
                    ("access-control-request-method", "GET"),
                ],
            ),
        );
        let expected = format!("<ResourceType>{resource}</ResourceType>");
        assert!(response.body().contains(&expected), "{uri}");
    }
}
