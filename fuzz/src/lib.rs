//! What the fuzz targets run, with the invariants they check beyond "does not crash".

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, OnceLock};

use ctxlint::diagnostic::{Finding, Span};
use ctxlint::engine::{FileReport, RunReport, STACK_SIZE, Settings, check_bytes};
use ctxlint::report::{self, Format, Output};
use ctxlint::source::SourceText;
use ctxlint::suppress;
use ctxlint::walk::Language;

const FORMATS: [Format; 5] = [
    Format::Human,
    Format::Concise,
    Format::Json,
    Format::Sarif,
    Format::Github,
];

/// Checks `data` as one file the way the command line does, applies every fix, and renders
/// the result in every format.
pub fn check_and_render(language: Language, data: &[u8]) {
    let path = path_of(language);
    let run = RunReport::from_reports([check_on_worker(language, data)]);
    if let Some(text) = run.sources.get(path) {
        let source = SourceText::new(text.clone());
        for finding in &run.findings {
            assert_within(&source, finding.span, finding);
            for label in &finding.labels {
                assert_within(&source, label.span, finding);
            }
        }
        let allowed = ctxlint::fix::Allowed { unsafe_fixes: true };
        ctxlint::fix::apply(text, &run.findings, allowed);
    }
    for color in [false, true] {
        let output = Output {
            run: &run,
            sources: &run.sources,
            color,
            width: ctxlint::report::human::DEFAULT_WIDTH,
            quiet: false,
            statistics: true,
            fixes: None,
            baseline: None,
            baseline_hidden: &[],
        };
        for format in FORMATS {
            let rendered = report::render(format, &output);
            if matches!(format, Format::Json | Format::Sarif)
                && let Err(error) = serde_json::from_str::<serde_json::Value>(&rendered)
            {
                panic!("{format:?} output is not JSON ({error}): {rendered}");
            }
        }
    }
}

fn path_of(language: Language) -> &'static str {
    match language {
        Language::Rust => "fuzz.rs",
        Language::Go => "fuzz.go",
    }
}

struct Worker {
    inputs: Sender<(Language, Vec<u8>)>,
    reports: Receiver<FileReport>,
}

/// Checks on one long-lived thread with the engine's stack, as the command line does. A
/// thread per input would cost more than the check: the sanitizer clears the shadow of its
/// whole stack when it ends.
fn check_on_worker(language: Language, data: &[u8]) -> FileReport {
    static WORKER: OnceLock<Mutex<Worker>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (inputs, received) = channel::<(Language, Vec<u8>)>();
        let (sender, reports) = channel();
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let settings = Settings::defaults();
                for (language, data) in received {
                    let report = check_bytes(path_of(language), language, &data, &settings);
                    if sender.send(report).is_err() {
                        break;
                    }
                }
            })
            .expect("cannot start the checking thread");
        Mutex::new(Worker { inputs, reports })
    });
    let worker = worker.lock().unwrap();
    worker.inputs.send((language, data.to_vec())).unwrap();
    worker.reports.recv().unwrap()
}

/// Scans `text` for suppression comments, with every line the start of a three-line item,
/// and applies them to a finding on every line.
pub fn scan_suppressions(text: &str) {
    let source = SourceText::new(text.to_string());
    let lines = source.line_count();
    let items: Vec<(usize, usize)> = (1..=lines).map(|line| (line, line + 2)).collect();
    let directives = suppress::scan(&source, &items, &suppress::NO_PEERS);
    let findings = (1..=lines)
        .map(|line| Finding::new("blocking-in-async", Span::new(line, 1, line, 1), "fuzz"))
        .collect();
    let applied = suppress::apply(&directives, findings, &|_| true);
    for finding in applied.kept.iter().chain(&applied.suppressed) {
        assert_within(&source, finding.span, finding);
    }
}

/// Parses `text` as a `ctxlint.toml`: an accepted file must give settings, a refused one an
/// error naming the file and the line.
pub fn load_config(text: &str) {
    match ctxlint::config::parse(text, Path::new("ctxlint.toml")) {
        Ok(config) => {
            if let Err(error) = Settings::from_config(&config, &[], &[]) {
                panic!("accepted config gives no settings: {error}");
            }
        }
        Err(error) => {
            let line = error
                .strip_prefix("ctxlint.toml:")
                .and_then(|rest| rest.split_once(':'))
                .and_then(|(line, _)| line.parse::<usize>().ok());
            assert!(line.is_some(), "error without file and line: {error}");
        }
    }
}

/// A span must start and end inside the file, in order, at most one past a line's end.
fn assert_within(source: &SourceText, span: Span, finding: &Finding) {
    let columns = |line: usize| source.line(line).chars().count() + 1;
    let inside = 1 <= span.line
        && span.line <= span.end_line
        && span.end_line <= source.line_count()
        && (1..=columns(span.line)).contains(&span.column)
        && (1..=columns(span.end_line)).contains(&span.end_column)
        && (span.line < span.end_line || span.column <= span.end_column);
    assert!(inside, "span {span:?} outside the file: {finding:?}");
}
