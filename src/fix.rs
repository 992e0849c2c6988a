//! Applying fixes: a file's text and its findings in, the fixed text and what was applied
//! out. Pure: reading and writing files is the caller's business.
//!
//! A finding's fix is applied whole or not at all. It is not applied when its applicability
//! is not allowed, when an edit changes part of a comment (removing a whole comment is
//! fine), or when an edit overlaps an edit of a fix already accepted (findings are taken in
//! order, so the first one wins).

use crate::diagnostic::{Applicability, Finding};
use crate::guard::{ident_before, skip_block_comment, skip_char, skip_raw_string, skip_string};
use crate::source::SourceText;

/// Which fixes may be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    pub unsafe_fixes: bool,
}

impl Allowed {
    pub fn allows(self, applicability: Applicability) -> bool {
        match applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
            Applicability::Display => false,
        }
    }
}

/// Why a fix that could have been applied was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// An edit overlaps an edit of a fix applied before it.
    Overlaps,
    /// An edit falls inside a comment.
    InComment,
}

impl Skipped {
    pub fn as_str(self) -> &'static str {
        match self {
            Skipped::Overlaps => "its edits overlap the fix of another finding",
            Skipped::InComment => "an edit falls inside a comment",
        }
    }
}

/// The outcome for one file.
#[derive(Debug, Default)]
pub struct Outcome {
    pub text: String,
    /// Indices (into the findings given) of the findings whose fix was applied.
    pub applied: Vec<usize>,
    /// Indices of findings with an allowed fix that was not applied, and why.
    pub skipped: Vec<(usize, Skipped)>,
}

impl Outcome {
    pub fn changed(&self) -> bool {
        !self.applied.is_empty()
    }
}

/// One edit in byte offsets.
#[derive(Debug, Clone, Copy)]
struct Range {
    start: usize,
    end: usize,
}

impl Range {
    /// Two edits conflict when they replace common text, when both insert at the same
    /// point (the order would be a guess), or when one inserts inside the other's range.
    fn conflicts(self, other: Range) -> bool {
        let (a, b) = (self, other);
        if a.start.max(b.start) < a.end.min(b.end) {
            return true;
        }
        let insert_in = |point: Range, range: Range| {
            point.start == point.end && range.start < point.start && point.start < range.end
        };
        (a.start == a.end && b.start == b.end && a.start == b.start)
            || insert_in(a, b)
            || insert_in(b, a)
    }
}

/// Applies the allowed fixes of `findings` (all of one file, in report order) to `text`.
pub fn apply(text: &str, findings: &[Finding], allowed: Allowed) -> Outcome {
    let source = SourceText::new(text.to_string());
    let comments = comment_ranges(text);
    let crlf = text.contains("\r\n");
    let mut accepted: Vec<(Range, &str, usize, usize)> = Vec::new();
    let mut outcome = Outcome::default();
    for (index, finding) in findings.iter().enumerate() {
        let Some(fix) = &finding.fix else { continue };
        if !allowed.allows(fix.applicability) || fix.edits.is_empty() {
            continue;
        }
        let ranges: Vec<Range> = fix
            .edits
            .iter()
            .map(|edit| {
                let start = source.offset(edit.span.line, edit.span.column);
                let end = source.offset(edit.span.end_line, edit.span.end_column);
                Range {
                    start,
                    end: end.max(start),
                }
            })
            .collect();
        let in_comment = ranges
            .iter()
            .any(|range| comments.iter().any(|c| touches_inside(*range, *c)));
        if in_comment {
            outcome.skipped.push((index, Skipped::InComment));
            continue;
        }
        let overlaps = ranges.iter().enumerate().any(|(i, range)| {
            accepted.iter().any(|(other, ..)| range.conflicts(*other))
                || ranges[..i].iter().any(|other| range.conflicts(*other))
        });
        if overlaps {
            outcome.skipped.push((index, Skipped::Overlaps));
            continue;
        }
        for (order, (range, edit)) in ranges.iter().zip(&fix.edits).enumerate() {
            accepted.push((*range, edit.replacement.as_str(), index, order));
        }
        outcome.applied.push(index);
    }
    accepted.sort_by_key(|(range, _, index, order)| (range.start, range.end, *index, *order));
    let mut fixed = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (range, replacement, ..) in accepted {
        fixed.push_str(&text[at..range.start]);
        if crlf {
            fixed.push_str(&replacement.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            fixed.push_str(replacement);
        }
        at = range.end;
    }
    fixed.push_str(&text[at..]);
    outcome.text = fixed;
    outcome
}

/// Whether an edit changes text inside a comment: it replaces a part of it but not all of
/// it, or inserts strictly between its first and last character.
fn touches_inside(edit: Range, comment: Range) -> bool {
    if edit.start == edit.end {
        comment.start < edit.start && edit.start < comment.end
    } else {
        let removes_whole = edit.start <= comment.start && comment.end <= edit.end;
        edit.start < comment.end && comment.start < edit.end && !removes_whole
    }
}

/// Byte ranges of the comments of a Rust or Go file (line comments end before the line
/// break). String and character literals are skipped so that `"//"` is not a comment.
fn comment_ranges(text: &str) -> Vec<Range> {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let next = bytes.get(i + 1).copied();
        match byte {
            b'/' if next == Some(b'/') => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                let end = if i > start && bytes[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                ranges.push(Range { start, end });
            }
            b'/' if next == Some(b'*') => {
                let start = i;
                i = skip_block_comment(bytes, i);
                ranges.push(Range { start, end: i });
            }
            b'"' | b'`' => i = skip_string(bytes, i, byte),
            b'r' if matches!(next, Some(b'#' | b'"')) && !ident_before(bytes, i) => {
                i = skip_raw_string(bytes, i);
            }
            b'\'' => i = skip_char(bytes, i),
            _ => i += 1,
        }
    }
    ranges
}

/// A unified diff of two versions of a file, with three lines of context; empty when equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(old, new);
    // As git writes them: `a/tmp/x.rs` for `/tmp/x.rs`, not `a//tmp/x.rs`.
    let path = path.trim_start_matches('/');
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Fix, Span};

    fn finding(applicability: Applicability, edits: &[(Span, &str)]) -> Finding {
        Finding::new("blocking-in-async", edits[0].0, "m").fix(Fix {
            applicability,
            edits: edits
                .iter()
                .map(|(span, replacement)| Edit {
                    span: *span,
                    replacement: replacement.to_string(),
                })
                .collect(),
        })
    }

    const UNSAFE: Allowed = Allowed { unsafe_fixes: true };

    #[test]
    fn applies_edits_in_order_and_respects_applicability() {
        let text = "let a = f(x);\nlet b = g(y);\n";
        let findings = [
            finding(
                Applicability::Unsafe,
                &[
                    (Span::new(1, 9, 1, 10), "async_f"),
                    (Span::new(1, 13, 1, 13), ".await"),
                ],
            ),
            finding(Applicability::Safe, &[(Span::new(2, 9, 2, 10), "h")]),
            finding(Applicability::Display, &[(Span::new(2, 11, 2, 12), "z")]),
        ];
        let safe = apply(
            text,
            &findings,
            Allowed {
                unsafe_fixes: false,
            },
        );
        assert_eq!(safe.text, "let a = f(x);\nlet b = h(y);\n");
        assert_eq!(safe.applied, vec![1]);
        let all = apply(text, &findings, UNSAFE);
        assert_eq!(all.text, "let a = async_f(x).await;\nlet b = h(y);\n");
        assert_eq!(all.applied, vec![0, 1]);
        assert!(all.skipped.is_empty());
    }

    #[test]
    fn the_first_of_overlapping_fixes_wins() {
        let text = "call(a, b);\n";
        let findings = [
            finding(Applicability::Safe, &[(Span::new(1, 1, 1, 8), "x")]),
            finding(Applicability::Safe, &[(Span::new(1, 6, 1, 10), "y")]),
            finding(Applicability::Safe, &[(Span::new(1, 11, 1, 11), "!")]),
            finding(Applicability::Safe, &[(Span::new(1, 11, 1, 11), "?")]),
        ];
        let outcome = apply(text, &findings, UNSAFE);
        assert_eq!(outcome.text, "x b)!;\n");
        assert_eq!(outcome.applied, vec![0, 2]);
        assert_eq!(
            outcome.skipped,
            vec![(1, Skipped::Overlaps), (3, Skipped::Overlaps)]
        );
    }

    #[test]
    fn never_edits_inside_a_comment_but_may_append_after_one() {
        let text = "x := 1 // note: \"//\"\n/* a\nb */ y\n";
        let findings = [
            finding(Applicability::Safe, &[(Span::new(1, 10, 1, 14), "N")]),
            finding(Applicability::Safe, &[(Span::new(2, 3, 2, 3), "!")]),
            finding(Applicability::Safe, &[(Span::new(1, 21, 1, 21), "\nz")]),
            finding(Applicability::Safe, &[(Span::new(3, 6, 3, 7), "w")]),
            finding(Applicability::Safe, &[(Span::new(1, 9, 1, 13), "")]),
        ];
        let outcome = apply(text, &findings, UNSAFE);
        assert_eq!(outcome.text, "x := 1 // note: \"//\"\nz\n/* a\nb */ w\n");
        assert_eq!(
            outcome.skipped.last(),
            Some(&(4, Skipped::InComment)),
            "a part of a comment"
        );
        let removed = apply(
            text,
            &[finding(
                Applicability::Safe,
                &[(Span::new(1, 7, 1, 21), "")],
            )],
            UNSAFE,
        );
        assert_eq!(
            removed.text, "x := 1\n/* a\nb */ y\n",
            "a whole comment may go"
        );
        assert_eq!(
            outcome.skipped[..2],
            [(0, Skipped::InComment), (1, Skipped::InComment)]
        );
        assert_eq!(
            comment_ranges("s := \"// no\" // yes").len(),
            1,
            "a string is not a comment"
        );
    }

    #[test]
    fn keeps_crlf_line_endings() {
        let text = "a\r\nb\r\n";
        let findings = [finding(
            Applicability::Safe,
            &[(Span::new(1, 2, 1, 2), "\ndefer cancel()")],
        )];
        assert_eq!(
            apply(text, &findings, UNSAFE).text,
            "a\r\ndefer cancel()\r\nb\r\n"
        );
    }

    #[test]
    fn diff_has_headers_and_hunks() {
        let diff = unified_diff("src/a.rs", "a\nb\nc\n", "a\nB\nc\n");
        assert!(diff.starts_with("--- a/src/a.rs\n+++ b/src/a.rs\n@@ -1,3 +1,3 @@\n"));
        assert!(diff.contains("-b\n+B\n"));
        assert_eq!(unified_diff("x", "a", "a"), "");
        assert!(
            unified_diff("/tmp/a.rs", "a\n", "b\n").starts_with("--- a/tmp/a.rs\n+++ b/tmp/a.rs\n")
        );
    }
}
