//! Any bytes, checked as a Rust file and rendered in every output format.
#![no_main]

use ctxlint::walk::Language;

libfuzzer_sys::fuzz_target!(|data: &[u8]| ctxlint_fuzz::check_and_render(Language::Rust, data));
