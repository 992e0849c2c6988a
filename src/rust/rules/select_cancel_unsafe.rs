//! ## What it does
//! Flags, inside a loop, a `tokio::select!` branch whose future is not cancel-safe
//! (`read_exact`, `read_line`, `read_u32`, `write_all`, `mpsc::Sender::send`,
//! `SinkExt::send`, `tokio::io::copy`, ... listed in `rules/rust/cancel_safety.toml`),
//! directly, through `timeout(d, ..)`, or through an `async fn` of the crate (in any file)
//! that awaits one.
//!
//! ## Why is this bad
//! Each time another branch wins, `select!` drops the losing future. A `read_exact` that
//! had read half a frame throws those bytes away, and the next iteration starts reading in
//! the middle of the frame: the protocol stream is corrupted. A dropped `tx.send(msg)` loses
//! `msg`; a dropped `write_all` forgets how much it wrote and writes the buffer again.
//!
//! ## Example
//! ```rust,ignore
//! loop {
//!     tokio::select! {
//!         res = stream.read_exact(&mut header) => handle(res?, &header).await,
//!         _ = heartbeat.tick() => send_ping(&peer).await,
//!     }
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! let mut frames = FramedRead::new(stream, codec);
//! loop {
//!     tokio::select! {
//!         frame = frames.next() => handle(frame).await,
//!         _ = heartbeat.tick() => send_ping(&peer).await,
//!     }
//! }
//! ```
//!
//! ## Known problems
//! A `select!` outside a loop, a branch polling a pinned future (`&mut fut`,
//! `fut.as_mut()`) and a `select!` whose every other branch leaves the loop are silent: the
//! dropped future is never resumed. `mpsc` senders are recognised only when made by
//! `mpsc::channel` or typed `mpsc::Sender` in the same function (not struct fields); sinks
//! only when the file imports `SinkExt`. A helper of the same crate is followed (in any file,
//! through further helpers) when the call names exactly one function: a free function by
//! its path, a method on `self` or on a variable of a declared type; a method on a value of
//! unknown type is not followed. Futures that only lose
//! their place in a fair queue (`lock`, `acquire`, `reserve`, `notified`) are not reported.
//! `timeout(d, fut)` awaited directly in a loop, outside `select!`, is not checked.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::RustKnowledge;
use crate::rust::model::{BranchPart, BranchRef, Model};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "select-cancel-unsafe",
    // Files with async functions hold the helpers a `select!` elsewhere may race.
    triggers: &["select!", "async fn"],
    context: &[],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, project: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (select_index, select) in model.selects.iter().enumerate() {
        if select.scope.in_test {
            continue;
        }
        let Some(&loop_index) = select.scope.loops.last() else {
            continue;
        };
        for (position, branch) in select.branches.iter().enumerate() {
            if branch.is_else || branch.future_is_reference {
                continue;
            }
            let mut others = select
                .branches
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != position)
                .map(|(_, other)| other)
                .peekable();
            // Nothing can win against a lone branch; if every winner leaves the loop, the
            // dropped future is never polled again.
            if others.peek().is_none() || others.all(|other| other.handler_exits) {
                continue;
            }
            let here = BranchRef {
                select: select_index,
                branch: position,
                part: BranchPart::Future,
            };
            let unsafe_call = model.calls[branch.calls.clone()]
                .iter()
                .filter(|call| call.awaited && call.scope.select_branch == Some(here))
                .find_map(|call| {
                    if let Some(entry) = model.cancel_unsafe_op(knowledge, call) {
                        return Some((call, entry, None));
                    }
                    let proof = project.cancel_unsafe(model, call)?;
                    Some((call, proof.evidence.entry, Some(proof)))
                });
            let Some((call, entry, through)) = unsafe_call else {
                continue;
            };
            let op = &knowledge.cancel_safety.unsafe_ops[entry];
            let name = call.name();
            let message = match &through {
                None => format!(
                    "`{name}` is not cancel-safe: when another `select!` branch wins, it loses {}",
                    op.loses
                ),
                Some(proof) => format!(
                    "`{name}` awaits `{}` ({}), which is not cancel-safe: when another `select!` branch wins, it loses {}",
                    proof.evidence.what,
                    proof.place(),
                    op.loses
                ),
            };
            let mut finding = Finding::new("select-cancel-unsafe", call.span, message)
                .help(op.instead.clone())
                .label(
                    select.span,
                    "this `select!` drops the losing future and the loop starts a new one",
                )
                .label(model.loops[loop_index].span, "the loop");
            if let Some(proof) = through {
                let message = format!("`{}` is awaited here", proof.evidence.what);
                finding = proof.label(finding, message);
            }
            findings.push(finding);
        }
    }
    findings
}
