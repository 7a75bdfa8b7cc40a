//! Reads the same bytes with the library's XML scanner and with a reading built on
//! `quick-xml`'s general event reader (the library's previous reader), in both dialects, and
//! checks that both accept with equal configurations or both refuse.
#![no_main]

use bucket_cors::{CorsConfiguration, CorsRule};
use bucket_cors::s3::{MAX_DOCUMENT_BYTES};
use libfuzzer_sys::fuzz_target;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_DOCUMENT_BYTES {
        return;
    }
    for oss in [false, true] {
        let ours = if oss {
            CorsConfiguration::from_oss_xml(data)
        } else {
            CorsConfiguration::from_s3_xml(data)
        };
        let reference = reference(data, oss);
        match (ours, reference) {
            (Ok(ours), Ok(reference)) => assert_eq!(ours, reference, "oss={oss}"),
            (Err(_), Err(_)) => {}
            (ours, reference) => panic!(
                "the readings disagree (oss={oss}):\n  scanner:   {ours:?}\n  quick-xml: {reference:?}"
            ),
        }
    }
});

#[derive(Clone, Copy)]
enum Field {
    Id,
    AllowedOrigin,
    AllowedMethod,
    AllowedHeader,
    ExposeHeader,
    MaxAgeSeconds,
}

#[derive(Clone, Copy)]
enum Leaf {
    Rule(Field),
    ResponseVary,
}

enum State {
    BeforeRoot,
    InRoot,
    InRule,
    InLeaf(Leaf, String),
    AfterRoot,
}

struct Parser {
    oss: bool,
    config: CorsConfiguration,
    state: State,
}

fn reference(bytes: &[u8], oss: bool) -> Result<CorsConfiguration, String> {
    let mut parser = Parser {
        oss,
        config: CorsConfiguration::default(),
        state: State::BeforeRoot,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = Reader::from_reader(bytes);
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        if matches!(event, Event::Eof) {
            break;
        }
        parser.event(event)?;
    }
    match parser.state {
        State::AfterRoot => Ok(parser.config),
        _ => Err("unexpected end of document".to_owned()),
    }
}

impl Parser {
    fn event(&mut self, event: Event<'_>) -> Result<(), String> {
        match event {
            Event::Start(start) => self.open(&start, false),
            Event::Empty(start) => self.open(&start, true),
            Event::End(_) => {
                let leaf = match &mut self.state {
                    State::InLeaf(leaf, value) => Some((*leaf, std::mem::take(value))),
                    _ => None,
                };
                self.state = match (leaf, &self.state) {
                    (Some((leaf, value)), _) => self.finish_leaf(leaf, value)?,
                    (None, State::InRule) => State::InRoot,
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
                _ => Err("unexpected text".to_owned()),
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
                        _ => return Err("undefined entity".to_owned()),
                    },
                    Err(e) => return Err(format!("bad character reference: {e}")),
                };
                value.push(ch);
                Ok(())
            }
            Event::Decl(decl) => {
                // `decl` derefs to the instruction's content, `xml` and the attributes.
                let content = BytesStart::from_content(&*decl, 3);
                for (key, value) in strict_attributes(&content)? {
                    if key == "encoding" && !value.eq_ignore_ascii_case("utf-8") {
                        return Err("unsupported encoding".to_owned());
                    }
                }
                Ok(())
            }
            Event::DocType(_) => Err("DOCTYPE is not allowed".to_owned()),
            Event::Comment(_) | Event::PI(_) | Event::Eof => Ok(()),
        }
    }

    fn open(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<(), String> {
        let name: &str = start.name().0;
        match &self.state {
            State::BeforeRoot => {
                if name != "CORSConfiguration" {
                    return Err("wrong root".to_owned());
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
                "ResponseVary" if self.oss => self.enter_leaf(Leaf::ResponseVary, empty),
                _ => Err("unexpected element in CORSConfiguration".to_owned()),
            },
            State::InRule => {
                let field = match name {
                    "ID" if !self.oss => Field::Id,
                    "AllowedOrigin" => Field::AllowedOrigin,
                    "AllowedMethod" => Field::AllowedMethod,
                    "AllowedHeader" => Field::AllowedHeader,
                    "ExposeHeader" => Field::ExposeHeader,
                    "MaxAgeSeconds" => Field::MaxAgeSeconds,
                    _ => return Err("unexpected element in CORSRule".to_owned()),
                };
                self.enter_leaf(Leaf::Rule(field), empty)
            }
            State::InLeaf(..) => Err("unexpected element inside a value".to_owned()),
            State::AfterRoot => Err("content after the root element".to_owned()),
        }
    }

    fn enter_leaf(&mut self, leaf: Leaf, empty: bool) -> Result<(), String> {
        self.state = if empty {
            self.finish_leaf(leaf, String::new())?
        } else {
            State::InLeaf(leaf, String::new())
        };
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
                    _ => return Err("bad ResponseVary".to_owned()),
                });
                return Ok(State::InRoot);
            }
            Leaf::Rule(field) => field,
        };
        let rule = self.config.rules.last_mut().ok_or("value outside a rule")?;
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

fn check_namespace(start: &BytesStart<'_>) -> Result<(), String> {
    strict_attributes(start)?;
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("bad attribute: {e}"))?;
        if attribute.key.0 == "xmlns" {
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| format!("bad namespace: {e}"))?;
            if value != S3_NAMESPACE {
                return Err("unexpected namespace".to_owned());
            }
        }
    }
    Ok(())
}

/// The attributes as raw `(name, value)` pairs, held to what XML 1.0 writes, which
/// quick-xml's reader does not check: whitespace before each attribute, a name (simplified
/// to ASCII letters, `_`, `:` and non-ASCII first, also digits, `-` and `.` after), no `<`
/// in a value. Duplicates are refused by quick-xml's own checks.
fn strict_attributes<'a>(start: &'a BytesStart<'_>) -> Result<Vec<(&'a str, &'a str)>, String> {
    let raw = start.attributes_raw();
    let mut pairs = Vec::new();
    for attribute in start.attributes().with_checks(true) {
        let attribute = attribute.map_err(|e| format!("bad attribute: {e}"))?;
        let key: &'a str = attribute.key.0;
        let offset = key.as_ptr() as usize - raw.as_ptr() as usize;
        let spaced = raw[..offset]
            .chars()
            .next_back()
            .is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        let mut chars = key.chars();
        let first = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || "_:".contains(c) || !c.is_ascii());
        let named = first
            && chars.all(|c| c.is_ascii_alphanumeric() || "_:-.".contains(c) || !c.is_ascii());
        let value: &'a str = match attribute.value {
            std::borrow::Cow::Borrowed(value) => value,
            std::borrow::Cow::Owned(_) => return Err("unexpected owned value".to_owned()),
        };
        if !spaced || !named || value.contains('<') {
            return Err(format!("bad attribute {key:?}"));
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

fn parse_max_age(text: &str) -> Result<u32, String> {
    let digits = text.trim_ascii();
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("MaxAgeSeconds is not a non-negative integer".to_owned());
    }
    digits
        .parse::<u32>()
        .map_err(|_| "MaxAgeSeconds is out of range".to_owned())
}
