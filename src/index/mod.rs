//! The project index: facts about functions, carried along calls to a fixed point, across
//! the files of one project (a crate, a Go package). The front ends turn their models into
//! a [`CallGraph`] (which functions exist, what each one does itself, whom it calls); the
//! graph knows nothing of any language.
//!
//! Two kinds of fact travel: a *callee fact* goes from a function to its callers (`f` awaits
//! a future that is not cancel-safe, so does whoever awaits `f`), a *caller fact* from a
//! function to what it calls (`f` runs under a deadline, so does every helper it awaits).

use crate::diagnostic::Span;

/// How many calls a fact may travel through. Real helpers nest a few levels deep; the bound
/// keeps a huge generated call graph cheap.
pub const MAX_DEPTH: usize = 8;

/// Where a fact is proven: a call in some file of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Index of the file among the project's files.
    pub file: usize,
    pub span: Span,
    /// What happens there (`read_exact`, `std::fs::read`), for messages.
    pub what: String,
    /// A position the fact's kind gives meaning to: the entry of the knowledge table that
    /// matched, or the parameter a function reads from.
    pub entry: usize,
}

/// A set of facts, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Kinds(u8);

impl Kinds {
    pub const fn of(kind: u8) -> Kinds {
        Kinds(1 << kind)
    }

    pub const fn with(self, kind: u8) -> Kinds {
        Kinds(self.0 | 1 << kind)
    }

    pub const fn has(self, kind: u8) -> bool {
        self.0 & (1 << kind) != 0
    }
}

/// The number of fact kinds a graph can hold.
pub const KINDS: usize = 8;

/// Functions, their own facts and their calls. Function ids are indices.
#[derive(Debug, Default)]
pub struct CallGraph {
    /// Per function, per fact kind: the evidence of its own body.
    direct: Vec<Facts>,
    /// Per function: (callee, the kinds this call carries).
    calls: Vec<Vec<(usize, Kinds)>>,
}

impl CallGraph {
    /// Adds a function with no facts yet; returns its id.
    pub fn add_function(&mut self) -> usize {
        self.direct.push(Default::default());
        self.calls.push(Vec::new());
        self.direct.len() - 1
    }

    /// Records a fact of a function's own body (the first evidence found is kept).
    pub fn add_fact(&mut self, function: usize, kind: u8, evidence: Evidence) {
        let slot = &mut self.direct[function][kind as usize];
        if slot.is_none() {
            *slot = Some(evidence);
        }
    }

    /// Records that `caller` calls `callee` in a way that carries `kinds`.
    pub fn add_call(&mut self, caller: usize, callee: usize, kinds: Kinds) {
        if kinds != Kinds::default() {
            self.calls[caller].push((callee, kinds));
        }
    }

    /// Every function's facts once callee facts have reached the callers (`callee_kinds`) and
    /// caller facts the callees (`caller_kinds`), through at most [`MAX_DEPTH`] calls. A
    /// fact that arrives through a call keeps the evidence where it was proven.
    pub fn resolve(&self, callee_kinds: &[u8], caller_kinds: &[u8]) -> Resolved {
        let mut facts = self.direct.clone();
        for _ in 0..MAX_DEPTH {
            // Each round reads the facts of the round before, so a fact crosses one call per
            // round whatever the order of the functions.
            let before = facts.clone();
            let mut changed = false;
            for (caller, calls) in self.calls.iter().enumerate() {
                for &(callee, kinds) in calls {
                    for &kind in callee_kinds.iter().filter(|&&k| kinds.has(k)) {
                        changed |= carry(&before, &mut facts, callee, caller, kind);
                    }
                    for &kind in caller_kinds.iter().filter(|&&k| kinds.has(k)) {
                        changed |= carry(&before, &mut facts, caller, callee, kind);
                    }
                }
            }
            if !changed {
                break;
            }
        }
        Resolved { facts }
    }
}

impl CallGraph {
    /// The functions reached only through calls of `kind`: each has a caller, and every call
    /// naming it has `kind` and comes from one of `entries` or from another such function
    /// (start-up code: called from `main` and from nothing else). Cycles are fine.
    pub fn reached_only_through(&self, kind: u8, entries: &[usize]) -> Vec<bool> {
        let mut callers: Vec<Vec<(usize, Kinds)>> = vec![Vec::new(); self.calls.len()];
        for (caller, calls) in self.calls.iter().enumerate() {
            for &(callee, kinds) in calls {
                callers[callee].push((caller, kinds));
            }
        }
        let mut only: Vec<bool> = callers
            .iter()
            .map(|calls| !calls.is_empty() && calls.iter().all(|(_, kinds)| kinds.has(kind)))
            .collect();
        let mut changed = true;
        while changed {
            changed = false;
            for function in 0..only.len() {
                let reached_otherwise = callers[function]
                    .iter()
                    .any(|(caller, _)| !entries.contains(caller) && !only[*caller]);
                if only[function] && reached_otherwise {
                    only[function] = false;
                    changed = true;
                }
            }
        }
        only
    }
}

type Facts = [Option<Evidence>; KINDS];

/// Copies a fact from one function to another that lacks it; says whether anything changed.
fn carry(before: &[Facts], facts: &mut [Facts], from: usize, to: usize, kind: u8) -> bool {
    let kind = kind as usize;
    if from == to || facts[to][kind].is_some() {
        return false;
    }
    match before[from][kind].clone() {
        Some(evidence) => {
            facts[to][kind] = Some(evidence);
            true
        }
        None => false,
    }
}

/// The facts of every function, after [`CallGraph::resolve`].
#[derive(Debug, Default)]
pub struct Resolved {
    facts: Vec<Facts>,
}

impl Resolved {
    pub fn fact(&self, function: usize, kind: u8) -> Option<&Evidence> {
        self.facts.get(function)?[kind as usize].as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNSAFE: u8 = 0;
    const DEADLINE: u8 = 1;

    fn evidence(file: usize) -> Evidence {
        Evidence {
            file,
            span: Span::new(file + 1, 1, file + 1, 2),
            what: "read_exact".to_string(),
            entry: 0,
        }
    }

    #[test]
    fn callee_facts_reach_callers_and_caller_facts_reach_callees() {
        let mut graph = CallGraph::default();
        let [a, b, c] = [(); 3].map(|_| graph.add_function());
        graph.add_call(a, b, Kinds::of(UNSAFE).with(DEADLINE));
        graph.add_call(b, c, Kinds::of(UNSAFE).with(DEADLINE));
        graph.add_fact(c, UNSAFE, evidence(2));
        graph.add_fact(a, DEADLINE, evidence(0));
        let resolved = graph.resolve(&[UNSAFE], &[DEADLINE]);
        assert_eq!(resolved.fact(a, UNSAFE), Some(&evidence(2)));
        assert_eq!(resolved.fact(c, DEADLINE), Some(&evidence(0)));
        assert_eq!(resolved.fact(a, DEADLINE), Some(&evidence(0)));
        assert_eq!(resolved.fact(c, UNSAFE), Some(&evidence(2)));
        assert_eq!(resolved.fact(b, UNSAFE), Some(&evidence(2)));
    }

    #[test]
    fn a_call_carries_only_its_kinds_and_cycles_end() {
        let mut graph = CallGraph::default();
        let [a, b] = [(); 2].map(|_| graph.add_function());
        graph.add_call(a, b, Kinds::of(DEADLINE));
        graph.add_call(b, a, Kinds::of(DEADLINE));
        graph.add_fact(b, UNSAFE, evidence(1));
        let resolved = graph.resolve(&[UNSAFE], &[DEADLINE]);
        assert_eq!(resolved.fact(a, UNSAFE), None);
        assert_eq!(resolved.fact(a, DEADLINE), None);
    }

    #[test]
    fn start_up_code_is_reached_only_through_start_up_calls() {
        const CALL: u8 = 2;
        const START_UP: u8 = 3;
        let mut graph = CallGraph::default();
        let [main, setup, config, handler, shared, lonely] = [(); 6].map(|_| graph.add_function());
        let start_up = Kinds::of(CALL).with(START_UP);
        graph.add_call(main, setup, start_up);
        graph.add_call(setup, config, start_up);
        graph.add_call(config, setup, start_up);
        graph.add_call(setup, shared, start_up);
        // A call from a spawned task, say: not a start-up call.
        graph.add_call(main, handler, Kinds::of(CALL));
        graph.add_call(handler, shared, start_up);
        let only = graph.reached_only_through(START_UP, &[main]);
        assert_eq!(only, [false, true, true, false, false, false]);
        let _ = lonely;
    }

    #[test]
    fn facts_travel_at_most_max_depth_calls() {
        let mut graph = CallGraph::default();
        let chain: Vec<usize> = (0..MAX_DEPTH + 2).map(|_| graph.add_function()).collect();
        for pair in chain.windows(2) {
            graph.add_call(pair[0], pair[1], Kinds::of(UNSAFE));
        }
        graph.add_fact(*chain.last().unwrap(), UNSAFE, evidence(0));
        let resolved = graph.resolve(&[UNSAFE], &[]);
        assert!(resolved.fact(chain[2], UNSAFE).is_some());
        assert!(resolved.fact(chain[0], UNSAFE).is_none());
    }
}
