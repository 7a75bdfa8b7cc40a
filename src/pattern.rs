//! Single-`*` wildcard patterns for origins and header names, and the compiled origin index.
//!
//! S3's patterns hold at most one `*`, anchored at both ends: `https://*.example.com` is a
//! prefix `https://` and a suffix `.example.com`, and the `*` may match the empty string and
//! may span dots. Origins compare case-sensitively; header names ASCII case-insensitively.
//!
//! [`OriginIndex`] answers "which rules' origin entries match this origin" as a bit set, with
//! a cost that does not grow with the number of rules: exact origins sit in a hash map, and
//! wildcard patterns in hash maps keyed by their suffix (or prefix), one map per length.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A compiled origin or header-name pattern: exact text, `*` alone, or one `*` inside.
///
/// ```
/// use bucket_cors::Pattern;
///
/// let origin = Pattern::origin("https://*.example.com").unwrap();
/// assert!(origin.is_match("https://app.example.com"));
/// assert!(origin.is_match("https://.example.com"));
/// assert!(!origin.is_match("https://app.example.com/"));
/// assert!(!origin.is_match("https://APP.EXAMPLE.COM"));
///
/// let header = Pattern::header("x-amz-*").unwrap();
/// assert!(header.is_match("X-Amz-Date"));
/// assert!(Pattern::origin("*a*").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
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
    pub fn origin(pattern: &str) -> Option<Pattern> {
        Pattern::build(pattern, false)
    }

    /// An ASCII case-insensitive header-name pattern; `None` when it holds more than one `*`.
    #[must_use]
    pub fn header(pattern: &str) -> Option<Pattern> {
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

    /// True when the pattern is `*` alone.
    #[must_use]
    pub fn is_any(&self) -> bool {
        self.repr == PatternRepr::Any
    }

    /// True when the pattern has a `*`.
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        !matches!(self.repr, PatternRepr::Exact(_))
    }

    /// Matches a whole candidate against the pattern.
    #[must_use]
    pub fn is_match(&self, candidate: &str) -> bool {
        let candidate = candidate.as_bytes();
        let eq = |a: &[u8], b: &[u8]| {
            if self.ignore_case {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        match &self.repr {
            PatternRepr::Exact(text) => eq(text.as_bytes(), candidate),
            PatternRepr::Any => true,
            PatternRepr::Wildcard { prefix, suffix } => {
                let (prefix, suffix) = (prefix.as_bytes(), suffix.as_bytes());
                candidate.len() >= prefix.len() + suffix.len()
                    && eq(prefix, &candidate[..prefix.len()])
                    && eq(suffix, &candidate[candidate.len() - suffix.len()..])
            }
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
    fn write(&mut self, mut bytes: &[u8]) {
        while let Some((chunk, rest)) = bytes.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*chunk));
            bytes = rest;
        }
        if let Some((chunk, rest)) = bytes.split_first_chunk::<4>() {
            self.add(u64::from(u32::from_le_bytes(*chunk)));
            bytes = rest;
        }
        for &byte in bytes {
            self.add(u64::from(byte));
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
}

impl OriginIndex {
    /// Adds one origin entry of one rule. Entries with more than one `*` never reach here
    /// (validation refuses them).
    pub(crate) fn insert(&mut self, entry: &str, rule: usize) {
        let bit = rule_bit(rule);
        let entry = entry.as_bytes();
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

    /// The rules with an origin entry that matches `origin`.
    #[inline]
    pub(crate) fn matching(&self, origin: &str) -> RuleSet {
        let origin = origin.as_bytes();
        let mut rules = self.any;
        if !self.exact.is_empty() {
            if let Some(bits) = self.exact.get(origin) {
                rules |= bits;
            }
        }
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
        rules
    }
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

/// One rule's `AllowedHeader` entries, lower-cased at compile time.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderMatcher {
    any: bool,
    patterns: Vec<Pattern>,
}

impl HeaderMatcher {
    pub(crate) fn new(entries: &[String]) -> Self {
        let mut matcher = HeaderMatcher::default();
        for entry in entries {
            match Pattern::header(entry) {
                Some(pattern) if pattern.is_any() => matcher.any = true,
                Some(pattern) => matcher.patterns.push(pattern),
                None => {}
            }
        }
        matcher
    }

    /// True when every requested name matches an entry. `names` are tokens (checked before).
    #[inline]
    pub(crate) fn allows_all<'a>(&self, mut names: impl Iterator<Item = &'a str>) -> bool {
        if self.any {
            return true;
        }
        names.all(|name| self.patterns.iter().any(|p| p.is_match(name)))
    }
}
