//! Hierarchical configuration through the command line: each file uses the nearest
//! `ctxlint.toml` above it, whatever the order of the paths, and `--show-settings` and
//! `--show-files` say what applies.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const BLOCKING: &str = "async fn f() { std::thread::sleep(std::time::Duration::from_secs(1)); }\n";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctxlint-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// A project whose `inner/` has its own config: the rule is an error at the top, off inside,
/// and `inner/gen/` is excluded by the inner config only.
fn nested_project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    write(
        &dir.join("ctxlint.toml"),
        "[rules]\nblocking-in-async = \"error\"\n",
    );
    write(&dir.join("outer.rs"), BLOCKING);
    write(
        &dir.join("inner/ctxlint.toml"),
        "exclude = [\"gen\"]\n[rules]\nblocking-in-async = \"off\"\nmissing-timeout = \"error\"\n",
    );
    write(&dir.join("inner/a.rs"), BLOCKING);
    write(
        &dir.join("inner/gen/b.rs"),
        "async fn g() { reqwest::get(u).await; }\n",
    );
    write(&dir.join("gen/c.rs"), BLOCKING);
    dir
}

fn rules_by_path(json: &str) -> Vec<(String, String, String)> {
    let document: serde_json::Value = serde_json::from_str(json).unwrap();
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn each_file_uses_the_nearest_config_whatever_the_path_order() {
    let dir = nested_project("nearest");
    let (code, forward, _) = run(&dir, &["inner", "outer.rs", "gen", "--format", "json"]);
    assert_eq!(code, 1);
    let (_, backward, _) = run(&dir, &["gen", "outer.rs", "inner", "--format", "json"]);
    assert_eq!(
        forward, backward,
        "the order of the paths changed the result"
    );
    assert_eq!(
        rules_by_path(&forward),
        [
            (
                "gen/c.rs".into(),
                "blocking-in-async".into(),
                "error".into()
            ),
            (
                "outer.rs".into(),
                "blocking-in-async".into(),
                "error".into()
            ),
        ],
        "inner/a.rs has the rule off and inner/gen is excluded by the inner config: {forward}"
    );
    // The outer config's `gen` does not exist for it; the inner `exclude` holds only below it.
    let (_, whole, _) = run(&dir, &[".", "--format", "json"]);
    assert_eq!(rules_by_path(&whole), rules_by_path(&forward));

    // --config makes one file apply to all, --no-config none.
    let (_, all, _) = run(
        &dir,
        &["inner", "--config", "ctxlint.toml", "--format", "json"],
    );
    assert_eq!(rules_by_path(&all).len(), 2, "{all}");
    assert!(all.contains("inner/gen/b.rs"), "{all}");
    let (_, none, _) = run(&dir, &["inner", "--no-config", "--format", "json"]);
    assert!(
        rules_by_path(&none)
            .iter()
            .all(|(_, _, severity)| severity == "warning"),
        "{none}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fail_level_follows_the_file() {
    let dir = temp_dir("fail-level");
    write(&dir.join("strict/ctxlint.toml"), "fail-level = \"info\"\n");
    write(&dir.join("lax/ctxlint.toml"), "fail-level = \"error\"\n");
    write(&dir.join("lax/a.rs"), BLOCKING);
    write(&dir.join("strict/clean.rs"), "async fn f() {}\n");
    assert_eq!(
        run(&dir, &["lax", "strict"]).0,
        0,
        "a warning under `error`"
    );
    write(&dir.join("strict/a.rs"), BLOCKING);
    assert_eq!(run(&dir, &["lax", "strict"]).0, 1, "a warning under `info`");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_input_uses_the_config_of_its_name() {
    let dir = nested_project("stdin");
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(&dir)
        .args(["-", "--stdin-filename", "inner/x.rs", "--format", "json"])
        .write_stdin(BLOCKING)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "the rule is off in inner/");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn show_settings_says_where_each_setting_comes_from() {
    let dir = nested_project("show-settings");
    let (code, out, _) = run(
        &dir,
        &[
            "--show-settings",
            "inner/a.rs",
            "--ignore",
            "detached-spawn",
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("file: inner/a.rs\n"), "{out}");
    assert!(out.contains("language: rust\n"), "{out}");
    assert!(
        out.contains("config: inner/ctxlint.toml (the nearest above the file)\n"),
        "{out}"
    );
    assert!(out.contains("checked: yes\n"), "{out}");
    assert!(out.contains("fail-level: warning (default)\n"), "{out}");
    let line = |rule: &str| {
        out.lines()
            .find(|line| line.trim_start().starts_with(&format!("{rule} ")))
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert_eq!(
        line("blocking-in-async"),
        "blocking-in-async off [rules] in inner/ctxlint.toml"
    );
    assert_eq!(line("detached-spawn"), "detached-spawn off --ignore");
    assert_eq!(
        line("loop-without-cancel"),
        "loop-without-cancel warning default"
    );

    let (_, out, _) = run(&dir, &["--show-settings", "inner/gen/b.rs"]);
    assert!(
        out.contains("checked: no: excluded by `exclude` in inner/ctxlint.toml\n"),
        "{out}"
    );
    let (_, out, _) = run(&dir, &["--show-settings", "outer.rs", "--no-config"]);
    assert!(
        out.contains("config: none: the defaults (--no-config)\n"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn show_files_lists_what_would_be_checked_with_its_config() {
    let dir = nested_project("show-files");
    write(&dir.join("tests/it.rs"), BLOCKING);
    let (code, out, _) = run(&dir, &["--show-files"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "gen/c.rs  (ctxlint.toml)\n\
         inner/a.rs  (inner/ctxlint.toml)\n\
         outer.rs  (ctxlint.toml)\n",
        "excluded files and test code are not listed"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
