//! The builder: the state of the one pass over a file and the methods that record what it sees.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Token};

use super::spans::*;
use super::summaries::{reachable, reachable_with, spawn_wrappers};
use super::syntax::*;
use super::*;
use crate::rust::knowledge::{RustKnowledge, any_matches};
use crate::rust::uses::Uses;

pub(super) fn build(file: &syn::File, knowledge: &RustKnowledge) -> Model {
    let uses = Uses::collect(file);
    let spawn_wrappers = spawn_wrappers(file, &uses, knowledge);
    let mut builder = Builder {
        knowledge,
        spawn_wrappers,
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
            detached_fns: BTreeMap::new(),
            method_names: BTreeSet::new(),
            deadline_polled: BTreeSet::new(),
            stored_bindings: BTreeSet::new(),
            awaited_bindings: BTreeSet::new(),
            token_fields: HashMap::new(),
            lets: Vec::new(),
            binding_uses: HashMap::new(),
        },
        scope: Scope::default(),
        open_loops: Vec::new(),
        open_spawns: Vec::new(),
        bindings: vec![HashMap::new()],
        open_guards: vec![Vec::new()],
        macro_trees: Vec::new(),
        awaited: HashSet::new(),
        stored: HashSet::new(),
        discarded: None,
        bound_to: None,
        impl_context: None,
        next_binding: 0,
        exit_follows: false,
        local_calls: Vec::new(),
        field_types: HashMap::new(),
    };
    builder.visit_file(file);
    let mut model = builder.model;
    // `let f = helper(..); timeout(d, f).await`: the helper runs under the deadline too.
    let polled_later: Vec<String> = model
        .lets
        .iter()
        .filter(|binding| model.deadline_polled.contains(&binding.binding))
        .filter_map(|binding| model.local_callee(&model.calls[binding.init_call?]))
        .map(str::to_string)
        .collect();
    model.timeout_wrapped_fns.extend(polled_later);
    model.timeout_wrapped_fns = reachable(&model, &builder.local_calls, &model.timeout_wrapped_fns);
    model.cancellable_fns = reachable(&model, &builder.local_calls, &model.cancellable_fns);
    model.detached_fns = reachable_with(&model, &builder.local_calls, &model.detached_fns);
    model
}

pub(super) struct OpenSpawn {
    pub(super) index: usize,
    /// `bindings.len()` when the spawned body started: bindings at or above it are local.
    pub(super) binding_depth: usize,
}

pub(super) struct Builder<'k> {
    pub(super) knowledge: &'k RustKnowledge,
    /// Functions of the file that spawn one of their parameters, with its position.
    pub(super) spawn_wrappers: HashMap<String, usize>,
    pub(super) model: Model,
    pub(super) scope: Scope,
    /// Every loop we are inside, across bodies (for cancellation observation).
    pub(super) open_loops: Vec<usize>,
    pub(super) open_spawns: Vec<OpenSpawn>,
    /// Block-scoped variables, innermost last.
    pub(super) bindings: Vec<HashMap<String, BindingInfo>>,
    /// Addresses of call expressions whose value is awaited.
    pub(super) awaited: HashSet<usize>,
    /// Calls (by address) whose value goes into a field or a struct literal.
    pub(super) stored: HashSet<usize>,
    /// The call expression whose value a statement discards.
    pub(super) discarded: Option<usize>,
    /// The call expression a `let name =` binds, with the name.
    pub(super) bound_to: Option<(usize, String)>,
    /// The `impl` block being visited: (self type, trait).
    pub(super) impl_context: Option<(Option<String>, Option<String>)>,
    pub(super) next_binding: usize,
    /// The statement being visited is followed by a `break` or `return`.
    pub(super) exit_follows: bool,
    /// (calling function, called local function name), for same-file summaries.
    pub(super) local_calls: Vec<(usize, String)>,
    /// The declared types of the fields of the file's structs, through pointers: struct ->
    /// field -> type name (`Arc<Mutex<State>>` is `Mutex`).
    pub(super) field_types: HashMap<String, HashMap<String, String>>,
    /// Guards held in each block of the current body, innermost last (parallel to `bindings`).
    pub(super) open_guards: Vec<Vec<usize>>,
    /// The trees parsed from macro bodies, kept until the model is built: calls are known by
    /// their address (`awaited`, `stored`), and a freed tree's addresses would be handed to the
    /// next one, whose calls would then inherit what was recorded of the old ones.
    pub(super) macro_trees: Vec<Box<dyn std::any::Any>>,
}

impl Builder<'_> {
    /// Keeps a tree parsed from a macro body alive until the model is built (see
    /// `macro_trees`).
    pub(super) fn keep_alive<T: 'static>(&mut self, tree: T) {
        self.macro_trees.push(Box::new(tree));
    }

    pub(super) fn resolve(&self, path: &syn::Path) -> String {
        self.model.uses.resolve(path)
    }

    pub(super) fn resolve_type(&self, ty: &syn::Type) -> Option<String> {
        match ty {
            syn::Type::Path(path) => Some(self.resolve(&path.path)),
            syn::Type::Reference(reference) => self.resolve_type(&reference.elem),
            syn::Type::Paren(paren) => self.resolve_type(&paren.elem),
            syn::Type::Group(group) => self.resolve_type(&group.elem),
            _ => None,
        }
    }

    pub(super) fn lookup(&self, name: &str) -> Option<(usize, &BindingInfo)> {
        self.bindings
            .iter()
            .enumerate()
            .rev()
            .find_map(|(depth, scope)| scope.get(name).map(|info| (depth, info)))
    }

    pub(super) fn bind(&mut self, name: String, mut info: BindingInfo) {
        info.id = self.next_binding;
        self.next_binding += 1;
        if let Some(scope) = self.bindings.last_mut() {
            scope.insert(name, info);
        }
    }

    /// Binds every identifier in a pattern to the same information.
    pub(super) fn bind_pattern(&mut self, pat: &syn::Pat, info: &BindingInfo) {
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

    pub(super) fn plain_binding(&self) -> BindingInfo {
        BindingInfo {
            loop_depth: self.scope.loops.len(),
            open_loop: self.open_loops.last().copied(),
            ..BindingInfo::default()
        }
    }

    pub(super) fn request_kind_of_type(&self, ty: &syn::Type) -> Option<RequestKind> {
        let resolved = self.resolve_type(ty)?;
        let frameworks = &self.knowledge.frameworks;
        if any_matches(&frameworks.request_types, &resolved) {
            Some(RequestKind::Object)
        } else {
            None
        }
    }

    pub(super) fn is_token_type(&self, path: &str) -> bool {
        self.knowledge
            .frameworks
            .token_types
            .iter()
            .any(|token| token == path || token.rsplit("::").next() == Some(path))
    }

    /// The chain an expression starts from, with `let` initializers substituted.
    pub(super) fn chain_of(&self, expr: &Expr) -> Chain {
        self.chain_with_depth(expr, 0)
    }

    pub(super) fn chain_with_depth(&self, expr: &Expr, depth: usize) -> Chain {
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

    pub(super) fn chain_root(&self, expr: &Expr, depth: usize) -> Chain {
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

    pub(super) fn span_of_loop_head(
        &self,
        label: &Option<syn::Label>,
        keyword: proc_macro2::Span,
    ) -> Span {
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
    pub(super) fn is_cancel_wrapper(&self, name: &str) -> bool {
        self.knowledge
            .cancellation
            .wrappers
            .iter()
            .any(|w| w == name)
    }

    /// Marks that code at this point observes cancellation, for every open loop.
    pub(super) fn observe_name(&mut self, name: &str) {
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
    pub(super) fn use_variable(&mut self, name: &str) {
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

    pub(super) fn mark_await(&mut self, span: Span) {
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
    pub(super) fn mark_exit_all(&mut self) {
        for &index in &self.scope.loops {
            self.model.loops[index].exits = true;
        }
    }

    pub(super) fn mark_break(&mut self, label: Option<&syn::Lifetime>) {
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
    pub(super) fn in_block<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.bindings.push(HashMap::new());
        self.open_guards.push(Vec::new());
        let result = f(self);
        self.open_guards.pop();
        self.bindings.pop();
        result
    }

    /// Runs `f` in a new body (closure or async block): its own loops, its own exits.
    pub(super) fn in_body<R>(&mut self, scope: Scope, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = std::mem::replace(&mut self.scope, scope);
        // A closure or async block holds none of the guards of the code around it.
        let saved_guards = std::mem::replace(&mut self.open_guards, vec![Vec::new()]);
        let result = self.in_block(f);
        self.open_guards = saved_guards;
        self.scope = saved;
        result
    }

    /// The guard a `let` initializer evaluates to: `m.lock().unwrap()`, `c.borrow_mut()`.
    pub(super) fn guard_of_init(&self, init: &Expr) -> Option<(String, Span)> {
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

    /// The guard a `let` initializer awaits: `m.lock().await`, `sem.acquire().await?`.
    pub(super) fn async_guard_of_init(&self, init: &Expr) -> Option<(String, Span)> {
        let guards = &self.knowledge.guards;
        let mut expr = init;
        loop {
            match expr {
                Expr::Paren(inner) => expr = &inner.expr,
                Expr::Try(inner) => expr = &inner.expr,
                Expr::Await(inner) => {
                    let Expr::MethodCall(call) = peel_parens(&inner.base) else {
                        return None;
                    };
                    let name = call.method.to_string();
                    return self
                        .knowledge
                        .locks
                        .acquires(&name, call.args.len())
                        .then(|| (name, span_of(call.method.span())));
                }
                Expr::MethodCall(call) if guards.unwrappers.iter().any(|u| call.method == u) => {
                    expr = &call.receiver
                }
                _ => return None,
            }
        }
    }

    /// A method call that takes a guard without awaiting.
    pub(super) fn guard_call(&self, call: &syn::ExprMethodCall) -> Option<(String, Span)> {
        let guards = &self.knowledge.guards;
        let name = call.method.to_string();
        if !call.args.is_empty() || self.awaited.contains(&address(call)) {
            return None;
        }
        let chain = self.chain_of(&call.receiver);
        let origin = chain.root_path().unwrap_or("");
        if any_matches(&guards.async_lock_origins, origin) || self.field_is_no_lock(&call.receiver)
        {
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

    /// `self.field` whose declared type, in a struct of this file, names no lock type.
    fn field_is_no_lock(&self, receiver: &Expr) -> bool {
        let Expr::Field(field) = peel(receiver) else {
            return false;
        };
        let (Expr::Path(base), syn::Member::Named(name)) = (peel(&field.base), &field.member)
        else {
            return false;
        };
        let Some((Some(self_type), _)) = &self.impl_context else {
            return false;
        };
        let declared = base
            .path
            .is_ident("self")
            .then(|| self.field_types.get(self_type))
            .flatten()
            .and_then(|fields| fields.get(&name.to_string()));
        let fragments = &self.knowledge.guards.lock_type_fragments;
        declared.is_some_and(|ty| !fragments.iter().any(|f| ty.contains(f.as_str())))
    }

    /// Guards taken by temporaries of a scrutinee: they live through the whole `match`,
    /// `if let` or `while let` body.
    pub(super) fn scrutinee_guards(&self, expr: &Expr) -> Vec<(String, Span)> {
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
    /// Records a guard taken here (in async code only); its index.
    pub(super) fn hold_guard(
        &mut self,
        name: Option<String>,
        (method, span): (String, Span),
    ) -> Option<usize> {
        if !self.scope.is_async || self.scope.offload.is_some() {
            return None;
        }
        let index = self.model.guards.len();
        self.model.guards.push(Guard {
            name,
            method,
            span,
            awaits: Vec::new(),
            is_future: false,
            asynchronous: false,
            scope: self.scope.clone(),
        });
        if let Some(frame) = self.open_guards.last_mut() {
            frame.push(index);
        }
        Some(index)
    }

    pub(super) fn hold_scrutinee_guards(&mut self, scrutinee: &Expr) {
        for guard in self.scrutinee_guards(scrutinee) {
            self.hold_guard(None, guard);
        }
    }

    /// `name.await`, `pin!(name)`, `_ = &mut name =>`: the variable holds a future.
    pub(super) fn mark_future(&mut self, name: &str) {
        for &index in self.open_guards.iter().flatten() {
            let guard = &mut self.model.guards[index];
            if guard.name.as_deref() == Some(name) {
                guard.is_future = true;
            }
        }
        self.release_guard(name);
    }

    /// The value of `expr` goes into a field: a call (or its clone) or a variable.
    pub(super) fn mark_stored(&mut self, expr: &Expr) {
        match peel(expr) {
            Expr::Call(call) => {
                self.stored.insert(address(call));
            }
            Expr::MethodCall(call) if call.method == "clone" => self.mark_stored(&call.receiver),
            Expr::MethodCall(call) => {
                self.stored.insert(address(call));
            }
            other => {
                if let Some(id) = self.binding_named_by(other) {
                    self.model.stored_bindings.insert(id);
                }
            }
        }
    }

    /// The binding (its [`BindingInfo::id`]) of a variable written alone: `fut` in `timeout(d, fut)`.
    pub(super) fn binding_named_by(&self, expr: &Expr) -> Option<usize> {
        let Expr::Path(path) = peel(expr) else {
            return None;
        };
        let name = path.path.get_ident()?.to_string();
        self.lookup(&name).map(|(_, binding)| binding.id)
    }

    /// The variable holds a cancellation or shutdown signal: its declared type or the type its
    /// initializer makes is a signal type, or its name says so.
    fn holds_signal(&self, name: &str) -> bool {
        let cancellation = &self.knowledge.cancellation;
        let lower = name.to_ascii_lowercase();
        if cancellation
            .name_fragments
            .iter()
            .any(|f| lower.contains(f.as_str()))
        {
            return true;
        }
        let Some((_, binding)) = self.lookup(name) else {
            return false;
        };
        let made_by = binding
            .origin
            .as_ref()
            .and_then(|origin| origin.root_path())
            .and_then(|path| path.rsplit_once("::"))
            .map(|(ty, _)| ty);
        binding
            .ty
            .as_deref()
            .into_iter()
            .chain(made_by)
            .any(|ty| any_matches(&cancellation.types, ty))
    }

    /// A variable given to a deadline (`timeout(d, fut)`, `fut.timeout(d)`, a `select!`
    /// branch beside a sleep): the future it holds cannot wait forever.
    pub(super) fn mark_deadline_polled(&mut self, expr: &Expr) {
        if let Some(id) = self.binding_named_by(expr) {
            self.model.deadline_polled.insert(id);
        }
    }

    pub(super) fn mark_future_expr(&mut self, expr: &Expr) {
        if let Expr::Path(path) = peel(expr)
            && let Some(name) = path.path.get_ident()
        {
            self.mark_future(&name.to_string());
        }
    }

    /// Marks the variables passed by value: a guard moved into a call is no longer held here.
    pub(super) fn release_moved(&mut self, args: &Punctuated<Expr, Token![,]>) {
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
    pub(super) fn release_guard(&mut self, name: &str) {
        for frame in &mut self.open_guards {
            frame.retain(|&index| self.model.guards[index].name.as_deref() != Some(name));
        }
    }

    pub(super) fn body_scope(&self, is_async: bool) -> Scope {
        Scope {
            is_async,
            loops: Vec::new(),
            body_of_spawn: None,
            nested: true,
            detached: false,
            ..self.scope.clone()
        }
    }

    /// An `if`/`while` condition: a `let` binds its pattern, and the temporaries of its
    /// scrutinee (a lock guard) live through the whole body.
    pub(super) fn visit_condition(&mut self, cond: &Expr) {
        if let Expr::Let(binding) = cond {
            self.visit_expr(&binding.expr);
            self.hold_scrutinee_guards(&binding.expr);
            let info = self.plain_binding();
            self.bind_pattern(&binding.pat, &info);
        } else {
            self.visit_expr(cond);
        }
    }

    pub(super) fn visit_fn(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        block: &syn::Block,
    ) {
        let lines = item_lines(attrs, sig.fn_token.span, block.brace_token.span.close());
        let attr_paths: Vec<String> = attrs.iter().map(|a| path_text(a.path())).collect();
        let name = sig.ident.to_string();
        // A test, or a function compiled only for tests or test support
        // (`#[cfg(feature = "testing")] fn record(..)` beside the production one).
        let test_features = &self.knowledge.test_support.features;
        let is_test = attrs
            .iter()
            .any(|attr| is_test_attr(attr) || is_cfg_test(attr, test_features));
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
                // A callback that is handed a token (`impl Fn(CancellationToken)`) is no token.
                let callback = names
                    .iter()
                    .any(|name| matches!(name.as_str(), "Fn" | "FnMut" | "FnOnce"));
                if names.first().is_none_or(|first| first != "Option")
                    && !callback
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
            off_unix: self.scope.off_unix || attrs.iter().any(is_cfg_off_unix),
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

    pub(super) fn item_range(&mut self, lines: (usize, usize)) {
        self.model.item_ranges.push(lines);
    }

    /// Visits the arguments of a call, in the scope each one needs.
    pub(super) fn visit_args(
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
        if is_wrapper && let Some(future) = args.last() {
            // `timeout(d, fut)` polls `fut` to completion or the deadline, whenever it is
            // polled itself.
            self.mark_deadline_polled(future);
            if awaited {
                self.mark_awaited(future);
            }
        }
        for arg in args {
            self.visit_arg(arg, path, offload.as_deref(), is_wrapper, awaited);
        }
    }

    /// One argument of a call: a closure given to an offloading call runs on another thread,
    /// the future given to a deadline wrapper runs under the deadline.
    fn visit_arg(
        &mut self,
        arg: &Expr,
        path: Option<&str>,
        offload: Option<&str>,
        is_wrapper: bool,
        awaited: bool,
    ) {
        // `thread::spawn({ let a = a.clone(); move || .. })`: the block's statements run
        // here, its closure on the other thread.
        if offload.is_some()
            && let Some((stmts, tail @ Expr::Closure(_))) = block_tail(arg)
        {
            self.in_block(|this| {
                for stmt in stmts {
                    this.visit_stmt(stmt);
                }
                this.visit_arg(tail, path, offload, is_wrapper, awaited);
            });
            return;
        }
        match (offload, arg) {
            (Some(offload), Expr::Closure(closure)) if closure.asyncness.is_none() => {
                let scope = Scope {
                    is_async: false,
                    offload: Some(offload.to_string()),
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

    pub(super) fn visit_closure_in(&mut self, closure: &syn::ExprClosure, scope: Scope) {
        self.in_body(scope, |this| {
            for input in &closure.inputs {
                let info = this.plain_binding();
                this.bind_pattern(input, &info);
            }
            this.visit_expr(&closure.body);
        });
    }

    pub(super) fn spawn_kind(
        &self,
        call_path: Option<&str>,
        receiver: Option<&Expr>,
    ) -> Option<(String, SpawnKind)> {
        let tasks = &self.knowledge.tasks;
        if let Some(path) = call_path {
            if any_matches(&tasks.spawns, path) || self.spawn_wrappers.contains_key(path) {
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
    pub(super) fn visit_spawned(&mut self, index: usize, future: &Expr) {
        // The future inside `.instrument(span)`, `Box::pin(..)` or a block's tail is the
        // spawned one; the span, and the block's statements, are evaluated here.
        let tasks = &self.knowledge.tasks;
        match peel(future) {
            Expr::MethodCall(call) if tasks.future_adapters.contains(&call.method.to_string()) => {
                for arg in &call.args {
                    self.visit_expr(arg);
                }
                return self.visit_spawned(index, &call.receiver);
            }
            Expr::Call(call)
                if call.args.len() == 1
                    && matches!(peel(&call.func), Expr::Path(path) if any_matches(&tasks.future_boxes, &self.resolve(&path.path))) =>
            {
                return self.visit_spawned(index, &call.args[0]);
            }
            _ => {}
        }
        if let Some((stmts, tail)) = block_tail(future) {
            return self.in_block(|this| {
                for stmt in stmts {
                    this.visit_stmt(stmt);
                }
                this.visit_spawned(index, tail);
            });
        }
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
        let captures_signal = captured.iter().any(|name| self.holds_signal(name));
        self.model.spawns[index].captures_signal = captures_signal;
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

    pub(super) fn handle_use(&self, call: usize) -> HandleUse {
        if self.discarded == Some(call) {
            return HandleUse::Discarded;
        }
        if self.stored.contains(&call) {
            return HandleUse::Stored;
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
    pub(super) fn record_call(
        &mut self,
        callee: Callee,
        chain: Chain,
        (span, expr_span): (Span, Span),
        awaited: bool,
        args: &Punctuated<Expr, Token![,]>,
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
            if self.scope.detached
                && let Some(&spawn) = self.scope.spawns.last()
            {
                let spawns = self.model.detached_fns.entry(name.clone()).or_default();
                spawns.insert(spawn);
            }
            let direct = matches!(callee, Callee::Path(_)) || receiver.is_some_and(is_self);
            if let Some(caller) = self.scope.function
                && direct
            {
                self.local_calls.push((caller, name));
            }
        }
        let binding = |expr: &Expr| match peel(expr) {
            Expr::Path(path) if path.path.segments.len() == 1 => self
                .lookup(&path.path.segments[0].ident.to_string())
                .map(|(_, info)| info.clone()),
            _ => None,
        };
        let receiver_binding = receiver.and_then(binding);
        let arg_bindings = if awaited {
            args.iter().map(binding).collect()
        } else {
            Vec::new()
        };
        self.model.calls.push(Call {
            callee,
            chain,
            span,
            expr_span,
            awaited,
            arg_count: args.len(),
            arg_places: args.iter().map(place_of).collect(),
            receiver_is_self: matches!(receiver.map(peel), Some(Expr::Path(p)) if p.path.is_ident("self")),
            receiver_root: receiver.and_then(raw_root),
            receiver_place: receiver.and_then(place_of),
            result,
            exit_follows: self.exit_follows,
            receiver_binding,
            arg_bindings,
            open_loop: self.open_loops.last().copied(),
            held_guards: self.open_guards.iter().flatten().copied().collect(),
            scope: self.scope.clone(),
        });
    }

    pub(super) fn mark_awaited(&mut self, expr: &Expr) {
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
}

impl Builder<'_> {
    pub(super) fn with_loop(
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
    pub(super) fn request_derived(&self, init: &Expr, chain: &Chain) -> Option<RequestKind> {
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
