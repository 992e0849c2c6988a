//! `ctxlint lsp`: a Language Server Protocol server over standard input and output.
//!
//! One thread owns the protocol state (open documents, settings per config file); one worker
//! thread checks documents. A change marks its document dirty; once no message has arrived
//! for [`DEBOUNCE`], every dirty document is sent to the worker with its version, and a result
//! whose version is no longer the document's is dropped.

pub mod position;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, FileSystemWatcher, GlobPattern, InitializeParams, Location,
    LogMessageParams, MessageType, NumberOrString, PositionEncodingKind, PublishDiagnosticsParams,
    Range, Registration, RegistrationParams, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextEdit, Url,
    WorkspaceEdit,
};

use self::position::{Encoding, offset_of, overlaps, range_of};
use crate::config::{self, Config};
use crate::diagnostic::{Applicability, Finding, Level, Span};
use crate::engine::{self, FileReport, Settings};
use crate::source::SourceText;
use crate::walk::{Language, PathGlobs};

/// How long a document must stay unchanged before it is checked.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// One document to check, with the unsaved texts of the other open documents.
pub struct CheckInput<'a> {
    /// The name findings are reported under: the file's path, or the URI.
    pub display: &'a str,
    /// The file on disk, when the URI names one: its project is checked with it.
    pub path: Option<&'a Path>,
    pub language: Language,
    pub text: &'a str,
    pub settings: &'a Settings,
    /// The other open documents with a path, by path, as the editor holds them.
    pub open: &'a HashMap<PathBuf, String>,
}

/// Checks one document; [`check_document`] outside of tests.
pub type Checker = fn(&CheckInput) -> FileReport;

/// A document with a path on disk is checked as part of its crate or package, so that a
/// helper in another file counts; one without (an unsaved buffer) is checked alone.
pub fn check_document(input: &CheckInput) -> FileReport {
    let bytes = input.text.as_bytes();
    match input.path {
        Some(path) => engine::check_in_project_isolated(
            path,
            input.language,
            bytes,
            input.settings,
            input.open,
        ),
        None => engine::check_bytes_isolated(input.display, input.language, bytes, input.settings),
    }
}

/// Serves on standard input/output until `exit`; returns the process exit code.
pub fn run() -> i32 {
    let (connection, io_threads) = Connection::stdio();
    match serve(connection, check_document) {
        Ok(code) => {
            // The reader stops at `exit` or end of input; the writer once every sender is gone.
            let _ = io_threads.join();
            code
        }
        Err(message) => {
            eprintln!("error: ctxlint lsp: {message}");
            1
        }
    }
}

/// Runs the protocol on `connection`: initialize, then messages until `exit` (code 0 after
/// `shutdown`, 1 without) or until the client goes away (1).
pub fn serve(connection: Connection, checker: Checker) -> Result<i32, String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|e| format!("initialize: {e}"))?;
    let params: InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("initialize: {e}"))?;
    let encoding = negotiate_encoding(&params);
    let result = lsp_types::InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "ctxlint".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| format!("initialize: {e}"))?;

    let (jobs, worker_jobs) = crossbeam_channel::unbounded::<Job>();
    let (worker_done, done) = crossbeam_channel::unbounded::<Done>();
    let worker = std::thread::Builder::new()
        .name("ctxlint-check".to_string())
        .spawn(move || check_worker(checker, &worker_jobs, &worker_done))
        .map_err(|e| format!("cannot start the checking thread: {e}"))?;

    let mut server = Server {
        sender: connection.sender.clone(),
        encoding,
        documents: HashMap::new(),
        settings: HashMap::new(),
        jobs,
        deadline: None,
        shut_down: false,
    };
    if watches_files_dynamically(&params) {
        server.register_config_watcher();
    }
    let code = server.main_loop(&connection.receiver, &done);
    drop(server);
    let _ = worker.join();
    Ok(code)
}

fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offers_utf8 = params
        .capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.as_ref())
        .is_some_and(|encodings| encodings.contains(&PositionEncodingKind::UTF8));
    if offers_utf8 {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            resolve_provider: Some(false),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

fn watches_files_dynamically(params: &InitializeParams) -> bool {
    params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|workspace| workspace.did_change_watched_files.as_ref())
        .and_then(|watched| watched.dynamic_registration)
        .unwrap_or(false)
}

/// One open document.
struct Document {
    version: i32,
    text: String,
    language: Language,
    /// The file's path, when the URI names one.
    path: Option<PathBuf>,
    /// Changed since it was last sent to the worker.
    dirty: bool,
    /// The findings of the last check and the version they belong to.
    findings: Option<(i32, Vec<Finding>)>,
}

/// What a config file turns into: the settings and excludes its documents are checked with.
struct Profile {
    settings: Settings,
    excludes: PathGlobs,
    root: PathBuf,
}

struct Job {
    uri: Url,
    version: i32,
    language: Language,
    display: String,
    path: Option<PathBuf>,
    text: String,
    /// The other open documents of the same language, by path.
    open: HashMap<PathBuf, String>,
    profile: Arc<Profile>,
}

struct Done {
    uri: Url,
    version: i32,
    /// The report, or what the check panicked with.
    report: Result<FileReport, String>,
}

fn check_worker(checker: Checker, jobs: &Receiver<Job>, done: &Sender<Done>) {
    for job in jobs {
        let report = catch_unwind(AssertUnwindSafe(|| {
            checker(&CheckInput {
                display: &job.display,
                path: job.path.as_deref(),
                language: job.language,
                text: &job.text,
                settings: &job.profile.settings,
                open: &job.open,
            })
        }))
        .map_err(|panic| panic_message(&*panic));
        let result = Done {
            uri: job.uri,
            version: job.version,
            report,
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

struct Server {
    sender: Sender<Message>,
    encoding: Encoding,
    documents: HashMap<Url, Document>,
    /// Keyed by the config file found for a document (`None`: no config, the defaults), with
    /// the file's modification time when it was loaded.
    settings: HashMap<Option<PathBuf>, (Option<SystemTime>, Arc<Profile>)>,
    jobs: Sender<Job>,
    /// When the dirty documents are due to be checked.
    deadline: Option<Instant>,
    shut_down: bool,
}

impl Server {
    fn main_loop(&mut self, messages: &Receiver<Message>, done: &Receiver<Done>) -> i32 {
        loop {
            let wait = self
                .deadline
                .map(|deadline| deadline.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(3600));
            crossbeam_channel::select! {
                recv(messages) -> message => match message {
                    Ok(message) => {
                        if let Some(code) = self.handle_guarded(message) {
                            return code;
                        }
                    }
                    // The client went away without `exit`.
                    Err(_) => return 1,
                },
                recv(done) -> result => {
                    if let Ok(result) = result {
                        self.guard("publishing diagnostics", |server| server.finish(result));
                    }
                },
                default(wait) => {
                    if self.deadline.is_some() {
                        self.deadline = None;
                        self.guard("starting checks", Server::start_checks);
                    }
                },
            }
        }
    }

    /// Runs `work`; a panic in it is logged to the client instead of ending the server.
    fn guard(&mut self, what: &str, work: impl FnOnce(&mut Server)) -> bool {
        match catch_unwind(AssertUnwindSafe(|| work(self))) {
            Ok(()) => true,
            Err(panic) => {
                let message = panic_message(&*panic);
                self.log(
                    MessageType::ERROR,
                    format!("ctxlint: internal error while {what}, please report it: {message}"),
                );
                false
            }
        }
    }

    fn handle_guarded(&mut self, message: Message) -> Option<i32> {
        let mut exit = None;
        match message {
            Message::Request(request) => {
                let id = request.id.clone();
                let method = request.method.clone();
                let handled = self.guard(&format!("answering {method}"), |server| {
                    server.request(request)
                });
                if !handled {
                    self.respond(Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("ctxlint: internal error while answering {method}"),
                    ));
                }
            }
            Message::Notification(notification) => {
                if notification.method == notif::Exit::METHOD {
                    exit = Some(if self.shut_down { 0 } else { 1 });
                } else {
                    let method = notification.method.clone();
                    self.guard(&format!("handling {method}"), |server| {
                        server.notification(notification)
                    });
                }
            }
            // Answers to our own requests (the watcher registration) need nothing.
            Message::Response(_) => {}
        }
        exit
    }

    fn request(&mut self, request: Request) {
        if self.shut_down {
            self.respond(Response::new_err(
                request.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            ));
            return;
        }
        match request.method.as_str() {
            req::Shutdown::METHOD => {
                self.shut_down = true;
                self.respond(Response::new_ok(request.id, ()));
            }
            req::CodeActionRequest::METHOD => {
                match serde_json::from_value::<CodeActionParams>(request.params) {
                    Ok(params) => {
                        let actions = self.code_actions(&params);
                        self.respond(Response::new_ok(request.id, actions));
                    }
                    Err(error) => self.respond(Response::new_err(
                        request.id,
                        ErrorCode::InvalidParams as i32,
                        error.to_string(),
                    )),
                }
            }
            _ => self.respond(Response::new_err(
                request.id,
                ErrorCode::MethodNotFound as i32,
                format!("ctxlint does not handle {}", request.method),
            )),
        }
    }

    fn notification(&mut self, notification: Notification) {
        match notification.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<DidOpenTextDocumentParams>(notification.params)
                {
                    self.open(params);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<DidChangeTextDocumentParams>(notification.params)
                {
                    self.change(params);
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<DidCloseTextDocumentParams>(notification.params)
                    && self.documents.remove(&params.text_document.uri).is_some()
                {
                    self.publish(params.text_document.uri, Vec::new(), None);
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<DidChangeWatchedFilesParams>(notification.params)
                    && params.changes.iter().any(|change| is_config(&change.uri))
                {
                    self.reload_config();
                }
            }
            _ => {}
        }
    }

    fn open(&mut self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let path = document.uri.to_file_path().ok();
        let name = path
            .clone()
            .unwrap_or_else(|| PathBuf::from(document.uri.path()));
        // The extension decides; a buffer without one (`untitled:Untitled-1`) is taken as the
        // language the editor says it is.
        let by_id = match document.language_id.as_str() {
            "rust" => Some(Language::Rust),
            "go" => Some(Language::Go),
            _ => None,
        };
        let Some(language) = Language::from_path(&name).or(by_id) else {
            return;
        };
        self.documents.insert(
            document.uri,
            Document {
                version: document.version,
                text: document.text,
                language,
                path,
                dirty: true,
                findings: None,
            },
        );
        self.schedule();
    }

    fn change(&mut self, params: DidChangeTextDocumentParams) {
        let encoding = self.encoding;
        let Some(document) = self.documents.get_mut(&params.text_document.uri) else {
            return;
        };
        for change in params.content_changes {
            apply_change(&mut document.text, change.range, &change.text, encoding);
        }
        document.version = params.text_document.version;
        document.dirty = true;
        // Facts of this file reach the other open files of its language (a helper that now
        // blocks, or no longer does): check them again too.
        let language = document.language;
        for other in self.documents.values_mut() {
            if other.language == language && other.path.is_some() {
                other.dirty = true;
            }
        }
        self.schedule();
    }

    fn schedule(&mut self) {
        self.deadline = Some(Instant::now() + DEBOUNCE);
    }

    fn reload_config(&mut self) {
        self.settings.clear();
        for document in self.documents.values_mut() {
            document.dirty = true;
        }
        self.deadline = Some(Instant::now());
    }

    fn start_checks(&mut self) {
        let dirty: Vec<Url> = self
            .documents
            .iter()
            .filter(|(_, document)| document.dirty)
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in dirty {
            let Some(path) = self.documents.get(&uri).map(|d| d.path.clone()) else {
                continue;
            };
            let profile = self.profile(path.as_deref());
            let Some(document) = self.documents.get_mut(&uri) else {
                continue;
            };
            document.dirty = false;
            let excluded = document
                .path
                .as_deref()
                .is_some_and(|path| profile.excludes.matches(path, &profile.root));
            if excluded {
                document.findings = Some((document.version, Vec::new()));
                let version = document.version;
                self.publish(uri, Vec::new(), Some(version));
                continue;
            }
            let display = match &document.path {
                Some(path) => path.display().to_string(),
                None => uri.to_string(),
            };
            let language = document.language;
            let path = document.path.clone();
            let text = document.text.clone();
            let version = document.version;
            let open = self
                .documents
                .values()
                .filter(|other| other.language == language && other.path != path)
                .filter_map(|other| Some((other.path.clone()?, other.text.clone())))
                .collect();
            let job = Job {
                uri,
                version,
                language,
                display,
                path,
                text,
                open,
                profile,
            };
            if self.jobs.send(job).is_err() {
                self.log(
                    MessageType::ERROR,
                    "ctxlint: the checking thread has stopped".to_string(),
                );
            }
        }
    }

    /// The settings for a document at `path`: from the nearest `ctxlint.toml`, or the
    /// defaults when there is none or it is invalid (then the client is told why). A config
    /// file is read again when its modification time changed, so edits to it count even
    /// with clients that do not report changed files.
    fn profile(&mut self, path: Option<&Path>) -> Arc<Profile> {
        let found = path.and_then(config::discover);
        let modified = found
            .as_ref()
            .and_then(|file| std::fs::metadata(file).and_then(|m| m.modified()).ok());
        if let Some((loaded_at, profile)) = self.settings.get(&found)
            && *loaded_at == modified
        {
            return Arc::clone(profile);
        }
        let loaded = match &found {
            Some(file) => config::load(file).and_then(|config| profile_from(&config)),
            None => profile_from(&Config::defaults()),
        };
        let profile = match loaded {
            Ok(profile) => profile,
            Err(error) => {
                self.show(
                    MessageType::ERROR,
                    format!("ctxlint: {error} (using the default settings)"),
                );
                Profile {
                    settings: Settings::defaults(),
                    excludes: PathGlobs::default(),
                    root: PathBuf::from("."),
                }
            }
        };
        let profile = Arc::new(profile);
        self.settings
            .insert(found, (modified, Arc::clone(&profile)));
        profile
    }

    fn finish(&mut self, done: Done) {
        let Some(document) = self.documents.get_mut(&done.uri) else {
            return; // closed meanwhile
        };
        if document.version != done.version {
            return; // stale: a newer version is on its way
        }
        let mut findings = match done.report {
            // Mid-edit, the text does not parse: keep showing what the last text that did
            // parse had, rather than clearing every diagnostic on each keystroke. Quick
            // fixes stay off, since they belong to that older text.
            Ok(report) if is_syntax_error(&report) && parsed_before(&document.findings) => {
                let source = SourceText::new(document.text.clone());
                let (_, previous) = document.findings.as_ref().expect("checked above");
                let diagnostics = previous
                    .iter()
                    .map(|finding| diagnostic(&done.uri, &source, finding, self.encoding))
                    .collect();
                self.publish(done.uri, diagnostics, Some(done.version));
                return;
            }
            Ok(report) => {
                for error in &report.errors {
                    let kind = if error.message.starts_with("internal error") {
                        MessageType::ERROR
                    } else {
                        MessageType::LOG
                    };
                    let message = format!("ctxlint: {}: {}", error.path, error.message);
                    let _ = self.sender.send(log_message(kind, message));
                }
                report.findings
            }
            Err(panic) => {
                let message = format!(
                    "ctxlint: internal error while checking {}, please report it: {panic}",
                    done.uri
                );
                let _ = self.sender.send(log_message(MessageType::ERROR, message));
                Vec::new()
            }
        };
        shift_past_bom(&document.text, &mut findings);
        let source = SourceText::new(document.text.clone());
        let diagnostics = findings
            .iter()
            .map(|finding| diagnostic(&done.uri, &source, finding, self.encoding))
            .collect();
        document.findings = Some((done.version, findings));
        self.publish(done.uri, diagnostics, Some(done.version));
    }

    fn code_actions(&self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        let mut actions = Vec::new();
        // Only quick fixes here: skip requests for other kinds (`""` asks for every kind).
        if let Some(only) = &params.context.only
            && !only
                .iter()
                .any(|kind| kind.as_str().is_empty() || *kind == CodeActionKind::QUICKFIX)
        {
            return actions;
        }
        let Some(document) = self.documents.get(uri) else {
            return actions;
        };
        // Findings of an older version would edit the wrong text.
        let Some((version, findings)) = &document.findings else {
            return actions;
        };
        if *version != document.version {
            return actions;
        }
        let source = SourceText::new(document.text.clone());
        let mut allowed = Vec::new();
        for finding in findings {
            let range = range_of(&source, &finding.span, self.encoding);
            if !overlaps(&range, &params.range) {
                continue;
            }
            let diagnostic = diagnostic(uri, &source, finding, self.encoding);
            if let Some(fix) = &finding.fix
                && fix.applicability != Applicability::Display
            {
                let edits = fix
                    .edits
                    .iter()
                    .map(|edit| TextEdit {
                        range: range_of(&source, &edit.span, self.encoding),
                        new_text: edit.replacement.clone(),
                    })
                    .collect();
                // Say what the fix does, and whether it changes behaviour (an unsafe fix is
                // never the preferred action).
                let what = crate::report::human::describe_fix(fix, &source);
                let title = match fix.applicability {
                    Applicability::Safe => format!("ctxlint: {what}"),
                    _ => format!("ctxlint: {what} (unsafe: changes behaviour, review it)"),
                };
                actions.push(quick_fix(
                    title,
                    uri,
                    edits,
                    &diagnostic,
                    fix.applicability == Applicability::Safe,
                ));
            }
            let key = (finding.rule, finding.span.line);
            if !allowed.contains(&key) {
                allowed.push(key);
                actions.push(quick_fix(
                    format!("ctxlint: allow {} here", finding.rule),
                    uri,
                    vec![allow_edit(&source, finding, self.encoding)],
                    &diagnostic,
                    false,
                ));
            }
        }
        actions
    }

    fn register_config_watcher(&mut self) {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String(format!("**/{}", config::FILE_NAME)),
                kind: None,
            }],
        };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "ctxlint-config-watcher".to_string(),
                method: notif::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        let request = Request::new(
            RequestId::from("ctxlint-register-watcher".to_string()),
            req::RegisterCapability::METHOD.to_string(),
            params,
        );
        let _ = self.sender.send(request.into());
    }

    fn publish(&self, uri: Url, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        let notification = Notification::new(notif::PublishDiagnostics::METHOD.to_string(), params);
        let _ = self.sender.send(notification.into());
    }

    fn respond(&self, response: Response) {
        let _ = self.sender.send(response.into());
    }

    fn log(&self, kind: MessageType, message: String) {
        let _ = self.sender.send(log_message(kind, message));
    }

    fn show(&self, kind: MessageType, message: String) {
        let params = ShowMessageParams { typ: kind, message };
        let notification = Notification::new(notif::ShowMessage::METHOD.to_string(), params);
        let _ = self.sender.send(notification.into());
    }
}

/// Replaces `range` (all of the text when `None`) of a document with `new_text`.
fn apply_change(text: &mut String, range: Option<Range>, new_text: &str, encoding: Encoding) {
    let Some(range) = range else {
        *text = new_text.to_string();
        return;
    };
    let source = SourceText::new(std::mem::take(text));
    let start = offset_of(&source, range.start, encoding);
    let end = offset_of(&source, range.end, encoding).max(start);
    *text = source.text;
    text.replace_range(start..end, new_text);
}

fn log_message(kind: MessageType, message: String) -> Message {
    let params = LogMessageParams { typ: kind, message };
    Notification::new(notif::LogMessage::METHOD.to_string(), params).into()
}

fn profile_from(config: &Config) -> Result<Profile, String> {
    let mut settings = Settings::from_config(config, &[], &[])?;
    settings.set_checked_roots(std::slice::from_ref(&config.root));
    Ok(Profile {
        settings,
        excludes: PathGlobs::new(&config.exclude)?,
        root: config.root.clone(),
    })
}

fn is_config(uri: &Url) -> bool {
    uri.path_segments()
        .and_then(|mut segments| segments.next_back())
        .is_some_and(|name| name == config::FILE_NAME)
}

fn severity(level: Level) -> DiagnosticSeverity {
    match level {
        Level::Error => DiagnosticSeverity::ERROR,
        Level::Warning => DiagnosticSeverity::WARNING,
        Level::Info | Level::Off => DiagnosticSeverity::INFORMATION,
    }
}

/// A range in a file the server does not hold: columns are taken as they are.
fn range_elsewhere(span: &crate::diagnostic::Span) -> Range {
    let position = |line: usize, column: usize| {
        lsp_types::Position::new(
            line.saturating_sub(1) as u32,
            column.saturating_sub(1) as u32,
        )
    };
    Range::new(
        position(span.line, span.column),
        position(span.end_line, span.end_column),
    )
}

fn diagnostic(uri: &Url, source: &SourceText, finding: &Finding, encoding: Encoding) -> Diagnostic {
    let mut message = finding.message.clone();
    if !finding.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&finding.help);
    }
    let related: Vec<DiagnosticRelatedInformation> = finding
        .labels
        .iter()
        .filter_map(|label| {
            let location = match &label.path {
                Some(path) => Location::new(
                    Url::from_file_path(std::path::absolute(path).ok()?).ok()?,
                    range_elsewhere(&label.span),
                ),
                None => Location::new(uri.clone(), range_of(source, &label.span, encoding)),
            };
            Some(DiagnosticRelatedInformation {
                location,
                message: label.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: range_of(source, &finding.span, encoding),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.rule.to_string())),
        // The rule's page, which editors link from the code.
        code_description: Url::parse(&crate::registry::docs_url(finding.rule))
            .ok()
            .map(|href| lsp_types::CodeDescription { href }),
        source: Some("ctxlint".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}

/// A report of a file that could not be parsed and so says nothing about its findings (its
/// one finding is the `syntax-error`, if that is on).
fn is_syntax_error(report: &FileReport) -> bool {
    is_unparsed(&report.findings)
        && report
            .errors
            .iter()
            .any(|error| error.message.starts_with("syntax error"))
}

/// Whether the findings last published came from a text that parsed: those are worth keeping
/// while the text does not.
fn parsed_before(findings: &Option<(i32, Vec<Finding>)>) -> bool {
    findings
        .as_ref()
        .is_some_and(|(_, findings)| findings.is_empty() || !is_unparsed(findings))
}

fn is_unparsed(findings: &[Finding]) -> bool {
    findings
        .iter()
        .all(|finding| finding.rule == crate::syntax_error::NAME)
}

fn quick_fix(
    title: String,
    uri: &Url,
    edits: Vec<TextEdit>,
    diagnostic: &Diagnostic,
    preferred: bool,
) -> CodeActionOrCommand {
    let mut changes = std::collections::HashMap::new();
    changes.insert(uri.clone(), edits);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

const BOM: char = '\u{feff}';

/// The engine checks a text without its byte order mark, while the document keeps it: columns
/// on the first line are one further in the document.
fn shift_past_bom(text: &str, findings: &mut [Finding]) {
    if !text.starts_with(BOM) {
        return;
    }
    let shift = |span: &mut Span| {
        if span.line == 1 {
            span.column += 1;
        }
        if span.end_line == 1 {
            span.end_column += 1;
        }
    };
    for finding in findings {
        shift(&mut finding.span);
        for label in &mut finding.labels {
            shift(&mut label.span);
        }
        if let Some(fix) = &mut finding.fix {
            for edit in &mut fix.edits {
                shift(&mut edit.span);
            }
        }
    }
}

/// `// ctxlint: allow(<rule>) reason` on its own line above the finding, indented like it,
/// ending the way the finding's line ends.
fn allow_edit(source: &SourceText, finding: &Finding, encoding: Encoding) -> TextEdit {
    let line = source.line(finding.span.line);
    // After a byte order mark, not before it.
    let bom = finding.span.line == 1 && line.starts_with(BOM);
    let indent: String = line
        .trim_start_matches(BOM)
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let start = source.offset(finding.span.line, 1);
    let after = &source.text[(start + line.len()).min(source.text.len())..];
    let ending = if after.starts_with("\r\n") {
        "\r\n"
    } else if after.starts_with('\r') {
        "\r"
    } else {
        "\n"
    };
    let at = position::position_of(source, finding.span.line, 1 + usize::from(bom), encoding);
    TextEdit {
        range: Range::new(at, at),
        new_text: format!("{indent}// ctxlint: allow({}) reason{ending}", finding.rule),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Panics on documents that say so, is slow on others that say so, finds nothing.
    fn test_checker(input: &CheckInput) -> FileReport {
        let text = input.text;
        if text.contains("panic") {
            panic!("a test panic");
        }
        if text.contains("slow") {
            std::thread::sleep(Duration::from_millis(600));
        }
        FileReport {
            checked: true,
            ..FileReport::default()
        }
    }

    struct TestClient {
        connection: Connection,
        server: std::thread::JoinHandle<Result<i32, String>>,
    }

    impl TestClient {
        fn start() -> TestClient {
            let (server, connection) = Connection::memory();
            let server = std::thread::spawn(move || serve(server, test_checker));
            let client = TestClient { connection, server };
            client.request(1, "initialize", json!({ "capabilities": {} }));
            client.notify("initialized", json!({}));
            client
        }

        fn notify(&self, method: &str, params: Value) {
            let message = Notification::new(method.to_string(), params);
            self.connection.sender.send(message.into()).unwrap();
        }

        fn request(&self, id: i32, method: &str, params: Value) -> Response {
            let request = Request::new(RequestId::from(id), method.to_string(), params);
            self.connection.sender.send(request.into()).unwrap();
            loop {
                match self.next() {
                    Message::Response(response) if response.id == RequestId::from(id) => {
                        return response;
                    }
                    _ => {}
                }
            }
        }

        fn next(&self) -> Message {
            self.connection
                .receiver
                .recv_timeout(Duration::from_secs(30))
                .expect("a message from the server in time")
        }

        fn open(&self, uri: &str, text: &str) {
            self.notify(
                "textDocument/didOpen",
                json!({ "textDocument": {
                    "uri": uri, "languageId": "rust", "version": 1, "text": text
                }}),
            );
        }

        fn finish(self) -> i32 {
            let response = self.request(99, "shutdown", Value::Null);
            assert!(response.response_result.is_ok());
            self.notify("exit", Value::Null);
            self.server.join().unwrap().unwrap()
        }
    }

    #[test]
    fn a_panicking_check_is_logged_and_the_server_goes_on() {
        let client = TestClient::start();
        client.open("file:///nowhere/boom.rs", "// panic\n");
        let mut logged = false;
        for _ in 0..20 {
            let Message::Notification(notification) = client.next() else {
                continue;
            };
            if notification.method == notif::LogMessage::METHOD {
                let params: LogMessageParams = serde_json::from_value(notification.params).unwrap();
                assert_eq!(params.typ, MessageType::ERROR);
                assert!(
                    params.message.contains("a test panic"),
                    "{}",
                    params.message
                );
                logged = true;
            } else if notification.method == notif::PublishDiagnostics::METHOD {
                let params: PublishDiagnosticsParams =
                    serde_json::from_value(notification.params).unwrap();
                assert!(params.diagnostics.is_empty());
                break;
            }
        }
        assert!(logged);
        assert_eq!(client.finish(), 0);
    }

    #[test]
    fn results_for_stale_versions_are_dropped() {
        let client = TestClient::start();
        let uri = "file:///nowhere/slow.rs";
        client.open(uri, "// slow\n");
        // Let the slow check of version 1 start, then replace the text.
        std::thread::sleep(DEBOUNCE + Duration::from_millis(200));
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "text": "// quick\n" }],
            }),
        );
        let mut versions = Vec::new();
        for _ in 0..20 {
            if let Message::Notification(notification) = client.next()
                && notification.method == notif::PublishDiagnostics::METHOD
            {
                let params: PublishDiagnosticsParams =
                    serde_json::from_value(notification.params).unwrap();
                versions.push(params.version);
                if params.version == Some(2) {
                    break;
                }
            }
        }
        assert_eq!(versions, vec![Some(2)]);
        assert_eq!(client.finish(), 0);
    }

    #[test]
    fn incremental_changes_use_the_negotiated_encoding() {
        let mut document = "a😀b\r\nc".to_string();
        let at = |line, character| lsp_types::Position::new(line, character);
        let range = |start, end| Some(Range::new(start, end));
        apply_change(
            &mut document,
            range(at(0, 3), at(0, 4)),
            "B",
            Encoding::Utf16,
        );
        assert_eq!(document, "a😀B\r\nc");
        apply_change(&mut document, range(at(0, 6), at(1, 0)), "", Encoding::Utf8);
        assert_eq!(document, "a😀Bc");
        apply_change(&mut document, range(at(0, 9), at(0, 1)), "", Encoding::Utf8);
        assert_eq!(document, "a😀Bc", "a reversed range is empty");
        apply_change(&mut document, None, "new", Encoding::Utf8);
        assert_eq!(document, "new");
    }

    #[test]
    fn a_byte_order_mark_shifts_first_line_columns() {
        let text = "\u{feff}  std::thread::sleep(d);\n";
        let mut findings = vec![Finding::new(
            "blocking-in-async",
            Span::new(1, 3, 1, 24),
            "m",
        )];
        shift_past_bom(text, &mut findings);
        let source = SourceText::new(text.to_string());
        let range = range_of(&source, &findings[0].span, Encoding::Utf16);
        assert_eq!(range.start, lsp_types::Position::new(0, 3));
        let edit = allow_edit(&source, &findings[0], Encoding::Utf16);
        assert_eq!(edit.range.start, lsp_types::Position::new(0, 1));
        assert_eq!(
            edit.new_text,
            "  // ctxlint: allow(blocking-in-async) reason\n"
        );
    }
}
