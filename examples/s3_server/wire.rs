//! Small pieces of S3's wire format: XML escaping, dates, URL decoding and encoding, the
//! query string and the error body.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// Appends `text` to `out` with XML's five special characters escaped.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// Appends `<name>text</name>` with the text escaped.
pub fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_into(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Seconds since the Unix epoch and the calendar date and time they name (UTC).
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
    weekday: usize,
}

fn civil(time: SystemTime) -> Civil {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: (rem % 3600 / 60) as u32,
        second: (rem % 60) as u32,
        millis: since.subsec_millis(),
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

/// An HTTP date: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(time: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = civil(time);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[c.weekday],
        c.day,
        MONTHS[c.month as usize - 1],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// An ISO 8601 timestamp as S3 writes it in listings: `2024-01-31T12:00:00.000Z`.
pub fn iso_date(time: SystemTime) -> String {
    let c = civil(time);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`). `None` when an escape is
/// broken or the result is not UTF-8.
pub fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Encodes everything but RFC 3986's unreserved characters and `/`, as S3 does for
/// `encoding-type=url`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The query string's parameters, decoded, in order. A parameter without `=` has an empty
/// value (`?cors`).
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Reads a raw query string. `None` when a parameter cannot be decoded.
    pub fn parse(raw: Option<&str>) -> Option<Query> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((percent_decode(name, true)?, percent_decode(value, true)?));
        }
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
    use std::time::Duration;

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
        assert_eq!(percent_decode("a%20b+c", true).unwrap(), "a b c");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert!(percent_decode("%zz", false).is_none());
        assert!(percent_decode("%ff", false).is_none());
        assert_eq!(percent_encode("dir/a b&ü"), "dir/a%20b%26%C3%BC");
    }

    #[test]
    fn query_keeps_valueless_parameters() {
        let q = Query::parse(Some("cors&list-type=2&prefix=a%2Fb")).unwrap();
        assert!(q.has("cors"));
        assert_eq!(q.get("cors"), Some(""));
        assert_eq!(q.get("prefix"), Some("a/b"));
        assert_eq!(q.get("missing"), None);
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
