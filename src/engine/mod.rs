//! The compiled engine: compile once, evaluate many.
//!
//! [`CorsEngine::compile`] validates a configuration and does all the work that can be done
//! once: origin patterns split and indexed, allowed headers lower-cased, method sets turned
//! into bit masks, and every header value the engine can emit joined into its final text.
//! [`CorsEngine::evaluate`] then only looks things up: it never allocates and never panics.

use std::fmt;
use std::str::FromStr;

pub(crate) mod pattern;
pub(crate) mod swar;

use self::pattern::{
    HeaderIndex, MAX_INDEXED_RULES, NAME_BUF, OriginIndex, RuleSet, name_head, not_plain, rule_bit,
};
use self::swar::load_word;
use crate::decision::{Allowed, Decision, Pass, PassReason, Rejection, RejectionKind};
use crate::error::{ConfigError, UnknownName};
use crate::header::{VARY_CORS, VARY_ORIGIN};
use crate::model::CorsConfiguration;
use crate::model::CorsMethod;
use crate::request::{CorsRequest, HeaderLines, ResourceType};
use crate::syntax::is_tchar;
use crate::validate::ValidationOptions;

/// When to send `Vary`. The default is S3's behaviour.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VaryPolicy {
    /// S3: `Vary: Origin, Access-Control-Request-Headers, Access-Control-Request-Method` when
    /// a rule matched, and no `Vary` otherwise. A shared cache can then serve a response made
    /// without CORS headers to a later CORS request (a known S3 hazard).
    #[default]
    S3,
    /// Cache-safe: as S3 on a match, and `Vary: Origin` on every other response of a bucket
    /// that has a configuration, including requests without `Origin`.
    Always,
    /// Alibaba OSS: when the configuration carries `ResponseVary`, `true` sends `Vary: Origin`
    /// on every response (the S3 value on a match) and `false` never sends `Vary`. Without
    /// the flag, as [`VaryPolicy::S3`].
    ResponseVary,
}

impl VaryPolicy {
    /// A short lowercase name: `s3`, `always` or `response-vary`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            VaryPolicy::S3 => "s3",
            VaryPolicy::Always => "always",
            VaryPolicy::ResponseVary => "response-vary",
        }
    }
}

impl fmt::Display for VaryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for VaryPolicy {
    type Err = UnknownName;

    /// `s3`, `always` or `response-vary`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [VaryPolicy::S3, VaryPolicy::Always, VaryPolicy::ResponseVary]
            .into_iter()
            .find(|policy| policy.name() == name)
            .ok_or_else(|| {
                UnknownName::new("vary policy", name, &["s3", "always", "response-vary"])
            })
    }
}

/// How to compile: validation options and the `Vary` policy. The default is S3-exact.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EngineOptions {
    /// The validation the configuration must pass.
    pub validation: ValidationOptions,
    /// When to send `Vary`.
    pub vary: VaryPolicy,
}

impl EngineOptions {
    /// S3-exact options.
    #[must_use]
    pub const fn s3() -> Self {
        EngineOptions {
            validation: ValidationOptions::s3(),
            vary: VaryPolicy::S3,
        }
    }

    /// Sets the validation options.
    #[must_use]
    pub const fn validation(mut self, validation: ValidationOptions) -> Self {
        self.validation = validation;
        self
    }

    /// Sets the `Vary` policy.
    #[must_use]
    pub const fn vary(mut self, vary: VaryPolicy) -> Self {
        self.vary = vary;
        self
    }
}

/// A compiled bucket CORS policy, or the absence of one. Immutable, `Send + Sync`, cheap to
/// share behind an `Arc`.
///
/// ```
/// use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, Decision};
///
/// let config = CorsConfiguration::from_s3_xml(br#"
///     <CORSConfiguration>
///       <CORSRule>
///         <AllowedOrigin>https://*.example.com</AllowedOrigin>
///         <AllowedMethod>GET</AllowedMethod>
///         <AllowedMethod>PUT</AllowedMethod>
///       </CORSRule>
///     </CORSConfiguration>"#).unwrap();
/// let engine = CorsEngine::compile(&config).unwrap();
///
/// let request = CorsRequest::new("OPTIONS")
///     .origin("https://app.example.com")
///     .request_method("PUT");
/// let Decision::Preflight(allowed) = engine.evaluate(&request) else { panic!() };
/// assert_eq!(allowed.allow_origin(), "https://app.example.com");
/// assert_eq!(allowed.allow_methods(), "GET, PUT");
/// ```
#[derive(Debug, Clone)]
pub struct CorsEngine {
    compiled: Option<Box<Compiled>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) config: CorsConfiguration,
    pub(crate) rules: Vec<CompiledRule>,
    origins: OriginIndex,
    /// Every rule's `AllowedHeader` entries.
    headers: HeaderIndex,
    /// For each method (in [`CorsMethod`] order), the rules that allow it.
    methods: [RuleSet; 5],
    vary_match: Option<&'static str>,
    vary_other: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    any_origin: bool,
    methods: Box<str>,
    expose_headers: Option<Box<str>>,
    max_age: Option<Box<str>>,
    #[cfg(feature = "http")]
    values: crate::adapter::http::RuleValues,
}

impl CorsEngine {
    /// Validates the configuration with S3's rules and compiles it.
    ///
    /// # Errors
    ///
    /// The first [`ConfigError`] validation finds.
    pub fn compile(config: &CorsConfiguration) -> Result<CorsEngine, ConfigError> {
        CorsEngine::compile_with(config, &EngineOptions::s3())
    }

    /// Validates the configuration with the given options and compiles it.
    ///
    /// # Errors
    ///
    /// The first [`ConfigError`] validation finds.
    pub fn compile_with(
        config: &CorsConfiguration,
        options: &EngineOptions,
    ) -> Result<CorsEngine, ConfigError> {
        config.validate_with(&options.validation)?;
        CorsEngine::build(config.clone(), options)
    }

    /// As [`CorsEngine::compile_with`], but takes the configuration by value and keeps it for
    /// [`CorsEngine::configuration`] without copying it: the cheaper call when the
    /// configuration was just parsed and is not needed afterwards.
    ///
    /// ```
    /// use bucket_cors::{CorsConfiguration, CorsEngine, EngineOptions};
    ///
    /// let (_, config) = CorsConfiguration::parse(br#"{"CORSRules": [
    ///     {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}"#).unwrap();
    /// let engine = CorsEngine::compile_owned(config, &EngineOptions::s3()).unwrap();
    /// assert_eq!(engine.configuration().unwrap().rules.len(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// The first [`ConfigError`] validation finds; the configuration is dropped.
    pub fn compile_owned(
        config: CorsConfiguration,
        options: &EngineOptions,
    ) -> Result<CorsEngine, ConfigError> {
        config.validate_with(&options.validation)?;
        CorsEngine::build(config, options)
    }

    /// Compiles a configuration that passed validation.
    fn build(
        config: CorsConfiguration,
        options: &EngineOptions,
    ) -> Result<CorsEngine, ConfigError> {
        if config.rules.len() > MAX_INDEXED_RULES {
            // Unreachable while every dialect caps rules at 100; kept so no input can panic.
            return Err(ConfigError::too_many_rules(
                config.rules.len(),
                MAX_INDEXED_RULES,
            ));
        }
        let mut origins = OriginIndex::default();
        origins.reserve(config.rules.iter().map(|r| r.allowed_origins.len()).sum());
        let mut methods = [0; 5];
        let mut rules = Vec::with_capacity(config.rules.len());
        for (index, rule) in config.rules.iter().enumerate() {
            for origin in &rule.allowed_origins {
                origins.insert(origin, index);
            }
            for name in &rule.allowed_methods {
                if let Some(method) = CorsMethod::from_name(name) {
                    methods[method as usize] |= rule_bit(index);
                }
            }
            let methods: Box<str> = rule.allowed_methods.join(", ").into();
            let expose_headers: Option<Box<str>> =
                (!rule.expose_headers.is_empty()).then(|| rule.expose_headers.join(", ").into());
            let max_age: Option<Box<str>> = rule.max_age_seconds.map(|s| s.to_string().into());
            rules.push(CompiledRule {
                any_origin: rule.allowed_origins.iter().any(|o| o == "*"),
                #[cfg(feature = "http")]
                values: crate::adapter::http::RuleValues::new(
                    &methods,
                    expose_headers.as_deref(),
                    max_age.as_deref(),
                ),
                methods,
                expose_headers,
                max_age,
            });
        }
        let (vary_match, vary_other) = match (options.vary, config.response_vary) {
            (VaryPolicy::S3, _) | (VaryPolicy::ResponseVary, None) => (Some(VARY_CORS), None),
            (VaryPolicy::Always, _) | (VaryPolicy::ResponseVary, Some(true)) => {
                (Some(VARY_CORS), Some(VARY_ORIGIN))
            }
            (VaryPolicy::ResponseVary, Some(false)) => (None, None),
        };
        origins.finish();
        let headers = HeaderIndex::new(config.rules.iter().map(|r| r.allowed_headers.as_slice()));
        Ok(CorsEngine {
            compiled: Some(Box::new(Compiled {
                config,
                rules,
                origins,
                headers,
                methods,
                vary_match,
                vary_other,
            })),
        })
    }

    /// The engine of a bucket without a CORS configuration: preflights get S3's
    /// `403 CORSResponse: CORS is not enabled for this bucket.` and other requests pass.
    #[must_use]
    pub const fn disabled() -> CorsEngine {
        CorsEngine { compiled: None }
    }

    /// True when the bucket has a configuration.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.compiled.is_some()
    }

    /// The configuration this engine was compiled from, as stored.
    #[must_use]
    pub fn configuration(&self) -> Option<&CorsConfiguration> {
        self.compiled.as_deref().map(|c| &c.config)
    }

    /// Decides what to answer, exactly as S3 does. Allocates nothing and never panics.
    ///
    /// For `OPTIONS`: no `Origin` → 400; no configuration → 403 (not enabled); no or an
    /// unsupported `Access-Control-Request-Method` → 400; no rule matches → 403; otherwise
    /// 200 with the rule's headers. For any other method: the rule's headers when one
    /// matches, otherwise nothing. The method a rule must allow is
    /// `Access-Control-Request-Method` when present, otherwise the request's method.
    pub fn evaluate<'a>(&'a self, request: &CorsRequest<'a>) -> Decision<'a> {
        let preflight = request.is_preflight();
        let Some(origin) = request.origin_value() else {
            if preflight {
                return Decision::Reject(Rejection {
                    kind: RejectionKind::MissingOrigin,
                    method: None,
                    resource: request.resource_type(),
                    vary: self.vary_other(),
                });
            }
            return self.pass(PassReason::NoOrigin);
        };
        let Some(compiled) = self.compiled.as_deref() else {
            if preflight {
                return Decision::Reject(Rejection {
                    kind: RejectionKind::CorsNotEnabled,
                    method: request.request_method_value(),
                    resource: ResourceType::Bucket,
                    vary: None,
                });
            }
            return self.pass(PassReason::NoConfiguration);
        };
        let method_name = request.effective_method();
        let method = cors_method(method_name);
        if preflight && (request.request_method_value().is_none() || method.is_none()) {
            return Decision::Reject(Rejection {
                kind: RejectionKind::InvalidRequestMethod,
                method: request.request_method_value(),
                resource: request.resource_type(),
                vary: compiled.vary_other,
            });
        }
        let matched =
            method.and_then(|m| compiled.first_match(origin, m, request.request_header_values()));
        match matched {
            Some(rule) => {
                let compiled_rule = &compiled.rules[rule];
                let allowed = Allowed {
                    rule,
                    origin: (!compiled_rule.any_origin).then_some(origin),
                    methods: &compiled_rule.methods,
                    request_headers: request.request_header_values(),
                    expose_headers: compiled_rule.expose_headers.as_deref(),
                    max_age: compiled_rule.max_age.as_deref(),
                    vary: compiled.vary_match,
                    #[cfg(feature = "http")]
                    values: &compiled_rule.values,
                };
                if preflight {
                    Decision::Preflight(allowed)
                } else {
                    Decision::Actual(allowed)
                }
            }
            None if preflight => Decision::Reject(Rejection {
                kind: RejectionKind::NotAllowed,
                method: Some(method_name),
                resource: request.resource_type(),
                vary: compiled.vary_other,
            }),
            None => self.pass(PassReason::NoMatch),
        }
    }

    /// The answer for a request to a bucket that does not exist, which only the host knows:
    /// `OPTIONS` without `Origin` → 400 as always; other `OPTIONS` → S3's
    /// `403 CORSResponse: Bucket not found`; anything else passes.
    pub fn evaluate_missing_bucket<'a>(request: &CorsRequest<'a>) -> Decision<'a> {
        if !request.is_preflight() {
            let reason = match request.origin_value() {
                Some(_) => PassReason::NoConfiguration,
                None => PassReason::NoOrigin,
            };
            return Decision::Pass(Pass { reason, vary: None });
        }
        let kind = match request.origin_value() {
            Some(_) => RejectionKind::BucketNotFound,
            None => RejectionKind::MissingOrigin,
        };
        Decision::Reject(Rejection {
            kind,
            method: request.request_method_value(),
            resource: ResourceType::Bucket,
            vary: None,
        })
    }

    fn vary_other(&self) -> Option<&'static str> {
        self.compiled.as_deref().and_then(|c| c.vary_other)
    }

    fn pass(&self, reason: PassReason) -> Decision<'static> {
        Decision::Pass(Pass {
            reason,
            vary: self.vary_other(),
        })
    }
}

impl Compiled {
    /// The first rule, in document order, that allows the origin, the method and every
    /// requested header.
    #[inline]
    fn first_match(
        &self,
        origin: &str,
        method: CorsMethod,
        headers: HeaderLines<'_>,
    ) -> Option<usize> {
        let allowing_method = self.methods[method as usize];
        let (exact, wild) = self.origins.matching(origin.as_bytes());
        let mut candidates = allowing_method & exact;
        // An exact entry passed validation, so an origin equal to one has no control
        // character; only matches through a `*` need the check.
        if allowing_method & wild != 0 && is_acceptable_origin(origin) {
            candidates |= allowing_method & wild;
        }
        if candidates == 0 {
            return None;
        }
        if headers.is_absent() {
            return Some(candidates.trailing_zeros() as usize);
        }
        let check_names = candidates & !self.headers.any() != 0;
        if let Some(line) = headers.single() {
            candidates = self.allowing_headers(candidates, line.as_bytes(), check_names)?;
        } else {
            for line in headers.lines() {
                candidates = self.allowing_headers(candidates, line.as_bytes(), check_names)?;
            }
        }
        Some(candidates.trailing_zeros() as usize)
    }

    /// The candidates that allow every name of one `Access-Control-Request-Headers` line;
    /// `None` when a name is not an HTTP token (no rule allows it) or no candidate is left.
    /// With `check_names` false, every candidate allows every name (`AllowedHeader *`) and
    /// only the token check is made.
    ///
    /// One pass over the bytes: items are split on commas, trimmed of spaces and tabs,
    /// checked to be tokens and lower-cased, and each is looked up once in the header index.
    /// Names as browsers send them (lower-case letters, digits, `-`) are checked eight bytes
    /// at a time and looked up in place; others are lower-cased into a buffer byte by byte.
    #[inline]
    fn allowing_headers(
        &self,
        mut candidates: RuleSet,
        bytes: &[u8],
        check_names: bool,
    ) -> Option<RuleSet> {
        let mut at = 0;
        // After an item, only spaces and tabs may come before the next comma.
        let mut need_comma = false;
        while let Some(&b) = bytes.get(at) {
            if b == b',' {
                need_comma = false;
                at += 1;
                continue;
            }
            if b == b' ' || b == b'\t' {
                at += 1;
                continue;
            }
            if need_comma {
                return None;
            }
            let start = at;
            while at < bytes.len() {
                let odd = not_plain(load_word(bytes, at));
                if odd != 0 {
                    at += (odd.trailing_zeros() / 8) as usize;
                    break;
                }
                at += 8;
            }
            at = at.min(bytes.len());
            let plain_end = matches!(bytes.get(at), None | Some(b',' | b' ' | b'\t'));
            let allowed = if plain_end && at > start {
                // Lower case already, and all `tchar`s.
                if check_names {
                    let name = &bytes[start..at];
                    self.headers
                        .allowing(name, name_head(bytes, start, name.len()))
                } else {
                    candidates
                }
            } else {
                let (end, allowed) = self.odd_name(bytes, start, check_names, candidates)?;
                at = end;
                allowed
            };
            candidates &= allowed;
            if candidates == 0 {
                return None;
            }
            need_comma = true;
        }
        Some(candidates)
    }

    /// A name with upper-case letters or rarer `tchar`s, from `start`: lower-cased into a
    /// buffer byte by byte. Returns where it ends and the rules that allow it; `None` when
    /// it is not a token.
    #[cold]
    fn odd_name(
        &self,
        bytes: &[u8],
        start: usize,
        check_names: bool,
        candidates: RuleSet,
    ) -> Option<(usize, RuleSet)> {
        let mut name = [0u8; NAME_BUF];
        let mut at = start;
        // The index wraps for names longer than the buffer, which take the slow path.
        while let Some(&b) = bytes.get(at) {
            let lower = TOKEN_LOWER[usize::from(b)];
            if lower == 0 {
                break;
            }
            name[(at - start) % NAME_BUF] = lower;
            at += 1;
        }
        let len = at - start;
        if len == 0 {
            return None;
        }
        if !check_names {
            return Some((at, candidates));
        }
        let allowed = match name.get(..len) {
            Some(lower) => self.headers.allowing(lower, name_head(&name, 0, len)),
            // A token is ASCII, so this slice of a `&str` is one too.
            None => self
                .headers
                .allowing_any_case(std::str::from_utf8(&bytes[start..at]).unwrap_or_default()),
        };
        Some((at, allowed))
    }
}

/// [`CorsMethod::from_name`], with fixed-size compares the compiler turns into one or two
/// integer compares instead of `memcmp` calls.
#[inline]
fn cors_method(name: &str) -> Option<CorsMethod> {
    let bytes = name.as_bytes();
    if let Ok(three) = <[u8; 3]>::try_from(bytes) {
        return match &three {
            b"GET" => Some(CorsMethod::Get),
            b"PUT" => Some(CorsMethod::Put),
            _ => None,
        };
    }
    if let Ok(four) = <[u8; 4]>::try_from(bytes) {
        return match &four {
            b"HEAD" => Some(CorsMethod::Head),
            b"POST" => Some(CorsMethod::Post),
            _ => None,
        };
    }
    match <[u8; 6]>::try_from(bytes) {
        Ok(six) if &six == b"DELETE" => Some(CorsMethod::Delete),
        _ => None,
    }
}

/// For each byte: its lower-case form when it is an HTTP `tchar`, otherwise 0.
static TOKEN_LOWER: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if is_tchar(b as u8) {
            table[b] = (b as u8).to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// An `Origin` the engine will match and echo: no control characters, so the echoed value
/// is always a legal HTTP field value.
#[inline]
pub(crate) fn is_acceptable_origin(origin: &str) -> bool {
    // A fold rather than `any`: no early exit, so the loop vectorises.
    !origin
        .bytes()
        .fold(false, |control, b| control | (b < 0x20) | (b == 0x7f))
}
