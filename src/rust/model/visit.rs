//! The `syn::visit::Visit` pass: where each kind of syntax node enters the model.

use std::collections::BTreeSet;

use syn::Expr;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use super::builder::Builder;
use super::spans::*;
use super::syntax::*;
use super::*;
use crate::rust::knowledge::any_matches;

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
        let saved_off_unix = self.scope.off_unix;
        self.scope.off_unix |= item.attrs.iter().any(is_cfg_off_unix);
        visit::visit_item_mod(self, item);
        self.scope.off_unix = saved_off_unix;
        self.scope.in_test = saved;
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        for field in &item.fields {
            let Some(name) = &field.ident else { continue };
            let names: Vec<String> = quote::ToTokens::to_token_stream(&field.ty)
                .into_iter()
                .flat_map(flatten_tokens)
                .collect();
            if let Some(outer) = outer_type(&field.ty) {
                self.field_types
                    .entry(item.ident.to_string())
                    .or_default()
                    .insert(name.to_string(), outer);
            }
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
        let saved_in_test = self.scope.in_test;
        let test_features = &self.knowledge.test_support.features;
        self.scope.in_test |= item
            .attrs
            .iter()
            .any(|attr| is_cfg_test(attr, test_features));
        visit::visit_item_impl(self, item);
        self.scope.in_test = saved_in_test;
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
        let saved = self.scope.off_unix;
        if let syn::Stmt::Local(syn::Local { attrs, .. })
        | syn::Stmt::Macro(syn::StmtMacro { attrs, .. }) = stmt
        {
            self.scope.off_unix |= attrs.iter().any(is_cfg_off_unix);
        }
        self.visit_stmt_in_scope(stmt);
        self.scope.off_unix = saved;
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let saved = self.impl_context.take();
        self.visit_fn(&item.attrs, &item.sig, &item.block);
        self.impl_context = saved;
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
                &call.args,
                None,
                handle.clone(),
            );
            let future_position = self.spawn_wrappers.get(path).copied().unwrap_or(0);
            if let Some((callee, kind)) = self.spawn_kind(Some(path), None)
                && let Some(future) = call.args.iter().nth(future_position)
            {
                let index = self.model.spawns.len();
                self.model.spawns.push(Spawn {
                    callee,
                    kind,
                    span: span_between(first_token(&call.func), last_token(&call.func)),
                    handle,
                    captures: BTreeSet::new(),
                    captured_request: Vec::new(),
                    captures_signal: false,
                    body_visible: false,
                    scope: self.scope.clone(),
                });
                if any_matches(&self.knowledge.tasks.offloads, path) {
                    // `spawn_blocking(|| ..)`: a closure on another thread.
                    self.visit_args(Some(path), &call.args, awaited);
                    self.model.spawns[index].body_visible = matches!(future, Expr::Closure(_))
                        || matches!(block_tail(future), Some((_, Expr::Closure(_))));
                } else {
                    for (position, arg) in call.args.iter().enumerate() {
                        if position == future_position {
                            self.visit_spawned(index, arg);
                        } else {
                            self.visit_expr(arg);
                        }
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
            &call.args,
            Some(&call.receiver),
            handle.clone(),
        );
        let is_wrapper_method = self.knowledge.timeouts.wrapper_methods.contains(&name);
        let saved = self.scope.in_timeout;
        self.scope.in_timeout |= is_wrapper_method;
        if is_wrapper_method && awaited {
            self.mark_awaited(&call.receiver);
            self.mark_deadline_polled(&call.receiver);
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
                    captures_signal: false,
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
        if let Some(id) = self.binding_named_by(&expr.base) {
            self.model.awaited_bindings.insert(id);
        }
        self.mark_awaited(&expr.base);
        self.visit_expr(&expr.base);
        self.mark_await(span_of(expr.await_token.span()));
    }

    fn visit_expr_assign(&mut self, expr: &'ast syn::ExprAssign) {
        if matches!(peel(&expr.left), Expr::Field(_)) {
            self.mark_stored(&expr.right);
        }
        visit::visit_expr_assign(self, expr);
    }

    fn visit_expr_struct(&mut self, expr: &'ast syn::ExprStruct) {
        for field in &expr.fields {
            self.mark_stored(&field.expr);
        }
        visit::visit_expr_struct(self, expr);
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
                this.visit_condition(&expr.cond);
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
            this.visit_condition(&expr.cond);
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
    /// A statement, once its `cfg` attributes are in the scope.
    fn visit_stmt_in_scope(&mut self, stmt: &syn::Stmt) {
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
                    } else if let Some(guard) = self.async_guard_of_init(&init.expr)
                        && let Some(index) = self.hold_guard(Some(name.clone()), guard)
                    {
                        self.model.guards[index].asynchronous = true;
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
}
