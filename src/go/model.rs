//! The shared model of one Go file, built in one pass over the tree-sitter tree: imports,
//! function scopes (declarations and func literals), the contexts in scope in each, calls,
//! goroutine launches, loops, selects, channel operations, assignments, struct types and
//! composite literals. Rules read only this model; none walks the tree again.
//!
//! ERROR subtrees are skipped: nothing inside them is recorded.

use std::collections::HashMap;
use std::sync::LazyLock;

use tree_sitter::{Node, Parser};

use crate::diagnostic::Span;
use crate::go::knowledge::GoKnowledge;
use crate::source::SourceText;

/// Field ids of the Go grammar, looked up once: `child_by_field_name` compares the name with
/// every field name of the grammar on each call, a visible part of checking a Go file.
struct Fields {
    alternative: u16,
    arguments: u16,
    body: u16,
    channel: u16,
    communication: u16,
    condition: u16,
    consequence: u16,
    field: u16,
    function: u16,
    initializer: u16,
    label: u16,
    left: u16,
    name: u16,
    operand: u16,
    operator: u16,
    package: u16,
    parameters: u16,
    path: u16,
    receiver: u16,
    result: u16,
    right: u16,
    type_: u16,
    value: u16,
}

static FIELDS: LazyLock<Fields> = LazyLock::new(|| {
    let language: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
    let id = |name: &str| language.field_id_for_name(name).map_or(0, |id| id.get());
    Fields {
        alternative: id("alternative"),
        arguments: id("arguments"),
        body: id("body"),
        channel: id("channel"),
        communication: id("communication"),
        condition: id("condition"),
        consequence: id("consequence"),
        field: id("field"),
        function: id("function"),
        initializer: id("initializer"),
        label: id("label"),
        left: id("left"),
        name: id("name"),
        operand: id("operand"),
        operator: id("operator"),
        package: id("package"),
        parameters: id("parameters"),
        path: id("path"),
        receiver: id("receiver"),
        result: id("result"),
        right: id("right"),
        type_: id("type"),
        value: id("value"),
    }
});

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
    /// A local made by a context function or taken from a request.
    Derived { from_request: bool, detached: bool },
    /// `c.Copy()` of a gin context: its `Request` still carries the request context.
    GinCopy,
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
    pub values: HashMap<String, ValueKind>,
    /// `make(chan T, cap)` assigned to a name: (function, name, capacity text).
    pub chan_makes: Vec<(Option<usize>, String, Option<String>)>,
    /// `return` statements: (function, start, end).
    pub returns: Vec<(Option<usize>, usize, usize)>,
    pub item_ranges: Vec<(usize, usize)>,
    pub problems: Vec<String>,
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

#[derive(Clone, Copy)]
struct SelectInfo {
    guarded: bool,
}

#[derive(Clone)]
enum Breakable {
    Loop(usize),
    Other,
}

/// Per-function walking state.
#[derive(Default, Clone)]
struct FrameState {
    breakables: Vec<Breakable>,
    loops: Vec<usize>,
    done_case_depth: usize,
    if_conditions: Vec<(usize, usize)>,
    pending_label: Option<String>,
    select: Option<SelectInfo>,
}

struct Builder<'s, 'k> {
    model: GoModel<'s>,
    knowledge: &'k GoKnowledge,
    text: &'s str,
    func_stack: Vec<usize>,
    frames: Vec<FrameState>,
    /// Set while walking the call of a `go` statement, to tag the literal it launches.
    pending_use: Option<FuncUse>,
}

/// Parses `source` and builds its model.
pub fn build<'s>(source: &'s SourceText, knowledge: &GoKnowledge) -> Result<GoModel<'s>, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .map_err(|e| format!("cannot load the Go grammar: {e}"))?;
    let tree = parser
        .parse(&source.text, None)
        .ok_or_else(|| "the Go parser gave up on this file".to_string())?;
    let root = tree.root_node();
    let mut builder = Builder {
        model: GoModel {
            source,
            package: String::new(),
            imports: HashMap::new(),
            dot_imports: Vec::new(),
            funcs: Vec::new(),
            calls: Vec::new(),
            gos: Vec::new(),
            loops: Vec::new(),
            sends: Vec::new(),
            recvs: Vec::new(),
            assigns: Vec::new(),
            structs: Vec::new(),
            methods: Vec::new(),
            type_names: Vec::new(),
            composites: Vec::new(),
            pkg_refs: Vec::new(),
            idents: Vec::new(),
            values: HashMap::new(),
            chan_makes: Vec::new(),
            returns: Vec::new(),
            item_ranges: Vec::new(),
            problems: Vec::new(),
        },
        knowledge,
        text: &source.text,
        func_stack: Vec::new(),
        frames: vec![FrameState::default()],
        pending_use: None,
    };
    // Imports first: types anywhere in the file resolve through them.
    let mut cursor = root.walk();
    let top: Vec<Node> = root.named_children(&mut cursor).collect();
    for node in &top {
        match node.kind() {
            "package_clause" => {
                if let Some(name) = node.named_child(0) {
                    builder.model.package = builder.text_of(name).to_string();
                }
            }
            "import_declaration" => builder.imports(*node),
            "type_declaration" => builder.type_names(*node),
            _ => {}
        }
    }
    let mut errors = 0;
    for node in &top {
        if node.is_error() {
            errors += 1;
            if errors == 1 {
                let line = source.position(node.start_byte()).0;
                builder.model.problems.push(format!(
                    "syntax error at line {line}; the rest of the file was checked"
                ));
            }
            continue;
        }
        if matches!(
            node.kind(),
            "function_declaration" | "method_declaration" | "type_declaration"
        ) {
            let first = source.position(node.start_byte()).0;
            let last = source.position(node.end_byte().saturating_sub(1)).0;
            builder.model.item_ranges.push((first, last));
        }
        builder.walk(*node);
    }
    if root.has_error() && errors == 0 {
        let line = first_error_line(root, source).unwrap_or(1);
        builder.model.problems.push(format!(
            "syntax error at line {line}; the rest of the file was checked"
        ));
    }
    builder.model.idents.sort_by_key(|i| i.start);
    if top.is_empty() && !source.text.trim().is_empty() && builder.model.package.is_empty() {
        return Err("not a Go source file (no package clause)".to_string());
    }
    Ok(builder.model)
}

fn first_error_line(node: Node, source: &SourceText) -> Option<usize> {
    if node.is_error() || node.is_missing() {
        return Some(source.position(node.start_byte()).0);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.has_error()
            && let Some(line) = first_error_line(child, source)
        {
            return Some(line);
        }
    }
    None
}

fn default_package_name(path: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    let mut last = parts.pop().unwrap_or(path);
    let is_version =
        |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit());
    if is_version(last)
        && let Some(previous) = parts.pop()
    {
        last = previous;
    }
    // gopkg.in/yaml.v3 -> yaml
    let last = match last.rfind(".v") {
        Some(i) if last[i + 2..].chars().all(|c| c.is_ascii_digit()) && i > 0 => &last[..i],
        _ => last,
    };
    last.trim_start_matches("go-").replace('-', "_")
}

fn unquote(text: &str) -> &str {
    text.trim_matches(|c| c == '"' || c == '`')
}

impl<'s> Builder<'s, '_> {
    fn text_of(&self, node: Node) -> &'s str {
        &self.text[node.start_byte()..node.end_byte()]
    }

    fn span(&self, node: Node) -> Span {
        self.model
            .source
            .span_of_bytes(node.start_byte(), node.end_byte())
    }

    fn current_func(&self) -> Option<usize> {
        self.func_stack.last().copied()
    }

    fn frame(&mut self) -> &mut FrameState {
        self.frames.last_mut().expect("a frame is always present")
    }

    fn imports(&mut self, node: Node) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if n.kind() == "import_spec" {
                let Some(path) = n.child_by_field_id(FIELDS.path) else {
                    continue;
                };
                let path = unquote(self.text_of(path)).to_string();
                match n.child_by_field_id(FIELDS.name) {
                    Some(name) if name.kind() == "dot" => self.model.dot_imports.push(path),
                    Some(name) if name.kind() == "blank_identifier" => {}
                    Some(name) => {
                        self.model
                            .imports
                            .insert(self.text_of(name).to_string(), path);
                    }
                    None => {
                        self.model.imports.insert(default_package_name(&path), path);
                    }
                }
            } else {
                let mut cursor = n.walk();
                stack.extend(n.named_children(&mut cursor));
            }
        }
    }

    fn type_names(&mut self, node: Node) {
        let mut cursor = node.walk();
        for spec in node.named_children(&mut cursor) {
            if let Some(name) = spec.child_by_field_id(FIELDS.name) {
                self.model.type_names.push(self.text_of(name).to_string());
            }
        }
    }

    /// The canonical text of a type node.
    fn type_name(&self, node: Node) -> String {
        match node.kind() {
            "pointer_type" => match node.named_child(0) {
                Some(inner) => format!("*{}", self.type_name(inner)),
                None => "*".to_string(),
            },
            "qualified_type" => {
                let package = node
                    .child_by_field_id(FIELDS.package)
                    .map(|p| self.text_of(p))
                    .unwrap_or("");
                let name = node
                    .child_by_field_id(FIELDS.name)
                    .map(|p| self.text_of(p))
                    .unwrap_or("");
                let path = self
                    .model
                    .imports
                    .get(package)
                    .map(String::as_str)
                    .unwrap_or(package);
                format!("{path}.{name}")
            }
            "type_identifier" => {
                let name = self.text_of(node);
                if !is_builtin_type(name)
                    && !self.model.type_names.iter().any(|t| t == name)
                    && self.model.dot_imports.len() == 1
                {
                    format!("{}.{name}", self.model.dot_imports[0])
                } else {
                    name.to_string()
                }
            }
            "generic_type" => node
                .child_by_field_id(FIELDS.type_)
                .map(|t| self.type_name(t))
                .unwrap_or_default(),
            "parenthesized_type" => node
                .named_child(0)
                .map(|t| self.type_name(t))
                .unwrap_or_default(),
            _ => self
                .text_of(node)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    fn request_kind(&self, ty: &str) -> Option<String> {
        self.knowledge
            .frameworks
            .request_types
            .iter()
            .find(|r| r.ty == ty)
            .map(|r| r.kind.clone())
    }

    fn params(&self, list: Option<Node>) -> Vec<Param> {
        let mut params = Vec::new();
        let Some(list) = list else {
            return params;
        };
        let mut cursor = list.walk();
        for decl in list.named_children(&mut cursor) {
            if !matches!(
                decl.kind(),
                "parameter_declaration" | "variadic_parameter_declaration"
            ) {
                continue;
            }
            let ty = decl
                .child_by_field_id(FIELDS.type_)
                .map(|t| self.type_name(t))
                .unwrap_or_default();
            let ty = if decl.kind() == "variadic_parameter_declaration" {
                format!("...{ty}")
            } else {
                ty
            };
            let mut names = Vec::new();
            let mut inner = decl.walk();
            for name in decl.children_by_field_name("name", &mut inner) {
                names.push(name);
            }
            if names.is_empty() {
                params.push(Param {
                    name: String::new(),
                    ty: ty.clone(),
                    index: params.len(),
                    span: self.span(decl),
                });
            }
            for name in names {
                params.push(Param {
                    name: self.text_of(name).to_string(),
                    ty: ty.clone(),
                    index: params.len(),
                    span: self.span(decl),
                });
            }
        }
        params
    }

    fn enter_func(&mut self, node: Node, usage: FuncUse) -> usize {
        let (name, receiver, span) = match node.kind() {
            "function_declaration" | "method_declaration" => {
                let name = node.child_by_field_id(FIELDS.name);
                let receiver = node.child_by_field_id(FIELDS.receiver).and_then(|r| {
                    let params = self.params(Some(r));
                    params
                        .first()
                        .map(|p| p.ty.trim_start_matches('*').to_string())
                });
                (
                    name.map(|n| self.text_of(n).to_string()),
                    receiver,
                    name.map(|n| self.span(n))
                        .unwrap_or_else(|| self.span(node)),
                )
            }
            _ => {
                let start = node.start_byte();
                (
                    None,
                    None,
                    self.model.source.span_of_bytes(start, start + 4),
                )
            }
        };
        let params = self.params(node.child_by_field_id(FIELDS.parameters));
        let mut named_results = Vec::new();
        if let Some(result) = node.child_by_field_id(FIELDS.result)
            && result.kind() == "parameter_list"
        {
            for p in self.params(Some(result)) {
                if !p.name.is_empty() {
                    named_results.push(p.name);
                }
            }
        }
        let mut ctx_vars = Vec::new();
        let context_type = self.knowledge.context_apis.context_type();
        let mut locals = Vec::new();
        for p in &params {
            if p.name.is_empty() || p.name == "_" {
                continue;
            }
            locals.push((p.name.clone(), p.ty.clone()));
            let kind = if p.ty == context_type {
                Some(CtxKind::Param)
            } else {
                self.request_kind(&p.ty).map(CtxKind::Request)
            };
            if let Some(kind) = kind {
                ctx_vars.push(CtxVar {
                    name: p.name.clone(),
                    kind,
                    at: node.start_byte(),
                });
            }
        }
        if let Some(r) = node.child_by_field_id(FIELDS.receiver) {
            for p in self.params(Some(r)) {
                if !p.name.is_empty() {
                    locals.push((p.name, p.ty));
                }
            }
        }
        if let (Some(receiver), Some(name)) = (&receiver, &name) {
            self.model.methods.push((receiver.clone(), name.clone()));
        }
        let index = self.model.funcs.len();
        self.model.funcs.push(Func {
            name,
            receiver,
            params,
            named_results,
            parent: self.current_func(),
            start: node.start_byte(),
            end: node.end_byte(),
            body: node
                .child_by_field_id(FIELDS.body)
                .map(|b| (b.start_byte(), b.end_byte())),
            usage,
            span,
            locals,
            ctx_vars,
        });
        index
    }

    fn literal_use(&mut self, node: Node) -> FuncUse {
        if let Some(usage) = self.pending_use.take() {
            return usage;
        }
        let Some(parent) = node.parent() else {
            return FuncUse::Other;
        };
        match parent.kind() {
            "call_expression" => {
                if parent.child_by_field_id(FIELDS.function) == Some(node) {
                    FuncUse::Called
                } else {
                    FuncUse::Other
                }
            }
            "argument_list" => FuncUse::Argument,
            "expression_list" => match parent.parent().map(|p| p.kind()) {
                Some("short_var_declaration" | "assignment_statement" | "var_spec")
                | Some("return_statement") => FuncUse::Stored,
                _ => FuncUse::Other,
            },
            "keyed_element" | "literal_element" | "return_statement" | "var_spec" => {
                FuncUse::Stored
            }
            "parenthesized_expression" => FuncUse::Other,
            _ => FuncUse::Other,
        }
    }

    fn walk_func(&mut self, node: Node, usage: FuncUse) {
        let index = self.enter_func(node, usage);
        self.func_stack.push(index);
        self.frames.push(FrameState::default());
        if let Some(body) = node.child_by_field_id(FIELDS.body) {
            self.walk(body);
        }
        self.frames.pop();
        self.func_stack.pop();
    }

    fn walk_children(&mut self, node: Node) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            self.walk(child);
        }
    }

    fn mark_loops_exit(&mut self) {
        let loops = self.frame().loops.clone();
        for l in loops {
            self.model.loops[l].exits = true;
        }
    }

    fn classify_expr(&self, node: Node) -> ExprKind {
        match node.kind() {
            "interpreted_string_literal" | "raw_string_literal" => ExprKind::Str,
            "int_literal" | "rune_literal" => ExprKind::Int,
            "float_literal" | "imaginary_literal" | "true" | "false" | "nil" => ExprKind::OtherLit,
            "identifier" => ExprKind::Ident(self.text_of(node).to_string()),
            "parenthesized_expression" => node
                .named_child(0)
                .map(|n| self.classify_expr(n))
                .unwrap_or(ExprKind::Other),
            "call_expression" => ExprKind::Call(Box::new(self.callee(node))),
            "type_conversion_expression" => match node.child_by_field_id(FIELDS.type_) {
                Some(t) => ExprKind::Call(Box::new(Callee::Func(self.text_of(t).to_string()))),
                None => ExprKind::Other,
            },
            _ => ExprKind::Other,
        }
    }

    fn callee(&self, call: Node) -> Callee {
        let Some(function) = call.child_by_field_id(FIELDS.function) else {
            return Callee::Other;
        };
        match function.kind() {
            "identifier" => Callee::Func(self.text_of(function).to_string()),
            "selector_expression" => {
                let (Some(operand), Some(field)) = (
                    function.child_by_field_id(FIELDS.operand),
                    function.child_by_field_id(FIELDS.field),
                ) else {
                    return Callee::Other;
                };
                let name = self.text_of(field).to_string();
                if operand.kind() == "identifier"
                    && let Some(path) = self.import_of(self.text_of(operand))
                {
                    return Callee::Pkg { path, name };
                }
                let recv_pkg = if operand.kind() == "selector_expression" {
                    match (
                        operand.child_by_field_id(FIELDS.operand),
                        operand.child_by_field_id(FIELDS.field),
                    ) {
                        (Some(o), Some(f)) if o.kind() == "identifier" => self
                            .import_of(self.text_of(o))
                            .map(|p| (p, self.text_of(f).to_string())),
                        _ => None,
                    }
                } else {
                    None
                };
                Callee::Method {
                    recv: self.text_of(operand).to_string(),
                    root: root_ident(operand).map(|n| self.text_of(n).to_string()),
                    recv_pkg,
                    name,
                }
            }
            "parenthesized_expression" => Callee::Other,
            _ => Callee::Other,
        }
    }

    /// The import path of a package name, unless a local of that name shadows it.
    fn import_of(&self, name: &str) -> Option<String> {
        let path = self.model.imports.get(name)?;
        for &f in self.func_stack.iter().rev() {
            if self.model.funcs[f].locals.iter().any(|(n, _)| n == name) {
                return None;
            }
        }
        Some(path.clone())
    }

    fn lookup_type(&self, name: &str) -> Option<String> {
        for &f in self.func_stack.iter().rev() {
            if let Some((_, ty)) = self.model.funcs[f]
                .locals
                .iter()
                .rev()
                .find(|(n, _)| n == name)
            {
                return Some(ty.clone());
            }
        }
        None
    }

    fn lookup_ctx(&self, name: &str) -> Option<CtxKind> {
        for &f in self.func_stack.iter().rev() {
            if let Some(v) = self.model.funcs[f]
                .ctx_vars
                .iter()
                .rev()
                .find(|v| v.name == name)
            {
                return Some(v.kind.clone());
            }
        }
        None
    }

    /// Whether an expression mentions a request or a request-derived context.
    fn mentions_request(&self, node: Node) -> bool {
        if node.kind() == "identifier" {
            return matches!(
                self.lookup_ctx(self.text_of(node)),
                Some(CtxKind::Request(_))
                    | Some(CtxKind::GinCopy)
                    | Some(CtxKind::Derived {
                        from_request: true,
                        ..
                    })
            );
        }
        if node.kind() == "func_literal" {
            return false;
        }
        if node.kind() == "call_expression"
            && let Callee::Pkg { path, name } = self.callee(node)
        {
            let apis = &self.knowledge.context_apis;
            if path == apis.package && (apis.detach.contains(&name) || apis.roots.contains(&name)) {
                return false;
            }
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        children.into_iter().any(|c| self.mentions_request(c))
    }

    /// The type of an expression when it is visible from syntax.
    fn expr_type(&self, node: Node) -> Option<String> {
        match node.kind() {
            "composite_literal" => node
                .child_by_field_id(FIELDS.type_)
                .map(|t| self.type_name(t)),
            "unary_expression" => {
                let op = node.child_by_field_id(FIELDS.operator)?;
                let operand = node.child_by_field_id(FIELDS.operand)?;
                if self.text_of(op) == "&" {
                    self.expr_type(operand).map(|t| format!("*{t}"))
                } else {
                    None
                }
            }
            "call_expression" => {
                let callee = self.callee(node);
                match &callee {
                    Callee::Pkg { path, name } => self
                        .knowledge
                        .calls
                        .typed_functions
                        .iter()
                        .find(|f| &f.package == path && &f.name == name)
                        .map(|f| f.result.clone()),
                    Callee::Method { recv, name, .. } => {
                        let recv_ty = self.lookup_type(recv)?;
                        self.knowledge
                            .calls
                            .typed_methods
                            .iter()
                            .find(|m| &m.name == name && m.receivers.contains(&recv_ty))
                            .map(|m| m.result.clone())
                    }
                    Callee::Func(name) if name == "new" => {
                        let args = node.child_by_field_id(FIELDS.arguments)?;
                        args.named_child(0)
                            .map(|t| format!("*{}", self.type_name(t)))
                    }
                    _ => None,
                }
            }
            "selector_expression" => {
                let operand = node.child_by_field_id(FIELDS.operand)?;
                let field = node.child_by_field_id(FIELDS.field)?;
                if operand.kind() == "identifier" {
                    let path = self.import_of(self.text_of(operand))?;
                    let name = self.text_of(field);
                    return self
                        .knowledge
                        .calls
                        .values
                        .iter()
                        .find(|v| v.package == path && v.name == name)
                        .map(|v| v.ty.clone());
                }
                None
            }
            "identifier" => self.lookup_type(self.text_of(node)),
            _ => None,
        }
    }

    /// What a context-valued expression is, when it is one.
    fn ctx_kind_of(&self, node: Node) -> Option<CtxKind> {
        let apis = &self.knowledge.context_apis;
        match node.kind() {
            "call_expression" => {
                let callee = self.callee(node);
                match &callee {
                    Callee::Pkg { path, name } if *path == apis.package => {
                        if apis.roots.contains(name) {
                            Some(CtxKind::Derived {
                                from_request: false,
                                detached: true,
                            })
                        } else if apis.derive.contains(name) {
                            let args = node.child_by_field_id(FIELDS.arguments);
                            let from_request = args
                                .and_then(|a| a.named_child(0))
                                .is_some_and(|a| self.mentions_request(a));
                            Some(CtxKind::Derived {
                                from_request: from_request && !apis.detach.contains(name),
                                detached: apis.detach.contains(name),
                            })
                        } else {
                            None
                        }
                    }
                    Callee::Pkg { path, name } if apis.is_cancel_constructor(path, name) => {
                        let args = node.child_by_field_id(FIELDS.arguments);
                        let from_request = args
                            .and_then(|a| a.named_child(0))
                            .is_some_and(|a| self.mentions_request(a));
                        Some(CtxKind::Derived {
                            from_request,
                            detached: false,
                        })
                    }
                    Callee::Method { root, name, .. } => {
                        let root_kind = root.as_deref().and_then(|r| self.lookup_ctx(r));
                        if apis.context_methods.contains(name) {
                            match root_kind {
                                Some(CtxKind::Request(_)) | Some(CtxKind::GinCopy) => {
                                    Some(CtxKind::Derived {
                                        from_request: true,
                                        detached: false,
                                    })
                                }
                                _ => None,
                            }
                        } else if name == "Copy"
                            && matches!(root_kind, Some(CtxKind::Request(ref k)) if k == "gin")
                        {
                            Some(CtxKind::GinCopy)
                        } else {
                            None
                        }
                    }
                    _ => None,
                }
            }
            "identifier" => self.lookup_ctx(self.text_of(node)),
            _ => None,
        }
    }

    fn record_assign(&mut self, node: Node, define: bool) {
        let left = node
            .child_by_field_id(FIELDS.left)
            .or_else(|| node.child_by_field_id(FIELDS.name));
        let right = node
            .child_by_field_id(FIELDS.right)
            .or_else(|| node.child_by_field_id(FIELDS.value));
        let mut lhs = Vec::new();
        if node.kind() == "var_spec" || node.kind() == "const_spec" {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                lhs.push(name);
            }
        } else if let Some(left) = left {
            let mut cursor = left.walk();
            lhs.extend(left.named_children(&mut cursor));
        }
        let mut rhs_nodes = Vec::new();
        if let Some(right) = right {
            let mut cursor = right.walk();
            rhs_nodes.extend(right.named_children(&mut cursor));
        }
        let rhs_call = if rhs_nodes.len() == 1 && rhs_nodes[0].kind() == "call_expression" {
            Some(self.model.calls.len())
        } else {
            None
        };
        let func = self.current_func();
        // Types and contexts of the new names.
        if let Some(f) = func {
            let declared_type = node
                .child_by_field_id(FIELDS.type_)
                .map(|t| self.type_name(t));
            for (i, name) in lhs.iter().enumerate() {
                if name.kind() != "identifier" {
                    continue;
                }
                let name_text = self.text_of(*name).to_string();
                if name_text == "_" {
                    continue;
                }
                let ty = declared_type.clone().or_else(|| {
                    if rhs_nodes.len() == lhs.len() {
                        self.expr_type(rhs_nodes[i])
                    } else if i == 0 && rhs_nodes.len() == 1 {
                        self.expr_type(rhs_nodes[0])
                    } else {
                        None
                    }
                });
                if let Some(ty) = ty {
                    self.model.funcs[f].locals.push((name_text.clone(), ty));
                } else if define {
                    // A new name of unknown type shadows what it had.
                    self.model.funcs[f]
                        .locals
                        .push((name_text.clone(), String::new()));
                }
                let rhs = if rhs_nodes.len() == lhs.len() {
                    rhs_nodes.get(i).copied()
                } else if i == 0 {
                    rhs_nodes.first().copied()
                } else {
                    None
                };
                let kind = rhs.and_then(|r| self.ctx_kind_of(r)).or_else(|| {
                    (declared_type.as_deref()
                        == Some(self.knowledge.context_apis.context_type().as_str()))
                    .then_some(CtxKind::Derived {
                        from_request: false,
                        detached: false,
                    })
                });
                if let Some(kind) = kind {
                    self.model.funcs[f].ctx_vars.push(CtxVar {
                        name: name_text.clone(),
                        kind,
                        at: node.start_byte(),
                    });
                } else if define
                    && self.model.funcs[f]
                        .ctx_vars
                        .iter()
                        .any(|v| v.name == name_text)
                {
                    self.model.funcs[f].ctx_vars.retain(|v| v.name != name_text);
                }
                // make(chan T, cap)
                if let Some(r) = rhs
                    && r.kind() == "call_expression"
                    && self.callee(r) == Callee::Func("make".to_string())
                    && let Some(args) = r.child_by_field_id(FIELDS.arguments)
                    && args
                        .named_child(0)
                        .is_some_and(|t| t.kind() == "channel_type")
                {
                    let cap = args.named_child(1).map(|c| self.text_of(c).to_string());
                    self.model.chan_makes.push((func, name_text.clone(), cap));
                }
            }
        }
        // Values for context keys.
        if matches!(
            node.kind(),
            "const_spec" | "var_spec" | "short_var_declaration"
        ) {
            let declared_type = node
                .child_by_field_id(FIELDS.type_)
                .map(|t| self.type_name(t));
            for (i, name) in lhs.iter().enumerate() {
                let name_text = self.text_of(*name).to_string();
                let kind = match &declared_type {
                    Some(t) if is_builtin_type(t) => ValueKind::Builtin(t.clone()),
                    Some(_) => ValueKind::Other,
                    None => match rhs_nodes.get(i).map(|r| self.classify_expr(*r)) {
                        Some(ExprKind::Str) => ValueKind::Builtin("string".to_string()),
                        Some(ExprKind::Int) => ValueKind::Builtin("int".to_string()),
                        Some(ExprKind::Call(callee)) => match *callee {
                            Callee::Func(t) if is_builtin_type(&t) => ValueKind::Builtin(t),
                            _ => ValueKind::Other,
                        },
                        // `iota` continuation and the like.
                        _ => ValueKind::Other,
                    },
                };
                let entry = self.model.values.entry(name_text).or_insert(kind.clone());
                if *entry != kind {
                    *entry = ValueKind::Other;
                }
            }
        }
        self.model.assigns.push(Assign {
            func,
            start: node.start_byte(),
            end: node.end_byte(),
            lhs: lhs
                .iter()
                .map(|n| Lhs {
                    text: self.text_of(*n).to_string(),
                    start: n.start_byte(),
                    end: n.end_byte(),
                })
                .collect(),
            rhs: rhs_nodes
                .iter()
                .map(|n| (n.start_byte(), n.end_byte()))
                .collect(),
            rhs_call,
            define,
        });
        // Walk the right side first (it is evaluated before the names exist), then the left.
        for r in rhs_nodes {
            self.walk(r);
        }
        if node.kind() != "var_spec" && node.kind() != "const_spec" {
            for l in lhs {
                self.walk(l);
            }
        }
    }

    fn struct_type(&mut self, node: Node, name: Option<String>) {
        let mut fields = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if n.kind() == "field_declaration" {
                let ty = n
                    .child_by_field_id(FIELDS.type_)
                    .map(|t| self.type_name(t))
                    .unwrap_or_default();
                let mut cursor = n.walk();
                let names: Vec<String> = n
                    .children_by_field_name("name", &mut cursor)
                    .map(|x| self.text_of(x).to_string())
                    .collect();
                fields.push(Field {
                    embedded: names.is_empty(),
                    names,
                    ty,
                    span: self.span(n),
                });
            } else if n == node || n.kind() == "field_declaration_list" {
                let mut cursor = n.walk();
                let mut children: Vec<Node> = n.named_children(&mut cursor).collect();
                children.reverse();
                stack.extend(children);
            }
        }
        self.model.structs.push(StructDecl { name, fields });
    }

    fn walk(&mut self, node: Node) {
        if node.is_error() {
            return;
        }
        match node.kind() {
            "comment" => {}
            "function_declaration" | "method_declaration" => {
                self.walk_func(node, FuncUse::Declaration);
            }
            "func_literal" => {
                let usage = self.literal_use(node);
                self.walk_func(node, usage);
            }
            "type_spec" => {
                let name = node
                    .child_by_field_id(FIELDS.name)
                    .map(|n| self.text_of(n).to_string());
                if let Some(t) = node.child_by_field_id(FIELDS.type_) {
                    if t.kind() == "struct_type" {
                        self.struct_type(t, name);
                    }
                    self.walk_children(t);
                }
            }
            "struct_type" => {
                self.struct_type(node, None);
                self.walk_children(node);
            }
            "short_var_declaration" => self.record_assign(node, true),
            "assignment_statement" => self.record_assign(node, false),
            "var_spec" | "const_spec" => {
                self.record_assign(node, true);
            }
            "go_statement" => self.go_statement(node),
            "call_expression" => self.call(node),
            "selector_expression" => {
                if let (Some(operand), Some(field)) = (
                    node.child_by_field_id(FIELDS.operand),
                    node.child_by_field_id(FIELDS.field),
                ) && operand.kind() == "identifier"
                    && let Some(path) = self.import_of(self.text_of(operand))
                {
                    let is_called = node.parent().is_some_and(|p| {
                        p.kind() == "call_expression"
                            && p.child_by_field_id(FIELDS.function) == Some(node)
                    });
                    if !is_called {
                        self.model.pkg_refs.push(PkgRef {
                            func: self.current_func(),
                            path,
                            name: self.text_of(field).to_string(),
                            start: node.start_byte(),
                            end: node.end_byte(),
                            span: self.span(node),
                        });
                    }
                    return;
                }
                self.walk_children(node);
            }
            "identifier" => {
                self.model.idents.push(Ident {
                    name: self.text_of(node).to_string(),
                    start: node.start_byte(),
                    func: self.current_func(),
                });
            }
            "composite_literal" => {
                let ty = node
                    .child_by_field_id(FIELDS.type_)
                    .map(|t| self.type_name(t))
                    .unwrap_or_default();
                let mut keys = Vec::new();
                if let Some(body) = node.child_by_field_id(FIELDS.body) {
                    let mut cursor = body.walk();
                    for element in body.named_children(&mut cursor) {
                        if element.kind() == "keyed_element"
                            && let Some(key) = element.named_child(0)
                        {
                            keys.push(self.text_of(key).trim().to_string());
                        }
                    }
                }
                let span = node
                    .child_by_field_id(FIELDS.type_)
                    .map(|t| self.span(t))
                    .unwrap_or_else(|| self.span(node));
                self.model.composites.push(Composite {
                    func: self.current_func(),
                    ty,
                    start: node.start_byte(),
                    end: node.end_byte(),
                    span,
                    keys,
                });
                if let Some(t) = node.child_by_field_id(FIELDS.type_)
                    && t.kind() == "struct_type"
                {
                    self.walk(t);
                }
                if let Some(body) = node.child_by_field_id(FIELDS.body) {
                    self.walk(body);
                }
            }
            "labeled_statement" => {
                let label = node
                    .child_by_field_id(FIELDS.label)
                    .map(|l| self.text_of(l).to_string());
                self.frame().pending_label = label;
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    if child.kind() != "label_name" {
                        self.walk(child);
                    }
                }
                self.frame().pending_label = None;
            }
            "for_statement" => self.for_statement(node),
            "expression_switch_statement" | "type_switch_statement" => {
                self.frame().pending_label = None;
                self.frame().breakables.push(Breakable::Other);
                self.walk_children(node);
                self.frame().breakables.pop();
            }
            "select_statement" => self.select_statement(node),
            "return_statement" => {
                self.model
                    .returns
                    .push((self.current_func(), node.start_byte(), node.end_byte()));
                self.mark_loops_exit();
                self.walk_children(node);
            }
            "goto_statement" => self.mark_loops_exit(),
            "break_statement" => {
                let label = node.named_child(0).map(|l| self.text_of(l).to_string());
                let target = match label {
                    Some(label) => {
                        let loops = self.frame().loops.clone();
                        loops
                            .into_iter()
                            .find(|&l| self.model.loops[l].label.as_deref() == Some(&label))
                    }
                    None => match self.frame().breakables.last() {
                        Some(Breakable::Loop(l)) => Some(*l),
                        _ => None,
                    },
                };
                if let Some(l) = target {
                    // Leaving this loop also leaves it for every loop inside it; outer loops go on.
                    self.model.loops[l].exits = true;
                }
            }
            "if_statement" => {
                if let Some(init) = node.child_by_field_id(FIELDS.initializer) {
                    self.walk(init);
                }
                let condition = node.child_by_field_id(FIELDS.condition);
                if let Some(c) = condition {
                    self.walk(c);
                }
                if let Some(consequence) = node.child_by_field_id(FIELDS.consequence) {
                    if let Some(c) = condition {
                        self.frame()
                            .if_conditions
                            .push((c.start_byte(), c.end_byte()));
                    }
                    self.walk(consequence);
                    if condition.is_some() {
                        self.frame().if_conditions.pop();
                    }
                }
                if let Some(alternative) = node.child_by_field_id(FIELDS.alternative) {
                    self.walk(alternative);
                }
            }
            "send_statement" => {
                let channel = node
                    .child_by_field_id(FIELDS.channel)
                    .map(|c| self.text_of(c).to_string())
                    .unwrap_or_default();
                let in_select_comm = node
                    .parent()
                    .is_some_and(|p| p.kind() == "communication_case");
                let guarded = in_select_comm && self.frame().select.is_some_and(|s| s.guarded);
                let enclosing_loop = self.frame().loops.last().copied();
                self.model.sends.push(Send {
                    func: self.current_func(),
                    start: node.start_byte(),
                    end: node.end_byte(),
                    span: self.span(node),
                    channel,
                    guarded,
                    enclosing_loop,
                });
                self.walk_children(node);
            }
            "unary_expression" => {
                let is_recv = node
                    .child_by_field_id(FIELDS.operator)
                    .is_some_and(|o| self.text_of(o) == "<-");
                if is_recv && let Some(operand) = node.child_by_field_id(FIELDS.operand) {
                    let channel = self.text_of(operand).to_string();
                    if self.knowledge.cancellation.is_stop_channel(&channel) {
                        let loops = self.frame().loops.clone();
                        for l in loops {
                            self.model.loops[l].observes_stop = true;
                        }
                    }
                    self.model.recvs.push(Recv {
                        func: self.current_func(),
                        start: node.start_byte(),
                        channel,
                    });
                }
                self.walk_children(node);
            }
            _ => self.walk_children(node),
        }
    }

    fn for_statement(&mut self, node: Node) {
        let label = self.frame().pending_label.take();
        let mut kind = LoopKind::Infinite;
        let mut condition = None;
        let mut vars = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in &children {
            match child.kind() {
                "range_clause" => {
                    kind = LoopKind::Range;
                    let declares = self.text_of(*child).contains(":=");
                    if let Some(left) = child.child_by_field_id(FIELDS.left).filter(|_| declares) {
                        let mut names = left.walk();
                        vars.extend(
                            left.named_children(&mut names)
                                .filter(|n| n.kind() == "identifier")
                                .map(|n| self.text_of(n).to_string()),
                        );
                    }
                    if let Some(right) = child.child_by_field_id(FIELDS.right) {
                        self.model.recvs.push(Recv {
                            func: self.current_func(),
                            start: node.start_byte(),
                            channel: self.text_of(right).to_string(),
                        });
                    }
                }
                "for_clause" => {
                    if let Some(c) = child.child_by_field_id(FIELDS.condition) {
                        kind = LoopKind::Conditional;
                        condition = Some((c.start_byte(), c.end_byte()));
                    }
                }
                "block" | "comment" => {}
                _ => {
                    kind = LoopKind::Conditional;
                    condition = Some((child.start_byte(), child.end_byte()));
                }
            }
        }
        let start = node.start_byte();
        let index = self.model.loops.len();
        self.model.loops.push(Loop {
            func: self.current_func(),
            start,
            end: node.end_byte(),
            kind,
            condition,
            label,
            vars,
            exits: false,
            observes_stop: false,
            span: self.model.source.span_of_bytes(start, start + 3),
        });
        for child in &children {
            if child.kind() != "block" {
                self.walk(*child);
            }
        }
        self.frame().loops.push(index);
        self.frame().breakables.push(Breakable::Loop(index));
        if let Some(body) = node.child_by_field_id(FIELDS.body) {
            self.walk(body);
        }
        self.frame().breakables.pop();
        self.frame().loops.pop();
    }

    fn select_statement(&mut self, node: Node) {
        self.frame().pending_label = None;
        let cancellation = &self.knowledge.cancellation;
        let mut cursor = node.walk();
        let cases: Vec<Node> = node.named_children(&mut cursor).collect();
        let mut guarded = false;
        let mut stop_cases = Vec::new();
        for case in &cases {
            match case.kind() {
                "default_case" => guarded = true,
                "communication_case" => {
                    if let Some(comm) = case.child_by_field_id(FIELDS.communication)
                        && comm.kind() == "receive_statement"
                        && let Some(right) = comm.child_by_field_id(FIELDS.right)
                    {
                        let text = self.text_of(right).trim_start_matches("<-").trim();
                        if cancellation.is_stop_channel(text) {
                            guarded = true;
                            stop_cases.push(case.id());
                        } else if cancellation.is_timer(text) {
                            guarded = true;
                        }
                    }
                }
                _ => {}
            }
        }
        let saved = self.frame().select;
        self.frame().breakables.push(Breakable::Other);
        for case in cases {
            if case.kind() != "communication_case" {
                self.frame().select = Some(SelectInfo { guarded });
                self.walk_children(case);
                continue;
            }
            let is_stop = stop_cases.contains(&case.id());
            let mut cursor = case.walk();
            let parts: Vec<Node> = case.named_children(&mut cursor).collect();
            for part in parts {
                let is_comm = case.child_by_field_id(FIELDS.communication) == Some(part);
                if is_comm {
                    self.frame().select = Some(SelectInfo { guarded });
                    self.walk(part);
                    self.frame().select = None;
                } else {
                    // The case body: a send here is not protected by this select.
                    self.frame().select = None;
                    if is_stop {
                        self.frame().done_case_depth += 1;
                    }
                    self.walk(part);
                    if is_stop {
                        self.frame().done_case_depth -= 1;
                    }
                }
            }
        }
        self.frame().breakables.pop();
        self.frame().select = saved;
    }

    fn args(&self, call: Node) -> Vec<Expr> {
        let mut args = Vec::new();
        if let Some(list) = call.child_by_field_id(FIELDS.arguments) {
            let mut cursor = list.walk();
            for arg in list.named_children(&mut cursor) {
                if arg.kind() == "comment" {
                    continue;
                }
                args.push(Expr {
                    kind: self.classify_expr(arg),
                    start: arg.start_byte(),
                    end: arg.end_byte(),
                });
            }
        }
        args
    }

    fn call(&mut self, node: Node) {
        let callee = self.callee(node);
        let in_comparison = node.parent().is_some_and(|p| {
            p.kind() == "binary_expression"
                && p.child_by_field_id(FIELDS.operator)
                    .is_some_and(|o| matches!(self.text_of(o), "==" | "!="))
        });
        let cancellation = &self.knowledge.cancellation;
        let exits = match &callee {
            Callee::Pkg { path, name } => cancellation
                .exiting_calls
                .iter()
                .any(|set| set.contains(path, name)),
            Callee::Func(name) => cancellation.exiting_builtins.contains(name),
            Callee::Method { name, .. } => cancellation.exiting_methods.contains(name),
            Callee::Other => false,
        };
        if exits {
            self.mark_loops_exit();
        }
        let frame = self.frames.last().expect("frame");
        let call = Call {
            func: self.current_func(),
            callee,
            start: node.start_byte(),
            end: node.end_byte(),
            span: self.span(node),
            args: self.args(node),
            in_done_case: frame.done_case_depth > 0,
            in_comparison,
            if_conditions: frame.if_conditions.clone(),
        };
        self.model.calls.push(call);
        // `g.Go(func() error { .. })` (errgroup, `sync.WaitGroup.Go`, worker pools) starts a
        // goroutine as surely as a `go` statement.
        let spawned = match self.model.calls.last().map(|c| &c.callee) {
            Some(Callee::Method { name, .. }) if name == "Go" => node
                .child_by_field_id(FIELDS.arguments)
                .and_then(|a| a.named_child(0))
                .is_some_and(|a| a.kind() == "func_literal"),
            _ => false,
        };
        if spawned {
            let start = node.start_byte();
            let first_line_end = self.text[start..node.end_byte()]
                .find('\n')
                .map_or(node.end_byte(), |i| start + i);
            let in_done_case = self.frames.last().is_some_and(|f| f.done_case_depth > 0);
            self.model.gos.push(GoStmt {
                func: self.current_func(),
                start,
                end: node.end_byte(),
                span: self.model.source.span_of_bytes(start, first_line_end),
                target: GoTarget::Literal(self.model.funcs.len()),
                args: Vec::new(),
                in_done_case,
            });
        }
        self.walk_children(node);
    }

    fn go_statement(&mut self, node: Node) {
        let Some(call) = node.named_child(0) else {
            return;
        };
        let start = node.start_byte();
        let end = node.end_byte();
        let first_line_end = self.text[start..end]
            .find('\n')
            .map(|i| start + i)
            .unwrap_or(end);
        let span = self.model.source.span_of_bytes(start, first_line_end);
        let mut target = GoTarget::Other;
        let mut args = Vec::new();
        if call.kind() == "call_expression" {
            args = self.args(call);
            if let Some(function) = call.child_by_field_id(FIELDS.function) {
                match function.kind() {
                    "func_literal" => target = GoTarget::Literal(self.model.funcs.len()),
                    "identifier" => target = GoTarget::Named(self.text_of(function).to_string()),
                    "selector_expression" => {
                        if let Some(field) = function.child_by_field_id(FIELDS.field) {
                            let is_pkg =
                                function.child_by_field_id(FIELDS.operand).is_some_and(|o| {
                                    o.kind() == "identifier"
                                        && self.import_of(self.text_of(o)).is_some()
                                });
                            if !is_pkg {
                                target = GoTarget::Method(self.text_of(field).to_string());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let in_done_case = self.frames.last().is_some_and(|f| f.done_case_depth > 0);
        self.model.gos.push(GoStmt {
            func: self.current_func(),
            start,
            end,
            span,
            target: target.clone(),
            args,
            in_done_case,
        });
        if matches!(target, GoTarget::Literal(_)) {
            self.pending_use = Some(FuncUse::Go);
        }
        self.walk(call);
        self.pending_use = None;
    }
}

fn root_ident(node: Node) -> Option<Node> {
    let mut current = node;
    loop {
        match current.kind() {
            "identifier" => return Some(current),
            "selector_expression" => current = current.child_by_field_id(FIELDS.operand)?,
            "call_expression" => current = current.child_by_field_id(FIELDS.function)?,
            "index_expression" => current = current.child_by_field_id(FIELDS.operand)?,
            "parenthesized_expression" | "unary_expression" => {
                current = current
                    .child_by_field_id(FIELDS.operand)
                    .or_else(|| current.named_child(0))?
            }
            _ => return None,
        }
    }
}

impl GoModel<'_> {
    pub fn text(&self, start: usize, end: usize) -> &str {
        &self.source.text[start..end]
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        self.source.span_of_bytes(start, end)
    }

    /// The assignment whose right-hand side is exactly the call `call` (`x, err := f()`).
    pub fn assignment_of(&self, call: usize) -> Option<&Assign> {
        self.assigns.iter().find(|a| a.rhs_call == Some(call))
    }

    /// The declared function that holds `func`, following literals outward.
    pub fn top_func(&self, func: usize) -> usize {
        let mut f = func;
        while let Some(parent) = self.funcs[f].parent {
            f = parent;
        }
        f
    }

    /// Whether this is test code: a file that imports `testing`. Files of tests by their
    /// path ([`is_test_path`]) never get here: the engine does not read them.
    pub fn is_test_code(&self) -> bool {
        self.imports.values().any(|p| p == "testing")
    }

    /// The contexts visible in `func` at byte `at`: its own, then those of the functions it is
    /// written in. With `through_stored` false, a literal stored to run later, or started as
    /// a goroutine, does not see its outer function's contexts (it runs when they may be gone).
    pub fn contexts_in_scope(&self, func: usize, at: usize, through_stored: bool) -> Vec<&CtxVar> {
        let mut found = Vec::new();
        let mut f = Some(func);
        while let Some(i) = f {
            let function = &self.funcs[i];
            for v in &function.ctx_vars {
                if v.at <= at && !found.iter().any(|x: &&CtxVar| x.name == v.name) {
                    found.push(v);
                }
            }
            if !through_stored && matches!(function.usage, FuncUse::Stored | FuncUse::Go) {
                break;
            }
            f = function.parent;
        }
        found
    }

    /// The function, `func` or one it is written in, whose context `var` is.
    pub fn declaring_func(&self, func: usize, var: &CtxVar) -> Option<usize> {
        let mut f = Some(func);
        while let Some(i) = f {
            if self.funcs[i].ctx_vars.iter().any(|v| std::ptr::eq(v, var)) {
                return Some(i);
            }
            f = self.funcs[i].parent;
        }
        None
    }

    /// Identifiers named `name` in `[start, end)`.
    pub fn mentions(&self, name: &str, start: usize, end: usize) -> bool {
        let first = self.idents.partition_point(|i| i.start < start);
        self.idents[first..]
            .iter()
            .take_while(|i| i.start < end)
            .any(|i| i.name == name)
    }

    /// The visible type of a receiver expression's text: a local (through enclosing
    /// functions), or a struct field `x.f` whose field name has one type in this file.
    pub fn type_of(&self, func: Option<usize>, text: &str) -> Option<String> {
        if let Some(mut f) = func {
            loop {
                if let Some((_, ty)) = self.funcs[f].locals.iter().rev().find(|(n, _)| n == text) {
                    return (!ty.is_empty()).then(|| ty.clone());
                }
                match self.funcs[f].parent {
                    Some(p) => f = p,
                    None => break,
                }
            }
        }
        let (_, field) = text.rsplit_once('.')?;
        let mut types = self
            .structs
            .iter()
            .flat_map(|s| &s.fields)
            .filter(|fd| fd.names.iter().any(|n| n == field))
            .map(|fd| fd.ty.as_str());
        let first = types.next()?;
        types.all(|t| t == first).then(|| first.to_string())
    }

    /// Whether the function declares a method `name` on type `ty` in this file.
    pub fn has_method(&self, ty: &str, name: &str) -> bool {
        self.methods.iter().any(|(t, n)| t == ty && n == name)
    }

    /// The top-level function or method declared with this name (and, for `go x.m()`, any
    /// method of that name, when only one exists).
    pub fn find_declared(&self, name: &str, method: bool) -> Option<usize> {
        let mut found = self.funcs.iter().enumerate().filter(|(_, f)| {
            f.usage == FuncUse::Declaration
                && f.name.as_deref() == Some(name)
                && f.receiver.is_some() == method
        });
        let first = found.next()?;
        found.next().is_none().then_some(first.0)
    }

    /// Whether `func` or a function written inside it contains byte `at`.
    pub fn func_contains(&self, func: usize, at: usize) -> bool {
        self.funcs[func].start <= at && at < self.funcs[func].end
    }

    /// The innermost function holding byte `at`.
    pub fn func_at(&self, at: usize) -> Option<usize> {
        self.funcs
            .iter()
            .enumerate()
            .filter(|(_, f)| f.start <= at && at < f.end)
            .max_by_key(|(_, f)| f.start)
            .map(|(i, _)| i)
    }
}

impl GoModel<'_> {
    /// Whether a loop can run forever without noticing cancellation: it is `for { .. }`, no
    /// `return`/`break`/exit call leaves it, it receives from no stop channel, and it never
    /// mentions one of `contexts` (checking `ctx.Err()`, passing `ctx` to a call).
    pub fn loop_runs_forever(&self, index: usize, contexts: &[&str]) -> bool {
        let l = &self.loops[index];
        l.kind == LoopKind::Infinite
            && !l.exits
            && !l.observes_stop
            && !contexts.iter().any(|c| self.mentions(c, l.start, l.end))
    }

    /// The loops written directly in `func` (not in a literal inside it).
    pub fn loops_of(&self, func: usize) -> impl Iterator<Item = (usize, &Loop)> {
        self.loops
            .iter()
            .enumerate()
            .filter(move |(_, l)| l.func == Some(func))
    }

    /// Whether the goroutine started by `go` is joined by the function that starts it:
    /// a `Wait()` call (WaitGroup, errgroup) in that function, or a receive in it from a
    /// channel the goroutine sends on or closes.
    pub fn go_is_joined(&self, go: &GoStmt, join_methods: &[String]) -> bool {
        let Some(func) = go.func else {
            return false;
        };
        let waits = self.calls.iter().any(|c| {
            c.func == Some(func)
                && c.callee
                    .method_name()
                    .is_some_and(|m| join_methods.iter().any(|j| j == m))
        });
        if waits {
            return true;
        }
        let mut signalled: Vec<&str> = self
            .sends
            .iter()
            .filter(|s| go.start <= s.start && s.end <= go.end)
            .map(|s| s.channel.as_str())
            .collect();
        for c in &self.calls {
            if go.start <= c.start
                && c.end <= go.end
                && c.callee == Callee::Func("close".to_string())
                && let Some(arg) = c.args.first()
            {
                signalled.push(self.text(arg.start, arg.end));
            }
        }
        self.recvs.iter().any(|r| {
            r.func == Some(func)
                && (r.start < go.start || r.start >= go.end)
                && signalled.contains(&r.channel.as_str())
        })
    }

    /// The names of every context visible in `func` (parameters, locals, captured).
    pub fn context_names(&self, func: usize) -> Vec<&str> {
        self.contexts_in_scope(func, usize::MAX, true)
            .into_iter()
            .map(|v| v.name.as_str())
            .collect()
    }

    /// Whether `name` appears in the file other than where it is called or declared (not
    /// followed by `(`): the function is used as a value.
    pub fn used_as_value(&self, name: &str) -> bool {
        let text = self.source.text.as_str();
        let is_ident = |c: char| c.is_alphanumeric() || c == '_';
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let rest = &text[at + name.len()..];
            let after = rest.chars().next();
            if before.is_some_and(is_ident) || after.is_some_and(is_ident) {
                return false;
            }
            let next = rest.trim_start_matches([' ', '\t']).chars().next();
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            !matches!(next, Some('(') | Some('[') | None)
                && !text[line_start..at].contains("//")
                && !text[..at].ends_with("func ")
        })
    }
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

#[cfg(test)]
mod field_tests {
    use super::*;

    #[test]
    fn every_field_name_is_in_the_grammar() {
        let fields = &*FIELDS;
        for id in [
            fields.alternative,
            fields.arguments,
            fields.body,
            fields.channel,
            fields.communication,
            fields.condition,
            fields.consequence,
            fields.field,
            fields.function,
            fields.initializer,
            fields.label,
            fields.left,
            fields.name,
            fields.operand,
            fields.operator,
            fields.package,
            fields.parameters,
            fields.path,
            fields.receiver,
            fields.result,
            fields.right,
            fields.type_,
            fields.value,
        ] {
            assert_ne!(id, 0);
        }
    }
}
