//! XML text escaping, for S3's error bodies and the XML codecs' output.

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
