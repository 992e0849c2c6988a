//! Baselines through the command line: record, survive unrelated edits, report only new
//! findings, count stale entries and prune them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const ORIGINAL: &str = "use std::time::Duration;

async fn poll() {
    std::thread::sleep(Duration::from_secs(1));
}

async fn list(p: &str) -> std::io::Result<std::fs::ReadDir> {
    std::fs::read_dir(p)
}
";

/// Lines added above, indentation changed, and one new bug that reads like an old one.
const EDITED: &str = "//! The API.

use std::time::Duration;

// Polls.
async fn poll() {
        std::thread::sleep(Duration::from_secs(1));
    let _ = 1;
    std::thread::sleep(Duration::from_secs(1));
}

async fn list(p: &str) -> std::io::Result<std::fs::ReadDir> {
    std::fs::read_dir(p)
}
";

/// The edited file with the `read_dir` bug fixed by hand.
const REPAIRED: &str = "//! The API.

use std::time::Duration;

// Polls.
async fn poll() {
        std::thread::sleep(Duration::from_secs(1));
    let _ = 1;
    std::thread::sleep(Duration::from_secs(1));
}

async fn list(p: &str) -> std::io::Result<tokio::fs::ReadDir> {
    tokio::fs::read_dir(p).await
}
";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctxlint-baseline-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(dir)
        .args(["--no-config", "--color", "never"])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, _) = run(dir, &all);
    (code, serde_json::from_str(&out).unwrap())
}

#[test]
fn round_trip_new_findings_stale_entries_and_pruning() {
    let dir = temp_dir("round-trip");
    let file = dir.join("src/api.rs");
    std::fs::write(&file, ORIGINAL).unwrap();

    let (code, _, err) = run(&dir, &["--write-baseline", "ctxlint-baseline.json", "src"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Recorded 2 findings"), "{err}");
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ctxlint-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(recorded["version"], 1);
    assert_eq!(recorded["findings"].as_array().unwrap().len(), 2);
    assert_eq!(recorded["findings"][0]["path"], "src/api.rs");

    // Everything known: nothing reported, exit 0.
    let (code, doc) = json(&dir, &["--baseline", "ctxlint-baseline.json", "src"]);
    assert_eq!(code, 0);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["summary"]["baseline_hidden"], 2);
    assert_eq!(doc["summary"]["baseline_stale"], 0);

    // Unrelated edits and one new bug: exactly the new one is reported.
    std::fs::write(&file, EDITED).unwrap();
    let (code, doc) = json(&dir, &["--baseline", "ctxlint-baseline.json", "./src"]);
    assert_eq!(code, 1);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc}");
    assert_eq!(findings[0]["rule"], "blocking-in-async");
    assert_eq!(findings[0]["line"], 9);
    assert_eq!(doc["summary"]["baseline_hidden"], 2);
    assert_eq!(doc["summary"]["baseline_stale"], 0);

    // A recorded bug fixed: its entry is stale, in JSON and in the human summary.
    std::fs::write(&file, REPAIRED).unwrap();
    let (_, doc) = json(&dir, &["--baseline", "ctxlint-baseline.json", "src"]);
    assert_eq!(doc["summary"]["baseline_stale"], 1);
    assert_eq!(doc["summary"]["baseline_hidden"], 1);
    let (_, out, _) = run(&dir, &["--baseline", "ctxlint-baseline.json", "src"]);
    assert!(out.contains("1 hidden by the baseline, 1 stale"), "{out}");

    // Pruning drops the stale entry and keeps the rest.
    let (_, _, err) = run(
        &dir,
        &[
            "--baseline",
            "ctxlint-baseline.json",
            "--prune-baseline",
            "src",
        ],
    );
    assert!(err.contains("Removed 1 stale entry"), "{err}");
    let pruned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ctxlint-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(pruned["findings"].as_array().unwrap().len(), 1);
    let (_, doc) = json(&dir, &["--baseline", "ctxlint-baseline.json", "src"]);
    assert_eq!(doc["summary"]["baseline_stale"], 0);
    assert_eq!(doc["summary"]["baseline_hidden"], 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_baseline_is_a_usage_error() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("src/api.rs"), ORIGINAL).unwrap();
    std::fs::write(dir.join("b.json"), "{\"version\": 2, \"findings\": []}").unwrap();
    let (code, _, err) = run(&dir, &["--baseline", "b.json", "src"]);
    assert_eq!(code, 2);
    assert!(err.contains("version 2"), "{err}");
    let (code, _, _) = run(&dir, &["--baseline", "missing.json", "src"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&dir, &["--prune-baseline", "src"]);
    assert_eq!(code, 2, "--prune-baseline needs --baseline");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn findings_of_a_deleted_file_are_stale() {
    let dir = temp_dir("deleted");
    std::fs::write(dir.join("src/api.rs"), ORIGINAL).unwrap();
    std::fs::write(dir.join("src/keep.rs"), ORIGINAL).unwrap();
    let (code, _, _) = run(&dir, &["--write-baseline", "b.json", "."]);
    assert_eq!(code, 0);
    std::fs::remove_file(dir.join("src/api.rs")).unwrap();
    let (code, doc) = json(&dir, &["--baseline", "b.json", "."]);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["baseline_stale"], 2);
    assert_eq!(doc["summary"]["baseline_hidden"], 2);
    // Checking only another directory does not make them stale.
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("other/clean.rs"), "async fn f() {}\n").unwrap();
    let (_, doc) = json(&dir, &["--baseline", "b.json", "other"]);
    assert_eq!(doc["summary"]["baseline_stale"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

fn recorded_entries(path: &Path) -> Vec<(String, String)> {
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    recorded["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["path"].as_str().unwrap().to_string(),
                entry["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Two files, each with a `blocking-in-async` and a `missing-timeout` finding.
const TWO_RULES: &str = "async fn poll() {
    std::thread::sleep(std::time::Duration::from_secs(1));
    reqwest::get(\"http://x\").await;
}
";

#[test]
fn paths_are_relative_to_the_baseline_file() {
    let dir = temp_dir("relative");
    std::fs::write(dir.join("src/api.rs"), ORIGINAL).unwrap();
    let (code, _, err) = run(&dir.join("src"), &["--write-baseline", "../b.json", "."]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        recorded_entries(&dir.join("b.json"))[0].0,
        "src/api.rs",
        "recorded from src/, relative to the baseline's directory"
    );
    // The same baseline hides the findings from the project's root and from src/.
    let (code, doc) = json(&dir, &["--baseline", "b.json", "."]);
    assert_eq!((code, &doc["summary"]["baseline_hidden"]), (0, &2.into()));
    let (code, doc) = json(&dir.join("src"), &["--baseline", "../b.json", "api.rs"]);
    assert_eq!((code, &doc["summary"]["baseline_hidden"]), (0, &2.into()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pruning_keeps_entries_of_files_and_rules_not_rechecked() {
    let dir = temp_dir("prune-scope");
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("src/api.rs"), TWO_RULES).unwrap();
    std::fs::write(dir.join("other/db.rs"), TWO_RULES).unwrap();
    let (code, _, err) = run(&dir, &["--write-baseline", "b.json", "."]);
    assert_eq!(code, 0, "{err}");
    let all = recorded_entries(&dir.join("b.json"));
    assert_eq!(all.len(), 4, "{all:?}");

    // From a subdirectory, checking only it: nothing is stale, nothing is removed.
    let (code, _, err) = run(
        &dir.join("src"),
        &["--baseline", "../b.json", "--prune-baseline", "."],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(recorded_entries(&dir.join("b.json")), all, "{err}");

    // With --select, the entries of the rules that did not run stay, even once fixed.
    std::fs::write(dir.join("src/api.rs"), "async fn poll() {}\n").unwrap();
    let (_, _, err) = run(
        &dir,
        &[
            "--baseline",
            "b.json",
            "--prune-baseline",
            "--select",
            "blocking-in-async",
            ".",
        ],
    );
    assert!(err.contains("Removed 1 stale entry"), "{err}");
    let left = recorded_entries(&dir.join("b.json"));
    assert_eq!(
        left,
        [
            ("other/db.rs".to_string(), "blocking-in-async".to_string()),
            ("other/db.rs".to_string(), "missing-timeout".to_string()),
            ("src/api.rs".to_string(), "missing-timeout".to_string()),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_baseline_that_matches_no_checked_file_says_so() {
    let dir = temp_dir("no-match");
    std::fs::write(dir.join("src/api.rs"), ORIGINAL).unwrap();
    let (code, _, _) = run(&dir, &["--write-baseline", "src/b.json", "src/api.rs"]);
    assert_eq!(code, 0);
    // Moved away from the files it names: its paths point at nothing checked.
    std::fs::rename(dir.join("src/b.json"), dir.join("b.json")).unwrap();
    let (code, _, err) = run(&dir, &["--baseline", "b.json", "src"]);
    assert_eq!(code, 1, "nothing hidden");
    assert!(
        err.contains("warning: no file recorded in the baseline `b.json` was checked"),
        "{err}"
    );
    std::fs::rename(dir.join("b.json"), dir.join("src/b.json")).unwrap();
    let (code, _, err) = run(&dir, &["--baseline", "src/b.json", "src"]);
    assert_eq!(code, 0);
    assert!(!err.contains("warning"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file that could not be checked is never recorded, so a baseline never hides it: once
/// the file parses again, its findings are new.
#[test]
fn syntax_errors_are_never_recorded_nor_hidden() {
    let dir = temp_dir("syntax-error");
    std::fs::write(dir.join("src/api.rs"), ORIGINAL).unwrap();
    std::fs::write(dir.join("src/broken.rs"), "async fn f() {\n    loop {\n").unwrap();
    let (code, _, err) = run(&dir, &["--write-baseline", "baseline.json", "src"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Recorded 2 findings"), "{err}");
    assert!(
        err.contains("warning: 1 `syntax-error` finding not recorded"),
        "{err}"
    );
    let recorded = recorded_entries(&dir.join("baseline.json"));
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert!(recorded.iter().all(|(_, rule)| rule != "syntax-error"));

    let (code, document) = json(&dir, &["--baseline", "baseline.json", "src"]);
    assert_eq!(
        code, 1,
        "the unchecked file still fails the run: {document}"
    );
    let findings = document["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{document}");
    assert_eq!(findings[0]["rule"], "syntax-error");
    assert_eq!(findings[0]["path"], "src/broken.rs");
    assert_eq!(document["summary"]["baseline_hidden"], 2);
    // Pruning keeps everything: the recorded findings still occur.
    let (_, _, err) = run(
        &dir,
        &["--baseline", "baseline.json", "--prune-baseline", "src"],
    );
    assert!(!err.contains("Removed"), "{err}");
    assert_eq!(recorded_entries(&dir.join("baseline.json")).len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
