//! The builder's state and the parts of the walk that read declarations, types and
//! expressions; `visitor.rs` holds the statement walk.

use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::{Node, Parser};

use super::fields::FIELDS;
use super::kinds::KindName;
use super::visitor::root_ident;
use super::*;
use crate::diagnostic::Span;
use crate::frontend::Problem;
use crate::go::knowledge::GoKnowledge;
use crate::source::SourceText;

#[derive(Clone, Copy)]
pub(super) struct SelectInfo {
    pub(super) guarded: bool,
}

#[derive(Clone)]
pub(super) enum Breakable {
    Loop(usize),
    Other,
}

/// Per-function walking state.
#[derive(Default, Clone)]
pub(super) struct FrameState {
    pub(super) breakables: Vec<Breakable>,
    pub(super) loops: Vec<usize>,
    pub(super) done_case_depth: usize,
    pub(super) if_conditions: Vec<(usize, usize)>,
    pub(super) pending_label: Option<String>,
    pub(super) select: Option<SelectInfo>,
    /// Inside a `defer` statement, or in a func literal written in one: runs when the
    /// function returns.
    pub(super) in_defer: bool,
}

pub(super) struct Builder<'s, 'k, 't> {
    pub(super) model: GoModel<'s>,
    pub(super) knowledge: &'k GoKnowledge,
    pub(super) text: &'s str,
    pub(super) func_stack: Vec<usize>,
    pub(super) frames: Vec<FrameState>,
    /// Set while walking the call of a `go` statement, to tag the literal it launches.
    pub(super) pending_use: Option<FuncUse>,
    /// `newRequest := http.NewRequest`: (function, local name) -> (import path, name), so that
    /// `newRequest(..)` is a call of the package function.
    pub(super) aliases: HashMap<(usize, String), (String, String)>,
    /// `var timeAfterFunc = time.AfterFunc` at the top of the file: the same, for every
    /// function of the file.
    pub(super) file_aliases: HashMap<String, (String, String)>,
    /// The nodes being walked, outermost first (the root, then each node `walk` entered):
    /// ancestors of the node at hand, from which its parent is found without a search from
    /// the root (which is what tree-sitter's `Node::parent` does).
    pub(super) walking: Vec<Node<'t>>,
}

thread_local! {
    /// One Go parser per thread: making one and loading the grammar costs as much as parsing
    /// a small file.
    static PARSER: std::cell::RefCell<Option<Parser>> = const { std::cell::RefCell::new(None) };
}

/// Parses `source` and builds its model.
pub fn build<'s>(source: &'s SourceText, knowledge: &GoKnowledge) -> Result<GoModel<'s>, Problem> {
    // Go's lexer ends the last line of a file as a newline would; the grammar does not, so
    // it is given the newline. No node of the file's own text reaches past its end.
    let text = match source.text.ends_with('\n') {
        true => std::borrow::Cow::Borrowed(source.text.as_str()),
        false => std::borrow::Cow::Owned(format!("{}\n", source.text)),
    };
    let tree = PARSER.with_borrow_mut(|parser| {
        let parser = match parser {
            Some(parser) => parser,
            None => {
                let mut made = Parser::new();
                made.set_language(&tree_sitter_go::LANGUAGE.into())
                    .map_err(|e| Problem {
                        message: format!("internal error: cannot load the Go grammar: {e}"),
                        at: None,
                        parser_gap: false,
                    })?;
                parser.insert(made)
            }
        };
        parser
            .parse(text.as_ref(), None)
            .ok_or_else(|| Problem::at(1, 1, "the Go parser gave up on this file"))
    })?;
    walk_tree(tree.root_node(), source, knowledge)
}

/// The model of the tree `root` of `source`.
fn walk_tree<'s>(
    root: Node<'_>,
    source: &'s SourceText,
    knowledge: &GoKnowledge,
) -> Result<GoModel<'s>, Problem> {
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
            package_values: HashMap::new(),
            package_facts: Arc::default(),
            chan_makes: Vec::new(),
            field_chan_makes: Vec::new(),
            returns: Vec::new(),
            flows: Vec::new(),
            item_ranges: Vec::new(),
            problems: Vec::new(),
            test_code: false,
        },
        knowledge,
        text: &source.text,
        func_stack: Vec::new(),
        frames: vec![FrameState::default()],
        pending_use: None,
        aliases: HashMap::new(),
        file_aliases: HashMap::new(),
        walking: vec![root],
    };
    // Imports first: types anywhere in the file resolve through them.
    let mut cursor = root.walk();
    let top: Vec<Node> = root.named_children(&mut cursor).collect();
    for node in &top {
        match node.kind_name() {
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
    for node in top.iter().filter(|n| n.kind_name() == "var_declaration") {
        builder.file_aliases(*node);
    }
    let mut errors = 0;
    for node in &top {
        if node.is_error() {
            errors += 1;
            if errors == 1 {
                builder
                    .model
                    .problems
                    .push(partial_syntax_error(*node, source));
            }
            continue;
        }
        if matches!(
            node.kind_name(),
            "function_declaration" | "method_declaration" | "type_declaration"
        ) {
            let first = source.position(node.start_byte()).0;
            let last = source.position(node.end_byte().saturating_sub(1)).0;
            builder.model.item_ranges.push((first, last));
        }
        builder.walk(*node);
    }
    if root.has_error() && errors == 0 {
        let problem = match first_error(root) {
            Some(node) => partial_syntax_error(node, source),
            None => Problem::at(1, 1, "syntax error; the rest of the file was checked"),
        };
        builder.model.problems.push(problem);
    }
    builder.model.idents.sort_by_key(|i| i.start);
    let test_packages = &knowledge.frameworks.test_packages;
    builder.model.test_code = builder
        .model
        .imports
        .values()
        .any(|p| test_packages.contains(p));
    if top.is_empty() && !source.text.trim().is_empty() && builder.model.package.is_empty() {
        return Err(Problem::at(
            1,
            1,
            "not a Go source file (no package clause)",
        ));
    }
    Ok(builder.model)
}

/// Valid Go that tree-sitter-go 0.25 does not parse, by a piece of text that gives it away.
const PARSER_GAPS: &[(&str, &str)] = &[("new(", "`new(expr)` (Go 1.26)")];

/// The syntax error at `node`; in the rest of the file the rules still ran. Where the text it
/// covers holds syntax the grammar does not know yet, the file is valid and only says so.
fn partial_syntax_error(node: Node, source: &SourceText) -> Problem {
    let (line, column) = source.position(node.start_byte());
    // The error may cover the construct, or start inside it on its line.
    let text = &source.text;
    let line_start = text[..node.start_byte().min(text.len())]
        .rfind('\n')
        .map_or(0, |at| at + 1);
    let covered = text
        .get(line_start..node.end_byte().min(text.len()))
        .unwrap_or_default();
    let line_text = text[line_start..].lines().next().unwrap_or_default();
    let gap = PARSER_GAPS
        .iter()
        .find(|(piece, _)| covered.contains(piece) || line_text.contains(piece));
    match gap {
        Some((_, syntax)) => Problem {
            at: Some((line, column)),
            parser_gap: true,
            ..Problem::at(
                line,
                column,
                format!(
                    "line {line} uses {syntax}, which ctxlint's Go parser does not read yet; the rest of the file was checked"
                ),
            )
        },
        None => Problem::at(
            line,
            column,
            format!("syntax error at line {line}; the rest of the file was checked"),
        ),
    }
}

/// The first syntax error below `node`.
fn first_error(node: Node) -> Option<Node> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.has_error()
            && let Some(error) = first_error(child)
        {
            return Some(error);
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

/// Records what `name` holds; a name declared twice with different kinds is unknown.
pub(super) fn merge_value(values: &mut HashMap<String, ValueKind>, name: &str, kind: &ValueKind) {
    let entry = values.entry(name.to_string()).or_insert(kind.clone());
    if entry != kind {
        *entry = ValueKind::Other;
    }
}

fn unquote(text: &str) -> &str {
    text.trim_matches(|c| c == '"' || c == '`')
}

impl<'s, 't> Builder<'s, '_, 't> {
    pub(super) fn text_of(&self, node: Node) -> &'s str {
        &self.text[node.start_byte()..node.end_byte()]
    }

    pub(super) fn span(&self, node: Node) -> Span {
        self.model
            .source
            .span_of_bytes(node.start_byte(), node.end_byte())
    }

    pub(super) fn current_func(&self) -> Option<usize> {
        self.func_stack.last().copied()
    }

    pub(super) fn frame(&mut self) -> &mut FrameState {
        self.frames.last_mut().expect("a frame is always present")
    }

    pub(super) fn imports(&mut self, node: Node) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if n.kind_name() == "import_spec" {
                let Some(path) = n.child_by_field_id(FIELDS.path) else {
                    continue;
                };
                let path = unquote(self.text_of(path)).to_string();
                match n.child_by_field_id(FIELDS.name) {
                    Some(name) if name.kind_name() == "dot" => self.model.dot_imports.push(path),
                    Some(name) if name.kind_name() == "blank_identifier" => {}
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

    /// The package functions a top-level `var` names (`var timeAfterFunc = time.AfterFunc`).
    fn file_aliases(&mut self, node: Node) {
        let mut specs = vec![node];
        while let Some(n) = specs.pop() {
            let mut cursor = n.walk();
            for child in n.named_children(&mut cursor) {
                match child.kind_name() {
                    "var_spec_list" => specs.push(child),
                    "var_spec" => self.file_alias(child),
                    _ => {}
                }
            }
        }
    }

    fn file_alias(&mut self, spec: Node) {
        let mut cursor = spec.walk();
        let names: Vec<Node> = spec
            .children(&mut cursor)
            .enumerate()
            .filter(|&(i, _)| {
                u32::try_from(i)
                    .ok()
                    .and_then(|i| spec.field_name_for_child(i))
                    == Some("name")
            })
            .map(|(_, child)| child)
            .collect();
        let Some(values) = spec.child_by_field_id(FIELDS.value) else {
            return;
        };
        let mut cursor = values.walk();
        let values: Vec<Node> = values.named_children(&mut cursor).collect();
        if names.len() != values.len() {
            return;
        }
        for (name, value) in names.iter().zip(&values) {
            if let Some(function) = self.package_function(*value) {
                self.file_aliases
                    .insert(self.text_of(*name).to_string(), function);
            }
        }
    }

    /// `pkg.Name` where `pkg` is an import: (the import path, the name).
    fn package_function(&self, node: Node) -> Option<(String, String)> {
        if node.kind_name() != "selector_expression" {
            return None;
        }
        let operand = node.child_by_field_id(FIELDS.operand)?;
        let field = node.child_by_field_id(FIELDS.field)?;
        if operand.kind_name() != "identifier" {
            return None;
        }
        let path = self.import_of(self.text_of(operand))?;
        Some((path, self.text_of(field).to_string()))
    }

    pub(super) fn type_names(&mut self, node: Node) {
        let mut cursor = node.walk();
        for spec in node.named_children(&mut cursor) {
            if let Some(name) = spec.child_by_field_id(FIELDS.name) {
                self.model.type_names.push(self.text_of(name).to_string());
            }
        }
    }

    /// The canonical text of a type node.
    pub(super) fn type_name(&self, node: Node) -> String {
        match node.kind_name() {
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

    pub(super) fn request_kind(&self, ty: &str) -> Option<String> {
        self.knowledge
            .frameworks
            .request_types
            .iter()
            .find(|r| r.ty == ty)
            .map(|r| r.kind.clone())
    }

    pub(super) fn params(&self, list: Option<Node>) -> Vec<Param> {
        let mut params = Vec::new();
        let Some(list) = list else {
            return params;
        };
        let mut cursor = list.walk();
        for decl in list.named_children(&mut cursor) {
            if !matches!(
                decl.kind_name(),
                "parameter_declaration" | "variadic_parameter_declaration"
            ) {
                continue;
            }
            let ty = decl
                .child_by_field_id(FIELDS.type_)
                .map(|t| self.type_name(t))
                .unwrap_or_default();
            let ty = if decl.kind_name() == "variadic_parameter_declaration" {
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

    pub(super) fn enter_func(&mut self, node: Node<'t>, usage: FuncUse) -> usize {
        let (name, receiver, span) = match node.kind_name() {
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
            && result.kind_name() == "parameter_list"
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
        let arguments = self.called_on_the_spot(node);
        for p in &params {
            if p.name.is_empty() || p.name == "_" {
                continue;
            }
            locals.push((p.name.clone(), p.ty.clone()));
            let kind = if p.ty == context_type {
                // A literal called on the spot with a root for this parameter
                // (`go func(ctx context.Context) {..}(context.Background())`) holds a context
                // that is never done, like a local made by `Background()`.
                let root = arguments
                    .and_then(|args| args.named_child(u32::try_from(p.index).ok()?))
                    .and_then(|arg| self.ctx_kind_of(arg))
                    .filter(CtxKind::never_done);
                Some(root.unwrap_or(CtxKind::Param))
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
            lazy_init: node
                .child_by_field_id(FIELDS.body)
                .is_some_and(|body| self.opens_with_init_guard(body)),
        });
        index
    }

    /// Whether a body opens with a return for when a field is already set (`if c.hub != nil
    /// { return }`, `if s.started { return }`): lazy initialization, whose later statements
    /// run once per value however often the function is called.
    fn opens_with_init_guard(&self, body: Node) -> bool {
        let Some(first) = first_statement(body) else {
            return false;
        };
        if first.kind_name() != "if_statement" {
            return false;
        }
        let returns = first
            .child_by_field_id(FIELDS.consequence)
            .and_then(first_statement)
            .is_some_and(|statement| statement.kind_name() == "return_statement");
        let Some(condition) = first.child_by_field_id(FIELDS.condition) else {
            return false;
        };
        let field_set = match condition.kind_name() {
            "selector_expression" => true,
            "binary_expression" => {
                let (left, operator, right) = (
                    condition.child_by_field_id(FIELDS.left),
                    condition.child_by_field_id(FIELDS.operator),
                    condition.child_by_field_id(FIELDS.right),
                );
                left.is_some_and(|l| l.kind_name() == "selector_expression")
                    && operator.is_some_and(|o| self.text_of(o) == "!=")
                    && right.is_some_and(|r| self.text_of(r) == "nil")
            }
            _ => false,
        };
        returns && field_set
    }

    pub(super) fn literal_use(&mut self, node: Node<'t>) -> FuncUse {
        if let Some(usage) = self.pending_use.take() {
            return usage;
        }
        let Some(parent) = self.parent(node) else {
            return FuncUse::Other;
        };
        match parent.kind_name() {
            "call_expression" => {
                if parent.child_by_field_id(FIELDS.function) == Some(node) {
                    FuncUse::Called
                } else {
                    FuncUse::Other
                }
            }
            "argument_list" => self.argument_use(parent, node),
            "expression_list" => match self.parent(parent).map(|p| p.kind_name()) {
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

    /// How a func literal passed as an argument runs: `g.Go(func() ..)` (errgroup,
    /// `sync.WaitGroup.Go`) starts it as a goroutine; `time.AfterFunc(d, func() ..)` and the
    /// other `later_callbacks` of `rules/go/cancellation.toml` run it later, on a goroutine of
    /// their own, after the caller has returned.
    fn argument_use(&self, arguments: Node, literal: Node) -> FuncUse {
        let Some(call) = self.parent(arguments) else {
            return FuncUse::Argument;
        };
        match self.callee(call) {
            Callee::Method { name, .. }
                if name == "Go" && arguments.named_child(0) == Some(literal) =>
            {
                FuncUse::Go
            }
            Callee::Pkg { path, name }
                if self
                    .knowledge
                    .cancellation
                    .later_callbacks
                    .iter()
                    .any(|f| f.package == path && f.names.contains(&name)) =>
            {
                FuncUse::Stored
            }
            _ => FuncUse::Argument,
        }
    }

    pub(super) fn walk_func(&mut self, node: Node<'t>, usage: FuncUse) {
        let index = self.enter_func(node, usage);
        self.func_stack.push(index);
        let in_defer = self.frames.last().is_some_and(|f| f.in_defer);
        self.frames.push(FrameState {
            in_defer,
            ..FrameState::default()
        });
        let calls_before = self.model.calls.len();
        if let Some(body) = node.child_by_field_id(FIELDS.body) {
            self.walk(body);
        }
        self.frames.pop();
        self.func_stack.pop();
        // Only functions that make a cancel function need their paths.
        let apis = &self.knowledge.context_apis;
        let makes_cancel = self.model.calls[calls_before..].iter().any(|c| {
            c.func == Some(index)
                && matches!(&c.callee, Callee::Pkg { path, name } if apis.is_cancel_constructor(path, name))
        });
        if makes_cancel && let Some(flow) = self.flow(index, node) {
            self.model.flows.push(flow);
        }
    }

    /// The arguments of a func literal called where it is written (`func(..) {..}(args)`,
    /// also after `go` or `defer`).
    fn called_on_the_spot(&self, node: Node<'t>) -> Option<Node<'t>> {
        if node.kind_name() != "func_literal" {
            return None;
        }
        let call = self
            .parent(node)
            .filter(|p| p.kind_name() == "call_expression")?;
        let function = call.child_by_field_id(FIELDS.function)?;
        (function.id() == node.id())
            .then(|| call.child_by_field_id(FIELDS.arguments))
            .flatten()
    }

    /// The parent of `node`, an ancestor-or-self of the node being walked: the walk may
    /// step over some nodes (the `expression_list` of an assignment), so it is found below
    /// the nearest node being walked that holds it, as `Node::parent` finds it below the root.
    pub(super) fn parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        let mut ancestor = *self
            .walking
            .iter()
            .rev()
            .find(|a| a.id() != node.id() && a.child_with_descendant(node).is_some())?;
        loop {
            let next = ancestor.child_with_descendant(node)?;
            if next.id() == node.id() {
                return Some(ancestor);
            }
            ancestor = next;
        }
    }

    pub(super) fn walk_children(&mut self, node: Node<'t>) {
        // Most nodes walked are leaves: no cursor for them (making one allocates).
        if node.named_child_count() == 0 {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.walk(child);
        }
    }

    pub(super) fn mark_loops_exit(&mut self) {
        let loops = self.frame().loops.clone();
        for l in loops {
            self.model.loops[l].exits = true;
        }
    }

    pub(super) fn classify_expr(&self, node: Node) -> ExprKind {
        match node.kind_name() {
            "interpreted_string_literal" | "raw_string_literal" => ExprKind::Str,
            "int_literal" | "rune_literal" => ExprKind::Int,
            "true" | "false" => ExprKind::Bool,
            "float_literal" | "imaginary_literal" | "nil" => ExprKind::OtherLit,
            "identifier" => ExprKind::Ident(self.text_of(node).to_string()),
            "parenthesized_expression" => node
                .named_child(0)
                .map(|n| self.classify_expr(n))
                .unwrap_or(ExprKind::Other),
            "call_expression" => match self.callee(node) {
                // `any("x")` keeps the dynamic type of its operand.
                Callee::Func(name) if name == "any" => node
                    .child_by_field_id(FIELDS.arguments)
                    .and_then(|a| a.named_child(0))
                    .map(|a| self.classify_expr(a))
                    .unwrap_or(ExprKind::Other),
                callee => ExprKind::Call(Box::new(callee)),
            },
            "type_conversion_expression" => match node.child_by_field_id(FIELDS.type_) {
                // `interface{}("x")` keeps the dynamic type of its operand.
                Some(t)
                    if self.text_of(t).split_whitespace().collect::<String>() == "interface{}" =>
                {
                    node.child_by_field_id(FIELDS.operand)
                        .map(|o| self.classify_expr(o))
                        .unwrap_or(ExprKind::Other)
                }
                Some(t) => ExprKind::Call(Box::new(Callee::Func(self.text_of(t).to_string()))),
                None => ExprKind::Other,
            },
            _ => ExprKind::Other,
        }
    }

    pub(super) fn callee(&self, call: Node) -> Callee {
        let Some(function) = call.child_by_field_id(FIELDS.function) else {
            return Callee::Other;
        };
        match function.kind_name() {
            "identifier" => {
                let name = self.text_of(function);
                let alias = self
                    .func_stack
                    .iter()
                    .rev()
                    .find_map(|&f| self.aliases.get(&(f, name.to_string())))
                    .or_else(|| self.file_aliases.get(name));
                match alias {
                    Some((path, name)) => Callee::Pkg {
                        path: path.clone(),
                        name: name.clone(),
                    },
                    None => Callee::Func(name.to_string()),
                }
            }
            "selector_expression" => {
                let (Some(operand), Some(field)) = (
                    function.child_by_field_id(FIELDS.operand),
                    function.child_by_field_id(FIELDS.field),
                ) else {
                    return Callee::Other;
                };
                let name = self.text_of(field).to_string();
                if operand.kind_name() == "identifier"
                    && let Some(path) = self.import_of(self.text_of(operand))
                {
                    return Callee::Pkg { path, name };
                }
                let recv_pkg = if operand.kind_name() == "selector_expression" {
                    match (
                        operand.child_by_field_id(FIELDS.operand),
                        operand.child_by_field_id(FIELDS.field),
                    ) {
                        (Some(o), Some(f)) if o.kind_name() == "identifier" => self
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
    pub(super) fn import_of(&self, name: &str) -> Option<String> {
        let path = self.model.imports.get(name)?;
        for &f in self.func_stack.iter().rev() {
            if self.model.funcs[f].locals.iter().any(|(n, _)| n == name) {
                return None;
            }
        }
        Some(path.clone())
    }

    pub(super) fn lookup_type(&self, name: &str) -> Option<String> {
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

    pub(super) fn lookup_ctx(&self, name: &str) -> Option<CtxKind> {
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
    pub(super) fn mentions_request(&self, node: Node) -> bool {
        if node.kind_name() == "identifier" {
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
        if node.kind_name() == "func_literal" {
            return false;
        }
        if node.kind_name() == "call_expression"
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
    pub(super) fn expr_type(&self, node: Node) -> Option<String> {
        match node.kind_name() {
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
                if operand.kind_name() == "identifier" {
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
    pub(super) fn ctx_kind_of(&self, node: Node) -> Option<CtxKind> {
        let apis = &self.knowledge.context_apis;
        match node.kind_name() {
            "call_expression" => {
                let callee = self.callee(node);
                match &callee {
                    Callee::Pkg { path, name } if *path == apis.package => {
                        if apis.roots.contains(name) {
                            Some(CtxKind::Derived {
                                from_request: false,
                                detached: false,
                                never_done: true,
                            })
                        } else if apis.derive.contains(name) {
                            let parent = node
                                .child_by_field_id(FIELDS.arguments)
                                .and_then(|a| a.named_child(0));
                            let from_request = parent.is_some_and(|a| self.mentions_request(a));
                            // `WithValue` keeps what its parent is; a deadline or a cancel
                            // function ends the detachment.
                            let parent_kind = parent
                                .filter(|_| *name == apis.with_value)
                                .and_then(|p| self.ctx_kind_of(p));
                            let parent_is = |wanted: fn(&CtxKind) -> bool| {
                                parent_kind.as_ref().is_some_and(wanted)
                            };
                            let detached = apis.detach.contains(name)
                                || parent_is(|k| {
                                    matches!(k, CtxKind::Derived { detached: true, .. })
                                });
                            Some(CtxKind::Derived {
                                from_request: from_request && !apis.detach.contains(name),
                                detached,
                                never_done: parent_is(CtxKind::never_done),
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
                            never_done: false,
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
                                        never_done: false,
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

    pub(super) fn record_assign(&mut self, node: Node<'t>, define: bool) {
        let left = node
            .child_by_field_id(FIELDS.left)
            .or_else(|| node.child_by_field_id(FIELDS.name));
        let right = node
            .child_by_field_id(FIELDS.right)
            .or_else(|| node.child_by_field_id(FIELDS.value));
        let mut lhs = Vec::new();
        if node.kind_name() == "var_spec" || node.kind_name() == "const_spec" {
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
        let rhs_call = if rhs_nodes.len() == 1 && rhs_nodes[0].kind_name() == "call_expression" {
            Some(self.model.calls.len())
        } else {
            None
        };
        let func = self.current_func();
        // `newRequest := http.NewRequest`: a local name for a package function.
        if define
            && let Some(f) = func
            && lhs.len() == rhs_nodes.len()
        {
            for (l, r) in lhs.iter().zip(&rhs_nodes) {
                if let Some(function) = self.package_function(*r) {
                    self.aliases
                        .insert((f, self.text_of(*l).to_string()), function);
                }
            }
        }
        // `x.f = make(chan T, n)`: a field's channel and its buffer.
        if rhs_nodes.len() == lhs.len() {
            for (l, r) in lhs.iter().zip(&rhs_nodes) {
                if l.kind_name() == "selector_expression"
                    && let Some(field) = l.child_by_field_id(FIELDS.field)
                    && let Some(cap) = self.channel_made(*r)
                {
                    self.model
                        .field_chan_makes
                        .push((self.text_of(field).to_string(), cap));
                }
            }
        }
        // Types and contexts of the new names.
        if let Some(f) = func {
            let declared_type = node
                .child_by_field_id(FIELDS.type_)
                .map(|t| self.type_name(t));
            for (i, name) in lhs.iter().enumerate() {
                if name.kind_name() != "identifier" {
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
                        never_done: false,
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
                if let Some(cap) = rhs.and_then(|r| self.chan_make(r)) {
                    self.model.chan_makes.push((func, name_text.clone(), cap));
                }
            }
        }
        // Values for context keys.
        if matches!(
            node.kind_name(),
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
                        Some(ExprKind::Bool) => ValueKind::Builtin("bool".to_string()),
                        Some(ExprKind::Call(callee)) => match *callee {
                            Callee::Func(t) if is_builtin_type(&t) => ValueKind::Builtin(t),
                            _ => ValueKind::Other,
                        },
                        // `iota` continuation and the like.
                        _ => ValueKind::Other,
                    },
                };
                if func.is_none() {
                    merge_value(&mut self.model.package_values, &name_text, &kind);
                }
                merge_value(&mut self.model.values, &name_text, &kind);
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
        if node.kind_name() != "var_spec" && node.kind_name() != "const_spec" {
            for l in lhs {
                self.walk(l);
            }
        }
    }

    /// The capacity text of `make(chan T, cap)` (`None` inside for an unbuffered channel),
    /// when `node` is such a call.
    /// The buffer of the channel an expression holds when it is visibly made here: a
    /// `make(chan T, n)`, or a local of the current function assigned one (`events :=
    /// make(chan T, n)` before `&Hub{events: events}`).
    pub(super) fn channel_made(&self, node: Node) -> Option<Option<String>> {
        if node.kind_name() != "identifier" {
            return self.chan_make(node);
        }
        let name = self.text_of(node);
        let func = self.func_stack.last().copied();
        self.model
            .chan_makes
            .iter()
            .rev()
            .find(|(owner, made, _)| *owner == func && made == name)
            .map(|(_, _, cap)| cap.clone())
    }

    pub(super) fn chan_make(&self, node: Node) -> Option<Option<String>> {
        if node.kind_name() != "call_expression"
            || self.callee(node) != Callee::Func("make".to_string())
        {
            return None;
        }
        let args = node.child_by_field_id(FIELDS.arguments)?;
        if args.named_child(0)?.kind_name() != "channel_type" {
            return None;
        }
        Some(args.named_child(1).map(|c| self.text_of(c).to_string()))
    }

    pub(super) fn struct_type(&mut self, node: Node, name: Option<String>) {
        let mut fields = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if n.kind_name() == "field_declaration" {
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
            } else if n == node || n.kind_name() == "field_declaration_list" {
                let mut cursor = n.walk();
                let mut children: Vec<Node> = n.named_children(&mut cursor).collect();
                children.reverse();
                stack.extend(children);
            }
        }
        self.model.structs.push(StructDecl { name, fields });
    }
}

/// The first statement of a block (inside its `statement_list`), comments aside.
fn first_statement(block: Node) -> Option<Node> {
    let mut cursor = block.walk();
    let first = block
        .named_children(&mut cursor)
        .find(|n| n.kind_name() != "comment")?;
    if first.kind_name() == "statement_list" {
        let mut cursor = first.walk();
        return first
            .named_children(&mut cursor)
            .find(|n| n.kind_name() != "comment");
    }
    Some(first)
}
