//! ## What it does
//! Flags a `loop` or `while` in async code that never awaits and polls something another
//! task changes (`rules/rust/spin.toml`): a loop that does nothing but read an atomic or
//! `is_finished()` (a busy-wait: `while !ready.load(Acquire) { spin_loop() }`), or a loop
//! that never exits and calls `try_recv`, `try_lock`, ... or `load`.
//!
//! ## Why is this bad
//! An async task runs until it awaits. A loop that never awaits holds its worker thread:
//! the task that would set the flag or send the message may be scheduled on the same
//! thread and never runs, so the loop spins forever at 100% CPU. On a current-thread
//! runtime it always deadlocks.
//!
//! ## Example
//! ```rust,ignore
//! while !ready.load(Ordering::Acquire) {
//!     std::hint::spin_loop();
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! ready_notify.notified().await; // or a `watch` channel, or `rx.recv().await`
//! ```
//!
//! ## Known problems
//! A `try_*` loop that exits is not reported, in either direction: `while rx.try_recv().is_ok()
//! {}` drains a channel and ends, while `loop { if m.try_lock().is_ok() { break } }` is a
//! busy-wait the syntax does not tell apart from it. A poll loop that also does other work and
//! exits, and a busy-wait through a helper function, are not reported either. Bounded `for`
//! loops, `while let` loops and compare-and-swap retry loops are silent.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::model::{Callee, LoopKind, Model};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "loop-never-yields",
    triggers: &["async"],
    context: &[],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let spin = &knowledge.spin;
    let mut findings = Vec::new();
    for (index, info) in model.loops.iter().enumerate() {
        let scope = &info.scope;
        if !scope.is_async
            || scope.offload.is_some()
            || scope.in_test
            || info.has_await
            || !matches!(info.kind, LoopKind::Loop | LoopKind::While)
        {
            continue;
        }
        let calls: Vec<_> = model
            .calls
            .iter()
            .filter(|call| call.scope.loops.contains(&index))
            .collect();
        let is =
            |list: &[String], name: Option<&str>| name.is_some_and(|m| list.iter().any(|p| p == m));
        let forever = info.infinite && !info.exits;
        let Some(poll) = calls.iter().find(|call| {
            is(&spin.polls, call.method()) || forever && is(&spin.tries, call.method())
        }) else {
            continue;
        };
        if calls
            .iter()
            .any(|call| spin.retries.iter().any(|r| r == call.name()))
        {
            continue;
        }
        let only_polls = calls.iter().all(|call| match &call.callee {
            Callee::Method(name) => {
                spin.polls.contains(name)
                    || spin.tries.contains(name)
                    || spin.neutral.contains(name)
                    || spin.hints.contains(name)
            }
            Callee::Path(path) => any_matches(&spin.hints, path),
        });
        if !forever && !only_polls {
            continue;
        }
        let name = poll.name();
        findings.push(
            Finding::new(
                "loop-never-yields",
                info.span,
                format!(
                    "this loop busy-waits on `{name}` without awaiting: it holds the worker thread, so the task it waits for may never run"
                ),
            )
            .label(poll.span, "polled here")
            .help(
                "wait instead of polling: `Notify::notified().await`, a `watch` channel, \
                 `rx.recv().await`, or at least `tokio::task::yield_now().await` each iteration",
            ),
        );
    }
    findings
}
