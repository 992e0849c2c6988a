//! Hostile input, generated here rather than committed: ctxlint must never crash, hang or
//! lose the other files' findings, and must report what it could not check.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const SLEEP: &str = "std::thread::sleep(std::time::Duration::from_secs(1));";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctxlint-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_json(args: &[&Path]) -> (i32, serde_json::Value) {
    let output = Command::cargo_bin("ctxlint")
        .unwrap()
        .args(args)
        .args(["--format", "json", "--no-config"])
        .output()
        .unwrap();
    let code = output
        .status
        .code()
        .expect("ctxlint was killed by a signal");
    let text = String::from_utf8(output.stdout).unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (code, json)
}

fn findings_in(json: &serde_json::Value, file: &str) -> Vec<(u64, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with(file))
        .map(|f| (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
        .collect()
}

#[test]
fn deep_nesting_is_reported_or_checked_never_a_crash() {
    let dir = temp_dir("deep");
    let n = 100_000;
    let cases = [
        (
            "parens.rs",
            format!("fn f() {{ let x = {}1{}; }}", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "blocks.rs",
            format!("fn f() {}{}", "{".repeat(n), "}".repeat(n)),
        ),
        (
            "closures.rs",
            format!("async fn f() {{ let x = {}1; }}", "|| ".repeat(n)),
        ),
        (
            "refs.rs",
            format!("async fn f() {{ let x = {}a; }}", "&".repeat(n)),
        ),
        (
            "unary.rs",
            format!("async fn f() {{ let x = {}a; }}", "!".repeat(n)),
        ),
        (
            "methods.rs",
            format!("async fn f() {{ let x = a{}; }}", ".b()".repeat(n)),
        ),
        (
            "awaits.rs",
            format!("async fn f() {{ let x = a{}; }}", ".await".repeat(n)),
        ),
        (
            "binary.rs",
            format!("async fn f() {{ let x = a{}; }}", " + a".repeat(n)),
        ),
        (
            "elseif.rs",
            format!(
                "async fn f(a: u32) {{ if a == 0 {{}} {} }}",
                (1..n)
                    .map(|i| format!("else if a == {i} {{}} "))
                    .collect::<String>()
            ),
        ),
        ("ok.rs", format!("async fn f() {{ {SLEEP} }}\n")),
    ];
    for (name, text) in &cases {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let (code, json) = run_json(&[&dir]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(findings_in(&json, "ok.rs"), vec![(1, 16)]);
    let skipped = json["summary"]["files_skipped"].as_u64().unwrap();
    let checked = json["summary"]["files_checked"].as_u64().unwrap();
    assert_eq!(skipped + checked, cases.len() as u64);
    for error in json["errors"].as_array().unwrap() {
        assert!(
            error["message"].as_str().unwrap().starts_with("skipped: "),
            "{error}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn columns_survive_bom_crlf_tabs_and_wide_characters() {
    let dir = temp_dir("columns");
    let cases: [(&str, String, (u64, u64)); 4] = [
        (
            "bom.rs",
            format!("\u{feff}async fn f() {{ {SLEEP} }}\n"),
            (1, 16),
        ),
        (
            "crlf.rs",
            format!("// é\r\nasync fn f() {{\r\n\t{SLEEP}\r\n}}\r\n"),
            (3, 2),
        ),
        (
            "wide.rs",
            format!("async fn f() {{ let s = \"日本語\"; {SLEEP} }}\n"),
            (1, 31),
        ),
        (
            "emoji.rs",
            format!("async fn f() {{\n    /* 🦀🦀 */ {SLEEP}\n}}\n"),
            (2, 14),
        ),
    ];
    for (name, text, _) in &cases {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let (_, json) = run_json(&[&dir]);
    for (name, _, position) in &cases {
        assert_eq!(findings_in(&json, name), vec![*position], "{name}: {json}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A lone `\r` ends a line for snippets, suppressions and fixes; the Rust parser counts
/// only `\n`, so its positions must be translated (found by fuzzing).
#[test]
fn lone_carriage_returns_end_lines_for_findings_and_suppressions() {
    let dir = temp_dir("lone-cr");
    std::fs::write(
        dir.join("finding.rs"),
        format!("// a\rb\nasync fn f() {{\n    {SLEEP}\n}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("allowed.rs"),
        format!("// a\rb\nasync fn f() {{\n    // ctxlint: allow(blocking-in-async) why\n    {SLEEP}\n}}\n"),
    )
    .unwrap();
    let (_, json) = run_json(&[&dir]);
    assert_eq!(findings_in(&json, "finding.rs"), vec![(4, 5)], "{json}");
    assert_eq!(findings_in(&json, "allowed.rs"), vec![], "{json}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn odd_files_and_paths() {
    let dir = temp_dir("odd");
    std::fs::create_dir_all(dir.join("a dir/ünïcode")).unwrap();
    std::fs::write(
        dir.join("a dir/ünïcode/spaced name.rs"),
        format!("async fn f() {{ {SLEEP} }}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("empty.rs"), "").unwrap();
    std::fs::write(dir.join("comments.rs"), "// only\n/* comments */\n").unwrap();
    std::fs::write(
        dir.join("future.rs"),
        "async fn f() { yeet 1; become g(); }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("header.rs"),
        "#include <stdio.h>\n/* async */ int main(void) { return 0; }\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.join("a dir/loop")).unwrap();

    let file = dir.join("a dir/ünïcode/spaced name.rs");
    // The same file twice, and its directory: one finding.
    let (code, json) = run_json(&[&file, &file, &dir]);
    assert_eq!(code, 1, "{json}");
    // One finding, and a `syntax-error` for each file that does not parse.
    assert_eq!(json["summary"]["findings"], 3, "{json}");
    let errors: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 2, "{json}");
    assert!(errors.iter().any(|p| p.ends_with("future.rs")));
    assert!(errors.iter().any(|p| p.ends_with("header.rs")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_large_file_and_a_long_line() {
    let dir = temp_dir("large");
    let function = format!("pub async fn f() {{ let v = vec![1, 2, 3]; {SLEEP} }}\n");
    std::fs::write(dir.join("large.rs"), function.repeat(20_000)).unwrap();
    let line = format!("pub fn g() {{ let v = [{}]; }}\n", "1, ".repeat(300_000));
    std::fs::write(dir.join("line.rs"), line).unwrap();
    let (code, json) = run_json(&[&dir]);
    assert_eq!(code, 1);
    assert_eq!(json["summary"]["findings"], 20_000, "{}", json["summary"]);
    assert_eq!(json["summary"]["files_checked"], 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The command line at a smaller scale than docs/robustness.md measures (100,000 files).
#[test]
fn many_tiny_files_in_one_directory() {
    let dir = temp_dir("many");
    let files = 10_000;
    for i in 0..files {
        let text = if i % 100 == 0 {
            format!("async fn f() {{ {SLEEP} }}\n")
        } else {
            format!("fn f{i}() {{}}\n")
        };
        std::fs::write(dir.join(format!("f{i}.rs")), text).unwrap();
    }
    let (code, json) = run_json(&[&dir]);
    assert_eq!(code, 1);
    assert_eq!(
        json["summary"]["files_checked"], files,
        "{}",
        json["summary"]
    );
    assert_eq!(
        json["summary"]["findings"],
        files / 100,
        "{}",
        json["summary"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The project index on shapes that could make it loop or guess: helpers that call each
/// other in a cycle across files, a chain deeper than facts travel, a name defined twice,
/// and a `mod` that points outside the checked tree (never read).
#[test]
fn the_project_index_ends_and_stays_quiet_when_it_cannot_tell() {
    let dir = temp_dir("index");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"cyc\"\n").unwrap();
    let select = |call: &str| {
        format!(
            "pub async fn run_{call}(mut s: tokio::net::TcpStream, mut tick: tokio::time::Interval) {{\n    loop {{\n        tokio::select! {{\n            _ = {call}(&mut s) => {{}}\n            _ = tick.tick() => {{}}\n        }}\n    }}\n}}\n"
        )
    };
    let mut main = String::from(
        "#[path = \"../../outside.rs\"]\nmod outside;\nmod a;\nmod b;\nmod deep;\nuse crate::a::ping;\nuse crate::deep::level0;\n",
    );
    main.push_str(&select("ping"));
    main.push_str(&select("level0"));
    main.push_str(&select("twice"));
    main.push_str("#[cfg(unix)]\nasync fn twice(s: &mut tokio::net::TcpStream) { use tokio::io::AsyncReadExt; let mut b = [0u8; 4]; let _ = s.read_exact(&mut b).await; }\n#[cfg(not(unix))]\nasync fn twice(_s: &mut tokio::net::TcpStream) {}\n");
    std::fs::write(src.join("main.rs"), main).unwrap();
    // `ping` and `pong` call each other; `pong` also does a `read_exact`.
    std::fs::write(
        src.join("a.rs"),
        "pub async fn ping(s: &mut tokio::net::TcpStream) { crate::b::pong(s).await; }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("b.rs"),
        "use tokio::io::AsyncReadExt;\npub async fn pong(s: &mut tokio::net::TcpStream) { let mut b = [0u8; 4]; let _ = s.read_exact(&mut b).await; super::a::ping(s).await; }\n",
    )
    .unwrap();
    // A chain of 20 helpers: the read at its end is further than facts travel.
    let mut deep = String::from("use tokio::io::AsyncReadExt;\n");
    for level in 0..20 {
        deep.push_str(&format!(
            "pub async fn level{level}(s: &mut tokio::net::TcpStream) {{ level{}(s).await; }}\n",
            level + 1
        ));
    }
    deep.push_str("pub async fn level20(s: &mut tokio::net::TcpStream) { let mut b = [0u8; 4]; let _ = s.read_exact(&mut b).await; }\n");
    std::fs::write(src.join("deep.rs"), deep).unwrap();
    let (_, json) = run_json(&[&dir]);
    let rules: Vec<(&str, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    // Only the cycle is reported: `ping` reaches `pong`'s read through `pong`, whatever the
    // cycle; the deep chain and the doubly defined helper stay unknown.
    assert_eq!(rules, [("select-cancel-unsafe", 11)], "{json}");
    assert!(json["errors"].as_array().unwrap().is_empty(), "{json}");
    let _ = std::fs::remove_dir_all(&dir);
}
