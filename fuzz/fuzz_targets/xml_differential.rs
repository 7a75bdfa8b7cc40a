//! Reads the same bytes with the library (quick-xml's reader) and with `roxmltree`, an
//! independent, strict XML parser, in both dialects, and checks that they agree:
//!
//! - when `roxmltree` reads the document, the library gives the same answer as the document
//!   shape read from `roxmltree`'s tree: the same configuration, or a refusal;
//! - when `roxmltree` refuses it, the library refuses it too, unless the document holds one
//!   of the things the library deliberately does not check (see [`lax`]).
#![no_main]

use bucket_cors::s3::MAX_DOCUMENT_BYTES;
use bucket_cors::{CorsConfiguration, CorsRule};
use libfuzzer_sys::fuzz_target;
use roxmltree::{Document, Node, NodeType, ParsingOptions};

const S3_NAMESPACES: [&str; 2] = [
    "http://s3.amazonaws.com/doc/2006-03-01/",
    "https://s3.amazonaws.com/doc/2006-03-01/",
];

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_DOCUMENT_BYTES {
        return;
    }
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = std::str::from_utf8(text).ok();
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let tree = text.map(|text| Document::parse_with_options(text, options));
    for oss in [false, true] {
        let ours = if oss {
            CorsConfiguration::from_oss_xml(data)
        } else {
            CorsConfiguration::from_s3_xml(data)
        };
        match (&tree, text) {
            (Some(Ok(doc)), Some(text)) => {
                let reference = reference(doc, text, oss);
                match (&ours, &reference) {
                    (Ok(ours), Ok(reference)) => assert_eq!(ours, reference, "oss={oss}"),
                    (Err(_), Err(_)) => {}
                    // Within a well-formed document, the library reads nothing more leniently
                    // than the reference's shape rules, except what `lax` names.
                    (Ok(_), Err(_)) if lax(text).is_some() => {}
                    _ => panic!(
                        "the readings disagree (oss={oss}):\n  library:  {ours:?}\n  roxmltree: {reference:?}"
                    ),
                }
            }
            (Some(Err(error)), Some(text)) => {
                if let Ok(config) = &ours {
                    assert!(
                        lax(text).is_some(),
                        "the library accepts what roxmltree refuses ({error}): {config:?}"
                    );
                }
            }
            // Not UTF-8: the library refuses it.
            _ => assert!(ours.is_err(), "accepted a document that is not utf-8"),
        }
    }
});

/// What the library accepts on purpose although XML 1.0 (and so `roxmltree`) refuses it:
/// it reads a fixed document shape, not XML at large, and leaves characters to validation.
fn lax(text: &str) -> Option<&'static str> {
    if text
        .chars()
        .any(|c| matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'))
    {
        return Some("a character XML cannot carry (validation refuses it in values)");
    }
    if text.contains("]]>") {
        return Some("`]]>` (outside CDATA XML refuses it)");
    }
    if text.contains("<?") {
        return Some("a processing instruction or declaration (read anywhere, targets not checked)");
    }
    if text.contains("<!--") {
        return Some("a comment (`--` inside it is not refused)");
    }
    // Attributes of elements other than the root are not read, and namespace prefixes are
    // not resolved: any `=` in markup, or a `:` in a name, may be one of those.
    if markup_has(text, b'=') || markup_has(text, b':') {
        return Some("attributes or namespace prefixes (only the root's are read)");
    }
    None
}

/// True when `byte` occurs inside a tag (between `<` and the next `>`).
fn markup_has(text: &str, byte: u8) -> bool {
    let mut inside = false;
    for &b in text.as_bytes() {
        match b {
            b'<' => inside = true,
            b'>' => inside = false,
            _ if inside && b == byte => return true,
            _ => {}
        }
    }
    false
}

/// The document's shape rules, read from `roxmltree`'s tree.
fn reference(doc: &Document<'_>, text: &str, oss: bool) -> Result<CorsConfiguration, String> {
    // One byte order mark was taken off; another is character data before the root, which
    // XML does not allow (roxmltree may read past it).
    if text.starts_with('\u{FEFF}') {
        return Err("a second byte order mark".to_owned());
    }
    // roxmltree reads the declaration laxly and does not judge its encoding; the library
    // holds its pseudo-attributes to XML's attribute grammar and reads UTF-8 only.
    let encoding = declaration(text)?;
    if encoding.is_some_and(|encoding| !encoding.eq_ignore_ascii_case("utf-8")) {
        return Err("unsupported encoding".to_owned());
    }
    let root = doc.root_element();
    if !is_named(root, text, "CORSConfiguration") {
        return Err("wrong root".to_owned());
    }
    // The default namespace, when declared on the root, is S3's.
    if let Some(ns) = root.namespaces().find(|ns| ns.name().is_none()) {
        if !S3_NAMESPACES.contains(&ns.uri()) {
            return Err("unexpected namespace".to_owned());
        }
    }
    let mut config = CorsConfiguration::default();
    for child in root.children() {
        match child.node_type() {
            NodeType::Element if is_named(child, text, "CORSRule") => {
                config.rules.push(rule(child, text, oss)?);
            }
            NodeType::Element if oss && is_named(child, text, "ResponseVary") => {
                if config.response_vary.is_some() {
                    return Err("ResponseVary twice".to_owned());
                }
                config.response_vary = Some(match leaf(child)?.trim_ascii() {
                    "true" => true,
                    "false" => false,
                    _ => return Err("bad ResponseVary".to_owned()),
                });
            }
            NodeType::Element => return Err("unexpected element".to_owned()),
            NodeType::Text => blank(child)?,
            _ => {}
        }
    }
    Ok(config)
}

/// The `encoding` of the XML declaration the document starts with, if it names one; an
/// error when the declaration's pseudo-attributes are not `name="value"` pairs, each after
/// whitespace, with no `<` in a value and no name twice.
fn declaration(text: &str) -> Result<Option<&str>, String> {
    let Some(rest) = text.strip_prefix("<?xml") else {
        return Ok(None);
    };
    if !rest.starts_with([' ', '\t', '\n', '\r']) && !rest.starts_with("?>") {
        return Ok(None);
    }
    let mut rest = &rest[..rest.find("?>").ok_or("unclosed declaration")?];
    let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let mut seen = Vec::new();
    let mut encoding = None;
    loop {
        let trimmed = rest.trim_start_matches(space);
        if trimmed.is_empty() {
            return Ok(encoding);
        }
        if trimmed.len() == rest.len() {
            return Err("no whitespace before a pseudo-attribute".to_owned());
        }
        let name_end = trimmed.find(|c: char| c == '=' || space(c)).ok_or("no '='")?;
        let name = &trimmed[..name_end];
        let named = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':' || !c.is_ascii())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "_:-.".contains(c) || !c.is_ascii());
        if !named || seen.contains(&name) {
            return Err("bad or repeated pseudo-attribute name".to_owned());
        }
        seen.push(name);
        let after = trimmed[name_end..].trim_start_matches(space);
        let after = after.strip_prefix('=').ok_or("no '='")?.trim_start_matches(space);
        let quote = after.chars().next().filter(|&q| q == '"' || q == '\'').ok_or("not quoted")?;
        let value_end = after[1..].find(quote).ok_or("not closed")?;
        let value = &after[1..1 + value_end];
        if value.contains('<') {
            return Err("'<' in a value".to_owned());
        }
        if name == "encoding" {
            encoding = Some(value);
        }
        rest = &after[value_end + 2..];
    }
}

fn rule(node: Node<'_, '_>, text: &str, oss: bool) -> Result<CorsRule, String> {
    let mut rule = CorsRule::default();
    for child in node.children() {
        match child.node_type() {
            NodeType::Element => {
                let value = leaf(child)?;
                let named = |name| is_named(child, text, name);
                if named("AllowedOrigin") {
                    rule.allowed_origins.push(value);
                } else if named("AllowedMethod") {
                    rule.allowed_methods.push(value);
                } else if named("AllowedHeader") {
                    rule.allowed_headers.push(value);
                } else if named("ExposeHeader") {
                    rule.expose_headers.push(value);
                } else if named("MaxAgeSeconds") {
                    if rule.max_age_seconds.is_some() {
                        return Err("MaxAgeSeconds twice".to_owned());
                    }
                    rule.max_age_seconds = Some(max_age(&value)?);
                } else if !oss && named("ID") {
                    if rule.id.is_some() {
                        return Err("ID twice".to_owned());
                    }
                    rule.id = Some(value);
                } else {
                    return Err("unexpected element".to_owned());
                }
            }
            NodeType::Text => blank(child)?,
            _ => {}
        }
    }
    Ok(rule)
}

/// A leaf's value: its text and CDATA, around comments and processing instructions.
fn leaf(node: Node<'_, '_>) -> Result<String, String> {
    let mut value = String::new();
    for child in node.children() {
        match child.node_type() {
            NodeType::Text => value.push_str(child.text().unwrap_or("")),
            NodeType::Element => return Err("element inside a value".to_owned()),
            _ => {}
        }
    }
    Ok(value)
}

fn blank(node: Node<'_, '_>) -> Result<(), String> {
    if node.text().unwrap_or("").trim_ascii().is_empty() {
        Ok(())
    } else {
        Err("text outside a value".to_owned())
    }
}

/// The element's name as written in the document: no prefix, exactly `name`.
fn is_named(node: Node<'_, '_>, text: &str, name: &str) -> bool {
    let raw = text[node.range()].as_bytes();
    raw.get(1..1 + name.len()) == Some(name.as_bytes())
        && matches!(raw.get(1 + name.len()), Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r'))
}

fn max_age(text: &str) -> Result<u32, String> {
    let digits = text.trim_ascii();
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("MaxAgeSeconds is not a non-negative integer".to_owned());
    }
    digits
        .parse::<u32>()
        .map_err(|_| "MaxAgeSeconds is out of range".to_owned())
}
