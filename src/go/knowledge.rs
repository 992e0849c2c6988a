//! Go API knowledge, loaded from `rules/go/*.toml`.

use serde::Deserialize;

use crate::tables::EmbeddedTable;

pub const TABLES: &[EmbeddedTable] = &[
    ("calls", include_str!("../../rules/go/calls.toml")),
    (
        "cancellation",
        include_str!("../../rules/go/cancellation.toml"),
    ),
    (
        "context_apis",
        include_str!("../../rules/go/context_apis.toml"),
    ),
    ("frameworks", include_str!("../../rules/go/frameworks.toml")),
    (
        "peer_linters",
        include_str!("../../rules/go/peer_linters.toml"),
    ),
    ("servers", include_str!("../../rules/go/servers.toml")),
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoKnowledge {
    pub calls: Calls,
    pub cancellation: Cancellation,
    pub context_apis: ContextApis,
    pub frameworks: Frameworks,
    pub peer_linters: PeerLinters,
    pub servers: Servers,
}

/// Other linters whose suppressions also silence ctxlint rules.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerLinters {
    /// golangci-lint linter name -> the ctxlint rules its `//nolint:<name>` silences.
    pub nolint: crate::suppress::PeerNolint,
}

impl GoKnowledge {
    /// Every import path the tables name: a file importing none of them gives the rules
    /// nothing to look at (apart from goroutines).
    pub fn packages(&self) -> Vec<String> {
        let of_type = |ty: &str| package_of(ty).map(str::to_string);
        let mut packages = vec![self.context_apis.package.clone()];
        packages.extend(
            self.context_apis
                .cancel_constructors
                .iter()
                .map(|c| c.package.clone()),
        );
        packages.extend(
            self.frameworks
                .request_types
                .iter()
                .filter_map(|r| of_type(&r.ty)),
        );
        packages.extend(self.calls.functions.iter().map(|f| f.package.clone()));
        packages.extend(
            self.calls
                .methods
                .iter()
                .flat_map(|m| m.receivers.iter())
                .filter_map(|t| of_type(t)),
        );
        packages.extend(self.calls.values.iter().map(|v| v.package.clone()));
        packages.extend(self.calls.typed_functions.iter().map(|f| f.package.clone()));
        packages.extend(self.servers.structs.iter().filter_map(|s| of_type(&s.ty)));
        packages.extend(self.servers.calls.iter().map(|c| c.package.clone()));
        packages.extend(self.servers.values.iter().map(|v| v.package.clone()));
        packages.extend(self.servers.servers.iter().filter_map(|s| of_type(&s.ty)));
        packages.extend(
            self.servers
                .serve_functions
                .iter()
                .map(|s| s.package.clone()),
        );
        packages.sort();
        packages.dedup();
        packages
    }

    /// The names of the request-scoped types as code writes them (`Request`, `Context`,
    /// `Ctx`): a function whose text holds none has no request in scope.
    pub fn request_type_names(&self) -> Vec<String> {
        self.frameworks
            .request_types
            .iter()
            .map(|r| written_name(&r.ty).to_string())
            .collect()
    }

    /// The packages without one of which no file has a context: the context package, the
    /// request types' and the cancel constructors'.
    pub fn context_packages(&self) -> Vec<String> {
        let apis = &self.context_apis;
        let mut packages = vec![apis.package.clone()];
        packages.extend(
            self.frameworks
                .request_types
                .iter()
                .filter_map(|r| package_of(&r.ty).map(str::to_string)),
        );
        packages.extend(apis.cancel_constructors.iter().map(|c| c.package.clone()));
        packages
    }

    /// The words without which a function has no context in scope: the context type's
    /// name, the request types' names, and the functions that make or derive a context.
    pub fn context_words(&self) -> Vec<String> {
        let apis = &self.context_apis;
        let mut words = vec![written_name(&apis.context_type()).to_string()];
        words.extend(self.request_type_names());
        words.extend(apis.roots.iter().chain(&apis.derive).cloned());
        words.extend(apis.context_methods.iter().cloned());
        words.extend(
            apis.cancel_constructors
                .iter()
                .flat_map(|set| set.names.iter().cloned()),
        );
        words
    }
}

/// The name a canonical type is written with in code (`*net/http.Request` -> `Request`).
pub fn written_name(ty: &str) -> &str {
    ty.rsplit('.').next().unwrap_or(ty)
}

/// The import path of a canonical type (`*net/http.Request` -> `net/http`).
pub fn package_of(ty: &str) -> Option<&str> {
    ty.trim_start_matches('*')
        .rsplit_once('.')
        .map(|(path, _)| path)
}

/// A set of functions of one package.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageFunctions {
    pub package: String,
    pub names: Vec<String>,
}

impl PackageFunctions {
    pub fn contains(&self, package: &str, name: &str) -> bool {
        self.package == package && self.names.iter().any(|n| n == name)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextApis {
    pub package: String,
    pub roots: Vec<String>,
    pub detach: Vec<String>,
    pub derive: Vec<String>,
    pub with_value: String,
    pub context_methods: Vec<String>,
    pub observing_methods: Vec<String>,
    pub context_free_methods: Vec<String>,
    pub deliberate_root_words: Vec<String>,
    pub logging_words: Vec<String>,
    pub cancel_constructors: Vec<PackageFunctions>,
}

impl ContextApis {
    /// The canonical name of the `Context` type (`context.Context`).
    pub fn context_type(&self) -> String {
        format!("{}.Context", self.package)
    }

    /// `context.CancelFunc` and `context.CancelCauseFunc`.
    pub fn cancel_func_types(&self) -> [String; 2] {
        ["CancelFunc", "CancelCauseFunc"].map(|name| format!("{}.{name}", self.package))
    }

    pub fn is_cancel_constructor(&self, package: &str, name: &str) -> bool {
        self.cancel_constructors
            .iter()
            .any(|set| set.contains(package, name))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestType {
    /// Canonical type: `*` for a pointer, the import path, a dot, the type name.
    #[serde(rename = "type")]
    pub ty: String,
    /// "request", "gin" or "context".
    pub kind: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frameworks {
    pub request_types: Vec<RequestType>,
    pub test_types: Vec<String>,
    pub test_packages: Vec<String>,
    pub response_writer_types: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextlessFunctions {
    pub package: String,
    pub names: Vec<String>,
    pub replacement: String,
    /// The call goes through a client with no timeout (`http.Get`: `http.DefaultClient`), so
    /// it can hang even where no context is in scope to bound it.
    #[serde(default)]
    pub unbounded: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextlessMethods {
    pub receivers: Vec<String>,
    pub names: Vec<String>,
    #[serde(default)]
    pub replacement: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypedValue {
    pub package: String,
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    /// A client with no timeout (`http.DefaultClient`): its context-less calls can hang even
    /// where no context is in scope.
    #[serde(default)]
    pub unbounded: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypedFunction {
    pub package: String,
    pub name: String,
    pub result: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypedMethod {
    pub receivers: Vec<String>,
    pub name: String,
    pub result: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calls {
    pub functions: Vec<ContextlessFunctions>,
    pub methods: Vec<ContextlessMethods>,
    pub values: Vec<TypedValue>,
    pub typed_functions: Vec<TypedFunction>,
    pub typed_methods: Vec<TypedMethod>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancellation {
    pub stop_channel_words: Vec<String>,
    pub timer_receives: Vec<String>,
    pub timer_fields: Vec<String>,
    pub exiting_calls: Vec<PackageFunctions>,
    pub exiting_builtins: Vec<String>,
    pub exiting_methods: Vec<String>,
    pub join_methods: Vec<String>,
    pub shutdown_methods: Vec<String>,
    /// Functions that run the func they are given later, on a goroutine of their own.
    pub later_callbacks: Vec<PackageFunctions>,
    pub never_closed: NeverClosed,
    pub drained_channels: Vec<DrainedElement>,
}

/// A channel element type whose receiver drains by contract (`prometheus.Metric`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrainedElement {
    pub package: String,
    pub name: String,
}

/// Channels that are never closed, so a `for range` over them never ends.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeverClosed {
    /// Functions that return such a channel (`time.Tick`).
    pub functions: Vec<PackageFunctions>,
    /// Fields holding one, on a value of a type (`C` of a `*time.Ticker`).
    pub fields: Vec<ChannelField>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelField {
    #[serde(rename = "type")]
    pub ty: String,
    pub field: String,
}

impl Cancellation {
    /// Whether a channel expression's text names a stop signal (`done`, `stopCh`, `ctx.Done()`).
    pub fn is_stop_channel(&self, text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        self.stop_channel_words
            .iter()
            .any(|word| lower.contains(word.as_str()))
    }

    pub fn is_timer(&self, text: &str) -> bool {
        self.timer_receives
            .iter()
            .any(|t| text.starts_with(t.as_str()))
            || self
                .timer_fields
                .iter()
                .any(|f| text.ends_with(&format!(".{f}")))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutStruct {
    #[serde(rename = "type")]
    pub ty: String,
    pub fields: Vec<String>,
    pub excused_by: Vec<String>,
    /// The field that holds the address a server listens on.
    #[serde(default)]
    pub address_field: Option<String>,
    /// An address containing one of these is a local one (a loopback address).
    #[serde(default)]
    pub local_hints: Vec<String>,
    /// Methods that serve a listener given to them (`srv.Serve(ln)`).
    #[serde(default)]
    pub serve_methods: Vec<String>,
    pub message: String,
    pub help: String,
}

/// Functions that make a listener only local processes can reach.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalListeners {
    pub package: String,
    pub names: Vec<String>,
    /// The network literals (first argument) that make a listener local.
    pub networks: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutCall {
    pub package: String,
    pub names: Vec<String>,
    /// An argument containing one of these names a local peer, which cannot hang a connect.
    #[serde(default)]
    pub local_hints: Vec<String>,
    /// The position of a network argument (`"tcp"`, `"udp"`) that says whether the call can
    /// hang: the call is judged only when that argument is a string literal.
    #[serde(default)]
    pub network_arg: Option<usize>,
    /// The position of a listener argument: the call is not judged when it is a listener
    /// only local processes can reach (see `local_listeners`).
    #[serde(default)]
    pub listener_arg: Option<usize>,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutMethod {
    pub receivers: Vec<String>,
    pub names: Vec<String>,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutValue {
    pub package: String,
    pub name: String,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerType {
    #[serde(rename = "type")]
    pub ty: String,
    pub serve: Vec<String>,
    pub shutdown: Vec<String>,
    /// How to shut it down, when it has no shutdown method of its own.
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Servers {
    pub structs: Vec<TimeoutStruct>,
    pub calls: Vec<TimeoutCall>,
    pub methods: Vec<TimeoutMethod>,
    pub values: Vec<TimeoutValue>,
    pub local_listeners: LocalListeners,
    pub servers: Vec<ServerType>,
    pub serve_functions: Vec<PackageFunctions>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn peer_linters_name_ctxlint_rules() {
        let knowledge = crate::knowledge::Knowledge::load(None).unwrap();
        for (linter, rules) in &knowledge.go.peer_linters.nolint {
            for rule in rules {
                assert!(crate::registry::find(rule).is_some(), "{linter}: {rule}");
            }
        }
    }
}
