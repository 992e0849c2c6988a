//! Suppression comments: `// ctxlint: allow(rule-a, rule-b) reason` on the line of a finding
//! (trailing) or alone on the line above it; above an item it covers the whole item;
//! `// ctxlint: allow-file(rule)` anywhere covers the file. Go's `//nolint:ctxlint` covers
//! every rule in the same places, as do golangci-lint's bare `//nolint` and `//nolint:all`;
//! `//nolint:<linter>` silences the rules a front end maps that linter to (`govet` ->
//! `lost-cancel`, see `rules/go/peer_linters.toml`).
//! A comment that looks meant for ctxlint but is not a directive it reads (no parentheses,
//! upper case, a `/* */` comment) is reported as `unused-suppression`: it silences nothing,
//! and saying nothing would let the user believe it did. Parsers drop comments, so this
//! scans the text itself.

use crate::diagnostic::{Applicability, Edit, Finding, Fix, Span};
use crate::registry;
use crate::source::SourceText;

const MARKER: &str = "ctxlint:";

/// Another linter's name -> the ctxlint rules its `//nolint:<name>` silences.
pub type PeerNolint = std::collections::BTreeMap<String, Vec<String>>;

/// For a language whose peers' comments ctxlint does not read.
pub static NO_PEERS: PeerNolint = PeerNolint::new();

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Each named rule with the span of its name in the comment. Empty for `nolint`.
    pub rules: Vec<(String, Span)>,
    /// First and last line covered.
    pub covers: (usize, usize),
    pub file_level: bool,
    /// `nolint` directives name no rule and are never reported as unused.
    pub all_rules: bool,
    /// Rules silenced by another linter's `//nolint:<name>`: never reported as unused, as
    /// the comment may be meant for another check of that linter.
    pub peer_rules: Vec<String>,
    /// What removes the comment: its whole line when it stands alone, else the comment and
    /// the blanks before it.
    pub removal: Span,
    /// Why a comment meant for ctxlint is not read as a directive (it then covers nothing),
    /// with the span of the comment.
    pub malformed: Option<(&'static str, Span)>,
}

/// Finds every directive in a file. `item_ranges` are the (first, last) lines of items
/// (functions, impls, modules, types) so that a directive above an item covers it.
pub fn scan(
    source: &SourceText,
    item_ranges: &[(usize, usize)],
    peers: &PeerNolint,
) -> Vec<Directive> {
    let mut directives = Vec::new();
    if !may_contain_directives(&source.text) {
        return directives;
    }
    let mut items = item_ranges.to_vec();
    items.sort_unstable();
    // The longest item starting on a line: the last of those sorted before the next line.
    let item_end = |line: usize| {
        let after = items.partition_point(|&(start, _)| start <= line);
        after
            .checked_sub(1)
            .map(|last| items[last])
            .filter(|&(start, _)| start == line)
            .map_or(line, |(_, end)| end)
    };
    // Directive lines in a row share their next code line (or its absence): found once, not
    // once each. `None` until searched.
    let mut next_code: Option<Option<usize>> = None;
    for line_number in 1..=source.line_count() {
        let line = source.line(line_number);
        let Some((comment_start, body)) = directive_comment(line, peers) else {
            continue;
        };
        let code = line[..comment_start].trim_end();
        let alone = code.is_empty();
        let removal = if alone {
            Span::new(line_number, 1, line_number + 1, 1)
        } else {
            let end = line.chars().count() + 1;
            Span::new(line_number, code.chars().count() + 1, line_number, end)
        };
        let covers = if alone {
            let next = match next_code {
                Some(Some(next)) if next <= line_number => next_code_line(source, line_number),
                Some(found) => found,
                None => next_code_line(source, line_number),
            };
            next_code = Some(next);
            next.map(|next| (next, item_end(next)))
                .unwrap_or((line_number, line_number))
        } else {
            (line_number, line_number)
        };
        match body {
            Body::NoLint => directives.push(Directive {
                rules: Vec::new(),
                covers,
                file_level: false,
                all_rules: true,
                peer_rules: Vec::new(),
                removal,
                malformed: None,
            }),
            Body::Peers(peer_rules) => directives.push(Directive {
                rules: Vec::new(),
                covers,
                file_level: false,
                all_rules: false,
                peer_rules,
                removal,
                malformed: None,
            }),
            Body::Malformed(why) => {
                let start = line[..comment_start].chars().count() + 1;
                let span = Span::new(line_number, start, line_number, line.chars().count() + 1);
                directives.push(Directive {
                    rules: Vec::new(),
                    covers: (line_number, line_number),
                    file_level: false,
                    all_rules: false,
                    peer_rules: Vec::new(),
                    removal,
                    malformed: Some((why, span)),
                });
            }
            Body::Allow {
                file_level,
                names_at,
                names,
            } => {
                let mut rules = Vec::new();
                let mut offset = names_at;
                for name in names.split(',') {
                    let trimmed = name.trim();
                    let lead = name.len() - name.trim_start().len();
                    if !trimmed.is_empty() {
                        let start = line[..offset + lead].chars().count() + 1;
                        let span = Span::new(
                            line_number,
                            start,
                            line_number,
                            start + trimmed.chars().count(),
                        );
                        rules.push((trimmed.to_string(), span));
                    }
                    offset += name.len() + 1;
                }
                directives.push(Directive {
                    rules,
                    covers,
                    file_level,
                    all_rules: false,
                    peer_rules: Vec::new(),
                    removal,
                    malformed: None,
                });
            }
        }
    }
    directives
}

/// A cheap test: text without these words has no directive. The spellings are searched for
/// as they are, leftmost-first: that lets the search use its vectorised prefilter, where a
/// case-insensitive search costs more than reading the file. Other mixed cases are too odd to
/// be meant as directives.
pub fn may_contain_directives(text: &str) -> bool {
    static WORDS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(directive_words())
            .expect("literal words")
    });
    WORDS.is_match(text)
}

/// The words [`may_contain_directives`] looks for, for a front end that searches for them
/// in the same pass as its own words.
pub fn directive_words() -> Vec<String> {
    [MARKER, "nolint"]
        .into_iter()
        .flat_map(|word| {
            let mut capital = word.to_string();
            capital[..1].make_ascii_uppercase();
            let camel = capital.replacen("lint", "Lint", 1);
            [word.to_string(), word.to_ascii_uppercase(), capital, camel]
        })
        .collect()
}

enum Body<'a> {
    NoLint,
    /// Another linter's `//nolint:<name>`, with the ctxlint rules it silences.
    Peers(Vec<String>),
    /// Meant for ctxlint, but not a directive it reads; says why.
    Malformed(&'static str),
    Allow {
        file_level: bool,
        /// Byte offset in the line where the names start.
        names_at: usize,
        names: &'a str,
    },
}

/// Finds a `//` comment holding a directive; returns where the comment starts and its body.
fn directive_comment<'l>(line: &'l str, peers: &PeerNolint) -> Option<(usize, Body<'l>)> {
    if let Some(block) = line.find("/*")
        && line[block + 2..]
            .trim_start_matches(['*', '!'])
            .trim_start()
            .to_ascii_lowercase()
            .starts_with(MARKER)
    {
        return Some((block, Body::Malformed(BLOCK_COMMENT)));
    }
    let mut search_from = 0;
    while let Some(found) = line[search_from..].find("//") {
        let comment_start = search_from + found;
        let after = &line[comment_start..];
        let body = after.trim_start_matches('/').trim_start();
        let body_at = comment_start + (after.len() - body.len());
        let marked = body
            .get(..MARKER.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(MARKER));
        if marked {
            let rest = &body[MARKER.len()..];
            let rest_trimmed = rest.trim_start();
            let rest_at = body_at + MARKER.len() + (rest.len() - rest_trimmed.len());
            for (keyword, file_level) in [("allow-file(", true), ("allow(", false)] {
                if let Some(inner) = rest_trimmed.strip_prefix(keyword) {
                    let Some(close) = inner.find(')') else {
                        return Some((comment_start, Body::Malformed(UNCLOSED)));
                    };
                    if !body.starts_with(MARKER) {
                        return Some((comment_start, Body::Malformed(UPPER_CASE)));
                    }
                    return Some((
                        comment_start,
                        Body::Allow {
                            file_level,
                            names_at: rest_at + keyword.len(),
                            names: &inner[..close],
                        },
                    ));
                }
            }
            let word: String = rest_trimmed
                .chars()
                .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
                .collect();
            let why = match word.to_ascii_lowercase().as_str() {
                "allow" | "allow-file"
                    if rest_trimmed[word.len()..].trim_start().starts_with('(') =>
                {
                    UPPER_CASE
                }
                "allow" | "allow-file" => NO_PARENTHESES,
                _ => UNKNOWN_KEYWORD,
            };
            return Some((comment_start, Body::Malformed(why)));
        }
        if body == "nolint" || body.starts_with("nolint ") {
            return Some((comment_start, Body::NoLint));
        }
        if let Some(list) = body.strip_prefix("nolint:") {
            let list = list.split_whitespace().next().unwrap_or("");
            if list
                .split(',')
                .any(|name| name == "ctxlint" || name == "all")
            {
                return Some((comment_start, Body::NoLint));
            }
            let silenced: Vec<String> = list
                .split(',')
                .filter_map(|name| peers.get(name))
                .flatten()
                .cloned()
                .collect();
            if !silenced.is_empty() {
                return Some((comment_start, Body::Peers(silenced)));
            }
        }
        search_from = comment_start + 2;
    }
    None
}

const NO_PARENTHESES: &str =
    "the rules must be in parentheses: `// ctxlint: allow(rule-a, rule-b) reason`";
const UNCLOSED: &str =
    "the list of rules is not closed: `// ctxlint: allow(rule-a, rule-b) reason`";
const BLOCK_COMMENT: &str =
    "a `/* */` comment is not read as a suppression: write `// ctxlint: allow(rule)`";
const UPPER_CASE: &str = "directives are lower case: `// ctxlint: allow(rule)`";
const UNKNOWN_KEYWORD: &str =
    "ctxlint reads `// ctxlint: allow(rule)` and `// ctxlint: allow-file(rule)` only";

fn next_code_line(source: &SourceText, after: usize) -> Option<usize> {
    (after + 1..=source.line_count()).find(|&line| {
        let text = source.line(line).trim();
        !text.is_empty() && !text.starts_with("//")
    })
}

/// What applying a file's directives leaves.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings no directive covers, with the `unknown-rule` / `unused-suppression` findings.
    pub kept: Vec<Finding>,
    /// Findings a directive covers: not reported, but kept for SARIF, which lists them as
    /// suppressed.
    pub suppressed: Vec<Finding>,
}

/// Sets suppressed findings apart and adds `unknown-rule` / `unused-suppression` findings.
/// `ran(rule)` says whether a rule was enabled and implemented for this file's language.
pub fn apply(
    directives: &[Directive],
    findings: Vec<Finding>,
    ran: &dyn Fn(&str) -> bool,
) -> Applied {
    let mut used: Vec<Vec<bool>> = directives
        .iter()
        .map(|d| vec![false; d.rules.len()])
        .collect();
    // Findings in line order meet the directives covering their line, kept in `active`:
    // each directive joins once and leaves once, so work grows with findings plus directives.
    let (file_level, mut by_start): (Vec<usize>, Vec<usize>) =
        (0..directives.len()).partition(|&index| directives[index].file_level);
    by_start.sort_by_key(|&index| directives[index].covers.0);
    let mut joined = 0;
    let mut active: Vec<usize> = Vec::new();
    let mut in_line_order: Vec<usize> = (0..findings.len()).collect();
    in_line_order.sort_by_key(|&index| findings[index].span.line);
    let mut silenced = vec![false; findings.len()];
    for finding_index in in_line_order {
        let finding = &findings[finding_index];
        let line = finding.span.line;
        while let Some(&index) = by_start.get(joined)
            && directives[index].covers.0 <= line
        {
            active.push(index);
            joined += 1;
        }
        active.retain(|&index| directives[index].covers.1 >= line);
        for &index in file_level.iter().chain(&active) {
            let directive = &directives[index];
            if directive.all_rules || directive.peer_rules.iter().any(|r| r == finding.rule) {
                silenced[finding_index] = true;
            }
            for (rule_index, (name, _)) in directive.rules.iter().enumerate() {
                if name == finding.rule {
                    used[index][rule_index] = true;
                    silenced[finding_index] = true;
                }
            }
        }
    }
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for (finding, silenced) in findings.into_iter().zip(silenced) {
        if silenced {
            suppressed.push(finding);
        } else {
            kept.push(finding);
        }
    }
    for (index, directive) in directives.iter().enumerate() {
        if let Some((why, span)) = directive.malformed {
            kept.push(
                Finding::new(
                    "unused-suppression",
                    span,
                    "this comment is not a suppression ctxlint reads: it suppresses nothing",
                )
                .help(why),
            );
        }
        for (rule_index, (name, span)) in directive.rules.iter().enumerate() {
            if registry::find(name).is_none() {
                let help = match registry::suggest(name) {
                    Some(rule) => format!("did you mean `{rule}`?"),
                    None => "`ctxlint rules` lists every rule name".to_string(),
                };
                kept.push(
                    Finding::new(
                        "unknown-rule",
                        *span,
                        format!("`{name}` is not a ctxlint rule"),
                    )
                    .help(help),
                );
            } else if !used[index][rule_index]
                && ran(name)
                && !registry::SUPPRESSION_RULES.contains(&name.as_str())
            {
                let mut finding = Finding::new(
                    "unused-suppression",
                    *span,
                    format!("this `allow({name})` suppresses nothing"),
                )
                .help("remove it, or move it to the line of the finding or the line above");
                // Removing a comment cannot change what the code does. A comment that
                // names other rules too stays: the fix would have to edit inside it.
                if directive.rules.len() == 1 {
                    finding = finding.fix(Fix {
                        applicability: Applicability::Safe,
                        edits: vec![Edit {
                            span: directive.removal,
                            replacement: String::new(),
                        }],
                    });
                }
                kept.push(finding);
            }
        }
    }
    Applied { kept, suppressed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(text: &str, items: &[(usize, usize)]) -> Vec<Directive> {
        scan(&SourceText::new(text.to_string()), items, &NO_PEERS)
    }

    #[test]
    fn trailing_alone_item_and_file_directives() {
        let text = "let a = 1; // ctxlint: allow(blocking-in-async) reason\n\
                    // ctxlint: allow(missing-timeout, loop-without-cancel)\n\
                    fn f() {\n}\n\
                    // ctxlint: allow-file(spawn-captures-request)\n";
        let found = directives(text, &[(3, 4)]);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].covers, (1, 1));
        assert_eq!(
            found[0].removal,
            Span::new(1, 11, 1, 55),
            "the blank and the comment"
        );
        assert_eq!(found[1].removal, Span::new(2, 1, 3, 1), "the whole line");
        assert_eq!(found[0].rules[0].0, "blocking-in-async");
        assert_eq!(found[0].rules[0].1, Span::new(1, 30, 1, 47));
        assert_eq!(found[1].covers, (3, 4));
        assert_eq!(found[1].rules.len(), 2);
        assert!(found[2].file_level);
    }

    #[test]
    fn ignores_urls_and_other_comments() {
        assert!(directives("let u = \"http://x\"; // ctxlint is great\n", &[]).is_empty());
        let found = directives("x := 1 //nolint:errcheck,ctxlint\n", &[]);
        assert!(found[0].all_rules);
        assert!(directives("x := 1 //nolint:errcheck\n", &[]).is_empty());
    }

    #[test]
    fn bare_nolint_covers_every_rule_as_golangci_reads_it() {
        for text in [
            "x := f() //nolint\n",
            "x := f() //nolint // why\n",
            "x := f() //nolint:all\n",
        ] {
            let found = directives(text, &[]);
            assert!(found[0].all_rules, "{text}");
        }
        assert!(directives("// nolintish\nx := 1\n", &[]).is_empty());
    }

    #[test]
    fn a_peer_linters_nolint_silences_its_rules_and_is_never_unused() {
        let peers = PeerNolint::from([("govet".to_string(), vec!["lost-cancel".to_string()])]);
        let source = SourceText::new("a //nolint:errcheck,govet\n//nolint:govet\nb\n".into());
        let found = scan(&source, &[], &peers);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].peer_rules, ["lost-cancel"]);
        assert_eq!((found[0].covers, found[1].covers), ((1, 1), (3, 3)));
        assert!(scan(&source, &[], &NO_PEERS).is_empty());
        let at = |line| Finding::new("lost-cancel", Span::new(line, 1, line, 2), "m");
        let other = Finding::new("missing-timeout", Span::new(1, 1, 1, 2), "m");
        let applied = apply(&found, vec![at(1), at(2), at(3), other], &|_| true);
        let kept: Vec<_> = applied.kept.iter().map(|f| (f.rule, f.span.line)).collect();
        assert_eq!(kept, [("lost-cancel", 2), ("missing-timeout", 1)]);
        assert_eq!(applied.suppressed.len(), 2);
    }

    #[test]
    fn comments_meant_as_directives_are_malformed_not_ignored() {
        for (text, why) in [
            ("// ctxlint: allow missing-timeout\n", NO_PARENTHESES),
            ("// ctxlint: allow(missing-timeout\n", UNCLOSED),
            ("// CTXLINT: allow(missing-timeout)\n", UPPER_CASE),
            ("// ctxlint: Allow(missing-timeout)\n", UPPER_CASE),
            ("// ctxlint: ignore(missing-timeout)\n", UNKNOWN_KEYWORD),
            (
                "let a = 1; /* ctxlint: allow(missing-timeout) */\n",
                BLOCK_COMMENT,
            ),
        ] {
            let found = directives(text, &[]);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].malformed.map(|(w, _)| w), Some(why), "{text}");
            assert!(found[0].rules.is_empty() && !found[0].all_rules);
        }
        let found = directives("let a = 1; /* ctxlint: allow(x) */\n", &[]);
        assert_eq!(found[0].malformed.unwrap().1, Span::new(1, 12, 1, 35));
    }
}
