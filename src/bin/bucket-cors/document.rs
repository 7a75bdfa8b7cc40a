//! Reading a configuration: the options every command shares, the document as read, and the
//! answer to a refused one.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::path::Path;

use bucket_cors::s3::{MAX_DOCUMENT_BYTES, S3ErrorCode};
use bucket_cors::{ConfigError, CorsConfiguration, Dialect, Format, ValidationOptions};
use clap::Args;

use crate::{Failure, io_text, named};

/// How a configuration is read and which rules it must follow.
#[derive(Debug, Args)]
pub(crate) struct ReadOptions {
    /// Read the document in this format instead of detecting it.
    #[arg(long, value_name = "FORMAT", value_parser = named::<Format>())]
    format: Option<Format>,
    /// Accept a `*` in ExposeHeader, as some providers do; everything else stays S3-exact.
    #[arg(long)]
    lenient: bool,
    /// Whose limits apply: s3 (100 rules) or oss (10 rules, no ID) [default: oss for OSS XML,
    /// otherwise s3].
    #[arg(long, value_name = "DIALECT", value_parser = named::<Dialect>())]
    dialect: Option<Dialect>,
}

impl ReadOptions {
    /// The options of a command that names them itself (`convert --from`).
    pub(crate) fn new(format: Option<Format>, lenient: bool, dialect: Option<Dialect>) -> Self {
        ReadOptions {
            format,
            lenient,
            dialect,
        }
    }
}

/// A document as read: its name for messages, and at most one byte over S3's limit.
pub(crate) struct Document {
    pub(crate) name: String,
    bytes: Vec<u8>,
}

impl Document {
    /// Reads a file, or standard input for `-`: at most [`MAX_DOCUMENT_BYTES`] + 1 bytes,
    /// however long the stream, so time and memory are bounded by S3's limit.
    pub(crate) fn read(path: &Path) -> Result<Document, Failure> {
        let limit = MAX_DOCUMENT_BYTES as u64 + 1;
        let mut bytes = Vec::new();
        let (name, result) = if path.as_os_str() == OsStr::new("-") {
            let name = "<stdin>".to_owned();
            let result = io::stdin().lock().take(limit).read_to_end(&mut bytes);
            (name, result)
        } else {
            let name = path.display().to_string();
            let result =
                std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes));
            (name, result)
        };
        result.map_err(|err| Failure(format!("cannot read {name}: {}", io_text(&err))))?;
        Ok(Document { name, bytes })
    }

    /// The bytes read.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Reads the configuration and validates it; a refusal carries the dialect's answer.
    /// Linear in the document (at most 64 KiB + 1 bytes): the library's parse and validation,
    /// and a second validation when `--lenient` might accept a refused document.
    pub(crate) fn configuration(&self, read: &ReadOptions) -> Result<Valid, Refusal> {
        let detected = read.format.or_else(|| Format::detect(&self.bytes));
        let dialect = read.dialect.unwrap_or(match detected {
            Some(Format::OssXml) => Dialect::Oss,
            _ => Dialect::S3,
        });
        let refused = |error, lenient_accepts| Refusal {
            error,
            dialect,
            lenient_accepts,
        };
        // Both readings refuse a document over S3's limit before parsing it.
        let parsed = match read.format {
            Some(format) => CorsConfiguration::parse_as(&self.bytes, format).map(|c| (format, c)),
            None => CorsConfiguration::parse(&self.bytes),
        };
        let (format, config) = parsed.map_err(|err| refused(err, false))?;
        let options = ValidationOptions::s3()
            .dialect(dialect)
            .lenient(read.lenient);
        if let Err(err) = config.validate_with(&options) {
            let lenient_accepts =
                !read.lenient && config.validate_with(&options.lenient(true)).is_ok();
            return Err(refused(err, lenient_accepts));
        }
        Ok(Valid {
            format,
            config,
            options,
        })
    }

    /// The configuration, or a one-line failure naming the dialect's answer.
    pub(crate) fn valid_configuration(&self, read: &ReadOptions) -> Result<Valid, Failure> {
        self.configuration(read).map_err(|refusal| {
            let err = &refusal.error;
            let hint = if refusal.lenient_accepts {
                "; --lenient accepts it"
            } else {
                ""
            };
            Failure(format!(
                "{}: not a valid configuration ({} {} {}): {}{hint}",
                self.name,
                answerer(refusal.dialect),
                err.status(),
                err.s3_code(),
                detail(err)
            ))
        })
    }
}

/// A configuration that reads and validates, with how it was read.
pub(crate) struct Valid {
    pub(crate) format: Format,
    pub(crate) config: CorsConfiguration,
    pub(crate) options: ValidationOptions,
}

/// Why a configuration was refused, and under which dialect.
pub(crate) struct Refusal {
    pub(crate) error: ConfigError,
    pub(crate) dialect: Dialect,
    /// The document reads, and `--lenient` (not given) would accept it.
    pub(crate) lenient_accepts: bool,
}

/// Who gives the answer to a refused document: S3 itself, or the OSS dialect's reading of it.
pub(crate) fn answerer(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Oss => "the OSS dialect answers",
        _ => "S3 answers",
    }
}

/// The log text of an error; a too-large document is only known to be over the limit, as at
/// most one byte more than the limit is read.
pub(crate) fn detail(err: &ConfigError) -> String {
    if err.s3_code() == S3ErrorCode::MaxMessageLengthExceeded {
        format!("the document is larger than the limit of {MAX_DOCUMENT_BYTES} bytes")
    } else {
        // The reader's own error, when there is one, says what it found.
        let mut text = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}
