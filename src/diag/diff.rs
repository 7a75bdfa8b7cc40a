//! Which access changes between two policies, exactly.
//!
//! [`diff`] compares two compiled engines and lists every kind of request that one allows and
//! the other refuses ([`AccessChange`]), and every kind of allowed request whose CORS
//! response headers differ ([`ResponseChange`]: credentials, exposed headers, max age,
//! allowed methods, `Vary`).

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::decision::Decision;
use crate::engine::CorsEngine;
use crate::model::{CorsMethod, CorsRule};
use crate::request::{CorsRequest, HeaderLines};

/// Whether a change lets more requests through or fewer.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Refused before, allowed now.
    Widened,
    /// Allowed before, refused now.
    Narrowed,
}

impl Direction {
    /// `widened` or `narrowed`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Direction::Widened => "widened",
            Direction::Narrowed => "narrowed",
        }
    }
}

/// Which origins a witness origin stands for.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OriginClass {
    /// Exactly this origin, an exact entry of one of the documents.
    Exact,
    /// Origins matching these patterns (and no other pattern or exact entry).
    Pattern {
        /// The patterns, as written.
        patterns: Vec<String>,
    },
    /// Origins no entry names, allowed only by `*` where a rule has it.
    Unlisted,
}

/// One witness request: a preflight from this origin for this method and header list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Witness {
    /// The `Origin`.
    pub origin: String,
    /// The origins it stands for.
    pub origin_class: OriginClass,
    /// The method (`Access-Control-Request-Method`).
    #[serde(serialize_with = "serialize_method")]
    pub method: CorsMethod,
    /// The `Access-Control-Request-Headers` names; `None` when the header is absent.
    pub request_headers: Option<Vec<String>>,
}

fn serialize_method<S: serde::Serializer>(
    method: &CorsMethod,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(method.as_str())
}

/// A kind of request allowed by one policy and refused by the other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AccessChange {
    /// Widened or narrowed.
    pub direction: Direction,
    /// The request.
    pub request: Witness,
    /// The old policy's rule that allowed it, if any.
    pub old_rule: Option<usize>,
    /// The new policy's rule that allows it, if any.
    pub new_rule: Option<usize>,
}

/// One response header that differs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct HeaderChange {
    /// The header's name.
    pub name: &'static str,
    /// Its old value; `None` when it was not sent.
    pub old: Option<String>,
    /// Its new value; `None` when it is not sent.
    pub new: Option<String>,
}

/// A kind of request both policies answer the same way, allowed or not, with different
/// response headers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ResponseChange {
    /// The request.
    pub request: Witness,
    /// The old policy's rule that allowed it, if any.
    pub old_rule: Option<usize>,
    /// The new policy's rule that allows it, if any.
    pub new_rule: Option<usize>,
    /// The headers that differ.
    pub headers: Vec<HeaderChange>,
}

/// Every change of access and of response headers between two policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicyDiff {
    /// Requests allowed by one policy and refused by the other.
    pub access: Vec<AccessChange>,
    /// Requests answered with different response headers.
    pub responses: Vec<ResponseChange>,
}

impl PolicyDiff {
    /// True when the policies answer every request alike.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.access.is_empty() && self.responses.is_empty()
    }

    /// True when some request refused before is allowed now.
    #[must_use]
    pub fn widens(&self) -> bool {
        self.access
            .iter()
            .any(|c| c.direction == Direction::Widened)
    }

    /// True when some request allowed before is refused now.
    #[must_use]
    pub fn narrows(&self) -> bool {
        self.access
            .iter()
            .any(|c| c.direction == Direction::Narrowed)
    }
}

impl fmt::Display for Witness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} from {:?}", self.method, self.origin)?;
        match &self.origin_class {
            OriginClass::Exact => f.write_str(" (exact)")?,
            OriginClass::Pattern { patterns } => write!(f, " (matching {})", patterns.join(", "))?,
            OriginClass::Unlisted => f.write_str(" (any unlisted origin)")?,
        }
        match &self.request_headers {
            None => Ok(()),
            Some(names) => write!(f, " with headers {}", names.join(", ")),
        }
    }
}

fn show_rule(rule: Option<usize>) -> String {
    rule.map_or_else(|| "refused".to_owned(), |rule| format!("rule {rule}"))
}

impl fmt::Display for PolicyDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no change\n");
        }
        let widened = self
            .access
            .iter()
            .filter(|c| c.direction == Direction::Widened)
            .count();
        writeln!(
            f,
            "{} access changes ({widened} widened, {} narrowed), {} response changes",
            self.access.len(),
            self.access.len() - widened,
            self.responses.len()
        )?;
        for change in &self.access {
            let sign = if change.direction == Direction::Widened {
                '+'
            } else {
                '-'
            };
            writeln!(
                f,
                "{sign} {}: {} before, {} now",
                change.request,
                show_rule(change.old_rule),
                show_rule(change.new_rule)
            )?;
        }
        for change in &self.responses {
            writeln!(f, "~ {}:", change.request)?;
            for header in &change.headers {
                writeln!(
                    f,
                    "    {}: {} -> {}",
                    header.name.to_ascii_lowercase(),
                    header.old.as_deref().unwrap_or("(absent)"),
                    header.new.as_deref().unwrap_or("(absent)")
                )?;
            }
        }
        Ok(())
    }
}

/// Every change of access and response headers between two compiled policies.
///
/// # Why the answer is exact
///
/// A request matters to the engine only through its method and, for its origin and each
/// requested header name, *which entries match it*. So the witnesses are derived from the
/// entries of both documents, and two names that match the same entries of every rule are
/// one class:
///
/// - origins: each exact entry; for each pair of patterns that one string can match (their
///   prefixes, and their suffixes, one within the other; a pattern pairs with itself), the
///   longer prefix and longer suffix filled with a character no entry holds, and every string
///   where they overlap; one origin no entry but `*` allows. Any origin matches the same
///   entries as one of these: if it equals an exact entry, that entry; if it matches no
///   pattern, the unlisted one; otherwise it starts with the longest prefix and ends with the
///   longest suffix of the patterns it matches, and is either that pair filled (matching the
///   same patterns) or one of their overlaps (the same string).
/// - request header names, alike, compared without case.
/// - request header lists: for an origin class and method, the answer to a list is the first
///   rule of each policy that allows every name in it. If a list `H` is answered by rule `a`
///   of the old policy and `b` of the new, so is the list of every class both `a` and `b`
///   allow (a rule before `a` allowing that larger list would allow `H`). So the witness lists
///   are those intersections, for each pair of rules (or one rule, against none), and no list.
///
/// Each witness request is answered by [`CorsEngine::evaluate`] of both engines, so the diff
/// reports the engines' own answers. The character filling patterns must be one no entry
/// holds; for header names it is an HTTP token character, and a document using every token
/// character (besides upper-case letters) leaves the filled witnesses approximate.
///
/// # Cost
///
/// With `E` the entries of both documents, `Q` the patterns among them (`Q ≤ E`) and `R`
/// the rules: at most `E + Q² + 1` origin and header-name witnesses (each at most twice the
/// longest entry), each matched against every entry, so `O((E + Q²) · E)` time for the
/// classes; then for each origin class and method at most `(R + 1)²` lists, each checked
/// against `R` rules as bit sets, and evaluated. Memory is `O(E + Q²)` witnesses and the
/// changes found. Both documents are at most 64 KB, which bounds `Q²` in practice.
///
/// ```
/// use bucket_cors::{CorsConfiguration, CorsEngine, CorsRule, diff};
///
/// let old = CorsEngine::compile(&CorsConfiguration::new(vec![
///     CorsRule::new().allowed_origin("https://app.example.com").allowed_method("GET"),
/// ]))?;
/// let new = CorsEngine::compile(&CorsConfiguration::new(vec![
///     CorsRule::new().allowed_origin("https://*.example.com").allowed_method("GET"),
/// ]))?;
/// let changes = diff(&old, &new);
/// assert!(changes.widens() && !changes.narrows());
/// # Ok::<(), bucket_cors::ConfigError>(())
/// ```
#[must_use]
pub fn diff(old: &CorsEngine, new: &CorsEngine) -> PolicyDiff {
    let old_config = old.configuration().unwrap_or_default();
    let new_config = new.configuration().unwrap_or_default();
    let rules: Vec<&CorsRule> = old_config.rules.iter().chain(&new_config.rules).collect();
    let split = old_config.rules.len();

    let origin_entries: Vec<&str> = rules
        .iter()
        .flat_map(|r| r.allowed_origins.iter().map(String::as_str))
        .collect();
    let origin_patterns = Entries::new(&origin_entries, false);
    let origin_shapes: Vec<Vec<Shape<'_>>> = rules
        .iter()
        .map(|r| r.allowed_origins.iter().map(|e| shape(e)).collect())
        .collect();
    let origin_classes = classes(&origin_patterns, &origin_shapes);

    let header_entries: Vec<String> = rules
        .iter()
        .flat_map(|r| r.allowed_headers.iter().map(|h| h.to_ascii_lowercase()))
        .filter(|h| !h.is_empty())
        .collect();
    let header_refs: Vec<&str> = header_entries.iter().map(String::as_str).collect();
    let header_patterns = Entries::new(&header_refs, true);
    let lowered: Vec<Vec<String>> = rules
        .iter()
        .map(|r| {
            r.allowed_headers
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect()
        })
        .collect();
    let header_shapes: Vec<Vec<Shape<'_>>> = lowered
        .iter()
        .map(|list| list.iter().map(|e| shape(e)).collect())
        .collect();
    let header_classes = classes(&header_patterns, &header_shapes);
    // Acc(rule): the header classes each rule allows.
    let accepts: Vec<Bits> = (0..rules.len())
        .map(|rule| {
            let mut bits = Bits::new(header_classes.len());
            for (class, (_, signature)) in header_classes.iter().enumerate() {
                if signature.get(rule) {
                    bits.set(class);
                }
            }
            bits
        })
        .collect();
    let all_headers = Bits::full(header_classes.len());

    let mut out = PolicyDiff::default();
    for (origin, signature) in &origin_classes {
        let origin_class = origin_patterns.class_of(origin);
        for method in CorsMethod::ALL {
            let matching = |range: std::ops::Range<usize>| -> Vec<usize> {
                range
                    .filter(|&r| {
                        signature.get(r)
                            && rules[r]
                                .allowed_methods
                                .iter()
                                .any(|m| m == method.as_str())
                    })
                    .collect()
            };
            let old_rules = matching(0..split);
            let new_rules = matching(split..rules.len());
            let first_allowing = |list: &[usize], set: &Bits| {
                list.iter().copied().find(|&r| set.is_subset(&accepts[r]))
            };
            let mut lists: Vec<Option<Bits>> = vec![None];
            let mut seen = HashSet::new();
            for a in old_rules.iter().copied().map(Some).chain([None]) {
                for b in new_rules.iter().copied().map(Some).chain([None]) {
                    if a.is_none() && b.is_none() {
                        continue;
                    }
                    let mut set = all_headers.clone();
                    if let Some(a) = a {
                        set.intersect(&accepts[a]);
                    }
                    if let Some(b) = b {
                        set.intersect(&accepts[b]);
                    }
                    if set.is_empty()
                        || first_allowing(&old_rules, &set) != a
                        || first_allowing(&new_rules, &set) != b
                        || !seen.insert(set.clone())
                    {
                        continue;
                    }
                    lists.push(Some(set));
                }
            }
            for list in lists {
                let names: Option<Vec<&str>> = list.map(|set| {
                    set.iter()
                        .map(|class| header_classes[class].0.as_str())
                        .collect()
                });
                compare(old, new, origin, &origin_class, method, names, &mut out);
            }
        }
    }
    out
}

/// The one place witness requests are built.
fn request<'a>(origin: &'a str, method: CorsMethod, headers: Option<&'a str>) -> CorsRequest<'a> {
    CorsRequest::builder("OPTIONS")
        .origin(origin)
        .request_method(method.as_str())
        .request_headers(headers.map_or(HeaderLines::ABSENT, HeaderLines::one))
        .build()
}

fn compare(
    old: &CorsEngine,
    new: &CorsEngine,
    origin: &str,
    origin_class: &OriginClass,
    method: CorsMethod,
    names: Option<Vec<&str>>,
    out: &mut PolicyDiff,
) {
    let line = names.as_ref().map(|names| names.join(", "));
    let req = request(origin, method, line.as_deref());
    let (before, after) = (old.evaluate(&req), new.evaluate(&req));
    let witness = || Witness {
        origin: origin.to_owned(),
        origin_class: origin_class.clone(),
        method,
        request_headers: names
            .as_ref()
            .map(|names| names.iter().map(|&n| n.to_owned()).collect()),
    };
    let allowed = |d: &Decision<'_>| matches!(d, Decision::Preflight(_) | Decision::Actual(_));
    let (old_rule, new_rule) = (before.matched_rule(), after.matched_rule());
    if allowed(&before) != allowed(&after) {
        let direction = if allowed(&after) {
            Direction::Widened
        } else {
            Direction::Narrowed
        };
        out.access.push(AccessChange {
            direction,
            request: witness(),
            old_rule,
            new_rule,
        });
        return;
    }
    if before.headers().eq(after.headers()) {
        return;
    }
    let collect = |d: &Decision<'_>| -> Vec<(&'static str, String)> {
        d.headers()
            .map(|(name, value)| (name, value.to_string()))
            .collect()
    };
    let (old_headers, new_headers) = (collect(&before), collect(&after));
    if old_headers == new_headers {
        return;
    }
    let mut names: Vec<&'static str> = old_headers
        .iter()
        .chain(&new_headers)
        .map(|(n, _)| *n)
        .collect();
    names.dedup();
    let mut unique = Vec::new();
    for name in names {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    let value = |list: &[(&'static str, String)], name| {
        list.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let headers = unique
        .into_iter()
        .filter_map(|name| {
            let (old, new) = (value(&old_headers, name), value(&new_headers, name));
            (old != new).then_some(HeaderChange { name, old, new })
        })
        .collect();
    out.responses.push(ResponseChange {
        request: witness(),
        old_rule,
        new_rule,
        headers,
    });
}

/// One entry, split at its `*`.
#[derive(Debug, Clone, Copy)]
enum Shape<'a> {
    Exact(&'a str),
    Any,
    Wild(&'a str, &'a str),
}

fn shape(entry: &str) -> Shape<'_> {
    match entry.split_once('*') {
        None => Shape::Exact(entry),
        Some(("", "")) => Shape::Any,
        Some((prefix, suffix)) => Shape::Wild(prefix, suffix),
    }
}

impl Shape<'_> {
    /// True when the entry matches the name, as the engine matches (header entries and
    /// names are lower-cased before).
    fn matches(&self, name: &str) -> bool {
        match *self {
            Shape::Exact(exact) => exact == name,
            Shape::Any => true,
            Shape::Wild(prefix, suffix) => {
                name.len() >= prefix.len() + suffix.len()
                    && name.starts_with(prefix)
                    && name.ends_with(suffix)
            }
        }
    }
}

/// The entries of one kind (origins, or lower-cased header names) and their witnesses.
struct Entries<'a> {
    witnesses: Vec<String>,
    patterns: Vec<(&'a str, &'a str, &'a str)>,
    exact: HashSet<&'a str>,
}

impl<'a> Entries<'a> {
    fn new(entries: &[&'a str], header: bool) -> Self {
        let mut exact = HashSet::new();
        let mut patterns = Vec::new();
        let mut used = HashSet::new();
        for entry in entries {
            used.extend(entry.chars());
            match shape(entry) {
                Shape::Exact(text) => {
                    exact.insert(text);
                }
                Shape::Any => {}
                Shape::Wild(prefix, suffix) => patterns.push((*entry, prefix, suffix)),
            }
        }
        let fill = fresh_char(&used, header);
        let mut witnesses: Vec<String> = Vec::new();
        let mut have = HashSet::new();
        let mut add = |text: String| {
            if !(header && text.is_empty()) && have.insert(text.clone()) {
                witnesses.push(text);
            }
        };
        for text in &exact {
            add((*text).to_owned());
        }
        add(fill.to_string());
        // Pairs of patterns one string can match: group by prefix, pair prefixes one within
        // the other, and within those, suffixes one within the other.
        let mut by_prefix: HashMap<&str, Vec<&str>> = HashMap::new();
        for (_, prefix, suffix) in &patterns {
            let suffixes = by_prefix.entry(prefix).or_default();
            if !suffixes.contains(suffix) {
                suffixes.push(suffix);
            }
        }
        let prefixes: Vec<&str> = by_prefix.keys().copied().collect();
        for long in &prefixes {
            for short in &prefixes {
                if !long.starts_with(short) {
                    continue;
                }
                for s1 in &by_prefix[long] {
                    for s2 in &by_prefix[short] {
                        let suffix = if s1.ends_with(s2) {
                            *s1
                        } else if s2.ends_with(s1) {
                            *s2
                        } else {
                            continue;
                        };
                        add(format!("{long}{fill}{suffix}"));
                        add(format!("{long}{suffix}"));
                        for k in 1..=long.len().min(suffix.len()) {
                            if suffix.get(..k).is_some_and(|head| long.ends_with(head)) {
                                add(format!("{long}{}", &suffix[k..]));
                            }
                        }
                    }
                }
            }
        }
        Entries {
            witnesses,
            patterns,
            exact,
        }
    }

    /// What origins a witness stands for.
    fn class_of(&self, witness: &str) -> OriginClass {
        if self.exact.contains(witness) {
            return OriginClass::Exact;
        }
        let mut patterns: Vec<String> = Vec::new();
        for (entry, _, _) in &self.patterns {
            if shape(entry).matches(witness) && !patterns.iter().any(|p| p == entry) {
                patterns.push((*entry).to_owned());
            }
        }
        if patterns.is_empty() {
            OriginClass::Unlisted
        } else {
            OriginClass::Pattern { patterns }
        }
    }
}

/// A character no entry holds: for header names, an HTTP token character that is not an
/// upper-case letter or `*`.
fn fresh_char(used: &HashSet<char>, header: bool) -> char {
    const TOKEN: &str = "x~!#$%&'+-.^_`|0123456789abcdefghijklmnopqrstuvwyz";
    if header {
        return TOKEN.chars().find(|c| !used.contains(c)).unwrap_or('~');
    }
    TOKEN
        .chars()
        .chain((0xC0u32..).filter_map(char::from_u32))
        .find(|c| !used.contains(c))
        .unwrap_or('\u{10FFFF}')
}

/// The witnesses, one per signature (the set of rules whose entries match it), first kept.
fn classes(entries: &Entries<'_>, rules: &[Vec<Shape<'_>>]) -> Vec<(String, Bits)> {
    let mut seen: HashMap<Bits, usize> = HashMap::new();
    let mut out = Vec::new();
    for witness in &entries.witnesses {
        let mut signature = Bits::new(rules.len());
        for (index, shapes) in rules.iter().enumerate() {
            if shapes.iter().any(|s| s.matches(witness)) {
                signature.set(index);
            }
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(signature.clone()) {
            slot.insert(out.len());
            out.push((witness.clone(), signature));
        }
    }
    out
}

/// A fixed-size bit set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Self {
        Bits(vec![0; len.div_ceil(64)])
    }

    fn full(len: usize) -> Self {
        let mut bits = Bits::new(len);
        for i in 0..len {
            bits.set(i);
        }
        bits
    }

    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    fn intersect(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= b;
        }
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    fn is_subset(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & !b == 0)
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, word)| {
            (0..64)
                .filter(move |bit| word & (1 << bit) != 0)
                .map(move |bit| w * 64 + bit)
        })
    }
}
