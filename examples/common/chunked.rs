//! The `aws-chunked` body encoding SDKs use for streaming uploads:
//! `<hex size>[;chunk-signature=…]\r\n<data>\r\n`, repeated, then a zero-size chunk, optional
//! trailer lines `name:value\r\n`, and an empty line. Chunk and trailer signatures are not
//! checked (the example servers check no signature).

/// A decoded `aws-chunked` body: the payload and the trailer fields.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Unchunked {
    /// The payload.
    pub body: Vec<u8>,
    /// The trailer fields, names lower-cased and values trimmed, without the trailer
    /// signature.
    pub trailers: Vec<(String, String)>,
}

/// A body that does not follow the encoding; S3 answers `400 IncompleteBody`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incomplete;

/// One CRLF-terminated line from `at`, and where the next starts.
fn line(input: &[u8], at: usize) -> Result<(&[u8], usize), Incomplete> {
    let rest = input.get(at..).ok_or(Incomplete)?;
    let end = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or(Incomplete)?;
    Ok((&rest[..end], at + end + 2))
}

/// Decodes an `aws-chunked` body. Linear in the body; the payload is at most its size.
///
/// # Errors
///
/// [`Incomplete`] for a body that does not follow the encoding.
pub fn decode_aws_chunked(input: &[u8]) -> Result<Unchunked, Incomplete> {
    let mut out = Unchunked::default();
    let mut at = 0;
    loop {
        let (size_line, next) = line(input, at)?;
        let size = size_line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size)
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .ok_or(Incomplete)?;
        at = next;
        if size == 0 {
            break;
        }
        let end = at.checked_add(size).ok_or(Incomplete)?;
        out.body
            .extend_from_slice(input.get(at..end).ok_or(Incomplete)?);
        if input.get(end..end + 2) != Some(b"\r\n".as_slice()) {
            return Err(Incomplete);
        }
        at = end + 2;
    }
    // Trailers, up to an empty line or the end of the body.
    while at < input.len() {
        let (field, next) = line(input, at)?;
        at = next;
        if field.is_empty() {
            break;
        }
        let text = std::str::from_utf8(field).map_err(|_| Incomplete)?;
        let (name, value) = text.split_once(':').ok_or(Incomplete)?;
        let name = name.trim().to_ascii_lowercase();
        if !name.starts_with("x-amz-trailer-signature") {
            out.trailers.push((name, value.trim().to_owned()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_chunked_bodies_decode_with_trailers() {
        let raw = b"5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\nx-amz-trailer-signature:00\r\n\r\n";
        let out = decode_aws_chunked(raw).unwrap();
        assert_eq!(out.body, b"hello world");
        assert_eq!(
            out.trailers,
            vec![("x-amz-checksum-crc32".to_owned(), "DUoRhQ==".to_owned())]
        );
        let plain = decode_aws_chunked(b"0\r\n\r\n").unwrap();
        assert!(plain.body.is_empty() && plain.trailers.is_empty());
    }

    #[test]
    fn broken_aws_chunked_bodies_are_refused() {
        for raw in [
            b"5\r\nhel".as_slice(),
            b"5\r\nabc",
            b"zz\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"5",
            b"ffffffffffffffffff\r\n",
        ] {
            assert_eq!(decode_aws_chunked(raw), Err(Incomplete), "{raw:?}");
        }
    }
}
