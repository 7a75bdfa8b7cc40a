//! The S3 vectors over HTTP, against the example S3 servers (`examples/s3_server`, and with
//! the `s3s` feature `examples/s3s_server`, the same operations on s3s): every `preflight`,
//! `actual` and `api` vector is sent to a bucket set up as the vector describes, and every
//! `validate` vector is sent as a PutBucketCors body. This is the host's view, so it also
//! runs what the library cannot answer alone (a missing bucket, the service root, the
//! integrity-header rule of PutBucketCors).
//!
//! Each server is the one `S3_SERVER_BIN` (s3_server) or `S3S_SERVER_BIN` (s3s_server)
//! names, otherwise it is built here with the features this test was built with. A vector's
//! path is relative to a virtual-hosted bucket, so `/key` is sent path-style as
//! `/bucket/key`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use bucket_cors::{CorsConfiguration, Format};
use md5::{Digest, Md5};

mod vectors;

use vectors::{Expect, Kind, SERVICE_ROOT, Vector};

/// The example accepts any `Authorization` without checking it, and treats a request that
/// carries one as the bucket owner's.
const OWNER_AUTH: &str = "AWS test:signature";

// ---- the server ----

/// Which example server a test faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerKind {
    /// examples/s3_server.
    S3Server,
    /// examples/s3s_server: its answers come through s3s, whose error bodies carry only
    /// Code, Message and RequestId, and whose GetBucketCors writes the stored configuration
    /// anew rather than giving back the document as it was sent.
    #[cfg_attr(not(feature = "s3s"), allow(dead_code))]
    S3sServer,
}

impl ServerKind {
    fn example(self) -> &'static str {
        match self {
            ServerKind::S3Server => "s3_server",
            ServerKind::S3sServer => "s3s_server",
        }
    }

    fn binary_variable(self) -> &'static str {
        match self {
            ServerKind::S3Server => "S3_SERVER_BIN",
            ServerKind::S3sServer => "S3S_SERVER_BIN",
        }
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
    kind: ServerKind,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example server's executable.
fn server_binary(kind: ServerKind) -> String {
    if let Ok(binary) = std::env::var(kind.binary_variable()) {
        return binary;
    }
    let example = kind.example();
    // The test's own features, so the example shares the test build's dependencies.
    let mut features = vec!["http", "tower"];
    if cfg!(feature = "s3s") {
        features.push("s3s");
    }
    if cfg!(feature = "cli") {
        features.push("cli");
    }
    if cfg!(feature = "arbitrary") {
        features.push("arbitrary");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let built = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--quiet",
            "--example",
            example,
            "--message-format=json",
        ])
        .args(["--features", &features.join(",")])
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(
        built.status.success(),
        "cargo build --example {example} failed"
    );
    for line in String::from_utf8_lossy(&built.stdout).lines() {
        let message: serde_json::Value = serde_json::from_str(line).expect("cargo's JSON");
        if message["reason"] == "compiler-artifact"
            && message["target"]["name"] == example
            && message["executable"].is_string()
        {
            return message["executable"].as_str().unwrap().to_owned();
        }
    }
    panic!("cargo did not report the {example} executable");
}

impl Server {
    /// Starts the example on a free loopback port. Each test owns its server, which stops
    /// when the test ends (a static would outlive the test process).
    fn start(kind: ServerKind) -> Server {
        static S3_SERVER: OnceLock<String> = OnceLock::new();
        static S3S_SERVER: OnceLock<String> = OnceLock::new();
        let binary = match kind {
            ServerKind::S3Server => &S3_SERVER,
            ServerKind::S3sServer => &S3S_SERVER,
        };
        let mut child = Command::new(binary.get_or_init(|| server_binary(kind)))
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the example server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the example server did not start: {line:?}");
        };
        Server { child, addr, kind }
    }
}

// ---- a raw HTTP/1.1 client that sends exactly what it is given ----

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    /// The value of the header's first line.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// An element of the S3 XML error body, unescaped.
    fn error(&self, element: &str) -> Option<String> {
        let body = std::str::from_utf8(&self.body).ok()?;
        if !body.contains("<Error>") {
            return None;
        }
        let open = format!("<{element}>");
        let start = body.find(&open)? + open.len();
        let end = start + body[start..].find(&format!("</{element}>"))?;
        Some(unescape(&body[start..end]))
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn request(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Answer {
    let addr = server.addr;
    let mut stream = TcpStream::connect(addr).expect("the example server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if body.is_some() || method == "PUT" || method == "POST" {
        head.push_str(&format!(
            "Content-Length: {}\r\n",
            body.map_or(0, <[u8]>::len)
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.unwrap_or_default()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("an answer");
    parse_answer(&raw, method == "HEAD")
}

fn parse_answer(raw: &[u8], head_only: bool) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("a header line");
            (name.to_owned(), value.trim().to_owned())
        })
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked && !head_only {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size_text = std::str::from_utf8(&data[..end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .expect("a hexadecimal chunk size");
        data = &data[end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

fn content_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

/// A bucket name no other test uses.
fn fresh_name(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

fn create_bucket(server: &Server, prefix: &str, acl: Option<&str>) -> String {
    let name = fresh_name(prefix);
    let headers: Vec<(&str, &str)> = acl.map(|acl| ("x-amz-acl", acl)).into_iter().collect();
    let answer = request(server, "PUT", &format!("/{name}"), &headers, None);
    assert_eq!(answer.status, 200, "{answer:?}");
    name
}

fn put_cors(server: &Server, bucket: &str, body: &[u8], with_md5: bool) -> Answer {
    let md5 = content_md5(body);
    let mut headers = vec![
        ("Content-Type", "application/xml"),
        ("Authorization", OWNER_AUTH),
    ];
    if with_md5 {
        headers.push(("Content-MD5", &md5));
    }
    request(
        server,
        "PUT",
        &format!("/{bucket}?cors"),
        &headers,
        Some(body),
    )
}

// ---- the vectors ----

/// The ACL of a vector's bucket: what its source used.
fn bucket_acl(v: &Vector) -> Option<&'static str> {
    if v.note
        .as_deref()
        .unwrap_or_default()
        .contains("public-read-write")
    {
        Some("public-read-write")
    } else if v.source.contains("s3-tests") {
        Some("public-read")
    } else {
        None
    }
}

/// Creates the vector's bucket, configuration and object; returns the bucket's name.
fn set_up(server: &Server, v: &Vector) -> String {
    if !v.bucket_exists {
        return format!("missing-{}", v.name).chars().take(63).collect();
    }
    let bucket = create_bucket(server, "v", bucket_acl(v));
    if let Some(config) = &v.config {
        let document = config.to_configuration().unwrap().write(Format::S3Xml);
        let put = put_cors(server, &bucket, document.as_bytes(), true);
        assert_eq!(
            (put.status, put.body.as_slice()),
            (200, &b""[..]),
            "{put:?}"
        );
    }
    let path = &v.request().path;
    let key = path.split('?').next().unwrap().trim_start_matches('/');
    // s3-tests' vectors ask for `/bar`, which does not exist.
    if path != SERVICE_ROOT && !key.is_empty() && !v.source.contains("s3-tests") {
        let put = request(
            server,
            "PUT",
            &format!("/{bucket}/{key}"),
            &[("Authorization", OWNER_AUTH)],
            Some(b"vector object"),
        );
        assert_eq!(put.status, 200, "{put:?}");
    }
    bucket
}

fn full_path(bucket: &str, path: &str) -> String {
    if path == SERVICE_ROOT {
        "/".to_owned()
    } else {
        format!("/{bucket}{path}")
    }
}

/// Compares an answer with what S3 answered. `elements`: whether the error body's elements
/// beyond Code and Message (`BucketName`, `Method`, ...) are compared too.
fn check(answer: &Answer, expect: &Expect, bucket: &str, elements: bool) -> Result<(), String> {
    let mut problems = Vec::new();
    if answer.status != expect.status {
        problems.push(format!("status {} != {}", answer.status, expect.status));
    }
    let code = answer.error("Code");
    if code != expect.error_code {
        problems.push(format!("code {code:?} != {:?}", expect.error_code));
    }
    for (name, value) in &expect.headers {
        if answer.header(name) != Some(value) {
            problems.push(format!("{name}: {:?} != {value:?}", answer.header(name)));
        }
    }
    for name in &expect.absent {
        if let Some(value) = answer.header(name) {
            problems.push(format!("{name} present ({value:?})"));
        }
    }
    for (element, value) in expect.error.iter().filter(|_| elements) {
        let value = if value == "<bucket>" { bucket } else { value };
        let got = answer.error(element);
        if got.as_deref() != Some(value) {
            problems.push(format!("<{element}> {got:?} != {value:?}"));
        }
    }
    if let Some(message) = &expect.message {
        if answer.error("Message").as_ref() != Some(message) {
            problems.push(format!(
                "<Message> {:?} != {message:?}",
                answer.error("Message")
            ));
        }
    }
    if let Some(config) = &expect.body_json {
        let got = CorsConfiguration::from_s3_xml(&answer.body).map_err(|e| e.to_string());
        if got != config.to_configuration() {
            problems.push(format!("GetBucketCors body {got:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n  answer: {} {:?} {:?}",
            problems.join("; "),
            answer.status,
            answer.headers,
            String::from_utf8_lossy(&answer.body)
        ))
    }
}

fn run_host_vector(server: &Server, v: &Vector) -> Result<(), String> {
    let bucket = set_up(server, v);
    let req = v.request();
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let answer = request(
        server,
        &req.method,
        &full_path(&bucket, &req.path),
        &headers,
        None,
    );
    // On s3s_server only the CORS layer's own answers (the preflights) are written by this
    // crate; every other answer is s3s's, whose error body has no element beyond Code,
    // Message and RequestId. Code and Message are compared on both servers.
    let elements = server.kind == ServerKind::S3Server || v.kind == Kind::Preflight;
    check(&answer, &v.expect, &bucket, elements)?;
    if v.kind == Kind::Preflight && answer.status == 200 {
        // S3's successful preflight: an empty body and no Content-Type.
        if !answer.body.is_empty() || answer.header("Content-Type").is_some() {
            return Err(format!("a 200 preflight with a body or a type: {answer:?}"));
        }
    }
    if let Some(then) = &req.then {
        let expect = v
            .expect
            .then
            .as_deref()
            .ok_or("`then` without its answer")?;
        let answer = request(
            server,
            &then.method,
            &full_path(&bucket, &then.path),
            &[],
            None,
        );
        check(&answer, expect, &bucket, elements).map_err(|why| format!("then: {why}"))?;
    }
    Ok(())
}

fn run_validate_vector(server: &Server, v: &Vector) -> Result<(), String> {
    let bucket = create_bucket(server, "val", None);
    let body = v.xml().as_bytes();
    let with_md5 = !v
        .request_headers_absent
        .iter()
        .any(|h| h.eq_ignore_ascii_case("content-md5"));
    let answer = put_cors(server, &bucket, body, with_md5);
    let got = request(server, "GET", &format!("/{bucket}?cors"), &[], None);
    let expect = &v.expect;
    match &expect.error_code {
        None => {
            if (answer.status, answer.body.as_slice()) != (200, &b""[..]) {
                return Err(format!("refused: {answer:?}"));
            }
            // s3_server gives the document back byte for byte; s3s hands the operation the
            // parsed configuration and writes GetBucketCors's body itself, so there the same
            // configuration must come back.
            let given_back = match server.kind {
                ServerKind::S3Server => got.body == body,
                ServerKind::S3sServer => matches!(
                    (CorsConfiguration::from_s3_xml(&got.body), CorsConfiguration::from_s3_xml(body)),
                    (Ok(got), Ok(sent)) if got == sent
                ),
            };
            if got.status != 200 || !given_back {
                return Err(format!(
                    "GetBucketCors does not give the document back: {got:?}"
                ));
            }
        }
        Some(code) => {
            check(
                &answer,
                expect,
                &bucket,
                server.kind == ServerKind::S3Server,
            )?;
            if answer.error("Code").as_ref() != Some(code) {
                return Err(format!("no error code: {answer:?}"));
            }
            if got.error("Code").as_deref() != Some("NoSuchCORSConfiguration") {
                return Err(format!("a refused document was stored: {got:?}"));
            }
        }
    }
    Ok(())
}

fn run(
    server: ServerKind,
    kinds: &[Kind],
    each: fn(&Server, &Vector) -> Result<(), String>,
    at_least: usize,
) {
    let server = Server::start(server);
    let mut ran = 0;
    let mut failures = Vec::new();
    for v in vectors::of(kinds) {
        ran += 1;
        if let Err(why) = each(&server, v) {
            failures.push(format!("{}: {why}", v.name));
        }
    }
    assert!(ran >= at_least, "only {ran} vectors ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} vectors fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn preflight_actual_and_api_vectors_over_http() {
    run(
        ServerKind::S3Server,
        &[Kind::Preflight, Kind::Actual, Kind::Api],
        run_host_vector,
        51,
    );
}

#[test]
fn validate_vectors_through_put_bucket_cors() {
    run(
        ServerKind::S3Server,
        &[Kind::Validate],
        run_validate_vector,
        14,
    );
}

#[cfg(feature = "s3s")]
#[test]
fn preflight_actual_and_api_vectors_over_http_on_s3s() {
    run(
        ServerKind::S3sServer,
        &[Kind::Preflight, Kind::Actual, Kind::Api],
        run_host_vector,
        51,
    );
}

#[cfg(feature = "s3s")]
#[test]
fn validate_vectors_through_put_bucket_cors_on_s3s() {
    run(
        ServerKind::S3sServer,
        &[Kind::Validate],
        run_validate_vector,
        14,
    );
}

#[test]
fn the_client_reads_chunked_answers() {
    let answer = parse_answer(
        b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<Err\r\n3;x=y\r\nor>\r\n0\r\n\r\n",
        false,
    );
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body, b"<Error>");
    assert_eq!(answer.header("transfer-ENCODING"), Some("chunked"));
}
