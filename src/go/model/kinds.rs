//! Node kind names of the Go grammar, looked up once.

use std::sync::LazyLock;

use tree_sitter::Node;

/// The name of each node kind by id: `Node::kind` measures and checks the grammar's C
/// string on every call, a visible part of walking a Go tree.
static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let language: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
    (0..language.node_kind_count())
        .map(|id| {
            u16::try_from(id)
                .ok()
                .and_then(|id| language.node_kind_for_id(id))
                .unwrap_or_default()
                .to_string()
        })
        .collect()
});

/// What `Node::kind` says, without the cost.
pub(super) trait KindName {
    fn kind_name(&self) -> &'static str;
}

impl KindName for Node<'_> {
    fn kind_name(&self) -> &'static str {
        NAMES
            .get(usize::from(self.kind_id()))
            .map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_kinds_of_the_grammar() {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_go::LANGUAGE.into())
            .expect("the Go grammar loads");
        let text =
            "package p\n\nfunc f(c chan int) {\n\tselect {\n\tcase v := <-c:\n\t\t_ = v\n\t}\n}\n";
        let tree = parser.parse(text, None).expect("parsed");
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            assert_eq!(node.kind_name(), node.kind());
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
    }
}
