//! Small pieces of S3's wire format: XML elements, dates, URL decoding and encoding, the
//! query string and the error body. The escaping, the dates and the percent coding are the
//! `quick-xml`, `httpdate`, `time`, `percent-encoding` and `form_urlencoded` crates'; what is
//! left here is S3's choice among them.

use std::borrow::Cow;
use std::time::SystemTime;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// Appends `<name>text</name>` with the text escaped.
pub fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&quick_xml::escape::escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// An HTTP date: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(time: SystemTime) -> String {
    httpdate::fmt_http_date(time)
}

/// How S3 writes a timestamp in its listings: `2024-01-31T12:00:00.000Z`, always UTC and
/// always milliseconds.
const ISO_8601: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// An ISO 8601 timestamp as S3 writes it in listings: `2024-01-31T12:00:00.000Z`.
pub fn iso_date(time: SystemTime) -> String {
    OffsetDateTime::from(time)
        .format(ISO_8601)
        .unwrap_or_default()
}

/// True when every `%` starts an escape of two hex digits. `percent-encoding` and
/// `form_urlencoded` pass a broken escape through as text; S3 refuses it.
fn escapes_are_well_formed(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(at, &b)| {
        b != b'%'
            || bytes
                .get(at + 1..at + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Decodes the `%XX` escapes of a path (`+` stays a plus sign). `None` when an escape is
/// broken or the result is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    if !escapes_are_well_formed(text) {
        return None;
    }
    percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(Cow::into_owned)
}

/// What `encoding-type=url` leaves as it is: RFC 3986's unreserved characters and `/`.
const URL_KEY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Encodes everything but RFC 3986's unreserved characters and `/`, as S3 does for
/// `encoding-type=url`.
pub fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, URL_KEY).to_string()
}

/// The query string's parameters, decoded, in order. A parameter without `=` has an empty
/// value (`?cors`).
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Reads a raw query string (`+` is a space). `None` when an escape is broken or a
    /// parameter does not decode to UTF-8.
    pub fn parse(raw: Option<&str>) -> Option<Query> {
        let raw = raw.unwrap_or("");
        // `&`, `=` and `+` are ASCII, so the whole string decodes to UTF-8 exactly when
        // every name and value does.
        if !escapes_are_well_formed(raw) || percent_decode_str(raw).decode_utf8().is_err() {
            return None;
        }
        let pairs = form_urlencoded::parse(raw.as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Some(Query { pairs })
    }

    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when the parameter is present, with or without a value.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }
}

/// The most keys one DeleteObjects request may name.
pub const MAX_DELETE_KEYS: usize = 1000;

/// One `<Object>` of a DeleteObjects request.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeleteTarget {
    /// The `<Key>`, as sent (spaces included).
    pub key: String,
    /// The `<VersionId>`, if any.
    pub version_id: Option<String>,
}

/// A DeleteObjects request body: `<Delete><Object><Key>..</Key>(<VersionId>..</VersionId>)
/// </Object>...(<Quiet>true</Quiet>)</Delete>`, namespaced or not.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeleteRequest {
    /// The objects, in the order given.
    pub objects: Vec<DeleteTarget>,
    /// `<Quiet>true</Quiet>`: the answer lists only the errors.
    pub quiet: bool,
}

impl DeleteRequest {
    /// Reads the body with quick-xml.
    ///
    /// # Errors
    ///
    /// S3's `MalformedXML` for a body that is not well-formed, whose root is not `Delete`,
    /// with an `<Object>` without `<Key>`, a `<Quiet>` that is not a boolean, no object, or
    /// more than 1000.
    pub fn parse(body: &[u8]) -> Result<DeleteRequest, S3Error> {
        let text = std::str::from_utf8(body).map_err(|_| S3Error::malformed_xml())?;
        let mut reader = Reader::from_str(text);
        let mut request = DeleteRequest::default();
        // The element path from the root, as local names, and the text of the innermost.
        let mut path: Vec<String> = Vec::new();
        let mut value = String::new();
        let mut current: Option<(Option<String>, Option<String>)> = None;
        let mut seen_root = false;
        loop {
            let event = reader.read_event().map_err(|_| S3Error::malformed_xml())?;
            match event {
                Event::Start(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    if path.is_empty() {
                        if seen_root || name != "Delete" {
                            return Err(S3Error::malformed_xml());
                        }
                        seen_root = true;
                    }
                    path.push(name);
                    if path == ["Delete", "Object"] {
                        current = Some((None, None));
                    }
                    value.clear();
                }
                Event::Empty(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    if path.is_empty() {
                        // `<Delete/>` names no object.
                        return Err(S3Error::malformed_xml());
                    }
                    path.push(name);
                    value.clear();
                    request.leave(&path, &value, &mut current)?;
                    path.pop();
                }
                Event::End(_) => {
                    request.leave(&path, &value, &mut current)?;
                    value.clear();
                    path.pop();
                }
                Event::Text(text) => value.push_str(&text.xml10_content()),
                Event::CData(data) => value.push_str(&data.xml10_content()),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => resolve_predefined_entity(&reference.xml10_content())
                            .ok_or_else(S3Error::malformed_xml)?
                            .to_owned(),
                        Err(_) => return Err(S3Error::malformed_xml()),
                    };
                    value.push_str(&resolved);
                }
                Event::DocType(_) => return Err(S3Error::malformed_xml()),
                Event::Eof if path.is_empty() && seen_root => break,
                Event::Eof => return Err(S3Error::malformed_xml()),
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            }
        }
        if request.objects.is_empty() || request.objects.len() > MAX_DELETE_KEYS {
            return Err(S3Error::malformed_xml());
        }
        Ok(request)
    }

    /// Takes in the element that `path` ends with, whose text is `value`.
    fn leave(
        &mut self,
        path: &[String],
        value: &str,
        current: &mut Option<(Option<String>, Option<String>)>,
    ) -> Result<(), S3Error> {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        match path.as_slice() {
            ["Delete", "Object", "Key"] => {
                if let Some((key, _)) = current {
                    *key = Some(value.to_owned());
                }
            }
            ["Delete", "Object", "VersionId"] => {
                if let Some((_, version)) = current {
                    *version = Some(value.to_owned());
                }
            }
            ["Delete", "Object"] => {
                let (key, version_id) = current.take().unwrap_or_default();
                let key = key.ok_or_else(S3Error::malformed_xml)?;
                if self.objects.len() == MAX_DELETE_KEYS {
                    return Err(S3Error::malformed_xml());
                }
                self.objects.push(DeleteTarget { key, version_id });
            }
            ["Delete", "Quiet"] => {
                self.quiet = match value.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(S3Error::malformed_xml()),
                };
            }
            _ => {}
        }
        Ok(())
    }
}

/// An S3 error answer: status, code, message and the extra elements some errors carry.
#[derive(Debug, Clone)]
pub struct S3Error {
    /// The HTTP status.
    pub status: u16,
    /// The `<Code>`.
    pub code: &'static str,
    /// The `<Message>`.
    pub message: String,
    /// Elements written between `<Message>` and `<RequestId>`, such as `<BucketName>`.
    pub extra: Vec<(&'static str, String)>,
}

impl S3Error {
    /// An error without extra elements.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        S3Error {
            status,
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    /// Adds an element to the body.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    /// `404 NoSuchBucket`.
    pub fn no_such_bucket(bucket: &str) -> Self {
        S3Error::new(404, "NoSuchBucket", "The specified bucket does not exist")
            .with("BucketName", bucket)
    }

    /// `404 NoSuchKey`.
    pub fn no_such_key(key: &str) -> Self {
        S3Error::new(404, "NoSuchKey", "The specified key does not exist.").with("Key", key)
    }

    /// `400 MalformedXML`.
    pub fn malformed_xml() -> Self {
        S3Error::new(400, "MalformedXML", bucket_cors::s3::MALFORMED_XML_MESSAGE)
    }

    /// `403 AccessDenied`.
    pub fn access_denied() -> Self {
        S3Error::new(403, "AccessDenied", "Access Denied")
    }

    /// `501 NotImplemented`.
    pub fn not_implemented() -> Self {
        S3Error::new(
            501,
            "NotImplemented",
            "A header or query you provided implies functionality that is not implemented.",
        )
    }

    /// S3's XML error body.
    pub fn to_xml(&self, request_id: &str, host_id: &str) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
        element(&mut out, "Code", self.code);
        element(&mut out, "Message", &self.message);
        for (name, value) in &self.extra {
            element(&mut out, name, value);
        }
        element(&mut out, "RequestId", request_id);
        element(&mut out, "HostId", host_id);
        out.push_str("</Error>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates_are_written_as_s3_writes_them() {
        let t = UNIX_EPOCH + Duration::from_millis(784_111_777_123);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(iso_date(t), "1994-11-06T08:49:37.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(http_date(leap), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn percent_coding_round_trips() {
        assert_eq!(percent_decode("a%20b+c").unwrap(), "a b+c");
        assert!(percent_decode("%zz").is_none());
        assert!(percent_decode("%2").is_none());
        assert!(percent_decode("%ff").is_none());
        assert_eq!(percent_encode("dir/a b&ü~"), "dir/a%20b%26%C3%BC~");
    }

    #[test]
    fn query_keeps_valueless_parameters() {
        let q = Query::parse(Some("cors&list-type=2&prefix=a%2Fb")).unwrap();
        assert!(q.has("cors"));
        assert_eq!(q.get("cors"), Some(""));
        assert_eq!(q.get("prefix"), Some("a/b"));
        assert_eq!(q.get("missing"), None);
        let plus = Query::parse(Some("prefix=a+b%2Bc")).unwrap();
        assert_eq!(plus.get("prefix"), Some("a b+c"));
        assert!(Query::parse(Some("prefix=%zz")).is_none());
        assert!(Query::parse(Some("prefix=%C3&x=%A9")).is_none());
    }

    #[test]
    fn delete_objects_bodies_are_read_with_their_keys_versions_and_quiet() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Object><Key> a &amp; b.txt</Key></Object>
  <Object><Key>dir/&#x3C;c&gt;</Key><VersionId>null</VersionId></Object>
  <Quiet>true</Quiet>
</Delete>"#;
        let request = DeleteRequest::parse(body).unwrap();
        assert!(request.quiet);
        assert_eq!(
            request.objects,
            vec![
                DeleteTarget {
                    key: " a & b.txt".into(),
                    version_id: None,
                },
                DeleteTarget {
                    key: "dir/<c>".into(),
                    version_id: Some("null".into()),
                },
            ]
        );
        // Without the namespace, and without Quiet.
        let plain =
            DeleteRequest::parse(b"<Delete><Object><Key>k</Key></Object></Delete>").unwrap();
        assert!(!plain.quiet);
        assert_eq!(plain.objects.len(), 1);
        // An empty key is still a key.
        let empty = DeleteRequest::parse(b"<Delete><Object><Key/></Object></Delete>").unwrap();
        assert_eq!(empty.objects[0].key, "");
    }

    #[test]
    fn malformed_delete_objects_bodies_are_refused() {
        let many = |n: usize| {
            let mut body = String::from("<Delete>");
            for i in 0..n {
                body.push_str(&format!("<Object><Key>k{i}</Key></Object>"));
            }
            body + "</Delete>"
        };
        assert_eq!(
            DeleteRequest::parse(many(1000).as_bytes())
                .unwrap()
                .objects
                .len(),
            1000
        );
        for body in [
            many(1001),
            many(0),
            "<Delete/>".to_owned(),
            "<Remove><Object><Key>k</Key></Object></Remove>".to_owned(),
            "<Delete><Object><VersionId>null</VersionId></Object></Delete>".to_owned(),
            "<Delete><Object><Key>k</Key></Object><Quiet>yes</Quiet></Delete>".to_owned(),
            "<Delete><Object><Key>k</Key></Object>".to_owned(),
            "<Delete><Object><Key>k</Wrong></Object></Delete>".to_owned(),
            "<Delete><Object><Key>&nope;</Key></Object></Delete>".to_owned(),
            "not xml".to_owned(),
        ] {
            let err = DeleteRequest::parse(body.as_bytes()).unwrap_err();
            assert_eq!((err.status, err.code), (400, "MalformedXML"), "{body}");
        }
        assert_eq!(
            DeleteRequest::parse(b"\xff").unwrap_err().code,
            "MalformedXML"
        );
    }

    #[test]
    fn error_body_escapes_and_orders_elements() {
        let body = S3Error::new(404, "NoSuchCORSConfiguration", "a<b")
            .with("BucketName", "b&c")
            .to_xml("R", "H");
        assert!(body.ends_with(
            "<Error><Code>NoSuchCORSConfiguration</Code><Message>a&lt;b</Message>\
             <BucketName>b&amp;c</BucketName><RequestId>R</RequestId><HostId>H</HostId></Error>"
        ));
    }
}
