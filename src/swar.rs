//! Word-at-a-time byte tests ("SIMD within a register"): eight bytes of a slice are loaded
//! into a `u64` and tested together with plain integer arithmetic, which needs no `unsafe`
//! and no target features. Each test returns a mask holding the high bit of every byte that
//! passes, so `trailing_zeros() / 8` is the first such byte (words are little-endian).
//!
//! `evaluate` uses [`load_word`], [`short_word`] and [`bytes_in`] (through
//! `syntax::not_plain`): the header-list scan, the header index's word compares and the
//! origin hash; `syntax::list_items` records the measurement that backs them. The cold-path
//! users (validation, and [`find2`]/[`find3`] in the XML reader) are to move off this module.

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
}
