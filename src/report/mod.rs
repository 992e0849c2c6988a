//! Renderers: one file per output format, all fed the same filtered, sorted findings.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::collections::BTreeMap;

use crate::engine::RunReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
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
    pub statistics: bool,
}

impl Output<'_> {
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
        Format::Json => json::render(output),
        Format::Sarif => sarif::render(output),
        Format::Github => github::render(output),
    }
}
