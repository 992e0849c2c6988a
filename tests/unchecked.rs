//! CI fails on what ctxlint could not check: a file it cannot parse (a `syntax-error`
//! finding, in every format, which can be lowered or turned off but is still counted), a path
//! that holds nothing to check, standard input of an unknown language, a misused
//! `--stdin-filename`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctxlint-unchecked-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(dir)
        .arg("--no-config")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

const CLEAN: &str = "async fn f() {}\n";
const GO: &str = "package main\n\nfunc serve() {\n\tfor i := 0; i < 3; i++ {\n\t\tgo func() { for {} }()\n\t}\n}\n";
/// A Rust file cut short while being edited.
const BROKEN: &str = "async fn f() {\n    loop {\n";

#[test]
fn a_file_that_does_not_parse_fails_the_run() {
    let dir = temp_dir("parse");
    std::fs::write(dir.join("ok.rs"), CLEAN).unwrap();
    assert_eq!(run(&dir, &["."], "").0, 0);
    // A file that does not parse, next to a clean file: exit 1, not a clean run.
    std::fs::write(dir.join("broken.rs"), BROKEN).unwrap();
    let (code, out, _) = run(&dir, &["."], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[syntax-error]: syntax error at 2:10"),
        "{out}"
    );
    assert!(out.contains(" --> broken.rs:2:10\n"), "{out}");
    assert!(out.ends_with(", 1 file could not be checked\n"), "{out}");
    assert_eq!(run(&dir, &[".", "--exit-zero"], "").0, 0);
    assert_eq!(
        run(&dir, &[".", "--fail-level", "error"], "").0,
        1,
        "a file that was not checked fails at every level"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn go_code_in_a_rust_file_fails_the_run() {
    let dir = temp_dir("go-in-rs");
    std::fs::write(dir.join("ok.rs"), CLEAN).unwrap();
    // Nothing in it is a word a Rust rule looks for; it must still not pass as checked.
    std::fs::write(
        dir.join("server.rs"),
        "// Copied from the Go service.\npackage server\n\nfunc Start() {}\n",
    )
    .unwrap();
    let (code, out, _) = run(&dir, &["."], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[syntax-error]: syntax error at 2:1: this is Go"),
        "{out}"
    );
    assert!(out.contains("2 | package server\n"), "the snippet: {out}");
    // A Rust file that mentions a package is Rust.
    std::fs::write(
        dir.join("server.rs"),
        "// package server\nfn package() {}\n",
    )
    .unwrap();
    assert_eq!(run(&dir, &["."], "").0, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_path_with_nothing_to_check_is_an_error() {
    let dir = temp_dir("empty");
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    std::fs::write(dir.join("ok.rs"), CLEAN).unwrap();
    std::fs::write(dir.join("notes.md"), "# notes\n").unwrap();
    let (code, out, err) = run(&dir, &["empty"], "");
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("error: `empty` holds no .rs or .go file to check"),
        "{err}"
    );
    assert!(!out.contains("No findings"), "{out}");
    // One empty path among good ones is still a mistake.
    assert_eq!(run(&dir, &["ok.rs", "empty"], "").0, 2);
    let (code, _, err) = run(&dir, &["notes.md"], "");
    assert_eq!(code, 2);
    assert!(err.contains("`notes.md` is not a .rs or .go file"), "{err}");
    let (code, _, err) = run(&dir, &["src-typo"], "");
    assert_eq!(code, 2);
    assert!(err.contains("src-typo"), "{err}");
    assert_eq!(run(&dir, &["ok.rs"], "").0, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_input_without_a_name_is_rust_and_says_so() {
    let dir = temp_dir("stdin");
    let (code, _, err) = run(&dir, &["-"], CLEAN);
    assert_eq!(code, 0);
    assert!(
        err.contains("note: standard input is checked as Rust; --stdin-filename NAME.go checks Go"),
        "{err}"
    );
    // What does not parse as Rust is not a clean run: nothing could be checked.
    assert_eq!(run(&dir, &["-"], BROKEN).0, 2);
    let (code, _, err) = run(&dir, &["-", "--stdin-filename", "main.go"], GO);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("note:"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stdin_filename_without_dash_is_a_usage_error() {
    let dir = temp_dir("stdin-filename");
    std::fs::write(dir.join("ok.rs"), CLEAN).unwrap();
    let (code, out, err) = run(&dir, &["--stdin-filename", "x.rs"], CLEAN);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("--stdin-filename names standard input: pass `-` to read it"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The one JSON document, and the other formats' views of the same finding.
fn formats(dir: &Path, extra: &[&str]) -> (serde_json::Value, String, String, String) {
    let with = |format: &str| {
        let mut args = vec![".", "--format", format];
        args.extend_from_slice(extra);
        run(dir, &args, "").1
    };
    let json = serde_json::from_str(&with("json")).unwrap();
    (json, with("sarif"), with("concise"), with("github"))
}

#[test]
fn a_file_that_could_not_be_checked_is_a_finding_in_every_format() {
    let dir = temp_dir("formats");
    std::fs::write(dir.join("ok.rs"), CLEAN).unwrap();
    std::fs::write(dir.join("broken.rs"), BROKEN).unwrap();
    std::fs::write(dir.join("latin1.rs"), b"// caf\xe9\nasync fn f() {}\n").unwrap();
    let (json, sarif, concise, github) = formats(&dir, &[]);
    let findings = json["findings"].as_array().unwrap();
    let found: Vec<(&str, &str, u64, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("syntax-error", "broken.rs", 2, 10),
            ("syntax-error", "latin1.rs", 1, 7)
        ],
        "{json}"
    );
    assert!(findings.iter().all(|f| f["severity"] == "error"));
    assert_eq!(json["summary"]["findings"], 2);
    // The errors stay, for consumers of version 1 of the document.
    assert_eq!(json["errors"].as_array().unwrap().len(), 2, "{json}");
    assert_eq!(json["summary"]["files_skipped"], 2);

    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif}");
    assert_eq!(results[0]["ruleId"], "syntax-error");
    assert_eq!(results[0]["level"], "error");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "syntax-error" && r["defaultConfiguration"]["level"] == "error")
    );

    assert!(
        concise.contains("broken.rs:2:10: error[syntax-error] syntax error at 2:10"),
        "{concise}"
    );
    assert!(
        !concise.contains("error: broken.rs"),
        "shown once: {concise}"
    );
    assert!(
        concise.ends_with("Found 2 findings (2 errors) in 1 file, 2 files could not be checked\n"),
        "{concise}"
    );
    assert!(
        github.contains("::error file=broken.rs,line=2,col=10,endLine=2,endColumn=11,title=ctxlint (syntax-error)::"),
        "{github}"
    );
    assert_eq!(
        github.lines().count(),
        2,
        "one annotation per file: {github}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn syntax_error_can_be_lowered_or_ignored_and_is_still_counted() {
    let dir = temp_dir("levels");
    std::fs::write(dir.join("ok.rs"), CLEAN).unwrap();
    std::fs::write(dir.join("broken.rs"), BROKEN).unwrap();

    let (code, out, _) = run(&dir, &[".", "--ignore", "syntax-error"], "");
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "No findings in 1 file, 1 file could not be checked (1 not reported: `syntax-error` is off)\n"
    );
    let (json, _, _, github) = formats(&dir, &["--ignore", "syntax-error"]);
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["errors"][0]["path"], "broken.rs", "{json}");
    assert!(
        github.starts_with("::notice file=broken.rs,title=ctxlint could not check this file (`syntax-error` is off)::syntax error at 2:10"),
        "{github}"
    );

    // A level in the config, as for any rule: below the failing level, it does not fail.
    std::fs::write(
        dir.join("ctxlint.toml"),
        "[rules]\nsyntax-error = \"warning\"\n",
    )
    .unwrap();
    let config = |extra: &[&str]| {
        let output = Command::cargo_bin("ctxlint")
            .unwrap()
            .current_dir(&dir)
            .arg(".")
            .args(extra)
            .output()
            .unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8(output.stdout).unwrap(),
        )
    };
    let (code, out) = config(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("warning[syntax-error]: "), "{out}");
    assert_eq!(config(&["--fail-level", "error"]).0, 0);
    std::fs::write(
        dir.join("ctxlint.toml"),
        "[per-file-ignores]\n\"broken.rs\" = [\"syntax-error\"]\n",
    )
    .unwrap();
    let (code, out) = config(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 file could not be checked (1 not reported"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explain_prints_the_syntax_error_page() {
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .args(["explain", "syntax-error"])
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(out.starts_with("# syntax-error\n"), "{out}");
    assert!(out.contains("--ignore syntax-error"), "{out}");
}
