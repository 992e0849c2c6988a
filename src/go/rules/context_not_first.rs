//! ## What it does
//! Flags a `context.Context` parameter that is not the first parameter of a function or
//! method declaration.
//!
//! ## Why is this bad
//! By convention every Go API takes the context first; a context in another position is
//! easy to miss when reading a call and is often a sign that it was bolted on late.
//!
//! ## Example
//! ```go
//! func Save(data []byte, ctx context.Context) error
//! ```
//!
//! ## Use instead
//! ```go
//! func Save(ctx context.Context, data []byte) error
//! ```
//!
//! ## Known problems
//! `*testing.T`, `*testing.B`, `*testing.F` and `testing.TB` may come first, and two leading
//! contexts are fine. Func literals, and functions used as values in the same file
//! (`Func: builderRunTest`), are not checked: their shape is dictated by a callback type.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{FuncUse, GoModel};

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let context_type = knowledge.context_apis.context_type();
    let test_types = &knowledge.frameworks.test_types;
    let mut findings = Vec::new();
    for func in &model.funcs {
        if func.usage != FuncUse::Declaration {
            continue;
        }
        let Some(position) = func.params.iter().position(|p| p.ty == context_type) else {
            continue;
        };
        let allowed_before = func.params[..position]
            .iter()
            .all(|p| p.ty == context_type || test_types.contains(&p.ty));
        if allowed_before {
            continue;
        }
        // A function used as a value (`a.Func = builderRunTest`) has the shape of a
        // callback type it cannot change.
        if func.name.as_deref().is_some_and(|n| model.used_as_value(n)) {
            continue;
        }
        let param = &func.params[position];
        let name = func.name.as_deref().unwrap_or("function");
        findings.push(
            Finding::new(
                "context-not-first",
                param.span,
                format!(
                    "`{name}` takes `{}` as parameter {} instead of first",
                    if param.name.is_empty() {
                        "context.Context"
                    } else {
                        &param.name
                    },
                    position + 1
                ),
            )
            .help(format!(
                "move it first: `func {name}({} context.Context, ..)`",
                if param.name.is_empty() {
                    "ctx"
                } else {
                    &param.name
                }
            )),
        );
    }
    findings
}
