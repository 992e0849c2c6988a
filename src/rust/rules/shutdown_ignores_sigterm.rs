//! ## What it does
//! Flags `tokio::signal::ctrl_c()` awaited as a server's graceful shutdown signal with no
//! SIGTERM subscription next to it: in the function that wires the graceful shutdown
//! (`with_graceful_shutdown`, `serve_with_shutdown`, ...; see `rules/rust/servers.toml`), or in
//! a local function it calls (the usual `shutdown_signal()` helper), when neither that
//! function nor the helpers it calls subscribe to SIGTERM (`signal(SignalKind::terminate())`,
//! `signal_hook` `Signals::new`, ...).
//!
//! ## Why is this bad
//! `ctrl_c()` sees only SIGINT. Docker (`docker stop`), Kubernetes (pod termination) and
//! systemd (`systemctl stop`) stop a process with SIGTERM, so in production the drain never
//! runs: the process is killed after the grace period with requests in flight. This is a
//! recurring report against services that copied a Ctrl-C-only shutdown from an example
//! (axum's `graceful-shutdown` example waits on both signals for this reason).
//!
//! ## Example
//! ```rust,ignore
//! async fn shutdown_signal() {
//!     tokio::signal::ctrl_c().await.expect("install Ctrl-C handler");
//! }
//! axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! async fn shutdown_signal() {
//!     let ctrl_c = async { tokio::signal::ctrl_c().await.expect("install Ctrl-C handler") };
//!     #[cfg(unix)]
//!     let terminate = async {
//!         tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
//!             .expect("install SIGTERM handler")
//!             .recv()
//!             .await;
//!     };
//!     #[cfg(not(unix))]
//!     let terminate = std::future::pending::<()>();
//!     tokio::select! {
//!         _ = ctrl_c => {},
//!         _ = terminate => {},
//!     }
//! }
//! ```
//!
//! ## Known problems
//! Only a shutdown wired with one of the graceful hooks is judged, and only through helpers of
//! the same file: a `ctrl_c()` that cancels a token or sends on a channel which a server
//! elsewhere waits on is not followed. A SIGTERM subscription anywhere in the function or its
//! helpers silences it, even when it is not raced with `ctrl_c()`. Code compiled only for
//! non-unix targets is silent.

use std::collections::BTreeSet;

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::model::Model;
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "shutdown-ignores-sigterm",
    triggers: &["ctrl_c"],
    context: &["graceful", "shutdown", "signal", "SIGTERM"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let servers = &knowledge.servers;
    // Functions that wire a graceful shutdown, and the local functions they call.
    let mut shutdown_fns: BTreeSet<usize> = BTreeSet::new();
    for call in &model.calls {
        if call.scope.in_test || !servers.graceful.iter().any(|g| g == call.name()) {
            continue;
        }
        if let Some(function) = call.scope.function {
            shutdown_fns.insert(function);
            shutdown_fns.extend(model.local_callees_of(function));
        }
    }
    let subscribes_to_terminate = |function: usize| {
        model.local_closure(function).into_iter().any(|reached| {
            model.calls.iter().any(|call| {
                call.scope.function == Some(reached)
                    && call
                        .path()
                        .is_some_and(|path| any_matches(&servers.terminate, path))
            })
        })
    };
    let mut findings = Vec::new();
    for &function in &shutdown_fns {
        if model.fns[function].is_test || subscribes_to_terminate(function) {
            continue;
        }
        for call in &model.calls {
            if call.scope.function != Some(function)
                || call.scope.off_unix
                || call.scope.in_test
                || !call
                    .path()
                    .is_some_and(|path| any_matches(&servers.interrupt_only, path))
            {
                continue;
            }
            findings.push(
                Finding::new(
                    "shutdown-ignores-sigterm",
                    call.span,
                    "the graceful shutdown waits for Ctrl-C only: Docker, Kubernetes and systemd stop processes with SIGTERM, so the drain never runs there",
                )
                .help(
                    "also wait for `signal(SignalKind::terminate())` from `tokio::signal::unix` and `select!` the two",
                ),
            );
        }
    }
    findings
}
