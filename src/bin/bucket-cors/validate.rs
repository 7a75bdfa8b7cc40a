//! `bucket-cors validate`: S3's answer to a document.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use crate::document::{Document, ReadOptions, Refusal, Valid, answerer, detail};
use crate::json::JsonObject;
use crate::{Failure, Outcome};

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The configuration file, or - for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    read: ReadOptions,
    /// Print {"valid", "error_code", "status", "message", "rule"} as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &ValidateArgs) -> Result<Outcome, Failure> {
    let document = Document::read(&args.file)?;
    let result = document.configuration(&args.read);
    let mut out = String::new();
    let status = match &result {
        Ok(_) => 0,
        Err(_) => 1,
    };
    if args.json {
        let object = match &result {
            Ok(_) => JsonObject::new()
                .bool("valid", true)
                .null("error_code")
                .null("status")
                .null("message")
                .null("rule"),
            Err(Refusal { error: err, .. }) => JsonObject::new()
                .bool("valid", false)
                .str("error_code", Some(err.s3_code().as_str()))
                .num("status", Some(u64::from(err.status())))
                .str("message", Some(&err.s3_message()))
                .num("rule", err.rule().map(|r| r as u64)),
        };
        out.push_str(&object.finish());
        out.push('\n');
    } else {
        match &result {
            Ok(Valid { format, config, .. }) => {
                let count = config.rules.len();
                let rules = if count == 1 { "rule" } else { "rules" };
                let _ = writeln!(out, "{}: valid ({format}, {count} {rules})", document.name);
            }
            Err(refusal) => {
                let err = &refusal.error;
                let _ = writeln!(
                    out,
                    "{}: invalid: {} {} {}",
                    document.name,
                    answerer(refusal.dialect),
                    err.status(),
                    err.s3_code()
                );
                let _ = writeln!(out, "  message: {}", err.s3_message());
                match err.rule() {
                    Some(rule) => {
                        let _ = writeln!(out, "  rule:    {rule}");
                    }
                    None => {
                        let _ = writeln!(out, "  rule:    none (the document as a whole)");
                    }
                }
                let _ = writeln!(out, "  detail:  {}", detail(err));
                if refusal.lenient_accepts {
                    let _ = writeln!(out, "  hint:    --lenient accepts it");
                }
            }
        }
    }
    Ok(Outcome {
        stdout: out,
        notes: Vec::new(),
        status,
        ..Outcome::default()
    })
}
