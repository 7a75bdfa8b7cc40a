//! The lints, one line per behaviour: each lint has configurations that fire it and
//! configurations that must stay quiet.

use std::collections::BTreeSet;

use bucket_cors::lint::{BROWSER_MAX_AGE_SECONDS, LintCode, lint};
use bucket_cors::{CorsConfiguration, CorsRule};
use proptest::prelude::*;

/// A rule from compact lists: origins, methods, allowed headers, expose headers.
fn rule(origins: &[&str], methods: &[&str], headers: &[&str], expose: &[&str]) -> CorsRule {
    CorsRule::new()
        .allowed_origins(origins.iter().copied())
        .allowed_methods(methods.iter().copied())
        .allowed_headers(headers.iter().copied())
        .expose_headers(expose.iter().copied())
}

/// A one-rule configuration allowing GET from these origins.
fn origins(list: &[&str]) -> CorsConfiguration {
    CorsConfiguration::new(vec![rule(list, &["GET"], &[], &[])])
}

/// The (rule, code) pairs of every warning with this code.
fn hits(config: &CorsConfiguration, code: LintCode) -> Vec<Option<usize>> {
    lint(config)
        .into_iter()
        .filter(|w| w.code == code)
        .map(|w| w.rule)
        .collect()
}

/// `fires!(code, config, rules...)`: the lint fires exactly on these rules.
/// `quiet!(code, config)`: the lint does not fire at all.
macro_rules! fires {
    ($code:expr, $config:expr, [$($rule:expr),+]) => {{
        let config = $config;
        assert_eq!(hits(&config, $code), vec![$(Some($rule)),+], "{} on {config:?}", $code);
        $code
    }};
}
macro_rules! quiet {
    ($code:expr, $config:expr) => {{
        let config = $config;
        assert_eq!(
            hits(&config, $code),
            Vec::<Option<usize>>::new(),
            "{} on {config:?}",
            $code
        );
    }};
}

/// The lints the `fires_*` tests cover; checked against [`LintCode::ALL`].
fn fired_codes() -> BTreeSet<LintCode> {
    use LintCode::*;
    BTreeSet::from([
        fires!(OriginPath, origins(&["https://a.example/"]), [0]),
        fires!(OriginPath, origins(&["https://a.example/app"]), [0]),
        fires!(OriginNoScheme, origins(&["a.example"]), [0]),
        fires!(OriginNoScheme, origins(&["localhost:3000"]), [0]),
        fires!(OriginUppercase, origins(&["https://App.example"]), [0]),
        fires!(OriginUppercase, origins(&["HTTPS://a.example"]), [0]),
        fires!(OriginDefaultPort, origins(&["https://a.example:443"]), [0]),
        fires!(OriginDefaultPort, origins(&["http://localhost:80"]), [0]),
        fires!(
            OriginWildcardWithoutDot,
            origins(&["https://*example.com"]),
            [0]
        ),
        fires!(OriginWildcardWithoutDot, origins(&["*example.com"]), [0]),
        fires!(OriginWildcardWithoutDot, origins(&["https://*com"]), [0]),
        fires!(NullOrigin, origins(&["null"]), [0]),
        fires!(
            WildcardOriginWrite,
            CorsConfiguration::new(vec![rule(&["*"], &["GET", "DELETE"], &[], &[])]),
            [0]
        ),
        fires!(InsecureOrigin, origins(&["http://a.example"]), [0]),
        fires!(InsecureOrigin, origins(&["http://*.a.example"]), [0]),
        // An earlier rule with `*` origins, the methods and `*` headers.
        fires!(
            UnreachableRule,
            CorsConfiguration::new(vec![
                rule(&["*"], &["GET", "HEAD"], &["*"], &[]),
                rule(&["https://a.example"], &["GET"], &["x-amz-date"], &[]),
            ]),
            [1]
        ),
        // A superset of origins and of header patterns.
        fires!(
            UnreachableRule,
            CorsConfiguration::new(vec![
                rule(
                    &["https://*.example.com"],
                    &["GET", "PUT"],
                    &["x-amz-*"],
                    &["ETag"]
                ),
                rule(
                    &["https://*.app.example.com", "https://a.example.com"],
                    &["PUT"],
                    &["X-Amz-Meta-*"],
                    &["ETag"]
                ),
            ]),
            [1]
        ),
        // Two earlier rules that together cover every origin and method.
        fires!(
            UnreachableRule,
            CorsConfiguration::new(vec![
                rule(&["https://a.example"], &["GET"], &[], &[]),
                rule(&["https://b.example"], &["GET"], &[], &[]),
                rule(
                    &["https://a.example", "https://b.example"],
                    &["GET"],
                    &[],
                    &[]
                ),
            ]),
            [2]
        ),
        // The same rule twice.
        fires!(
            UnreachableRule,
            CorsConfiguration::new(vec![
                rule(&["https://a.example"], &["GET"], &[], &[]),
                rule(&["https://a.example"], &["GET"], &[], &[]),
            ]),
            [1]
        ),
        fires!(
            Duplicate,
            origins(&["https://a.example", "https://a.example"]),
            [0]
        ),
        fires!(
            Duplicate,
            CorsConfiguration::new(vec![rule(
                &["https://a.example"],
                &["GET", "GET"],
                &[],
                &[]
            )]),
            [0]
        ),
        fires!(
            Duplicate,
            CorsConfiguration::new(vec![rule(
                &["https://a.example"],
                &["GET"],
                &["Content-Type", "content-type"],
                &["ETag", "etag"]
            )]),
            [0, 0]
        ),
        fires!(
            Duplicate,
            CorsConfiguration::new(vec![
                rule(&["https://a.example"], &["GET"], &[], &[]).id("r"),
                rule(&["https://b.example"], &["GET"], &[], &[]).id("r"),
            ]),
            [1]
        ),
        fires!(
            EtagNotExposed,
            CorsConfiguration::new(vec![rule(&["https://a.example"], &["PUT"], &["*"], &[])]),
            [0]
        ),
        fires!(
            EtagNotExposed,
            CorsConfiguration::new(vec![rule(
                &["https://a.example"],
                &["POST"],
                &[],
                &["x-amz-request-id"]
            )]),
            [0]
        ),
        fires!(
            NeedlessExposeHeader,
            CorsConfiguration::new(vec![rule(
                &["https://a.example"],
                &["GET"],
                &[],
                &["Access-Control-Allow-Origin", "content-length", "ETag"]
            )]),
            [0, 0]
        ),
        fires!(
            MaxAgeTooLong,
            CorsConfiguration::new(vec![
                rule(&["https://a.example"], &["GET"], &[], &[]).max_age_seconds(86400),
            ]),
            [0]
        ),
    ])
}

#[test]
fn every_lint_has_a_configuration_that_fires_it() {
    let fired = fired_codes();
    let all: BTreeSet<LintCode> = LintCode::ALL.into_iter().collect();
    assert_eq!(fired, all, "lints without a firing test");
}

#[test]
fn origin_path_quiet() {
    quiet!(
        LintCode::OriginPath,
        origins(&["https://a.example", "https://a.example:8443"])
    );
    quiet!(LintCode::OriginPath, origins(&["*", "null", ""]));
}

#[test]
fn origin_no_scheme_quiet() {
    // A leading `*` stands for the scheme: `*.a.example` matches `https://b.a.example`.
    quiet!(
        LintCode::OriginNoScheme,
        origins(&["*.a.example", "*", "null", ""])
    );
    quiet!(LintCode::OriginNoScheme, origins(&["https://a.example"]));
}

#[test]
fn origin_uppercase_quiet() {
    quiet!(
        LintCode::OriginUppercase,
        origins(&["https://a.example", "https://*.a.example"])
    );
}

#[test]
fn origin_default_port_quiet() {
    quiet!(
        LintCode::OriginDefaultPort,
        origins(&[
            "https://a.example:8443",
            "http://a.example:443",
            "https://a.example:80"
        ])
    );
    quiet!(
        LintCode::OriginDefaultPort,
        origins(&["http://localhost:*"])
    );
}

#[test]
fn origin_wildcard_without_dot_quiet() {
    quiet!(
        LintCode::OriginWildcardWithoutDot,
        origins(&[
            "https://*.example.com",
            "*.example.com",
            "https://*",
            "*",
            "https://*-cdn.example.com",
            "https://app-*.example.com",
            "http://localhost:*",
        ])
    );
}

#[test]
fn null_origin_quiet() {
    quiet!(
        LintCode::NullOrigin,
        origins(&["https://null.example", "*"])
    );
}

#[test]
fn wildcard_origin_write_quiet() {
    quiet!(
        LintCode::WildcardOriginWrite,
        CorsConfiguration::new(vec![rule(&["*"], &["GET", "HEAD"], &["*"], &[])])
    );
    quiet!(
        LintCode::WildcardOriginWrite,
        CorsConfiguration::new(vec![rule(
            &["https://a.example"],
            &["PUT", "DELETE"],
            &[],
            &["ETag"]
        )])
    );
}

#[test]
fn insecure_origin_quiet() {
    quiet!(
        LintCode::InsecureOrigin,
        origins(&[
            "https://a.example",
            "http://localhost:3000",
            "http://app.localhost",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
        ])
    );
}

#[test]
fn unreachable_rule_quiet() {
    use LintCode::UnreachableRule;
    // The later rule is wider, not narrower.
    quiet!(
        UnreachableRule,
        CorsConfiguration::new(vec![
            rule(&["https://a.example"], &["GET"], &[], &[]),
            rule(&["*"], &["GET"], &[], &[]),
        ])
    );
    // The earlier rule allows no requested header; the later one answers those preflights.
    quiet!(
        UnreachableRule,
        CorsConfiguration::new(vec![
            rule(&["*"], &["GET"], &[], &[]),
            rule(&["https://a.example"], &["GET"], &["x-amz-date"], &[]),
        ])
    );
    // Another method.
    quiet!(
        UnreachableRule,
        CorsConfiguration::new(vec![
            rule(&["*"], &["GET"], &["*"], &[]),
            rule(&["https://a.example"], &["GET", "PUT"], &[], &["ETag"]),
        ])
    );
    // A narrower header pattern earlier does not cover a wider one later.
    quiet!(
        UnreachableRule,
        CorsConfiguration::new(vec![
            rule(&["*"], &["GET"], &["x-amz-meta-*"], &[]),
            rule(&["*"], &["GET"], &["x-amz-*"], &[]),
        ])
    );
    // Origins compare case-sensitively, so neither covers the other.
    quiet!(
        UnreachableRule,
        CorsConfiguration::new(vec![
            rule(&["https://A.example"], &["GET"], &[], &[]),
            rule(&["https://a.example"], &["GET"], &[], &[]),
        ])
    );
    // One origin of the later rule is covered, the other is not.
    quiet!(
        UnreachableRule,
        CorsConfiguration::new(vec![
            rule(&["https://a.example"], &["GET"], &[], &[]),
            rule(
                &["https://a.example", "https://b.example"],
                &["GET"],
                &[],
                &[]
            ),
        ])
    );
}

#[test]
fn duplicate_quiet() {
    quiet!(
        LintCode::Duplicate,
        CorsConfiguration::new(vec![
            rule(
                &["https://a.example", "https://A.example"],
                &["GET", "HEAD"],
                &["content-type", "x-amz-date"],
                &["ETag", "x-amz-request-id"]
            )
            .id("a"),
            rule(&["https://b.example"], &["GET"], &[], &[]).id("b"),
        ])
    );
}

#[test]
fn etag_not_exposed_quiet() {
    // Linode's guides expose `*`, which browsers read as every header.
    quiet!(
        LintCode::EtagNotExposed,
        CorsConfiguration::new(vec![rule(&["*"], &["PUT"], &[], &["*"])])
    );
    quiet!(
        LintCode::EtagNotExposed,
        CorsConfiguration::new(vec![rule(
            &["https://a.example"],
            &["PUT", "POST"],
            &[],
            &["etag"]
        )])
    );
    quiet!(
        LintCode::EtagNotExposed,
        CorsConfiguration::new(vec![rule(
            &["https://a.example"],
            &["GET", "DELETE"],
            &[],
            &[]
        )])
    );
}

#[test]
fn needless_expose_header_quiet() {
    quiet!(
        LintCode::NeedlessExposeHeader,
        CorsConfiguration::new(vec![rule(
            &["https://a.example"],
            &["GET"],
            &[],
            &[
                "ETag",
                "x-amz-request-id",
                "Content-Range",
                "Access-Control"
            ]
        )])
    );
}

#[test]
fn max_age_too_long_quiet() {
    let at = |seconds| {
        CorsConfiguration::new(vec![
            rule(&["https://a.example"], &["GET"], &[], &[]).max_age_seconds(seconds),
        ])
    };
    quiet!(LintCode::MaxAgeTooLong, at(BROWSER_MAX_AGE_SECONDS));
    quiet!(LintCode::MaxAgeTooLong, at(0));
    quiet!(LintCode::MaxAgeTooLong, origins(&["https://a.example"]));
    fires!(
        LintCode::MaxAgeTooLong,
        at(BROWSER_MAX_AGE_SECONDS + 1),
        [0]
    );
}

#[test]
fn a_clean_policy_has_no_warnings() {
    let config = CorsConfiguration::from_s3_xml(include_bytes!("../examples/cors.xml")).unwrap();
    assert_eq!(lint(&config), vec![]);
}

#[test]
fn warnings_come_in_rule_order_with_a_message_and_a_fix() {
    let config = CorsConfiguration::new(vec![
        rule(&["https://a.example/"], &["GET"], &[], &[]),
        rule(&["*"], &["PUT"], &["*"], &["ETag"]),
    ]);
    let warnings = lint(&config);
    let got: Vec<(Option<usize>, &str)> =
        warnings.iter().map(|w| (w.rule, w.code.as_str())).collect();
    assert_eq!(
        got,
        [(Some(0), "origin-path"), (Some(1), "wildcard-origin-write")]
    );
    assert_eq!(warnings[0].fix, "write \"https://a.example\"");
    assert!(
        warnings[0].message.contains("trailing slash"),
        "{}",
        warnings[0].message
    );
    assert_eq!(
        warnings[0].to_string(),
        format!(
            "rule 0: {} [origin-path]; fix: {}",
            warnings[0].message, warnings[0].fix
        )
    );
}

#[test]
fn fixes_name_the_corrected_origin() {
    let fix = |origin: &str, code: LintCode| {
        lint(&origins(&[origin]))
            .into_iter()
            .find(|w| w.code == code)
            .map(|w| w.fix)
            .unwrap()
    };
    assert_eq!(
        fix("https://App.Example:8443", LintCode::OriginUppercase),
        "write \"https://app.example:8443\""
    );
    assert_eq!(
        fix("https://a.example:443", LintCode::OriginDefaultPort),
        "write \"https://a.example\""
    );
    assert_eq!(
        fix("a.example", LintCode::OriginNoScheme),
        "write \"https://a.example\""
    );
    assert!(
        fix("https://*example.com", LintCode::OriginWildcardWithoutDot)
            .contains("\"https://*.example.com\"")
    );
    let message = lint(&origins(&["https://*example.com"]))[0].message.clone();
    assert!(message.contains("https://evilexample.com"), "{message}");
}

/// A fix never says to write an origin the rule already lists: it says to remove the entry.
#[test]
fn fixes_never_suggest_an_origin_the_rule_lists() {
    let fixes = |list: &[&str]| -> Vec<(LintCode, String)> {
        lint(&origins(list))
            .into_iter()
            .map(|w| (w.code, w.fix))
            .collect()
    };
    let cases: [(&[&str], LintCode, &str); 6] = [
        (
            &["https://example.com", "https://example.com/"],
            LintCode::OriginPath,
            "remove \"https://example.com/\": the rule already lists \"https://example.com\"",
        ),
        (
            &["example.com", "https://example.com"],
            LintCode::OriginNoScheme,
            "remove \"example.com\": the rule already lists \"https://example.com\"",
        ),
        (
            &["https://Example.com", "https://example.com"],
            LintCode::OriginUppercase,
            "remove \"https://Example.com\": the rule already lists \"https://example.com\"",
        ),
        (
            &["https://example.com", "https://example.com:443"],
            LintCode::OriginDefaultPort,
            "remove \"https://example.com:443\": the rule already lists \"https://example.com\"",
        ),
        (
            &["https://*.example.com", "https://*example.com"],
            LintCode::OriginWildcardWithoutDot,
            "remove \"https://*example.com\": the rule already lists \"https://*.example.com\"",
        ),
        (
            &["http://example.com", "https://example.com"],
            LintCode::InsecureOrigin,
            "remove \"http://example.com\": the rule already lists \"https://example.com\"",
        ),
    ];
    for (list, code, expected) in cases {
        let found = fixes(list);
        assert!(
            found.contains(&(code, expected.to_owned())),
            "{list:?}: {found:?}"
        );
    }
    // Without the corrected origin, the fix still says to write it.
    assert!(fixes(&["http://example.com"]).contains(&(
        LintCode::InsecureOrigin,
        "serve the site over https and write \"https://example.com\"".to_owned()
    )));
}

#[test]
fn codes_are_stable_kebab_case_names() {
    let names: Vec<&str> = LintCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "unreachable-rule",
            "origin-no-scheme",
            "origin-path",
            "origin-uppercase",
            "origin-default-port",
            "origin-wildcard-without-dot",
            "insecure-origin",
            "null-origin",
            "wildcard-origin-write",
            "duplicate",
            "etag-not-exposed",
            "needless-expose-header",
            "max-age-too-long",
        ]
    );
    for code in LintCode::ALL {
        assert_eq!(LintCode::from_name(code.as_str()), Some(code));
        assert_eq!(code.to_string(), code.as_str());
    }
}

proptest! {
    /// Any configuration, valid or not, is linted without a panic, and every warning points
    /// at an existing rule.
    #[test]
    fn lint_never_panics(
        rules in proptest::collection::vec(
            (
                proptest::collection::vec("[a-zA-Z*:/.\\[\\]0-9]{0,12}", 0..4),
                proptest::collection::vec(prop_oneof![Just("GET"), Just("PUT"), Just("POST"), Just("DELETE"), Just("get")], 0..4),
                proptest::collection::vec("[a-zA-Z*-]{0,8}", 0..3),
                proptest::option::of(any::<u32>()),
            ),
            0..5,
        )
    ) {
        let config = CorsConfiguration::new(
            rules
                .iter()
                .map(|(origins, methods, headers, max_age)| {
                    let rule = CorsRule::new()
                        .allowed_origins(origins.iter().cloned())
                        .allowed_methods(methods.iter().copied())
                        .allowed_headers(headers.iter().cloned());
                    match max_age {
                        Some(seconds) => rule.max_age_seconds(*seconds),
                        None => rule,
                    }
                })
                .collect(),
        );
        for warning in lint(&config) {
            prop_assert!(warning.rule.is_some_and(|r| r < config.rules.len()));
            prop_assert!(!warning.message.is_empty() && !warning.fix.is_empty());
        }
    }
}
