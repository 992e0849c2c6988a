//! A file of a package that no rule checks is parsed only for what it tells the other files
//! (package-level values, methods, struct fields, helpers that attach a context to a
//! request), so the bodies of its functions that hold none of that are blanked first.

use crate::guard::{Mark, Structure};

/// A function body that holds one of these may add to the package's facts: a struct type
/// declared in it, or a context attached to a request.
const FACT_WORDS: [&str; 2] = ["struct", "WithContext"];

/// The text with the bodies of top-level functions blanked (their line breaks kept) where
/// they hold no fact word, or `None` when no body is blanked. Only bodies laid out as gofmt
/// lays them out are recognised: a header on one line that starts with `func ` and ends with
/// the body's `{`, and the closing `}` at the start of its own line.
pub fn blank_fact_free_bodies(text: &str, structure: &Structure) -> Option<String> {
    let mut blanked = String::new();
    let mut at = 0;
    for (open, close) in top_level_braces(&structure.marks) {
        let body = &text[open + 1..close];
        if !is_function_body(text, open, close) || FACT_WORDS.iter().any(|w| body.contains(w)) {
            continue;
        }
        blanked.push_str(&text[at..=open]);
        blanked.extend(std::iter::repeat_n('\n', body.matches('\n').count()));
        at = close;
    }
    if at == 0 {
        return None;
    }
    blanked.push_str(&text[at..]);
    Some(blanked)
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

/// Whether the braces at `open` and `close` are a function's body as gofmt writes it.
fn is_function_body(text: &str, open: usize, close: usize) -> bool {
    let line_start = text[..open].rfind('\n').map_or(0, |newline| newline + 1);
    let header_ends = text[open + 1..]
        .split('\n')
        .next()
        .is_some_and(|rest| rest.trim().is_empty());
    text[line_start..].starts_with("func ") && header_ends && text[..close].ends_with('\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_bodies_that_add_no_fact() {
        let text = "package p\n\nfunc (s *S) Run(ctx context.Context) error {\n\tfor {\n\t\tstep()\n\t}\n}\n\nfunc typed() interface{} {\n\ttype local struct{ ctx context.Context }\n\treturn local{}\n}\n\nfunc attach(r *http.Request) {\n\tr = r.WithContext(ctx)\n}\n\nvar handler = func() {\n\twork()\n}\n\nfunc short() { work() }\n";
        let blanked = blank_fact_free_bodies(text, &Structure::scan(text)).unwrap();
        assert_eq!(
            blanked,
            text.replace("\tfor {\n\t\tstep()\n\t}\n", "\n\n\n")
        );
        assert_eq!(
            blank_fact_free_bodies("package p\n", &Structure::scan("package p\n")),
            None
        );
    }
}
