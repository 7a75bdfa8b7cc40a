//! A per-rule trace of an evaluation, for people debugging a policy.
//!
//! [`CorsEngine::explain`] evaluates the request, then walks every rule and records which
//! origin entry, method and requested header matched or failed. It allocates freely; it is
//! for tools and logs, not for the hot path.

use std::fmt;

use crate::decision::{Decision, PassReason, RejectionKind};
use crate::engine::pattern::Pattern;
use crate::engine::{CorsEngine, is_acceptable_origin};
use crate::model::CorsMethod;
use crate::request::CorsRequest;
use crate::syntax::is_token;

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
    /// let request = CorsRequest::new("OPTIONS").origin("https://a.example").request_method("GET");
    /// let explanation = engine.explain(&request);
    /// assert_eq!(explanation.matched_rule, Some(1));
    /// assert!(!explanation.rules[0].method_allowed);
    /// ```
    #[must_use]
    pub fn explain(&self, request: &CorsRequest<'_>) -> Explanation {
        let decision = self.evaluate(request);
        let summary = summarize(&decision);
        let matched_rule = decision.matched_rule();
        let mut rules = Vec::new();
        let reached_rules = match decision {
            Decision::Pass(pass) => pass.reason() == PassReason::NoMatch,
            Decision::Reject(rejection) => rejection.kind() == RejectionKind::NotAllowed,
            Decision::Preflight(_) | Decision::Actual(_) => true,
        };
        if let (true, Some(config), Some(origin)) =
            (reached_rules, self.configuration(), request.origin_value())
        {
            let method = request.effective_method();
            let origin_ok = is_acceptable_origin(origin);
            let items: Vec<&str> = request.request_header_values().items().collect();
            let items_ok = items.iter().all(|item| is_token(item));
            for (index, rule) in config.rules.iter().enumerate() {
                let origin_match = rule
                    .allowed_origins
                    .iter()
                    .find(|entry| {
                        origin_ok && Pattern::origin(entry).is_some_and(|p| p.is_match(origin))
                    })
                    .cloned();
                let method_allowed = CorsMethod::from_name(method).is_some()
                    && rule.allowed_methods.iter().any(|m| m == method);
                let headers: Vec<HeaderTrace> = items
                    .iter()
                    .map(|name| HeaderTrace {
                        name: (*name).to_owned(),
                        allowed_by: rule
                            .allowed_headers
                            .iter()
                            .find(|entry| {
                                items_ok && Pattern::header(entry).is_some_and(|p| p.is_match(name))
                            })
                            .cloned(),
                    })
                    .collect();
                let matches = origin_match.is_some()
                    && method_allowed
                    && headers.iter().all(|h| h.allowed_by.is_some());
                rules.push(RuleTrace {
                    index,
                    id: rule.id.clone(),
                    origin_match,
                    origins: rule.allowed_origins.clone(),
                    method: method.to_owned(),
                    method_allowed,
                    headers,
                    matches,
                    chosen: matched_rule == Some(index),
                });
            }
        }
        Explanation {
            summary,
            matched_rule,
            rules,
        }
    }
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
