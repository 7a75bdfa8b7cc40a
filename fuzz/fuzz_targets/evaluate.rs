//! Evaluates arbitrary requests against an arbitrary configuration and compares every decision
//! with the reference evaluator the library's property tests use (`tests/reference/mod.rs`,
//! included by path as `cors_fuzz::reference`); see `cors_fuzz::run_evaluate`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cors_fuzz::run_evaluate(data));
