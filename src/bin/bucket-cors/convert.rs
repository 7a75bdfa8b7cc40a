//! `bucket-cors convert`: a configuration in another format.

use std::path::PathBuf;

use bucket_cors::Format;
use clap::Args;

use crate::document::{Document, ReadOptions, Valid};
use crate::{Failure, Outcome, named};

#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    /// The configuration file, or - for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The format to write.
    #[arg(long, value_name = "FORMAT", value_parser = named::<Format>())]
    to: Format,
    #[command(flatten)]
    read: ReadOptions,
}

pub(crate) fn run(args: &ConvertArgs) -> Result<Outcome, Failure> {
    let document = Document::read(&args.file)?;
    let Valid { config, .. } = document.valid_configuration(&args.read)?;
    let to = args.to;
    let mut notes = Vec::new();
    if to != Format::OssXml && config.response_vary.is_some() {
        notes.push(format!("ResponseVary has no {to} form and is left out"));
    }
    if to == Format::OssXml && config.rules.iter().any(|r| r.id.is_some()) {
        notes.push("OSS XML has no ID; the rules' IDs are left out".to_owned());
    }
    let mut stdout = config.write(to);
    if !stdout.ends_with('\n') {
        stdout.push('\n');
    }
    Ok(Outcome {
        stdout,
        notes,
        status: 0,
    })
}
