//! `bucket-cors diff OLD NEW`: which access changes between two policies, in any formats.

use std::path::{Path, PathBuf};

use bucket_cors::{CorsEngine, Dialect, EngineOptions, Format, PolicyDiff, VaryPolicy};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::document::{Document, ReadOptions, Valid, detail};
use crate::{Failure, Outcome, named};

/// When a difference makes the command exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Some request refused by OLD is allowed by NEW.
    Widen,
    /// Some request allowed by OLD is refused by NEW.
    Narrow,
    /// Any change of access or of response headers.
    Change,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when the command ran (whatever the difference, unless \
    --fail-on says otherwise); 1 when --fail-on names a change the policies show (widen: some \
    request refused by OLD is allowed by NEW; narrow: the reverse; change: any change, response \
    headers included); 2 for a usage or input error, such as a document S3 would refuse."
)]
pub(crate) struct DiffArgs {
    /// The policy before, or - for standard input.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The policy after, or - for standard input (not both).
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Read OLD in this format instead of detecting it.
    #[arg(long, value_name = "FORMAT", value_parser = named::<Format>())]
    old_format: Option<Format>,
    /// Read NEW in this format instead of detecting it.
    #[arg(long, value_name = "FORMAT", value_parser = named::<Format>())]
    new_format: Option<Format>,
    /// Exit 1 when the policies differ this way.
    #[arg(long, value_name = "CHANGE", value_enum)]
    fail_on: Option<FailOn>,
    /// Print {"widens", "narrows", "access", "responses"} as JSON.
    #[arg(long)]
    json: bool,
    /// Accept a `*` in ExposeHeader, as some providers do; everything else stays S3-exact.
    #[arg(long)]
    lenient: bool,
    /// Whose limits apply: s3 (100 rules) or oss (10 rules, no ID) [default: oss for OSS XML,
    /// otherwise s3].
    #[arg(long, value_name = "DIALECT", value_parser = named::<Dialect>())]
    dialect: Option<Dialect>,
    /// When both policies send Vary: s3 (only on a match), always, response-vary.
    #[arg(long, value_name = "POLICY", value_parser = named::<VaryPolicy>(), default_value_t = VaryPolicy::S3)]
    vary: VaryPolicy,
}

/// The JSON answer: the library's diff with its two verdicts first.
#[derive(Serialize)]
struct DiffJson<'a> {
    widens: bool,
    narrows: bool,
    #[serde(flatten)]
    diff: &'a PolicyDiff,
}

/// Reads both policies and compares them. Each document is at most 64 KiB + 1 bytes; the
/// comparison is the library's [`bucket_cors::diff`], polynomial in the number of entries
/// (each document's entries are bounded by its size).
pub(crate) fn run(args: &DiffArgs) -> Result<Outcome, Failure> {
    if is_stdin(&args.old) && is_stdin(&args.new) {
        return Err(Failure(
            "OLD and NEW cannot both be standard input (-)".to_owned(),
        ));
    }
    let old = engine(&args.old, args.old_format, args)?;
    let new = engine(&args.new, args.new_format, args)?;
    let diff = bucket_cors::diff(&old, &new);
    let failed = match args.fail_on {
        None => false,
        Some(FailOn::Widen) => diff.widens(),
        Some(FailOn::Narrow) => diff.narrows(),
        Some(FailOn::Change) => !diff.is_empty(),
    };
    let stdout = if args.json {
        let json = DiffJson {
            widens: diff.widens(),
            narrows: diff.narrows(),
            diff: &diff,
        };
        let mut text = serde_json::to_string(&json)
            .map_err(|err| Failure(format!("cannot write the JSON answer: {err}")))?;
        text.push('\n');
        text
    } else {
        diff.to_string()
    };
    Ok(Outcome {
        stdout,
        status: u8::from(failed),
        ..Outcome::default()
    })
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn engine(path: &Path, format: Option<Format>, args: &DiffArgs) -> Result<CorsEngine, Failure> {
    let document = Document::read(path)?;
    let read = ReadOptions::new(format, args.lenient, args.dialect);
    let Valid {
        config, options, ..
    } = document.valid_configuration(&read)?;
    let options = EngineOptions::s3().validation(options).vary(args.vary);
    CorsEngine::compile_with(&config, &options)
        .map_err(|err| Failure(format!("{}: {}", document.name, detail(&err))))
}
