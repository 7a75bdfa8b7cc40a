//! The checks of one `AllowedOrigin` entry: scheme, path, case, default port, a wildcard
//! without a dot, plain http and `null`. O(length of the entry) each, plus one hashed lookup
//! when a fix names a corrected origin.

use std::cell::OnceCell;
use std::collections::HashSet;

use super::{LintCode, Warnings};
use crate::model::CorsRule;

/// An `AllowedOrigin` entry taken apart the way a browser writes `Origin`:
/// `scheme://host[:port]`, and whatever follows.
pub(super) struct OriginParts<'a> {
    /// The text before `://`, when the entry has one.
    pub(super) scheme: Option<&'a str>,
    pub(super) host: &'a str,
    pub(super) port: Option<&'a str>,
    /// From the first `/` after the host on.
    pub(super) path: Option<&'a str>,
}

impl<'a> OriginParts<'a> {
    pub(super) fn new(entry: &'a str) -> Self {
        let (scheme, rest) = match entry.split_once("://") {
            Some((scheme, rest))
                if !scheme.is_empty()
                    && scheme
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"+-.*".contains(&c)) =>
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
    pub(super) fn origin(&self) -> String {
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
    let starts = |prefix: &str| {
        host.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    let ends = |suffix: &str| {
        host.len() >= suffix.len()
            && host
                .get(host.len() - suffix.len()..)
                .is_some_and(|s| s.eq_ignore_ascii_case(suffix))
    };
    host.eq_ignore_ascii_case("localhost")
        || ends(".localhost")
        || starts("127.")
        || host == "[::1]"
}

/// The rule's origin entries, to keep a fix from suggesting one the rule already lists. The
/// set is made the first time a fix needs it: most rules need no fix.
struct Listed<'a> {
    origins: &'a [String],
    set: OnceCell<HashSet<&'a str>>,
}

impl Listed<'_> {
    /// The fix that replaces `entry` by `corrected`: write it, or, when the rule already
    /// lists it, remove `entry`.
    fn replace(&self, entry: &str, corrected: &str, write: impl FnOnce() -> String) -> String {
        let set = self
            .set
            .get_or_init(|| self.origins.iter().map(String::as_str).collect());
        if set.contains(corrected) {
            format!("remove {entry:?}: the rule already lists {corrected:?}")
        } else {
            write()
        }
    }
}

/// Every origin check, on every `AllowedOrigin` entry of the rule.
pub(super) fn checks(out: &mut Warnings, rule: &CorsRule) {
    let listed = Listed {
        origins: &rule.allowed_origins,
        set: OnceCell::new(),
    };
    for entry in &rule.allowed_origins {
        entry_checks(out, entry, &listed);
    }
}

fn entry_checks(out: &mut Warnings, entry: &str, listed: &Listed<'_>) {
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
            wildcard_without_dot(out, entry, &parts, listed);
        } else {
            let corrected = format!("https://{entry}");
            out.push(
                LintCode::OriginNoScheme,
                format!(
                    "origin {entry:?} has no scheme; browsers send Origin as \
                     scheme://host[:port], so it never matches"
                ),
                listed.replace(entry, &corrected, || format!("write {corrected:?}")),
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
        let corrected = parts.origin();
        out.push(
            LintCode::OriginPath,
            format!(
                "origin {entry:?} has {what}; an Origin header never has one, so it never matches"
            ),
            listed.replace(entry, &corrected, || format!("write {corrected:?}")),
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
            listed.replace(entry, &lower, || format!("write {lower:?}")),
        );
    }
    let https = scheme.eq_ignore_ascii_case("https");
    let http = scheme.eq_ignore_ascii_case("http");
    if let Some(port) = parts.port {
        if (https && port == "443") || (http && port == "80") {
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
                listed.replace(entry, &without, || format!("write {without:?}")),
            );
        }
    }
    wildcard_without_dot(out, entry, &parts, listed);
    if http && !is_loopback(parts.host) {
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
            listed.replace(entry, &secure, || {
                format!("serve the site over https and write {secure:?}")
            }),
        );
    }
}

fn wildcard_without_dot(
    out: &mut Warnings,
    entry: &str,
    parts: &OriginParts<'_>,
    listed: &Listed<'_>,
) {
    let Some((before, tail)) = parts.host.split_once('*') else {
        return;
    };
    // `*example.com` lets the `*` extend the registrable domain's own label. With two dots
    // or more after it (`*-cdn.example.com`) the domain is fixed; such names are not flagged,
    // which may miss `*example.co.uk` but never warns wrongly.
    if tail.is_empty()
        || tail.starts_with('.')
        || tail.contains('*')
        || tail.bytes().filter(|&b| b == b'.').count() > 1
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
        listed.replace(entry, &dotted, || {
            format!("write {dotted:?} (and the bare domain, if it needs access)")
        }),
    );
}
