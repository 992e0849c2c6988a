//! `--format human`: each finding in the shape rustc and clippy print (`warning[rule]: message`,
//! `--> path:line:column`, the lines with the spans underlined, `= help:`, the fix, `= note:`
//! with the rule's documentation), then errors and a summary. Help and notes wrap at spaces to
//! the terminal's width; code (a snippet line, a `backticked` span, a URL) is never broken.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::Output;
use crate::diagnostic::{Applicability, Finding, Fix, Level};
use crate::registry;
use crate::source::SourceText;

/// Tabs are shown as this many spaces, so that underlines line up.
const TAB_WIDTH: usize = 4;

/// The width help and notes wrap to when the output is not a terminal (a pipe, a file, CI):
/// fixed, so that the same findings always print the same bytes.
pub const DEFAULT_WIDTH: usize = 100;

/// Narrower than this, wrapping would leave a word or two per line: `COLUMNS` is ignored.
const MIN_WIDTH: usize = 40;

/// The columns to wrap to: the terminal's (as `COLUMNS` or the terminal itself gives it)
/// when the output goes to a terminal; else [`DEFAULT_WIDTH`], whatever the environment says.
pub fn width(terminal: bool, columns: Option<&str>) -> usize {
    columns
        .filter(|_| terminal)
        .and_then(|columns| columns.trim().parse::<usize>().ok())
        .filter(|columns| *columns >= MIN_WIDTH)
        .unwrap_or(DEFAULT_WIDTH)
}

pub fn render(output: &Output) -> String {
    let paint = Paint {
        color: output.color,
        width: output.width,
    };
    let mut text = String::new();
    if output.lists_findings() {
        // A file that could not be read or decoded has no text to show.
        let mut indexed: Option<(&str, Option<SourceText>)> = None;
        for finding in &output.run.findings {
            if indexed
                .as_ref()
                .is_none_or(|(path, _)| *path != finding.path)
            {
                let source = output.sources.get(&finding.path).cloned();
                indexed = Some((&finding.path, source.map(SourceText::new)));
            }
            let (_, source) = indexed.as_ref().expect("set above");
            render_finding(&mut text, finding, source.as_ref(), paint);
            text.push('\n');
        }
    }
    text.push_str(&trailer(output));
    text
}

/// One underlined span on one line.
struct Mark<'a> {
    line: usize,
    /// 1-based columns, `end` exclusive; a span that goes on to later lines ends with its
    /// first line.
    start: usize,
    end: usize,
    primary: bool,
    message: &'a str,
}

fn render_finding(out: &mut String, finding: &Finding, text: Option<&SourceText>, paint: Paint) {
    let empty = SourceText::new(String::new());
    let source = text.unwrap_or(&empty);
    let _ = writeln!(
        out,
        "{}{}",
        paint.level(
            finding.severity,
            &format!("{}[{}]", level_name(finding.severity), finding.rule)
        ),
        paint.bold(&format!(": {}", finding.message)),
    );
    let mark = |span: &crate::diagnostic::Span, primary, message| {
        let end = if span.end_line == span.line {
            span.end_column
        } else {
            source.line(span.line).chars().count() + 1
        };
        Mark {
            line: span.line,
            start: span.column,
            end: end.max(span.column + 1),
            primary,
            message,
        }
    };
    let mut marks = vec![mark(&finding.span, true, "")];
    // Evidence in another file is a note: a snippet of this file cannot show it.
    marks.extend(
        finding
            .labels
            .iter()
            .filter(|label| label.path.is_none())
            .map(|label| mark(&label.span, false, label.message.as_str())),
    );
    let lines: BTreeSet<usize> = marks.iter().map(|mark| mark.line).collect();
    let width = lines.last().copied().unwrap_or(1).to_string().len();
    let _ = writeln!(
        out,
        "{:width$}{} {}:{}:{}",
        "",
        paint.gutter("-->"),
        finding.path,
        finding.span.line,
        finding.span.column
    );
    if text.is_some() {
        render_snippet(out, finding.severity, source, &marks, width, paint);
    }
    let note = |out: &mut String, kind: &str, text: &str| {
        // Continuation lines start under the text, as rustc aligns them; after a long kind
        // (a fix's), where the text of a `help:` starts.
        let first = width + 3 + kind.chars().count() + 2;
        let indent = first.min(width + 3 + "help: ".len());
        let lines = wrap(text, first, indent, paint.width);
        let _ = writeln!(
            out,
            "{:width$} {} {kind}: {}",
            "",
            paint.gutter("="),
            lines[0]
        );
        for line in &lines[1..] {
            let _ = writeln!(out, "{:indent$}{line}", "");
        }
    };
    for label in &finding.labels {
        if let Some(path) = &label.path {
            let at = &label.span;
            let evidence = format!("{path}:{}:{}: {}", at.line, at.column, label.message);
            note(out, "note", &evidence);
        }
    }
    if !finding.help.is_empty() {
        note(out, "help", &finding.help);
    }
    if let Some(fix) = &finding.fix {
        let kind = match fix.applicability {
            Applicability::Safe => "fix (safe, `--fix` applies it)",
            Applicability::Unsafe => "fix (unsafe, `--fix --unsafe-fixes` applies it)",
            Applicability::Display => "suggestion",
        };
        note(out, kind, &describe_fix(fix, source));
    }
    note(
        out,
        "note",
        &format!("see {}", registry::docs_url(finding.rule)),
    );
}

/// The lines of the marks, each with its marks underlined.
fn render_snippet(
    out: &mut String,
    severity: Level,
    source: &SourceText,
    marks: &[Mark],
    width: usize,
    paint: Paint,
) {
    let gutter = |out: &mut String, number: &str| {
        let _ = write!(out, "{}", paint.gutter(&format!("{number:>width$} |")));
    };
    let lines: BTreeSet<usize> = marks.iter().map(|mark| mark.line).collect();
    gutter(out, "");
    out.push('\n');
    let mut previous = None;
    for &line in &lines {
        if previous.is_some_and(|previous| line > previous + 1) {
            let _ = writeln!(out, "{}", paint.gutter("..."));
        }
        previous = Some(line);
        let text = source.line(line);
        gutter(out, &line.to_string());
        let _ = writeln!(out, " {}", expand_tabs(text));
        for mark in marks.iter().filter(|mark| mark.line == line) {
            let start = display_column(text, mark.start);
            let end = display_column(text, mark.end).max(start + 1);
            let underline = if mark.primary { "^" } else { "-" }.repeat(end - start);
            let underline = format!("{underline} {}", mark.message);
            gutter(out, "");
            let _ = writeln!(
                out,
                " {:start$}{}",
                "",
                paint.mark(severity, mark.primary, underline.trim_end())
            );
        }
    }
    gutter(out, "");
    out.push('\n');
}

/// What a fix does, in words: a deletion, insertion or replacement by what it removes and
/// adds; several edits of one line by the line they make; larger fixes by the lines they
/// touch, which `--diff` shows.
pub(crate) fn describe_fix(fix: &Fix, source: &SourceText) -> String {
    let [edit] = fix.edits.as_slice() else {
        return describe_edits(fix, source);
    };
    let span = &edit.span;
    let whole_lines = span.column == 1 && span.end_column == 1 && span.end_line > span.line;
    if edit.replacement.is_empty() && whole_lines {
        return match span.end_line - span.line {
            1 => format!("remove line {}", span.line),
            _ => format!("remove lines {}-{}", span.line, span.end_line - 1),
        };
    }
    if edit.replacement.contains('\n') || span.end_line != span.line {
        return format!(
            "rewrite lines {}-{} (`--diff` shows it)",
            span.line, span.end_line
        );
    }
    let removed: String = source
        .line(span.line)
        .chars()
        .skip(span.column - 1)
        .take(span.end_column.saturating_sub(span.column))
        .collect();
    match (removed.is_empty(), edit.replacement.is_empty()) {
        (true, _) => format!("insert `{}`", edit.replacement),
        (false, true) => format!("remove `{removed}`"),
        (false, false) => format!("replace `{removed}` with `{}`", edit.replacement),
    }
}

fn describe_edits(fix: &Fix, source: &SourceText) -> String {
    let first = fix.edits.iter().map(|e| e.span.line).min().unwrap_or(1);
    let last = fix
        .edits
        .iter()
        .map(|e| e.span.end_line)
        .max()
        .unwrap_or(first);
    let one_line = first == last && fix.edits.iter().all(|e| !e.replacement.contains('\n'));
    if !one_line {
        return format!("rewrite lines {first}-{last} (`--diff` shows it)");
    }
    let mut chars: Vec<char> = source.line(first).chars().collect();
    let mut edits: Vec<_> = fix.edits.iter().collect();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.span.column));
    for edit in edits {
        let start = (edit.span.column - 1).min(chars.len());
        let end = (edit.span.end_column - 1).clamp(start, chars.len());
        chars.splice(start..end, edit.replacement.chars());
    }
    let fixed: String = chars.into_iter().collect();
    format!("line {first} becomes `{}`", fixed.trim())
}

/// `text` in lines that fit in `width` columns after `first` columns (the first line) or
/// `indent` (the others), broken only at spaces outside backticks: code is never split, and a
/// word longer than a line stands on a line of its own.
fn wrap(text: &str, first: usize, indent: usize, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in words(text) {
        let room = width.saturating_sub(if lines.len() == 1 { first } else { indent });
        let line = lines.last_mut().expect("one line at least");
        let used = line.chars().count();
        if used > 0 && used + 1 + word.chars().count() > room {
            lines.push(word.to_string());
        } else {
            if used > 0 {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The words of `text`: split at spaces, except inside a `backticked` span.
fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let (mut start, mut in_code) = (0, false);
    for (at, c) in text.char_indices() {
        match c {
            '`' => in_code = !in_code,
            ' ' if !in_code => {
                if at > start {
                    words.push(&text[start..at]);
                }
                start = at + 1;
            }
            _ => {}
        }
    }
    if text.len() > start {
        words.push(&text[start..]);
    }
    words
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info | Level::Off => "info",
    }
}

fn expand_tabs(text: &str) -> String {
    text.replace('\t', &" ".repeat(TAB_WIDTH))
}

/// The 0-based screen column of a 1-based column of `text`, with tabs expanded.
fn display_column(text: &str, column: usize) -> usize {
    let before = text.chars().take(column.saturating_sub(1));
    let shown: usize = before.map(|c| if c == '\t' { TAB_WIDTH } else { 1 }).sum();
    shown + column.saturating_sub(1 + text.chars().count())
}

/// ANSI colours as rustc uses them, or none; and the width text wraps to.
#[derive(Clone, Copy)]
struct Paint {
    color: bool,
    width: usize,
}

impl Paint {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn level_code(level: Level) -> &'static str {
        match level {
            Level::Error => "1;31",
            Level::Warning => "1;33",
            Level::Info | Level::Off => "1;36",
        }
    }

    fn level(self, level: Level, text: &str) -> String {
        self.paint(Paint::level_code(level), text)
    }

    fn mark(self, level: Level, primary: bool, text: &str) -> String {
        if primary {
            self.level(level, text)
        } else {
            self.gutter(text)
        }
    }

    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    fn gutter(self, text: &str) -> String {
        self.paint("1;34", text)
    }
}

/// What follows the findings in the text formats: files that could not be checked, fixes
/// not applied, what `--fix` did, `--statistics`, and the summary line.
pub(super) fn trailer(output: &Output) -> String {
    let mut text = String::new();
    if !output.quiet {
        // A file to blame is shown by its `syntax-error` finding, or counted in the summary.
        for error in output.errors_without_finding(false) {
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
        let mut counts: Vec<(&str, usize)> = output.counts_by_rule().into_iter().collect();
        counts.sort_by(|(a, m), (b, n)| n.cmp(m).then(a.cmp(b)));
        for (rule, count) in counts {
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
    // Whatever the levels say, an unchecked file is never left out of the summary.
    if run.files_skipped > 0 {
        let _ = write!(
            line,
            ", {} could not be checked",
            plural(run.files_skipped, "file")
        );
    }
    if run.files_checked_in_part > 0 {
        let _ = write!(line, ", {} checked only in part", run.files_checked_in_part);
    }
    let unreported = output.unreported_unchecked_files();
    if unreported > 0 {
        let _ = write!(
            line,
            " ({unreported} not reported: `{}` is off)",
            crate::syntax_error::NAME
        );
    }
    if !run.not_checked.is_empty() {
        let _ = write!(line, "; not checked: {}", not_checked(&run.not_checked));
    }
    if output.fixes.is_none() {
        let fixable = |applicability| {
            run.findings
                .iter()
                .filter(|f| {
                    f.fix
                        .as_ref()
                        .is_some_and(|fix| fix.applicability == applicability)
                })
                .count()
        };
        let (safe, unsafe_) = (fixable(Applicability::Safe), fixable(Applicability::Unsafe));
        match (safe, unsafe_) {
            (0, 0) => {}
            (0, n) => {
                let _ = write!(line, "; {n} fixable with `--fix --unsafe-fixes`");
            }
            (n, 0) => {
                let _ = write!(line, "; {n} fixable with `--fix`");
            }
            (n, m) => {
                let _ = write!(
                    line,
                    "; {n} fixable with `--fix` ({m} more with `--unsafe-fixes`)"
                );
            }
        }
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
        (
            skipped.example_dirs,
            "example directory",
            "example directories",
            "--include-examples",
        ),
        (
            skipped.cli_tool_dirs,
            "command-line tool directory",
            "command-line tool directories",
            "--include-cli-tools",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_never_inside_code() {
        let text = "use `tokio::time::sleep(d).await`, or move the call into `spawn_blocking`";
        assert_eq!(
            wrap(text, 10, 10, 50),
            [
                "use `tokio::time::sleep(d).await`, or",
                "move the call into `spawn_blocking`"
            ]
        );
        // A span wider than the line is kept whole on a line of its own.
        let code = "see `a_very_long_path::to::something::that::does::not::fit(x)` here";
        assert_eq!(
            wrap(code, 10, 10, 30),
            [
                "see",
                "`a_very_long_path::to::something::that::does::not::fit(x)`",
                "here"
            ]
        );
        assert_eq!(wrap("short", 10, 10, 100), ["short"]);
        assert_eq!(words("a `b c` d"), ["a", "`b c`", "d"]);
    }

    #[test]
    fn the_width_is_the_terminals_only_on_a_terminal() {
        assert_eq!(width(true, Some("72")), 72);
        assert_eq!(width(false, Some("72")), DEFAULT_WIDTH, "a pipe or a file");
        assert_eq!(width(true, None), DEFAULT_WIDTH);
        assert_eq!(width(true, Some("wide")), DEFAULT_WIDTH);
        assert_eq!(
            width(true, Some("12")),
            DEFAULT_WIDTH,
            "too narrow to wrap to"
        );
    }
}
