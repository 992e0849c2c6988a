//! ## What it does
//! Flags a `loop` (or `while true`) that never leaves (no `break`, `return` or `?`) and never
//! observes cancellation (`token.cancelled()`, a shutdown channel, `is_cancelled()`, ...),
//! when nothing visible can stop it: in a `spawn_blocking` closure; or awaiting in the body of
//! a spawned task whose handle is dropped, in a function such a spawn runs, or in a function
//! that is handed a cancellation token or shutdown receiver and ignores it.
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
//! A loop that `detached-spawn` reports (its label) is reported once, as `detached-spawn`.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::model::{HandleUse, LoopInfo, Model, SpawnKind};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "loop-without-cancel",
    triggers: &[".await", "spawn_blocking"],
    context: &["spawn", "select", "run_until_cancelled", "abortable"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, project: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for info in &model.loops {
        let scope = &info.scope;
        if !info.infinite || info.exits || info.observes_cancel || scope.in_test {
            continue;
        }
        let function = model.function(scope);
        if let Some(function) = function
            && (function.returns_never
                || (function.is_main && !scope.nested)
                || model.cancellable_fns.contains(&function.name))
        {
            continue;
        }
        let in_blocking_task = scope
            .offload
            .as_deref()
            .is_some_and(|offload| any_matches(&knowledge.tasks.blocking_tasks, offload));
        let context = if in_blocking_task {
            // `abort()` does not stop a blocking task: only the loop itself can.
            "loop in a blocking task"
        } else if scope.is_async && scope.offload.is_none() && info.has_await {
            if scope.cancellable || !unstoppable(model, knowledge, project, info) {
                continue;
            }
            "async loop"
        } else {
            // A loop that never awaits is `loop-never-yields`' concern.
            continue;
        };
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

/// Whether nothing visible can stop the loop's future: it is the body of a spawn whose
/// handle is dropped, or the body of a function that such a spawn runs, or of a function
/// that was handed a cancellation signal and ignores it. A future that some caller holds
/// can be dropped, so other loops are left alone.
fn unstoppable(
    model: &Model,
    knowledge: &RustKnowledge,
    project: &InProject,
    info: &LoopInfo,
) -> bool {
    let scope = &info.scope;
    if let Some(&spawn) = scope.spawns.last() {
        let spawn = &model.spawns[spawn];
        if project.process_lifetime_task(model, spawn) {
            return false;
        }
        let dropped = match &spawn.handle {
            HandleUse::Discarded => true,
            // `let _task = spawn(..)` drops the handle at the end of the scope.
            HandleUse::Bound(name) => name.starts_with('_'),
            HandleUse::Used | HandleUse::Stored => false,
        };
        return scope.body_of_spawn.is_some() && dropped && spawn.kind == SpawnKind::Detached;
    }
    if scope.nested {
        return false;
    }
    let Some(function) = model.function(scope) else {
        return false;
    };
    let spawned_detached = model
        .detached_fns
        .get(&function.name)
        .is_some_and(|spawns| {
            spawns
                .iter()
                .any(|&spawn| !project.process_lifetime_task(model, &model.spawns[spawn]))
        });
    spawned_detached
        || function.params.iter().any(|param| {
            let cancellation = &knowledge.cancellation;
            param
                .ty
                .as_deref()
                .is_some_and(|ty| any_matches(&cancellation.types, ty))
        })
}
