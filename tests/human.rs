//! The human format as rustc users read it: `warning[rule]: message`, `-->`, the underlined
//! line, `= help:`, the fix in words with how to apply it, `= note:` with the docs URL; help
//! and notes wrapped to the terminal's width (a fixed one when not a terminal), code never.

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
            "\n  = fix (unsafe, `--fix --unsafe-fixes` applies it): line 2 becomes\n          \
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
            "applies it): remove\n           ` // ctxlint: allow(blocking-in-async) //~ unused-suppression`\n"
        ),
        "a trailing comment: {out}"
    );
    assert!(!out.contains("``"), "no empty replacement is shown: {out}");
}

/// Prose wraps at the default width, under the text it continues; code in backticks and
/// snippet lines are never broken.
fn assert_wrapped(out: &str, width: usize) {
    for line in out.lines() {
        let text = line.trim_start();
        let prose =
            text.starts_with("= ") || (line.starts_with("          ") && !text.starts_with('|'));
        if prose && line.chars().count() > width {
            let text = text.split_once(": ").map_or(text, |(_, rest)| rest);
            assert!(
                !text.contains(' ') || text.starts_with('`'),
                "a line over {width} columns that could break: {line:?}"
            );
        }
    }
}

#[test]
fn help_wraps_at_the_default_width_and_code_stays_whole() {
    let out = human(&["fixtures/rust/missing-timeout/fires.rs"], "");
    assert!(
        out.contains(
            "   = help: bound the wait:\n           `tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr)).await`\n"
        ),
        "{out}"
    );
    assert_wrapped(&out, 100);
    // A long line of code is shown whole.
    let long = format!(
        "async fn f() {{ std::thread::sleep(std::time::Duration::from_secs(1)); {}}}\n",
        "let _x = 1; ".repeat(12)
    );
    let out = human(&["-", "--stdin-filename", "a.rs"], &long);
    assert!(out.contains(&format!("1 | {}", long.trim_end())), "{out}");
}

#[test]
fn output_is_byte_stable_when_not_a_terminal() {
    let run = |columns: Option<&str>| {
        let mut command = Command::cargo_bin("ctxlint").unwrap();
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["--no-config", "fixtures/rust/missing-timeout"]);
        match columns {
            Some(columns) => command.env("COLUMNS", columns),
            None => command.env_remove("COLUMNS"),
        };
        command.output().unwrap().stdout
    };
    let plain = run(None);
    assert_eq!(
        run(Some("50")),
        plain,
        "COLUMNS of a pipe is not the pipe's"
    );
    assert_eq!(run(Some("200")), plain);
}

/// The human report of `missing-timeout`'s firing fixture on a pseudo-terminal made by
/// `script`, the command run after `before` (a shell prefix that sets up the terminal).
#[cfg(target_os = "linux")]
fn in_terminal(before: &str) -> String {
    let binary = assert_cmd::cargo::cargo_bin("ctxlint");
    let command = format!(
        "{before} {} --no-config --color never fixtures/rust/missing-timeout/fires.rs",
        binary.display()
    );
    let output = std::process::Command::new("script")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COLUMNS")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("`script` (util-linux) makes the pseudo-terminal");
    String::from_utf8(output.stdout)
        .unwrap()
        .replace("\r\n", "\n")
}

/// On a terminal (a pseudo-terminal made by `script`), help wraps to `COLUMNS`.
#[cfg(target_os = "linux")]
#[test]
fn a_terminal_wraps_to_its_columns() {
    let out = in_terminal("COLUMNS=60");
    assert!(out.contains("warning[missing-timeout]"), "{out}");
    assert!(
        out.contains(
            "  = help: bound the wait: a shared `reqwest::Client` built\n          with `.timeout(Duration::from_secs(30))`\n"
        ),
        "{out}"
    );
    assert_wrapped(&out, 60);
    let wrapped = human(&["fixtures/rust/missing-timeout/fires.rs"], "");
    assert!(
        out.lines().count() > wrapped.lines().count(),
        "narrower than the default"
    );
}

/// Shells do not export `COLUMNS`: the terminal's own width is asked for then.
#[test]
#[cfg(target_os = "linux")]
fn a_terminal_without_columns_wraps_to_its_own_width() {
    let out = in_terminal("stty cols 60 rows 40; env -u COLUMNS");
    assert!(out.contains("warning[missing-timeout]"), "{out}");
    assert_wrapped(&out, 60);
    let wrapped = human(&["fixtures/rust/missing-timeout/fires.rs"], "");
    assert!(
        out.lines().count() > wrapped.lines().count(),
        "narrower than the default: {out}"
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
