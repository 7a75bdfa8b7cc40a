#![allow(dead_code, unused)]
//! The S3 and OSS XML codecs.
//!
//! Reading is a hand-written scanner for this one fixed-shape document (root, rules, leaves),
//! not a general XML reader. The whole document is checked as UTF-8 once; `memchr` then jumps
//! from markup to markup, and a value without references, CDATA or carriage returns is copied
//! straight from the input into its `String`. Anything nested deeper than a leaf is refused at
//! once, and every step moves forward, so the work is linear in the document's size. The input
//! is only ever sliced at ASCII delimiters, so no slice can split a character.
//!
//! What it reads, and refuses, is XML 1.0 as far as this document needs it:
//!
//! - comments, processing instructions and an XML declaration anywhere (the declaration's
//!   `encoding`, when given, must be UTF-8); a `DOCTYPE` and any other `<!` markup are refused;
//! - in values: text, CDATA sections, XML's five predefined entities and decimal or hexadecimal
//!   character references (a reference to an invalid code point, or to U+0000, is refused;
//!   any other entity is refused, never expanded); carriage returns and CRLF pairs in text and
//!   CDATA become line feeds, as XML 1.0's end-of-line handling requires;
//! - attributes on the root and in the declaration only as XML writes them: whitespace before
//!   each, a name, `=`, a quoted value without `<`, no name twice; an `xmlns`, when given,
//!   must be S3's namespace; other elements' tags are not read past their names (a quoted
//!   `>` does not end a tag);
//! - end tags must name the element they close (whitespace may follow the name); text outside
//!   values must be whitespace.

use memchr::{memchr, memchr3, memchr3_iter, memmem};

use crate::codec::Format;
fn find2(b: &[u8], x: u8, y: u8) -> Option<usize> {
    memchr::memchr2(x, y, b)
}
fn find3(b: &[u8], x: u8, y: u8, z: u8) -> Option<usize> {
    memchr::memchr3(x, y, z, b)
}
use crate::error::{ConfigError, Field};
use crate::model::{CorsConfiguration, CorsRule};
use crate::s3::S3_NAMESPACE;
use crate::validate::Dialect;

const ROOT: &str = "CORSConfiguration";
const RULE: &str = "CORSRule";

/// Where the reader is in the fixed document shape.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    BeforeRoot,
    InRoot,
    InRule,
    InLeaf(Leaf),
    AfterRoot,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Rule(Field),
    ResponseVary,
}

struct Parser<'a> {
    dialect: Dialect,
    format: Format,
    config: CorsConfiguration,
    state: State,
    /// The document, BOM removed.
    src: &'a str,
    /// Where the scanner is, in bytes.
    pos: usize,
}

/// XML's whitespace: space, tab, line feed and carriage return.
const fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

pub(crate) fn parse(bytes: &[u8], dialect: Dialect) -> Result<CorsConfiguration, ConfigError> {
    let format = match dialect {
        Dialect::S3 => Format::S3Xml,
        Dialect::Oss => Format::OssXml,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let src = std::str::from_utf8(bytes).map_err(|e| ConfigError::malformed(format, "utf8"))?;
    let mut parser = Parser {
        dialect,
        format,
        config: CorsConfiguration::default(),
        state: State::BeforeRoot,
        src,
        pos: 0,
    };
    if let Err(detail) = parser.run() {
        return Err(parser.error(format!("{detail} (at byte {})", parser.pos)));
    }
    match parser.state {
        State::AfterRoot => Ok(parser.config),
        State::BeforeRoot => Err(parser.error("no CORSConfiguration element".to_owned())),
        _ => Err(parser.error("unexpected end of document".to_owned())),
    }
}

impl<'a> Parser<'a> {
    fn error(&self, detail: String) -> ConfigError {
        let rule = match self.state {
            State::InRule | State::InLeaf(Leaf::Rule(_)) => self.config.rules.len().checked_sub(1),
            _ => None,
        };
        ConfigError::malformed(self.format, detail).with_rule(rule)
    }

    /// Reads the document outside values: whitespace, comments, processing instructions and
    /// the tags of the root and the rules. Values are read by [`Parser::leaf`].
    fn run(&mut self) -> Result<(), String> {
        let bytes = self.src.as_bytes();
        loop {
            let rest = &bytes[self.pos..];
            let Some(at) = find2(rest, b'<', b'&') else {
                check_blank(rest)?;
                self.pos = bytes.len();
                return Ok(());
            };
            check_blank(&rest[..at])?;
            self.pos += at;
            if rest[at] == b'&' {
                return Err("unexpected entity reference".to_owned());
            }
            match bytes.get(self.pos + 1) {
                Some(b'!') => {
                    if !bytes[self.pos..].starts_with(b"<!--") {
                        return Err(self.bang_error());
                    }
                    self.pos = self.comment_end()?;
                }
                Some(b'?') => self.pos = self.pi()?,
                Some(b'/') => {
                    let (end, name) = self.end_tag()?;
                    self.pos = end;
                    self.close(name)?;
                }
                Some(_) => {
                    let end = match plain_tag_end(bytes, self.pos + 1) {
                        Some(end) => end,
                        None => tag_end(bytes, self.pos + 1).ok_or("unclosed tag")?,
                    };
                    let tag = &self.src[self.pos + 1..end];
                    self.pos = end + 1;
                    self.open(tag)?;
                }
                None => return Err("unexpected end after '<'".to_owned()),
            }
        }
    }

    fn bang_error(&self) -> String {
        let rest = &self.src.as_bytes()[self.pos..];
        if rest.len() > 2 && rest[2].eq_ignore_ascii_case(&b'd') {
            "DOCTYPE is not allowed".to_owned()
        } else if rest.starts_with(b"<![") {
            "unexpected CDATA section".to_owned()
        } else {
            "unexpected markup after '<!'".to_owned()
        }
    }

    /// The position after the comment that starts here.
    fn comment_end(&self) -> Result<usize, String> {
        memmem::find(&self.src.as_bytes()[self.pos + 4..], b"-->")
            .map(|i| self.pos + 4 + i + 3)
            .ok_or_else(|| "unclosed comment".to_owned())
    }

    /// Reads a processing instruction or XML declaration; returns the position after it.
    fn pi(&self) -> Result<usize, String> {
        let bytes = self.src.as_bytes();
        // `<?>` is not a processing instruction: the `?` of `<?` cannot also close it.
        let close = memmem::find(&bytes[self.pos + 1..], b"?>")
            .map(|i| self.pos + 1 + i)
            .ok_or("unclosed processing instruction")?;
        if close == self.pos + 1 {
            return Err("bad processing instruction".to_owned());
        }
        let content = &self.src[self.pos + 2..close];
        let b = content.as_bytes();
        if b.starts_with(b"xml") && (b.len() == 3 || is_xml_space(b[3])) {
            let mut attributes = Attributes::new(&content[3..]);
            while let Some(attribute) = attributes.next() {
                let (key, value) = attribute?;
                if key == "encoding" && !value.eq_ignore_ascii_case("utf-8") {
                    return Err(format!("unsupported encoding {:?}", shorten(value)));
                }
            }
        }
        Ok(close + 2)
    }

    /// Reads the end tag that starts here; returns the position after it and its name.
    fn end_tag(&self) -> Result<(usize, &'a str), String> {
        let src = self.src;
        let bytes = self.src.as_bytes();
        let end = tag_end(bytes, self.pos + 2).ok_or("unclosed end tag")?;
        let content = &bytes[self.pos + 2..end];
        let len = content
            .iter()
            .rposition(|&b| !is_xml_space(b))
            .map_or(0, |p| p + 1);
        Ok((end + 1, &src[self.pos + 2..self.pos + 2 + len]))
    }

    fn close(&mut self, name: &str) -> Result<(), String> {
        let expected = match self.state {
            State::InRoot => ROOT,
            State::InRule => RULE,
            _ => return Err(format!("unexpected end tag {:?}", shorten(name))),
        };
        if name != expected {
            return Err(format!(
                "end tag {:?} does not close {expected}",
                shorten(name)
            ));
        }
        self.state = match self.state {
            State::InRule => State::InRoot,
            _ => State::AfterRoot,
        };
        Ok(())
    }

    /// A start or empty-element tag, `<` and `>` removed.
    fn open(&mut self, tag: &str) -> Result<(), String> {
        let (content, empty) = match tag.strip_suffix('/') {
            Some(content) => (content, true),
            None => (tag, false),
        };
        let name_len = content
            .bytes()
            .position(is_xml_space)
            .unwrap_or(content.len());
        let name = &content[..name_len];
        match self.state {
            State::BeforeRoot => {
                if name != ROOT {
                    return Err(format!(
                        "root element is {:?}, not CORSConfiguration",
                        shorten(name)
                    ));
                }
                check_namespace(&content[name_len..])?;
                self.state = if empty {
                    State::AfterRoot
                } else {
                    State::InRoot
                };
                Ok(())
            }
            State::InRoot => match name {
                RULE => {
                    self.config.rules.push(CorsRule::default());
                    if !empty {
                        self.state = State::InRule;
                    }
                    Ok(())
                }
                "ResponseVary" if self.dialect == Dialect::Oss => {
                    self.enter_leaf(Leaf::ResponseVary, "ResponseVary", empty)
                }
                _ => Err(format!(
                    "unexpected element {:?} in CORSConfiguration",
                    shorten(name)
                )),
            },
            State::InRule => {
                let (field, name) = match name {
                    "AllowedOrigin" => (Field::AllowedOrigin, "AllowedOrigin"),
                    "AllowedMethod" => (Field::AllowedMethod, "AllowedMethod"),
                    "AllowedHeader" => (Field::AllowedHeader, "AllowedHeader"),
                    "ExposeHeader" => (Field::ExposeHeader, "ExposeHeader"),
                    "MaxAgeSeconds" => (Field::MaxAgeSeconds, "MaxAgeSeconds"),
                    "ID" if self.dialect == Dialect::S3 => (Field::Id, "ID"),
                    _ => {
                        return Err(format!(
                            "unexpected element {:?} in CORSRule",
                            shorten(name)
                        ));
                    }
                };
                self.enter_leaf(Leaf::Rule(field), name, empty)
            }
            State::InLeaf(_) => Err(format!(
                "unexpected element {:?} inside a value",
                shorten(name)
            )),
            State::AfterRoot => Err("content after the root element".to_owned()),
        }
    }

    fn enter_leaf(&mut self, leaf: Leaf, name: &'static str, empty: bool) -> Result<(), String> {
        // The state names the leaf until it is stored, so an error names its rule.
        self.state = State::InLeaf(leaf);
        let value = if empty {
            String::new()
        } else {
            self.leaf(name)?
        };
        self.state = self.finish_leaf(leaf, value)?;
        Ok(())
    }

    /// Reads a value up to and including the end tag `</name>`.
    fn leaf(&mut self, name: &str) -> Result<String, String> {
        let bytes = self.src.as_bytes();
        let rest = &bytes[self.pos..];
        // The common case: plain text (no reference, no carriage return) straight up to the
        // end tag.
        if let Some(at) = find3(rest, b'<', b'&', b'\r') {
            if rest[at] == b'<' && rest.get(at + 1) == Some(&b'/') {
                let value = self.src[self.pos..self.pos + at].to_owned();
                self.pos += at;
                self.leaf_end(name)?;
                return Ok(value);
            }
        }
        let mut value = String::new();
        loop {
            let rest = &bytes[self.pos..];
            let Some(at) = find2(rest, b'<', b'&') else {
                return Err("unexpected end of document".to_owned());
            };
            push_text(&mut value, &self.src[self.pos..self.pos + at]);
            self.pos += at;
            if rest[at] == b'&' {
                let end = memchr3(b';', b'&', b'<', &rest[at + 1..])
                    .filter(|&i| rest[at + 1 + i] == b';')
                    .ok_or("unclosed reference")?;
                let reference = &self.src[self.pos + 1..self.pos + 1 + end];
                value.push(resolve(reference)?);
                self.pos += end + 2;
                continue;
            }
            match bytes.get(self.pos + 1) {
                Some(b'/') => {
                    self.leaf_end(name)?;
                    return Ok(value);
                }
                Some(b'!') => {
                    let rest = &bytes[self.pos..];
                    if rest.starts_with(b"<!--") {
                        self.pos = self.comment_end()?;
                    } else if rest.starts_with(b"<![CDATA[") {
                        let close =
                            memmem::find(&rest[9..], b"]]>").ok_or("unclosed CDATA section")?;
                        push_text(&mut value, &self.src[self.pos + 9..self.pos + 9 + close]);
                        self.pos += 9 + close + 3;
                    } else {
                        return Err(self.bang_error());
                    }
                }
                Some(b'?') => self.pos = self.pi()?,
                Some(_) => {
                    let end = tag_end(bytes, self.pos + 1).ok_or("unclosed tag")?;
                    let tag = &self.src[self.pos + 1..end];
                    let name_len = tag.bytes().position(is_xml_space).unwrap_or(tag.len());
                    let name = &tag[..name_len];
                    let name = name.strip_suffix('/').unwrap_or(name);
                    return Err(format!(
                        "unexpected element {:?} inside a value",
                        shorten(name)
                    ));
                }
                None => return Err("unexpected end after '<'".to_owned()),
            }
        }
    }

    /// Reads the end tag that closes the leaf `name`.
    fn leaf_end(&mut self, name: &str) -> Result<(), String> {
        // The common case: `</name>` exactly, which is what `end_tag` would find.
        let rest = &self.src.as_bytes()[self.pos..];
        if rest.get(2..2 + name.len()) == Some(name.as_bytes())
            && rest.starts_with(b"</")
            && rest.get(2 + name.len()) == Some(&b'>')
        {
            self.pos += name.len() + 3;
            return Ok(());
        }
        let (end, found) = self.end_tag()?;
        if found != name {
            return Err(format!(
                "end tag {:?} does not close {name}",
                shorten(found)
            ));
        }
        self.pos = end;
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

/// Text outside values must be whitespace.
fn check_blank(text: &[u8]) -> Result<(), String> {
    if text.trim_ascii().is_empty() {
        Ok(())
    } else {
        let text = String::from_utf8_lossy(text);
        Err(format!("unexpected text {:?}", shorten(&text)))
    }
}

/// The position of the `>` right after the tag name at `from`, when it is one of the
/// document's own element names written without attributes or whitespace (as nearly every
/// tag is); then [`tag_end`] would find the same `>`. `None` otherwise.
#[inline]
fn plain_tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let names: &[&str] = match rest.first()? {
        b'A' => &["AllowedOrigin", "AllowedMethod", "AllowedHeader"],
        b'E' => &["ExposeHeader"],
        b'M' => &["MaxAgeSeconds"],
        b'C' => &[RULE],
        b'I' => &["ID"],
        _ => return None,
    };
    names.iter().find_map(|name| {
        let len = name.len();
        (rest.get(..len) == Some(name.as_bytes()) && rest.get(len) == Some(&b'>'))
            .then_some(from + len)
    })
}

/// The position of the `>` that ends the tag whose name starts at `from`; a `>` inside
/// quotes does not end it.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let first = find3(rest, b'>', b'\'', b'"')?;
    // Most tags have no attributes, so no quotes.
    if rest[first] == b'>' {
        return Some(from + first);
    }
    let from = from + first;
    let mut quote = 0u8;
    for i in memchr3_iter(b'>', b'\'', b'"', &bytes[from..]) {
        let b = bytes[from + i];
        if quote == 0 {
            if b == b'>' {
                return Some(from + i);
            }
            quote = b;
        } else if b == quote {
            quote = 0;
        }
    }
    None
}

/// Appends text with XML 1.0's end-of-line handling: CRLF and a lone CR become LF.
fn push_text(value: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(i) = memchr(b'\r', &bytes[start..]) {
        let cr = start + i;
        value.push_str(&text[start..cr]);
        value.push('\n');
        start = if bytes.get(cr + 1) == Some(&b'\n') {
            cr + 2
        } else {
            cr + 1
        };
    }
    value.push_str(&text[start..]);
}

/// The character an entity or character reference (`&` and `;` removed) stands for.
fn resolve(reference: &str) -> Result<char, String> {
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

/// Reads an attribute value's references; `None` when one cannot be read.
fn resolve_all(value: &str) -> Option<String> {
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

/// The attributes of a tag or of the XML declaration, as XML 1.0 writes them: each one
/// preceded by whitespace, a name, `=` (whitespace around it allowed), then a value in
/// double or single quotes that holds no `<`. A repeated name is an error.
struct Attributes<'a> {
    text: &'a str,
    pos: usize,
    seen: Vec<&'a str>,
}

impl<'a> Attributes<'a> {
    /// `text` is what follows the tag's or declaration's name.
    fn new(text: &'a str) -> Self {
        Attributes {
            text,
            pos: 0,
            seen: Vec::new(),
        }
    }

    fn skip_space(&mut self) {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && is_xml_space(bytes[self.pos]) {
            self.pos += 1;
        }
    }

    /// Stops the iteration with an error.
    fn fail(&mut self, detail: String) -> Option<Result<(&'a str, &'a str), String>> {
        self.pos = self.text.len();
        Some(Err(detail))
    }

    fn next(&mut self) -> Option<Result<(&'a str, &'a str), String>> {
        let bytes = self.text.as_bytes();
        let before = self.pos;
        self.skip_space();
        if self.pos == bytes.len() {
            return None;
        }
        if self.pos == before {
            let rest = &self.text[self.pos..];
            return self.fail(format!(
                "bad attribute: no whitespace before {:?}",
                shorten(rest)
            ));
        }
        let start = self.pos;
        while self.pos < bytes.len() && bytes[self.pos] != b'=' && !is_xml_space(bytes[self.pos]) {
            self.pos += 1;
        }
        let key = &self.text[start..self.pos];
        if !is_name(key) {
            return self.fail(format!("bad attribute: {:?} is not a name", shorten(key)));
        }
        self.skip_space();
        if bytes.get(self.pos) != Some(&b'=') {
            return self.fail(format!(
                "bad attribute: expected '=' after {:?}",
                shorten(key)
            ));
        }
        self.pos += 1;
        if self.seen.contains(&key) {
            return self.fail(format!("duplicate attribute {:?}", shorten(key)));
        }
        self.seen.push(key);
        self.skip_space();
        let quote = match bytes.get(self.pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return self.fail(format!("bad attribute: {:?} is not quoted", shorten(key))),
        };
        let Some(len) = memchr(quote, &bytes[self.pos + 1..]) else {
            return self.fail(format!("bad attribute: {:?} is not closed", shorten(key)));
        };
        let value = &self.text[self.pos + 1..self.pos + 1 + len];
        if value.contains('<') {
            return self.fail(format!("bad attribute: '<' in {:?}", shorten(key)));
        }
        self.pos += len + 2;
        Some(Ok((key, value)))
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

/// The root's attributes are well-formed and unique; the namespace, when given, is S3's.
fn check_namespace(attributes: &str) -> Result<(), String> {
    let mut attributes = Attributes::new(attributes);
    while let Some(attribute) = attributes.next() {
        let (key, value) = attribute?;
        if key == "xmlns" {
            match resolve_all(value) {
                Some(value) if value == S3_NAMESPACE => {}
                Some(value) => return Err(format!("unexpected namespace {:?}", shorten(&value))),
                None => return Err(format!("bad namespace {:?}", shorten(value))),
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
