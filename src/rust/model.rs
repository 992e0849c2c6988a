//! The shared model of one Rust file, built by one `syn::visit::Visit` pass: functions,
//! calls (with `use`-resolved paths, receiver chains and the async context they run in),
//! loops, spawn sites, `select!` branches and await points. Rules read this model; none of
//! them walks the syntax tree again.

use std::collections::{BTreeSet, HashMap, HashSet};

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Token};

use super::knowledge::{RustKnowledge, any_matches};
use super::uses::Uses;
use crate::diagnostic::Span;

pub fn span_of(span: proc_macro2::Span) -> Span {
    let start = span.start();
    let end = span.end();
    Span::new(start.line, start.column + 1, end.line, end.column + 1)
}

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
    /// The innermost loop around the call, across bodies.
    pub open_loop: Option<usize>,
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
    /// Returned, passed on, awaited, stored.
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
    /// Local functions whose futures are spawned with the handle dropped (and what they call).
    pub detached_fns: BTreeSet<String>,
    /// Every method name called in the file.
    pub method_names: BTreeSet<String>,
    /// `let` statements binding a single name, in order.
    pub lets: Vec<LetInfo>,
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
        let uses = Uses::collect(file);
        let mut builder = Builder {
            knowledge,
            model: Model {
                uses,
                fns: Vec::new(),
                calls: Vec::new(),
                loops: Vec::new(),
                spawns: Vec::new(),
                selects: Vec::new(),
                awaits: Vec::new(),
                guards: Vec::new(),
                item_ranges: Vec::new(),
                timeout_wrapped_fns: BTreeSet::new(),
                cancellable_fns: BTreeSet::new(),
                detached_fns: BTreeSet::new(),
                method_names: BTreeSet::new(),
                token_fields: HashMap::new(),
                lets: Vec::new(),
                binding_uses: HashMap::new(),
            },
            scope: Scope::default(),
            open_loops: Vec::new(),
            open_spawns: Vec::new(),
            bindings: vec![HashMap::new()],
            open_guards: vec![Vec::new()],
            awaited: HashSet::new(),
            discarded: None,
            bound_to: None,
            impl_context: None,
            next_binding: 0,
            exit_follows: false,
            local_calls: Vec::new(),
        };
        builder.visit_file(file);
        let mut model = builder.model;
        model.timeout_wrapped_fns =
            reachable(&model, &builder.local_calls, &model.timeout_wrapped_fns);
        model.cancellable_fns = reachable(&model, &builder.local_calls, &model.cancellable_fns);
        model.detached_fns = reachable(&model, &builder.local_calls, &model.detached_fns);
        model
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

    pub fn function(&self, scope: &Scope) -> Option<&FnInfo> {
        scope.function.map(|index| &self.fns[index])
    }
}

struct OpenSpawn {
    index: usize,
    /// `bindings.len()` when the spawned body started: bindings at or above it are local.
    binding_depth: usize,
}

struct Builder<'k> {
    knowledge: &'k RustKnowledge,
    model: Model,
    scope: Scope,
    /// Every loop we are inside, across bodies (for cancellation observation).
    open_loops: Vec<usize>,
    open_spawns: Vec<OpenSpawn>,
    /// Block-scoped variables, innermost last.
    bindings: Vec<HashMap<String, BindingInfo>>,
    /// Addresses of call expressions whose value is awaited.
    awaited: HashSet<usize>,
    /// The call expression whose value a statement discards.
    discarded: Option<usize>,
    /// The call expression a `let name =` binds, with the name.
    bound_to: Option<(usize, String)>,
    /// The `impl` block being visited: (self type, trait).
    impl_context: Option<(Option<String>, Option<String>)>,
    next_binding: usize,
    /// The statement being visited is followed by a `break` or `return`.
    exit_follows: bool,
    /// (calling function, called local function name), for same-file summaries.
    local_calls: Vec<(usize, String)>,
    /// Guards held in each block of the current body, innermost last (parallel to `bindings`).
    open_guards: Vec<Vec<usize>>,
}

fn address<T>(value: &T) -> usize {
    value as *const T as usize
}

fn last_segment(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn is_test_attr(attr: &syn::Attribute) -> bool {
    let path = path_text(attr.path());
    path == "test" || path.ends_with("::test") || path == "bench"
}

/// `#[cfg(..)]` whose predicate holds only when compiling tests or test support: `test`, a
/// feature of `test_features`, `all(..)` with one of these, or `any(..)` of only these
/// (`any(test, feature = "test-util")`; not `not(test)`, nor `any(test, feature = "x")`).
fn is_cfg_test(attr: &syn::Attribute, test_features: &[String]) -> bool {
    fn only_in_tests(predicate: &syn::Meta, test_features: &[String]) -> bool {
        let nested = |meta: &syn::Meta| {
            meta.require_list()
                .and_then(|list| {
                    list.parse_args_with(
                        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                    )
                })
                .map(|items| items.into_iter().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let only = |meta: &syn::Meta| only_in_tests(meta, test_features);
        if predicate.path().is_ident("test") {
            matches!(predicate, syn::Meta::Path(_))
        } else if predicate.path().is_ident("feature") {
            let feature = match predicate {
                syn::Meta::NameValue(syn::MetaNameValue {
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(name),
                            ..
                        }),
                    ..
                }) => name.value(),
                _ => return false,
            };
            test_features.contains(&feature)
        } else if predicate.path().is_ident("all") {
            nested(predicate).iter().any(only)
        } else if predicate.path().is_ident("any") {
            let options = nested(predicate);
            !options.is_empty() && options.iter().all(only)
        } else {
            false
        }
    }
    attr.path().is_ident("cfg")
        && attr
            .parse_args::<syn::Meta>()
            .is_ok_and(|predicate| only_in_tests(&predicate, test_features))
}

/// Strips parentheses, references, `?` and `.await` around an expression.
fn peel(mut expr: &Expr) -> &Expr {
    // A loop, not recursion: hostile input nests these thousands deep.
    for _ in 0..MAX_CHAIN {
        expr = match expr {
            Expr::Paren(inner) => &inner.expr,
            Expr::Reference(inner) => &inner.expr,
            Expr::Try(inner) => &inner.expr,
            Expr::Await(inner) => &inner.base,
            Expr::Group(inner) => &inner.expr,
            _ => return expr,
        };
    }
    expr
}

/// The span of the first token of an expression, found without printing the expression
/// (`Spanned::span` prints the whole subtree, which is quadratic on long chains).
fn first_token(mut expr: &Expr) -> proc_macro2::Span {
    loop {
        expr = match expr {
            Expr::MethodCall(call) => &call.receiver,
            Expr::Call(call) => &call.func,
            Expr::Field(field) => &field.base,
            Expr::Await(inner) => &inner.base,
            Expr::Try(inner) => &inner.expr,
            Expr::Index(index) => &index.expr,
            Expr::Binary(binary) => &binary.left,
            Expr::Cast(cast) => &cast.expr,
            Expr::Path(path) => {
                return match (&path.path.leading_colon, path.path.segments.first()) {
                    (Some(colon), _) => colon.spans[0],
                    (None, Some(segment)) => segment.ident.span(),
                    (None, None) => path.span(),
                };
            }
            Expr::Paren(paren) => return paren.paren_token.span.open(),
            Expr::Reference(reference) => return reference.and_token.span,
            Expr::Macro(mac) => return first_token_of_path(&mac.mac.path),
            Expr::Lit(lit) => return lit.lit.span(),
            other => return other.span(),
        };
    }
}

fn first_token_of_path(path: &syn::Path) -> proc_macro2::Span {
    match (&path.leading_colon, path.segments.first()) {
        (Some(colon), _) => colon.spans[0],
        (None, Some(segment)) => segment.ident.span(),
        (None, None) => proc_macro2::Span::call_site(),
    }
}

/// The span of the last token of a callee (the last path segment's name).
fn last_token(expr: &Expr) -> proc_macro2::Span {
    match expr {
        Expr::Path(path) => match path.path.segments.last() {
            Some(segment) => segment.ident.span(),
            None => first_token(expr),
        },
        other => other.span(),
    }
}

/// From `start` to the end of `end`.
fn span_between(start: proc_macro2::Span, end: proc_macro2::Span) -> Span {
    let start = span_of(start);
    let end = span_of(end);
    Span::new(start.line, start.column, end.end_line, end.end_column)
}

/// The lines an item spans: from its first attribute (or keyword) to its closing brace.
fn item_lines(
    attrs: &[syn::Attribute],
    first: proc_macro2::Span,
    last: proc_macro2::Span,
) -> (usize, usize) {
    let start = attrs
        .first()
        .map(|attr| attr.pound_token.span)
        .unwrap_or(first);
    (start.start().line, last.end().line)
}

/// Strips only parentheses and groups: the expression an `.await` or `?` applies to.
fn peel_parens(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(syn::ExprParen { expr: inner, .. })
    | Expr::Group(syn::ExprGroup { expr: inner, .. }) = expr
    {
        expr = inner;
    }
    expr
}

/// Method chains longer than this are not followed (no real builder chain comes near it,
/// and following every link of every call would be quadratic).
const MAX_CHAIN: usize = 64;

impl Builder<'_> {
    fn resolve(&self, path: &syn::Path) -> String {
        self.model.uses.resolve(path)
    }

    fn resolve_type(&self, ty: &syn::Type) -> Option<String> {
        match ty {
            syn::Type::Path(path) => Some(self.resolve(&path.path)),
            syn::Type::Reference(reference) => self.resolve_type(&reference.elem),
            syn::Type::Paren(paren) => self.resolve_type(&paren.elem),
            syn::Type::Group(group) => self.resolve_type(&group.elem),
            _ => None,
        }
    }

    fn lookup(&self, name: &str) -> Option<(usize, &BindingInfo)> {
        self.bindings
            .iter()
            .enumerate()
            .rev()
            .find_map(|(depth, scope)| scope.get(name).map(|info| (depth, info)))
    }

    fn bind(&mut self, name: String, mut info: BindingInfo) {
        info.id = self.next_binding;
        self.next_binding += 1;
        if let Some(scope) = self.bindings.last_mut() {
            scope.insert(name, info);
        }
    }

    /// Binds every identifier in a pattern to the same information.
    fn bind_pattern(&mut self, pat: &syn::Pat, info: &BindingInfo) {
        match pat {
            syn::Pat::Ident(ident) => {
                self.bind(ident.ident.to_string(), info.clone());
                if let Some((_, sub)) = &ident.subpat {
                    self.bind_pattern(sub, info);
                }
            }
            syn::Pat::Type(typed) => {
                let mut info = info.clone();
                if let Some(ty) = self.resolve_type(&typed.ty) {
                    info.ty = Some(ty);
                }
                info.request = info.request.or(self.request_kind_of_type(&typed.ty));
                self.bind_pattern(&typed.pat, &info);
            }
            syn::Pat::Tuple(tuple) => {
                for element in &tuple.elems {
                    self.bind_pattern(element, info);
                }
            }
            syn::Pat::TupleStruct(tuple) => {
                for element in &tuple.elems {
                    self.bind_pattern(element, info);
                }
            }
            syn::Pat::Struct(structure) => {
                for field in &structure.fields {
                    self.bind_pattern(&field.pat, info);
                }
            }
            syn::Pat::Reference(reference) => self.bind_pattern(&reference.pat, info),
            syn::Pat::Slice(slice) => {
                for element in &slice.elems {
                    self.bind_pattern(element, info);
                }
            }
            syn::Pat::Or(or) => {
                for case in &or.cases {
                    self.bind_pattern(case, info);
                }
            }
            syn::Pat::Paren(paren) => self.bind_pattern(&paren.pat, info),
            _ => {}
        }
    }

    fn plain_binding(&self) -> BindingInfo {
        BindingInfo {
            loop_depth: self.scope.loops.len(),
            open_loop: self.open_loops.last().copied(),
            ..BindingInfo::default()
        }
    }

    fn request_kind_of_type(&self, ty: &syn::Type) -> Option<RequestKind> {
        let resolved = self.resolve_type(ty)?;
        let frameworks = &self.knowledge.frameworks;
        if any_matches(&frameworks.request_types, &resolved) {
            Some(RequestKind::Object)
        } else {
            None
        }
    }

    fn is_token_type(&self, path: &str) -> bool {
        self.knowledge
            .frameworks
            .token_types
            .iter()
            .any(|token| token == path || token.rsplit("::").next() == Some(path))
    }

    /// The chain an expression starts from, with `let` initializers substituted.
    fn chain_of(&self, expr: &Expr) -> Chain {
        self.chain_with_depth(expr, 0)
    }

    fn chain_with_depth(&self, expr: &Expr, depth: usize) -> Chain {
        let mut expr = peel(expr);
        let mut methods = Vec::new();
        while let Expr::MethodCall(call) = expr {
            if methods.len() == MAX_CHAIN {
                return Chain::default();
            }
            // `.unwrap()` and `.expect(..)` only unpack the value the chain made.
            if call.method != "unwrap" && call.method != "expect" {
                methods.push(call.method.to_string());
            }
            expr = peel(&call.receiver);
        }
        methods.reverse();
        let mut chain = self.chain_root(expr, depth);
        chain.methods.extend(methods);
        chain
    }

    fn chain_root(&self, expr: &Expr, depth: usize) -> Chain {
        match expr {
            Expr::Call(call) => match peel(&call.func) {
                Expr::Path(path) => Chain {
                    root: Root::Path(self.resolve(&path.path)),
                    methods: Vec::new(),
                },
                _ => Chain::default(),
            },
            Expr::Path(path) if path.path.segments.len() == 1 && path.qself.is_none() => {
                let name = path.path.segments[0].ident.to_string();
                if name == "self" {
                    return Chain::default();
                }
                match self.lookup(&name) {
                    Some((
                        _,
                        BindingInfo {
                            origin: Some(origin),
                            ..
                        },
                    )) if depth < 8 => origin.clone(),
                    _ => Chain {
                        root: Root::Ident(name),
                        methods: Vec::new(),
                    },
                }
            }
            Expr::Field(field) => match (&*field.base, &field.member) {
                (Expr::Path(base), syn::Member::Named(name)) if base.path.is_ident("self") => {
                    Chain {
                        root: Root::SelfField(name.to_string()),
                        methods: Vec::new(),
                    }
                }
                _ => Chain::default(),
            },
            _ => Chain::default(),
        }
    }

    fn span_of_loop_head(&self, label: &Option<syn::Label>, keyword: proc_macro2::Span) -> Span {
        let keyword = span_of(keyword);
        match label {
            Some(label) => {
                let start = span_of(label.name.span());
                Span::new(
                    start.line,
                    start.column,
                    keyword.end_line,
                    keyword.end_column,
                )
            }
            None => keyword,
        }
    }

    /// A call that makes the future given to it cancellable (`run_until_cancelled`, `abortable`).
    fn is_cancel_wrapper(&self, name: &str) -> bool {
        self.knowledge
            .cancellation
            .wrappers
            .iter()
            .any(|w| w == name)
    }

    /// Marks that code at this point observes cancellation, for every open loop.
    fn observe_name(&mut self, name: &str) {
        if self.open_loops.is_empty() {
            return;
        }
        let cancellation = &self.knowledge.cancellation;
        let lower = name.to_ascii_lowercase();
        let observes = cancellation.methods.contains(&lower)
            || cancellation
                .name_fragments
                .iter()
                .any(|fragment| lower.contains(fragment.as_str()));
        if observes {
            for &index in &self.open_loops {
                self.model.loops[index].observes_cancel = true;
            }
        }
    }

    /// A variable used here: a capture of every spawned body it was declared outside of.
    fn use_variable(&mut self, name: &str) {
        if let Some((_, info)) = self.lookup(name) {
            *self.model.binding_uses.entry(info.id).or_default() += 1;
        }
        if self.open_spawns.is_empty() {
            return;
        }
        let declared_at = self.lookup(name).map(|(depth, _)| depth);
        for open in &self.open_spawns {
            let local = declared_at.is_some_and(|depth| depth >= open.binding_depth);
            if !local {
                self.model.spawns[open.index]
                    .captures
                    .insert(name.to_string());
            }
        }
    }

    fn mark_await(&mut self, span: Span) {
        for &index in &self.scope.loops {
            self.model.loops[index].has_await = true;
        }
        for &index in self.open_guards.iter().flatten() {
            self.model.guards[index].awaits.push(span);
        }
        self.model.awaits.push(AwaitPoint {
            span,
            scope: self.scope.clone(),
        });
    }

    /// `return` or `?`: every loop of the current body is left.
    fn mark_exit_all(&mut self) {
        for &index in &self.scope.loops {
            self.model.loops[index].exits = true;
        }
    }

    fn mark_break(&mut self, label: Option<&syn::Lifetime>) {
        let target = match label {
            Some(label) => {
                let name = label.ident.to_string();
                self.scope
                    .loops
                    .iter()
                    .rev()
                    .find(|&&index| self.model.loops[index].label.as_deref() == Some(&name))
                    .copied()
            }
            None => self.scope.loops.last().copied(),
        };
        if let Some(index) = target {
            self.model.loops[index].exits = true;
        }
    }

    /// Runs `f` in a nested block scope for variables.
    fn in_block<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.bindings.push(HashMap::new());
        self.open_guards.push(Vec::new());
        let result = f(self);
        self.open_guards.pop();
        self.bindings.pop();
        result
    }

    /// Runs `f` in a new body (closure or async block): its own loops, its own exits.
    fn in_body<R>(&mut self, scope: Scope, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = std::mem::replace(&mut self.scope, scope);
        // A closure or async block holds none of the guards of the code around it.
        let saved_guards = std::mem::replace(&mut self.open_guards, vec![Vec::new()]);
        let result = self.in_block(f);
        self.open_guards = saved_guards;
        self.scope = saved;
        result
    }

    /// The guard a `let` initializer evaluates to: `m.lock().unwrap()`, `c.borrow_mut()`.
    fn guard_of_init(&self, init: &Expr) -> Option<(String, Span)> {
        let guards = &self.knowledge.guards;
        let mut expr = init;
        loop {
            match expr {
                Expr::Paren(inner) => expr = &inner.expr,
                Expr::Try(inner) => expr = &inner.expr,
                Expr::MethodCall(call) if guards.unwrappers.iter().any(|u| call.method == u) => {
                    expr = &call.receiver
                }
                Expr::MethodCall(call) => return self.guard_call(call),
                _ => return None,
            }
        }
    }

    /// A method call that takes a guard without awaiting.
    fn guard_call(&self, call: &syn::ExprMethodCall) -> Option<(String, Span)> {
        let guards = &self.knowledge.guards;
        let name = call.method.to_string();
        if !call.args.is_empty() || self.awaited.contains(&address(call)) {
            return None;
        }
        let chain = self.chain_of(&call.receiver);
        let origin = chain.root_path().unwrap_or("");
        if any_matches(&guards.async_lock_origins, origin) {
            return None;
        }
        let is_guard = if guards.methods.contains(&name) {
            true
        } else if guards.refcell_methods.contains(&name) {
            let ty = match peel(&call.receiver) {
                Expr::Path(path) if path.path.segments.len() == 1 => self
                    .lookup(&path.path.segments[0].ident.to_string())
                    .and_then(|(_, info)| info.ty.clone()),
                _ => None,
            };
            any_matches(&guards.refcell_origins, origin)
                || ty.is_some_and(|ty| any_matches(&guards.refcell_types, &ty))
        } else {
            false
        };
        let span = span_of(call.method.span());
        is_guard.then(|| {
            (
                name,
                Span::new(
                    span.line,
                    span.column,
                    span_of(call.span()).end_line,
                    span_of(call.span()).end_column,
                ),
            )
        })
    }

    /// Guards taken by temporaries of a scrutinee: they live through the whole `match`,
    /// `if let` or `while let` body.
    fn scrutinee_guards(&self, expr: &Expr) -> Vec<(String, Span)> {
        struct Finder<'a, 'k> {
            builder: &'a Builder<'k>,
            found: Vec<(String, Span)>,
        }
        impl<'ast> Visit<'ast> for Finder<'_, '_> {
            fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
                if let Some(guard) = self.builder.guard_call(call) {
                    self.found.push(guard);
                }
                visit::visit_expr_method_call(self, call);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
            fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
            fn visit_expr_block(&mut self, _: &'ast syn::ExprBlock) {}
        }
        let mut finder = Finder {
            builder: self,
            found: Vec::new(),
        };
        finder.visit_expr(expr);
        finder.found
    }

    /// Starts holding a guard until the current block ends (or `drop(name)`).
    fn hold_guard(&mut self, name: Option<String>, (method, span): (String, Span)) {
        if !self.scope.is_async || self.scope.offload.is_some() {
            return;
        }
        let index = self.model.guards.len();
        self.model.guards.push(Guard {
            name,
            method,
            span,
            awaits: Vec::new(),
            is_future: false,
            scope: self.scope.clone(),
        });
        if let Some(frame) = self.open_guards.last_mut() {
            frame.push(index);
        }
    }

    fn hold_scrutinee_guards(&mut self, scrutinee: &Expr) {
        for guard in self.scrutinee_guards(scrutinee) {
            self.hold_guard(None, guard);
        }
    }

    /// `name.await`, `pin!(name)`, `_ = &mut name =>`: the variable holds a future.
    fn mark_future(&mut self, name: &str) {
        for &index in self.open_guards.iter().flatten() {
            let guard = &mut self.model.guards[index];
            if guard.name.as_deref() == Some(name) {
                guard.is_future = true;
            }
        }
        self.release_guard(name);
    }

    fn mark_future_expr(&mut self, expr: &Expr) {
        if let Expr::Path(path) = peel(expr)
            && let Some(name) = path.path.get_ident()
        {
            self.mark_future(&name.to_string());
        }
    }

    /// Marks the variables passed by value: a guard moved into a call is no longer held here.
    fn release_moved(&mut self, args: &Punctuated<Expr, Token![,]>) {
        if self.open_guards.iter().all(Vec::is_empty) {
            return;
        }
        for arg in args {
            if let Expr::Path(path) = arg
                && let Some(name) = path.path.get_ident()
            {
                self.release_guard(&name.to_string());
            }
        }
    }

    /// `drop(name)`: the guard bound to `name` is released.
    fn release_guard(&mut self, name: &str) {
        for frame in &mut self.open_guards {
            frame.retain(|&index| self.model.guards[index].name.as_deref() != Some(name));
        }
    }

    fn body_scope(&self, is_async: bool) -> Scope {
        Scope {
            is_async,
            loops: Vec::new(),
            body_of_spawn: None,
            nested: true,
            detached: false,
            ..self.scope.clone()
        }
    }

    fn visit_fn(&mut self, attrs: &[syn::Attribute], sig: &syn::Signature, block: &syn::Block) {
        let lines = item_lines(attrs, sig.fn_token.span, block.brace_token.span.close());
        let attr_paths: Vec<String> = attrs.iter().map(|a| path_text(a.path())).collect();
        let name = sig.ident.to_string();
        let is_test = attrs.iter().any(is_test_attr);
        let (self_type, trait_name) = self.impl_context.clone().unwrap_or((None, None));
        let saved_bindings = std::mem::replace(&mut self.bindings, vec![HashMap::new()]);
        let saved_guards = std::mem::replace(&mut self.open_guards, vec![Vec::new()]);
        let mut params = Vec::new();
        let mut token_param = None;
        let mut param_types = Vec::new();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(typed) = input
                && let syn::Pat::Ident(ident) = &*typed.pat
                && token_param.is_none()
            {
                let names: Vec<String> = quote::ToTokens::to_token_stream(&typed.ty)
                    .into_iter()
                    .flat_map(flatten_tokens)
                    .collect();
                if names.first().is_none_or(|first| first != "Option")
                    && names.iter().any(|name| self.is_token_type(name))
                {
                    token_param = Some(ident.ident.to_string());
                }
            }
            if let syn::FnArg::Typed(typed) = input {
                let ty = self.resolve_type(&typed.ty);
                let info = BindingInfo {
                    ty: ty.clone(),
                    request: self.request_kind_of_type(&typed.ty),
                    ..BindingInfo::default()
                };
                self.bind_pattern(&typed.pat, &info);
                if let Some(ty) = &ty {
                    param_types.push(ty.clone());
                }
                if let syn::Pat::Ident(ident) = &*typed.pat {
                    params.push(Param {
                        name: ident.ident.to_string(),
                        ty,
                    });
                }
            }
        }
        let index = self.model.fns.len();
        self.model.fns.push(FnInfo {
            name: name.clone(),
            span: span_of(sig.ident.span()),
            lines,
            is_async: sig.asyncness.is_some(),
            is_main: name == "main" && self_type.is_none(),
            is_test,
            returns_never: matches!(&sig.output, syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::Never(_))),
            params,
            self_type,
            trait_name,
            attrs: attr_paths,
            has_self: sig.receiver().is_some(),
            param_types,
            token_param,
        });
        let scope = Scope {
            function: Some(index),
            is_async: sig.asyncness.is_some(),
            in_test: self.scope.in_test || is_test,
            ..Scope::default()
        };
        let saved_scope = std::mem::replace(&mut self.scope, scope);
        let saved_loops = std::mem::take(&mut self.open_loops);
        let saved_spawns = std::mem::take(&mut self.open_spawns);
        self.visit_block(block);
        self.open_loops = saved_loops;
        self.open_spawns = saved_spawns;
        self.scope = saved_scope;
        self.bindings = saved_bindings;
        self.open_guards = saved_guards;
    }

    fn item_range(&mut self, lines: (usize, usize)) {
        self.model.item_ranges.push(lines);
    }

    /// Visits the arguments of a call, in the scope each one needs.
    fn visit_args(
        &mut self,
        path: Option<&str>,
        args: &Punctuated<Expr, Token![,]>,
        awaited: bool,
    ) {
        let tasks = &self.knowledge.tasks;
        let offload = path
            .filter(|path| any_matches(&tasks.offloads, path))
            .map(str::to_string);
        let timeouts = &self.knowledge.timeouts;
        let is_wrapper = path.is_some_and(|path| {
            any_matches(&timeouts.wrappers, path)
                || (!path.contains("::")
                    && timeouts
                        .wrapper_name_fragments
                        .iter()
                        .any(|f| path.contains(f.as_str())))
        });
        if is_wrapper
            && awaited
            && let Some(future) = args.last()
        {
            // `timeout(d, fut).await` polls `fut` to completion or the deadline.
            self.mark_awaited(future);
        }
        for arg in args {
            match (&offload, arg) {
                (Some(offload), Expr::Closure(closure)) if closure.asyncness.is_none() => {
                    let scope = Scope {
                        is_async: false,
                        offload: Some(offload.clone()),
                        ..self.body_scope(false)
                    };
                    self.visit_closure_in(closure, scope);
                }
                (None, Expr::Closure(closure))
                    if (path.is_some() || awaited) && closure.asyncness.is_none() =>
                {
                    // A closure handed to a function, or to a method whose future is awaited
                    // (`pool.run(|| ..).await`), may run anywhere, later, on another thread
                    // (`asyncify(|| ..)`): do not judge it as async code.
                    let scope = self.body_scope(false);
                    self.visit_closure_in(closure, scope);
                }
                _ if is_wrapper => {
                    let saved = self.scope.in_timeout;
                    self.scope.in_timeout = true;
                    self.visit_expr(arg);
                    self.scope.in_timeout = saved;
                }
                _ => self.visit_expr(arg),
            }
        }
    }

    fn visit_closure_in(&mut self, closure: &syn::ExprClosure, scope: Scope) {
        self.in_body(scope, |this| {
            for input in &closure.inputs {
                let info = this.plain_binding();
                this.bind_pattern(input, &info);
            }
            this.visit_expr(&closure.body);
        });
    }

    fn spawn_kind(
        &self,
        call_path: Option<&str>,
        receiver: Option<&Expr>,
    ) -> Option<(String, SpawnKind)> {
        let tasks = &self.knowledge.tasks;
        if let Some(path) = call_path {
            if any_matches(&tasks.spawns, path) {
                return Some((path.to_string(), SpawnKind::Detached));
            }
            return None;
        }
        let receiver = receiver?;
        let chain = self.chain_of(receiver);
        let owner = chain.root_path().unwrap_or("");
        let kind = if any_matches(&tasks.tracked_spawn_owners, owner) {
            SpawnKind::Tracked
        } else if owner.ends_with("Handle::current") || owner.ends_with("runtime::Handle::current")
        {
            SpawnKind::Detached
        } else {
            SpawnKind::Unknown
        };
        Some(("spawn".to_string(), kind))
    }

    /// Visits the future or closure given to a spawn, tracking what it captures.
    fn visit_spawned(&mut self, index: usize, future: &Expr) {
        self.open_spawns.push(OpenSpawn {
            index,
            binding_depth: self.bindings.len(),
        });
        let mut scope = self.body_scope(true);
        scope.spawns.push(index);
        match peel(future) {
            Expr::Async(block) => {
                scope.body_of_spawn = Some(index);
                self.model.spawns[index].body_visible = true;
                self.in_body(scope, |this| this.visit_block(&block.block));
            }
            Expr::Closure(closure) => {
                scope.body_of_spawn = Some(index);
                scope.is_async =
                    closure.asyncness.is_some() || matches!(&*closure.body, Expr::Async(_));
                self.model.spawns[index].body_visible = true;
                let body = match &*closure.body {
                    Expr::Async(block) => Some(&block.block),
                    _ => None,
                };
                self.in_body(scope, |this| {
                    for input in &closure.inputs {
                        let info = this.plain_binding();
                        this.bind_pattern(input, &info);
                    }
                    match body {
                        Some(block) => this.visit_block(block),
                        None => this.visit_expr(&closure.body),
                    }
                });
            }
            _ => {
                // `spawn(worker(..))`, `spawn({ .. })`: the expression itself runs here.
                scope.is_async = self.scope.is_async;
                let spawn = &self.model.spawns[index];
                scope.cancellable |= spawn.handle != HandleUse::Discarded;
                scope.detached =
                    spawn.handle == HandleUse::Discarded && spawn.kind == SpawnKind::Detached;
                let saved = std::mem::replace(&mut self.scope, scope);
                self.visit_expr(future);
                self.scope = saved;
            }
        }
        self.open_spawns.pop();
        let captured: Vec<String> = self.model.spawns[index].captures.iter().cloned().collect();
        let mut request = Vec::new();
        for name in captured {
            if let Some((_, info)) = self.lookup(&name)
                && let Some(kind) = info.request
            {
                request.push((name, kind, info.ty.clone().unwrap_or_default()));
            }
        }
        self.model.spawns[index].captured_request = request;
    }

    fn handle_use(&self, call: usize) -> HandleUse {
        if self.discarded == Some(call) {
            return HandleUse::Discarded;
        }
        match &self.bound_to {
            Some((address, name)) if *address == call => {
                if name == "_" {
                    HandleUse::Discarded
                } else {
                    HandleUse::Bound(name.clone())
                }
            }
            _ => HandleUse::Used,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record_call(
        &mut self,
        callee: Callee,
        chain: Chain,
        (span, expr_span): (Span, Span),
        awaited: bool,
        arg_count: usize,
        receiver: Option<&Expr>,
        result: HandleUse,
    ) {
        // A local function called here, by name; methods on other receivers are matched by
        // name too, which can only make the deadline and cancellation facts wider (quieter).
        let local_name = match &callee {
            Callee::Path(path) if !path.contains("::") => Some(path.clone()),
            Callee::Method(name) => Some(name.clone()),
            Callee::Path(_) => None,
        };
        if let Some(name) = local_name {
            if self.scope.in_timeout {
                self.model.timeout_wrapped_fns.insert(name.clone());
            }
            if self.scope.cancellable {
                self.model.cancellable_fns.insert(name.clone());
            }
            if self.scope.detached {
                self.model.detached_fns.insert(name.clone());
            }
            let direct = matches!(callee, Callee::Path(_)) || receiver.is_some_and(is_self);
            if let Some(caller) = self.scope.function
                && direct
            {
                self.local_calls.push((caller, name));
            }
        }
        let receiver_binding = receiver.and_then(|receiver| match peel(receiver) {
            Expr::Path(path) if path.path.segments.len() == 1 => self
                .lookup(&path.path.segments[0].ident.to_string())
                .map(|(_, info)| info.clone()),
            _ => None,
        });
        self.model.calls.push(Call {
            callee,
            chain,
            span,
            expr_span,
            awaited,
            arg_count,
            receiver_is_self: matches!(receiver.map(peel), Some(Expr::Path(p)) if p.path.is_ident("self")),
            receiver_root: receiver.and_then(raw_root),
            receiver_place: receiver.and_then(place_of),
            result,
            exit_follows: self.exit_follows,
            receiver_binding,
            open_loop: self.open_loops.last().copied(),
            scope: self.scope.clone(),
        });
    }

    /// A macro whose body is code: `select!`, `join!`, or any macro whose arguments parse as
    /// expressions. Other macros are scanned token by token.
    fn visit_macro_body(&mut self, mac: &syn::Macro) {
        let name = last_segment(&mac.path);
        let span = span_of(mac.path.span());
        match name.as_str() {
            "select" | "select_biased" => {
                if let Ok(branches) = parse_select.parse2(mac.tokens.clone()) {
                    self.visit_select(span, branches, name == "select_biased");
                    return;
                }
            }
            "join" | "try_join" => {
                if let Ok(futures) = parse_join.parse2(mac.tokens.clone()) {
                    self.mark_await(span);
                    for future in &futures {
                        self.mark_awaited(future);
                        self.mark_future_expr(future);
                        self.visit_expr(future);
                    }
                    return;
                }
            }
            _ => {}
        }
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        match parser.parse2(mac.tokens.clone()) {
            Ok(args) => {
                for arg in &args {
                    self.visit_expr(arg);
                }
                if name == "pin_mut" || name == "pin" {
                    for arg in &args {
                        self.mark_future_expr(arg);
                    }
                }
            }
            Err(_) => self.scan_tokens(mac.tokens.clone()),
        }
    }

    fn mark_awaited(&mut self, expr: &Expr) {
        match peel_parens(expr) {
            Expr::Call(call) => {
                self.awaited.insert(address(call));
            }
            Expr::MethodCall(call) => {
                self.awaited.insert(address(call));
            }
            _ => {}
        }
    }

    /// Unparsed macro tokens: identifiers are uses and may observe cancellation; `break`,
    /// `return` and `?` are taken as exits and `.await` as an await point.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let mut previous_dot = false;
        for token in tokens {
            match token {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    match name.as_str() {
                        "await" if previous_dot => self.mark_await(span_of(ident.span())),
                        "break" | "return" => self.mark_exit_all(),
                        _ => {
                            self.observe_name(&name);
                            self.use_variable(&name);
                        }
                    }
                    previous_dot = false;
                }
                TokenTree::Punct(punct) => {
                    if punct.as_char() == '?' {
                        self.mark_exit_all();
                    }
                    previous_dot = punct.as_char() == '.';
                }
                TokenTree::Group(group) => {
                    self.scan_tokens(group.stream());
                    previous_dot = false;
                }
                TokenTree::Literal(_) => previous_dot = false,
            }
        }
    }

    fn visit_select(&mut self, span: Span, parsed: ParsedSelect, biased_macro: bool) {
        let deadline = &self.knowledge.timeouts.deadline_branches;
        let has_deadline_branch = parsed.branches.iter().any(|branch| {
            branch.future.as_ref().is_some_and(|future| {
                let chain = self.chain_of(future);
                let last = chain.methods.last().cloned().or_else(|| {
                    chain
                        .root_path()
                        .map(|p| p.rsplit("::").next().unwrap_or(p).to_string())
                });
                last.is_some_and(|last| deadline.contains(&last))
            })
        });
        let index = self.model.selects.len();
        let branches = parsed
            .branches
            .iter()
            .map(|branch| match &branch.future {
                Some(future) => SelectBranch {
                    pattern: branch.pattern.clone(),
                    is_else: false,
                    has_guard: branch.guard.is_some(),
                    future_span: span_of(future.span()),
                    future_chain: self.chain_of(future),
                    future_is_reference: is_reference_future(future),
                    future_names: quote::ToTokens::to_token_stream(future)
                        .into_iter()
                        .flat_map(flatten_tokens)
                        .collect(),
                    future_variable: match future {
                        Expr::Path(path) if path.qself.is_none() => {
                            path.path.get_ident().map(|ident| ident.to_string())
                        }
                        _ => None,
                    },
                    handler_exits: contains_exit(&branch.handler),
                    calls: 0..0,
                },
                None => SelectBranch {
                    pattern: String::new(),
                    is_else: true,
                    has_guard: false,
                    future_span: span_of(branch.handler.span()),
                    future_chain: Chain::default(),
                    future_is_reference: false,
                    future_variable: None,
                    future_names: BTreeSet::new(),
                    handler_exits: contains_exit(&branch.handler),
                    calls: 0..0,
                },
            })
            .collect();
        self.model.selects.push(Select {
            span,
            biased: parsed.biased || biased_macro,
            branches,
            has_deadline_branch,
            scope: self.scope.clone(),
        });
        self.mark_await(span);
        for (position, branch) in parsed.branches.iter().enumerate() {
            let saved = self.scope.clone();
            let reference = |part| {
                Some(BranchRef {
                    select: index,
                    branch: position,
                    part,
                })
            };
            if let Some(future) = &branch.future {
                self.scope.select_branch = reference(BranchPart::Future);
                self.scope.in_timeout |= has_deadline_branch;
                self.scope.cancellable |= parsed.branches.len() > 1;
                self.mark_awaited(future);
                self.mark_future_expr(future);
                let first = self.model.calls.len();
                self.visit_expr(future);
                self.model.selects[index].branches[position].calls = first..self.model.calls.len();
                self.scope.in_timeout = saved.in_timeout;
                self.scope.cancellable = saved.cancellable;
            }
            if let Some(guard) = &branch.guard {
                self.scope.select_branch = reference(BranchPart::Guard);
                self.visit_expr(guard);
            }
            self.scope.select_branch = reference(BranchPart::Handler);
            self.in_block(|this| {
                if let Some(pattern) = &branch.pat {
                    let info = this.plain_binding();
                    this.bind_pattern(pattern, &info);
                    this.visit_pat(pattern);
                }
                this.visit_expr(&branch.handler);
            });
            self.scope = saved;
        }
    }
}

/// `self`, or `self.clone()`.
fn is_self(expr: &Expr) -> bool {
    match peel(expr) {
        Expr::Path(path) => path.path.is_ident("self"),
        Expr::MethodCall(call) => call.method == "clone" && is_self(&call.receiver),
        _ => false,
    }
}

/// The local functions reachable from `roots` through same-file calls: a helper called only
/// by a function that runs under a deadline runs under that deadline too.
fn reachable(
    model: &Model,
    calls: &[(usize, String)],
    roots: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut reached = roots.clone();
    let mut changed = true;
    while changed {
        changed = false;
        for (caller, callee) in calls {
            if reached.contains(&model.fns[*caller].name) && !reached.contains(callee) {
                reached.insert(callee.clone());
                changed = true;
            }
        }
    }
    reached
}

fn is_exit_stmt(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Expr(Expr::Break(_) | Expr::Return(_), _))
}

/// The receiver a method chain starts from (a loop: chains can be thousands of calls long).
fn chain_start(mut expr: &Expr) -> &Expr {
    expr = peel(expr);
    for _ in 0..MAX_CHAIN {
        match expr {
            Expr::MethodCall(call) => expr = peel(&call.receiver),
            _ => return expr,
        }
    }
    expr
}

/// The variable a method chain starts from, as written: `token` in `token.clone().drop_guard()`.
fn raw_root(expr: &Expr) -> Option<String> {
    match chain_start(expr) {
        Expr::Path(path) if path.qself.is_none() => path
            .path
            .get_ident()
            .map(|ident| ident.to_string())
            .filter(|name| name != "self"),
        _ => None,
    }
}

/// The place a method chain starts from, with fields: `state.db` in `state.db.clone().incr(..)`.
fn place_of(expr: &Expr) -> Option<String> {
    let mut members = Vec::new();
    let mut expr = chain_start(expr);
    while let Expr::Field(field) = expr {
        if members.len() == 8 {
            return None;
        }
        members.push(match &field.member {
            syn::Member::Named(name) => name.to_string(),
            syn::Member::Unnamed(index) => index.index.to_string(),
        });
        expr = chain_start(&field.base);
    }
    let Expr::Path(path) = expr else {
        return None;
    };
    let mut place = path.path.get_ident()?.to_string();
    for member in members.iter().rev() {
        place.push('.');
        place.push_str(member);
    }
    Some(place)
}

fn is_reference_future(expr: &Expr) -> bool {
    match expr {
        Expr::Reference(reference) => reference.mutability.is_some(),
        Expr::MethodCall(call) => call.method == "as_mut",
        Expr::Paren(paren) => is_reference_future(&paren.expr),
        _ => false,
    }
}

/// Strips `?`, `.await`, `.unwrap()` and `.expect(..)` around a call.
fn peel_unwrap(expr: &Expr) -> &Expr {
    match peel(expr) {
        Expr::MethodCall(call) if call.method == "unwrap" || call.method == "expect" => {
            peel_unwrap(&call.receiver)
        }
        other => other,
    }
}

/// Whether an expression contains a `break` or `return` (outside nested closures and async
/// blocks, which have exits of their own).
pub fn contains_exit(expr: &Expr) -> bool {
    struct Finder(bool);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_break(&mut self, _: &'a syn::ExprBreak) {
            self.0 = true;
        }
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_macro(&mut self, mac: &'a syn::Macro) {
            let text = mac.tokens.to_string();
            if text.contains("break") || text.contains("return") {
                self.0 = true;
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_expr(expr);
    finder.0
}

struct ParsedBranch {
    pat: Option<syn::Pat>,
    pattern: String,
    /// `None` for the `else` branch.
    future: Option<Expr>,
    guard: Option<Expr>,
    handler: Expr,
}

struct ParsedSelect {
    biased: bool,
    branches: Vec<ParsedBranch>,
}

/// `[biased;] pattern = future [, if guard] => handler [,] ... [else => handler]`
fn parse_select(input: ParseStream) -> syn::Result<ParsedSelect> {
    let mut biased = false;
    if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "biased" {
        input.parse::<syn::Ident>()?;
        input.parse::<Token![;]>()?;
        biased = true;
    }
    let mut branches = Vec::new();
    while !input.is_empty() {
        if input.peek(Token![else])
            || input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "default"
        {
            if input.peek(Token![else]) {
                input.parse::<Token![else]>()?;
            } else {
                input.parse::<syn::Ident>()?;
            }
            input.parse::<Token![=>]>()?;
            let handler = parse_handler(input)?;
            branches.push(ParsedBranch {
                pat: None,
                pattern: String::new(),
                future: None,
                guard: None,
                handler,
            });
            continue;
        }
        let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
        input.parse::<Token![=]>()?;
        let future = input.call(Expr::parse_without_eager_brace)?;
        let mut guard = None;
        if input.peek(Token![,]) && input.peek2(Token![if]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![if]>()?;
            guard = Some(input.parse::<Expr>()?);
        } else if input.peek(Token![if]) {
            input.parse::<Token![if]>()?;
            guard = Some(input.parse::<Expr>()?);
        }
        input.parse::<Token![=>]>()?;
        let handler = parse_handler(input)?;
        branches.push(ParsedBranch {
            pattern: quote::ToTokens::to_token_stream(&pat).to_string(),
            pat: Some(pat),
            future: Some(future),
            guard,
            handler,
        });
    }
    Ok(ParsedSelect { biased, branches })
}

fn parse_handler(input: ParseStream) -> syn::Result<Expr> {
    let handler: Expr = input.parse()?;
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() && !matches!(handler, Expr::Block(_)) {
        return Err(input.error("expected `,` after a select! branch"));
    }
    Ok(handler)
}

/// `[biased;] future, future, ...`
fn parse_join(input: ParseStream) -> syn::Result<Vec<Expr>> {
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        input.parse::<syn::Ident>()?;
        input.parse::<Token![;]>()?;
    }
    let futures = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
    Ok(futures.into_iter().collect())
}

impl<'ast> Visit<'ast> for Builder<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let lines = match item {
            syn::Item::Use(_) | syn::Item::ExternCrate(_) => None,
            syn::Item::Fn(f) => Some(item_lines(
                &f.attrs,
                f.sig.fn_token.span,
                f.block.brace_token.span.close(),
            )),
            syn::Item::Impl(i) => Some(item_lines(
                &i.attrs,
                i.impl_token.span,
                i.brace_token.span.close(),
            )),
            syn::Item::Trait(t) => Some(item_lines(
                &t.attrs,
                t.trait_token.span,
                t.brace_token.span.close(),
            )),
            syn::Item::Mod(m) => {
                let end = match &m.content {
                    Some((brace, _)) => brace.span.close(),
                    None => m.ident.span(),
                };
                Some(item_lines(&m.attrs, m.mod_token.span, end))
            }
            other => {
                let span = span_of(other.span());
                Some((span.line, span.end_line))
            }
        };
        if let Some(lines) = lines {
            self.item_range(lines);
        }
        visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let saved = self.scope.in_test;
        let test_features = &self.knowledge.test_support.features;
        self.scope.in_test |= item
            .attrs
            .iter()
            .any(|attr| is_cfg_test(attr, test_features))
            || item.ident == "tests";
        visit::visit_item_mod(self, item);
        self.scope.in_test = saved;
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let saved = self.impl_context.take();
        self.visit_fn(&item.attrs, &item.sig, &item.block);
        self.impl_context = saved;
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        for field in &item.fields {
            let Some(name) = &field.ident else { continue };
            let names: Vec<String> = quote::ToTokens::to_token_stream(&field.ty)
                .into_iter()
                .flat_map(flatten_tokens)
                .collect();
            if names.first().is_none_or(|first| first != "Option")
                && names.iter().any(|name| self.is_token_type(name))
            {
                self.model
                    .token_fields
                    .entry(item.ident.to_string())
                    .or_insert_with(|| name.to_string());
            }
        }
        visit::visit_item_struct(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let self_type = match &*item.self_ty {
            syn::Type::Path(path) => Some(last_segment(&path.path)),
            _ => None,
        };
        let trait_name = item.trait_.as_ref().map(|(_, path, _)| self.resolve(path));
        let saved = self.impl_context.replace((self_type, trait_name));
        visit::visit_item_impl(self, item);
        self.impl_context = saved;
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.item_range(item_lines(
            &item.attrs,
            item.sig.fn_token.span,
            item.block.brace_token.span.close(),
        ));
        self.visit_fn(&item.attrs, &item.sig, &item.block);
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let Some(block) = &item.default {
            self.item_range(item_lines(
                &item.attrs,
                item.sig.fn_token.span,
                block.brace_token.span.close(),
            ));
            let saved = self.impl_context.take();
            self.visit_fn(&item.attrs, &item.sig, block);
            self.impl_context = saved;
        }
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.in_block(|this| {
            let saved = this.exit_follows;
            for (index, stmt) in block.stmts.iter().enumerate() {
                this.exit_follows = block.stmts.get(index + 1).is_some_and(is_exit_stmt);
                this.visit_stmt(stmt);
            }
            this.exit_follows = saved;
        });
    }

    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        match stmt {
            syn::Stmt::Expr(expr, Some(_)) => {
                if let Expr::Call(call) = expr {
                    self.discarded = Some(address(call));
                } else if let Expr::MethodCall(call) = expr {
                    self.discarded = Some(address(call));
                }
                self.visit_expr(expr);
            }
            syn::Stmt::Local(local) => {
                let first_call = self.model.calls.len();
                if let Some(init) = &local.init {
                    let name = match &local.pat {
                        syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
                        syn::Pat::Wild(_) => Some("_".to_string()),
                        syn::Pat::Type(typed) => match &*typed.pat {
                            syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
                            syn::Pat::Wild(_) => Some("_".to_string()),
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(name) = name {
                        match &*init.expr {
                            Expr::Call(call) => self.bound_to = Some((address(call), name)),
                            Expr::MethodCall(call) => self.bound_to = Some((address(call), name)),
                            _ => {}
                        }
                    }
                    self.visit_expr(&init.expr);
                    if let Some((_, diverge)) = &init.diverge {
                        self.visit_expr(diverge);
                    }
                }
                let mut info = self.plain_binding();
                if let Some(init) = &local.init {
                    let chain = self.chain_of(&init.expr);
                    if chain.root != Root::Other {
                        info.origin = Some(chain.clone());
                    }
                    info.request = self.request_derived(&init.expr, &chain);
                }
                self.bind_pattern(&local.pat, &info);
                self.visit_pat(&local.pat);
                let name = match &local.pat {
                    syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
                    syn::Pat::Type(typed) => match &*typed.pat {
                        syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
                        _ => None,
                    },
                    _ => None,
                };
                if let (Some(name), Some(init)) = (name, &local.init) {
                    if let Some(guard) = self.guard_of_init(&init.expr) {
                        self.hold_guard(Some(name.clone()), guard);
                    }
                    if let Some((_, info)) = self.lookup(&name) {
                        let binding = info.id;
                        let inner = peel_unwrap(&init.expr);
                        // The call whose closing parenthesis ends the initializer.
                        let close = match inner {
                            Expr::Call(call) => Some(span_of(call.paren_token.span.close())),
                            Expr::MethodCall(call) => Some(span_of(call.paren_token.span.close())),
                            _ => None,
                        };
                        let init_call = close.and_then(|close| {
                            (first_call..self.model.calls.len()).find(|&index| {
                                let span = self.model.calls[index].expr_span;
                                (span.end_line, span.end_column)
                                    == (close.end_line, close.end_column)
                            })
                        });
                        self.model.lets.push(LetInfo {
                            name,
                            binding,
                            init_call,
                            init_names: quote::ToTokens::to_token_stream(&init.expr)
                                .into_iter()
                                .flat_map(flatten_tokens)
                                .collect(),
                            span: span_of(local.span()),
                            scope: self.scope.clone(),
                        });
                    }
                }
            }
            _ => visit::visit_stmt(self, stmt),
        }
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        let awaited = self.awaited.contains(&address(call));
        let path = match peel(&call.func) {
            Expr::Path(path) if path.qself.is_none() => Some(self.resolve(&path.path)),
            _ => None,
        };
        let handle = self.handle_use(address(call));
        self.discarded = None;
        self.bound_to = None;
        if let Some(path) = &path {
            self.record_call(
                Callee::Path(path.clone()),
                Chain {
                    root: Root::Path(path.clone()),
                    methods: Vec::new(),
                },
                (
                    span_between(first_token(&call.func), last_token(&call.func)),
                    span_between(first_token(&call.func), call.paren_token.span.close()),
                ),
                awaited,
                call.args.len(),
                None,
                handle.clone(),
            );
            if let Some((callee, kind)) = self.spawn_kind(Some(path), None)
                && let Some(future) = call.args.first()
            {
                let index = self.model.spawns.len();
                self.model.spawns.push(Spawn {
                    callee,
                    kind,
                    span: span_between(first_token(&call.func), last_token(&call.func)),
                    handle,
                    captures: BTreeSet::new(),
                    captured_request: Vec::new(),
                    body_visible: false,
                    scope: self.scope.clone(),
                });
                if any_matches(&self.knowledge.tasks.offloads, path) {
                    // `spawn_blocking(|| ..)`: a closure on another thread.
                    self.visit_args(Some(path), &call.args, awaited);
                    self.model.spawns[index].body_visible = matches!(future, Expr::Closure(_));
                } else {
                    self.visit_spawned(index, future);
                    for arg in call.args.iter().skip(1) {
                        self.visit_expr(arg);
                    }
                }
                return;
            }
        } else {
            self.visit_expr(&call.func);
        }
        let saved = self.scope.cancellable;
        if let Some(path) = &path {
            self.scope.cancellable |=
                self.is_cancel_wrapper(path.rsplit("::").next().unwrap_or(path));
        }
        self.visit_args(path.as_deref(), &call.args, awaited);
        self.scope.cancellable = saved;
        // `drop(guard)`, or any call taking the guard by value, ends it here.
        self.release_moved(&call.args);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let awaited = self.awaited.contains(&address(call));
        let name = call.method.to_string();
        let handle = self.handle_use(address(call));
        self.discarded = None;
        self.bound_to = None;
        self.model.method_names.insert(name.clone());
        self.observe_name(&name);
        let chain = self.chain_of(&call.receiver);
        let name_span = span_of(call.method.span());
        // From the method name: the receiver can be a chain thousands of calls long.
        let end = span_between(call.method.span(), call.paren_token.span.close());
        self.record_call(
            Callee::Method(name.clone()),
            chain,
            (end, end),
            awaited,
            call.args.len(),
            Some(&call.receiver),
            handle.clone(),
        );
        let is_wrapper_method = self.knowledge.timeouts.wrapper_methods.contains(&name);
        let saved = self.scope.in_timeout;
        self.scope.in_timeout |= is_wrapper_method;
        if is_wrapper_method && awaited {
            self.mark_awaited(&call.receiver);
        }
        self.visit_expr(&call.receiver);
        self.scope.in_timeout = saved;
        let spawn = if name == "spawn" || name == "spawn_local" {
            self.spawn_kind(None, Some(&call.receiver))
        } else {
            None
        };
        // `handle.spawn_blocking(|| ..)`: a closure on another thread, like a thread's spawn.
        let offloads_closure =
            spawn.is_some() || self.knowledge.tasks.offload_methods.contains(&name);
        match (spawn, call.args.first()) {
            (Some((callee, kind)), Some(future)) if !matches!(future, Expr::Closure(c) if c.asyncness.is_none() && !matches!(&*c.body, Expr::Async(_))) =>
            {
                let index = self.model.spawns.len();
                self.model.spawns.push(Spawn {
                    callee,
                    kind,
                    span: name_span,
                    handle,
                    captures: BTreeSet::new(),
                    captured_request: Vec::new(),
                    body_visible: false,
                    scope: self.scope.clone(),
                });
                self.visit_spawned(index, future);
                for arg in call.args.iter().skip(1) {
                    self.visit_expr(arg);
                }
            }
            (_, Some(Expr::Closure(closure)))
                if offloads_closure && closure.asyncness.is_none() =>
            {
                // A thread builder's or scope's `spawn(|| ..)`: a closure on another thread.
                let scope = Scope {
                    offload: Some(name.clone()),
                    ..self.body_scope(false)
                };
                self.visit_closure_in(closure, scope);
                for arg in call.args.iter().skip(1) {
                    self.visit_expr(arg);
                }
            }
            _ => {
                let saved = self.scope.cancellable;
                self.scope.cancellable |= self.is_cancel_wrapper(&name);
                self.visit_args(None, &call.args, awaited);
                self.scope.cancellable = saved;
                self.release_moved(&call.args);
            }
        }
    }

    fn visit_expr_await(&mut self, expr: &'ast syn::ExprAwait) {
        if let Expr::Path(path) = peel(&expr.base)
            && let Some(name) = path.path.get_ident()
        {
            self.mark_future(&name.to_string());
        }
        self.mark_awaited(&expr.base);
        self.visit_expr(&expr.base);
        self.mark_await(span_of(expr.await_token.span()));
    }

    fn visit_expr_try(&mut self, expr: &'ast syn::ExprTry) {
        self.visit_expr(&expr.expr);
        self.mark_exit_all();
    }

    fn visit_expr_return(&mut self, expr: &'ast syn::ExprReturn) {
        visit::visit_expr_return(self, expr);
        self.mark_exit_all();
    }

    fn visit_expr_break(&mut self, expr: &'ast syn::ExprBreak) {
        visit::visit_expr_break(self, expr);
        self.mark_break(expr.label.as_ref());
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        let is_async = closure.asyncness.is_some() || self.scope.is_async;
        let scope = self.body_scope(is_async);
        self.visit_closure_in(closure, scope);
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        let scope = self.body_scope(true);
        self.in_body(scope, |this| this.visit_block(&block.block));
    }

    fn visit_item_const(&mut self, _: &'ast syn::ItemConst) {}

    fn visit_item_static(&mut self, _: &'ast syn::ItemStatic) {}

    fn visit_expr_loop(&mut self, expr: &'ast syn::ExprLoop) {
        let span = self.span_of_loop_head(&expr.label, expr.loop_token.span());
        self.with_loop(LoopKind::Loop, span, &expr.label, true, |this| {
            this.visit_block(&expr.body)
        });
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        let span = self.span_of_loop_head(&expr.label, expr.while_token.span());
        let (kind, infinite) = match &*expr.cond {
            Expr::Let(_) => (LoopKind::WhileLet, false),
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Bool(value),
                ..
            }) => (LoopKind::While, value.value),
            _ => (LoopKind::While, false),
        };
        self.with_loop(kind, span, &expr.label, infinite, |this| {
            this.in_block(|this| {
                if let Expr::Let(binding) = &*expr.cond {
                    this.visit_expr(&binding.expr);
                    this.hold_scrutinee_guards(&binding.expr);
                    let info = this.plain_binding();
                    this.bind_pattern(&binding.pat, &info);
                } else {
                    this.visit_expr(&expr.cond);
                }
                this.visit_block(&expr.body);
            })
        });
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        let span = self.span_of_loop_head(&expr.label, expr.for_token.span());
        self.with_loop(LoopKind::For, span, &expr.label, false, |this| {
            this.in_block(|this| {
                let info = this.plain_binding();
                this.bind_pattern(&expr.pat, &info);
                this.visit_block(&expr.body);
            })
        });
    }

    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        self.in_block(|this| {
            if let Expr::Let(binding) = &*expr.cond {
                this.visit_expr(&binding.expr);
                this.hold_scrutinee_guards(&binding.expr);
                let info = this.plain_binding();
                this.bind_pattern(&binding.pat, &info);
            } else {
                this.visit_expr(&expr.cond);
            }
            this.visit_block(&expr.then_branch);
        });
        if let Some((_, otherwise)) = &expr.else_branch {
            self.visit_expr(otherwise);
        }
    }

    fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
        self.in_block(|this| {
            this.visit_expr(&expr.expr);
            this.hold_scrutinee_guards(&expr.expr);
            for arm in &expr.arms {
                this.visit_arm(arm);
            }
        });
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.in_block(|this| {
            let info = this.plain_binding();
            this.bind_pattern(&arm.pat, &info);
            visit::visit_arm(this, arm);
        });
    }

    fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
        if expr.qself.is_none() && expr.path.segments.len() == 1 {
            let name = expr.path.segments[0].ident.to_string();
            self.observe_name(&name);
            self.use_variable(&name);
        } else if let Some(segment) = expr.path.segments.last() {
            self.observe_name(&segment.ident.to_string());
        }
        visit::visit_expr_path(self, expr);
    }

    fn visit_expr_field(&mut self, expr: &'ast syn::ExprField) {
        if let syn::Member::Named(name) = &expr.member {
            self.observe_name(&name.to_string());
        }
        visit::visit_expr_field(self, expr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_macro_body(mac);
    }
}

impl Builder<'_> {
    fn with_loop(
        &mut self,
        kind: LoopKind,
        span: Span,
        label: &Option<syn::Label>,
        infinite: bool,
        body: impl FnOnce(&mut Self),
    ) {
        let index = self.model.loops.len();
        self.model.loops.push(LoopInfo {
            kind,
            span,
            label: label.as_ref().map(|l| l.name.ident.to_string()),
            infinite,
            has_await: false,
            exits: false,
            observes_cancel: false,
            scope: self.scope.clone(),
        });
        self.scope.loops.push(index);
        self.open_loops.push(index);
        body(self);
        self.open_loops.pop();
        self.scope.loops.pop();
    }

    /// A `let` initializer that takes a cancellation token out of a request keeps the
    /// request's lifetime.
    fn request_derived(&self, init: &Expr, chain: &Chain) -> Option<RequestKind> {
        let name = chain.root_name()?;
        let (_, info) = self.lookup(name)?;
        let kind = info.request?;
        if kind == RequestKind::Object && chain.methods == ["clone"] {
            return Some(RequestKind::Object);
        }
        let mentions_token = quote::ToTokens::to_token_stream(init)
            .into_iter()
            .flat_map(flatten_tokens)
            .any(|ident| self.is_token_type(&ident));
        mentions_token.then_some(RequestKind::Token)
    }
}

fn flatten_tokens(token: TokenTree) -> Vec<String> {
    match token {
        TokenTree::Ident(ident) => vec![ident.to_string()],
        TokenTree::Group(group) => group
            .stream()
            .into_iter()
            .flat_map(flatten_tokens)
            .collect(),
        _ => Vec::new(),
    }
}
