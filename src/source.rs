//! The text of one file and the mapping between byte offsets and line/column positions.

use crate::diagnostic::Span;

/// One file's text with a line index. Lines end at `\n`, `\r\n` or a lone `\r`.
pub struct SourceText {
    pub text: String,
    /// The path the file is reported under; empty when unknown.
    pub path: String,
    line_starts: Vec<usize>,
}

impl SourceText {
    pub fn new(text: String) -> SourceText {
        let mut line_starts = vec![0];
        let bytes = text.as_bytes();
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                line_starts.push(i + 1);
            }
        }
        SourceText {
            text,
            path: String::new(),
            line_starts,
        }
    }

    pub fn with_path(mut self, path: &str) -> SourceText {
        self.path = path.to_string();
        self
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line(&self, line: usize) -> &str {
        if line == 0 || line > self.line_starts.len() {
            return "";
        }
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// 1-based line and column (in Unicode scalar values) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line_index];
        let column = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        (line_index + 1, column + 1)
    }

    pub fn span_of_bytes(&self, start: usize, end: usize) -> Span {
        let (line, column) = self.position(start);
        let (end_line, end_column) = self.position(end);
        Span::new(line, column, end_line, end_column)
    }

    /// Byte offset of a 1-based line and column, clamped to the line.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        if line == 0 || line > self.line_starts.len() {
            return self.text.len();
        }
        let start = self.line_starts[line - 1];
        let text = self.line(line);
        let within: usize = text
            .chars()
            .take(column.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        start + within
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_chars_and_all_line_endings() {
        let source = SourceText::new("aé\r\nb\rc\nd".to_string());
        assert_eq!(source.line_count(), 4);
        assert_eq!(source.position(0), (1, 1));
        assert_eq!(source.position(3), (1, 3));
        assert_eq!(source.position(5), (2, 1));
        assert_eq!(source.position(7), (3, 1));
        assert_eq!(source.line(1), "aé");
        assert_eq!(source.line(3), "c");
        assert_eq!(source.offset(1, 3), 3);
    }
}
