//! The attribute grammar of the root element and of the XML declaration, the two tags whose
//! attributes are read. It is XML 1.0's, which quick-xml's own attribute reader is laxer
//! about: whitespace before each attribute, a name, `=` (whitespace around it allowed), a
//! value in double or single quotes that holds no `<`, and no name twice.

use memchr::memchr;

use super::shorten;

/// XML's whitespace: space, tab, line feed and carriage return.
pub(super) const fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The `(name, raw value)` pairs of `text`, what follows a tag's or declaration's name.
pub(super) fn attributes(text: &str) -> Result<Vec<(&str, &str)>, String> {
    let bytes = text.as_bytes();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut pos = 0;
    let skip_space = |mut pos: usize| {
        while pos < bytes.len() && is_xml_space(bytes[pos]) {
            pos += 1;
        }
        pos
    };
    loop {
        let before = pos;
        pos = skip_space(pos);
        if pos == bytes.len() {
            return Ok(pairs);
        }
        if pos == before {
            return Err(format!(
                "bad attribute: no whitespace before {:?}",
                shorten(&text[pos..])
            ));
        }
        let start = pos;
        while pos < bytes.len() && bytes[pos] != b'=' && !is_xml_space(bytes[pos]) {
            pos += 1;
        }
        let key = &text[start..pos];
        if !is_name(key) {
            return Err(format!("bad attribute: {:?} is not a name", shorten(key)));
        }
        pos = skip_space(pos);
        if bytes.get(pos) != Some(&b'=') {
            return Err(format!(
                "bad attribute: expected '=' after {:?}",
                shorten(key)
            ));
        }
        if pairs.iter().any(|&(seen, _)| seen == key) {
            return Err(format!("duplicate attribute {:?}", shorten(key)));
        }
        pos = skip_space(pos + 1);
        let quote = match bytes.get(pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err(format!("bad attribute: {:?} is not quoted", shorten(key))),
        };
        let Some(len) = memchr(quote, &bytes[pos + 1..]) else {
            return Err(format!("bad attribute: {:?} is not closed", shorten(key)));
        };
        let value = &text[pos + 1..pos + 1 + len];
        if value.contains('<') {
            return Err(format!("bad attribute: '<' in {:?}", shorten(key)));
        }
        pairs.push((key, value));
        pos += len + 2;
    }
}

/// An XML name, simplified: it starts with an ASCII letter, `_`, `:` or any non-ASCII
/// character, and goes on with those, ASCII digits, `-` and `.`.
fn is_name(text: &str) -> bool {
    let start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b':' || !b.is_ascii();
    match text.as_bytes() {
        [first, rest @ ..] => {
            start(*first)
                && rest
                    .iter()
                    .all(|&b| start(b) || b.is_ascii_digit() || b == b'-' || b == b'.')
        }
        [] => false,
    }
}

/// The character a reference stands for, `&` and `;` removed: XML's five predefined
/// entities, and decimal or hexadecimal character references to a character other than
/// U+0000. Any other entity is refused, never expanded.
pub(super) fn resolve(reference: &str) -> Result<char, String> {
    if let Some(number) = reference.strip_prefix('#') {
        let (digits, radix) = match number.strip_prefix('x') {
            Some(hex) => (hex, 16),
            None => (number, 10),
        };
        // `from_str_radix` would take a sign.
        let code = if digits.starts_with(['+', '-']) {
            None
        } else {
            u32::from_str_radix(digits, radix).ok()
        };
        return code
            .filter(|&c| c != 0)
            .and_then(char::from_u32)
            .ok_or_else(|| format!("bad character reference &{};", shorten(reference)));
    }
    match reference {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(format!("undefined entity &{};", shorten(other))),
    }
}

/// An attribute value with its references resolved; `None` when one cannot be.
pub(super) fn resolve_all(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let end = tail
            .find([';', '&', '<'])
            .filter(|&i| tail.as_bytes()[i] == b';')?;
        out.push(resolve(&tail[..end]).ok()?);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}
