//! Warnings for configurations S3 accepts but that do not do what their authors meant.
//!
//! [`lint`](crate::lint::lint) reads a [`CorsConfiguration`](crate::CorsConfiguration) and
//! returns one [`Warning`](crate::lint::Warning) per pitfall, each with the rule it is about,
//! a stable [`LintCode`](crate::lint::LintCode), a one-line reason and a fix. A server can
//! show them to its user when `PutBucketCors` succeeds; the `bucket-cors lint` command prints
//! them for people and CI pipelines.
//!
//! ```
//! use bucket_cors::CorsConfiguration;
//! use bucket_cors::lint::{LintCode, lint};
//!
//! let config = CorsConfiguration::from_s3_xml(br#"
//!     <CORSConfiguration>
//!       <CORSRule>
//!         <AllowedOrigin>https://app.example.com/</AllowedOrigin>
//!         <AllowedMethod>GET</AllowedMethod>
//!       </CORSRule>
//!     </CORSConfiguration>"#)?;
//! let warnings = lint(&config);
//! assert_eq!(warnings.len(), 1);
//! assert_eq!(warnings[0].rule, Some(0));
//! assert_eq!(warnings[0].code, LintCode::OriginPath);
//! assert_eq!(warnings[0].code.as_str(), "origin-path");
//! # Ok::<(), bucket_cors::ConfigError>(())
//! ```
//!
//! Every check is conservative: a warning names something that is certainly wrong or risky,
//! never a guess: [`LintCode::UnreachableRule`](crate::lint::LintCode::UnreachableRule), for
//! example, fires only when earlier rules provably match every request the rule could match.
//! The lints read any configuration, valid or not, and never panic.

use std::collections::HashSet;
use std::fmt;

use crate::model::CorsMethod;
use crate::model::{CorsConfiguration, CorsRule};

/// The longest preflight cache a browser honours: Chromium caps `Access-Control-Max-Age` at
/// 7200 seconds (Firefox at 86400). See
/// [MDN](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Max-Age).
pub const BROWSER_MAX_AGE_SECONDS: u32 = 7200;

/// The [CORS-safelisted response headers](https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name):
/// scripts may always read them, so exposing them does nothing.
pub const SAFELISTED_RESPONSE_HEADERS: [&str; 7] = [
    "Cache-Control",
    "Content-Language",
    "Content-Length",
    "Content-Type",
    "Expires",
    "Last-Modified",
    "Pragma",
];

/// What a [`Warning`] is about. [`LintCode::as_str`] gives a stable kebab-case name for
/// scripts and configuration files.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LintCode {
    /// `origin-path`: an `AllowedOrigin` with a path or a trailing slash
    /// (`https://app.example.com/`). An `Origin` header never has one, so it never matches.
    OriginPath,
    /// `origin-no-scheme`: an `AllowedOrigin` without a scheme (`app.example.com`). An
    /// `Origin` header always has one, so it never matches.
    OriginNoScheme,
    /// `origin-uppercase`: upper-case letters in an `AllowedOrigin`'s scheme or host. Browsers
    /// send them in lower case and S3 compares origins case-sensitively.
    OriginUppercase,
    /// `origin-default-port`: an explicit default port (`:443` on https, `:80` on http).
    /// Browsers leave it out of `Origin`, so the entry never matches.
    OriginDefaultPort,
    /// `origin-wildcard-without-dot`: a `*` not followed by a dot before the domain
    /// (`https://*example.com`), which also matches other domains (`https://evilexample.com`).
    OriginWildcardWithoutDot,
    /// `null-origin`: `null` as an `AllowedOrigin`. Sandboxed iframes, `file:` and `data:`
    /// pages and some redirects send `Origin: null`, and any site can make one.
    NullOrigin,
    /// `wildcard-origin-write`: origin `*` in a rule that allows `PUT`, `POST` or `DELETE`:
    /// every web page may send those requests from its visitors' browsers.
    WildcardOriginWrite,
    /// `insecure-origin`: a plain `http://` origin (loopback hosts excepted): a network
    /// attacker can inject script into that page and use its access.
    InsecureOrigin,
    /// `unreachable-rule`: earlier rules match every request this rule would, so it never
    /// answers.
    UnreachableRule,
    /// `duplicate`: a value listed twice in one rule, or an `ID` used by an earlier rule.
    Duplicate,
    /// `etag-not-exposed`: `PUT` or `POST` allowed without `ETag` in `ExposeHeader`; browser
    /// multipart uploads need to read each part's `ETag`.
    EtagNotExposed,
    /// `needless-expose-header`: an `Access-Control-*` header or a CORS-safelisted response
    /// header in `ExposeHeader`, where it does nothing.
    NeedlessExposeHeader,
    /// `max-age-too-long`: `MaxAgeSeconds` beyond what browsers honour
    /// ([`BROWSER_MAX_AGE_SECONDS`]).
    MaxAgeTooLong,
}

impl LintCode {
    /// Every code, in the order [`lint`] checks them within a rule.
    pub const ALL: [LintCode; 13] = [
        LintCode::UnreachableRule,
        LintCode::OriginNoScheme,
        LintCode::OriginPath,
        LintCode::OriginUppercase,
        LintCode::OriginDefaultPort,
        LintCode::OriginWildcardWithoutDot,
        LintCode::InsecureOrigin,
        LintCode::NullOrigin,
        LintCode::WildcardOriginWrite,
        LintCode::Duplicate,
        LintCode::EtagNotExposed,
        LintCode::NeedlessExposeHeader,
        LintCode::MaxAgeTooLong,
    ];

    /// The stable kebab-case name, for example `"origin-path"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            LintCode::OriginPath => "origin-path",
            LintCode::OriginNoScheme => "origin-no-scheme",
            LintCode::OriginUppercase => "origin-uppercase",
            LintCode::OriginDefaultPort => "origin-default-port",
            LintCode::OriginWildcardWithoutDot => "origin-wildcard-without-dot",
            LintCode::NullOrigin => "null-origin",
            LintCode::WildcardOriginWrite => "wildcard-origin-write",
            LintCode::InsecureOrigin => "insecure-origin",
            LintCode::UnreachableRule => "unreachable-rule",
            LintCode::Duplicate => "duplicate",
            LintCode::EtagNotExposed => "etag-not-exposed",
            LintCode::NeedlessExposeHeader => "needless-expose-header",
            LintCode::MaxAgeTooLong => "max-age-too-long",
        }
    }

    /// The code of a kebab-case name, the inverse of [`LintCode::as_str`].
    ///
    /// ```
    /// use bucket_cors::lint::LintCode;
    /// assert_eq!(LintCode::from_name("null-origin"), Some(LintCode::NullOrigin));
    /// assert_eq!(LintCode::from_name("no-such-lint"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<LintCode> {
        LintCode::ALL.into_iter().find(|code| code.as_str() == name)
    }
}

impl std::str::FromStr for LintCode {
    type Err = crate::error::UnknownName;

    /// As [`LintCode::from_name`].
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        LintCode::from_name(name)
            .ok_or_else(|| crate::error::UnknownName::new("lint code", name, &LINT_NAMES))
    }
}

/// Every code's name, in [`LintCode::ALL`] order.
const LINT_NAMES: [&str; LintCode::ALL.len()] = {
    let mut names = [""; LintCode::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = LintCode::ALL[i].as_str();
        i += 1;
    }
    names
};

impl fmt::Display for LintCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One pitfall found in a configuration.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Warning {
    /// The 0-based index of the rule it is about, or `None` for the configuration as a whole.
    pub rule: Option<usize>,
    /// What kind of pitfall.
    pub code: LintCode,
    /// Why it is a problem, in one line.
    pub message: String,
    /// What to change, in one line.
    pub fix: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(rule) = self.rule {
            write!(f, "rule {rule}: ")?;
        }
        write!(f, "{} [{}]; fix: {}", self.message, self.code, self.fix)
    }
}

/// Checks a configuration for the pitfalls people hit, rule by rule in document order.
///
/// An empty list means no warning. See [`LintCode`] for every check.
#[must_use]
pub fn lint(config: &CorsConfiguration) -> Vec<Warning> {
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

#[derive(Default)]
struct Warnings {
    rule: Option<usize>,
    list: Vec<Warning>,
}

impl Warnings {
    fn push(&mut self, code: LintCode, message: String, fix: String) {
        self.list.push(Warning {
            rule: self.rule,
            code,
            message,
            fix,
        });
    }
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

#[cfg(test)]
mod tests {
    use super::pattern_covers;

    #[test]
    fn coverage_of_single_wildcard_patterns() {
        let cases = [
            ("*", "https://a.example", false, true),
            ("*", "https://*.example", false, true),
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
            ("*a*", "a", false, false),
        ];
        for (outer, inner, ignore_case, expected) in cases {
            assert_eq!(
                pattern_covers(outer, inner, ignore_case),
                expected,
                "{outer:?} covers {inner:?}"
            );
        }
    }
}
