//! Runs every fixture through the whole pipeline and requires the set of (line, rule) pairs
//! found to equal the `//~ rule` markers exactly: a missing finding and an extra one both fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ctxlint::engine::{Settings, check_bytes_isolated as check_bytes};
use ctxlint::walk::Language;

fn fixture_files() -> Vec<(PathBuf, Language)> {
    let mut files = Vec::new();
    for language in ["rust", "go"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(language);
        let Ok(rules) = std::fs::read_dir(&root) else {
            continue;
        };
        for rule in rules.flatten() {
            for file in std::fs::read_dir(rule.path()).unwrap().flatten() {
                let path = file.path();
                if let Some(language) = Language::from_path(&path) {
                    files.push((path, language));
                }
            }
        }
    }
    files.sort();
    files
}

fn markers(text: &str) -> BTreeSet<(usize, String)> {
    let mut expected = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(at) = line.find("//~") {
            for rule in line[at + 3..].split_whitespace() {
                expected.insert((index + 1, rule.to_string()));
            }
        }
    }
    expected
}

#[test]
fn fixtures_match_their_markers_exactly() {
    let settings = Settings::defaults();
    let files = fixture_files();
    assert!(files.len() >= 8, "expected fixtures, found {}", files.len());
    let mut failures = Vec::new();
    for (path, language) in &files {
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let display = path.display().to_string();
        let report = check_bytes(&display, *language, &bytes, &settings);
        // A file to blame is a `syntax-error` finding, which markers check like any other.
        for error in report.errors.iter().filter(|error| error.at.is_none()) {
            failures.push(format!("{display}: unexpected error: {}", error.message));
        }
        let found: BTreeSet<(usize, String)> = report
            .findings
            .iter()
            .map(|f| (f.span.line, f.rule.to_string()))
            .collect();
        let expected = markers(&text);
        for (line, rule) in expected.difference(&found) {
            failures.push(format!("{display}:{line}: expected `{rule}`, not found"));
        }
        for (line, rule) in found.difference(&expected) {
            let message = report
                .findings
                .iter()
                .find(|f| f.span.line == *line && f.rule == rule)
                .map(|f| f.message.clone())
                .unwrap_or_default();
            failures.push(format!("{display}:{line}: unexpected `{rule}`: {message}"));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

/// Every rule directory holds cases that fire and look-alikes that must not.
#[test]
fn every_rule_directory_fires_and_has_silent_cases() {
    for (path, _) in fixture_files() {
        let rule = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            ctxlint::registry::find(&rule).is_some(),
            "{}: fixtures for an unregistered rule",
            path.display()
        );
    }
    for rule in ctxlint::registry::RULES {
        for language in ctxlint::registry::languages(rule.name) {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(language.name())
                .join(rule.name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                if ctxlint::registry::SUPPRESSION_RULES.contains(&rule.name) {
                    continue;
                }
                panic!("{} has no fixtures for {}", rule.name, language.name());
            };
            let text: String = entries
                .flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect();
            let firing = markers(&text)
                .iter()
                .filter(|(_, r)| r == rule.name)
                .count();
            assert!(
                firing >= 4,
                "{} ({}): {firing} firing cases, want 4",
                rule.name,
                language.name()
            );
        }
    }
}

/// Rules that describe one defect from two places never both report it: no line a finding
/// of the kept rule points at (its own or a label's) carries a finding of the covered one.
#[test]
fn one_finding_per_defect() {
    let settings = Settings::defaults();
    let mut failures = Vec::new();
    let mut merged = 0;
    for (path, language) in fixture_files() {
        let bytes = std::fs::read(&path).unwrap();
        let display = path.display().to_string();
        let findings = check_bytes(&display, language, &bytes, &settings).findings;
        for pair in ctxlint::registry::SAME_DEFECT {
            for kept in findings.iter().filter(|f| f.rule == pair.kept) {
                merged += usize::from(kept.message.contains(&format!("also `{}`", pair.covered)));
                let lines: BTreeSet<usize> = std::iter::once(kept.span.line)
                    .chain(kept.labels.iter().map(|label| label.span.line))
                    .collect();
                let covered = findings
                    .iter()
                    .filter(|f| f.rule == pair.covered && lines.contains(&f.span.line));
                for finding in covered {
                    failures.push(format!(
                        "{display}:{}: `{}` and `{}` report one defect",
                        finding.span.line, pair.kept, pair.covered
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
    assert!(merged > 0, "no fixture shows a merged finding");
}

/// The files of each multi-file fixture (`tests/projects/<language>/<name>/`), by project.
fn fixture_projects() -> Vec<(PathBuf, Vec<(PathBuf, Language)>)> {
    let mut projects = Vec::new();
    for language in ["rust", "go"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join("projects")
            .join(language);
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        for project in entries.flatten() {
            let mut files = Vec::new();
            let mut dirs = vec![project.path()];
            while let Some(dir) = dirs.pop() {
                for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        dirs.push(path);
                    } else if let Some(language) = Language::from_path(&path) {
                        files.push((path, language));
                    }
                }
            }
            files.sort();
            projects.push((project.path(), files));
        }
    }
    projects.sort();
    projects
}

/// A project is checked as one run: the findings in all its files together equal the
/// markers, and a `//~^ label rule` line asks for a label of that rule, from a finding in
/// another file, on the line above it.
#[test]
fn projects_match_their_markers_exactly() {
    let projects = fixture_projects();
    assert!(!projects.is_empty(), "no fixture projects");
    let mut failures = Vec::new();
    for (project, files) in &projects {
        // Checked as its own root, as `ctxlint tests/projects/rust/tunnel` would: the
        // `tests` directory above it does not make its files test code.
        let mut settings = Settings::defaults();
        settings.set_checked_roots(std::slice::from_ref(project));
        let run = ctxlint::engine::run(files, &settings, 2);
        for error in &run.errors {
            failures.push(format!(
                "{}: unexpected error: {}",
                error.path, error.message
            ));
        }
        let mut expected = BTreeSet::new();
        for (path, _) in files {
            let text = std::fs::read_to_string(path).unwrap();
            let display = path.display().to_string();
            for (line, marker) in markers(&text) {
                if marker == "^" || marker == "label" {
                    continue;
                }
                let is_label = text.lines().nth(line - 1).unwrap().contains("//~^ label");
                let (line, kind) = if is_label {
                    (line - 1, "label")
                } else {
                    (line, "finding")
                };
                expected.insert((display.clone(), line, kind, marker));
            }
        }
        let mut found = BTreeSet::new();
        for finding in &run.findings {
            found.insert((
                finding.path.clone(),
                finding.span.line,
                "finding",
                finding.rule.to_string(),
            ));
            for label in &finding.labels {
                if let Some(path) = &label.path {
                    found.insert((
                        path.clone(),
                        label.span.line,
                        "label",
                        finding.rule.to_string(),
                    ));
                }
            }
        }
        let name = project.display();
        for (path, line, kind, rule) in expected.difference(&found) {
            failures.push(format!(
                "{name}: {path}:{line}: expected {kind} `{rule}`, not found"
            ));
        }
        for (path, line, kind, rule) in found.difference(&expected) {
            failures.push(format!("{name}: {path}:{line}: unexpected {kind} `{rule}`"));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}
