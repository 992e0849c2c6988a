//! ## What it does
//! Flags `context.WithValue` called with a key of a built-in type: a string, integer or
//! boolean literal, a conversion such as `string(k)`, a literal wrapped in `interface{}(..)` or
//! `any(..)` (the key keeps its dynamic type), a parameter or local declared with a built-in
//! type (`k string`), or a constant or variable of this file that holds one.
//!
//! ## Why is this bad
//! Context values are found by key equality across every package that touches the context.
//! Two packages that both use the key `"user"` overwrite and read each other's values; `go vet`
//! and staticcheck warn about it for the same reason.
//!
//! ## Example
//! ```go
//! ctx = context.WithValue(ctx, "requestID", id)
//! ```
//!
//! ## Use instead
//! ```go
//! type requestIDKey struct{}
//!
//! ctx = context.WithValue(ctx, requestIDKey{}, id)
//! ```
//!
//! ## Known problems
//! Package-level keys declared in another file of the package are judged (`const userKey =
//! "user"` in `keys.go`); keys from another package are not. A name declared twice in the
//! package with different kinds is treated as unknown.
//!
//! Test code (a `_test.go` file, a file under `testdata/`, or a file that imports
//! `testing`) is not checked: a test's keys never meet another package's values.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{Callee, ExprKind, GoModel, ValueKind, is_builtin_type};

pub fn check(model: &GoModel, knowledge: &GoKnowledge) -> Vec<Finding> {
    let apis = &knowledge.context_apis;
    let mut findings = Vec::new();
    // A test's keys never meet another package's values.
    if model.is_test_code() {
        return findings;
    }
    for call in &model.calls {
        if !call.callee.pkg_fn(&apis.package, &apis.with_value) {
            continue;
        }
        let Some(key) = call.args.get(1) else {
            continue;
        };
        let builtin = match &key.kind {
            ExprKind::Str => Some("string".to_string()),
            ExprKind::Int => Some("int".to_string()),
            ExprKind::Call(callee) => match callee.as_ref() {
                Callee::Func(t) if is_builtin_type(t) => Some(t.clone()),
                _ => None,
            },
            ExprKind::Bool => Some("bool".to_string()),
            // A parameter or local of visible type first (`k string`), then a named value.
            ExprKind::Ident(name) => match model.type_of(call.func, name) {
                Some(t) => is_builtin_type(&t).then_some(t),
                None => match model.value_kind(name) {
                    Some(ValueKind::Builtin(t)) => Some(t.clone()),
                    _ => None,
                },
            },
            _ => None,
        };
        let Some(builtin) = builtin else {
            continue;
        };
        let key_text = model.text(key.start, key.end);
        findings.push(
            Finding::new(
                "context-key-type",
                model.span(key.start, key.end),
                format!("context key `{key_text}` has built-in type `{builtin}`, which any package can collide with"),
            )
            .help("declare an unexported key type: `type ctxKey struct{}` and use `context.WithValue(ctx, ctxKey{}, v)`"),
        );
    }
    findings
}
