//! The shared model of one Rust file, built by one `syn::visit::Visit` pass: functions,
//! calls (with `use`-resolved paths, receiver chains and the async context they run in),
//! loops, spawn sites, `select!` branches and await points. Rules read this model; none of
//! them walks the syntax tree again.

mod builder;
mod select;
mod spans;
mod summaries;
mod syntax;
mod visit;

pub use spans::encloses;

/// Whether an attribute's text (`#[cfg(feature = "test-util")]`) compiles its item only for
/// tests or test support (see `syntax::is_cfg_test`).
pub fn is_test_only_attribute(text: &str, test_features: &[String]) -> bool {
    syn::parse::Parser::parse_str(syn::Attribute::parse_outer, text).is_ok_and(|attributes| {
        attributes
            .iter()
            .any(|a| syntax::is_cfg_test(a, test_features))
    })
}

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::knowledge::RustKnowledge;
use super::uses::Uses;
use crate::diagnostic::Span;

/// Where a body of code sits.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The enclosing `fn` item (index into [`Model::fns`]).
    pub function: Option<usize>,
    /// Code here runs as part of a future polled by an async executor.
    pub is_async: bool,
    /// The offloading call (`spawn_blocking`, `std::thread::spawn`, ...) whose closure this is in.
    pub offload: Option<String>,
    /// Spawned futures or closures this code is inside, outermost first.
    pub spawns: Vec<usize>,
    /// The spawn whose future or closure *is* the current body (not a nested one).
    pub body_of_spawn: Option<usize>,
    /// Loops of the current body (fn, closure or async block), outermost first.
    pub loops: Vec<usize>,
    /// Inside a deadline: the argument of `timeout(..)`, or a `select!` with a sleep branch.
    pub in_timeout: bool,
    /// Inside a test function or a module compiled only for tests.
    pub in_test: bool,
    /// Compiled only for targets that are not unix (`cfg(windows)`, `cfg(not(unix))`).
    pub off_unix: bool,
    /// Whoever runs this code can visibly stop it: it is a `select!` branch future, the
    /// argument of `run_until_cancelled`/`abortable`, or spawned with its handle kept.
    pub cancellable: bool,
    /// This is the future expression of a spawn whose handle is dropped.
    pub detached: bool,
    /// Inside a closure or async block of the function rather than its own body.
    pub nested: bool,
    /// Inside the future or handler of a `select!` branch.
    pub select_branch: Option<BranchRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchRef {
    pub select: usize,
    pub branch: usize,
    pub part: BranchPart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchPart {
    Future,
    Guard,
    Handler,
}

/// The expression a method chain starts from, with the methods called on it in order.
/// `Client::builder().timeout(d).build()` is root `reqwest::Client::builder` (after `use`
/// resolution) with methods `[timeout, build]`. An identifier bound by a visible `let` is
/// replaced by the chain of its initializer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chain {
    pub root: Root,
    pub methods: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Root {
    /// A call of a path, resolved through `use` declarations.
    Path(String),
    /// A variable with no visible initializer (a parameter, a pattern binding).
    Ident(String),
    /// `self.field`.
    SelfField(String),
    #[default]
    Other,
}

impl Chain {
    pub fn root_path(&self) -> Option<&str> {
        match &self.root {
            Root::Path(path) => Some(path),
            _ => None,
        }
    }

    /// The name of the variable or field the chain starts from.
    pub fn root_name(&self) -> Option<&str> {
        match &self.root {
            Root::Ident(name) | Root::SelfField(name) => Some(name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// `a::b::c(..)`, resolved.
    Path(String),
    /// `receiver.name(..)`.
    Method(String),
}

#[derive(Debug, Clone)]
pub struct Call {
    pub callee: Callee,
    /// For a method, the receiver's chain; for a path call, the path alone.
    pub chain: Chain,
    /// The callee: the path, or the method name.
    pub span: Span,
    /// The whole call expression.
    pub expr_span: Span,
    pub awaited: bool,
    pub arg_count: usize,
    /// The place each argument starts from (`lock` for `lock.clone()` or `&lock`), if it is one.
    pub arg_places: Vec<Option<String>>,
    /// A method called on `self`.
    pub receiver_is_self: bool,
    /// The variable a method's receiver chain starts from, as written (no `let` substitution).
    pub receiver_root: Option<String>,
    /// The place a method's receiver chain starts from, fields included (`self.db`, `state.cache`).
    pub receiver_place: Option<String>,
    /// What the statement does with the call's value.
    pub result: HandleUse,
    /// The next statement of the block is a `break` or `return`: the call is the last thing
    /// its loop iteration does.
    pub exit_follows: bool,
    /// The binding the receiver variable was declared with, if visible (its type, its loop depth).
    pub receiver_binding: Option<BindingInfo>,
    /// Of an awaited call, the binding each argument that is a variable (`x`, `&x`, `&mut x`)
    /// was declared with, if visible: what a helper is handed (a freshly accepted peer).
    pub arg_bindings: Vec<Option<BindingInfo>>,
    /// The innermost loop around the call, across bodies.
    pub open_loop: Option<usize>,
    /// Guards (indices into [`Model::guards`]) held where the call is made.
    pub held_guards: Vec<usize>,
    pub scope: Scope,
}

impl Call {
    pub fn name(&self) -> &str {
        match &self.callee {
            Callee::Path(path) => path.rsplit("::").next().unwrap_or(path),
            Callee::Method(name) => name,
        }
    }

    pub fn path(&self) -> Option<&str> {
        match &self.callee {
            Callee::Path(path) => Some(path),
            Callee::Method(_) => None,
        }
    }

    /// The declared type of the receiver variable, when its declaration is visible.
    pub fn receiver_type(&self) -> Option<&str> {
        self.receiver_binding.as_ref()?.ty.as_deref()
    }

    pub fn method(&self) -> Option<&str> {
        match &self.callee {
            Callee::Method(name) => Some(name),
            Callee::Path(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    Loop,
    While,
    WhileLet,
    For,
}

#[derive(Debug, Clone)]
pub struct LoopInfo {
    pub kind: LoopKind,
    /// The keyword (and label).
    pub span: Span,
    pub label: Option<String>,
    /// `loop` or `while true`.
    pub infinite: bool,
    /// The body (or `while` condition) awaits.
    pub has_await: bool,
    /// A `break` for this loop, a `return` or a `?` in its body.
    pub exits: bool,
    /// The body observes cancellation or shutdown (see `rules/rust/cancellation.toml`).
    pub observes_cancel: bool,
    /// The scope the loop itself sits in.
    pub scope: Scope,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnKind {
    /// The task runs on its own; its handle is the only way to stop it.
    Detached,
    /// Spawned into a `JoinSet`/`TaskTracker`: it is joined or cancelled with its owner.
    Tracked,
    /// A `spawn` method on a receiver of unknown type.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandleUse {
    /// `spawn(..);` or `let _ = spawn(..);`
    Discarded,
    /// `let name = spawn(..);`
    Bound(String),
    /// Assigned to a field or given as a field of a struct literal: an object owns it now.
    Stored,
    /// Returned, passed on, awaited, put in a collection.
    Used,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// The request object (or its body stream).
    Object,
    /// A cancellation token taken from the request.
    Token,
}

#[derive(Debug, Clone)]
pub struct Spawn {
    pub callee: String,
    pub kind: SpawnKind,
    pub span: Span,
    pub handle: HandleUse,
    /// Variables from outside the spawned future that it uses.
    pub captures: BTreeSet<String>,
    /// Captured variables that hold request-scoped values, with their kind and type.
    pub captured_request: Vec<(String, RequestKind, String)>,
    /// A captured variable holds a cancellation or shutdown signal (by its type, its
    /// initializer or its name, see `rules/rust/cancellation.toml`).
    pub captures_signal: bool,
    /// The spawned future is written in place (an async block or closure), so its body is visible.
    pub body_visible: bool,
    pub scope: Scope,
}

#[derive(Debug, Clone)]
pub struct SelectBranch {
    pub pattern: String,
    pub is_else: bool,
    pub has_guard: bool,
    pub future_span: Span,
    pub future_chain: Chain,
    /// `&mut fut` or `fut.as_mut()`: a future created outside and polled again.
    pub future_is_reference: bool,
    /// The future is a variable, named here (`handle` in `res = handle => ..`).
    pub future_variable: Option<String>,
    /// The variable polled by reference (`fut` in `&mut fut` or `fut.as_mut()`).
    pub reference_variable: Option<String>,
    /// Every identifier written in the future expression.
    pub future_names: BTreeSet<String>,
    /// The handler contains `break` or `return`.
    pub handler_exits: bool,
    /// Indices into [`Model::calls`] of the calls made while evaluating the future.
    pub calls: std::ops::Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Select {
    pub span: Span,
    pub biased: bool,
    pub branches: Vec<SelectBranch>,
    /// A branch waits on a sleep or tick, which bounds every other branch.
    pub has_deadline_branch: bool,
    pub scope: Scope,
}

/// A lock guard or `RefCell` borrow taken synchronously (`m.lock().unwrap()`, `c.borrow_mut()`,
/// see `rules/rust/guards.toml`) in async code: bound by `let`, or a temporary in a `match`,
/// `if let` or `while let` scrutinee, which lives through the whole body.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The `let` name; `None` for a scrutinee temporary.
    pub name: Option<String>,
    /// The method that took it (`lock`, `write`, `borrow_mut`).
    pub method: String,
    pub span: Span,
    /// Await points reached while it is held: before its block ends and before `drop(name)`.
    pub awaits: Vec<Span>,
    /// The variable turned out to hold a future (it is awaited, pinned or polled by
    /// `select!`), so the `lock()` was an async lock's and this is no guard.
    pub is_future: bool,
    /// Taken by awaiting an async lock or permit (`m.lock().await`, see
    /// `rules/rust/locks.toml`): fine across an await, yet a critical section all the same.
    pub asynchronous: bool,
    pub scope: Scope,
}

#[derive(Debug, Clone)]
pub struct AwaitPoint {
    pub span: Span,
    pub scope: Scope,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    /// The type's path, resolved (`axum::extract::Request` for `Request<Body>`).
    pub ty: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FnInfo {
    pub name: String,
    pub span: Span,
    pub lines: (usize, usize),
    pub is_async: bool,
    pub is_main: bool,
    pub is_test: bool,
    pub returns_never: bool,
    pub params: Vec<Param>,
    /// `impl Type` this is a method of.
    pub self_type: Option<String>,
    /// `impl Trait for ..` this is a method of.
    pub trait_name: Option<String>,
    /// Attribute paths as written (`tokio::main`, `get`, `async_trait`).
    pub attrs: Vec<String>,
    /// Takes `self` (by value or reference).
    pub has_self: bool,
    /// The resolved types of every typed parameter, whatever its pattern (`State(s): State<T>`).
    pub param_types: Vec<String>,
    /// A parameter holding a cancellation token (not wrapped in `Option`).
    pub token_param: Option<String>,
}

/// What is known about a variable where it is used.
#[derive(Debug, Clone, Default)]
pub struct BindingInfo {
    /// Unique within the file.
    pub id: usize,
    /// The innermost loop around the declaration, across bodies.
    pub open_loop: Option<usize>,
    /// The chain of its initializer.
    pub origin: Option<Chain>,
    /// Its declared type, resolved.
    pub ty: Option<String>,
    /// How many loops of the current body enclosed its declaration.
    pub loop_depth: usize,
    pub request: Option<RequestKind>,
}

pub struct Model {
    pub uses: Uses,
    pub fns: Vec<FnInfo>,
    pub calls: Vec<Call>,
    pub loops: Vec<LoopInfo>,
    pub spawns: Vec<Spawn>,
    pub selects: Vec<Select>,
    pub awaits: Vec<AwaitPoint>,
    pub guards: Vec<Guard>,
    pub item_ranges: Vec<(usize, usize)>,
    /// Local functions called inside a deadline somewhere in the file.
    pub timeout_wrapped_fns: BTreeSet<String>,
    /// Local functions whose futures are visibly cancellable somewhere in the file.
    pub cancellable_fns: BTreeSet<String>,
    /// Local functions whose futures are spawned with the handle dropped (and what they call),
    /// with the spawns (indices into [`Model::spawns`]) that run them.
    pub detached_fns: BTreeMap<String, BTreeSet<usize>>,
    /// Every method name called in the file.
    pub method_names: BTreeSet<String>,
    /// `let` statements binding a single name, in order.
    pub lets: Vec<LetInfo>,
    /// Bindings (by [`BindingInfo::id`]) whose future is later polled under a deadline:
    /// `let f = req.send(); timeout(d, f).await`, or `f` raced in a `select!` with a sleep.
    pub deadline_polled: BTreeSet<usize>,
    /// Bindings (by [`BindingInfo::id`]) assigned to a field or given as a field of a struct
    /// literal (`Conn { cancel }`, `self.cancel = cancel`).
    pub stored_bindings: BTreeSet<usize>,
    /// Bindings (by [`BindingInfo::id`]) awaited by name somewhere (`handle.await`).
    pub awaited_bindings: BTreeSet<usize>,
    /// How many times each binding (by [`BindingInfo::id`]) is used after its declaration.
    pub binding_uses: HashMap<usize, usize>,
    /// Structs of the file with a field holding a cancellation token: struct name -> field.
    pub token_fields: HashMap<String, String>,
}

/// `let name = init;`
#[derive(Debug, Clone)]
pub struct LetInfo {
    pub name: String,
    /// [`BindingInfo::id`] of the new variable.
    pub binding: usize,
    /// Index into [`Model::calls`] of the call the initializer is (after `?`, `.await`,
    /// `.unwrap()`), if it is one.
    pub init_call: Option<usize>,
    /// Every identifier written in the initializer.
    pub init_names: BTreeSet<String>,
    pub span: Span,
    pub scope: Scope,
}

impl Model {
    pub fn build(file: &syn::File, knowledge: &RustKnowledge) -> Model {
        builder::build(file, knowledge)
    }

    /// The local `async fn` a call names: `helper(..)` or `self.helper(..)`.
    pub fn local_callee<'a>(&self, call: &'a Call) -> Option<&'a str> {
        match &call.callee {
            Callee::Path(path) if !path.contains("::") => Some(path),
            Callee::Path(path) => path.strip_prefix("Self::"),
            Callee::Method(name) if call.receiver_is_self => Some(name),
            Callee::Method(_) => None,
        }
    }

    /// The future the call at `index` makes is bound by `let` and polled under a deadline later.
    pub fn polled_under_deadline_later(&self, index: usize) -> bool {
        self.lets.iter().any(|binding| {
            binding.init_call == Some(index) && self.deadline_polled.contains(&binding.binding)
        })
    }

    /// The value of the call at `index` ends up in a field or struct literal, directly or
    /// through the `let` it initializes.
    pub fn value_stored(&self, index: usize) -> bool {
        self.calls[index].result == HandleUse::Stored
            || self.lets.iter().any(|binding| {
                binding.init_call == Some(index) && self.stored_bindings.contains(&binding.binding)
            })
    }

    /// The spawn's handle is bound by `let` and awaited: the spawner waits for the task.
    pub fn spawn_joined(&self, spawn: &Spawn) -> bool {
        let HandleUse::Bound(name) = &spawn.handle else {
            return false;
        };
        self.lets.iter().any(|binding| {
            &binding.name == name
                && encloses(binding.span, spawn.span)
                && self.awaited_bindings.contains(&binding.binding)
        })
    }

    pub fn function(&self, scope: &Scope) -> Option<&FnInfo> {
        scope.function.map(|index| &self.fns[index])
    }
}
