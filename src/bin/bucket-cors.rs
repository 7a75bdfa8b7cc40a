//! `bucket-cors`: validate, convert, lint and evaluate an S3 bucket CORS configuration
//! offline, with the same engine a storage server uses.
//!
//! Exit status: 0 for success (valid, no warnings, evaluated), 1 for a finding (invalid,
//! warnings), 2 for a usage or input error, which is reported on one line of standard error.

#![forbid(unsafe_code)]

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::str::FromStr;

use bucket_cors::lint::{LintCode, Warning, lint};
use bucket_cors::s3::{MAX_DOCUMENT_BYTES, S3ErrorCode};
use bucket_cors::{
    ConfigError, CorsConfiguration, CorsEngine, CorsMethod, CorsRequest, Decision, Dialect,
    EngineOptions, Format, HeaderLines, PassReason, ResourceType, UnknownName, ValidationOptions,
    VaryPolicy,
};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args, Parser, Subcommand};

/// Validate, convert, lint and evaluate S3 bucket CORS configurations offline.
///
/// A configuration is S3 XML (a PutBucketCors body), Alibaba OSS XML, or the AWS CLI / boto3
/// JSON shape {"CORSRules": [...]}; the format is detected unless --format is given.
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
    /// Print a configuration in another format.
    Convert(ConvertArgs),
    /// Warn about pitfalls S3 accepts: exit 0 without warnings, 1 with some.
    Lint(LintArgs),
    /// Evaluate one request against a configuration and print S3's answer.
    Eval(EvalArgs),
}

/// How a configuration is read and which rules it must follow.
#[derive(Debug, Args)]
struct ReadOptions {
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

#[derive(Debug, Args)]
struct ValidateArgs {
    /// The configuration file, or - for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    read: ReadOptions,
    /// Print {"valid", "error_code", "status", "message", "rule"} as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ConvertArgs {
    /// The configuration file, or - for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The format to write.
    #[arg(long, value_name = "FORMAT", value_parser = named::<Format>())]
    to: Format,
    #[command(flatten)]
    read: ReadOptions,
}

#[derive(Debug, Args)]
struct LintArgs {
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

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["config", "no_config"])))]
struct EvalArgs {
    /// The configuration file, or - for standard input.
    #[arg(value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// Evaluate against a bucket without a CORS configuration.
    #[arg(long)]
    no_config: bool,
    /// The request's HTTP method, for example OPTIONS for a preflight (case-sensitive, as in
    /// HTTP: options is not a preflight).
    #[arg(long, value_name = "METHOD")]
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

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
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
    status: u8,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return clap_failure(&err),
    };
    let result = match cli.command {
        Command::Validate(args) => validate(&args),
        Command::Convert(args) => convert(&args),
        Command::Lint(args) => lint_command(&args),
        Command::Eval(args) => eval(&args),
    };
    match result {
        Ok(outcome) => {
            let mut stderr = io::stderr().lock();
            for note in &outcome.notes {
                // Nothing useful can be done when standard error is gone.
                let _ = writeln!(stderr, "bucket-cors: note: {note}");
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

/// A document as read: its name for messages, and at most one byte over S3's limit.
struct Document {
    name: String,
    bytes: Vec<u8>,
}

impl Document {
    fn read(path: &Path) -> Result<Document, Failure> {
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

    /// Reads the configuration and validates it; a refusal carries the dialect's answer.
    fn configuration(&self, read: &ReadOptions) -> Result<Valid, Refusal> {
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
    fn valid_configuration(&self, read: &ReadOptions) -> Result<Valid, Failure> {
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
                err.http_status(),
                err.s3_code(),
                detail(err)
            ))
        })
    }
}

/// A configuration that reads and validates, with how it was read.
struct Valid {
    format: Format,
    config: CorsConfiguration,
    options: ValidationOptions,
}

/// Why a configuration was refused, and under which dialect.
struct Refusal {
    error: ConfigError,
    dialect: Dialect,
    /// The document reads, and `--lenient` (not given) would accept it.
    lenient_accepts: bool,
}

/// Who gives the answer to a refused document: S3 itself, or the OSS dialect's reading of it.
fn answerer(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Oss => "the OSS dialect answers",
        _ => "S3 answers",
    }
}

/// The log text of an error; a too-large document is only known to be over the limit, as at
/// most one byte more than the limit is read.
fn detail(err: &ConfigError) -> String {
    if err.s3_code() == S3ErrorCode::MaxMessageLengthExceeded {
        format!("the document is larger than the limit of {MAX_DOCUMENT_BYTES} bytes")
    } else {
        err.to_string()
    }
}

fn validate(args: &ValidateArgs) -> Result<Outcome, Failure> {
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
                .num("status", Some(u64::from(err.http_status())))
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
                    err.http_status(),
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
    })
}

fn convert(args: &ConvertArgs) -> Result<Outcome, Failure> {
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

fn lint_command(args: &LintArgs) -> Result<Outcome, Failure> {
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
    })
}

fn eval(args: &EvalArgs) -> Result<Outcome, Failure> {
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
    let mut request = CorsRequest::new(&args.method)
        .resource(resource)
        .request_header_lines(HeaderLines::many(&request_headers));
    if let Some(origin) = origin {
        request = request.origin(origin);
    }
    if let Some(method) = request_method {
        request = request.request_method(method);
    }
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

/// A JSON object written in insertion order (the contract's order).
struct JsonObject {
    body: String,
}

impl JsonObject {
    fn new() -> Self {
        JsonObject {
            body: String::new(),
        }
    }

    fn raw(mut self, key: &str, value: &str) -> Self {
        if !self.body.is_empty() {
            self.body.push_str(", ");
        }
        self.body.push_str(&quote(key));
        self.body.push_str(": ");
        self.body.push_str(value);
        self
    }

    fn null(self, key: &str) -> Self {
        self.raw(key, "null")
    }

    fn bool(self, key: &str, value: bool) -> Self {
        self.raw(key, if value { "true" } else { "false" })
    }

    fn str(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => {
                let quoted = quote(value);
                self.raw(key, &quoted)
            }
            None => self.null(key),
        }
    }

    fn num(self, key: &str, value: Option<u64>) -> Self {
        match value {
            Some(value) => self.raw(key, &value.to_string()),
            None => self.null(key),
        }
    }

    fn finish(self) -> String {
        format!("{{{}}}", self.body)
    }
}

fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
