//! What the fuzz targets check, shared between them.
//!
//! - [`reference`], the reference evaluator the library's property tests also use
//!   (`tests/reference/mod.rs`, included by path): a plain first-match evaluator read straight
//!   from the specification, with the naive recursive wildcard matcher [`glob`], to compare
//!   the compiled engine against;
//! - [`check_decision`]: the decision equals the reference one, header for header, and every
//!   header is safe to send (no control bytes; `Access-Control-Allow-Origin` is `*` or exactly
//!   the request's `Origin`; credentials never with `*`);
//! - [`check_document`]: a document that parses round-trips through its writer, and one that
//!   validates compiles and answers requests made from its own rules.

use arbitrary::{Arbitrary, Unstructured};
use bucket_cors::{ConfigError, CorsConfiguration, CorsEngine, CorsMethod, CorsRequest, Decision, Dialect, EngineOptions, FieldValue, Format, HeaderLines, ResourceType, ValidationOptions, VaryPolicy};
use bucket_cors::s3::{MAX_DOCUMENT_BYTES, S3ErrorCode};
use bucket_cors::header::{ALLOW_CREDENTIALS, ALLOW_ORIGIN};

/// The characters XML cannot carry, which validation refuses in origins and IDs.
pub const NONCHARACTERS: [char; 2] = ['\u{FFFE}', '\u{FFFF}'];

pub mod headers;

#[path = "../../tests/reference/mod.rs"]
pub mod reference;

pub use reference::{glob, is_field_value, is_token};

/// A request, owned, so targets can build it from fuzz input: the reference's request.
pub use reference::Request as Req;

impl Req {
    /// The borrowed view; `lines` must be `self.header_lines` as `&str`s.
    pub fn view<'a>(&'a self, lines: &'a [&'a str]) -> CorsRequest<'a> {
        let mut builder = CorsRequest::builder(&self.method)
            .request_headers(HeaderLines::many(lines))
            .resource_type(if self.bucket {
                ResourceType::Bucket
            } else {
                ResourceType::Object
            });
        if let Some(origin) = &self.origin {
            builder = builder.origin(origin);
        }
        if let Some(method) = &self.request_method {
            builder = builder.request_method(method);
        }
        let request = builder.build();
        request
    }
}

/// Renders a decision's headers, checking the properties every emitted header must have
/// whatever the configuration.
pub fn rendered_headers(decision: &Decision<'_>, req: &Req) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in decision.headers() {
        let text = value.to_string();
        if let FieldValue::AllowHeaders(list) = value {
            let mut buffer = Vec::new();
            list.write_into(&mut buffer);
            assert_eq!(buffer, text.as_bytes(), "write_into and Display differ");
            assert_eq!(list.len(), text.len(), "AllowHeaders::len is wrong");
            assert!(!list.is_empty());
        }
        assert!(
            is_field_value(&text),
            "{name} carries a control byte: {text:?}"
        );
        assert!(is_token(name), "header name {name:?}");
        out.push((name.to_owned(), text));
    }
    let get = |wanted: &str| {
        out.iter()
            .find(|(n, _)| n == wanted)
            .map(|(_, v)| v.as_str())
    };
    match req.origin.as_deref() {
        None => assert!(
            out.iter().all(|(n, _)| !n.starts_with("Access-Control-")),
            "CORS headers without an Origin: {out:?}"
        ),
        Some(origin) => {
            if let Some(allow_origin) = get(ALLOW_ORIGIN) {
                assert!(
                    allow_origin == "*" || allow_origin == origin,
                    "Access-Control-Allow-Origin {allow_origin:?} for Origin {origin:?}"
                );
                match get(ALLOW_CREDENTIALS) {
                    Some(value) => {
                        assert_eq!(value, "true");
                        assert_ne!(allow_origin, "*", "credentials allowed with *");
                    }
                    None => assert_eq!(allow_origin, "*", "an echoed origin without credentials"),
                }
            } else {
                assert!(get(ALLOW_CREDENTIALS).is_none());
            }
        }
    }
    let mut names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), out.len(), "a header given twice: {out:?}");
    out
}

/// Evaluates `req` and compares everything with the reference: kind, rule, status, headers,
/// the rejection's fields and error body, and the explanation's verdict.
pub fn check_decision(engine: &CorsEngine, policy: VaryPolicy, req: &Req) {
    let lines: Vec<&str> = req.header_lines.iter().map(String::as_str).collect();
    let request = req.view(&lines);
    let decision = engine.evaluate(&request);
    let headers = rendered_headers(&decision, req);
    let want = reference::evaluate(engine.configuration().as_ref(), policy, req);
    let (kind, refusal) = match &decision {
        Decision::Pass(_) => (reference::Kind::Pass, None),
        Decision::Preflight(_) => (reference::Kind::Preflight, None),
        Decision::Actual(_) => (reference::Kind::Actual, None),
        Decision::Reject(rejection) => {
            let body = rejection.to_xml("request-id", "host-id");
            assert!(
                body.bytes().all(|b| b >= 0x20 || b == b'\n'),
                "control byte in the error body {body:?}"
            );
            assert!(body.contains(&format!("<Code>{}</Code>", rejection.code())));
            (
                reference::Kind::Reject,
                Some(reference::Refusal {
                    code: rejection.code().to_string(),
                    message: rejection.message().to_string(),
                    method: rejection.error_method().map(str::to_owned),
                    resource: rejection.resource_type().map(|t| t.to_string()),
                }),
            )
        }
        other => panic!("a decision the reference does not know: {other:?}"),
    };
    let got = reference::Answer {
        kind,
        status: decision.status(),
        rule: decision.matched_rule(),
        headers,
        refusal,
    };
    assert_eq!(got, want, "{req:?}");
    assert_eq!(
        engine.explain(&request).matched_rule,
        decision.matched_rule(),
        "explain disagrees with evaluate"
    );
}

/// Checks an error's texts: S3's answer is a 400 with a message, the log text is lowercase-led
/// and has no final period.
pub fn check_error(error: &ConfigError) {
    assert_eq!(error.status(), 400);
    assert!(matches!(
        error.s3_code(),
        S3ErrorCode::MalformedXml
            | S3ErrorCode::InvalidRequest
            | S3ErrorCode::MaxMessageLengthExceeded
    ));
    assert!(!error.s3_message().is_empty());
    let text = error.to_string();
    assert!(!text.is_empty() && !text.ends_with('.'), "{text:?}");
}

/// True when the XML writer keeps every value as is: XML 1.0 cannot carry most control
/// characters, nor U+FFFE and U+FFFF, so the writer replaces them.
pub fn xml_representable(config: &CorsConfiguration) -> bool {
    let ok = |v: &str| {
        !v.chars().any(|c| {
            ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || c == '\u{FFFE}'
                || c == '\u{FFFF}'
        })
    };
    config.rules.iter().all(|rule| {
        rule.id.as_deref().is_none_or(ok)
            && rule
                .allowed_origins
                .iter()
                .chain(&rule.allowed_methods)
                .chain(&rule.allowed_headers)
                .chain(&rule.expose_headers)
                .all(|v| ok(v))
    })
}

/// The configuration as a format keeps it: S3 XML and JSON have no `ResponseVary`, OSS XML
/// has no `ID`.
pub fn as_kept_by(config: &CorsConfiguration, format: Format) -> CorsConfiguration {
    let mut kept = config.clone();
    match format {
        Format::OssXml => kept.rules.iter_mut().for_each(|rule| rule.id = None),
        _ => kept.response_vary = None,
    }
    kept
}

/// Writes `config` in `format` and reads it back: the configuration comes back as the
/// format keeps it. Skipped only when the written text is over the 64 KB read limit (the
/// writer indents, so a document near the limit can grow past it).
pub fn check_round_trip(config: &CorsConfiguration, format: Format) {
    let text = config.write(format);
    if text.len() > MAX_DOCUMENT_BYTES {
        return;
    }
    let back = CorsConfiguration::parse_as(text.as_bytes(), format)
        .unwrap_or_else(|e| panic!("{format} writer output does not read back: {e}\n{text}"));
    assert_eq!(
        back,
        as_kept_by(config, format),
        "{format} round trip\n{text}"
    );
    assert!(Format::detect(text.as_bytes()).is_some());
}

/// The dialect's validation options.
pub fn options(format: Format) -> ValidationOptions {
    match format {
        Format::OssXml => ValidationOptions::s3().dialect(Dialect::Oss),
        _ => ValidationOptions::s3(),
    }
}

/// Everything a document target checks: reading never panics; errors are well-formed; a
/// configuration that reads round-trips through the writers that can carry it; one that
/// validates compiles, and a request made from each rule's own first origin and method is
/// answered by that rule or an earlier one, with headers equal to the reference's.
pub fn check_document(data: &[u8], format: Format) {
    let _ = Format::detect(data);
    if let Err(error) = CorsConfiguration::parse(data) {
        check_error(&error);
    }
    let config = match CorsConfiguration::parse_as(data, format) {
        Ok(config) => config,
        Err(error) => {
            check_error(&error);
            return;
        }
    };
    if format != Format::OssXml {
        assert_eq!(config.response_vary, None);
    }
    if format == Format::Json || xml_representable(&config) {
        check_round_trip(&config, format);
    }
    let options = options(format);
    let validated = config.validate_with(&options);
    let compiled = CorsEngine::compile_with(&config, &EngineOptions::s3().validation(options));
    assert_eq!(
        validated.is_ok(),
        compiled.is_ok(),
        "validate and compile disagree"
    );
    let engine = match compiled {
        Ok(engine) => engine,
        Err(error) => {
            check_error(&error);
            assert_eq!(Err(error), validated);
            return;
        }
    };
    // A valid configuration can be written in every format that carries its fields.
    assert!(
        xml_representable(&config),
        "a valid value the XML writer alters: {config:?}"
    );
    check_round_trip(&config, Format::S3Xml);
    check_round_trip(&config, Format::Json);
    check_round_trip(&config, Format::OssXml);
    for (index, rule) in config.rules.iter().enumerate() {
        let (Some(origin), Some(method)) =
            (rule.allowed_origins.first(), rule.allowed_methods.first())
        else {
            continue;
        };
        let req = Req {
            method: "OPTIONS".to_owned(),
            origin: Some(origin.replacen('*', "x", 1)),
            request_method: Some(method.clone()),
            header_lines: rule
                .allowed_headers
                .first()
                .map(|h| h.replacen('*', "y", 1))
                .filter(|h| !h.is_empty())
                .into_iter()
                .collect(),
            bucket: index % 2 == 0,
        };
        check_decision(&engine, VaryPolicy::S3, &req);
        let lines: Vec<&str> = req.header_lines.iter().map(String::as_str).collect();
        let matched = engine.evaluate(&req.view(&lines)).matched_rule();
        assert!(
            matched.is_some_and(|m| m <= index),
            "rule {index}'s own request matched {matched:?}"
        );
    }
}

/// A method as a fuzz input chooses it.
#[derive(Debug, Arbitrary)]
pub enum MethodChoice {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// Anything.
    Raw(String),
}

impl MethodChoice {
    fn text(&self) -> String {
        match self {
            MethodChoice::Get => "GET".to_owned(),
            MethodChoice::Put => "PUT".to_owned(),
            MethodChoice::Head => "HEAD".to_owned(),
            MethodChoice::Post => "POST".to_owned(),
            MethodChoice::Delete => "DELETE".to_owned(),
            MethodChoice::Options => "OPTIONS".to_owned(),
            MethodChoice::Raw(text) => text.clone(),
        }
    }
}

/// An origin or header name: raw, or one of the configuration's entries with its `*` filled.
#[derive(Debug, Arbitrary)]
pub enum TextChoice {
    /// Anything.
    Raw(String),
    /// Entry `entry` of rule `rule`, its `*` replaced by `fill`, its case flipped when asked.
    FromConfig {
        /// Which rule (modulo the count).
        rule: u8,
        /// Which entry (modulo the count).
        entry: u8,
        /// What the `*` becomes.
        fill: String,
        /// Upper-case the result.
        upper: bool,
    },
}

impl TextChoice {
    fn text(&self, config: &CorsConfiguration, headers: bool) -> String {
        match self {
            TextChoice::Raw(text) => text.clone(),
            TextChoice::FromConfig {
                rule,
                entry,
                fill,
                upper,
            } => {
                if config.rules.is_empty() {
                    return fill.clone();
                }
                let rule = &config.rules[usize::from(*rule) % config.rules.len()];
                let entries = if headers {
                    &rule.allowed_headers
                } else {
                    &rule.allowed_origins
                };
                if entries.is_empty() {
                    return fill.clone();
                }
                let text = entries[usize::from(*entry) % entries.len()].replacen('*', fill, 1);
                if *upper {
                    text.to_ascii_uppercase()
                } else {
                    text
                }
            }
        }
    }
}

/// One request as a fuzz input describes it.
#[derive(Debug, Arbitrary)]
pub struct ReqChoice {
    method: MethodChoice,
    origin: Option<TextChoice>,
    request_method: Option<MethodChoice>,
    /// Header lines, each a list of items with the separator that follows each.
    header_lines: Vec<Vec<(TextChoice, u8)>>,
    bucket: bool,
}

const SEPARATORS: [&str; 6] = [",", ", ", " , ", ",,", "\t,", ""];

impl ReqChoice {
    /// The request, with origins and header names drawn from the configuration.
    pub fn build(&self, config: &CorsConfiguration) -> Req {
        Req {
            method: self.method.text(),
            origin: self.origin.as_ref().map(|o| o.text(config, false)),
            request_method: self.request_method.as_ref().map(MethodChoice::text),
            header_lines: self
                .header_lines
                .iter()
                .take(4)
                .map(|items| {
                    let mut line = String::new();
                    for (item, sep) in items.iter().take(8) {
                        line.push_str(&item.text(config, true));
                        line.push_str(SEPARATORS[usize::from(*sep) % SEPARATORS.len()]);
                    }
                    line
                })
                .collect(),
            bucket: self.bucket,
        }
    }
}

/// Bends an arbitrary configuration until it meets every documented rule, so the engine
/// target mostly sees configurations that compile.
pub fn repair(config: &mut CorsConfiguration, dialect: Dialect, lenient: bool) {
    let limit = match dialect {
        Dialect::Oss => 10,
        _ => 100,
    };
    config.rules.truncate(limit);
    if config.rules.is_empty() {
        config.rules.push(Default::default());
    }
    let one_star = |value: &str| {
        let mut seen = false;
        value
            .chars()
            .filter(|&c| c != '*' || !std::mem::replace(&mut seen, true))
            .collect::<String>()
    };
    for rule in &mut config.rules {
        rule.id = match dialect {
            Dialect::Oss => None,
            _ => rule.id.take().map(|id| {
                id.chars()
                    .filter(|&c| !c.is_ascii_control() && !NONCHARACTERS.contains(&c))
                    .take(255)
                    .collect()
            }),
        };
        for origin in &mut rule.allowed_origins {
            *origin = one_star(
                &origin
                    .chars()
                    .filter(|&c| !c.is_ascii_control() && !NONCHARACTERS.contains(&c))
                    .collect::<String>(),
            );
        }
        if rule.allowed_origins.is_empty() {
            rule.allowed_origins.push("*".to_owned());
        }
        for method in &mut rule.allowed_methods {
            if CorsMethod::from_name(method).is_none() {
                *method = CorsMethod::ALL[method.len() % 5].as_str().to_owned();
            }
        }
        if rule.allowed_methods.is_empty() {
            rule.allowed_methods.push("GET".to_owned());
        }
        for header in &mut rule.allowed_headers {
            let token: String = header
                .chars()
                .filter(|&c| is_token(c.encode_utf8(&mut [0; 4])))
                .collect();
            *header = one_star(&token);
        }
        for header in &mut rule.expose_headers {
            *header = header
                .chars()
                .filter(|&c| is_token(c.encode_utf8(&mut [0; 4])) && (lenient || c != '*'))
                .collect();
        }
        rule.max_age_seconds = rule.max_age_seconds.map(|s| s.min(i32::MAX as u32));
    }
}

/// The `Vary` policy the low two bits of a flags byte pick (S3 twice as often).
pub fn vary_policy(flags: u8) -> VaryPolicy {
    [
        VaryPolicy::S3,
        VaryPolicy::Always,
        VaryPolicy::ResponseVary,
        VaryPolicy::S3,
    ][usize::from(flags & 3)]
}

/// The engine target's input: options, a configuration (a document or an arbitrary model),
/// and requests.
///
/// Layout: byte 0 holds flags (bits 0-1 the Vary policy, bit 2 lenient, bit 3 the OSS dialect,
/// bit 4 "use the arbitrary model", bit 5 "repair the model"), bytes 1-2 a little-endian
/// document length, then the document, then the bytes `arbitrary` reads the rest from. The
/// seed corpus is the sample documents in this layout.
pub fn run_evaluate(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (len, rest) = match rest.split_first_chunk::<2>() {
        Some((len, rest)) => (usize::from(u16::from_le_bytes(*len)), rest),
        None => (0, rest),
    };
    let (document, rest) = rest.split_at(len.min(rest.len()));
    let mut u = Unstructured::new(rest);
    let policy = vary_policy(flags);
    let lenient = flags & 4 != 0;
    let dialect = if flags & 8 != 0 {
        Dialect::Oss
    } else {
        Dialect::S3
    };
    let parsed = match flags & 16 {
        0 => CorsConfiguration::parse(document)
            .ok()
            .map(|(_, config)| config),
        _ => None,
    };
    let config = match parsed {
        Some(config) => config,
        None => {
            let Ok(mut config) = CorsConfiguration::arbitrary(&mut u) else {
                return;
            };
            if flags & 32 != 0 {
                repair(&mut config, dialect, lenient);
                let validation = ValidationOptions::s3().dialect(dialect).lenient(lenient);
                if let Err(e) = config.validate_with(&validation) {
                    panic!(
                        "a configuration that meets every documented rule is refused: {e}\n{config:?}"
                    );
                }
            }
            config
        }
    };
    let options = EngineOptions::s3()
        .validation(ValidationOptions::s3().dialect(dialect).lenient(lenient))
        .vary(policy);
    let engine = match CorsEngine::compile_with(&config, &options) {
        Ok(engine) => engine,
        Err(error) => {
            check_error(&error);
            assert!(config.validate_with(&options.validation).is_err());
            // Without a configuration, the engine still answers safely.
            let engine = CorsEngine::disabled();
            while let Ok(choice) = ReqChoice::arbitrary(&mut u) {
                let req = choice.build(&config);
                let lines: Vec<&str> = req.header_lines.iter().map(String::as_str).collect();
                let decision = engine.evaluate(&req.view(&lines));
                assert!(rendered_headers(&decision, &req).is_empty());
                let decision = CorsEngine::evaluate_missing_bucket(&req.view(&lines));
                assert!(rendered_headers(&decision, &req).is_empty());
                if u.is_empty() {
                    break;
                }
            }
            return;
        }
    };
    let mut count = 0;
    while let Ok(choice) = ReqChoice::arbitrary(&mut u) {
        check_decision(&engine, policy, &choice.build(&config));
        count += 1;
        if u.is_empty() || count == 16 {
            break;
        }
    }
}

/// The pattern target's input: byte 0 holds flags (bit 0 header pattern, bit 1 build the
/// candidate from the pattern, bit 2 upper-case it), then the pattern, a 0xFF byte, and the
/// candidate (or what fills the `*`). Compares the compiled origin index and header matcher
/// with [`glob`].
pub fn run_pattern(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (pattern, second) = match rest.iter().position(|&b| b == 0xff) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let pattern = String::from_utf8_lossy(pattern).into_owned();
    let second = String::from_utf8_lossy(second).into_owned();
    let header = flags & 1 != 0;
    let mut candidate = if flags & 2 != 0 {
        pattern.replacen('*', &second, 1)
    } else {
        second
    };
    if flags & 4 != 0 {
        candidate = candidate.to_ascii_uppercase();
    }
    let stars = pattern.matches('*').count();
    let want = glob(pattern.as_bytes(), candidate.as_bytes(), header);
    // The same through a compiled engine: the origin index, or a rule's header matcher.
    let mut rule = bucket_cors::CorsRule::new().allowed_method("GET");
    let mut req = Req {
        method: "GET".to_owned(),
        ..Req::default()
    };
    if header {
        if !is_token(&pattern) || !is_token(&candidate) || candidate.contains(',') {
            return;
        }
        rule = rule.allowed_origin("*").allowed_header(pattern.clone());
        req.origin = Some("https://a.example".to_owned());
        req.header_lines = vec![candidate.clone()];
    } else {
        // Validation refuses control characters and what XML cannot carry.
        if !is_field_value(&pattern) || pattern.contains(NONCHARACTERS) {
            return;
        }
        rule = rule.allowed_origin(pattern.clone());
        req.origin = Some(candidate.clone());
    }
    // A decoy rule first, so the index holds more than one entry.
    let decoy = bucket_cors::CorsRule::new()
        .allowed_origin(format!("{pattern}-decoy"))
        .allowed_origin("decoy*")
        .allowed_method("PUT");
    let Ok(engine) = CorsEngine::compile(&CorsConfiguration::new(vec![decoy, rule])) else {
        assert!(stars > 1, "a one-rule configuration with {pattern:?} does not compile");
        return;
    };
    assert!(stars <= 1, "{pattern:?} with more than one `*` compiled");
    let lines: Vec<&str> = req.header_lines.iter().map(String::as_str).collect();
    let matched = engine.evaluate(&req.view(&lines)).matched_rule();
    assert_eq!(
        matched.is_some(),
        want && is_field_value(&candidate),
        "engine with {pattern:?} against {candidate:?}"
    );
    check_decision(&engine, VaryPolicy::S3, &req);
}
