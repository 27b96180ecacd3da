//! The server's state and loop: workspaces, documents, debounced diagnostics.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use idpc_diagnostics::{Diagnostic, Severity};
use idpc_query::{Database, Options, Snapshot};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::{
    DiagnosticRelatedInformation, InitializeParams, Location, NumberOrString, PositionEncodingKind,
    PublishDiagnosticsParams, Uri,
};
use serde_json::Value;

use crate::Config;
use crate::convert::{self, Encoding};

/// One description: its files, the editor's texts of the open ones, the last snapshot.
pub(crate) struct Workspace {
    pub(crate) root: PathBuf,
    pub(crate) db: Database,
    /// The last snapshot and how it was made.
    snapshot: Option<(Snapshot, Made)>,
    /// Whether the files changed since the snapshot was made.
    dirty: bool,
    /// When the files last changed without diagnostics published since.
    pending: Option<Instant>,
    /// The display paths diagnostics were last published for.
    published: BTreeSet<String>,
    open: BTreeSet<String>,
}

/// How a snapshot was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    /// By a compile, with or without the policies.
    Compiled { policies: bool },
    /// By [`Database::refresh`]: current names, earlier diagnostics and model.
    Refreshed,
}

impl Workspace {
    /// A snapshot compiled from the current files (with the policies when asked).
    pub(crate) fn snapshot(&mut self, today: idpc_ir::Date, policies: bool) -> &Snapshot {
        let current = !self.dirty
            && matches!(&self.snapshot, Some((_, Made::Compiled { policies: with })) if *with || !policies);
        if !current {
            // The last snapshot's model gives its deployments back to the kept results.
            let options = Options { today, policies };
            let snapshot = match self.snapshot.take() {
                Some((previous, _)) => self.db.compile_after(options, previous),
                None => self.db.compile(options),
            };
            self.snapshot = Some((snapshot, Made::Compiled { policies }));
            self.dirty = false;
        }
        match &self.snapshot {
            Some((snapshot, _)) => snapshot,
            None => unreachable_snapshot(),
        }
    }

    /// A snapshot for answering at once: after an edit, the last one refreshed (current trees
    /// and names, the last compile's diagnostics and model) rather than a whole compile, which
    /// the debounced publication does.
    pub(crate) fn quick(&mut self, today: idpc_ir::Date) -> &Snapshot {
        match self.snapshot.take() {
            Some((previous, _)) if self.dirty => {
                let refreshed = self.db.refresh(previous);
                self.snapshot = Some((refreshed, Made::Refreshed));
                self.dirty = false;
            }
            Some(current) => self.snapshot = Some(current),
            None => return self.snapshot(today, false),
        }
        match &self.snapshot {
            Some((snapshot, _)) => snapshot,
            None => unreachable_snapshot(),
        }
    }

    /// The display path of a file of this description.
    pub(crate) fn display(&self, path: &Path) -> Option<String> {
        let relative = path.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> =
            relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// The file-system path of a display path (stdlib files live in the server's copy).
    pub(crate) fn path_of(&self, display: &str, stdlib: Option<&Path>) -> Option<PathBuf> {
        path_of(&self.root, display, stdlib)
    }

    fn changed(&mut self) {
        self.dirty = true;
        self.pending.get_or_insert_with(Instant::now);
    }
}

/// Wakes the loop when diagnostics fall due: a thread that sleeps for the time asked and then
/// ticks. Sleeping for a duration, rather than waiting on a channel until an instant, keeps
/// working when the clock is shifted (a test run under `faketime`), which moves deadlines given
/// as instants a year away.
struct Timer {
    arm: Sender<Duration>,
    ticks: Receiver<()>,
    armed: std::cell::Cell<bool>,
}

impl Timer {
    fn start() -> Timer {
        let (arm, requests) = crossbeam_channel::unbounded::<Duration>();
        let (tick, ticks) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            while let Ok(wait) = requests.recv() {
                std::thread::sleep(wait);
                if tick.send(()).is_err() {
                    return;
                }
            }
        });
        Timer { arm, ticks, armed: std::cell::Cell::new(false) }
    }

    /// Asks for a tick after `wait`, unless one is on its way.
    fn arm(&self, wait: Duration) {
        if !self.armed.replace(true) {
            let _ = self.arm.send(wait);
        }
    }

    fn fired(&self) {
        self.armed.set(false);
    }
}

/// A snapshot is always set right before it is read.
fn unreachable_snapshot() -> ! {
    #[expect(clippy::panic, reason = "the snapshot is set on the line before")]
    {
        panic!("no snapshot")
    }
}

pub(crate) struct Server {
    pub(crate) connection: Connection,
    pub(crate) config: Config,
    pub(crate) encoding: Encoding,
    pub(crate) workspaces: BTreeMap<PathBuf, Workspace>,
    /// A read-only copy of the standard library on disk, for go-to-definition into it.
    pub(crate) stdlib: Option<PathBuf>,
}

impl Server {
    pub(crate) fn start(connection: Connection, config: Config) -> Result<Server, String> {
        let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
        let params: InitializeParams = serde_json::from_value(params).map_err(|e| e.to_string())?;
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        let encoding = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        let result = serde_json::json!({
            "capabilities": crate::handlers::capabilities(encoding),
            "serverInfo": { "name": "idpc", "version": env!("CARGO_PKG_VERSION") },
        });
        connection.initialize_finish(id, result).map_err(|e| e.to_string())?;
        let mut server = Server {
            connection,
            config,
            encoding,
            workspaces: BTreeMap::new(),
            stdlib: stdlib_copy(),
        };
        #[expect(deprecated, reason = "older clients send only the root URI")]
        let roots: Vec<Uri> = match (&params.workspace_folders, &params.root_uri) {
            (Some(folders), _) if !folders.is_empty() => {
                folders.iter().map(|f| f.uri.clone()).collect()
            }
            (_, Some(root)) => vec![root.clone()],
            _ => Vec::new(),
        };
        for root in roots.iter().filter_map(convert::path) {
            if idpc_driver::declares_platform(&root) {
                server.workspace_for(&root.join("_"));
            }
        }
        Ok(server)
    }

    pub(crate) fn run(mut self) -> Result<(), String> {
        let timer = Timer::start();
        let messages = self.connection.receiver.clone();
        loop {
            if let Some(at) = self.next_publish() {
                timer.arm(at.saturating_duration_since(Instant::now()));
            }
            let message = crossbeam_channel::select! {
                recv(messages) -> message => message,
                recv(timer.ticks) -> _ => {
                    timer.fired();
                    self.publish_due();
                    continue;
                }
            };
            match message {
                Ok(Message::Request(request)) => {
                    if self.connection.handle_shutdown(&request).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let response = self.request(request);
                    self.send(Message::Response(response));
                }
                Ok(Message::Notification(notification)) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    self.notification(notification);
                }
                Ok(Message::Response(_)) => {}
                Err(_) => return Ok(()),
            }
        }
    }

    pub(crate) fn send(&self, message: Message) {
        // A closed channel means the client is gone; the loop ends on the next receive.
        let _ = self.connection.sender.send(message);
    }

    /// When the next workspace's diagnostics are due.
    fn next_publish(&self) -> Option<Instant> {
        self.workspaces.values().filter_map(|w| w.pending).min().map(|t| t + self.config.debounce)
    }

    fn publish_due(&mut self) {
        let now = Instant::now();
        let due: Vec<PathBuf> = self
            .workspaces
            .iter()
            .filter(|(_, w)| w.pending.is_some_and(|t| t + self.config.debounce <= now))
            .map(|(root, _)| root.clone())
            .collect();
        for root in due {
            self.publish(&root);
        }
    }

    /// Publishes the diagnostics of every file of a description, and clears those of files that
    /// have none now.
    pub(crate) fn publish(&mut self, root: &Path) {
        let (today, encoding) = (self.config.today, self.encoding);
        let stdlib = self.stdlib.clone();
        let Some(workspace) = self.workspaces.get_mut(root) else { return };
        workspace.pending = None;
        let root = workspace.root.clone();
        let snapshot = workspace.snapshot(today, true);
        let sources = &snapshot.compilation.sources;
        let platform_file = snapshot
            .index
            .declarations
            .iter()
            .find(|d| d.kind == idpc_ir::NameKind::Platform)
            .map(|d| d.name_span.file);
        let mut by_file: BTreeMap<String, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for d in &snapshot.compilation.diagnostics {
            let file = d.primary.as_ref().map(|p| p.span.file).or(platform_file);
            let Some(file) = file else { continue };
            let path = sources.path(file);
            if path.starts_with("<stdlib>/") {
                continue;
            }
            let converted = diagnostic(d, snapshot, &root, stdlib.as_deref(), encoding);
            by_file.entry(path.to_owned()).or_default().push(converted);
        }
        let mut messages = Vec::new();
        for path in &workspace.open {
            by_file.entry(path.clone()).or_default();
        }
        let stale: Vec<String> =
            workspace.published.iter().filter(|p| !by_file.contains_key(*p)).cloned().collect();
        for path in stale {
            by_file.insert(path, Vec::new());
        }
        workspace.published =
            by_file.iter().filter(|(_, d)| !d.is_empty()).map(|(p, _)| p.clone()).collect();
        for (path, diagnostics) in by_file {
            let Some(uri) = convert::uri(&root.join(&path)) else { continue };
            let params = PublishDiagnosticsParams { uri, diagnostics, version: None };
            messages.push(Notification::new(PublishDiagnostics::METHOD.to_owned(), params));
        }
        for message in messages {
            self.send(Message::Notification(message));
        }
    }

    /// The workspace a file belongs to, created (and loaded from disk) on first use.
    pub(crate) fn workspace_for(&mut self, path: &Path) -> Option<&mut Workspace> {
        let existing = self
            .workspaces
            .keys()
            .filter(|root| path.starts_with(root))
            .max_by_key(|r| r.components().count())
            .cloned();
        let root = match existing {
            Some(root) => root,
            None => {
                let dir = path.parent()?;
                let root = match idpc_driver::discover(dir) {
                    idpc_driver::Discovery::Root(root) => root,
                    _ => dir.to_owned(),
                };
                let root = std::path::absolute(&root).unwrap_or(root);
                let mut db = match idpc_driver::load(&root, None) {
                    Ok(loaded) => idpc_driver::database(&loaded.files),
                    Err(_) => Database::new(),
                };
                // The server compiles after every edit: each service's results are kept.
                db.keep_results();
                let workspace = Workspace {
                    root: root.clone(),
                    db,
                    snapshot: None,
                    dirty: false,
                    pending: Some(Instant::now()),
                    published: BTreeSet::new(),
                    open: BTreeSet::new(),
                };
                self.workspaces.insert(root.clone(), workspace);
                root
            }
        };
        self.workspaces.get_mut(&root)
    }

    fn notification(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(params) =
                    parse::<lsp_types::DidOpenTextDocumentParams>(notification.params)
                else {
                    return;
                };
                self.edited(&params.text_document.uri, Some(params.text_document.text), true);
            }
            DidChangeTextDocument::METHOD => {
                let Some(params) =
                    parse::<lsp_types::DidChangeTextDocumentParams>(notification.params)
                else {
                    return;
                };
                // Full synchronisation: the last change holds the whole text.
                if let Some(change) = params.content_changes.into_iter().last() {
                    self.edited(&params.text_document.uri, Some(change.text), true);
                }
            }
            DidCloseTextDocument::METHOD => {
                let Some(params) =
                    parse::<lsp_types::DidCloseTextDocumentParams>(notification.params)
                else {
                    return;
                };
                self.edited(&params.text_document.uri, None, false);
            }
            DidChangeWatchedFiles::METHOD => {
                let Some(params) =
                    parse::<lsp_types::DidChangeWatchedFilesParams>(notification.params)
                else {
                    return;
                };
                for change in params.changes {
                    self.edited(&change.uri, None, false);
                }
            }
            _ => {}
        }
    }

    /// A document's text changed in the editor (`Some`), or is to be read from disk again.
    fn edited(&mut self, uri: &Uri, text: Option<String>, open: bool) {
        let Some(path) = convert::path(uri) else { return };
        let Some(workspace) = self.workspace_for(&path) else { return };
        let Some(display) = workspace.display(&path) else { return };
        if !is_source(&display) {
            return;
        }
        match text {
            Some(text) => {
                workspace.db.set_file(&display, text, None);
                workspace.open.insert(display);
            }
            None if workspace.open.contains(&display) && open => {}
            None => {
                if !open {
                    workspace.open.remove(&display);
                }
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        workspace.db.set_file(&display, text, None);
                    }
                    Err(_) => workspace.db.remove_file(&display),
                }
            }
        }
        workspace.changed();
    }
}

/// The file-system path of a display path of the description at `root`.
fn path_of(root: &Path, display: &str, stdlib: Option<&Path>) -> Option<PathBuf> {
    match display.strip_prefix("<stdlib>/") {
        Some(rest) => stdlib.map(|dir| dir.join(rest)),
        None => Some(root.join(display)),
    }
}

/// Whether a file is part of a description: KDL, a policy or a kind template.
fn is_source(display: &str) -> bool {
    [".kdl", ".rego", ".hbs"].iter().any(|e| display.ends_with(e))
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Option<T> {
    serde_json::from_value(params).ok()
}

/// A compiler diagnostic as the protocol's.
fn diagnostic(
    d: &Diagnostic,
    snapshot: &Snapshot,
    root: &Path,
    stdlib: Option<&Path>,
    encoding: Encoding,
) -> lsp_types::Diagnostic {
    let sources = &snapshot.compilation.sources;
    let range = d
        .primary
        .as_ref()
        .map_or_else(lsp_types::Range::default, |p| convert::range(sources, p.span, encoding));
    let mut message = d.message.clone();
    if let Some(label) = d.primary.as_ref().map(|p| p.message.as_str()).filter(|l| !l.is_empty()) {
        message.push_str(&format!(" ({label})"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            let path = path_of(root, sources.path(label.span.file), stdlib)?;
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: convert::uri(&path)?,
                    range: convert::range(sources, label.span, encoding),
                },
                message: label.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lsp_types::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp_types::DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_owned())),
        code_description: None,
        source: Some("idpc".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// Writes the standard library to a directory of its own under the system's temporary
/// directory (once per version), so that definitions in it can be opened. Read-only copies.
#[expect(
    clippy::disallowed_methods,
    reason = "the server is a front end like the command line; this copy is its only write"
)]
fn stdlib_copy() -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("idpc-stdlib-{}", env!("CARGO_PKG_VERSION")));
    for (path, text) in idpc_query::stdlib::FILES {
        let relative = path.strip_prefix("<stdlib>/")?;
        let target = dir.join(relative);
        if std::fs::read_to_string(&target).is_ok_and(|t| t == *text) {
            continue;
        }
        std::fs::create_dir_all(target.parent()?).ok()?;
        std::fs::write(&target, text).ok()?;
    }
    Some(dir)
}

impl Server {
    pub(crate) fn respond_error(id: lsp_server::RequestId, message: String) -> Response {
        Response::new_err(id, lsp_server::ErrorCode::RequestFailed as i32, message)
    }

    pub(crate) fn unknown_request(request: &Request) -> Response {
        Response::new_err(
            request.id.clone(),
            lsp_server::ErrorCode::MethodNotFound as i32,
            format!("`{}` is not supported", request.method),
        )
    }
}
