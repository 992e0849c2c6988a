//! ## What it does
//! Flags a `loop` (or `while true`) in async code, or in a `spawn_blocking` closure, that
//! awaits, never leaves (no `break`, `return` or `?`) and never observes cancellation
//! (`token.cancelled()`, a shutdown channel, `is_cancelled()`, ...).
//!
//! ## Why is this bad
//! Such a loop runs until its future is dropped. Spawned, nothing drops it: on shutdown it
//! keeps running, holds connections and memory, and the process cannot drain cleanly. It is
//! the Rust form of a Go worker that never selects on `ctx.Done()`.
//!
//! ## Example
//! ```rust,ignore
//! tokio::spawn(async move {
//!     loop {
//!         interval.tick().await;
//!         flush(&metrics).await;
//!     }
//! });
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! tokio::spawn(async move {
//!     loop {
//!         tokio::select! {
//!             _ = token.cancelled() => break,
//!             _ = interval.tick() => flush(&metrics).await,
//!         }
//!     }
//! });
//! ```
//!
//! ## Known problems
//! Cancellation wired elsewhere (the caller drops the future inside its own `select!`, a
//! `Drop` impl aborts the task) is not visible; loops in `main`'s own body, in tests and in
//! functions returning `!` are exempt. `while cond` and `while let` loops are assumed to end.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::model::{HandleUse, Model};

pub const RULE: RustRule = RustRule {
    name: "loop-without-cancel",
    triggers: &["async", "spawn_blocking"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge) -> Vec<Finding> {
    let mut findings = Vec::new();
    for info in &model.loops {
        let scope = &info.scope;
        if !info.infinite || info.exits || info.observes_cancel || scope.in_test {
            continue;
        }
        let in_blocking_task = scope
            .offload
            .as_deref()
            .is_some_and(|offload| any_matches(&knowledge.tasks.blocking_tasks, offload));
        let context = if scope.is_async && scope.offload.is_none() {
            if !info.has_await {
                // A loop that never awaits is `loop-never-yields`' concern.
                continue;
            }
            "async loop"
        } else if in_blocking_task {
            "loop in a blocking task"
        } else {
            continue;
        };
        if let Some(function) = model.function(scope)
            && (function.returns_never
                || (function.is_main && !scope.nested)
                || model.cancellable_fns.contains(&function.name))
        {
            continue;
        }
        // A caller that can drop or abort the future cancels the loop with it.
        let handle_kept = scope
            .spawns
            .last()
            .is_some_and(|&spawn| model.spawns[spawn].handle != HandleUse::Discarded);
        if scope.cancellable || (handle_kept && !in_blocking_task) {
            continue;
        }
        findings.push(
            Finding::new(
                "loop-without-cancel",
                info.span,
                format!("this {context} never exits and never observes cancellation"),
            )
            .help(
                "select on a shutdown signal each iteration, e.g. \
                 `tokio::select! { _ = token.cancelled() => break, .. }`, \
                 or wrap the work in `token.run_until_cancelled(..)`",
            ),
        );
    }
    findings
}
