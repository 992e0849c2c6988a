//! What a call does, judged against the API tables: it blocks the thread, or it is a future
//! that loses data when dropped. The rules and the project index ask the same questions.

use super::knowledge::{RustKnowledge, any_matches, path_matches};
use super::model::{Call, Callee, Model};

/// A call that blocks the thread it runs on.
pub struct BlockingOp<'k> {
    /// The call as messages show it (`` `std::fs::read` ``, `` `.recv()` on a value from .. ``).
    pub what: String,
    /// What to use instead.
    pub instead: &'k str,
    /// The async function that replaces a blocking path call one for one.
    pub async_path: Option<&'k str>,
    /// Harmless where it runs once: one short operation on one file, or a read of what the
    /// user types (`brief` and `prompt` in `rules/rust/blocking.toml`).
    pub brief: bool,
}

impl Model {
    /// The blocking function or method of `rules/rust/blocking.toml` a call matches.
    pub fn blocking_op<'k>(
        &self,
        knowledge: &'k RustKnowledge,
        call: &Call,
    ) -> Option<BlockingOp<'k>> {
        let blocking = &knowledge.blocking;
        match &call.callee {
            Callee::Path(path) => {
                let entry = blocking.call.iter().find(|entry| {
                    entry.only_with_methods.is_empty()
                        && path_matches(&entry.path, path)
                        && !entry.except.iter().any(|except| path_matches(except, path))
                })?;
                Some(BlockingOp {
                    what: format!("`{path}`"),
                    instead: &entry.instead,
                    async_path: entry.async_path.as_deref(),
                    brief: entry.harmless_once(),
                })
            }
            Callee::Method(name) => {
                let origin = call.chain.root_path().unwrap_or("");
                let by_method = blocking.method.iter().find(|entry| {
                    entry.name == *name
                        && (entry.origins.is_empty() && entry.receiver_types.is_empty()
                            || entry.origins.iter().any(|o| path_matches(o, origin))
                            || call.receiver_type().is_some_and(|ty| {
                                entry.receiver_types.iter().any(|t| path_matches(t, ty))
                            }))
                        && entry
                            .requires_use
                            .as_ref()
                            .is_none_or(|krate| self.uses.uses_crate(krate))
                        && !entry
                            .unless_use
                            .as_ref()
                            .is_some_and(|krate| self.uses.uses_crate(krate))
                        && (!entry.requires_args || call.arg_count > 0)
                });
                let (what, instead, brief) = match by_method {
                    Some(entry) => (format!("`.{name}()`"), entry.instead.as_str(), false),
                    None => {
                        let entry = blocking.call.iter().find(|entry| {
                            entry.only_with_methods.contains(name)
                                && path_matches(&entry.path, origin)
                        })?;
                        (
                            format!("`{}().{name}()`", entry.path),
                            entry.instead.as_str(),
                            entry.harmless_once(),
                        )
                    }
                };
                let origin_note = match call.chain.root_path() {
                    Some(path) if by_method.is_some_and(|e| !e.origins.is_empty()) => {
                        format!(" on a value from `{path}`")
                    }
                    _ if by_method.is_some_and(|e| !e.receiver_types.is_empty()) => call
                        .receiver_type()
                        .map(|ty| format!(" on a `{ty}`"))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                Some(BlockingOp {
                    what: format!("{what}{origin_note}"),
                    instead,
                    async_path: None,
                    brief,
                })
            }
        }
    }

    /// The entry of `rules/rust/cancel_safety.toml` a call matches: a future that loses data
    /// when it is dropped before completing.
    pub fn cancel_unsafe_op(&self, knowledge: &RustKnowledge, call: &Call) -> Option<usize> {
        let origin = call.chain.root_path().unwrap_or("");
        let ty = call.receiver_type().unwrap_or("");
        knowledge
            .cancel_safety
            .unsafe_ops
            .iter()
            .position(|op| match &call.callee {
                Callee::Path(path) => any_matches(&op.paths, path),
                Callee::Method(name) => {
                    op.methods.contains(name)
                        && op.args.is_none_or(|args| args == call.arg_count)
                        && (op.receiver_origins.is_empty() && op.receiver_types.is_empty()
                            || any_matches(&op.receiver_origins, origin)
                            || any_matches(&op.receiver_types, ty))
                        && op
                            .requires_import
                            .as_deref()
                            .is_none_or(|name| self.uses.imports(name))
                        && !any_matches(&op.except_origins, origin)
                }
            })
    }
}
