//! Word-at-a-time byte tests ("SIMD within a register"): eight bytes of a slice are loaded
//! into a `u64` and tested together with plain integer arithmetic, which needs no `unsafe`
//! and no target features. Each test returns a mask holding the high bit of every byte that
//! passes, so `trailing_zeros() / 8` is the first such byte (words are little-endian).
//!
//! `evaluate` uses [`load_word`], [`short_word`] and [`bytes_in`] (through
//! `syntax::not_plain`): the header-list scan, the header index's word compares and the
//! origin hash; `syntax::list_items` records the measurement that backs them. The cold-path
//! users (validation, and [`find2`]/[`find3`] in the XML reader) are to move off this module.

use memchr::{memchr2, memchr3};

/// One in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
pub(crate) const HIGH: u64 = ONES * 0x80;

/// Up to 8 bytes as a little-endian word, zero-padded.
#[inline]
pub(crate) fn short_word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let len = bytes.len().min(8);
    word[..len].copy_from_slice(&bytes[..len]);
    u64::from_le_bytes(word)
}

/// The 8 bytes of `bytes` from `at` as a little-endian word, zero-padded past the end,
/// without a `memcpy`. `at` is below `bytes.len()`.
#[inline]
pub(crate) fn load_word(bytes: &[u8], at: usize) -> u64 {
    if let Some(word) = bytes.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
        return u64::from_le_bytes(*word);
    }
    match bytes.last_chunk::<8>() {
        // The last word holds the wanted bytes at its top; shift them down.
        Some(last) if at < bytes.len() => u64::from_le_bytes(*last) >> (8 * (at + 8 - bytes.len())),
        _ => bytes.get(at..).map_or(0, short_word),
    }
}

/// The high bit of each byte of `word` that is `lo..=hi`, for bytes below 0x80. `lo` is at
/// least 1, so no sum carries into the next byte.
#[inline]
pub(crate) const fn bytes_in(low7: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = low7 + ONES * (0x80 - lo as u64);
    let above_hi = low7 + ONES * (0x7f - hi as u64);
    at_least_lo & !above_hi & HIGH
}

/// The high bit of each zero byte of `word`, exactly (no borrow reaches the next byte).
#[inline]
pub(crate) const fn zero_bytes(word: u64) -> u64 {
    !(((word & !HIGH) + !HIGH) | word) & HIGH
}

/// The high bit of each byte of `word` equal to `byte`.
#[inline]
pub(crate) const fn bytes_eq(word: u64, byte: u8) -> u64 {
    zero_bytes(word ^ splat(byte))
}

/// The high bit of each byte of `word` below 0x20 (a C0 control character).
#[inline]
pub(crate) const fn control_bytes(word: u64) -> u64 {
    !((word & !HIGH) + ONES * 0x60) & !word & HIGH
}

/// `byte` in every byte of a word.
#[inline]
pub(crate) const fn splat(byte: u8) -> u64 {
    ONES * byte as u64
}

/// How far [`find`] looks word by word before it hands over to `memchr`.
const SHORT: usize = 32;

/// The first position of `a` or `b` in `bytes` (neither may be zero). Most distances in a
/// CORS document are a few dozen bytes, where `memchr`'s vectorised search spends more
/// setting up than searching, so the first [`SHORT`] bytes are tested a word at a time and
/// `memchr` takes the rest.
#[inline]
pub(crate) fn find2(bytes: &[u8], a: u8, b: u8) -> Option<usize> {
    find(
        bytes,
        |w| bytes_eq(w, a) | bytes_eq(w, b),
        |r| memchr2(a, b, r),
    )
}

/// [`find2`] for three bytes.
#[inline]
pub(crate) fn find3(bytes: &[u8], a: u8, b: u8, c: u8) -> Option<usize> {
    find(
        bytes,
        |w| bytes_eq(w, a) | bytes_eq(w, b) | bytes_eq(w, c),
        |r| memchr3(a, b, c, r),
    )
}

/// The first position in `bytes` whose byte `marks` flags: the first [`SHORT`] bytes a word
/// at a time, then `long` (a `memchr` search for the same bytes). `marks` must not flag a
/// zero byte: the last word is zero-padded.
#[inline(always)]
fn find(
    bytes: &[u8],
    marks: impl Fn(u64) -> u64,
    long: impl FnOnce(&[u8]) -> Option<usize>,
) -> Option<usize> {
    let mut at = 0;
    while at < bytes.len() {
        if at >= SHORT {
            return long(&bytes[at..]).map(|i| at + i);
        }
        let found = marks(load_word(bytes, at));
        if found != 0 {
            let i = at + (found.trailing_zeros() / 8) as usize;
            return (i < bytes.len()).then_some(i);
        }
        at += 8;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_load_padded_at_the_end() {
        let bytes = b"abcdefghij";
        assert_eq!(load_word(bytes, 0), u64::from_le_bytes(*b"abcdefgh"));
        assert_eq!(load_word(bytes, 4), u64::from_le_bytes(*b"efghij\0\0"));
        assert_eq!(load_word(bytes, 9), u64::from(b'j'));
        assert_eq!(load_word(b"abc", 1), u64::from_le_bytes(*b"bc\0\0\0\0\0\0"));
    }

    #[test]
    fn byte_tests_flag_exactly_their_bytes() {
        let word = u64::from_le_bytes(*b"a\0*\x1f \x7f\xef\x80");
        assert_eq!(zero_bytes(word), 0x80 << 8);
        assert_eq!(bytes_eq(word, b'*'), 0x80 << 16);
        assert_eq!(control_bytes(word), (0x80 << 8) | (0x80 << 24));
        assert_eq!(bytes_eq(word, 0xef), 0x80 << 48);
        assert_eq!(bytes_eq(word, 0x80), 0x80 << 56);
        assert_eq!(bytes_eq(word, 0x7f), 0x80 << 40);
        // Every byte value, in every position, against a byte-by-byte answer.
        for b in 0..=255u8 {
            for at in 0..8 {
                let word = splat(b'x') & !(0xff << (8 * at)) | (u64::from(b) << (8 * at));
                let flag = 0x80 << (8 * at);
                assert_eq!(zero_bytes(word) == flag, b == 0, "{b:#x} at {at}");
                assert_eq!(control_bytes(word) == flag, b < 0x20, "{b:#x} at {at}");
                assert_eq!(bytes_eq(word, b'<') == flag, b == b'<', "{b:#x} at {at}");
            }
        }
    }

    #[test]
    fn find_agrees_with_a_byte_search_at_every_length() {
        let search = |r: &[u8], set: &[u8]| r.iter().position(|b| set.contains(b));
        for len in 0..80 {
            for at in 0..=len {
                let mut bytes = vec![b'a'; len];
                if at < len {
                    bytes[at] = [b'<', b'&', b'>'][at % 3];
                }
                assert_eq!(
                    find2(&bytes, b'<', b'&'),
                    search(&bytes, b"<&"),
                    "{len} {at}"
                );
                let three = find3(&bytes, b'<', b'&', b'>');
                assert_eq!(three, search(&bytes, b"<&>"), "{len} {at}");
            }
        }
    }
}
