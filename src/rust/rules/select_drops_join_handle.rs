//! ## What it does
//! Flags a `select!` branch that polls a `JoinHandle` by value (`res = handle => ..` or
//! `res = tokio::spawn(..) => ..`).
//!
//! ## Why is this bad
//! When another branch wins, `select!` drops the handle, and dropping a `JoinHandle` detaches
//! the task instead of stopping it. A "run the worker until shutdown" `select!` thus leaves
//! the worker running after shutdown, with nothing left to stop or await it.
//!
//! ## Example
//! ```rust,ignore
//! let worker = tokio::spawn(run_worker(queue));
//! tokio::select! {
//!     res = worker => res?,
//!     _ = tokio::signal::ctrl_c() => {}
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! let mut worker = tokio::spawn(run_worker(queue));
//! tokio::select! {
//!     res = &mut worker => res?,
//!     _ = tokio::signal::ctrl_c() => worker.abort(),
//! }
//! ```
//!
//! ## Known problems
//! Silent in tests, and when another branch's handler calls `abort()`, and when the task was given the very
//! value another branch waits on (`token` in `_ = token.cancelled()`), since it then stops on
//! its own. A handle polled as `&mut handle` is never reported, even if it is dropped later.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::model::{BranchPart, BranchRef, HandleUse, Model};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "select-drops-join-handle",
    triggers: &["select!"],
    context: &[],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (select_index, select) in model.selects.iter().enumerate() {
        if select.branches.len() < 2 || select.scope.in_test {
            continue;
        }
        for (position, branch) in select.branches.iter().enumerate() {
            let chain = &branch.future_chain;
            let is_handle = !branch.is_else
                && !branch.future_is_reference
                && chain.methods.is_empty()
                && chain
                    .root_path()
                    .is_some_and(|path| any_matches(&knowledge.tasks.spawns, path));
            if !is_handle {
                continue;
            }
            let here = BranchRef {
                select: select_index,
                branch: position,
                part: BranchPart::Future,
            };
            let spawn = match &branch.future_variable {
                Some(name) => model.spawns.iter().rev().find(|spawn| {
                    spawn.handle == HandleUse::Bound(name.clone())
                        && spawn.span.line < select.span.line
                        && spawn.scope.function == select.scope.function
                }),
                None => model
                    .spawns
                    .iter()
                    .find(|spawn| spawn.scope.select_branch == Some(here)),
            };
            let other = |part: BranchPart, call_scope: Option<BranchRef>| {
                call_scope.is_some_and(|r| {
                    r.select == select_index && r.branch != position && r.part == part
                })
            };
            let aborts = model.calls.iter().any(|call| {
                other(BranchPart::Handler, call.scope.select_branch) && call.name() == "abort"
            });
            let shares_signal = spawn.is_some_and(|spawn| {
                select
                    .branches
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != position)
                    .any(|(_, other)| !other.future_names.is_disjoint(&spawn.captures))
            });
            if aborts || shares_signal {
                continue;
            }
            let mut finding = Finding::new(
                "select-drops-join-handle",
                branch.future_span,
                "this `JoinHandle` is polled by value: when another branch wins, it is dropped and the task keeps running, detached",
            )
            .help(
                "poll `&mut handle` and call `handle.abort()` (or signal the task) in the other \
                 branches, or keep the task in a `JoinSet`",
            );
            if let Some(spawn) = spawn {
                finding = finding.label(spawn.span, "the task is spawned here");
            }
            findings.push(finding);
        }
    }
    findings
}
