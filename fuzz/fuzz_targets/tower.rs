//! Drives the tower layer with arbitrary requests: any method, path-style and virtual-hosted
//! addressing (encoded, broken and missing bucket names, odd hosts), arbitrary header maps
//! (repeated, empty, huge and non-UTF-8 values), an arbitrary configuration in a
//! `PolicyStore` beside a bucket without one and a missing bucket, over an inner service that
//! answers at once with any status and maybe its own `Vary` and `Access-Control-Allow-Origin`.
//!
//! Properties: no panic; an `OPTIONS` request to a bucket never reaches the inner service and
//! is answered exactly as `http::respond` answers the decision of the plain request view;
//! every other request reaches it once, and its response is the inner service's with exactly
//! the headers `http::write_headers` adds for that decision (a request that addresses no
//! bucket is left untouched); every header value is a legal field value; the `Vary` names the
//! layer adds are neither repeated nor already on the response.
#![no_main]

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use arbitrary::{Arbitrary, Unstructured};
use bucket_cors::adapter::http::{respond, write_headers};
use bucket_cors::tower::{
    CorsLayer, DEFAULT_HOST_ID, PathStyle, Policy, PolicyLookup, PolicyStore, RequestId,
    ResolveBucket, VirtualHosted,
};
use bucket_cors::{CorsConfiguration, CorsEngine, Decision};
use cors_fuzz::headers::{Value, compile_for, plain_view, text, value, vary_tokens};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use libfuzzer_sys::fuzz_target;
use tower_layer::Layer;
use tower_service::Service;

/// The header names a request's map is drawn from: the ones the layer reads, and a few it
/// must leave alone.
const NAMES: [HeaderName; 8] = [
    header::ORIGIN,
    header::ACCESS_CONTROL_REQUEST_METHOD,
    header::ACCESS_CONTROL_REQUEST_HEADERS,
    header::HOST,
    header::VARY,
    header::CONTENT_TYPE,
    header::ACCEPT,
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
];

const METHODS: [&str; 9] = [
    "OPTIONS", "GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "options", "PROPFIND",
];

/// The bucket names a path or host is drawn from: the configured bucket, the bucket without
/// a configuration, a missing one, and spellings the resolvers decode or refuse.
const BUCKETS: [&str; 8] = ["b0", "b1", "b2", "%62%30", "%62%3", "B0", "", "b0.b1"];

const BASE: &str = "s3.example.com";

/// One header of the fuzzed map.
#[derive(Debug, Arbitrary)]
struct Entry {
    name: u8,
    value: Value,
}

/// Where the request goes.
#[derive(Debug, Arbitrary)]
enum Address {
    /// `/BUCKET` or `/BUCKET/KEY`, `KEY` possibly empty.
    Path { bucket: u8, key: Option<String> },
    /// `Host: BUCKET.s3.example.com[:port]`, path `KEY`.
    Host {
        bucket: u8,
        upper: bool,
        port: bool,
        key: String,
    },
    /// Any path text (a URI that does not parse becomes `/`).
    Raw(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    flags: u8,
    method: u8,
    address: Address,
    entries: Vec<Entry>,
    status: u16,
    inner_vary: Vec<Value>,
    inner_acao: Option<Value>,
    request_id: bool,
}

/// The inner service: counts its calls and answers at once with the request's status, `Vary`
/// and `Access-Control-Allow-Origin` taken from its extensions.
#[derive(Clone)]
struct Inner {
    calls: Arc<AtomicUsize>,
}

/// What the inner service answers, carried to it as a request extension.
#[derive(Clone)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
}

impl Service<Request<()>> for Inner {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = request
            .extensions()
            .get::<Answer>()
            .cloned()
            .expect("an answer");
        let mut response = Response::new(String::from("inner"));
        *response.status_mut() = answer.status;
        *response.headers_mut() = answer.headers;
        ready(Ok(response))
    }
}

fn poll_once<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the layer's future is ready when the inner one is"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut config) = CorsConfiguration::arbitrary(&mut u) else {
        return;
    };
    let Ok(input) = Input::arbitrary(&mut u) else {
        return;
    };
    let Some((engine, pool)) = compile_for(&mut config, input.flags) else {
        return;
    };

    let store = PolicyStore::new();
    store.put("b0", engine);
    store.create_bucket("b1");

    // The request.
    let method = Method::from_bytes(METHODS[usize::from(input.method) % METHODS.len()].as_bytes())
        .expect("a token");
    let mut headers = HeaderMap::new();
    let uri = match &input.address {
        Address::Path { bucket, key } => {
            let bucket = BUCKETS[usize::from(*bucket) % BUCKETS.len()];
            match key {
                None => format!("/{bucket}"),
                Some(key) => format!("/{bucket}/{key}"),
            }
        }
        Address::Host {
            bucket,
            upper,
            port,
            key,
        } => {
            let bucket = BUCKETS[usize::from(*bucket) % BUCKETS.len()];
            let mut host = format!("{bucket}.{BASE}");
            if *upper {
                host.make_ascii_uppercase();
            }
            if *port {
                host.push_str(":9000");
            }
            if let Ok(value) = HeaderValue::from_str(&host) {
                headers.append(header::HOST, value);
            }
            format!("/{key}")
        }
        Address::Raw(text) => text.clone(),
    };
    let uri: Uri = uri.parse().unwrap_or_else(|_| Uri::from_static("/"));
    for entry in input.entries.iter().take(64) {
        let name = NAMES[usize::from(entry.name) % NAMES.len()].clone();
        if let Some(value) = value(&entry.value, &pool) {
            headers.append(name, value);
        }
    }
    let mut answer = Answer {
        status: StatusCode::from_u16(100 + input.status % 500).unwrap_or(StatusCode::OK),
        headers: HeaderMap::new(),
    };
    for vary in input.inner_vary.iter().take(4) {
        if let Some(value) = value(vary, &["Origin", "origin", "Accept-Encoding", "*"]) {
            answer.headers.append(header::VARY, value);
        }
    }
    if let Some(acao) = input.inner_acao.as_ref().and_then(|v| value(v, &pool)) {
        answer
            .headers
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, acao);
    }
    let mut request = Request::new(());
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri.clone();
    *request.headers_mut() = headers.clone();
    request.extensions_mut().insert(answer.clone());
    if input.request_id {
        request
            .extensions_mut()
            .insert(RequestId::new("fuzz-request"));
    }

    // Through the layer.
    let calls = Arc::new(AtomicUsize::new(0));
    let inner = Inner {
        calls: Arc::clone(&calls),
    };
    let virtual_hosted = input.flags & 4 != 0;
    // The store's policies carry their header tables; a host's lookup may give the engine
    // alone, and the layer must answer alike.
    let lookup: Arc<dyn PolicyLookup> = if input.flags & 8 != 0 {
        let store = store.clone();
        Arc::new(move |bucket: &str| match store.policy(bucket) {
            Policy::Compiled(compiled) => Policy::Engine(Arc::clone(compiled.shared_engine())),
            other => other,
        })
    } else {
        Arc::new(store.clone())
    };
    let response = if virtual_hosted {
        let mut service = CorsLayer::new(lookup)
            .resolver(VirtualHosted::new([BASE]))
            .layer(inner);
        poll_once(service.call(request))
    } else {
        let mut service = CorsLayer::new(lookup).layer(inner);
        poll_once(service.call(request))
    };
    let response = response.expect("infallible");
    for (name, value) in response.headers() {
        assert!(
            value
                .as_bytes()
                .iter()
                .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f)),
            "{name}: {value:?}"
        );
    }

    // What the layer should have done, from the plain request view.
    let target = if virtual_hosted {
        VirtualHosted::new([BASE]).resolve(&uri, &headers)
    } else {
        PathStyle.resolve(&uri, &headers)
    };
    let Some(target) = target else {
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a request without a bucket is passed on"
        );
        assert_eq!(response.status(), answer.status);
        assert_eq!(response.headers(), &answer.headers, "and left untouched");
        return;
    };
    let lines: Vec<&str> = headers
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .map(text)
        .collect();
    let plain = plain_view(
        method.as_str(),
        headers.get(header::ORIGIN).map(text),
        headers.get(header::ACCESS_CONTROL_REQUEST_METHOD).map(text),
        &lines,
        target.resource(),
    );
    let disabled = CorsEngine::disabled();
    let policy = store.policy(target.bucket());
    let expected = match (&policy, policy.engine()) {
        (Policy::NoBucket, _) => CorsEngine::evaluate_missing_bucket(&plain),
        (_, engine) => engine.unwrap_or(&disabled).evaluate(&plain),
    };
    check(&method, &headers, &answer, &response, &calls, &expected);
});

/// The layer's response equals the `http` adapter's rendering of the expected decision.
fn check(
    method: &Method,
    headers: &HeaderMap,
    answer: &Answer,
    response: &Response<String>,
    calls: &AtomicUsize,
    expected: &Decision<'_>,
) {
    if *method == Method::OPTIONS {
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "OPTIONS never reaches the inner service"
        );
        let request_id = response.headers()["x-amz-request-id"]
            .to_str()
            .expect("text");
        assert_eq!(response.headers()["x-amz-id-2"], DEFAULT_HOST_ID);
        let want: Response<String> = respond(expected, headers, request_id, DEFAULT_HOST_ID)
            .unwrap_or_else(|| Response::new(String::new()));
        assert_eq!(response.status(), want.status());
        assert_eq!(response.body(), want.body());
        let mut got = response.headers().clone();
        got.remove("x-amz-request-id");
        got.remove("x-amz-id-2");
        assert_eq!(&got, want.headers(), "the preflight answer");
        return;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the inner service answers once"
    );
    assert_eq!(response.status(), answer.status);
    assert_eq!(response.body(), "inner");
    let mut want = answer.headers.clone();
    write_headers(expected, headers, &mut want);
    assert_eq!(
        response.headers(),
        &want,
        "the inner answer with the decision's headers"
    );
    let before = vary_tokens(&answer.headers);
    let after = vary_tokens(response.headers());
    let added = &after[before.len()..];
    for (at, token) in added.iter().enumerate() {
        assert!(
            !added[..at].contains(token) && !before.contains(token),
            "Vary {token} written twice: {after:?}"
        );
    }
}
