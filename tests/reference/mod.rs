//! The reference evaluator: S3's CORS decision read straight from the specification
//! (`s3-cors-behaviour.md`, sections 3 and 4) and the README's compatibility choices, written
//! for clarity rather than speed. The property tests (`tests/prop_engine.rs`) and the fuzz
//! crate (`fuzz/src/lib.rs`, by `#[path]`) compare the compiled engine with it.
//!
//! It knows only the public model types (`CorsConfiguration`, `CorsRule`, `VaryPolicy`) and
//! plain strings: no index, no compiled pattern, nothing of the engine's own code. Its
//! wildcard matcher is the textbook recursive one, not the engine's split-at-`*` algorithm.
//!
//! In short: rules are tried in document order and the first that allows the origin
//! (case-sensitive, `*` matching any run of bytes), the method (`Access-Control-Request-Method`
//! when present, otherwise the request's method) and every requested header (case-insensitive,
//! with `*` wildcards) answers, with the headers of section 3.3.

#![allow(dead_code)]

use bucket_cors::{CorsConfiguration, CorsRule, VaryPolicy};

/// The five methods a rule can allow (section 1.2).
pub const METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];

/// The message of a refused preflight, misspelling included (section 3.1, step 5).
pub const NOT_ALLOWED: &str = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/// The message of a preflight without `Origin` (section 3.1, step 1).
pub const MISSING_ORIGIN: &str = "Insufficient information. Origin request header needed.";

/// The message of a preflight to a bucket without configuration (section 3.1, step 3).
pub const NOT_ENABLED: &str = "CORSResponse: CORS is not enabled for this bucket.";

/// The `Vary` value S3 sends with every match (section 3.3).
pub const VARY_CORS: &str = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

/// A request, owned, as a test or a fuzz input builds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The HTTP method.
    pub method: String,
    /// `Origin`, when present.
    pub origin: Option<String>,
    /// `Access-Control-Request-Method`, when present.
    pub request_method: Option<String>,
    /// The `Access-Control-Request-Headers` lines; empty when the header is absent.
    pub header_lines: Vec<String>,
    /// True when the URL names the bucket rather than an object.
    pub bucket: bool,
}

impl Request {
    /// True for `OPTIONS`, exactly (S3 compares the method as sent).
    pub fn is_preflight(&self) -> bool {
        self.method == "OPTIONS"
    }

    /// The method a rule must allow: `Access-Control-Request-Method` when present, on any
    /// request (section 4), otherwise the request's own method.
    pub fn effective_method(&self) -> &str {
        self.request_method.as_deref().unwrap_or(&self.method)
    }

    /// The requested header names: every line split on `,`, each item trimmed of spaces and
    /// tabs, empty items dropped (section 3.2, Headers).
    pub fn requested_headers(&self) -> Vec<&str> {
        self.header_lines
            .iter()
            .flat_map(|line| line.split(','))
            .map(|item| item.trim_matches(|c| c == ' ' || c == '\t'))
            .filter(|item| !item.is_empty())
            .collect()
    }
}

/// What kind of answer a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No CORS headers (a Vary policy may still add `Vary`).
    Pass,
    /// An allowed preflight: 200 with the rule's headers.
    Preflight,
    /// An ordinary request a rule allowed: the rule's headers on whatever the operation answers.
    Actual,
    /// A refused preflight: an S3 error response.
    Reject,
}

/// The S3 error body fields of a refused preflight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `<Code>`.
    pub code: String,
    /// `<Message>`.
    pub message: String,
    /// `<Method>`, on the 403 answers.
    pub method: Option<String>,
    /// `<ResourceType>` (`BUCKET` or `OBJECT`), on the 403 answers.
    pub resource: Option<String>,
}

/// The whole answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Pass, preflight, actual or reject.
    pub kind: Kind,
    /// The status a preflight is answered with; `None` for an ordinary request.
    pub status: Option<u16>,
    /// The index of the rule that matched.
    pub rule: Option<usize>,
    /// The headers to send, in the engine's order (names as S3 spells them).
    pub headers: Vec<(String, String)>,
    /// The error body of a rejection.
    pub refusal: Option<Refusal>,
}

/// The textbook wildcard matcher: `*` matches any run of bytes, the empty run included, and
/// every other byte matches itself (ASCII case-insensitively when `ignore_case`). It tries
/// every length for each `*`, recursively: slow, and obviously right.
pub fn glob(pattern: &[u8], candidate: &[u8], ignore_case: bool) -> bool {
    match pattern.split_first() {
        None => candidate.is_empty(),
        Some((b'*', rest)) => {
            // A run of `*` is one `*` (the same language); without this, a run of thirty
            // takes exponential time.
            let rest = &rest[rest.iter().take_while(|&&b| b == b'*').count()..];
            (0..=candidate.len()).any(|skip| glob(rest, &candidate[skip..], ignore_case))
        }
        Some((p, rest)) => match candidate.split_first() {
            Some((c, tail)) if p == c || (ignore_case && p.eq_ignore_ascii_case(c)) => {
                glob(rest, tail, ignore_case)
            }
            _ => false,
        },
    }
}

/// An RFC 9110 token: what a header name may be.
pub fn is_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// True when a value can go into a header as it is: no control byte, no DEL.
pub fn is_field_value(value: &str) -> bool {
    !value.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// Does `rule` allow the request on its own? Origin (case-sensitive, wildcards), method
/// (exact, one of the five) and every requested header (case-insensitive, wildcards).
/// README: an `Origin` with a control byte matches nothing, nor does a requested header that
/// is not a token.
pub fn rule_allows(rule: &CorsRule, req: &Request) -> bool {
    let Some(origin) = req.origin.as_deref() else {
        return false;
    };
    let method = req.effective_method();
    METHODS.contains(&method)
        && rule.allowed_methods.iter().any(|m| m == method)
        && is_field_value(origin)
        && rule
            .allowed_origins
            .iter()
            .any(|entry| glob(entry.as_bytes(), origin.as_bytes(), false))
        && req.requested_headers().iter().all(|item| {
            is_token(item)
                && rule
                    .allowed_headers
                    .iter()
                    .any(|entry| glob(entry.as_bytes(), item.as_bytes(), true))
        })
}

/// The first rule, in document order, that allows the request (section 3.2).
pub fn first_match(config: &CorsConfiguration, req: &Request) -> Option<usize> {
    config.rules.iter().position(|rule| rule_allows(rule, req))
}

/// The `Vary` value of a policy on a match, and on every other answer of a configured bucket
/// (README, Vary): S3 sends it on a match only; `Always` adds `Vary: Origin` elsewhere;
/// `ResponseVary` follows the configuration's OSS flag.
pub fn vary(
    policy: VaryPolicy,
    response_vary: Option<bool>,
) -> (Option<&'static str>, Option<&'static str>) {
    match (policy, response_vary) {
        (VaryPolicy::Always, _) | (VaryPolicy::ResponseVary, Some(true)) => {
            (Some(VARY_CORS), Some("Origin"))
        }
        (VaryPolicy::ResponseVary, Some(false)) => (None, None),
        _ => (Some(VARY_CORS), None),
    }
}

/// The headers of a match with rule `index` (section 3.3), in the engine's order.
pub fn matched_headers(
    config: &CorsConfiguration,
    index: usize,
    req: &Request,
    vary: Option<&str>,
) -> Vec<(String, String)> {
    let rule = &config.rules[index];
    let origin = req.origin.clone().unwrap_or_default();
    let star = rule.allowed_origins.iter().any(|o| o == "*");
    let mut headers = Vec::new();
    let mut add = |name: &str, value: String| headers.push((name.to_owned(), value));
    add(
        "Access-Control-Allow-Origin",
        if star { "*".to_owned() } else { origin },
    );
    if !star {
        add("Access-Control-Allow-Credentials", "true".to_owned());
    }
    add(
        "Access-Control-Allow-Methods",
        rule.allowed_methods.join(", "),
    );
    let items = req.requested_headers();
    if !items.is_empty() {
        let lower: Vec<String> = items.iter().map(|i| i.to_ascii_lowercase()).collect();
        add("Access-Control-Allow-Headers", lower.join(", "));
    }
    if !rule.expose_headers.is_empty() {
        add(
            "Access-Control-Expose-Headers",
            rule.expose_headers.join(", "),
        );
    }
    if let Some(seconds) = rule.max_age_seconds {
        add("Access-Control-Max-Age", seconds.to_string());
    }
    if let Some(vary) = vary {
        add("Vary", vary.to_owned());
    }
    headers
}

fn reject(
    status: u16,
    code: &str,
    message: String,
    place: Option<(&str, &str)>,
    headers: Vec<(String, String)>,
) -> Answer {
    Answer {
        kind: Kind::Reject,
        status: Some(status),
        rule: None,
        headers,
        refusal: Some(Refusal {
            code: code.to_owned(),
            message,
            method: place.map(|(method, _)| method.to_owned()),
            resource: place.map(|(_, resource)| resource.to_owned()),
        }),
    }
}

fn pass(headers: Vec<(String, String)>) -> Answer {
    Answer {
        kind: Kind::Pass,
        status: None,
        rule: None,
        headers,
        refusal: None,
    }
}

/// The answer of a bucket with this configuration (`None`: no configuration), under a Vary
/// policy (which plays no part without a configuration).
pub fn evaluate(config: Option<&CorsConfiguration>, policy: VaryPolicy, req: &Request) -> Answer {
    let preflight = req.is_preflight();
    let (vary_match, vary_other) = match config {
        Some(config) => vary(policy, config.response_vary),
        None => (None, None),
    };
    let other: Vec<(String, String)> = vary_other
        .map(|v| ("Vary".to_owned(), v.to_owned()))
        .into_iter()
        .collect();
    // 3.1 step 1, and section 4: no Origin.
    let Some(_) = &req.origin else {
        return if preflight {
            reject(400, "BadRequest", MISSING_ORIGIN.to_owned(), None, other)
        } else {
            pass(other)
        };
    };
    // 3.1 step 3, and section 4: no configuration.
    let Some(config) = config else {
        return if preflight {
            let method = req.request_method.as_deref().unwrap_or("OPTIONS");
            reject(
                403,
                "AccessForbidden",
                NOT_ENABLED.to_owned(),
                Some((method, "BUCKET")),
                other,
            )
        } else {
            pass(other)
        };
    };
    // 3.1 step 4: a preflight names one of the five methods.
    if preflight {
        match req.request_method.as_deref() {
            Some(m) if METHODS.contains(&m) => {}
            other_value => {
                let message = format!(
                    "Invalid Access-Control-Request-Method: {}",
                    other_value.unwrap_or("null")
                );
                return reject(400, "BadRequest", message, None, other);
            }
        }
    }
    // 3.1 step 5 and 3.2: the first rule that allows it all.
    let Some(index) = first_match(config, req) else {
        return if preflight {
            let resource = if req.bucket { "BUCKET" } else { "OBJECT" };
            reject(
                403,
                "AccessForbidden",
                NOT_ALLOWED.to_owned(),
                Some((req.effective_method(), resource)),
                other,
            )
        } else {
            pass(other)
        };
    };
    Answer {
        kind: if preflight {
            Kind::Preflight
        } else {
            Kind::Actual
        },
        status: preflight.then_some(200),
        rule: Some(index),
        headers: matched_headers(config, index, req, vary_match),
        refusal: None,
    }
}

/// The answer about a bucket that does not exist (section 3.1, step 2): a preflight is
/// refused, an ordinary request gets nothing.
pub fn evaluate_missing_bucket(req: &Request) -> Answer {
    if !req.is_preflight() {
        return pass(Vec::new());
    }
    match req.origin {
        None => reject(
            400,
            "BadRequest",
            MISSING_ORIGIN.to_owned(),
            None,
            Vec::new(),
        ),
        Some(_) => {
            let method = req.request_method.as_deref().unwrap_or("OPTIONS");
            reject(
                403,
                "AccessForbidden",
                "CORSResponse: Bucket not found".to_owned(),
                Some((method, "BUCKET")),
                Vec::new(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn the_matcher_reads_as_the_specification() {
        assert!(glob(b"*", b"", false));
        assert!(glob(
            b"http://*.origin.com",
            b"http://test.origin.com",
            false
        ));
        assert!(!glob(
            b"http://*.origin.com",
            b"http://test.origin.com/",
            false
        ));
        assert!(glob(b"start*end", b"startend", false));
        assert!(glob(b"start*end", b"start12end", false));
        assert!(!glob(b"start*end", b"0start12end", false));
        assert!(!glob(b"*suffix", b"foo.suffix.get", false));
        assert!(glob(b"prefix*", b"prefix", false));
        assert!(!glob(b"https://A.example", b"https://a.example", false));
        assert!(glob(b"x-AMZ-*", b"X-amz-date", true));
        assert!(glob(b"a*b*c", b"aXbYc", false));
        assert!(!glob(b"a*b*c", b"aXcYb", false));
    }
}
