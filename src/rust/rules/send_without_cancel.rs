//! ## What it does
//! Flags `tx.send(v).await` on a visibly bounded channel (`mpsc::channel(n)` in the same
//! function, or a sender declared `mpsc::Sender<_>`) inside a loop that observes
//! cancellation elsewhere, when the send itself is not raced against cancellation: not a
//! `select!` branch next to a cancellation branch, not under a `timeout`.
//!
//! ## Why is this bad
//! A send on a full channel waits until the receiver makes room. If the consumer is stalled
//! or waiting on this very task, the loop never gets back to its `token.cancelled()` check:
//! shutdown hangs on a task that was written to stop (the Go seed's blocked channel send). A
//! send in the *handler* of a `select!` branch is not protected by that `select!`'s
//! cancellation branch.
//!
//! ## Example
//! ```rust,ignore
//! loop {
//!     tokio::select! {
//!         _ = token.cancelled() => break,
//!         Some(item) = source.next() => tx.send(item).await?,
//!     }
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! loop {
//!     tokio::select! {
//!         _ = token.cancelled() => break,
//!         Some(item) = source.next() => tokio::select! {
//!             _ = token.cancelled() => break,
//!             permit = tx.reserve() => permit?.send(item),
//!         },
//!     }
//! }
//! ```
//!
//! ## Known problems
//! Loops that never observe cancellation are `loop-without-cancel`'s concern and are not
//! reported here; a loop counts as cancellable when its body calls a token method
//! (`cancelled`, `is_cancelled`, ...) or a method on a receiver named like a shutdown signal
//! (`shutdown.changed()`), not for a bare `rx.changed()`. A send that itself propagates the
//! shutdown (`tx.send(()).await; break;` in a signal loop) is reported. Senders stored in
//! struct fields are not known to be bounded,
//! nor an `async_channel` or `flume` sender made elsewhere (its type is that of an unbounded
//! channel too). Dropping the
//! receiver also unblocks the send; a consumer that exits on shutdown makes the send fail
//! rather than hang, which this rule cannot see.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::model::{BranchPart, Model};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "send-without-cancel",
    triggers: &[".await"],
    context: &["send", "Sender", "channel"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let channels = &knowledge.channels;
    let mut findings = Vec::new();
    for call in &model.calls {
        let Some(name) = call.method() else {
            continue;
        };
        if !call.awaited
            || call.arg_count != 1
            || !channels.waiting_sends.iter().any(|s| s == name)
            || call.scope.in_timeout
            || call.scope.in_test
            // `tx.send(v).await; break;`: a last message, not a send the loop repeats.
            || call.exit_follows
        {
            continue;
        }
        let origin = call.chain.root_path().unwrap_or("");
        let ty = call.receiver_type().unwrap_or("");
        let bounded = (call.chain.methods.is_empty() || call.chain.methods == ["clone"])
            && (any_matches(&channels.bounded_origins, origin)
                || any_matches(&channels.bounded_types, ty));
        if !bounded {
            continue;
        }
        // A loop that waits on cancellation: a token call, or a call on a receiver named
        // like a shutdown signal, in its own body.
        let cancellation = &knowledge.cancellation;
        let Some(cancellable) = call.scope.loops.iter().rev().find(|&&index| {
            model.loops[index].observes_cancel
                && model.calls.iter().any(|other| {
                    other.scope.loops.contains(&index)
                        && other.scope.function == call.scope.function
                        && (cancellation.token_methods.iter().any(|m| m == other.name())
                            || other.receiver_place.as_ref().is_some_and(|place| {
                                place.split('.').any(|segment| {
                                    cancellation.name_fragments.iter().any(|fragment| {
                                        segment.to_ascii_lowercase().contains(fragment.as_str())
                                    })
                                })
                            }))
                })
        }) else {
            continue;
        };
        if let Some(branch) = call.scope.select_branch
            && branch.part == BranchPart::Future
        {
            let select = &model.selects[branch.select];
            let raced = select.branches.iter().enumerate().any(|(position, other)| {
                position != branch.branch
                    && other
                        .future_names
                        .iter()
                        .any(|name| knowledge.cancellation.observes(name))
            });
            if raced {
                continue;
            }
        }
        findings.push(
            Finding::new(
                "send-without-cancel",
                call.span,
                format!(
                    "`.{name}(..).await` on a bounded channel waits for room without watching for cancellation: a stalled receiver keeps this loop from ever stopping"
                ),
            )
            .label(model.loops[*cancellable].span, "this loop is meant to stop on cancellation")
            .help(
                "race the send against cancellation: `tokio::select! { _ = token.cancelled() => break, permit = tx.reserve() => permit?.send(v) }`",
            ),
        );
    }
    findings
}
