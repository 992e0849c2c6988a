//! Fixes: every fix the fixtures offer, applied alone and all together, leaves code that
//! parses and no longer has the finding; fixtures marked `// after-fix: compiles` also
//! compile once fixed; `--diff` shows without writing; overlapping fixes are skipped; files
//! are replaced without leftovers.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use ctxlint::diagnostic::{Applicability, Edit, Finding, Fix, Span};
use ctxlint::engine::{Settings, check_bytes_isolated};
use ctxlint::fix::{self, Allowed, Skipped};
use ctxlint::walk::Language;

const ALL: Allowed = Allowed { unsafe_fixes: true };

fn ctxlint() -> Command {
    let mut command = Command::cargo_bin("ctxlint").unwrap();
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

fn fixture_files() -> Vec<(PathBuf, Language)> {
    let mut files = Vec::new();
    for language in ["rust", "go"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(language);
        for rule in std::fs::read_dir(&root).unwrap().flatten() {
            for file in std::fs::read_dir(rule.path()).unwrap().flatten() {
                let path = file.path();
                if let Some(language) = Language::from_path(&path) {
                    files.push((path, language));
                }
            }
        }
    }
    files.sort();
    files
}

/// A problem with the fixed text, if any: Rust must parse, Go must have no syntax error.
fn parse_problem(text: &str, language: Language, settings: &Settings) -> Option<String> {
    match language {
        Language::Rust => syn::parse_file(text).err().map(|e| e.to_string()),
        Language::Go => check_bytes_isolated("fixed.go", language, text.as_bytes(), settings)
            .errors
            .into_iter()
            .map(|e| e.message)
            .find(|m| m.contains("syntax error")),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctxlint-fix-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            files.extend(all_files(&entry.path()));
        } else {
            files.push(entry.path());
        }
    }
    files.sort();
    files
}

#[test]
fn each_fixture_fix_alone_parses_and_removes_its_finding() {
    let settings = Settings::defaults();
    let mut fixes = 0;
    let mut failures = Vec::new();
    for (path, language) in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let report = check_bytes_isolated("f", language, text.as_bytes(), &settings);
        for finding in report.findings.iter().filter(|f| f.fix.is_some()) {
            fixes += 1;
            let what = format!("{}:{} {}", path.display(), finding.span.line, finding.rule);
            let outcome = fix::apply(&text, std::slice::from_ref(finding), ALL);
            if outcome.applied != [0] {
                failures.push(format!("{what}: not applied ({:?})", outcome.skipped));
                continue;
            }
            // A fixture of `syntax-error` does not parse by design, before the fix as after.
            if let Some(problem) = parse_problem(&outcome.text, language, &settings)
                && parse_problem(&text, language, &settings).as_ref() != Some(&problem)
            {
                failures.push(format!("{what}: the fixed file does not parse: {problem}"));
                continue;
            }
            let count =
                |findings: &[Finding]| findings.iter().filter(|f| f.rule == finding.rule).count();
            let after = check_bytes_isolated("f", language, outcome.text.as_bytes(), &settings);
            if count(&after.findings) >= count(&report.findings) {
                failures.push(format!("{what}: the finding is still there after the fix"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        fixes >= 8,
        "expected the fixtures to offer fixes, found {fixes}"
    );
}

/// The first line of a Rust fixture that needs nothing but std and tokio: with every fix
/// applied it must compile, not only parse.
const COMPILES_AFTER_FIX: &str = "// after-fix: compiles";

/// The marked fixtures, with every fix applied, become the modules of a scratch crate that
/// depends on tokio, and `cargo check` must accept it: a fix that parses but does not
/// type-check (a missing `.await`, a wrong path, a borrow that no longer lives) fails here.
#[test]
fn marked_fixtures_compile_after_every_fix() {
    let settings = Settings::defaults();
    let crate_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixed-fixtures");
    let src = crate_dir.join("src");
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).unwrap();
    let mut lib = String::from("#![allow(dead_code, unused_imports)]\n");
    for (path, language) in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        if language != Language::Rust || !text.starts_with(COMPILES_AFTER_FIX) {
            continue;
        }
        let report = check_bytes_isolated("f", language, text.as_bytes(), &settings);
        let outcome = fix::apply(&text, &report.findings, ALL);
        assert!(outcome.changed(), "{} offers no fix", path.display());
        let rule = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy();
        let stem = path.file_stem().unwrap().to_string_lossy();
        let module = format!("{rule}_{stem}").replace('-', "_");
        std::fs::write(src.join(format!("{module}.rs")), &outcome.text).unwrap();
        lib.push_str(&format!("mod {module};\n"));
    }
    assert!(
        lib.contains("mod "),
        "no fixture is marked `{COMPILES_AFTER_FIX}`"
    );
    std::fs::write(src.join("lib.rs"), lib).unwrap();
    // An empty `[workspace]`: the scratch crate is not a member of ctxlint's.
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        "[package]\nname = \"fixed-fixtures\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[dependencies]\n\
         tokio = { version = \"1\", features = [\"fs\", \"io-util\", \"macros\", \"net\", \"rt\", \"sync\", \"time\"] }\n\n\
         [workspace]\n",
    )
    .unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(&crate_dir)
        .args([
            "check",
            "--quiet",
            "--message-format",
            "short",
            "--target-dir",
        ])
        .arg(crate_dir.join("target"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the fixed fixtures do not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn fix_on_a_copy_of_the_fixtures_applies_everything_and_leaves_no_temporary_files() {
    let dir = temp_dir("all");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &dir.join("fixtures"),
    );
    let before = all_files(&dir);
    let json = |args: &[&str]| -> (i32, serde_json::Value) {
        let output = Command::cargo_bin("ctxlint")
            .unwrap()
            .current_dir(&dir)
            .args(["--no-config", "--format", "json", "fixtures"])
            .args(args)
            .output()
            .unwrap();
        let value = serde_json::from_slice(&output.stdout).unwrap();
        (output.status.code().unwrap(), value)
    };
    let count_fixes = |document: &serde_json::Value, applicability: &str| {
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["fix"]["applicability"] == applicability)
            .count()
    };
    let (_, original) = json(&[]);
    let safe_fixes = count_fixes(&original, "safe");
    let unsafe_fixes = count_fixes(&original, "unsafe");
    assert!(safe_fixes > 0 && unsafe_fixes > 0);

    // Safe fixes only (removing unused suppressions): the unsafe ones are left.
    let (_, safe) = json(&["--fix"]);
    assert_eq!(safe["summary"]["fixed"], safe_fixes);
    assert_eq!(count_fixes(&safe, "safe"), 0);
    assert_eq!(count_fixes(&safe, "unsafe"), unsafe_fixes);

    let (code, fixed) = json(&["--fix", "--unsafe-fixes"]);
    assert_eq!(code, 1, "other findings remain");
    assert_eq!(fixed["summary"]["fixed"], unsafe_fixes);
    assert_eq!(
        fixed["summary"]["fixes_skipped"].as_array().unwrap().len(),
        0
    );
    assert!(
        fixed["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["fix"].is_null()),
        "the re-check finds no fixable finding left"
    );
    assert_eq!(all_files(&dir), before, "no temporary file is left behind");

    let settings = Settings::defaults();
    // Only the sources.
    for path in &before {
        let Some(language) = Language::from_path(path) else {
            continue;
        };
        // These do not parse by design, before the fixes as after.
        if path
            .parent()
            .is_some_and(|dir| dir.ends_with("syntax-error"))
        {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        if let Some(problem) = parse_problem(&text, language, &settings) {
            panic!("{}: {problem}", path.display());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn diff_prints_without_writing() {
    let paths = [
        "fixtures/rust/blocking-in-async/fires.rs",
        "fixtures/go/lost-cancel",
    ];
    let read = || {
        paths
            .iter()
            .map(|p| Path::new(env!("CARGO_MANIFEST_DIR")).join(p))
            .flat_map(|p| if p.is_dir() { all_files(&p) } else { vec![p] })
            .map(|p| std::fs::read(p).unwrap())
            .collect::<Vec<_>>()
    };
    let before = read();
    let output = ctxlint()
        .args(["--no-config", "--diff", "--unsafe-fixes"])
        .args(paths)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "a diff means exit 1");
    assert_eq!(read(), before, "--diff writes nothing");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("Would fix 14 findings"), "{stderr}");
    insta::assert_snapshot!("diff", String::from_utf8(output.stdout).unwrap());

    // Without --unsafe-fixes there is nothing to change: no diff, exit 0.
    let output = ctxlint()
        .args(["--no-config", "--diff"])
        .args(paths)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("Would fix 0 findings (14 more with --unsafe-fixes)"),
        "{stderr}"
    );
}

#[test]
fn of_overlapping_fixes_the_first_is_applied_and_the_rest_reported() {
    let text = "async fn f(p: &str) {\n    std::fs::remove_file(p).unwrap();\n}\n";
    let fix = |edits: Vec<(Span, &str)>| Fix {
        applicability: Applicability::Unsafe,
        edits: edits
            .into_iter()
            .map(|(span, replacement)| Edit {
                span,
                replacement: replacement.to_string(),
            })
            .collect(),
    };
    let call = Span::new(2, 5, 2, 25);
    let findings = [
        Finding::new("blocking-in-async", call, "a").fix(fix(vec![
            (call, "tokio::fs::remove_file"),
            (Span::new(2, 28, 2, 28), ".await"),
        ])),
        // Overlaps the first fix's path.
        Finding::new("blocking-in-async", call, "b")
            .fix(fix(vec![(Span::new(2, 15, 2, 25), "remove_dir")])),
        // Inserts at the point the first fix inserts at.
        Finding::new("missing-timeout", call, "c").fix(fix(vec![(Span::new(2, 28, 2, 28), "?")])),
    ];
    let outcome = fix::apply(text, &findings, ALL);
    assert_eq!(
        outcome.text,
        "async fn f(p: &str) {\n    tokio::fs::remove_file(p).await.unwrap();\n}\n"
    );
    assert_eq!(outcome.applied, vec![0]);
    assert_eq!(
        outcome.skipped,
        vec![(1, Skipped::Overlaps), (2, Skipped::Overlaps)]
    );
    // Unsafe fixes are left alone unless allowed.
    let safe = fix::apply(
        text,
        &findings,
        Allowed {
            unsafe_fixes: false,
        },
    );
    assert_eq!(safe.text, text);
    assert!(safe.applied.is_empty() && safe.skipped.is_empty());
}

#[test]
fn fix_keeps_byte_order_mark_line_endings_and_permissions_and_follows_symlinks() {
    let dir = temp_dir("bytes");
    let text = "\u{feff}package p\r\n\r\nimport \"context\"\r\n\r\nfunc f(parent context.Context) error {\r\n\tctx, _ := context.WithCancel(parent)\r\n\treturn work(ctx)\r\n}\r\n";
    let real = dir.join("real.go");
    std::fs::write(&real, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink("real.go", dir.join("link.go")).unwrap();
    }
    let target = if cfg!(unix) { "link.go" } else { "real.go" };
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .current_dir(&dir)
        .args(["--no-config", "--fix", "--unsafe-fixes", "--quiet", target])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Fixed 1 finding"), "{stdout}");
    let fixed = std::fs::read_to_string(&real).unwrap();
    assert!(fixed.starts_with('\u{feff}'));
    assert!(
        fixed.contains("\tctx, cancel := context.WithCancel(parent)\r\n\tdefer cancel()\r\n"),
        "{fixed:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&real).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o640);
        let link = std::fs::symlink_metadata(dir.join("link.go")).unwrap();
        assert!(link.file_type().is_symlink(), "the link is still a link");
    }
    let names: Vec<_> = all_files(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".ctxlint-")), "{names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_safe_fix_removes_unused_suppressions_whole_and_leaves_shared_ones() {
    let text = "use std::time::Duration;\n\
                \n\
                async fn cleaned_up() {\n\
                \x20   // ctxlint: allow(blocking-in-async) this used to sleep\n\
                \x20   tokio::time::sleep(Duration::from_millis(10)).await;\n\
                }\n\
                \n\
                fn sync_code() {\n\
                \x20   std::thread::sleep(Duration::from_millis(10)); // ctxlint: allow(blocking-in-async)\n\
                }\n\
                \n\
                // ctxlint: allow(missing-timeout, blocking-in-async) names two rules\n\
                fn two() {}\n";
    let settings = Settings::defaults();
    let report = check_bytes_isolated("a.rs", Language::Rust, text.as_bytes(), &settings);
    let outcome = fix::apply(
        text,
        &report.findings,
        Allowed {
            unsafe_fixes: false,
        },
    );
    assert_eq!(
        outcome.text,
        "use std::time::Duration;\n\
         \n\
         async fn cleaned_up() {\n\
         \x20   tokio::time::sleep(Duration::from_millis(10)).await;\n\
         }\n\
         \n\
         fn sync_code() {\n\
         \x20   std::thread::sleep(Duration::from_millis(10));\n\
         }\n\
         \n\
         // ctxlint: allow(missing-timeout, blocking-in-async) names two rules\n\
         fn two() {}\n"
    );
    let after = check_bytes_isolated("a.rs", Language::Rust, outcome.text.as_bytes(), &settings);
    let unused: Vec<_> = after
        .findings
        .iter()
        .filter(|f| f.rule == "unused-suppression")
        .collect();
    assert_eq!(
        unused.len(),
        2,
        "the shared comment's two names are still reported"
    );
    assert!(unused.iter().all(|f| f.fix.is_none()));
}

#[test]
fn no_fix_adds_an_await_inside_a_critical_section() {
    let output = ctxlint()
        .args([
            "--no-config",
            "--format",
            "json",
            "fixtures/rust/blocking-in-async/critical_section.rs",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4, "{report}");
    for finding in findings {
        assert!(
            finding.get("fix").is_none_or(|fix| fix.is_null()),
            "{finding}"
        );
        let help = finding["help"].as_str().unwrap();
        assert!(help.contains("no automatic fix: "), "{help}");
    }
}
