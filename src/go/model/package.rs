//! What the files of one Go package (the non-test `.go` files of a directory) tell each
//! other: package-level values, methods, struct fields, and helpers that attach a context to
//! a request. Built once per package from the models of its files, owned, and handed back to
//! every model so that its queries see the whole package.

use std::collections::{HashMap, HashSet};

use super::builder::merge_value;
use super::{CtxKind, FuncUse, GoModel, ValueKind};

/// A method declared somewhere in the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodFact {
    /// The receiver's type name without `*`.
    pub receiver: String,
    pub name: String,
    /// It has a `context.Context` parameter.
    pub takes_context: bool,
}

#[derive(Debug, Default)]
pub struct PackageFacts {
    /// Package-level constants and variables by what they hold.
    pub values: HashMap<String, ValueKind>,
    pub methods: Vec<MethodFact>,
    /// Struct fields: (field name, canonical type).
    pub fields: Vec<(String, String)>,
    /// Functions and methods that attach a context to a request they are given
    /// (`req.WithContext(ctx)` on a parameter).
    pub context_attachers: Vec<String>,
    /// Functions and methods that visibly run more than once: a call naming them is in a
    /// loop or in a request handler (see `GoModel::package_calls`), or in another such
    /// function. By name alone: methods of two types share one, and a call of either counts
    /// for both.
    pub repeated: HashSet<String>,
}

impl PackageFacts {
    pub fn from_models(models: &[&GoModel]) -> PackageFacts {
        let mut facts = PackageFacts::default();
        let mut callers: Callers = HashMap::new();
        for model in models {
            for (name, kind) in &model.package_values {
                merge_value(&mut facts.values, name, kind);
            }
            facts.methods.extend(model.funcs.iter().filter_map(|f| {
                let receiver = f.receiver.clone()?;
                (f.usage == FuncUse::Declaration).then(|| MethodFact {
                    receiver,
                    name: f.name.clone().unwrap_or_default(),
                    takes_context: f.ctx_vars.iter().any(|v| v.kind == CtxKind::Param),
                })
            }));
            for decl in &model.structs {
                for field in &decl.fields {
                    for name in &field.names {
                        facts.fields.push((name.clone(), field.ty.clone()));
                    }
                }
            }
            facts
                .context_attachers
                .extend(model.own_context_attachers());
            for (caller, callee, repeats) in model.package_calls() {
                callers
                    .entry(callee.to_string())
                    .or_default()
                    .push((caller.map(str::to_string), repeats));
            }
        }
        facts.repeated = repeated(&callers);
        facts
    }
}

/// Per function name: each call naming it, as (the caller's name, `None` for a package-level
/// initializer; whether the call runs more than once each time its caller does).
type Callers = HashMap<String, Vec<(Option<String>, bool)>>;

/// The names some call of which repeats, or is made by a function that repeats, to a fixed
/// point. Cycles are fine: the set only grows.
fn repeated(callers: &Callers) -> HashSet<String> {
    let mut repeated: HashSet<String> = HashSet::new();
    loop {
        let added: Vec<&String> = callers
            .iter()
            .filter(|(name, calls)| {
                !repeated.contains(*name)
                    && calls.iter().any(|(caller, repeats)| {
                        *repeats || caller.as_ref().is_some_and(|c| repeated.contains(c))
                    })
            })
            .map(|(name, _)| name)
            .collect();
        if added.is_empty() {
            return repeated;
        }
        repeated.extend(added.into_iter().cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::knowledge::GoKnowledge;
    use crate::knowledge::Knowledge;
    use crate::source::SourceText;

    fn knowledge() -> GoKnowledge {
        Knowledge::builtin().go
    }

    #[test]
    fn facts_gather_every_file_of_the_package() {
        let keys = SourceText::new(
            "package p\n\nconst userKey = \"user\"\n\nvar retries = 3\n\ntype typedKey string\n\nconst sessionKey typedKey = \"s\"\n\nfunc f() {\n\tlocal := \"x\"\n\t_ = local\n}\n"
                .to_string(),
        );
        let types = SourceText::new(
            "package p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\ntype rows struct {\n\tctx context.Context\n}\n\nfunc (r *rows) Next() bool { return false }\n\nfunc (r *rows) Close(ctx context.Context) error { return nil }\n\nfunc (c *client) send(req *http.Request, ctx context.Context) {\n\t_ = req.WithContext(ctx)\n}\n"
                .to_string(),
        );
        let knowledge = knowledge();
        let a = crate::go::model::build(&keys, &knowledge).expect("valid Go");
        let b = crate::go::model::build(&types, &knowledge).expect("valid Go");
        let facts = PackageFacts::from_models(&[&a, &b]);
        assert_eq!(
            facts.values.get("userKey"),
            Some(&ValueKind::Builtin("string".to_string()))
        );
        assert_eq!(
            facts.values.get("retries"),
            Some(&ValueKind::Builtin("int".to_string()))
        );
        assert_eq!(facts.values.get("sessionKey"), Some(&ValueKind::Other));
        // A function's locals stay in their file.
        assert_eq!(facts.values.get("local"), None);
        assert!(facts.methods.contains(&MethodFact {
            receiver: "rows".to_string(),
            name: "Next".to_string(),
            takes_context: false,
        }));
        assert!(facts.methods.contains(&MethodFact {
            receiver: "rows".to_string(),
            name: "Close".to_string(),
            takes_context: true,
        }));
        assert!(
            facts
                .fields
                .contains(&("ctx".to_string(), "context.Context".to_string()))
        );
        assert_eq!(facts.context_attachers, vec!["send".to_string()]);
    }

    #[test]
    fn functions_called_in_loops_and_handlers_repeat() {
        let text = SourceText::new(
            "package p\n\nimport \"net/http\"\n\nvar hub = newHub()\n\nfunc main() {\n\tsetUp()\n\tgo func() { start() }()\n\tfor {\n\t\tpoll()\n\t}\n}\n\nfunc setUp() { connect() }\nfunc poll() { fetch() }\nfunc handle(w http.ResponseWriter, r *http.Request) { record() }\nfunc register() { http.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) { callback() }) }\nfunc newHub() {}\nfunc start() {}\nfunc connect() {}\nfunc fetch() {}\nfunc record() {}\nfunc callback() {}\nfunc Exported() { helper() }\nfunc helper() {}\n"
                .to_string(),
        );
        let model = crate::go::model::build(&text, &knowledge()).expect("valid Go");
        let facts = PackageFacts::from_models(&[&model]);
        let mut repeated: Vec<&str> = facts.repeated.iter().map(String::as_str).collect();
        repeated.sort_unstable();
        // `poll` in a loop, `fetch` through it, `record` in a handler, and `callback` in a
        // handler literal. Not: code reached once from `main`, `helper` (its caller is called
        // from nowhere), `main` and `register` (no caller).
        assert_eq!(repeated, ["callback", "fetch", "poll", "record"]);
    }

    #[test]
    fn a_name_declared_with_two_kinds_is_unknown() {
        let one = SourceText::new("package p\n\nconst key = \"k\"\n".to_string());
        let two = SourceText::new("package p\n\nvar key = 1\n".to_string());
        let knowledge = knowledge();
        let a = crate::go::model::build(&one, &knowledge).expect("valid Go");
        let b = crate::go::model::build(&two, &knowledge).expect("valid Go");
        let facts = PackageFacts::from_models(&[&a, &b]);
        assert_eq!(facts.values.get("key"), Some(&ValueKind::Other));
    }
}
