//! ## What it does
//! Flags a `go` statement whose goroutine runs a loop that never ends (no exit, no stop
//! channel, no use of a context), when nothing in the starting function waits for it.
//! The launched code is a func literal or a function or method declared in the same file.
//!
//! ## Why is this bad
//! Nothing can stop the goroutine: it leaks for the life of the process, keeps what it
//! captured alive, and races with shutdown. Started per request or per connection, it
//! accumulates.
//!
//! ## Example
//! ```go
//! go func() {
//!     for {
//!         flushMetrics()
//!         time.Sleep(10 * time.Second)
//!     }
//! }()
//! ```
//!
//! ## Use instead
//! ```go
//! go func() {
//!     ticker := time.NewTicker(10 * time.Second)
//!     defer ticker.Stop()
//!     for {
//!         select {
//!         case <-ctx.Done():
//!             return
//!         case <-ticker.C:
//!             flushMetrics()
//!         }
//!     }
//! }()
//! ```
//!
//! ## Known problems
//! Silent for goroutines joined in the same function (a `Wait()` call, a receive from a
//! channel the goroutine signals, unless raced in a `select` against a timer or stop case
//! outside a loop), `io.Pipe` producers, and goroutines started inside a
//! `case <-ctx.Done():`. A goroutine running a function from another file is not judged.
//! A `for range` over a ticker's channel (`time.Tick(d)`, `t.C` of a local `time.NewTicker`)
//! counts as a loop that never ends: the channel is never closed.
//!
//! Test code (a `_test.go` file, a file under `testdata/`, or a file that imports
//! `testing`) is not checked: a test's goroutines end with the test binary. The runtime's
//! own daemons (the finalizer and GC workers, the signal thread) are reported: they live as
//! long as the process by design.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{GoModel, GoTarget};

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A test's goroutines end with the test binary, which is short-lived by design.
    if model.is_test_code() {
        return findings;
    }
    for go in &model.gos {
        if go.in_done_case || model.go_is_joined(go, &knowledge.cancellation.join_methods) {
            continue;
        }
        let target = match &go.target {
            GoTarget::Literal(i) => Some(*i),
            GoTarget::Named(name) => model.find_declared(name, false),
            GoTarget::Method(name) => model.find_declared(name, true),
            GoTarget::Other => None,
        };
        let Some(target) = target else {
            continue;
        };
        if pipe_producer(model, target) {
            continue;
        }
        let names = model.context_names(target);
        let forever = model
            .loops_of(target)
            .find(|(i, _)| model.loop_runs_forever(*i, &names));
        let Some((_, l)) = forever else {
            continue;
        };
        findings.push(
            Finding::new(
                "detached-spawn",
                go.span,
                "this goroutine loops forever and nothing can stop or wait for it",
            )
            .label(l.span, "the loop that never ends")
            .help("pass it a `ctx` and return on `<-ctx.Done()` inside the loop, and wait for it on shutdown (`sync.WaitGroup` or `errgroup.Group`)"),
        );
    }
    findings
}

/// A goroutine that writes to one end of an `io.Pipe`: closing the reader stops it.
fn pipe_producer(model: &GoModel, target: usize) -> bool {
    let f = &model.funcs[target];
    model.assigns.iter().any(|a| {
        a.rhs_call
            .is_some_and(|c| model.calls[c].callee.pkg_fn("io", "Pipe"))
            && a.lhs
                .iter()
                .any(|l| l.text != "_" && model.mentions(&l.text, f.start, f.end))
    })
}
