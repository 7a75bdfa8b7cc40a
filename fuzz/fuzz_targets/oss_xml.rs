//! Reads arbitrary bytes as a OssXml document; see `cors_fuzz::check_document`.
#![no_main]

use bucket_cors::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cors_fuzz::check_document(data, Format::OssXml));
