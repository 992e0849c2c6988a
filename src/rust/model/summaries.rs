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
