//! A per-rule trace of an evaluation, for people debugging a policy.
//!
//! [`CorsEngine::explain`] evaluates the request, then records for every rule which origin
//! entry, method and requested header matched or failed. It is for tools and logs, not for
//! the hot path, but its time is bounded (see [`CorsEngine::explain`]): a server may run it
//! on requests it does not control.

use std::fmt;

use crate::decision::{Decision, PassReason, RejectionKind};
use crate::engine::CorsEngine;
use crate::engine::origin_index::{Merge, OriginIndex};
use crate::model::{CorsMethod, CorsRule};
use crate::request::CorsRequest;
use crate::syntax::{is_acceptable_origin, is_token};

/// Why a request was decided the way it was, rule by rule.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// One line on the outcome, for example `"preflight allowed by rule 1"`.
    pub summary: String,
    /// The rule that won, if any.
    pub matched_rule: Option<usize>,
    /// Every rule's trace, in document order. Empty when evaluation stopped before the rules
    /// (no `Origin`, no configuration, a bad `Access-Control-Request-Method`).
    pub rules: Vec<RuleTrace>,
}

/// How one rule fared.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTrace {
    /// The rule's index.
    pub index: usize,
    /// The rule's `ID`.
    pub id: Option<String>,
    /// The `AllowedOrigin` entry that matched the request's `Origin`, if one did.
    pub origin_match: Option<String>,
    /// The rule's `AllowedOrigin` entries.
    pub origins: Vec<String>,
    /// The method the rule had to allow.
    pub method: String,
    /// Whether the rule allows it.
    pub method_allowed: bool,
    /// Each requested header, with the `AllowedHeader` entry that allowed it.
    pub headers: Vec<HeaderTrace>,
    /// True when the rule matches origin, method and every requested header.
    pub matches: bool,
    /// True for the rule that answered (the first that matches).
    pub chosen: bool,
}

/// How one requested header fared against one rule.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderTrace {
    /// The requested name, as sent.
    pub name: String,
    /// The `AllowedHeader` entry that matched it, if one did.
    pub allowed_by: Option<String>,
}

impl CorsEngine {
    /// Evaluates the request and explains the outcome rule by rule.
    ///
    /// ```
    /// use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, CorsRule};
    ///
    /// let config = CorsConfiguration::new(vec![
    ///     CorsRule::new().allowed_origin("https://a.example").allowed_method("PUT"),
    ///     CorsRule::new().allowed_origin("*").allowed_method("GET"),
    /// ]);
    /// let engine = CorsEngine::compile(&config).unwrap();
    /// let request = CorsRequest::builder("OPTIONS").origin("https://a.example").request_method("GET").build();
    /// let explanation = engine.explain(&request);
    /// assert_eq!(explanation.matched_rule, Some(1));
    /// assert!(!explanation.rules[0].method_allowed);
    /// ```
    ///
    /// # Cost
    ///
    /// With C the size of the configuration and n the size of the request, `explain` takes
    /// O(n + C) time besides the trace it returns (one [`RuleTrace`] per rule, each with one
    /// [`HeaderTrace`] per requested name, so at most 100 × the requested names): it indexes
    /// the rules' origin and header entries once, keyed by text with the first position of
    /// each entry in each rule, as the compiled engine indexes them; then the origin and
    /// each requested name (lower-cased once, into one reused buffer) are looked up once,
    /// with one hash lookup per distinct pattern length (plus a compare per `prefix*suffix`
    /// pattern that shares the name's suffix, as in `evaluate`). No pattern is built and
    /// nothing is allocated per comparison.
    #[must_use]
    pub fn explain(&self, request: &CorsRequest<'_>) -> Explanation {
        let decision = self.evaluate(request);
        let summary = summarize(&decision);
        let matched_rule = decision.matched_rule();
        let reached_rules = match decision {
            Decision::Pass(pass) => pass.reason() == PassReason::NoMatch,
            Decision::Reject(rejection) => rejection.kind() == RejectionKind::NotAllowed,
            Decision::Preflight(_) | Decision::Actual(_) => true,
        };
        let rules = match (reached_rules, self.configuration(), request.origin()) {
            (true, Some(config), Some(origin)) => {
                trace_rules(&config.rules, request, origin, matched_rule)
            }
            _ => Vec::new(),
        };
        Explanation {
            summary,
            matched_rule,
            rules,
        }
    }
}

/// For one entry text: each rule that lists it, with the position of its first such entry,
/// in rule order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Firsts(Vec<(usize, usize)>);

impl Merge for Firsts {
    fn merge(&mut self, other: &Self) {
        // Entries are inserted in document order, so a rule already present keeps its first
        // position, and it can only be the last one.
        for &(rule, at) in &other.0 {
            if self.0.last().is_none_or(|&(last, _)| last != rule) {
                self.0.push((rule, at));
            }
        }
    }
}

/// The entries of every rule, indexed by text: the index, and the text its keys are
/// ranges of.
struct Entries {
    index: OriginIndex<Firsts>,
    text: Vec<u8>,
}

/// The entries of every rule, as picked by `entries`, indexed by text (lower-cased for
/// header names). Entries with more than one `*` (which validation refuses) are left out.
fn index_entries(
    rules: &[CorsRule],
    entries: impl Fn(&CorsRule) -> &[String],
    lower: bool,
) -> Entries {
    let mut text = Vec::new();
    let mut keys = Vec::new();
    for (rule, r) in rules.iter().enumerate() {
        for (at, entry) in entries(r).iter().enumerate() {
            if entry.bytes().filter(|&b| b == b'*').count() > 1 {
                continue;
            }
            // A configuration's text is far below 4 GiB; a larger one is indexed in part.
            let (Ok(start), Ok(len)) = (u32::try_from(text.len()), u32::try_from(entry.len()))
            else {
                break;
            };
            text.extend(
                entry
                    .bytes()
                    .map(|b| if lower { b.to_ascii_lowercase() } else { b }),
            );
            keys.push((start, len, Firsts(vec![(rule, at)])));
        }
    }
    let mut index = OriginIndex::default();
    for (start, len, value) in &keys {
        index.insert_value(&text, *start, *len, value);
    }
    index.finish(&text);
    Entries { index, text }
}

/// For each rule, the position of its first entry in `entries` that matches `key`.
fn first_matches(entries: &Entries, key: &[u8], firsts: &mut [Option<usize>]) {
    firsts.fill(None);
    let mut take = |value: &Firsts| {
        for &(rule, at) in &value.0 {
            let slot = &mut firsts[rule];
            *slot = Some(slot.map_or(at, |old| old.min(at)));
        }
    };
    let Entries { index, text } = entries;
    take(index.any());
    index.visit_exact(text, key, &mut take);
    index.visit_wild(text, key, &mut take);
}

fn trace_rules(
    rules: &[CorsRule],
    request: &CorsRequest<'_>,
    origin: &str,
    matched_rule: Option<usize>,
) -> Vec<RuleTrace> {
    let method = request.effective_method();
    let known_method = CorsMethod::from_name(method).is_some();
    let mut origin_at = vec![None; rules.len()];
    if is_acceptable_origin(origin) {
        let origins = index_entries(rules, |r| &r.allowed_origins, false);
        first_matches(&origins, origin.as_bytes(), &mut origin_at);
    }
    let items: Vec<&str> = request.request_headers().items().collect();
    // A name that is not a token is allowed by no rule, and neither is the request.
    let items_ok = items.iter().all(|item| is_token(item));
    // For each rule, each requested name with the entry that allows it.
    let mut traces: Vec<Vec<HeaderTrace>> = vec![Vec::with_capacity(items.len()); rules.len()];
    let headers =
        (items_ok && !items.is_empty()).then(|| index_entries(rules, |r| &r.allowed_headers, true));
    let mut lower = String::new();
    let mut firsts = vec![None; rules.len()];
    for name in &items {
        if let Some(headers) = &headers {
            lower.clear();
            lower.push_str(name);
            lower.make_ascii_lowercase();
            first_matches(headers, lower.as_bytes(), &mut firsts);
        }
        for ((rule, trace), at) in rules.iter().zip(&mut traces).zip(&firsts) {
            trace.push(HeaderTrace {
                name: (*name).to_owned(),
                allowed_by: at.map(|at| rule.allowed_headers[at].clone()),
            });
        }
    }
    rules
        .iter()
        .zip(traces)
        .enumerate()
        .map(|(index, (rule, headers))| {
            let origin_match = origin_at[index].map(|at| rule.allowed_origins[at].clone());
            let method_allowed = known_method && rule.allowed_methods.iter().any(|m| m == method);
            let matches = origin_match.is_some()
                && method_allowed
                && headers.iter().all(|h| h.allowed_by.is_some());
            RuleTrace {
                index,
                id: rule.id.clone(),
                origin_match,
                origins: rule.allowed_origins.clone(),
                method: method.to_owned(),
                method_allowed,
                headers,
                matches,
                chosen: matched_rule == Some(index),
            }
        })
        .collect()
}

fn summarize(decision: &Decision<'_>) -> String {
    match decision {
        Decision::Pass(pass) => match pass.reason() {
            PassReason::NoOrigin => {
                "not a CORS request (no Origin header): no CORS headers".to_owned()
            }
            PassReason::NoConfiguration => {
                "the bucket has no CORS configuration: no CORS headers".to_owned()
            }
            PassReason::NoMatch => "no rule matches: served without CORS headers".to_owned(),
        },
        Decision::Preflight(allowed) => format!("preflight allowed by rule {}", allowed.rule()),
        Decision::Actual(allowed) => format!(
            "request allowed by rule {}: CORS headers added",
            allowed.rule()
        ),
        Decision::Reject(rejection) => {
            let why = match rejection.kind() {
                RejectionKind::MissingOrigin => "no Origin header",
                RejectionKind::BucketNotFound => "the bucket does not exist",
                RejectionKind::CorsNotEnabled => "the bucket has no CORS configuration",
                RejectionKind::InvalidRequestMethod => {
                    "Access-Control-Request-Method is missing or not GET, PUT, HEAD, POST or DELETE"
                }
                RejectionKind::NotAllowed => "no rule matches",
            };
            format!(
                "preflight rejected with {} {}: {why}",
                rejection.status(),
                rejection.code()
            )
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for rule in &self.rules {
            write!(f, "rule {}", rule.index)?;
            if let Some(id) = &rule.id {
                write!(f, " ({id:?})")?;
            }
            let verdict = match (rule.chosen, rule.matches) {
                (true, _) => "matches, chosen",
                (false, true) => "matches, but an earlier rule was chosen",
                (false, false) => "does not match",
            };
            writeln!(f, ": {verdict}")?;
            match &rule.origin_match {
                Some(entry) => writeln!(f, "  origin:  ok, by {entry:?}")?,
                None => writeln!(f, "  origin:  no entry of {:?} matches", rule.origins)?,
            }
            let ok = if rule.method_allowed {
                "ok"
            } else {
                "not allowed"
            };
            writeln!(f, "  method:  {} {ok}", rule.method)?;
            for header in &rule.headers {
                match &header.allowed_by {
                    Some(entry) => writeln!(f, "  header:  {} ok, by {entry:?}", header.name)?,
                    None => writeln!(f, "  header:  {} not allowed", header.name)?,
                }
            }
        }
        write!(f, "decision: {}", self.summary)
    }
}
