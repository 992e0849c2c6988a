//! Renderers: one file per output format, all fed the same filtered, sorted findings.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::collections::BTreeMap;

use crate::diagnostic::{FileError, Finding};
use crate::engine::RunReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
}

/// Everything a renderer may show.
pub struct Output<'a> {
    pub run: &'a RunReport,
    /// The text of every file with a finding, for snippets.
    pub sources: &'a BTreeMap<String, String>,
    pub color: bool,
    /// The columns the human format wraps its help and notes to ([`human::width`]).
    pub width: usize,
    /// Only the summary (human format).
    pub quiet: bool,
    /// Counts per rule instead of the findings (text formats), or with them (JSON).
    pub statistics: bool,
    /// What `--fix` did, when it ran.
    pub fixes: Option<&'a FixSummary>,
    /// What `--baseline` hid, when one was given.
    pub baseline: Option<BaselineSummary>,
    /// The findings `--baseline` hid (SARIF lists them as suppressed).
    pub baseline_hidden: &'a [Finding],
}

/// What `--fix` did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct FixSummary {
    /// Findings whose fix was applied.
    pub fixed: usize,
    /// Findings with an applicable fix that was not applied.
    pub skipped: Vec<SkippedFix>,
    /// Findings with an unsafe fix, left alone without `--unsafe-fixes`.
    #[serde(skip)]
    pub unsafe_not_applied: usize,
}

impl FixSummary {
    /// ` (N more with --unsafe-fixes)`, or nothing.
    pub fn unsafe_hint(&self) -> String {
        match self.unsafe_not_applied {
            0 => String::new(),
            n => format!(" ({n} more with --unsafe-fixes)"),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SkippedFix {
    pub rule: &'static str,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub reason: &'static str,
}

/// What `--baseline` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BaselineSummary {
    /// Findings hidden because the baseline records them.
    pub hidden: usize,
    /// Recorded findings that no longer occur.
    pub stale: usize,
}

impl Output<'_> {
    /// Whether the text formats list each finding: not with `--quiet`, and not with
    /// `--statistics`, which asks for the counts instead.
    pub fn lists_findings(&self) -> bool {
        !self.quiet && !self.statistics
    }

    /// The errors that no reported finding stands for: failures of ctxlint or of the run,
    /// and, with `syntax_error_off`, the files whose `syntax-error` finding is turned off.
    pub fn errors_without_finding(&self, syntax_error_off: bool) -> Vec<&FileError> {
        self.run
            .errors
            .iter()
            .filter(|error| match error.at {
                None => true,
                Some(_) => {
                    syntax_error_off
                        && !error.parser_gap
                        && !self.has_syntax_error_finding(&error.path)
                }
            })
            .collect()
    }

    /// How many of the files that could not be checked, whole or in part, have no
    /// `syntax-error` finding (the rule is off for them): the summary still counts them.
    pub fn unreported_unchecked_files(&self) -> usize {
        let unreported: std::collections::BTreeSet<&str> = self
            .errors_without_finding(true)
            .into_iter()
            .filter(|error| error.at.is_some())
            .map(|error| error.path.as_str())
            .collect();
        unreported.len()
    }

    fn has_syntax_error_finding(&self, path: &str) -> bool {
        self.run
            .findings
            .iter()
            .any(|finding| finding.rule == crate::syntax_error::NAME && finding.path == path)
    }

    /// Findings per rule, sorted by rule name.
    pub fn counts_by_rule(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.run.findings {
            *counts.entry(finding.rule).or_insert(0) += 1;
        }
        counts
    }
}

pub fn render(format: Format, output: &Output) -> String {
    match format {
        Format::Human => human::render(output),
        Format::Concise => concise::render(output),
        Format::Json => json::render(output),
        Format::Sarif => sarif::render(output),
        Format::Github => github::render(output),
    }
}
