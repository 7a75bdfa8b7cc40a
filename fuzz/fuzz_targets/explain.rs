//! Explains arbitrary requests against an arbitrary configuration (repaired to compile, as in
//! the `evaluate` target) and checks the explanation against `evaluate`: the same matched rule,
//! the trace marks that rule and only it as chosen, the first rule the trace says matches is
//! the one that answered, and no rule matches in the trace when none answered.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use bucket_cors::{
    CorsConfiguration, CorsEngine, CorsRequest, Decision, Dialect, EngineOptions,
    ValidationOptions,
};
use cors_fuzz::{ReqChoice, repair};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut u = Unstructured::new(rest);
    let Ok(mut config) = CorsConfiguration::arbitrary(&mut u) else {
        return;
    };
    let dialect = if flags & 1 != 0 { Dialect::Oss } else { Dialect::S3 };
    let lenient = flags & 2 != 0;
    repair(&mut config, dialect, lenient);
    let options = EngineOptions::s3()
        .validation(ValidationOptions::s3().dialect(dialect).lenient(lenient));
    let Ok(engine) = CorsEngine::compile_with(&config, &options) else {
        return;
    };
    let mut count = 0;
    while let Ok(choice) = ReqChoice::arbitrary(&mut u) {
        let req = choice.build(&config);
        let lines: Vec<&str> = req.header_lines.iter().map(String::as_str).collect();
        check(&engine, &config, &req.view(&lines));
        count += 1;
        if u.is_empty() || count == 16 {
            break;
        }
    }
});

fn check(engine: &CorsEngine, config: &CorsConfiguration, request: &CorsRequest<'_>) {
    let decision = engine.evaluate(request);
    let explanation = engine.explain(request);
    assert_eq!(explanation.matched_rule, decision.matched_rule(), "{request:?}");
    assert!(!explanation.summary.is_empty());
    if explanation.rules.is_empty() {
        return;
    }
    assert_eq!(explanation.rules.len(), config.rules.len());
    for (index, trace) in explanation.rules.iter().enumerate() {
        assert_eq!(trace.index, index);
        assert_eq!(trace.chosen, decision.matched_rule() == Some(index), "{trace:?}");
    }
    let first_match = explanation.rules.iter().position(|t| t.matches);
    match decision {
        Decision::Preflight(_) | Decision::Actual(_) => {
            assert_eq!(first_match, decision.matched_rule(), "{request:?}\n{explanation:?}");
        }
        _ => assert_eq!(first_match, None, "{request:?}\n{explanation:?}"),
    }
}
