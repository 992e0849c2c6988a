//! Every rule ctxlint knows, in one declarative list. A rule is a concept with one name;
//! each language front end implements the concepts that make sense for it.

use crate::diagnostic::Level;
use crate::walk::Language;

pub struct RuleInfo {
    pub name: &'static str,
    pub default_level: Level,
    pub summary: &'static str,
    /// The rule's `docs/rules/<name>.md`, printed by `ctxlint explain`.
    pub docs: &'static str,
}

macro_rules! rule {
    ($name:literal, $level:ident, $summary:literal) => {
        RuleInfo {
            name: $name,
            default_level: Level::$level,
            summary: $summary,
            docs: include_str!(concat!("../docs/rules/", $name, ".md")),
        }
    };
}

/// Sorted by name.
pub static RULES: &[RuleInfo] = &[
    rule!(
        "blocking-in-async",
        Warning,
        "a blocking call inside async code stalls every task on the worker thread"
    ),
    rule!(
        "broken-cancel-chain",
        Warning,
        "a new cancellation root (token or context) where a parent is in scope"
    ),
    rule!(
        "call-without-context",
        Warning,
        "a call that cannot be cancelled although a context-taking variant exists"
    ),
    rule!(
        "context-in-struct",
        Info,
        "a struct field stores a context.Context"
    ),
    rule!(
        "context-key-type",
        Info,
        "a context value key of a built-in type can collide across packages"
    ),
    rule!(
        "context-not-first",
        Info,
        "a context.Context parameter that is not the first parameter"
    ),
    rule!(
        "detached-spawn",
        Warning,
        "a background task that loops forever and that nothing can stop or wait for"
    ),
    rule!(
        "drop-guard-early",
        Warning,
        "a `DropGuard` dropped when the function returns cancels the task it just spawned"
    ),
    rule!(
        "guard-across-await",
        Warning,
        "a synchronous lock guard or `RefCell` borrow held across an `.await`"
    ),
    rule!(
        "handler-partial-effects",
        Warning,
        "a request handler awaits an effect and its undo separately; a disconnect in between leaves it half-done"
    ),
    rule!(
        "loop-never-yields",
        Warning,
        "an async loop busy-waits on a flag or `try_*` call without ever awaiting"
    ),
    rule!(
        "loop-without-cancel",
        Warning,
        "a long-running async loop that never observes cancellation or shutdown"
    ),
    rule!(
        "lost-cancel",
        Warning,
        "the cancel function of a derived context is discarded or never called"
    ),
    rule!(
        "missing-timeout",
        Warning,
        "a network wait with no deadline can hang forever"
    ),
    rule!(
        "select-cancel-unsafe",
        Warning,
        "a `select!` in a loop drops a future that is not cancel-safe, losing data"
    ),
    rule!(
        "select-drops-join-handle",
        Warning,
        "a `select!` drops a `JoinHandle` when another branch wins, detaching the task"
    ),
    rule!(
        "select-futurelock",
        Warning,
        "a future polled by reference in `select!` holds a lock that another branch's handler waits for"
    ),
    rule!(
        "send-without-cancel",
        Warning,
        "a send that can block forever because nothing races it against cancellation"
    ),
    rule!(
        "serve-without-shutdown",
        Warning,
        "a server started with no graceful shutdown"
    ),
    rule!(
        "shutdown-ignores-sigterm",
        Warning,
        "a graceful shutdown that waits for Ctrl-C only never runs under SIGTERM"
    ),
    rule!(
        "spawn-captures-request",
        Warning,
        "a background task captures a value that lives only as long as the request"
    ),
    rule!(
        "syntax-error",
        Error,
        "a file that could not be checked: it does not parse, is not UTF-8 or cannot be read"
    ),
    rule!(
        "unknown-rule",
        Warning,
        "a suppression comment names a rule that does not exist"
    ),
    rule!(
        "unused-suppression",
        Warning,
        "a suppression comment that suppressed nothing"
    ),
];

/// Rules that describe one defect from two places: where a finding of `kept` points at (its
/// line or a label) the line of a finding of `covered`, only the `kept` one is reported, its
/// message naming the other (see `same_defect`).
pub struct SameDefect {
    pub kept: &'static str,
    pub covered: &'static str,
}

pub const SAME_DEFECT: &[SameDefect] = &[
    // The detached task's finding labels its loop, which is the loop's own finding.
    SameDefect {
        kept: "detached-spawn",
        covered: "loop-without-cancel",
    },
];

/// Rules that check suppression comments rather than code.
pub const SUPPRESSION_RULES: &[&str] = &["unknown-rule", "unused-suppression"];

/// Rules of the engine rather than of a language front end: every language has them.
const ENGINE_RULES: &[&str] = &[crate::syntax_error::NAME];

/// Where each rule's page (`docs/rules/<rule>.md`) is published; the one place that says so.
pub const DOCS_URL_BASE: &str = "https://github.com/ctxlint/ctxlint/blob/main/docs/rules/";

/// The address of a rule's documentation.
pub fn docs_url(rule: &str) -> String {
    format!("{DOCS_URL_BASE}{rule}.md")
}

pub fn find(name: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|rule| rule.name == name)
}

/// The rule an unknown name was most likely meant to be: the closest by edit distance, when
/// close enough to be a typo (a quarter of the name's length, at least one edit).
pub fn suggest(name: &str) -> Option<&'static str> {
    let name = name.to_lowercase();
    let limit = (name.chars().count() / 4).max(1);
    RULES
        .iter()
        .map(|rule| (edit_distance(&name, rule.name), rule.name))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, rule)| rule)
}

/// `; did you mean `rule`?` for a name with a likely intended rule, else nothing.
pub fn did_you_mean(name: &str) -> String {
    suggest(name)
        .map(|rule| format!("; did you mean `{rule}`?"))
        .unwrap_or_default()
}

/// The Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The languages a rule is implemented for.
pub fn languages(name: &str) -> Vec<Language> {
    if SUPPRESSION_RULES.contains(&name) || ENGINE_RULES.contains(&name) {
        return vec![Language::Rust, Language::Go];
    }
    let mut languages = Vec::new();
    if crate::rust::rules::RULES
        .iter()
        .any(|rule| rule.name == name)
    {
        languages.push(Language::Rust);
    }
    if crate::go::rules::RULES.iter().any(|rule| rule.name == name) {
        languages.push(Language::Go);
    }
    languages
}

/// Whether a rule has an implementation for a language.
pub fn implemented_for(name: &str, language: Language) -> bool {
    languages(name).contains(&language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(suggest("blocking-in-asink"), Some("blocking-in-async"));
        assert_eq!(suggest("Missing-Timeout"), Some("missing-timeout"));
        assert_eq!(suggest("loop-without-cancle"), Some("loop-without-cancel"));
        assert_eq!(suggest("clippy"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn rules_are_sorted_unique_and_implemented() {
        for pair in RULES.windows(2) {
            assert!(pair[0].name < pair[1].name, "{} out of order", pair[1].name);
        }
        for rule in RULES {
            assert!(
                !languages(rule.name).is_empty(),
                "{} has no implementation",
                rule.name
            );
            assert!(
                rule.docs.starts_with("# "),
                "{} docs lack a title",
                rule.name
            );
        }
        let rust = crate::rust::rules::RULES.iter().map(|rule| rule.name);
        let go = crate::go::rules::RULES.iter().map(|rule| rule.name);
        for name in rust.chain(go) {
            assert!(find(name).is_some(), "{name} is not registered");
        }
    }
}
