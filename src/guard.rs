//! Limits that keep hostile input from overflowing the stack: parsers and visitors recurse
//! once per nesting level, so a file nested deeper than any hand-written code is reported
//! and skipped instead of parsed. The scan is lexical (comments and literals skipped) and
//! works for Rust and Go alike. The same pass records where the brackets and semicolons
//! stand, so that lazy parsing finds item boundaries without reading the text again.

/// Deeper bracket nesting than this is refused.
pub const MAX_BRACKET_DEPTH: usize = 256;
/// More prefix operators (`|` of closures, `!`, `&`, `*`, `-`) than this between two
/// separators (`;` `,` `{` `}`) is refused: each one is a nested expression.
pub const MAX_PREFIX_RUN: usize = 2_000;

/// A bracket or `;` outside comments and literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Byte offset (files are refused before they reach 4 GiB).
    pub at: u32,
    pub byte: u8,
}

/// What one lexical pass over a file found.
#[derive(Debug, Default)]
pub struct Structure {
    /// Every bracket and `;` outside comments and literals, in order.
    pub marks: Vec<Mark>,
    /// The text of each line comment that starts with `///` or `//!` (Rust's doc comments):
    /// from after those three characters to the end of the line.
    pub doc_comments: Vec<(usize, usize)>,
    deepest: usize,
    longest_run: usize,
    too_large: bool,
}

/// Bytes that may start a comment or literal, or that the scan counts; every other byte is
/// passed over with one table lookup.
const NOTABLE: [bool; 256] = {
    let mut table = [false; 256];
    let notable = b"/\"`'r([{)]};,|!&*-";
    let mut i = 0;
    while i < notable.len() {
        table[notable[i] as usize] = true;
        i += 1;
    }
    table
};

impl Structure {
    /// Scans `text` once.
    pub fn scan(text: &str) -> Structure {
        let bytes = text.as_bytes();
        let mut structure = Structure::default();
        if u32::try_from(bytes.len()).is_err() {
            structure.too_large = true;
            return structure;
        }
        let mut depth: usize = 0;
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            let byte = bytes[i];
            if !NOTABLE[byte as usize] {
                i += 1;
                continue;
            }
            if let Some(after) = skip_comment_or_literal(bytes, i) {
                if is_doc_comment(bytes, i) {
                    structure.doc_comments.push((i + 3, after));
                }
                i = after;
                continue;
            }
            match byte {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    structure.deepest = structure.deepest.max(depth);
                    if byte == b'{' {
                        run = 0;
                    }
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if byte == b'}' {
                        run = 0;
                    }
                }
                b';' | b',' => run = 0,
                b'|' | b'!' | b'&' | b'*' => {
                    run += 1;
                    structure.longest_run = structure.longest_run.max(run);
                }
                b'-' if bytes.get(i + 1) != Some(&b'>') => {
                    run += 1;
                    structure.longest_run = structure.longest_run.max(run);
                }
                _ => {}
            }
            if matches!(byte, b'(' | b'[' | b'{' | b')' | b']' | b'}' | b';') {
                // In range: the length was checked above.
                let at = i as u32;
                structure.marks.push(Mark { at, byte });
            }
            i += 1;
        }
        structure
    }

    /// Why the file is too deeply nested (or too large) to check, if it is.
    pub fn too_deep(&self) -> Option<String> {
        if self.too_large {
            return Some("the file is 4 GiB or larger".to_string());
        }
        if self.deepest > MAX_BRACKET_DEPTH {
            return Some(format!(
                "brackets nest {} deep, deeper than the {MAX_BRACKET_DEPTH} ctxlint parses",
                self.deepest
            ));
        }
        if self.longest_run > MAX_PREFIX_RUN {
            return Some(format!(
                "an expression nests {} operators deep, more than the {MAX_PREFIX_RUN} ctxlint parses",
                self.longest_run
            ));
        }
        None
    }

    /// The marks at byte offsets `from..to`.
    pub fn marks_between(&self, from: usize, to: usize) -> &[Mark] {
        let first = self.marks.partition_point(|mark| (mark.at as usize) < from);
        let last = self.marks.partition_point(|mark| (mark.at as usize) < to);
        &self.marks[first..last.max(first)]
    }
}

/// `///` (not `////`) or `//!` at `i`.
fn is_doc_comment(bytes: &[u8], i: usize) -> bool {
    let third = bytes.get(i + 2).copied();
    bytes[i..].starts_with(b"//")
        && (third == Some(b'!') || (third == Some(b'/') && bytes.get(i + 3) != Some(&b'/')))
}

/// If a comment or a string, raw string or character literal starts at `i`, the offset just
/// after it. Shared by the lexical scans that must not see brackets inside them.
fn skip_comment_or_literal(bytes: &[u8], i: usize) -> Option<usize> {
    let next = bytes.get(i + 1).copied();
    match bytes[i] {
        b'/' if next == Some(b'/') => Some(skip_line(bytes, i)),
        b'/' if next == Some(b'*') => Some(skip_block_comment(bytes, i)),
        quote @ (b'"' | b'`') => Some(skip_string(bytes, i, quote)),
        b'r' if matches!(next, Some(b'#' | b'"')) && !ident_before(bytes, i) => {
            Some(skip_raw_string(bytes, i))
        }
        b'\'' => Some(skip_char(bytes, i)),
        _ => None,
    }
}

fn skip_line(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

pub(crate) fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut nesting = 0;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                nesting += 1;
                i += 2;
            }
            (b'*', b'/') => {
                nesting -= 1;
                i += 2;
                if nesting == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

pub(crate) fn skip_string(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    i += 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

pub(crate) fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    let mut hashes = 0;
    while bytes.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    if bytes.get(i) != Some(&b'"') {
        return i;
    }
    i += 1;
    while i < bytes.len() {
        if bytes[i] == b'"' && bytes[i + 1..].iter().take_while(|b| **b == b'#').count() >= hashes {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

/// A character literal (`'a'`, `'\n'`, `'\u{1F600}'`); a lifetime (`'a`) is one quote only.
pub(crate) fn skip_char(bytes: &[u8], i: usize) -> usize {
    let rest = &bytes[i + 1..];
    if rest.first() == Some(&b'\\') {
        return rest
            .iter()
            .skip(1)
            .take(12)
            .position(|b| *b == b'\'')
            .map(|at| i + at + 3)
            .unwrap_or(i + 1);
    }
    // One UTF-8 character, then the closing quote.
    let width = match rest.first() {
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xF0 => 4,
        Some(b) if *b >= 0xE0 => 3,
        Some(_) => 2,
        None => return i + 1,
    };
    if rest.get(width) == Some(&b'\'') {
        i + width + 2
    } else {
        i + 1
    }
}

pub(crate) fn ident_before(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn too_deep_text(text: &str) -> Option<String> {
        Structure::scan(text).too_deep()
    }

    #[test]
    fn refuses_deep_brackets_and_prefix_runs() {
        assert!(too_deep_text(&format!("{}{}", "(".repeat(300), ")".repeat(300))).is_some());
        assert!(too_deep_text(&format!("let f = {}1;", "|| ".repeat(3000))).is_some());
        assert!(too_deep_text(&format!("let x = {}a;", "&".repeat(3000))).is_some());
    }

    #[test]
    fn ignores_comments_strings_and_ordinary_code() {
        let dashes = format!(
            "// {}\n/* {} */\nlet s = \"{}\";\nlet r = r#\"{}\"#;\n",
            "-".repeat(5000),
            "|".repeat(5000),
            "!".repeat(5000),
            "*".repeat(5000)
        );
        assert_eq!(too_deep_text(&dashes), None);
        let code = "fn f<'a>(x: &'a str) -> bool { let c = '('; !x.is_empty() && c != ')' }\n";
        assert_eq!(too_deep_text(&code.repeat(1000)), None);
        let matches = format!("match x {{ {} }}", "1 => &A, ".repeat(5000));
        assert_eq!(too_deep_text(&matches), None);
    }

    #[test]
    fn marks_brackets_and_doc_comments_outside_literals() {
        let text = "/// doc\n//// plain\n//! inner\nfn f() { let s = \"{\"; g('}'); }\n";
        let structure = Structure::scan(text);
        let marks: String = structure.marks.iter().map(|m| m.byte as char).collect();
        assert_eq!(marks, "(){;();}");
        let docs: Vec<&str> = structure
            .doc_comments
            .iter()
            .map(|&(start, end)| &text[start..end])
            .collect();
        assert_eq!(docs, vec![" doc", " inner"]);
        assert_eq!(structure.marks_between(0, 35).len(), 2);
    }
}
