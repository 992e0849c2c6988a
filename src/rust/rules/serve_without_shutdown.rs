//! ## What it does
//! Flags an `axum::serve(..)`, hyper or tonic server awaited in `main`, or in a function of
//! the same file that `main` calls, when that function never wires a graceful shutdown
//! (`with_graceful_shutdown`, `serve_with_shutdown`, ...; see `rules/rust/servers.toml`).
//!
//! ## Why is this bad
//! Without a shutdown hook the server runs until the process is killed: on a deploy's
//! SIGTERM, in-flight requests are cut off mid-response, and nothing drains connections or
//! runs cleanup.
//!
//! ## Example
//! ```rust,ignore
//! let listener = TcpListener::bind("0.0.0.0:3000").await?;
//! axum::serve(listener, app).await?;
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! axum::serve(listener, app)
//!     .with_graceful_shutdown(shutdown_signal())
//!     .await?;
//! ```
//!
//! ## Known problems
//! Only `main` and the local functions it calls directly are the application's main path;
//! library wrappers, tests and benches are silent. A server bound to a variable and awaited
//! later is not followed; any graceful hook in the same function silences it.

use std::collections::BTreeSet;

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches, path_matches};
use crate::rust::model::{Callee, Model};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "serve-without-shutdown",
    triggers: &[".await"],
    context: &["serve", "fn main", "graceful", "shutdown"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let servers = &knowledge.servers;
    // `main`, and the local functions it calls.
    let mut main_path: BTreeSet<&str> = BTreeSet::new();
    for call in &model.calls {
        if let Some(function) = model.function(&call.scope)
            && function.is_main
        {
            main_path.insert("main");
            if let Some(name) = model.local_callee(call) {
                main_path.insert(name);
            }
        }
    }
    let mut findings = Vec::new();
    for call in &model.calls {
        if !call.awaited || call.scope.in_test {
            continue;
        }
        let Some(function_index) = call.scope.function else {
            continue;
        };
        let function = &model.fns[function_index];
        if function.is_test
            || !(function.is_main
                || function.self_type.is_none() && main_path.contains(function.name.as_str()))
        {
            continue;
        }
        let origin = call.chain.root_path().unwrap_or("");
        let server = servers.server.iter().find(|server| match &call.callee {
            Callee::Path(path) => server.path.as_ref().is_some_and(|p| path_matches(p, path)),
            Callee::Method(name) => {
                server.method.as_deref() == Some(name) && any_matches(&server.origins, origin)
            }
        });
        let Some(server) = server else {
            continue;
        };
        let graceful = model.calls.iter().any(|other| {
            other.scope.function == Some(function_index)
                && servers.graceful.iter().any(|g| g == other.name())
        });
        if graceful {
            continue;
        }
        findings.push(
            Finding::new(
                "serve-without-shutdown",
                call.span,
                format!(
                    "{} runs with no graceful shutdown: on SIGTERM, in-flight requests are cut off",
                    server.what
                ),
            )
            .help(format!(
                "wire a shutdown signal and bound the drain: {}",
                server.instead
            )),
        );
    }
    findings
}
