//! ## What it does
//! Flags network waits that can hang forever: `reqwest::get`, `reqwest` clients built with no
//! `.timeout(..)`, outbound connects and handshakes (`TcpStream::connect`, TLS, websocket,
//! tonic `Endpoint::connect`) and the first read from a freshly accepted peer (here, or in an
//! awaited helper of the crate the peer is handed to), when no
//! deadline (`tokio::time::timeout`, a `select!` sleep branch) surrounds them. Also flags a
//! response body read (`resp.bytes()`, `text()`, `json()`, `chunk()`) awaited outside any
//! deadline when the deadline covered only `send()`, which ends when the headers arrive.
//!
//! ## Why is this bad
//! A peer that accepts a connection and then says nothing, or a route that drops packets,
//! keeps the awaiting task alive forever. Each such task holds a socket and memory; under
//! load they pile up until the service stops answering.
//!
//! ## Example
//! ```rust,ignore
//! let stream = TcpStream::connect(addr).await?;
//! let client = reqwest::Client::new();
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! let stream = timeout(Duration::from_secs(10), TcpStream::connect(addr)).await??;
//! let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
//! ```
//!
//! ## Known problems
//! A function of the crate called inside `timeout(..)` (in any file, directly or through
//! awaited helpers) is trusted, and so is a request handler of a crate that applies a router
//! `TimeoutLayer` (which drops the handler's future at its deadline); a deadline applied
//! through another tower layer, a trait object or a caller outside the checked files is not
//! visible. A client is not flagged when any request
//! in the same file sets `.timeout(..)`, nor one made for a single request that runs under a
//! deadline (`let f = Client::new().get(u).send(); timeout(d, f)`). Reads on long-lived connections are not flagged. A
//! body read is judged only on the variable the timed-out `send()` was bound to; any
//! `.timeout(..)` call in the file silences it, since it may be the client's. A connect to a
//! loopback address (`TcpStream::connect(format!("127.0.0.1:{port}"))`) is reported,
//! although it fails or succeeds at once, and a `TimeoutLayer` applied by another crate of
//! the workspace is not seen.

use std::collections::BTreeSet;

use super::RustRule;
use crate::diagnostic::{Applicability, Edit, Finding, Fix, Span};
use crate::rust::knowledge::{RustKnowledge, any_matches, path_matches};
use crate::rust::model::{Call, Callee, Model, encloses};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "missing-timeout",
    triggers: &[".await", "reqwest"],
    context: &["timeout", "deadline", "select", "TimeoutLayer"],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, project: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut first_reads_seen = BTreeSet::new();
    for call in model.calls.iter().filter(|call| !call.scope.in_test) {
        if let Some(finding) = wait_without_deadline(model, knowledge, project, call) {
            findings.push(finding);
        }
        if let Some(finding) = client_without_timeout(model, knowledge, project, call) {
            findings.push(finding);
        }
        if let Some(finding) = first_read(model, knowledge, project, call, &mut first_reads_seen) {
            findings.push(finding);
        }
        if let Some(finding) = body_after_header_deadline(model, knowledge, project, call) {
            findings.push(finding);
        }
    }
    findings
}

/// Under a deadline here, in a local function some caller in this file wraps in one, or in a
/// function of the crate that runs under a caller's deadline (in any file).
fn has_deadline(model: &Model, project: &InProject, call: &Call) -> bool {
    call.scope.in_timeout
        || model
            .function(&call.scope)
            .is_some_and(|function| model.timeout_wrapped_fns.contains(&function.name))
        || call.scope.spawns.is_empty()
            && call
                .scope
                .function
                .is_some_and(|function| project.under_deadline(function))
}

fn wait_without_deadline(
    model: &Model,
    knowledge: &RustKnowledge,
    project: &InProject,
    call: &Call,
) -> Option<Finding> {
    if !call.awaited || has_deadline(model, project, call) {
        return None;
    }
    let origin = call.chain.root_path().unwrap_or("");
    let wait = knowledge
        .timeouts
        .wait
        .iter()
        .find(|wait| match &call.callee {
            Callee::Path(path) => wait.path.as_ref().is_some_and(|p| path_matches(p, path)),
            Callee::Method(name) => {
                wait.method.as_deref() == Some(name)
                    && (any_matches(&wait.origins, origin)
                        || call
                            .receiver_type()
                            .is_some_and(|ty| any_matches(&wait.receiver_types, ty)))
                    && !call
                        .chain
                        .methods
                        .iter()
                        .any(|m| wait.unless_chain.contains(m))
            }
        })?;
    Some(
        Finding::new(
            "missing-timeout",
            call.span,
            format!("{} has no deadline and can wait forever", wait.what),
        )
        .help(format!("bound the wait: {}", wait.instead)),
    )
}

fn client_without_timeout(
    model: &Model,
    knowledge: &RustKnowledge,
    project: &InProject,
    call: &Call,
) -> Option<Finding> {
    let clients = &knowledge.timeouts.client;
    let mut fix = None;
    let client = match &call.callee {
        Callee::Path(path) => clients
            .iter()
            .find(|client| client.build.is_none() && path_matches(&client.path, path))?,
        Callee::Method(name) => {
            let origin = call.chain.root_path()?;
            let client = clients.iter().find(|client| {
                client.build.as_deref() == Some(name) && path_matches(&client.path, origin)
            })?;
            if call.chain.methods.iter().any(|m| client.needs.contains(m)) {
                return None;
            }
            // `.build()` becomes `.timeout(..).build()`: the insertion goes right before the
            // method name, after its dot, so the chain's layout and comments stay as they are.
            let at = Span::new(
                call.span.line,
                call.span.column,
                call.span.line,
                call.span.column,
            );
            fix = Some(Fix {
                applicability: Applicability::Unsafe,
                edits: vec![Edit {
                    span: at,
                    replacement: "timeout(std::time::Duration::from_secs(30)).".to_string(),
                }],
            });
            client
        }
    };
    // A deadline set on the requests made in this file counts too.
    if client.needs.iter().any(|m| model.method_names.contains(m))
        || single_request_bounded(model, knowledge, project, call)
    {
        return None;
    }
    let finding = Finding::new(
        "missing-timeout",
        call.span,
        "this HTTP client has no request timeout: a stalled server hangs every request made with it",
    )
    .help(format!(
        "build it with `{}::builder().timeout(Duration::from_secs(30)).build()`",
        client.path.trim_end_matches("::new").trim_end_matches("::builder")
    ));
    Some(match fix {
        Some(fix) => finding.fix(fix),
        None => finding,
    })
}

/// A client made for one request (`Client::new().get(url).send()`) waits only as long as
/// that request: under a deadline here or in a caller, or polled under one later. The
/// request is the next `send()` in the function whose chain starts where the client does.
fn single_request_bounded(
    model: &Model,
    knowledge: &RustKnowledge,
    project: &InProject,
    client: &Call,
) -> bool {
    let Some(root) = client.path().or_else(|| client.chain.root_path()) else {
        return false;
    };
    let sends = &knowledge.timeouts.request_sends;
    let request = model.calls.iter().enumerate().find(|(_, send)| {
        send.span > client.span
            && send.scope.function == client.scope.function
            && send.chain.root_path() == Some(root)
            && send.method().is_some_and(|m| sends.iter().any(|s| s == m))
    });
    let Some((index, send)) = request else {
        return false;
    };
    let another_client_between = model.calls.iter().any(|other| {
        other.path() == Some(root) && other.span > client.span && other.span < send.span
    });
    !another_client_between
        && (has_deadline(model, project, send) || model.polled_under_deadline_later(index))
}

/// The first read from a freshly accepted peer with no deadline: a first-read method on it
/// here, or an awaited helper of the crate that makes one on the parameter it is handed.
fn first_read(
    model: &Model,
    knowledge: &RustKnowledge,
    project: &InProject,
    call: &Call,
    seen: &mut BTreeSet<usize>,
) -> Option<Finding> {
    if !call.awaited {
        return None;
    }
    let timeouts = &knowledge.timeouts;
    let method = call
        .method()
        .filter(|name| timeouts.first_reads.iter().any(|r| r == name));
    let (binding, helper) = match method {
        Some(_) => (call.receiver_binding.as_ref()?, None),
        // An async block that is not a spawned task may be raced or bounded where it is
        // polled (`let f = async { .. }; timeout(d, f)`), which is not followed.
        None if call.scope.nested && call.scope.body_of_spawn.is_none() => return None,
        None => {
            let proof = project.first_read(model, call)?;
            let binding = call.arg_bindings.get(proof.evidence.entry)?.as_ref()?;
            (binding, Some(proof))
        }
    };
    let accepted = binding
        .origin
        .as_ref()
        .and_then(|origin| origin.methods.last())
        .is_some_and(|last| timeouts.accept_methods.contains(last));
    // A read inside a loop that started after the accept serves an established connection.
    if !accepted || binding.open_loop != call.open_loop || !seen.insert(binding.id) {
        return None;
    }
    if has_deadline(model, project, call) {
        return None;
    }
    let help = "wrap it: `tokio::time::timeout(Duration::from_secs(10), stream.read(..)).await`";
    Some(match helper {
        None => Finding::new(
            "missing-timeout",
            call.span,
            format!(
                "the first `.{}()` from a newly accepted peer has no deadline: a silent client holds this task forever",
                call.name()
            ),
        )
        .help(help),
        Some(proof) => {
            let read = &proof.evidence.what;
            let finding = Finding::new(
                "missing-timeout",
                call.span,
                format!(
                    "`{}` makes the first read from a newly accepted peer with no deadline: its `.{read}()` ({}) lets a silent client hold this task forever",
                    call.name(),
                    proof.place()
                ),
            )
            .help(help);
            proof.label(finding, format!("`.{read}()` waits here with no deadline"))
        }
    })
}

/// `let resp = timeout(d, client.get(url).send()).await??;` then `resp.bytes().await`: the
/// deadline ended with the headers, and the body read has none.
fn body_after_header_deadline(
    model: &Model,
    knowledge: &RustKnowledge,
    project: &InProject,
    call: &Call,
) -> Option<Finding> {
    let timeouts = &knowledge.timeouts;
    let name = call.method()?;
    if !call.awaited
        || !timeouts.body_reads.iter().any(|read| read == name)
        || has_deadline(model, project, call)
        // The client, or a request of this file, may carry its own deadline.
        || timeouts
            .request_deadlines
            .iter()
            .any(|deadline| model.method_names.contains(deadline))
    {
        return None;
    }
    let binding = call.receiver_binding.as_ref()?.id;
    let response = model
        .lets
        .iter()
        .find(|response| response.binding == binding)?;
    let send = model.calls.iter().find(|send| {
        send.scope.in_timeout
            && send.scope.function == call.scope.function
            && encloses(response.span, send.span)
            && send
                .method()
                .is_some_and(|method| timeouts.request_sends.iter().any(|s| s == method))
            && send
                .chain
                .methods
                .iter()
                .any(|method| timeouts.request_builders.contains(method))
    })?;
    Some(
        Finding::new(
            "missing-timeout",
            call.span,
            format!(
                "the deadline covers only the response headers: `.{name}()` reads the body with no deadline, so a server that stalls after the headers hangs this task"
            ),
        )
        .label(send.span, "the deadline ends when `send()` returns the headers")
        .help(
            "read the body inside the same `timeout(..)` as `send()`, or set `.timeout(d)` on the request or the client",
        ),
    )
}
