//! Which rules have a pattern that covers a given entry, found by walking the entry through
//! tries of every rule's patterns instead of comparing it with each pattern.
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
//! The index holds the `P`s in a trie, and at each trie node that ends some `P` a trie of the
//! reversed `S`s that go with it. A query walks the entry's head down the first trie and, at
//! each node with `S`s, its tail down that node's second trie: O(|entry| · (1 + g)) steps,
//! where g is the number of distinct `P`s the entry starts with. Distinct `P`s of one entry
//! have distinct lengths whose sum is at most C, the total length of the patterns, so
//! g ≤ √(2C); in practice g is one or two (`*`, `x-amz-*`). No step allocates.

use std::collections::HashMap;

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

/// A byte trie whose nodes are numbers; edges live in one map.
#[derive(Default)]
struct Trie {
    edges: HashMap<(u32, u8), u32>,
    nodes: u32,
}

impl Trie {
    fn root(&mut self) -> u32 {
        self.nodes += 1;
        self.nodes - 1
    }

    fn child_or_insert(&mut self, node: u32, byte: u8) -> u32 {
        let next = self.nodes;
        let child = *self.edges.entry((node, byte)).or_insert(next);
        if child == next {
            self.nodes += 1;
        }
        child
    }

    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        self.edges.get(&(node, byte)).copied()
    }
}

/// The patterns of every rule for one field (origins, or header names), indexed for
/// [`CoverIndex::covering`].
pub(super) struct CoverIndex {
    ignore_case: bool,
    /// The `P`s of wildcard patterns and the whole of exact ones; node 0 is the root.
    heads: Trie,
    /// Per node of `heads`: the rules with an exact pattern ending there.
    exact: HashMap<u32, Vec<usize>>,
    /// Per node of `heads`: the root of the trie of the reversed `S`s of the patterns whose
    /// `P` ends there.
    tails_root: HashMap<u32, u32>,
    /// The reversed `S`s, one root per `P`.
    tails: Trie,
    /// Per node of `tails`: the rules with a pattern ending there.
    wildcard: HashMap<u32, Vec<usize>>,
}

impl CoverIndex {
    /// Indexes each rule's patterns; `field` gives a rule's list.
    pub(super) fn new<'a, I>(rules: I, ignore_case: bool) -> Self
    where
        I: IntoIterator<Item = &'a [String]>,
    {
        let mut heads = Trie::default();
        heads.root();
        let mut index = CoverIndex {
            ignore_case,
            heads,
            exact: HashMap::new(),
            tails_root: HashMap::new(),
            tails: Trie::default(),
            wildcard: HashMap::new(),
        };
        for (rule, patterns) in rules.into_iter().enumerate() {
            for pattern in patterns {
                index.insert(pattern.as_bytes(), rule);
            }
        }
        index
    }

    fn byte(&self, b: u8) -> u8 {
        if self.ignore_case {
            b.to_ascii_lowercase()
        } else {
            b
        }
    }

    fn insert(&mut self, pattern: &[u8], rule: usize) {
        let mut stars = pattern.iter().enumerate().filter(|(_, b)| **b == b'*');
        let (star, extra) = (stars.next(), stars.next());
        if extra.is_some() {
            return;
        }
        let head = star.map_or(pattern, |(at, _)| &pattern[..at]);
        let mut node = 0;
        for &b in head {
            node = self.heads.child_or_insert(node, self.byte(b));
        }
        let rules = match star {
            None => self.exact.entry(node).or_default(),
            Some((at, _)) => {
                let (tails, ignore_case) = (&mut self.tails, self.ignore_case);
                let mut tail_node = *self.tails_root.entry(node).or_insert_with(|| tails.root());
                for &b in pattern[at + 1..].iter().rev() {
                    let b = if ignore_case {
                        b.to_ascii_lowercase()
                    } else {
                        b
                    };
                    tail_node = tails.child_or_insert(tail_node, b);
                }
                self.wildcard.entry(tail_node).or_default()
            }
        };
        if rules.last() != Some(&rule) {
            rules.push(rule);
        }
    }

    /// Adds to `out` every rule with a pattern that covers `entry`.
    pub(super) fn covering(&self, entry: &str, out: &mut RuleSet) {
        let entry = entry.as_bytes();
        let mut stars = entry.iter().enumerate().filter(|(_, b)| **b == b'*');
        let (star, extra) = (stars.next(), stars.next());
        if extra.is_some() {
            return;
        }
        // The head the `P`s must start, the tail the `S`s must end, and whether `P` and `S`
        // must fit in the entry side by side (only an exact entry has that limit).
        let (head, tail, exact) = match star {
            None => (entry, entry, true),
            Some((at, _)) => (&entry[..at], &entry[at + 1..], false),
        };
        let mut node = 0;
        for depth in 0..=head.len() {
            if let Some(&root) = self.tails_root.get(&node) {
                let room = if exact {
                    head.len() - depth
                } else {
                    tail.len()
                };
                self.tails_within(root, tail, room, out);
            }
            match head.get(depth) {
                Some(&b) => match self.heads.child(node, self.byte(b)) {
                    Some(next) => node = next,
                    None => return,
                },
                None => {
                    if exact {
                        if let Some(rules) = self.exact.get(&node) {
                            rules.iter().for_each(|&r| out.insert(r));
                        }
                    }
                }
            }
        }
    }

    /// Adds the rules of every `S` under `root` that ends `tail` and is at most `room` long.
    fn tails_within(&self, root: u32, tail: &[u8], room: usize, out: &mut RuleSet) {
        let mut node = root;
        let mut bytes = tail.iter().rev();
        for depth in 0..=room.min(tail.len()) {
            if let Some(rules) = self.wildcard.get(&node) {
                rules.iter().for_each(|&r| out.insert(r));
            }
            if depth == room {
                return;
            }
            match bytes
                .next()
                .and_then(|&b| self.tails.child(node, self.byte(b)))
            {
                Some(next) => node = next,
                None => return,
            }
        }
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
