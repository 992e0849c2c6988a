//! ## What it does
//! Flags a spawned task that captures a request-scoped value: the request object of a
//! handler (`axum::extract::Request`, `actix_web::HttpRequest`, `tonic::Request`,
//! `hyper::Request`, a body stream) or a cancellation token taken from the request.
//!
//! ## Why is this bad
//! The task outlives the handler, but the value does not: a body stream ends when the
//! connection closes, and a token taken from the request is cancelled as soon as the response
//! is sent, so the background work fails part-way (the Rust form of gin's `c.Copy()` bug).
//!
//! ## Example
//! ```rust,ignore
//! async fn upload(req: Request) -> StatusCode {
//!     tokio::spawn(async move { store(req.into_body()).await });
//!     StatusCode::ACCEPTED
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! async fn upload(req: Request) -> StatusCode {
//!     let bytes = to_bytes(req.into_body(), LIMIT).await?;
//!     tracker.spawn(async move { store(bytes).await });
//!     StatusCode::ACCEPTED
//! }
//! ```
//!
//! ## Known problems
//! Request types are known by their paths in `rules/rust/frameworks.toml`; a request moved
//! into a new variable other than by `clone()` is not followed. A task that completes a
//! connection upgrade (`hyper::upgrade::on(&mut req)`) needs the request and is not flagged,
//! nor is a task whose handle the handler binds and awaits (`let h = spawn(..); h.await`):
//! the handler waits for it. A handle awaited through another variable or a `JoinSet` is not
//! followed.
//! Test code is not checked.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::model::{Call, Model, RequestKind};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "spawn-captures-request",
    triggers: &["spawn", "spawn_local"],
    context: &["upgrade"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, spawn) in model.spawns.iter().enumerate() {
        let Some((name, kind, ty)) = spawn.captured_request.first() else {
            continue;
        };
        // A task the handler hands the request off to (an upgrade) or waits for owns the
        // request no longer than the handler does.
        let owned_while_served = *kind == RequestKind::Object
            && (hands_off(model, knowledge, index) || model.spawn_joined(spawn));
        if spawn.scope.in_test || owned_while_served {
            continue;
        }
        let message = match kind {
            RequestKind::Object => format!(
                "the spawned task captures `{name}`, a request-scoped `{}` that ends with the request",
                ty.rsplit("::").next().unwrap_or(ty)
            ),
            RequestKind::Token => format!(
                "the spawned task captures `{name}`, a cancellation token taken from the request: it is cancelled when the response is sent"
            ),
        };
        findings.push(
            Finding::new("spawn-captures-request", spawn.span, message).help(
                "extract the owned data the task needs before spawning, and tie the task to a \
             server-lifetime token or `TaskTracker`",
            ),
        );
    }
    findings
}

/// The task exists to finish a connection upgrade, which needs the request after the
/// response: `hyper::upgrade::on(&mut req)`, in the task or in a local function it calls.
fn hands_off(model: &Model, knowledge: &RustKnowledge, spawn: usize) -> bool {
    let handoffs = &knowledge.frameworks.request_handoffs;
    let is_handoff = |call: &Call| match call.path() {
        Some(path) => any_matches(handoffs, path),
        None => handoffs.iter().any(|h| h == call.name()),
    };
    let in_task: Vec<&Call> = model
        .calls
        .iter()
        .filter(|call| call.scope.spawns.contains(&spawn))
        .collect();
    in_task.iter().any(|call| is_handoff(call))
        || model.calls.iter().any(|call| {
            is_handoff(call)
                && model.function(&call.scope).is_some_and(|function| {
                    in_task.iter().any(|local| local.name() == function.name)
                })
        })
}
