//! `ctxlint lsp` as an editor meets it: the real binary spoken to over stdio with LSP framing.
//! Every wait has a deadline, so a broken server fails a test instead of hanging it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read while waiting for another one.
    backlog: VecDeque<Value>,
    next_id: i64,
}

impl Client {
    fn start(initialize_capabilities: Value) -> (Client, Value) {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("ctxlint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ctxlint starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            backlog: VecDeque::new(),
            next_id: 1,
        };
        let result = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": initialize_capabilities }),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_string(&message).unwrap();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let response = self.wait_for(&format!("the response to {method}"), |message| {
            message["id"] == json!(id) && message.get("method").is_none()
        });
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    /// The first message (the backlog first) that `wanted` accepts; others are kept.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(index) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(index).unwrap();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.backlog.push_back(message),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out waiting for {what}; got {:?}", self.backlog)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the server closed its output before {what}; got {:?}",
                        self.backlog
                    )
                }
            }
        }
    }

    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let message = self.wait_for(&format!("diagnostics for {uri} v{version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri, "languageId": language, "version": 1, "text": text
            }}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": changes,
            }),
        );
    }

    /// `shutdown` then `exit`; the exit code.
    fn shutdown(mut self) -> i32 {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.exit()
    }

    fn exit(mut self) -> i32 {
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("the server did not exit");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave a server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("Content-Length:") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctxlint-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The LSP column of `needle` in `line`, in UTF-16 code units.
fn utf16(line: &str, needle: &str) -> u64 {
    let at = line.find(needle).unwrap();
    line[..at].encode_utf16().count() as u64
}

fn range(line: u64, start: u64, end: u64) -> Value {
    json!({
        "start": { "line": line, "character": start },
        "end": { "line": line, "character": end },
    })
}

const RUST_LINE: &str = "    let s = \"😀\"; std::thread::sleep(Duration::from_secs(1));";

fn rust_document() -> String {
    format!(
        "use std::time::Duration;\n\n// grüße, 世界 😀\nasync fn pause() {{\n{RUST_LINE}\n    drop(s);\n}}\n"
    )
}

#[test]
fn initialize_negotiates_the_position_encoding() {
    let (client, result) = Client::start(json!({}));
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(capabilities["textDocumentSync"]["openClose"], true);
    assert_eq!(capabilities["textDocumentSync"]["change"], 2, "incremental");
    assert_eq!(
        capabilities["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    assert_eq!(result["serverInfo"]["name"], "ctxlint");
    assert_eq!(client.shutdown(), 0);

    let offer = json!({ "general": { "positionEncodings": ["utf-32", "utf-8", "utf-16"] } });
    let (client, result) = Client::start(offer);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn exit_without_shutdown_is_code_1() {
    let (client, _) = Client::start(json!({}));
    assert_eq!(client.exit(), 1);
}

#[test]
fn rust_diagnostics_quick_fixes_and_incremental_changes() {
    let dir = temp_dir("rust");
    let uri = uri(&dir.join("src/pause.rs"));
    let (mut client, _) = Client::start(json!({}));
    client.open(&uri, "rust", &rust_document());

    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "blocking-in-async");
    assert!(
        diagnostic["codeDescription"]["href"]
            .as_str()
            .is_some_and(|href| href.ends_with("/blocking-in-async.md")),
        "{diagnostic}"
    );
    assert_eq!(diagnostic["source"], "ctxlint");
    assert_eq!(diagnostic["severity"], 2);
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("\nhelp: use `tokio::time::sleep(..).await`"),
        "{diagnostic}"
    );
    // `😀` is one column for ctxlint and two UTF-16 code units for the client.
    let start = utf16(RUST_LINE, "std::thread");
    assert_eq!(start, 18);
    let callee_end = start + "std::thread::sleep".len() as u64;
    let call_end = RUST_LINE.encode_utf16().count() as u64 - 1;
    assert_eq!(diagnostic["range"], range(4, start, call_end));

    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": range(4, start + 3, start + 3),
            "context": { "diagnostics": [diagnostic] },
        }),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 2, "{actions:?}");
    let fix = &actions[0];
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["diagnostics"][0]["code"], "blocking-in-async");
    assert_eq!(
        fix["edit"]["changes"][&uri],
        json!([
            { "range": range(4, start, callee_end), "newText": "tokio::time::sleep" },
            { "range": range(4, call_end, call_end), "newText": ".await" },
        ])
    );
    let allow = &actions[1];
    assert_eq!(allow["title"], "ctxlint: allow blocking-in-async here");
    assert_eq!(
        allow["edit"]["changes"][&uri],
        json!([{
            "range": range(4, 0, 0),
            "newText": "    // ctxlint: allow(blocking-in-async) reason\n",
        }])
    );

    // Apply the fix as an editor would: its edits, last first, as incremental changes.
    client.change(
        &uri,
        2,
        json!([
            { "range": range(4, call_end, call_end), "text": ".await" },
            { "range": range(4, start, callee_end), "text": "tokio::time::sleep" },
        ]),
    );
    assert_eq!(client.diagnostics(&uri, 2), Vec::<Value>::new());

    // A new blocking call after the edited line: found where the edited text has it, which
    // only holds if the changes above were applied at the right places.
    client.change(
        &uri,
        3,
        json!([{ "range": range(5, 0, 0), "text": "    std::thread::sleep(Duration::ZERO);\n" }]),
    );
    let diagnostics = client.diagnostics(&uri, 3);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"], range(5, 4, 38));

    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    let cleared = client.wait_for("diagnostics cleared on close", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"].is_null()
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn go_diagnostics_in_utf8_with_crlf_line_endings() {
    let dir = temp_dir("go");
    let uri = uri(&dir.join("main.go"));
    let offer = json!({ "general": { "positionEncodings": ["utf-8"] } });
    let (mut client, _) = Client::start(offer);
    let line = "\tnote := \"ünï😀\"; ctx, _ := context.WithTimeout(ctx, time.Second)";
    let text = format!(
        "package main\r\n\r\nimport (\r\n\t\"context\"\r\n\t\"time\"\r\n)\r\n\r\n\
         func run(ctx context.Context) {{\r\n{line}\r\n\t_, _ = ctx, note\r\n}}\r\n"
    );
    client.open(&uri, "go", &text);

    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "lost-cancel");
    // UTF-8 columns are byte offsets within the line.
    let blank = line.find("_ :=").unwrap() as u64;
    assert_eq!(diagnostics[0]["range"], range(8, blank, blank + 1));

    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": range(8, blank, blank + 1),
            "context": { "diagnostics": diagnostics },
        }),
    );
    let edits = &actions[0]["edit"]["changes"][&uri];
    let end = line.len() as u64;
    assert_eq!(
        edits,
        &json!([
            { "range": range(8, blank, blank + 1), "newText": "cancel" },
            { "range": range(8, end, end), "newText": "\n\tdefer cancel()" },
        ])
    );
    assert_eq!(
        actions[1]["edit"]["changes"][&uri][0]["newText"],
        "\t// ctxlint: allow(lost-cancel) reason\r\n"
    );

    client.change(
        &uri,
        2,
        json!([
            { "range": range(8, end, end), "text": "\r\n\tdefer cancel()" },
            { "range": range(8, blank, blank + 1), "text": "cancel" },
        ]),
    );
    assert_eq!(client.diagnostics(&uri, 2), Vec::<Value>::new());
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn config_is_found_reloaded_and_errors_are_shown() {
    let dir = temp_dir("config");
    let config = dir.join("ctxlint.toml");
    std::fs::write(&config, "[rules]\nblocking-in-async = \"error\"\n").unwrap();
    let uri = uri(&dir.join("pause.rs"));
    let watching =
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let (mut client, _) = Client::start(watching);
    let register = client.wait_for("the watcher registration", |m| {
        m["method"] == "client/registerCapability"
    });
    let registration = &register["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"][0]["globPattern"],
        "**/ctxlint.toml"
    );
    client.send(json!({ "jsonrpc": "2.0", "id": register["id"], "result": null }));

    client.open(&uri, "rust", &rust_document());
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics[0]["severity"], 1, "the config's level");

    std::fs::write(&config, "[rules]\nno-such-rule = \"off\"\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": format!("file://{}", config.display()), "type": 2 }] }),
    );
    let shown = client.wait_for("the config error", |m| m["method"] == "window/showMessage");
    assert_eq!(shown["params"]["type"], 1);
    let message = shown["params"]["message"].as_str().unwrap();
    assert!(message.contains("unknown rule `no-such-rule`"), "{message}");
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics[0]["severity"], 2, "back to the default level");

    // Without a notification, a changed config counts from the next check on.
    std::fs::write(&config, "[rules]\nblocking-in-async = \"info\"\n").unwrap();
    let later = SystemTime::now() + Duration::from_secs(10);
    std::fs::File::options()
        .write(true)
        .open(&config)
        .unwrap()
        .set_modified(later)
        .unwrap();
    client.change(&uri, 2, json!([{ "range": range(0, 0, 0), "text": "\n" }]));
    let diagnostics = client.diagnostics(&uri, 2);
    assert_eq!(diagnostics[0]["severity"], 3, "the edited config's level");

    // Other documents are not checked at all.
    client.open(
        &format!("file://{}", dir.join("notes.txt").display()),
        "plaintext",
        "x",
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn excluded_documents_get_no_diagnostics_and_only_quick_fixes_are_offered() {
    let dir = temp_dir("exclude");
    std::fs::write(dir.join("ctxlint.toml"), "exclude = [\"generated\"]\n").unwrap();
    let (mut client, _) = Client::start(json!({}));
    let excluded = uri(&dir.join("generated/pause.rs"));
    client.open(&excluded, "rust", &rust_document());
    assert_eq!(client.diagnostics(&excluded, 1), Vec::<Value>::new());

    let checked = uri(&dir.join("src/pause.rs"));
    client.open(&checked, "rust", &rust_document());
    assert_eq!(client.diagnostics(&checked, 1).len(), 1);
    let ask = |only: Value| {
        json!({
            "textDocument": { "uri": checked },
            "range": range(4, 20, 20),
            "context": { "diagnostics": [], "only": only },
        })
    };
    let refactors = client.request("textDocument/codeAction", ask(json!(["refactor"])));
    assert_eq!(refactors, json!([]));
    let fixes = client.request("textDocument/codeAction", ask(json!(["quickfix"])));
    assert_eq!(fixes.as_array().unwrap().len(), 2);
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn each_document_uses_the_nearest_config_as_the_command_line_does() {
    let dir = temp_dir("nested-config");
    std::fs::write(
        dir.join("ctxlint.toml"),
        "[rules]\nblocking-in-async = \"error\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("inner")).unwrap();
    std::fs::write(
        dir.join("inner/ctxlint.toml"),
        "[rules]\nblocking-in-async = \"info\"\n",
    )
    .unwrap();
    let (mut client, _) = Client::start(json!({}));
    let outer = uri(&dir.join("pause.rs"));
    let inner = uri(&dir.join("inner/deeper/pause.rs"));
    client.open(&outer, "rust", &rust_document());
    client.open(&inner, "rust", &rust_document());
    assert_eq!(client.diagnostics(&outer, 1)[0]["severity"], 1);
    assert_eq!(client.diagnostics(&inner, 1)[0]["severity"], 3);
    assert_eq!(client.shutdown(), 0);

    // The command line gives the same levels for the same files.
    std::fs::create_dir_all(dir.join("inner/deeper")).unwrap();
    std::fs::write(dir.join("pause.rs"), rust_document()).unwrap();
    std::fs::write(dir.join("inner/deeper/pause.rs"), rust_document()).unwrap();
    let output = Command::new(assert_cmd::cargo::cargo_bin("ctxlint"))
        .current_dir(&dir)
        .args(["inner", "pause.rs", "--format", "json"])
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let severities: Vec<(&str, &str)> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        severities,
        [("inner/deeper/pause.rs", "info"), ("pause.rs", "error")]
    );
}

/// A document is checked with the other files of its crate: a helper in another file counts,
/// the evidence is a related location in that file, and an unsaved edit of the helper (an
/// open document) is what counts, not the file on disk.
#[test]
fn documents_are_checked_with_their_crate_and_open_edits_reach_other_files() {
    let dir = temp_dir("project");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"relay\"\n").unwrap();
    let main = "mod wire;\n\
                pub async fn run(mut s: tokio::net::TcpStream, mut tick: tokio::time::Interval) {\n\
                \x20   loop {\n\
                \x20       tokio::select! {\n\
                \x20           _ = wire::read_header(&mut s) => {}\n\
                \x20           _ = tick.tick() => {}\n\
                \x20       }\n\
                \x20   }\n\
                }\n";
    let unsafe_wire = "use tokio::io::AsyncReadExt;\n\
                       pub async fn read_header(s: &mut tokio::net::TcpStream) {\n\
                       \x20   let mut b = [0u8; 8];\n\
                       \x20   let _ = s.read_exact(&mut b).await;\n\
                       }\n";
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    std::fs::write(dir.join("src/wire.rs"), unsafe_wire).unwrap();
    let main_uri = uri(&dir.join("src/main.rs"));
    let wire_uri = uri(&dir.join("src/wire.rs"));
    let (mut client, _) = Client::start(json!({}));
    client.open(&main_uri, "rust", main);
    let diagnostics = client.diagnostics(&main_uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "select-cancel-unsafe");
    let related = diagnostics[0]["relatedInformation"].as_array().unwrap();
    assert!(
        related
            .iter()
            .any(|r| r["location"]["uri"] == wire_uri.as_str()
                && r["location"]["range"]["start"]["line"] == 3),
        "{related:?}"
    );
    // The helper edited in the editor, not saved: the race loses nothing now.
    client.open(&wire_uri, "rust", unsafe_wire);
    client.change(
        &wire_uri,
        2,
        json!([{ "range": range(3, 14, 24), "text": "read" }]),
    );
    let diagnostics = client.diagnostics(&main_uri, 1);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    client.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Mid-edit, a document that does not parse keeps its last diagnostics (and offers no quick
/// fix for the older text); a quick fix says what it does and whether it changes behaviour.
#[test]
fn a_syntax_error_keeps_the_last_diagnostics_and_fixes_say_what_they_do() {
    let dir = temp_dir("syntax");
    let uri = uri(&dir.join("pause.rs"));
    let (mut client, _) = Client::start(json!({}));
    client.open(&uri, "rust", &rust_document());
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let start = utf16(RUST_LINE, "std::thread");
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": range(4, start, start),
            "context": { "diagnostics": [diagnostics[0].clone()] },
        }),
    );
    let title = actions[0]["title"].as_str().unwrap();
    assert!(title.starts_with("ctxlint: "), "{title}");
    assert!(title.contains("tokio::time::sleep"), "{title}");
    assert!(
        title.ends_with("(unsafe: changes behaviour, review it)"),
        "{title}"
    );
    assert_eq!(actions[0]["isPreferred"], Value::Null);

    // An unclosed brace, as while typing: the finding stays, no fix is offered.
    client.change(
        &uri,
        2,
        json!([{ "range": range(6, 1, 1), "text": "\nfn next() {" }]),
    );
    let kept = client.diagnostics(&uri, 2);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["code"], "blocking-in-async");
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": range(4, start, start),
            "context": { "diagnostics": [kept[0].clone()] },
        }),
    );
    assert_eq!(actions, json!([]), "no fix for the older text");
    assert_eq!(client.shutdown(), 0);
}

/// A document that has not parsed since it was opened shows why it is not checked: its
/// `syntax-error` finding, as on the command line.
#[test]
fn a_document_that_never_parsed_shows_its_syntax_error() {
    let dir = temp_dir("never-parsed");
    let uri = uri(&dir.join("server.rs"));
    let (mut client, _) = Client::start(json!({}));
    client.open(
        &uri,
        "rust",
        "// Copied from Go.\npackage server\n\nfunc Start() {}\n",
    );
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "syntax-error");
    assert_eq!(diagnostics[0]["severity"], 1, "error");
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 1);
    // Once it parses, its findings replace the syntax error.
    client.change(&uri, 2, json!([{ "text": rust_document() }]));
    let diagnostics = client.diagnostics(&uri, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "blocking-in-async");
    assert_eq!(client.shutdown(), 0);
}

/// A buffer never saved has no extension: its language is the one the editor gives.
#[test]
fn untitled_buffers_are_checked_as_their_language_id_says() {
    let (mut client, _) = Client::start(json!({}));
    client.open("untitled:Untitled-1", "rust", &rust_document());
    let diagnostics = client.diagnostics("untitled:Untitled-1", 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "blocking-in-async");
    // Another language id is not ctxlint's: nothing is published for it.
    client.open(
        "untitled:Untitled-2",
        "python",
        "import time\ntime.sleep(1)\n",
    );
    client.open("untitled:Untitled-3", "go", "package main\n\nimport \"context\"\n\nfunc f(p context.Context) {\n\tctx, _ := context.WithCancel(p)\n\t_ = ctx\n}\n");
    let go = client.diagnostics("untitled:Untitled-3", 1);
    assert_eq!(go.len(), 1, "{go:?}");
    assert_eq!(go[0]["code"], "lost-cancel");
    // Opened before the Go buffer and debounced with it: nothing for it has arrived by the
    // time the Go buffer's diagnostics have.
    assert!(
        !client
            .backlog
            .iter()
            .any(|m| m["params"]["uri"] == "untitled:Untitled-2"),
        "{:?}",
        client.backlog
    );
    assert_eq!(client.shutdown(), 0);
}
