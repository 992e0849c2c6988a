//! SARIF output against the official SARIF 2.1.0 JSON schema (validated with ajv) and
//! Microsoft's SARIF multitool: findings with fixes and related locations, findings
//! suppressed in the source or hidden by a baseline, files that could not be checked.
//!
//! The schema and the validators come from the npm registry into target/ (never committed):
//! `tests/sarif/install-tools.sh` runs when they are missing. Without them the test fails,
//! it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// Multitool findings that do not apply: SARIF2005 asks for the tool's `informationUri`,
/// and ctxlint has no public home page to point to.
const ACCEPTED_MULTITOOL_RULES: &[&str] = &["SARIF2005"];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding the schema, ajv and the multitool, installed on first use.
fn tools() -> &'static Path {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-tools");
        if !dir.join("sarif-2.1.0-rtm.5.json").is_file() {
            let installed = Command::new("bash")
                .arg(manifest_dir().join("tests/sarif/install-tools.sh"))
                .arg(&dir)
                .status()
                .is_ok_and(|status| status.success());
            assert!(
                installed,
                "the SARIF schema and validators are missing and could not be installed: \
                 they need npm and the npm registry; run `bash tests/sarif/install-tools.sh {}`",
                dir.display()
            );
        }
        dir
    })
}

/// A fresh directory of its own for each call (the tests run in parallel).
fn scratch(name: &str) -> PathBuf {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "ctxlint-sarif-{name}-{}-{call}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs ctxlint in `dir` and returns its SARIF output, parsed.
fn sarif(dir: &Path, args: &[&str]) -> Value {
    let output = assert_cmd::Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(dir)
        .args(["--format", "sarif"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Schema violations of each document (empty: all valid).
fn schema_violations(documents: &[(&str, &Value)]) -> String {
    let dir = scratch("schema");
    let files: Vec<PathBuf> = documents
        .iter()
        .map(|(name, document)| {
            let file = dir.join(format!("{name}.sarif"));
            std::fs::write(&file, serde_json::to_string_pretty(document).unwrap()).unwrap();
            file
        })
        .collect();
    let output = Command::new("node")
        .arg(manifest_dir().join("tests/sarif/validate.cjs"))
        .arg(tools())
        .args(&files)
        .output()
        .expect("node runs the schema validator");
    let _ = std::fs::remove_dir_all(&dir);
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.success(),
        report.is_empty(),
        "the validator's exit code and report disagree: {report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

/// What Microsoft's SARIF multitool says of a document, less the accepted rules. It says
/// nothing at all of a document it cannot read (a `level` out of its enumeration, say), so
/// a log without the accepted SARIF2005, which every ctxlint log triggers, is a failure.
fn multitool_findings(name: &str, document: &Value) -> Vec<String> {
    let dir = scratch("multitool");
    let input = dir.join(format!("{name}.sarif"));
    let log = dir.join("validation.sarif");
    std::fs::write(&input, serde_json::to_string_pretty(document).unwrap()).unwrap();
    let output = Command::new(tools().join("node_modules/.bin/sarif-multitool"))
        .arg("validate")
        .arg("--output")
        .arg(&log)
        .arg(&input)
        .output()
        .expect("the SARIF multitool runs");
    let text = std::fs::read_to_string(&log).unwrap_or_else(|_| {
        panic!(
            "the multitool wrote no log: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let log: Value = serde_json::from_str(&text).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|result| result["ruleId"] == "SARIF2005"),
        "the multitool did not analyse {name}: {text}"
    );
    results
        .iter()
        .filter(|result| {
            !ACCEPTED_MULTITOOL_RULES.contains(&result["ruleId"].as_str().unwrap_or(""))
        })
        .map(|result| format!("{}: {}", result["ruleId"], result["message"]))
        .collect()
}

/// A project with a finding suppressed by a comment, one recorded in a baseline, a new one,
/// a file that does not parse, and a path that needs percent-encoding.
fn project_with_suppressions(name: &str) -> PathBuf {
    let dir = scratch(name);
    let sleep = "std::thread::sleep(std::time::Duration::from_secs(1));";
    std::fs::write(
        dir.join("allowed.rs"),
        format!("async fn f() {{\n    {sleep} // ctxlint: allow(blocking-in-async) startup\n}}\n"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("old code")).unwrap();
    std::fs::write(
        dir.join("old code/légacy.rs"),
        format!("async fn old() {{\n    {sleep}\n}}\n"),
    )
    .unwrap();
    let recorded = assert_cmd::Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(&dir)
        .args(["--no-config", "--write-baseline", "baseline.json", "."])
        .output()
        .unwrap();
    assert!(recorded.status.success());
    std::fs::write(
        dir.join("new.rs"),
        format!("async fn new() {{\n    {sleep}\n}}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("broken.rs"), "async fn f( {\n").unwrap();
    dir
}

fn results(document: &Value) -> &Vec<Value> {
    document["runs"][0]["results"].as_array().unwrap()
}

fn suppression_kinds(document: &Value) -> Vec<(String, String)> {
    results(document)
        .iter()
        .map(|result| {
            let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string();
            let kind = result["suppressions"][0]["kind"]
                .as_str()
                .unwrap_or("none")
                .to_string();
            (uri, kind)
        })
        .collect()
}

#[test]
fn sarif_is_valid_and_keeps_suppressed_findings_marked() {
    let fixtures = sarif(manifest_dir(), &["--no-config", "fixtures"]);
    let with_fixes = results(&fixtures)
        .iter()
        .filter(|r| r.get("fixes").is_some())
        .count();
    let with_related = results(&fixtures)
        .iter()
        .filter(|r| r.get("relatedLocations").is_some())
        .count();
    assert!(
        with_fixes > 0 && with_related > 0,
        "the fixtures cover fixes and labels"
    );

    let project = project_with_suppressions("suppressed");
    let baselined = sarif(
        &project,
        &["--no-config", "--baseline", "baseline.json", "."],
    );
    assert_eq!(
        suppression_kinds(&baselined),
        [
            ("allowed.rs".to_string(), "inSource".to_string()),
            ("broken.rs".to_string(), "none".to_string()),
            ("new.rs".to_string(), "none".to_string()),
            (
                "old%20code/l%C3%A9gacy.rs".to_string(),
                "external".to_string()
            ),
        ]
    );
    let omitted = sarif(
        &project,
        &[
            "--no-config",
            "--baseline",
            "baseline.json",
            "--omit-suppressed",
            ".",
        ],
    );
    assert_eq!(
        suppression_kinds(&omitted),
        [
            ("broken.rs".to_string(), "none".to_string()),
            ("new.rs".to_string(), "none".to_string())
        ]
    );
    let notifications = &baselined["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notifications.as_array().unwrap().len(), 1, "broken.rs");
    let clean = sarif(
        manifest_dir(),
        &["--no-config", "fixtures/rust/blocking-in-async/silent.rs"],
    );
    assert!(results(&clean).is_empty());

    let documents = [
        ("fixtures", &fixtures),
        ("baselined", &baselined),
        ("clean", &clean),
    ];
    let violations = schema_violations(&documents);
    assert!(violations.is_empty(), "{violations}");
    for (name, document) in documents {
        let findings = multitool_findings(name, document);
        assert!(findings.is_empty(), "{name}: {}", findings.join("\n"));
    }
    let _ = std::fs::remove_dir_all(&project);
}

#[test]
fn code_scanning_gets_relative_paths_and_stable_fingerprints() {
    let project = project_with_suppressions("fingerprints");
    let first = sarif(&project, &["--no-config", "."]);
    assert_eq!(
        results(&first).len(),
        4,
        "one finding in each file, a `syntax-error` in broken.rs"
    );
    for result in results(&first) {
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{artifact}");
        assert!(!artifact["uri"].as_str().unwrap().starts_with('.'));
    }
    let fingerprints = |document: &Value| -> Vec<String> {
        results(document)
            .iter()
            .map(|r| {
                r["partialFingerprints"]["ctxlintIdentity/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    // Lines added above every finding move them but keep their identity.
    for file in ["allowed.rs", "new.rs", "old code/légacy.rs"] {
        let path = project.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("// moved\n\n{text}")).unwrap();
    }
    let moved = sarif(&project, &["--no-config", "."]);
    assert_eq!(fingerprints(&moved), fingerprints(&first));
    let mut unique = fingerprints(&first);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), results(&first).len());
    let _ = std::fs::remove_dir_all(&project);
}

#[test]
fn the_validators_reject_a_broken_log() {
    let valid = sarif(
        manifest_dir(),
        &["--no-config", "fixtures/rust/blocking-in-async"],
    );
    let mut bad_line = valid.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    let mut bad_level = valid.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    let violations = schema_violations(&[("bad-line", &bad_line), ("bad-level", &bad_level)]);
    assert!(
        violations.contains(
            "bad-line.sarif: /runs/0/results/0/locations/0/physicalLocation/region/startLine"
        ),
        "{violations}"
    );
    assert!(
        violations.contains("bad-level.sarif: /runs/0/results/0/level"),
        "{violations}"
    );
    let findings = multitool_findings("bad-line", &bad_line);
    assert!(
        findings.iter().any(|f| f.contains("startLine")),
        "{findings:?}"
    );
}
