//! ## What it does
//! In an application (`package main`), flags a `net/http` server that is started and never
//! shut down: `http.ListenAndServe(..)` (and `ListenAndServeTLS`, `Serve`, `ServeTLS`) called
//! on the main path, or `srv.ListenAndServe()` on an `http.Server` that no code in the file
//! shuts down (`Shutdown`, `Close`, `RegisterOnShutdown`), and gin's `r.Run()` (`RunTLS`, `RunUnix`)
//! on an engine from `gin.Default()`/`gin.New()`, which keeps its server to itself.
//!
//! ## Why is this bad
//! On SIGTERM the process dies with requests in flight: clients see reset connections and
//! half-done work is lost. `Server.Shutdown` stops accepting, waits for active requests, and
//! lets the process exit cleanly.
//!
//! ## Example
//! ```go
//! func main() {
//!     http.HandleFunc("/", handle)
//!     log.Fatal(http.ListenAndServe(":8080", nil))
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! srv := &http.Server{Addr: ":8080", ReadHeaderTimeout: 10 * time.Second}
//! go func() {
//!     if err := srv.ListenAndServe(); err != http.ErrServerClosed {
//!         log.Fatal(err)
//!     }
//! }()
//! ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//! defer stop()
//! <-ctx.Done()
//! shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
//! defer cancel()
//! srv.Shutdown(shutdownCtx)
//! ```
//!
//! ## Known problems
//! Only `net/http` servers and gin engines, only in `package main`, not in test files. A package-level
//! `http.ListenAndServe` inside a goroutine (a debug or pprof listener) is not flagged. A
//! server shut down from another file is not seen, except that a server handed to the function
//! as a parameter (`func serveHTTPS(server *http.Server, ..)`) is its caller's to shut down and
//! is not reported: a caller that never does is missed.

use crate::diagnostic::Finding;
use crate::go::knowledge::{GoKnowledge, package_of};
use crate::go::model::{Callee, FuncUse, GoModel};
use crate::go::rules::Needs;

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let mut findings = Vec::new();
    if model.package != "main" || model.is_test_code() {
        return findings;
    }
    let servers = &knowledge.servers;
    for call in &model.calls {
        let Some(func) = call.func else {
            continue;
        };
        match &call.callee {
            Callee::Pkg { path, name } => {
                let listed = servers
                    .serve_functions
                    .iter()
                    .any(|set| set.contains(path, name));
                if !listed || in_goroutine(model, func) {
                    continue;
                }
                findings.push(
                    Finding::new(
                        "serve-without-shutdown",
                        call.span,
                        format!("`http.{name}` starts a server that can never be shut down gracefully"),
                    )
                    .help("keep the `*http.Server` and call `srv.Shutdown(ctx)` on SIGTERM, with a drain timeout: `ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)`"),
                );
            }
            Callee::Method { recv, name, .. } => {
                let Some(ty) = model.type_of(Some(func), recv) else {
                    continue;
                };
                let Some(server) = servers
                    .servers
                    .iter()
                    .find(|s| s.ty == ty.trim_start_matches('*') && s.serve.contains(name))
                else {
                    continue;
                };
                let shut_down = model.calls.iter().any(|c| {
                    matches!(&c.callee, Callee::Method { recv: r, name: n, .. } if r == recv && server.shutdown.contains(n))
                });
                // A server handed in as a parameter is its caller's to shut down.
                if shut_down || is_parameter(model, func, recv) {
                    continue;
                }
                findings.push(
                    Finding::new(
                        "serve-without-shutdown",
                        call.span,
                        format!("`{recv}.{name}()` serves until the process dies: `{recv}` is never shut down"),
                    )
                    .help(server.help.clone().unwrap_or_else(|| format!("on SIGTERM call `{recv}.Shutdown(ctx)` with a drain timeout, and treat `http.ErrServerClosed` as a clean stop"))),
                );
            }
            _ => {}
        }
    }
    findings
}

/// Whether `name` is a parameter of `func` or of a function it is written in.
fn is_parameter(model: &GoModel, func: usize, name: &str) -> bool {
    model
        .enclosing(func)
        .any(|f| model.funcs[f].params.iter().any(|p| p.name == name))
}

fn in_goroutine(model: &GoModel, func: usize) -> bool {
    model
        .enclosing(func)
        .any(|f| model.funcs[f].usage == FuncUse::Go)
}

/// A serve call, or a shutdown call, which any function of the file may make.
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    let servers = &knowledge.servers;
    let functions = servers
        .serve_functions
        .iter()
        .map(|set| Needs::any_of(&set.names).importing([&set.package]));
    let methods = servers.servers.iter().map(|server| {
        Needs::any_of(server.serve.iter().chain(&server.shutdown)).importing(package_of(&server.ty))
    });
    functions.chain(methods).fold(Needs::default(), Needs::or)
}
