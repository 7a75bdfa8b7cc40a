//! `bucket-cors eval`: one request against a configuration, answered as `curl -i` shows it.

use std::fmt::Write as _;
use std::path::PathBuf;

use bucket_cors::{
    CorsEngine, CorsMethod, CorsRequest, Decision, EngineOptions, HeaderLines, PassReason,
    ResourceType, VaryPolicy,
};
use clap::{ArgGroup, Args};

use crate::document::{Document, ReadOptions, Valid, detail};
use crate::json::JsonObject;
use crate::{Failure, Outcome, named};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["config", "no_config"])))]
pub(crate) struct EvalArgs {
    /// The configuration file, or - for standard input.
    #[arg(value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// Evaluate against a bucket without a CORS configuration.
    #[arg(long)]
    no_config: bool,
    /// The request's HTTP method, for example OPTIONS for a preflight (case-sensitive, as in
    /// HTTP: options is not a preflight).
    #[arg(long, value_name = "METHOD", value_parser = parse_method)]
    method: String,
    /// A request header, 'Name: value'; repeat it for several headers or lines.
    #[arg(long, value_name = "NAME: VALUE", value_parser = parse_header)]
    header: Vec<(String, String)>,
    /// The request targets the bucket itself, not an object.
    #[arg(long)]
    bucket_root: bool,
    /// Add the rule-by-rule trace of why the request did or did not match.
    #[arg(long)]
    explain: bool,
    /// Print {"status", "error_code", "error_message", "error_method", "resource_type",
    /// "headers", "matched_rule"} as JSON.
    #[arg(long)]
    json: bool,
    /// When to send Vary: s3 (only on a match), always (also Vary: Origin on every other
    /// response of a configured bucket), response-vary (the OSS ResponseVary flag).
    #[arg(long, value_name = "POLICY", value_parser = named::<VaryPolicy>(), default_value_t = VaryPolicy::S3)]
    vary: VaryPolicy,
    #[command(flatten)]
    read: ReadOptions,
}

/// Reads a `--header` argument, `Name: value`: split at the first colon, the value trimmed of
/// spaces and tabs, the name checked to be an HTTP token. Linear in the argument.
fn parse_header(arg: &str) -> Result<(String, String), String> {
    let Some((name, value)) = arg.split_once(':') else {
        return Err("a header is 'Name: value' and this one has no colon".to_owned());
    };
    let name = name.trim_matches([' ', '\t']);
    if name.is_empty() {
        return Err("the header name before the colon is empty".to_owned());
    }
    if !name.bytes().all(is_token_byte) {
        return Err(format!("header name {name:?} is not an HTTP token"));
    }
    Ok((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()))
}

/// Reads `--method`: an HTTP method is a token, so one with a space or a control character
/// (which would also break the one-line notes) is refused.
fn parse_method(arg: &str) -> Result<String, String> {
    if arg.is_empty() || !arg.bytes().all(is_token_byte) {
        return Err(format!("method {arg:?} is not an HTTP token"));
    }
    Ok(arg.to_owned())
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

pub(crate) fn run(args: &EvalArgs) -> Result<Outcome, Failure> {
    let engine = match &args.config {
        None => CorsEngine::disabled(),
        Some(path) => {
            let document = Document::read(path)?;
            let Valid {
                config, options, ..
            } = document.valid_configuration(&args.read)?;
            let options = EngineOptions::s3().validation(options).vary(args.vary);
            CorsEngine::compile_with(&config, &options)
                .map_err(|err| Failure(format!("{}: {}", document.name, detail(&err))))?
        }
    };
    let mut origin = None;
    let mut request_method = None;
    let mut request_headers: Vec<&str> = Vec::new();
    for (name, value) in &args.header {
        if name.eq_ignore_ascii_case("Origin") {
            set_once(&mut origin, "Origin", value)?;
        } else if name.eq_ignore_ascii_case("Access-Control-Request-Method") {
            set_once(&mut request_method, "Access-Control-Request-Method", value)?;
        } else if name.eq_ignore_ascii_case("Access-Control-Request-Headers") {
            request_headers.push(value);
        }
    }
    let resource = if args.bucket_root {
        ResourceType::Bucket
    } else {
        ResourceType::Object
    };
    let mut builder = CorsRequest::builder(&args.method)
        .resource_type(resource)
        .request_headers(HeaderLines::many(&request_headers));
    if let Some(origin) = origin {
        builder = builder.origin(origin);
    }
    if let Some(method) = request_method {
        builder = builder.request_method(method);
    }
    let request = builder.build();
    let decision = engine.evaluate(&request);
    let explanation = args.explain.then(|| engine.explain(&request).to_string());
    let mut notes: Vec<String> = method_case_note(&args.method, request_method.is_some())
        .into_iter()
        .collect();
    let stdout = if args.json {
        let mut out = eval_json(&decision, explanation.as_deref());
        out.push('\n');
        out
    } else {
        let mut out = eval_text(&decision);
        if decision.status().is_none() {
            let stands_for = format!(
                "200 OK stands for the server's own answer to {}",
                args.method
            );
            notes.push(match decision {
                Decision::Pass(pass) if decision.headers().next().is_none() => format!(
                    "no CORS headers: {}; {stands_for}",
                    pass_reason(pass.reason())
                ),
                _ => format!("{stands_for}, to which CORS adds the headers shown"),
            });
        }
        if let Some(explanation) = explanation {
            out.push('\n');
            out.push_str(&explanation);
            out.push('\n');
        }
        out
    };
    Ok(Outcome {
        stdout,
        notes,
        status: 0,
        ..Outcome::default()
    })
}

/// A note for a method that differs from a CORS method only in case: HTTP methods are
/// case-sensitive, so `options` is an ordinary request, and `get` is allowed by no rule unless
/// an `Access-Control-Request-Method` names the method to match instead.
fn method_case_note(method: &str, has_request_method: bool) -> Option<String> {
    let upper = method.to_ascii_uppercase();
    if upper == method {
        return None;
    }
    if upper == "OPTIONS" {
        return Some(format!(
            "method {method:?} is not OPTIONS (methods are case-sensitive), so this is an \
             ordinary request, not a preflight; use --method OPTIONS for a preflight"
        ));
    }
    let cors = upper.parse::<CorsMethod>().ok()?;
    let effect = if has_request_method {
        "Access-Control-Request-Method is matched instead"
    } else {
        "no rule allows it"
    };
    Some(format!(
        "method {method:?} is not {cors} (methods are case-sensitive), so {effect}; use \
         --method {cors}"
    ))
}

fn set_once<'a>(slot: &mut Option<&'a str>, name: &str, value: &'a str) -> Result<(), Failure> {
    if slot.is_some() {
        return Err(Failure(format!(
            "--header {name} is given more than once; a request carries one"
        )));
    }
    *slot = Some(value);
    Ok(())
}

fn pass_reason(reason: PassReason) -> &'static str {
    match reason {
        PassReason::NoOrigin => "not a CORS request (no Origin header)",
        PassReason::NoConfiguration => "the bucket has no CORS configuration",
        PassReason::NoMatch => "no rule matches",
        _ => "the request is served as usual",
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        _ => "",
    }
}

/// The answer as `curl -i` shows it: the status line (the preflight's or the rejection's
/// status, or `200 OK` standing for the server's own answer to another request), the headers,
/// and S3's error body.
fn eval_text(decision: &Decision<'_>) -> String {
    let mut out = String::new();
    let status = decision.status().unwrap_or(200);
    let _ = writeln!(out, "HTTP/1.1 {status} {}", reason_phrase(status));
    if let Decision::Reject(_) = decision {
        out.push_str("Content-Type: application/xml\n");
    }
    for (name, value) in decision.headers() {
        let _ = writeln!(out, "{name}: {value}");
    }
    if let Decision::Reject(rejection) = decision {
        out.push('\n');
        out.push_str(&rejection.to_xml("EXAMPLE-REQUEST-ID", "EXAMPLE-HOST-ID"));
        out.push('\n');
    }
    out
}

fn eval_json(decision: &Decision<'_>, explanation: Option<&str>) -> String {
    let rejection = match decision {
        Decision::Reject(rejection) => Some(rejection),
        _ => None,
    };
    let mut headers = JsonObject::new();
    for (name, value) in decision.headers() {
        headers = headers.str(name, Some(&value.to_string()));
    }
    let mut object = JsonObject::new()
        .num("status", decision.status().map(u64::from))
        .str("error_code", rejection.map(|r| r.code().as_str()))
        .str(
            "error_message",
            rejection.map(|r| r.message().to_string()).as_deref(),
        )
        .str("error_method", rejection.and_then(|r| r.error_method()))
        .str(
            "resource_type",
            rejection
                .and_then(|r| r.resource_type())
                .map(|t| t.as_str()),
        )
        .raw("headers", &headers.finish())
        .num("matched_rule", decision.matched_rule().map(|r| r as u64));
    if let Some(explanation) = explanation {
        object = object.str("explanation", Some(explanation));
    }
    object.finish()
}
