//! Any text, read as suppression comments and as a `ctxlint.toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        ctxlint_fuzz::scan_suppressions(text);
        ctxlint_fuzz::load_config(text);
    }
});
