//! ## What it does
//! Flags a `go` statement whose goroutine runs a loop that never ends (no exit, no stop
//! channel, no use of a context), when nothing in the starting function waits for it.
//! The launched code is a func literal or a function or method declared in the same file.
//! Also flags a goroutine whose only context is detached from the request
//! (`context.WithoutCancel(r.Context())`, or a gin copy whose request was cloned onto one) when
//! no deadline is set in the function or in the launched function: the seed's warning that such
//! goroutines accumulate.
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
//! `case <-ctx.Done():`. A goroutine running a function from another file is not judged. The
//! loop it labels is not also reported as `loop-without-cancel`: the message names that rule.
//! A `for range` over a ticker's channel (`time.Tick(d)`, `t.C` of a local `time.NewTicker`)
//! counts as a loop that never ends: the channel is never closed. A deadline set for a
//! detached context by a helper in another file is not seen; any `WithTimeout`, `WithDeadline` or
//! `WithCancel` in the starting function counts, whichever context it bounds.
//!
//! A goroutine handed no context is reported only where it visibly starts more than once: a
//! `go` in a loop, in a function serving a request, or in a function the package calls in a
//! loop or a handler (see `GoModel::restarts`; not lazy initialization, `if c.x != nil {
//! return }`), with a label saying why. Any other is taken as
//! a service for the life of the process; callers in other packages and callbacks are not
//! seen, so one started per request from another package is missed.
//!
//! Test code (a `_test.go` file, a file under `testdata/`, or a file that imports `testing` or a test framework) is not checked: a test's goroutines end with the test binary. The runtime's
//! own daemons (the finalizer and GC workers, the signal thread) are reported: they live as
//! long as the process by design.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::rules::{GOROUTINE_WORDS, Needs};

/// The function whose writer end a producer goroutine writes into.
const PIPE: (&str, &str) = ("io", "Pipe");
use crate::go::model::{Callee, CtxKind, GoModel, GoStmt, GoTarget};

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
        if let Some(finding) = detached_without_deadline(model, knowledge, go) {
            findings.push(finding);
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
        // A goroutine with no context to obey that is not seen to start more than once is
        // taken as a service for the life of the process; started per request, per
        // connection or in a loop, it piles up.
        let restart = model.restarts(go);
        if names.is_empty() && restart.is_none() {
            continue;
        }
        let forever = model
            .loops_of(target)
            .find(|(i, _)| model.loop_runs_forever(*i, &names));
        let Some((_, l)) = forever else {
            continue;
        };
        let finding = Finding::new(
            "detached-spawn",
            go.span,
            "this goroutine loops forever and nothing can stop or wait for it",
        )
        .label(l.span, "the loop that never ends")
        .help("pass it a `ctx` and return on `<-ctx.Done()` inside the loop, and wait for it on shutdown (`sync.WaitGroup` or `errgroup.Group`)");
        findings.push(match restart {
            Some(restart) => restart.explain(finding),
            None => finding,
        });
    }
    findings
}

/// A goroutine that writes to one end of an `io.Pipe`: closing the reader stops it.
fn pipe_producer(model: &GoModel, target: usize) -> bool {
    let f = &model.funcs[target];
    model.assigns.iter().any(|a| {
        a.rhs_call
            .is_some_and(|c| model.calls[c].callee.pkg_fn(PIPE.0, PIPE.1))
            && a.lhs
                .iter()
                .any(|l| l.text != "_" && model.mentions(&l.text, f.start, f.end))
    })
}

/// A goroutine whose only context is detached from the request (`context.WithoutCancel`, a
/// gin copy whose request was cloned onto one) while nothing in the function, or in the
/// launched function, sets a deadline: if the work hangs, one goroutine per request piles up.
fn detached_without_deadline(
    model: &GoModel,
    knowledge: &GoKnowledge,
    go: &GoStmt,
) -> Option<Finding> {
    let apis = &knowledge.context_apis;
    let func = go.func?;
    let scope = model.contexts_in_scope(func, go.start, true);
    let used: Vec<_> = scope
        .into_iter()
        .filter_map(|v| model.goroutine_uses(go, &v.name).next().map(|at| (v, at)))
        .collect();
    let detached = |kind: &CtxKind, v| match kind {
        CtxKind::Derived { detached, .. } => *detached,
        CtxKind::GinCopy => model.gin_copy_detached(v, func, apis),
        _ => false,
    };
    let (var, at) = *used.first()?;
    if !used.iter().all(|(v, _)| detached(&v.kind, v)) {
        return None;
    }
    let top = model.top_func(func);
    let launched = match &go.target {
        GoTarget::Named(name) => model.find_declared(name, false),
        GoTarget::Method(name) => model.find_declared(name, true),
        _ => None,
    };
    let sets_deadline = model.calls.iter().any(|c| {
        c.func
            .is_some_and(|f| model.top_func(f) == top || Some(model.top_func(f)) == launched)
            && matches!(&c.callee, Callee::Pkg { path, name } if apis.is_cancel_constructor(path, name))
    });
    if sets_deadline {
        return None;
    }
    Some(
        Finding::new(
            "detached-spawn",
            go.span,
            format!("this goroutine's only context, `{}`, is detached from the request and has no deadline: if the work hangs, one goroutine per request piles up", var.name),
        )
        .label(model.span(at, at + var.name.len()), "detached context used here")
        .help(format!("bound the detached work: `ctx, cancel := context.WithTimeout({}, time.Minute)` and `defer cancel()` inside the goroutine", var.name)),
    )
}

/// A goroutine and the function it starts; an `io.Pipe` whose writer a goroutine may
/// produce into.
pub fn needs(_: &GoKnowledge) -> Needs {
    Needs::any_of(GOROUTINE_WORDS)
        .and_launched()
        .or(Needs::any_of([PIPE.1]).importing([PIPE.0]))
}
