//! `--fix` and `--diff` on files: the fixes applied, files written atomically.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::baseline;
use crate::diagnostic::{Applicability, FileError, Finding};
use crate::fix;
use crate::report::{FixSummary, SkippedFix};

pub(super) struct FixRun {
    pub(super) summary: FixSummary,
    /// The unified diff of every changed file (with `--diff`).
    pub(super) diff: String,
    /// Files that could not be written (they keep their old content).
    pub(super) write_errors: Vec<FileError>,
}

/// Applies the allowed fixes of `findings`, file by file: writes each changed file
/// atomically, or, with `diff_only`, collects a diff instead.
pub(super) fn fix_files(findings: &[Finding], allowed: fix::Allowed, diff_only: bool) -> FixRun {
    let mut by_path: BTreeMap<&str, Vec<Finding>> = BTreeMap::new();
    for finding in findings {
        by_path
            .entry(finding.path.as_str())
            .or_default()
            .push(finding.clone());
    }
    let mut run = FixRun {
        summary: FixSummary::default(),
        diff: String::new(),
        write_errors: Vec::new(),
    };
    for (path, findings) in by_path {
        run.summary.unsafe_not_applied += unsafe_not_applied(&findings, allowed);
        let fixable = findings.iter().any(|finding| {
            finding
                .fix
                .as_ref()
                .is_some_and(|fix| allowed.allows(fix.applicability))
        });
        if !fixable {
            continue;
        }
        let Ok(raw) = std::fs::read_to_string(path) else {
            continue; // reported when it was checked
        };
        let (bom, text) = match raw.strip_prefix('\u{feff}') {
            Some(text) => ("\u{feff}", text),
            None => ("", raw.as_str()),
        };
        let outcome = fix::apply(text, &findings, allowed);
        note_skipped(&mut run.summary, &findings, &outcome);
        if !outcome.changed() {
            continue;
        }
        if diff_only {
            let shown = baseline::normalize_path(path);
            run.diff
                .push_str(&fix::unified_diff(&shown, text, &outcome.text));
        } else {
            let fixed = format!("{bom}{}", outcome.text);
            if let Err(message) = write_atomically(Path::new(path), fixed.as_bytes()) {
                run.write_errors.push(FileError::of_run(path, message));
                continue;
            }
        }
        run.summary.fixed += outcome.applied.len();
    }
    run
}

/// How many of `findings` have an unsafe fix that `allowed` leaves alone.
pub(super) fn unsafe_not_applied(findings: &[Finding], allowed: fix::Allowed) -> usize {
    findings
        .iter()
        .filter(|finding| {
            finding.fix.as_ref().is_some_and(|fix| {
                fix.applicability == Applicability::Unsafe && !allowed.allows(fix.applicability)
            })
        })
        .count()
}

/// Adds the fixes `outcome` skipped (its indices point into `findings`) to the summary.
pub(super) fn note_skipped(summary: &mut FixSummary, findings: &[Finding], outcome: &fix::Outcome) {
    for (index, why) in &outcome.skipped {
        let finding = &findings[*index];
        summary.skipped.push(SkippedFix {
            rule: finding.rule,
            path: finding.path.clone(),
            line: finding.span.line,
            column: finding.span.column,
            reason: why.as_str(),
        });
    }
}

pub(super) fn fix_notes(summary: &FixSummary) -> String {
    let mut notes = String::new();
    for skipped in &summary.skipped {
        notes.push_str(&format!(
            "note: {}:{}:{}: the fix for `{}` was not applied: {}\n",
            skipped.path, skipped.line, skipped.column, skipped.rule, skipped.reason
        ));
    }
    notes
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Replaces the file's content so that a reader, or an interrupted run, sees either the old
/// or the new content: the new one is written to a temporary file in the same directory and
/// renamed over the old one. A symbolic link is followed, and the file keeps its permissions.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path).map_err(fail)?,
        _ => path.to_path_buf(),
    };
    let name = target
        .file_name()
        .ok_or_else(|| format!("cannot write `{}`: not a file name", path.display()))?;
    let dir = target
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = dir.join(format!(
        ".{}.ctxlint-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let _ = std::fs::remove_file(&temp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(&target) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &target)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        fail(e)
    })
}
