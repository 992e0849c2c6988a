//! Limits that keep hostile input from overflowing the stack: parsers and visitors recurse
//! once per nesting level, so a file nested deeper than any hand-written code is reported
//! and skipped instead of parsed. The scan is lexical (comments and literals skipped) and
//! works for Rust and Go alike.

/// Deeper bracket nesting than this is refused.
pub const MAX_BRACKET_DEPTH: usize = 256;
/// More prefix operators (`|` of closures, `!`, `&`, `*`, `-`) than this between two
/// separators (`;` `,` `{` `}`) is refused: each one is a nested expression.
pub const MAX_PREFIX_RUN: usize = 2_000;

/// Why a file is too deeply nested to check, if it is.
pub fn too_deep(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut depth: usize = 0;
    let mut deepest = 0;
    let mut run = 0;
    let mut longest_run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let next = bytes.get(i + 1).copied();
        if let Some(after) = skip_comment_or_literal(bytes, i) {
            i = after;
            continue;
        }
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
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
                longest_run = longest_run.max(run);
            }
            b'-' if next != Some(b'>') => {
                run += 1;
                longest_run = longest_run.max(run);
            }
            _ => {}
        }
        i += 1;
    }
    if deepest > MAX_BRACKET_DEPTH {
        return Some(format!(
            "brackets nest {deepest} deep, deeper than the {MAX_BRACKET_DEPTH} ctxlint parses"
        ));
    }
    if longest_run > MAX_PREFIX_RUN {
        return Some(format!(
            "an expression nests {longest_run} operators deep, more than the {MAX_PREFIX_RUN} ctxlint parses"
        ));
    }
    None
}

/// If a comment or a string, raw string or character literal starts at `i`, the offset just
/// after it. Shared by the lexical scans that must not see brackets inside them.
pub(crate) fn skip_comment_or_literal(bytes: &[u8], i: usize) -> Option<usize> {
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

    #[test]
    fn refuses_deep_brackets_and_prefix_runs() {
        assert!(too_deep(&format!("{}{}", "(".repeat(300), ")".repeat(300))).is_some());
        assert!(too_deep(&format!("let f = {}1;", "|| ".repeat(3000))).is_some());
        assert!(too_deep(&format!("let x = {}a;", "&".repeat(3000))).is_some());
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
        assert_eq!(too_deep(&dashes), None);
        let code = "fn f<'a>(x: &'a str) -> bool { let c = '('; !x.is_empty() && c != ')' }\n";
        assert_eq!(too_deep(&code.repeat(1000)), None);
        let matches = format!("match x {{ {} }}", "1 => &A, ".repeat(5000));
        assert_eq!(too_deep(&matches), None);
    }
}
