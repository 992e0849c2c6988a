//! ## What it does
//! Flags the cancel function of `context.WithCancel`, `WithTimeout`, `WithDeadline` (and
//! their `Cause` variants, and `signal.NotifyContext`) when it is discarded with `_` or
//! assigned to a name that is never used afterwards.
//!
//! ## Why is this bad
//! The derived context and its timer stay registered with the parent until the parent is
//! cancelled: for a long-lived parent that is a leak per call, and work started with the
//! context is never told to stop when the function is done with it.
//!
//! ## Example
//! ```go
//! ctx, _ := context.WithTimeout(ctx, 5*time.Second)
//! return fetch(ctx)
//! ```
//!
//! ## Use instead
//! ```go
//! ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
//! defer cancel()
//! return fetch(ctx)
//! ```
//!
//! ## Known problems
//! A cancel function is "used" when its name appears anywhere after the assignment in the
//! same declared function (returned, stored, deferred, called in a closure); a use on a
//! path that is never taken is not detected. A named result returned by a bare `return`
//! counts as used, and so does a variable declared outside the function. The check is not
//! path-sensitive: a cancel called on one branch only is accepted (`go vet`'s `lostcancel`
//! covers paths).

use crate::diagnostic::{Applicability, Edit, Finding, Fix, Span};
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{Callee, GoModel};

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let apis = &knowledge.context_apis;
    let mut findings = Vec::new();
    for assign in &model.assigns {
        let (Some(func), Some(call)) = (assign.func, assign.rhs_call) else {
            continue;
        };
        let call = &model.calls[call];
        let Callee::Pkg { path, name } = &call.callee else {
            continue;
        };
        if !apis.is_cancel_constructor(path, name) || assign.lhs.len() != 2 {
            continue;
        }
        let cancel = &assign.lhs[1];
        let short = path.rsplit('/').next().unwrap_or(path);
        let top = model.top_func(func);
        let top_end = model.funcs[top].end;
        let top_start = model.funcs[top].start;
        if cancel.text == "_" {
            let line = model.source.position(assign.start).0;
            let indent: String = model
                .source
                .line(line)
                .chars()
                .take_while(|c| c.is_whitespace())
                .collect();
            // `WithCancelCause` returns a `CancelCauseFunc`, which takes the cause.
            let call_cancel = if name == "WithCancelCause" {
                "cancel(nil)"
            } else {
                "cancel()"
            };
            let mut finding = Finding::new(
                "lost-cancel",
                model.span(cancel.start, cancel.end),
                format!("the cancel function of `{short}.{name}` is discarded, so the context is never released"),
            )
            .help(format!(
                "keep it and release the context when done:\n{}\ndefer {call_cancel}",
                model.text(assign.start, assign.end).replacen(", _", ", cancel", 1)
            ));
            // Only for `:=`: with `=`, `cancel` would be an undeclared name.
            if assign.define && !model.mentions("cancel", top_start, top_end) {
                // After the whole line, so that a trailing comment stays with the assignment.
                let end_line = model.source.position(assign.end).0;
                let column = model.source.line(end_line).chars().count() + 1;
                let end = Span::new(end_line, column, end_line, column);
                finding = finding.fix(Fix {
                    applicability: Applicability::Unsafe,
                    edits: vec![
                        Edit {
                            span: model.span(cancel.start, cancel.end),
                            replacement: "cancel".to_string(),
                        },
                        Edit {
                            span: end,
                            replacement: format!("\n{indent}defer {call_cancel}"),
                        },
                    ],
                });
            }
            findings.push(finding);
            continue;
        }
        if cancel.text.contains('.') || cancel.text.contains('[') {
            continue; // stored in a field or element
        }
        // Assigned to a variable declared outside the function (a package-level hook):
        // its uses are elsewhere.
        let declared_here = assign.define
            || std::iter::successors(Some(func), |&f| model.funcs[f].parent)
                .any(|f| model.funcs[f].locals.iter().any(|(n, _)| *n == cancel.text));
        if !declared_here {
            continue;
        }
        let used = if assign.define {
            model.mentions(&cancel.text, assign.end, top_end)
        } else {
            model.mentions(&cancel.text, top_start, cancel.start)
                || model.mentions(&cancel.text, cancel.end, top_end)
                || model.funcs[func].named_results.contains(&cancel.text)
        };
        if used {
            continue;
        }
        findings.push(
            Finding::new(
                "lost-cancel",
                model.span(cancel.start, cancel.end),
                format!(
                    "`{}` from `{short}.{name}` is never called, so the context is never released",
                    cancel.text
                ),
            )
            .help(format!(
                "call it when the work is done: `defer {}()`",
                cancel.text
            )),
        );
    }
    findings
}
