//! `diff`: the access and response-header changes between two policies, checked against
//! `evaluate` on generated requests.

use std::time::{Duration, Instant};

use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsMethod, CorsRequest, CorsRule, Direction, OriginClass,
    PolicyDiff, diff,
};
use proptest::prelude::*;

fn engine(rules: Vec<CorsRule>) -> CorsEngine {
    CorsEngine::compile(&CorsConfiguration::new(rules)).expect("valid")
}

fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CorsRule {
    CorsRule::new()
        .allowed_origins(origins.iter().copied())
        .allowed_methods(methods.iter().copied())
        .allowed_headers(headers.iter().copied())
}

/// Whether the request is allowed, and every header of the answer.
fn answer(
    engine: &CorsEngine,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> (bool, Vec<(String, String)>) {
    let mut builder = CorsRequest::builder("OPTIONS")
        .origin(origin)
        .request_method(method);
    if let Some(line) = headers {
        builder = builder.request_headers(line);
    }
    let request = builder.build();
    let decision = engine.evaluate(&request);
    (
        decision.matched_rule().is_some(),
        decision
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_string()))
            .collect(),
    )
}

/// Every reported change is real: its witness request is answered differently.
fn assert_witnesses_differ(old: &CorsEngine, new: &CorsEngine, changes: &PolicyDiff) {
    let requests = changes
        .access
        .iter()
        .map(|c| &c.request)
        .chain(changes.responses.iter().map(|c| &c.request));
    for request in requests {
        let line = request.request_headers.as_ref().map(|h| h.join(", "));
        let method = request.method.as_str();
        assert_ne!(
            answer(old, &request.origin, method, line.as_deref()),
            answer(new, &request.origin, method, line.as_deref()),
            "{request}"
        );
    }
}

#[test]
fn identical_reordered_and_duplicated_rules_change_nothing() {
    let a = rule(&["https://a.example.com"], &["GET"], &["x-a"]);
    let b = rule(&["https://b.example.com"], &["PUT"], &["*"]);
    let old = engine(vec![a.clone(), b.clone()]);
    assert!(diff(&old, &old).is_empty());
    // Disjoint rules in either order, and a rule repeated after itself.
    let new = engine(vec![b.clone(), a.clone(), b]);
    let changes = diff(&old, &new);
    assert!(changes.is_empty(), "{changes}");
    assert_eq!(changes.to_string(), "no change\n");
}

#[test]
fn exact_origin_to_pattern_widens_for_the_pattern_class() {
    let old = engine(vec![rule(&["https://app.example.com"], &["GET"], &[])]);
    let new = engine(vec![rule(&["https://*.example.com"], &["GET"], &[])]);
    let changes = diff(&old, &new);
    assert!(changes.widens() && !changes.narrows(), "{changes}");
    assert_eq!(changes.access.len(), 1, "{changes}");
    let change = &changes.access[0];
    assert_eq!(change.direction, Direction::Widened);
    assert_eq!(change.request.method, CorsMethod::Get);
    assert_eq!(
        change.request.origin_class,
        OriginClass::Pattern {
            patterns: vec!["https://*.example.com".to_owned()]
        }
    );
    assert_eq!((change.old_rule, change.new_rule), (None, Some(0)));
    assert_witnesses_differ(&old, &new, &changes);
}

#[test]
fn removing_a_method_narrows() {
    let old = engine(vec![rule(&["*"], &["GET", "DELETE"], &[])]);
    let new = engine(vec![rule(&["*"], &["GET"], &[])]);
    let changes = diff(&old, &new);
    assert!(changes.narrows() && !changes.widens());
    assert!(
        changes
            .access
            .iter()
            .all(|c| c.request.method == CorsMethod::Delete)
    );
    // GET is still allowed, but Access-Control-Allow-Methods now lists only GET.
    assert!(changes.responses.iter().all(|c| {
        c.headers
            .iter()
            .any(|h| h.name == "Access-Control-Allow-Methods")
    }));
    assert_witnesses_differ(&old, &new, &changes);
}

#[test]
fn a_header_list_no_single_rule_allows_any_more() {
    // Old: rule 1 allows x-a and x-b together. New: no rule allows both, though each name
    // alone is answered as before.
    let old = engine(vec![
        rule(&["*"], &["PUT"], &["x-a"]),
        rule(&["*"], &["PUT"], &["x-a", "x-b"]),
    ]);
    let new = engine(vec![
        rule(&["*"], &["PUT"], &["x-a"]),
        rule(&["*"], &["PUT"], &["x-b"]),
    ]);
    let changes = diff(&old, &new);
    assert_eq!(changes.access.len(), 1, "{changes}");
    let change = &changes.access[0];
    assert_eq!(change.direction, Direction::Narrowed);
    let mut names = change.request.request_headers.clone().unwrap();
    names.sort();
    assert_eq!(names, ["x-a", "x-b"]);
    assert_witnesses_differ(&old, &new, &changes);
}

#[test]
fn overlapping_patterns_are_found() {
    // Only an origin starting with "https://a" and ending with ".test" matches both rules.
    let old = engine(vec![
        rule(&["https://a*"], &["GET"], &[]).max_age_seconds(1),
        rule(&["*.test"], &["GET"], &[]).max_age_seconds(2),
    ]);
    let new = engine(vec![
        rule(&["*.test"], &["GET"], &[]).max_age_seconds(2),
        rule(&["https://a*"], &["GET"], &[]).max_age_seconds(1),
    ]);
    let changes = diff(&old, &new);
    assert!(changes.access.is_empty());
    assert_eq!(changes.responses.len(), 1, "{changes}");
    let change = &changes.responses[0];
    assert!(
        change.request.origin.starts_with("https://a") && change.request.origin.ends_with(".test")
    );
    assert_eq!(change.headers[0].name, "Access-Control-Max-Age");
    assert_eq!(
        (
            change.headers[0].old.as_deref(),
            change.headers[0].new.as_deref()
        ),
        (Some("1"), Some("2"))
    );
    assert_witnesses_differ(&old, &new, &changes);
}

#[test]
fn credentials_change_when_star_replaces_origins() {
    let old = engine(vec![rule(&["https://a.example.com"], &["GET"], &[])]);
    let new = engine(vec![rule(&["*"], &["GET"], &[])]);
    let changes = diff(&old, &new);
    let response = &changes.responses[0];
    let names: Vec<_> = response.headers.iter().map(|h| h.name).collect();
    assert_eq!(
        names,
        [
            "Access-Control-Allow-Origin",
            "Access-Control-Allow-Credentials"
        ]
    );
    assert!(changes.widens(), "other origins are allowed now");
    assert!(
        changes
            .access
            .iter()
            .any(|c| c.request.origin_class == OriginClass::Unlisted)
    );
}

#[test]
fn json_and_text_forms() {
    let old = engine(vec![rule(&["https://a.example.com"], &["GET"], &[])]);
    let new = engine(vec![rule(&["https://a.example.com"], &["GET", "PUT"], &[])]);
    let changes = diff(&old, &new);
    let json = serde_json::to_value(&changes).unwrap();
    assert_eq!(json["access"][0]["direction"], "widened");
    assert_eq!(json["access"][0]["request"]["method"], "PUT");
    assert_eq!(
        json["access"][0]["request"]["origin_class"]["kind"],
        "exact"
    );
    assert_eq!(
        json["responses"][0]["headers"][0]["name"],
        "Access-Control-Allow-Methods"
    );
    let text = changes.to_string();
    assert!(
        text.starts_with("1 access changes (1 widened, 0 narrowed), 1 response changes\n"),
        "{text}"
    );
    assert!(
        text.contains("+ PUT from \"https://a.example.com\" (exact): refused before, rule 0 now"),
        "{text}"
    );
    assert!(
        text.contains("    access-control-allow-methods: GET -> GET, PUT"),
        "{text}"
    );
}

#[test]
fn disabled_engine_against_a_policy() {
    let new = engine(vec![rule(&["https://a.example.com"], &["GET"], &[])]);
    let changes = diff(&CorsEngine::disabled(), &new);
    assert_eq!(changes.access.len(), 1);
    assert!(changes.widens());
}

/// A document just under 64 KB with many origins, patterns and headers.
fn hostile(seed: usize) -> CorsConfiguration {
    let rules: Vec<CorsRule> = (0..100)
        .map(|r| {
            CorsRule::new()
                .allowed_origins((0..7).map(|i| format!("https://h{r}-{i}-{seed}.example.com")))
                .allowed_origins([
                    format!("https://*.z{r}.example.com"),
                    format!("https://p{}*", r % 7),
                    format!("*.s{}.test", r % 5),
                ])
                .allowed_methods(["GET", "PUT", "POST"])
                .allowed_headers((0..4).map(|i| format!("x-h{}-{i}", (r + seed) % 50)))
                .allowed_header(format!("x-p{}-*", r % 9))
                .max_age_seconds(u32::try_from(r).unwrap())
        })
        .collect();
    CorsConfiguration::new(rules)
}

#[test]
fn hostile_near_64_kb_pair_is_bounded() {
    let (old, new) = (hostile(0), hostile(1));
    for config in [&old, &new] {
        let size = config.to_json().len();
        assert!(size > 50 * 1024 && size <= 64 * 1024, "{size}");
    }
    let (old, new) = (
        CorsEngine::compile(&old).unwrap(),
        CorsEngine::compile(&new).unwrap(),
    );
    let start = Instant::now();
    let changes = diff(&old, &new);
    let took = start.elapsed();
    eprintln!(
        "diff of two near-64 KB documents: {took:?}, {} access and {} response changes",
        changes.access.len(),
        changes.responses.len()
    );
    // About 7 s unoptimised on a shared two-core machine (0.5 s optimised): 400 s is a 50x margin.
    assert!(took < Duration::from_secs(400), "{took:?}");
    assert!(changes.widens() && changes.narrows());
    let sample = PolicyDiff {
        access: changes.access.iter().step_by(97).cloned().collect(),
        responses: changes.responses.iter().step_by(97).cloned().collect(),
    };
    assert_witnesses_differ(&old, &new, &sample);
}

// ---- The property: no change reported exactly when evaluate agrees ----

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_owned)
}

const ORIGINS: &[&str] = &[
    "*",
    "https://a.example.com",
    "https://b.example.com",
    "https://*.example.com",
    "https://a*",
    "*.com",
    "http://*",
    "",
];
const REQUEST_ORIGINS: &[&str] = &[
    "https://a.example.com",
    "https://b.example.com",
    "https://c.example.com",
    "https://a.test",
    "https://a.com",
    "http://a.example.com",
    "https://.example.com",
    "null",
    "",
];
const HEADERS: &[&str] = &["*", "x-a", "x-b", "X-A", "x-*", "*-id", "x-*-id"];
const REQUEST_HEADERS: &[&str] = &[
    "x-a",
    "x-b",
    "x-c",
    "x-a, x-b",
    "x-b, y-id",
    "x-a-id",
    "content-type",
    "x-a, x-b, content-type",
];

fn cors_rule() -> impl Strategy<Value = CorsRule> {
    (
        prop::collection::vec(pick(ORIGINS), 1..3),
        prop::sample::subsequence(CorsMethod::ALL.to_vec(), 1..=3),
        prop::collection::vec(pick(HEADERS), 0..3),
        prop::collection::vec(pick(&["ETag", "x-amz-request-id"]), 0..2),
        prop::option::of(prop::sample::select(vec![0u32, 600])),
    )
        .prop_map(|(origins, methods, headers, expose, max_age)| CorsRule {
            id: None,
            allowed_origins: origins,
            allowed_methods: methods.into_iter().map(String::from).collect(),
            allowed_headers: headers,
            expose_headers: expose,
            max_age_seconds: max_age,
        })
}

/// An old policy and a new one: unrelated, reordered, or with rules repeated.
fn pair() -> impl Strategy<Value = (Vec<CorsRule>, Vec<CorsRule>)> {
    let rules = || prop::collection::vec(cors_rule(), 1..4);
    prop_oneof![
        (rules(), rules()),
        rules().prop_shuffle().prop_flat_map(|old| {
            let len = old.len();
            (Just(old), Just(()), 0..len).prop_map(|(old, (), at)| {
                let mut new = old.clone();
                new.rotate_left(at);
                (old, new)
            })
        }),
        (
            rules(),
            prop::collection::vec(any::<prop::sample::Index>(), 1..3)
        )
            .prop_map(|(old, repeats)| {
                let mut new = old.clone();
                for index in repeats {
                    let at = index.index(new.len());
                    let copy = new[at].clone();
                    let to = index.index(new.len() + 1);
                    new.insert(to, copy);
                }
                (old, new)
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_change_exactly_when_evaluate_agrees((old, new) in pair()) {
        let old = engine(old);
        let new = engine(new);
        let changes = diff(&old, &new);
        assert_witnesses_differ(&old, &new, &changes);
        let mut disagree = None;
        for origin in REQUEST_ORIGINS {
            for method in CorsMethod::ALL {
                for headers in [None].into_iter().chain(REQUEST_HEADERS.iter().copied().map(Some)) {
                    let before = answer(&old, origin, method.as_str(), headers);
                    let after = answer(&new, origin, method.as_str(), headers);
                    if before != after {
                        disagree = Some((origin, method, headers, before, after));
                    }
                }
            }
        }
        if let Some(found) = disagree {
            prop_assert!(!changes.is_empty(), "diff found nothing, but {found:?}");
            // The same kind of change is reported for that method.
            let (_, method, _, (old_ok, _), (new_ok, _)) = found;
            if old_ok != new_ok {
                let direction = if new_ok { Direction::Widened } else { Direction::Narrowed };
                prop_assert!(
                    changes.access.iter().any(|c| c.request.method == method && c.direction == direction),
                    "{method} {direction:?} not reported: {changes}"
                );
            }
        }
    }
}
