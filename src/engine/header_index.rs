//! The header index: which rules allow a requested header name, as a bit set, whatever the
//! number of rules; and the walk over an `Access-Control-Request-Headers` list that looks up
//! each name once.

use std::borrow::Cow;

use super::origin_index::{FxMap, OriginIndex, head_word};
use super::pattern::{Pattern, parts_match};
use super::{RuleSet, rule_bit};
use crate::request::HeaderLines;
use crate::swar::load_word;
use crate::syntax::{TOKEN_LOWER, list_items};

/// Requested header names up to this length are lower-cased into a stack buffer and looked
/// up in the [`HeaderIndex`]; longer ones (rare) take the slower case-insensitive path.
pub(crate) const NAME_BUF: usize = 64;

/// Up to this many distinct exact or `prefix*` entries are matched by a linear scan of
/// word compares; more go through hash maps.
const SMALL_ENTRIES: usize = 32;

/// Up to this many distinct entries with a suffix after the `*` are matched one by one;
/// more go through the hash maps too, so a name's cost does not grow with their number.
const SMALL_GENERAL: usize = 8;

/// Every rule's `AllowedHeader` entries, lower-cased and deduplicated, each with the rules
/// that list it: "which rules allow this requested name" is one pass over a few entries (or
/// a few hash lookups), whatever the number of rules.
#[derive(Debug, Clone)]
pub(crate) struct HeaderIndex {
    /// Rules that list `*`.
    any: RuleSet,
    /// Exact and `prefix*` entries, when there are few, sorted by [`bucket`] of their first
    /// byte.
    small: Box<[HeaderEntry]>,
    /// The bytes of the `small` entries longer than 16 bytes, one after another.
    small_text: Box<[u8]>,
    /// `small[first[k]..first[k + 1]]` are the entries whose first byte is in bucket `k`
    /// (its low five bits: every lower-case letter has its own), held inline: 33 bytes
    /// where a table by byte took a 257-byte block.
    first: [u8; BUCKETS + 1],
    /// Entries with a suffix after the `*`, when the entries are few.
    general: Box<[(Pattern, RuleSet)]>,
    /// Every entry, when there are many.
    large: Option<Box<Large>>,
}

/// The header index of many entries: hash tables, looked up in place (names longer than
/// [`NAME_BUF`] are hashed and compared ignoring case).
#[derive(Debug, Clone)]
struct Large {
    index: OriginIndex,
}

impl Large {
    /// `None` when the entries outgrow 4 GiB of text.
    fn new(distinct: &[(&str, RuleSet)]) -> Option<Large> {
        let mut index = OriginIndex::default();
        index.reserve(distinct.len());
        for (text, bits) in distinct {
            if !index.insert_value(text.as_bytes(), bits) {
                return None;
            }
        }
        index.finish();
        Some(Large { index })
    }
}

impl Default for HeaderIndex {
    fn default() -> Self {
        HeaderIndex {
            any: 0,
            small: Box::default(),
            small_text: Box::default(),
            first: [0; BUCKETS + 1],
            general: Box::default(),
            large: None,
        }
    }
}

/// The buckets of first bytes that narrow the scan of the `small` entries.
const BUCKETS: usize = 32;

/// The bucket of a name's first byte (the low byte of its head word).
#[inline(always)]
fn bucket(head: u64) -> usize {
    usize::from(head as u8) % BUCKETS
}

/// An exact or `prefix*` entry, with its first and last words ready for one-instruction
/// compares.
#[derive(Debug, Clone)]
struct HeaderEntry {
    /// The entry's first 8 bytes (fewer for a short entry), little-endian, zero-padded.
    head: u64,
    /// Which bytes of `head` count.
    mask: u64,
    /// The entry's last 8 bytes, when it is longer than 8.
    tail: u64,
    /// Where the exact name, or the prefix before `*`, starts in the index's text (which
    /// keeps only entries longer than 16 bytes).
    start: u32,
    /// Its length.
    len: u8,
    exact: bool,
    rules: RuleSet,
}

/// The rules of a large header index that allow `name`.
#[inline(never)]
fn large_allowing(large: &Large, name: &[u8]) -> RuleSet {
    let (exact, wild) = large.index.matching(name);
    exact | wild
}

impl HeaderEntry {
    /// Whether the lower-case `name` (with `head` its first word) is this entry, or starts
    /// with it for a `prefix*` entry; `text` is the index's text.
    #[inline(always)]
    fn matches(&self, text: &[u8], name: &[u8], head: u64) -> bool {
        let len = usize::from(self.len);
        if head & self.mask != self.head || name.len() < len || (self.exact && name.len() != len) {
            return false;
        }
        if len <= 8 {
            return true;
        }
        let tail = name
            .get(len - 8..len)
            .and_then(|w| w.first_chunk::<8>())
            .map(|w| u64::from_le_bytes(*w));
        tail == Some(self.tail) && (len <= 16 || name.get(8..len) == self.long_bytes(text).get(8..))
    }

    /// The bytes of an entry longer than 16 bytes, kept in the index's text.
    fn long_bytes<'t>(&self, text: &'t [u8]) -> &'t [u8] {
        let start = self.start as usize;
        text.get(start..start + usize::from(self.len))
            .unwrap_or_default()
    }

    /// The exact name, or the prefix before `*`: from the text, or for an entry of at most
    /// 16 bytes (which the text does not keep), from its first and last words.
    fn bytes<'t>(&self, text: &'t [u8], buf: &'t mut [u8; 16]) -> &'t [u8] {
        let len = usize::from(self.len);
        if len > 16 {
            return self.long_bytes(text);
        }
        buf[..8].copy_from_slice(&self.head.to_le_bytes());
        if len > 8 {
            buf[len - 8..len].copy_from_slice(&self.tail.to_le_bytes());
        }
        &buf[..len]
    }
}

impl HeaderIndex {
    /// Indexes every rule's `AllowedHeader` entries (entries with more than one `*` never
    /// reach here: validation refuses them, and they are skipped).
    ///
    /// Compiling runs once per stored configuration, but a 64 KB document can hold a few
    /// thousand entries, so this allocates little per entry: an entry already in lower case
    /// is borrowed, duplicates are merged through a map that borrows them, and the copy kept
    /// for long names is one string for all entries.
    ///
    /// `None` when the entries outgrow 4 GiB of text.
    pub(crate) fn new<'a>(rules: impl Iterator<Item = &'a [String]>) -> Option<Self> {
        let mut index = HeaderIndex::default();
        let mut entries: Vec<(Cow<'a, str>, RuleSet)> = Vec::new();
        for (rule, rule_entries) in rules.enumerate() {
            for entry in rule_entries {
                let lower = if entry.bytes().any(|b| b.is_ascii_uppercase()) {
                    Cow::Owned(entry.to_ascii_lowercase())
                } else {
                    Cow::Borrowed(entry.as_str())
                };
                match lower.bytes().filter(|&b| b == b'*').count() {
                    0 => {}
                    1 if *lower == *"*" => {
                        index.any |= rule_bit(rule);
                        continue;
                    }
                    1 => {}
                    _ => continue,
                }
                entries.push((lower, rule_bit(rule)));
            }
        }
        // Merge duplicates into the first of each, by a map that borrows the entries.
        let mut first: FxMap<&str, usize> = FxMap::default();
        first.reserve(entries.len());
        let mut distinct: Vec<(&str, RuleSet)> = Vec::with_capacity(entries.len());
        for (text, bits) in &entries {
            match first.get(&**text) {
                Some(&at) => distinct[at].1 |= bits,
                None => {
                    first.insert(text, distinct.len());
                    distinct.push((text, *bits));
                }
            }
        }
        // Exact and `prefix*` entries.
        let simple = distinct
            .iter()
            .filter(|(text, _)| text.split_once('*').is_none_or(|(_, s)| s.is_empty()))
            .count();
        let general = distinct.len() - simple;
        if simple > SMALL_ENTRIES || general > SMALL_GENERAL {
            index.large = Some(Box::new(Large::new(&distinct)?));
            return Some(index);
        }
        let mut small = Vec::with_capacity(simple);
        let mut text = Vec::with_capacity(distinct.iter().map(|(t, _)| t.len()).sum());
        let mut general = Vec::new();
        for (entry, bits) in &distinct {
            let Some(pattern) = Pattern::build(entry, true) else {
                continue;
            };
            if !pattern.suffix().is_empty() {
                general.push((pattern, *bits));
                continue;
            }
            let bytes = pattern.prefix_or_exact().as_bytes();
            let (Ok(start), Ok(len)) = (u32::try_from(text.len()), u8::try_from(bytes.len()))
            else {
                // Longer than any token S3 keeps (validation caps a document at 64 KB, but
                // lenient options may not): matched as a general pattern instead.
                general.push((pattern, *bits));
                continue;
            };
            if bytes.is_empty() {
                continue;
            }
            // Entries of up to 16 bytes are whole in `head` and `tail`.
            if bytes.len() > 16 {
                text.extend_from_slice(bytes);
            }
            small.push(HeaderEntry {
                head: head_word(bytes),
                mask: len_mask(bytes.len().min(8)),
                tail: bytes
                    .last_chunk::<8>()
                    .map_or(0, |w| u64::from_le_bytes(*w)),
                start,
                len,
                exact: !pattern.is_wildcard(),
                rules: *bits,
            });
        }
        small.sort_by_key(|entry| bucket(entry.head));
        for (k, slot) in index.first.iter_mut().enumerate() {
            let before = small.iter().filter(|e| bucket(e.head) < k).count();
            // At most SMALL_ENTRIES (32) entries.
            *slot = u8::try_from(before).unwrap_or(u8::MAX);
        }
        index.small = small.into_boxed_slice();
        index.small_text = text.into_boxed_slice();
        index.general = general.into_boxed_slice();
        Some(index)
    }

    /// The rules with an entry that allows `name`, which is lower case; `head` is
    /// [`name_head`] of it.
    #[inline(always)]
    pub(crate) fn allowing(&self, name: &[u8], head: u64) -> RuleSet {
        let mut rules = self.any;
        if let Some(large) = &self.large {
            return rules | large_allowing(large, name);
        }
        let k = bucket(head);
        let entries = match self.first.get(k..k + 2) {
            Some(&[from, to]) => self
                .small
                .get(usize::from(from)..usize::from(to))
                .unwrap_or_default(),
            _ => &[],
        };
        for entry in entries {
            if entry.matches(&self.small_text, name, head) {
                rules |= entry.rules;
            }
        }
        for (pattern, bits) in &self.general {
            if pattern.is_match_bytes(name) {
                rules |= bits;
            }
        }
        rules
    }

    /// As [`HeaderIndex::allowing`], for a name in any case (the slow path for long names).
    pub(crate) fn allowing_any_case(&self, name: &str) -> RuleSet {
        let name = name.as_bytes();
        let mut rules = self.any;
        let Some(large) = &self.large else {
            for entry in &self.small {
                let suffix = (!entry.exact).then_some(&b""[..]);
                let mut buf = [0; 16];
                if parts_match(entry.bytes(&self.small_text, &mut buf), suffix, name, true) {
                    rules |= entry.rules;
                }
            }
            for (pattern, bits) in &self.general {
                if pattern.is_match_bytes(name) {
                    rules |= bits;
                }
            }
            return rules;
        };
        rules | large.index.matching_any_case(name)
    }

    /// The candidates that allow every name of the list, in any number of lines; `None`
    /// when a name is not an HTTP token (no rule allows it) or no candidate is left. The
    /// list is present (not [`HeaderLines::is_absent`]).
    #[inline]
    pub(crate) fn allowing_list(
        &self,
        mut candidates: RuleSet,
        lines: HeaderLines<'_>,
    ) -> Option<RuleSet> {
        // Every candidate allows every name (`AllowedHeader *`): only tokens are checked.
        let check_names = candidates & !self.any != 0;
        if let Some(line) = lines.single() {
            return self.allowing_line(candidates, line, check_names);
        }
        for line in lines.lines() {
            candidates = self.allowing_line(candidates, line, check_names)?;
        }
        Some(candidates)
    }

    /// [`HeaderIndex::allowing_list`] for one line: each item is looked up once. Names as
    /// browsers send them (lower-case letters, digits, `-`) are looked up in place; others are
    /// lower-cased into a buffer byte by byte.
    #[inline]
    fn allowing_line(
        &self,
        mut candidates: RuleSet,
        line: &str,
        check_names: bool,
    ) -> Option<RuleSet> {
        for item in list_items(line) {
            let name = item.bytes;
            let allowed = if !item.plain {
                self.odd_name(name, check_names, candidates)?
            } else if check_names {
                self.allowing(name, name_head(name, 0, name.len()))
            } else {
                candidates
            };
            candidates &= allowed;
            if candidates == 0 {
                return None;
            }
        }
        Some(candidates)
    }

    /// A name with upper-case letters or rarer bytes: lower-cased into a buffer byte by
    /// byte. The rules that allow it; `None` when it is not a token.
    #[cold]
    fn odd_name(&self, name: &[u8], check_names: bool, candidates: RuleSet) -> Option<RuleSet> {
        let mut lower = [0u8; NAME_BUF];
        for (at, &b) in name.iter().enumerate() {
            let byte = TOKEN_LOWER[usize::from(b)];
            if byte == 0 {
                return None;
            }
            // The index wraps for names longer than the buffer, which take the slow path.
            lower[at % NAME_BUF] = byte;
        }
        if !check_names {
            return Some(candidates);
        }
        Some(match lower.get(..name.len()) {
            Some(lower) => self.allowing(lower, name_head(lower, 0, lower.len())),
            // A token is ASCII, so this is text.
            None => self.allowing_any_case(std::str::from_utf8(name).unwrap_or_default()),
        })
    }
}

/// [`head_word`] of the name `bytes[at..at + len]`.
#[inline]
pub(crate) fn name_head(bytes: &[u8], at: usize, len: usize) -> u64 {
    load_word(bytes, at) & len_mask(len)
}

/// The mask of the first `len` (at most 8) bytes of a little-endian word.
#[inline]
pub(crate) const fn len_mask(len: usize) -> u64 {
    if len >= 8 {
        u64::MAX
    } else {
        (1u64 << (len * 8)) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules whose entries match `name`, straight from the patterns.
    fn reference(rules: &[Vec<String>], name: &str) -> RuleSet {
        let mut set = 0;
        for (i, entries) in rules.iter().enumerate() {
            if entries
                .iter()
                .filter_map(|e| Pattern::header(e))
                .any(|p| p.is_match(name))
            {
                set |= rule_bit(i);
            }
        }
        set
    }

    fn rules(count: usize) -> Vec<Vec<String>> {
        (0..count)
            .map(|i| match i % 6 {
                0 => vec![format!("X-Name-{i}"), "content-type".to_owned()],
                1 => vec![format!("x-pre-{i}-*")],
                2 => vec![format!("*-suf-{i}")],
                3 => vec![format!("in-{i}*-fix")],
                4 => vec!["*".to_owned()],
                _ => vec![
                    format!("a-much-longer-exact-header-name-{i}"),
                    "x-amz-*".to_owned(),
                ],
            })
            .collect()
    }

    #[test]
    fn header_index_agrees_with_the_patterns_small_and_large() {
        for count in [6, 12, 90] {
            let rules = rules(count);
            let index = HeaderIndex::new(rules.iter().map(Vec::as_slice)).unwrap();
            assert_eq!(index.large.is_some(), count == 90, "{count} rules");
            let mut names: Vec<String> = vec![
                "content-type".into(),
                "x-amz-date".into(),
                "x-amz-".into(),
                "x-am".into(),
                "other".into(),
            ];
            for i in 0..count {
                names.extend([
                    format!("x-name-{i}"),
                    format!("x-pre-{i}-tail"),
                    format!("x-pre-{i}-"),
                    format!("lead-suf-{i}"),
                    format!("-suf-{i}"),
                    format!("in-{i}-fix"),
                    format!("in-{i}xx-fix"),
                    format!("in-{i}"),
                    format!("a-much-longer-exact-header-name-{i}"),
                    format!("a-much-longer-exact-header-name-{i}x"),
                ]);
            }
            for name in &names {
                let lower = name.to_ascii_lowercase();
                let expected = reference(&rules, name);
                let head = name_head(lower.as_bytes(), 0, lower.len());
                assert_eq!(index.allowing(lower.as_bytes(), head), expected, "{name}");
                assert_eq!(index.allowing_any_case(name), expected, "{name}");
            }
        }
    }

    #[test]
    fn many_patterns_with_a_suffix_go_through_the_hash_maps() {
        let rules: Vec<Vec<String>> = vec![
            (0..40).map(|i| format!("p{i}.*-s{}", i % 3)).collect(),
            vec!["content-type".to_owned()],
        ];
        let index = HeaderIndex::new(rules.iter().map(Vec::as_slice)).unwrap();
        assert!(index.large.is_some());
        for name in [
            "p7.x-s1",
            "p7.-s1",
            "p7.x-s2",
            "p39.q-s0",
            "content-type",
            "p1",
        ] {
            let head = name_head(name.as_bytes(), 0, name.len());
            assert_eq!(
                index.allowing(name.as_bytes(), head),
                reference(&rules, name),
                "{name}"
            );
        }
    }

    #[test]
    fn lists_in_one_or_many_lines() {
        let rules = [
            vec!["content-type".to_owned(), "x-amz-*".to_owned()],
            vec!["*".to_owned()],
        ];
        let index = HeaderIndex::new(rules.iter().map(Vec::as_slice)).unwrap();
        let both = rule_bit(0) | rule_bit(1);
        let one = |line| index.allowing_list(both, HeaderLines::one(line));
        assert_eq!(one("content-type, X-Amz-Date"), Some(both));
        assert_eq!(one(" ,content-type,, "), Some(both));
        assert_eq!(one("authorization"), Some(rule_bit(1)));
        assert_eq!(one("a b"), None);
        assert_eq!(one("content-type x"), None);
        let lines = ["content-type", "authorization"];
        assert_eq!(
            index.allowing_list(both, HeaderLines::many(&lines)),
            Some(rule_bit(1))
        );
        let long = format!("x-amz-{}", "A".repeat(80));
        assert_eq!(one(&long), Some(both));
    }
}
