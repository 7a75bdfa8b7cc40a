//! Which requests decide a policy: the preflights and actual requests `probe` sends.
//!
//! From each rule: every origin entry (a pattern filled, `*` as an origin no entry names),
//! every method, every header entry alone and all together, and `GET`/`HEAD` actual requests;
//! then the near misses that tell an exact implementation from a loose one: the other scheme,
//! another port, a trailing slash, a method the rule does not list, a header it does not list,
//! and no `Origin` at all. Duplicates are sent once.

use std::collections::HashSet;

use bucket_cors::{CorsConfiguration, CorsMethod, CorsRule};

/// The origin sent for an entry `*` (a name no document is expected to hold).
pub(crate) const UNLISTED_ORIGIN: &str = "https://unlisted.probe.invalid";
/// What fills the `*` of a pattern.
const FILL: &str = "probe";
/// The header name no rule is expected to list.
pub(crate) const UNLISTED_HEADER: &str = "X-Probe-Unlisted";
/// The method sent when a rule lists all five of S3's.
const OTHER_METHOD: &str = "PATCH";

/// One request to send: `OPTIONS`, `GET` or `HEAD`, with its CORS headers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Probe {
    pub(crate) method: &'static str,
    pub(crate) origin: Option<String>,
    pub(crate) request_method: Option<String>,
    pub(crate) request_headers: Option<String>,
    /// Why it is sent, for people: `rule 0: origin, method PUT`.
    pub(crate) purpose: String,
}

/// The requests to send, at most the cap asked for.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) probes: Vec<Probe>,
    /// More requests would have been planned without the cap.
    pub(crate) truncated: bool,
}

impl Plan {
    /// Adds a probe unless an identical request is planned; false once the cap is reached
    /// (the plan is then marked truncated).
    fn push(&mut self, seen: &mut HashSet<Key>, max: usize, probe: Probe) -> bool {
        let key = (
            probe.method,
            probe.origin.clone(),
            probe.request_method.clone(),
            probe.request_headers.clone(),
        );
        if seen.contains(&key) {
            return true;
        }
        if self.probes.len() >= max {
            self.truncated = true;
            return false;
        }
        seen.insert(key);
        self.probes.push(probe);
        true
    }
}

type Key = (&'static str, Option<String>, Option<String>, Option<String>);

/// Plans at most `max` requests for a configuration. Planning stops at the cap, so time and
/// memory are bounded by `max` and by the configuration's entries (a document of at most
/// 64 KiB): each entry yields a fixed number of candidates, each of at most one entry's length
/// plus a constant (the list of all a rule's headers is at most the rule's size).
pub(crate) fn plan(config: &CorsConfiguration, max: usize) -> Plan {
    let mut plan = Plan::default();
    let mut seen = HashSet::new();
    let mut push = |plan: &mut Plan, probe| plan.push(&mut seen, max, probe);
    // Not a CORS request: no Origin, on a preflight and on an actual request.
    for probe in [
        probe("OPTIONS", None, Some("GET"), None, "near miss: no Origin"),
        probe("GET", None, None, None, "near miss: no Origin"),
    ] {
        if !push(&mut plan, probe) {
            return plan;
        }
    }
    for (index, rule) in config.rules.iter().enumerate() {
        for probe in rule_probes(index, rule) {
            if !push(&mut plan, probe) {
                return plan;
            }
        }
    }
    plan
}

/// Every probe of one rule, first origin first (with the near misses), then the others.
fn rule_probes(index: usize, rule: &CorsRule) -> Vec<Probe> {
    let mut out = Vec::new();
    let methods: Vec<&str> = rule.allowed_methods.iter().map(String::as_str).collect();
    let first_method = methods.first().copied().unwrap_or("GET");
    let headers: Vec<String> = rule
        .allowed_headers
        .iter()
        .map(|entry| title_case(&fill(entry, FILL)))
        .collect();
    for (nth, entry) in rule.allowed_origins.iter().enumerate() {
        let origin = origin_for(entry);
        let what = |detail: &str| format!("rule {index}: origin {entry:?}, {detail}");
        for method in &methods {
            out.push(probe(
                "OPTIONS",
                Some(&origin),
                Some(method),
                None,
                &what(&format!("method {method}")),
            ));
        }
        out.push(probe("GET", Some(&origin), None, None, &what("actual GET")));
        if nth > 0 {
            continue;
        }
        out.push(probe(
            "HEAD",
            Some(&origin),
            None,
            None,
            &what("actual HEAD"),
        ));
        for header in &headers {
            out.push(probe(
                "OPTIONS",
                Some(&origin),
                Some(first_method),
                Some(header),
                &what(&format!("header {header}")),
            ));
        }
        if headers.len() > 1 {
            let all = headers.join(", ");
            out.push(probe(
                "OPTIONS",
                Some(&origin),
                Some(first_method),
                Some(&all),
                &what("every header"),
            ));
        }
        let unlisted_method = CorsMethod::ALL
            .iter()
            .map(|m| m.as_str())
            .find(|m| !methods.contains(m))
            .unwrap_or(OTHER_METHOD);
        out.push(probe(
            "OPTIONS",
            Some(&origin),
            Some(unlisted_method),
            None,
            &what(&format!("near miss: unlisted method {unlisted_method}")),
        ));
        out.push(probe(
            "OPTIONS",
            Some(&origin),
            Some(first_method),
            Some(UNLISTED_HEADER),
            &what(&format!("near miss: unlisted header {UNLISTED_HEADER}")),
        ));
        for (near, label) in near_origins(&origin) {
            out.push(probe(
                "OPTIONS",
                Some(&near),
                Some(first_method),
                None,
                &what(&format!("near miss: {label} {near}")),
            ));
        }
    }
    out
}

fn probe(
    method: &'static str,
    origin: Option<&str>,
    request_method: Option<&str>,
    request_headers: Option<&str>,
    purpose: &str,
) -> Probe {
    Probe {
        method,
        origin: origin.map(str::to_owned),
        request_method: request_method.map(str::to_owned),
        request_headers: request_headers.map(str::to_owned),
        purpose: purpose.to_owned(),
    }
}

/// The origin sent for an entry: itself, its `*` filled, or an unlisted one for `*` alone.
fn origin_for(entry: &str) -> String {
    if entry == "*" {
        UNLISTED_ORIGIN.to_owned()
    } else {
        fill(entry, FILL)
    }
}

/// An entry with its `*` (S3 allows one) replaced.
fn fill(entry: &str, with: &str) -> String {
    entry.replacen('*', with, 1)
}

/// `x-amz-date` → `X-Amz-Date`: a server must answer the names lower-cased whatever the case
/// they came in, and this shows whether it does.
fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c });
        start = c == '-';
    }
    out
}

/// The origins one step away: the other scheme, another port, a trailing slash.
fn near_origins(origin: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if origin == UNLISTED_ORIGIN {
        return out;
    }
    let (scheme, rest) = match origin.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, origin),
    };
    match scheme {
        Some("https") => out.push((format!("http://{rest}"), "other scheme")),
        Some("http") => out.push((format!("https://{rest}"), "other scheme")),
        _ => {}
    }
    let other_port = match rest.rsplit_once(':') {
        Some((host, port))
            if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !host.is_empty() =>
        {
            let port: u32 = port.parse().unwrap_or(0);
            format!(
                "{}{host}:{}",
                prefix(scheme),
                if port == 8443 { 8444 } else { 8443 }
            )
        }
        _ => format!("{origin}:8443"),
    };
    out.push((other_port, "other port"));
    out.push((format!("{origin}/"), "trailing slash"));
    out
}

fn prefix(scheme: Option<&str>) -> String {
    scheme.map_or_else(String::new, |scheme| format!("{scheme}://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rules: Vec<CorsRule>) -> CorsConfiguration {
        CorsConfiguration::new(rules)
    }

    fn line(p: &Probe) -> String {
        format!(
            "{} {} {} {}",
            p.method,
            p.origin.as_deref().unwrap_or("-"),
            p.request_method.as_deref().unwrap_or("-"),
            p.request_headers.as_deref().unwrap_or("-")
        )
    }

    #[test]
    fn a_rule_yields_its_entries_and_the_near_misses() {
        let plan = plan(
            &config(vec![
                CorsRule::new()
                    .allowed_origin("https://app.example.com")
                    .allowed_origin("https://*.example.org")
                    .allowed_methods(["GET", "PUT"])
                    .allowed_headers(["content-type", "x-amz-*"]),
            ]),
            200,
        );
        assert!(!plan.truncated);
        let lines: Vec<String> = plan.probes.iter().map(line).collect();
        assert_eq!(
            lines,
            [
                "OPTIONS - GET -",
                "GET - - -",
                "OPTIONS https://app.example.com GET -",
                "OPTIONS https://app.example.com PUT -",
                "GET https://app.example.com - -",
                "HEAD https://app.example.com - -",
                "OPTIONS https://app.example.com GET Content-Type",
                "OPTIONS https://app.example.com GET X-Amz-Probe",
                "OPTIONS https://app.example.com GET Content-Type, X-Amz-Probe",
                "OPTIONS https://app.example.com HEAD -",
                "OPTIONS https://app.example.com GET X-Probe-Unlisted",
                "OPTIONS http://app.example.com GET -",
                "OPTIONS https://app.example.com:8443 GET -",
                "OPTIONS https://app.example.com/ GET -",
                "OPTIONS https://probe.example.org GET -",
                "OPTIONS https://probe.example.org PUT -",
                "GET https://probe.example.org - -",
            ]
        );
    }

    #[test]
    fn near_misses_change_one_thing() {
        assert_eq!(
            near_origins("http://localhost:3000"),
            [
                ("https://localhost:3000".to_owned(), "other scheme"),
                ("http://localhost:8443".to_owned(), "other port"),
                ("http://localhost:3000/".to_owned(), "trailing slash"),
            ]
        );
        assert_eq!(near_origins(UNLISTED_ORIGIN), []);
        assert_eq!(title_case("x-amz-date"), "X-Amz-Date");
        assert_eq!(origin_for("*"), UNLISTED_ORIGIN);
        assert_eq!(
            origin_for("https://*.example.com"),
            "https://probe.example.com"
        );
    }

    #[test]
    fn every_method_listed_sends_patch_as_the_unlisted_one() {
        let plan = plan(
            &config(vec![
                CorsRule::new()
                    .allowed_origin("*")
                    .allowed_methods(["GET", "PUT", "HEAD", "POST", "DELETE"]),
            ]),
            200,
        );
        assert!(
            plan.probes
                .iter()
                .any(|p| p.request_method.as_deref() == Some("PATCH"))
        );
    }

    #[test]
    fn a_huge_policy_is_cut_at_the_cap() {
        // 100 rules of 50 origins each: thousands of candidates, at most `max` kept.
        let rules = (0..100)
            .map(|r| {
                CorsRule::new()
                    .allowed_origins((0..50).map(|o| format!("https://o{o}.r{r}.example")))
                    .allowed_methods(["GET", "PUT", "POST"])
                    .allowed_header("*")
            })
            .collect();
        let config = config(rules);
        let started = std::time::Instant::now();
        let plan = plan(&config, 200);
        assert_eq!(plan.probes.len(), 200);
        assert!(plan.truncated);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let one = super::plan(&config, 1);
        assert_eq!(one.probes.len(), 1);
        assert!(one.truncated);
    }
}
