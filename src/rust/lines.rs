//! The Rust parser ends lines at `\n` alone; [`SourceText`] (snippets, suppressions, fixes,
//! the Go front end, editors) also ends one at a lone `\r`. In a file with a lone `\r` the
//! parser's positions are translated, so that every line number means the same line.

use crate::diagnostic::{Finding, Span};
use crate::frontend::FrontEndOutput;
use crate::source::SourceText;

/// Lines as the parser counts them, for a file where that differs from [`SourceText`].
pub struct ParserLines<'a> {
    source: &'a SourceText,
    /// Byte offset of the start of each `\n`-ended line.
    starts: Vec<usize>,
}

impl<'a> ParserLines<'a> {
    /// `None` when both count lines alike (no lone `\r`): nothing to translate.
    pub fn differing(source: &'a SourceText) -> Option<ParserLines<'a>> {
        let newlines = source.text.bytes().filter(|&byte| byte == b'\n').count();
        if source.line_count() == newlines + 1 {
            return None;
        }
        let starts = std::iter::once(0)
            .chain(source.text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Some(ParserLines { source, starts })
    }

    /// Byte offset of a parser position (1-based line and column), clamped to the line.
    fn offset(&self, line: usize, column: usize) -> usize {
        let text = &self.source.text;
        let Some(&start) = line.checked_sub(1).and_then(|index| self.starts.get(index)) else {
            return text.len();
        };
        let end = self.starts.get(line).copied().unwrap_or(text.len());
        let within: usize = text[start..end]
            .chars()
            .take(column.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        start + within
    }

    pub fn position(&self, line: usize, column: usize) -> (usize, usize) {
        self.source.position(self.offset(line, column))
    }

    fn span(&self, span: Span) -> Span {
        let (line, column) = self.position(span.line, span.column);
        let (end_line, end_column) = self.position(span.end_line, span.end_column);
        Span::new(line, column, end_line, end_column)
    }

    /// The [`SourceText`] lines from the first to the last of parser lines `first..=last`.
    fn lines(&self, (first, last): (usize, usize)) -> (usize, usize) {
        let last_end = self
            .starts
            .get(last)
            .map(|next| next - 1)
            .unwrap_or(self.source.text.len());
        (self.position(first, 1).0, self.source.position(last_end).0)
    }

    fn finding(&self, finding: &mut Finding) {
        finding.span = self.span(finding.span);
        for label in &mut finding.labels {
            label.span = self.span(label.span);
        }
        for edit in finding.fix.iter_mut().flat_map(|fix| &mut fix.edits) {
            edit.span = self.span(edit.span);
        }
    }

    pub fn translate(&self, output: &mut FrontEndOutput) {
        output.findings.iter_mut().for_each(|f| self.finding(f));
        for range in &mut output.item_ranges {
            *range = self.lines(*range);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_only_when_a_lone_cr_splits_lines() {
        let plain = SourceText::new("a\r\nb\n".to_string());
        assert!(ParserLines::differing(&plain).is_none());
        // Parser lines: "a\rbc", "dé". Source lines: "a", "bc", "dé".
        let source = SourceText::new("a\rbc\ndé\n".to_string());
        let lines = ParserLines::differing(&source).unwrap();
        assert_eq!(lines.position(1, 4), (2, 2));
        assert_eq!(lines.position(2, 3), (3, 3));
        assert_eq!(lines.lines((1, 1)), (1, 2));
        assert_eq!(lines.lines((1, 2)), (1, 3));
    }
}
