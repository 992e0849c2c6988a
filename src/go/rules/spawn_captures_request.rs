//! ## What it does
//! Flags a goroutine (`go f(..)`, `go func() {..}()`, `g.Go(func() error {..})`), started by
//! a request handler and not waited for, that uses a
//! request-scoped value: a `*gin.Context` (directly, or through `c.Copy()`, whose `Request`
//! still carries the request's context), an echo or fiber context, an `*http.Request`'s
//! `r.Context()`, or a context derived from one of them.
//!
//! ## Why is this bad
//! The request's context is cancelled as soon as the handler returns, so the background work
//! fails with `context canceled` part-way through (often after a database write has begun).
//! gin also recycles `*gin.Context` values for later requests, so the goroutine may read
//! another request's data.
//!
//! ## Example
//! ```go
//! func Notify(c *gin.Context) {
//!     cp := c.Copy()
//!     go sendEmails(cp) // cp.Request.Context() is cancelled when Notify returns
//!     c.Status(http.StatusAccepted)
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! cp := c.Copy()
//! cp.Request = cp.Request.Clone(context.WithoutCancel(cp.Request.Context()))
//! go sendEmails(cp)
//! ```
//! Better: extract the data the task needs, and give it its own bounded context:
//! `ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), time.Minute)`.
//!
//! ## Known problems
//! A goroutine that receives from the request context's `Done()` (a watcher that closes a
//! backend or cancels derived work when the request ends) is not flagged. A goroutine
//! joined in the same function (`wg.Wait()`, `g.Wait()`, a receive from a channel it
//! signals) is not flagged;
//! a receive raced in a `select` against a timer, a stop channel or a `default` (gin's
//! timeout-middleware shape, `go func() { c.Next() }()` against `time.After`) is not a join, unless
//! the `select` is in a loop that keeps waiting. Passing the whole `*http.Request` to a function is
//! flagged only when the launched function is declared in the same file and calls `Context()`
//! on that parameter (`go notifyAll(r)`); otherwise it may use only the request's data. A copy detached by a helper function
//! (`detach(c)`) is trusted. An argument of the `go` call counts as a use although it is
//! evaluated before the goroutine starts: `go f(ctx, c.Param("id"))` is reported.
//! A `c.Copy()` whose uses in the goroutine only read fields or call gin's getters
//! (`cp.Request.URL.Path`, `cp.GetString("k")`) is not flagged; one passed on, handed over as
//! `cp.Request`, or reaching `Context()`, `Done()`, `Err()` or `Deadline()` is. A getter
//! that returns the request's context under another name is not recognised.

use crate::diagnostic::Finding;
use crate::go::knowledge::{ContextApis, GoKnowledge, package_of, written_name};
use crate::go::model::{CtxKind, CtxVar, GoModel, GoStmt, GoTarget};
use crate::go::rules::{GOROUTINE_WORDS, Needs, words};

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let mut findings = Vec::new();
    for go in &model.gos {
        let Some(func) = go.func else {
            continue;
        };
        if model.go_is_joined(go, &knowledge.cancellation.join_methods) {
            continue;
        }
        let scope = model.contexts_in_scope(func, go.start, true);
        for var in scope {
            let scoped = match &var.kind {
                CtxKind::Request(_) => true,
                CtxKind::GinCopy => !model.gin_copy_detached(var, func, &knowledge.context_apis),
                CtxKind::Derived { from_request, .. } => *from_request,
                CtxKind::Param => false,
            };
            if !scoped || watches(model, go, var) {
                continue;
            }
            let Some(use_at) = first_use(model, knowledge, go, var) else {
                continue;
            };
            let after = &model.source.text[use_at + var.name.len()..];
            let message = match &var.kind {
                CtxKind::Request(kind) if kind == "gin" && after.starts_with(".Copy()") => format!(
                    "goroutine uses `{}.Copy()`, whose `Request` still carries the request context, cancelled when the handler returns",
                    var.name
                ),
                CtxKind::Request(kind) if kind == "gin" => format!(
                    "goroutine uses `*gin.Context` `{}` after the handler can return: gin reuses it and its request context is cancelled",
                    var.name
                ),
                CtxKind::Request(kind) if kind == "request" && !after.starts_with(".Context()") => {
                    format!(
                        "goroutine hands `{0}` to a function that uses `{0}.Context()`, which is cancelled when the handler returns",
                        var.name
                    )
                }
                CtxKind::Request(kind) if kind == "request" => format!(
                    "goroutine uses `{}.Context()`, which is cancelled when the handler returns",
                    var.name
                ),
                CtxKind::Request(_) => format!(
                    "goroutine uses the request-scoped `{}` after the handler can return",
                    var.name
                ),
                CtxKind::GinCopy => format!(
                    "goroutine uses `{}`, a `c.Copy()` whose `Request` still carries the request context, cancelled when the handler returns",
                    var.name
                ),
                _ => format!(
                    "goroutine uses `{}`, derived from the request's context, which is cancelled when the handler returns",
                    var.name
                ),
            };
            let help = match &var.kind {
                CtxKind::Request(kind) if kind == "gin" => {
                    "extract the data the task needs first; if it needs the context, detach and bound it:\ncp := c.Copy()\ncp.Request = cp.Request.Clone(context.WithoutCancel(cp.Request.Context()))\nor `ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), time.Minute)` with `defer cancel()` in the goroutine".to_string()
                }
                CtxKind::GinCopy => format!(
                    "detach the copy's request from the request context:\n{0}.Request = {0}.Request.Clone(context.WithoutCancel({0}.Request.Context()))",
                    var.name
                ),
                _ => "give the goroutine its own bounded context that keeps the values:\nctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)\nand `defer cancel()` inside the goroutine".to_string(),
            };
            findings.push(
                Finding::new("spawn-captures-request", go.span, message)
                    .help(help)
                    .label(model.span(use_at, use_at + var.name.len()), "used here"),
            );
            break;
        }
    }
    findings
}

/// The first use of `var` by the goroutine. For an `*http.Request`, only `r.Context()` counts;
/// for a gin copy, only a use as a context (not reading its fields).
fn first_use(model: &GoModel, knowledge: &GoKnowledge, go: &GoStmt, var: &CtxVar) -> Option<usize> {
    model.goroutine_uses(go, &var.name).find(|&at| {
        let after = &model.source.text[at + var.name.len()..];
        match &var.kind {
            CtxKind::Request(k) if k == "request" => {
                after.starts_with(".Context()")
                    || handed_to_context_user(model, go, at, at + var.name.len())
            }
            CtxKind::GinCopy => used_as_context(after, &knowledge.context_apis),
            _ => true,
        }
    })
}

/// `go fanOut(r)`: the request is the whole argument `[start, end)`, and the launched
/// function of this file takes its context (`req.Context()` on that parameter).
fn handed_to_context_user(model: &GoModel, go: &GoStmt, start: usize, end: usize) -> bool {
    let Some(index) = go
        .args
        .iter()
        .position(|a| a.start == start && a.end == end)
    else {
        return false;
    };
    let target = match &go.target {
        GoTarget::Named(name) => model.find_declared(name, false),
        GoTarget::Method(name) => model.find_declared(name, true),
        _ => None,
    };
    let Some(param) = target.and_then(|f| model.funcs[f].params.get(index)) else {
        return false;
    };
    let Some((body_start, body_end)) = target.and_then(|f| model.funcs[f].body) else {
        return false;
    };
    model.idents.iter().any(|i| {
        i.name == param.name
            && body_start <= i.start
            && i.start < body_end
            && model.source.text[i.start + i.name.len()..].starts_with(".Context()")
    })
}

/// Whether the text after a gin copy's name uses it as a context: the bare value (passed to a
/// function, stored), its whole `Request` (handed to a client), or a chain that reaches
/// `Context()`, `Done()`, `Err()` or `Deadline()`. `cp.Request.URL.Path`, `cp.GetString("k")`
/// and `cp.ClientIP()` only read what the copy holds.
fn used_as_context(after: &str, apis: &ContextApis) -> bool {
    let mut rest = after;
    let mut last = "";
    while let Some(tail) = rest.strip_prefix('.') {
        let name_len = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..name_len];
        rest = &tail[name_len..];
        if let Some(args) = rest.strip_prefix('(') {
            if apis
                .context_methods
                .iter()
                .chain(&apis.observing_methods)
                .any(|m| m == name)
            {
                return true;
            }
            rest = skip_parenthesized(args);
        }
        last = name;
    }
    last.is_empty() || last == "Request"
}

/// The text after the `)` closing a parenthesis whose inside starts `text`.
fn skip_parenthesized(text: &str) -> &str {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[i + 1..];
                }
            }
            _ => {}
        }
    }
    ""
}

/// A goroutine that waits on the request's `Done()` channel exists to react to the
/// request ending (close a backend connection, cancel derived work): it uses the context
/// for what it is for.
fn watches(model: &GoModel, go: &GoStmt, var: &CtxVar) -> bool {
    model.recvs.iter().any(|r| {
        go.start <= r.start
            && r.start < go.end
            && r.channel.starts_with(var.name.as_str())
            && r.channel.ends_with("Done()")
    })
}

/// A goroutine started where a request may be in scope, and the function it starts (it
/// may take the request's context from a parameter).
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    let request_types = knowledge.frameworks.request_types.iter().map(|r| {
        Needs::all_of(vec![words(GOROUTINE_WORDS), words([written_name(&r.ty)])])
            .importing(package_of(&r.ty))
    });
    request_types
        .fold(Needs::default(), Needs::or)
        .and_launched()
}
