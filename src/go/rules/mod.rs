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
}

/// Sorted by name.
pub static RULES: &[GoRule] = &[
    GoRule {
        name: "broken-cancel-chain",
        check: broken_cancel_chain::check,
    },
    GoRule {
        name: "call-without-context",
        check: call_without_context::check,
    },
    GoRule {
        name: "context-in-struct",
        check: context_in_struct::check,
    },
    GoRule {
        name: "context-key-type",
        check: context_key_type::check,
    },
    GoRule {
        name: "context-not-first",
        check: context_not_first::check,
    },
    GoRule {
        name: "detached-spawn",
        check: detached_spawn::check,
    },
    GoRule {
        name: "loop-without-cancel",
        check: loop_without_cancel::check,
    },
    GoRule {
        name: "lost-cancel",
        check: lost_cancel::check,
    },
    GoRule {
        name: "missing-timeout",
        check: missing_timeout::check,
    },
    GoRule {
        name: "send-without-cancel",
        check: send_without_cancel::check,
    },
    GoRule {
        name: "serve-without-shutdown",
        check: serve_without_shutdown::check,
    },
    GoRule {
        name: "spawn-captures-request",
        check: spawn_captures_request::check,
    },
];
