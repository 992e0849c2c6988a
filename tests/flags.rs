//! Smaller command-line behaviour: `--statistics` alone, `rules`/`explain` as JSON and for
//! every rule, `--threads` capped, and flags that would do nothing are said to.

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

#[test]
fn ineffective_flags_are_reported() {
    let (_, _, err) = run(&[FIXTURES, "--no-config", "--quiet", "--omit-suppressed"]);
    assert!(
        err.contains("warning: --omit-suppressed only changes `--format sarif` output"),
        "{err}"
    );
    let (_, _, err) = run(&[FIXTURES, "--no-config", "--quiet", "--unsafe-fixes"]);
    assert!(
        err.contains("warning: --unsafe-fixes does nothing without --fix or --diff"),
        "{err}"
    );
    let (_, _, err) = run(&[
        FIXTURES,
        "--no-config",
        "--format",
        "sarif",
        "--omit-suppressed",
    ]);
    assert!(!err.contains("warning"), "{err}");
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
    let (_, out, _) = run(&[
        FIXTURES,
        "--no-config",
        "--output-file",
        &shown,
        "--color",
        "always",
    ]);
    assert!(out.is_empty());
    let human = std::fs::read_to_string(&file).unwrap();
    assert!(human.contains("warning["), "{human}");
    assert!(!human.contains('\u{1b}'), "no colour in a file");
    let (code, _, err) = run(&[FIXTURES, "--no-config", "-o", "/nonexistent-dir/x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot write the report"), "{err}");
    let _ = std::fs::remove_file(&file);
}
