//! One finding per defect: of two findings that [`registry::SAME_DEFECT`] says describe the
//! same defect, only the one that says most is reported, and its message names the other.

use std::collections::BTreeSet;

use crate::diagnostic::Finding;
use crate::registry;

/// Drops, from one file's reported findings, those covered by another finding of the same
/// defect. Runs after suppressions, so that a comment silencing either rule keeps working.
pub fn merge(findings: &mut Vec<Finding>) {
    for pair in registry::SAME_DEFECT {
        let covered: Vec<(usize, usize)> = findings
            .iter()
            .enumerate()
            .filter(|(_, finding)| finding.rule == pair.covered)
            .map(|(index, finding)| (index, finding.span.line))
            .collect();
        if covered.is_empty() {
            continue;
        }
        let mut dropped = BTreeSet::new();
        for kept in findings.iter_mut().filter(|f| f.rule == pair.kept) {
            let points_at = |line: usize| {
                kept.span.line == line || kept.labels.iter().any(|label| label.span.line == line)
            };
            let lines: Vec<String> = covered
                .iter()
                .filter(|(_, line)| points_at(*line))
                .filter(|(index, _)| dropped.insert(*index))
                .map(|(_, line)| line.to_string())
                .collect();
            if !lines.is_empty() {
                kept.message = format!(
                    "{} (also `{}` at line {})",
                    kept.message,
                    pair.covered,
                    lines.join(", ")
                );
            }
        }
        let mut index = 0;
        findings.retain(|_| {
            index += 1;
            !dropped.contains(&(index - 1))
        });
    }
}
