//! The statement walk: scopes, loops, selects, calls and goroutine launches.

use tree_sitter::Node;

use super::builder::{Breakable, Builder, SelectInfo};
use super::fields::FIELDS;
use super::kinds::KindName;
use super::*;

impl<'t> Builder<'_, '_, 't> {
    pub(super) fn walk(&mut self, node: Node<'t>) {
        if node.is_error() {
            return;
        }
        self.walking.push(node);
        self.visit(node);
        self.walking.pop();
    }

    fn visit(&mut self, node: Node<'t>) {
        match node.kind_name() {
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
                    if t.kind_name() == "struct_type" {
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
            "defer_statement" => {
                let outer = std::mem::replace(&mut self.frame().in_defer, true);
                self.walk_children(node);
                self.frame().in_defer = outer;
            }
            "call_expression" => self.call(node),
            "selector_expression" => {
                if let (Some(operand), Some(field)) = (
                    node.child_by_field_id(FIELDS.operand),
                    node.child_by_field_id(FIELDS.field),
                ) && operand.kind_name() == "identifier"
                    && let Some(path) = self.import_of(self.text_of(operand))
                {
                    let is_called = self.parent(node).is_some_and(|p| {
                        p.kind_name() == "call_expression"
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
                        if element.kind_name() == "keyed_element"
                            && let Some(key) = element.named_child(0)
                        {
                            keys.push(self.text_of(key).trim().to_string());
                            if let Some(cap) = element
                                .named_child(1)
                                .and_then(|v| match v.kind_name() {
                                    "literal_element" => v.named_child(0),
                                    _ => Some(v),
                                })
                                .and_then(|v| self.channel_made(v))
                            {
                                self.model
                                    .field_chan_makes
                                    .push((self.text_of(key).trim().to_string(), cap));
                            }
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
                    && t.kind_name() == "struct_type"
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
                    if child.kind_name() != "label_name" {
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
                let in_select_comm = self
                    .parent(node)
                    .is_some_and(|p| p.kind_name() == "communication_case");
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
                    // A channel named like a stop signal is one only when what it carries is
                    // ignored (`<-done`, `case <-quit:`); `c := <-closedClients` is data.
                    let value_ignored = self.parent(node).is_some_and(|p| {
                        p.kind_name() == "expression_statement"
                            || (p.kind_name() == "receive_statement"
                                && p.child_by_field_id(FIELDS.left).is_none())
                    });
                    if value_ignored && self.knowledge.cancellation.is_stop_channel(&channel) {
                        let loops = self.frame().loops.clone();
                        for l in loops {
                            self.model.loops[l].observes_stop = true;
                        }
                    }
                    let raced = self.frame().loops.is_empty()
                        && self.frame().select.is_some_and(|s| s.guarded);
                    self.model.recvs.push(Recv {
                        func: self.current_func(),
                        start: node.start_byte(),
                        channel,
                        raced,
                        drains: false,
                    });
                }
                self.walk_children(node);
            }
            _ => self.walk_children(node),
        }
    }

    pub(super) fn for_statement(&mut self, node: Node<'t>) {
        let label = self.frame().pending_label.take();
        let mut kind = LoopKind::Infinite;
        let mut condition = None;
        let mut vars = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in &children {
            match child.kind_name() {
                "range_clause" => {
                    kind = LoopKind::Range;
                    let declares = self.text_of(*child).contains(":=");
                    if let Some(left) = child.child_by_field_id(FIELDS.left).filter(|_| declares) {
                        let mut names = left.walk();
                        vars.extend(
                            left.named_children(&mut names)
                                .filter(|n| n.kind_name() == "identifier")
                                .map(|n| self.text_of(n).to_string()),
                        );
                    }
                    if let Some(right) = child.child_by_field_id(FIELDS.right) {
                        if self.is_ticker_channel(right) {
                            // A ticker's channel is never closed: the loop never ends.
                            kind = LoopKind::Infinite;
                        }
                        self.model.recvs.push(Recv {
                            func: self.current_func(),
                            start: node.start_byte(),
                            channel: self.text_of(right).to_string(),
                            raced: false,
                            drains: true,
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
            if child.kind_name() != "block" {
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

    pub(super) fn select_statement(&mut self, node: Node<'t>) {
        self.frame().pending_label = None;
        let cancellation = &self.knowledge.cancellation;
        let mut cursor = node.walk();
        let cases: Vec<Node> = node.named_children(&mut cursor).collect();
        let mut guarded = false;
        let mut stop_cases = Vec::new();
        for case in &cases {
            match case.kind_name() {
                "default_case" => guarded = true,
                "communication_case" => {
                    if let Some(comm) = case.child_by_field_id(FIELDS.communication)
                        && comm.kind_name() == "receive_statement"
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
            if case.kind_name() != "communication_case" {
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

    pub(super) fn args(&self, call: Node) -> Vec<Expr> {
        let mut args = Vec::new();
        if let Some(list) = call.child_by_field_id(FIELDS.arguments) {
            let mut cursor = list.walk();
            for arg in list.named_children(&mut cursor) {
                if arg.kind_name() == "comment" {
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

    pub(super) fn call(&mut self, node: Node<'t>) {
        let callee = self.callee(node);
        let in_comparison = self.parent(node).is_some_and(|p| {
            p.kind_name() == "binary_expression"
                && p.child_by_field_id(FIELDS.operator)
                    .is_some_and(|o| matches!(self.text_of(o), "==" | "!="))
        });
        if self.callee_exits(&callee) {
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
            in_defer: frame.in_defer,
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
                .is_some_and(|a| a.kind_name() == "func_literal"),
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

    /// `time.Tick(d)` or `t.C` of a `*time.Ticker` local: a channel that is never closed.
    fn is_ticker_channel(&self, node: Node) -> bool {
        let ticker = &self.knowledge.cancellation.never_closed;
        match node.kind_name() {
            "call_expression" => match self.callee(node) {
                Callee::Pkg { path, name } => ticker
                    .functions
                    .iter()
                    .any(|set| set.contains(&path, &name)),
                _ => false,
            },
            "selector_expression" => {
                let (Some(operand), Some(field)) = (
                    node.child_by_field_id(FIELDS.operand),
                    node.child_by_field_id(FIELDS.field),
                ) else {
                    return false;
                };
                operand.kind_name() == "identifier"
                    && self.lookup_type(self.text_of(operand)).is_some_and(|ty| {
                        ticker
                            .fields
                            .iter()
                            .any(|f| f.ty == ty && f.field == self.text_of(field))
                    })
            }
            _ => false,
        }
    }

    /// Whether a call never returns (`panic`, `os.Exit`, `log.Fatal`, `t.FailNow`).
    pub(super) fn exits(&self, call: Node) -> bool {
        self.callee_exits(&self.callee(call))
    }

    fn callee_exits(&self, callee: &Callee) -> bool {
        let cancellation = &self.knowledge.cancellation;
        match callee {
            Callee::Pkg { path, name } => cancellation
                .exiting_calls
                .iter()
                .any(|set| set.contains(path, name)),
            Callee::Func(name) => cancellation.exiting_builtins.contains(name),
            Callee::Method { name, .. } => cancellation.exiting_methods.contains(name),
            Callee::Other => false,
        }
    }

    pub(super) fn go_statement(&mut self, node: Node<'t>) {
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
        if call.kind_name() == "call_expression" {
            args = self.args(call);
            if let Some(function) = call.child_by_field_id(FIELDS.function) {
                match function.kind_name() {
                    "func_literal" => target = GoTarget::Literal(self.model.funcs.len()),
                    "identifier" => target = GoTarget::Named(self.text_of(function).to_string()),
                    "selector_expression" => {
                        if let Some(field) = function.child_by_field_id(FIELDS.field) {
                            let is_pkg =
                                function.child_by_field_id(FIELDS.operand).is_some_and(|o| {
                                    o.kind_name() == "identifier"
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

pub(super) fn root_ident(node: Node) -> Option<Node> {
    let mut current = node;
    loop {
        match current.kind_name() {
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
