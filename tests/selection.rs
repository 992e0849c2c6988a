//! Rule selection and suppressions that do not fail quietly: spaces, groups, "did you mean",
//! malformed directives reported, golangci's bare `//nolint` honoured.

use assert_cmd::Command;

const RUST: &str = "async fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n    reqwest::get(\"http://x\").await;\n}\n";

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--no-config", "--format", "concise"])
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

fn rules(out: &str) -> Vec<&str> {
    out.lines()
        .filter_map(|line| line.split_once('[')?.1.split_once(']'))
        .map(|(rule, _)| rule)
        .collect()
}

#[test]
fn select_trims_spaces_and_knows_groups() {
    let stdin = ["-", "--stdin-filename", "a.rs"];
    let (code, out, err) = run(
        &[
            &stdin[..],
            &["--select", "missing-timeout, blocking-in-async"],
        ]
        .concat(),
        RUST,
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(rules(&out), ["blocking-in-async", "missing-timeout"]);
    let (_, out, _) = run(&[&stdin[..], &["--select", "ALL"]].concat(), RUST);
    assert_eq!(rules(&out), ["blocking-in-async", "missing-timeout"]);
    let (code, out, _) = run(&[&stdin[..], &["--ignore", "rust"]].concat(), RUST);
    assert_eq!((code, rules(&out)), (0, vec![]), "{out}");
    let (_, out, _) = run(
        &[
            &stdin[..],
            &["--select", "rust", "--ignore", "missing-timeout"],
        ]
        .concat(),
        RUST,
    );
    assert_eq!(rules(&out), ["blocking-in-async"]);
    // `go` holds the rules Go implements; blocking-in-async is Rust's alone.
    let (_, out, _) = run(&[&stdin[..], &["--select", "go"]].concat(), RUST);
    assert_eq!(rules(&out), ["missing-timeout"]);
}

#[test]
fn unknown_rule_names_get_a_suggestion() {
    let (code, _, err) = run(&["--select", "blocking-in-asink", "-"], RUST);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "unknown rule `blocking-in-asink` in --select; did you mean `blocking-in-async`?"
        ),
        "{err}"
    );
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .args(["explain", "missing-timout"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("did you mean `missing-timeout`?"), "{err}");
    let source =
        "async fn f() {\n    // ctxlint: allow(blocking-in-asyn)\n    std::thread::sleep(d);\n}\n";
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .args(["--no-config", "--format", "json", "-"])
        .write_stdin(source)
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        out.contains("\"help\": \"did you mean `blocking-in-async`?\""),
        "{out}"
    );
}

#[test]
fn malformed_directives_are_reported() {
    for comment in [
        "// ctxlint: allow blocking-in-async",
        "// CTXLINT: allow(blocking-in-async)",
        "/* ctxlint: allow(blocking-in-async) */",
    ] {
        let source = format!("async fn f() {{\n    {comment}\n    std::thread::sleep(d);\n}}\n");
        let (code, out, _) = run(&["-"], &source);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains(
                "stdin.rs:2:5: warning[unused-suppression] this comment is not a suppression ctxlint reads: it suppresses nothing"
            ),
            "{comment}: {out}"
        );
        assert!(out.contains("[blocking-in-async]"), "not suppressed: {out}");
    }
}

#[test]
fn bare_nolint_is_honoured_in_go() {
    let go = "package main\n\nfunc serve() {\n\tfor i := 0; i < 3; i++ {\n\t\tgo func() { for {} }() //nolint\n\t}\n}\n";
    let (code, out, _) = run(&["-", "--stdin-filename", "main.go"], go);
    assert_eq!(code, 0, "{out}");
    let (code, _, _) = run(
        &["-", "--stdin-filename", "main.go"],
        &go.replace("//nolint", "//nolint:errcheck"),
    );
    assert_eq!(code, 1, "a nolint for other linters only");
}
