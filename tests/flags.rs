//! Smaller command-line behaviour: `--statistics` alone, `rules`/`explain` as JSON and for
//! every rule, `--threads` capped, and flags that conflict or would do nothing are errors.

use assert_cmd::Command;

const FIXTURES: &str = "fixtures/rust";

fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn statistics_print_counts_only_sorted_by_count() {
    for format in ["human", "concise"] {
        let (code, out, _) = run(&[FIXTURES, "--no-config", "--statistics", "--format", format]);
        assert_eq!(code, 1);
        let lines: Vec<&str> = out.lines().collect();
        let (summary, counts) = lines.split_last().unwrap();
        assert!(summary.starts_with("Found "), "{out}");
        let counts: Vec<usize> = counts
            .iter()
            .map(|line| line.split_whitespace().next().unwrap().parse().unwrap())
            .collect();
        assert!(counts.len() > 3, "only counts and the summary: {out}");
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{out}");
    }
}

#[test]
fn rules_and_explain_as_json_and_for_all() {
    let (code, out, _) = run(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let rules: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules = rules.as_array().unwrap();
    assert_eq!(rules.len(), ctxlint::registry::RULES.len());
    assert_eq!(rules[0]["name"], "blocking-in-async");
    assert_eq!(rules[0]["languages"], serde_json::json!(["rust"]));
    assert_eq!(rules[0]["default_level"], "warning");
    assert_eq!(
        rules[0]["docs_url"],
        ctxlint::registry::docs_url("blocking-in-async")
    );

    let (_, out, _) = run(&["explain", "missing-timeout", "--format", "json"]);
    let rule: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        rule["docs"]
            .as_str()
            .unwrap()
            .starts_with("# missing-timeout")
    );

    let (code, out, _) = run(&["explain", "--all"]);
    assert_eq!(code, 0);
    for rule in ctxlint::registry::RULES {
        assert!(out.contains(&format!("# {}\n", rule.name)), "{}", rule.name);
    }
    let (_, out, _) = run(&["explain", "--all", "--format", "json"]);
    let all: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        all.as_array().unwrap().len(),
        ctxlint::registry::RULES.len()
    );
    assert_eq!(run(&["explain"]).0, 2, "a rule or --all");
}

#[test]
fn threads_are_capped_at_the_cores() {
    let (code, _, err) = run(&[FIXTURES, "--no-config", "--quiet", "--threads", "99999"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("note: --threads 99999 is more than the"),
        "{err}"
    );
    let (_, _, err) = run(&[FIXTURES, "--no-config", "--quiet", "--threads", "1"]);
    assert!(!err.contains("note"), "{err}");
}

/// Each refused combination: exit 2, an `error:` that names the flags, a hint, no report.
#[test]
fn conflicting_or_ineffective_flags_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--omit-suppressed"],
            "`--omit-suppressed` only changes `--format sarif` output",
        ),
        (
            &["--omit-suppressed", "--format", "json"],
            "`--omit-suppressed` only changes",
        ),
        (
            &["--unsafe-fixes"],
            "`--unsafe-fixes` does nothing without `--fix` or `--diff`",
        ),
        (
            &["--fix", "--diff"],
            "`--diff` shows what `--fix` would write",
        ),
        (
            &["--diff", "--write-baseline", "b.json"],
            "`--diff` prints a diff and writes nothing",
        ),
        (
            &["--diff", "--format", "json"],
            "with `--diff` the output is the diff",
        ),
        (
            &["--diff", "-o", "x.diff"],
            "with `--diff` the output is the diff",
        ),
        (
            &["--write-baseline", "b.json", "--format", "sarif"],
            "`--write-baseline` records the findings instead of reporting them",
        ),
        (
            &["--write-baseline", "b.json", "--statistics"],
            "`--write-baseline` records",
        ),
        (
            &["--show-files", "--fix"],
            "`--show-files` and `--show-settings` print",
        ),
        (
            &["--show-settings", "src/lib.rs", "--format", "json"],
            "`--show-files` and `--show-settings` print",
        ),
        (
            &["--exit-zero", "--fail-level", "error"],
            "`--exit-zero` exits 0 whatever is found",
        ),
        (
            &["--color", "always", "--format", "json"],
            "`--color always` only colours",
        ),
        (
            &["--color", "always", "-o", "r.txt"],
            "`--color always` only colours",
        ),
        (&["--quiet", "--format", "sarif"], "`--quiet` only shortens"),
        (
            &["--statistics", "--format", "github"],
            "`--statistics` does not change",
        ),
    ];
    for (flags, error) in cases {
        let mut args = vec![FIXTURES, "--no-config"];
        args.extend_from_slice(flags);
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{flags:?}: {err}");
        assert!(out.is_empty(), "{flags:?}: no report: {out}");
        assert!(
            err.starts_with(&format!("error: {error}")),
            "{flags:?}: {err}"
        );
        assert!(err.contains("\n  hint: "), "{flags:?}: {err}");
    }
    let (code, _, err) = run(&["-", "--fix", "-o", "r.txt", "--stdin-filename", "a.rs"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("with `--fix -` the fixed code goes to standard output"),
        "{err}"
    );
}

/// The same flags where they do something are accepted, and `--color never` is accepted
/// everywhere (scripts pass it whatever the format).
#[test]
fn effective_flag_combinations_are_accepted() {
    let accepted: &[&[&str]] = &[
        &["--format", "sarif", "--omit-suppressed"],
        &["--diff", "--unsafe-fixes"],
        &["--format", "json", "--color", "never"],
        &["--format", "json", "--statistics"],
        &["--format", "concise", "--quiet"],
        &["--fail-level", "error"],
    ];
    for flags in accepted {
        let mut args = vec![FIXTURES, "--no-config"];
        args.extend_from_slice(flags);
        let (code, _, err) = run(&args);
        assert_eq!(code, 1, "{flags:?}: {err}");
        assert!(!err.contains("error:"), "{flags:?}: {err}");
    }
}

#[test]
fn timings_name_every_phase_on_stderr_only() {
    let (code, out, err) = run(&[FIXTURES, "--no-config", "--quiet", "--timings"]);
    assert_eq!(code, 1);
    assert!(!out.contains("timings"), "{out}");
    let phases: Vec<&str> = err
        .lines()
        .skip_while(|line| !line.starts_with("timings"))
        .skip(1)
        .map(|line| line.trim().rsplitn(3, ' ').last().unwrap_or("").trim())
        .collect();
    assert_eq!(
        phases,
        [
            "read and prefilter",
            "parse and model",
            "project index",
            "rules and suppressions",
            "wall"
        ],
        "{err}"
    );
    let (_, _, err) = run(&[FIXTURES, "--no-config", "--quiet"]);
    assert!(!err.contains("timings"), "{err}");
}

#[test]
fn output_file_holds_the_report_and_stdout_stays_empty() {
    let file = std::env::temp_dir().join(format!("ctxlint-report-{}.json", std::process::id()));
    let shown = file.display().to_string();
    let (code, out, _) = run(&[FIXTURES, "--no-config", "--format", "json", "-o", &shown]);
    assert_eq!(code, 1, "findings still set the exit code");
    assert!(out.is_empty(), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(report["summary"]["findings"].as_u64().unwrap() > 0);
    let (_, out, _) = run(&[FIXTURES, "--no-config", "--output-file", &shown]);
    assert!(out.is_empty());
    let human = std::fs::read_to_string(&file).unwrap();
    assert!(human.contains("warning["), "{human}");
    assert!(!human.contains('\u{1b}'), "no colour in a file");
    let (code, _, err) = run(&[FIXTURES, "--no-config", "-o", "/nonexistent-dir/x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot write the report"), "{err}");
    let _ = std::fs::remove_file(&file);
}
