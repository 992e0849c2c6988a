//! Rust front end: parse with syn, build the file's [`model::Model`] in one pass, run the
//! enabled rules on it.

pub mod knowledge;
pub mod model;
pub mod rules;
pub mod uses;

use crate::engine::{FrontEndOutput, Settings};
use crate::source::SourceText;

pub fn check(source: &SourceText, settings: &Settings) -> Result<FrontEndOutput, String> {
    let enabled: Vec<&rules::RustRule> = rules::RULES
        .iter()
        .filter(|rule| settings.enabled(rule.name))
        .collect();
    // Most files hold nothing any rule looks for: skipping their parse is the largest saving.
    let triggered = enabled
        .iter()
        .any(|rule| rule.triggers.iter().any(|t| source.text.contains(t)));
    if !triggered {
        return Ok(FrontEndOutput::default());
    }
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
