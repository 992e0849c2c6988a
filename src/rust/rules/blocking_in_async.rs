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
//! ## Known problems
//! Methods are recognised by name only where the name is unambiguous (`blocking_recv`,
//! `block_on`) or the receiver's origin is visible in the same function; a blocking
//! function called through a helper in another file is not seen.

use super::RustRule;
use crate::diagnostic::{Applicability, Edit, Finding, Fix, Span};
use crate::rust::knowledge::{RustKnowledge, path_matches};
use crate::rust::model::{Call, Callee, Model};

pub const RULE: RustRule = RustRule {
    name: "blocking-in-async",
    triggers: &["async"],
    context: &[],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge) -> Vec<Finding> {
    let mut findings = Vec::new();
    for call in &model.calls {
        let scope = &call.scope;
        if !scope.is_async || scope.offload.is_some() || call.awaited || scope.in_test {
            continue;
        }
        // `main`'s own body is start-up code: reading a certificate before serving stalls
        // nothing. Tasks it spawns are checked.
        if !scope.nested && model.function(scope).is_some_and(|f| f.is_main) {
            continue;
        }
        if let Some(finding) = judge(model, knowledge, call) {
            findings.push(finding);
        }
    }
    findings
}

fn judge(model: &Model, knowledge: &RustKnowledge, call: &Call) -> Option<Finding> {
    let blocking = &knowledge.blocking;
    match &call.callee {
        Callee::Path(path) => {
            let entry = blocking.call.iter().find(|entry| {
                entry.only_with_methods.is_empty() && path_matches(&entry.path, path)
            })?;
            let mut finding = Finding::new(
                "blocking-in-async",
                call.expr_span,
                format!("`{path}` blocks the executor thread inside async code"),
            )
            .help(help(&entry.instead));
            if let Some(async_path) = &entry.async_path {
                finding = finding.fix(Fix {
                    applicability: Applicability::Unsafe,
                    edits: vec![
                        Edit {
                            span: call.span,
                            replacement: async_path.clone(),
                        },
                        Edit {
                            span: end_of(call.expr_span),
                            replacement: ".await".to_string(),
                        },
                    ],
                });
            }
            Some(finding)
        }
        Callee::Method(name) => {
            let origin = call.chain.root_path().unwrap_or("");
            let by_method = blocking.method.iter().find(|entry| {
                entry.name == *name
                    && (entry.origins.is_empty()
                        || entry.origins.iter().any(|o| path_matches(o, origin)))
                    && entry
                        .requires_use
                        .as_ref()
                        .is_none_or(|krate| model.uses.uses_crate(krate))
                    && (!entry.requires_args || call.arg_count > 0)
            });
            let (what, instead) = match by_method {
                Some(entry) => (format!("`.{name}()`"), entry.instead.as_str()),
                None => {
                    let entry = blocking.call.iter().find(|entry| {
                        entry.only_with_methods.contains(name) && path_matches(&entry.path, origin)
                    })?;
                    (
                        format!("`{}().{name}()`", entry.path),
                        entry.instead.as_str(),
                    )
                }
            };
            let origin_note = match call.chain.root_path() {
                Some(path) if by_method.is_some_and(|e| !e.origins.is_empty()) => {
                    format!(" on a value from `{path}`")
                }
                _ => String::new(),
            };
            Some(
                Finding::new(
                    "blocking-in-async",
                    call.span,
                    format!("{what}{origin_note} blocks the executor thread inside async code"),
                )
                .help(help(instead)),
            )
        }
    }
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
