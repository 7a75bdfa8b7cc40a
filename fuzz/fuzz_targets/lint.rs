//! Lints any configuration: a parsed document (first byte even) or an arbitrary one, valid or
//! not. Properties: no panic; every warning names a rule that exists; the same input gives the
//! same warnings, codes and order; messages and fixes are one non-empty line; no fix writes an
//! origin the rule already lists. Run with `-timeout` so a slow input fails the run.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use bucket_cors::lint::lint;
use bucket_cors::{CorsConfiguration, CorsRule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let config = if flags & 1 == 0 {
        match CorsConfiguration::parse(rest) {
            Ok((_, config)) => config,
            Err(_) => return,
        }
    } else {
        match CorsConfiguration::arbitrary(&mut Unstructured::new(rest)) {
            Ok(config) => config,
            Err(_) => return,
        }
    };
    let warnings = lint(&config);
    for warning in &warnings {
        let index = warning.rule.expect("every lint is about one rule");
        assert!(index < config.rules.len(), "{warning} names no rule");
        for text in [&warning.message, &warning.fix] {
            assert!(!text.is_empty() && !text.contains(['\n', '\r']), "{warning:?}");
        }
        never_writes_a_listed_origin(&config.rules[index], &warning.fix);
    }
    // The same input, linted again and from a copy, gives the same warnings.
    assert_eq!(lint(&config), warnings);
    assert_eq!(lint(&config.clone()), warnings);
});

/// A fix that says to write an origin names one the rule does not list.
fn never_writes_a_listed_origin(rule: &CorsRule, fix: &str) {
    let written = fix
        .strip_prefix("write ")
        .or_else(|| fix.split_once(" and write ").map(|(_, w)| w));
    if let Some(written) = written {
        for origin in &rule.allowed_origins {
            let quoted = format!("{origin:?}");
            assert!(!written.starts_with(&quoted), "{fix} but the rule lists {quoted}");
        }
    }
}
