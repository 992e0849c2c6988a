//! CI fails on what ctxlint could not check: a file it cannot parse, a path that holds
//! nothing to check, standard input of an unknown language, a misused `--stdin-filename`.

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
const GO: &str = "package main\n\nfunc main() {\n\tgo func() { for {} }()\n}\n";
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
    assert!(out.contains("error: broken.rs: syntax error"), "{out}");
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
        out.contains("error: server.rs: syntax error at 2:1: this is Go"),
        "{out}"
    );
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
