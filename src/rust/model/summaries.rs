//! Same-file summaries: what holds for a local function holds for the helpers it calls.

use std::collections::BTreeSet;

use super::*;

/// The local functions reachable from `roots` through same-file calls: a helper called only
/// by a function that runs under a deadline runs under that deadline too.
pub(super) fn reachable(
    model: &Model,
    calls: &[(usize, String)],
    roots: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut reached = roots.clone();
    let mut changed = true;
    while changed {
        changed = false;
        for (caller, callee) in calls {
            if reached.contains(&model.fns[*caller].name) && !reached.contains(callee) {
                reached.insert(callee.clone());
                changed = true;
            }
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
