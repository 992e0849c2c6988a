//! Positions in one document: ctxlint's (1-based line, 1-based column counting Unicode scalar
//! values) and LSP's (0-based line, 0-based offset in UTF-8 or UTF-16 code units), with byte
//! offsets in between. Lines end at `\n`, `\r\n` or a lone `\r`, as LSP and [`SourceText`] agree.

use lsp_types::{Position, Range};

use crate::diagnostic::Span;
use crate::source::SourceText;

/// The code unit LSP columns count, negotiated at `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// The byte offset of an LSP position. A column past the end of its line means the end of the
/// line (as the protocol asks); a column inside a character means its start; a line past the
/// last means the end of the text.
pub fn offset_of(source: &SourceText, position: Position, encoding: Encoding) -> usize {
    let line = position.line as usize + 1;
    if line > source.line_count() {
        return source.text.len();
    }
    let start = source.offset(line, 1);
    let wanted = position.character as usize;
    let mut units = 0;
    let mut bytes = 0;
    for c in source.line(line).chars() {
        let next = units + encoding.units(c);
        if next > wanted {
            break;
        }
        units = next;
        bytes += c.len_utf8();
    }
    start + bytes
}

/// The LSP position of a ctxlint (line, column); out-of-range values are clamped to the text.
pub fn position_of(
    source: &SourceText,
    line: usize,
    column: usize,
    encoding: Encoding,
) -> Position {
    if line == 0 {
        return Position::new(0, 0);
    }
    if line > source.line_count() {
        let last = source.line_count();
        let end = source.line(last).chars().count() + 1;
        return position_of(source, last, end, encoding);
    }
    let character: usize = source
        .line(line)
        .chars()
        .take(column.saturating_sub(1))
        .map(|c| encoding.units(c))
        .sum();
    Position::new(to_u32(line - 1), to_u32(character))
}

/// The LSP range of a ctxlint span.
pub fn range_of(source: &SourceText, span: &Span, encoding: Encoding) -> Range {
    Range::new(
        position_of(source, span.line, span.column, encoding),
        position_of(source, span.end_line, span.end_column, encoding),
    )
}

/// Whether two ranges share a position (an empty range at a finding's edge counts).
pub fn overlaps(a: &Range, b: &Range) -> bool {
    let key = |p: &Position| (p.line, p.character);
    key(&a.start) <= key(&b.end) && key(&b.start) <= key(&a.end)
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceText {
        SourceText::new(text.to_string())
    }

    #[test]
    fn ascii_columns_are_the_same_in_every_encoding() {
        let s = source("fn main() {\n    call();\n}\n");
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            assert_eq!(position_of(&s, 2, 5, encoding), Position::new(1, 4));
            assert_eq!(offset_of(&s, Position::new(1, 4), encoding), 16);
        }
    }

    #[test]
    fn non_ascii_columns_count_code_units() {
        // `é` is 2 bytes and 1 UTF-16 unit; `😀` is 4 bytes and 2 UTF-16 units.
        let s = source("let s = \"é😀\"; call();\n");
        let column = "let s = \"é😀\"; ".chars().count() + 1;
        assert_eq!(position_of(&s, 1, column, Encoding::Utf16).character, 15);
        assert_eq!(position_of(&s, 1, column, Encoding::Utf8).character, 18);
        assert_eq!(offset_of(&s, Position::new(0, 15), Encoding::Utf16), 18);
        assert_eq!(offset_of(&s, Position::new(0, 18), Encoding::Utf8), 18);
        // Inside the surrogate pair or inside a UTF-8 sequence: the character's start.
        assert_eq!(offset_of(&s, Position::new(0, 11), Encoding::Utf16), 11);
        assert_eq!(offset_of(&s, Position::new(0, 10), Encoding::Utf8), 9);
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let s = source("a\r\nbé\rc\n");
        assert_eq!(offset_of(&s, Position::new(1, 0), Encoding::Utf16), 3);
        assert_eq!(offset_of(&s, Position::new(1, 2), Encoding::Utf16), 6);
        assert_eq!(offset_of(&s, Position::new(2, 0), Encoding::Utf16), 7);
        assert_eq!(position_of(&s, 3, 1, Encoding::Utf16), Position::new(2, 0));
        // A column past the end of a line stops before its line ending.
        assert_eq!(offset_of(&s, Position::new(0, 99), Encoding::Utf16), 1);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let s = source("ab\ncd");
        assert_eq!(offset_of(&s, Position::new(7, 0), Encoding::Utf8), 5);
        assert_eq!(position_of(&s, 9, 1, Encoding::Utf8), Position::new(1, 2));
        assert_eq!(position_of(&s, 1, 50, Encoding::Utf8), Position::new(0, 2));
        assert_eq!(position_of(&s, 0, 0, Encoding::Utf8), Position::new(0, 0));
    }

    #[test]
    fn spans_become_ranges_and_ranges_overlap() {
        let s = source("ü\n  x.y()\n");
        let range = range_of(&s, &Span::new(2, 3, 2, 8), Encoding::Utf16);
        assert_eq!(range, Range::new(Position::new(1, 2), Position::new(1, 7)));
        let cursor = Range::new(Position::new(1, 7), Position::new(1, 7));
        assert!(overlaps(&range, &cursor));
        let before = Range::new(Position::new(0, 0), Position::new(1, 1));
        assert!(!overlaps(&range, &before));
    }
}
