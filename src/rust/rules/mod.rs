//! The Rust rules, one file each, registered here.

mod blocking_in_async;
mod broken_cancel_chain;
mod detached_spawn;
mod drop_guard_early;
mod guard_across_await;
mod handler_partial_effects;
mod loop_never_yields;
mod loop_without_cancel;
mod missing_timeout;
mod select_cancel_unsafe;
mod select_drops_join_handle;
mod select_futurelock;
mod send_without_cancel;
mod serve_without_shutdown;
mod shutdown_ignores_sigterm;
mod spawn_captures_request;

use super::knowledge::RustKnowledge;
use super::model::Model;
use super::project::InProject;
use crate::diagnostic::Finding;

pub struct RustRule {
    pub name: &'static str,
    /// The file is parsed only if its text contains one of these for some enabled rule.
    pub triggers: &'static [&'static str],
    /// Once the file is parsed, items that contain one of these are kept too: they hold
    /// facts the rule reads elsewhere (a helper wrapped in a deadline, a spawn of a local fn).
    pub context: &'static [&'static str],
    pub check: fn(&Model, &RustKnowledge, &InProject) -> Vec<Finding>,
}

pub static RULES: &[RustRule] = &[
    blocking_in_async::RULE,
    broken_cancel_chain::RULE,
    detached_spawn::RULE,
    drop_guard_early::RULE,
    guard_across_await::RULE,
    handler_partial_effects::RULE,
    loop_never_yields::RULE,
    loop_without_cancel::RULE,
    missing_timeout::RULE,
    select_cancel_unsafe::RULE,
    select_drops_join_handle::RULE,
    select_futurelock::RULE,
    send_without_cancel::RULE,
    serve_without_shutdown::RULE,
    shutdown_ignores_sigterm::RULE,
    spawn_captures_request::RULE,
];
