//! Spans of syntax nodes, found without printing them, and token helpers.

use proc_macro2::TokenTree;
use syn::Expr;
use syn::spanned::Spanned;

use super::*;

pub(super) fn span_of(span: proc_macro2::Span) -> Span {
    let start = span.start();
    let end = span.end();
    Span::new(start.line, start.column + 1, end.line, end.column + 1)
}

/// The span of the first token of an expression, found without printing the expression
/// (`Spanned::span` prints the whole subtree, which is quadratic on long chains).
pub(super) fn first_token(mut expr: &Expr) -> proc_macro2::Span {
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

pub(super) fn first_token_of_path(path: &syn::Path) -> proc_macro2::Span {
    match (&path.leading_colon, path.segments.first()) {
        (Some(colon), _) => colon.spans[0],
        (None, Some(segment)) => segment.ident.span(),
        (None, None) => proc_macro2::Span::call_site(),
    }
}

/// The span of the last token of a callee (the last path segment's name).
pub(super) fn last_token(expr: &Expr) -> proc_macro2::Span {
    match expr {
        Expr::Path(path) => match path.path.segments.last() {
            Some(segment) => segment.ident.span(),
            None => first_token(expr),
        },
        other => other.span(),
    }
}

/// From `start` to the end of `end`.
pub(super) fn span_between(start: proc_macro2::Span, end: proc_macro2::Span) -> Span {
    let start = span_of(start);
    let end = span_of(end);
    Span::new(start.line, start.column, end.end_line, end.end_column)
}

/// The lines an item spans: from its first attribute (or keyword) to its closing brace.
pub(super) fn item_lines(
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

pub(super) fn flatten_tokens(token: TokenTree) -> Vec<String> {
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

/// Whether `inner` lies within `outer`.
pub fn encloses(outer: Span, inner: Span) -> bool {
    (outer.line, outer.column) <= (inner.line, inner.column)
        && (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)
}
