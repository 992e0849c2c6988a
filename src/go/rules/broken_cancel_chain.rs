//! ## What it does
//! Flags `context.Background()` and `context.TODO()` inside a function that already has a
//! context in scope: a `context.Context` parameter, an `*http.Request`, a `*gin.Context` (or
//! another request type from `rules/go/frameworks.toml`), including those of the function a
//! closure is written in.
//!
//! ## Why is this bad
//! The new root is never cancelled: when the caller gives up or the client disconnects, the
//! work below keeps running with no deadline, and the request's values (trace IDs,
//! credentials) are lost.
//!
//! ## Example
//! ```go
//! func save(ctx context.Context, data []byte) error {
//!     ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
//!     defer cancel()
//!     return store(ctx, data)
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
//! ```
//! To let work outlive the caller on purpose, keep the values and bound it:
//! `context.WithTimeout(context.WithoutCancel(ctx), d)`.
//!
//! ## Known problems
//! Silent in `main`, `init`, test files, constructors (`New...`, `Dial...`) that make the
//! lifetime context of a long-lived object, closures stored to run later or handed to
//! `time.AfterFunc` (`later_callbacks` in `rules/go/cancellation.toml`, also through a name the
//! file gives it, `var afterFunc = time.AfterFunc`; a name given in another file is not
//! followed), goroutines, `go` statements and funcs handed to `g.Go(..)`
//! (errgroup, `sync.WaitGroup.Go`), which outlive the caller by design (spawn-captures-request
//! covers their other mistake), `if ctx == nil`
//! fallbacks, comparisons with `context.Background()`, and shutdown contexts made after the
//! parent is done (inside `case <-ctx.Done():` or `if ctx.Err() != nil`, or passed to
//! `Shutdown`/`GracefulStop`),
//! which must not derive from the cancelled parent. Silent too in `defer` statements (a cleanup
//! after a failed start must not use the possibly cancelled context) and for roots a comment on
//! their line or in the comment block above their statement calls deliberate (`// independent
//! of the request`, `// let it finish in the background`; `deliberate_root_words` in
//! `rules/go/context_apis.toml`). Silent for a root handed straight to a call that only logs
//! (`logger.DebugContext(context.Background(), ..)`, `log.Ctx(..)`, `GetLogger(..)`: a name
//! with one of `logging_words`), which cancels nothing, and for a root that the function
//! bridges by hand: wrapped in `WithCancel` (or another cancel constructor) whose cancel is
//! deferred, in a function that also waits on the caller's context (`case
//! <-r.Context().Done(): return`). A root kept in a local and only logged later, and a bridge
//! whose cancel is stored rather than deferred, are still reported; a call on a receiver named
//! like a log that is a store (`auditLog.Write(context.Background(), e)`) counts as logging. `main` and `init` are
//! exempt for their own statements only: a handler closure written inside `main` is checked.
//! An uncommented deliberate root is still reported. Scope is per function, not per block.
//! A context that is never done (a local holding only `Background()`/`TODO()`, a func
//! literal's parameter given one on the spot) is not one in scope.
//!
//! An `*http.Request` counts as the caller's context only in a function that also takes the
//! response writer (`response_writer_types` in `rules/go/frameworks.toml`): a request being
//! served. In a `RoundTrip` or a helper handed a request, it may be an outgoing one whose
//! context belongs to whoever built it, so a root made there is not flagged. Test code
//! includes `_test.go` files and files under `testdata/`. A hand-written detached context
//! (a struct that embeds `context.Background()` and forwards only the values of the context
//! in scope) is reported.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{Call, Callee, CtxKind, CtxVar, GoModel};
use crate::go::rules::{Needs, words};
use crate::words::identifier_words;

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let apis = &knowledge.context_apis;
    let mut findings = Vec::new();
    if model.is_test_code() {
        return findings;
    }
    for call in &model.calls {
        let Callee::Pkg { path, name } = &call.callee else {
            continue;
        };
        if *path != apis.package || !apis.roots.contains(name) {
            continue;
        }
        let Some(func) = call.func else {
            continue;
        };
        // A deferred cleanup runs after a failed start too, when the context may be done.
        if call.in_comparison || call.in_done_case || call.in_defer {
            continue;
        }
        if deliberate(model, knowledge, call) || only_logs(model, knowledge, call) {
            continue;
        }
        let top_index = model.top_func(func);
        let top = &model.funcs[top_index];
        let top_name = top.name.as_deref().unwrap_or("");
        // `main` and `init` make the roots; the handlers written inside them do not.
        if top.receiver.is_none() && matches!(top_name, "main" | "init") && func == top_index {
            continue;
        }
        if ["New", "new", "Dial", "dial"]
            .iter()
            .any(|p| top_name.starts_with(p))
        {
            continue;
        }
        let contexts = model.contexts_in_scope(func, call.start, false);
        let scope: Vec<_> = contexts
            .iter()
            .copied()
            .filter(|v| match &v.kind {
                CtxKind::Param => true,
                CtxKind::Request(kind) if kind == "request" => served(model, knowledge, func, v),
                CtxKind::Request(_) => true,
                _ => false,
            })
            .collect();
        let Some(parent) = scope.first() else {
            continue;
        };
        let nil_fallback = call.if_conditions.iter().any(|&(s, e)| {
            let cond = model.text(s, e);
            cond.contains("== nil") && scope.iter().any(|v| cond.contains(v.name.as_str()))
        });
        // `if ctx.Err() != nil { ctx = context.Background() }`: a cleanup that must run
        // although the parent is done.
        let parent_done = call.if_conditions.iter().any(|&(s, e)| {
            let cond = model.text(s, e);
            contexts
                .iter()
                .any(|v| cond.contains(&format!("{}.Err() != nil", v.name)))
        });
        if nil_fallback
            || parent_done
            || for_shutdown(model, knowledge, call)
            || bridged(model, knowledge, call, &scope)
        {
            continue;
        }
        let parent_expr = match &parent.kind {
            CtxKind::Request(kind) if kind == "request" => format!("{}.Context()", parent.name),
            CtxKind::Request(kind) if kind == "gin" => format!("{}.Request.Context()", parent.name),
            _ => parent.name.clone(),
        };
        findings.push(
            Finding::new(
                "broken-cancel-chain",
                call.span,
                format!(
                    "`context.{name}()` starts a new cancellation chain although `{}` is in scope",
                    parent.name
                ),
            )
            .help(format!(
                "derive from the caller's context: use `{parent_expr}` instead; to outlive it on purpose, `context.WithTimeout(context.WithoutCancel({parent_expr}), d)`"
            )),
        );
    }
    findings
}

/// Whether the `*http.Request` is being served: the function that has it also has the
/// response writer. A request passed to a helper or a `RoundTrip` may be an outgoing one,
/// whose context belongs to whoever built it.
fn served(model: &GoModel, knowledge: &GoKnowledge, func: usize, request: &CtxVar) -> bool {
    let writers = &knowledge.frameworks.response_writer_types;
    model.declaring_func(func, request).is_some_and(|f| {
        model.funcs[f]
            .params
            .iter()
            .any(|p| writers.contains(&p.ty))
    })
}

/// Whether the root context is made for a shutdown call: it is an argument of one, or
/// assigned (possibly wrapped in `WithTimeout`) to a name later passed to one.
fn for_shutdown(model: &GoModel, knowledge: &GoKnowledge, root: &Call) -> bool {
    let shutdown = &knowledge.cancellation.shutdown_methods;
    let is_shutdown = |c: &Call| {
        c.callee
            .method_name()
            .is_some_and(|m| shutdown.iter().any(|s| s == m))
    };
    if model
        .calls
        .iter()
        .any(|c| is_shutdown(c) && c.start < root.start && root.end <= c.end)
    {
        return true;
    }
    let Some(func) = root.func else {
        return false;
    };
    let top = model.top_func(func);
    let top_end = model.funcs[top].end;
    model.assigns.iter().any(|a| {
        a.rhs.iter().any(|&(s, e)| s <= root.start && root.end <= e)
            && a.lhs.first().is_some_and(|var| {
                model.calls.iter().any(|c| {
                    is_shutdown(c)
                        && c.start > a.end
                        && c.start < top_end
                        && c.args
                            .iter()
                            .any(|arg| model.text(arg.start, arg.end) == var.text)
                })
            })
    })
}

/// A root made on purpose and said so in a comment on its line or in the comment block
/// just above its statement (`// detached: the drain must outlive the request`), with one of
/// the words of `deliberate_root_words` in `rules/go/context_apis.toml`.
fn deliberate(model: &GoModel, knowledge: &GoKnowledge, call: &Call) -> bool {
    let says_deliberate = |comment: &str| {
        let comment = comment.to_ascii_lowercase();
        knowledge
            .context_apis
            .deliberate_root_words
            .iter()
            .any(|w| comment.contains(w.as_str()))
    };
    let trailing = |l: usize| {
        model
            .source
            .line(l)
            .split_once("//")
            .is_some_and(|(_, comment)| says_deliberate(comment))
    };
    // The lines of the statement above the root: `ctx, cancel := context.WithCancel(`.
    let mut line = call.span.line;
    if trailing(line) {
        return true;
    }
    for _ in 0..MAX_STATEMENT_LINES {
        let above = model.source.line(line.saturating_sub(1)).trim_end();
        if line <= 1 || !(above.ends_with('(') || above.ends_with(',')) {
            break;
        }
        line -= 1;
        if trailing(line) {
            return true;
        }
    }
    (1..line)
        .rev()
        .take(MAX_COMMENT_LINES)
        .map(|l| model.source.line(l).trim_start())
        .take_while(|text| text.starts_with("//"))
        .any(says_deliberate)
}

/// How far up a statement that spans lines, and the comment block above it, are read.
const MAX_STATEMENT_LINES: usize = 4;
const MAX_COMMENT_LINES: usize = 16;

/// Whether the root is handed straight to a call that only logs or picks a logger
/// (`s.logger.DebugContext(context.Background(), ..)`, `log.Ctx(context.Background())`):
/// nothing there can be cancelled, only the request's log fields are lost.
fn only_logs(model: &GoModel, knowledge: &GoKnowledge, root: &Call) -> bool {
    let logging = &knowledge.context_apis.logging_words;
    model.calls.iter().any(|c| {
        c.args
            .iter()
            .any(|a| a.start == root.start && a.end == root.end)
            && callee_names(&c.callee)
                .iter()
                .flat_map(|name| identifier_words(name))
                .any(|w| logging.contains(&w))
    })
}

/// The names a call is known by: its function or method, and the last part of its receiver
/// or package path.
fn callee_names(callee: &Callee) -> Vec<&str> {
    fn last(text: &str, sep: char) -> &str {
        let text = text.trim_end_matches("()");
        text.rsplit(sep).next().unwrap_or(text)
    }
    match callee {
        Callee::Pkg { path, name } => vec![last(path, '/'), name],
        Callee::Method { recv, name, .. } => vec![last(recv, '.'), name],
        Callee::Func(name) => vec![name],
        Callee::Other => Vec::new(),
    }
}

/// Whether the function bridges the chain by hand: the root goes into a cancel constructor
/// whose cancel is deferred, and the function also waits on the caller's context
/// (`case <-r.Context().Done(): return`), so the root ends when the caller's does.
fn bridged(model: &GoModel, knowledge: &GoKnowledge, root: &Call, scope: &[&CtxVar]) -> bool {
    let apis = &knowledge.context_apis;
    let Some(func) = root.func else {
        return false;
    };
    let top = model.top_func(func);
    let in_top = |f: Option<usize>| f.is_some_and(|f| model.top_func(f) == top);
    let wrapper = model.calls.iter().position(|c| {
        matches!(&c.callee, Callee::Pkg { path, name } if apis.is_cancel_constructor(path, name))
            && c.args
                .first()
                .is_some_and(|a| a.start == root.start && a.end == root.end)
    });
    let Some(assign) = wrapper.and_then(|w| model.assignment_of(w)) else {
        return false;
    };
    let [_, cancel] = &assign.lhs[..] else {
        return false;
    };
    let deferred = model.calls.iter().any(|c| {
        c.in_defer && in_top(c.func) && matches!(&c.callee, Callee::Func(n) if *n == cancel.text)
    });
    // A name that holds the caller's context: one in scope, or a local taken from it.
    let callers = |name: &str| {
        name.ends_with(".Context()")
            || scope.iter().any(|v| v.name == name)
            || model.assigns.iter().any(|a| {
                in_top(a.func)
                    && a.lhs.first().is_some_and(|l| l.text == name)
                    && a.rhs.first().is_some_and(|&(s, e)| {
                        let rhs = model.text(s, e);
                        rhs.ends_with(".Context()") || scope.iter().any(|v| v.name == rhs)
                    })
            })
    };
    deferred
        && model
            .recvs
            .iter()
            .any(|r| in_top(r.func) && r.channel.strip_suffix(".Done()").is_some_and(&callers))
}

/// A new root context, in a function where a context may be in scope.
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    let apis = &knowledge.context_apis;
    Needs::all_of(vec![words(&apis.roots), knowledge.context_words()]).importing([&apis.package])
}
