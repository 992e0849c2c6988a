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
//! in the same file, or an embedded `context.Context`), for carriers of a per-request context
//! that expose it through a `Context()` method (like `http.Request`), and for objects that own a lifetime context next
//! to its `context.CancelFunc` (or a `func()` field named like `cancel`), and for the state
//! of one operation in progress: a literal of the type assigned to a local (`hs := state{ctx:
//! ctx}`) in a function that has the context. Silent too for iterators and readers: a type with a
//! `Next()` or `Read(..)` method that takes no context (`context_free_methods` in
//! `rules/go/context_apis.toml`), whose shape an interface fixes, so binding the context at
//! construction is the only way. Methods in other files of the package count; methods in
//! another package do not. The state of one operation forced by an interface other than these
//! is still reported.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{GoModel, StructDecl};
use crate::go::rules::Needs;

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let context_type = knowledge.context_apis.context_type();
    let cancel_types = knowledge.context_apis.cancel_func_types();
    let mut findings = Vec::new();
    for decl in &model.structs {
        if let Some(name) = &decl.name
            && ((model.has_method(name, "Done") && model.has_method(name, "Err"))
                || model.has_method(name, "Context")
                || model
                    .has_context_free_method(name, &knowledge.context_apis.context_free_methods))
        {
            continue;
        }
        if decl
            .fields
            .iter()
            .any(|f| f.embedded && f.ty == context_type)
        {
            continue;
        }
        let owns_cancel = decl.fields.iter().any(|f| {
            cancel_types.contains(&f.ty)
                || (f.ty.starts_with("func(")
                    && f.names
                        .iter()
                        .any(|n| n.to_ascii_lowercase().contains("cancel")))
        });
        if owns_cancel || operation_state(model, knowledge, decl) {
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

/// The state of one operation in progress (`hs := handshakeState{ctx: ctx, ..}` in a function
/// that has the context): the value lives no longer than the call that made it.
fn operation_state(model: &GoModel, knowledge: &GoKnowledge, decl: &StructDecl) -> bool {
    let Some(name) = &decl.name else {
        return false;
    };
    let context_type = knowledge.context_apis.context_type();
    let ctx_fields: Vec<&String> = decl
        .fields
        .iter()
        .filter(|f| f.ty == context_type)
        .flat_map(|f| &f.names)
        .collect();
    model.composites.iter().any(|c| {
        c.ty == *name
            && c.keys.iter().any(|k| ctx_fields.contains(&k))
            && c.func.is_some_and(|f| !model.context_names(f).is_empty())
            && model.assigns.iter().any(|a| {
                a.define
                    && a.func == c.func
                    && a.rhs.iter().any(|&(s, e)| {
                        // `x := T{..}` or `x := &T{..}`
                        e == c.end && (s == c.start || model.text(s, c.start) == "&")
                    })
            })
    })
}

/// A struct type declared in a function body.
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    Needs::any_of(["struct"]).importing([&knowledge.context_apis.package])
}

/// The names of the structs with a context field: a composite literal of one, in any
/// function, may make it an operation's state.
pub fn read_elsewhere(model: &GoModel, knowledge: &GoKnowledge) -> Vec<String> {
    let context_type = knowledge.context_apis.context_type();
    model
        .structs
        .iter()
        .filter(|decl| decl.fields.iter().any(|f| f.ty == context_type))
        .filter_map(|decl| decl.name.clone())
        .collect()
}
