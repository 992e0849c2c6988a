//! The human format as rustc users read it: `warning[rule]: message`, `-->`, the underlined
//! line, `= help:`, the fix in words with how to apply it, `= note:` with the docs URL.

use assert_cmd::Command;

fn human(args: &[&str], stdin: &str) -> String {
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--no-config", "--color", "never"])
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_finding_reads_as_rustc_prints_it() {
    let source = "async fn f() {\n\tstd::thread::sleep(std::time::Duration::from_secs(1));\n}\n";
    let out = human(&["-", "--stdin-filename", "src/lib.rs"], source);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("warning[blocking-in-async]: "),
        "{out}"
    );
    assert_eq!(lines[1], " --> src/lib.rs:2:2");
    assert_eq!(lines[2], "  |");
    assert_eq!(
        lines[3], "2 |     std::thread::sleep(std::time::Duration::from_secs(1));",
        "a tab is shown as four spaces"
    );
    assert!(
        lines[4].starts_with("  |     ^^^^"),
        "the underline follows the tab: {out}"
    );
    assert!(out.contains("\n  = help: "), "{out}");
    assert!(
        out.contains(
            "\n  = fix (unsafe, `--fix --unsafe-fixes` applies it): line 2 becomes \
             `tokio::time::sleep(std::time::Duration::from_secs(1)).await;`\n"
        ),
        "an unsafe fix in words: {out}"
    );
    assert!(
        out.contains(&format!(
            "\n  = note: see {}\n",
            ctxlint::registry::docs_url("blocking-in-async")
        )),
        "{out}"
    );
    assert!(
        out.ends_with("; 1 fixable with `--fix --unsafe-fixes`\n"),
        "{out}"
    );
}

#[test]
fn a_deletion_fix_says_what_it_removes() {
    let out = human(&["fixtures/rust/unused-suppression/fires.rs"], "");
    assert!(
        out.contains("  = fix (safe, `--fix` applies it): remove line 9\n"),
        "a whole-line comment: {out}"
    );
    assert!(
        out.contains(
            "applies it): remove ` // ctxlint: allow(blocking-in-async) //~ unused-suppression`\n"
        ),
        "a trailing comment: {out}"
    );
    assert!(!out.contains("``"), "no empty replacement is shown: {out}");
}

#[test]
fn help_is_never_wrapped() {
    let out = human(&["fixtures/rust/missing-timeout/fires.rs"], "");
    assert!(
        out.contains(
            "= help: bound the wait: `tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr)).await`\n"
        ),
        "{out}"
    );
}

#[test]
fn secondary_labels_are_underlined_with_their_message() {
    let out = human(&["fixtures/rust/broken-cancel-chain/fires.rs"], "");
    assert!(
        out.contains(
            "6 | pub async fn run_jobs(jobs: Vec<Job>, token: CancellationToken) {\n  |              -------- `token` is available in this function\n7 |"
        ),
        "{out}"
    );
}
