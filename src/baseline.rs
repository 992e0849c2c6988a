//! Baselines: the findings a code base already had when it adopted ctxlint, recorded so that
//! only new ones are reported. Pure: the caller reads and writes the file.
//!
//! A finding is matched by a fingerprint that survives unrelated edits (lines moving up or
//! down, reformatting): its rule, its path, the enclosing item (the trimmed text of the
//! nearest line above it that starts a `fn`, `impl`, `trait`, `mod` or Go `func`) and the
//! text of its line with whitespace collapsed. A fingerprint recorded `count` times hides at
//! most `count` findings, so a new bug on a line that reads like an old one still shows.
//!
//! Paths are recorded relative to the directory of the baseline file, so the same baseline
//! works from any working directory (a subdirectory, an editor, a CI step in another folder).
//!
//! A `syntax-error` finding is never recorded nor hidden: it stands for a file no rule
//! checked, and a recorded one would hide every finding the file will have once it parses
//! again, without a word.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Finding;
use crate::source::SourceText;

pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    /// The line that starts the enclosing item, trimmed; empty at the top level.
    pub item: String,
    /// The flagged line, trimmed, with each run of whitespace collapsed to one space.
    pub line: String,
    pub count: usize,
}

impl Entry {
    /// An entry from a fingerprint and how often it occurs.
    fn from_counted(((rule, path, item, line), count): (Key, usize)) -> Entry {
        Entry {
            rule,
            path,
            item,
            line,
            count,
        }
    }

    fn key(&self) -> Key {
        (
            self.rule.clone(),
            self.path.clone(),
            self.item.clone(),
            self.line.clone(),
        )
    }
}

type Key = (String, String, String, String);

/// What filtering with a baseline did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings hidden because the baseline has them.
    pub hidden: Vec<Finding>,
    /// Baseline entries (with the number of occurrences) that no longer occur.
    pub stale: Vec<Entry>,
}

impl Applied {
    pub fn stale_count(&self) -> usize {
        self.stale.iter().map(|entry| entry.count).sum()
    }
}

/// The path as recorded: `/` separators, no leading `./`.
pub fn normalize_path(path: &str) -> String {
    let mut path = path.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    path
}

/// Where the paths of a baseline are relative to: the directory of its file.
#[derive(Debug, Clone)]
pub struct Anchor {
    dir: PathBuf,
}

impl Anchor {
    /// The anchor of the baseline file at `path` (relative to the current directory or not).
    pub fn of_file(path: &Path) -> Anchor {
        match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => Anchor::at(dir),
            _ => Anchor::at(Path::new(".")),
        }
    }

    pub fn at(dir: &Path) -> Anchor {
        Anchor {
            dir: lexical_absolute(dir),
        }
    }

    /// The recorded form of the path a finding is reported under.
    pub fn entry_path(&self, reported: &str) -> String {
        let file = lexical_absolute(Path::new(reported));
        let common = self
            .dir
            .components()
            .zip(file.components())
            .take_while(|(a, b)| a == b)
            .count();
        let mut relative = PathBuf::new();
        for _ in common..self.dir.components().count() {
            relative.push("..");
        }
        relative.extend(file.components().skip(common));
        normalize_path(&relative.display().to_string())
    }

    /// The file a recorded path names.
    pub fn file(&self, entry_path: &str) -> PathBuf {
        lexical_absolute(&self.dir.join(entry_path))
    }
}

/// The absolute form of `path` with `.` and `..` taken away by reading, not by the file
/// system: a baseline names files that may be gone.
pub fn lexical_absolute(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut clean = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// The fingerprint of a finding, recorded under `path`, in a file with this text.
fn key(finding: &Finding, path: String, source: &SourceText) -> Key {
    let line = finding.span.line;
    let item = (1..line)
        .rev()
        .map(|l| source.line(l).trim())
        .find(|text| starts_item(text))
        .unwrap_or("")
        .to_string();
    (
        finding.rule.to_string(),
        path,
        item,
        collapse(source.line(line)),
    )
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a trimmed line starts a Rust `fn`/`impl`/`trait`/`mod` or a Go `func`.
fn starts_item(line: &str) -> bool {
    let mut rest = line;
    loop {
        let before = rest;
        if let Some(after) = rest.strip_prefix("pub(") {
            rest = after.split_once(')').map_or("", |(_, r)| r).trim_start();
        }
        for qualifier in ["pub ", "async ", "unsafe ", "const ", "default ", "extern "] {
            if let Some(after) = rest.strip_prefix(qualifier) {
                rest = after.trim_start();
            }
        }
        if rest.starts_with('"')
            && let Some((_, after)) = rest[1..].split_once('"')
        {
            rest = after.trim_start(); // the ABI of `extern "C" fn`
        }
        if rest == before {
            break;
        }
    }
    ["fn ", "impl ", "impl<", "trait ", "mod ", "func "]
        .iter()
        .any(|keyword| rest.starts_with(keyword))
}

fn indexed(sources: &BTreeMap<String, String>) -> BTreeMap<&str, SourceText> {
    sources
        .iter()
        .map(|(path, text)| (path.as_str(), SourceText::new(text.clone())))
        .collect()
}

/// Whether a baseline may record (and so hide) this finding: not a file that was not checked.
pub fn recordable(finding: &Finding) -> bool {
    finding.rule != crate::syntax_error::NAME
}

/// A baseline holding these findings; `sources` has the text of every file with a finding.
pub fn record(
    findings: &[Finding],
    sources: &BTreeMap<String, String>,
    anchor: &Anchor,
) -> Baseline {
    let indexed = indexed(sources);
    let empty = SourceText::new(String::new());
    let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
    for finding in findings.iter().filter(|finding| recordable(finding)) {
        let source = indexed.get(finding.path.as_str()).unwrap_or(&empty);
        let path = anchor.entry_path(&finding.path);
        *counts.entry(key(finding, path, source)).or_default() += 1;
    }
    Baseline {
        version: VERSION,
        findings: counts.into_iter().map(Entry::from_counted).collect(),
    }
}

/// Removes the findings the baseline has. Entries that matched fewer findings than recorded
/// are stale when `in_scope(path, rule)` (the recorded path) says this run checked their file
/// with their rule (or the file no longer exists); other entries are left alone.
pub fn filter(
    baseline: &Baseline,
    findings: &mut Vec<Finding>,
    sources: &BTreeMap<String, String>,
    anchor: &Anchor,
    in_scope: impl Fn(&str, &str) -> bool,
) -> Applied {
    let indexed = indexed(sources);
    let empty = SourceText::new(String::new());
    let mut left: BTreeMap<Key, usize> = BTreeMap::new();
    for entry in &baseline.findings {
        *left.entry(entry.key()).or_default() += entry.count;
    }
    let (hidden, shown) = std::mem::take(findings).into_iter().partition(|finding| {
        if !recordable(finding) {
            return false;
        }
        let source = indexed.get(finding.path.as_str()).unwrap_or(&empty);
        match left.get_mut(&key(finding, anchor.entry_path(&finding.path), source)) {
            Some(count) if *count > 0 => {
                *count -= 1;
                true
            }
            _ => false,
        }
    });
    *findings = shown;
    let stale = left
        .into_iter()
        .filter(|((rule, path, _, _), count)| *count > 0 && in_scope(path, rule))
        .map(Entry::from_counted)
        .collect();
    Applied { hidden, stale }
}

/// A stable identity for each finding, for tools that track findings across runs (SARIF's
/// `partialFingerprints`): the hash of its baseline fingerprint and the number of findings
/// with the same fingerprint before it, so that edits elsewhere in the file do not change it.
pub fn identities(findings: &[&Finding], sources: &BTreeMap<String, String>) -> Vec<String> {
    let indexed = indexed(sources);
    let empty = SourceText::new(String::new());
    let mut seen: BTreeMap<Key, usize> = BTreeMap::new();
    findings
        .iter()
        .map(|finding| {
            let source = indexed.get(finding.path.as_str()).unwrap_or(&empty);
            let key = key(finding, normalize_path(&finding.path), source);
            let (rule, path, item, line) = &key;
            let hash = fnv1a([rule, path, item, line].map(String::as_str));
            let occurrence = seen.entry(key).or_default();
            *occurrence += 1;
            format!("{hash:016x}:{occurrence}")
        })
        .collect()
}

/// The 64-bit FNV-1a hash of the parts, each followed by a NUL byte: fixed by its
/// definition, unlike std's hashers, so identities stay the same across ctxlint builds.
fn fnv1a<'a>(parts: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The baseline without its stale occurrences.
pub fn prune(baseline: &Baseline, stale: &[Entry]) -> Baseline {
    let mut remove: BTreeMap<Key, usize> = BTreeMap::new();
    for entry in stale {
        *remove.entry(entry.key()).or_default() += entry.count;
    }
    let mut findings = Vec::new();
    for entry in &baseline.findings {
        let mut entry = entry.clone();
        if let Some(n) = remove.get_mut(&entry.key()) {
            let taken = (*n).min(entry.count);
            entry.count -= taken;
            *n -= taken;
        }
        if entry.count > 0 {
            findings.push(entry);
        }
    }
    Baseline {
        version: VERSION,
        findings,
    }
}

pub fn to_json(baseline: &Baseline) -> String {
    let mut text = serde_json::to_string_pretty(baseline).expect("a baseline serializes");
    text.push('\n');
    text
}

pub fn from_json(text: &str) -> Result<Baseline, String> {
    let baseline: Baseline =
        serde_json::from_str(text).map_err(|e| format!("not a ctxlint baseline: {e}"))?;
    if baseline.version != VERSION {
        return Err(format!(
            "baseline version {} is not supported (this ctxlint reads version {VERSION})",
            baseline.version
        ));
    }
    Ok(baseline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    fn anchor() -> Anchor {
        Anchor::at(Path::new("/p"))
    }

    fn finding(path: &str, line: usize) -> Finding {
        let mut finding = Finding::new("blocking-in-async", Span::new(line, 5, line, 9), "m");
        finding.path = path.to_string();
        finding
    }

    #[test]
    fn fingerprints_survive_moves_and_count_repeats() {
        let old = "use x;\n\nasync fn f() {\n    sleep(d);\n    sleep(d);\n}\n";
        let sources = BTreeMap::from([("/p/./a.rs".to_string(), old.to_string())]);
        let baseline = record(
            &[finding("/p/./a.rs", 4), finding("/p/./a.rs", 5)],
            &sources,
            &anchor(),
        );
        assert_eq!(baseline.findings.len(), 1);
        assert_eq!(baseline.findings[0].count, 2);
        assert_eq!(baseline.findings[0].path, "a.rs");
        assert_eq!(baseline.findings[0].item, "async fn f() {");
        assert_eq!(baseline.findings[0].line, "sleep(d);");

        // Two lines added above, indentation changed, a third identical call added.
        let new =
            "use x;\n// one\n// two\n\nasync fn f() {\n  sleep(d);\n\tsleep(d);\n  sleep(d);\n}\n";
        let sources = BTreeMap::from([("/p/a.rs".to_string(), new.to_string())]);
        let mut findings = vec![
            finding("/p/a.rs", 6),
            finding("/p/a.rs", 7),
            finding("/p/a.rs", 8),
        ];
        let applied = filter(&baseline, &mut findings, &sources, &anchor(), |p, _| {
            p == "a.rs"
        });
        assert_eq!(applied.hidden.len(), 2);
        assert_eq!(findings.len(), 1, "the extra occurrence is new");
        assert_eq!(applied.stale_count(), 0);
        assert_eq!(findings[0].span.line, 8);
    }

    #[test]
    fn stale_entries_and_pruning() {
        let text = "func f() {\n\tctx, _ := context.WithCancel(ctx)\n}\n";
        let sources = BTreeMap::from([("/p/m.go".to_string(), text.to_string())]);
        let baseline = record(&[finding("/p/m.go", 2)], &sources, &anchor());
        assert_eq!(baseline.findings[0].item, "func f() {");
        let mut none = Vec::new();
        let applied = filter(&baseline, &mut none, &BTreeMap::new(), &anchor(), |p, _| {
            p == "m.go"
        });
        assert_eq!(applied.stale_count(), 1);
        assert!(prune(&baseline, &applied.stale).findings.is_empty());
        let unchecked = filter(&baseline, &mut none, &BTreeMap::new(), &anchor(), |_, _| {
            false
        });
        assert_eq!(
            unchecked.stale_count(),
            0,
            "a file not checked is not stale"
        );
        assert_eq!(from_json(&to_json(&baseline)).unwrap(), baseline);
        assert!(from_json("{\"version\": 9, \"findings\": []}").is_err());
    }

    #[test]
    fn identities_count_repeats_and_survive_moves() {
        let old = "async fn f() {\n    sleep(d);\n    sleep(d);\n}\n";
        let new = "// moved\nasync fn f() {\n  sleep(d);\n  sleep(d);\n}\n";
        let of = |text: &str, first: usize| {
            let sources = BTreeMap::from([("a.rs".to_string(), text.to_string())]);
            let findings = [finding("a.rs", first), finding("a.rs", first + 1)];
            identities(&findings.iter().collect::<Vec<_>>(), &sources)
        };
        let before = of(old, 2);
        assert_ne!(before[0], before[1], "a repeat gets its own identity");
        assert!(before[0].ends_with(":1") && before[1].ends_with(":2"));
        assert_eq!(of(new, 3), before);
        assert_eq!(
            fnv1a(["a"]),
            0x089b_e207_b544_f1e4,
            "FNV-1a of `a` and a NUL byte"
        );
    }

    #[test]
    fn paths_are_relative_to_the_baseline_directory() {
        let anchor = anchor();
        assert_eq!(anchor.entry_path("/p/src/a.rs"), "src/a.rs");
        assert_eq!(anchor.entry_path("/p/src/../b.rs"), "b.rs");
        assert_eq!(anchor.entry_path("/q/c.rs"), "../q/c.rs");
        assert_eq!(anchor.file("src/a.rs"), Path::new("/p/src/a.rs"));
        assert_eq!(
            Anchor::of_file(Path::new("/p/b.json")).entry_path("/p/x.rs"),
            "x.rs"
        );
    }

    #[test]
    fn item_lines() {
        for line in [
            "fn a() {",
            "pub(crate) async fn a() {",
            "pub unsafe extern \"C\" fn a() {",
            "impl<T> X for T {",
            "mod m {",
            "func (s *S) Run(ctx context.Context) {",
        ] {
            assert!(starts_item(line), "{line}");
        }
        for line in [
            "let f = fn_ptr;",
            "go func() {",
            "defer func() {",
            "fnord();",
        ] {
            assert!(!starts_item(line), "{line}");
        }
    }
}
