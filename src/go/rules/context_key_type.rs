//! ## What it does
//! Flags `context.WithValue` called with a key of a built-in type: a string, integer or
//! boolean literal, a conversion such as `string(k)`, a literal wrapped in `interface{}(..)` or
//! `any(..)` (the key keeps its dynamic type), a parameter or local declared with a built-in
//! type (`k string`), or a constant or variable of the package that holds one. Also a key
//! that cannot be compared (a slice, map or func, or a struct of the file with such a field:
//! the call panics) and an empty anonymous struct (`struct{}{}`, equal to every other), as
//! staticcheck's SA1029 does; `fixtures/go/context-key-type/sa1029.go` holds its cases that
//! need no type checker.
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
//! Test code (a `_test.go` file, a file under `testdata/`, or a file that imports `testing` or a test framework) is
//! not checked: a test's keys never meet another package's values.
//!
//! Its default level is `info`, so it is shown but does not fail a run at the default
//! `--fail-level warning`: on real applications the string keys it finds are a team's own
//! convention, set and read by one package (or shared with gin's `c.Set` on purpose), and no
//! collision was seen in any of them. Raise it in `ctxlint.toml` (`context-key-type =
//! "warning"`) to enforce typed keys.

use crate::diagnostic::Finding;
use crate::go::knowledge::GoKnowledge;
use crate::go::model::{Callee, ExprKind, GoModel, ValueKind, is_builtin_type};
use crate::go::rules::Needs;

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
        let key_text = model.text(key.start, key.end);
        let problem = builtin_type(model, call.func, &key.kind)
            .map(KeyProblem::Builtin)
            .or_else(|| literal_problem(model, call.func, key_text));
        let Some(problem) = problem else {
            continue;
        };
        let (message, help) = match problem {
            KeyProblem::Builtin(builtin) => (
                format!(
                    "context key `{key_text}` has built-in type `{builtin}`, which any package can collide with"
                ),
                "declare an unexported key type: `type ctxKey struct{}` and use `context.WithValue(ctx, ctxKey{}, v)`",
            ),
            KeyProblem::NotComparable(ty) => (
                format!(
                    "context key `{key_text}` has type `{ty}`, which is not comparable: `context.WithValue` panics"
                ),
                "use a comparable key type: `type ctxKey struct{}`",
            ),
            KeyProblem::EmptyAnonymousStruct => (
                format!(
                    "context key `{key_text}` is an empty anonymous struct, equal to every other package's `struct{{}}{{}}` key"
                ),
                "name the type: `type ctxKey struct{}` and use `ctxKey{}`",
            ),
        };
        findings.push(
            Finding::new("context-key-type", model.span(key.start, key.end), message).help(help),
        );
    }
    findings
}

/// Why a key is not fit for `context.WithValue`.
enum KeyProblem {
    /// Of a built-in type: another package's key of the same type and value collides.
    Builtin(String),
    /// Of a type that cannot be compared: the call panics.
    NotComparable(String),
    /// `struct{}{}`: every empty anonymous struct equals every other.
    EmptyAnonymousStruct,
}

/// The built-in type of a key: a literal, a conversion, or a name of visible built-in type.
fn builtin_type(model: &GoModel, func: Option<usize>, key: &ExprKind) -> Option<String> {
    match key {
        ExprKind::Str => Some("string".to_string()),
        ExprKind::Int => Some("int".to_string()),
        ExprKind::Call(callee) => match callee.as_ref() {
            Callee::Func(t) if is_builtin_type(t) => Some(t.clone()),
            _ => None,
        },
        ExprKind::Bool => Some("bool".to_string()),
        // A parameter or local of visible type first (`k string`), then a named value.
        ExprKind::Ident(name) => match model.type_of(func, name) {
            Some(t) => is_builtin_type(&t).then_some(t),
            None => match model.value_kind(name) {
                Some(ValueKind::Builtin(t)) => Some(t.clone()),
                _ => None,
            },
        },
        _ => None,
    }
}

/// A key whose written type (a composite literal, a conversion, a typed local) cannot be
/// compared or is an empty anonymous struct.
fn literal_problem(model: &GoModel, func: Option<usize>, key: &str) -> Option<KeyProblem> {
    let ty = match model.type_of(func, key) {
        Some(ty) => ty,
        None => written_type(key)?.to_string(),
    };
    let compact: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    if compact == "struct{}" {
        return Some(KeyProblem::EmptyAnonymousStruct);
    }
    let uncomparable = |ty: &str| ["[]", "map[", "func("].iter().any(|p| ty.starts_with(p));
    // A struct of this file with a field that cannot be compared cannot be either.
    let has_uncomparable_field = model
        .structs
        .iter()
        .filter(|decl| decl.name.as_deref() == Some(ty.as_str()))
        .any(|decl| decl.fields.iter().any(|field| uncomparable(&field.ty)));
    (uncomparable(&compact) || has_uncomparable_field).then_some(KeyProblem::NotComparable(ty))
}

/// The type a composite literal or conversion writes: `bag` in `bag{}`, `struct{}` in
/// `struct{}{}`, `[]byte` in `[]byte(nil)`.
fn written_type(key: &str) -> Option<&str> {
    if let Some(rest) = key.strip_prefix("struct") {
        // The struct type's own braces end the type.
        let close = rest.find('}')?;
        return Some(&key[.."struct".len() + close + 1]);
    }
    let end = key.find(['{', '('])?;
    (end > 0).then(|| &key[..end])
}

/// A `context.WithValue` call.
pub fn needs(knowledge: &GoKnowledge) -> Needs {
    let apis = &knowledge.context_apis;
    Needs::any_of([&apis.with_value]).importing([&apis.package])
}

/// The keys named by a constant or variable, which any function of the file may declare.
pub fn read_elsewhere(model: &GoModel, knowledge: &GoKnowledge) -> Vec<String> {
    let apis = &knowledge.context_apis;
    model
        .calls
        .iter()
        .filter(|call| call.callee.pkg_fn(&apis.package, &apis.with_value))
        .filter_map(|call| match &call.args.get(1)?.kind {
            ExprKind::Ident(name) => Some(name.clone()),
            _ => None,
        })
        .collect()
}
