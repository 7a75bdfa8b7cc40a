//! The S3 and OSS XML codecs.
//!
//! Reading is a small state machine over `quick-xml` events. The document shape is fixed
//! (root, rules, leaves), so anything nested deeper is refused at once, and the reader's work
//! is linear in the document's size. A `DOCTYPE` is refused and entities other than XML's
//! five predefined ones are never expanded.

use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::config::{CorsConfiguration, CorsRule};
use crate::error::{ConfigError, Field};
use crate::format::Format;
pub(crate) use crate::validate::Dialect;

/// The S3 namespace, written on output and accepted (or absent) on input.
pub const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Where the reader is in the fixed document shape.
enum State {
    BeforeRoot,
    InRoot,
    InRule,
    InLeaf(Leaf, String),
    AfterRoot,
}

#[derive(Clone, Copy)]
enum Leaf {
    Rule(Field),
    ResponseVary,
}

struct Parser {
    dialect: Dialect,
    format: Format,
    config: CorsConfiguration,
    state: State,
}

pub(crate) fn parse(bytes: &[u8], dialect: Dialect) -> Result<CorsConfiguration, ConfigError> {
    let format = match dialect {
        Dialect::S3 => Format::S3Xml,
        Dialect::Oss => Format::OssXml,
    };
    let mut parser = Parser {
        dialect,
        format,
        config: CorsConfiguration::default(),
        state: State::BeforeRoot,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // The reader checks every slice it hands out as UTF-8, so the document is not checked
    // twice.
    let mut reader = Reader::from_reader(bytes);
    loop {
        let event = reader.read_event().map_err(|e| {
            let position = reader.error_position();
            parser.error(match e {
                quick_xml::Error::Encoding(e) => format!("not utf-8 at byte {position}: {e}"),
                e => format!("not well-formed at byte {position}: {e}"),
            })
        })?;
        if matches!(event, Event::Eof) {
            break;
        }
        parser.event(event).map_err(|detail| {
            parser.error(format!("{detail} (at byte {})", reader.buffer_position()))
        })?;
    }
    match parser.state {
        State::AfterRoot => Ok(parser.config),
        State::BeforeRoot => Err(parser.error("no CORSConfiguration element".to_owned())),
        _ => Err(parser.error("unexpected end of document".to_owned())),
    }
}

impl Parser {
    fn error(&self, detail: String) -> ConfigError {
        let rule = match self.state {
            State::InRule | State::InLeaf(Leaf::Rule(_), _) => {
                self.config.rules.len().checked_sub(1)
            }
            _ => None,
        };
        ConfigError::Malformed {
            format: self.format,
            rule,
            detail,
        }
    }

    fn event(&mut self, event: Event<'_>) -> Result<(), String> {
        match event {
            Event::Start(start) => self.open(&start, false),
            Event::Empty(start) => self.open(&start, true),
            Event::End(_) => {
                let leaf = match &mut self.state {
                    State::InLeaf(leaf, value) => Some((*leaf, std::mem::take(value))),
                    _ => None,
                };
                // The state stays as it is until the leaf is stored, so an error names its rule.
                self.state = match (leaf, &self.state) {
                    (Some((leaf, value)), _) => self.finish_leaf(leaf, value)?,
                    (None, State::InRule) => State::InRoot,
                    // The reader checks end names and refuses stray end tags.
                    (None, _) => State::AfterRoot,
                };
                Ok(())
            }
            Event::Text(text) => match &mut self.state {
                State::InLeaf(_, value) => {
                    value.push_str(&text.xml10_content());
                    Ok(())
                }
                _ if text.trim_ascii().is_empty() => Ok(()),
                _ => Err(format!("unexpected text {:?}", shorten(&text))),
            },
            Event::CData(data) => match &mut self.state {
                State::InLeaf(_, value) => {
                    value.push_str(&data.xml10_content());
                    Ok(())
                }
                _ => Err("unexpected CDATA section".to_owned()),
            },
            Event::GeneralRef(reference) => {
                let State::InLeaf(_, value) = &mut self.state else {
                    return Err("unexpected entity reference".to_owned());
                };
                let ch = match reference.resolve_char_ref() {
                    Ok(Some(ch)) => ch,
                    Ok(None) => match &*reference {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => return Err(format!("undefined entity &{};", shorten(other))),
                    },
                    Err(e) => return Err(format!("bad character reference: {e}")),
                };
                value.push(ch);
                Ok(())
            }
            Event::Decl(decl) => match decl.encoding() {
                Some(Ok(encoding)) if !encoding.eq_ignore_ascii_case("utf-8") => {
                    Err(format!("unsupported encoding {:?}", shorten(&encoding)))
                }
                Some(Err(e)) => Err(format!("bad xml declaration: {e}")),
                _ => Ok(()),
            },
            Event::DocType(_) => Err("DOCTYPE is not allowed".to_owned()),
            Event::Comment(_) | Event::PI(_) | Event::Eof => Ok(()),
        }
    }

    fn open(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<(), String> {
        let name: &str = start.name().0;
        match &self.state {
            State::BeforeRoot => {
                if name != "CORSConfiguration" {
                    return Err(format!(
                        "root element is {:?}, not CORSConfiguration",
                        shorten(name)
                    ));
                }
                check_namespace(start)?;
                self.state = if empty {
                    State::AfterRoot
                } else {
                    State::InRoot
                };
                Ok(())
            }
            State::InRoot => match name {
                "CORSRule" => {
                    self.config.rules.push(CorsRule::default());
                    if !empty {
                        self.state = State::InRule;
                    }
                    Ok(())
                }
                "ResponseVary" if self.dialect == Dialect::Oss => {
                    self.enter_leaf(Leaf::ResponseVary, empty)
                }
                _ => Err(format!(
                    "unexpected element {:?} in CORSConfiguration",
                    shorten(name)
                )),
            },
            State::InRule => {
                let field = match name {
                    "ID" if self.dialect == Dialect::S3 => Field::Id,
                    "AllowedOrigin" => Field::AllowedOrigin,
                    "AllowedMethod" => Field::AllowedMethod,
                    "AllowedHeader" => Field::AllowedHeader,
                    "ExposeHeader" => Field::ExposeHeader,
                    "MaxAgeSeconds" => Field::MaxAgeSeconds,
                    _ => {
                        return Err(format!(
                            "unexpected element {:?} in CORSRule",
                            shorten(name)
                        ));
                    }
                };
                self.enter_leaf(Leaf::Rule(field), empty)
            }
            State::InLeaf(..) => Err(format!(
                "unexpected element {:?} inside a value",
                shorten(name)
            )),
            State::AfterRoot => Err("content after the root element".to_owned()),
        }
    }

    fn enter_leaf(&mut self, leaf: Leaf, empty: bool) -> Result<(), String> {
        if empty {
            self.state = self.finish_leaf(leaf, String::new())?;
        } else {
            self.state = State::InLeaf(leaf, String::new());
        }
        Ok(())
    }

    fn finish_leaf(&mut self, leaf: Leaf, value: String) -> Result<State, String> {
        let field = match leaf {
            Leaf::ResponseVary => {
                if self.config.response_vary.is_some() {
                    return Err("ResponseVary given twice".to_owned());
                }
                self.config.response_vary = Some(match value.trim_ascii() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(format!(
                            "ResponseVary {:?} is not true or false",
                            shorten(other)
                        ));
                    }
                });
                return Ok(State::InRoot);
            }
            Leaf::Rule(field) => field,
        };
        let rule = self
            .config
            .rules
            .last_mut()
            .ok_or_else(|| "value outside a rule".to_owned())?;
        match field {
            Field::Id => {
                if rule.id.is_some() {
                    return Err("ID given twice".to_owned());
                }
                rule.id = Some(value);
            }
            Field::AllowedOrigin => rule.allowed_origins.push(value),
            Field::AllowedMethod => rule.allowed_methods.push(value),
            Field::AllowedHeader => rule.allowed_headers.push(value),
            Field::ExposeHeader => rule.expose_headers.push(value),
            Field::MaxAgeSeconds => {
                if rule.max_age_seconds.is_some() {
                    return Err("MaxAgeSeconds given twice".to_owned());
                }
                rule.max_age_seconds = Some(parse_max_age(&value)?);
            }
        }
        Ok(State::InRule)
    }
}

/// The namespace, when given, must be S3's.
fn check_namespace(start: &BytesStart<'_>) -> Result<(), String> {
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("bad attribute: {e}"))?;
        if attribute.key.0 == "xmlns" {
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| format!("bad namespace: {e}"))?;
            if value != S3_NAMESPACE {
                return Err(format!("unexpected namespace {:?}", shorten(&value)));
            }
        }
    }
    Ok(())
}

/// A non-negative decimal integer that fits in `u32`; surrounding XML whitespace is allowed.
pub(crate) fn parse_max_age(text: &str) -> Result<u32, String> {
    let digits = text.trim_ascii();
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "MaxAgeSeconds {:?} is not a non-negative integer",
            shorten(text)
        ));
    }
    digits
        .parse::<u32>()
        .map_err(|_| format!("MaxAgeSeconds {:?} is out of range", shorten(text)))
}

/// At most 64 characters of a value, for error messages.
fn shorten(text: &str) -> &str {
    match text.char_indices().nth(64) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

pub(crate) fn write(config: &CorsConfiguration, dialect: Dialect) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match dialect {
        Dialect::S3 => {
            let _ = writeln!(out, "<CORSConfiguration xmlns=\"{S3_NAMESPACE}\">");
        }
        Dialect::Oss => out.push_str("<CORSConfiguration>\n"),
    }
    for rule in &config.rules {
        out.push_str("  <CORSRule>\n");
        if dialect == Dialect::S3 {
            if let Some(id) = &rule.id {
                leaf(&mut out, "ID", id);
            }
        }
        for value in &rule.allowed_headers {
            leaf(&mut out, "AllowedHeader", value);
        }
        for value in &rule.allowed_methods {
            leaf(&mut out, "AllowedMethod", value);
        }
        for value in &rule.allowed_origins {
            leaf(&mut out, "AllowedOrigin", value);
        }
        for value in &rule.expose_headers {
            leaf(&mut out, "ExposeHeader", value);
        }
        if let Some(seconds) = rule.max_age_seconds {
            let _ = writeln!(out, "    <MaxAgeSeconds>{seconds}</MaxAgeSeconds>");
        }
        out.push_str("  </CORSRule>\n");
    }
    if dialect == Dialect::Oss {
        if let Some(vary) = config.response_vary {
            let _ = writeln!(out, "  <ResponseVary>{vary}</ResponseVary>");
        }
    }
    out.push_str("</CORSConfiguration>\n");
    out
}

fn leaf(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, "    <{name}>");
    escape_into(out, value);
    let _ = writeln!(out, "</{name}>");
}

/// Escapes text content. Characters XML 1.0 cannot carry at all (most control characters)
/// become U+FFFD; carriage returns and tabs become character references so they survive the
/// reader's end-of-line normalisation.
pub(crate) fn escape_into(out: &mut String, value: &str) {
    for ch in value.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}
