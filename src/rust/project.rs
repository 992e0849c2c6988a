//! The Rust side of the project index: where each file sits in its crate's module tree, which
//! function of the crate a call names, and what each function does once the facts of its
//! callees (and callers) are in ([`crate::index`]).
//!
//! Modules come from the file layout (`src/lib.rs` and `src/main.rs` are the root, `src/a.rs`
//! and `src/a/mod.rs` are `a`, `src/a/b.rs` is `a::b`); a file outside `src/`, or under
//! `src/bin/`, is a root of its own whose functions only its own calls reach. A call resolves
//! when its path (after `use`) names a function of the crate, relative to the calling module
//! or through `crate::`, `self::`, `super::` or the crate's name; a method when its receiver
//! is `self` or a variable of a declared type whose `impl` is in the crate. Anything else
//! stays unknown, and rules stay silent on it.

use std::collections::HashMap;

use super::knowledge::{RustKnowledge, any_matches};
use super::model::{Call, Callee, Model, Scope, Spawn};
use crate::diagnostic::{Finding, Span};
use crate::index::{CallGraph, Evidence, Kinds, Resolved};

/// An async function that awaits a future which is not cancel-safe (a callee fact).
const CANCEL_UNSAFE: u8 = 0;
/// A sync function that blocks the thread (a callee fact).
const BLOCKS: u8 = 1;
/// A function that runs under a deadline set by a caller (a caller fact).
const UNDER_DEADLINE: u8 = 2;
/// Every resolved call carries this, so that the graph knows all callers of a function.
const CALL: u8 = 3;
/// A call made as part of start-up: from a function's own body, outside any loop, awaited
/// (or of a sync function), not in a spawned task or a closure. In `main` closures and
/// futures count too: a sync `main` hands its futures to `block_on`.
const START_UP: u8 = 4;
/// A function that runs more than once: called in a loop, taking a request, or called by
/// such a function (a caller fact). The tasks it spawns pile up.
const REPEATED: u8 = 5;
/// A call made at most once each time its caller runs: outside any loop, in the caller's own
/// body or in a task it spawns (not in a callback it hands over, which may run any number of
/// times). A function reached only through such calls from `main` runs once.
const ONCE: u8 = 6;
/// An async function whose own body awaits a first read (`first_reads` in
/// `rules/rust/timeouts.toml`) on one of its parameters, outside any loop and deadline: handed
/// a freshly accepted peer, it waits on it with no deadline. The evidence's `entry` is the
/// parameter's position. Not carried through calls: which parameter a caller passes on is not
/// followed.
const FIRST_READ: u8 = 7;

/// The index of one crate (or of the files of one crate that were checked).
pub struct Project<'a> {
    paths: Vec<&'a str>,
    /// Per file: the id of each of its model's functions.
    ids: Vec<Vec<usize>>,
    /// Per file: its module, as `crate`-relative segments.
    modules: Vec<Vec<String>>,
    /// The crate's name as other targets of the same package write it.
    crate_name: Option<String>,
    /// Free functions by module path and name (`net::wire::read_greeting`).
    by_path: HashMap<String, Vec<usize>>,
    /// Methods and associated functions by type and name (`Conn::read_frame`).
    by_type: HashMap<String, Vec<usize>>,
    /// Per function id: it is an `async fn`.
    is_async: Vec<bool>,
    /// Per function id: it runs only at start-up, called from `main` and from nothing else.
    start_up: Vec<bool>,
    /// Per function id: it runs at most once per run of the program: called only from `main`,
    /// or from another such function, through calls of kind [`ONCE`].
    once: Vec<bool>,
    /// Per file: it belongs to a module declared for tests only (see `mark_test_only`).
    test_only: Vec<bool>,
    resolved: Resolved,
}

/// A fact of a function the call names, and where it is proven.
pub struct Proof<'p> {
    pub path: &'p str,
    /// The proof is in the calling file.
    pub same_file: bool,
    pub evidence: &'p Evidence,
}

impl Proof<'_> {
    /// Adds the proof as a label of the finding, naming the file when it is another one.
    pub fn label(&self, finding: Finding, message: String) -> Finding {
        if self.same_file {
            finding.label(self.evidence.span, message)
        } else {
            finding.label_in(self.path, self.evidence.span, message)
        }
    }

    /// Where the proof is, for messages: `src/wire.rs:41`, or `line 41` in the same file.
    pub fn place(&self) -> String {
        if self.same_file {
            format!("line {}", self.evidence.span.line)
        } else {
            format!("{}:{}", self.path, self.evidence.span.line)
        }
    }
}

impl<'a> Project<'a> {
    /// Indexes the models of a crate's files (`None` where a file could not be parsed).
    pub fn build(files: &[(&'a str, Option<&Model>)], knowledge: &RustKnowledge) -> Project<'a> {
        let crate_name = files.iter().find_map(|(path, _)| crate_name(path));
        let mut project = Project {
            paths: files.iter().map(|(path, _)| *path).collect(),
            ids: Vec::new(),
            modules: Vec::new(),
            crate_name,
            by_path: HashMap::new(),
            by_type: HashMap::new(),
            is_async: Vec::new(),
            start_up: Vec::new(),
            once: Vec::new(),
            test_only: vec![false; files.len()],
            resolved: Resolved::default(),
        };
        let mut graph = CallGraph::default();
        let mut mains = Vec::new();
        let handler_deadline = handler_deadline_layer(files, knowledge);
        for (file, (path, model)) in files.iter().enumerate() {
            let module = module_of(path, file);
            let mut ids = Vec::new();
            for function in model.map(|m| m.fns.as_slice()).unwrap_or_default() {
                let id = graph.add_function();
                ids.push(id);
                project.is_async.push(function.is_async);
                if function.is_main {
                    mains.push(id);
                }
                let frameworks = &knowledge.frameworks;
                let per_request = |ty: &String| {
                    any_matches(&frameworks.request_types, ty)
                        || any_matches(&frameworks.per_request_types, ty)
                };
                if function.param_types.iter().any(per_request)
                    || knowledge.handlers.is_route(&function.attrs)
                {
                    let what = format!("`{}` runs once per request or connection", function.name);
                    let (span, entry) = (function.span, 0);
                    graph.add_fact(
                        id,
                        REPEATED,
                        Evidence {
                            file,
                            span,
                            what,
                            entry,
                        },
                    );
                }
                if let Some(evidence) = &handler_deadline
                    && knowledge.handlers.is_handler(function)
                {
                    graph.add_fact(id, UNDER_DEADLINE, evidence.clone());
                }
                // A variant compiled only for tests is not what production code calls.
                if function.is_test {
                    continue;
                }
                let key = match &function.self_type {
                    Some(ty) => (
                        &mut project.by_type,
                        format!("{}::{}", last(ty), function.name),
                    ),
                    None => (&mut project.by_path, join(&module, &function.name)),
                };
                key.0.entry(key.1).or_default().push(id);
            }
            project.ids.push(ids);
            project.modules.push(module);
        }
        for (file, (_, model)) in files.iter().enumerate() {
            let Some(model) = model else { continue };
            for call in &model.calls {
                project.add_call_facts(&mut graph, file, model, knowledge, call);
            }
        }
        project.resolved = graph.resolve(&[CANCEL_UNSAFE, BLOCKS], &[UNDER_DEADLINE, REPEATED]);
        project.start_up = graph.reached_only_through(START_UP, &mains);
        project.once = graph.reached_only_through(ONCE, &mains);
        project
    }

    fn add_call_facts(
        &self,
        graph: &mut CallGraph,
        file: usize,
        model: &Model,
        knowledge: &RustKnowledge,
        call: &Call,
    ) {
        let Some(caller) = call.scope.function else {
            return;
        };
        let function = &model.fns[caller];
        let caller_id = self.ids[file][caller];
        // Closures and async blocks may run later or elsewhere (stored callbacks, spawned
        // work): only the function's own body speaks for it.
        let own_body =
            !call.scope.nested && call.scope.spawns.is_empty() && call.scope.offload.is_none();
        let evidence = |what: String, entry: usize| Evidence {
            file,
            span: call.span,
            what,
            entry,
        };
        // An awaited call in an async body is part of the caller's future; a call in a sync
        // body runs on the caller's thread.
        let awaited_here = own_body && call.awaited && function.is_async;
        let sync_here = own_body && !call.scope.is_async && !function.is_async;
        if awaited_here && let Some(entry) = model.cancel_unsafe_op(knowledge, call) {
            let what = call.name().to_string();
            graph.add_fact(caller_id, CANCEL_UNSAFE, evidence(what, entry));
        }
        if awaited_here
            && !call.scope.in_timeout
            && call.open_loop.is_none()
            && let Some(name) = call.method()
            && knowledge
                .timeouts
                .first_reads
                .iter()
                .any(|read| read == name)
            && let Some(param) = call
                .receiver_root
                .as_ref()
                .and_then(|root| function.params.iter().position(|p| p.name == *root))
        {
            graph.add_fact(caller_id, FIRST_READ, evidence(name.to_string(), param));
        }
        if sync_here
            && !call.scope.in_test
            && let Some(op) = model.blocking_op(knowledge, call)
            && (!op.brief || call.open_loop.is_some())
        {
            graph.add_fact(caller_id, BLOCKS, evidence(op.what, 0));
        }
        let Some(callee) = self.callee(file, model, call) else {
            return;
        };
        if call.scope.in_timeout {
            let what = "a deadline".to_string();
            graph.add_fact(callee, UNDER_DEADLINE, evidence(what, 0));
        }
        if call.open_loop.is_some() {
            let what = format!("`{}` is called in a loop", call.name());
            graph.add_fact(callee, REPEATED, evidence(what, 0));
        }
        // What the call carries: an awaited helper's cancel-safety and deadline are the
        // caller's; a sync helper's blocking is its sync caller's; whatever a function that
        // runs more than once calls, even in a task, runs more than once too.
        let mut kinds = Kinds::of(CALL).with(REPEATED);
        let start_up_site = call.open_loop.is_none()
            && call.scope.spawns.is_empty()
            && call.scope.offload.is_none()
            && (function.is_main || !call.scope.nested && (call.awaited || !self.is_async[callee]));
        if start_up_site {
            kinds = kinds.with(START_UP);
        }
        let in_task_or_body = !call.scope.nested || !call.scope.spawns.is_empty();
        if call.open_loop.is_none() && in_task_or_body && call.scope.offload.is_none() {
            kinds = kinds.with(ONCE);
        }
        if awaited_here {
            kinds = kinds.with(CANCEL_UNSAFE).with(UNDER_DEADLINE);
        }
        if sync_here && !call.awaited {
            kinds = kinds.with(BLOCKS);
        }
        graph.add_call(caller_id, callee, kinds);
    }

    /// The function of the crate a call names, when exactly that can be told.
    pub fn callee(&self, file: usize, model: &Model, call: &Call) -> Option<usize> {
        let candidates = match &call.callee {
            Callee::Path(path) => self.by_written_path(file, model, call, path)?,
            Callee::Method(name) => {
                let ty = if call.receiver_is_self {
                    model.function(&call.scope)?.self_type.clone()?
                } else {
                    receiver_type(call)?
                };
                self.by_type.get(&format!("{}::{name}", last(&ty)))?
            }
        };
        // Several definitions (cfg variants, same-named methods of two types): unknown.
        match candidates.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    fn by_written_path(
        &self,
        file: usize,
        model: &Model,
        call: &Call,
        path: &str,
    ) -> Option<&Vec<usize>> {
        let mut segments: Vec<&str> = path.split("::").collect();
        if segments.first() == Some(&"Self") {
            let ty = model.function(&call.scope)?.self_type.clone()?;
            return self
                .by_type
                .get(&format!("{}::{}", last(&ty), segments.last()?));
        }
        let mut module = self.modules[file].clone();
        let rooted = match segments[0] {
            "crate" => {
                module.clear();
                true
            }
            "self" => true,
            "super" => {
                while segments.first() == Some(&"super") {
                    module.pop()?;
                    segments.remove(0);
                }
                segments.insert(0, "self");
                true
            }
            first if Some(first) == self.crate_name.as_deref() => {
                module.clear();
                true
            }
            _ => false,
        };
        if rooted {
            segments.remove(0);
        }
        let name = segments.pop()?;
        // `Type::function` of a type of this crate, written from its module or from the root.
        if let Some(ty) = segments.last()
            && ty.starts_with(char::is_uppercase)
            && (rooted || segments.len() == 1)
        {
            return self.by_type.get(&format!("{ty}::{name}"));
        }
        module.extend(segments.iter().map(|s| s.to_string()));
        self.by_path.get(&join(&module, name))
    }

    fn proof(&self, file: usize, id: usize, kind: u8) -> Option<Proof<'_>> {
        let evidence = self.resolved.fact(id, kind)?;
        Some(Proof {
            path: self.paths[evidence.file],
            same_file: evidence.file == file,
            evidence,
        })
    }

    /// The not-cancel-safe await inside the async function a call names.
    pub fn cancel_unsafe(&self, file: usize, model: &Model, call: &Call) -> Option<Proof<'_>> {
        self.proof(file, self.callee(file, model, call)?, CANCEL_UNSAFE)
    }

    /// The blocking call inside the sync function a call names.
    pub fn blocks(&self, file: usize, model: &Model, call: &Call) -> Option<Proof<'_>> {
        self.proof(file, self.callee(file, model, call)?, BLOCKS)
    }

    /// The first read, with no deadline, that the async function a call names makes on one of
    /// its parameters (the evidence's `entry` is the parameter's position).
    pub fn first_read(&self, file: usize, model: &Model, call: &Call) -> Option<Proof<'_>> {
        self.proof(file, self.callee(file, model, call)?, FIRST_READ)
    }

    /// Marks the files of modules declared for tests only: `declared[file]` names the child
    /// modules that `file` declares under a test-only `cfg`; their files, and the files of
    /// their own submodules, are test code.
    pub fn mark_test_only(&mut self, declared: &[Vec<String>]) {
        for (parent, names) in declared.iter().enumerate() {
            for name in names {
                let mut prefix = self.modules[parent].clone();
                prefix.push(name.clone());
                for (file, module) in self.modules.iter().enumerate() {
                    if module.starts_with(&prefix) {
                        self.test_only[file] = true;
                    }
                }
            }
        }
    }

    /// Whether a file belongs to a module compiled only for tests.
    pub fn test_only(&self, file: usize) -> bool {
        self.test_only[file]
    }

    /// Whether a function of this file runs only at start-up (see [`START_UP`]).
    pub fn start_up(&self, file: usize, function: usize) -> bool {
        self.start_up[self.ids[file][function]]
    }

    /// Whether a function of this file runs under a deadline set by a caller of the crate.
    pub fn under_deadline(&self, file: usize, function: usize) -> bool {
        self.resolved
            .fact(self.ids[file][function], UNDER_DEADLINE)
            .is_some()
    }
}

/// The index as the rules of one of its files see it.
pub struct InProject<'p> {
    pub project: &'p Project<'p>,
    pub file: usize,
}

impl InProject<'_> {
    /// The not-cancel-safe await inside the async function of the crate a call names.
    pub fn cancel_unsafe(&self, model: &Model, call: &Call) -> Option<Proof<'_>> {
        self.project.cancel_unsafe(self.file, model, call)
    }

    /// The blocking call inside the sync function of the crate a call names.
    pub fn blocks(&self, model: &Model, call: &Call) -> Option<Proof<'_>> {
        self.project.blocks(self.file, model, call)
    }

    /// The first read on a parameter inside the async function of the crate a call names.
    pub fn first_read(&self, model: &Model, call: &Call) -> Option<Proof<'_>> {
        self.project.first_read(self.file, model, call)
    }

    /// Whether a function of this file runs under a deadline a caller of the crate sets.
    pub fn under_deadline(&self, function: usize) -> bool {
        self.project.under_deadline(self.file, function)
    }

    /// Whether a function of this file runs only at start-up: `main` calls it (or another
    /// such function does) before serving, and nothing else does.
    pub fn start_up(&self, function: usize) -> bool {
        self.project.start_up(self.file, function)
    }

    /// A task taken as a service meant to live as long as the process, which the runtime
    /// drops when the process ends: it holds no cancellation signal, and nothing shows that it
    /// is spawned more than once (a loop around it, a function that runs more than once, see
    /// [`InProject::repeats`], or a callback the function hands over, which may run any number
    /// of times). A spawn whose callers are not visible is taken as once.
    pub fn process_lifetime_task(&self, model: &Model, spawn: &Spawn) -> bool {
        let scope = &spawn.scope;
        let in_callback = scope.nested && scope.spawns.is_empty();
        !(spawn.captures_signal || in_callback || self.repeats(model, scope).is_some())
    }

    /// Whether a function of this file runs at most once per run of the program: `main`
    /// reaches it only through calls outside loops and callbacks (see [`ONCE`]). A function
    /// nothing in the crate calls may be called from anywhere, any number of times.
    pub fn runs_once(&self, function: usize) -> bool {
        self.project.once[self.project.ids[self.file][function]]
    }

    /// Why code in a scope runs more than once, where that can be seen: a loop around it (or
    /// around the task it is in), or a function that runs more than once (called in a loop,
    /// serving a request, or called by such a function anywhere in the crate).
    pub fn repeats(&self, model: &Model, scope: &Scope) -> Option<Repeats<'_>> {
        let enclosing = scope.spawns.iter().map(|&outer| &model.spawns[outer].scope);
        let in_loop = std::iter::once(scope)
            .chain(enclosing)
            .find_map(|scope| scope.loops.last());
        if let Some(&index) = in_loop {
            return Some(Repeats::InLoop(model.loops[index].span));
        }
        let function = self.project.ids[self.file][scope.function?];
        self.project
            .proof(self.file, function, REPEATED)
            .map(Repeats::Function)
    }
}

/// Why a spawn runs more than once.
pub enum Repeats<'p> {
    /// The loop around it.
    InLoop(Span),
    /// Its function runs more than once, for the reason the evidence gives.
    Function(Proof<'p>),
}

impl Repeats<'_> {
    /// Adds the reason as a label of the finding; `what` names what repeats ("the task is
    /// spawned").
    pub fn label(&self, finding: Finding, what: &str) -> Finding {
        match self {
            Repeats::InLoop(span) => {
                finding.label(*span, format!("{what} on each pass of this loop"))
            }
            Repeats::Function(proof) => {
                let message = format!("{}, so {what} more than once", proof.evidence.what);
                proof.label(finding, message)
            }
        }
    }
}

/// A router layer of the crate that drops a request handler's future at a deadline
/// (`TimeoutLayer`, `handler_deadline_layers` in `rules/rust/timeouts.toml`): the deadline
/// of every handler.
fn handler_deadline_layer(
    files: &[(&str, Option<&Model>)],
    knowledge: &RustKnowledge,
) -> Option<Evidence> {
    let layers = &knowledge.timeouts.handler_deadline_layers;
    files.iter().enumerate().find_map(|(file, (_, model))| {
        let call = (*model)?.calls.iter().find(|call| {
            !call.scope.in_test && call.path().is_some_and(|path| any_matches(layers, path))
        })?;
        Some(Evidence {
            file,
            span: call.span,
            what: "a timeout layer on the router".to_string(),
            entry: 0,
        })
    })
}

/// The type of a method's receiver: declared (`let c: Conn`), or made by the type's
/// constructor (`let c = Conn::new(..)`, which by convention returns `Self`).
fn receiver_type(call: &Call) -> Option<String> {
    if let Some(ty) = call.receiver_type() {
        return Some(ty.to_string());
    }
    let origin = call.receiver_binding.as_ref()?.origin.as_ref()?;
    let path = origin.root_path()?;
    let (ty, constructor) = path.rsplit_once("::")?;
    let is_type = last(ty).starts_with(char::is_uppercase);
    (constructor == "new" && origin.methods.is_empty() && is_type).then(|| ty.to_string())
}

/// A function's key: its module path and name.
fn join(module: &[String], name: &str) -> String {
    let mut key = module.join("::");
    if !key.is_empty() {
        key.push_str("::");
    }
    key.push_str(name);
    key
}

fn last(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

/// The `src/` a path runs through, and what follows it.
fn below_src(path: &str) -> Option<(&str, Vec<&str>)> {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    let src = parts.iter().rposition(|part| *part == "src")?;
    let package = if src == 0 { "" } else { parts[src - 1] };
    Some((package, parts[src + 1..].to_vec()))
}

/// The crate's name as `use` writes it: its directory's name, with `-` as `_`.
fn crate_name(path: &str) -> Option<String> {
    let (package, _) = below_src(path)?;
    (!package.is_empty() && package != ".").then(|| package.replace('-', "_"))
}

/// A file's module in its crate; a file outside the module tree gets a root of its own.
fn module_of(path: &str, file: usize) -> Vec<String> {
    let own_root = || vec![format!("<file {file}>")];
    let Some((_, mut parts)) = below_src(path) else {
        return own_root();
    };
    if parts.first() == Some(&"bin") || parts.is_empty() {
        return own_root();
    }
    let file_name = parts.pop().unwrap_or_default();
    let stem = file_name.strip_suffix(".rs").unwrap_or(file_name);
    let mut module: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
    match (module.is_empty(), stem) {
        (true, "lib" | "main") | (false, "mod") => {}
        _ => module.push(stem.to_string()),
    }
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_follow_the_file_layout() {
        assert!(module_of("app/src/main.rs", 0).is_empty());
        assert!(module_of("app/src/lib.rs", 0).is_empty());
        assert_eq!(module_of("app/src/net/mod.rs", 0), ["net"]);
        assert_eq!(module_of("app/src/net/wire.rs", 0), ["net", "wire"]);
        assert_eq!(module_of("app/src/bin/tool.rs", 3), ["<file 3>"]);
        assert_eq!(module_of("app/build.rs", 2), ["<file 2>"]);
        assert_eq!(crate_name("my-app/src/net.rs").as_deref(), Some("my_app"));
    }
}
