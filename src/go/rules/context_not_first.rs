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
//! contexts are fine (a third after another parameter is flagged). Func literals, and functions
//! used as values in the same file (`Func: builderRunTest`), are not checked: their shape is
//! dictated by a callback type. A parameter or local that shadows the function's name is not a
//! use of the function. A function used as a value only in another file is checked.
//!
//! `_test.go` files and files under `testdata/` are not checked.
//!
//! Its default level is `info`, so it is shown but does not fail a run at the default
//! `--fail-level warning`: the order of parameters is a convention of the `context` package's
//! documentation, not a cancellation bug. Raise it in `ctxlint.toml` (`context-not-first =
//! "warning"`) to enforce it.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{Func, FuncUse, GoModel};
use crate::go::rules::Needs;

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let mut findings = Vec::new();
    for func in &model.funcs {
        let Some(position) = misplaced_context(func, knowledge) else {
            continue;
        };
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

/// The position of the first context parameter of a declared function with something else
/// before it (a third context after two leading ones counts too).
fn misplaced_context(func: &Func, knowledge: &GoKnowledge) -> Option<usize> {
    let context_type = knowledge.context_apis.context_type();
    let test_types = &knowledge.frameworks.test_types;
    if func.usage != FuncUse::Declaration {
        return None;
    }
    let first = func.params.iter().position(|p| p.ty == context_type)?;
    (first..func.params.len()).find(|&i| {
        func.params[i].ty == context_type
            && !func.params[..i]
                .iter()
                .all(|p| p.ty == context_type || test_types.contains(&p.ty))
    })
}

/// Signatures only: they are never blanked.
pub fn needs(_: &GoKnowledge) -> Needs {
    Needs::default()
}

/// The functions with a misplaced context: any body may use one as a value.
pub fn read_elsewhere(model: &GoModel, knowledge: &GoKnowledge) -> Vec<String> {
    model
        .funcs
        .iter()
        .filter(|func| misplaced_context(func, knowledge).is_some())
        .filter_map(|func| func.name.clone())
        .collect()
}
