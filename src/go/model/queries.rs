//! The questions rules ask of a file's model: scopes, names, types, loops and joins.

use super::*;
use crate::go::knowledge::ContextApis;

impl GoModel<'_> {
    pub fn text(&self, start: usize, end: usize) -> &str {
        &self.source.text[start..end]
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        self.source.span_of_bytes(start, end)
    }

    /// The assignment whose right-hand side is exactly the call `call` (`x, err := f()`).
    pub fn assignment_of(&self, call: usize) -> Option<&Assign> {
        self.assigns.iter().find(|a| a.rhs_call == Some(call))
    }

    /// The calls of this file that may name a function or method of the package: (the name
    /// of the declared function making it, `None` for a package-level initializer; the name
    /// called; whether the call visibly runs more than once each time its caller does: in a
    /// loop, or in a request handler).
    pub fn package_calls(&self) -> impl Iterator<Item = (Option<&str>, &str, bool)> {
        self.calls.iter().filter_map(|call| {
            let callee = match &call.callee {
                Callee::Func(name) => name.as_str(),
                Callee::Method { name, .. } => name.as_str(),
                _ => return None,
            };
            let Some(func) = call.func else {
                return Some((None, callee, false));
            };
            let top = self.top_func(func);
            let repeats = self.in_loop_of(top, call.start).is_some()
                || self.enclosing(func).any(|f| self.handles_request(f));
            Some((self.funcs[top].name.as_deref(), callee, repeats))
        })
    }

    /// The loop of the declared function `top` (or of a literal in it) around byte `at`.
    fn in_loop_of(&self, top: usize, at: usize) -> Option<&Loop> {
        self.loops
            .iter()
            .find(|l| l.func.is_some_and(|f| self.top_func(f) == top) && l.start < at && at < l.end)
    }

    /// Whether a function takes a request (`*http.Request`, `*gin.Context`, ..): it runs
    /// once per request.
    fn handles_request(&self, func: usize) -> bool {
        let f = &self.funcs[func];
        f.ctx_vars
            .iter()
            .any(|v| matches!(v.kind, CtxKind::Request(_)))
    }

    /// Why a goroutine is started more than once, where that can be seen: a loop around the
    /// `go` statement, a function that serves a request, or a function the package calls in a
    /// loop or a handler (see `PackageFacts::repeated`). Callers in other packages are not
    /// seen, and a goroutine started in a callback is not taken as repeated.
    pub fn restarts(&self, go: &GoStmt) -> Option<Restart<'_>> {
        let func = go.func?;
        let top = self.top_func(func);
        if let Some(l) = self.in_loop_of(top, go.start) {
            return Some(Restart::InLoop(l.span));
        }
        // Lazy initialization starts its goroutines once per value, however often it runs.
        if self.funcs[top].lazy_init {
            return None;
        }
        if let Some(handler) = self.enclosing(func).find(|&f| self.handles_request(f)) {
            return Some(Restart::PerRequest(self.funcs[handler].span));
        }
        let f = &self.funcs[top];
        let name = f.name.as_deref()?;
        self.package_facts
            .repeated
            .contains(name)
            .then_some(Restart::Repeated(name, f.span))
    }

    /// `func`, then each function it is written in, outward.
    pub fn enclosing(&self, func: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(func), |&f| self.funcs[f].parent)
    }

    /// The `make(chan T, cap)` that names `channel` in `func` or in a function it is written
    /// in, innermost first: its capacity's text (`None` for an unbuffered channel).
    pub fn channel_capacity(&self, func: usize, channel: &str) -> Option<Option<&str>> {
        self.enclosing(func).find_map(|f| {
            self.chan_makes
                .iter()
                .find(|(owner, name, _)| *owner == Some(f) && name == channel)
                .map(|(_, _, cap)| cap.as_deref())
        })
    }

    /// The declared function that holds `func`, following literals outward.
    pub fn top_func(&self, func: usize) -> usize {
        let mut f = func;
        while let Some(parent) = self.funcs[f].parent {
            f = parent;
        }
        f
    }

    /// Whether this is test code: a file that imports `testing` or a test framework
    /// (`test_packages` in `rules/go/frameworks.toml`). Files of tests by their
    /// path ([`is_test_path`]) never get here: the engine does not read them.
    pub fn is_test_code(&self) -> bool {
        self.test_code
    }

    /// The contexts visible in `func` at byte `at`: its own, then those of the functions it is
    /// written in. With `through_stored` false, a literal stored to run later, or started as
    /// a goroutine, does not see its outer function's contexts (it runs when they may be gone).
    pub fn contexts_in_scope(&self, func: usize, at: usize, through_stored: bool) -> Vec<&CtxVar> {
        let mut found = Vec::new();
        let mut f = Some(func);
        while let Some(i) = f {
            let function = &self.funcs[i];
            for v in &function.ctx_vars {
                if v.at <= at && !found.iter().any(|x: &&CtxVar| x.name == v.name) {
                    found.push(v);
                }
            }
            if !through_stored && matches!(function.usage, FuncUse::Stored | FuncUse::Go) {
                break;
            }
            f = function.parent;
        }
        found
    }

    /// Whether every value a context variable visible at `at` was given up to there is
    /// `context.Background()` or `TODO()` (see [`CtxKind::never_done`]).
    pub fn never_done(&self, func: usize, name: &str, at: usize) -> bool {
        let mut values = std::iter::successors(Some(func), |&f| self.funcs[f].parent)
            .flat_map(|f| &self.funcs[f].ctx_vars)
            .filter(|v| v.name == name && v.at <= at)
            .peekable();
        values.peek().is_some() && values.all(|v| v.kind.never_done())
    }

    /// The function, `func` or one it is written in, whose context `var` is.
    pub fn declaring_func(&self, func: usize, var: &CtxVar) -> Option<usize> {
        let mut f = Some(func);
        while let Some(i) = f {
            if self.funcs[i].ctx_vars.iter().any(|v| std::ptr::eq(v, var)) {
                return Some(i);
            }
            f = self.funcs[i].parent;
        }
        None
    }

    /// Identifiers named `name` in `[start, end)`.
    pub fn mentions(&self, name: &str, start: usize, end: usize) -> bool {
        let first = self.idents.partition_point(|i| i.start < start);
        self.idents[first..]
            .iter()
            .take_while(|i| i.start < end)
            .any(|i| i.name == name)
    }

    /// The visible type of a receiver expression's text: a local (through enclosing
    /// functions), or a struct field `x.f` whose field name has one type in this file.
    pub fn type_of(&self, func: Option<usize>, text: &str) -> Option<String> {
        if let Some(mut f) = func {
            loop {
                if let Some((_, ty)) = self.funcs[f].locals.iter().rev().find(|(n, _)| n == text) {
                    return (!ty.is_empty()).then(|| ty.clone());
                }
                match self.funcs[f].parent {
                    Some(p) => f = p,
                    None => break,
                }
            }
        }
        let (_, field) = text.rsplit_once('.')?;
        let in_package = self
            .package_facts
            .fields
            .iter()
            .filter(|(name, _)| name == field)
            .map(|(_, ty)| ty.as_str());
        let mut types = self
            .structs
            .iter()
            .flat_map(|s| &s.fields)
            .filter(|fd| fd.names.iter().any(|n| n == field))
            .map(|fd| fd.ty.as_str())
            .chain(in_package);
        let first = types.next()?;
        types.all(|t| t == first).then(|| first.to_string())
    }

    /// Whether the package declares a method `name` on type `ty` (in this file or another).
    pub fn has_method(&self, ty: &str, name: &str) -> bool {
        self.methods.iter().any(|(t, n)| t == ty && n == name)
            || self
                .package_facts
                .methods
                .iter()
                .any(|m| m.receiver == ty && m.name == name)
    }

    /// Whether the package declares on `ty` one of the methods `names` without a context
    /// parameter (`Next() bool`, `Read(p []byte)`): an interface fixes its shape.
    pub fn has_context_free_method(&self, ty: &str, names: &[String]) -> bool {
        let own = self.funcs.iter().any(|f| {
            f.usage == FuncUse::Declaration
                && f.receiver.as_deref() == Some(ty)
                && f.name.as_ref().is_some_and(|n| names.contains(n))
                && !f.ctx_vars.iter().any(|v| v.kind == CtxKind::Param)
        });
        own || self
            .package_facts
            .methods
            .iter()
            .any(|m| m.receiver == ty && names.contains(&m.name) && !m.takes_context)
    }

    /// What a named constant or variable holds: one of this file, or a package-level one of
    /// another file of the package.
    pub fn value_kind(&self, name: &str) -> Option<&ValueKind> {
        self.values
            .get(name)
            .or_else(|| self.package_facts.values.get(name))
    }

    /// The functions and methods of this file that attach a context to a request they are
    /// given (`func (s *src) do(req *http.Request) { s.client.Do(req.WithContext(s.ctx)) }`).
    pub fn own_context_attachers(&self) -> Vec<String> {
        self.funcs
            .iter()
            .enumerate()
            .filter(|(_, f)| f.usage == FuncUse::Declaration)
            .filter(|(index, f)| {
                f.params.iter().any(|p| {
                    self.calls.iter().any(|c| {
                        c.func.is_some_and(|cf| self.top_func(cf) == *index)
                            && matches!(&c.callee, Callee::Method { recv, name, .. } if *recv == p.name && name == "WithContext")
                    })
                })
            })
            .filter_map(|(_, f)| f.name.clone())
            .collect()
    }

    /// Whether `name` is a function or method of the package that attaches a context to a
    /// request it is given.
    pub fn attaches_context(&self, name: &str) -> bool {
        self.package_facts
            .context_attachers
            .iter()
            .any(|n| n == name)
            || self.own_context_attachers().iter().any(|n| n == name)
    }

    /// The top-level function or method declared with this name (and, for `go x.m()`, any
    /// method of that name, when only one exists).
    pub fn find_declared(&self, name: &str, method: bool) -> Option<usize> {
        let mut found = self.funcs.iter().enumerate().filter(|(_, f)| {
            f.usage == FuncUse::Declaration
                && f.name.as_deref() == Some(name)
                && f.receiver.is_some() == method
        });
        let first = found.next()?;
        found.next().is_none().then_some(first.0)
    }

    /// Whether `func` or a function written inside it contains byte `at`.
    pub fn func_contains(&self, func: usize, at: usize) -> bool {
        self.funcs[func].start <= at && at < self.funcs[func].end
    }

    /// The control-flow graph of `func`, when it makes a cancel function.
    pub fn flow_of(&self, func: usize) -> Option<&Flow> {
        self.flows.iter().find(|f| f.func == func)
    }

    /// Whether `name` is read in `[start, end)`: mentioned other than as the whole right side
    /// of `_ = name`, which only silences the compiler.
    pub fn uses_in(&self, name: &str, start: usize, end: usize) -> bool {
        let first = self.idents.partition_point(|i| i.start < start);
        self.idents[first..]
            .iter()
            .take_while(|i| i.start < end)
            .filter(|i| i.name == name)
            .any(|i| !self.blank_assigned(i.start))
    }

    fn blank_assigned(&self, at: usize) -> bool {
        self.assigns.iter().any(|a| {
            a.lhs.iter().all(|l| l.text == "_")
                && a.rhs.iter().any(|&(s, e)| {
                    s == at
                        && self
                            .text(s, e)
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_')
                })
        })
    }

    /// The innermost function holding byte `at`.
    pub fn func_at(&self, at: usize) -> Option<usize> {
        self.funcs
            .iter()
            .enumerate()
            .filter(|(_, f)| f.start <= at && at < f.end)
            .max_by_key(|(_, f)| f.start)
            .map(|(i, _)| i)
    }
}

impl GoModel<'_> {
    /// Whether a loop can run forever without noticing cancellation: it is `for { .. }`, no
    /// `return`/`break`/exit call leaves it, it receives from no stop channel, and it never
    /// mentions one of `contexts` (checking `ctx.Err()`, passing `ctx` to a call).
    pub fn loop_runs_forever(&self, index: usize, contexts: &[&str]) -> bool {
        let l = &self.loops[index];
        l.kind == LoopKind::Infinite
            && !l.exits
            && !l.observes_stop
            && !contexts.iter().any(|c| self.mentions(c, l.start, l.end))
    }

    /// The loops written directly in `func` (not in a literal inside it).
    pub fn loops_of(&self, func: usize) -> impl Iterator<Item = (usize, &Loop)> {
        self.loops
            .iter()
            .enumerate()
            .filter(move |(_, l)| l.func == Some(func))
    }

    /// Whether the goroutine started by `go` is joined by the function that starts it:
    /// a `Wait()` call (WaitGroup, errgroup) in that function, or a receive in it from a
    /// channel the goroutine sends on or closes. A receive raced against a timer or a stop
    /// channel in a `select` is not a join: the function may return first.
    pub fn go_is_joined(&self, go: &GoStmt, join_methods: &[String]) -> bool {
        let Some(func) = go.func else {
            return false;
        };
        let waits = self.calls.iter().any(|c| {
            c.func == Some(func)
                && c.callee
                    .method_name()
                    .is_some_and(|m| join_methods.iter().any(|j| j == m))
        });
        if waits {
            return true;
        }
        let mut signalled: Vec<&str> = self
            .sends
            .iter()
            .filter(|s| go.start <= s.start && s.end <= go.end)
            .map(|s| s.channel.as_str())
            .collect();
        for c in &self.calls {
            if go.start <= c.start
                && c.end <= go.end
                && c.callee == Callee::Func("close".to_string())
                && let Some(arg) = c.args.first()
            {
                signalled.push(self.text(arg.start, arg.end));
            }
        }
        self.recvs.iter().any(|r| {
            r.func == Some(func)
                && !r.raced
                && (r.start < go.start || r.start >= go.end)
                && signalled.contains(&r.channel.as_str())
        })
    }

    /// Where the goroutine started by `go` mentions `name`, in order: in the arguments of the
    /// `go` call, or in a launched literal's body unless a parameter of the literal shadows it.
    pub fn goroutine_uses<'a>(
        &'a self,
        go: &GoStmt,
        name: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        let mut ranges: Vec<(usize, usize)> = go.args.iter().map(|a| (a.start, a.end)).collect();
        if let GoTarget::Literal(literal) = go.target {
            let f = &self.funcs[literal];
            if !f.params.iter().any(|p| p.name == name)
                && let Some(body) = f.body
            {
                ranges.push(body);
            }
        }
        self.idents
            .iter()
            .filter(move |i| {
                i.name == name && ranges.iter().any(|&(s, e)| s <= i.start && i.start < e)
            })
            .map(|i| i.start)
    }

    /// `cp.Request = cp.Request.Clone(context.WithoutCancel(..))` (or any replacement request
    /// built from a detached or root context) for the gin copy `var`, in the function of `func`.
    pub fn gin_copy_detached(&self, var: &CtxVar, func: usize, apis: &ContextApis) -> bool {
        let target = format!("{}.Request", var.name);
        let top = self.top_func(func);
        self.assigns.iter().any(|a| {
            a.func.is_some_and(|f| self.top_func(f) == top)
                && a.lhs.first().is_some_and(|l| l.text == target)
                && a.rhs.iter().any(|&(s, e)| {
                    let text = self.text(s, e);
                    apis.detach
                        .iter()
                        .chain(&apis.roots)
                        .any(|d| text.contains(d.as_str()))
                })
        })
    }

    /// The names of every context visible in `func` (parameters, locals, captured).
    pub fn context_names(&self, func: usize) -> Vec<&str> {
        self.contexts_in_scope(func, usize::MAX, true)
            .into_iter()
            .map(|v| v.name.as_str())
            .collect()
    }

    /// Whether `name` appears in the file other than where it is called or declared (not
    /// followed by `(`), and not as a parameter or local that shadows it: the function is
    /// used as a value.
    pub fn used_as_value(&self, name: &str) -> bool {
        let text = self.source.text.as_str();
        self.idents.iter().filter(|i| i.name == name).any(|i| {
            let next = text[i.start + name.len()..]
                .trim_start_matches([' ', '\t'])
                .chars()
                .next();
            let shadowed = std::iter::successors(i.func, |&f| self.funcs[f].parent)
                .any(|f| self.funcs[f].locals.iter().any(|(n, _)| n == name));
            !matches!(next, Some('(') | Some('[')) && !shadowed
        })
    }
}
