//! Command-line interface: arguments and config become a run; the run's result becomes an
//! exit code.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{self, Config};
use crate::diagnostic::Level;
use crate::engine::{self, RunReport, Settings};
use crate::registry;
use crate::report::{self, Format, Output};
use crate::walk::{self, Excludes, Language};

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
    let settings = Settings::from_config(&config, &args.select, &args.ignore)?;
    let excludes = Excludes::new(&config.exclude)?;

    let (run, sources) = if reads_stdin {
        check_stdin(&args, &settings, &excludes, &config)?
    } else {
        let walked = walk::collect(&args.paths, &excludes, &config.root)?;
        let mut run = engine::run(&walked.files, &settings, args.threads);
        for (path, message) in walked.errors {
            run.errors
                .push(crate::diagnostic::FileError { path, message });
        }
        run.errors
            .sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
        let sources = read_sources(&run);
        (run, sources)
    };

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
    };
    print_stdout(&report::render(args.format, &output));

    let nothing_checked = run.files_checked == 0 && !run.errors.is_empty();
    if nothing_checked {
        return Ok(EXIT_ERROR);
    }
    let fail_level = args
        .fail_level
        .map(FailLevel::level)
        .or(config.fail_level)
        .unwrap_or(Level::Warning);
    let failing = run.findings.iter().any(|f| f.severity >= fail_level);
    Ok(if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
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

fn check_stdin(
    args: &CheckArgs,
    settings: &Settings,
    excludes: &Excludes,
    config: &Config,
) -> Result<(RunReport, std::collections::BTreeMap<String, String>), String> {
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("stdin.rs"));
    let language = Language::from_path(&name).ok_or_else(|| {
        format!(
            "cannot tell the language of `{}`: --stdin-filename must end in .rs or .go",
            name.display()
        )
    })?;
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    let mut run = RunReport::default();
    let mut sources = std::collections::BTreeMap::new();
    if excludes.is_excluded(&name, &config.root) {
        return Ok((run, sources));
    }
    let display = name.display().to_string();
    let report = engine::check_bytes_isolated(&display, language, &bytes, settings);
    if report.checked {
        run.files_checked = 1;
    } else {
        run.files_skipped = 1;
    }
    if !report.findings.is_empty() {
        sources.insert(display, String::from_utf8_lossy(&bytes).into_owned());
    }
    run.findings = report.findings;
    run.errors = report.errors;
    Ok((run, sources))
}

/// The renderers show snippets; read the text of each file that has a finding.
fn read_sources(run: &RunReport) -> std::collections::BTreeMap<String, String> {
    let mut sources = std::collections::BTreeMap::new();
    for finding in &run.findings {
        if !sources.contains_key(&finding.path) {
            let text = std::fs::read_to_string(&finding.path).unwrap_or_default();
            let text = text
                .strip_prefix('\u{feff}')
                .map(str::to_string)
                .unwrap_or(text);
            sources.insert(finding.path.clone(), text);
        }
    }
    sources
}

fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`ctxlint | head`) is not an error worth a panic.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
