//! `bucket-cors probe`, run as a process against live servers: the example S3 server (no
//! difference), and small in-test servers that answer as known S3-compatible peers do, each
//! with one quirk that the probe must report, and nothing else. Then the bounds: a huge
//! policy, an endless or oversized answer, a server that never answers.
#![cfg(all(feature = "cli", feature = "http"))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, CorsRule, Decision};
use md5::Digest as _;
use serde_json::Value;

mod command;

use command::{ROOT, Run, TempFile, run};

/// The policy of the peers: two origins on rule 0, a second rule for the same origin with
/// other methods, and a pattern.
const POLICY: &str = r#"<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>https://app.example.com</AllowedOrigin>
    <AllowedOrigin>https://admin.example.com</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <ExposeHeader>ETag</ExposeHeader>
  </CORSRule>
  <CORSRule>
    <AllowedOrigin>https://app.example.com</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader>
    <AllowedHeader>x-amz-*</AllowedHeader>
    <MaxAgeSeconds>600</MaxAgeSeconds>
  </CORSRule>
  <CORSRule>
    <AllowedOrigin>http://*.example.org</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
  </CORSRule>
</CORSConfiguration>
"#;

fn probe(url: &str, config: &str, extra: &[&str]) -> Run {
    let mut args = vec!["probe", url, "--config", config, "--rate", "1000", "--json"];
    args.extend_from_slice(extra);
    run(&args)
}

// ---- the example S3 server: the same engine behind HTTP, so no difference ----

/// The example server's executable: built beside this test by `cargo test --all-features`;
/// built here (into a target directory of its own, as cargo holds the lock of this one)
/// when only this test was asked for.
fn s3_server_exe() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let beside = profile_dir.join("examples").join("s3_server");
    if beside.exists() {
        return beside;
    }
    let target = profile_dir.parent().unwrap().join("probe-example");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--features",
            "tower",
            "--example",
            "s3_server",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(ROOT)
        .status()
        .unwrap();
    assert!(status.success(), "cargo build --example s3_server");
    target.join("debug").join("examples").join("s3_server")
}

/// The example server, killed when dropped.
struct S3Server {
    child: Child,
    url: String,
}

impl S3Server {
    fn start(vary: &str) -> S3Server {
        let mut child = Command::new(s3_server_exe())
            .args(["--listen", "127.0.0.1:0", "--vary", vary])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        S3Server { child, url }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates a bucket on the example server and stores [`POLICY`] as its CORS configuration;
/// returns the bucket's URL.
fn bucket_with_policy(server: &S3Server) -> String {
    let bucket = format!("{}/probe-bucket", server.url);
    let created = ureq::put(&bucket).send_empty().unwrap();
    assert_eq!(created.status(), 200);
    let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(POLICY));
    let put = ureq::put(format!("{bucket}?cors"))
        .header("Content-MD5", &md5)
        .config()
        .http_status_as_error(false)
        .build()
        .send(POLICY)
        .unwrap();
    assert_eq!(put.status(), 200, "PutBucketCors");
    bucket
}

#[test]
fn the_example_server_agrees_with_the_policy() {
    let server = S3Server::start("s3");
    let bucket = bucket_with_policy(&server);
    let config = TempFile::new("example.xml", POLICY.as_bytes());
    for url in [format!("{bucket}/some/key.txt"), bucket.clone()] {
        let out = probe(&url, config.path(), &[]);
        assert_eq!(out.code, 0, "{out:?}");
        let json = out.json();
        assert_eq!(json["agree"], true, "{json}");
        assert_eq!(json["differences"], serde_json::json!([]));
        assert_eq!(json["truncated"], false);
        assert!(json["sent"].as_u64().unwrap() > 20, "{json}");
    }
    // The human answer says so on one line.
    let text = run(&[
        "probe",
        &format!("{bucket}/key"),
        "--config",
        config.path(),
        "--rate",
        "1000",
    ]);
    assert_eq!(text.code, 0, "{text:?}");
    assert!(
        text.stdout
            .ends_with("every answer agrees with the policy\n"),
        "{text:?}"
    );
}

/// A server that sends `Vary: Origin` on every response of a configured bucket differs from
/// S3's policy there and only there, and agrees once `--vary always` says that is expected.
#[test]
fn the_vary_policy_is_the_one_probed_for() {
    let server = S3Server::start("always");
    let bucket = bucket_with_policy(&server);
    let config = TempFile::new("vary.xml", POLICY.as_bytes());
    let url = format!("{bucket}/key");
    let s3 = probe(&url, config.path(), &[]);
    assert_eq!(s3.code, 1, "{s3:?}");
    let found: Vec<(String, Option<String>)> = groups(&s3.json())
        .into_iter()
        .map(|(cause, header, _)| (cause, header))
        .collect();
    assert_eq!(
        found,
        [("header-unexpected".to_owned(), Some("Vary".to_owned()))],
        "{s3:?}"
    );
    let always = probe(&url, config.path(), &["--vary", "always"]);
    assert_eq!(always.code, 0, "{always:?}");
}

// ---- peers with one quirk each ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quirk {
    /// Answers as the engine does.
    None,
    /// `Access-Control-Allow-Origin` lists every origin of the matched rule, when it has
    /// several.
    OriginList,
    /// The first rule whose origin matches decides, whatever the method and headers.
    OriginOnly,
    /// Error responses of actual requests carry no CORS header.
    NoCorsOnError,
    /// No `Vary` at all.
    NoVary,
    /// `Access-Control-Allow-Headers` echoes the requested names as they came.
    EchoCase,
}

/// A peer on a loopback port, answering every request on its own thread; it counts the
/// requests and the answers its quirk changed.
struct Peer {
    url: String,
    requests: Arc<AtomicUsize>,
    changed: Arc<AtomicUsize>,
}

struct Request {
    method: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a request's head: at most 64 KiB, with a read timeout.
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let method = lines.next()?.split(' ').next()?.to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Request { method, headers })
}

/// A response: status, headers, body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn reply_of(decision: &Decision<'_>, method: &str) -> Reply {
    let headers = decision
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_string()))
        .collect();
    match decision {
        Decision::Reject(rejection) => Reply {
            status: rejection.status(),
            headers,
            body: rejection.to_xml("PEER", "peer-host"),
        },
        Decision::Preflight(_) => Reply {
            status: 200,
            headers,
            body: String::new(),
        },
        _ => Reply {
            status: 404,
            headers,
            body: if method == "HEAD" {
                String::new()
            } else {
                "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code></Error>".to_owned()
            },
        },
    }
}

/// The engine's request view of a peer's request.
fn view(request: &Request) -> CorsRequest<'_> {
    cors_request(
        &request.method,
        request.header("Origin"),
        request.header("Access-Control-Request-Method"),
        request.header("Access-Control-Request-Headers"),
    )
}

/// A request view; the only place this file builds one.
fn cors_request<'a>(
    method: &'a str,
    origin: Option<&'a str>,
    request_method: Option<&'a str>,
    request_headers: Option<&'a str>,
) -> CorsRequest<'a> {
    let mut view = CorsRequest::builder(method);
    if let Some(origin) = origin {
        view = view.origin(origin);
    }
    if let Some(method) = request_method {
        view = view.request_method(method);
    }
    if let Some(headers) = request_headers {
        view = view.request_headers(headers);
    }
    view.build()
}

struct PeerPolicy {
    config: CorsConfiguration,
    engine: CorsEngine,
    /// One engine per rule, for the peer that picks a rule by origin alone.
    singles: Vec<CorsEngine>,
}

impl PeerPolicy {
    fn new(policy: &str) -> PeerPolicy {
        let config = CorsConfiguration::from_s3_xml(policy.as_bytes()).unwrap();
        let engine = CorsEngine::compile(&config).unwrap();
        let singles = config
            .rules
            .iter()
            .map(|rule| CorsEngine::compile(&CorsConfiguration::new(vec![rule.clone()])).unwrap())
            .collect();
        PeerPolicy {
            config,
            engine,
            singles,
        }
    }

    fn answer(&self, quirk: Quirk, request: &Request) -> (Reply, Reply) {
        let view = view(request);
        let decision = self.engine.evaluate(&view);
        let faithful = reply_of(&decision, &request.method);
        let mut reply = faithful.clone();
        let is_actual = request.method != "OPTIONS";
        match quirk {
            Quirk::None => {}
            Quirk::OriginList => {
                // A rule of several origins answers with all of them.
                if let Some(rule) = decision.matched_rule() {
                    let origins = &self.config.rules[rule].allowed_origins;
                    if origins.len() > 1 {
                        set(
                            &mut reply,
                            "Access-Control-Allow-Origin",
                            &origins.join(", "),
                        );
                    }
                }
            }
            Quirk::OriginOnly => {
                if let Some(origin) = request.header("Origin") {
                    let chosen =
                        self.config
                            .rules
                            .iter()
                            .zip(&self.singles)
                            .find(|(rule, single)| {
                                let first = rule.allowed_methods[0].as_str();
                                let test = cors_request("OPTIONS", Some(origin), Some(first), None);
                                matches!(single.evaluate(&test), Decision::Preflight(_))
                            });
                    if let Some((_, single)) = chosen {
                        reply = reply_of(&single.evaluate(&view), &request.method);
                    }
                }
            }
            Quirk::NoCorsOnError => {
                if is_actual {
                    reply.headers.clear();
                }
            }
            Quirk::NoVary => reply.headers.retain(|(n, _)| n != "Vary"),
            Quirk::EchoCase => {
                if let Some(asked) = request.header("Access-Control-Request-Headers") {
                    if reply
                        .headers
                        .iter()
                        .any(|(n, _)| n == "Access-Control-Allow-Headers")
                    {
                        let asked = asked.to_owned();
                        set(&mut reply, "Access-Control-Allow-Headers", &asked);
                    }
                }
            }
        }
        (faithful, reply)
    }
}

fn set(reply: &mut Reply, name: &str, value: &str) {
    for (n, v) in &mut reply.headers {
        if n == name {
            *v = value.to_owned();
        }
    }
}

fn write_reply(stream: &mut TcpStream, reply: &Reply, head_only: bool) {
    let mut out = format!("HTTP/1.1 {} Peer\r\n", reply.status);
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    if !head_only {
        out.push_str(&reply.body);
    }
    let _ = stream.write_all(out.as_bytes());
}

impl Peer {
    fn start(quirk: Quirk, policy: &str) -> Peer {
        let policy = Arc::new(PeerPolicy::new(policy));
        Peer::serve(move |stream, request, changed| {
            let (faithful, reply) = policy.answer(quirk, request);
            if faithful != reply {
                changed.fetch_add(1, Ordering::SeqCst);
            }
            write_reply(stream, &reply, request.method == "HEAD");
        })
    }

    /// A server whose every request is answered by `respond`, each on its own thread.
    fn serve(
        respond: impl Fn(&mut TcpStream, &Request, &AtomicUsize) + Send + Sync + 'static,
    ) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let changed = Arc::new(AtomicUsize::new(0));
        let respond = Arc::new(respond);
        let (count, changes) = (Arc::clone(&requests), Arc::clone(&changed));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (respond, count, changes) = (
                    Arc::clone(&respond),
                    Arc::clone(&count),
                    Arc::clone(&changes),
                );
                std::thread::spawn(move || {
                    if let Some(request) = read_request(&mut stream) {
                        count.fetch_add(1, Ordering::SeqCst);
                        respond(&mut stream, &request, &changes);
                    }
                });
            }
        });
        Peer {
            url: format!("http://{addr}/bucket/key"),
            requests,
            changed,
        }
    }
}

/// The groups a probe reported: (cause, header) and how many requests each.
fn groups(json: &Value) -> Vec<(String, Option<String>, usize)> {
    json["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["cause"].as_str().unwrap().to_owned(),
                g["header"].as_str().map(str::to_owned),
                g["requests"].as_array().unwrap().len(),
            )
        })
        .collect()
}

fn assert_planted(quirk: Quirk, cause: &str, header: Option<&str>) {
    let peer = Peer::start(quirk, POLICY);
    let config = TempFile::new(&format!("{quirk:?}.xml"), POLICY.as_bytes());
    let out = probe(&peer.url, config.path(), &[]);
    assert_eq!(out.code, 1, "{quirk:?}: {out:?}");
    let json = out.json();
    let changed = peer.changed.load(Ordering::SeqCst);
    assert!(changed > 0, "{quirk:?} changed no answer");
    assert_eq!(
        groups(&json),
        [(cause.to_owned(), header.map(str::to_owned), changed)],
        "{quirk:?}: every changed answer reported once, under its cause, and nothing else: {json:#}"
    );
    assert_eq!(json["agree"], false);
    assert_eq!(
        json["sent"].as_u64().unwrap() as usize,
        peer.requests.load(Ordering::SeqCst)
    );
}

#[test]
fn a_faithful_peer_agrees() {
    let peer = Peer::start(Quirk::None, POLICY);
    let config = TempFile::new("faithful.xml", POLICY.as_bytes());
    let out = probe(&peer.url, config.path(), &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["agree"], true);
}

#[test]
fn allow_origin_as_a_comma_joined_list() {
    assert_planted(
        Quirk::OriginList,
        "allow-origin-list",
        Some("Access-Control-Allow-Origin"),
    );
}

#[test]
fn rules_chosen_by_origin_only() {
    assert_planted(Quirk::OriginOnly, "preflight-refused", None);
}

#[test]
fn no_cors_headers_on_error_responses() {
    assert_planted(Quirk::NoCorsOnError, "no-cors-on-error", None);
}

#[test]
fn vary_missing() {
    assert_planted(Quirk::NoVary, "header-missing", Some("Vary"));
}

#[test]
fn requested_headers_echoed_without_lower_casing() {
    assert_planted(
        Quirk::EchoCase,
        "header-case",
        Some("Access-Control-Allow-Headers"),
    );
}

#[test]
fn the_text_answer_groups_by_cause() {
    let peer = Peer::start(Quirk::NoVary, POLICY);
    let config = TempFile::new("text.xml", POLICY.as_bytes());
    let out = run(&[
        "probe",
        &peer.url,
        "--config",
        config.path(),
        "--rate",
        "1000",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(" differences of 1 kind\n"), "{out:?}");
    assert!(
        out.stdout.contains("a CORS header is missing (Vary): "),
        "{out:?}"
    );
}

// ---- bounds and bad input ----

#[test]
fn a_huge_policy_is_capped_by_max_requests() {
    // 20 rules of 40 origins, under S3's 64 KB: thousands of candidate requests.
    let rules: Vec<CorsRule> = (0..20)
        .map(|r| {
            CorsRule::new()
                .allowed_origins((0..40).map(|o| format!("https://o{o}.r{r}.x")))
                .allowed_methods(["GET", "PUT", "POST"])
                .allowed_header("*")
        })
        .collect();
    let xml = CorsConfiguration::new(rules).to_s3_xml();
    assert!(xml.len() < 64 * 1024, "{}", xml.len());
    let peer = Peer::start(Quirk::None, &xml);
    let config = TempFile::new("huge.xml", xml.as_bytes());
    let out = probe(&peer.url, config.path(), &["--max-requests", "50"]);
    assert_eq!(out.code, 0, "{out:?}");
    let json = out.json();
    assert_eq!(json["sent"], 50);
    assert_eq!(json["truncated"], true);
    assert_eq!(peer.requests.load(Ordering::SeqCst), 50);
}

#[test]
fn an_endless_body_is_cut_at_the_size_cap() {
    let peer = Peer::serve(|stream, _, _| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        let chunk = vec![b'x'; 16 * 1024];
        // Until the reader hangs up: far more than the cap.
        for _ in 0..100_000 {
            if stream.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let config = TempFile::new("endless.xml", POLICY.as_bytes());
    let started = Instant::now();
    let out = probe(
        &peer.url,
        config.path(),
        &["--max-requests", "3", "--timeout", "20"],
    );
    // Answered (and found to differ: no CORS header), well before the timeout.
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["sent"], 3);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_server_that_never_answers_is_cut_off_by_the_timeout() {
    let hold = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&hold);
    let peer = Peer::serve(move |stream, _, _| {
        // Keep the connection open and say nothing.
        kept.lock().unwrap().push(stream.try_clone().unwrap());
    });
    let config = TempFile::new("silent.xml", POLICY.as_bytes());
    let started = Instant::now();
    let out = probe(&peer.url, config.path(), &["--timeout", "1"]);
    out.assert_one_line_error("timeout");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn oversized_headers_are_refused() {
    let peer = Peer::serve(|stream, _, _| {
        let mut out = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..20_000 {
            out.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "y".repeat(40)).as_bytes());
        }
        out.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        let _ = stream.write_all(&out);
    });
    let config = TempFile::new("headers.xml", POLICY.as_bytes());
    let out = probe(&peer.url, config.path(), &["--timeout", "10"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
}

#[test]
fn usage_and_connection_errors_are_one_line() {
    let config = TempFile::new("usage.xml", POLICY.as_bytes());
    let path = config.path();
    run(&["probe", "ftp://example.com/b", "--config", path]).assert_one_line_error("http://");
    run(&["probe", "not a url", "--config", path]).assert_one_line_error("invalid URL");
    run(&[
        "probe",
        "http://127.0.0.1:9/b/k",
        "--config",
        path,
        "--max-requests",
        "0",
    ])
    .assert_one_line_error("--max-requests");
    run(&[
        "probe",
        "http://127.0.0.1:9/b/k",
        "--config",
        path,
        "--max-requests",
        "10001",
    ])
    .assert_one_line_error("--max-requests");
    run(&[
        "probe",
        "http://127.0.0.1:9/b/k",
        "--config",
        path,
        "--rate",
        "0",
    ])
    .assert_one_line_error("--rate");
    run(&[
        "probe",
        "http://127.0.0.1:9/b/k",
        "--config",
        path,
        "--timeout",
        "nan",
    ])
    .assert_one_line_error("--timeout");
    run(&["probe", "http://127.0.0.1:9/b/k"]).assert_one_line_error("--config");
    run(&["probe", "http://127.0.0.1:9/b/k", "--config", "no/such.xml"])
        .assert_one_line_error("no such file");
    // Nothing listens there: a connection error.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    run(&[
        "probe",
        &format!("http://{closed}/b/k"),
        "--config",
        path,
        "--timeout",
        "5",
    ])
    .assert_one_line_error(&closed.to_string());
}
