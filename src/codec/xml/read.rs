//! Reading S3 and OSS XML with quick-xml's borrowed reader over the document's bytes.
//!
//! The reader yields events that borrow from the input; this module walks the fixed document
//! shape (root, rules, leaves) over them. A value's text is borrowed until the value ends and
//! is copied into the model once; only a value split by a reference, CDATA, a comment or a
//! carriage return is assembled in a `String` on the way. Anything nested deeper than a leaf
//! is refused at its start tag, so the work is linear in the document's size.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::attributes::{attributes, resolve, resolve_all};
use super::{parse_max_age, shorten};
use crate::codec::Format;
use crate::error::{ConfigError, Field};
use crate::model::{CorsConfiguration, CorsRule};
use crate::s3::{S3_NAMESPACE, S3_NAMESPACE_HTTPS};
use crate::validate::Dialect;

const ROOT: &str = "CORSConfiguration";
const RULE: &str = "CORSRule";
const BOM: &[u8] = b"\xEF\xBB\xBF";

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

/// Why reading stopped: a reason of this module's, or quick-xml's own error.
enum Stop {
    Detail(String),
    Xml(quick_xml::Error),
}

impl From<String> for Stop {
    fn from(detail: String) -> Self {
        Stop::Detail(detail)
    }
}

impl From<&str> for Stop {
    fn from(detail: &str) -> Self {
        Stop::Detail(detail.to_owned())
    }
}

struct Parser<'a> {
    dialect: Dialect,
    config: CorsConfiguration,
    state: State,
    /// The value of the leaf being read, borrowed while it is one piece of text.
    value: Cow<'a, str>,
    /// Whether the document holds a carriage return at all; most do not, and then no text
    /// needs looking at for one.
    has_cr: bool,
}

pub(crate) fn parse(bytes: &[u8], dialect: Dialect) -> Result<CorsConfiguration, ConfigError> {
    let format = match dialect {
        Dialect::S3 => Format::S3Xml,
        Dialect::Oss => Format::OssXml,
    };
    // quick-xml reads past one byte order mark (a second is text, and refused); its
    // positions start after it.
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let mut reader = Reader::from_reader(bytes);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.check_comments = false;
    config.allow_dangling_amp = false;
    config.expand_empty_elements = false;
    let mut parser = Parser {
        dialect,
        config: CorsConfiguration::default(),
        state: State::BeforeRoot,
        value: Cow::Borrowed(""),
        has_cr: memchr::memchr(b'\r', bytes).is_some(),
    };
    loop {
        let at = reader.buffer_position();
        let stop = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(event) => match parser.event(event) {
                Ok(()) => continue,
                Err(stop) => stop,
            },
            Err(e) => Stop::Xml(e),
        };
        let (err, at) = match stop {
            Stop::Detail(detail) => (ConfigError::malformed(format, detail), at),
            // quick-xml checks every slice it hands out as UTF-8; where it found the
            // first bad byte is found again here, on this cold path.
            Stop::Xml(e @ quick_xml::Error::Encoding(_)) => {
                let at = std::str::from_utf8(&bytes[bom..])
                    .err()
                    .map_or(0, |e| e.valid_up_to());
                let err = ConfigError::malformed(format, describe(&e)).with_source(e);
                (err, at as u64)
            }
            Stop::Xml(e) => (
                ConfigError::malformed(format, describe(&e)).with_source(e),
                reader.error_position(),
            ),
        };
        return Err(parser.locate(err, bom + offset(at)));
    }
    let end = bom + offset(reader.buffer_position());
    match parser.state {
        State::AfterRoot => Ok(parser.config),
        State::BeforeRoot => {
            Err(ConfigError::malformed(format, "no CORSConfiguration element").with_offset(end))
        }
        _ => Err(parser.locate(
            ConfigError::malformed(format, "unexpected end of document"),
            end,
        )),
    }
}

/// A reader position as an offset; it never exceeds the document's length, which fits.
fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// A short text for logs; the full error is kept as the source.
fn describe(error: &quick_xml::Error) -> &'static str {
    match error {
        quick_xml::Error::Syntax(_) => "not well-formed xml",
        quick_xml::Error::IllFormed(_) => "ill-formed xml",
        quick_xml::Error::Escape(_) => "bad reference",
        quick_xml::Error::Encoding(_) => "not utf-8",
        _ => "unreadable xml",
    }
}

impl<'a> Parser<'a> {
    /// Adds the rule and field being read, and the offset, to an error.
    fn locate(&self, err: ConfigError, at: usize) -> ConfigError {
        let (rule, field) = match self.state {
            State::InRule => (self.config.rules.len().checked_sub(1), None),
            State::InLeaf(Leaf::Rule(field)) => {
                (self.config.rules.len().checked_sub(1), Some(field))
            }
            _ => (None, None),
        };
        err.with_rule(rule).with_field(field).with_offset(at)
    }

    fn event(&mut self, event: Event<'a>) -> Result<(), Stop> {
        match event {
            Event::Start(start) => self.open(&start, false),
            Event::Empty(start) => self.open(&start, true),
            Event::End(_) => self.close(),
            Event::Text(text) => {
                let text = text.into_inner();
                if let State::InLeaf(_) = self.state {
                    self.push_text(text);
                    Ok(())
                } else if text.trim_ascii().is_empty() {
                    Ok(())
                } else {
                    Err(format!("unexpected text {:?}", shorten(&text)).into())
                }
            }
            Event::CData(data) => {
                if let State::InLeaf(_) = self.state {
                    self.push_text(data.into_inner());
                    Ok(())
                } else {
                    Err("unexpected CDATA section".into())
                }
            }
            Event::GeneralRef(reference) => {
                if let State::InLeaf(_) = self.state {
                    let ch = resolve(&reference)?;
                    self.value.to_mut().push(ch);
                    Ok(())
                } else {
                    Err("unexpected entity reference".into())
                }
            }
            Event::Decl(decl) => {
                // `decl` is the declaration's content: `xml` and the attributes.
                for (key, value) in attributes(&decl[3..])? {
                    if key == "encoding" && !value.eq_ignore_ascii_case("utf-8") {
                        return Err(format!("unsupported encoding {:?}", shorten(value)).into());
                    }
                }
                Ok(())
            }
            Event::DocType(_) => Err("DOCTYPE is not allowed".into()),
            Event::Comment(_) | Event::PI(_) | Event::Eof => Ok(()),
        }
    }

    /// Appends text to the value with XML 1.0's end-of-line handling: CRLF and a lone CR
    /// become LF. The first piece without a carriage return is only borrowed.
    fn push_text(&mut self, text: Cow<'a, str>) {
        if !(self.has_cr && text.contains('\r')) {
            if self.value.is_empty() {
                self.value = text;
            } else {
                self.value.to_mut().push_str(&text);
            }
            return;
        }
        let value = self.value.to_mut();
        let mut lines = text.split('\r');
        if let Some(first) = lines.next() {
            value.push_str(first);
        }
        for line in lines {
            value.push('\n');
            value.push_str(line.strip_prefix('\n').unwrap_or(line));
        }
    }

    fn close(&mut self) -> Result<(), Stop> {
        // quick-xml checks that the end tag names the element it closes.
        self.state = match self.state {
            State::InLeaf(leaf) => {
                let value = std::mem::replace(&mut self.value, Cow::Borrowed(""));
                self.finish_leaf(leaf, value.into_owned())?
            }
            State::InRule => State::InRoot,
            State::InRoot => State::AfterRoot,
            State::BeforeRoot | State::AfterRoot => return Err("unexpected end tag".into()),
        };
        Ok(())
    }

    fn open(&mut self, start: &BytesStart<'a>, empty: bool) -> Result<(), Stop> {
        let name = start.name().0;
        match self.state {
            State::BeforeRoot => {
                if name != ROOT {
                    return Err(format!(
                        "root element is {:?}, not CORSConfiguration",
                        shorten(name)
                    )
                    .into());
                }
                check_namespace(start.attributes_raw())?;
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
                    self.enter_leaf(Leaf::ResponseVary, empty)
                }
                _ => Err(format!(
                    "unexpected element {:?} in CORSConfiguration",
                    shorten(name)
                )
                .into()),
            },
            State::InRule => {
                let field = match name {
                    "AllowedOrigin" => Field::AllowedOrigin,
                    "AllowedMethod" => Field::AllowedMethod,
                    "AllowedHeader" => Field::AllowedHeader,
                    "ExposeHeader" => Field::ExposeHeader,
                    "MaxAgeSeconds" => Field::MaxAgeSeconds,
                    "ID" if self.dialect == Dialect::S3 => Field::Id,
                    _ => {
                        return Err(
                            format!("unexpected element {:?} in CORSRule", shorten(name)).into(),
                        );
                    }
                };
                self.enter_leaf(Leaf::Rule(field), empty)
            }
            State::InLeaf(_) => {
                Err(format!("unexpected element {:?} inside a value", shorten(name)).into())
            }
            State::AfterRoot => Err("content after the root element".into()),
        }
    }

    fn enter_leaf(&mut self, leaf: Leaf, empty: bool) -> Result<(), Stop> {
        // The state names the leaf until it is stored, so an error names its rule.
        self.state = State::InLeaf(leaf);
        if empty {
            self.state = self.finish_leaf(leaf, String::new())?;
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

/// The root's attributes are well-formed and unique; the namespace, when given, is S3's,
/// written with `http` or `https`.
fn check_namespace(raw: &str) -> Result<(), String> {
    for (key, value) in attributes(raw)? {
        if key == "xmlns" {
            match resolve_all(value) {
                Some(value) if value == S3_NAMESPACE || value == S3_NAMESPACE_HTTPS => {}
                Some(value) => return Err(format!("unexpected namespace {:?}", shorten(&value))),
                None => return Err(format!("bad namespace {:?}", shorten(value))),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ConfigError;

    const RULE_OK: &str = "<AllowedMethod>GET</AllowedMethod>";

    /// A one-rule S3 document whose first origin is `origin` (raw XML).
    fn with_origin(origin: &str) -> String {
        format!(
            "<CORSConfiguration><CORSRule><AllowedOrigin>{origin}</AllowedOrigin>{RULE_OK}\
             </CORSRule></CORSConfiguration>"
        )
    }

    fn read(doc: &str) -> Result<CorsConfiguration, ConfigError> {
        parse(doc.as_bytes(), Dialect::S3)
    }

    fn origin(doc: &str) -> String {
        let config = read(doc).unwrap_or_else(|e| panic!("{doc:?}: {e}"));
        config.rules[0].allowed_origins[0].clone()
    }

    fn refused(doc: &str) {
        assert!(read(doc).is_err(), "accepted {doc:?}");
    }

    #[test]
    fn comments_and_processing_instructions_are_skipped_everywhere() {
        let doc = "<!-- a --><?pi x?><CORSConfiguration><!----><CORSRule><?p?>\
                   <AllowedOrigin>a<!-- <b> -->b<?q ?>c</AllowedOrigin>\
                   <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration><!-- -->";
        assert_eq!(origin(doc), "abc");
        // `-->` cannot end the comment inside `<!--`, and `<?>` is no instruction.
        refused("<!--->x<CORSConfiguration/>");
        refused("<?><CORSConfiguration/>");
        refused("<!-- never closed <CORSConfiguration/>");
        refused("<?never closed <CORSConfiguration/>");
        refused(&with_origin("a<!-x-->"));
    }

    #[test]
    fn the_declaration_must_say_utf_8_when_it_names_an_encoding() {
        for ok in [
            "<?xml version=\"1.0\"?>",
            "<?xml version='1.0' encoding='utf-8'?>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
            "<?xml?>",
            "<?xml-stylesheet encoding='latin1'?>",
        ] {
            assert!(read(&format!("{ok}{}", with_origin("a"))).is_ok(), "{ok}");
        }
        for bad in [
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
            "<?xml encoding=utf-8?>",
            "<?xml version?>",
            "<?xml version=\"1.0\" encoding=\"utf-8?>",
            // The declaration's attributes are read as strictly as the root's, all of them.
            "<?xml version=\"1.0\"=\"1.oding=\"UTF-8\"?>",
            "<?xml version=\"1.0\"encoding=\"UTF-8\"?>",
            "<?xml version=\"1.0\" version=\"1.0\"?>",
            "<?xml encoding=\"UTF-8\" bad?>",
            "<?xml encoding=\"UTF-8\" encoding=\"latin1\"?>",
        ] {
            refused(&format!("{bad}{}", with_origin("a")));
        }
        // Also inside a value.
        refused(&with_origin("a<?xml encoding='latin1'?>"));
    }

    #[test]
    fn cdata_is_read_verbatim_and_only_inside_values() {
        assert_eq!(origin(&with_origin("x<![CDATA[<&>]]]]>y")), "x<&>]]y");
        assert_eq!(origin(&with_origin("<![CDATA[]]>")), "");
        refused(&with_origin("<![CDATA[never closed"));
        refused(&with_origin("<![cdata[x]]>"));
        refused("<CORSConfiguration><![CDATA[ ]]></CORSConfiguration>");
    }

    #[test]
    fn predefined_entities_and_character_references() {
        assert_eq!(
            origin(&with_origin(
                "&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;&#0065;"
            )),
            "<>&'\"AB\u{1F600}A"
        );
        for bad in [
            "&#0;",
            "&#x0;",
            "&#xD800;",
            "&#x110000;",
            "&#99999999999;",
            "&#;",
            "&#x;",
            "&#X41;",
            "&#+65;",
            "&#-65;",
            "&#x+41;",
            "&#65",
            "&amp",
            "&lol;",
            "&;",
            "& amp;",
            "&a&amp;",
            "&#6<5;",
        ] {
            refused(&with_origin(bad));
        }
        // References are values only.
        refused("<CORSConfiguration>&amp;</CORSConfiguration>");
        refused("&#32;<CORSConfiguration/>");
    }

    #[test]
    fn doctype_and_other_declarations_are_refused() {
        for bad in [
            "<!DOCTYPE CORSConfiguration><CORSConfiguration/>",
            "<!doctype x><CORSConfiguration/>",
            "<!ELEMENT x ANY><CORSConfiguration/>",
            "<CORSConfiguration><!DOCTYPE x></CORSConfiguration>",
        ] {
            refused(bad);
        }
        refused(&with_origin("<!DOCTYPE x>"));
    }

    #[test]
    fn root_attributes_are_well_formed_and_the_namespace_is_s3s() {
        let ok = [
            format!("<CORSConfiguration xmlns=\"{S3_NAMESPACE}\">"),
            format!("<CORSConfiguration xmlns = '{S3_NAMESPACE}' >"),
            "<CORSConfiguration xmlns=\"&#104;ttp://s3.amazonaws.com/doc/2006-03-01/\">".to_owned(),
            "<CORSConfiguration a=\"1\"\tb='>'>".to_owned(),
            "<CORSConfiguration _:x.y-z=\"1\" é='2'>".to_owned(),
            "<CORSConfiguration xmlns:x=\"urn:x\">".to_owned(),
        ];
        let rule = format!("<CORSRule><AllowedOrigin>a</AllowedOrigin>{RULE_OK}</CORSRule>");
        for open in ok {
            let doc = format!("{open}{rule}</CORSConfiguration>");
            assert!(read(&doc).is_ok(), "{doc}");
        }
        for open in [
            "<CORSConfiguration xmlns=\"urn:other\">",
            "<CORSConfiguration xmlns=\"\">",
            "<CORSConfiguration xmlns=http://s3.amazonaws.com/doc/2006-03-01/>",
            "<CORSConfiguration a=\"1\" a=\"2\">",
            "<CORSConfiguration a>",
            "<CORSConfiguration a=>",
            "<CORSConfiguration a=\"1>",
            "<CORSConfiguration xmlns=\"&bad;\">",
            "<CORSConfigurationxmlns=\"x\">",
            // XML wants whitespace between attributes, a name before '=', no '<' in a value.
            "<CORSConfiguration a=\"1\"b='2'>",
            "<CORSConfiguration =\"1\">",
            "<CORSConfiguration a=\"1\" =\"2\">",
            "<CORSConfiguration 1a=\"1\">",
            "<CORSConfiguration a\"b=\"1\">",
            "<CORSConfiguration a=\"<\">",
        ] {
            refused(&format!("{open}{rule}</CORSConfiguration>"));
        }
    }

    #[test]
    fn end_tags_must_match_and_may_carry_trailing_whitespace() {
        assert_eq!(
            origin(
                "<CORSConfiguration><CORSRule ><AllowedOrigin>a</AllowedOrigin \n>\
                 <AllowedMethod>GET</AllowedMethod></CORSRule\t></CORSConfiguration >"
            ),
            "a"
        );
        refused(
            "<CORSConfiguration><CORSRule><AllowedOrigin>a</AllowedMethod>\
             <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
        );
        refused(&with_origin("a</ AllowedOrigin>"));
        refused("<CORSConfiguration></CORSRule></CORSConfiguration>");
        refused("</CORSConfiguration>");
        refused(&format!("{}</CORSConfiguration>", with_origin("a")));
        refused(&with_origin("a</AllowedOrigin"));
    }

    #[test]
    fn text_outside_values_is_refused_unless_blank() {
        assert!(read(&format!(" \r\n\t{} \n", with_origin("a"))).is_ok());
        refused(&format!("x{}", with_origin("a")));
        refused(&format!("{}x", with_origin("a")));
        refused(
            "<CORSConfiguration><CORSRule>x<AllowedOrigin>a</AllowedOrigin>\
             <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
        );
    }

    #[test]
    fn anything_deeper_than_a_leaf_is_refused() {
        refused(&with_origin("<b>x</b>"));
        refused(&with_origin("<b/>"));
        refused(&with_origin("a<"));
        let err = read(&with_origin(&"<AllowedOrigin>".repeat(10_000))).unwrap_err();
        assert!(err.to_string().contains("inside a value"), "{err}");
    }

    #[test]
    fn element_names_are_matched_whole() {
        // Names that start like the document's own, and its own with other spellings of
        // the tag around them, which the quick tag paths must hand to the general reading.
        for bad in [
            "<AllowedOrigins>a</AllowedOrigins>",
            "<AllowedOrigin>a</AllowedOrigins>",
            "<AllowedOrigin>a</AllowedOrigi>",
            "<Allowedorigin>a</Allowedorigin>",
            "<IDs>a</IDs>",
            "<AllowedOrigin>a</AllowedOrigin",
        ] {
            let doc = format!(
                "<CORSConfiguration><CORSRule>{bad}{RULE_OK}</CORSRule></CORSConfiguration>"
            );
            refused(&doc);
        }
        for good in [
            "<AllowedOrigin\t>a</AllowedOrigin\n>",
            "<AllowedOrigin a='>'>a</AllowedOrigin>",
        ] {
            let doc = format!(
                "<CORSConfiguration><CORSRule >{good}{RULE_OK}</CORSRule></CORSConfiguration>"
            );
            assert_eq!(origin(&doc), "a", "{doc}");
        }
    }

    #[test]
    fn carriage_returns_become_line_feeds_in_text_and_cdata() {
        assert_eq!(origin(&with_origin("a\r\nb\rc\n\r")), "a\nb\nc\n\n");
        assert_eq!(origin(&with_origin("<![CDATA[a\r\nb\r]]>")), "a\nb\n");
        // A reference is not a line break to normalise.
        assert_eq!(origin(&with_origin("a&#13;&#10;b&#13;\nc")), "a\r\nb\r\nc");
    }

    #[test]
    fn tags_end_at_an_unquoted_angle_bracket() {
        // Non-root tags are not read past their names, but a quoted `>` does not end them.
        assert_eq!(
            origin(
                "<CORSConfiguration><CORSRule x='>'><AllowedOrigin y=\">\">a</AllowedOrigin>\
                 <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
            ),
            "a"
        );
        refused("<CORSConfiguration><CORSRule x='></CORSRule></CORSConfiguration>");
    }

    #[test]
    fn one_byte_order_mark_is_read_past_and_counted_in_offsets() {
        let doc = with_origin("a");
        let mut once = b"\xEF\xBB\xBF".to_vec();
        once.extend_from_slice(doc.as_bytes());
        assert_eq!(parse(&once, Dialect::S3).unwrap(), read(&doc).unwrap());
        // A second one is text before the root.
        let mut twice = b"\xEF\xBB\xBF".to_vec();
        twice.extend_from_slice(&once);
        let err = parse(&twice, Dialect::S3).unwrap_err();
        assert!(err.to_string().contains("unexpected text"), "{err}");
        assert_eq!(err.offset(), Some(3));
        // A byte that is not UTF-8 is found where it is, the mark counted.
        let mut latin1 = once.clone();
        let at = latin1.windows(3).position(|w| w == b">a<").unwrap() + 1;
        latin1[at] = 0xe9;
        let err = parse(&latin1, Dialect::S3).unwrap_err();
        assert_eq!((err.offset(), err.rule()), (Some(at), Some(0)));
    }

    #[test]
    fn bad_utf_8_and_truncation_never_panic() {
        let doc = with_origin("caf\u{e9}\u{1F600}");
        for end in 0..doc.len() {
            let _ = parse(&doc.as_bytes()[..end], Dialect::S3);
        }
        let mut bytes = doc.into_bytes();
        bytes[45] = 0xff;
        let err = parse(&bytes, Dialect::S3).unwrap_err();
        assert!(err.to_string().contains("not utf-8"), "{err}");
    }
}
