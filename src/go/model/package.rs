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
    /// Names of functions and methods that some call of the package names (by name alone:
    /// methods of two types share one).
    pub called: HashSet<String>,
    /// Functions and methods that run more than once: called in a loop or by a request
    /// handler, or called by such a function.
    pub repeated: HashSet<String>,
}

impl PackageFacts {
    pub fn from_models(models: &[&GoModel]) -> PackageFacts {
        let mut facts = PackageFacts::default();
        let mut edges = Vec::new();
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
                facts.called.insert(callee.to_string());
                if repeats {
                    facts.repeated.insert(callee.to_string());
                }
                if let Some(caller) = caller {
                    edges.push((caller.to_string(), callee.to_string()));
                }
            }
        }
        // Whatever a function that runs more than once calls runs more than once too.
        let mut changed = true;
        while changed {
            changed = false;
            for (caller, callee) in &edges {
                if facts.repeated.contains(caller) && !facts.repeated.contains(callee) {
                    facts.repeated.insert(callee.clone());
                    changed = true;
                }
            }
        }
        facts
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
    fn functions_called_in_a_loop_or_by_a_handler_run_more_than_once() {
        let text = SourceText::new(
            "package p\n\nimport \"net/http\"\n\nfunc main() {\n\tsetUp()\n\tfor {\n\t\tpoll()\n\t}\n}\n\nfunc poll() { fetch() }\n\nfunc handle(w http.ResponseWriter, r *http.Request) { record() }\n\nfunc setUp() {}\nfunc fetch() {}\nfunc record() {}\nfunc unused() {}\n"
                .to_string(),
        );
        let model = crate::go::model::build(&text, &knowledge()).expect("valid Go");
        let facts = PackageFacts::from_models(&[&model]);
        let mut repeated: Vec<&str> = facts.repeated.iter().map(String::as_str).collect();
        repeated.sort_unstable();
        assert_eq!(repeated, ["fetch", "poll", "record"]);
        assert!(facts.called.contains("setUp"));
        assert!(!facts.called.contains("unused"));
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
