//! The Go rules, one file each. A rule is a pure function of the file's model.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::GoModel;

mod broken_cancel_chain;
mod call_without_context;
mod context_in_struct;
mod context_key_type;
mod context_not_first;
mod detached_spawn;
mod loop_without_cancel;
mod lost_cancel;
mod missing_timeout;
mod send_without_cancel;
mod serve_without_shutdown;
mod spawn_captures_request;

pub struct GoRule {
    pub name: &'static str,
    pub check: fn(&GoModel, &GoKnowledge) -> Vec<Finding>,
    /// Which top-level function bodies the rule looks at (lazy parsing blanks the others).
    pub needs: fn(&GoKnowledge) -> Needs,
    /// Seeing the model of a lazily parsed file: the words that, in a body that was blanked,
    /// would hold something the rule reads about what it found anywhere in the file (the
    /// declaration of a key it checks, the buffer of a field's channel). Such a file is
    /// parsed again whole.
    pub read_elsewhere: fn(&GoModel, &GoKnowledge) -> Vec<String>,
}

/// The bodies a rule needs: those of the top-level functions that meet one of `triggers`,
/// and, with `launched`, those of the functions such a body starts as a goroutine
/// (`go s.run()`). No trigger: the rule needs no body.
#[derive(Debug, Default)]
pub struct Needs {
    pub triggers: Vec<Trigger>,
    pub launched: bool,
}

/// A function that holds a word of each group (`for`, and a context), in a package one of
/// whose files imports one of `imports` (none: in any package).
#[derive(Debug)]
pub struct Trigger {
    pub groups: Vec<Vec<String>>,
    pub imports: Vec<String>,
}

impl Needs {
    /// The functions that hold a word of each of `groups`.
    pub fn all_of(groups: Vec<Vec<String>>) -> Needs {
        Needs {
            triggers: vec![Trigger {
                groups,
                imports: Vec::new(),
            }],
            launched: false,
        }
    }

    /// The functions that hold one of `words`.
    pub fn any_of<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> Needs {
        Needs::all_of(vec![self::words(words)])
    }

    /// Only in packages that import one of `packages`: what the rule looks for is named
    /// through them.
    pub fn importing<S: AsRef<str>>(mut self, packages: impl IntoIterator<Item = S>) -> Needs {
        let packages = self::words(packages);
        for trigger in &mut self.triggers {
            trigger.imports.extend(packages.iter().cloned());
        }
        self
    }

    /// These functions too.
    pub fn or(mut self, other: Needs) -> Needs {
        self.triggers.extend(other.triggers);
        self.launched |= other.launched;
        self
    }

    /// And the functions they start as goroutines.
    pub fn and_launched(mut self) -> Needs {
        self.launched = true;
        self
    }
}

/// What starts a goroutine: a `go` statement, or a `Go(func() ..)` call (errgroup, and
/// `sync.WaitGroup.Go`), which the model counts as one.
pub const GOROUTINE_WORDS: [&str; 2] = ["go", "Go"];

/// Owned words.
pub fn words<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> Vec<String> {
    words.into_iter().map(|w| w.as_ref().to_string()).collect()
}

/// For the rules that judge what they find by its own function and the package's facts.
fn reads_nothing_elsewhere(_: &GoModel, _: &GoKnowledge) -> Vec<String> {
    Vec::new()
}

/// Sorted by name.
pub static RULES: &[GoRule] = &[
    GoRule {
        name: "broken-cancel-chain",
        check: broken_cancel_chain::check,
        needs: broken_cancel_chain::needs,
        read_elsewhere: reads_nothing_elsewhere,
    },
    GoRule {
        name: "call-without-context",
        check: call_without_context::check,
        needs: call_without_context::needs,
        read_elsewhere: reads_nothing_elsewhere,
    },
    GoRule {
        name: "context-in-struct",
        check: context_in_struct::check,
        needs: context_in_struct::needs,
        read_elsewhere: context_in_struct::read_elsewhere,
    },
    GoRule {
        name: "context-key-type",
        check: context_key_type::check,
        needs: context_key_type::needs,
        read_elsewhere: context_key_type::read_elsewhere,
    },
    GoRule {
        name: "context-not-first",
        check: context_not_first::check,
        needs: context_not_first::needs,
        read_elsewhere: context_not_first::read_elsewhere,
    },
    GoRule {
        name: "detached-spawn",
        check: detached_spawn::check,
        needs: detached_spawn::needs,
        read_elsewhere: reads_nothing_elsewhere,
    },
    GoRule {
        name: "loop-without-cancel",
        check: loop_without_cancel::check,
        needs: loop_without_cancel::needs,
        read_elsewhere: reads_nothing_elsewhere,
    },
    GoRule {
        name: "lost-cancel",
        check: lost_cancel::check,
        needs: lost_cancel::needs,
        read_elsewhere: reads_nothing_elsewhere,
    },
    GoRule {
        name: "missing-timeout",
        check: missing_timeout::check,
        needs: missing_timeout::needs,
        read_elsewhere: reads_nothing_elsewhere,
    },
    GoRule {
        name: "send-without-cancel",
        check: send_without_cancel::check,
        needs: send_without_cancel::needs,
        read_elsewhere: send_without_cancel::read_elsewhere,
    },
    GoRule {
        name: "serve-without-shutdown",
        check: serve_without_shutdown::check,
        needs: serve_without_shutdown::needs,
        read_elsewhere: reads_nothing_elsewhere,
    },
    GoRule {
        name: "spawn-captures-request",
        check: spawn_captures_request::check,
        needs: spawn_captures_request::needs,
        read_elsewhere: reads_nothing_elsewhere,
    },
];
