//! The origin index: which rules' `AllowedOrigin` entries match an origin, as a bit set,
//! at a cost that does not grow with the number of rules.
//!
//! Exact entries sit in a hash map (or, when there are a handful, in a list compared word by
//! word); wildcard patterns sit in hash maps keyed by their suffix (or prefix), one map per
//! length. The header index reuses the same structure for many `AllowedHeader` entries, and
//! the per-rule trace of `explain` for its own values (see [`Merge`]).

use std::collections::HashMap;

use std::hash::{BuildHasherDefault, Hasher};

use super::{RuleSet, rule_bit};
use crate::swar::short_word;

/// FxHash: a fast, non-cryptographic hash. The keys are the bucket owner's own origins and
/// header names, so hash flooding by a client is not a concern; a request's origin only
/// selects a bucket.
///
/// Written out rather than taken from `rustc-hash` 2 because it is faster on `evaluate`:
/// `rustc-hash` hashes byte strings in a way made for longer keys, and origins and header
/// names are 5 to 40 bytes. Instructions per `evaluate` (callgrind, one run, the same tree
/// built with each hasher, 2026-12-03):
///
/// | case | this hasher | `rustc_hash::FxBuildHasher` |
/// |---|---:|---:|
/// | 100 exact origins, preflight miss | 216 | 236 |
/// | 100 wildcard origins, actual GET miss | 272 | 296 |
/// | 100 wildcard origins, preflight miss | 290 | 298 |
/// | 100 exact origins, preflight hit on the 1st rule | 595 | 600 |
/// | 1 rule, preflight hit (no hashing) | 557 | 558 |
///
/// `finish` rotates, as `rustc-hash` 2 does: without it, keys that differ only in their
/// high bytes (the prefixes `x-q1-`, `x-q2-`, ... of `x-q1-*`, `x-q2-*`) fell into the same
/// buckets, and with 2,400 such entries a lookup probed thousands of slots (see
/// `explain_of_shadowed_rules_whose_last_entry_allows` in `tests/hostile.rs`, 200 ms then).
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
        // The last multiply carries a difference in a key's byte only upwards; the table
        // picks buckets by the low bits, so bring the high bits down.
        self.hash.rotate_left(26)
    }
}

/// A hash map with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// What an index keeps for an entry, and how two values for the same entry combine.
pub(crate) trait Merge: Default {
    /// Adds `other` (inserted later) to `self`.
    fn merge(&mut self, other: &Self);
}

impl Merge for RuleSet {
    #[inline]
    fn merge(&mut self, other: &Self) {
        *self |= other;
    }
}

/// Maps keyed by byte strings of one length, grouped by that length (ascending).
type ByLength<V> = Vec<(usize, FxMap<Box<[u8]>, V>)>;

/// The prefixes to check for one suffix, each with its value.
type Prefixes<V> = Vec<(Box<[u8]>, V)>;

/// Which rules each origin entry belongs to, indexed for lookups that do not walk the rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct OriginIndex<V = RuleSet> {
    /// Entries `*`.
    any: V,
    /// Exact entries.
    exact: FxMap<Box<[u8]>, V>,
    /// Patterns with a non-empty suffix, grouped by suffix length, keyed by suffix; each
    /// entry keeps the prefixes to check.
    by_suffix: ByLength<Prefixes<V>>,
    /// Patterns `prefix*`, grouped by prefix length, keyed by prefix.
    by_prefix: ByLength<V>,
    /// The exact entries instead of `exact`, when there are few (see [`OriginIndex::finish`]).
    few_exact: Vec<ExactEntry<V>>,
}

impl OriginIndex<RuleSet> {
    /// Adds one origin entry of one rule. Entries with more than one `*` never reach here
    /// (validation refuses them).
    pub(crate) fn insert(&mut self, entry: &str, rule: usize) {
        self.insert_value(entry.as_bytes(), &rule_bit(rule));
    }

    /// The rules with an origin entry that matches `origin`: those whose matching entry is
    /// exact (so `origin` equals text that passed validation), and those matched through a
    /// `*`.
    #[inline]
    pub(crate) fn matching(&self, origin: &[u8]) -> (RuleSet, RuleSet) {
        let mut exact = 0;
        self.visit_exact(origin, |rules| exact |= rules);
        if self.by_suffix.is_empty() && self.by_prefix.is_empty() {
            return (exact, self.any);
        }
        let mut rules = self.any;
        self.visit_wild(origin, |bits| rules |= bits);
        (exact, rules)
    }
}

impl<V: Merge> OriginIndex<V> {
    /// Makes room for `entries` more exact entries, which most entries are, so a large
    /// configuration is not rehashed as it grows.
    pub(crate) fn reserve(&mut self, entries: usize) {
        self.exact.reserve(entries);
    }

    /// Adds one entry with its value. An entry with more than one `*` is taken as a
    /// pattern split at its first `*`; validation refuses such entries before they get here.
    pub(crate) fn insert_value(&mut self, entry: &[u8], value: &V) {
        let Some(star) = memchr::memchr(b'*', entry) else {
            self.exact.entry(entry.into()).or_default().merge(value);
            return;
        };
        let (prefix, suffix) = (&entry[..star], &entry[star + 1..]);
        if suffix.is_empty() && prefix.is_empty() {
            self.any.merge(value);
        } else if suffix.is_empty() {
            let group = group_mut(&mut self.by_prefix, prefix.len());
            group.entry(prefix.into()).or_default().merge(value);
        } else {
            let group = group_mut(&mut self.by_suffix, suffix.len());
            let prefixes = group.entry(suffix.into()).or_default();
            match prefixes.iter_mut().find(|(p, _)| **p == *prefix) {
                Some((_, rules)) => rules.merge(value),
                None => {
                    let mut fresh = V::default();
                    fresh.merge(value);
                    prefixes.push((prefix.into(), fresh));
                }
            }
        }
    }

    /// Moves a handful of exact entries out of the hash map into a list compared word by
    /// word, which beats hashing for a few entries. Call once, after the last insert.
    pub(crate) fn finish(&mut self) {
        if self.exact.len() <= FEW_EXACT {
            let mut few: Vec<(Box<[u8]>, V)> = self.exact.drain().collect();
            few.sort_by(|a, b| a.0.cmp(&b.0));
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

    /// The value of the `*` entries.
    pub(crate) const fn any(&self) -> &V {
        &self.any
    }

    /// Calls `f` with the value of the exact entry equal to `key`, if there is one.
    #[inline]
    pub(crate) fn visit_exact(&self, key: &[u8], mut f: impl FnMut(&V)) {
        if !self.few_exact.is_empty() {
            let head = head_word(key);
            for entry in &self.few_exact {
                if entry.len == key.len() && entry.head == head && same_bytes(&entry.bytes, key) {
                    f(&entry.rules);
                }
            }
        } else if !self.exact.is_empty() {
            if let Some(value) = self.exact.get(key) {
                f(value);
            }
        }
    }

    /// Calls `f` with the value of every pattern (other than `*` alone) that matches `key`:
    /// one hash lookup per suffix length and per prefix length, and a compare for each
    /// prefix of a suffix the key ends with.
    #[inline]
    pub(crate) fn visit_wild(&self, key: &[u8], mut f: impl FnMut(&V)) {
        for (len, group) in &self.by_suffix {
            let Some(start) = key.len().checked_sub(*len) else {
                continue;
            };
            if let Some(prefixes) = group.get(&key[start..]) {
                for (prefix, value) in prefixes {
                    if prefix.len() <= start && key.starts_with(prefix) {
                        f(value);
                    }
                }
            }
        }
        for (len, group) in &self.by_prefix {
            if let Some(value) = key.get(..*len).and_then(|head| group.get(head)) {
                f(value);
            }
        }
    }
}

/// Up to this many exact origins are compared one by one rather than hashed.
const FEW_EXACT: usize = 4;

/// An exact entry of a short list, with its length and first word for quick rejection.
#[derive(Debug, Clone)]
struct ExactEntry<V> {
    len: usize,
    head: u64,
    bytes: Box<[u8]>,
    rules: V,
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

/// The first 8 bytes of `bytes` as a little-endian word, zero-padded.
#[inline]
pub(crate) fn head_word(bytes: &[u8]) -> u64 {
    match bytes.first_chunk::<8>() {
        Some(word) => u64::from_le_bytes(*word),
        None => short_word(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_wildcard_entries_few_and_many() {
        for extra in [0, 10] {
            let mut index = OriginIndex::default();
            index.insert("https://a.example", 0);
            index.insert("https://*.b.example", 1);
            index.insert("https://c*", 2);
            index.insert("*", 3);
            for i in 0..extra {
                index.insert(&format!("https://x{i}.example"), 4);
            }
            index.finish();
            let bit = rule_bit;
            assert_eq!(
                index.matching(b"https://a.example"),
                (bit(0), bit(3)),
                "{extra}"
            );
            assert_eq!(index.matching(b"https://q.b.example"), (0, bit(1) | bit(3)));
            assert_eq!(index.matching(b"https://.b.example"), (0, bit(1) | bit(3)));
            assert_eq!(index.matching(b"https://c.example"), (0, bit(2) | bit(3)));
            assert_eq!(index.matching(b"http://a.example"), (0, bit(3)));
        }
    }

    #[test]
    fn keys_differing_in_high_bytes_spread_over_buckets() {
        use std::hash::BuildHasher;
        let hasher = BuildHasherDefault::<FxHasher>::default();
        let mut buckets = std::collections::HashSet::new();
        for i in 0..1024 {
            let key: Box<[u8]> = format!("x-q{i}-").into_bytes().into();
            buckets.insert(hasher.hash_one(&key) & 1023);
        }
        // Uniform hashing fills about 647 of 1,024 buckets; the unrotated hash filled 4.
        assert!(buckets.len() > 550, "{}", buckets.len());
    }

    #[test]
    fn equal_bytes_word_by_word() {
        assert!(same_bytes(b"https://a.example", b"https://a.example"));
        assert!(!same_bytes(b"https://a.example", b"https://b.example"));
        assert!(!same_bytes(b"https://a.example.", b"https://a.example"));
        assert!(same_bytes(b"abc", b"abc") && !same_bytes(b"abc", b"abd"));
    }
}
