//! Command-line interface: arguments and config become a run; the run's result becomes an
//! exit code.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::baseline;
use crate::config::{self, Config};
use crate::diagnostic::{FileError, Finding, Level};
use crate::engine::{self, RunReport, Settings};
use crate::fix;
use crate::registry;
use crate::report::{self, BaselineSummary, FixSummary, Format, Output};
use crate::skip;
use crate::walk::{self, Language, PathGlobs};

mod combinations;
mod fixes;
mod rechecked;
mod show;
mod stdin;
mod subcommands;

use fixes::{fix_files, fix_notes, plural, write_atomically};
use rechecked::Rechecked;
use show::{show_files, show_settings};
use stdin::{check_stdin, fix_stdin, read_stdin, stdin_name};
use subcommands::{explain, list_rules};

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

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
    Rules {
        /// `text` (a table) or `json` (name, languages, default level, summary, docs URL)
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the documentation of a rule
    Explain {
        /// A rule name, as `ctxlint rules` lists them
        #[arg(required_unless_present = "all")]
        rule: Option<String>,
        /// Every rule's documentation, in name order
        #[arg(long, conflicts_with = "rule")]
        all: bool,
        /// `text` (the Markdown page) or `json` (the `rules --format json` entry with the page)
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
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
    /// Run only these rules (comma-separated; `ALL`, or `rust`/`go` for a language's rules)
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    select: Vec<String>,
    /// Do not run these rules (comma-separated; `ALL`, `rust`, `go` as for --select)
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
    /// Print, on stderr, the time each phase took (summed over threads) and the wall time
    #[arg(long)]
    timings: bool,
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
    /// Write the report to FILE instead of standard output (colour off)
    #[arg(long, short = 'o', value_name = "FILE")]
    output_file: Option<PathBuf>,
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
    /// Walk `examples` directories too (example programs)
    #[arg(long)]
    include_examples: bool,
    /// Walk command-line tool directories too (`cargo-*` subcommands, `*-cli` crates)
    #[arg(long)]
    include_cli_tools: bool,
    /// Print the settings FILE is checked with and where each comes from, then exit
    #[arg(long, value_name = "FILE")]
    show_settings: Option<PathBuf>,
    /// List the files that would be checked, each with its config file, then exit
    #[arg(long, conflicts_with = "show_settings")]
    show_files: bool,
    /// Which flags with a default were given (filled in after parsing).
    #[arg(skip)]
    given: combinations::Given,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Text,
    Json,
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
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|matches| {
            let mut cli = Cli::from_arg_matches(&matches)?;
            cli.check.given = combinations::Given::of(&matches);
            Ok(cli)
        });
    let cli = match parsed {
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
        Some(Command::Rules { format }) => list_rules(format),
        Some(Command::Explain { rule, all, format }) => explain(rule.as_deref(), all, format),
        Some(Command::Lsp) => Ok(crate::lsp::run()),
        None => {
            let started = std::time::Instant::now();
            let timings = cli.check.timings;
            let result = check(cli.check);
            if timings {
                eprint!("{}", timings_report(started.elapsed()));
            }
            result
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

/// `--timings`: where the time went, phase by phase, then the wall time.
fn timings_report(wall: std::time::Duration) -> String {
    let mut out = String::from("timings (summed over threads):\n");
    for (phase, time) in crate::frontend::phase_times() {
        out.push_str(&format!(
            "  {:<24}{:>9.3} s\n",
            phase.name(),
            time.as_secs_f64()
        ));
    }
    out.push_str(&format!("  {:<24}{:>9.3} s\n", "wall", wall.as_secs_f64()));
    out
}

/// More checking threads than cores only cost memory (each has a large stack reserved).
fn clamp_threads(requested: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if requested > cores {
        eprintln!("note: --threads {requested} is more than the {cores} cores here; using {cores}");
        cores
    } else {
        requested
    }
}

fn check(mut args: CheckArgs) -> Result<i32, String> {
    args.select = expand_rules(&args.select, "--select")?;
    args.ignore = expand_rules(&args.ignore, "--ignore")?;
    combinations::check(&args)?;
    args.threads = clamp_threads(args.threads);
    let reads_stdin = args.paths.iter().any(|p| p == Path::new("-"));
    if reads_stdin && args.paths.len() > 1 {
        return Err("`-` (standard input) cannot be mixed with other paths".to_string());
    }
    if args.stdin_filename.is_some() && !reads_stdin {
        return Err("--stdin-filename names standard input: pass `-` to read it".to_string());
    }
    let mut resolver = config::Resolver::new(config_choice(&args));
    if let Some(file) = &args.show_settings {
        return show_settings(&args, &mut resolver, file);
    }

    if reads_stdin && (args.baseline.is_some() || args.write_baseline.is_some()) {
        return Err("baselines work on files, not on standard input".to_string());
    }
    if reads_stdin {
        let group = Group::load(resolver.config_for(&stdin_name(&args)).as_deref(), &args)?;
        if args.fix || args.diff {
            return fix_stdin(&args, &group);
        }
        if args.stdin_filename.is_none() {
            eprintln!(
                "note: standard input is checked as Rust; --stdin-filename NAME.go checks Go"
            );
        }
        let (run, sources) = check_stdin(&args, &group, &read_stdin()?)?;
        return report_run(&args, &[group], run, sources, Extras::default());
    }
    let baseline = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the baseline `{}`: {e}", path.display()))?;
            let recorded =
                baseline::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Some((recorded, baseline::Anchor::of_file(path), path))
        }
        None => None,
    };

    let include = walk_include(&args, &mut resolver)?;
    let (walked, walked_groups) = walk_into_groups(&args, &mut resolver, include)?;
    let (groups, first_looks): (Vec<Group>, Vec<FirstLook>) = walked_groups.into_iter().unzip();
    if args.show_files {
        return show_files(&groups);
    }
    let runs = groups.iter().zip(first_looks).map(|(group, first_look)| {
        let ready = engine::run(&first_look.ready, &group.settings, args.threads);
        RunReport::merge([RunReport::from_reports(first_look.settled), ready])
    });
    let mut run = with_walk_errors(RunReport::merge(runs), &walked.errors);
    run.not_checked.add(walked.not_walked);
    let mut sources = std::mem::take(&mut run.sources);

    let mut fixes = None;
    let mut write_failed = false;
    if args.fix || args.diff {
        let mut visible = run.findings.clone();
        if let Some((baseline, anchor, _)) = &baseline {
            baseline::filter(baseline, &mut visible, &sources, anchor, |_, _| false);
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
            run = run_groups(&groups, &walked.errors, args.threads);
            sources = std::mem::take(&mut run.sources);
        }
        write_failed = !fixed.write_errors.is_empty();
        run.errors.extend(fixed.write_errors);
        fixes = Some(fixed.summary);
    }

    if let Some(path) = &args.write_baseline {
        let recorded = baseline::record(&run.findings, &sources, &baseline::Anchor::of_file(path));
        write_atomically(path, baseline::to_json(&recorded).as_bytes())?;
        let (kept, unchecked): (Vec<&Finding>, Vec<&Finding>) =
            run.findings.iter().partition(|f| baseline::recordable(f));
        eprintln!(
            "Recorded {} in the baseline `{}`",
            plural(kept.len(), "finding", "findings"),
            path.display()
        );
        if !unchecked.is_empty() {
            eprintln!(
                "warning: {} not recorded: a file that could not be checked stays reported until it can be",
                plural(
                    unchecked.len(),
                    "`syntax-error` finding",
                    "`syntax-error` findings"
                )
            );
        }
        return Ok(EXIT_CLEAN);
    }
    let mut baseline_summary = None;
    let mut baseline_hidden = Vec::new();
    if let Some((baseline, anchor, path)) = &baseline {
        let rechecked = Rechecked::new(&groups, &args);
        if !baseline.findings.is_empty()
            && !baseline
                .findings
                .iter()
                .any(|entry| rechecked.checked(&anchor.file(&entry.path)))
        {
            eprintln!(
                "warning: no file recorded in the baseline `{}` was checked (its paths are relative to the baseline's directory)",
                path.display()
            );
        }
        let applied = baseline::filter(
            baseline,
            &mut run.findings,
            &sources,
            anchor,
            |entry, rule| rechecked.covers(&anchor.file(entry), rule),
        );
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

    let extras = Extras {
        fixes,
        baseline: baseline_summary,
        baseline_hidden,
        write_failed,
    };
    report_run(&args, &groups, run, sources, extras)
}

/// What a run has to report besides its findings.
#[derive(Default)]
struct Extras {
    fixes: Option<FixSummary>,
    baseline: Option<BaselineSummary>,
    /// The findings the baseline hid.
    baseline_hidden: Vec<Finding>,
    /// `--fix` could not write a file.
    write_failed: bool,
}

/// Prints the report of a run; returns its exit code.
fn report_run(
    args: &CheckArgs,
    groups: &[Group],
    mut run: RunReport,
    sources: BTreeMap<String, String>,
    mut extras: Extras,
) -> Result<i32, String> {
    if args.omit_suppressed {
        run.suppressed.clear();
        extras.baseline_hidden.clear();
    }
    let terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        _ if args.output_file.is_some() => false,
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && terminal,
    };
    // `COLUMNS` when the user exports it, else the terminal's own width.
    let columns = std::env::var("COLUMNS").ok().or_else(|| {
        terminal
            .then(terminal_size::terminal_size)
            .flatten()
            .map(|(width, _)| width.0.to_string())
    });
    let output = Output {
        run: &run,
        sources: &sources,
        color,
        width: report::human::width(terminal, columns.as_deref()),
        quiet: args.quiet,
        statistics: args.statistics,
        fixes: extras.fixes.as_ref(),
        baseline: extras.baseline,
        baseline_hidden: &extras.baseline_hidden,
    };
    let rendered = report::render(args.format, &output);
    match &args.output_file {
        Some(file) => std::fs::write(file, rendered)
            .map_err(|e| format!("cannot write the report to {}: {e}", file.display()))?,
        None => print_stdout(&rendered),
    }

    let nothing_checked = run.files_checked == 0 && !run.errors.is_empty();
    if nothing_checked || extras.write_failed {
        return Ok(EXIT_ERROR);
    }
    Ok(exit_code(args, groups, &run))
}

/// 1 when a finding is at or above the failing level of its file (`--fail-level`, else its
/// config's `fail-level`, else warning; a file that could not be checked is a `syntax-error`
/// finding, at `error` unless configured otherwise), or ctxlint failed on a file, and not
/// `--exit-zero`; else 0.
fn exit_code(args: &CheckArgs, groups: &[Group], run: &RunReport) -> i32 {
    let configured: BTreeMap<String, Level> = groups
        .iter()
        .filter_map(|group| Some((group, group.config.fail_level?)))
        .flat_map(|(group, level)| {
            group
                .files
                .iter()
                .map(move |(path, _)| (path.display().to_string(), level))
        })
        .collect();
    // Standard input has no walked file: its one group's level applies.
    let single = match groups {
        [group] => group.config.fail_level,
        _ => None,
    };
    let fail_level = |path: &str| {
        args.fail_level
            .map(FailLevel::level)
            .or_else(|| configured.get(path).copied())
            .or(single)
            .unwrap_or(Level::Warning)
    };
    // A file to blame fails the run through its `syntax-error` finding, at its level.
    let failing = run.errors.iter().any(|error| error.at.is_none())
        || run
            .findings
            .iter()
            .any(|f| f.severity >= fail_level(&f.path));
    if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The rule names of `--select`/`--ignore`: each trimmed (`'a, b'` works), `ALL` for every
/// rule, `rust` or `go` for the rules of a language; anything else must be a rule's name.
fn expand_rules(names: &[String], flag: &str) -> Result<Vec<String>, String> {
    let mut rules = Vec::new();
    for name in names
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
    {
        let language = match name {
            "rust" => Some(Language::Rust),
            "go" => Some(Language::Go),
            _ => None,
        };
        let group = registry::RULES.iter().filter(|rule| {
            name == "ALL" || language.is_some_and(|l| registry::implemented_for(rule.name, l))
        });
        let before = rules.len();
        rules.extend(group.map(|rule| rule.name.to_string()));
        if rules.len() > before {
            continue;
        }
        if registry::find(name).is_none() {
            return Err(format!(
                "unknown rule `{name}` in {flag}{} (`ctxlint rules` lists them; `ALL`, `rust` and `go` name groups)",
                registry::did_you_mean(name)
            ));
        }
        rules.push(name.to_string());
    }
    rules.sort();
    rules.dedup();
    Ok(rules)
}

/// A path that holds no Rust or Go file is a mistake (a typo, the wrong directory), not a
/// clean run: CI must not pass on it. Files excluded by a config still count as found.
fn reject_paths_without_files(
    paths: &[PathBuf],
    files: &[(PathBuf, Language)],
) -> Result<(), String> {
    // Every directory that holds a walked file, each added once. The files are sorted, so
    // the files of one directory come in a row.
    let mut holding: HashSet<PathBuf> = HashSet::new();
    let mut parents: Vec<&Path> = files
        .iter()
        .filter_map(|(file, _)| file.parent())
        .map(|parent| {
            if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            }
        })
        .collect();
    parents.dedup();
    for parent in parents {
        for ancestor in baseline::lexical_absolute(parent).ancestors() {
            if !holding.insert(ancestor.to_path_buf()) {
                break;
            }
        }
    }
    // The walked files themselves, only when a path names a file.
    let mut walked_files: Option<HashSet<PathBuf>> = None;
    for path in paths {
        let absolute = baseline::lexical_absolute(path);
        let found = holding.contains(&absolute)
            || walked_files
                .get_or_insert_with(|| {
                    files
                        .iter()
                        .map(|(file, _)| baseline::lexical_absolute(file))
                        .collect()
                })
                .contains(&absolute);
        if !found {
            let what = if path.is_dir() {
                "holds no .rs or .go file to check (files ignored by .gitignore are skipped)"
            } else {
                "is not a .rs or .go file"
            };
            return Err(format!("`{}` {what}", path.display()));
        }
    }
    Ok(())
}

fn config_choice(args: &CheckArgs) -> config::Choice {
    match &args.config {
        _ if args.no_config => config::Choice::Defaults,
        Some(path) => config::Choice::File(path.clone()),
        None => config::Choice::Nearest,
    }
}

/// Files that share one configuration, and what it makes of them.
struct Group {
    config: Config,
    settings: Settings,
    excludes: PathGlobs,
    files: Vec<(PathBuf, Language)>,
}

impl Group {
    /// The group of a config file (`None`: the defaults), with no files yet.
    fn load(path: Option<&Path>, args: &CheckArgs) -> Result<Group, String> {
        let config = config::load_or_defaults(path)?;
        let mut settings = Settings::from_config(&config, &args.select, &args.ignore)?;
        settings.set_checked_roots(&args.paths);
        settings.include_also(flags_include(args));
        let excludes = PathGlobs::new(&config.exclude)?;
        Ok(Group {
            config,
            settings,
            excludes,
            files: Vec::new(),
        })
    }

    fn excludes(&self, path: &Path) -> bool {
        self.excludes.matches(path, &self.config.root)
    }
}

/// The classes of code the command line asks to check too.
fn flags_include(args: &CheckArgs) -> skip::Include {
    skip::Include {
        generated: args.include_generated,
        vendored: args.include_vendored,
        test_support: args.include_test_support,
        examples: args.include_examples,
        cli_tools: args.include_cli_tools,
    }
}

/// What the walk enters: the flags, and what the config of each path named asks for (the
/// walk runs before files are grouped by their configs).
fn walk_include(
    args: &CheckArgs,
    resolver: &mut config::Resolver,
) -> Result<skip::Include, String> {
    let mut include = flags_include(args);
    for path in &args.paths {
        // A directory's own config counts: ask as for a file inside it.
        let probe = if path.is_dir() {
            path.join("ctxlint.toml")
        } else {
            path.clone()
        };
        let config = config::load_or_defaults(resolver.config_for(&probe).as_deref())?;
        include = include.or(config.include);
    }
    Ok(include)
}

/// What the walk's first look made of the files of one group (see [`engine::Triage`]).
#[derive(Default)]
struct FirstLook {
    /// The files to check with their projects, sorted.
    ready: Vec<(PathBuf, Language)>,
    /// The reports of the files that need no parse.
    settled: Vec<engine::FileReport>,
}

/// A group while the walk fills it, from the walk's threads.
struct Filling {
    group: Group,
    /// `None` with `--show-files`, which reads no file.
    triage: Option<engine::Triage>,
    found: Mutex<(Vec<(PathBuf, Language)>, FirstLook)>,
}

impl Filling {
    /// Takes in a file found by the walk, unless the group's config excludes it.
    fn take(&self, path: &Path, language: Language) {
        if self.group.excludes(path) {
            return;
        }
        let settled = self
            .triage
            .as_ref()
            .map(|triage| triage.settle(path, language, &self.group.settings));
        let Ok(mut found) = self.found.lock() else {
            return;
        };
        let (files, first_look) = &mut *found;
        files.push((path.to_path_buf(), language));
        match settled {
            Some(Some(report)) => first_look.settled.push(report),
            Some(None) => first_look.ready.push((path.to_path_buf(), language)),
            None => {}
        }
    }
}

/// Walks the paths given and puts each file in the group of the config file that applies to
/// it, unless that config excludes it. The groups come in the order of their config files'
/// paths, each file in walk order, so the run does not depend on the order of the paths
/// given. Each file also gets its first look as soon as the walk finds it, on the walk's
/// threads, so that reading and prefiltering overlap the walk (except with `--show-files`).
fn walk_into_groups(
    args: &CheckArgs,
    resolver: &mut config::Resolver,
    include: skip::Include,
) -> Result<(walk::WalkResult, Vec<(Group, FirstLook)>), String> {
    struct State<'r> {
        resolver: &'r mut config::Resolver,
        groups: BTreeMap<Option<PathBuf>, Arc<Filling>>,
        seen: HashSet<PathBuf>,
        /// Configs that could not be loaded, by the first file that needs them.
        load_errors: BTreeMap<PathBuf, String>,
    }
    let state = Mutex::new(State {
        resolver,
        groups: BTreeMap::new(),
        seen: HashSet::new(),
        load_errors: BTreeMap::new(),
    });
    let found = |path: &Path, language: Language| {
        let filling = {
            let Ok(mut state) = state.lock() else {
                return;
            };
            let State {
                resolver,
                groups,
                seen,
                load_errors,
            } = &mut *state;
            if !seen.insert(path.to_path_buf()) {
                return;
            }
            match groups.entry(resolver.config_for(path)) {
                Entry::Occupied(entry) => Arc::clone(entry.get()),
                Entry::Vacant(entry) => match Group::load(entry.key().as_deref(), args) {
                    Ok(group) => Arc::clone(entry.insert(Arc::new(Filling {
                        triage: (!args.show_files).then(|| engine::Triage::new(&group.settings)),
                        group,
                        found: Mutex::default(),
                    }))),
                    Err(error) => {
                        load_errors.entry(path.to_path_buf()).or_insert(error);
                        return;
                    }
                },
            }
        };
        filling.take(path, language);
    };
    // Each config file's excludes apply to the files below it, so the walk excludes nothing.
    let walked = walk::collect(
        &args.paths,
        &PathGlobs::default(),
        Path::new("."),
        include,
        args.threads,
        &found,
    )?;
    reject_paths_without_files(&args.paths, &walked.files)?;
    let state = state.into_inner().map_err(|e| e.to_string())?;
    if let Some((_, error)) = state.load_errors.into_iter().next() {
        return Err(error);
    }
    let mut groups = Vec::new();
    for filling in state.groups.into_values() {
        let filling = Arc::into_inner(filling).ok_or("a group is still being filled")?;
        let (mut files, mut first_look) = filling.found.into_inner().map_err(|e| e.to_string())?;
        files.sort();
        first_look.ready.sort();
        let mut group = filling.group;
        group.files = files;
        groups.push((group, first_look));
    }
    Ok((walked, groups))
}

fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`ctxlint | head`) is not an error worth a panic.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Checks each group's files with its settings; problems met while walking become errors of
/// the run.
fn run_groups(groups: &[Group], walk_errors: &[(String, String)], threads: usize) -> RunReport {
    let runs = groups
        .iter()
        .map(|group| engine::run(&group.files, &group.settings, threads));
    with_walk_errors(RunReport::merge(runs), walk_errors)
}

/// Adds the problems met while walking to a run's errors.
fn with_walk_errors(mut run: RunReport, walk_errors: &[(String, String)]) -> RunReport {
    for (path, message) in walk_errors {
        run.errors.push(FileError::of_run(path, message));
    }
    run.errors
        .sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    run
}
