//! `unreachable-rule`: earlier rules match every request a rule would.
//!
//! Exact, never a guess: a rule is unreachable when for every origin entry and every valid
//! method it lists, one earlier rule covers that entry, allows that method and allows every
//! header the rule allows. A request the rule would match has an origin some entry matches,
//! one of its methods and headers its entries allow, so that earlier rule matches it first.
//!
//! Cost: both fields' patterns are indexed once ([`CoverIndex`]); each entry of the
//! configuration is then looked up once, giving the set of rules that cover it, and sets are
//! combined a machine word (64 rules) at a time. A rule's header coverage is the intersection
//! over its headers, computed once, not per (origin, method) pair, and a rule whose headers no
//! earlier rule covers stops there. With E entries, r rules and C bytes: O(C + E·r/64) when
//! the patterns have a bounded number of distinct head and tail lengths (every real
//! document: `*`, `x-amz-*`, `https://*.example.com`), and O(C·√C + E·r/64) at worst, when an
//! entry's head must be looked up at up to √(2C) distinct lengths (see [`CoverIndex`]). S3
//! allows at most 100 rules, so r/64 ≤ 2 there; a configuration that is not valid can have up
//! to C rules, hence the r/64 term (quadratic in C, with a constant of 1/64 of a word
//! operation, only for configurations S3 refuses).

use super::cover::{CoverIndex, RuleSet};
use super::{LintCode, Warnings};
use crate::model::{CorsMethod, CorsRule};

/// The five methods, in the order of the sets below.
const METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];

/// The indexes and scratch sets of one `lint` call.
pub(super) struct Shadowing<'a> {
    rules: &'a [CorsRule],
    origins: CoverIndex<'a>,
    headers: CoverIndex<'a>,
    /// Per method of [`METHODS`]: the rules that list it.
    methods: [RuleSet; 5],
    /// The earlier rules that allow every header of the rule being checked.
    all_headers: RuleSet,
    scratch: RuleSet,
    /// The earlier rules whose origin entries cover the entry being checked, among
    /// `all_headers`.
    origin: RuleSet,
    by: RuleSet,
}

impl<'a> Shadowing<'a> {
    pub(super) fn new(rules: &'a [CorsRule]) -> Self {
        let count = rules.len();
        let mut methods = std::array::from_fn(|_| RuleSet::new(count));
        for (index, rule) in rules.iter().enumerate() {
            for method in &rule.allowed_methods {
                if let Some(at) = METHODS.iter().position(|m| m == method) {
                    methods[at].insert(index);
                }
            }
        }
        Shadowing {
            rules,
            origins: CoverIndex::new(rules.iter().map(|r| r.allowed_origins.as_slice()), false),
            headers: CoverIndex::new(rules.iter().map(|r| r.allowed_headers.as_slice()), true),
            methods,
            all_headers: RuleSet::new(count),
            scratch: RuleSet::new(count),
            origin: RuleSet::new(count),
            by: RuleSet::new(count),
        }
    }

    /// Warns when rules before `index` match every request rule `index` could match.
    pub(super) fn check(&mut self, out: &mut Warnings, index: usize) {
        let rule = &self.rules[index];
        let mut wanted = [false; 5];
        for method in &rule.allowed_methods {
            if CorsMethod::from_name(method).is_some() {
                if let Some(at) = METHODS.iter().position(|m| m == method) {
                    wanted[at] = true;
                }
            }
        }
        if index == 0 || !wanted.contains(&true) || rule.allowed_origins.is_empty() {
            return;
        }
        self.all_headers.fill_below(index);
        for header in &rule.allowed_headers {
            self.scratch.clear();
            self.headers.covering(header, &mut self.scratch);
            self.all_headers.intersect(&self.scratch);
            if self.all_headers.is_empty() {
                return;
            }
        }
        self.by.clear();
        for origin in &rule.allowed_origins {
            self.origin.clear();
            self.origins.covering(origin, &mut self.origin);
            self.origin.intersect(&self.all_headers);
            for (at, _) in wanted.iter().enumerate().filter(|(_, w)| **w) {
                match self.origin.first_common(&self.methods[at]) {
                    Some(cover) => self.by.insert(cover),
                    None => return,
                }
            }
        }
        let by: Vec<usize> = self.by.iter().collect();
        let (names, first) = match by.as_slice() {
            [one] => (format!("rule {one} matches"), *one),
            many => {
                let list: Vec<String> = many.iter().map(usize::to_string).collect();
                (format!("rules {} together match", list.join(", ")), many[0])
            }
        };
        out.push(
            LintCode::UnreachableRule,
            format!("the rule can never match: {names} every request it would"),
            format!("remove the rule, or move it before rule {first} if it should answer first"),
        );
    }
}
