//! ## What it does
//! Flags a spawn whose handle is dropped on the spot (`tokio::spawn(..);`, `let _ = ..`,
//! `let _name = ..`) while the future spawned in that expression loops forever: a `loop`
//! with no `break`, `return` or `?` that never observes cancellation.
//!
//! ## Why is this bad
//! Dropping a `JoinHandle` does not stop the task; it detaches it. Nothing can stop a
//! detached task that never looks at a cancellation signal: on shutdown it keeps running,
//! holding its connections, and the process cannot drain (the Rust form of a leaked
//! goroutine).
//!
//! ## Example
//! ```rust,ignore
//! tokio::spawn(async move {
//!     loop {
//!         ticker.tick().await;
//!         cache.refresh().await;
//!     }
//! });
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! tracker.spawn(async move {
//!     loop {
//!         tokio::select! {
//!             _ = token.cancelled() => break,
//!             _ = ticker.tick() => cache.refresh().await,
//!         }
//!     }
//! });
//! ```
//!
//! ## Known problems
//! Only futures written in the spawn expression are read; `tokio::spawn(run(x))` is not
//! followed into `run`. A handle bound to a named variable is taken as kept, even if it is
//! never used. Spawns on receivers of unknown type (`handle.spawn(..)`) are not judged.
//! The loop it labels is not also reported as `loop-without-cancel`: the message names it.
//! Reported only where the task visibly starts more than once (in a loop, in a callback, by
//! a function that runs more than once: called in a loop, serving a request, or called by
//! such a function anywhere in the crate), with a label saying why, or where it captures a
//! cancellation signal it ignores. Any other task is taken as a service for the life of the
//! process, including one whose callers the index does not see: a task started per request
//! through a chain it cannot follow is missed.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::model::{HandleUse, Model, SpawnKind};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "detached-spawn",
    triggers: &["spawn", "spawn_local"],
    context: &[],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, project: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, spawn) in model.spawns.iter().enumerate() {
        let dropped = match &spawn.handle {
            HandleUse::Discarded => true,
            HandleUse::Bound(name) => name.starts_with('_'),
            HandleUse::Used | HandleUse::Stored => false,
        };
        if !dropped
            || spawn.kind != SpawnKind::Detached
            || !spawn.body_visible
            || spawn.scope.in_test
            || any_matches(&knowledge.tasks.offloads, &spawn.callee)
            || project.process_lifetime_task(model, spawn)
        {
            continue;
        }
        // Executor adapters exist to spawn whatever they are given.
        if let Some(function) = model.function(&spawn.scope)
            && (function.name == "execute"
                || function
                    .trait_name
                    .as_deref()
                    .is_some_and(|name| name.ends_with("Executor")))
        {
            continue;
        }
        let forever = model.loops.iter().find(|info| {
            info.scope.body_of_spawn == Some(index)
                && info.infinite
                && !info.exits
                && !info.observes_cancel
        });
        let Some(forever) = forever else {
            continue;
        };
        let finding = Finding::new(
            "detached-spawn",
            spawn.span,
            "this task is detached and loops forever without observing cancellation: nothing can stop it",
        )
        .label(forever.span, "this loop never exits")
        .help(
            "keep the handle in a `JoinSet`, `TaskTracker` or `AbortOnDropHandle`, and pass \
             a `CancellationToken` the loop selects on",
        );
        findings.push(match project.repeats(model, &spawn.scope) {
            Some(repeats) => repeats.label(finding, "the task is spawned"),
            None => finding,
        });
    }
    findings
}
