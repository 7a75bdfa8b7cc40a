//! Compiling: validation, then the origin and header indexes, the method sets and every
//! rule's joined values, once per configuration.

use super::header_index::HeaderIndex;
use super::origin_index::OriginIndex;
use super::stored::{List, Packer};
use super::{
    Compiled, CompiledRule, CorsEngine, EngineOptions, MAX_INDEXED_RULES, VaryPolicy, rule_bit,
};
use crate::decision::Vary;
use crate::error::ConfigError;
use crate::model::{CorsConfiguration, CorsMethod};

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
        CorsEngine::build(config, options)
    }

    /// As [`CorsEngine::compile_with`], taking the configuration by value and dropping it
    /// afterwards: a convenience when it was just parsed. The engine keeps a packed copy
    /// either way (see [`CorsEngine::configuration`]).
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
        CorsEngine::build(&config, options)
    }

    /// Compiles a configuration that passed validation.
    pub(super) fn build(
        config: &CorsConfiguration,
        options: &EngineOptions,
    ) -> Result<CorsEngine, ConfigError> {
        if config.rules.len() > MAX_INDEXED_RULES {
            // Unreachable while every dialect caps rules at 100; kept so no input can panic.
            return Err(ConfigError::too_many_rules(
                config.rules.len(),
                MAX_INDEXED_RULES,
            ));
        }
        let mut packer = Packer::new(config)?;
        let mut origins = OriginIndex::default();
        let entries = config.rules.iter().map(|r| r.allowed_origins.len()).sum();
        origins.reserve(packer.text().as_bytes(), entries);
        for entry in packer.entries(List::Origins) {
            origins.insert(packer.text().as_bytes(), &entry);
        }
        let mut methods = [0; 5];
        let mut rules = Vec::with_capacity(config.rules.len());
        for (index, rule) in config.rules.iter().enumerate() {
            for name in &rule.allowed_methods {
                if let Some(method) = CorsMethod::from_name(name) {
                    methods[method as usize] |= rule_bit(index);
                }
            }
            rules.push(CompiledRule::new(rule)?);
        }
        let (vary_match, vary_other) = match (options.vary, config.response_vary) {
            (VaryPolicy::S3, _) | (VaryPolicy::ResponseVary, None) => (Some(Vary::Cors), None),
            (VaryPolicy::Always, _) | (VaryPolicy::ResponseVary, Some(true)) => {
                (Some(Vary::Cors), Some(Vary::Origin))
            }
            (VaryPolicy::ResponseVary, Some(false)) => (None, None),
        };
        let headers = HeaderIndex::new(&mut packer)?;
        // The header index appended to the text; the origin index's keys are where they were.
        origins.finish(packer.text().as_bytes());
        Ok(CorsEngine {
            compiled: Some(Box::new(Compiled {
                stored: packer.finish(config),
                rules: rules.into_boxed_slice(),
                origins,
                headers,
                methods,
                vary_match,
                vary_other,
            })),
        })
    }
}
