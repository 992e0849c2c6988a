//! ## What it does
//! Flags a struct field of type `context.Context`.
//!
//! ## Why is this bad
//! A context belongs to one call: its deadline and cancellation describe that call. Stored
//! in a struct, it outlives the call, every method silently uses a stale or already-cancelled
//! context, and callers can no longer pass their own.
//!
//! ## Example
//! ```go
//! type Fetcher struct {
//!     ctx    context.Context
//!     client *http.Client
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! type Fetcher struct{ client *http.Client }
//!
//! func (f *Fetcher) Fetch(ctx context.Context, url string) error { ... }
//! ```
//!
//! ## Known problems
//! Silent for types that implement `context.Context` themselves (methods `Done` and `Err`
//! in the same file), for embedded contexts, and for objects that own a lifetime context next
//! to its `context.CancelFunc` field. A type whose methods live in another file is judged
//! from its fields only.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::GoModel;

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let context_type = knowledge.context_apis.context_type();
    let cancel_type = knowledge.context_apis.cancel_func_type();
    let mut findings = Vec::new();
    for decl in &model.structs {
        if let Some(name) = &decl.name
            && model.has_method(name, "Done")
            && model.has_method(name, "Err")
        {
            continue;
        }
        if decl.fields.iter().any(|f| f.ty == cancel_type) {
            continue;
        }
        for field in &decl.fields {
            if field.embedded || field.ty != context_type {
                continue;
            }
            let owner = decl
                .name
                .as_deref()
                .map(|n| format!(" of `{n}`"))
                .unwrap_or_default();
            findings.push(
                Finding::new(
                    "context-in-struct",
                    field.span,
                    format!(
                        "field `{}`{owner} stores a `context.Context`",
                        field.names.join(", ")
                    ),
                )
                .help("pass the context as the first parameter of each method that needs it: `func (x *T) Do(ctx context.Context, ..)`"),
            );
        }
    }
    findings
}
