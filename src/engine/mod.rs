//! The compiled engine: compile once, evaluate many.
//!
//! [`CorsEngine::compile`] validates a configuration and does all the work that can be done
//! once: origin patterns split and indexed, allowed headers lower-cased, method sets turned
//! into bit masks, and every header value the engine can emit joined into its final text.
//! [`CorsEngine::evaluate`] then only looks things up: it never allocates and never panics.

//!
//! A request's way through [`CorsEngine::evaluate`] goes down the layers once: `evaluate`
//! picks the method's rules, the [origin index](origin_index) narrows them to the origin's,
//! the [header index](header_index) to those allowing every requested name, and both stand
//! on the byte classes of `crate::syntax`.
//!
//! - `compile`: validation, then every index and precomputed value;
//! - `evaluate`: the decision, and first-match selection;
//! - `origin_index`, `header_index`: the two indexes, keyed by entry text;
//! - `pattern`: single-`*` patterns matched one by one.

use std::fmt;
use std::str::FromStr;

mod compile;
mod evaluate;
pub(crate) mod header_index;
pub(crate) mod origin_index;
pub(crate) mod pattern;
mod stored;

use self::header_index::HeaderIndex;
use self::origin_index::OriginIndex;
use self::stored::StoredConfig;
use crate::decision::Vary;
use crate::error::ConfigError;
use crate::error::UnknownName;
use crate::model::{CorsConfiguration, CorsRule};
use crate::validate::ValidationOptions;

/// A set of rule indexes. Validation caps a configuration at 100 rules, so 128 bits hold any.
pub(crate) type RuleSet = u128;

/// The most rules a compiled engine can index.
pub(crate) const MAX_INDEXED_RULES: usize = RuleSet::BITS as usize;

/// The bit of one rule.
pub(crate) const fn rule_bit(rule: usize) -> RuleSet {
    1 << rule
}

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
/// let request = CorsRequest::builder("OPTIONS")
///     .origin("https://app.example.com")
///     .request_method("PUT")
///     .build();
/// let Decision::Preflight(allowed) = engine.evaluate(&request) else { panic!() };
/// assert_eq!(allowed.allow_origin(), "https://app.example.com");
/// assert_eq!(allowed.allow_methods(), "GET, PUT");
/// ```
#[derive(Debug, Clone)]
pub struct CorsEngine {
    compiled: Option<Box<Compiled>>,
}

/// What compiling a configuration leaves: the configuration (packed), its rules' values, and
/// the indexes `evaluate` walks.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// The configuration, packed.
    pub(crate) stored: StoredConfig,
    pub(crate) rules: Box<[CompiledRule]>,
    pub(crate) origins: OriginIndex,
    /// Every rule's `AllowedHeader` entries.
    pub(crate) headers: HeaderIndex,
    /// For each method (in [`CorsMethod`](crate::CorsMethod) order), the rules that allow it.
    pub(crate) methods: [RuleSet; 5],
    /// `Vary` on an allowed request.
    pub(crate) vary_match: Option<Vary>,
    /// `Vary` on every other response.
    pub(crate) vary_other: Option<Vary>,
}

/// One rule's response values, joined once.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    /// The rule lists `*`: `Access-Control-Allow-Origin: *`.
    pub(crate) any_origin: bool,
    /// `Access-Control-Allow-Methods`, then `Access-Control-Expose-Headers`: one block per
    /// rule, so `evaluate` splits it with one check (slicing a shared text took four, 20
    /// instructions of a 1-rule GET's 250, callgrind).
    values: Box<str>,
    /// Where the methods end in `values`.
    methods_len: u32,
    /// The rule exposes headers (the rest of `values`).
    exposes: bool,
    /// `Access-Control-Max-Age`.
    pub(crate) max_age: Option<u32>,
}

impl CompiledRule {
    /// A rule's values, joined once.
    fn new(rule: &CorsRule) -> Result<CompiledRule, ConfigError> {
        // One block of the exact size: no join's own string, no regrowth.
        let joined = |list: &[String]| {
            list.iter().map(String::len).sum::<usize>() + 2 * list.len().saturating_sub(1)
        };
        let (methods, expose) = (&rule.allowed_methods, &rule.expose_headers);
        let mut values = String::with_capacity(joined(methods) + joined(expose));
        let mut push_joined = |list: &[String]| {
            for (at, item) in list.iter().enumerate() {
                if at > 0 {
                    values.push_str(", ");
                }
                values.push_str(item);
            }
        };
        push_joined(methods);
        let methods_len = u32::try_from(joined(methods))
            .map_err(|_| ConfigError::too_large(joined(methods), u32::MAX as usize))?;
        push_joined(expose);
        Ok(CompiledRule {
            any_origin: rule.allowed_origins.iter().any(|o| o == "*"),
            values: values.into_boxed_str(),
            methods_len,
            exposes: !rule.expose_headers.is_empty(),
            max_age: rule.max_age_seconds,
        })
    }

    /// `Access-Control-Allow-Methods`, and `Access-Control-Expose-Headers` when the rule
    /// exposes headers.
    #[inline]
    pub(crate) fn values(&self) -> (&str, Option<&str>) {
        let (methods, expose) = self
            .values
            .split_at_checked(self.methods_len as usize)
            .unwrap_or((&self.values, ""));
        (methods, self.exposes.then_some(expose))
    }
}

impl CorsEngine {
    /// The compiled policy, when the bucket has one.
    pub(crate) fn compiled(&self) -> Option<&Compiled> {
        self.compiled.as_deref()
    }
}

impl CorsEngine {
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

    /// The configuration this engine was compiled from, rebuilt from the packed copy the
    /// engine keeps (every string in one block), so it costs O(C) time and allocations, C
    /// the size of the configuration. `None` for a disabled engine.
    #[must_use]
    pub fn configuration(&self) -> Option<CorsConfiguration> {
        self.compiled.as_deref().map(|c| c.stored.to_config())
    }
}
