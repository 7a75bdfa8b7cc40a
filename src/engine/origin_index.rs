//! The origin index: which rules' `AllowedOrigin` entries match an origin, as a bit set,
//! at a cost that does not grow with the number of rules.
//!
//! Exact entries sit in a hash map (or, when there are a handful, in a list compared word by
//! word); wildcard patterns sit in hash maps keyed by their suffix (or prefix), one map per
//! length. The header index reuses the same structure for many `AllowedHeader` entries, and
//! the per-rule trace of `explain` for its own values (see [`Merge`]).

use std::collections::HashMap;

use hashbrown::HashTable;

use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::stored::Entry;
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
        for_each_word(bytes, |word| self.add(word));
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

/// A key of a [`SpanTable`]: a range of the text the index reads, and the slot of its value.
trait TableKey: Copy {
    fn new(start: u32, len: u32, slot: u32) -> Self;
    /// Its bytes; `len` is the length of every key of the table when they share one.
    fn bytes<'t>(&self, text: &'t [u8], len: usize) -> &'t [u8];
    fn slot(&self) -> u32;
    fn set_slot(&mut self, slot: u32);
}

/// A key of any length.
#[derive(Debug, Clone, Copy, Default)]
struct Key {
    start: u32,
    len: u32,
    slot: u32,
}

impl Key {
    #[inline]
    fn bytes<'t>(&self, text: &'t [u8]) -> &'t [u8] {
        let start = self.start as usize;
        text.get(start..start + self.len as usize)
            .unwrap_or_default()
    }
}

impl TableKey for Key {
    fn new(start: u32, len: u32, slot: u32) -> Self {
        Key { start, len, slot }
    }

    #[inline]
    fn bytes<'t>(&self, text: &'t [u8], _: usize) -> &'t [u8] {
        Key::bytes(self, text)
    }

    #[inline]
    fn slot(&self) -> u32 {
        self.slot
    }

    fn set_slot(&mut self, slot: u32) {
        self.slot = slot;
    }
}

/// A key of a table whose keys are all of one length (a group of [`ByLength`]), which it
/// does not repeat: 8 bytes a slot where [`Key`] takes 12.
#[derive(Debug, Clone, Copy)]
struct FixedKey {
    start: u32,
    slot: u32,
}

impl TableKey for FixedKey {
    fn new(start: u32, _: u32, slot: u32) -> Self {
        FixedKey { start, slot }
    }

    #[inline]
    fn bytes<'t>(&self, text: &'t [u8], len: usize) -> &'t [u8] {
        let start = self.start as usize;
        text.get(start..start + len).unwrap_or_default()
    }

    #[inline]
    fn slot(&self) -> u32 {
        self.slot
    }

    fn set_slot(&mut self, slot: u32) {
        self.slot = slot;
    }
}

/// A hash table of byte-string keys kept as ranges of the text the index reads: 8 or 12 bytes a key
/// and no allocation per key, where a map keyed by `Box<[u8]>` holds a block per key.
#[derive(Debug, Clone)]
struct SpanTable<K = Key>(HashTable<K>);

impl<K> Default for SpanTable<K> {
    fn default() -> Self {
        SpanTable(HashTable::new())
    }
}

impl<K: TableKey> SpanTable<K> {
    /// The slot of `key` (in lower case when `LOWER`: then the table's lower-case keys
    /// are compared ignoring case).
    #[inline]
    fn find<const LOWER: bool>(&self, text: &[u8], key: &[u8]) -> Option<u32> {
        let hash = hash_key::<LOWER>(key);
        let eq = |k: &K| {
            let bytes = k.bytes(text, key.len());
            if LOWER {
                bytes.eq_ignore_ascii_case(key)
            } else {
                same_bytes(bytes, key)
            }
        };
        self.0.find(hash, eq).map(K::slot)
    }

    /// The slot of the key `text[start..start + len]`, inserted with slot `next` when it is
    /// new (and then true).
    fn slot(&mut self, text: &[u8], start: u32, len: u32, next: u32) -> (u32, bool) {
        let key = K::new(start, len, next);
        let len = len as usize;
        let bytes = key.bytes(text, len);
        if let Some(slot) = self.find::<false>(text, bytes) {
            return (slot, false);
        }
        self.0.insert_unique(hash_key::<false>(bytes), key, |k| {
            hash_key::<false>(k.bytes(text, len))
        });
        (next, true)
    }

    /// Drops the room the table no longer needs; `len` as in [`TableKey::bytes`].
    fn shrink(&mut self, text: &[u8], len: usize) {
        self.0
            .shrink_to_fit(|k| hash_key::<false>(k.bytes(text, len)));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The hash of a key, read in lower case when `lower`, with [`FxHasher`]: the length, then
/// whole little-endian words.
#[inline]
fn hash_key<const LOWER: bool>(key: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.add(key.len() as u64);
    for_each_word(key, |word| {
        hasher.add(if LOWER { lower_word(word) } else { word });
    });
    hasher.finish()
}

/// Calls `f` with the words of `bytes`, little-endian: whole words, then the last (possibly
/// overlapping) word, or one zero-padded word for fewer than 8 bytes, none for none; no byte
/// loop. Keys of different lengths also differ in the length hashed before them.
#[inline(always)]
fn for_each_word(bytes: &[u8], mut f: impl FnMut(u64)) {
    if bytes.len() < 8 {
        if !bytes.is_empty() {
            f(short_word(bytes));
        }
        return;
    }
    let mut rest = bytes;
    while let Some((chunk, tail)) = rest.split_first_chunk::<8>() {
        if tail.is_empty() {
            break;
        }
        f(u64::from_le_bytes(*chunk));
        rest = tail;
    }
    if let Some(last) = bytes.last_chunk::<8>() {
        f(u64::from_le_bytes(*last));
    }
}

/// ASCII upper-case letters of a word made lower case (other bytes kept).
#[inline]
fn lower_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // 0x80 in each byte from `A` (0x41) up, then cleared from `[` (0x5b) up; bytes of 0x80
    // and above are left alone.
    let ascii = !word & (ONES * 0x80);
    let from_a = (word & (ONES * 0x7f)).wrapping_add(ONES * (0x80 - 0x41));
    let from_bracket = (word & (ONES * 0x7f)).wrapping_add(ONES * (0x80 - 0x5b));
    let upper = from_a & !from_bracket & ascii;
    word | (upper >> 2)
}

/// Keys of one length, each a slot of a value.
type ByLength = Vec<(usize, SpanTable<FixedKey>)>;

/// Which rules each origin entry belongs to, indexed for lookups that do not walk the rules.
///
/// The index keeps no bytes of its own: every key is a range of a text its owner keeps (the
/// engine's packed configuration) and passes to each call, with the same text, or one that
/// only grew at the end, every time. The tables hold those ranges and slots of `values`.
#[derive(Debug, Clone, Default)]
pub(crate) struct OriginIndex<V = RuleSet> {
    /// Entries `*`.
    any: V,
    /// Exact entries.
    exact: SpanTable,
    /// Patterns with a non-empty suffix, grouped by suffix length, keyed by suffix; a key's
    /// slot is the range of `prefixes` to check (in `suffix_runs`).
    by_suffix: ByLength,
    /// Patterns `prefix*`, grouped by prefix length, keyed by prefix.
    by_prefix: ByLength,
    /// The distinct values of the keys, by slot.
    values: Box<[V]>,
    /// Suffix slot `s` has the prefixes `suffix_runs[s]..suffix_runs[s + 1]` (every suffix
    /// has at least one).
    suffix_runs: Box<[u32]>,
    /// The prefixes of every suffix, grouped by suffix: each a range of `text` and the slot
    /// of its value.
    prefixes: Box<[Key]>,
    /// There are patterns other than `*` alone (`by_suffix` or `by_prefix` is not empty):
    /// one test on the way of a lookup where two took a few instructions more.
    wild: bool,
    /// The exact entries instead of `exact`, when there are few (see [`OriginIndex::finish`]).
    few_exact: Box<[ExactEntry<V>]>,
    /// What insertion needs until [`OriginIndex::finish`].
    building: Option<Box<Building<V>>>,
}

/// The growing parts of an [`OriginIndex`], before [`OriginIndex::finish`].
#[derive(Debug, Clone, Default)]
struct Building<V> {
    values: Vec<V>,
    /// The first exact keys, `few[..few_len]`, while there are no more than [`FEW_EXACT`]:
    /// most configurations have a handful, which then never build a hash table.
    few: [Key; FEW_EXACT],
    few_len: usize,
    /// (suffix slot, prefix, value), in insertion order.
    prefixes: Vec<(u32, Key, V)>,
    suffixes: u32,
}

impl OriginIndex<RuleSet> {
    /// Adds one origin entry of one rule, a range of `text`. Entries with more than one `*`
    /// never reach here (validation refuses them).
    pub(crate) fn insert(&mut self, text: &[u8], entry: &Entry) {
        self.insert_value(text, entry.start, entry.len, &rule_bit(entry.rule));
    }

    /// The rules with an origin entry that matches `origin`: those whose matching entry is
    /// exact (so `origin` equals text that passed validation), and those matched through a
    /// `*`.
    #[inline]
    pub(crate) fn matching(&self, text: &[u8], origin: &[u8]) -> (RuleSet, RuleSet) {
        let mut exact = 0;
        self.visit_exact(text, origin, |rules| exact |= rules);
        if !self.wild {
            return (exact, self.any);
        }
        let mut rules = self.any;
        self.visit_wild(text, origin, |bits| rules |= bits);
        (exact, rules)
    }

    /// [`OriginIndex::matching`] of a name in any case, all of it: the keys are lower case
    /// (the header index's).
    pub(crate) fn matching_any_case(&self, text: &[u8], name: &[u8]) -> RuleSet {
        let mut rules = self.any;
        if let Some(value) = self
            .exact
            .find::<true>(text, name)
            .and_then(|slot| self.values.get(slot as usize))
        {
            rules |= value;
        }
        for entry in &self.few_exact {
            if entry.key.bytes(text).eq_ignore_ascii_case(name) {
                rules |= entry.rules;
            }
        }
        self.visit_groups::<true>(text, name, |bits| rules |= bits);
        rules
    }
}

impl<V: Merge + Clone + Hash + Eq> OriginIndex<V> {
    /// Makes room for `entries` more exact entries, which most entries are, so a large
    /// configuration is not rehashed as it grows.
    pub(crate) fn reserve(&mut self, text: &[u8], entries: usize) {
        self.building.get_or_insert_with(Box::default);
        if entries > FEW_EXACT {
            self.exact
                .0
                .reserve(entries, |k| hash_key::<false>(k.bytes(text)));
        }
    }

    /// Adds one entry with its value: the key `text[start..start + len]`. An entry with more
    /// than one `*` is taken as a pattern split at its first `*`; validation refuses such
    /// entries before they get here. An entry outside `text` is left out (a caller's bug:
    /// the engine's entries are ranges of its text).
    pub(crate) fn insert_value(&mut self, text: &[u8], start: u32, len: u32, value: &V) {
        let build = self.building.get_or_insert_with(Box::default);
        let Some(entry) = text.get(start as usize..start as usize + len as usize) else {
            return;
        };
        // A new value takes the next slot; there are fewer values than bytes of text.
        let next = u32::try_from(build.values.len()).unwrap_or(u32::MAX);
        let Some(star) = memchr::memchr(b'*', entry) else {
            if self.exact.is_empty() {
                let few = &build.few[..build.few_len];
                if let Some(key) = few.iter().find(|k| k.bytes(text) == entry) {
                    merge_slot(&mut build.values, key.slot, false, value);
                    return;
                }
                if let Some(free) = build.few.get_mut(build.few_len) {
                    *free = Key {
                        start,
                        len,
                        slot: next,
                    };
                    build.few_len += 1;
                    merge_slot(&mut build.values, next, true, value);
                    return;
                }
                // One more than a handful: from now on, a hash table.
                for key in build.few {
                    self.exact
                        .0
                        .insert_unique(hash_key::<false>(key.bytes(text)), key, |k| {
                            hash_key::<false>(k.bytes(text))
                        });
                }
                build.few_len = 0;
            }
            let (slot, new) = self.exact.slot(text, start, len, next);
            merge_slot(&mut build.values, slot, new, value);
            return;
        };
        // `star` is below `len`, a `u32`.
        let star = star as u32;
        let (prefix_len, suffix_len) = (star, len - star - 1);
        if suffix_len == 0 && prefix_len == 0 {
            self.any.merge(value);
        } else if suffix_len == 0 {
            let group = group_mut(&mut self.by_prefix, prefix_len as usize);
            let (slot, new) = group.slot(text, start, prefix_len, next);
            merge_slot(&mut build.values, slot, new, value);
        } else {
            let group = group_mut(&mut self.by_suffix, suffix_len as usize);
            let (slot, new) = group.slot(text, start + star + 1, suffix_len, build.suffixes);
            if new {
                build.suffixes += 1;
            }
            let prefix = &entry[..star as usize];
            let same = build
                .prefixes
                .iter_mut()
                .find(|(s, key, _)| *s == slot && key.bytes(text) == prefix);
            match same {
                Some((_, _, rules)) => rules.merge(value),
                None => {
                    let mut fresh = V::default();
                    fresh.merge(value);
                    let key = Key {
                        start,
                        len: prefix_len,
                        slot,
                    };
                    build.prefixes.push((slot, key, fresh));
                }
            }
        }
    }

    /// Freezes the index: the values into their final block, the prefixes grouped by
    /// suffix, and a handful of exact entries (which never went into the hash table) into a
    /// list compared word by word, which beats hashing for a few entries. Call once, after
    /// the last insert, with the text of the inserts.
    pub(crate) fn finish(&mut self, text: &[u8]) {
        let Some(build) = self.building.take() else {
            return;
        };
        let Building {
            values,
            mut prefixes,
            suffixes,
            few,
            few_len,
        } = *build;
        // Grouped by suffix slot, in insertion order within a suffix (a stable sort).
        prefixes.sort_by_key(|(suffix, _, _)| *suffix);
        // Where each suffix's run ends: counts, then running sums. (More than 4 Gi prefixes
        // cannot be: each took a range of a 4 GiB text or shares one.)
        let mut runs = match suffixes {
            0 => Vec::new(),
            _ => vec![0u32; suffixes as usize + 1],
        };
        for (suffix, _, _) in &prefixes {
            if let Some(end) = runs.get_mut(*suffix as usize + 1) {
                *end = end.saturating_add(1);
            }
        }
        for at in 1..runs.len() {
            runs[at] = runs[at].saturating_add(runs[at - 1]);
        }
        self.suffix_runs = runs.into_boxed_slice();
        if self.exact.is_empty() {
            let mut few: Vec<ExactEntry<V>> = few[..few_len]
                .iter()
                .map(|key| ExactEntry {
                    head: head_word(key.bytes(text)),
                    key: *key,
                    rules: values.get(key.slot as usize).cloned().unwrap_or_default(),
                })
                .collect();
            few.sort_by(|a, b| a.key.bytes(text).cmp(b.key.bytes(text)));
            self.few_exact = few.into_boxed_slice();
        }
        // Keys share values: most configurations have far fewer distinct rule sets than
        // entries, so each key keeps the slot of its distinct value (4 bytes, not 16).
        let mut distinct: Vec<V> = Vec::new();
        let mut seen: FxMap<V, u32> = FxMap::default();
        let mut dedup = |value: &V| -> u32 {
            if let Some(&at) = seen.get(value) {
                return at;
            }
            let at = u32::try_from(distinct.len()).unwrap_or(u32::MAX);
            distinct.push(value.clone());
            seen.insert(value.clone(), at);
            at
        };
        for key in self.exact.0.iter_mut() {
            key.slot = values.get(key.slot as usize).map_or(u32::MAX, &mut dedup);
        }
        for (_, table) in &mut self.by_prefix {
            for key in table.0.iter_mut() {
                key.set_slot(values.get(key.slot() as usize).map_or(u32::MAX, &mut dedup));
            }
        }
        self.prefixes = prefixes
            .into_iter()
            .map(|(_, key, value)| Key {
                slot: dedup(&value),
                ..key
            })
            .collect();
        self.exact.shrink(text, 0);
        for (len, table) in self.by_prefix.iter_mut().chain(&mut self.by_suffix) {
            table.shrink(text, *len);
        }
        self.by_prefix.shrink_to_fit();
        self.by_suffix.shrink_to_fit();
        self.wild = !self.by_prefix.is_empty() || !self.by_suffix.is_empty();
        drop(seen);
        self.values = distinct.into_boxed_slice();
    }

    /// The value of the `*` entries.
    pub(crate) const fn any(&self) -> &V {
        &self.any
    }

    /// Calls `f` with the value of the exact entry equal to `key`, if there is one.
    #[inline]
    pub(crate) fn visit_exact(&self, text: &[u8], key: &[u8], mut f: impl FnMut(&V)) {
        if !self.few_exact.is_empty() {
            let head = head_word(key);
            for entry in &self.few_exact {
                if entry.key.len as usize == key.len()
                    && entry.head == head
                    && same_bytes(entry.key.bytes(text), key)
                {
                    f(&entry.rules);
                }
            }
        } else if !self.exact.is_empty() {
            if let Some(slot) = self.exact.find::<false>(text, key) {
                if let Some(value) = self.values.get(slot as usize) {
                    f(value);
                }
            }
        }
    }

    /// Calls `f` with the value of every pattern (other than `*` alone) that matches `key`:
    /// one hash lookup per suffix length and per prefix length, and a compare for each
    /// prefix of a suffix the key ends with.
    #[inline]
    pub(crate) fn visit_wild(&self, text: &[u8], key: &[u8], f: impl FnMut(&V)) {
        self.visit_groups::<false>(text, key, f);
    }

    #[inline]
    fn visit_groups<const LOWER: bool>(&self, text: &[u8], key: &[u8], mut f: impl FnMut(&V)) {
        for (len, group) in &self.by_suffix {
            let Some(start) = key.len().checked_sub(*len) else {
                continue;
            };
            let Some(slot) = group.find::<LOWER>(text, &key[start..]) else {
                continue;
            };
            let slot = slot as usize;
            let Some(&[from, to]) = self.suffix_runs.get(slot..slot + 2) else {
                continue;
            };
            let run = self
                .prefixes
                .get(from as usize..to as usize)
                .unwrap_or_default();
            for entry in run {
                let prefix = entry.bytes(text);
                let head = &key[..prefix.len().min(key.len())];
                let starts = if LOWER {
                    head.eq_ignore_ascii_case(prefix)
                } else {
                    head == prefix
                };
                if prefix.len() <= start && starts {
                    if let Some(value) = self.values.get(entry.slot as usize) {
                        f(value);
                    }
                }
            }
        }
        for (len, group) in &self.by_prefix {
            let Some(head) = key.get(..*len) else {
                continue;
            };
            if let Some(slot) = group.find::<LOWER>(text, head) {
                if let Some(value) = self.values.get(slot as usize) {
                    f(value);
                }
            }
        }
    }
}

/// Adds `value` to slot `slot` of `values`, a new slot (the next) when `new`.
fn merge_slot<V: Merge>(values: &mut Vec<V>, slot: u32, new: bool, value: &V) {
    if new {
        values.push(V::default());
    }
    if let Some(held) = values.get_mut(slot as usize) {
        held.merge(value);
    }
}

/// Up to this many exact origins are compared one by one rather than hashed.
const FEW_EXACT: usize = 4;

/// An exact entry of a short list: its bytes (a range of the text the index reads), with its first
/// word for quick rejection.
#[derive(Debug, Clone)]
struct ExactEntry<V> {
    head: u64,
    key: Key,
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

fn group_mut(groups: &mut ByLength, len: usize) -> &mut SpanTable<FixedKey> {
    let at = match groups.iter().position(|(l, _)| *l == len) {
        Some(at) => at,
        None => {
            let at = groups.partition_point(|(l, _)| *l < len);
            groups.insert(at, (len, SpanTable::default()));
            at
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

    /// An index of `entries` (each of the rule at its position), and the text its keys are
    /// ranges of.
    pub(crate) fn index_of(entries: &[String]) -> (OriginIndex, Vec<u8>) {
        let mut text = Vec::new();
        let mut ranges = Vec::new();
        for (rule, entry) in entries.iter().enumerate() {
            let start = u32::try_from(text.len()).unwrap();
            text.extend_from_slice(entry.as_bytes());
            let len = u32::try_from(entry.len()).unwrap();
            ranges.push(Entry { rule, start, len });
        }
        let mut index = OriginIndex::default();
        index.reserve(&text, entries.len());
        for entry in &ranges {
            index.insert(&text, entry);
        }
        index.finish(&text);
        (index, text)
    }

    #[test]
    fn exact_and_wildcard_entries_few_and_many() {
        for extra in [0, 10] {
            let mut entries: Vec<String> = [
                "https://a.example",
                "https://*.b.example",
                "https://c*",
                "*",
            ]
            .map(String::from)
            .to_vec();
            // Rule 4 and on: more exact entries, and a duplicate of rule 0's.
            entries.extend((0..extra).map(|i| format!("https://x{i}.example")));
            entries.push("https://*.b.example".into());
            let dup = entries.len() - 1;
            // An exact entry again: merged into the first, whether in the short list or,
            // past a handful, in the hash table.
            entries.push("https://a.example".into());
            let again = entries.len() - 1;
            let (index, text) = index_of(&entries);
            let bit = rule_bit;
            let matching = |origin: &str| index.matching(&text, origin.as_bytes());
            let a = bit(0) | bit(again);
            assert_eq!(matching("https://a.example"), (a, bit(3)), "{extra}");
            assert_eq!(index.few_exact.is_empty(), extra > 0, "{extra}");
            let b = bit(1) | bit(3) | bit(dup);
            assert_eq!(matching("https://q.b.example"), (0, b));
            assert_eq!(matching("https://.b.example"), (0, b));
            assert_eq!(matching("https://c.example"), (0, bit(2) | bit(3)));
            assert_eq!(matching("http://a.example"), (0, bit(3)));
            if extra > 0 {
                assert_eq!(matching("https://x9.example"), (bit(13), bit(3)));
            }
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
    fn words_lower_case_as_ascii_does() {
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, b'A', b'Z', b'@', b'[', b'a', 0x80 | b'A', b]);
            let expected = u64::from_le_bytes(word.to_le_bytes().map(|x| x.to_ascii_lowercase()));
            assert_eq!(lower_word(word), expected, "{b:#x}");
        }
        let key = b"X-Amz-Meta-Some-Long-Name";
        assert_eq!(
            hash_key::<true>(key),
            hash_key::<false>(&key.to_ascii_lowercase())
        );
    }

    #[test]
    fn equal_bytes_word_by_word() {
        assert!(same_bytes(b"https://a.example", b"https://a.example"));
        assert!(!same_bytes(b"https://a.example", b"https://b.example"));
        assert!(!same_bytes(b"https://a.example.", b"https://a.example"));
        assert!(same_bytes(b"abc", b"abc") && !same_bytes(b"abc", b"abd"));
    }
}
