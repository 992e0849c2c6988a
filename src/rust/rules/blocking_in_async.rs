//! ## What it does
//! Flags calls that block the thread (`std::thread::sleep`, `std::fs`, `std::net` connects,
//! `std::sync::mpsc` receives, `block_on`, `blocking_recv`, diesel queries, ...) made in
//! async code: an `async fn`, an async block or closure.
//!
//! ## Why is this bad
//! An async runtime runs many tasks on a few threads. A blocking call holds its worker
//! thread, so every task scheduled there stalls, timers fire late, and cancellation (which
//! needs the task to be polled) cannot happen until the call returns.
//!
//! ## Example
//! ```rust,ignore
//! async fn poll_status() {
//!     std::thread::sleep(Duration::from_secs(1));
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! async fn poll_status() {
//!     tokio::time::sleep(Duration::from_secs(1)).await;
//! }
//! ```
//!
//! The `tokio::fs` fix adds an await point; it is not offered while a lock guard or permit is
//! held there, or between a state change and the call that restores it, where a cancellation
//! at the new await would leave the section half-done.
//!
//! One short operation on one file (`brief` in `rules/rust/blocking.toml`) is reported only
//! in a loop or in code that visibly runs more than once (a request handler, a task spawned
//! in a loop, a function called in a loop or from such code): elsewhere it blocks a moment.
//! So is a read of what the user types (a prompt's answer), which the program waits for anyway.
//!
//! Start-up code is not checked: `main`'s own body, and the body outside loops of a function
//! that only `main` (or other start-up code) calls, awaited before serving.
//!
//! ## Known problems
//! Methods are recognised by name only where the name is unambiguous (`blocking_recv`,
//! `block_on`) or the receiver's origin (or declared type, for `r2d2::Pool`) is visible in the
//! same function. A sync function of the crate whose own body blocks is followed (in any
//! file), unless its only blocking is one short file operation outside a loop; one reached
//! through a trait object, a returned closure or a receiver of unknown type is not. A short
//! file operation on every request is missed where nothing in the crate shows the repetition.

use super::RustRule;
use crate::diagnostic::{Applicability, Edit, Finding, Fix, Span};
use crate::rust::calls::BlockingOp;
use crate::rust::knowledge::RustKnowledge;
use crate::rust::model::{Call, Model};
use crate::rust::project::{InProject, Proof};

pub const RULE: RustRule = RustRule {
    name: "blocking-in-async",
    triggers: &["async"],
    // Sync helpers that block, in files parsed for their async code.
    context: &["fs::", "thread::sleep", "block_on", "blocking"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, project: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for call in &model.calls {
        let scope = &call.scope;
        if !scope.is_async || scope.offload.is_some() || call.awaited || scope.in_test {
            continue;
        }
        // `main`'s own body is start-up code: reading a certificate before serving stalls
        // nothing, and so is the body of a function only `main` calls, outside its loops, or
        // of a function that runs once (`main` reaches it only through calls outside loops
        // and callbacks, such as the body of a task `main` spawns once). Tasks and closures
        // they spawn are checked.
        let start_up = |function: usize| {
            model.fns[function].is_main
                || call.open_loop.is_none()
                    && (project.start_up(function) || project.runs_once(function))
        };
        if !scope.nested && scope.function.is_some_and(start_up) {
            continue;
        }
        match model.blocking_op(knowledge, call) {
            // One short operation on one file takes a moment, and a prompt waits for a user
            // the program would wait for anyway: they stall the executor only where they run
            // again and again, in a loop or for each request.
            Some(blocking) if blocking.brief && call.open_loop.is_none() => {
                if let Some(repeats) = project.repeats(model, scope) {
                    let finding = judge(model, knowledge, call, blocking);
                    findings.push(repeats.label(finding, "this call runs"));
                }
            }
            Some(blocking) => findings.push(judge(model, knowledge, call, blocking)),
            None => {
                if let Some(proof) = project.blocks(model, call) {
                    findings.push(through_helper(call, &proof));
                }
            }
        }
    }
    findings
}

fn judge(model: &Model, knowledge: &RustKnowledge, call: &Call, blocking: BlockingOp) -> Finding {
    let message = format!(
        "{} blocks the executor thread inside async code",
        blocking.what
    );
    let unsafe_point = blocking
        .async_path
        .and_then(|_| await_would_interrupt(model, knowledge, call));
    if let Some(reason) = unsafe_point {
        let finding = Finding::new("blocking-in-async", call.expr_span, message)
            .help(format!(
                "{}; no automatic fix: {}",
                help(blocking.instead),
                reason.why
            ))
            .label(reason.at, reason.label);
        return finding;
    }
    let finding = match blocking.async_path {
        // A path call is shown whole, where a fix can swap it for its async equivalent.
        Some(async_path) => Finding::new("blocking-in-async", call.expr_span, message).fix(Fix {
            applicability: Applicability::Unsafe,
            edits: vec![
                Edit {
                    span: call.span,
                    replacement: async_path.to_string(),
                },
                Edit {
                    span: end_of(call.expr_span),
                    replacement: ".await".to_string(),
                },
            ],
        }),
        None if call.path().is_some() => Finding::new("blocking-in-async", call.expr_span, message),
        None => Finding::new("blocking-in-async", call.span, message),
    };
    finding.help(help(blocking.instead))
}

/// Why an `.await` added at `call` would itself be a cancellation bug.
struct InterruptedSection {
    why: String,
    at: Span,
    label: String,
}

/// A guard held at `call`, or a state change made before it and restored after it: a
/// future dropped at a new await point there leaves the section half-done.
fn await_would_interrupt(
    model: &Model,
    knowledge: &RustKnowledge,
    call: &Call,
) -> Option<InterruptedSection> {
    let guard = call
        .held_guards
        .iter()
        .map(|&index| &model.guards[index])
        .find(|guard| !guard.is_future);
    if let Some(guard) = guard {
        let held = guard
            .name
            .as_ref()
            .map_or_else(|| "a lock guard".to_string(), |name| format!("`{name}`"));
        return Some(InterruptedSection {
            why: format!(
                "an `.await` here would let a cancellation drop the task while {held} is held"
            ),
            at: guard.span,
            label: format!("{held} is taken here and still held"),
        });
    }
    let handlers = &knowledge.handlers;
    let pairs: Vec<(String, String)> = handlers
        .pairs
        .iter()
        .chain(&handlers.restoring_pairs)
        .cloned()
        .collect();
    let (before, after) = model.state_change_around(call, &pairs)?;
    let place = before.receiver_place.as_deref().unwrap_or_default();
    Some(InterruptedSection {
        why: format!(
            "an `.await` here, between `{place}.{}(..)` and `{place}.{}(..)`, would let a cancellation leave `{place}` half-changed",
            before.name(),
            after.name()
        ),
        at: before.span,
        label: format!(
            "`{place}` is changed here and restored at line {}",
            after.span.line
        ),
    })
}

/// A sync function of the crate whose body blocks, called from async code.
fn through_helper(call: &Call, proof: &Proof) -> Finding {
    let name = call.name();
    let blocking = &proof.evidence.what;
    let finding = Finding::new(
        "blocking-in-async",
        call.span,
        format!(
            "`{name}` blocks the executor thread inside async code: it calls {blocking} ({})",
            proof.place()
        ),
    )
    .help(format!(
        "move the call into `tokio::task::spawn_blocking`, or make `{name}` async"
    ));
    proof.label(finding, format!("{blocking} blocks here"))
}

fn help(instead: &str) -> String {
    if instead.contains("spawn_blocking") {
        format!("use {instead}")
    } else {
        format!("use {instead}, or move the call into `tokio::task::spawn_blocking`")
    }
}

fn end_of(span: Span) -> Span {
    Span::new(
        span.end_line,
        span.end_column,
        span.end_line,
        span.end_column,
    )
}
