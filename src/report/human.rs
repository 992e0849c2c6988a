//! `--format human`: rustc-style snippets through miette, then errors and a summary.

use std::fmt::Write;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
};

use super::Output;
use crate::diagnostic::{Finding, Level, Span};
use crate::source::SourceText;

/// Wide enough for real code; fixed so that output does not depend on the terminal.
const WIDTH: usize = 100;

pub fn render(output: &Output) -> String {
    let mut text = String::new();
    let theme = if output.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .with_context_lines(1);
    if !output.quiet {
        let mut indexed: Option<(&str, SourceText)> = None;
        for finding in &output.run.findings {
            let source = output
                .sources
                .get(&finding.path)
                .map(String::as_str)
                .unwrap_or("");
            if indexed
                .as_ref()
                .is_none_or(|(path, _)| *path != finding.path)
            {
                indexed = Some((&finding.path, SourceText::new(source.to_string())));
            }
            let (_, index) = indexed.as_ref().expect("set above");
            let report = FindingReport::new(finding, index);
            let _ = handler.render_report(&mut text, &report);
            text.push('\n');
        }
    }
    text.push_str(&trailer(output));
    text
}

/// What follows the findings in the text formats: files that could not be checked, fixes
/// not applied, what `--fix` did, `--statistics`, and the summary line.
pub(super) fn trailer(output: &Output) -> String {
    let mut text = String::new();
    if !output.quiet {
        for error in &output.run.errors {
            let _ = writeln!(text, "error: {}: {}", error.path, error.message);
        }
        for skipped in output.fixes.iter().flat_map(|fixes| &fixes.skipped) {
            let _ = writeln!(
                text,
                "note: {}:{}:{}: the fix for `{}` was not applied: {}",
                skipped.path, skipped.line, skipped.column, skipped.rule, skipped.reason
            );
        }
    }
    if let Some(fixes) = output.fixes {
        let _ = writeln!(
            text,
            "Fixed {}{}",
            plural(fixes.fixed, "finding"),
            fixes.unsafe_hint()
        );
    }
    if output.statistics {
        for (rule, count) in output.counts_by_rule() {
            let _ = writeln!(text, "{count:>6}  {rule}");
        }
    }
    text.push_str(&summary(output));
    text
}

fn summary(output: &Output) -> String {
    let run = output.run;
    let count = |level: Level| run.findings.iter().filter(|f| f.severity == level).count();
    let files = plural(run.files_checked, "file");
    let mut line = if run.findings.is_empty() {
        format!("No findings in {files}")
    } else {
        let mut parts = Vec::new();
        for (level, name) in [
            (Level::Error, "error"),
            (Level::Warning, "warning"),
            (Level::Info, "info"),
        ] {
            let n = count(level);
            if n > 0 {
                parts.push(if level == Level::Info {
                    format!("{n} info")
                } else {
                    plural(n, name)
                });
            }
        }
        format!(
            "Found {} ({}) in {files}",
            plural(run.findings.len(), "finding"),
            parts.join(", ")
        )
    };
    if run.files_skipped > 0 {
        let _ = write!(line, ", {} skipped", plural(run.files_skipped, "file"));
    }
    if !run.not_checked.is_empty() {
        let _ = write!(line, "; not checked: {}", not_checked(&run.not_checked));
    }
    if let Some(baseline) = output.baseline {
        let _ = write!(line, "; {} hidden by the baseline", baseline.hidden);
        if baseline.stale > 0 {
            let _ = write!(
                line,
                ", {} stale (no longer found; --prune-baseline removes {})",
                baseline.stale,
                if baseline.stale == 1 { "it" } else { "them" }
            );
        }
    }
    line.push('\n');
    line
}

/// `2 generated files (--include-generated), 1 vendored directory (--include-vendored)`.
fn not_checked(skipped: &crate::skip::Skipped) -> String {
    let test_support = "--include-test-support";
    let parts = [
        (
            skipped.generated_files,
            "generated file",
            "generated files",
            "--include-generated",
        ),
        (
            skipped.vendored_dirs,
            "vendored directory",
            "vendored directories",
            "--include-vendored",
        ),
        (
            skipped.test_support_dirs,
            "test-support directory",
            "test-support directories",
            test_support,
        ),
        (
            skipped.test_support_files,
            "test-support file",
            "test-support files",
            test_support,
        ),
    ];
    parts
        .iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, one, many, flag)| format!("{n} {} ({flag})", if *n == 1 { one } else { many }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A finding as miette sees it.
struct FindingReport {
    message: String,
    rule: &'static str,
    severity: Severity,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
}

impl FindingReport {
    fn new(finding: &Finding, index: &SourceText) -> FindingReport {
        let span = |span: &Span| {
            let start = index.offset(span.line, span.column);
            let end = index.offset(span.end_line, span.end_column).max(start);
            (start, end - start)
        };
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            None,
            span(&finding.span),
        )];
        for label in &finding.labels {
            labels.push(LabeledSpan::new_with_span(
                Some(label.message.clone()),
                span(&label.span),
            ));
        }
        let mut help = finding.help.clone();
        if let Some(fix) = &finding.fix
            && let [edit] = fix.edits.as_slice()
            && !edit.replacement.contains('\n')
        {
            let insert = if edit.span.line == edit.span.end_line
                && edit.span.column == edit.span.end_column
            {
                "insert "
            } else {
                ""
            };
            let _ = write!(help, "\n  suggested fix: {insert}`{}`", edit.replacement);
        }
        FindingReport {
            message: finding.message.clone(),
            rule: finding.rule,
            severity: match finding.severity {
                Level::Error => Severity::Error,
                Level::Info | Level::Off => Severity::Advice,
                Level::Warning => Severity::Warning,
            },
            help: (!help.is_empty()).then_some(help),
            source: NamedSource::new(finding.path.clone(), index.text.clone()),
            labels,
        }
    }
}

impl std::fmt::Debug for FindingReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for FindingReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingReport {}

impl Diagnostic for FindingReport {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.rule))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}
