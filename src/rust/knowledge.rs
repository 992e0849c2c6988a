//! Rust API knowledge, loaded from `rules/rust/*.toml` (see those files for the meaning of
//! each field) and extended by `[api.rust.<table>]` in ctxlint.toml.

use serde::Deserialize;

use super::model::FnInfo;
use crate::tables::EmbeddedTable;

pub const TABLES: &[EmbeddedTable] = &[
    ("blocking", include_str!("../../rules/rust/blocking.toml")),
    (
        "cancel_safety",
        include_str!("../../rules/rust/cancel_safety.toml"),
    ),
    ("channels", include_str!("../../rules/rust/channels.toml")),
    (
        "cancellation",
        include_str!("../../rules/rust/cancellation.toml"),
    ),
    (
        "frameworks",
        include_str!("../../rules/rust/frameworks.toml"),
    ),
    ("guards", include_str!("../../rules/rust/guards.toml")),
    ("locks", include_str!("../../rules/rust/locks.toml")),
    ("handlers", include_str!("../../rules/rust/handlers.toml")),
    ("servers", include_str!("../../rules/rust/servers.toml")),
    ("spin", include_str!("../../rules/rust/spin.toml")),
    ("tasks", include_str!("../../rules/rust/tasks.toml")),
    (
        "test_support",
        include_str!("../../rules/rust/test_support.toml"),
    ),
    ("timeouts", include_str!("../../rules/rust/timeouts.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RustKnowledge {
    pub blocking: Blocking,
    pub cancel_safety: CancelSafety,
    pub cancellation: Cancellation,
    pub channels: Channels,
    pub frameworks: Frameworks,
    pub guards: Guards,
    pub handlers: Handlers,
    pub locks: Locks,
    pub servers: Servers,
    pub spin: Spin,
    pub tasks: Tasks,
    pub test_support: TestSupport,
    pub timeouts: Timeouts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blocking {
    #[serde(default)]
    pub call: Vec<BlockingCall>,
    #[serde(default)]
    pub method: Vec<BlockingMethod>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingCall {
    pub path: String,
    pub instead: String,
    pub async_path: Option<String>,
    /// Blocks only when one of these methods is called on the result.
    #[serde(default)]
    pub only_with_methods: Vec<String>,
    /// Paths that `path` matches but that do not block.
    #[serde(default)]
    pub except: Vec<String>,
    /// One short operation on one file: reported only where it runs again and again, and not
    /// carried out of a sync helper unless the helper makes it in a loop.
    #[serde(default)]
    pub brief: bool,
    /// A read of what the user types: treated as `brief`.
    #[serde(default)]
    pub prompt: bool,
}

impl BlockingCall {
    /// Harmless where it runs once: `brief` or `prompt`.
    pub fn harmless_once(&self) -> bool {
        self.brief || self.prompt
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingMethod {
    pub name: String,
    pub instead: String,
    #[serde(default)]
    pub origins: Vec<String>,
    /// Or the receiver is a variable declared with one of these types.
    #[serde(default)]
    pub receiver_types: Vec<String>,
    pub requires_use: Option<String>,
    /// A crate whose trait gives the same method an async twin (`diesel_async` for diesel's
    /// query methods): in a file that uses it, the name no longer tells.
    pub unless_use: Option<String>,
    #[serde(default)]
    pub requires_args: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelSafety {
    #[serde(rename = "unsafe", default)]
    pub unsafe_ops: Vec<UnsafeOp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnsafeOp {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    /// The method takes exactly this many arguments.
    pub args: Option<usize>,
    /// The receiver was made by one of these, or is declared with one of `receiver_types`.
    #[serde(default)]
    pub receiver_origins: Vec<String>,
    #[serde(default)]
    pub receiver_types: Vec<String>,
    /// The method belongs to this trait, which the file must import.
    pub requires_import: Option<String>,
    #[serde(default)]
    pub except_origins: Vec<String>,
    /// What a dropped future loses.
    pub loses: String,
    pub instead: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    pub bounded_origins: Vec<String>,
    pub bounded_types: Vec<String>,
    pub waiting_sends: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancellation {
    pub wrappers: Vec<String>,
    pub types: Vec<String>,
    pub methods: Vec<String>,
    pub token_methods: Vec<String>,
    pub name_fragments: Vec<String>,
    pub drop_guards: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frameworks {
    pub request_types: Vec<String>,
    pub per_request_types: Vec<String>,
    pub token_types: Vec<String>,
    pub request_handoffs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locks {
    pub acquire: Vec<Acquire>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acquire {
    pub methods: Vec<String>,
    pub args: usize,
}

impl Locks {
    /// An awaited call that takes a lock, a permit or a channel slot.
    pub fn acquires(&self, method: &str, arg_count: usize) -> bool {
        self.acquire
            .iter()
            .any(|entry| entry.args == arg_count && entry.methods.iter().any(|m| m == method))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guards {
    pub methods: Vec<String>,
    pub refcell_methods: Vec<String>,
    pub refcell_origins: Vec<String>,
    pub refcell_types: Vec<String>,
    pub unwrappers: Vec<String>,
    pub async_lock_origins: Vec<String>,
    pub drops: Vec<String>,
    pub lock_type_fragments: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handlers {
    pub param_types: Vec<String>,
    pub route_attributes: Vec<String>,
    pub pairs: Vec<(String, String)>,
    pub restoring_pairs: Vec<(String, String)>,
    pub atomic: Vec<String>,
}

impl Handlers {
    /// Whether a function's attributes hold a route attribute (`#[get("/")]`): the framework
    /// calls the function once per request.
    pub fn is_route(&self, attrs: &[String]) -> bool {
        attrs
            .iter()
            .any(|attr| self.route_attributes.contains(attr))
    }

    /// Whether an async function is a request handler: it takes an extractor or a request
    /// (`param_types`), or carries a route attribute.
    pub fn is_handler(&self, function: &FnInfo) -> bool {
        function.is_async
            && !function.is_test
            && (function
                .param_types
                .iter()
                .any(|ty| any_matches(&self.param_types, ty))
                || self.is_route(&function.attrs))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Servers {
    pub graceful: Vec<String>,
    /// Signal waits that see only SIGINT (Ctrl-C).
    pub interrupt_only: Vec<String>,
    /// Calls that subscribe to SIGTERM (or to signals by number): a shutdown that makes one
    /// of these is not interrupt-only.
    pub terminate: Vec<String>,
    #[serde(default)]
    pub server: Vec<Server>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub path: Option<String>,
    pub method: Option<String>,
    #[serde(default)]
    pub origins: Vec<String>,
    pub what: String,
    pub instead: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spin {
    pub polls: Vec<String>,
    pub tries: Vec<String>,
    pub retries: Vec<String>,
    pub hints: Vec<String>,
    pub neutral: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tasks {
    /// Methods that wrap a future and run it unchanged (`.instrument(span)`).
    pub future_adapters: Vec<String>,
    /// Functions that box a future (`Box::pin(fut)`).
    pub future_boxes: Vec<String>,
    pub spawns: Vec<String>,
    pub tracked_spawn_owners: Vec<String>,
    pub offloads: Vec<String>,
    pub offload_methods: Vec<String>,
    pub blocking_tasks: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSupport {
    pub features: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    pub wrappers: Vec<String>,
    pub wrapper_name_fragments: Vec<String>,
    pub wrapper_methods: Vec<String>,
    pub deadline_branches: Vec<String>,
    /// Router layers that drop a handler's future at a deadline.
    #[serde(default)]
    pub handler_deadline_layers: Vec<String>,
    #[serde(default)]
    pub wait: Vec<Wait>,
    #[serde(default)]
    pub client: Vec<Client>,
    pub accept_methods: Vec<String>,
    pub first_reads: Vec<String>,
    pub request_builders: Vec<String>,
    pub request_sends: Vec<String>,
    pub body_reads: Vec<String>,
    pub request_deadlines: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    pub path: Option<String>,
    pub method: Option<String>,
    #[serde(default)]
    pub origins: Vec<String>,
    /// Or the receiver is a variable declared with one of these types.
    #[serde(default)]
    pub receiver_types: Vec<String>,
    #[serde(default)]
    pub unless_chain: Vec<String>,
    pub what: String,
    pub instead: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub path: String,
    pub build: Option<String>,
    pub needs: Vec<String>,
}

/// Whether a resolved path matches a pattern (`a::b::c`, or `a::b::*` for anything below `a::b`).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix("::*") {
        Some(module) => path
            .strip_prefix(module)
            .and_then(|rest| rest.strip_prefix("::"))
            .is_some_and(|rest| !rest.is_empty() && !rest.contains("::")),
        None => pattern == path,
    }
}

impl Cancellation {
    /// Whether an identifier or method name observes cancellation or shutdown.
    pub fn observes(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.methods.contains(&lower)
            || self
                .name_fragments
                .iter()
                .any(|fragment| lower.contains(fragment.as_str()))
    }
}

pub fn any_matches(patterns: &[String], path: &str) -> bool {
    patterns.iter().any(|pattern| path_matches(pattern, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_patterns_match_one_level() {
        assert!(path_matches("std::fs::*", "std::fs::read"));
        assert!(!path_matches("std::fs::*", "std::fs::File::open"));
        assert!(!path_matches("std::fs::*", "std::fsx::read"));
        assert!(path_matches("std::fs::File::*", "std::fs::File::open"));
        assert!(path_matches("tokio::spawn", "tokio::spawn"));
    }
}
