//! ## What it does
//! Flags a `DropGuard` (`let _guard = token.drop_guard();`) left in a local of a function that
//! then spawns a task using that token (or a token derived from it) and returns without
//! awaiting anything: the guard is dropped at the end of the function.
//!
//! ## Why is this bad
//! Dropping a `DropGuard` cancels its token. The function returns right after spawning, so
//! the token is cancelled at once and the task stops as soon as it starts (or never does
//! its work). The guard was meant to live as long as the task.
//!
//! ## Example
//! ```rust,ignore
//! pub fn start(token: CancellationToken) {
//!     let _guard = token.clone().drop_guard();
//!     tokio::spawn(worker(token));
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! pub fn start(token: CancellationToken) {
//!     let guard = token.clone().drop_guard();
//!     tokio::spawn(async move {
//!         let _guard = guard;
//!         worker(token).await
//!     });
//! }
//! ```
//!
//! ## Known problems
//! A function that awaits anything after the spawn keeps the guard alive for that wait, which
//! is the intended scoped-cancellation pattern, and is silent. A guard used in any way (moved
//! into a struct, returned, `disarm()`ed) is silent. Tokens are related by name: the token the
//! guard was made from, or a variable whose initializer mentions it.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::RustKnowledge;
use crate::rust::model::{HandleUse, Model, SpawnKind};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "drop-guard-early",
    triggers: &["drop_guard"],
    context: &[],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for guard in &model.lets {
        let Some(call) = guard.init_call.map(|index| &model.calls[index]) else {
            continue;
        };
        if !call
            .method()
            .is_some_and(|m| knowledge.cancellation.drop_guards.iter().any(|g| g == m))
            || guard.scope.in_test
            || guard.scope.nested
            || model.binding_uses.get(&guard.binding).copied().unwrap_or(0) > 0
        {
            continue;
        }
        let (Some(token), Some(function)) = (&call.receiver_root, guard.scope.function) else {
            continue;
        };
        let related = |name: &String| {
            name == token
                || model.lets.iter().any(|other| {
                    &other.name == name
                        && other.scope.function == Some(function)
                        && other.init_names.contains(token)
                })
        };
        let spawn = model.spawns.iter().find(|spawn| {
            spawn.scope.function == Some(function)
                && spawn.span.line > guard.span.line
                && spawn.kind != SpawnKind::Tracked
                && match &spawn.handle {
                    HandleUse::Discarded => true,
                    HandleUse::Bound(name) => name.starts_with('_'),
                    HandleUse::Used | HandleUse::Stored => false,
                }
                && spawn.captures.iter().any(related)
        });
        let Some(spawn) = spawn else {
            continue;
        };
        // Awaiting after the spawn keeps the guard alive for that wait: scoped cancellation.
        let waits_after = model.awaits.iter().any(|point| {
            point.scope.function == Some(function)
                && !point.scope.nested
                && point.span.line > spawn.span.line
        });
        if waits_after {
            continue;
        }
        findings.push(
            Finding::new(
                "drop-guard-early",
                call.span,
                format!(
                    "`{}` cancels `{token}` when this function returns, right after spawning a task that uses it: the task is cancelled as soon as it starts",
                    guard.name
                ),
            )
            .label(spawn.span, "this task is cancelled when the guard drops")
            .help(
                "move the guard into the task (`let _guard = guard;` inside it), or await the task before returning",
            ),
        );
    }
    findings
}
