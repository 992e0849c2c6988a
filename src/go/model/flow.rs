//! A small control-flow graph of one function body, built only for functions that need one
//! (today: those that make a context with a cancel function). Blocks hold the byte ranges of
//! the statements and expressions they evaluate; a block that ends in `return` (or falls off
//! the end of the body, a synthetic return at the closing brace) records it. Calls that never
//! return (`panic`, `os.Exit`, `log.Fatal`, `t.FailNow`) end their block with no successor,
//! and so does a loop with no way out: no path goes on from them.

use std::collections::HashMap;

use tree_sitter::Node;

use super::builder::Builder;
use super::fields::FIELDS;
use super::kinds::KindName;

#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Byte ranges of what the block evaluates, in order.
    pub nodes: Vec<(usize, usize)>,
    pub succs: Vec<usize>,
    /// The `return` that ends the block: byte range, and whether it is a bare `return`.
    pub ret: Option<Return>,
}

#[derive(Debug, Clone, Copy)]
pub struct Return {
    pub start: usize,
    pub end: usize,
    pub bare: bool,
}

#[derive(Debug, Clone)]
pub struct Flow {
    /// The function (index in `funcs`) whose body this is.
    pub func: usize,
    /// Block 0 is the entry.
    pub blocks: Vec<Block>,
}

impl Flow {
    /// The first return reachable from the statement starting at `at` on a path that
    /// evaluates nothing `uses` accepts: where a value made there leaks.
    pub fn unused_path_to_return(
        &self,
        at: usize,
        uses: impl Fn(&(usize, usize)) -> bool,
        bare_return_uses: bool,
    ) -> Option<Return> {
        let (first, position) = self.blocks.iter().enumerate().find_map(|(b, block)| {
            block
                .nodes
                .iter()
                .position(|&(s, e)| s <= at && at < e)
                .map(|p| (b, p))
        })?;
        let block_uses = |block: &Block, from: usize| {
            block.nodes[from..].iter().any(&uses)
                || (bare_return_uses && block.ret.is_some_and(|r| r.bare))
        };
        if block_uses(&self.blocks[first], position + 1) {
            return None;
        }
        if let Some(ret) = self.blocks[first].ret {
            return Some(ret);
        }
        let mut seen = vec![false; self.blocks.len()];
        let mut stack: Vec<usize> = self.blocks[first].succs.iter().rev().copied().collect();
        while let Some(b) = stack.pop() {
            if std::mem::replace(&mut seen[b], true) {
                continue;
            }
            let block = &self.blocks[b];
            if block_uses(block, 0) {
                continue;
            }
            if let Some(ret) = block.ret {
                return Some(ret);
            }
            stack.extend(block.succs.iter().rev());
        }
        None
    }
}

/// Where `break` and `continue` go from inside a loop, switch or select.
struct Target {
    label: Option<String>,
    break_to: usize,
    /// `None` for a switch or select: `continue` goes to the loop around it.
    continue_to: Option<usize>,
}

struct FlowBuilder<'b, 's, 'k, 't> {
    builder: &'b Builder<'s, 'k, 't>,
    blocks: Vec<Block>,
    current: usize,
    targets: Vec<Target>,
    labels: HashMap<String, usize>,
    pending_label: Option<String>,
    /// Set by a `fallthrough` at the end of a case body.
    fell_through: bool,
}

impl Builder<'_, '_, '_> {
    /// The control-flow graph of the body of `func`, the function declared or written at `node`.
    pub(super) fn flow(&self, func: usize, node: Node) -> Option<Flow> {
        let body = node.child_by_field_id(FIELDS.body)?;
        let mut flow = FlowBuilder {
            builder: self,
            blocks: vec![Block::default()],
            current: 0,
            targets: Vec::new(),
            labels: HashMap::new(),
            pending_label: None,
            fell_through: false,
        };
        flow.statement(body);
        let end = body.end_byte();
        let last = &mut flow.blocks[flow.current];
        if last.ret.is_none() {
            last.ret = Some(Return {
                start: end.saturating_sub(1),
                end,
                bare: true,
            });
        }
        Some(Flow {
            func,
            blocks: flow.blocks,
        })
    }
}

impl FlowBuilder<'_, '_, '_, '_> {
    fn new_block(&mut self) -> usize {
        self.blocks.push(Block::default());
        self.blocks.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize) {
        self.blocks[from].succs.push(to);
    }

    /// A new block reached from the current one.
    fn follow(&mut self) -> usize {
        let next = self.new_block();
        self.edge(self.current, next);
        self.current = next;
        next
    }

    fn add(&mut self, node: Node) {
        self.blocks[self.current]
            .nodes
            .push((node.start_byte(), node.end_byte()));
    }

    /// After `return`, `break`, a call that never returns: what follows is unreachable.
    fn dead_end(&mut self) {
        self.current = self.new_block();
    }

    fn label_block(&mut self, label: &str) -> usize {
        if let Some(&b) = self.labels.get(label) {
            return b;
        }
        let b = self.new_block();
        self.labels.insert(label.to_string(), b);
        b
    }

    fn target(&self, label: Option<&str>, for_continue: bool) -> Option<&Target> {
        self.targets.iter().rev().find(|t| {
            (!for_continue || t.continue_to.is_some())
                && label.is_none_or(|l| t.label.as_deref() == Some(l))
        })
    }

    fn statements(&mut self, node: Node) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            self.statement(child);
        }
    }

    fn statement(&mut self, node: Node) {
        let label = self.pending_label.take();
        match node.kind_name() {
            "comment" | "empty_statement" => {}
            "fallthrough_statement" => self.fell_through = true,
            "block" | "statement_list" => self.statements(node),
            "return_statement" => {
                self.add(node);
                self.blocks[self.current].ret = Some(Return {
                    start: node.start_byte(),
                    end: node.end_byte(),
                    bare: node.named_child_count() == 0,
                });
                self.dead_end();
            }
            "expression_statement" => {
                self.add(node);
                let never_returns = node
                    .named_child(0)
                    .is_some_and(|c| c.kind_name() == "call_expression" && self.builder.exits(c));
                if never_returns {
                    self.dead_end();
                }
            }
            "labeled_statement" => {
                let name = node
                    .child_by_field_id(FIELDS.label)
                    .map(|l| self.builder.text_of(l).to_string());
                if let Some(name) = &name {
                    let b = self.label_block(name);
                    self.edge(self.current, b);
                    self.current = b;
                }
                let mut cursor = node.walk();
                let inner: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind_name() != "label_name")
                    .collect();
                for child in inner {
                    self.pending_label = name.clone();
                    self.statement(child);
                }
                self.pending_label = None;
            }
            "goto_statement" => {
                if let Some(label) = node.named_child(0) {
                    let b = self.label_block(self.builder.text_of(label));
                    self.edge(self.current, b);
                }
                self.dead_end();
            }
            "break_statement" | "continue_statement" => {
                let name = node.named_child(0).map(|l| self.builder.text_of(l));
                let is_continue = node.kind_name() == "continue_statement";
                let to = self.target(name, is_continue).and_then(|t| {
                    if is_continue {
                        t.continue_to
                    } else {
                        Some(t.break_to)
                    }
                });
                if let Some(to) = to {
                    self.edge(self.current, to);
                }
                self.dead_end();
            }
            "if_statement" => self.if_statement(node),
            "for_statement" => self.for_statement(node, label),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                self.branches(node, label)
            }
            _ => self.add(node),
        }
    }

    fn if_statement(&mut self, node: Node) {
        if let Some(init) = node.child_by_field_id(FIELDS.initializer) {
            self.add(init);
        }
        if let Some(condition) = node.child_by_field_id(FIELDS.condition) {
            self.add(condition);
        }
        let head = self.current;
        let after = self.new_block();
        if let Some(consequence) = node.child_by_field_id(FIELDS.consequence) {
            self.follow();
            self.statement(consequence);
            self.edge(self.current, after);
        }
        self.current = head;
        match node.child_by_field_id(FIELDS.alternative) {
            Some(alternative) => {
                self.follow();
                self.statement(alternative);
                self.edge(self.current, after);
            }
            None => self.edge(head, after),
        }
        self.current = after;
    }

    fn for_statement(&mut self, node: Node, label: Option<String>) {
        let mut ends = false;
        let mut post = None;
        let mut heads = Vec::new();
        let mut cursor = node.walk();
        let clauses: Vec<Node> = node.named_children(&mut cursor).collect();
        for clause in &clauses {
            match clause.kind_name() {
                "for_clause" => {
                    if let Some(init) = clause.child_by_field_id(FIELDS.initializer) {
                        self.add(init);
                    }
                    post = clause.child_by_field_id(FIELDS.update);
                    if let Some(condition) = clause.child_by_field_id(FIELDS.condition) {
                        ends = true;
                        heads.push(condition);
                    }
                }
                "block" | "comment" => {}
                // A range clause or a bare condition.
                _ => {
                    ends = true;
                    heads.push(*clause);
                }
            }
        }
        let head = self.follow();
        for part in heads {
            self.add(part);
        }
        let after = self.new_block();
        if ends {
            self.edge(head, after);
        }
        let continue_to = match post {
            Some(post) => {
                let b = self.new_block();
                self.blocks[b]
                    .nodes
                    .push((post.start_byte(), post.end_byte()));
                self.edge(b, head);
                b
            }
            None => head,
        };
        self.targets.push(Target {
            label,
            break_to: after,
            continue_to: Some(continue_to),
        });
        if let Some(body) = node.child_by_field_id(FIELDS.body) {
            self.follow();
            self.statement(body);
        }
        self.edge(self.current, continue_to);
        self.targets.pop();
        self.current = after;
    }

    /// `switch` and `select`: one branch per case from the head; without a `default`, a
    /// switch may take none (a `select` without one waits for a case, and `select {}` forever).
    fn branches(&mut self, node: Node, label: Option<String>) {
        let is_select = node.kind_name() == "select_statement";
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        let mut cases = Vec::new();
        for child in children {
            match child.kind_name() {
                "expression_case" | "type_case" | "default_case" | "communication_case" => {
                    cases.push(child)
                }
                "comment" => {}
                _ => self.add(child),
            }
        }
        let head = self.current;
        let after = self.new_block();
        self.targets.push(Target {
            label,
            break_to: after,
            continue_to: None,
        });
        let has_default = cases.iter().any(|c| c.kind_name() == "default_case");
        if !is_select && !has_default {
            self.edge(head, after);
        }
        let mut falls_into: Option<usize> = None;
        for case in cases {
            self.current = head;
            let start = self.follow();
            if let Some(from) = falls_into.take() {
                self.edge(from, start);
            }
            let mut cursor = case.walk();
            let parts: Vec<Node> = case.named_children(&mut cursor).collect();
            self.fell_through = false;
            for part in parts {
                let is_header = case.child_by_field_id(FIELDS.value) == Some(part)
                    || case.child_by_field_id(FIELDS.communication) == Some(part)
                    || case.child_by_field_id(FIELDS.type_) == Some(part);
                if is_header {
                    self.add(part);
                } else {
                    self.statement(part);
                }
            }
            if std::mem::take(&mut self.fell_through) {
                falls_into = Some(self.current);
            } else {
                self.edge(self.current, after);
            }
        }
        if let Some(from) = falls_into {
            self.edge(from, after);
        }
        self.targets.pop();
        self.current = after;
    }
}

#[cfg(test)]
mod tests {
    use crate::knowledge::Knowledge;
    use crate::source::SourceText;

    /// The line of the return through which `cancel`, made on the first line of the body,
    /// leaks; `None` when every path uses it.
    fn leak_line(body: &str) -> Option<usize> {
        let text = format!(
            "package p\n\nimport \"context\"\n\nfunc f(parent context.Context, a, b bool) error {{\n\tctx, cancel := context.WithCancel(parent)\n{body}}}\n"
        );
        let source = SourceText::new(text);
        let knowledge = Knowledge::builtin().go;
        let model = crate::go::model::build(&source, &knowledge).expect("valid Go");
        let flow = model
            .flow_of(0)
            .expect("a function that makes a cancel has a flow");
        let at = source.text.find("ctx, cancel").expect("the assignment");
        flow.unused_path_to_return(at, |&(s, e)| model.uses_in("cancel", s, e), false)
            .map(|r| source.position(r.start).0)
    }

    #[test]
    fn the_leaking_return_is_found() {
        assert_eq!(
            leak_line("\tif a {\n\t\tcancel()\n\t\treturn nil\n\t}\n\treturn ctx.Err()\n"),
            Some(11)
        );
        // A branch that skips the deferred call.
        assert_eq!(
            leak_line("\tif a {\n\t\tdefer cancel()\n\t}\n\t_ = ctx\n\treturn nil\n"),
            Some(11)
        );
        assert_eq!(
            leak_line("\tfor {\n\t\tif a {\n\t\t\tbreak\n\t\t}\n\t\tcancel()\n\t}\n\treturn nil\n"),
            Some(13)
        );
    }

    #[test]
    fn paths_that_never_return_or_use_it_do_not_leak() {
        assert_eq!(leak_line("\tdefer cancel()\n\treturn ctx.Err()\n"), None);
        assert_eq!(
            leak_line("\tif a {\n\t\tpanic(\"x\")\n\t}\n\tcancel()\n\treturn nil\n"),
            None
        );
        assert_eq!(leak_line("\tfor {\n\t\t_ = ctx\n\t}\n"), None);
        assert_eq!(
            leak_line(
                "\tswitch {\n\tcase a:\n\t\tfallthrough\n\tcase b:\n\t\tcancel()\n\tdefault:\n\t\tcancel()\n\t}\n\treturn nil\n"
            ),
            None
        );
        assert_eq!(leak_line("\tselect {}\n"), None);
    }
}
