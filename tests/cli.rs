//! The command line as a user meets it: exit codes, rule selection, config errors, standard
//! input, suppressions, and snapshots of the human and JSON output.

use std::path::Path;

use assert_cmd::Command;

const FIXTURE: &str = "fixtures/rust/missing-timeout/fires.rs";

fn ctxlint() -> Command {
    let mut command = Command::cargo_bin("ctxlint").unwrap();
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command.env_remove("NO_COLOR");
    command
}

fn stdout(command: &mut Command) -> (i32, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ctxlint-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn human_output_snapshot() {
    let (code, out) = stdout(ctxlint().args([FIXTURE, "--color", "never", "--no-config"]));
    assert_eq!(code, 1);
    insta::assert_snapshot!("human", out);
}

#[test]
fn json_output_snapshot_and_schema() {
    let (code, out) = stdout(ctxlint().args([FIXTURE, "--format", "json", "--no-config"]));
    assert_eq!(code, 1);
    let document: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(document["version"], 1);
    assert_eq!(document["tool"]["name"], "ctxlint");
    let findings = document["findings"].as_array().unwrap();
    assert_eq!(document["summary"]["findings"], findings.len());
    for finding in findings {
        for key in [
            "rule",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "help",
            "fix",
            "labels",
        ] {
            assert!(
                finding.get(key).is_some(),
                "finding lacks `{key}`: {finding}"
            );
        }
        assert!(finding["line"].as_u64().unwrap() >= 1);
        assert!(finding["column"].as_u64().unwrap() >= 1);
    }
    insta::assert_snapshot!("json", out);
}

#[test]
fn exit_codes() {
    // Findings: 1; --exit-zero: 0; a fail level above every finding: 0.
    assert_eq!(stdout(ctxlint().args([FIXTURE, "--no-config"])).0, 1);
    assert_eq!(
        stdout(ctxlint().args([FIXTURE, "--no-config", "--exit-zero"])).0,
        0
    );
    assert_eq!(
        stdout(ctxlint().args([FIXTURE, "--no-config", "--fail-level", "error"])).0,
        0
    );
    // Clean file: 0.
    let clean = "fixtures/rust/missing-timeout/silent.rs";
    assert_eq!(stdout(ctxlint().args([clean, "--no-config"])).0, 0);
    // Usage errors, a missing path: 2.
    assert_eq!(stdout(ctxlint().args(["--format", "xml"])).0, 2);
    assert_eq!(stdout(ctxlint().args(["no/such/path"])).0, 2);
    assert_eq!(
        stdout(ctxlint().args([FIXTURE, "--select", "no-such-rule"])).0,
        2
    );
}

#[test]
fn select_and_ignore() {
    let args = [FIXTURE, "--no-config", "--format", "json"];
    let (_, out) = stdout(ctxlint().args(args).args(["--select", "blocking-in-async"]));
    assert!(out.contains("\"findings\": []"), "{out}");
    let (code, out) = stdout(ctxlint().args(args).args(["--ignore", "missing-timeout"]));
    assert_eq!(code, 0);
    assert!(out.contains("\"findings\": []"), "{out}");
}

#[test]
fn config_levels_excludes_and_errors() {
    let dir = temp_dir("config");
    std::fs::write(
        dir.join("a.rs"),
        "async fn f() { std::thread::sleep(std::time::Duration::from_secs(1)); }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("gen")).unwrap();
    std::fs::write(
        dir.join("gen/b.rs"),
        "async fn g() { std::fs::read(\"x\"); }\n",
    )
    .unwrap();

    std::fs::write(
        dir.join("ctxlint.toml"),
        "exclude = [\"gen\"]\n[rules]\nblocking-in-async = \"error\"\n",
    )
    .unwrap();
    let (code, out) = stdout(ctxlint().arg(&dir).args(["--format", "json"]));
    assert_eq!(code, 1);
    assert!(out.contains("\"severity\": \"error\""), "{out}");
    assert!(!out.contains("b.rs"), "excluded file was checked: {out}");
    // An excluded file stays excluded when named on the command line.
    let (_, out) = stdout(
        ctxlint()
            .arg(dir.join("gen/b.rs"))
            .args(["--format", "json"]),
    );
    assert!(out.contains("\"files_checked\": 0"), "{out}");

    std::fs::write(
        dir.join("ctxlint.toml"),
        "[rules]\nblocking-in-async = \"off\"\n",
    )
    .unwrap();
    assert_eq!(stdout(ctxlint().arg(&dir)).0, 0);

    std::fs::write(
        dir.join("ctxlint.toml"),
        "[rules]\n\nblocking-in-asink = \"off\"\n",
    )
    .unwrap();
    let output = ctxlint().arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("ctxlint.toml:3: unknown rule `blocking-in-asink`"),
        "{stderr}"
    );

    std::fs::write(dir.join("ctxlint.toml"), "colour = true\n").unwrap();
    let output = ctxlint().arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("ctxlint.toml:1: unknown field `colour`"),
        "{stderr}"
    );

    // API additions: a project's own blocking function.
    std::fs::write(
        dir.join("ctxlint.toml"),
        "[api.rust.blocking]\ncall = [{ path = \"legacy::query_sync\", instead = \"`legacy::query`\" }]\n",
    )
    .unwrap();
    std::fs::write(dir.join("a.rs"), "async fn f() { legacy::query_sync(); }\n").unwrap();
    let (code, out) = stdout(ctxlint().arg(&dir).args(["--format", "json"]));
    assert_eq!(code, 1);
    assert!(out.contains("legacy::query_sync"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stdin_with_filename() {
    let source = "async fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n";
    let (code, out) = stdout(
        ctxlint()
            .args([
                "-",
                "--stdin-filename",
                "src/lib.rs",
                "--format",
                "json",
                "--no-config",
            ])
            .write_stdin(source),
    );
    assert_eq!(code, 1);
    assert!(out.contains("\"path\": \"src/lib.rs\""), "{out}");
    assert!(out.contains("\"line\": 2"), "{out}");
}

#[test]
fn fix_on_standard_input_prints_the_fixed_source() {
    let source = "async fn f() {\n    // ctxlint: allow(missing-timeout) stale\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n";
    let run = |args: &[&str], input: &str| {
        let output = ctxlint()
            .args(["--no-config", "--stdin-filename", "src/a.rs"])
            .args(args)
            .arg("-")
            .write_stdin(input.to_string())
            .output()
            .unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    // Safe fixes: the stale suppression goes; the blocking call is reported on stderr.
    let (code, out, err) = run(&["--fix"], source);
    assert_eq!(
        out,
        "async fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n"
    );
    assert_eq!(code, 1, "a finding is left");
    assert!(
        err.contains("Fixed 1 finding (1 more with --unsafe-fixes)"),
        "{err}"
    );
    assert!(
        err.contains("src/a.rs:2:5"),
        "the fixed text is checked again: {err}"
    );

    let (code, out, _) = run(&["--fix", "--unsafe-fixes"], source);
    assert_eq!(
        out,
        "async fn f() {\n    tokio::time::sleep(std::time::Duration::from_secs(1)).await;\n}\n"
    );
    assert_eq!(code, 0);

    // Nothing to fix: the source comes back as it was, byte for byte.
    let clean = "\u{feff}fn ok() {}\r\n";
    let (code, out, err) = run(&["--fix"], clean);
    assert_eq!((code, out.as_str()), (0, clean));
    assert!(err.contains("No findings"), "{err}");

    // A file that does not parse comes back unchanged, and the exit code says it was not
    // checked.
    let broken = "async fn f( {\n";
    let (code, out, _) = run(&["--fix"], broken);
    assert_eq!((code, out.as_str()), (2, broken));

    let (code, out, _) = run(&["--diff", "--unsafe-fixes"], source);
    assert_eq!(code, 1);
    assert!(out.starts_with("--- a/src/a.rs\n+++ b/src/a.rs\n"), "{out}");
    assert!(
        out.contains("-    // ctxlint: allow(missing-timeout) stale\n"),
        "{out}"
    );

    let (code, _, err) = run(&["--baseline", "b.json"], source);
    assert_eq!(code, 2);
    assert!(err.contains("baselines work on files"), "{err}");
}

#[test]
fn suppressions_silence_and_report() {
    let source = "async fn f() {\n    // ctxlint: allow(blocking-in-async) reviewed\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n";
    let (code, out) = stdout(
        ctxlint()
            .args([
                "-",
                "--stdin-filename",
                "a.rs",
                "--format",
                "json",
                "--no-config",
            ])
            .write_stdin(source),
    );
    assert_eq!(code, 0, "{out}");
    let stale = "async fn f() {} // ctxlint: allow(blocking-in-async)\n";
    let (code, out) = stdout(
        ctxlint()
            .args([
                "-",
                "--stdin-filename",
                "a.rs",
                "--format",
                "json",
                "--no-config",
            ])
            .write_stdin(stale),
    );
    assert_eq!(code, 1);
    assert!(out.contains("unused-suppression"), "{out}");
}

#[test]
fn bad_files_are_reported_and_the_rest_checked() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("broken.rs"), "async fn f( {\n").unwrap();
    std::fs::write(dir.join("latin1.rs"), b"// caf\xe9\nasync fn f() {}\n").unwrap();
    std::fs::write(dir.join("binary.rs"), b"\x00\x01\x02").unwrap();
    std::fs::write(
        dir.join("ok.rs"),
        "async fn f() { std::thread::sleep(std::time::Duration::from_secs(1)); }\n",
    )
    .unwrap();
    let (code, out) = stdout(
        ctxlint()
            .arg(&dir)
            .args(["--format", "json", "--no-config"]),
    );
    assert_eq!(code, 1, "{out}");
    let document: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors = document["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3, "{out}");
    assert!(out.contains("syntax error at 1:"), "{out}");
    assert!(out.contains("not valid UTF-8"), "{out}");
    assert!(out.contains("binary file"), "{out}");
    assert_eq!(document["summary"]["files_checked"], 1);
    assert_eq!(document["summary"]["files_skipped"], 3);

    // Nothing checkable at all: exit 2.
    std::fs::remove_file(dir.join("ok.rs")).unwrap();
    assert_eq!(stdout(ctxlint().arg(&dir).args(["--no-config"])).0, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The JSON report of `paths`, checked on `threads` threads.
fn json_on_threads(paths: &[std::path::PathBuf], threads: &str) -> String {
    let mut command = ctxlint();
    command.args(paths).args([
        "--format",
        "json",
        "--no-config",
        "--exit-zero",
        "--threads",
        threads,
    ]);
    stdout(&mut command).1
}

#[test]
fn output_is_identical_across_thread_counts() {
    let fixtures = [std::path::PathBuf::from("fixtures")];
    let one = json_on_threads(&fixtures, "1");
    assert!(one.contains("\"rule\""), "no findings to compare: {one}");
    assert_eq!(one, json_on_threads(&fixtures, "1"));
    assert_eq!(one, json_on_threads(&fixtures, "2"));
    assert_eq!(one, json_on_threads(&fixtures, "8"));
    assert_eq!(one, json_on_threads(&fixtures, "8"));
}

/// Real crates of the benchmark corpus, from cargo's cache when a build or `cargo fetch` has
/// put them there: the newest version of each.
fn cached_corpus_sample() -> Vec<std::path::PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let Some(sources) = cargo_home.map(|home| home.join("registry/src")) else {
        return Vec::new();
    };
    let mut crates: Vec<std::path::PathBuf> = std::fs::read_dir(&sources)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|registry| {
            std::fs::read_dir(registry.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|entry| entry.path())
        .collect();
    crates.sort();
    ["axum-0.", "hyper-1.", "reqwest-0.", "tonic-0."]
        .iter()
        .filter_map(|prefix| {
            crates
                .iter()
                .rfind(|dir| {
                    dir.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.starts_with(prefix))
                })
                .cloned()
        })
        .collect()
}

#[test]
fn real_crates_report_the_same_on_any_thread_count() {
    let sample = cached_corpus_sample();
    if sample.is_empty() {
        eprintln!(
            "skipped: no crate of the benchmark corpus in cargo's cache (run `bash benches/corpus-dirs.sh`)"
        );
        return;
    }
    let one = json_on_threads(&sample, "1");
    assert!(one.contains("\"files_checked\""), "{one}");
    assert_eq!(one, json_on_threads(&sample, "2"), "{sample:?}");
    assert_eq!(one, json_on_threads(&sample, "0"), "{sample:?}");
}

#[test]
fn rules_and_explain() {
    let (code, out) = stdout(ctxlint().arg("rules"));
    assert_eq!(code, 0);
    for rule in ctxlint::registry::RULES {
        assert!(
            out.contains(rule.name),
            "{} missing from `ctxlint rules`",
            rule.name
        );
    }
    let (code, out) = stdout(ctxlint().args(["explain", "blocking-in-async"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("# blocking-in-async"));
    assert_eq!(stdout(ctxlint().args(["explain", "nope"])).0, 2);
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/rules")
            .is_dir()
    );
}

#[test]
fn github_output_snapshot() {
    let (code, out) = stdout(ctxlint().args([FIXTURE, "--format", "github", "--no-config"]));
    assert_eq!(code, 1);
    insta::assert_snapshot!("github", out);
}

#[test]
fn sarif_output_structure() {
    let (code, out) = stdout(ctxlint().args([FIXTURE, "--format", "sarif", "--no-config"]));
    assert_eq!(code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), ctxlint::registry::RULES.len());
    for rule in rules {
        for key in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(rule.get(key).is_some(), "rule lacks {key}: {rule}");
        }
        let id = rule["id"].as_str().unwrap();
        assert_eq!(rule["helpUri"], ctxlint::registry::docs_url(id));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            FIXTURE
        );
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
    }
}

#[test]
fn statistics_count_per_rule() {
    let (_, out) =
        stdout(ctxlint().args([FIXTURE, "--format", "json", "--statistics", "--no-config"]));
    let document: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(document["summary"]["by_rule"]["missing-timeout"], 7);
}

#[test]
fn test_code_is_not_checked() {
    let dir = temp_dir("tests-dir");
    let bug = "async fn f() { std::thread::sleep(std::time::Duration::from_secs(1)); }\n";
    let go_bug = "package p\n\nimport \"context\"\n\nfunc f(parent context.Context) {\n\tctx, _ := context.WithCancel(parent)\n\t_ = ctx\n}\n";
    let files = [
        ("src/lib.rs", bug),
        ("tests/api.rs", bug),
        ("benches/load.rs", bug),
        ("src/server_test.rs", bug),
        ("pkg/p.go", go_bug),
        ("pkg/p_test.go", go_bug),
        ("pkg/testdata/q.go", go_bug),
        // Not even read: a binary input of a test is no error.
        ("tests/inputs/blob.rs", "\0\u{1}binary"),
    ];
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let (code, out) = stdout(
        ctxlint()
            .arg(&dir)
            .args(["--format", "json", "--no-config"]),
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths[0].ends_with("pkg/p.go"), "{paths:?}");
    assert!(paths[1].ends_with("src/lib.rs"), "{paths:?}");
    assert_eq!(json["summary"]["files_checked"], 8);
    assert_eq!(json["errors"], serde_json::json!([]));
}

#[test]
fn concise_output_snapshot() {
    let (code, out) = stdout(ctxlint().args([FIXTURE, "--format", "concise", "--no-config"]));
    assert_eq!(code, 1);
    let findings: Vec<&str> = out
        .lines()
        .filter(|line| line.contains(": warning["))
        .collect();
    assert!(!findings.is_empty());
    for line in &findings {
        assert!(line.starts_with(&format!("{FIXTURE}:")), "{line}");
    }
    insta::assert_snapshot!("concise", out);
}

/// The README's rule table names every rule once, with the languages it checks.
#[test]
fn readme_lists_every_rule_with_its_languages() {
    use ctxlint::walk::Language;
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut listed: Vec<(String, String)> = readme
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| `")?.split(" | ");
            let name = cells.next()?.strip_suffix('`')?;
            let languages = cells.next()?;
            ctxlint::registry::find(name).map(|_| (name.to_string(), languages.to_string()))
        })
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = ctxlint::registry::RULES
        .iter()
        .map(|rule| {
            let languages: Vec<&str> = [(Language::Rust, "Rust"), (Language::Go, "Go")]
                .into_iter()
                .filter(|(language, _)| ctxlint::registry::implemented_for(rule.name, *language))
                .map(|(_, name)| name)
                .collect();
            (rule.name.to_string(), languages.join(", "))
        })
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
}

#[test]
fn per_file_ignores_turn_rules_off_for_matching_files() {
    let dir = temp_dir("per-file-ignores");
    let bug = "async fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n    let _ = reqwest::get(\"http://x\").await;\n}\n";
    for file in ["src/lib.rs", "scripts/demo.rs"] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bug).unwrap();
    }
    // A suppression of an ignored rule is not reported as unused there.
    std::fs::write(
        dir.join("scripts/quiet.rs"),
        format!("// ctxlint: allow(missing-timeout) demo\n{bug}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("ctxlint.toml"),
        "[per-file-ignores]\n\"scripts/**\" = [\"missing-timeout\"]\n",
    )
    .unwrap();
    let (code, out) = stdout(ctxlint().arg(&dir).args(["--format", "json"]));
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut found: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let file = path.rsplit_once("per-file-ignores-").unwrap().1;
            let file = file.split_once('/').unwrap().1.to_string();
            (file, f["rule"].as_str().unwrap().to_string())
        })
        .collect();
    found.sort();
    let expected: Vec<(String, String)> = [
        ("scripts/demo.rs", "blocking-in-async"),
        ("scripts/quiet.rs", "blocking-in-async"),
        ("src/lib.rs", "blocking-in-async"),
        ("src/lib.rs", "missing-timeout"),
    ]
    .iter()
    .map(|(file, rule)| (file.to_string(), rule.to_string()))
    .collect();
    assert_eq!(found, expected);
}

/// Test directories count below what was asked to be checked, not above it: a project that
/// lives in a directory named `tests` is still checked.
#[test]
fn a_project_under_a_tests_directory_is_checked() {
    let dir = temp_dir("under-tests");
    let project = dir.join("tests").join("project");
    let bug = "async fn f() { std::thread::sleep(std::time::Duration::from_secs(1)); }\n";
    for file in ["src/lib.rs", "tests/api.rs"] {
        let path = project.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bug).unwrap();
    }
    let findings = |path: &Path| {
        let (_, out) = stdout(
            ctxlint()
                .arg(path)
                .args(["--format", "json", "--no-config"]),
        );
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut paths: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap();
                path.rsplit_once("project/").unwrap().1.to_string()
            })
            .collect();
        paths.sort();
        paths
    };
    assert_eq!(findings(&project), ["src/lib.rs"]);
    assert_eq!(findings(&project.join("src/lib.rs")), ["src/lib.rs"]);
    // Checked from above, `tests/project` is a directory of tests.
    assert!(findings(&dir).is_empty());
}

/// The same for Go: a module kept under a `testdata` directory is checked by every rule,
/// including those that skip test code.
#[test]
fn a_go_project_under_a_testdata_directory_is_checked() {
    let project = temp_dir("under-testdata").join("testdata").join("service");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("fetch.go"),
        "package service\n\nimport \"net/http\"\n\nfunc Fetch(u string) {\n\thttp.Get(u)\n}\n",
    )
    .unwrap();
    let (code, out) = stdout(
        ctxlint()
            .arg(&project)
            .args(["--format", "json", "--no-config"]),
    );
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"call-without-context"), "{rules:?}");
}

/// Generated files, `vendor` directories, test-support code and example programs are left out
/// and counted; each `--include-*` flag, or its ctxlint.toml key, checks its class again.
#[test]
fn generated_vendored_test_support_and_example_code_is_not_checked_by_default() {
    let dir = temp_dir("not-checked");
    let bug = "async fn f() { std::thread::sleep(std::time::Duration::from_secs(1)); }\n";
    let generated = format!("// @generated by build.rs\n{bug}");
    let go_bug = "package p\n\nimport \"net/http\"\n\nfunc f(u string) {\n\thttp.Get(u)\n}\n";
    let go_generated = format!("// Code generated by stringer. DO NOT EDIT.\n\n{go_bug}");
    let go_integration = format!("//go:build integration\n\n{go_bug}");
    let files = [
        ("src/lib.rs", bug.to_string()),
        ("src/proto.rs", generated),
        ("pkg/p.go", go_bug.to_string()),
        ("pkg/p_string.go", go_generated),
        ("pkg/db_integration.go", go_integration),
        ("vendor/github.com/x/y/y.go", go_bug.to_string()),
        ("crates/store-test-utils/src/lib.rs", bug.to_string()),
        ("internal/testutil/util.go", go_bug.to_string()),
        ("xtask/src/main.rs", bug.to_string()),
        ("examples/demo.rs", bug.to_string()),
        ("pkg/_examples/client/main.go", go_bug.to_string()),
        ("cargo-deploy/src/main.rs", bug.to_string()),
        ("crates/store-cli/src/main.rs", bug.to_string()),
        ("src/cli/args.rs", bug.to_string()),
    ];
    write_tree(
        &dir,
        files.iter().map(|(file, text)| (*file, text.as_str())),
    );
    let run = |extra: &[&str]| {
        let json = json_of_run(&dir, extra);
        (
            finding_paths(&json, &dir),
            json["summary"]["not_checked"].clone(),
        )
    };
    let (paths, not_checked) = run(&["--no-config"]);
    // A plain `cli` directory is a server's own argument parsing: checked.
    assert_eq!(paths, ["pkg/p.go", "src/cli/args.rs", "src/lib.rs"]);
    assert_eq!(
        not_checked,
        serde_json::json!({
            "generated_files": 2, "test_support_files": 1,
            "vendored_dirs": 1, "test_support_dirs": 3, "example_dirs": 2, "cli_tool_dirs": 2
        })
    );
    let (paths, not_checked) = run(&["--no-config", "--include-cli-tools"]);
    assert_eq!(
        paths,
        [
            "cargo-deploy/src/main.rs",
            "crates/store-cli/src/main.rs",
            "pkg/p.go",
            "src/cli/args.rs",
            "src/lib.rs"
        ]
    );
    assert_eq!(not_checked["cli_tool_dirs"], 0);
    let (paths, not_checked) = run(&["--no-config", "--include-examples"]);
    assert_eq!(
        paths,
        [
            "examples/demo.rs",
            "pkg/_examples/client/main.go",
            "pkg/p.go",
            "src/cli/args.rs",
            "src/lib.rs"
        ]
    );
    assert_eq!(not_checked["example_dirs"], 0);
    let (paths, _) = run(&["--no-config", "--include-generated"]);
    assert_eq!(
        paths,
        [
            "pkg/p.go",
            "pkg/p_string.go",
            "src/cli/args.rs",
            "src/lib.rs",
            "src/proto.rs"
        ]
    );
    let (paths, not_checked) = run(&["--no-config", "--include-vendored"]);
    assert_eq!(
        paths,
        [
            "pkg/p.go",
            "src/cli/args.rs",
            "src/lib.rs",
            "vendor/github.com/x/y/y.go"
        ]
    );
    assert_eq!(not_checked["vendored_dirs"], 0);
    let (paths, _) = run(&["--no-config", "--include-test-support"]);
    assert_eq!(
        paths,
        [
            "crates/store-test-utils/src/lib.rs",
            "internal/testutil/util.go",
            "pkg/db_integration.go",
            "pkg/p.go",
            "src/cli/args.rs",
            "src/lib.rs",
            "xtask/src/main.rs"
        ]
    );
    // The config keys do what the flags do.
    std::fs::write(
        dir.join("ctxlint.toml"),
        "include-generated = true\ninclude-vendored = true\ninclude-test-support = true\n\
         include-examples = true\ninclude-cli-tools = true\n",
    )
    .unwrap();
    let (paths, not_checked) = run(&[]);
    assert_eq!(paths.len(), files.len(), "{paths:?}");
    assert_eq!(
        not_checked,
        serde_json::json!({
            "generated_files": 0, "test_support_files": 0,
            "vendored_dirs": 0, "test_support_dirs": 0, "example_dirs": 0, "cli_tool_dirs": 0
        })
    );
    // The human summary says what was left out and how to check it.
    std::fs::remove_file(dir.join("ctxlint.toml")).unwrap();
    let (_, out) = stdout(
        ctxlint()
            .arg(&dir)
            .args(["--no-config", "--color", "never", "-q"]),
    );
    assert!(
        out.contains(
            "not checked: 2 generated files (--include-generated), 1 vendored directory \
             (--include-vendored), 3 test-support directories (--include-test-support), \
             1 test-support file (--include-test-support), 2 example directories \
             (--include-examples), 2 command-line tool directories (--include-cli-tools)"
        ),
        "{out}"
    );
}

/// The files of a module declared under a test-only `cfg` (`#[cfg(feature = "test-util")]
/// mod mock;`), and of its submodules, are test code; `--include-test-support` checks those
/// behind a feature again, never those behind `cfg(test)`.
#[test]
fn modules_declared_for_tests_are_test_code() {
    let dir = temp_dir("test-only-modules");
    let blocking =
        "pub async fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n";
    let files = [
        ("Cargo.toml", "[package]\nname = \"app\"\n"),
        (
            "src/lib.rs",
            "#[cfg(feature = \"test-util\")]\npub mod mock;\n#[cfg(test)]\nmod fixtures;\npub mod real;\n",
        ),
        ("src/mock.rs", "pub mod more;\n"),
        ("src/mock/more.rs", blocking),
        ("src/fixtures.rs", blocking),
        ("src/real.rs", blocking),
    ];
    write_tree(&dir, files);
    let findings = |extra: &[&str]| {
        let args: Vec<&str> = ["--no-config"].iter().chain(extra).copied().collect();
        finding_paths(&json_of_run(&dir, &args), &dir)
    };
    assert_eq!(findings(&[]), ["src/real.rs"]);
    assert_eq!(
        findings(&["--include-test-support"]),
        ["src/mock/more.rs", "src/real.rs"]
    );
}

/// Writes each (relative path, text) below `dir`.
fn write_tree<'a>(dir: &Path, files: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
}

/// The JSON report of `ctxlint DIR --format json EXTRA..`.
fn json_of_run(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let (_, out) = stdout(ctxlint().arg(dir).args(["--format", "json"]).args(extra));
    serde_json::from_str(&out).unwrap()
}

/// The paths of a report's findings, relative to `dir`, sorted.
fn finding_paths(json: &serde_json::Value, dir: &Path) -> Vec<String> {
    let mut paths: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = Path::new(f["path"].as_str().unwrap());
            path.strip_prefix(dir).unwrap().display().to_string()
        })
        .collect();
    paths.sort();
    paths
}

/// An item under a test-support feature is test code; `--include-test-support` checks it.
#[test]
fn test_support_items_are_checked_on_request() {
    let dir = temp_dir("test-support-items");
    let path = dir.join("lib.rs");
    std::fs::write(
        &path,
        "#[cfg(any(test, feature = \"test-util\"))]\npub mod mock {\n    \
         pub async fn f() { std::thread::sleep(std::time::Duration::from_secs(1)); }\n}\n",
    )
    .unwrap();
    let (code, _) = stdout(ctxlint().arg(&path).arg("--no-config"));
    assert_eq!(code, 0);
    let (code, out) = stdout(ctxlint().arg(&path).args([
        "--no-config",
        "--include-test-support",
        "--format",
        "concise",
    ]));
    assert_eq!(code, 1);
    assert!(out.contains("lib.rs:3:"), "{out}");
}
