//! Character classes of HTTP and the S3 document: tokens, field values, lists.
//!
//! One home for the byte-level rules the validator, the engine and the diagnostics share.

/// [`is_tchar`] as a table.
pub(crate) static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_tchar(b as u8);
        b += 1;
    }
    table
};

/// True for an HTTP token (RFC 9110 `tchar`s only), which includes `*`.
pub(crate) fn is_token(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(is_tchar)
}

pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`'
        | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}
