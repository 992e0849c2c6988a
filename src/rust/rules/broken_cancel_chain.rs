//! ## What it does
//! Flags `CancellationToken::new()` inside a function that already has a token in scope: a
//! token parameter, or a token field of `self` (a struct of the same file).
//!
//! ## Why is this bad
//! A new token is a new root: cancelling the token the function was given does not cancel
//! it. Work tied to the new token keeps running after its caller, or the whole server, was
//! told to stop, which is the Rust form of `context.Background()` inside a request handler.
//!
//! ## Example
//! ```rust,ignore
//! async fn run_jobs(jobs: Vec<Job>, token: CancellationToken) {
//!     let job_token = CancellationToken::new();
//!     for job in jobs {
//!         tokio::spawn(job.run(job_token.clone()));
//!     }
//! }
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! let job_token = token.child_token();
//! ```
//!
//! ## Known problems
//! Roots in `main`, in tests, and in functions whose only token is an `Option` (a fallback)
//! are silent, and so are roots stored in a field or a struct literal (the object owns the
//! token, as when a field is reset to a fresh token) and roots whose drop guard this function
//! holds. A token reached through a local variable or a field of another struct is not
//! seen; a deliberately independent root (a drain token created on shutdown) needs a
//! suppression.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::RustKnowledge;
use crate::rust::model::{Callee, Model};
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "broken-cancel-chain",
    triggers: &["CancellationToken"],
    context: &[],
    check,
};

fn check(model: &Model, knowledge: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        let Callee::Path(path) = &call.callee else {
            continue;
        };
        let Some(ty) = path.strip_suffix("::new") else {
            continue;
        };
        let is_token = knowledge
            .frameworks
            .token_types
            .iter()
            .any(|token| token == ty || token.rsplit("::").next() == Some(ty));
        if !is_token || call.scope.in_test || owned_elsewhere(model, knowledge, index) {
            continue;
        }
        let Some(function) = model.function(&call.scope) else {
            continue;
        };
        if function.is_main || function.is_test {
            continue;
        }
        let in_scope = match &function.token_param {
            Some(param) => format!("`{param}`"),
            None => {
                let field = function
                    .self_type
                    .as_ref()
                    .filter(|_| function.has_self)
                    .and_then(|ty| model.token_fields.get(ty));
                match field {
                    Some(field) => format!("`self.{field}`"),
                    None => continue,
                }
            }
        };
        findings.push(
            Finding::new(
                "broken-cancel-chain",
                call.span,
                format!(
                    "`CancellationToken::new()` starts a new root while {in_scope} is in scope: cancelling {in_scope} will not cancel it"
                ),
            )
            .label(function.span, format!("{in_scope} is available in this function"))
            .help(format!(
                "derive it from the token in scope: `{}.child_token()`",
                in_scope.trim_matches('`')
            )),
        );
    }
    findings
}

/// The new token's lifetime is decided by something other than the token in scope: it is
/// stored in a field or a struct (an object owns it, as when `self.cancel` is replaced), or
/// a drop guard taken here cancels it when this function ends.
fn owned_elsewhere(model: &Model, knowledge: &RustKnowledge, index: usize) -> bool {
    if model.value_stored(index) {
        return true;
    }
    let Some(token) = model.lets.iter().find(|l| l.init_call == Some(index)) else {
        return false;
    };
    let drop_guards = &knowledge.cancellation.drop_guards;
    model.calls.iter().any(|call| {
        call.method()
            .is_some_and(|m| drop_guards.iter().any(|g| g == m))
            && call.scope.function == token.scope.function
            && call.receiver_root.as_deref() == Some(token.name.as_str())
    })
}
