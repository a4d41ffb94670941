//! End-to-end tests of `campaign lsp`: the binary is started as an editor starts it, and spoken
//! to in JSON-RPC over its standard input and output, with the protocol's `Content-Length`
//! framing. Every wait is bounded, so that a server that hangs fails its test instead of
//! hanging the run.
#![cfg(feature = "lsp")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a failed assertion is a failed test"
)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The longest wait for one answer (debug builds on a busy machine are slow).
const TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------
// The client.

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    /// Messages received while waiting for another one.
    seen: VecDeque<Value>,
    next_id: i64,
}

/// Reads framed messages from the server's output until it closes.
fn read_messages(output: impl Read, to: mpsc::Sender<Value>) {
    let mut reader = BufReader::new(output);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = Some(n.parse::<usize>().unwrap());
            }
        }
        let mut body = vec![0; length.expect("every message has a Content-Length")];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let value: Value = serde_json::from_slice(&body).expect("the server writes JSON");
        assert_eq!(value["jsonrpc"], "2.0");
        if to.send(value).is_err() {
            return;
        }
    }
}

impl Client {
    fn start() -> Client {
        Client::start_with(&["lsp"])
    }

    fn start_with(args: &[&str]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_campaign"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (to, incoming) = mpsc::channel();
        std::thread::spawn(move || read_messages(stdout, to));
        Client {
            child,
            stdin,
            incoming,
            seen: VecDeque::new(),
            next_id: 0,
        }
    }

    /// A started and initialized server.
    fn initialized() -> Client {
        Client::initialized_with("off")
    }

    /// A started and initialized server, with traces (`off`, `messages`, `verbose`).
    fn initialized_with(trace: &str) -> Client {
        let mut client = Client::start();
        let params = json!({"processId": null, "rootUri": null, "capabilities": {}, "trace": trace});
        let answer = client.request("initialize", params);
        assert!(answer["result"]["capabilities"].is_object(), "{answer}");
        client.notify("initialized", json!({}));
        client
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap();
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend(body);
        self.send_raw(&framed);
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request without waiting; returns its id.
    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and waits for its response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.wait_for(&format!("the response to {method}"), |m| {
            m["id"] == id && m.get("method").is_none()
        })
    }

    /// The result of a request, which must succeed.
    fn result(&mut self, method: &str, params: Value) -> Value {
        let answer = self.request(method, params);
        assert!(answer.get("error").is_none(), "{method} failed: {answer}");
        answer["result"].clone()
    }

    /// Waits for the first message (already seen or not) that `wanted` accepts.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.seen.iter().position(&wanted) {
            return self.seen.remove(at).unwrap();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if wanted(&m) => return m,
                Ok(m) => self.seen.push_back(m),
                Err(_) => panic!("no {what} within {TIMEOUT:?}; received meanwhile: {:?}", self.seen),
            }
        }
    }

    /// The checks of a document the server reported in traces so far, as `(version, outcome)`.
    fn checks(&self, uri: &str) -> Vec<(u64, String)> {
        let prefix = format!("checked {uri} (version ");
        self.seen
            .iter()
            .filter(|m| m["method"] == "$/logTrace")
            .filter_map(|m| {
                m["params"]["message"]
                    .as_str()?
                    .strip_prefix(&prefix)
                    .map(str::to_string)
            })
            .map(|rest| {
                let version = rest.split(',').next().unwrap().parse().unwrap();
                let (_, outcome) = rest.split_once(" ms: ").unwrap();
                let outcome = outcome.split(':').next().unwrap().to_string();
                (version, outcome)
            })
            .collect()
    }

    /// The diagnostics published for a version of a document.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(&format!("diagnostics of {uri} version {version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// The next diagnostics published for a document, whatever their version.
    fn next_diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait_for(&format!("diagnostics of {uri}"), |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
    }

    fn replace(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// `shutdown` then `exit`; the exit status.
    fn shutdown(mut self) -> ExitStatus {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer["result"], Value::Null, "{answer}");
        self.notify("exit", Value::Null);
        self.wait()
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit within {TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// Positions and edits, counted here independently of the server.

/// The protocol position (line, UTF-16 column) of a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[line_start..].encode_utf16().count();
    json!({"line": line, "character": character})
}

/// The byte offset of a protocol position.
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[line_start..].char_indices() {
        if units >= character || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn range(text: &str, start: usize, end: usize) -> Value {
    json!({"start": position(text, start), "end": position(text, end)})
}

/// The position of the `nth` (from 0) occurrence of `needle`, plus `plus` characters.
fn at(text: &str, needle: &str, nth: usize, plus: usize) -> Value {
    let (start, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle:?} #{nth}"));
    let skipped: usize = text[start..].chars().take(plus).map(char::len_utf8).sum();
    position(text, start + skipped)
}

fn params_at(uri: &str, text: &str, needle: &str, nth: usize) -> Value {
    json!({"textDocument": {"uri": uri}, "position": at(text, needle, nth, 1)})
}

/// Applies text edits (all about the text as it is) to a text.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let start = offset(text, &e["range"]["start"]);
            let end = offset(text, &e["range"]["end"]);
            (start, end, e["newText"].as_str().unwrap().to_string())
        })
        .collect();
    spans.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, &new);
    }
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A folder of its own for a test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("campaign-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------
// The campaign the tests edit.

const CAMPAIGN: &str = r#"# 测试活动: the language server's end-to-end tests
campaign "编辑器测试" {
  timezone Asia/Shanghai
  unit points

  parameter min_gmv: money CNY = 10000 CNY

  window signup = 2024-08-16 15:00 .. 2024-08-28 24:00
  periods settlement = months 2024-08 through 2024-10

  facts {
    store_score: decimal, optional
    registered_at: timestamp
    gmv: money CNY
    sales: list of {
      at: timestamp
      amount: money CNY
    }
  }

  let big_sale of sales = amount ≥ 100 CNY
  value counted = sum of sales.amount where big_sale
  let monthly per month in settlement = sum of sales.amount where at in month
  value total_monthly = sum of monthly

  eligible when {
    registered_at in signup             "报名时间内完成报名"
    store_score ≥ 4.2 if unknown false  "店铺评分需≥4.2"
    gmv ≥ min_gmv                       "GMV 需达到门槛"
  }

  reward bonus = counted × 1% as points,
    rounded down,
    at most 600 points,
    budget 100000 points in total, first come first served by registered_at
}
"#;

const URI: &str = "file:///nowhere/editor.campaign";

/// A server with [`CAMPAIGN`] open and checked clean.
fn with_campaign() -> Client {
    let mut client = Client::initialized_with("messages");
    client.open(URI, "campaign", CAMPAIGN);
    let diagnostics = client.diagnostics(URI, 1);
    assert_eq!(diagnostics, Vec::<Value>::new(), "the test campaign checks clean");
    client
}

// ---------------------------------------------------------------------------
// The life cycle.

#[test]
fn initialize_announces_every_capability_and_shutdown_exits_cleanly() {
    let mut client = Client::start();
    let answer = client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let result = &answer["result"];
    assert_eq!(result["serverInfo"]["name"], "campaign");
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(caps["definitionProvider"], true);
    assert_eq!(caps["referencesProvider"], true);
    assert_eq!(caps["renameProvider"]["prepareProvider"], true);
    assert_eq!(caps["completionProvider"]["triggerCharacters"], json!(["."]));
    assert_eq!(caps["codeActionProvider"]["codeActionKinds"], json!(["quickfix"]));
    assert_eq!(caps["documentSymbolProvider"], true);
    assert_eq!(caps["documentFormattingProvider"], true);
    assert_eq!(caps["foldingRangeProvider"], true);
    client.notify("initialized", json!({}));
    // A request after `shutdown` is refused; `exit` then ends the server with status 0.
    let answer = client.request("shutdown", Value::Null);
    assert_eq!(answer["result"], Value::Null);
    let refused = client.request("textDocument/hover", params_at(URI, CAMPAIGN, "gmv", 0));
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    client.notify("exit", Value::Null);
    assert_eq!(client.wait().code(), Some(0));
}

#[test]
fn the_stdio_flag_that_vscode_adds_is_accepted() {
    // vscode-languageclient appends `--stdio` to the arguments of a server it talks to over stdio.
    let mut client = Client::start_with(&["lsp", "--stdio"]);
    let answer = client.request("initialize", json!({"capabilities": {}}));
    assert_eq!(answer["result"]["serverInfo"]["name"], "campaign", "{answer}");
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn requests_before_initialize_are_refused_and_exit_without_shutdown_is_status_1() {
    let mut client = Client::start();
    let answer = client.request("textDocument/hover", params_at(URI, CAMPAIGN, "gmv", 0));
    assert_eq!(answer["error"]["code"], -32002, "{answer}");
    let answer = client.request("initialize", json!({"capabilities": {}}));
    assert!(answer["result"]["capabilities"].is_object());
    client.notify("exit", Value::Null);
    assert_eq!(client.wait().code(), Some(1));
}

#[test]
fn malformed_messages_get_an_error_or_are_skipped_and_the_server_goes_on() {
    let mut client = Client::initialized();
    // Not JSON, not an object, a method that is not a text (with an id: answered), an
    // unknown method, and a request whose parameters are wrong.
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    client.send_raw(b"Content-Length: 6\r\n\r\n[1, 2]");
    client.send(&json!({"jsonrpc": "2.0", "id": 900, "method": 3}));
    let answer = client.wait_for("the error for id 900", |m| m["id"] == 900);
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    let answer = client.request("campaign/unknown", json!({}));
    assert_eq!(answer["error"]["code"], -32601, "{answer}");
    client.open(URI, "campaign", CAMPAIGN);
    client.diagnostics(URI, 1);
    let answer = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": "here"}),
    );
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    // A notification with parameters that cannot be read is skipped.
    client.notify("textDocument/didChange", json!({"textDocument": 3}));
    let hover = client.result("textDocument/hover", params_at(URI, CAMPAIGN, "gmv ≥", 0));
    assert!(
        hover["contents"]["value"].as_str().unwrap().contains("money CNY"),
        "{hover}"
    );
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn positions_and_ranges_outside_the_text_are_clamped_not_fatal() {
    let mut client = with_campaign();
    let far = json!({"line": 4_000_000_000u32, "character": 4_000_000_000u32});
    let in_a_comment = json!({"line": 0, "character": 3});
    for position in [far.clone(), in_a_comment] {
        let at = json!({"textDocument": {"uri": URI}, "position": position});
        for method in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
        ] {
            let answer = client.request(method, at.clone());
            assert!(answer.get("error").is_none(), "{method}: {answer}");
        }
        let mut rename = at.clone();
        rename["newName"] = json!("x");
        assert!(client.request("textDocument/rename", rename).get("error").is_none());
    }
    // A change whose range is reversed and past the end appends at the end.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [
            {"range": {"start": far, "end": {"line": 0, "character": 0}}, "text": "# 结束 😀"}]}),
    );
    // The reversed range covered the whole text: what is left is the comment.
    let diagnostics = client.diagnostics(URI, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "parse::syntax");
    let folds = client.result("textDocument/foldingRange", json!({"textDocument": {"uri": URI}}));
    assert_eq!(folds, json!([]));
    assert_eq!(client.shutdown().code(), Some(0));
}

// ---------------------------------------------------------------------------
// Diagnostics and quick fixes.

#[test]
fn an_error_is_published_with_its_code_span_and_help_and_cleared_after_the_fix() {
    let mut client = Client::initialized();
    let broken = CAMPAIGN.replace("    gmv ≥ min_gmv", "    gvm ≥ min_gmv");
    client.open(URI, "campaign", &broken);
    let diagnostics = client.diagnostics(URI, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "check::unknown_name");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "campaign");
    let start = broken.find("gvm").unwrap();
    assert_eq!(d["range"], range(&broken, start, start + "gvm".len()));
    let message = d["message"].as_str().unwrap();
    assert_eq!(message, "`gvm` is not defined\nunknown name\nhelp: did you mean `gmv`?");
    // The fix, sent as a change: the diagnostics of version 2 are empty.
    client.replace(URI, 2, CAMPAIGN);
    assert_eq!(client.diagnostics(URI, 2), Vec::<Value>::new());
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn a_quick_fix_applies_the_diagnostics_fix() {
    let mut client = Client::initialized();
    let broken = CAMPAIGN.replace("    gmv ≥ min_gmv", "    gvm ≥ min_gmv");
    client.open(URI, "campaign", &broken);
    let diagnostics = client.diagnostics(URI, 1);
    let d = diagnostics[0].clone();
    let actions = client.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["title"], "write `gmv`");
    assert_eq!(action["diagnostics"][0]["code"], "check::unknown_name");
    let edits = action["edit"]["changes"][URI].as_array().unwrap();
    let fixed = apply(&broken, edits);
    assert_eq!(fixed, CAMPAIGN);
    client.replace(URI, 2, &fixed);
    assert_eq!(client.diagnostics(URI, 2), Vec::<Value>::new());
    // Where there is no problem, there is no action.
    let none = client.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": range(CAMPAIGN, 0, 0), "context": {"diagnostics": []}}),
    );
    assert_eq!(none, json!([]));
    assert_eq!(client.shutdown().code(), Some(0));
}

/// Every diagnostic of the UI golden campaigns is published as `campaign check` reports it:
/// code, severity, span, message with the help, and secondary labels as related information.
#[test]
fn diagnostics_are_those_of_campaign_check() {
    let mut client = Client::initialized();
    let mut files: Vec<PathBuf> = Vec::new();
    for kind in ["check", "lint", "parse"] {
        for entry in std::fs::read_dir(root().join("tests/ui").join(kind)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "campaign") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "the UI campaigns are found");
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        client.open(&file_uri(path), "campaign", &text);
    }
    let mut with_related = 0;
    for path in &files {
        let uri = file_uri(path);
        let text = std::fs::read_to_string(path).unwrap();
        let published = client.diagnostics(&uri, 1);
        let expected = campaign::check::check(&text).diagnostics;
        assert_eq!(published.len(), expected.len(), "{}: {published:?}", path.display());
        for (p, e) in published.iter().zip(&expected) {
            let name = path.display();
            assert_eq!(p["code"], e.code.as_str(), "{name}");
            assert_eq!(p["severity"], if e.is_error() { 1 } else { 2 }, "{name}");
            assert_eq!(p["range"], range(&text, e.span().start, e.span().end), "{name}");
            let message = p["message"].as_str().unwrap();
            assert!(message.starts_with(&e.message), "{name}: {message}");
            if let Some(help) = &e.help {
                assert!(message.ends_with(&format!("help: {help}")), "{name}: {message}");
            }
            let related = p["relatedInformation"].as_array().map_or(0, Vec::len);
            assert_eq!(related, e.labels.len() - 1, "{name}");
            for (r, label) in p["relatedInformation"]
                .as_array()
                .into_iter()
                .flatten()
                .zip(e.labels.iter().skip(1))
            {
                assert_eq!(
                    r["location"]["range"],
                    range(&text, label.span.start, label.span.end),
                    "{name}"
                );
                assert_eq!(r["location"]["uri"], uri.as_str());
                with_related += 1;
            }
        }
    }
    assert!(with_related > 0, "some UI campaign has a secondary label");
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn chinese_text_and_an_emoji_before_an_error_do_not_shift_its_columns() {
    let mut client = Client::initialized();
    let line = "  value 标签 = \"报名时间😀内完成\" + unknown_thing\n";
    let text = CAMPAIGN.replace("  value counted =", &format!("{line}  value counted ="));
    client.open(URI, "campaign", &text);
    let diagnostics = client.diagnostics(URI, 1);
    let d = diagnostics
        .iter()
        .find(|d| d["code"] == "check::unknown_name")
        .unwrap_or_else(|| panic!("an unknown name: {diagnostics:?}"));
    let start = text.find("unknown_thing").unwrap();
    let line_start = text[..start].rfind('\n').unwrap() + 1;
    let prefix = &text[line_start..start];
    // The column is in UTF-16 code units: neither bytes nor characters.
    let units = prefix.encode_utf16().count();
    assert_ne!(units, prefix.len());
    assert_ne!(units, prefix.chars().count(), "the emoji counts two units");
    assert_eq!(d["range"]["start"]["character"], units);
    assert_eq!(d["range"]["end"]["character"], units + "unknown_thing".len());
    // A hover on the name after the emoji finds it from a UTF-16 column too.
    let hover = client.result("textDocument/hover", json!({"textDocument": {"uri": URI}, "position": {"line": d["range"]["start"]["line"], "character": units + 2}}));
    assert_eq!(hover, Value::Null, "an unknown name has no hover");
    let hover = client.result("textDocument/hover", params_at(URI, &text, "标签", 0));
    assert!(
        hover["contents"]["value"].as_str().unwrap().contains("`标签`"),
        "{hover}"
    );
    assert_eq!(
        hover["range"],
        range(
            &text,
            text.find("标签").unwrap(),
            text.find("标签").unwrap() + "标签".len()
        )
    );
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn a_burst_of_changes_is_checked_once_and_old_versions_are_never_published() {
    let mut client = with_campaign();
    // Five changes in one write: only the last version's diagnostics are published.
    let mut burst = Vec::new();
    for version in 2..=6 {
        let text = CAMPAIGN.replace("    gmv ≥ min_gmv", &format!("    gmv{version} ≥ min_gmv"));
        let body = serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": text}]}}),
        )
        .unwrap();
        burst.extend(format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes());
        burst.extend(body);
    }
    client.send_raw(&burst);
    let diagnostics = client.diagnostics(URI, 6);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("gmv6"));
    // Whatever else arrived meanwhile, no diagnostics of versions 2 to 5, and one check.
    let hover = client.result("textDocument/hover", params_at(URI, CAMPAIGN, "store_score ≥", 0));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("decimal, optional"),
        "{hover}"
    );
    let stale: Vec<&Value> = client
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
    assert_eq!(client.checks(URI), [(1, "published".into()), (6, "published".into())]);
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn incremental_changes_are_applied_in_utf16_columns() {
    let mut client = with_campaign();
    // Replace `GMV` in the third reason (after Chinese text on its line) by `成交额`.
    let start = CAMPAIGN.find("GMV 需达到门槛").unwrap();
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [
            {"range": range(CAMPAIGN, start, start + 3), "text": "成交额"},
            {"range": range(CAMPAIGN, 0, 0), "text": "# 😀\n"}
        ]}),
    );
    assert_eq!(client.diagnostics(URI, 2), Vec::<Value>::new());
    let text = format!("# 😀\n{}", CAMPAIGN.replace("GMV 需达到门槛", "成交额 需达到门槛"));
    let symbols = client.result("textDocument/documentSymbol", json!({"textDocument": {"uri": URI}}));
    let eligible = symbols[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "eligible when")
        .unwrap();
    assert_eq!(eligible["children"][2]["name"], "成交额 需达到门槛");
    let formatted = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(
        apply(&text, formatted.as_array().unwrap()),
        campaign::fmt::format(&text).unwrap()
    );
    assert_eq!(client.shutdown().code(), Some(0));
}

// ---------------------------------------------------------------------------
// Hover and navigation.

fn hover_text(client: &mut Client, needle: &str, nth: usize) -> String {
    let hover = client.result("textDocument/hover", params_at(URI, CAMPAIGN, needle, nth));
    assert_eq!(hover["contents"]["kind"], "markdown", "{needle}: {hover}");
    hover["contents"]["value"].as_str().unwrap().to_string()
}

#[test]
fn hovers_show_kind_type_declaration_instants_default_and_reward_terms() {
    let mut client = with_campaign();
    let fact = hover_text(&mut client, "store_score ≥", 0);
    assert!(
        fact.starts_with("**fact** `store_score`: `decimal, optional`"),
        "{fact}"
    );
    assert!(
        fact.contains("```campaign\nstore_score: decimal, optional\n```"),
        "{fact}"
    );

    let field = hover_text(&mut client, "amount ≥", 0);
    assert!(
        field.starts_with("**field of a list** `amount` of `sales`: `money CNY`"),
        "{field}"
    );

    let window = hover_text(&mut client, "signup  ", 0);
    assert!(
        window.contains("- from `2024-08-16 15:00:00 +08:00` (included)"),
        "{window}"
    );
    assert!(
        window.contains("- to `2024-08-29 00:00:00 +08:00` (excluded)"),
        "{window}"
    );
    assert!(window.contains("in Asia/Shanghai"), "{window}");

    let periods = hover_text(&mut client, "settlement =", 0);
    assert!(periods.contains("3 months: `2024-08` to `2024-10`"), "{periods}");
    assert!(periods.contains("- from `2024-08-01 00:00:00 +08:00`"), "{periods}");

    let parameter = hover_text(&mut client, "min_gmv ", 0);
    assert!(
        parameter.starts_with("**parameter** `min_gmv`: `money CNY`"),
        "{parameter}"
    );
    assert!(parameter.contains("default: `10000 CNY`"), "{parameter}");

    let reward = hover_text(&mut client, "bonus", 0);
    assert!(reward.starts_with("**reward** `bonus`: `quantity points`"), "{reward}");
    assert!(reward.contains("- rounding: `rounded down to 1 points`"), "{reward}");
    assert!(reward.contains("- caps: `at most 600 points`"), "{reward}");
    assert!(
        reward.contains("- budget: `budget 100000 points in total, first come first served by registered_at`"),
        "{reward}"
    );

    let value = hover_text(&mut client, "counted ×", 0);
    assert!(value.starts_with("**value** `counted`: `money CNY`"), "{value}");

    let keyword = hover_text(&mut client, "eligible when", 0);
    assert!(keyword.contains("every condition must hold"), "{keyword}");

    // Inside a reason, nothing.
    let nothing = client.result("textDocument/hover", params_at(URI, CAMPAIGN, "报名时间", 0));
    assert_eq!(nothing, Value::Null);
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn definition_and_references_come_from_the_name_table() {
    let mut client = with_campaign();
    let location = client.result("textDocument/definition", params_at(URI, CAMPAIGN, "big_sale\n", 0));
    let declared = CAMPAIGN.find("big_sale of").unwrap();
    assert_eq!(location["uri"], URI);
    assert_eq!(
        location["range"],
        range(CAMPAIGN, declared, declared + "big_sale".len())
    );

    let mut params = params_at(URI, CAMPAIGN, "registered_at in", 0);
    params["context"] = json!({"includeDeclaration": true});
    let references = client.result("textDocument/references", params.clone());
    let found: Vec<Value> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"].clone())
        .collect();
    let expected: Vec<Value> = CAMPAIGN
        .match_indices("registered_at")
        .map(|(i, _)| range(CAMPAIGN, i, i + "registered_at".len()))
        .collect();
    assert_eq!(expected.len(), 3, "declared, in a condition, in the budget's order");
    assert_eq!(found, expected);
    params["context"] = json!({"includeDeclaration": false});
    let uses = client.result("textDocument/references", params);
    assert_eq!(uses.as_array().unwrap().len(), 2);

    // A keyword is no name.
    let none = client.result("textDocument/definition", params_at(URI, CAMPAIGN, "eligible", 0));
    assert_eq!(none, Value::Null);
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn rename_changes_the_declaration_and_every_use() {
    let mut client = with_campaign();
    let prepared = client.result("textDocument/prepareRename", params_at(URI, CAMPAIGN, "at in month", 0));
    assert_eq!(prepared["placeholder"], "at");
    let mut params = params_at(URI, CAMPAIGN, "at in month", 0);
    params["newName"] = json!("售出时间");
    let edit = client.result("textDocument/rename", params);
    let edits = edit["changes"][URI].as_array().unwrap();
    assert_eq!(edits.len(), 2, "{edits:?}");
    let renamed = apply(CAMPAIGN, edits);
    assert!(renamed.contains("      售出时间: timestamp\n"));
    assert!(renamed.contains("where 售出时间 in month"));
    assert!(
        renamed.contains("  timezone Asia/Shanghai"),
        "other words are left alone"
    );
    client.replace(URI, 2, &renamed);
    assert_eq!(
        client.diagnostics(URI, 2),
        Vec::<Value>::new(),
        "the renamed campaign checks clean"
    );

    // Not to a word of the language, not to a name taken, and not a reward.
    let mut params = params_at(URI, &renamed, "counted", 0);
    params["newName"] = json!("where");
    assert_eq!(
        client.request("textDocument/rename", params.clone())["error"]["code"],
        -32602
    );
    params["newName"] = json!("gmv");
    let taken = client.request("textDocument/rename", params);
    assert!(
        taken["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already the name of a fact"),
        "{taken}"
    );
    let reward = client.request("textDocument/prepareRename", params_at(URI, &renamed, "bonus", 0));
    assert!(reward["error"].is_object(), "{reward}");
    assert_eq!(client.shutdown().code(), Some(0));
}

// ---------------------------------------------------------------------------
// Completion, formatting, outline, folding.

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_offers_names_with_types_keywords_and_snippets() {
    let mut client = with_campaign();
    // At the start of a new line in the eligible block, with a broken line being typed.
    let typing = CAMPAIGN.replace("    gmv ≥ min_gmv ", "    st\n    gmv ≥ min_gmv ");
    client.replace(URI, 2, &typing);
    let mut params = json!({"textDocument": {"uri": URI}, "position": at(&typing, "    st\n", 0, 6)});
    let items = client.result("textDocument/completion", params.clone());
    let all = labels(&items);
    for name in [
        "store_score",
        "registered_at",
        "gmv",
        "min_gmv",
        "signup",
        "settlement",
        "counted",
        "bonus",
        "amount",
    ] {
        assert!(all.contains(&name.to_string()), "{name} in {all:?}");
    }
    let store_score = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "store_score")
        .unwrap();
    assert_eq!(store_score["detail"], "fact: decimal, optional");
    let min_gmv = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "min_gmv")
        .unwrap();
    assert_eq!(min_gmv["detail"], "parameter: money CNY");
    for keyword in ["eligible when", "if unknown", "rounded down", "where"] {
        assert!(all.contains(&keyword.to_string()), "{keyword}");
    }
    let snippets: Vec<&Value> = items.as_array().unwrap().iter().filter(|i| i["kind"] == 15).collect();
    for construct in [
        "campaign",
        "facts",
        "window",
        "periods",
        "value",
        "let of",
        "eligible when",
        "reward",
        "budget",
        "band of",
        "marginal of",
        "lookup",
        "rank by",
        "parameter",
    ] {
        let snippet = snippets
            .iter()
            .find(|i| i["label"] == construct)
            .unwrap_or_else(|| panic!("{construct}"));
        assert_eq!(snippet["insertTextFormat"], 2, "{construct}");
        assert!(snippet["insertText"].as_str().unwrap().contains("${1"), "{construct}");
    }
    // After `sales.`: the list's fields only.
    let dotted = typing.replace("    st\n", "    sum of sales.\n");
    client.replace(URI, 3, &dotted);
    params["position"] = at(&dotted, "sales.\n", 0, 6);
    let fields = client.result("textDocument/completion", params.clone());
    let mut got = labels(&fields);
    got.sort();
    assert_eq!(got, ["amount", "at", "big_sale"]);
    // Inside a reason, nothing.
    params["position"] = at(&dotted, "店铺评分", 0, 3);
    assert_eq!(client.result("textDocument/completion", params), Value::Null);
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn formatting_gives_the_layout_of_campaign_fmt() {
    let mut client = Client::initialized();
    let messy = CAMPAIGN
        .replace(
            "    rounded down,\n    at most 600 points,\n",
            " rounded down, at most 600 points,\n",
        )
        .replace("  unit points", "  unit    points");
    assert_ne!(messy, CAMPAIGN);
    client.open(URI, "campaign", &messy);
    client.diagnostics(URI, 1);
    let options = json!({"tabSize": 2, "insertSpaces": true});
    let edits = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": options}),
    );
    assert_eq!(apply(&messy, edits.as_array().unwrap()), CAMPAIGN);
    client.replace(URI, 2, CAMPAIGN);
    let none = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": options}),
    );
    assert_eq!(none, json!([]), "formatted already");
    client.replace(URI, 3, "campaign \"x\" {");
    let broken = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": options}),
    );
    assert_eq!(broken, Value::Null, "a text that does not parse is left alone");
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn the_outline_lists_the_campaigns_declarations() {
    let mut client = with_campaign();
    let symbols = client.result("textDocument/documentSymbol", json!({"textDocument": {"uri": URI}}));
    let root = &symbols[0];
    assert_eq!(root["name"], "编辑器测试");
    let names: Vec<&str> = root["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "points",
            "min_gmv",
            "signup",
            "settlement",
            "facts",
            "big_sale",
            "counted",
            "monthly",
            "total_monthly",
            "eligible when",
            "bonus"
        ]
    );
    let facts = &root["children"][4];
    let fields: Vec<&str> = facts["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["store_score", "registered_at", "gmv", "sales"]);
    assert_eq!(facts["children"][3]["children"][1]["name"], "amount");
    let reasons: Vec<&str> = root["children"][9]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["报名时间内完成报名", "店铺评分需≥4.2", "GMV 需达到门槛"]);
    let bonus = &root["children"][10];
    let start = CAMPAIGN.find("reward bonus").unwrap();
    let end = CAMPAIGN.find("registered_at\n}").unwrap() + "registered_at".len();
    assert_eq!(bonus["range"], range(CAMPAIGN, start, end));
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn blocks_and_comment_runs_fold() {
    let mut client = Client::initialized();
    let text = format!("# one\n# two\n{CAMPAIGN}");
    client.open(URI, "campaign", &text);
    let folds = client.result("textDocument/foldingRange", json!({"textDocument": {"uri": URI}}));
    let got: Vec<(u64, u64, String)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
                f["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    let line = |needle: &str| text[..text.find(needle).unwrap()].matches('\n').count() as u64;
    let expected = vec![
        (0, 2, "comment".to_string()),
        (line("campaign \""), line("registered_at\n}"), "region".to_string()),
        (line("  facts {"), line("    }\n  }"), "region".to_string()),
        (line("    sales:"), line("      amount:"), "region".to_string()),
        (line("  eligible"), line("    gmv ≥ min"), "region".to_string()),
    ];
    assert_eq!(got, expected);
    assert_eq!(client.shutdown().code(), Some(0));
}

// ---------------------------------------------------------------------------
// `.tests` files.

const CASES: &str = r#"case "eligible: 1% of the big sales" {
  facts {"store_score": 4.5, "registered_at": "2024-08-20T10:00:00+08:00", "gmv": "20000",
         "sales": [{"at": "2024-08-25T12:00:00+08:00", "amount": "500"}]}
  expect eligible
  expect bonus = 5 points
}
"#;

#[test]
fn a_tests_file_is_diagnosed_against_the_campaign_beside_it() {
    let dir = scratch("tests-file");
    std::fs::write(dir.join("editor.campaign"), CAMPAIGN).unwrap();
    let tests_uri = file_uri(&dir.join("editor.tests"));
    let mut client = Client::initialized();

    // Passing cases: nothing to say.
    client.open(&tests_uri, "campaign-tests", CASES);
    assert_eq!(client.diagnostics(&tests_uri, 1), Vec::<Value>::new());

    // A syntax error.
    let broken = CASES.replace("expect eligible", "expect eligible maybe");
    client.replace(&tests_uri, 2, &broken);
    let diagnostics = client.diagnostics(&tests_uri, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "test::syntax");
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 3);

    // A name the campaign does not have.
    let unknown = CASES.replace("expect bonus", "expect bonsu");
    client.replace(&tests_uri, 3, &unknown);
    let diagnostics = client.diagnostics(&tests_uri, 3);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "check::unknown_name");
    assert_eq!(diagnostics[0]["severity"], 1);

    // A failing case: a warning at the expectation.
    let failing = CASES.replace("bonus = 5 points", "bonus = 6 points");
    client.replace(&tests_uri, 4, &failing);
    let diagnostics = client.diagnostics(&tests_uri, 4);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["severity"], 2);
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(message.contains("bonus is 5 points, expected 6 points"), "{message}");
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 4);

    // The campaign opened (and edited) in the editor is the one the cases run against.
    let campaign_uri = file_uri(&dir.join("editor.campaign"));
    client.open(
        &campaign_uri,
        "campaign",
        &CAMPAIGN.replace("× 1% as points", "× 1.2% as points"),
    );
    assert_eq!(client.diagnostics(&campaign_uri, 1), Vec::<Value>::new());
    let diagnostics = client.next_diagnostics(&tests_uri);
    assert_eq!(diagnostics, Vec::<Value>::new(), "500 × 1.2 % is 6 points");

    // A campaign with errors: the cases cannot run, which is said once at the top.
    client.replace(&campaign_uri, 2, &CAMPAIGN.replace("× 1%", "× nothing"));
    client.diagnostics(&campaign_uri, 2);
    let diagnostics = client.next_diagnostics(&tests_uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("has errors"));
    assert_eq!(
        diagnostics[0]["relatedInformation"][0]["location"]["uri"],
        campaign_uri.as_str()
    );

    // The outline lists the cases.
    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": tests_uri}}),
    );
    assert_eq!(symbols[0]["name"], "eligible: 1% of the big sales");
    assert_eq!(client.shutdown().code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tests_file_without_a_campaign_is_read_for_its_syntax() {
    let dir = scratch("alone");
    let tests_uri = file_uri(&dir.join("alone.tests"));
    let mut client = Client::initialized();
    client.open(&tests_uri, "campaign-tests", &CASES.replace("case \"", "cas \""));
    let diagnostics = client.diagnostics(&tests_uri, 1);
    let codes: Vec<&Value> = diagnostics.iter().map(|d| &d["code"]).collect();
    assert!(codes.contains(&&json!("test::syntax")), "{diagnostics:?}");
    assert!(
        diagnostics
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("no campaign `alone.campaign`")),
        "{diagnostics:?}"
    );
    assert_eq!(client.shutdown().code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// A large campaign.

/// A campaign of about 1 MiB: many facts, values and conditions.
fn large_campaign() -> String {
    let mut text = String::from("campaign \"大活动\" {\n  timezone Asia/Shanghai\n  unit points\n\n  facts {\n");
    let n = 4600;
    for i in 0..n {
        text.push_str(&format!("    gmv_{i}: money CNY\n"));
    }
    text.push_str("  }\n\n");
    for i in 0..n {
        text.push_str(&format!(
            "  # 第 {i} 项: 活动期间累计 GMV 需超过门槛, 单个主播最多可累计获得奖励 (a long comment to fill the file)\n  value total_{i} = gmv_{i} + gmv_{} + 1 CNY\n",
            (i + 1) % n
        ));
    }
    text.push_str("  eligible when {\n");
    for i in 0..900 {
        text.push_str(&format!("    total_{i} ≥ 10 CNY  \"第 {i} 项 GMV 需达到 10 元\"\n"));
    }
    text.push_str("  }\n\n  reward bonus = total_0 × 1% as points, rounded down\n}\n");
    text
}

#[test]
fn a_large_campaign_stays_responsive_while_it_is_checked() {
    let text = large_campaign();
    assert!(text.len() > 900 << 10 && text.len() <= 1 << 20, "{} bytes", text.len());
    let mut client = Client::initialized_with("verbose");
    let big = "file:///nowhere/large.campaign";
    let started = Instant::now();
    client.open(big, "campaign", &text);
    // While it is checked, completion and folding answer from the text at once.
    let items = client.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": big}, "position": at(&text, "  facts", 0, 0)}),
    );
    assert!(labels(&items).contains(&"eligible when".to_string()));
    let folds = client.result("textDocument/foldingRange", json!({"textDocument": {"uri": big}}));
    assert!(folds.as_array().unwrap().len() >= 3);
    let answered = started.elapsed();
    assert!(
        !client
            .seen
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "completion and folding were answered before the check ended ({answered:?})"
    );
    // Edits while it is being checked: only the last version is published.
    client.replace(big, 2, &text.replace("total_0 ×", "total_1 ×"));
    client.replace(big, 3, &text.replace("total_0 ×", "total_2 ×"));
    let diagnostics = client.diagnostics(big, 3);
    let elapsed = started.elapsed();
    assert_eq!(diagnostics, Vec::<Value>::new());
    eprintln!(
        "a {} byte campaign: completion and folding after {answered:?}, diagnostics of its third version after {elapsed:?}",
        text.len()
    );
    assert!(
        !client
            .seen
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == big),
        "no diagnostics of versions 1 or 2"
    );
    // Version 1 was checked and dropped; versions 2 and 3 came together and were checked once.
    let checks = client.checks(big);
    assert_eq!(checks, [(1, "dropped".into()), (3, "published".into())], "{checks:?}");
    // Requests that need the check are answered from it.
    let hover = client.result(
        "textDocument/hover",
        json!({"textDocument": {"uri": big}, "position": at(&text, "gmv_4599", 1, 2)}),
    );
    assert!(
        hover["contents"]["value"].as_str().unwrap().contains("money CNY"),
        "{hover}"
    );
    assert_eq!(client.shutdown().code(), Some(0));
}
