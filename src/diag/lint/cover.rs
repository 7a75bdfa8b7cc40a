//! Which rules have a pattern that covers a given entry, found by hashed lookups of the
//! entry's heads and tails instead of comparing it with each pattern.
//!
//! A pattern `outer` covers an entry `inner` when every string `inner` matches, `outer`
//! matches too. Both are single-`*` patterns; one with more `*`s covers nothing and is
//! covered by nothing (S3 refuses them). For `outer` = `P*S` (exact `outer` is the case with
//! no `*`):
//!
//! - an exact `inner` is covered when it starts with `P`, ends with `S` and is at least
//!   `|P| + |S|` long, or when it equals an exact `outer`;
//! - `inner` = `p*s` is covered when `p` starts with `P` and `s` ends with `S`.
//!
//! The index keeps exact patterns in a hash map, and wildcard patterns grouped by `P`, each
//! group a hash map of its `S`s. A query looks the entry up whole, then, for each length some
//! `P` has, looks up the entry's head of that length, and in a group found, each of the
//! group's `S` lengths that fits. Each lookup hashes at most the entry, so a query costs
//! O(|entry| · (1 + h·(1 + t))) where h is the number of distinct `P` lengths and t the
//! number of distinct `S` lengths in a group; distinct lengths sum to at most C, the total
//! length of the patterns, so h, t ≤ √(2C). In real documents h and t are one to three (`*`,
//! `x-amz-*`, `https://*.example.com`), so a query is O(|entry|). The maps use std's keyed
//! hash, so crafted names cannot make them collide; no lookup allocates.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// A set of rule indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RuleSet {
    words: Vec<u64>,
}

impl RuleSet {
    /// The empty set of a configuration of `rules` rules.
    pub(super) fn new(rules: usize) -> Self {
        RuleSet {
            words: vec![0; rules.div_ceil(64)],
        }
    }

    pub(super) fn insert(&mut self, rule: usize) {
        self.words[rule / 64] |= 1 << (rule % 64);
    }

    pub(super) fn clear(&mut self) {
        self.words.fill(0);
    }

    /// Keeps the rules before `end` only.
    pub(super) fn keep_below(&mut self, end: usize) {
        for (at, word) in self.words.iter_mut().enumerate() {
            let start = at * 64;
            if start >= end {
                *word = 0;
            } else if end - start < 64 {
                *word &= (1u64 << (end - start)) - 1;
            }
        }
    }

    /// Every rule before `end`.
    pub(super) fn fill_below(&mut self, end: usize) {
        self.words.fill(u64::MAX);
        self.keep_below(end);
    }

    pub(super) fn intersect(&mut self, other: &RuleSet) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word &= other;
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// The first rule in both sets.
    pub(super) fn first_common(&self, other: &RuleSet) -> Option<usize> {
        self.words
            .iter()
            .zip(&other.words)
            .enumerate()
            .find_map(|(at, (a, b))| {
                let both = a & b;
                (both != 0).then(|| at * 64 + both.trailing_zeros() as usize)
            })
    }

    /// The rules in the set, in increasing order.
    pub(super) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(at, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    at * 64 + bit
                })
            })
        })
    }
}

/// An entry as a map key: its bytes, compared and hashed with ASCII case ignored when
/// `fold` is set (without a lower-case copy).
#[derive(Clone, Copy)]
pub(super) struct Key<'a> {
    bytes: &'a [u8],
    fold: bool,
}

impl<'a> Key<'a> {
    pub(super) fn new(text: &'a str, fold: bool) -> Self {
        Key {
            bytes: text.as_bytes(),
            fold,
        }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        if self.fold {
            self.bytes.eq_ignore_ascii_case(other.bytes)
        } else {
            self.bytes == other.bytes
        }
    }
}

impl Eq for Key<'_> {}

impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.bytes.len());
        if !self.fold {
            state.write(self.bytes);
            return;
        }
        let mut chunk = [0u8; 64];
        for part in self.bytes.chunks(chunk.len()) {
            let lower = &mut chunk[..part.len()];
            lower.copy_from_slice(part);
            lower.make_ascii_lowercase();
            state.write(lower);
        }
    }
}

/// The rules of one key; a rule is listed once however often it repeats the pattern.
fn mark(rules: &mut Vec<usize>, rule: usize) {
    if rules.last() != Some(&rule) {
        rules.push(rule);
    }
}

/// The wildcard patterns that share one `P`.
#[derive(Default)]
struct Group<'a> {
    /// The rules of each `S`.
    tails: HashMap<Key<'a>, Vec<usize>>,
    /// The distinct lengths of the `S`s, ascending.
    lengths: Vec<usize>,
}

/// The patterns of every rule for one field (origins, or header names), indexed for
/// [`CoverIndex::covering`].
pub(super) struct CoverIndex<'a> {
    fold: bool,
    /// The rules of each exact pattern.
    exact: HashMap<Key<'a>, Vec<usize>>,
    /// The wildcard patterns by `P`.
    groups: HashMap<Key<'a>, Group<'a>>,
    /// The distinct lengths of the `P`s, ascending.
    lengths: Vec<usize>,
}

impl<'a> CoverIndex<'a> {
    /// Indexes each rule's patterns; `rules` gives each rule's list. `fold`: patterns match
    /// with ASCII case ignored (header names).
    pub(super) fn new<I>(rules: I, fold: bool) -> Self
    where
        I: IntoIterator<Item = &'a [String]>,
        I::IntoIter: Clone,
    {
        let rules = rules.into_iter();
        let entries = rules.clone().map(<[String]>::len).sum();
        let mut index = CoverIndex {
            fold,
            exact: HashMap::with_capacity(entries),
            groups: HashMap::new(),
            lengths: Vec::new(),
        };
        for (rule, patterns) in rules.enumerate() {
            for pattern in patterns {
                index.insert(pattern.as_bytes(), rule);
            }
        }
        index.lengths.sort_unstable();
        index.lengths.dedup();
        for group in index.groups.values_mut() {
            group.lengths.sort_unstable();
            group.lengths.dedup();
        }
        index
    }

    fn key(&self, bytes: &'a [u8]) -> Key<'a> {
        Key {
            bytes,
            fold: self.fold,
        }
    }

    fn insert(&mut self, pattern: &'a [u8], rule: usize) {
        let (head, tail) = match split(pattern) {
            Split::Exact => {
                let key = self.key(pattern);
                mark(self.exact.entry(key).or_default(), rule);
                return;
            }
            Split::Wildcard(head, tail) => (head, tail),
            Split::Many => return,
        };
        let (head, tail) = (self.key(head), self.key(tail));
        let group = self.groups.entry(head).or_insert_with(|| {
            self.lengths.push(head.bytes.len());
            Group::default()
        });
        let rules = group.tails.entry(tail).or_insert_with(|| {
            group.lengths.push(tail.bytes.len());
            Vec::new()
        });
        mark(rules, rule);
    }

    /// Adds to `out` every rule with a pattern that covers `entry`.
    pub(super) fn covering(&self, entry: &str, out: &mut RuleSet) {
        let entry = entry.as_bytes();
        // The head the `P`s must start, the tail the `S`s must end, and whether `P` and `S`
        // must fit in the entry side by side (only an exact entry has that limit).
        let (head, tail, exact) = match split(entry) {
            Split::Exact => (entry, entry, true),
            Split::Wildcard(head, tail) => (head, tail, false),
            Split::Many => return,
        };
        let add = |rules: &Vec<usize>, out: &mut RuleSet| {
            for &rule in rules {
                out.insert(rule);
            }
        };
        if exact {
            if let Some(rules) = self.exact.get(&self.key(entry)) {
                add(rules, out);
            }
        }
        for &length in self.lengths.iter().take_while(|&&l| l <= head.len()) {
            let Some(group) = self.groups.get(&self.key(&head[..length])) else {
                continue;
            };
            let room = if exact {
                head.len() - length
            } else {
                tail.len()
            };
            for &tail_length in group.lengths.iter().take_while(|&&l| l <= room) {
                let end = &tail[tail.len() - tail_length..];
                if let Some(rules) = group.tails.get(&self.key(end)) {
                    add(rules, out);
                }
            }
        }
    }
}

/// A pattern taken apart at its `*`.
enum Split<'a> {
    Exact,
    Wildcard(&'a [u8], &'a [u8]),
    /// Two `*`s or more.
    Many,
}

fn split(pattern: &[u8]) -> Split<'_> {
    match memchr::memchr(b'*', pattern) {
        None => Split::Exact,
        Some(at) if memchr::memchr(b'*', &pattern[at + 1..]).is_none() => {
            Split::Wildcard(&pattern[..at], &pattern[at + 1..])
        }
        Some(_) => Split::Many,
    }
}

#[cfg(test)]
mod tests {
    use super::{CoverIndex, RuleSet};

    /// Whether the one pattern `outer` covers `inner`, through the index.
    fn covers(outer: &str, inner: &str, ignore_case: bool) -> bool {
        let rules = [vec![outer.to_owned()]];
        let index = CoverIndex::new(rules.iter().map(Vec::as_slice), ignore_case);
        let mut out = RuleSet::new(1);
        index.covering(inner, &mut out);
        !out.is_empty()
    }

    #[test]
    fn coverage_of_single_wildcard_patterns() {
        let cases = [
            ("*", "https://a.example", false, true),
            ("*", "https://*.example", false, true),
            ("*", "", false, true),
            ("https://*.example", "https://a.example", false, true),
            ("https://*.example", "https://*.a.example", false, true),
            ("https://*.example", "https://*.example.org", false, false),
            ("https://*.example", "http://a.example", false, false),
            ("https://a.example", "https://*.example", false, false),
            ("https://a.example", "https://a.example", false, true),
            ("https://A.example", "https://a.example", false, false),
            ("x-amz-*", "X-Amz-Date", true, true),
            ("x-amz-*", "x-amz-meta-*", true, true),
            ("x-amz-meta-*", "x-amz-*", true, false),
            ("ab*ba", "aba", false, false),
            ("ab*ba", "abba", false, true),
            ("a*a", "a", false, false),
            ("a*a", "aa", false, true),
            ("*a*", "a", false, false),
            ("*", "a*b*", false, false),
            ("", "", false, true),
            ("", "a", false, false),
        ];
        for (outer, inner, ignore_case, expected) in cases {
            assert_eq!(
                covers(outer, inner, ignore_case),
                expected,
                "{outer:?} covers {inner:?}"
            );
        }
    }

    #[test]
    fn rule_sets_keep_order_and_bounds() {
        let mut set = RuleSet::new(130);
        for rule in [0, 63, 64, 129] {
            set.insert(rule);
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 63, 64, 129]);
        set.keep_below(64);
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 63]);
        let mut all = RuleSet::new(130);
        all.fill_below(65);
        assert_eq!(all.iter().count(), 65);
        assert_eq!(all.first_common(&set), Some(0));
    }
}
