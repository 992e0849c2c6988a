//! `--format json`: one document, version 1 of the public schema in docs/output-format.md.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Output, SkippedFix};
use crate::diagnostic::{FileError, Finding};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: &'a [Finding],
    errors: &'a [FileError],
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files_checked: usize,
    files_skipped: usize,
    not_checked: crate::skip::Skipped,
    findings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_rule: Option<BTreeMap<&'static str, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes_skipped: Option<&'a [SkippedFix]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_hidden: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_stale: Option<usize>,
}

pub fn render(output: &Output) -> String {
    let run = output.run;
    let document = Document {
        version: 1,
        tool: Tool {
            name: "ctxlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: &run.findings,
        errors: &run.errors,
        summary: Summary {
            files_checked: run.files_checked,
            files_skipped: run.files_skipped,
            not_checked: run.not_checked,
            findings: run.findings.len(),
            by_rule: output.statistics.then(|| output.counts_by_rule()),
            fixed: output.fixes.map(|fixes| fixes.fixed),
            fixes_skipped: output.fixes.map(|fixes| fixes.skipped.as_slice()),
            baseline_hidden: output.baseline.map(|baseline| baseline.hidden),
            baseline_stale: output.baseline.map(|baseline| baseline.stale),
        },
    };
    let mut text = serde_json::to_string_pretty(&document).expect("findings serialize");
    text.push('\n');
    text
}
