//! Lazy parsing: the items of a file that contain no trigger of any enabled rule are blanked
//! out before the file is parsed (top-level items, and the members of `impl`, `trait` and
//! inline `mod` blocks one by one). Blanking keeps every line break and, on the
//! item's last line, one space per character, so lines and columns of the rest stay exact
//! and the parser skips the blanks almost for free. `use` declarations are always kept: rules
//! resolve paths through them. Modules compiled only for tests (`#[cfg(test)] mod ..`) are
//! always blanked: no rule checks test code. Of each run of doc comments in the items kept,
//! only an empty first one stays. Item boundaries come from the marks of the depth guard's scan.

use std::iter::Peekable;

use crate::guard::{Mark, Structure};

/// The text with unwanted items blanked and doc comments emptied, or `None` when every item
/// is wanted and no doc comment has text. `wanted(start, end)` says whether the item at those
/// byte offsets must be kept; `structure` is the guard's scan of `text`.
pub fn mask(
    text: &str,
    structure: &Structure,
    wanted: impl Fn(usize, usize) -> bool,
) -> Option<String> {
    let segments = top_level_items(text, structure);
    let blank: Vec<(usize, usize)> = segments
        .into_iter()
        .filter(|&(start, end)| {
            let item = ItemHead::of(&text[start..end]);
            item.is_test_module() || (!wanted(start, end) && !item.is_use())
        })
        .collect();
    let cuts = doc_cuts(text, structure);
    if blank.is_empty() && cuts.is_empty() {
        return None;
    }
    let mut cuts = cuts.into_iter().peekable();
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in blank {
        push_without_cuts(&mut masked, text, at, start, &mut cuts);
        // Keep the line breaks, and spaces for the columns of the last line only: the
        // parser then skips a few bytes instead of the whole item.
        let item = &text[start..end];
        let last_line = match item.rfind('\n') {
            Some(newline) => {
                masked.extend(std::iter::repeat_n('\n', item.matches('\n').count()));
                &item[newline + 1..]
            }
            None => item,
        };
        masked.extend(std::iter::repeat_n(' ', last_line.chars().count()));
        at = end;
    }
    push_without_cuts(&mut masked, text, at, text.len(), &mut cuts);
    Some(masked)
}

/// The parts of doc comments to leave out. A doc comment's text becomes a string literal
/// that the parser copies and unescapes, and no rule reads it: the first comment of a run
/// keeps its `///` or `//!`, so that its item still starts on that line; the others of the
/// run go whole. A comment with a lone `\r` is left alone: the parser rejects that file.
fn doc_cuts(text: &str, structure: &Structure) -> Vec<(usize, usize)> {
    let mut cuts = Vec::new();
    // The end and kind (`/` or `!`) of the doc comment before.
    let mut previous: Option<(usize, u8)> = None;
    for &(start, end) in &structure.doc_comments {
        let comment = start - 3;
        let kind = text.as_bytes()[start - 1];
        let continues = previous.is_some_and(|(previous_end, previous_kind)| {
            previous_kind == kind && text[previous_end..comment].trim().is_empty()
        });
        previous = Some((end, kind));
        if text[start..end].contains('\r') {
            continue;
        }
        if continues {
            cuts.push((comment, end));
        } else if start < end {
            cuts.push((start, end));
        }
    }
    cuts
}

/// Appends `text[from..to]` less the cuts in it (those before `from` were in a blanked item).
fn push_without_cuts(
    masked: &mut String,
    text: &str,
    from: usize,
    to: usize,
    cuts: &mut Peekable<impl Iterator<Item = (usize, usize)>>,
) {
    let mut at = from;
    while let Some((start, end)) = cuts.next_if(|&(start, _)| start < to) {
        if start >= at {
            masked.push_str(&text[at..start]);
            at = end;
        }
    }
    masked.push_str(&text[at..to]);
}

/// Whether a line declares a module (`mod name;`, `pub(crate) mod name;`) right under a
/// `#[cfg(..)]` line that names `test` or one of `test_features`: the cheap question asked of
/// every file, so that a file that holds nothing else for the rules still tells the project
/// which modules only tests compile.
pub fn may_declare_test_only_module(text: &str, test_features: &[String]) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"#[cfg(").any(|at| {
        let starts_line = text[..at].ends_with(['\n', ' ', '\t']) || at == 0;
        let mut lines = text[at..].splitn(3, '\n');
        let (Some(attribute), Some(next)) = (lines.next(), lines.next()) else {
            return false;
        };
        let next = next.trim();
        let declared = next.strip_suffix(';').and_then(|line| {
            let name = match line.strip_prefix("mod ") {
                Some(name) => name,
                None if line.starts_with("pub") => line.split_once(" mod ")?.1,
                None => return None,
            };
            Some(name.trim())
        });
        // `mod tests;` names a file that is test code by its own name and is never read.
        let unread = |name: &str| super::is_test_path(&format!("{name}.rs"));
        let for_tests = || {
            attribute.contains("test")
                || test_features.iter().any(|f| attribute.contains(f.as_str()))
        };
        starts_line && declared.is_some_and(|name| !unread(name)) && for_tests()
    })
}

/// The names of the file's top-level `mod name;` declarations with an attribute for which
/// `test_only` holds (`#[cfg(feature = "e2e_tests")] pub mod test_helpers;`): the files of
/// such a module are compiled only for tests.
pub fn test_only_modules(
    text: &str,
    structure: &Structure,
    test_only: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut items = Vec::new();
    // At the deepest nesting no body is split: the file's own items only.
    items_between(text, structure, 0, text.len(), MAX_NESTING, &mut items);
    items
        .into_iter()
        .filter_map(|(start, end)| {
            let item = ItemHead::of(&text[start..end]);
            let after = item.rest.strip_prefix("mod")?;
            let name = after.strip_suffix(';')?.trim();
            let is_name = !name.is_empty()
                && after.starts_with(char::is_whitespace)
                && name.chars().all(|c| c.is_alphanumeric() || c == '_');
            let test = item.attributes.iter().any(|attribute| test_only(attribute));
            (is_name && test).then(|| name.to_string())
        })
        .collect()
}

/// Byte ranges of the items to keep or blank, each with its leading attributes and comments:
/// the top-level items, except that the body of an `impl`, `trait` or inline `mod` is split
/// into its own items (its header and braces are never blanked), so that one async method
/// does not keep a whole `impl` block.
fn top_level_items(text: &str, structure: &Structure) -> Vec<(usize, usize)> {
    let mut items = Vec::new();
    items_between(text, structure, 0, text.len(), 0, &mut items);
    items
}

/// How deep item bodies are split; deeper ones are kept or blanked whole.
const MAX_NESTING: usize = 8;

/// Appends the items between `from` and `to` (the inside of a body, or the whole file). An
/// item ends at a `;` or a closing `}` (and a `;` right after it) at depth zero.
fn items_between(
    text: &str,
    structure: &Structure,
    from: usize,
    to: usize,
    nesting: usize,
    items: &mut Vec<(usize, usize)>,
) {
    let push = |items: &mut Vec<(usize, usize)>, start: usize, end: usize| {
        let body = body_of(text, structure, start, end).filter(|_| nesting < MAX_NESTING);
        match body {
            Some((open, close)) => {
                items_between(text, structure, open + 1, close, nesting + 1, items)
            }
            None => items.push((start, end)),
        }
    };
    let mut start = from;
    let mut depth: usize = 0;
    let mut marks = structure.marks_between(from, to).iter().peekable();
    while let Some(&Mark { at, byte }) = marks.next() {
        let i = at as usize;
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let mut end = i + 1;
                    let after = text[end..to].trim_start();
                    if after.starts_with(';') {
                        end = to - after.len() + 1;
                        marks.next();
                    }
                    push(items, start, end);
                    start = end;
                }
            }
            b';' if depth == 0 => {
                push(items, start, i + 1);
                start = i + 1;
            }
            _ => {}
        }
    }
}

/// The byte offsets of the braces around the body of an `impl`, `trait` or inline `mod` item.
fn body_of(text: &str, structure: &Structure, start: usize, end: usize) -> Option<(usize, usize)> {
    let item = &text[start..end];
    let head = ItemHead::of(item);
    let rest = head
        .rest
        .strip_prefix("unsafe ")
        .unwrap_or(head.rest)
        .trim_start();
    let container = ["impl", "trait", "mod"].iter().any(|keyword| {
        rest.strip_prefix(keyword)
            .is_some_and(|after| after.starts_with([' ', '<', '\n', '\t']))
    });
    if !container || !item.ends_with('}') || head.is_test_module() {
        return None;
    }
    // The first `{` outside parentheses and brackets opens the body (`where F: Fn() -> T {`).
    let mut depth: usize = 0;
    let after_head = start + (item.len() - head.rest.len());
    for mark in structure.marks_between(after_head, end) {
        match mark.byte {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'{' if depth == 0 => return Some((mark.at as usize, end - 1)),
            _ => {}
        }
    }
    None
}

/// The start of an item: its attributes, and the text after them and its visibility.
struct ItemHead<'a> {
    attributes: Vec<&'a str>,
    rest: &'a str,
}

impl<'a> ItemHead<'a> {
    fn of(item: &'a str) -> ItemHead<'a> {
        let mut attributes = Vec::new();
        let mut rest = item;
        loop {
            rest = rest.trim_start();
            if let Some(comment) = rest.strip_prefix("//") {
                rest = comment.split_once('\n').map(|(_, r)| r).unwrap_or("");
            } else if rest.starts_with("/*") {
                rest = rest.split_once("*/").map(|(_, r)| r).unwrap_or("");
            } else if rest.starts_with('#') {
                // An attribute: skip to its closing bracket.
                let Some(close) = rest.find(']') else {
                    break;
                };
                attributes.push(&rest[..=close]);
                rest = &rest[close + 1..];
            } else if let Some(after) = rest.strip_prefix("pub") {
                rest = after.trim_start();
                if rest.starts_with('(') {
                    rest = rest.split_once(')').map(|(_, r)| r).unwrap_or("");
                }
            } else {
                break;
            }
        }
        ItemHead { attributes, rest }
    }

    /// A `use` or `extern crate` declaration.
    fn is_use(&self) -> bool {
        let rest = self.rest;
        rest.starts_with("use ") || rest.starts_with("use\n") || rest.starts_with("extern crate")
    }

    /// `#[cfg(test)] mod name { .. }`.
    fn is_test_module(&self) -> bool {
        let cfg_test = self.attributes.iter().any(|attribute| {
            let compact: String = attribute.split_whitespace().collect();
            compact == "#[cfg(test)]"
        });
        cfg_test && self.rest.starts_with("mod ") && self.rest.ends_with('}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_declared_under_a_test_only_cfg() {
        let text = "#[cfg(feature = \"e2e\")]\npub mod helpers;\n#[cfg(unix)]\nmod sys;\n#[cfg(test)]\nmod tests {\n    mod inner;\n}\npub(crate) mod real;\n#[cfg(test)]\nmod fixtures;\n";
        let features = ["e2e".to_string()];
        assert!(may_declare_test_only_module(text, &features));
        assert!(!may_declare_test_only_module(
            "#[cfg(test)]\nmod tests;\n",
            &features
        ));
        assert!(!may_declare_test_only_module(
            "#[cfg(unix)]\nmod sys;\n",
            &features
        ));
        let names = test_only_modules(text, &Structure::scan(text), |attribute| {
            attribute.contains("e2e") || attribute == "#[cfg(test)]"
        });
        assert_eq!(names, ["helpers", "fixtures"]);
        assert!(!may_declare_test_only_module(
            "#[cfg(test)]\nmod tests {\n}\nmod a;\n",
            &features
        ));
    }

    #[test]
    fn blanks_unwanted_items_and_keeps_positions() {
        let text = "use std::fs;\n#[derive(Debug)]\nstruct A { x: u8 }\nfn sync() { let s = \"}\"; }\nasync fn f() {\n    g().await;\n}\nconst X: B = B { c: 1 };\npub(crate) use x::y;\n#[cfg(test)]\nmod tests {\n    async fn t() { g().await; }\n}\n";
        let wanted = |start: usize, end: usize| text[start..end].contains("async");
        let masked = mask(text, &Structure::scan(text), wanted).unwrap();
        assert_eq!(masked.lines().count(), text.lines().count());
        for (kept, original) in masked.lines().zip(text.lines()) {
            if !kept.trim().is_empty() {
                assert_eq!(kept, original, "a kept line moved");
            }
        }
        assert!(masked.starts_with("use std::fs;\n"));
        assert!(!masked.contains("struct"));
        assert!(!masked.contains("sync()"));
        assert!(masked.contains("async fn f() {\n    g().await;\n}"));
        assert!(!masked.contains("const"));
        assert!(masked.contains("pub(crate) use x::y;"));
        assert!(
            !masked.contains("mod tests"),
            "a test module is blanked even with a trigger"
        );
        assert!(syn::parse_file(&masked).is_ok());
        let all = "async fn f() {}";
        assert_eq!(mask(all, &Structure::scan(all), |_, _| true), None);
    }

    #[test]
    fn splits_impl_trait_and_mod_bodies_into_items() {
        let text = "impl<F> Server<F> where F: Fn() -> u8 {\n    fn sync(&self) -> u8 { 1 }\n    async fn run(&self) { g().await }\n    const N: u8 = 1;\n}\nmod inner {\n    use a::b;\n    pub trait T { fn x(&self) {} }\n}\nunsafe impl Send for Server<u8> {}\n";
        let wanted = |start: usize, end: usize| text[start..end].contains("async");
        let masked = mask(text, &Structure::scan(text), wanted).unwrap();
        assert!(masked.contains("impl<F> Server<F> where F: Fn() -> u8 {\n"));
        assert!(!masked.contains("sync(&self)"), "{masked}");
        assert!(masked.contains("    async fn run(&self) { g().await }\n"));
        assert!(!masked.contains("const"));
        assert!(masked.contains("mod inner {\n    use a::b;\n"));
        assert!(
            masked.contains("pub trait T {"),
            "an empty trait's braces stay"
        );
        assert!(!masked.contains("fn x"));
        assert!(masked.contains("unsafe impl Send for Server<u8> {}"));
        assert!(syn::parse_file(&masked).is_ok(), "{masked}");
    }

    #[test]
    fn keeps_one_empty_doc_comment_per_run() {
        let text = "//! Crate docs.\n//! More.\n/// Runs.\n  /// Still.\n#[doc = \"x\"]\n/// Again.\nasync fn f() {\n    /// a statement\n    g().await;\n}\n/// Unwanted.\nfn h() {}\n";
        let wanted = |start: usize, end: usize| text[start..end].contains("async");
        let masked = mask(text, &Structure::scan(text), wanted).unwrap();
        assert_eq!(
            masked,
            "//!\n\n///\n  \n#[doc = \"x\"]\n///\nasync fn f() {\n    ///\n    g().await;\n}\n\n         \n"
        );
        assert!(syn::parse_file(&masked).is_ok());
    }
}
