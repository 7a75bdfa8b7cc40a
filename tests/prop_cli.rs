//! The CLI's argument and `--header` parsing, property-tested: whatever arguments `eval` is
//! given, it either answers with a valid evaluation (exit 0, the response on standard output,
//! only notes on standard error) or refuses cleanly (exit 2, one line on standard error,
//! nothing on standard output). Never a panic, never a multi-line error. Unix only: it passes
//! arguments that are not UTF-8.
#![cfg(unix)]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::Command;

use proptest::prelude::*;

const EXE: &str = env!("CARGO_BIN_EXE_bucket-cors");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// How one run ended.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[OsString]) -> Run {
    let output = Command::new(EXE)
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("the bucket-cors binary runs");
    Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 errors"),
    }
}

/// The property: a valid evaluation or a clean exit 2.
fn check(run: &Run, json: bool) -> Result<(), TestCaseError> {
    prop_assert!(!run.stderr.contains("panicked"), "{run:?}");
    match run.code {
        0 => {
            if json {
                let value: serde_json::Value = serde_json::from_str(&run.stdout)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {run:?}")))?;
                prop_assert!(value.get("status").is_some(), "{run:?}");
                prop_assert!(value.get("headers").is_some(), "{run:?}");
            } else {
                prop_assert!(run.stdout.starts_with("HTTP/1.1 "), "{run:?}");
            }
            for line in run.stderr.lines() {
                prop_assert!(line.starts_with("bucket-cors: note: "), "{run:?}");
            }
        }
        2 => {
            prop_assert!(run.stdout.is_empty(), "{run:?}");
            prop_assert_eq!(run.stderr.lines().count(), 1, "{:?}", run);
            prop_assert!(run.stderr.starts_with("bucket-cors: ") && run.stderr.ends_with('\n'));
        }
        _ => prop_assert!(false, "exit {}: {run:?}", run.code),
    }
    Ok(())
}

/// Text for a header name or value: printable ASCII, tabs, control characters, non-ASCII
/// letters and the separators the parser looks for.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~]{0,24}",
        1 => "[\t\r\n\u{1}\u{7f} :,a-z]{0,8}",
        1 => "[é€😀:, ]{0,6}",
        1 => prop::sample::select(&["", " ", ":", "::", "https://a.example", "GET, PUT"][..]).prop_map(str::to_owned),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&[
            "Origin",
            "origin",
            "Access-Control-Request-Method",
            "access-control-request-headers",
            "Access-Control-Request-Headers",
            "X-Other",
            "Bad Name",
            "",
        ][..]).prop_map(str::to_owned),
        1 => text(),
    ]
}

/// A `--header` argument: usually `Name: value`, sometimes any text.
fn header_arg() -> impl Strategy<Value = OsString> {
    prop_oneof![
        4 => (header_name(), prop::sample::select(&[":", ": ", " : ", "\t:\t"][..]), text())
            .prop_map(|(name, colon, value)| OsString::from(format!("--header={name}{colon}{value}"))),
        1 => text().prop_map(|t| OsString::from(format!("--header={t}"))),
        // Not UTF-8 (and without NUL, which no argument can hold).
        1 => prop::collection::vec(1..=u8::MAX, 0..12).prop_map(|mut bytes| {
            let mut arg = b"--header=Origin: ".to_vec();
            bytes.push(0xff);
            arg.extend(bytes);
            OsString::from_vec(arg)
        }),
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&["OPTIONS", "GET", "PUT", "options", "get", "PATCH", ""][..]).prop_map(str::to_owned),
        1 => text(),
    ]
}

/// Flags and stray words.
fn extra() -> impl Strategy<Value = Vec<OsString>> {
    prop::collection::vec(
        prop::sample::select(
            &[
                "--bucket-root",
                "--explain",
                "--vary=always",
                "--vary=response-vary",
                "--vary=sometimes",
                "--bogus",
                "--header",
                "stray",
                "--no-config",
                "--method=GET",
            ][..],
        )
        .prop_map(OsString::from),
        0..3,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `eval` against a configuration file with any method, headers and flags.
    #[test]
    fn eval_answers_or_refuses_cleanly(
        method in method(),
        headers in prop::collection::vec(header_arg(), 0..5),
        extra in extra(),
        json in any::<bool>(),
        config in prop::sample::select(&[
            "tests/data/samples/www-example-com.xml",
            "tests/data/samples/boto3-full-rule.json",
            "--no-config",
            "tests/data/no-such-file.xml",
        ][..]),
    ) {
        let mut args: Vec<OsString> = vec!["eval".into(), config.into(), format!("--method={method}").into()];
        args.extend(headers);
        args.extend(extra);
        if json {
            args.push("--json".into());
        }
        check(&run(&args), json)?;
    }

    /// Any words at all after `eval`.
    #[test]
    fn eval_with_any_arguments_answers_or_refuses_cleanly(
        words in prop::collection::vec(text(), 0..5),
    ) {
        let mut args: Vec<OsString> = vec!["eval".into()];
        // A word that asks for the version prints it; that is not an evaluation.
        args.extend(words.iter().filter(|w| !matches!(w.trim(), "-V" | "--version")).map(OsString::from));
        let run = run(&args);
        // Neither is help, which `--help` and any cluster of short flags led by `h` (`-h`,
        // `-ha`) ask for: exit 0 with the usage on standard output is right for them.
        let asks_help = words.iter().any(|w| w == "--help" || (w.starts_with("-h")));
        if asks_help && run.code == 0 && run.stdout.contains("Usage: bucket-cors eval") {
            prop_assert!(run.stderr.is_empty(), "{run:?}");
        } else {
            check(&run, false)?;
        }
    }
}

/// Both outcomes the properties allow do happen.
#[test]
fn a_header_line_is_evaluated_and_a_bad_one_refused() {
    let args = |header: &str| -> Vec<OsString> {
        [
            "eval",
            "tests/data/samples/www-example-com.xml",
            "--method=GET",
            header,
        ]
        .map(OsString::from)
        .to_vec()
    };
    let ok = run(&args("--header=Origin: https://www.example.com"));
    assert_eq!(ok.code, 0, "{ok:?}");
    check(&ok, false).unwrap();
    for bad in [
        "--header=Origin https://www.example.com",
        "--header=Bad Name: x",
        "--header=: x",
    ] {
        let refused = run(&args(bad));
        assert_eq!(refused.code, 2, "{refused:?}");
        check(&refused, false).unwrap();
    }
}
