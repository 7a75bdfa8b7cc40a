//! The header index: which rules allow a requested header name, as a bit set, whatever the
//! number of rules; and the walk over an `Access-Control-Request-Headers` list that looks up
//! each name once.

use super::origin_index::{FxMap, OriginIndex, head_word};
use super::pattern::{Pattern, parts_match};
use super::stored::{List, Packer};
use super::{RuleSet, rule_bit};
use crate::error::ConfigError;
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
///
/// The entries' bytes are ranges of the engine's packed text (an entry with upper-case
/// letters as a lower-cased copy appended to it), which every lookup is given.
#[derive(Debug, Clone)]
pub(crate) struct HeaderIndex {
    /// Rules that list `*`.
    any: RuleSet,
    /// Exact and `prefix*` entries, when there are few, sorted by [`bucket`] of their first
    /// byte.
    small: Box<[HeaderEntry]>,
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
    /// The index of the `distinct` entries, ranges of `text`.
    fn new(text: &[u8], distinct: &[Distinct]) -> Large {
        let mut index = OriginIndex::default();
        index.reserve(text, distinct.len());
        for entry in distinct {
            index.insert_value(text, entry.start, entry.len, &entry.rules);
        }
        index.finish(text);
        Large { index }
    }
}

/// A distinct lower-case entry: a range of the text, and the rules that list it.
#[derive(Debug, Clone, Copy)]
struct Distinct {
    start: u32,
    len: u32,
    rules: RuleSet,
}

impl Default for HeaderIndex {
    fn default() -> Self {
        HeaderIndex {
            any: 0,
            small: Box::default(),
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
    /// Where the exact name, or the prefix before `*`, starts in the engine's text (read
    /// only for entries longer than 16 bytes).
    start: u32,
    /// Its length.
    len: u8,
    exact: bool,
    rules: RuleSet,
}

/// The rules of a large header index that allow `name`.
#[inline(never)]
fn large_allowing(large: &Large, text: &[u8], name: &[u8]) -> RuleSet {
    let (exact, wild) = large.index.matching(text, name);
    exact | wild
}

impl HeaderEntry {
    /// Whether the lower-case `name` (with `head` its first word) is this entry, or starts
    /// with it for a `prefix*` entry; `text` is the engine's text.
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

    /// The bytes of an entry longer than 16 bytes, read from the engine's text.
    fn long_bytes<'t>(&self, text: &'t [u8]) -> &'t [u8] {
        let start = self.start as usize;
        text.get(start..start + usize::from(self.len))
            .unwrap_or_default()
    }

    /// The exact name, or the prefix before `*`: from the text, or for an entry of at most
    /// 16 bytes, from its first and last words.
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
    /// Indexes every rule's `AllowedHeader` entries, ranges of the packer's text (entries
    /// with more than one `*` never reach here: validation refuses them, and they are
    /// skipped).
    ///
    /// Compiling runs once per stored configuration, but a 64 KB document can hold a few
    /// thousand entries, so this allocates little per entry: an entry already in lower case
    /// is its range of the text, one with upper-case letters is lower-cased into one string
    /// appended to the text, and duplicates are merged through a map that borrows them.
    ///
    /// # Errors
    ///
    /// When the text would outgrow 4 GiB (only a configuration built in memory can).
    pub(crate) fn new(packer: &mut Packer) -> Result<Self, ConfigError> {
        let mut index = HeaderIndex::default();
        let base = packer.text().len();
        let mut lowered = String::new();
        let mut entries: Vec<(usize, usize, RuleSet)> = Vec::new();
        for entry in packer.entries(List::Headers) {
            let text = entry.text(packer.text());
            let bit = rule_bit(entry.rule);
            match text.bytes().filter(|&b| b == b'*').count() {
                0 => {}
                1 if text == "*" => {
                    index.any |= bit;
                    continue;
                }
                1 => {}
                _ => continue,
            }
            if text.bytes().any(|b| b.is_ascii_uppercase()) {
                entries.push((base + lowered.len(), text.len(), bit));
                lowered.extend(text.chars().map(|c| c.to_ascii_lowercase()));
            } else {
                entries.push((entry.start as usize, text.len(), bit));
            }
        }
        packer.append(&lowered)?;
        let text = packer.text();
        // Merge duplicates into the first of each, by a map that borrows the entries.
        let mut first: FxMap<&str, usize> = FxMap::default();
        first.reserve(entries.len());
        let mut distinct: Vec<Distinct> = Vec::with_capacity(entries.len());
        for &(start, len, rules) in &entries {
            let entry = text.get(start..start + len).unwrap_or_default();
            match first.get(entry) {
                Some(&at) => distinct[at].rules |= rules,
                None => {
                    first.insert(entry, distinct.len());
                    // Within the text, which `append` kept below 4 GiB.
                    let too_large = |_| ConfigError::too_large(start + len, u32::MAX as usize);
                    let start = u32::try_from(start).map_err(too_large)?;
                    let len = u32::try_from(len).map_err(too_large)?;
                    distinct.push(Distinct { start, len, rules });
                }
            }
        }
        let entry_text = |d: &Distinct| {
            text.get(d.start as usize..(d.start + d.len) as usize)
                .unwrap_or_default()
        };
        // Exact and `prefix*` entries.
        let simple = distinct
            .iter()
            .filter(|d| {
                entry_text(d)
                    .split_once('*')
                    .is_none_or(|(_, s)| s.is_empty())
            })
            .count();
        let general = distinct.len() - simple;
        if simple > SMALL_ENTRIES || general > SMALL_GENERAL {
            index.large = Some(Box::new(Large::new(text.as_bytes(), &distinct)));
            return Ok(index);
        }
        let mut small = Vec::with_capacity(simple);
        let mut general = Vec::new();
        for d in &distinct {
            let entry = entry_text(d);
            let Some(pattern) = Pattern::build(entry, true) else {
                continue;
            };
            if !pattern.suffix().is_empty() {
                general.push((pattern, d.rules));
                continue;
            }
            let bytes = pattern.prefix_or_exact().as_bytes();
            let Ok(len) = u8::try_from(bytes.len()) else {
                // Longer than any token S3 keeps (validation caps a document at 64 KB, but
                // lenient options may not): matched as a general pattern instead.
                general.push((pattern, d.rules));
                continue;
            };
            if bytes.is_empty() {
                continue;
            }
            small.push(HeaderEntry {
                head: head_word(bytes),
                mask: len_mask(bytes.len().min(8)),
                tail: bytes
                    .last_chunk::<8>()
                    .map_or(0, |w| u64::from_le_bytes(*w)),
                // The exact name, or the prefix, starts where the entry does.
                start: d.start,
                len,
                exact: !pattern.is_wildcard(),
                rules: d.rules,
            });
        }
        small.sort_by_key(|entry| bucket(entry.head));
        for (k, slot) in index.first.iter_mut().enumerate() {
            let before = small.iter().filter(|e| bucket(e.head) < k).count();
            // At most SMALL_ENTRIES (32) entries.
            *slot = u8::try_from(before).unwrap_or(u8::MAX);
        }
        index.small = small.into_boxed_slice();
        index.general = general.into_boxed_slice();
        Ok(index)
    }

    /// The rules with an entry that allows `name`, which is lower case; `head` is
    /// [`name_head`] of it.
    #[inline(always)]
    pub(crate) fn allowing(&self, text: &[u8], name: &[u8], head: u64) -> RuleSet {
        let mut rules = self.any;
        if let Some(large) = &self.large {
            return rules | large_allowing(large, text, name);
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
            if entry.matches(text, name, head) {
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
    pub(crate) fn allowing_any_case(&self, text: &[u8], name: &str) -> RuleSet {
        let name = name.as_bytes();
        let mut rules = self.any;
        let Some(large) = &self.large else {
            for entry in &self.small {
                let suffix = (!entry.exact).then_some(&b""[..]);
                let mut buf = [0; 16];
                if parts_match(entry.bytes(text, &mut buf), suffix, name, true) {
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
        rules | large.index.matching_any_case(text, name)
    }

    /// The candidates that allow every name of the list, in any number of lines; `None`
    /// when a name is not an HTTP token (no rule allows it) or no candidate is left. The
    /// list is present (not [`HeaderLines::is_absent`]).
    #[inline]
    pub(crate) fn allowing_list(
        &self,
        text: &[u8],
        mut candidates: RuleSet,
        lines: HeaderLines<'_>,
    ) -> Option<RuleSet> {
        // Every candidate allows every name (`AllowedHeader *`): only tokens are checked.
        let check_names = candidates & !self.any != 0;
        if let Some(line) = lines.single() {
            return self.allowing_line(text, candidates, line, check_names);
        }
        for line in lines.lines() {
            candidates = self.allowing_line(text, candidates, line, check_names)?;
        }
        Some(candidates)
    }

    /// [`HeaderIndex::allowing_list`] for one line: each item is looked up once. Names as
    /// browsers send them (lower-case letters, digits, `-`) are looked up in place; others are
    /// lower-cased into a buffer byte by byte.
    #[inline]
    fn allowing_line(
        &self,
        text: &[u8],
        mut candidates: RuleSet,
        line: &str,
        check_names: bool,
    ) -> Option<RuleSet> {
        for item in list_items(line) {
            let name = item.bytes;
            let allowed = if !item.plain {
                self.odd_name(text, name, check_names, candidates)?
            } else if check_names {
                self.allowing(text, name, name_head(name, 0, name.len()))
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
    fn odd_name(
        &self,
        text: &[u8],
        name: &[u8],
        check_names: bool,
        candidates: RuleSet,
    ) -> Option<RuleSet> {
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
            Some(lower) => self.allowing(text, lower, name_head(lower, 0, lower.len())),
            // A token is ASCII, so this is text.
            None => self.allowing_any_case(text, std::str::from_utf8(name).unwrap_or_default()),
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

    /// The header index of rules listing `rules`' entries, and the text it reads.
    fn index_of(rules: &[Vec<String>]) -> (HeaderIndex, String) {
        let config = crate::CorsConfiguration::new(
            rules
                .iter()
                .map(|entries| {
                    crate::CorsRule::new()
                        .allowed_origin("*")
                        .allowed_method("GET")
                        .allowed_headers(entries.iter().cloned())
                })
                .collect(),
        );
        let mut packer = Packer::new(&config).unwrap();
        let index = HeaderIndex::new(&mut packer).unwrap();
        (index, packer.text().to_owned())
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
            let (index, text) = index_of(&rules);
            let text = text.as_bytes();
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
                assert_eq!(
                    index.allowing(text, lower.as_bytes(), head),
                    expected,
                    "{name}"
                );
                assert_eq!(index.allowing_any_case(text, name), expected, "{name}");
            }
        }
    }

    #[test]
    fn many_patterns_with_a_suffix_go_through_the_hash_maps() {
        let rules: Vec<Vec<String>> = vec![
            (0..40).map(|i| format!("p{i}.*-s{}", i % 3)).collect(),
            vec!["content-type".to_owned()],
        ];
        let (index, text) = index_of(&rules);
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
                index.allowing(text.as_bytes(), name.as_bytes(), head),
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
        let (index, text) = index_of(&rules);
        let text = text.as_bytes();
        let both = rule_bit(0) | rule_bit(1);
        let one = |line| index.allowing_list(text, both, HeaderLines::one(line));
        assert_eq!(one("content-type, X-Amz-Date"), Some(both));
        assert_eq!(one(" ,content-type,, "), Some(both));
        assert_eq!(one("authorization"), Some(rule_bit(1)));
        assert_eq!(one("a b"), None);
        assert_eq!(one("content-type x"), None);
        let lines = ["content-type", "authorization"];
        assert_eq!(
            index.allowing_list(text, both, HeaderLines::many(&lines)),
            Some(rule_bit(1))
        );
        let long = format!("x-amz-{}", "A".repeat(80));
        assert_eq!(one(&long), Some(both));
    }
}
