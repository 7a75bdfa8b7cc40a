//! The checks of one rule's lists as a whole: origin `*` with write methods, duplicated
//! values, the `ETag` of uploads, needless `ExposeHeader`s and `MaxAgeSeconds`. Each is
//! O(size of the rule): duplicates are found through a hash set of borrowed values (names
//! hashed with their case folded in place).

use std::collections::HashSet;

use super::cover::Key;
use super::{BROWSER_MAX_AGE_SECONDS, LintCode, SAFELISTED_RESPONSE_HEADERS, Warnings};
use crate::model::CorsRule;

pub(super) fn wildcard_write(out: &mut Warnings, rule: &CorsRule) {
    if !rule.allowed_origins.iter().any(|o| o == "*") {
        return;
    }
    let list = allowed(rule, &["PUT", "POST", "DELETE"]).join(", ");
    if list.is_empty() {
        return;
    }
    out.push(
        LintCode::WildcardOriginWrite,
        format!(
            "origin \"*\" with {list} lets every web page send {list} requests to the bucket \
             from its visitors' browsers"
        ),
        format!("move {list} to a rule that lists the sites that need them, and keep \"*\" for GET and HEAD"),
    );
}

/// Those of `methods` the rule allows, in the order given: one pass over its methods.
fn allowed(rule: &CorsRule, methods: &[&'static str]) -> Vec<&'static str> {
    let mut found = vec![false; methods.len()];
    for method in &rule.allowed_methods {
        if let Some(at) = methods.iter().position(|m| m == method) {
            found[at] = true;
        }
    }
    methods
        .iter()
        .zip(found)
        .filter_map(|(m, found)| found.then_some(*m))
        .collect()
}

pub(super) fn duplicates(out: &mut Warnings, rule: &CorsRule) {
    let lists: [(&str, &[String], bool); 4] = [
        ("AllowedOrigin", &rule.allowed_origins, false),
        ("AllowedMethod", &rule.allowed_methods, false),
        ("AllowedHeader", &rule.allowed_headers, true),
        ("ExposeHeader", &rule.expose_headers, true),
    ];
    let longest = lists.iter().map(|(_, values, _)| values.len()).max();
    let mut seen: HashSet<Key<'_>> = HashSet::with_capacity(longest.unwrap_or(0));
    let mut reported: HashSet<Key<'_>> = HashSet::new();
    for (field, values, ignore_case) in lists {
        seen.clear();
        reported.clear();
        for value in values {
            let key = Key::new(value, ignore_case);
            if !seen.insert(key) && reported.insert(key) {
                let extra = if ignore_case {
                    " (names ignore case)"
                } else {
                    ""
                };
                out.push(
                    LintCode::Duplicate,
                    format!("{field} {value:?} is listed more than once{extra}"),
                    format!("keep one {field} {value:?}"),
                );
            }
        }
    }
}

pub(super) fn etag(out: &mut Warnings, rule: &CorsRule) {
    let uploads = allowed(rule, &["PUT", "POST"]);
    // A lenient `*` exposes every header to requests without credentials; give it the benefit
    // of the doubt.
    let exposed = rule
        .expose_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("ETag") || h == "*");
    if uploads.is_empty() || exposed {
        return;
    }
    out.push(
        LintCode::EtagNotExposed,
        format!(
            "the rule allows {} but does not expose ETag; a browser multipart upload cannot \
             read the part ETags it needs to complete",
            uploads.join(" and ")
        ),
        "add ExposeHeader \"ETag\"".to_owned(),
    );
}

pub(super) fn expose_headers(out: &mut Warnings, rule: &CorsRule) {
    for header in &rule.expose_headers {
        let why = if header
            .get(..15)
            .is_some_and(|p| p.eq_ignore_ascii_case("access-control-"))
        {
            "is a CORS header the browser reads itself"
        } else if SAFELISTED_RESPONSE_HEADERS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(header))
        {
            "is CORS-safelisted: scripts can always read it"
        } else {
            continue;
        };
        out.push(
            LintCode::NeedlessExposeHeader,
            format!("ExposeHeader {header:?} {why}; exposing it does nothing"),
            format!("remove ExposeHeader {header:?}"),
        );
    }
}

pub(super) fn max_age(out: &mut Warnings, rule: &CorsRule) {
    if let Some(max_age) = rule
        .max_age_seconds
        .filter(|s| *s > BROWSER_MAX_AGE_SECONDS)
    {
        out.push(
            LintCode::MaxAgeTooLong,
            format!(
                "MaxAgeSeconds {max_age} is more than browsers honour: Chromium caches a \
                 preflight for at most {BROWSER_MAX_AGE_SECONDS} seconds, Firefox for 86400"
            ),
            format!("set MaxAgeSeconds to {BROWSER_MAX_AGE_SECONDS} or less"),
        );
    }
}
