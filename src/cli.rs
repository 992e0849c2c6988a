//! Command-line interface: arguments and config become a run; the run's result becomes an
//! exit code.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::baseline;
use crate::config::{self, Config};
use crate::diagnostic::{Applicability, FileError, Finding, Level};
use crate::engine::{self, RunReport, Settings};
use crate::fix;
use crate::registry;
use crate::report::{self, BaselineSummary, FixSummary, Format, Output, SkippedFix};
use crate::skip;
use crate::walk::{self, Language, PathGlobs};

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// The file name of standard input without `--stdin-filename`.
const STDIN_NAME: &str = "stdin.rs";

#[derive(Parser)]
#[command(
    name = "ctxlint",
    version,
    about = "Finds async cancellation bugs in Rust and Go code without building or running it",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand)]
enum Command {
    /// List every rule with its languages, default level and summary
    Rules,
    /// Print the documentation of a rule
    Explain {
        /// A rule name, as `ctxlint rules` lists them
        rule: String,
    },
    /// Run a language server (LSP) on standard input/output, for editors
    Lsp,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to check; `-` reads one file from standard input
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to use colour in human output (NO_COLOR is honoured)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Run only these rules (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    select: Vec<String>,
    /// Do not run these rules (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    ignore: Vec<String>,
    /// Use this config file instead of searching for ctxlint.toml
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Do not read any ctxlint.toml
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Number of checking threads (0: one per core)
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Print only the summary
    #[arg(long, short)]
    quiet: bool,
    /// Exit 0 even when there are findings
    #[arg(long)]
    exit_zero: bool,
    /// Exit 1 only for findings at or above this level
    #[arg(long, value_enum)]
    fail_level: Option<FailLevel>,
    /// Print the number of findings per rule
    #[arg(long)]
    statistics: bool,
    /// The file name to report (and pick the language by) when reading standard input
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<PathBuf>,
    /// Apply the safe fixes (with --unsafe-fixes, the unsafe ones too), then report what is left
    #[arg(long)]
    fix: bool,
    /// Let --fix and --diff apply unsafe fixes: they change behaviour as intended, read them
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print a unified diff of what --fix would change instead of writing (exit 1 if any)
    #[arg(long)]
    diff: bool,
    /// Hide the findings recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file and exit 0
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Rewrite the --baseline file without the findings that no longer occur
    #[arg(long, requires = "baseline")]
    prune_baseline: bool,
    /// SARIF: leave out the findings silenced by comments or the baseline instead of listing
    /// them as suppressed
    #[arg(long)]
    omit_suppressed: bool,
    /// Check generated files too (`@generated`, `// Code generated ... DO NOT EDIT.`)
    #[arg(long)]
    include_generated: bool,
    /// Walk `vendor` directories too
    #[arg(long)]
    include_vendored: bool,
    /// Check test-support code too: test-utility crates and packages, `cfg(feature =
    /// "test-util")` items, Go files built only under `ignore` or test tags
    #[arg(long)]
    include_test_support: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailLevel {
    Info,
    Warning,
    Error,
}

impl FailLevel {
    fn level(self) -> Level {
        match self {
            FailLevel::Info => Level::Info,
            FailLevel::Warning => Level::Warning,
            FailLevel::Error => Level::Error,
        }
    }
}

/// Runs ctxlint with these arguments, writing to stdout/stderr; returns the exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
        }
    };
    let result = match cli.command {
        Some(Command::Rules) => list_rules(),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Lsp) => Ok(crate::lsp::run()),
        None => check(cli.check),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

fn list_rules() -> Result<i32, String> {
    let mut out = String::new();
    for rule in registry::RULES {
        let languages: Vec<&str> = registry::languages(rule.name)
            .iter()
            .map(|l| l.name())
            .collect();
        out.push_str(&format!(
            "{:<26} {:<8} {:<8} {}\n",
            rule.name,
            languages.join(","),
            rule.default_level.as_str(),
            rule.summary
        ));
    }
    print_stdout(&out);
    Ok(EXIT_CLEAN)
}

fn explain(name: &str) -> Result<i32, String> {
    let rule = registry::find(name)
        .ok_or_else(|| format!("unknown rule `{name}` (`ctxlint rules` lists them)"))?;
    print_stdout(rule.docs);
    Ok(EXIT_CLEAN)
}

fn check(args: CheckArgs) -> Result<i32, String> {
    for name in args.select.iter().chain(&args.ignore) {
        if registry::find(name).is_none() {
            return Err(format!(
                "unknown rule `{name}` in --select/--ignore (`ctxlint rules` lists them)"
            ));
        }
    }
    let reads_stdin = args.paths.iter().any(|p| p == Path::new("-"));
    if reads_stdin && args.paths.len() > 1 {
        return Err("`-` (standard input) cannot be mixed with other paths".to_string());
    }
    let config = load_config(&args, reads_stdin)?;
    let mut settings = Settings::from_config(&config, &args.select, &args.ignore)?;
    settings.set_checked_roots(&args.paths);
    settings.include_also(skip::Include {
        generated: args.include_generated,
        vendored: args.include_vendored,
        test_support: args.include_test_support,
    });
    let excludes = PathGlobs::new(&config.exclude)?;

    if reads_stdin && (args.baseline.is_some() || args.write_baseline.is_some()) {
        return Err("baselines work on files, not on standard input".to_string());
    }
    if reads_stdin && (args.fix || args.diff) {
        return fix_stdin(&args, &settings, &excludes, &config);
    }
    let baseline = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the baseline `{}`: {e}", path.display()))?;
            Some(baseline::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };

    let (mut run, mut sources, walked) = if reads_stdin {
        let (run, sources) = check_stdin(&args, &settings, &excludes, &config, &read_stdin()?)?;
        (run, sources, walk::WalkResult::default())
    } else {
        let walked = walk::collect(&args.paths, &excludes, &config.root, settings.include())?;
        let mut run = run_files(&walked, &settings, args.threads);
        let sources = std::mem::take(&mut run.sources);
        (run, sources, walked)
    };
    let checked: BTreeSet<String> = walked
        .files
        .iter()
        .map(|(path, _)| baseline::normalize_path(&path.display().to_string()))
        .collect();

    let mut fixes = None;
    let mut write_failed = false;
    if args.fix || args.diff {
        let mut visible = run.findings.clone();
        if let Some(baseline) = &baseline {
            baseline::filter(baseline, &mut visible, &sources, |_| false);
        }
        let allowed = fix::Allowed {
            unsafe_fixes: args.unsafe_fixes,
        };
        let fixed = fix_files(&visible, allowed, args.diff);
        if args.diff {
            print_stdout(&fixed.diff);
            eprint!("{}", fix_notes(&fixed.summary));
            eprintln!(
                "Would fix {}{}",
                plural(fixed.summary.fixed, "finding", "findings"),
                fixed.summary.unsafe_hint()
            );
            return Ok(if fixed.diff.is_empty() {
                EXIT_CLEAN
            } else {
                EXIT_FINDINGS
            });
        }
        if fixed.summary.fixed > 0 {
            // Report what is left in the files as they are now.
            run = run_files(&walked, &settings, args.threads);
            sources = std::mem::take(&mut run.sources);
        }
        write_failed = !fixed.write_errors.is_empty();
        run.errors.extend(fixed.write_errors);
        fixes = Some(fixed.summary);
    }

    if let Some(path) = &args.write_baseline {
        let recorded = baseline::record(&run.findings, &sources);
        write_atomically(path, baseline::to_json(&recorded).as_bytes())?;
        eprintln!(
            "Recorded {} in the baseline `{}`",
            plural(run.findings.len(), "finding", "findings"),
            path.display()
        );
        return Ok(EXIT_CLEAN);
    }
    let mut baseline_summary = None;
    let mut baseline_hidden = Vec::new();
    if let (Some(baseline), Some(path)) = (&baseline, &args.baseline) {
        // A recorded file that is gone, below a path given to this run, is covered too: its
        // findings are stale.
        let roots: Vec<String> = args
            .paths
            .iter()
            .map(|path| baseline::normalize_path(&path.display().to_string()))
            .collect();
        let below_a_root = |path: &str| {
            roots.iter().any(|root| {
                root == "."
                    || path == root
                    || path
                        .strip_prefix(root.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
        };
        let in_scope = |path: &str| {
            checked.contains(path) || (below_a_root(path) && !Path::new(path).exists())
        };
        let applied = baseline::filter(baseline, &mut run.findings, &sources, in_scope);
        let mut stale = applied.stale_count();
        if args.prune_baseline && stale > 0 {
            let pruned = baseline::prune(baseline, &applied.stale);
            write_atomically(path, baseline::to_json(&pruned).as_bytes())?;
            eprintln!(
                "Removed {} from the baseline `{}`",
                plural(stale, "stale entry", "stale entries"),
                path.display()
            );
            stale = 0;
        }
        baseline_summary = Some(BaselineSummary {
            hidden: applied.hidden.len(),
            stale,
        });
        baseline_hidden = applied.hidden;
    }

    if args.omit_suppressed {
        run.suppressed.clear();
        baseline_hidden.clear();
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    let output = Output {
        run: &run,
        sources: &sources,
        color,
        quiet: args.quiet,
        statistics: args.statistics,
        fixes: fixes.as_ref(),
        baseline: baseline_summary,
        baseline_hidden: &baseline_hidden,
    };
    print_stdout(&report::render(args.format, &output));

    let nothing_checked = run.files_checked == 0 && !run.errors.is_empty();
    if nothing_checked || write_failed {
        return Ok(EXIT_ERROR);
    }
    Ok(exit_code(&args, &config, &run))
}

/// 1 when a finding is at or above the failing level (and not `--exit-zero`), else 0.
fn exit_code(args: &CheckArgs, config: &Config, run: &RunReport) -> i32 {
    let fail_level = args
        .fail_level
        .map(FailLevel::level)
        .or(config.fail_level)
        .unwrap_or(Level::Warning);
    let failing = run.findings.iter().any(|f| f.severity >= fail_level);
    if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn load_config(args: &CheckArgs, reads_stdin: bool) -> Result<Config, String> {
    if args.no_config {
        return Ok(Config {
            root: PathBuf::from("."),
            ..Config::default()
        });
    }
    let found = match &args.config {
        Some(path) => Some(path.clone()),
        None => {
            let start = if reads_stdin {
                args.stdin_filename
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("."))
            } else {
                args.paths
                    .first()
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from("."))
            };
            config::discover(&start).or_else(|| config::discover(Path::new(".")))
        }
    };
    match found {
        Some(path) => config::load(&path),
        None => Ok(Config {
            root: PathBuf::from("."),
            ..Config::default()
        }),
    }
}

fn read_stdin() -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(bytes)
}

fn check_stdin(
    args: &CheckArgs,
    settings: &Settings,
    excludes: &PathGlobs,
    config: &Config,
    bytes: &[u8],
) -> Result<(RunReport, BTreeMap<String, String>), String> {
    let name = stdin_name(args);
    let language = Language::from_path(&name).ok_or_else(|| {
        format!(
            "cannot tell the language of `{}`: --stdin-filename must end in .rs or .go",
            name.display()
        )
    })?;
    if excludes.matches(&name, &config.root) {
        return Ok((RunReport::default(), BTreeMap::new()));
    }
    let display = name.display().to_string();
    let report = engine::check_bytes_isolated(&display, language, bytes, settings);
    let mut run = RunReport::from_reports([report]);
    let sources = std::mem::take(&mut run.sources);
    Ok((run, sources))
}

/// `--fix` or `--diff` on standard input, as editors and formatters pipe code: with `--fix`
/// the fixed source goes to stdout (all of it, changed or not) and the report of what is
/// left to stderr; with `--diff`, the diff goes to stdout.
fn fix_stdin(
    args: &CheckArgs,
    settings: &Settings,
    excludes: &PathGlobs,
    config: &Config,
) -> Result<i32, String> {
    let bytes = read_stdin()?;
    let (run, sources) = check_stdin(args, settings, excludes, config, &bytes)?;
    let allowed = fix::Allowed {
        unsafe_fixes: args.unsafe_fixes,
    };
    // The engine's copy of the text has no byte order mark; sources has it only when there
    // is a finding, and without one nothing changes.
    let fixed = sources.values().next().map(|text| {
        let outcome = fix::apply(text, &run.findings, allowed);
        (text, outcome)
    });
    let mut summary = FixSummary {
        unsafe_not_applied: unsafe_not_applied(&run.findings, allowed),
        ..FixSummary::default()
    };
    if let Some((_, outcome)) = &fixed {
        summary.fixed = outcome.applied.len();
        note_skipped(&mut summary, &run.findings, outcome);
    }
    eprint!("{}", fix_notes(&summary));
    if args.diff {
        let diff = fixed
            .as_ref()
            .map(|(text, outcome)| {
                let shown = baseline::normalize_path(&stdin_name(args).display().to_string());
                fix::unified_diff(&shown, text, &outcome.text)
            })
            .unwrap_or_default();
        print_stdout(&diff);
        eprintln!(
            "Would fix {}{}",
            plural(summary.fixed, "finding", "findings"),
            summary.unsafe_hint()
        );
        return Ok(if diff.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_FINDINGS
        });
    }
    let output_bytes = match &fixed {
        Some((_, outcome)) if outcome.changed() => {
            let bom = if bytes.starts_with("\u{feff}".as_bytes()) {
                "\u{feff}"
            } else {
                ""
            };
            format!("{bom}{}", outcome.text).into_bytes()
        }
        _ => bytes.clone(),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&output_bytes);
    let _ = stdout.flush();
    // Report what is left in the fixed text, on stderr: stdout holds the code.
    let (left, sources) = if summary.fixed > 0 {
        check_stdin(args, settings, excludes, config, &output_bytes)?
    } else {
        (run, sources)
    };
    let output = Output {
        run: &left,
        sources: &sources,
        color: false,
        quiet: args.quiet,
        statistics: args.statistics,
        fixes: Some(&summary),
        baseline: None,
        baseline_hidden: &[],
    };
    eprint!("{}", report::render(args.format, &output));
    if left.files_checked == 0 && !left.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    Ok(exit_code(args, config, &left))
}

/// The name standard input is reported under.
fn stdin_name(args: &CheckArgs) -> PathBuf {
    args.stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from(STDIN_NAME))
}

fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`ctxlint | head`) is not an error worth a panic.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Checks the walked files; problems met while walking become errors of the run.
fn run_files(walked: &walk::WalkResult, settings: &Settings, threads: usize) -> RunReport {
    let mut run = engine::run(&walked.files, settings, threads);
    run.not_checked.add(walked.not_walked);
    for (path, message) in &walked.errors {
        run.errors.push(FileError {
            path: path.clone(),
            message: message.clone(),
        });
    }
    run.errors
        .sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    run
}

struct FixRun {
    summary: FixSummary,
    /// The unified diff of every changed file (with `--diff`).
    diff: String,
    /// Files that could not be written (they keep their old content).
    write_errors: Vec<FileError>,
}

/// Applies the allowed fixes of `findings`, file by file: writes each changed file
/// atomically, or, with `diff_only`, collects a diff instead.
fn fix_files(findings: &[Finding], allowed: fix::Allowed, diff_only: bool) -> FixRun {
    let mut by_path: BTreeMap<&str, Vec<Finding>> = BTreeMap::new();
    for finding in findings {
        by_path
            .entry(finding.path.as_str())
            .or_default()
            .push(finding.clone());
    }
    let mut run = FixRun {
        summary: FixSummary::default(),
        diff: String::new(),
        write_errors: Vec::new(),
    };
    for (path, findings) in by_path {
        run.summary.unsafe_not_applied += unsafe_not_applied(&findings, allowed);
        let fixable = findings.iter().any(|finding| {
            finding
                .fix
                .as_ref()
                .is_some_and(|fix| allowed.allows(fix.applicability))
        });
        if !fixable {
            continue;
        }
        let Ok(raw) = std::fs::read_to_string(path) else {
            continue; // reported when it was checked
        };
        let (bom, text) = match raw.strip_prefix('\u{feff}') {
            Some(text) => ("\u{feff}", text),
            None => ("", raw.as_str()),
        };
        let outcome = fix::apply(text, &findings, allowed);
        note_skipped(&mut run.summary, &findings, &outcome);
        if !outcome.changed() {
            continue;
        }
        if diff_only {
            let shown = baseline::normalize_path(path);
            run.diff
                .push_str(&fix::unified_diff(&shown, text, &outcome.text));
        } else {
            let fixed = format!("{bom}{}", outcome.text);
            if let Err(message) = write_atomically(Path::new(path), fixed.as_bytes()) {
                run.write_errors.push(FileError {
                    path: path.to_string(),
                    message,
                });
                continue;
            }
        }
        run.summary.fixed += outcome.applied.len();
    }
    run
}

/// How many of `findings` have an unsafe fix that `allowed` leaves alone.
fn unsafe_not_applied(findings: &[Finding], allowed: fix::Allowed) -> usize {
    findings
        .iter()
        .filter(|finding| {
            finding.fix.as_ref().is_some_and(|fix| {
                fix.applicability == Applicability::Unsafe && !allowed.allows(fix.applicability)
            })
        })
        .count()
}

/// Adds the fixes `outcome` skipped (its indices point into `findings`) to the summary.
fn note_skipped(summary: &mut FixSummary, findings: &[Finding], outcome: &fix::Outcome) {
    for (index, why) in &outcome.skipped {
        let finding = &findings[*index];
        summary.skipped.push(SkippedFix {
            rule: finding.rule,
            path: finding.path.clone(),
            line: finding.span.line,
            column: finding.span.column,
            reason: why.as_str(),
        });
    }
}

fn fix_notes(summary: &FixSummary) -> String {
    let mut notes = String::new();
    for skipped in &summary.skipped {
        notes.push_str(&format!(
            "note: {}:{}:{}: the fix for `{}` was not applied: {}\n",
            skipped.path, skipped.line, skipped.column, skipped.rule, skipped.reason
        ));
    }
    notes
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Replaces the file's content so that a reader, or an interrupted run, sees either the old
/// or the new content: the new one is written to a temporary file in the same directory and
/// renamed over the old one. A symbolic link is followed, and the file keeps its permissions.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path).map_err(fail)?,
        _ => path.to_path_buf(),
    };
    let name = target
        .file_name()
        .ok_or_else(|| format!("cannot write `{}`: not a file name", path.display()))?;
    let dir = target
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = dir.join(format!(
        ".{}.ctxlint-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let _ = std::fs::remove_file(&temp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(&target) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &target)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        fail(e)
    })
}
