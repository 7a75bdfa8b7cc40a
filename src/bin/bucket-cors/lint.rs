//! `bucket-cors lint`: the pitfall warnings for a configuration S3 accepts.

use std::fmt::Write as _;
use std::path::PathBuf;

use bucket_cors::lint::{LintCode, Warning, lint};
use clap::Args;

use crate::document::{Document, ReadOptions, Valid};
use crate::json::JsonObject;
use crate::{Failure, Outcome, named};

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// The configuration file, or - for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    read: ReadOptions,
    /// Do not report this lint (its code, for example insecure-origin); repeatable.
    #[arg(long, value_name = "CODE", value_parser = named::<LintCode>())]
    allow: Vec<LintCode>,
    /// Print {"warnings": [{"rule", "code", "message", "fix"}]} as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &LintArgs) -> Result<Outcome, Failure> {
    let document = Document::read(&args.file)?;
    let Valid { config, .. } = document.valid_configuration(&args.read)?;
    let warnings: Vec<Warning> = lint(&config)
        .into_iter()
        .filter(|w| !args.allow.contains(&w.code))
        .collect();
    let mut out = String::new();
    if args.json {
        let items: Vec<String> = warnings
            .iter()
            .map(|w| {
                JsonObject::new()
                    .num("rule", w.rule.map(|r| r as u64))
                    .str("code", Some(w.code.as_str()))
                    .str("message", Some(&w.message))
                    .str("fix", Some(&w.fix))
                    .finish()
            })
            .collect();
        let _ = writeln!(out, "{{\"warnings\": [{}]}}", items.join(", "));
    } else {
        for w in &warnings {
            let place = w.rule.map(|r| format!("rule {r}: ")).unwrap_or_default();
            let _ = writeln!(out, "{}: {place}{} [{}]", document.name, w.message, w.code);
            let _ = writeln!(out, "  fix: {}", w.fix);
        }
        match warnings.len() {
            0 => {
                let _ = writeln!(out, "{}: no warnings", document.name);
            }
            1 => {
                let _ = writeln!(out, "{}: 1 warning", document.name);
            }
            n => {
                let _ = writeln!(out, "{}: {n} warnings", document.name);
            }
        }
    }
    Ok(Outcome {
        stdout: out,
        notes: Vec::new(),
        status: u8::from(!warnings.is_empty()),
        ..Outcome::default()
    })
}
