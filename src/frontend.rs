//! The one interface the engine calls per language, and the plain data every file is checked
//! with. The engine reads files and groups them into projects (a crate, a Go package); a front
//! end checks one project at a time, so that its rules can read facts of other files (see
//! [`crate::index`]).

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Finding, Level};
use crate::guard::Structure;
use crate::knowledge::Knowledge;
use crate::registry;
use crate::skip::Include;
use crate::source::SourceText;
use crate::walk::PathGlobs;

/// What a language front end does for the engine.
pub trait FrontEnd: Sync {
    /// A file of tests or benchmarks, judged by its path below the checked roots: no rule
    /// checks test code, so such files are not even read.
    fn is_test_path(&self, path: &str) -> bool;

    /// Whether any enabled rule (or any fact another file may need, or a suppression
    /// directive) could be found in this text: asked before any other work on the file.
    fn wants(&self, text: &str) -> bool;

    /// The file that marks the root of a project (`Cargo.toml`); `None` when a project is the
    /// files of one directory (a Go package).
    fn project_marker(&self) -> Option<&'static str>;

    /// The rules another linter's suppression comments silence too (`//nolint:govet`).
    fn peer_nolint<'s>(&self, _settings: &'s Settings) -> &'s crate::suppress::PeerNolint {
        &crate::suppress::NO_PEERS
    }

    /// Checks the files of one project together, one output per file, in order.
    fn check_project(
        &self,
        files: &[ProjectFile],
        settings: &Settings,
    ) -> Vec<Result<FrontEndOutput, Problem>>;
}

/// Why a file, or a part of it, could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    /// Where the file's text is to blame (1-based line and column); `None` for a bug in
    /// ctxlint (a panic), which says nothing about the file.
    pub at: Option<(usize, usize)>,
    /// Valid code in syntax the parser does not know yet: the file counts as checked in
    /// part, and no `syntax-error` finding blames it.
    pub parser_gap: bool,
}

impl Problem {
    pub fn at(line: usize, column: usize, message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            at: Some((line, column)),
            parser_gap: false,
        }
    }
}

/// One file of a project, read and ready to parse.
pub struct ProjectFile {
    pub path: String,
    pub source: SourceText,
    /// The brackets and doc comments the depth guard's pass found, for lazy parsing.
    pub structure: Structure,
}

/// What a language front end returns for one file.
#[derive(Default)]
pub struct FrontEndOutput {
    pub findings: Vec<Finding>,
    /// First and last line of each item, for item-level suppressions.
    pub item_ranges: Vec<(usize, usize)>,
    /// Parts of the file that could not be checked (the rest was).
    pub problems: Vec<Problem>,
}

/// Runs `work`, turning a panic (a bug in a rule) into a problem of the file.
pub fn isolate<T>(work: impl FnOnce() -> T) -> Result<T, Problem> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Problem {
            message: format!("internal error while checking this file, please report it: {what}"),
            at: None,
            parser_gap: false,
        }
    })
}

/// What every file is checked with.
pub struct Settings {
    /// The effective level of every rule (`Off` when disabled).
    pub levels: BTreeMap<&'static str, Level>,
    pub knowledge: Knowledge,
    /// `[per-file-ignores]`: rules not run on the files a glob matches.
    pub per_file_ignores: Vec<(PathGlobs, Vec<String>)>,
    /// The directory the globs of `per_file_ignores` are relative to.
    pub root: PathBuf,
    /// What was asked to be checked (the command line's paths, an editor's project): whether
    /// a file sits in a directory of tests is judged below these, never by the directories
    /// above them (a project checked out under `~/tests/` is not test code).
    checked_roots: HashSet<PathBuf>,
    /// The classes of code not checked by default that are checked anyway.
    include: Include,
}

impl Settings {
    pub fn new(levels: BTreeMap<&'static str, Level>, knowledge: Knowledge) -> Settings {
        Settings {
            levels,
            knowledge,
            per_file_ignores: Vec::new(),
            root: PathBuf::from("."),
            checked_roots: HashSet::new(),
            include: Include::default(),
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
        settings.include_also(config.include);
        Ok(settings)
    }

    /// Checks these classes of code too. Test-support features then no longer make an item
    /// test code.
    pub fn include_also(&mut self, include: Include) {
        self.include = self.include.or(include);
        if self.include.test_support {
            self.knowledge.rust.test_support.features.clear();
        }
    }

    pub fn include(&self) -> Include {
        self.include
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
    pub fn below_checked_root(&self, path: &str) -> PathBuf {
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

/// The phases of a run whose time `--timings` reports.
#[derive(Debug, Clone, Copy)]
pub enum Phase {
    /// Reading, decoding, the skip and prefilter tests and the depth guard.
    Read,
    /// Parsing and building the per-file models.
    Model,
    /// Building a project's index from its models.
    Index,
    /// Running the rules, suppressions and levels.
    Rules,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Read, Phase::Model, Phase::Index, Phase::Rules];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Read => "read and prefilter",
            Phase::Model => "parse and model",
            Phase::Index => "project index",
            Phase::Rules => "rules and suppressions",
        }
    }
}

/// Nanoseconds spent in each phase, summed over every thread since the process started.
static PHASE_NANOS: [std::sync::atomic::AtomicU64; 4] =
    [const { std::sync::atomic::AtomicU64::new(0) }; 4];

/// Runs `work`, adding its time to `phase`.
pub fn timed<T>(phase: Phase, work: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let result = work();
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    PHASE_NANOS[phase as usize].fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
    result
}

/// The time spent in each phase so far, over all threads.
pub fn phase_times() -> Vec<(Phase, std::time::Duration)> {
    Phase::ALL
        .iter()
        .map(|&phase| {
            let nanos = PHASE_NANOS[phase as usize].load(std::sync::atomic::Ordering::Relaxed);
            (phase, std::time::Duration::from_nanos(nanos))
        })
        .collect()
}
