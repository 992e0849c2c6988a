//! Renderers: one file per output format, all fed the same filtered, sorted findings.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::collections::BTreeMap;

use crate::diagnostic::Finding;
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
