//! ## What it does
//! Flags a `std::sync` or `parking_lot` `Mutex`/`RwLock` guard, or a `RefCell` borrow, that
//! is still held when the async code it lives in reaches an `.await`: a guard bound by `let`
//! before its block ends or `drop(guard)`, or a temporary taken in a `match`, `if let` or
//! `while let` scrutinee, which lives through the whole body.
//!
//! ## Why is this bad
//! While the task is suspended, the lock stays held. Any other task that takes it blocks its
//! worker thread; on a current-thread runtime, or when the holder's wakeup needs that worker,
//! this deadlocks. A `RefCell` borrowed across an await panics when another task on the same
//! thread borrows it. The classic shape is `while let Some(job) = queue.lock().unwrap().pop()
//! { job.await }`, where the guard lives through every iteration's body.
//!
//! ## Example
//! ```rust,ignore
//! let mut state = self.state.lock().unwrap();
//! state.pending += 1;
//! self.flush().await;
//! ```
//!
//! ## Use instead
//! ```rust,ignore
//! {
//!     let mut state = self.state.lock().unwrap();
//!     state.pending += 1;
//! }
//! self.flush().await;
//! ```
//!
//! ## Known problems
//! The lock's type is not known: a method named like `lock`, `read` or `write` that takes no
//! argument and is not awaited is taken as a synchronous guard, unless the receiver is visibly
//! a tokio or futures lock, or the variable is later awaited, pinned or polled by `select!`
//! (then it held a future). A guard passed by value to a call is taken as moved there. `borrow()` counts only on a visible `RefCell`. A `drop(guard)` in
//! one branch is taken as releasing it on every path.

use super::RustRule;
use crate::diagnostic::Finding;
use crate::rust::knowledge::RustKnowledge;
use crate::rust::model::Model;
use crate::rust::project::InProject;

pub const RULE: RustRule = RustRule {
    name: "guard-across-await",
    triggers: &[".await"],
    context: &["Mutex", "RwLock", "RefCell"],
    check,
};

fn check(model: &Model, _: &RustKnowledge, _: &InProject) -> Vec<Finding> {
    let mut findings = Vec::new();
    for guard in &model.guards {
        if guard.is_future || guard.asynchronous || guard.scope.in_test {
            continue;
        }
        let Some(&first_await) = guard.awaits.first() else {
            continue;
        };
        let method = &guard.method;
        let refcell = method.contains("borrow");
        let what = if refcell {
            format!("this `RefCell` borrow (`{method}()`)")
        } else {
            format!("this lock guard (`{method}()`)")
        };
        let held = match &guard.name {
            Some(name) => format!("{what}, bound to `{name}`, is held across an `.await`"),
            None => format!(
                "{what} is a temporary of the scrutinee and lives through the whole body, across an `.await`"
            ),
        };
        let consequence = if refcell {
            "another task borrowing it while this one is suspended panics"
        } else {
            "another task taking the lock while this one is suspended blocks its thread and can deadlock"
        };
        let help = match (&guard.name, refcell) {
            (Some(name), false) => format!(
                "release it before awaiting (`drop({name})` or a block around its use), or use `tokio::sync::Mutex`"
            ),
            (Some(name), true) => {
                format!("release it before awaiting (`drop({name})` or a block around its use)")
            }
            (None, _) => {
                "bind the value you need in a `let` before the `match`/`if let`/`while let`, so the guard drops at the end of that statement".to_string()
            }
        };
        findings.push(
            Finding::new(
                "guard-across-await",
                guard.span,
                format!("{held}: {consequence}"),
            )
            .label(first_await, "awaited while the guard is held")
            .help(help),
        );
    }
    findings
}
