//! The first implementation of the lints, straight from their definitions, kept as the
//! reference the bounded one is checked against (`lint new == lint old` on generated
//! configurations). Only the fixes differ: the bounded lints never suggest writing an origin
//! the rule already lists.

use std::collections::HashSet;

use super::{BROWSER_MAX_AGE_SECONDS, LintCode, SAFELISTED_RESPONSE_HEADERS, Warning, Warnings};
use crate::model::CorsMethod;
use crate::model::{CorsConfiguration, CorsRule};

/// The first implementation of [`lint`](super::lint): quadratic to cubic, kept as the
/// reference the indexed one must agree with.
pub(super) fn lint(config: &CorsConfiguration) -> Vec<Warning> {
    let mut out = Warnings::default();
    let mut ids: Vec<(&str, usize)> = Vec::new();
    for (index, rule) in config.rules.iter().enumerate() {
        out.rule = Some(index);
        unreachable(&mut out, &config.rules[..index], rule);
        for origin in &rule.allowed_origins {
            origin_checks(&mut out, origin);
        }
        wildcard_write(&mut out, rule);
        duplicates(&mut out, rule);
        if let Some(id) = rule.id.as_deref() {
            match ids.iter().find(|(seen, _)| *seen == id) {
                Some((_, first)) => out.push(
                    LintCode::Duplicate,
                    format!("ID {id:?} is also the ID of rule {first}"),
                    "give each rule its own ID".to_owned(),
                ),
                None => ids.push((id, index)),
            }
        }
        etag(&mut out, rule);
        expose_headers(&mut out, rule);
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
    out.list
}

/// An `AllowedOrigin` entry taken apart the way a browser writes `Origin`:
/// `scheme://host[:port]`, and whatever follows.
struct OriginParts<'a> {
    /// The text before `://`, when the entry has one.
    scheme: Option<&'a str>,
    host: &'a str,
    port: Option<&'a str>,
    /// From the first `/` after the host on.
    path: Option<&'a str>,
}

impl<'a> OriginParts<'a> {
    fn new(entry: &'a str) -> Self {
        let (scheme, rest) = match entry.split_once("://") {
            Some((scheme, rest))
                if !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.*".contains(c)) =>
            {
                (Some(scheme), rest)
            }
            _ => (None, entry),
        };
        let (authority, path) = match rest.find('/') {
            Some(at) => (&rest[..at], Some(&rest[at..])),
            None => (rest, None),
        };
        // A port is what follows the last colon outside an IPv6 literal's brackets.
        let host_end = authority.rfind(']').unwrap_or(0);
        let (host, port) = match authority[host_end..].rfind(':') {
            Some(at) => {
                let at = host_end + at;
                (&authority[..at], Some(&authority[at + 1..]))
            }
            None => (authority, None),
        };
        OriginParts {
            scheme,
            host,
            port,
            path,
        }
    }

    /// `scheme://host[:port]`, without any path.
    fn origin(&self) -> String {
        let mut out = String::new();
        if let Some(scheme) = self.scheme {
            out.push_str(scheme);
            out.push_str("://");
        }
        out.push_str(self.host);
        if let Some(port) = self.port {
            out.push(':');
            out.push_str(port);
        }
        out
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "[::1]"
}

fn origin_checks(out: &mut Warnings, entry: &str) {
    if entry == "*" || entry.is_empty() {
        return;
    }
    if entry == "null" {
        out.push(
            LintCode::NullOrigin,
            "origin \"null\" lets in every page whose Origin is null: sandboxed iframes, file: \
             and data: pages, some redirects, which any site can produce"
                .to_owned(),
            "remove \"null\" and list the sites that need access".to_owned(),
        );
        return;
    }
    let parts = OriginParts::new(entry);
    let Some(scheme) = parts.scheme else {
        // A leading `*` stands for the scheme too (`*.example.com` matches
        // `https://app.example.com`); only its domain can be judged.
        if entry.starts_with('*') {
            wildcard_without_dot(out, entry, &parts);
        } else {
            out.push(
                LintCode::OriginNoScheme,
                format!(
                    "origin {entry:?} has no scheme; browsers send Origin as \
                     scheme://host[:port], so it never matches"
                ),
                format!("write \"https://{entry}\""),
            );
        }
        return;
    };
    if let Some(path) = parts.path {
        let what = if path == "/" {
            "a trailing slash"
        } else {
            "a path"
        };
        out.push(
            LintCode::OriginPath,
            format!(
                "origin {entry:?} has {what}; an Origin header never has one, so it never matches"
            ),
            format!("write {:?}", parts.origin()),
        );
    }
    if scheme.bytes().any(|b| b.is_ascii_uppercase())
        || parts.host.bytes().any(|b| b.is_ascii_uppercase())
    {
        let lower = OriginParts {
            scheme: Some(&scheme.to_ascii_lowercase()),
            host: &parts.host.to_ascii_lowercase(),
            port: parts.port,
            path: None,
        }
        .origin();
        out.push(
            LintCode::OriginUppercase,
            format!(
                "origin {entry:?} has upper-case letters; browsers send the scheme and host in \
                 lower case and S3 compares origins case-sensitively, so it never matches"
            ),
            format!("write {lower:?}"),
        );
    }
    let scheme_lower = scheme.to_ascii_lowercase();
    if let Some(port) = parts.port {
        let default = match scheme_lower.as_str() {
            "https" => port == "443",
            "http" => port == "80",
            _ => false,
        };
        if default {
            let without = OriginParts {
                port: None,
                path: None,
                ..OriginParts::new(entry)
            }
            .origin();
            out.push(
                LintCode::OriginDefaultPort,
                format!(
                    "origin {entry:?} names the default port; browsers leave it out of Origin, \
                     so it never matches"
                ),
                format!("write {without:?}"),
            );
        }
    }
    wildcard_without_dot(out, entry, &parts);
    if scheme_lower == "http" && !is_loopback(parts.host) {
        let secure = OriginParts {
            scheme: Some("https"),
            path: None,
            ..OriginParts::new(entry)
        }
        .origin();
        out.push(
            LintCode::InsecureOrigin,
            format!(
                "origin {entry:?} is plain http; a network attacker can inject script into \
                 that page and use its access to the bucket"
            ),
            format!("serve the site over https and write {secure:?}"),
        );
    }
}

fn wildcard_without_dot(out: &mut Warnings, entry: &str, parts: &OriginParts<'_>) {
    let Some((before, tail)) = parts.host.split_once('*') else {
        return;
    };
    // `*example.com` lets the `*` extend the registrable domain's own label. With two dots
    // or more after it (`*-cdn.example.com`) the domain is fixed; such names are not flagged,
    // which may miss `*example.co.uk` but never warns wrongly.
    if tail.is_empty()
        || tail.starts_with('.')
        || tail.contains('*')
        || tail.matches('.').count() > 1
    {
        return;
    }
    let scheme = parts
        .scheme
        .map_or("https://".to_owned(), |s| format!("{s}://"));
    let example = format!("{scheme}{before}evil{tail}");
    let dotted = entry.replacen('*', "*.", 1);
    out.push(
        LintCode::OriginWildcardWithoutDot,
        format!(
            "origin {entry:?} has no dot after its \"*\", so it also matches other domains \
             such as {example:?}"
        ),
        format!("write {dotted:?} (and the bare domain, if it needs access)"),
    );
}

fn wildcard_write(out: &mut Warnings, rule: &CorsRule) {
    if !rule.allowed_origins.iter().any(|o| o == "*") {
        return;
    }
    let writes: Vec<&str> = ["PUT", "POST", "DELETE"]
        .into_iter()
        .filter(|m| rule.allowed_methods.iter().any(|x| x == m))
        .collect();
    if writes.is_empty() {
        return;
    }
    let list = writes.join(", ");
    out.push(
        LintCode::WildcardOriginWrite,
        format!(
            "origin \"*\" with {list} lets every web page send {list} requests to the bucket \
             from its visitors' browsers"
        ),
        format!("move {list} to a rule that lists the sites that need them, and keep \"*\" for GET and HEAD"),
    );
}

fn duplicates(out: &mut Warnings, rule: &CorsRule) {
    let lists: [(&str, &[String], bool); 4] = [
        ("AllowedOrigin", &rule.allowed_origins, false),
        ("AllowedMethod", &rule.allowed_methods, false),
        ("AllowedHeader", &rule.allowed_headers, true),
        ("ExposeHeader", &rule.expose_headers, true),
    ];
    for (field, values, ignore_case) in lists {
        let mut seen: HashSet<String> = HashSet::new();
        let mut reported: HashSet<String> = HashSet::new();
        for value in values {
            let key = if ignore_case {
                value.to_ascii_lowercase()
            } else {
                value.clone()
            };
            if !seen.insert(key.clone()) && reported.insert(key) {
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

fn etag(out: &mut Warnings, rule: &CorsRule) {
    let uploads: Vec<&str> = ["PUT", "POST"]
        .into_iter()
        .filter(|m| rule.allowed_methods.iter().any(|x| x == m))
        .collect();
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

fn expose_headers(out: &mut Warnings, rule: &CorsRule) {
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

/// Warns when earlier rules match every request `rule` could match: for every origin entry
/// and method of the rule, one earlier rule covers that entry, allows the method and allows
/// every header the rule allows.
fn unreachable(out: &mut Warnings, earlier: &[CorsRule], rule: &CorsRule) {
    let methods: Vec<&str> = rule
        .allowed_methods
        .iter()
        .map(String::as_str)
        .filter(|m| CorsMethod::from_name(m).is_some())
        .collect();
    if earlier.is_empty() || methods.is_empty() || rule.allowed_origins.is_empty() {
        return;
    }
    let mut by: Vec<usize> = Vec::new();
    for origin in &rule.allowed_origins {
        for method in &methods {
            let cover = earlier.iter().position(|e| {
                e.allowed_methods.iter().any(|m| m == method)
                    && e.allowed_origins
                        .iter()
                        .any(|o| pattern_covers(o, origin, false))
                    && rule
                        .allowed_headers
                        .iter()
                        .all(|h| e.allowed_headers.iter().any(|g| pattern_covers(g, h, true)))
            });
            match cover {
                Some(index) if !by.contains(&index) => by.push(index),
                Some(_) => {}
                None => return,
            }
        }
    }
    by.sort_unstable();
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

/// True when every string `inner` matches, `outer` matches too. Both are single-`*`
/// patterns; one with more `*`s covers nothing and is covered by nothing.
fn pattern_covers(outer: &str, inner: &str, ignore_case: bool) -> bool {
    let (outer, inner) = if ignore_case {
        (outer.to_ascii_lowercase(), inner.to_ascii_lowercase())
    } else {
        (outer.to_owned(), inner.to_owned())
    };
    if outer.matches('*').count() > 1 || inner.matches('*').count() > 1 {
        return false;
    }
    match (outer.split_once('*'), inner.split_once('*')) {
        (None, None) => outer == inner,
        (None, Some(_)) => false,
        (Some((prefix, suffix)), None) => {
            inner.len() >= prefix.len() + suffix.len()
                && inner.starts_with(prefix)
                && inner.ends_with(suffix)
        }
        // `inner` matches `p x s` for any `x`: all of them start with `prefix` and end with
        // `suffix` exactly when `p` and `s` do.
        (Some((prefix, suffix)), Some((p, s))) => p.starts_with(prefix) && s.ends_with(suffix),
    }
}

mod agreement {
    use proptest::prelude::*;

    use crate::model::{CorsConfiguration, CorsRule};

    /// Entries from a small alphabet, so that rules overlap, cover and shadow each other often:
    /// mostly one of `whole`, sometimes pieces of `alphabet` put together.
    fn entry(
        whole: &'static [&'static str],
        alphabet: &'static [&'static str],
    ) -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(whole).prop_map(str::to_owned),
            1 => prop::collection::vec(prop::sample::select(alphabet), 0..5)
                .prop_map(|parts| parts.concat()),
        ]
    }

    fn rule() -> impl Strategy<Value = CorsRule> {
        let origin = entry(
            &[
                "*",
                "*",
                "https://a",
                "https://*",
                "https://*",
                "https://*.a",
                "https://b.a",
                "https://*a",
                "http://a",
                "https://a/",
                "a",
                "*b*",
            ],
            &["*", "https://", "http://", "a", "b", ".", "A", "/", ":443"],
        );
        let method = prop::sample::select(
            &[
                "GET", "GET", "GET", "PUT", "PUT", "HEAD", "POST", "DELETE", "get", "PATCH",
            ][..],
        );
        let header = entry(
            &[
                "*", "*", "x-*", "x-*", "X-A", "x-a", "x-*-b", "x-a-b", "*-b", "a*b*",
            ],
            &["*", "x", "X", "-", "a", "b"],
        );
        (
            prop::collection::vec(origin, 0..3),
            prop::collection::vec(method, 0..3),
            prop::collection::vec(header, 0..3),
            prop::collection::vec(
                prop::sample::select(&["ETag", "etag", "*", "Content-Type", "x"][..]),
                0..3,
            ),
            prop::option::of(prop::sample::select(&["a", "b"][..])),
            prop::option::of(prop::sample::select(&[0u32, 7200, 7201][..])),
        )
            .prop_map(|(origins, methods, headers, expose, id, max_age)| {
                let mut rule = CorsRule::new()
                    .allowed_origins(origins)
                    .allowed_methods(methods)
                    .allowed_headers(headers)
                    .expose_headers(expose);
                rule.id = id.map(str::to_owned);
                rule.max_age_seconds = max_age;
                rule
            })
    }

    /// The generator reaches the interesting cases: unreachable rules (covered by one rule and
    /// by several) and fixes that differ from the reference's.
    #[test]
    fn generated_configurations_shadow_and_repeat() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let (mut one, mut several, mut changed_fix) = (0, 0, 0);
        for _ in 0..4000 {
            let rules = prop::collection::vec(rule(), 0..7)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let config = CorsConfiguration::new(rules);
            for (new, old) in super::super::lint(&config).iter().zip(super::lint(&config)) {
                if new.code == crate::lint::LintCode::UnreachableRule {
                    if new.message.contains("rules ") {
                        several += 1
                    } else {
                        one += 1
                    }
                }
                changed_fix += usize::from(new.fix != old.fix);
            }
        }
        assert!(
            one > 50 && several > 1 && changed_fix > 50,
            "{one} {several} {changed_fix}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The bounded lints find the same warnings, in the same order with the same texts,
        /// as the reference; only a fix that would write an origin the rule already lists
        /// differs, and it then says to remove the entry.
        #[test]
        fn bounded_lint_equals_the_reference(rules in prop::collection::vec(rule(), 0..7)) {
            let config = CorsConfiguration::new(rules);
            let new = super::super::lint(&config);
            let old = super::lint(&config);
            prop_assert_eq!(new.len(), old.len());
            for (new, old) in new.iter().zip(&old) {
                prop_assert_eq!((new.rule, new.code, &new.message), (old.rule, old.code, &old.message));
                if new.fix != old.fix {
                    prop_assert!(new.fix.starts_with("remove "), "{:?} for {:?}", new.fix, old.fix);
                    let listed = &config.rules[new.rule.unwrap()].allowed_origins;
                    let quoted = |o: &String| format!("{o:?}");
                    prop_assert!(listed.iter().any(|o| old.fix.contains(&quoted(o))));
                }
            }
        }

        /// No fix says to write an origin the rule already lists.
        #[test]
        fn fixes_never_write_a_listed_origin(rules in prop::collection::vec(rule(), 1..4)) {
            let config = CorsConfiguration::new(rules);
            for warning in super::super::lint(&config) {
                let Some(index) = warning.rule else { continue };
                if let Some(written) = warning.fix.strip_prefix("write ").or_else(|| warning.fix.split_once(" and write ").map(|(_, w)| w)) {
                    for origin in &config.rules[index].allowed_origins {
                        let quoted = format!("{origin:?}");
                        prop_assert!(!written.starts_with(&quoted), "{}", warning);
                    }
                }
            }
        }
    }
}
