//! Lazy parsing of Go: which bodies of top-level functions a run needs. A body is needed
//! when its function holds the trigger words of an enabled rule (see each rule's `needs`)
//! or a word that adds to the facts of its file or package. The others are blanked before
//! the parse (`mask.rs`), in the files rules check as in those read only for their
//! package's facts, so a syntax error in one is not reported. Signatures, types and
//! package-level declarations are always read.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::mask::{TopFunction, before_functions, quoted_end, top_functions};
use super::rules::{GOROUTINE_WORDS, Needs};
use crate::guard::Structure;
use crate::words::stands_alone;

/// A function body that holds one of these may add to the facts other functions and files
/// read: a struct type declared in it (its fields type `x.f`), or a context attached to a
/// request (a helper that does so excuses its callers).
const FACT_WORDS: [&str; 2] = ["struct", "WithContext"];

/// The empty struct (a set's or a signal channel's element type) declares no field.
const EMPTY_STRUCT: &str = "struct{}";

/// A trigger with its words and imports as ids.
struct Trigger {
    groups: Vec<Vec<usize>>,
    imports: Vec<usize>,
}

/// The bodies some needs call for, found by one search of a file's text.
pub struct BodyFilter {
    search: Option<AhoCorasick>,
    /// The triggers' imports, quoted as an import spec writes them, searched for at once.
    import_search: Option<AhoCorasick>,
    import_count: usize,
    triggers: Vec<Trigger>,
    /// The id of `go`, when the functions that goroutines start are kept too.
    go_word: Option<usize>,
}

impl BodyFilter {
    /// The bodies `needs` call for, and those that add facts.
    pub fn new(needs: impl IntoIterator<Item = Needs>) -> BodyFilter {
        let needs: Vec<Needs> = needs
            .into_iter()
            .chain(std::iter::once(Needs::any_of(FACT_WORDS)))
            .collect();
        let launched = needs.iter().any(|n| n.launched);
        let mut words: Vec<String> = Vec::new();
        let mut id = |word: &str| id_in(&mut words, word);
        let mut imports: Vec<String> = Vec::new();
        let mut import_id = |import: &str| id_in(&mut imports, &format!("\"{import}\""));
        let triggers = needs
            .iter()
            .flat_map(|n| &n.triggers)
            .filter(|trigger| !trigger.groups.is_empty())
            .map(|trigger| Trigger {
                groups: trigger
                    .groups
                    .iter()
                    .map(|group| group.iter().map(|w| id(w)).collect())
                    .collect(),
                imports: trigger.imports.iter().map(|i| import_id(i)).collect(),
            })
            .collect();
        let go_word = launched.then(|| id(GOROUTINE_WORDS[0]));
        // The words are identifiers, or start or end with punctuation (`<-`, `for {`), so no
        // two that stand alone overlap, and leftmost-longest (which keeps the search's
        // vectorised prefilter) misses none.
        let search = contiguous_nfa()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)
            .ok();
        BodyFilter {
            search,
            import_search: contiguous_nfa().build(&imports).ok(),
            import_count: imports.len(),
            triggers,
            go_word,
        }
    }

    /// Which triggers apply to a package with the files `files` (text and structure): those
    /// with no imports, and those one of whose imports a file holds.
    pub fn applying<'t>(
        &self,
        files: impl IntoIterator<Item = (&'t str, &'t Structure)>,
    ) -> Vec<bool> {
        let mut imported = vec![false; self.import_count];
        // No trigger names an import (the facts' filter): nothing to search for.
        if let Some(search) = self
            .import_search
            .as_ref()
            .filter(|_| self.import_count > 0)
        {
            for (text, structure) in files {
                for hit in search.find_iter(before_functions(text, structure)) {
                    imported[hit.pattern().as_usize()] = true;
                }
            }
        }
        self.triggers
            .iter()
            .map(|t| t.imports.is_empty() || t.imports.iter().any(|&i| imported[i]))
            .collect()
    }

    /// The top-level functions of `text` whose bodies no trigger applying (see
    /// [`BodyFilter::applying`]) calls for.
    pub fn unneeded<'t>(
        &self,
        text: &'t str,
        structure: &Structure,
        applying: &[bool],
    ) -> Vec<TopFunction<'t>> {
        let functions = top_functions(text, structure);
        if functions.is_empty() {
            return functions;
        }
        let hits = self.hits(text, &functions);
        let mut keep: Vec<bool> = functions
            .iter()
            .map(|f| {
                let mut ids: Vec<usize> = within(&hits, f).iter().map(|&(_, id)| id).collect();
                ids.sort_unstable();
                ids.dedup();
                self.triggered(&ids, applying)
            })
            .collect();
        if let Some(go_word) = self.go_word {
            keep_launched(text, &functions, &hits, go_word, &mut keep);
            keep_callers_of_starters(text, &functions, &hits, go_word, &mut keep);
        }
        functions
            .into_iter()
            .zip(keep)
            .filter_map(|(f, keep)| (!keep).then_some(f))
            .collect()
    }

    /// A filter that needs every body, to compare the lazy parse with.
    #[cfg(test)]
    pub fn needing_every_body() -> BodyFilter {
        BodyFilter {
            search: None,
            import_search: None,
            import_count: 0,
            triggers: vec![Trigger {
                groups: Vec::new(),
                imports: Vec::new(),
            }],
            go_word: None,
        }
    }

    /// Where each word stands alone in the code of one of `functions` (in its header, or in
    /// its body outside comments and literals), in order: (byte offset after it, word id).
    /// Only the functions are searched: no word holds a line break, so none reaches into one
    /// from outside.
    fn hits(&self, text: &str, functions: &[TopFunction]) -> Vec<(usize, usize)> {
        let Some(search) = &self.search else {
            return Vec::new();
        };
        let mut hits = Vec::new();
        for function in functions {
            let mut code = CodeScan {
                // The scan of a body starts at its `{`, which stands in code.
                at: function.open + 1,
            };
            let input = aho_corasick::Input::new(text).range(function.start..function.close);
            for hit in search.find_iter(input) {
                if !stands_alone(text, hit.start(), hit.end())
                    || text[hit.start()..].starts_with(EMPTY_STRUCT)
                    || (hit.start() > function.open && !code.reaches(text.as_bytes(), hit.start()))
                {
                    continue;
                }
                hits.push((hit.end(), hit.pattern().as_usize()));
            }
        }
        hits
    }

    /// Whether a function holding the words `ids` (sorted) meets an applying trigger.
    fn triggered(&self, ids: &[usize], applying: &[bool]) -> bool {
        self.triggers
            .iter()
            .zip(applying)
            .any(|(trigger, &applies)| {
                applies
                    && trigger
                        .groups
                        .iter()
                        .all(|group| group.iter().any(|w| ids.binary_search(w).is_ok()))
            })
    }
}

/// The index of `item` in `items`, added if it is new.
fn id_in(items: &mut Vec<String>, item: &str) -> usize {
    match items.iter().position(|i| i == item) {
        Some(id) => id,
        None => {
            items.push(item.to_string());
            items.len() - 1
        }
    }
}

/// A forward scan of Go code that passes over comments and string, raw string and rune
/// literals.
struct CodeScan {
    /// Where the scan stands: in code, or past the end of a comment or literal.
    at: usize,
}

impl CodeScan {
    /// Scans on to `target` (not before where the scan stands); whether `target` is in code,
    /// not inside a comment or literal.
    fn reaches(&mut self, bytes: &[u8], target: usize) -> bool {
        while self.at < target {
            let at = self.at;
            self.at = match bytes[at] {
                b'/' if bytes.get(at + 1) == Some(&b'/') => {
                    memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i)
                }
                b'/' if bytes.get(at + 1) == Some(&b'*') => {
                    memchr::memmem::find(&bytes[at + 2..], b"*/")
                        .map_or(bytes.len(), |i| at + i + 4)
                }
                b'`' => memchr::memchr(b'`', &bytes[at + 1..]).map_or(bytes.len(), |i| at + i + 2),
                quote @ (b'"' | b'\'') => quoted_end(bytes, at, quote),
                _ => at + 1,
            };
        }
        self.at == target
    }
}

/// A search built on every run (and every check of an editor's file): a contiguous NFA
/// with no dense states is a little slower than a DFA, but built with a fraction of the
/// allocations.
pub(super) fn contiguous_nfa() -> aho_corasick::AhoCorasickBuilder {
    let mut builder = AhoCorasick::builder();
    builder
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .dense_depth(0);
    builder
}

/// Whether one of `words` stands alone in the body of one of `functions` of `text`.
pub fn bodies_hold_any(text: &str, functions: &[TopFunction], words: &[String]) -> bool {
    functions.iter().any(|f| {
        let body = &text[f.open..f.close];
        words.iter().any(|word| {
            body.match_indices(word.as_str())
                .any(|(at, _)| stands_alone(body, at, at + word.len()))
        })
    })
}

/// The hits inside `function`, from its header to its closing brace.
fn within<'h>(hits: &'h [(usize, usize)], function: &TopFunction) -> &'h [(usize, usize)] {
    let first = hits.partition_point(|&(at, _)| at <= function.start);
    let last = hits.partition_point(|&(at, _)| at <= function.close);
    &hits[first..last]
}

/// Keeps the functions that a kept one starts as a goroutine (`go s.run(ctx)` keeps every
/// function and method named `run`), and so on from those.
fn keep_launched(
    text: &str,
    functions: &[TopFunction],
    hits: &[(usize, usize)],
    go_word: usize,
    keep: &mut [bool],
) {
    let mut pending: Vec<usize> = (0..functions.len()).filter(|&i| keep[i]).collect();
    while let Some(i) = pending.pop() {
        let launched = within(hits, &functions[i])
            .iter()
            .filter(|&&(_, id)| id == go_word)
            .filter_map(|&(end, _)| launched_name(&text[end..]));
        for name in launched {
            for (j, function) in functions.iter().enumerate() {
                if !keep[j] && function.name == name {
                    keep[j] = true;
                    pending.push(j);
                }
            }
        }
    }
}

/// Keeps the functions that call a kept one holding a `go` statement, and so on upward: a
/// call in a loop or a handler starts its goroutines more than once (the package's
/// `repeated` fact). Callers in other files of the package are blanked by their own file's
/// filter unless something else keeps them.
fn keep_callers_of_starters(
    text: &str,
    functions: &[TopFunction],
    hits: &[(usize, usize)],
    go_word: usize,
    keep: &mut [bool],
) {
    let mut pending: Vec<&str> = functions
        .iter()
        .zip(keep.iter())
        .filter(|&(f, &kept)| kept && within(hits, f).iter().any(|&(_, id)| id == go_word))
        .map(|(f, _)| f.name)
        .collect();
    while let Some(name) = pending.pop() {
        for (i, function) in functions.iter().enumerate() {
            if !keep[i] && calls(&text[function.open..function.close], name) {
                keep[i] = true;
                pending.push(function.name);
            }
        }
    }
}

/// Whether `body` holds a call naming `name` (`name(` or `x.name(`).
fn calls(body: &str, name: &str) -> bool {
    memchr::memmem::find_iter(body.as_bytes(), name.as_bytes()).any(|at| {
        let before = body[..at].chars().next_back();
        let standalone = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        standalone && body[at + name.len()..].starts_with('(')
    })
}

/// The name of the function a `go` statement starts, from the text after `go`:
/// ` s.run(ctx)` -> `run`; `None` for a function literal.
fn launched_name(after_go: &str) -> Option<&str> {
    let rest = after_go.strip_prefix([' ', '\t'])?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    let name = rest[..end].rsplit('.').next()?;
    (!name.is_empty() && name != "func").then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::rules::words;

    /// `text` with the bodies `filter` finds unneeded blanked.
    fn blank(filter: &BodyFilter, text: &str) -> String {
        let structure = Structure::scan(text);
        let applying = filter.applying([(text, &structure)]);
        let unneeded = filter.unneeded(text, &structure, &applying);
        crate::go::mask::blank_bodies(text, &unneeded).unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn keeps_a_body_with_a_word_of_each_group() {
        let filter = BodyFilter::new([Needs::all_of(vec![words(["for"]), words(["Context"])])]);
        let text = "package p\n\nfunc a(ctx context.Context) {\n\tfor {\n\t}\n}\n\nfunc b() {\n\tfor {\n\t}\n}\n\nfunc c(ctx context.Context) {\n\tformat(ctx)\n}\n";
        let blanked = blank(&filter, text);
        assert_eq!(
            blanked,
            "package p\n\nfunc a(ctx context.Context) {\n\tfor {\n\t}\n}\n\nfunc b() {\n\n\n}\n\nfunc c(ctx context.Context) {\n\n}\n"
        );
    }

    #[test]
    fn keeps_the_bodies_that_add_facts() {
        let filter = BodyFilter::new([]);
        let text = "package p\n\nfunc typed() interface{} {\n\ttype local struct{ ctx context.Context }\n\treturn local{}\n}\n\nfunc attach(r *http.Request) {\n\tr = r.WithContext(ctx)\n}\n\nfunc plain() {\n\twork()\n}\n";
        assert_eq!(blank(&filter, text), text.replace("\twork()\n", "\n"));
    }

    #[test]
    fn keeps_what_a_kept_goroutine_starts() {
        let needs = Needs::any_of(["Background"]).and_launched();
        let text = "package p\n\nfunc start() {\n\tctx := context.Background()\n\tgo s.run(ctx)\n}\n\nfunc (s *S) run(ctx context.Context) {\n\tgo loop()\n}\n\nfunc loop() {\n\tfor {\n\t}\n}\n\nfunc idle() {\n\tfor {\n\t}\n}\n";
        let blanked = blank(&BodyFilter::new([needs]), text);
        assert_eq!(
            blanked,
            text.replace("func idle() {\n\tfor {\n\t}\n", "func idle() {\n\n\n")
        );
        // Without `launched`, only the body with the word is kept.
        let blanked = blank(&BodyFilter::new([Needs::any_of(["Background"])]), text);
        assert!(blanked.contains("func (s *S) run(ctx context.Context) {\n\n}"));
    }

    #[test]
    fn a_trigger_applies_where_the_package_imports_its_api() {
        let filter = BodyFilter::new([Needs::any_of(["Get"]).importing(["net/http"])]);
        // The imports are read up to the first function, not to a function a comment shows.
        let text = "/*\nfunc example() {\n}\n*/\npackage p\n\nimport \"net/http\"\n\nfunc fetch(u string) {\n\thttp.Get(u)\n}\n";
        assert_eq!(blank(&filter, text), text);
        let other = text.replace("net/http", "example.com/cache");
        assert_eq!(
            blank(&filter, &other),
            other.replace("\thttp.Get(u)\n", "\n")
        );
    }

    #[test]
    fn words_in_comments_and_literals_keep_no_body() {
        let filter = BodyFilter::new([Needs::any_of(["Get", "go"])]);
        let text = "package p\n\nfunc a() {\n\t// Get it\n\t/* go\n\t*/\n\ts := \"Get\" + `go\n` + '\\''\n\tr := '\"'\n}\n\nfunc b() {\n\ts := \"a // b\"\n\tc.Get(s)\n}\n\nfunc c(r rune) {\n\tif r == '`' {\n\t\tgo run()\n\t}\n}\n";
        let blanked = blank(&filter, text);
        assert_eq!(
            blanked,
            text.replace(
                "\t// Get it\n\t/* go\n\t*/\n\ts := \"Get\" + `go\n` + '\\''\n\tr := '\"'\n",
                "\n\n\n\n\n\n"
            )
        );
        // A word in a function's header counts, comment or not.
        let text = "package p\n\nfunc d(/* Get */) {\n\twork()\n}\n";
        assert_eq!(blank(&filter, text), text);
    }

    #[test]
    fn words_stand_alone() {
        let filter = BodyFilter::new([Needs::any_of(["Get", "<-"])]);
        let text = "package p\n\nfunc a() {\n\tm.GetName()\n}\n\nfunc b() {\n\tc.Get(u)\n}\n\nfunc c() {\n\tv := <-ch\n}\n";
        assert_eq!(blank(&filter, text), text.replace("\tm.GetName()\n", "\n"));
    }
}
