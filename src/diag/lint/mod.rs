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
//!
//! # Cost
//!
//! A server may lint every `PutBucketCors`, so every check is bounded in the size of the
//! configuration. With C the total length of its values and r ≤ C its number of rules:
//!
//! | check | time |
//! |---|---|
//! | `origin-*`, `null-origin`, `insecure-origin` | O(C): one pass over each entry |
//! | `wildcard-origin-write`, `etag-not-exposed`, `needless-expose-header`, `max-age-too-long` | O(C) |
//! | `duplicate` (values) | O(C) expected: hashed, case-insensitive keys hash in place |
//! | `duplicate` (IDs) | O(C) expected: one hash map of the IDs |
//! | `unreachable-rule` | O(C + E·r/64) with E entries; O(C·√C + E·r/64) at worst |
//!
//! `unreachable-rule` indexes every rule's origin and header patterns once in hash maps, so
//! the rules covering an entry are found by a few lookups of the entry's head and tail, not
//! by trying each pattern; each rule's header coverage is computed once, not once per origin
//! and method. The √C factor needs patterns of √C distinct head lengths that all start the
//! same entries, which only a crafted document has (one of 64 KB built for it lints in about
//! half a millisecond in a release build). r/64 is at most 2 for the 100 rules S3 allows. The maps
//! use std's keyed hash, and no check allocates per comparison.

use std::collections::HashMap;
use std::fmt;

use crate::model::CorsConfiguration;

mod cover;
#[cfg(test)]
mod oracle;
mod origin;
mod rules;
mod unreachable;

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
/// An empty list means no warning. See [`LintCode`] for every check, and the module
/// documentation for what each costs.
#[must_use]
pub fn lint(config: &CorsConfiguration) -> Vec<Warning> {
    let mut out = Warnings::default();
    let mut shadow = unreachable::Shadowing::new(&config.rules);
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for (index, rule) in config.rules.iter().enumerate() {
        out.rule = Some(index);
        shadow.check(&mut out, index);
        origin::checks(&mut out, rule);
        rules::wildcard_write(&mut out, rule);
        rules::duplicates(&mut out, rule);
        if let Some(id) = rule.id.as_deref() {
            match ids.get(id) {
                Some(first) => out.push(
                    LintCode::Duplicate,
                    format!("ID {id:?} is also the ID of rule {first}"),
                    "give each rule its own ID".to_owned(),
                ),
                None => {
                    ids.insert(id, index);
                }
            }
        }
        rules::etag(&mut out, rule);
        rules::expose_headers(&mut out, rule);
        rules::max_age(&mut out, rule);
    }
    out.list
}

/// The warnings found so far, and the rule being checked.
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
