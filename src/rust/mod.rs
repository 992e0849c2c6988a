//! Rust front end: parse with syn, build the file's [`model::Model`] in one pass, run the
//! enabled rules on it.

pub mod knowledge;
pub mod model;
pub mod rules;
pub mod uses;

use crate::engine::{FrontEndOutput, Settings};
use crate::source::SourceText;

/// Whether any enabled rule could find something in this text.
pub fn wants(text: &str, settings: &Settings) -> bool {
    rules::RULES.iter().any(|rule| {
        settings.enabled(rule.name) && rule.triggers.iter().any(|t| contains_token(text, t))
    })
}

/// `needle` occurs in `text` and, where it starts or ends with an identifier character, not
/// as part of a longer identifier (`async` must not match `WSAAsync` or `asynchronous`).
fn contains_token(text: &str, needle: &str) -> bool {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    let check_start = needle.as_bytes().first().copied().is_some_and(is_ident);
    let check_end = needle.as_bytes().last().copied().is_some_and(is_ident);
    text.match_indices(needle).any(|(at, _)| {
        let end = at + needle.len();
        (!check_start || at == 0 || !is_ident(bytes[at - 1]))
            && (!check_end || end == bytes.len() || !is_ident(bytes[end]))
    })
}

pub fn check(source: &SourceText, settings: &Settings) -> Result<FrontEndOutput, String> {
    if !wants(&source.text, settings) {
        return Ok(FrontEndOutput::default());
    }
    let enabled: Vec<&rules::RustRule> = rules::RULES
        .iter()
        .filter(|rule| settings.enabled(rule.name))
        .collect();
    let parsed = syn::parse_file(&source.text);
    let result = match parsed {
        Ok(file) => {
            let test_file = is_test_path(&source.path);
            let model = model::Model::build(&file, &settings.knowledge.rust, test_file);
            drop(file);
            let mut findings = Vec::new();
            for rule in enabled {
                findings.extend((rule.check)(&model, &settings.knowledge.rust));
            }
            Ok(FrontEndOutput {
                findings,
                item_ranges: model.item_ranges,
                problems: Vec::new(),
            })
        }
        Err(error) => {
            let start = error.span().start();
            Err(format!(
                "syntax error at {}:{}: {error}",
                start.line,
                start.column + 1
            ))
        }
    };
    // Spans are kept in a per-thread table that would otherwise grow with every file.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// Files of tests and benchmarks: everything in them is test code.
fn is_test_path(path: &str) -> bool {
    let path = std::path::Path::new(path);
    let in_test_dir = path.parent().is_some_and(|dir| {
        dir.components().any(|c| {
            matches!(
                c.as_os_str().to_str(),
                Some("tests" | "benches" | "test_helpers" | "test_utils" | "test_util")
            )
        })
    });
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    in_test_dir || stem == "tests" || stem.ends_with("_test") || stem.ends_with("_tests")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_match_whole_words() {
        assert!(contains_token("async fn f()", "async"));
        assert!(contains_token("x.await", ".await"));
        assert!(!contains_token("WSAAsyncSelect asynchronous", "async"));
        assert!(contains_token("tokio::spawn(f)", "spawn"));
        assert!(!contains_token("spawner", "spawn"));
    }
}
