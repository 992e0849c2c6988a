//! Same-file summaries: what holds for a local function holds for the helpers it calls.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::rust::knowledge::any_matches;

use super::*;

/// The local functions reachable from `roots` through same-file calls: a helper called only
/// by a function that runs under a deadline runs under that deadline too.
pub(super) fn reachable(
    model: &Model,
    calls: &[(usize, String)],
    roots: &BTreeSet<String>,
) -> BTreeSet<String> {
    let roots = roots
        .iter()
        .map(|name| (name.clone(), BTreeSet::<()>::new()));
    reachable_with(model, calls, &roots.collect())
        .into_keys()
        .collect()
}

/// As [`reachable`], with what each root was reached by (the spawns that run it), carried to
/// the helpers it calls.
pub(super) fn reachable_with<T: Clone + Ord>(
    model: &Model,
    calls: &[(usize, String)],
    roots: &BTreeMap<String, BTreeSet<T>>,
) -> BTreeMap<String, BTreeSet<T>> {
    let mut reached = roots.clone();
    let mut changed = true;
    while changed {
        changed = false;
        for (caller, callee) in calls {
            let Some(by) = reached.get(&model.fns[*caller].name).cloned() else {
                continue;
            };
            let new = !reached.contains_key(callee);
            let entry = reached.entry(callee.clone()).or_default();
            let before = entry.len();
            entry.extend(by);
            changed |= new || entry.len() != before;
        }
    }
    reached
}

impl Model {
    /// The functions of the file that the calls made in `function` name: free functions for
    /// `helper(..)`, methods of the same `impl` type for `self.helper(..)` and `Self::helper(..)`.
    pub fn local_callees_of(&self, function: usize) -> BTreeSet<usize> {
        let caller_type = &self.fns[function].self_type;
        let mut callees = BTreeSet::new();
        for call in &self.calls {
            if call.scope.function != Some(function) {
                continue;
            }
            let Some(name) = self.local_callee(call) else {
                continue;
            };
            let on_self = call.receiver_is_self || call.path().is_some_and(|p| p.contains("::"));
            callees.extend(self.fns.iter().enumerate().filter_map(|(index, callee)| {
                let same_kind = if on_self {
                    callee.self_type == *caller_type
                } else {
                    callee.self_type.is_none()
                };
                (callee.name == name && same_kind).then_some(index)
            }));
        }
        callees
    }

    /// `function` and every function of the file it reaches through local calls.
    pub fn local_closure(&self, function: usize) -> BTreeSet<usize> {
        let mut reached = BTreeSet::from([function]);
        let mut pending = vec![function];
        while let Some(next) = pending.pop() {
            for callee in self.local_callees_of(next) {
                if reached.insert(callee) {
                    pending.push(callee);
                }
            }
        }
        reached
    }
}

/// How deep helper calls are followed when asking what a function acquires.
const MAX_HELPER_DEPTH: usize = 8;

impl Model {
    /// The places an async body acquires (takes a lock, permit or slot of, and may hold
    /// across its later awaits): the receivers of the awaited acquiring calls among `calls`,
    /// and the arguments passed to local async helpers in the positions those helpers acquire
    /// (the helper's future acquires them whoever polls it; a caller that asks what it waits
    /// for passes only its awaited calls).
    pub fn acquired_places<'a>(
        &self,
        calls: impl Iterator<Item = &'a Call>,
        acquires: &dyn Fn(&Call) -> bool,
    ) -> BTreeSet<(String, Span)> {
        let mut places = BTreeSet::new();
        for call in calls {
            if acquires(call) {
                if let Some(place) = call.receiver_place.as_ref().filter(|_| call.awaited) {
                    places.insert((place.clone(), call.span));
                }
                continue;
            }
            for param in self.helper_acquired_params(call, acquires, 0) {
                if let Some(Some(place)) = call.arg_places.get(param) {
                    places.insert((place.clone(), call.span));
                }
            }
        }
        places
    }

    /// The argument positions whose place the local async function `call` names acquires.
    fn helper_acquired_params(
        &self,
        call: &Call,
        acquires: &dyn Fn(&Call) -> bool,
        depth: usize,
    ) -> BTreeSet<usize> {
        let mut positions = BTreeSet::new();
        let Some(name) = self.local_callee(call) else {
            return positions;
        };
        if depth >= MAX_HELPER_DEPTH {
            return positions;
        }
        for (index, helper) in self.fns.iter().enumerate() {
            if helper.name != name || !helper.is_async || helper.has_self != call.receiver_is_self {
                continue;
            }
            let body = self
                .calls
                .iter()
                .filter(|inner| inner.scope.function == Some(index) && inner.awaited);
            for inner in body {
                let roots: Vec<&str> = if acquires(inner) {
                    inner.receiver_root.as_deref().into_iter().collect()
                } else {
                    self.helper_acquired_params(inner, acquires, depth + 1)
                        .into_iter()
                        .filter_map(|position| inner.arg_places.get(position)?.as_deref())
                        .collect()
                };
                for root in roots {
                    if let Some(position) = helper.params.iter().position(|p| p.name == root) {
                        positions.insert(position);
                    }
                }
            }
        }
        positions
    }
}

/// The application's own spawn helpers (`fn spawn_named(name, fut) { tokio::spawn(fut) }`):
/// each function of the file that hands one of its parameters to a spawn, with that
/// parameter's position. A call of one is a spawn of that argument.
pub(super) fn spawn_wrappers(
    file: &syn::File,
    uses: &crate::rust::uses::Uses,
    knowledge: &crate::rust::knowledge::RustKnowledge,
) -> HashMap<String, usize> {
    struct Finder<'a> {
        uses: &'a crate::rust::uses::Uses,
        tasks: &'a crate::rust::knowledge::Tasks,
        params: Vec<String>,
        position: Option<usize>,
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let syn::Expr::Path(path) = &*call.func
                && let Some(future) = call.args.first()
                && let Some(place) = super::syntax::place_of(future)
            {
                let resolved = self.uses.resolve(&path.path);
                if any_matches(&self.tasks.spawns, &resolved)
                    && !any_matches(&self.tasks.offloads, &resolved)
                {
                    self.position = self.params.iter().position(|param| *param == place);
                }
            }
            syn::visit::visit_expr_call(self, call);
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Wrappers<'_> {
        fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
            let params = item
                .sig
                .inputs
                .iter()
                .map(|input| match input {
                    syn::FnArg::Typed(typed) => match &*typed.pat {
                        syn::Pat::Ident(ident) => ident.ident.to_string(),
                        _ => String::new(),
                    },
                    syn::FnArg::Receiver(_) => String::new(),
                })
                .collect();
            let mut finder = Finder {
                uses: self.uses,
                tasks: self.tasks,
                params,
                position: None,
            };
            syn::visit::visit_block(&mut finder, &item.block);
            if let Some(position) = finder.position {
                self.found.insert(item.sig.ident.to_string(), position);
            }
            syn::visit::visit_item_fn(self, item);
        }
    }
    struct Wrappers<'a> {
        uses: &'a crate::rust::uses::Uses,
        tasks: &'a crate::rust::knowledge::Tasks,
        found: HashMap<String, usize>,
    }
    let mut wrappers = Wrappers {
        uses,
        tasks: &knowledge.tasks,
        found: HashMap::new(),
    };
    syn::visit::Visit::visit_file(&mut wrappers, file);
    wrappers.found
}

impl Model {
    /// A state change made before `call` that a later call of the same body undoes or
    /// completes on the same place (`map.remove(k)` ... `map.insert(k, v)`, by `pairs`):
    /// the two calls around it, if any. An await added at `call` would let a cancellation
    /// leave the state half-changed.
    pub fn state_change_around<'a>(
        &'a self,
        call: &Call,
        pairs: &[(String, String)],
    ) -> Option<(&'a Call, &'a Call)> {
        let position = |other: &Call| (other.span.line, other.span.column);
        let same_body = |other: &Call| {
            other.scope.function == call.scope.function
                && other.scope.spawns == call.scope.spawns
                && other.scope.nested == call.scope.nested
        };
        let body: Vec<&Call> = self.calls.iter().filter(|other| same_body(other)).collect();
        body.iter()
            .filter(|before| position(before) < position(call))
            .find_map(|before| {
                let (name, place) = (before.method()?, before.receiver_place.as_ref()?);
                let after = body.iter().find(|after| {
                    position(after) > position(call)
                        && after.receiver_place.as_ref() == Some(place)
                        && after
                            .method()
                            .is_some_and(|later| pairs.iter().any(|(a, b)| a == name && b == later))
                })?;
                Some((*before, *after))
            })
    }
}
