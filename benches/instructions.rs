//! Instruction counts: runs one case a given number of times, for `scripts/instructions` to
//! count under valgrind's callgrind at two loop lengths (the difference is the cost of the
//! calls alone, without the process's start-up and the case's set-up).
//!
//! `instructions --list` prints every case, a tab and the loop length the script starts from;
//! `instructions CASE N` sets the case up (outside the loop) and runs it `N` times.
//!
//! What one call is, per family:
//!
//! - `decision/…`: `CorsEngine::evaluate` on a prebuilt `CorsRequest`.
//! - `end to end/…`: clone the prebuilt `http::Request`, view it, decide, set the status and
//!   write the headers into a fresh `http::Response` through `bucket_cors::http::HeaderTable`
//!   (made once with the engine, as in `benches/evaluate.rs`), drop the response and the
//!   request.
//! - `tower-http/…`: clone the same prebuilt request, hand it to tower-http's `CorsLayer`
//!   (configured as the single rule, as in `benches/evaluate.rs`) over a service answering an
//!   empty `200`, poll once, drop the response (the request is consumed and dropped inside).
//! - `floor/…`: clone the same prebuilt request, make a fresh `http::Response`, set the status
//!   bucket-cors sets and append the very headers bucket-cors writes for the case, as
//!   precomputed `HeaderName`/`HeaderValue` pairs (clones of them), drop the response and the
//!   request. No CORS work at all: what any answer with those headers costs.
//! - `compile/…`: `CorsConfiguration::parse` then `CorsEngine::compile_owned` (which
//!   validates) on one document's bytes, then drop the engine, as in `benches/compile.rs`.
//!
//! The three end-to-end families build and drop the same request and response inside the
//! measured call, so their counts compare like with like.

use std::hint::black_box;
use std::process::ExitCode;

use bucket_cors::EngineOptions;
use bucket_cors::http::HeaderTable;
use http::Response;
use http::header::{self, HeaderName, HeaderValue};
use tower::Service;

#[path = "support/cases.rs"]
mod cases;
#[path = "support/end_to_end.rs"]
mod end_to_end;

use end_to_end::{answer, poll_once, tower_cors};
#[path = "support/documents.rs"]
mod documents;

use cases::{APP, CASES, Case};

/// The cases tower-http runs, as in `benches/evaluate.rs`.
const TOWER_CASES: [&str; 2] = ["1 rule/preflight hit", "1 rule/actual GET hit"];

/// Loop lengths the script starts from: long enough that the loop dwarfs the noise of the
/// set-up, short enough for callgrind.
const CALL_LOOP: u64 = 2000;
const COMPILE_LOOP: u64 = 20;
const COMPILE_64KB_LOOP: u64 = 4;

fn list() {
    for case in CASES {
        for family in ["decision", "end to end", "floor"] {
            println!("{family}/{}\t{CALL_LOOP}", case.name);
        }
        if TOWER_CASES.contains(&case.name) {
            println!("tower-http/{}\t{CALL_LOOP}", case.name);
        }
    }
    for path in documents::sample_paths() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("sample");
        println!("compile/samples/{name}\t{COMPILE_LOOP}");
    }
    for (label, _, rules) in documents::GENERATED {
        for kind in documents::KINDS {
            let n = if kind == "64KB" {
                COMPILE_64KB_LOOP
            } else {
                COMPILE_LOOP
            };
            println!("compile/generated/{label}/{rules} rules/{kind}\t{n}");
        }
    }
}

fn find(name: &str) -> Option<&'static Case> {
    CASES.iter().find(|case| case.name == name)
}

fn run(name: &str, n: u64) -> Result<(), String> {
    let unknown = || format!("unknown case {name:?} (see --list)");
    let (family, rest) = name.split_once('/').ok_or_else(unknown)?;
    match family {
        "decision" => {
            let case = find(rest).ok_or_else(unknown)?;
            let engine = case.config.engine();
            let view = case.view();
            assert_eq!(engine.evaluate(&view).matched_rule(), case.rule, "{rest}");
            for _ in 0..n {
                black_box(black_box(&engine).evaluate(black_box(&view)).matched_rule());
            }
        }
        "end to end" => {
            let case = find(rest).ok_or_else(unknown)?;
            let engine = case.config.engine();
            let table = HeaderTable::new(&engine);
            let prebuilt = case.http_request();
            let allowed = answer(&engine, &table, &prebuilt)
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN);
            assert_eq!(allowed, case.rule.is_some(), "{rest}");
            for _ in 0..n {
                let request = black_box(&prebuilt).clone();
                drop(black_box(answer(black_box(&engine), &table, &request)));
                drop(request);
            }
        }
        "tower-http" if TOWER_CASES.contains(&rest) => {
            let case = find(rest).ok_or_else(unknown)?;
            let mut service = tower_cors();
            let prebuilt = case.http_request();
            let response = poll_once(service.call(prebuilt.clone())).expect("infallible");
            assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], APP);
            for _ in 0..n {
                let request = black_box(&prebuilt).clone();
                drop(black_box(poll_once(service.call(request))));
            }
        }
        "floor" => {
            let case = find(rest).ok_or_else(unknown)?;
            let engine = case.config.engine();
            let table = HeaderTable::new(&engine);
            let prebuilt = case.http_request();
            let answered = answer(&engine, &table, &prebuilt);
            let status = answered.status();
            let headers: Vec<(HeaderName, HeaderValue)> = answered
                .headers()
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            for _ in 0..n {
                let request = black_box(&prebuilt).clone();
                let mut response = Response::new(());
                *response.status_mut() = black_box(status);
                let map = response.headers_mut();
                for (name, value) in black_box(&headers) {
                    map.append(name.clone(), value.clone());
                }
                drop(black_box(response));
                drop(request);
            }
        }
        "compile" => {
            let (bytes, options) = if let Some(file) = rest.strip_prefix("samples/") {
                let path = documents::sample_paths()
                    .into_iter()
                    .find(|p| p.file_name().and_then(|n| n.to_str()) == Some(file))
                    .ok_or_else(unknown)?;
                documents::sample(&path)
            } else {
                let generated = rest.strip_prefix("generated/").ok_or_else(unknown)?;
                let (label, format, rules) = documents::GENERATED
                    .into_iter()
                    .find(|(label, _, rules)| {
                        generated.starts_with(&format!("{label}/{rules} rules/"))
                    })
                    .ok_or_else(unknown)?;
                let kind = &generated[format!("{label}/{rules} rules/").len()..];
                if !documents::KINDS.contains(&kind) {
                    return Err(unknown());
                }
                (
                    documents::generated(format, rules, kind),
                    EngineOptions::s3(),
                )
            };
            drop(documents::load(&bytes, &options));
            for _ in 0..n {
                drop(black_box(documents::load(black_box(&bytes), &options)));
            }
        }
        _ => return Err(unknown()),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo test --benches` runs every bench target; with no case named there is nothing to
    // count, so it passes (the criterion benches cover the set-up assertions there).
    let usage = "usage: instructions --list | instructions CASE N";
    match args.as_slice() {
        [flag] if flag == "--list" => {
            list();
            ExitCode::SUCCESS
        }
        [case, n] => {
            let Ok(n) = n.parse::<u64>() else {
                eprintln!("{usage}");
                return ExitCode::FAILURE;
            };
            match run(case, n) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("{message}");
                    ExitCode::FAILURE
                }
            }
        }
        _ if args.is_empty() || args.iter().any(|a| a == "--bench") => ExitCode::SUCCESS,
        _ => {
            eprintln!("{usage}");
            ExitCode::FAILURE
        }
    }
}
