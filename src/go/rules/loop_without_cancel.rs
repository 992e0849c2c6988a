//! ## What it does
//! Flags a `for { .. }` loop with no exit that never observes the context it has in scope:
//! no `return`, no `break` that leaves it, no `<-ctx.Done()` or stop channel, and no use of
//! the context at all (not even passing it to a call).
//!
//! ## Why is this bad
//! Cancelling the context is how a caller says "stop". A loop that never looks at it keeps
//! the goroutine, and everything it holds, alive until the process exits.
//!
//! ## Example
//! ```go
//! func poll(ctx context.Context) {
//!     for {
//!         refresh()
//!         time.Sleep(time.Second)
//!     }
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! for {
//!     select {
//!     case <-ctx.Done():
//!         return
//!     case <-ticker.C:
//!         refresh()
//!     }
//! }
//! ```
//!
//! ## Known problems
//! Only loops in functions with a context in scope are checked (a parameter, a request, a
//! local context, or one captured from the enclosing function); loops at the top level of
//! `main` are not. Any mention of the context counts as observing it, including passing it
//! to a call that ignores it. A loop stopped by closing a channel it ranges over is a `range`
//! loop and is not checked, except a
//! range over a ticker's channel (`time.Tick(d)`, `t.C` of a local `time.NewTicker`), which is
//! never closed. A ticker kept in a struct field is not recognised.
//! A channel named like a stop signal (`done`, `quit`, `stopCh`) counts only where its value is
//! ignored (`<-done`, `case <-quit:`): `c := <-closedClients` receives data.
//!
//! Test code (a `_test.go` file, a file under `testdata/`, or a file that imports `testing` or a test framework) is not checked: a test may hang a handler on purpose until its process is
//! killed.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::GoModel;
use crate::go::rules::{Needs, words};

pub fn check(model: &GoModel, _knowledge: &GoKnowledge) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A test's endless loops (a handler that hangs on purpose) end with the test binary.
    if model.is_test_code() {
        return findings;
    }
    for (index, l) in model.loops.iter().enumerate() {
        let Some(func) = l.func else {
            continue;
        };
        let top = model.top_func(func);
        let top_fn = &model.funcs[top];
        if func == top && top_fn.receiver.is_none() && top_fn.name.as_deref() == Some("main") {
            continue;
        }
        let names = model.context_names(func);
        let Some(first) = names.first() else {
            continue;
        };
        if !model.loop_runs_forever(index, &names) {
            continue;
        }
        findings.push(
            Finding::new(
                "loop-without-cancel",
                l.span,
                format!("this loop never stops: it has no exit and never checks `{first}`"),
            )
            .help(format!(
                "select on the context in each iteration:\nselect {{\ncase <-{first}.Done():\n    return\ndefault:\n}}\n(or pass `{first}` to the blocking call inside the loop)"
            )),
        );
    }
    findings
}

/// How an endless loop is written: `for {` (or `for ;; {`), or a `for range` over a
/// channel that is never closed.
fn endless_loop_words(knowledge: &GoKnowledge) -> Vec<String> {
    let never_closed = &knowledge.cancellation.never_closed;
    let mut words = words(["for {", "for{", ";;", "; ;"]);
    words.extend(
        never_closed
            .functions
            .iter()
            .flat_map(|set| set.names.iter().cloned()),
    );
    words.extend(never_closed.fields.iter().map(|f| f.field.clone()));
    words
}

/// An endless loop, in a function where a context may be in scope.
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    Needs::all_of(vec![
        endless_loop_words(knowledge),
        knowledge.context_words(),
    ])
    .importing(knowledge.context_packages())
}
