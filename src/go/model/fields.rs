//! Field ids of the Go grammar, looked up once.

use std::sync::LazyLock;

/// Field ids of the Go grammar, looked up once: `child_by_field_name` compares the name with
/// every field name of the grammar on each call, a visible part of checking a Go file.
pub(super) struct Fields {
    pub(super) alternative: u16,
    pub(super) arguments: u16,
    pub(super) body: u16,
    pub(super) channel: u16,
    pub(super) communication: u16,
    pub(super) condition: u16,
    pub(super) consequence: u16,
    pub(super) field: u16,
    pub(super) function: u16,
    pub(super) initializer: u16,
    pub(super) label: u16,
    pub(super) left: u16,
    pub(super) name: u16,
    pub(super) operand: u16,
    pub(super) operator: u16,
    pub(super) package: u16,
    pub(super) parameters: u16,
    pub(super) path: u16,
    pub(super) receiver: u16,
    pub(super) result: u16,
    pub(super) right: u16,
    pub(super) type_: u16,
    pub(super) update: u16,
    pub(super) value: u16,
}

pub(super) static FIELDS: LazyLock<Fields> = LazyLock::new(|| {
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
        update: id("update"),
        value: id("value"),
    }
});

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
            fields.update,
            fields.value,
        ] {
            assert_ne!(id, 0);
        }
    }
}
