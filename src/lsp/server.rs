//! The server's loop: the documents, the debounced checks, and the requests waiting for them.
//!
//! Each open document has a *generation*, counted up whenever what its check depends on
//! changes: its text, or (for a `.tests` file) the campaign beside it. A change also sets when
//! the document is due to be checked: a short pause after the last change, so that a burst of
//! changes is checked once. The worker checks one document at a time; its result is kept and
//! published only when the document's generation is still the one checked, so no diagnostics
//! of a replaced text are ever published. Before starting a check, the loop handles every
//! message already waiting, so that changes queued behind a long check are seen first.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, after, never, select, unbounded};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, PublishDiagnosticsParams, Uri,
};
use serde_json::{Value, json};

use super::analysis::{Analysis, Job, analyse};
use super::document::{DocKind, Document, campaign_beside, file_path, tests_beside};
use super::requests::{self, Need};
use super::transport::{Incoming, malformed_response};
use super::{Config, ReadFile};

/// How long after the last change a document is checked.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Checks that take longer than this are logged with their time.
const SLOW_CHECK: Duration = Duration::from_millis(250);

/// An open document and what is known of it.
struct Entry {
    uri: Uri,
    doc: Document,
    /// Counted up when the text, or what its check reads besides, changes.
    generation: u64,
    /// When to check it next, if it has changed since it was last sent to the worker.
    due: Option<Instant>,
    /// The latest accepted check (of this generation or an earlier one).
    analysis: Option<Arc<Analysis>>,
    /// The latest accepted check that knew the campaign's names, for completion while the text
    /// does not parse.
    names: Option<Arc<Analysis>>,
}

impl Entry {
    /// The check of the current text, if it is done.
    fn current(&self) -> Option<&Arc<Analysis>> {
        self.analysis.as_ref().filter(|a| a.generation == self.generation)
    }

    /// Marks the document changed: due after the debounce (or at once).
    fn touch(&mut self, at: Instant) {
        self.generation += 1;
        self.due = Some(at);
    }
}

/// The open documents, by URI.
#[derive(Default)]
struct Docs(HashMap<String, Entry>);

impl Docs {
    fn get(&self, uri: &Uri) -> Option<&Entry> {
        self.0.get(uri.as_str())
    }

    fn get_mut(&mut self, uri: &Uri) -> Option<&mut Entry> {
        self.0.get_mut(uri.as_str())
    }

    fn insert(&mut self, entry: Entry) {
        self.0.insert(entry.uri.as_str().to_string(), entry);
    }

    fn remove(&mut self, uri: &Uri) {
        self.0.remove(uri.as_str());
    }

    fn values(&self) -> impl Iterator<Item = &Entry> {
        self.0.values()
    }
}

/// What the loop does after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Exit,
}

/// The worker thread's channels.
struct Worker {
    jobs: Sender<Job>,
    results: Receiver<Analysis>,
}

impl Worker {
    fn start() -> std::io::Result<Worker> {
        let (jobs, job_queue) = unbounded::<Job>();
        let (done, results) = unbounded::<Analysis>();
        std::thread::Builder::new()
            .name("campaign-lsp-check".into())
            .spawn(move || {
                for job in job_queue {
                    let fallback = job.clone();
                    let analysis = catch_unwind(AssertUnwindSafe(|| analyse(job)))
                        .unwrap_or_else(|_| super::analysis::failed(fallback));
                    if done.send(analysis).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Worker { jobs, results })
    }
}

/// The server's state.
pub struct Server {
    sender: Sender<Message>,
    receiver: Receiver<Incoming>,
    read_file: ReadFile,
    log: fn(&str),
    worker: Worker,
    docs: Docs,
    /// The document and generation the worker is checking.
    in_flight: Option<(Uri, u64)>,
    /// Requests waiting for the check of their document's current text.
    pending: Vec<Request>,
    /// Whether the client asked for traces (`trace` at `initialize`, or `$/setTrace`): each
    /// check is then reported in a `$/logTrace`.
    trace: bool,
    shutdown: bool,
}

impl Server {
    /// A server on the channels of a transport.
    ///
    /// # Errors
    ///
    /// When the worker thread cannot be started.
    pub fn new(sender: Sender<Message>, receiver: Receiver<Incoming>, config: Config) -> std::io::Result<Server> {
        Ok(Server {
            sender,
            receiver,
            read_file: config.read_file,
            log: config.log,
            worker: Worker::start()?,
            docs: Docs::default(),
            in_flight: None,
            pending: Vec::new(),
            trace: false,
            shutdown: false,
        })
    }

    /// Runs until `exit` or the end of the input; returns whether `shutdown` came first.
    pub fn run(mut self) -> bool {
        if !self.initialize() {
            return false;
        }
        loop {
            let timer = self.timer();
            let flow = select! {
                recv(self.receiver) -> incoming => match incoming {
                    Ok(incoming) => self.handle(incoming),
                    Err(_) => Flow::Exit,
                },
                recv(self.worker.results) -> analysis => {
                    match analysis {
                        Ok(analysis) => self.finished(analysis),
                        Err(_) => self.restart_worker(),
                    }
                    Flow::Continue
                },
                recv(timer) -> _ => self.tick(),
            };
            if flow == Flow::Exit {
                return self.shutdown;
            }
        }
    }

    /// Waits for `initialize` and answers it; `false` when the client left first.
    fn initialize(&mut self) -> bool {
        while let Ok(incoming) = self.receiver.recv() {
            match incoming {
                Incoming::Message(Message::Request(req)) if req.method == "initialize" => {
                    self.trace = traced(req.params.get("trace"));
                    let result = requests::initialize_result();
                    self.send(Response::new_ok(req.id, result).into());
                    return true;
                }
                Incoming::Message(Message::Request(req)) => self.send(
                    Response::new_err(
                        req.id,
                        ErrorCode::ServerNotInitialized as i32,
                        "the server is not initialized yet".into(),
                    )
                    .into(),
                ),
                Incoming::Message(Message::Notification(n)) if n.method == "exit" => return false,
                Incoming::Message(_) => {}
                Incoming::Malformed { id, error } => self.malformed(id, &error),
            }
        }
        false
    }

    fn send(&self, message: Message) {
        // The writer only stops when the output is gone; the loop then ends at the next read.
        let _ = self.sender.send(message);
    }

    fn respond(&self, id: RequestId, result: Result<Value, (ErrorCode, String)>) {
        let response = match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(response.into());
    }

    fn malformed(&self, id: Option<RequestId>, error: &str) {
        (self.log)(&format!("campaign lsp: ignored a message: {error}"));
        if let Some(id) = id {
            self.send(malformed_response(id, error).into());
        }
    }

    /// The timer for the next check due, when the worker is free.
    fn timer(&self) -> Receiver<Instant> {
        if self.in_flight.is_some() {
            return never();
        }
        match self.docs.values().filter_map(|e| e.due).min() {
            Some(due) => after(due.saturating_duration_since(Instant::now())),
            None => never(),
        }
    }

    /// Handles what is already waiting, then starts the check that is due.
    fn tick(&mut self) -> Flow {
        while let Ok(incoming) = self.receiver.try_recv() {
            if self.handle(incoming) == Flow::Exit {
                return Flow::Exit;
            }
        }
        self.dispatch();
        Flow::Continue
    }

    fn dispatch(&mut self) {
        if self.in_flight.is_some() {
            return;
        }
        let now = Instant::now();
        let next = self
            .docs
            .values()
            .filter_map(|e| e.due.filter(|d| *d <= now).map(|d| (d, e.uri.clone())))
            .min_by_key(|(d, _)| *d);
        let Some((_, uri)) = next else {
            return;
        };
        let campaign = self.docs.get(&uri).and_then(|e| match e.doc.kind {
            DocKind::Tests => campaign_beside(&uri).map(|c| {
                let text = match self.docs.get(&c) {
                    Some(open) => Some(open.doc.text.clone()),
                    None => file_path(&c).and_then(|p| (self.read_file)(&p)).map(Arc::from),
                };
                (c, text)
            }),
            DocKind::Campaign => None,
        });
        let Some(entry) = self.docs.get_mut(&uri) else {
            return;
        };
        entry.due = None;
        let job = Job {
            uri: uri.clone(),
            kind: entry.doc.kind,
            version: entry.doc.version,
            generation: entry.generation,
            text: entry.doc.text.clone(),
            index: entry.doc.index.clone(),
            campaign,
        };
        self.in_flight = Some((uri, job.generation));
        if self.worker.jobs.send(job).is_err() {
            // The worker is gone: start another; the document is due again.
            self.restart_worker();
        }
    }

    fn restart_worker(&mut self) {
        (self.log)("campaign lsp: the checking thread stopped; starting another");
        if let Some((uri, _)) = self.in_flight.take()
            && let Some(entry) = self.docs.get_mut(&uri)
        {
            entry.due = Some(Instant::now());
        }
        match Worker::start() {
            Ok(worker) => self.worker = worker,
            Err(e) => (self.log)(&format!("campaign lsp: cannot start a thread: {e}")),
        }
    }

    /// A check is done: keep and publish it if its document has not changed since.
    fn finished(&mut self, analysis: Analysis) {
        if self
            .in_flight
            .as_ref()
            .is_some_and(|(u, g)| *u == analysis.uri && *g == analysis.generation)
        {
            self.in_flight = None;
        }
        let current = self
            .docs
            .get(&analysis.uri)
            .is_some_and(|e| e.generation == analysis.generation);
        let what = format!(
            "checked {} (version {}, {} bytes) in {} ms",
            analysis.uri.as_str(),
            analysis.version,
            analysis.text.len(),
            analysis.elapsed.as_millis()
        );
        if analysis.elapsed >= SLOW_CHECK {
            (self.log)(&format!("campaign lsp: {what}"));
        }
        if self.trace {
            let outcome = if current {
                "published"
            } else {
                "dropped: the text changed meanwhile"
            };
            self.notify("$/logTrace", json!({"message": format!("{what}: {outcome}")}));
        }
        let Some(entry) = self.docs.get_mut(&analysis.uri) else {
            return;
        };
        if !current {
            // A newer text (or campaign) replaced the one checked: its own check is due.
            return;
        }
        let analysis = Arc::new(analysis);
        entry.analysis = Some(analysis.clone());
        if analysis
            .campaign
            .as_ref()
            .is_some_and(|c| !c.names.symbols().is_empty())
        {
            entry.names = Some(analysis.clone());
        }
        let kind = entry.doc.kind;
        let params = PublishDiagnosticsParams {
            uri: analysis.uri.clone(),
            diagnostics: analysis.problems.iter().map(|p| p.diagnostic.clone()).collect(),
            version: Some(analysis.version),
        };
        self.notify("textDocument/publishDiagnostics", params);
        // The cases beside a campaign are run again against its new text.
        if kind == DocKind::Campaign
            && let Some(tests) = tests_beside(&analysis.uri).and_then(|t| self.docs.get_mut(&t))
        {
            tests.touch(Instant::now());
        }
        let (ready, waiting): (Vec<Request>, Vec<Request>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|r| requests::uri_of(r).as_ref() == Some(&analysis.uri));
        self.pending = waiting;
        for req in ready {
            self.answer(req);
        }
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        match serde_json::to_value(params) {
            Ok(params) => self.send(Notification::new(method.to_string(), params).into()),
            Err(e) => (self.log)(&format!("campaign lsp: cannot encode {method}: {e}")),
        }
    }

    fn handle(&mut self, incoming: Incoming) -> Flow {
        match incoming {
            Incoming::Message(Message::Request(req)) => {
                self.request(req);
                Flow::Continue
            }
            Incoming::Message(Message::Notification(n)) => {
                let method = n.method.clone();
                catch_unwind(AssertUnwindSafe(|| self.notification(n))).unwrap_or_else(|_| {
                    (self.log)(&format!("campaign lsp: internal error handling `{method}`"));
                    Flow::Continue
                })
            }
            Incoming::Message(Message::Response(_)) => Flow::Continue,
            Incoming::Malformed { id, error } => {
                self.malformed(id, &error);
                Flow::Continue
            }
        }
    }

    fn request(&mut self, req: Request) {
        if self.shutdown {
            let message = "the server is shutting down".to_string();
            return self.respond(req.id, Err((ErrorCode::InvalidRequest, message)));
        }
        match req.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                self.respond(req.id, Ok(Value::Null));
            }
            "initialize" => {
                let message = "the server is already initialized".to_string();
                self.respond(req.id, Err((ErrorCode::InvalidRequest, message)));
            }
            _ => match requests::need(&req.method) {
                None => {
                    let message = format!("unknown method `{}`", req.method);
                    self.respond(req.id, Err((ErrorCode::MethodNotFound, message)));
                }
                Some(Need::Analysis) => {
                    let waiting = requests::uri_of(&req)
                        .and_then(|uri| self.docs.get_mut(&uri))
                        .and_then(|e| {
                            if e.current().is_some() {
                                return None;
                            }
                            // Check it now rather than after the debounce: someone is waiting.
                            e.due = e.due.map(|_| Instant::now());
                            Some(())
                        });
                    match waiting {
                        Some(()) => self.pending.push(req),
                        None => self.answer(req),
                    }
                }
                Some(Need::Text) => self.answer(req),
            },
        }
    }

    /// Answers a request from what is known of its document now.
    fn answer(&self, req: Request) {
        let entry = requests::uri_of(&req).and_then(|uri| self.docs.get(&uri));
        let id = req.id.clone();
        let method = req.method.clone();
        let result = catch_unwind(AssertUnwindSafe(|| match entry {
            None => requests::without_document(&req),
            Some(e) => requests::handle(&req, &e.doc, e.current().map(Arc::as_ref), e.names.as_deref()),
        }))
        .unwrap_or_else(|_| {
            (self.log)(&format!("campaign lsp: internal error answering {method}"));
            Err((ErrorCode::InternalError, format!("internal error answering {method}")))
        });
        self.respond(id, result);
    }

    fn notification(&mut self, n: Notification) -> Flow {
        let now = Instant::now();
        match n.method.as_str() {
            "exit" => return Flow::Exit,
            "textDocument/didOpen" => match serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                Ok(p) => {
                    let item = p.text_document;
                    let kind = DocKind::of(&item.uri, &item.language_id);
                    let generation = self.docs.get(&item.uri).map_or(0, |e| e.generation + 1);
                    self.docs.insert(Entry {
                        uri: item.uri,
                        doc: Document::new(kind, item.version, item.text),
                        generation,
                        due: Some(now),
                        analysis: None,
                        names: None,
                    });
                }
                Err(e) => self.bad_params(&n.method, &e),
            },
            "textDocument/didChange" => match serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                Ok(p) => {
                    if let Some(entry) = self.docs.get_mut(&p.text_document.uri) {
                        entry.doc.apply(p.text_document.version, p.content_changes);
                        entry.touch(now + DEBOUNCE);
                    }
                }
                Err(e) => self.bad_params(&n.method, &e),
            },
            "textDocument/didClose" => match serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                Ok(p) => self.close(p.text_document.uri, now),
                Err(e) => self.bad_params(&n.method, &e),
            },
            "textDocument/didSave" => {
                // A campaign saved while its tests are open but it is not: they read it again.
                let saved = n.params.pointer("/textDocument/uri").and_then(Value::as_str);
                let tests = saved.and_then(|s| s.parse::<Uri>().ok()).and_then(|u| tests_beside(&u));
                if let Some(entry) = tests.and_then(|t| self.docs.get_mut(&t)) {
                    entry.touch(now);
                }
            }
            "$/setTrace" => self.trace = traced(n.params.get("value")),
            "$/cancelRequest" => {
                let id = match n.params.get("id") {
                    Some(Value::String(s)) => Some(RequestId::from(s.clone())),
                    Some(Value::Number(v)) => v.as_i64().and_then(|v| i32::try_from(v).ok()).map(RequestId::from),
                    _ => None,
                };
                if let Some(at) = id.and_then(|id| self.pending.iter().position(|r| r.id == id)) {
                    let req = self.pending.remove(at);
                    self.respond(req.id, Err((ErrorCode::RequestCanceled, "cancelled".into())));
                }
            }
            _ => {}
        }
        Flow::Continue
    }

    fn close(&mut self, uri: Uri, now: Instant) {
        self.docs.remove(&uri);
        self.notify(
            "textDocument/publishDiagnostics",
            PublishDiagnosticsParams {
                uri: uri.clone(),
                diagnostics: Vec::new(),
                version: None,
            },
        );
        let (closed, waiting): (Vec<Request>, Vec<Request>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|r| requests::uri_of(r).as_ref() == Some(&uri));
        self.pending = waiting;
        for req in closed {
            self.respond(
                req.id,
                Err((ErrorCode::ContentModified, "the document was closed".into())),
            );
        }
        // The tests beside a closed campaign read it from disk now.
        if let Some(entry) = tests_beside(&uri).and_then(|t| self.docs.get_mut(&t)) {
            entry.touch(now);
        }
    }

    fn bad_params(&self, method: &str, error: &serde_json::Error) {
        (self.log)(&format!(
            "campaign lsp: ignored `{method}` with unreadable parameters: {error}"
        ));
    }
}

/// Whether a trace setting (`"off"`, `"messages"` or `"verbose"`) asks for traces.
fn traced(setting: Option<&Value>) -> bool {
    setting.and_then(Value::as_str).is_some_and(|s| s != "off")
}
