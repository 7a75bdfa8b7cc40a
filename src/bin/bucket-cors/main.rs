//! `bucket-cors`: validate, convert, diff, lint and evaluate an S3 bucket CORS configuration
//! offline, with the same engine a storage server uses, and probe a live endpoint with it.
//!
//! Exit status: 0 for success (valid, no warnings, evaluated, no difference), 1 for a finding
//! (invalid, warnings, a difference), 2 for a usage or input error, which is reported on one
//! line of standard error.

#![forbid(unsafe_code)]

mod convert;
mod diff;
mod document;
mod eval;
mod json;
mod lint;
mod probe;
mod validate;

use std::io::{self, Write};
use std::process::ExitCode;
use std::str::FromStr;

use bucket_cors::UnknownName;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};

use crate::convert::ConvertArgs;
use crate::diff::DiffArgs;
use crate::eval::EvalArgs;
use crate::lint::LintArgs;
use crate::probe::ProbeArgs;
use crate::validate::ValidateArgs;

/// Validate, convert, diff, lint and evaluate S3 bucket CORS configurations offline, and probe
/// a live endpoint with one.
///
/// A configuration is S3 XML (a PutBucketCors body), Alibaba OSS XML, the AWS CLI / boto3
/// JSON shape {"CORSRules": [...]}, or another cloud's CORS document: Google Cloud Storage
/// JSON, Azure Blob Storage XML, Cloudflare R2 JSON or Backblaze B2 JSON. The format is
/// detected unless --format (convert: --from) names it.
#[derive(Debug, Parser)]
#[command(name = "bucket-cors", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a configuration with S3's rules: exit 0 when valid, 1 when S3 would refuse it.
    Validate(ValidateArgs),
    /// Print a configuration in another format; warn about every change of meaning.
    Convert(ConvertArgs),
    /// Say which access changes between two configurations, in any formats.
    Diff(DiffArgs),
    /// Warn about pitfalls S3 accepts: exit 0 without warnings, 1 with some.
    Lint(LintArgs),
    /// Evaluate one request against a configuration and print S3's answer.
    Eval(EvalArgs),
    /// Send the requests that decide a configuration to a live endpoint and compare every
    /// answer with the engine's.
    Probe(ProbeArgs),
}

/// A value parser for one of the library's named types: the names its [`FromStr`] accepts are
/// the possible values `--help` lists, and a wrong one gets clap's error with that list.
fn named<T>() -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err = UnknownName> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names::<T>()).try_map(|name| name.parse::<T>())
}

/// The names a type's [`FromStr`] accepts, as its [`UnknownName`] error lists them (the empty
/// string is never a name).
fn names<T: FromStr<Err = UnknownName>>() -> &'static [&'static str] {
    match "".parse::<T>() {
        Ok(_) => &[],
        Err(err) => err.expected(),
    }
}

/// A usage or input error: one line on standard error, exit status 2.
#[derive(Debug)]
struct Failure(String);

/// What a command prints, and its exit status.
#[derive(Debug, Default)]
struct Outcome {
    stdout: String,
    /// Notes for people, printed on standard error.
    notes: Vec<String>,
    /// Other lines for standard error (warnings, a finding's one line), printed after the
    /// notes, each after `bucket-cors: `.
    stderr: Vec<String>,
    status: u8,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return clap_failure(&err),
    };
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Probe(args) => probe::run(&args),
    };
    match result {
        Ok(outcome) => {
            let mut stderr = io::stderr().lock();
            for note in &outcome.notes {
                // Nothing useful can be done when standard error is gone.
                let _ = writeln!(stderr, "bucket-cors: note: {note}");
            }
            for line in &outcome.stderr {
                let _ = writeln!(stderr, "bucket-cors: {line}");
            }
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(outcome.stdout.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::from(outcome.status),
                // A reader that stopped early (`| head`) is not an error of ours.
                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                    ExitCode::from(outcome.status)
                }
                Err(err) => fail(&format!("cannot write the output: {}", io_text(&err))),
            }
        }
        Err(Failure(message)) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(io::stderr().lock(), "bucket-cors: {message}");
    ExitCode::from(2)
}

/// Help and version go to standard output; every other clap error becomes one line.
fn clap_failure(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // `bucket-cors` alone: the help, on standard error since it is a usage error.
        let _ = write!(io::stderr().lock(), "{}", err.render());
        return ExitCode::from(2);
    }
    let rendered = err.render().to_string();
    let mut parts: Vec<&str> = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.is_empty() {
            if parts.is_empty() {
                continue;
            }
            break;
        }
        parts.push(line);
    }
    let text = parts.join(" ");
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    fail(&format!("{text} (see bucket-cors --help)"))
}

fn io_text(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
        _ => {
            let text = err.to_string();
            // "Invalid argument (os error 22)" → "invalid argument (os error 22)"
            let mut chars = text.chars();
            chars.next().map_or(text.clone(), |first| {
                first.to_lowercase().chain(chars).collect()
            })
        }
    }
}
