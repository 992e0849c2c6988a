//! ## What it does
//! Flags the cancel function of `context.WithCancel`, `WithTimeout`, `WithDeadline` (and
//! their `Cause` variants, and `signal.NotifyContext`) when it is discarded with `_`,
//! assigned to a name that is never used afterwards (`_ = cancel` is not a use), or not used
//! on every path to a return: a label points at the return that leaks, as `go vet`'s
//! `lostcancel` reports it (the end of the body counts as a return). Paths that end in
//! `panic`, `os.Exit`, `log.Fatal*`, `t.FailNow`, a loop with no way out or `select {}`
//! never return, so they do not leak; nor does returning from `main.main`.
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
//! `fixtures/go/lost-cancel/vet_suite.go` holds `go vet`'s `lostcancel` cases that need no type
//! checker, each reported on vet's line. One difference: `_ = cancel` is not a use here (vet
//! takes it as one), so such a cancel is reported as never called rather than as not called on
//! every path, unless no return can be reached from it.
//!
//! A cancel function is "used" on a path when its name appears there (returned, stored,
//! deferred, called in a closure), whether or not that code runs. A named result returned by
//! a bare `return` counts as used, and so does a variable declared outside the function. A
//! variable declared before the call and already mentioned earlier (a deferred closure that
//! calls it if set) is judged by the never-used check only. The paths are read from syntax:
//! a condition that is always true or false, or a helper that never returns other than the
//! ones listed, is not known.

use crate::diagnostic::{Applicability, Edit, Finding, Fix, Span};
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{Callee, FuncUse, GoModel};
use crate::go::rules::Needs;

/// `main.main`: returning from it ends the process, which releases every context.
fn is_main(model: &GoModel, func: usize) -> bool {
    let f = &model.funcs[func];
    model.package == "main"
        && f.usage == FuncUse::Declaration
        && f.receiver.is_none()
        && f.name.as_deref() == Some("main")
}

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
        let named_result = model.funcs[func].named_results.contains(&cancel.text);
        let used = if assign.define {
            model.uses_in(&cancel.text, assign.end, top_end)
        } else {
            model.uses_in(&cancel.text, top_start, cancel.start)
                || model.uses_in(&cancel.text, cancel.end, top_end)
                || named_result
        };
        if used {
            // A variable declared earlier may already be released by a deferred closure
            // written before this assignment (`defer func() { if cancel != nil { cancel() } }()`).
            let fresh = assign.define
                || (model.funcs[func]
                    .locals
                    .iter()
                    .any(|(n, _)| *n == cancel.text)
                    && !model.uses_in(&cancel.text, model.funcs[func].start, assign.start));
            if fresh
                && !is_main(model, func)
                && let Some(flow) = model.flow_of(func)
                && let Some(leak) = flow.unused_path_to_return(
                    assign.start,
                    |&(s, e)| model.uses_in(&cancel.text, s, e),
                    named_result,
                )
            {
                let line = model.source.position(assign.start).0;
                findings.push(
                    Finding::new(
                        "lost-cancel",
                        model.span(cancel.start, cancel.end),
                        format!(
                            "`{}` from `{short}.{name}` is not called on every path, so the context can leak",
                            cancel.text
                        ),
                    )
                    .label(
                        model.span(leak.start, leak.end),
                        format!("this return is reached without calling the `{}` of line {line}", cancel.text),
                    )
                    .help(format!("call it on every path: `defer {}()` right after line {line}", cancel.text)),
                );
            }
            continue;
        }
        // No return is reachable from here (every path panics or exits): nothing leaks.
        let returns = model.flow_of(func).is_none_or(|flow| {
            flow.unused_path_to_return(assign.start, |_| false, named_result)
                .is_some()
        });
        if !returns {
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

/// A call that returns a cancel function.
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    let constructors = &knowledge.context_apis.cancel_constructors;
    constructors
        .iter()
        .map(|set| Needs::any_of(&set.names).importing([&set.package]))
        .fold(Needs::default(), Needs::or)
}
