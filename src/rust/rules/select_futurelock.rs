//! ## What it does
//! Flags a `select!` branch that polls a future by reference (`&mut fut`, `fut.as_mut()`)
//! when that future acquires a `tokio::sync` lock, semaphore permit or bounded channel slot
//! (directly in an async block, or through a local async helper it calls), and the handler of
//! another branch of the same `select!` awaits the same resource (the same place, directly or
//! through a local helper). See `rules/rust/locks.toml` for the acquiring calls.
//!
//! ## Why is this bad
//! When another branch wins, a future polled by reference is neither polled nor dropped: it
//! still holds the lock, or still holds its place in the lock's queue. If the winning handler
//! then waits for the same lock, it waits for a future that only this task could poll: the
//! task deadlocks itself, with no panic and no log. This is the "futurelock" that hung
//! Oxide's control plane (omicron issue 9259, Oxide RFD 609).
//!
//! ## Example
//! ```rust,ignore
//! let future1 = do_stuff(lock.clone());
//! tokio::pin!(future1);
//! tokio::select! {
//!     _ = &mut future1 => {}
//!     _ = sleep(Duration::from_millis(500)) => {
//!         do_stuff(lock.clone()).await; // waits behind `future1`, which nobody polls
//!     }
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! tokio::select! {
//!     _ = do_stuff(lock.clone()) => {} // raced by value: dropped when it loses
//!     _ = sleep(Duration::from_millis(500)) => {
//!         do_stuff(lock.clone()).await;
//!     }
//! }
//! ```
//! Or spawn the future as a task and select on its `JoinHandle`, or drop `future1` before
//! the handler takes the lock.
//!
//! ## Known problems
//! The resource is matched by the place it is reached through (`lock`, `self.state`): two
//! names for one `Arc<Mutex<_>>` are not seen as one, and a helper reached through a method on
//! another value is not followed. Unbounded channel sends and `Sender::send` on a bounded
//! channel are not yet counted as holding a slot. A handler that drops the future (`drop(fut)`)
//! before it acquires is silent; one that drops it on some paths only is not told apart.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::RustKnowledge;
use crate::rust::model::{BranchPart, BranchRef, Call, Model, encloses};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "select-futurelock",
    triggers: &["select!", "select_biased!"],
    context: &["lock", "acquire", "reserve", "read", "write"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let acquires = |call: &Call| {
        call.method()
            .is_some_and(|method| knowledge.locks.acquires(method, call.arg_count))
    };
    let mut findings = Vec::new();
    for (select_index, select) in model.selects.iter().enumerate() {
        if select.scope.in_test {
            continue;
        }
        for (branch_index, branch) in select.branches.iter().enumerate() {
            let Some(variable) = &branch.reference_variable else {
                continue;
            };
            let Some(definition) = model.lets.iter().rev().find(|binding| {
                binding.name == *variable
                    && binding.scope.function == select.scope.function
                    && binding.span.line <= select.span.line
            }) else {
                continue;
            };
            let future_calls = model.calls.iter().filter(|call| {
                call.scope.function == select.scope.function && encloses(definition.span, call.span)
            });
            let held = model.acquired_places(future_calls, &acquires);
            if held.is_empty() {
                continue;
            }
            'handlers: for other in (0..select.branches.len()).filter(|&i| i != branch_index) {
                let handler = BranchRef {
                    select: select_index,
                    branch: other,
                    part: BranchPart::Handler,
                };
                let handler_calls: Vec<&Call> = model
                    .calls
                    .iter()
                    .filter(|call| call.scope.select_branch == Some(handler))
                    .collect();
                // A task spawned by the handler waits on its own, not in this task.
                let awaited = handler_calls.iter().copied().filter(|call| {
                    call.awaited && call.scope.spawns.len() == select.scope.spawns.len()
                });
                let dropped_at = handler_calls
                    .iter()
                    .find(|call| {
                        call.path() == Some("drop")
                            && call.arg_places.first() == Some(&Some(variable.clone()))
                    })
                    .map(|call| call.span);
                let waits = model.acquired_places(awaited, &acquires);
                for (place, span) in &waits {
                    if dropped_at.is_some_and(|drop| drop.line < span.line) {
                        continue;
                    }
                    let Some((_, held_at)) = held.iter().find(|(held, _)| held == place) else {
                        continue;
                    };
                    findings.push(
                        Finding::new(
                            "select-futurelock",
                            branch.future_span,
                            format!(
                                "`{variable}` is polled by reference and holds `{place}`; when another branch wins it is neither polled nor dropped, and that branch's handler waits for `{place}`: the task deadlocks itself"
                            ),
                        )
                        .label(*held_at, format!("`{variable}` acquires `{place}` here"))
                        .label(*span, format!("the handler waits for `{place}` here"))
                        .help(format!(
                            "race the future by value so it is dropped when it loses, drop `{variable}` before the handler acquires `{place}`, or spawn it and select on its `JoinHandle`"
                        )),
                    );
                    break 'handlers;
                }
            }
        }
    }
    findings
}
