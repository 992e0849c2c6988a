//! The pipeline, run in parallel with results in a deterministic order: files are grouped
//! into projects; each file is read, decoded and guarded; each project's front end checks
//! its files together (summaries, index, rules); then suppressions and levels settle each
//! file's findings.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::{FileError, Finding, Level};
pub use crate::frontend::Settings;
use crate::frontend::{FrontEnd, FrontEndOutput, Phase, Problem, ProjectFile, isolate, timed};
use crate::registry;
use crate::skip::Skipped;
use crate::source::SourceText;
use crate::suppress;
use crate::walk::Language;

/// Each checking thread gets a stack this large (reserved, not committed) so that any
/// nesting the guard lets through never overflows it.
pub const STACK_SIZE: usize = 1024 * 1024 * 1024;

thread_local! {
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
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
    /// Why the file was left out without an error (generated, test support).
    pub not_checked: Option<crate::skip::Class>,
}

#[derive(Default)]
pub struct RunReport {
    pub findings: Vec<Finding>,
    /// Findings silenced by a suppression comment, in the same order as `findings`.
    pub suppressed: Vec<Finding>,
    pub errors: Vec<FileError>,
    pub files_checked: usize,
    pub files_skipped: usize,
    /// Checked files with a part that could not be checked (a Go syntax error).
    pub files_checked_in_part: usize,
    /// The text of every file with a finding (suppressed or not), by path.
    pub sources: BTreeMap<String, String>,
    /// What was left out because of its class, by the walk and by the engine.
    pub not_checked: Skipped,
}

/// Checks files on `threads` threads (0: one per core). The result does not depend on the
/// number of threads or on scheduling.
pub fn run(files: &[(PathBuf, Language)], settings: &Settings, threads: usize) -> RunReport {
    let front_ends = FrontEnds::new(settings);
    let projects = projects(files, &front_ends);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK_SIZE)
        .build();
    let check = |(language, files): &(Language, Vec<&PathBuf>)| {
        check_project(*language, files, &front_ends, settings)
    };
    let reports: Vec<FileReport> = match pool {
        Ok(pool) => pool.install(|| projects.par_iter().flat_map_iter(check).collect()),
        Err(_) => projects.iter().flat_map(check).collect(),
    };
    RunReport::from_reports(reports)
}

/// The front end of each language, made once per run.
struct FrontEnds {
    rust: crate::rust::RustFrontEnd,
    go: crate::go::GoFrontEnd,
}

impl FrontEnds {
    fn new(settings: &Settings) -> FrontEnds {
        FrontEnds {
            rust: crate::rust::RustFrontEnd::new(settings),
            go: crate::go::GoFrontEnd::new(settings),
        }
    }

    fn of(&self, language: Language) -> &dyn FrontEnd {
        match language {
            Language::Rust => &self.rust,
            Language::Go => &self.go,
        }
    }
}

/// The files grouped by project: the nearest directory above a file that holds its
/// language's project marker (a crate's `Cargo.toml`), or the file's own directory (a Go
/// package). Only the files given are grouped: nothing else is read. The largest projects
/// come first, so that no large one is left to run alone at the end.
fn projects<'a>(
    files: &'a [(PathBuf, Language)],
    front_ends: &FrontEnds,
) -> Vec<(Language, Vec<&'a PathBuf>)> {
    let mut marked: HashMap<(&Path, &str), bool> = HashMap::new();
    let mut index: HashMap<(Language, &Path), usize> = HashMap::new();
    let mut projects: Vec<((Language, &Path), Vec<&PathBuf>)> = Vec::new();
    // The files come sorted: the files of a directory, in a row, share its project.
    let mut last: Option<(&Path, Language, usize)> = None;
    for (path, language) in files {
        let dir = path.parent().unwrap_or(Path::new(""));
        let project = match last {
            Some((last_dir, last_language, project))
                if last_dir == dir && last_language == *language =>
            {
                project
            }
            _ => {
                let root = match front_ends.of(*language).project_marker() {
                    Some(marker) => dir
                        .ancestors()
                        .find(|ancestor| {
                            *marked
                                .entry((ancestor, marker))
                                .or_insert_with(|| ancestor.join(marker).is_file())
                        })
                        .unwrap_or(dir),
                    None => dir,
                };
                *index.entry((*language, root)).or_insert_with(|| {
                    projects.push(((*language, root), Vec::new()));
                    projects.len() - 1
                })
            }
        };
        projects[project].1.push(path);
        last = Some((dir, *language, project));
    }
    projects.sort_by(|(a, a_files), (b, b_files)| {
        b_files.len().cmp(&a_files.len()).then_with(|| a.cmp(b))
    });
    projects
        .into_iter()
        .map(|((language, _), files)| (language, files))
        .collect()
}

/// Reads the files of one project and checks them together.
fn check_project(
    language: Language,
    files: &[&PathBuf],
    front_ends: &FrontEnds,
    settings: &Settings,
) -> Vec<FileReport> {
    let front_end = front_ends.of(language);
    let prepared: Vec<Prepared> = files
        .par_iter()
        .map(|path| read_and_prepare(path, language, front_end, settings))
        .collect();
    check_prepared(prepared, language, front_end, settings)
}

/// Reads a file from disk and [`prepare`]s it.
fn read_and_prepare(
    path: &Path,
    language: Language,
    front_end: &dyn FrontEnd,
    settings: &Settings,
) -> Prepared {
    read_then(path, front_end, settings, |display, bytes| {
        prepare(display, bytes, language, front_end, settings)
    })
    .unwrap_or_else(Prepared::Done)
}

/// Reads a file from disk and hands its path (as shown) and bytes to `then`. A file of tests
/// is not even read, and one that cannot be read is reported: both are settled (`Err`).
fn read_then<T>(
    path: &Path,
    front_end: &dyn FrontEnd,
    settings: &Settings,
    then: impl FnOnce(String, &[u8]) -> T,
) -> Result<T, FileReport> {
    let display = path.display().to_string();
    if is_test_file_of(front_end, settings, &display) {
        return Err(FileReport::not_checked_test_file());
    }
    // One reused buffer per thread: a fresh allocation per file costs page faults.
    timed(Phase::Read, || {
        READ_BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            let read = std::fs::File::open(path)
                .and_then(|mut file| std::io::Read::read_to_end(&mut file, buffer));
            match read {
                Ok(_) => Ok(then(display, buffer)),
                Err(error) => Err(FileReport::error(
                    &display,
                    Problem::at(1, 1, format!("cannot read file: {error}")),
                )),
            }
        })
    })
}

/// A first look at each file as the walk finds it, on the walk's threads, so that reading
/// overlaps walking: most files need no parse (tests, binary or unreadable files, files no
/// rule looks at) and are settled at once; [`run`] checks the rest with their projects. The
/// outcome is the same as [`run`] on all of them.
pub struct Triage {
    front_ends: FrontEnds,
}

impl Triage {
    pub fn new(settings: &Settings) -> Triage {
        Triage {
            front_ends: FrontEnds::new(settings),
        }
    }

    /// The report of a file that needs no parse; `None` for a file to check with its project
    /// (it is read again then: keeping every such text until the walk ends would cost more
    /// memory than the second read costs time).
    pub fn settle(
        &self,
        path: &Path,
        language: Language,
        settings: &Settings,
    ) -> Option<FileReport> {
        let front_end = self.front_ends.of(language);
        let glanced = read_then(path, front_end, settings, |display, bytes| {
            glance(&display, bytes, language, front_end, settings).err()
        });
        glanced
            .unwrap_or_else(Some)
            .map(|report| report.with_syntax_errors(settings))
    }
}

/// A file after reading: settled already, or to be checked with its project.
enum Prepared {
    Done(FileReport),
    Ready(ProjectFile),
}

/// Checks the ready files of one project as a whole and settles each one.
fn check_prepared(
    prepared: Vec<Prepared>,
    language: Language,
    front_end: &dyn FrontEnd,
    settings: &Settings,
) -> Vec<FileReport> {
    let mut reports: Vec<Option<FileReport>> = Vec::with_capacity(prepared.len());
    let mut ready = Vec::new();
    for file in prepared {
        match file {
            Prepared::Done(report) => reports.push(Some(report)),
            Prepared::Ready(file) => {
                ready.push(file);
                reports.push(None);
            }
        }
    }
    if !ready.is_empty() {
        let outputs = isolate(|| front_end.check_project(&ready, settings))
            .unwrap_or_else(|problem| ready.iter().map(|_| Err(problem.clone())).collect());
        let settled: Vec<FileReport> = ready
            .into_par_iter()
            .zip(outputs)
            .map(|(file, output)| match output {
                Ok(output) => timed(Phase::Rules, || {
                    let peers = front_end.peer_nolint(settings);
                    settle(&file.path, &file.source, output, language, settings, peers)
                }),
                Err(problem) => FileReport {
                    // The snippet of a syntax error shows the text it is in.
                    source: problem.at.map(|_| file.source.text.clone()),
                    ..FileReport::error(&file.path, problem)
                },
            })
            .collect();
        // Back in the order the files came in.
        let mut settled = settled.into_iter();
        for slot in reports.iter_mut().filter(|slot| slot.is_none()) {
            *slot = settled.next();
        }
    }
    reports
        .into_iter()
        .flatten()
        .map(|report| report.with_syntax_errors(settings))
        .collect()
}

/// The most files read from disk to check one document with its project; a larger project
/// is checked a document at a time.
pub const MAX_PROJECT_FILES: usize = 2_000;

/// Checks one document as part of its project on disk, for an editor: the other files of its
/// crate or package are read from disk, or taken from `open` (texts the editor has not saved),
/// so that facts of other files count; only this document's report is returned. A document
/// with no project on disk, or in a project over [`MAX_PROJECT_FILES`], is checked alone.
pub fn check_in_project(
    path: &Path,
    language: Language,
    bytes: &[u8],
    settings: &Settings,
    open: &HashMap<PathBuf, String>,
) -> FileReport {
    let display = path.display().to_string();
    let front_ends = FrontEnds::new(settings);
    let front_end = front_ends.of(language);
    if is_test_file_of(front_end, settings, &display) {
        return FileReport::not_checked_test_file();
    }
    let neighbours = project_neighbours(path, language, &front_ends, settings);
    if neighbours.len() > MAX_PROJECT_FILES || !neighbours.iter().any(|file| file == path) {
        return check_bytes(&display, language, bytes, settings);
    }
    let prepared: Vec<Prepared> = neighbours
        .iter()
        .map(|file| {
            let shown = file.display().to_string();
            if file == path {
                return prepare(display.clone(), bytes, language, front_end, settings);
            }
            if is_test_file_of(front_end, settings, &shown) {
                return Prepared::Done(FileReport::not_checked_test_file());
            }
            match open.get(file) {
                Some(text) => prepare(shown, text.as_bytes(), language, front_end, settings),
                None => match std::fs::read(file) {
                    Ok(bytes) => prepare(shown, &bytes, language, front_end, settings),
                    Err(error) => Prepared::Done(FileReport::error(
                        &shown,
                        Problem::at(1, 1, format!("cannot read file: {error}")),
                    )),
                },
            }
        })
        .collect();
    let at = neighbours.iter().position(|file| file == path);
    check_prepared(prepared, language, front_end, settings)
        .into_iter()
        .nth(at.unwrap_or(0))
        .unwrap_or_default()
}

/// The files of the project `path` belongs to, found on disk the way a run walks them.
fn project_neighbours(
    path: &Path,
    language: Language,
    front_ends: &FrontEnds,
    settings: &Settings,
) -> Vec<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let Some(marker) = front_ends.of(language).project_marker() else {
        // A package is the files of one directory, not of the directories below it.
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|file| file.is_file() && Language::from_path(file) == Some(language))
            .collect();
        files.sort();
        return files;
    };
    let Some(root) = dir
        .ancestors()
        .find(|ancestor| ancestor.join(marker).is_file())
    else {
        return Vec::new();
    };
    let Ok(walked) = crate::walk::collect(
        &[root.to_path_buf()],
        &crate::walk::PathGlobs::default(),
        root,
        settings.include(),
        1,
        &|_, _| {},
    ) else {
        return Vec::new();
    };
    let files: Vec<(PathBuf, Language)> = walked
        .files
        .into_iter()
        .filter(|(_, other)| *other == language)
        .collect();
    projects(&files, front_ends)
        .into_iter()
        .find(|(_, members)| members.iter().any(|member| member.as_path() == path))
        .map(|(_, members)| members.into_iter().cloned().collect())
        .unwrap_or_default()
}

/// Whether a file is test code, which no rule checks, so that it is not even read: Rust files
/// under `tests/` or `benches/`, Go `_test.go` files and files under `testdata/`.
pub fn is_test_file(language: Language, settings: &Settings, path: &str) -> bool {
    let is_test_path = match language {
        Language::Rust => crate::rust::is_test_path,
        Language::Go => crate::go::model::is_test_path,
    };
    is_test_path(path) && is_test_path(settings.below_checked_root(path).to_str().unwrap_or(path))
}

/// [`is_test_file`] with the front end at hand. Most paths hold no sign of tests at all:
/// only those are matched again below the checked roots.
fn is_test_file_of(front_end: &dyn FrontEnd, settings: &Settings, path: &str) -> bool {
    front_end.is_test_path(path)
        && front_end.is_test_path(settings.below_checked_root(path).to_str().unwrap_or(path))
}

impl RunReport {
    /// Gathers the outcomes of files, in a deterministic order whatever order they came in.
    pub fn from_reports(reports: impl IntoIterator<Item = FileReport>) -> RunReport {
        let mut run = RunReport::default();
        for report in reports {
            if let Some(class) = report.not_checked {
                run.not_checked.count(class, false);
            } else if report.checked {
                run.files_checked += 1;
                run.files_checked_in_part += usize::from(!report.errors.is_empty());
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
            run.files_checked_in_part += part.files_checked_in_part;
            run.sources.extend(part.sources);
            run.not_checked.add(part.not_checked);
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
    /// A file that could not be checked.
    fn error(path: &str, problem: Problem) -> FileReport {
        FileReport {
            errors: vec![file_error(path, problem)],
            ..FileReport::default()
        }
    }

    /// Adds the `syntax-error` finding of each error the file is to blame for, at its level.
    /// Suppression comments do not apply: the comments of a file that was not read were not
    /// read either.
    fn with_syntax_errors(mut self, settings: &Settings) -> FileReport {
        let Some(first) = self.errors.first() else {
            return self;
        };
        let path = first.path.clone();
        let mut found: Vec<Finding> = self
            .errors
            .iter()
            .filter_map(crate::syntax_error::finding)
            .collect();
        set_levels(&mut found, &path, settings, &settings.ignored_for(&path));
        self.findings.extend(found);
        if self.findings.is_empty() && self.suppressed.is_empty() {
            self.source = None;
        }
        self
    }

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
    on_large_stack(|| check_bytes(path, language, bytes, settings))
}

/// [`check_in_project`] on a thread with a large stack.
pub fn check_in_project_isolated(
    path: &Path,
    language: Language,
    bytes: &[u8],
    settings: &Settings,
    open: &HashMap<PathBuf, String>,
) -> FileReport {
    on_large_stack(|| check_in_project(path, language, bytes, settings, open))
}

/// Runs a check on a thread with [`STACK_SIZE`] of stack (on this one if none can start).
fn on_large_stack(check: impl Fn() -> FileReport + Sync) -> FileReport {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, &check);
        match worker {
            Ok(worker) => worker.join().unwrap_or_default(),
            Err(_) => check(),
        }
    })
}

/// Checks one file's bytes as a project of its own. Never panics: a bug in a rule becomes an
/// error for this file. Run it on a thread with [`STACK_SIZE`] of stack.
pub fn check_bytes(
    path: &str,
    language: Language,
    bytes: &[u8],
    settings: &Settings,
) -> FileReport {
    let front_ends = FrontEnds::new(settings);
    let front_end = front_ends.of(language);
    if is_test_file_of(front_end, settings, path) {
        return FileReport::not_checked_test_file();
    }
    let prepared = prepare(path.to_string(), bytes, language, front_end, settings);
    check_prepared(vec![prepared], language, front_end, settings)
        .pop()
        .unwrap_or_default()
}

/// Decodes a file's bytes and settles what needs no parse: binary and non-UTF-8 files, files
/// no rule could find anything in, files nested too deep to parse safely.
fn prepare(
    path: String,
    bytes: &[u8],
    language: Language,
    front_end: &dyn FrontEnd,
    settings: &Settings,
) -> Prepared {
    let text = match glance(&path, bytes, language, front_end, settings) {
        Ok(text) => text,
        Err(report) => return Prepared::Done(report),
    };
    let structure = crate::guard::Structure::scan(text);
    if let Some(reason) = structure.too_deep() {
        return Prepared::Done(FileReport::error(
            &path,
            Problem::at(1, 1, format!("skipped: {reason}")),
        ));
    }
    let source = SourceText::new(text.to_string()).with_path(&path);
    Prepared::Ready(ProjectFile {
        path,
        source,
        structure,
    })
}

/// The tests of [`prepare`] that settle most files, before its depth guard: the text (without
/// a byte-order mark) of a file to check further, or the report of one that needs no parse.
fn glance<'b>(
    path: &str,
    bytes: &'b [u8],
    language: Language,
    front_end: &dyn FrontEnd,
    settings: &Settings,
) -> Result<&'b str, FileReport> {
    if memchr::memchr(0, bytes).is_some() {
        return Err(FileReport::error(
            path,
            Problem::at(1, 1, "skipped: binary file (contains NUL bytes)"),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let (line, column) = SourceText::new(
                String::from_utf8_lossy(&bytes[..error.valid_up_to()]).into_owned(),
            )
            .position(error.valid_up_to());
            return Err(FileReport::error(
                path,
                Problem::at(
                    line,
                    column,
                    format!("skipped: not valid UTF-8 (line {line})"),
                ),
            ));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let class = crate::skip::file_class(language, text);
    if let Some(class) = class.filter(|class| !settings.include().includes(*class)) {
        return Err(FileReport {
            not_checked: Some(class),
            ..FileReport::default()
        });
    }
    // Most files hold nothing any enabled rule looks for: settle them before any other work.
    if !front_end.wants(text) {
        return Err(FileReport {
            checked: true,
            ..FileReport::default()
        });
    }
    Ok(text)
}

/// Applies suppressions, per-file ignores and levels to a front end's output for one file.
fn settle(
    path: &str,
    source: &SourceText,
    output: FrontEndOutput,
    language: Language,
    settings: &Settings,
    peers: &suppress::PeerNolint,
) -> FileReport {
    let directives = suppress::scan(source, &output.item_ranges, peers);
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
    crate::same_defect::merge(&mut kept);
    for findings in [&mut kept, &mut suppressed] {
        set_levels(findings, path, settings, &ignored);
    }
    let keep_source = !kept.is_empty() || !suppressed.is_empty() || !output.problems.is_empty();
    FileReport {
        source: keep_source.then(|| source.text.clone()),
        findings: kept,
        suppressed,
        errors: output
            .problems
            .into_iter()
            .map(|problem| file_error(path, problem))
            .collect(),
        checked: true,
        not_checked: None,
    }
}

/// Gives each finding its rule's level and the file's path, and drops the findings of rules
/// that are off, or ignored for this file.
fn set_levels(findings: &mut Vec<Finding>, path: &str, settings: &Settings, ignored: &[&str]) {
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

fn file_error(path: &str, problem: Problem) -> FileError {
    FileError {
        path: path.to_string(),
        message: problem.message,
        at: problem.at,
        parser_gap: problem.parser_gap,
    }
}
