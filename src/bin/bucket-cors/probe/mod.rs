//! `bucket-cors probe URL --config FILE`: asks a live endpoint the questions that decide its
//! policy and compares every answer with the engine's.

mod compare;
mod plan;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bucket_cors::{CorsEngine, EngineOptions, ResourceType, VaryPolicy};
use clap::Args;
use serde::Serialize;

use self::compare::{Answer, Cause, Difference, compare, expected};
use self::plan::{Probe, plan};
use crate::document::{Document, ReadOptions, Valid, detail};
use crate::{Failure, Outcome, named};

/// The most requests `--max-requests` may ask for.
const MAX_REQUESTS_LIMIT: usize = 10_000;
/// The most bytes of a response body read (enough for an S3 error's `<Code>`).
const BODY_CAP: u64 = 64 * 1024;
/// The most bytes of a response's status line and headers.
const HEADER_CAP: usize = 64 * 1024;

#[derive(Debug, Args)]
#[command(
    after_help = "Only OPTIONS, GET and HEAD are sent, without credentials or signatures. \
    Exit status: 0 when every answer agrees with the policy; 1 when any differs; 2 for a usage \
    or input error, or when the endpoint cannot be reached or does not answer in time."
)]
pub(crate) struct ProbeArgs {
    /// The endpoint: an object or bucket URL (http or https), such as
    /// https://bucket.s3.example.com/key.
    #[arg(value_name = "URL")]
    url: String,
    /// The policy the endpoint is supposed to hold, or - for standard input.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The most requests to send; the plan is cut there (at most 10000).
    #[arg(long, value_name = "N", default_value_t = 200)]
    max_requests: usize,
    /// The most requests per second (0.1 to 1000).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 10.0)]
    rate: f64,
    /// The most seconds one request may take, from connecting to the end of the answer read
    /// (0.1 to 600).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// Print {"url", "planned", "sent", "truncated", "agree", "differences"} as JSON.
    #[arg(long)]
    json: bool,
    /// When the endpoint should send Vary: s3 (only on a match), always (also Vary: Origin
    /// on every other response), response-vary (the OSS ResponseVary flag).
    #[arg(long, value_name = "POLICY", value_parser = named::<VaryPolicy>(), default_value_t = VaryPolicy::S3)]
    vary: VaryPolicy,
    #[command(flatten)]
    read: ReadOptions,
}

/// How requests are sent: bounded in number, rate, time and size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
}

/// Reads the policy, plans, sends and compares. Bounded: at most `--max-requests` requests,
/// one per `1/--rate` seconds, each cut at `--timeout` seconds, 64 KiB of headers and 64 KiB
/// of body; memory is linear in the requests sent (each keeps at most seven differences of
/// two values of at most [`compare::VALUE_CAP`] bytes).
pub(crate) fn run(args: &ProbeArgs) -> Result<Outcome, Failure> {
    let limits = check_args(args)?;
    let url = check_url(&args.url)?;
    let document = Document::read(&args.config)?;
    let Valid {
        config, options, ..
    } = document.valid_configuration(&args.read)?;
    let options = EngineOptions::s3().validation(options).vary(args.vary);
    let engine = CorsEngine::compile_with(&config, &options)
        .map_err(|err| Failure(format!("{}: {}", document.name, detail(&err))))?;
    // The resource type only names the `<ResourceType>` of a refusal's body, which is not
    // compared (a virtual-hosted URL does not say whether it names the bucket).
    let resource = ResourceType::Object;
    let plan = plan(&config, args.max_requests);
    let agent = agent(limits.timeout);
    let mut results = Vec::with_capacity(plan.probes.len());
    let mut next = Instant::now();
    for probe in &plan.probes {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        next = Instant::now() + limits.interval;
        let answer = send(&agent, &url, probe)
            .map_err(|err| Failure(format!("{}: {} {}", url, probe.method, err)))?;
        let want = expected(&engine, probe, resource);
        results.push((probe, answer.status, compare(&want, &answer)));
    }
    let report = Report::new(&url, &plan, &results);
    let stdout = if args.json {
        let mut text = serde_json::to_string(&report)
            .map_err(|err| Failure(format!("cannot write the JSON answer: {err}")))?;
        text.push('\n');
        text
    } else {
        report.text()
    };
    Ok(Outcome {
        stdout,
        status: u8::from(!report.agree),
        ..Outcome::default()
    })
}

fn check_args(args: &ProbeArgs) -> Result<Limits, Failure> {
    if args.max_requests == 0 || args.max_requests > MAX_REQUESTS_LIMIT {
        return Err(Failure(format!(
            "--max-requests {} is out of range: 1 to {MAX_REQUESTS_LIMIT}",
            args.max_requests
        )));
    }
    if !(0.1..=1000.0).contains(&args.rate) {
        return Err(Failure(format!(
            "--rate {} is out of range: 0.1 to 1000 requests per second",
            args.rate
        )));
    }
    if !(0.1..=600.0).contains(&args.timeout) {
        return Err(Failure(format!(
            "--timeout {} is out of range: 0.1 to 600 seconds",
            args.timeout
        )));
    }
    Ok(Limits {
        interval: Duration::from_secs_f64(1.0 / args.rate),
        timeout: Duration::from_secs_f64(args.timeout),
    })
}

/// An absolute http or https URL with a host, without user information; linear in its length.
fn check_url(text: &str) -> Result<String, Failure> {
    let bad = |why: &str| Failure(format!("invalid URL {text:?}: {why}"));
    let uri: ureq::http::Uri = text.parse().map_err(|_| bad("not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(bad("expected http:// or https://")),
    }
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("user information is not sent"));
    }
    Ok(text.to_owned())
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // A redirect is an answer to compare (S3's 301 PermanentRedirect), not followed.
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .max_response_header_size(HEADER_CAP)
        .user_agent(concat!("bucket-cors-probe/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Sends one probe; reads at most [`BODY_CAP`] bytes of the body and leaves the rest.
fn send(agent: &ureq::Agent, url: &str, probe: &Probe) -> Result<Answer, String> {
    let mut request = match probe.method {
        "OPTIONS" => agent.options(url),
        "HEAD" => agent.head(url),
        _ => agent.get(url),
    };
    if let Some(origin) = &probe.origin {
        request = request.header("Origin", origin);
    }
    if let Some(method) = &probe.request_method {
        request = request.header("Access-Control-Request-Method", method);
    }
    if let Some(headers) = &probe.request_headers {
        request = request.header("Access-Control-Request-Headers", headers);
    }
    let mut response = request.call().map_err(|err| err.to_string())?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    if probe.method != "HEAD" {
        response
            .body_mut()
            .as_reader()
            .take(BODY_CAP)
            .read_to_end(&mut body)
            .map_err(|err| format!("reading the answer: {err}"))?;
    }
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// The JSON answer, and the source of the text one.
#[derive(Debug, Serialize)]
struct Report<'a> {
    url: &'a str,
    planned: usize,
    sent: usize,
    truncated: bool,
    agree: bool,
    differences: Vec<Group<'a>>,
}

/// The differences of one cause (and header).
#[derive(Debug, Serialize)]
struct Group<'a> {
    cause: Cause,
    header: Option<&'static str>,
    description: &'static str,
    requests: Vec<Differing<'a>>,
}

#[derive(Debug, Serialize)]
struct Differing<'a> {
    method: &'static str,
    origin: Option<&'a str>,
    request_method: Option<&'a str>,
    request_headers: Option<&'a str>,
    purpose: &'a str,
    status: u16,
    expected: Option<String>,
    got: Option<String>,
}

impl<'a> Report<'a> {
    fn new(
        url: &'a str,
        plan: &plan::Plan,
        results: &'a [(&'a Probe, u16, Vec<Difference>)],
    ) -> Self {
        let mut groups: BTreeMap<(Cause, Option<&'static str>), Vec<Differing<'a>>> =
            BTreeMap::new();
        for (probe, status, diffs) in results {
            for diff in diffs {
                groups
                    .entry((diff.cause, diff.header))
                    .or_default()
                    .push(Differing {
                        method: probe.method,
                        origin: probe.origin.as_deref(),
                        request_method: probe.request_method.as_deref(),
                        request_headers: probe.request_headers.as_deref(),
                        purpose: &probe.purpose,
                        status: *status,
                        expected: diff.expected.clone(),
                        got: diff.got.clone(),
                    });
            }
        }
        let differences: Vec<Group<'a>> = groups
            .into_iter()
            .map(|((cause, header), requests)| Group {
                cause,
                header,
                description: cause.describe(),
                requests,
            })
            .collect();
        Report {
            url,
            planned: plan.probes.len(),
            sent: results.len(),
            truncated: plan.truncated,
            agree: differences.is_empty(),
            differences,
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        let differing: usize = self.differences.iter().map(|g| g.requests.len()).sum();
        let _ = write!(
            out,
            "probed {} with {}",
            self.url,
            count(self.sent, "request")
        );
        if self.truncated {
            out.push_str(" (cut at --max-requests; the policy asks for more)");
        }
        if self.agree {
            out.push_str(": every answer agrees with the policy\n");
            return out;
        }
        let _ = writeln!(
            out,
            ": {} of {}",
            count(differing, "difference"),
            count(self.differences.len(), "kind")
        );
        for group in &self.differences {
            let _ = write!(out, "\n{}", group.description);
            if let Some(header) = group.header {
                let _ = write!(out, " ({header})");
            }
            let _ = writeln!(out, ": {}", count(group.requests.len(), "request"));
            for request in &group.requests {
                let _ = write!(out, "  {}", request.method);
                if let Some(origin) = request.origin {
                    let _ = write!(out, " Origin: {origin}");
                }
                if let Some(method) = request.request_method {
                    let _ = write!(out, " | Access-Control-Request-Method: {method}");
                }
                if let Some(headers) = request.request_headers {
                    let _ = write!(out, " | Access-Control-Request-Headers: {headers}");
                }
                let _ = writeln!(
                    out,
                    "\n    {} -> status {}; expected {}, got {}",
                    request.purpose,
                    request.status,
                    request.expected.as_deref().unwrap_or("(none)"),
                    request.got.as_deref().unwrap_or("(none)")
                );
            }
        }
        out
    }
}

/// `1 request`, `2 requests`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("http://127.0.0.1:9000/b/k").is_ok());
        assert!(check_url("https://bucket.example.com/").is_ok());
        for bad in [
            "ftp://x/y",
            "/bucket/key",
            "http://user:pw@host/b",
            "not a url",
            "",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
