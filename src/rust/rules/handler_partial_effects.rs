//! ## What it does
//! Flags a request handler (an async function taking an axum, actix-web or tonic extractor
//! or request, or carrying an actix route attribute) that, outside a spawned task, awaits a
//! state change and later awaits the call that undoes or completes it on the same receiver
//! (`incr` ... `decr`, `set` ... `del`, `acquire` ... `release`; see
//! `rules/rust/handlers.toml`), with no transaction around them.
//!
//! ## Why is this bad
//! The server drops a handler's future when the client disconnects. Dropped between the two
//! calls, the handler never runs the second one: the counter stays incremented, the lock key
//! stays set, the reservation is never released.
//!
//! ## Example
//! ```rust,ignore
//! async fn upload(State(s): State<AppState>, body: Bytes) -> StatusCode {
//!     s.redis.incr("uploads_in_flight", 1).await.ok();
//!     s.store.put(body).await.ok();
//!     s.redis.decr("uploads_in_flight", 1).await.ok();
//!     StatusCode::OK
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! async fn upload(State(s): State<AppState>, body: Bytes) -> StatusCode {
//!     tokio::spawn(async move {
//!         s.redis.incr("uploads_in_flight", 1).await.ok();
//!         s.store.put(body).await.ok();
//!         s.redis.decr("uploads_in_flight", 1).await.ok();
//!     })
//!     .await
//!     .map_or(StatusCode::INTERNAL_SERVER_ERROR, |_| StatusCode::OK)
//! }
//! ```
//!
//! ## Known problems
//! Only the method pairs of the table, on the same receiver written the same way, are
//! recognised; "write A then write B" sequences with no naming relation are not. A handler
//! calling any transaction method is silent, and so is one whose undo is done by a guard's
//! `Drop`.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::RustKnowledge;
use crate::rust::model::Model;
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "handler-partial-effects",
    triggers: &[".await"],
    context: &[],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let handlers = &knowledge.handlers;
    let mut findings = Vec::new();
    for (index, function) in model.fns.iter().enumerate() {
        let is_handler = handlers.is_handler(function);
        if !is_handler {
            continue;
        }
        let calls: Vec<_> = model
            .calls
            .iter()
            .filter(|call| call.scope.function == Some(index) && call.scope.spawns.is_empty())
            .collect();
        if calls
            .iter()
            .any(|call| handlers.atomic.iter().any(|a| a == call.name()))
        {
            continue;
        }
        for (position, first) in calls.iter().enumerate() {
            let (Some(name), Some(place)) = (first.method(), &first.receiver_place) else {
                continue;
            };
            if !first.awaited {
                continue;
            }
            let undo = calls[position + 1..].iter().find_map(|later| {
                let later_name = later.method()?;
                let paired = handlers
                    .pairs
                    .iter()
                    .any(|(a, b)| a == name && b == later_name);
                (paired && later.awaited && later.receiver_place.as_ref() == Some(place))
                    .then_some((later, later_name))
            });
            let Some((later, later_name)) = undo else {
                continue;
            };
            findings.push(
                Finding::new(
                    "handler-partial-effects",
                    first.span,
                    format!(
                        "this handler awaits `{place}.{name}(..)` and undoes it later with `{later_name}(..)`: if the client disconnects in between, the handler is dropped and the `{later_name}` never runs"
                    ),
                )
                .label(later.span, format!("`{later_name}` is skipped if the handler is dropped before here"))
                .help(
                    "run the critical section in `tokio::spawn(..).await` so a disconnect cannot drop it, use a transaction, or undo the effect in a guard's `Drop`",
                ),
            );
        }
    }
    findings
}
