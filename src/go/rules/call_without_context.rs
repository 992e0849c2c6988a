//! ## What it does
//! Flags calls that cannot be cancelled although a context-taking variant exists:
//! `http.Get`/`Head`/`Post`/`PostForm`, `http.NewRequest`, the same methods on an
//! `http.Client` (including `http.DefaultClient`), and `database/sql`'s `Query`, `QueryRow`,
//! `Exec`, `Prepare`, `Begin` and `Ping` on a receiver visibly of type `*sql.DB`, `*sql.Tx`,
//! `*sql.Conn` or `*sql.Stmt` (declared so, a struct field declared so, or the result of
//! `sql.Open`).
//!
//! It reports them where a context is in scope (a `context.Context`, an `*http.Request`, a
//! `*gin.Context`, or a context made in the function) and not passed. Where none is in scope it
//! reports only the calls that go through `http.DefaultClient` (`http.Get`, `http.Post`,
//! `http.DefaultClient.Get`, ...), which has no timeout: nothing at all bounds them.
//!
//! ## Why is this bad
//! The call keeps going after the caller has given up: a cancelled request still waits for
//! the remote server or the database, holding a connection and a goroutine. When a context
//! is in scope and goes unused, its deadline is silently ignored.
//!
//! ## Example
//! ```go
//! func fetch(ctx context.Context, url string) (*http.Response, error) {
//!     return http.Get(url)
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
//! if err != nil {
//!     return nil, err
//! }
//! return client.Do(req)
//! ```
//!
//! ## Known problems
//! Silent for receivers whose type cannot be seen in the file (a `db` from another package,
//! bolt's `db.Begin`, pgx's `Exec(ctx, ..)`), and for `http.NewRequest` whose request gets a
//! context right away (`req = req.WithContext(ctx)`, `Do(req.WithContext(ctx))`), or that is
//! handed to a call together with a context (`ctxhttp.Do(ctx, client, req)`), whose callee is
//! trusted to attach it, or that a handler test serves to a handler instead of sending (the
//! file imports `net/http/httptest` and no `Do(req)` sends it), or that is built and returned
//! by a function with no context (a request builder: the caller attaches one).
//!
//! Test code (a `_test.go` file, a file under `testdata/`, or a file that imports `testing` or a test framework) is
//! not checked: tests talk to servers they start themselves.
//!
//! Silent for a request passed to a function of the same package (any of its files) that
//! attaches a context to it (`s.doRequest(req)` where `doRequest` calls `req.WithContext(..)`).
//! A local name for the function (`newRequest := http.NewRequest`) is followed. A request built
//! only to be signed or serialized, never sent, is reported.
//!
//! Silent where no context is in scope, except for the `http.DefaultClient` calls above: with
//! nothing to pass, the fix is to thread a context through the callers, which syntax cannot
//! judge worth it (a migration at start-up, a query on a local SQLite file). A request built
//! there is reported where it matters by `missing-timeout`, on a client with no timeout. So a
//! query with no context at all on a remote database that stops answering is missed, and so is
//! a request sent through `&http.Client{}` whose `Transport` is set later. A context stored in
//! the receiver (`c.ctx`) does not count as in scope, nor does a local that holds only
//! `context.Background()` or `TODO()` (`ctx := context.Background()` in a command's `main`):
//! passing it would bound nothing.

use crate::diagnostic::Finding;
use crate::go::knowledge::{GoKnowledge, package_of};
use crate::go::model::{Callee, GoModel};
use crate::go::rules::Needs;

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    // Tests talk to servers they start themselves, which answer or fail at once.
    if model.is_test_code() {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        let (what, replacement, unbounded) = match &call.callee {
            Callee::Pkg { path, name } => {
                let Some(set) = knowledge
                    .calls
                    .functions
                    .iter()
                    .find(|f| &f.package == path && f.names.contains(name))
                else {
                    continue;
                };
                let short = path.rsplit('/').next().unwrap_or(path);
                (
                    format!("{short}.{name}"),
                    set.replacement.clone(),
                    set.unbounded,
                )
            }
            Callee::Method {
                recv,
                recv_pkg,
                name,
                ..
            } => {
                let (ty, unbounded) = match recv_pkg {
                    Some((path, value)) => knowledge
                        .calls
                        .values
                        .iter()
                        .find(|v| &v.package == path && &v.name == value)
                        .map(|v| (Some(v.ty.clone()), v.unbounded))
                        .unwrap_or_default(),
                    None => (model.type_of(call.func, recv), false),
                };
                let Some(ty) = ty else {
                    continue;
                };
                let Some(set) = knowledge
                    .calls
                    .methods
                    .iter()
                    .find(|m| m.names.contains(name) && m.receivers.contains(&ty))
                else {
                    continue;
                };
                let replacement = set
                    .replacement
                    .clone()
                    .unwrap_or_else(|| format!("{recv}.{name}Context(ctx, ..)"));
                (format!("{recv}.{name}"), replacement, unbounded)
            }
            _ => continue,
        };
        if gets_context_later(model, index)
            || built_for_caller(model, index)
            || served_not_sent(model, index)
        {
            continue;
        }
        // `ctx := context.Background()` is never cancelled and has no deadline: passing it
        // would bound nothing, so it does not count as a context in scope.
        let in_scope: Vec<_> = call
            .func
            .map(|f| {
                model
                    .contexts_in_scope(f, call.start, true)
                    .into_iter()
                    .filter(|v| !model.never_done(f, &v.name, call.start))
                    .collect()
            })
            .unwrap_or_default();
        // With no context in scope there is nothing to pass: what is left is a deadline,
        // which `missing-timeout` asks of the client, except where the client is implicit.
        let message = match in_scope.first() {
            Some(ctx) => format!(
                "`{what}` cannot be cancelled, and `{}` is in scope but not passed",
                ctx.name
            ),
            None if unbounded => format!(
                "`{what}` goes through a client with no timeout and takes no context: nothing bounds it"
            ),
            None => continue,
        };
        findings.push(
            Finding::new("call-without-context", call.span, message).help(format!(
                "use the variant that takes a context: `{replacement}`"
            )),
        );
    }
    findings
}

/// In handler tests (the file imports `net/http/httptest`), a request made with
/// `http.NewRequest` that no `Do(..)` call in the function sends is served to a handler
/// (`router.ServeHTTP(w, req)`, `c.Request = req`), never sent over the network.
fn served_not_sent(model: &GoModel, call_index: usize) -> bool {
    let call = &model.calls[call_index];
    if !matches!(&call.callee, Callee::Pkg { name, .. } if name == "NewRequest")
        || !model.imports.values().any(|p| p == "net/http/httptest")
    {
        return false;
    }
    let Some(func) = call.func else {
        return true;
    };
    let top = model.top_func(func);
    let Some(var) = model.assignment_of(call_index).and_then(|a| a.lhs.first()) else {
        return false;
    };
    // `Do(req)` or `Do(req.WithContext(ctx))`.
    !model.calls.iter().any(|c| {
        c.func.is_some_and(|f| model.top_func(f) == top)
            && c.callee.method_name() == Some("Do")
            && c.args
                .iter()
                .any(|a| model.text(a.start, a.end).starts_with(var.text.as_str()))
    })
}

/// A request built and returned by a function with no context of its own: the caller
/// attaches one (`req.WithContext(ctx)`) or sends it with its own.
fn built_for_caller(model: &GoModel, call_index: usize) -> bool {
    let call = &model.calls[call_index];
    let Some(func) = call.func else {
        return false;
    };
    if !matches!(&call.callee, Callee::Pkg { name, .. } if name == "NewRequest")
        || !model.context_names(func).is_empty()
    {
        return false;
    }
    let in_return = |at: usize| {
        model
            .returns
            .iter()
            .any(|&(f, s, e)| f == Some(func) && s <= at && at < e)
    };
    if in_return(call.start) {
        return true;
    }
    let Some(var) = model.assignment_of(call_index).and_then(|a| a.lhs.first()) else {
        return false;
    };
    model.idents.iter().any(|i| {
        i.name == var.text && i.start > call.end && i.func == Some(func) && in_return(i.start)
    })
}

/// `req, err := http.NewRequest(..)` followed by `req.WithContext(ctx)` in the same function.
fn gets_context_later(model: &GoModel, call_index: usize) -> bool {
    let call = &model.calls[call_index];
    let Some(func) = call.func else {
        return false;
    };
    let Some(assign) = model.assignment_of(call_index) else {
        return false;
    };
    let Some(var) = assign.lhs.first() else {
        return false;
    };
    let top = model.top_func(func);
    let contexts = model.context_names(func);
    model.calls.iter().any(|c| {
        if c.start <= call.end || c.func.is_none_or(|f| model.top_func(f) != top) {
            return false;
        }
        let with_context = matches!(&c.callee, Callee::Method { recv, name, .. } if *recv == var.text && name == "WithContext");
        // `Do(ctx, client, req)`: handed on together with a context, which the callee attaches.
        let arg_is = |name: &str| c.args.iter().any(|a| model.text(a.start, a.end) == name);
        let handed_on = arg_is(&var.text) && contexts.iter().any(|ctx| arg_is(ctx));
        with_context || handed_on || (arg_is(&var.text) && attaches_context(model, &c.callee))
    })
}

/// Whether the callee is a function of the package that attaches a context to a request
/// it is given.
fn attaches_context(model: &GoModel, callee: &Callee) -> bool {
    match callee {
        Callee::Func(name) | Callee::Method { name, .. } => model.attaches_context(name),
        _ => false,
    }
}

/// A call of one of the listed functions, or of one of the listed methods (on a receiver
/// whose type a file of the package names through its import).
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    let calls = &knowledge.calls;
    let functions = calls
        .functions
        .iter()
        .map(|set| Needs::any_of(&set.names).importing([&set.package]));
    let methods = calls.methods.iter().map(|set| {
        Needs::any_of(&set.names).importing(set.receivers.iter().filter_map(|t| package_of(t)))
    });
    functions.chain(methods).fold(Needs::default(), Needs::or)
}
