//! Small questions about paths, attributes and expressions.

use syn::Expr;
use syn::visit::Visit;

pub(super) fn address<T>(value: &T) -> usize {
    value as *const T as usize
}

pub(super) fn last_segment(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

pub(super) fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

pub(super) fn is_test_attr(attr: &syn::Attribute) -> bool {
    let path = path_text(attr.path());
    path == "test" || path.ends_with("::test") || path == "bench"
}

/// `#[cfg(..)]` whose predicate holds only when compiling tests or test support: `test`, a
/// feature of `test_features`, `all(..)` with one of these, or `any(..)` of only these
/// (`any(test, feature = "test-util")`; not `not(test)`, nor `any(test, feature = "x")`).
pub(super) fn is_cfg_test(attr: &syn::Attribute, test_features: &[String]) -> bool {
    fn only_in_tests(predicate: &syn::Meta, test_features: &[String]) -> bool {
        let nested = |meta: &syn::Meta| {
            meta.require_list()
                .and_then(|list| {
                    list.parse_args_with(
                        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                    )
                })
                .map(|items| items.into_iter().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let only = |meta: &syn::Meta| only_in_tests(meta, test_features);
        if predicate.path().is_ident("test") {
            matches!(predicate, syn::Meta::Path(_))
        } else if predicate.path().is_ident("feature") {
            let feature = match predicate {
                syn::Meta::NameValue(syn::MetaNameValue {
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(name),
                            ..
                        }),
                    ..
                }) => name.value(),
                _ => return false,
            };
            test_features.contains(&feature)
        } else if predicate.path().is_ident("all") {
            nested(predicate).iter().any(only)
        } else if predicate.path().is_ident("any") {
            let options = nested(predicate);
            !options.is_empty() && options.iter().all(only)
        } else {
            false
        }
    }
    attr.path().is_ident("cfg")
        && attr
            .parse_args::<syn::Meta>()
            .is_ok_and(|predicate| only_in_tests(&predicate, test_features))
}

/// `#[cfg(..)]` whose predicate excludes unix: `windows`, `not(unix)`, `target_os = "windows"`,
/// `target_family = "windows"`.
pub(super) fn is_cfg_off_unix(attr: &syn::Attribute) -> bool {
    if !attr.path().is_ident("cfg") {
        return false;
    }
    let text = attr
        .meta
        .require_list()
        .map(|list| list.tokens.to_string().replace(' ', ""))
        .unwrap_or_default();
    matches!(
        text.as_str(),
        "windows" | "not(unix)" | "target_os=\"windows\"" | "target_family=\"windows\""
    )
}

/// Strips parentheses, references, `?` and `.await` around an expression.
pub(super) fn peel(mut expr: &Expr) -> &Expr {
    // A loop, not recursion: hostile input nests these thousands deep.
    for _ in 0..MAX_CHAIN {
        expr = match expr {
            Expr::Paren(inner) => &inner.expr,
            Expr::Reference(inner) => &inner.expr,
            Expr::Try(inner) => &inner.expr,
            Expr::Await(inner) => &inner.base,
            Expr::Group(inner) => &inner.expr,
            _ => return expr,
        };
    }
    expr
}

/// Strips only parentheses and groups: the expression an `.await` or `?` applies to.
pub(super) fn peel_parens(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(syn::ExprParen { expr: inner, .. })
    | Expr::Group(syn::ExprGroup { expr: inner, .. }) = expr
    {
        expr = inner;
    }
    expr
}

/// Method chains longer than this are not followed (no real builder chain comes near it,
/// and following every link of every call would be quadratic).
pub(super) const MAX_CHAIN: usize = 64;

/// `self`, or `self.clone()`.
pub(super) fn is_self(expr: &Expr) -> bool {
    match peel(expr) {
        Expr::Path(path) => path.path.is_ident("self"),
        Expr::MethodCall(call) => call.method == "clone" && is_self(&call.receiver),
        _ => false,
    }
}

pub(super) fn is_exit_stmt(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Expr(Expr::Break(_) | Expr::Return(_), _))
}

/// The receiver a method chain starts from (a loop: chains can be thousands of calls long).
pub(super) fn chain_start(mut expr: &Expr) -> &Expr {
    expr = peel(expr);
    for _ in 0..MAX_CHAIN {
        match expr {
            Expr::MethodCall(call) => expr = peel(&call.receiver),
            _ => return expr,
        }
    }
    expr
}

/// The variable a method chain starts from, as written: `token` in `token.clone().drop_guard()`.
pub(super) fn raw_root(expr: &Expr) -> Option<String> {
    match chain_start(expr) {
        Expr::Path(path) if path.qself.is_none() => path
            .path
            .get_ident()
            .map(|ident| ident.to_string())
            .filter(|name| name != "self"),
        _ => None,
    }
}

/// The place a method chain starts from, with fields: `state.db` in `state.db.clone().incr(..)`.
pub(super) fn place_of(expr: &Expr) -> Option<String> {
    let mut members = Vec::new();
    let mut expr = chain_start(expr);
    while let Expr::Field(field) = expr {
        if members.len() == 8 {
            return None;
        }
        members.push(match &field.member {
            syn::Member::Named(name) => name.to_string(),
            syn::Member::Unnamed(index) => index.index.to_string(),
        });
        expr = chain_start(&field.base);
    }
    let Expr::Path(path) = expr else {
        return None;
    };
    let mut place = path.path.get_ident()?.to_string();
    for member in members.iter().rev() {
        place.push('.');
        place.push_str(member);
    }
    Some(place)
}

/// The variable behind `&mut fut`, `fut.as_mut()` or `(&mut fut)`.
pub(super) fn referenced_variable(expr: &Expr) -> Option<String> {
    let inner = match expr {
        Expr::Reference(reference) if reference.mutability.is_some() => &reference.expr,
        Expr::MethodCall(call) if call.method == "as_mut" => &call.receiver,
        Expr::Paren(paren) => return referenced_variable(&paren.expr),
        _ => return None,
    };
    match inner.as_ref() {
        Expr::Path(path) if path.qself.is_none() => {
            path.path.get_ident().map(|ident| ident.to_string())
        }
        _ => None,
    }
}

/// A block expression with a tail: its statements and the tail (`{ let a = ..; async move { .. } }`).
pub(super) fn block_tail(expr: &Expr) -> Option<(&[syn::Stmt], &Expr)> {
    let Expr::Block(block) = peel_parens(expr) else {
        return None;
    };
    match block.block.stmts.split_last()? {
        (syn::Stmt::Expr(tail, None), stmts) => Some((stmts, tail)),
        _ => None,
    }
}

pub(super) fn is_reference_future(expr: &Expr) -> bool {
    match expr {
        Expr::Reference(reference) => reference.mutability.is_some(),
        Expr::MethodCall(call) => call.method == "as_mut",
        Expr::Paren(paren) => is_reference_future(&paren.expr),
        _ => false,
    }
}

/// Strips `?`, `.await`, `.unwrap()` and `.expect(..)` around a call.
pub(super) fn peel_unwrap(expr: &Expr) -> &Expr {
    match peel(expr) {
        Expr::MethodCall(call) if call.method == "unwrap" || call.method == "expect" => {
            peel_unwrap(&call.receiver)
        }
        other => other,
    }
}

/// Whether an expression contains a `break` or `return` (outside nested closures and async
/// blocks, which have exits of their own).
pub(super) fn contains_exit(expr: &Expr) -> bool {
    struct Finder(bool);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_break(&mut self, _: &'a syn::ExprBreak) {
            self.0 = true;
        }
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_macro(&mut self, mac: &'a syn::Macro) {
            let text = mac.tokens.to_string();
            if text.contains("break") || text.contains("return") {
                self.0 = true;
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_expr(expr);
    finder.0
}

/// The type a value of `ty` is used as, through references and shared or boxed pointers:
/// `Mutex` for `&Arc<Mutex<T>>`, `BptreeMap` for `BptreeMap<K, V>`.
pub(super) fn outer_type(ty: &syn::Type) -> Option<String> {
    const POINTERS: &[&str] = &["Arc", "Rc", "Box"];
    let mut ty = ty;
    // A loop, not recursion: hostile input nests types thousands deep.
    for _ in 0..MAX_CHAIN {
        ty = match ty {
            syn::Type::Reference(reference) => &reference.elem,
            syn::Type::Paren(paren) => &paren.elem,
            syn::Type::Group(group) => &group.elem,
            syn::Type::Path(path) => {
                let last = path.path.segments.last()?;
                let name = last.ident.to_string();
                if !POINTERS.contains(&name.as_str()) {
                    return Some(name);
                }
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return Some(name);
                };
                match args.args.first() {
                    Some(syn::GenericArgument::Type(inner)) => inner,
                    _ => return Some(name),
                }
            }
            _ => return None,
        };
    }
    None
}
