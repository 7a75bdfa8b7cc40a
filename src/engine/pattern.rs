//! Single-`*` wildcard patterns for origins and header names, and the compiled origin index.
//!
//! S3's patterns hold at most one `*`, anchored at both ends: `https://*.example.com` is a
//! prefix `https://` and a suffix `.example.com`, and the `*` may match the empty string and
//! may span dots. Origins compare case-sensitively; header names ASCII case-insensitively.
//!
//! [`OriginIndex`] answers "which rules' origin entries match this origin" as a bit set, with
//! a cost that does not grow with the number of rules: exact origins sit in a hash map, and
//! wildcard patterns in hash maps keyed by their suffix (or prefix), one map per length.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::engine::swar::{HIGH, bytes_in, load_word, short_word};

/// A compiled origin or header-name pattern: exact text, `*` alone, or one `*` inside.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Pattern {
    repr: PatternRepr,
    ignore_case: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PatternRepr {
    Exact(Box<str>),
    Any,
    Wildcard { prefix: Box<str>, suffix: Box<str> },
}

impl Pattern {
    /// A case-sensitive origin pattern; `None` when it holds more than one `*`.
    #[must_use]
    pub(crate) fn origin(pattern: &str) -> Option<Pattern> {
        Pattern::build(pattern, false)
    }

    /// An ASCII case-insensitive header-name pattern; `None` when it holds more than one `*`.
    #[must_use]
    pub(crate) fn header(pattern: &str) -> Option<Pattern> {
        Pattern::build(&pattern.to_ascii_lowercase(), true)
    }

    fn build(pattern: &str, ignore_case: bool) -> Option<Pattern> {
        let repr = match pattern.split_once('*') {
            None => PatternRepr::Exact(pattern.into()),
            Some((_, rest)) if rest.contains('*') => return None,
            Some(("", "")) => PatternRepr::Any,
            Some((prefix, suffix)) => PatternRepr::Wildcard {
                prefix: prefix.into(),
                suffix: suffix.into(),
            },
        };
        Some(Pattern { repr, ignore_case })
    }

    /// True when the pattern has a `*`.
    #[must_use]
    pub(crate) fn is_wildcard(&self) -> bool {
        !matches!(self.repr, PatternRepr::Exact(_))
    }

    /// The exact text, or the part before the `*`.
    pub(crate) fn prefix_or_exact(&self) -> &str {
        match &self.repr {
            PatternRepr::Exact(text) => text,
            PatternRepr::Any => "",
            PatternRepr::Wildcard { prefix, .. } => prefix,
        }
    }

    /// The part after the `*` (empty for an exact pattern).
    pub(crate) fn suffix(&self) -> &str {
        match &self.repr {
            PatternRepr::Wildcard { suffix, .. } => suffix,
            _ => "",
        }
    }

    /// Matches a whole candidate against the pattern.
    #[must_use]
    pub(crate) fn is_match(&self, candidate: &str) -> bool {
        self.is_match_bytes(candidate.as_bytes())
    }

    /// [`Pattern::is_match`] on bytes.
    pub(crate) fn is_match_bytes(&self, candidate: &[u8]) -> bool {
        match &self.repr {
            PatternRepr::Exact(text) => {
                parts_match(text.as_bytes(), None, candidate, self.ignore_case)
            }
            PatternRepr::Any => true,
            PatternRepr::Wildcard { prefix, suffix } => parts_match(
                prefix.as_bytes(),
                Some(suffix.as_bytes()),
                candidate,
                self.ignore_case,
            ),
        }
    }
}

/// Whether `candidate` is `head` exactly (no `suffix`), or `head`, anything, then `suffix`.
#[inline]
fn parts_match(head: &[u8], suffix: Option<&[u8]>, candidate: &[u8], ignore_case: bool) -> bool {
    let eq = |a: &[u8], b: &[u8]| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match suffix {
        None => eq(head, candidate),
        Some(suffix) => {
            candidate.len() >= head.len() + suffix.len()
                && eq(head, &candidate[..head.len()])
                && eq(suffix, &candidate[candidate.len() - suffix.len()..])
        }
    }
}

/// A set of rule indexes. Validation caps a configuration at 100 rules, so 128 bits hold any.
pub(crate) type RuleSet = u128;

/// The most rules a compiled engine can index.
pub(crate) const MAX_INDEXED_RULES: usize = RuleSet::BITS as usize;

/// The bit of one rule.
pub(crate) const fn rule_bit(rule: usize) -> RuleSet {
    1 << rule
}

/// FxHash: a fast, non-cryptographic hash. The keys are the bucket owner's own origins, so
/// hash flooding is not a concern; a request's origin only selects a bucket.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Whole words, then the last (possibly overlapping) word: no byte loop. Keys of
        // different lengths also differ in the length prefix `Hash for [u8]` writes first.
        if bytes.len() < 8 {
            if !bytes.is_empty() {
                self.add(short_word(bytes));
            }
            return;
        }
        let mut rest = bytes;
        while let Some((chunk, tail)) = rest.split_first_chunk::<8>() {
            if tail.is_empty() {
                break;
            }
            self.add(u64::from_le_bytes(*chunk));
            rest = tail;
        }
        if let Some(last) = bytes.last_chunk::<8>() {
            self.add(u64::from_le_bytes(*last));
        }
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Maps keyed by byte strings of one length, grouped by that length (ascending).
type ByLength<V> = Vec<(usize, FxMap<Box<[u8]>, V>)>;

/// The prefixes to check for one suffix, each with its rules.
type Prefixes = Vec<(Box<[u8]>, RuleSet)>;

/// Which rules each origin entry belongs to, indexed for lookups that do not walk the rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct OriginIndex {
    /// Rules that list `*`.
    any: RuleSet,
    /// Exact entries.
    exact: FxMap<Box<[u8]>, RuleSet>,
    /// Patterns with a non-empty suffix, grouped by suffix length, keyed by suffix; each
    /// entry keeps the prefixes to check.
    by_suffix: ByLength<Prefixes>,
    /// Patterns `prefix*`, grouped by prefix length, keyed by prefix.
    by_prefix: ByLength<RuleSet>,
    /// The exact entries instead of `exact`, when there are few (see [`OriginIndex::finish`]).
    few_exact: Vec<ExactEntry>,
}

impl OriginIndex {
    /// Makes room for `entries` more exact entries, which most entries are, so a large
    /// configuration is not rehashed as it grows.
    pub(crate) fn reserve(&mut self, entries: usize) {
        self.exact.reserve(entries);
    }

    /// Adds one origin entry of one rule. Entries with more than one `*` never reach here
    /// (validation refuses them).
    pub(crate) fn insert(&mut self, entry: &str, rule: usize) {
        self.insert_set(entry.as_bytes(), rule_bit(rule));
    }

    /// Adds one entry for a set of rules.
    pub(crate) fn insert_set(&mut self, entry: &[u8], bit: RuleSet) {
        let Some(star) = entry.iter().position(|&b| b == b'*') else {
            *self.exact.entry(entry.into()).or_default() |= bit;
            return;
        };
        let (prefix, suffix) = (&entry[..star], &entry[star + 1..]);
        if suffix.is_empty() && prefix.is_empty() {
            self.any |= bit;
        } else if suffix.is_empty() {
            let group = group_mut(&mut self.by_prefix, prefix.len());
            *group.entry(prefix.into()).or_default() |= bit;
        } else {
            let group = group_mut(&mut self.by_suffix, suffix.len());
            let prefixes = group.entry(suffix.into()).or_default();
            match prefixes.iter_mut().find(|(p, _)| **p == *prefix) {
                Some((_, rules)) => *rules |= bit,
                None => prefixes.push((prefix.into(), bit)),
            }
        }
    }

    /// Moves a handful of exact entries out of the hash map into a list compared word by
    /// word, which beats hashing for a few entries. Call once, after the last insert.
    pub(crate) fn finish(&mut self) {
        if self.exact.len() <= FEW_EXACT {
            let mut few: Vec<(Box<[u8]>, RuleSet)> = self.exact.drain().collect();
            few.sort();
            self.few_exact = few
                .into_iter()
                .map(|(bytes, rules)| ExactEntry {
                    len: bytes.len(),
                    head: head_word(&bytes),
                    bytes,
                    rules,
                })
                .collect();
        }
    }

    /// The rules with an origin entry that matches `origin`: those whose matching entry is
    /// exact (so `origin` equals text that passed validation), and those matched through a
    /// `*`.
    #[inline]
    pub(crate) fn matching(&self, origin: &[u8]) -> (RuleSet, RuleSet) {
        let mut exact = 0;
        if !self.few_exact.is_empty() {
            let head = head_word(origin);
            for entry in &self.few_exact {
                if entry.len == origin.len()
                    && entry.head == head
                    && same_bytes(&entry.bytes, origin)
                {
                    exact |= entry.rules;
                }
            }
        } else if !self.exact.is_empty() {
            if let Some(bits) = self.exact.get(origin) {
                exact |= bits;
            }
        }
        if self.by_suffix.is_empty() && self.by_prefix.is_empty() {
            return (exact, self.any);
        }
        let mut rules = self.any;
        for (len, group) in &self.by_suffix {
            let Some(start) = origin.len().checked_sub(*len) else {
                continue;
            };
            if let Some(prefixes) = group.get(&origin[start..]) {
                for (prefix, bits) in prefixes {
                    if prefix.len() <= start && origin.starts_with(prefix) {
                        rules |= bits;
                    }
                }
            }
        }
        for (len, group) in &self.by_prefix {
            if let Some(bits) = origin.get(..*len).and_then(|key| group.get(key)) {
                rules |= bits;
            }
        }
        (exact, rules)
    }
}

/// Up to this many exact origins are compared one by one rather than hashed.
const FEW_EXACT: usize = 4;

/// An exact entry of a short list, with its length and first word for quick rejection.
#[derive(Debug, Clone)]
struct ExactEntry {
    len: usize,
    head: u64,
    bytes: Box<[u8]>,
    rules: RuleSet,
}

/// Byte equality of two slices of the same length, word by word and inline.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() < 8 {
        return short_word(a) == short_word(b);
    }
    let (mut x, mut y) = (a, b);
    while let (Some((wx, rx)), Some((wy, ry))) =
        (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
    {
        if wx != wy {
            return false;
        }
        x = rx;
        y = ry;
    }
    a.last_chunk::<8>() == b.last_chunk::<8>()
}

fn group_mut<V: Default>(groups: &mut ByLength<V>, len: usize) -> &mut FxMap<Box<[u8]>, V> {
    let at = match groups.iter().position(|(l, _)| *l == len) {
        Some(at) => at,
        None => {
            groups.push((len, FxMap::default()));
            groups.sort_by_key(|(l, _)| *l);
            groups.iter().position(|(l, _)| *l == len).unwrap_or(0)
        }
    };
    &mut groups[at].1
}

/// Requested header names up to this length are lower-cased into a stack buffer and looked
/// up in the [`HeaderIndex`]; longer ones (rare) take the slower case-insensitive path.
pub(crate) const NAME_BUF: usize = 64;

/// Up to this many distinct exact or `prefix*` entries are matched by a linear scan of
/// word compares; more go through hash maps.
const SMALL_ENTRIES: usize = 32;

/// Every rule's `AllowedHeader` entries, lower-cased and deduplicated, each with the rules
/// that list it: "which rules allow this requested name" is one pass over a few entries (or
/// a few hash lookups), whatever the number of rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderIndex {
    /// Rules that list `*`.
    any: RuleSet,
    /// Exact and `prefix*` entries, when there are few, sorted by first byte.
    small: Vec<HeaderEntry>,
    /// `small[first[b]..first[b + 1]]` are the entries that start with byte `b`.
    /// (257 offsets; empty when `small` is).
    first: Box<[u8]>,
    /// Entries with a suffix after the `*`, when the entries are few.
    general: Vec<(Pattern, RuleSet)>,
    /// Every entry, when there are many.
    large: Option<OriginIndex>,
    /// Every entry, for names longer than [`NAME_BUF`]: ranges of `all_text`.
    all: Vec<LongNameEntry>,
    /// The lower-cased entries, one after another.
    all_text: Box<str>,
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
    /// The exact name, or the prefix before `*`.
    bytes: Box<[u8]>,
    exact: bool,
    rules: RuleSet,
}

/// The rules of a large header index that allow `name`.
#[inline(never)]
fn large_allowing(large: &OriginIndex, name: &[u8]) -> RuleSet {
    let (exact, wild) = large.matching(name);
    exact | wild
}

impl HeaderEntry {
    #[inline(always)]
    fn matches(&self, name: &[u8], head: u64) -> bool {
        let len = self.bytes.len();
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
        tail == Some(self.tail) && (len <= 16 || name.get(8..len) == self.bytes.get(8..))
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
    pub(crate) fn new<'a>(rules: impl Iterator<Item = &'a [String]>) -> Self {
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
        if simple > SMALL_ENTRIES {
            let mut large = OriginIndex::default();
            large.reserve(distinct.len());
            for (text, bits) in &distinct {
                large.insert_set(text.as_bytes(), *bits);
            }
            large.finish();
            index.large = Some(large);
        } else {
            for (text, bits) in &distinct {
                let Some(pattern) = Pattern::build(text, true) else {
                    continue;
                };
                if !pattern.suffix().is_empty() {
                    index.general.push((pattern, *bits));
                    continue;
                }
                let bytes = pattern.prefix_or_exact().as_bytes();
                let len = bytes.len().min(8);
                index.small.push(HeaderEntry {
                    head: head_word(bytes),
                    mask: len_mask(len),
                    tail: bytes
                        .last_chunk::<8>()
                        .map_or(0, |w| u64::from_le_bytes(*w)),
                    bytes: bytes.into(),
                    exact: !pattern.is_wildcard(),
                    rules: *bits,
                });
            }
        }
        index.small.retain(|entry| !entry.bytes.is_empty());
        index.small.sort_by_key(|entry| entry.bytes[0]);
        let mut first = [0u8; 257];
        for (b, slot) in first.iter_mut().enumerate() {
            let before = index
                .small
                .iter()
                .filter(|e| usize::from(e.bytes[0]) < b)
                .count();
            *slot = u8::try_from(before).unwrap_or(u8::MAX);
        }
        index.first = first.into();
        let mut text = String::with_capacity(distinct.iter().map(|(t, _)| t.len()).sum());
        index.all = distinct
            .iter()
            .map(|(entry, rules)| {
                let start = text.len();
                text.push_str(entry);
                LongNameEntry {
                    start,
                    end: text.len(),
                    star: entry.find('*').map(|at| start + at),
                    rules: *rules,
                }
            })
            .collect();
        index.all_text = text.into();
        index
    }

    /// The rules that allow every requested name: only `*` entries.
    #[inline]
    pub(crate) const fn any(&self) -> RuleSet {
        self.any
    }

    /// The rules with an entry that allows `name`, which is lower case; `head` is
    /// [`name_head`] of it.
    #[inline(always)]
    pub(crate) fn allowing(&self, name: &[u8], head: u64) -> RuleSet {
        let mut rules = self.any;
        if let Some(large) = &self.large {
            return rules | large_allowing(large, name);
        }
        let b = usize::from(head as u8);
        let bucket = match self.first.get(b..b + 2) {
            Some(&[from, to]) => self.small.get(usize::from(from)..usize::from(to)),
            _ => None,
        };
        for entry in bucket.unwrap_or_default() {
            if entry.matches(name, head) {
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
        let text = self.all_text.as_bytes();
        let mut rules = self.any;
        for entry in &self.all {
            let (head, suffix) = match entry.star {
                None => (&text[entry.start..entry.end], None),
                Some(star) => (&text[entry.start..star], Some(&text[star + 1..entry.end])),
            };
            if parts_match(head, suffix, name, true) {
                rules |= entry.rules;
            }
        }
        rules
    }
}

/// An entry of the header index kept for names too long for the lower-casing buffer: a
/// range of [`HeaderIndex::all_text`], with where its `*` is.
#[derive(Debug, Clone)]
struct LongNameEntry {
    start: usize,
    end: usize,
    star: Option<usize>,
    rules: RuleSet,
}

/// [`head_word`] of the name `bytes[at..at + len]`.
#[inline]
pub(crate) fn name_head(bytes: &[u8], at: usize, len: usize) -> u64 {
    load_word(bytes, at) & len_mask(len)
}

/// The high bit of each byte of `word` that is a lower-case letter, a digit or `-`: the
/// bytes of a header name as browsers send it, all `tchar`s.
#[inline]
pub(crate) const fn plain_name_bytes(word: u64) -> u64 {
    let low7 = word & !HIGH;
    (bytes_in(low7, b'a', b'z') | bytes_in(low7, b'0', b'9') | bytes_in(low7, b'-', b'-')) & !word
}

/// The high bit of each byte that is not a [`plain_name_bytes`] byte.
#[inline]
pub(crate) const fn not_plain(word: u64) -> u64 {
    !plain_name_bytes(word) & HIGH
}

/// The first 8 bytes of `bytes` as a little-endian word, zero-padded.
#[inline]
fn head_word(bytes: &[u8]) -> u64 {
    match bytes.first_chunk::<8>() {
        Some(word) => u64::from_le_bytes(*word),
        None => short_word(bytes),
    }
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
    fn origin_and_header_patterns() {
        let origin = Pattern::origin("https://*.example.com").unwrap();
        assert!(origin.is_match("https://app.example.com"));
        assert!(origin.is_match("https://.example.com"));
        assert!(!origin.is_match("https://app.example.com/"));
        assert!(!origin.is_match("https://APP.EXAMPLE.COM"));

        let header = Pattern::header("x-amz-*").unwrap();
        assert!(header.is_match("X-Amz-Date"));
        assert!(Pattern::origin("*a*").is_none());
    }

    #[test]
    fn header_index_agrees_with_the_patterns_small_and_large() {
        for count in [6, 12, 90] {
            let rules = rules(count);
            let index = HeaderIndex::new(rules.iter().map(Vec::as_slice));
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
    fn plain_names_and_equal_bytes_word_by_word() {
        assert_eq!(not_plain(u64::from_le_bytes(*b"x-amz-09")), 0);
        assert_ne!(not_plain(u64::from_le_bytes(*b"x-Amz-09")), 0);
        assert_ne!(not_plain(u64::from_le_bytes(*b"x,amz-09")), 0);
        assert!(same_bytes(b"https://a.example", b"https://a.example"));
        assert!(!same_bytes(b"https://a.example", b"https://b.example"));
        assert!(!same_bytes(b"https://a.example.", b"https://a.example"));
    }
}
