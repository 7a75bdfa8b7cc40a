//! Compares the compiled wildcard matcher with a naive one; see `cors_fuzz::run_pattern`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cors_fuzz::run_pattern(data));
