//! Baselines through the command line: record, survive unrelated edits, report only new
//! findings, count stale entries and prune them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const ORIGINAL: &str = "use std::time::Duration;

async fn poll() {
    std::thread::sleep(Duration::from_secs(1));
}

async fn load(p: &str) -> std::io::Result<String> {
    std::fs::read_to_string(p)
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

async fn load(p: &str) -> std::io::Result<String> {
    std::fs::read_to_string(p)
}
";

/// The edited file with the `read_to_string` bug fixed by hand.
const REPAIRED: &str = "//! The API.

use std::time::Duration;

// Polls.
async fn poll() {
        std::thread::sleep(Duration::from_secs(1));
    let _ = 1;
    std::thread::sleep(Duration::from_secs(1));
}

async fn load(p: &str) -> std::io::Result<String> {
    tokio::fs::read_to_string(p).await
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
    let (_, doc) = json(&dir, &["--baseline", "b.json", "other"]);
    assert_eq!(doc["summary"]["baseline_stale"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}
