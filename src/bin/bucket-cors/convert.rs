//! `bucket-cors convert`: a configuration in another format, with every change of meaning the
//! conversion makes said on standard error.

use std::path::PathBuf;

use bucket_cors::{ConversionWarning, CorsConfiguration, Dialect, Format};
use clap::Args;

use crate::document::{Document, ReadOptions, Valid};
use crate::{Failure, Outcome, named};

#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    /// The configuration file, or - for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The format to read, instead of detecting it (--format is the same option).
    #[arg(long, visible_alias = "format", value_name = "FORMAT", value_parser = named::<Format>())]
    from: Option<Format>,
    /// The format to write.
    #[arg(long, value_name = "FORMAT", value_parser = named::<Format>())]
    to: Format,
    /// Exit 1 and write nothing when the conversion changes anything (any warning).
    #[arg(long)]
    strict: bool,
    /// Accept a `*` in ExposeHeader, as some providers do; everything else stays S3-exact.
    #[arg(long)]
    lenient: bool,
    /// Whose limits apply to the document read: s3 (100 rules) or oss (10 rules, no ID)
    /// [default: oss for OSS XML, otherwise s3].
    #[arg(long, value_name = "DIALECT", value_parser = named::<Dialect>())]
    dialect: Option<Dialect>,
}

/// Reads, validates and writes the document. Linear in the document (at most 64 KiB + 1
/// bytes are read): the library's parse, validation and writer, and a second parse of another
/// provider's format for the warnings of reading it.
pub(crate) fn run(args: &ConvertArgs) -> Result<Outcome, Failure> {
    let document = Document::read(&args.file)?;
    let read = ReadOptions::new(args.from, args.lenient, args.dialect);
    let Valid { config, format, .. } = document.valid_configuration(&read)?;
    let mut stderr: Vec<String> = reading_warnings(&document, format)
        .iter()
        .map(|warning| format!("warning: reading {format}: {warning}"))
        .collect();
    let (mut stdout, warnings) = match config.to_format(args.to) {
        Ok(written) => written,
        Err(err) => {
            // What the target cannot hold at all: a finding about the document, exit 1.
            return Ok(Outcome {
                stderr: vec![err.to_string()],
                status: 1,
                ..Outcome::default()
            });
        }
    };
    stderr.extend(
        warnings
            .iter()
            .map(|warning| format!("warning: writing {}: {warning}", args.to)),
    );
    if args.strict && !stderr.is_empty() {
        let count = stderr.len();
        stderr.push(format!(
            "--strict: {count} warning{}, nothing written",
            if count == 1 { "" } else { "s" }
        ));
        return Ok(Outcome {
            stderr,
            status: 1,
            ..Outcome::default()
        });
    }
    if !stdout.ends_with('\n') {
        stdout.push('\n');
    }
    Ok(Outcome {
        stdout,
        stderr,
        ..Outcome::default()
    })
}

/// The warnings of reading another provider's document into S3's model (none for S3 XML,
/// OSS XML and the AWS JSON, which read as they are). The document has been read once
/// already, so this parse succeeds; an error here would only lose the warnings.
fn reading_warnings(document: &Document, format: Format) -> Vec<ConversionWarning> {
    CorsConfiguration::from_format(document.bytes(), format)
        .map(|(_, warnings)| warnings)
        .unwrap_or_default()
}
