//! Lazy parsing's text side: the top-level functions of a Go file, and the file with some of
//! their bodies blanked. A blanked body keeps one `\n` for each of its line breaks (`\n`,
//! `\r\n` or a lone `\r`, as the line index counts them), so everything after it stays on its
//! line and column.

use crate::guard::{Mark, Structure};

/// A top-level function whose body may be blanked. Only functions laid out as gofmt lays
/// them out are listed: a header on one line that starts with `func ` and ends with the
/// body's `{`, and the closing `}` at the start of its own line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopFunction<'t> {
    /// The start of the header's line.
    pub start: usize,
    /// The byte offsets of the body's `{` and `}`.
    pub open: usize,
    pub close: usize,
    /// The function's name (a method's without its receiver), which a `go` statement names.
    pub name: &'t str,
}

/// The top-level functions of `text`, in order.
pub fn top_functions<'t>(text: &'t str, structure: &Structure) -> Vec<TopFunction<'t>> {
    functions_in(text, structure).collect()
}

/// The text before the first top-level function (all of it when there is none), which
/// holds the imports.
pub fn before_functions<'t>(text: &'t str, structure: &Structure) -> &'t str {
    let first = functions_in(text, structure).next();
    &text[..first.map_or(text.len(), |f| f.start)]
}

fn functions_in<'t>(text: &'t str, structure: &Structure) -> impl Iterator<Item = TopFunction<'t>> {
    top_level_braces(&structure.marks).filter_map(|(open, close)| {
        let start = text[..open].rfind('\n').map_or(0, |newline| newline + 1);
        let header_ends = text[open + 1..]
            .split('\n')
            .next()
            .is_some_and(|rest| rest.trim().is_empty());
        let header = text[start..open].strip_prefix("func ")?;
        (header_ends && text[..close].ends_with('\n')).then(|| TopFunction {
            start,
            open,
            close,
            name: declared_name(header),
        })
    })
}

/// The name in a function header after `func `: `(s *S) Run(ctx ..` -> `Run`.
fn declared_name(header: &str) -> &str {
    let header = match header.strip_prefix('(') {
        Some(receiver) => receiver
            .split_once(')')
            .map_or("", |(_, rest)| rest.trim_start()),
        None => header,
    };
    let end = header
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(header.len());
    &header[..end]
}

/// The composite literals of package-level `var` declarations (`var x = []T{..}`, and in a
/// `var (..)` group) that hold no call and no struct type: data tables, which add no fact
/// about the package (its facts come from declarations, calls and struct types), as
/// [`TopFunction`]s with no name, in order. Only for the files read for their facts alone.
pub fn fact_free_tables<'t>(text: &'t str, structure: &Structure) -> Vec<TopFunction<'t>> {
    let marks = &structure.marks;
    let line_of = |at: usize| {
        let start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
        (start, &text[start..at])
    };
    let mut tables = Vec::new();
    let mut depth: usize = 0;
    let mut in_var_group = false;
    let mut i = 0;
    while i < marks.len() {
        let at = marks[i].at as usize;
        match marks[i].byte {
            b'(' | b'[' => {
                if depth == 0 {
                    in_var_group = marks[i].byte == b'(' && line_of(at).1.trim_end() == "var";
                }
                depth += 1;
            }
            b'{' => {
                let (start, header) = line_of(at);
                let declared = match depth {
                    0 => header.starts_with("var "),
                    1 => in_var_group,
                    _ => false,
                };
                let typed = header.trim_end().ends_with("struct")
                    || header.trim_end().ends_with("interface");
                if declared
                    && !typed
                    && let Some((close, calls)) = closing(marks, i)
                {
                    let end = marks[close].at as usize;
                    if !calls && !text[at..end].contains("struct") {
                        tables.push(TopFunction {
                            start,
                            open: at,
                            close: end,
                            name: "",
                        });
                    }
                    i = close + 1;
                    continue;
                }
                depth += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    in_var_group &= marks[i].byte != b')';
                }
            }
            _ => {}
        }
        i += 1;
    }
    tables
}

/// The index of the mark that closes the `{` at `marks[open]`, and whether a `(` (a call, a
/// conversion, a function's parameters) stands between them.
fn closing(marks: &[Mark], open: usize) -> Option<(usize, bool)> {
    let mut depth = 0;
    let mut paren = false;
    for (i, mark) in marks.iter().enumerate().skip(open) {
        match mark.byte {
            b'(' => {
                paren = true;
                depth += 1;
            }
            b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return (mark.byte == b'}').then_some((i, paren));
                }
            }
            _ => {}
        }
    }
    None
}

/// The text with the bodies of `functions` blanked, or `None` when there are none.
pub fn blank_bodies(text: &str, functions: &[TopFunction]) -> Option<String> {
    let mut blanked = String::new();
    let mut at = 0;
    for function in functions {
        let body = &text[function.open + 1..function.close];
        blanked.push_str(&text[at..=function.open]);
        blanked.extend(std::iter::repeat_n('\n', line_breaks(body)));
        at = function.close;
    }
    if at == 0 {
        return None;
    }
    blanked.push_str(&text[at..]);
    Some(blanked)
}

/// The text without its comments, or `None` when it has none: for a parse whose positions
/// no one reads (a file read only for its package's facts), since tree-sitter reads every
/// byte of a comment. A comment that spans lines leaves its line breaks, a shorter one a
/// space, so that no two tokens join and no line ends differently.
pub fn without_comments(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut kept = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        i = match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                kept.push_str(&text[copied..i]);
                copied = end;
                end
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end =
                    memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |n| i + n + 4);
                kept.push_str(&text[copied..i]);
                match line_breaks(&text[i..end]) {
                    0 => kept.push(' '),
                    breaks => kept.extend(std::iter::repeat_n('\n', breaks)),
                }
                copied = end;
                end
            }
            b'`' => memchr::memchr(b'`', &bytes[i + 1..]).map_or(bytes.len(), |n| i + n + 2),
            quote @ (b'"' | b'\'') => quoted_end(bytes, i, quote),
            _ => i + 1,
        };
    }
    if copied == 0 {
        return None;
    }
    kept.push_str(&text[copied..]);
    Some(kept)
}

/// The end of the interpreted string or rune literal that starts at `at` with `quote`: after
/// the closing quote, or at the end of the line for one left open.
pub fn quoted_end(bytes: &[u8], at: usize, quote: u8) -> usize {
    let mut i = at + 1;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'\\' => i += 2,
            b'\n' => return i,
            _ if byte == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// How many line breaks `text` holds, counted as the line index counts them: `\n`, `\r\n`
/// and a lone `\r` are one each.
fn line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
        .count()
}

/// The byte offsets of each `{` outside any bracket and of the `}` that closes it.
fn top_level_braces(marks: &[Mark]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut depth: usize = 0;
    let mut open = None;
    marks.iter().filter_map(move |mark| {
        let at = mark.at as usize;
        match mark.byte {
            b'(' | b'[' | b'{' => {
                if depth == 0 {
                    open = (mark.byte == b'{').then_some(at);
                }
                depth += 1;
                None
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                let closes = depth == 0 && mark.byte == b'}';
                closes.then(|| open.take()).flatten().map(|open| (open, at))
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "package p\n\nfunc (s *S) Run(ctx context.Context) error {\n\tfor {\n\t\tstep()\n\t}\n}\n\nvar handler = func() {\n\twork()\n}\n\nfunc short() { work() }\n\nfunc generic[T any](t T) {\n\tuse(t)\n}\n";

    #[test]
    fn lists_the_functions_gofmt_lays_out() {
        let functions = top_functions(TEXT, &Structure::scan(TEXT));
        let names: Vec<&str> = functions.iter().map(|f| f.name).collect();
        // A function literal in a `var` and a one-line body are never blanked.
        assert_eq!(names, vec!["Run", "generic"]);
        assert_eq!(
            &TEXT[functions[0].start..functions[0].open],
            "func (s *S) Run(ctx context.Context) error "
        );
    }

    #[test]
    fn blanks_bodies_and_keeps_their_lines() {
        let functions = top_functions(TEXT, &Structure::scan(TEXT));
        let blanked = blank_bodies(TEXT, &functions[..1]).unwrap();
        assert_eq!(
            blanked,
            TEXT.replace("\tfor {\n\t\tstep()\n\t}\n", "\n\n\n")
        );
        assert_eq!(blanked.lines().count(), TEXT.lines().count());
        assert_eq!(blank_bodies(TEXT, &[]), None);
    }

    #[test]
    fn finds_the_tables_that_add_no_fact() {
        let text = "package p\n\nvar table = []entry{\n\t{0x0, 0x8, prCM},\n\t{0x9, 0x9, prBA},\n}\n\nvar (\n\tnames = map[string]int{\n\t\t\"a\": 1,\n\t}\n\tmade = []T{\n\t\tnewT(),\n\t}\n)\n\nvar anonymous struct {\n\tctx context.Context\n}\n\nvar rows = []struct{ n int }{\n\t{1},\n}\n\nvar nested = []any{\n\tstruct{ ctx context.Context }{},\n}\n\nfunc f() {\n\tx := []int{\n\t\t1,\n\t}\n}\n";
        let tables = fact_free_tables(text, &Structure::scan(text));
        let opened: Vec<&str> = tables
            .iter()
            .map(|t| text[t.start..t.open].trim())
            .collect();
        // Not: a literal with a call, a struct type's fields, a literal holding a struct
        // type, anything in a function.
        assert_eq!(
            opened,
            [
                "var table = []entry",
                "names = map[string]int",
                "var rows = []struct{ n int }"
            ]
        );
        let blanked = blank_bodies(text, &tables).unwrap();
        assert!(blanked.starts_with("package p\n\nvar table = []entry{\n\n\n}\n"));
        assert_eq!(blanked.lines().count(), text.lines().count());
    }

    #[test]
    fn drops_comments_not_literals() {
        let text = "package p // the package\n\n/* two\nlines */ var a = \"// not a comment\" + `/* nor\n this */` + '\"'/**/+b\n// the end";
        assert_eq!(
            without_comments(text).unwrap(),
            "package p \n\n\n var a = \"// not a comment\" + `/* nor\n this */` + '\"' +b\n"
        );
        assert_eq!(without_comments("package p\n"), None);
    }

    #[test]
    fn keeps_every_kind_of_line_break() {
        let text = "package p\n\nfunc f() {\r\n\tstep()\r\tstep()\n}\n";
        let functions = top_functions(text, &Structure::scan(text));
        let blanked = blank_bodies(text, &functions).unwrap();
        assert_eq!(blanked, "package p\n\nfunc f() {\n\n\n}\n");
        let lines = |t: &str| crate::source::SourceText::new(t.to_string()).line_count();
        assert_eq!(lines(&blanked), lines(text));
    }
}
