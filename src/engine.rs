//! The per-file pipeline (read, guard, parse, model, rules, suppressions, levels), run in
//! parallel, with results in a deterministic order.

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::{FileError, Finding, Level};
use crate::knowledge::Knowledge;
use crate::registry;
use crate::source::SourceText;
use crate::suppress;
use crate::walk::{Language, PathGlobs};

/// Each checking thread gets a stack this large (reserved, not committed) so that any
/// nesting the guard lets through never overflows it.
pub const STACK_SIZE: usize = 1024 * 1024 * 1024;

thread_local! {
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What every file is checked with.
pub struct Settings {
    /// The effective level of every rule (`Off` when disabled).
    pub levels: BTreeMap<&'static str, Level>,
    pub knowledge: Knowledge,
    /// The trigger words of the enabled Rust rules, searched for in one pass.
    pub rust_prefilter: crate::rust::Prefilter,
    /// `[per-file-ignores]`: rules not run on the files a glob matches.
    pub per_file_ignores: Vec<(PathGlobs, Vec<String>)>,
    /// The directory the globs of `per_file_ignores` are relative to.
    pub root: PathBuf,
    /// What was asked to be checked (the command line's paths, an editor's project): whether
    /// a file sits in a directory of tests is judged below these, never by the directories
    /// above them (a project checked out under `~/tests/` is not test code).
    checked_roots: HashSet<PathBuf>,
}

impl Settings {
    pub fn new(levels: BTreeMap<&'static str, Level>, knowledge: Knowledge) -> Settings {
        let enabled = |rule: &str| levels.get(rule).is_some_and(|level| *level != Level::Off);
        let rust_prefilter = crate::rust::Prefilter::new(&enabled);
        Settings {
            levels,
            knowledge,
            rust_prefilter,
            per_file_ignores: Vec::new(),
            root: PathBuf::from("."),
            checked_roots: HashSet::new(),
        }
    }

    /// Every rule at its default level, built-in knowledge.
    pub fn defaults() -> Settings {
        Settings::new(
            registry::RULES
                .iter()
                .map(|rule| (rule.name, rule.default_level))
                .collect(),
            Knowledge::builtin(),
        )
    }

    /// Levels: defaults, then the config, then `select` (only these) and `ignore`; knowledge:
    /// the embedded tables extended by the config's `[api]`.
    pub fn from_config(
        config: &crate::config::Config,
        select: &[String],
        ignore: &[String],
    ) -> Result<Settings, String> {
        let levels = registry::RULES
            .iter()
            .map(|rule| (rule.name, config.rule_level(rule, select, ignore).0))
            .collect();
        let knowledge = Knowledge::load(config.api.as_ref()).map_err(|e| match &config.path {
            Some(path) => format!("{}: {e}", path.display()),
            None => e,
        })?;
        let mut settings = Settings::new(levels, knowledge);
        for (glob, rules) in &config.per_file_ignores {
            settings
                .per_file_ignores
                .push((PathGlobs::new(std::slice::from_ref(glob))?, rules.clone()));
        }
        settings.root = config.root.clone();
        Ok(settings)
    }

    /// Sets what was asked to be checked (see `checked_roots`).
    pub fn set_checked_roots(&mut self, roots: &[PathBuf]) {
        self.checked_roots = roots
            .iter()
            .map(|root| root.strip_prefix("./").unwrap_or(root).to_path_buf())
            .collect();
    }

    /// The part of `path` below the deepest checked root that holds it. A file named itself
    /// is judged as given when that is relative (pre-commit names `tests/api.rs` from the
    /// project's root), below the current directory, or else by its name alone.
    fn below_checked_root(&self, path: &str) -> PathBuf {
        let file = Path::new(path);
        let root = file
            .ancestors()
            .find(|ancestor| self.checked_roots.contains(*ancestor));
        match root {
            Some(root) if root == file => {
                if file.is_relative() {
                    return file.to_path_buf();
                }
                let cwd = std::env::current_dir().unwrap_or_default();
                match file.strip_prefix(&cwd) {
                    Ok(rest) => rest.to_path_buf(),
                    Err(_) => file.file_name().map(PathBuf::from).unwrap_or_default(),
                }
            }
            Some(root) => file.strip_prefix(root).unwrap_or(file).to_path_buf(),
            None => file.to_path_buf(),
        }
    }

    /// No rule checks test code, so files of tests are not even read: Rust files under
    /// `tests/` or `benches/`, Go `_test.go` files and files under `testdata/`.
    pub fn is_test_file(&self, language: Language, path: &str) -> bool {
        let is_test_path = match language {
            Language::Rust => crate::rust::is_test_path,
            Language::Go => crate::go::model::is_test_path,
        };
        // Most paths hold no sign of tests at all: only those are matched against the roots.
        is_test_path(path) && is_test_path(self.below_checked_root(path).to_str().unwrap_or(path))
    }

    /// The rules `[per-file-ignores]` turns off for this file.
    pub fn ignored_for(&self, path: &str) -> Vec<&str> {
        self.per_file_ignores
            .iter()
            .filter(|(files, _)| files.matches(Path::new(path), &self.root))
            .flat_map(|(_, rules)| rules.iter().map(String::as_str))
            .collect()
    }

    pub fn enabled(&self, rule: &str) -> bool {
        self.levels
            .get(rule)
            .is_some_and(|level| *level != Level::Off)
    }
}

/// What a language front end returns for one file.
#[derive(Default)]
pub struct FrontEndOutput {
    pub findings: Vec<Finding>,
    /// First and last line of each item, for item-level suppressions.
    pub item_ranges: Vec<(usize, usize)>,
    /// Parts of the file that could not be checked (the rest was).
    pub problems: Vec<String>,
}

/// The outcome of one file.
#[derive(Default)]
pub struct FileReport {
    pub findings: Vec<Finding>,
    /// Findings silenced by a suppression comment (SARIF lists them as suppressed).
    pub suppressed: Vec<Finding>,
    pub errors: Vec<FileError>,
    /// False when the file was skipped (binary, not UTF-8, unreadable, unparsable).
    pub checked: bool,
    /// The text that was checked (without a byte-order mark), kept when there are findings,
    /// suppressed or not: renderers show snippets of it and baselines fingerprint its lines.
    pub source: Option<String>,
}

#[derive(Default)]
pub struct RunReport {
    pub findings: Vec<Finding>,
    /// Findings silenced by a suppression comment, in the same order as `findings`.
    pub suppressed: Vec<Finding>,
    pub errors: Vec<FileError>,
    pub files_checked: usize,
    pub files_skipped: usize,
    /// The text of every file with a finding (suppressed or not), by path.
    pub sources: BTreeMap<String, String>,
}

/// Checks files on `threads` threads (0: one per core). The result does not depend on the
/// number of threads or on scheduling.
pub fn run(files: &[(PathBuf, Language)], settings: &Settings, threads: usize) -> RunReport {
    let check = |(path, language): &(PathBuf, Language)| {
        let display = path.display().to_string();
        if settings.is_test_file(*language, &display) {
            return FileReport::not_checked_test_file();
        }
        // One reused buffer per thread: a fresh allocation per file costs page faults.
        READ_BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            let read = std::fs::File::open(path)
                .and_then(|mut file| std::io::Read::read_to_end(&mut file, buffer));
            match read {
                Ok(_) => check_bytes(&display, *language, buffer, settings),
                Err(error) => FileReport {
                    errors: vec![FileError {
                        path: display,
                        message: format!("cannot read file: {error}"),
                    }],
                    ..FileReport::default()
                },
            }
        })
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK_SIZE)
        .build();
    let reports: Vec<FileReport> = match pool {
        Ok(pool) => pool.install(|| files.par_iter().map(check).collect()),
        Err(_) => files.iter().map(check).collect(),
    };
    RunReport::from_reports(reports)
}

impl RunReport {
    /// Gathers the outcomes of files, in a deterministic order whatever order they came in.
    pub fn from_reports(reports: impl IntoIterator<Item = FileReport>) -> RunReport {
        let mut run = RunReport::default();
        for report in reports {
            if report.checked {
                run.files_checked += 1;
            } else {
                run.files_skipped += 1;
            }
            let first = report.findings.first().or(report.suppressed.first());
            if let (Some(source), Some(finding)) = (report.source, first) {
                run.sources.insert(finding.path.clone(), source);
            }
            run.findings.extend(report.findings);
            run.suppressed.extend(report.suppressed);
            run.errors.extend(report.errors);
        }
        run.sort();
        run
    }

    /// Joins the runs of several groups of files, in the same order as one run of them all.
    pub fn merge(runs: impl IntoIterator<Item = RunReport>) -> RunReport {
        let mut run = RunReport::default();
        for part in runs {
            run.findings.extend(part.findings);
            run.suppressed.extend(part.suppressed);
            run.errors.extend(part.errors);
            run.files_checked += part.files_checked;
            run.files_skipped += part.files_skipped;
            run.sources.extend(part.sources);
        }
        run.sort();
        run
    }

    fn sort(&mut self) {
        for findings in [&mut self.findings, &mut self.suppressed] {
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            findings.dedup();
        }
        self.errors
            .sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    }
}

impl FileReport {
    /// A file of tests counts as checked: it was looked at, and nothing in it is for ctxlint.
    fn not_checked_test_file() -> FileReport {
        FileReport {
            checked: true,
            ..FileReport::default()
        }
    }
}

/// Checks one file's bytes on a thread with a large stack (for callers outside [`run`]).
pub fn check_bytes_isolated(
    path: &str,
    language: Language,
    bytes: &[u8],
    settings: &Settings,
) -> FileReport {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || check_bytes(path, language, bytes, settings));
        match worker {
            Ok(worker) => worker.join().unwrap_or_default(),
            Err(_) => check_bytes(path, language, bytes, settings),
        }
    })
}

/// Checks one file's bytes. Never panics: a bug in a rule becomes an error for this file.
/// Run it on a thread with [`STACK_SIZE`] of stack.
pub fn check_bytes(
    path: &str,
    language: Language,
    bytes: &[u8],
    settings: &Settings,
) -> FileReport {
    if settings.is_test_file(language, path) {
        return FileReport::not_checked_test_file();
    }
    let skipped = |message: String| FileReport {
        errors: vec![FileError {
            path: path.to_string(),
            message,
        }],
        ..FileReport::default()
    };
    if bytes.contains(&0) {
        return skipped("skipped: binary file (contains NUL bytes)".to_string());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let (line, _) = SourceText::new(
                String::from_utf8_lossy(&bytes[..error.valid_up_to()]).into_owned(),
            )
            .position(error.valid_up_to());
            return skipped(format!("skipped: not valid UTF-8 (line {line})"));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Most files hold nothing any enabled rule looks for: settle them before any other work.
    let wanted = match language {
        Language::Rust => crate::rust::wants(text, settings),
        Language::Go => crate::go::wants(text, settings),
    };
    if !wanted && !suppress::may_contain_directives(text) {
        return FileReport {
            checked: true,
            ..FileReport::default()
        };
    }
    if let Some(reason) = crate::guard::too_deep(text) {
        return skipped(format!("skipped: {reason}"));
    }
    let source = SourceText::new(text.to_string()).with_path(path);
    match catch_unwind(AssertUnwindSafe(|| {
        check_source(path, language, &source, settings)
    })) {
        Ok(report) => report,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            skipped(format!(
                "internal error while checking this file, please report it: {what}"
            ))
        }
    }
}

fn check_source(
    path: &str,
    language: Language,
    source: &SourceText,
    settings: &Settings,
) -> FileReport {
    let output = match language {
        Language::Rust => crate::rust::check(source, settings),
        Language::Go => crate::go::check(source, settings),
    };
    let output = match output {
        Ok(output) => output,
        Err(message) => {
            return FileReport {
                errors: vec![FileError {
                    path: path.to_string(),
                    message,
                }],
                ..FileReport::default()
            };
        }
    };
    let directives = suppress::scan(source, &output.item_ranges);
    let ignored = settings.ignored_for(path);
    let ran = |rule: &str| {
        settings.enabled(rule)
            && registry::implemented_for(rule, language)
            && !ignored.contains(&rule)
    };
    let mut findings = output.findings;
    findings.retain(|finding| !ignored.contains(&finding.rule));
    let suppress::Applied {
        mut kept,
        mut suppressed,
    } = suppress::apply(&directives, findings, &ran);
    for findings in [&mut kept, &mut suppressed] {
        findings.retain_mut(|finding| {
            let level = settings
                .levels
                .get(finding.rule)
                .copied()
                .unwrap_or(Level::Off);
            finding.severity = level;
            finding.path = path.to_string();
            level != Level::Off && !ignored.contains(&finding.rule)
        });
    }
    FileReport {
        source: (!kept.is_empty() || !suppressed.is_empty()).then(|| source.text.clone()),
        findings: kept,
        suppressed,
        errors: output
            .problems
            .into_iter()
            .map(|message| FileError {
                path: path.to_string(),
                message,
            })
            .collect(),
        checked: true,
    }
}
