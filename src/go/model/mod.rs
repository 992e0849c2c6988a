//! The shared model of one Go file, built in one pass over the tree-sitter tree: imports,
//! function scopes (declarations and func literals), the contexts in scope in each, calls,
//! goroutine launches, loops, selects, channel operations, assignments, struct types and
//! composite literals. Rules read only this model; none walks the tree again.
//!
//! ERROR subtrees are skipped: nothing inside them is recorded.

mod builder;
mod fields;
mod flow;
mod kinds;
mod package;
mod queries;
mod visitor;

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostic::{Finding, Span};
use crate::source::SourceText;

pub use builder::build;
pub use flow::{Block, Flow, Return};
pub use package::{MethodFact, PackageFacts};

/// How a func literal is used where it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuncUse {
    /// A `func` or method declaration.
    Declaration,
    /// `go func() { .. }()`.
    Go,
    /// Called on the spot (`func() { .. }()`, `defer func() { .. }()`).
    Called,
    /// Passed as an argument (`g.Go(func() error { .. })`, `sort.Slice(.., func(..))`).
    Argument,
    /// Stored in a variable, field or composite literal, or returned: it runs later.
    Stored,
    Other,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    /// Canonical type: `*` for pointers, import path, `.`, name (`*net/http.Request`).
    pub ty: String,
    pub index: usize,
    pub span: Span,
}

/// Where a context-carrying identifier comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtxKind {
    /// A `context.Context` parameter.
    Param,
    /// A parameter of a request-scoped type; the string is its kind from `frameworks.toml`.
    Request(String),
    /// A local made by a context function or taken from a request. `detached`: made by
    /// `context.WithoutCancel` (or a `WithValue` on such a context): it keeps the request's
    /// values but is never cancelled. `never_done`: `context.Background()` or `TODO()` (or a
    /// `WithValue` on one): no cancellation and no deadline, so passing it bounds nothing.
    Derived {
        from_request: bool,
        detached: bool,
        never_done: bool,
    },
    /// `c.Copy()` of a gin context: its `Request` still carries the request context.
    GinCopy,
}

impl CtxKind {
    /// `context.Background()` or `TODO()`, or a value added to one: never cancelled, no
    /// deadline.
    pub fn never_done(&self) -> bool {
        matches!(
            self,
            CtxKind::Derived {
                never_done: true,
                ..
            }
        )
    }
}

#[derive(Debug, Clone)]
pub struct CtxVar {
    pub name: String,
    pub kind: CtxKind,
    /// Byte offset of the declaration.
    pub at: usize,
}

#[derive(Debug, Clone)]
pub struct Func {
    /// `None` for a func literal.
    pub name: Option<String>,
    /// The receiver's type name without `*`, for methods.
    pub receiver: Option<String>,
    pub params: Vec<Param>,
    pub named_results: Vec<String>,
    pub parent: Option<usize>,
    pub start: usize,
    pub end: usize,
    pub body: Option<(usize, usize)>,
    pub usage: FuncUse,
    /// The span of the name (or the `func` keyword of a literal).
    pub span: Span,
    /// Locals and parameters with a visible type.
    pub locals: Vec<(String, String)>,
    pub ctx_vars: Vec<CtxVar>,
    /// The body opens with a return for when a field is already set (lazy initialization).
    pub lazy_init: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// `pkg.Func(..)` where `pkg` is an import; `path` is the import path.
    Pkg {
        path: String,
        name: String,
    },
    /// `x.Method(..)`: `recv` is the operand's text, `root` its leftmost identifier,
    /// `recv_pkg` the package value when the operand is `pkg.Value`.
    Method {
        recv: String,
        root: Option<String>,
        recv_pkg: Option<(String, String)>,
        name: String,
    },
    /// `f(..)`: a local function, a builtin or a conversion.
    Func(String),
    Other,
}

impl Callee {
    pub fn is_pkg(&self, package: &str, names: &[String]) -> bool {
        matches!(self, Callee::Pkg { path, name } if path == package && names.iter().any(|n| n == name))
    }

    pub fn pkg_fn(&self, package: &str, name: &str) -> bool {
        matches!(self, Callee::Pkg { path, name: n } if path == package && n == name)
    }

    pub fn method_name(&self) -> Option<&str> {
        match self {
            Callee::Method { name, .. } => Some(name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    Str,
    Int,
    Bool,
    OtherLit,
    Ident(String),
    Call(Box<Callee>),
    Other,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub func: Option<usize>,
    pub callee: Callee,
    pub start: usize,
    pub end: usize,
    pub span: Span,
    pub args: Vec<Expr>,
    /// Inside the body of a `case <-ctx.Done():` (or another stop channel) of this function.
    pub in_done_case: bool,
    /// In a `defer` statement or a func literal written in one: it runs as the function
    /// returns.
    pub in_defer: bool,
    /// An operand of `==` or `!=`.
    pub in_comparison: bool,
    /// The conditions of the `if` statements whose then-block holds this call.
    pub if_conditions: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoTarget {
    Literal(usize),
    /// `go name(..)`.
    Named(String),
    /// `go x.name(..)`.
    Method(String),
    Other,
}

#[derive(Debug, Clone)]
pub struct GoStmt {
    pub func: Option<usize>,
    pub start: usize,
    pub end: usize,
    pub span: Span,
    pub target: GoTarget,
    pub args: Vec<Expr>,
    pub in_done_case: bool,
}

/// Why a goroutine is started more than once (see `GoModel::restarts`).
pub enum Restart<'a> {
    /// The loop around the `go` statement.
    InLoop(Span),
    /// Its function, named at this span, serves a request.
    PerRequest(Span),
    /// The package calls its function, of this name and named at this span, in a loop or a
    /// handler.
    Repeated(&'a str, Span),
}

impl Restart<'_> {
    /// Adds the reason to a finding, as a label.
    pub fn explain(&self, finding: Finding) -> Finding {
        match self {
            Restart::InLoop(span) => {
                finding.label(*span, "the goroutine is started on each pass of this loop")
            }
            Restart::PerRequest(span) => finding.label(
                *span,
                "this function serves a request, so one goroutine starts per request",
            ),
            Restart::Repeated(name, span) => finding.label(
                *span,
                format!("the package calls `{name}` in a loop, a request handler or a function that runs more than once, so the goroutine starts more than once"),
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// `for { .. }` or `for ;; { .. }`.
    Infinite,
    /// `for cond { .. }` or a three-clause loop.
    Conditional,
    Range,
}

#[derive(Debug, Clone)]
pub struct Loop {
    pub func: Option<usize>,
    pub start: usize,
    pub end: usize,
    pub kind: LoopKind,
    /// The condition of a conditional loop.
    pub condition: Option<(usize, usize)>,
    pub label: Option<String>,
    /// The names a range clause declares (`for k, v := range ..`): new in each iteration.
    pub vars: Vec<String>,
    /// Left by `return`, a `break` that targets it, `goto`, `panic`, `os.Exit`, `log.Fatal`...
    pub exits: bool,
    /// Receives from a stop channel (`<-ctx.Done()`, `<-stopCh`) in its body.
    pub observes_stop: bool,
    /// The `for` keyword.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Send {
    pub func: Option<usize>,
    pub start: usize,
    pub end: usize,
    pub span: Span,
    pub channel: String,
    /// The communication of a `select` case whose select also has a stop, timer or default case.
    pub guarded: bool,
    /// The innermost loop of the same function around it.
    pub enclosing_loop: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Recv {
    pub func: Option<usize>,
    pub start: usize,
    pub channel: String,
    /// A case of a `select`, outside any loop of its function, that also has a timer, stop
    /// or `default` case: the wait may end before the value comes.
    pub raced: bool,
    /// `for v := range ch`: the receiver drains the channel until it is closed.
    pub drains: bool,
}

#[derive(Debug, Clone)]
pub struct Lhs {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub struct Assign {
    pub func: Option<usize>,
    pub start: usize,
    pub end: usize,
    pub lhs: Vec<Lhs>,
    pub rhs: Vec<(usize, usize)>,
    /// The index in `calls` of the right-hand side when it is a single call.
    pub rhs_call: Option<usize>,
    /// `:=` or `var`.
    pub define: bool,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub names: Vec<String>,
    pub ty: String,
    pub embedded: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct StructDecl {
    pub name: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub struct Composite {
    pub func: Option<usize>,
    pub ty: String,
    pub start: usize,
    pub end: usize,
    pub span: Span,
    pub keys: Vec<String>,
}

/// A package-level value used without a call (`http.DefaultClient`).
#[derive(Debug, Clone)]
pub struct PkgRef {
    pub func: Option<usize>,
    pub path: String,
    pub name: String,
    pub start: usize,
    pub end: usize,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Ident {
    pub name: String,
    pub start: usize,
    pub func: Option<usize>,
}

/// What a named constant or variable holds, for context keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// A value of a built-in type (`string`, `int`, an untyped literal).
    Builtin(String),
    Other,
}

pub struct GoModel<'s> {
    pub source: &'s SourceText,
    pub package: String,
    /// Local package name -> import path.
    pub imports: HashMap<String, String>,
    pub dot_imports: Vec<String>,
    pub funcs: Vec<Func>,
    pub calls: Vec<Call>,
    pub gos: Vec<GoStmt>,
    pub loops: Vec<Loop>,
    pub sends: Vec<Send>,
    pub recvs: Vec<Recv>,
    pub assigns: Vec<Assign>,
    pub structs: Vec<StructDecl>,
    /// (receiver type name, method name).
    pub methods: Vec<(String, String)>,
    /// Every type name declared in the file.
    pub type_names: Vec<String>,
    pub composites: Vec<Composite>,
    pub pkg_refs: Vec<PkgRef>,
    pub idents: Vec<Ident>,
    /// Constants and variables of this file (package level and local) by what they hold.
    pub values: HashMap<String, ValueKind>,
    /// The package-level ones only, which other files of the package see.
    pub package_values: HashMap<String, ValueKind>,
    /// What the other files of the package declare (empty until the package is indexed).
    pub package_facts: Arc<PackageFacts>,
    /// `make(chan T, cap)` assigned to a name: (function, name, capacity text).
    pub chan_makes: Vec<(Option<usize>, String, Option<String>)>,
    /// `x.f = make(chan T, cap)` or `T{f: make(chan T, cap)}`: (field name, capacity text).
    pub field_chan_makes: Vec<(String, Option<String>)>,
    /// `return` statements: (function, start, end).
    pub returns: Vec<(Option<usize>, usize, usize)>,
    /// Control-flow graphs of the functions that need one (see `flow.rs`).
    pub flows: Vec<Flow>,
    pub item_ranges: Vec<(usize, usize)>,
    pub problems: Vec<crate::frontend::Problem>,
    /// The file imports a package only tests import (`testing`, a test framework).
    pub test_code: bool,
}

const BUILTIN_TYPES: &[&str] = &[
    "string",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "byte",
    "rune",
    "float32",
    "float64",
    "bool",
    "complex64",
    "complex128",
];

pub fn is_builtin_type(name: &str) -> bool {
    BUILTIN_TYPES.contains(&name)
}

/// A `_test.go` file, or a file under `testdata/` (which the go tool never builds: inputs of
/// tests).
pub fn is_test_path(path: &str) -> bool {
    let path = std::path::Path::new(path);
    path.to_str().is_some_and(|p| p.ends_with("_test.go"))
        || path
            .parent()
            .is_some_and(|dir| dir.components().any(|c| c.as_os_str() == "testdata"))
}
