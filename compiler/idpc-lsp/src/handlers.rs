//! Requests: each resolves a document position to an offset, asks the snapshot, and converts
//! the answer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use idpc_diagnostics::{FileId, Span};
use idpc_ir::NameKind;
use idpc_query::{CompletionKind, HighlightKind, Snapshot, Symbol};
use lsp_server::{Request, Response};
use lsp_types::{
    CodeActionKind, CompletionItem, CompletionItemKind, DocumentSymbol, Documentation,
    GotoDefinitionResponse, Hover, HoverContents, Location, MarkupContent, MarkupKind, Position,
    Range, SemanticToken, SemanticTokenType, SemanticTokens, SymbolKind, TextEdit, Uri,
    WorkspaceSymbol,
};
use serde_json::{Value, json};

use crate::convert::{self, Encoding};
use crate::server::Server;

/// The semantic token types, in the order of the legend.
const TOKEN_TYPES: [SemanticTokenType; 9] = [
    SemanticTokenType::FUNCTION,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::COMMENT,
    SemanticTokenType::TYPE,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::VARIABLE,
];

pub(crate) fn capabilities(encoding: Encoding) -> Value {
    let legend: Vec<String> = TOKEN_TYPES.iter().map(|t| t.as_str().to_owned()).collect();
    json!({
        "positionEncoding": if encoding == Encoding::Utf8 { "utf-8" } else { "utf-16" },
        "textDocumentSync": { "openClose": true, "change": 1, "save": { "includeText": false } },
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "completionProvider": { "triggerCharacters": ["\"", "=", " "] },
        "renameProvider": { "prepareProvider": true },
        "documentFormattingProvider": true,
        "documentSymbolProvider": true,
        "workspaceSymbolProvider": true,
        "codeActionProvider": { "codeActionKinds": ["quickfix"] },
        "semanticTokensProvider": {
            "legend": { "tokenTypes": legend, "tokenModifiers": ["declaration"] },
            "full": true,
        },
    })
}

/// A position in a document, resolved against a snapshot.
struct At {
    root: PathBuf,
    file: FileId,
    offset: u32,
}

impl Server {
    pub(crate) fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            "textDocument/hover" => self.hover(request.params),
            "textDocument/definition" => self.definition(request.params),
            "textDocument/references" => self.references(request.params),
            "textDocument/completion" => self.completion(request.params),
            "textDocument/prepareRename" => self.prepare_rename(request.params),
            "textDocument/rename" => self.rename(request.params),
            "textDocument/formatting" => self.formatting(request.params),
            "textDocument/documentSymbol" => self.document_symbols(request.params),
            "workspace/symbol" => Ok(self.workspace_symbols(request.params)),
            "textDocument/codeAction" => self.code_actions(request.params),
            "textDocument/semanticTokens/full" => self.semantic_tokens(request.params),
            _ => return Server::unknown_request(&request),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => Server::respond_error(id, message),
        }
    }

    /// The snapshot and the offset of a `textDocument` + `position` pair: a quick one (see
    /// `Workspace::quick`) unless `compiled` asks for current diagnostics.
    fn locate_in(&mut self, params: &Value, compiled: bool) -> Option<(At, &Snapshot)> {
        let uri: Uri =
            serde_json::from_value(params.get("textDocument")?.get("uri")?.clone()).ok()?;
        let position: Option<Position> =
            params.get("position").and_then(|p| serde_json::from_value(p.clone()).ok());
        let path = convert::path(&uri)?;
        let (today, encoding) = (self.config.today, self.encoding);
        let workspace = self.workspace_for(&path)?;
        let display = workspace.display(&path)?;
        let root = workspace.root.clone();
        let snapshot =
            if compiled { workspace.snapshot(today, false) } else { workspace.quick(today) };
        let file = snapshot.file(&display)?;
        let offset = position
            .map_or(0, |p| convert::offset(&snapshot.compilation.sources, file, p, encoding));
        Some((At { root, file, offset }, snapshot))
    }

    fn locate(&mut self, params: &Value) -> Option<(At, &Snapshot)> {
        self.locate_in(params, false)
    }

    fn hover(&mut self, params: Value) -> Result<Value, String> {
        let encoding = self.encoding;
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let Some(hover) = snapshot.hover(at.file, at.offset) else { return Ok(Value::Null) };
        let hover = Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: hover.markdown,
            }),
            range: Some(convert::range(&snapshot.compilation.sources, hover.span, encoding)),
        };
        to_value(hover)
    }

    fn definition(&mut self, params: Value) -> Result<Value, String> {
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let spans = snapshot.definition(at.file, at.offset);
        let service = snapshot
            .declaration_at(at.file, at.offset)
            .filter(|(_, d)| d.kind == NameKind::Service)
            .map(|(_, d)| d.name.clone());
        // Snapshot borrows self mutably through the workspace; take what is needed, then convert.
        let spans: Vec<Span> = spans;
        let sources = snapshot.compilation.sources.clone();
        let mut locations: Vec<Location> = Vec::new();
        let workspace_root = at.root.clone();
        for span in spans {
            let path = self
                .workspaces
                .get(&workspace_root)
                .and_then(|w| w.path_of(sources.path(span.file), self.stdlib.as_deref()));
            if let Some(uri) = path.as_deref().and_then(convert::uri) {
                locations
                    .push(Location { uri, range: convert::range(&sources, span, self.encoding) });
            }
        }
        if let Some(service) = service {
            locations.extend(generated_files(&workspace_root, &service));
        }
        to_value(GotoDefinitionResponse::Array(locations))
    }

    fn references(&mut self, params: Value) -> Result<Value, String> {
        let declaration =
            params.pointer("/context/includeDeclaration").and_then(Value::as_bool).unwrap_or(true);
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let spans = snapshot.references(at.file, at.offset, declaration);
        let sources = snapshot.compilation.sources.clone();
        let locations: Vec<Location> = spans
            .into_iter()
            .filter_map(|span| self.location_in(&at.root, &sources, span))
            .collect();
        to_value(locations)
    }

    fn location_in(
        &self,
        root: &PathBuf,
        sources: &idpc_diagnostics::Sources,
        span: Span,
    ) -> Option<Location> {
        let path =
            self.workspaces.get(root)?.path_of(sources.path(span.file), self.stdlib.as_deref())?;
        Some(Location {
            uri: convert::uri(&path)?,
            range: convert::range(sources, span, self.encoding),
        })
    }

    /// A workspace edit (`changes` by URI, in a stable order) from edits at spans.
    fn workspace_edit(
        &self,
        root: &PathBuf,
        sources: &idpc_diagnostics::Sources,
        edits: Vec<idpc_query::Edit>,
    ) -> Value {
        let mut changes: BTreeMap<String, Vec<TextEdit>> = BTreeMap::new();
        for edit in edits {
            let Some(location) = self.location_in(root, sources, edit.span) else { continue };
            changes
                .entry(location.uri.as_str().to_owned())
                .or_default()
                .push(TextEdit { range: location.range, new_text: edit.text });
        }
        json!({ "changes": changes })
    }

    fn completion(&mut self, params: Value) -> Result<Value, String> {
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let items: Vec<CompletionItem> = snapshot
            .completions(at.file, at.offset)
            .into_iter()
            .map(|c| CompletionItem {
                label: c.label,
                kind: Some(match c.kind {
                    CompletionKind::Node => CompletionItemKind::KEYWORD,
                    CompletionKind::Property => CompletionItemKind::PROPERTY,
                    CompletionKind::Value => CompletionItemKind::ENUM_MEMBER,
                    CompletionKind::Name(_) => CompletionItemKind::REFERENCE,
                    CompletionKind::Policy => CompletionItemKind::MODULE,
                }),
                detail: c.detail,
                documentation: c.doc.map(|value| {
                    Documentation::MarkupContent(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value,
                    })
                }),
                insert_text: Some(c.insert),
                ..CompletionItem::default()
            })
            .collect();
        to_value(items)
    }

    fn prepare_rename(&mut self, params: Value) -> Result<Value, String> {
        let encoding = self.encoding;
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let Some((_, decl)) = snapshot.declaration_at(at.file, at.offset) else {
            return Err("there is no declared name here".to_owned());
        };
        let name = decl.name.clone();
        // Trying the rename to its own name checks everything but the new name.
        snapshot.rename(at.file, at.offset, &name)?;
        let span = match snapshot.name_at(at.file, at.offset) {
            Some(idpc_query::NameAt::Reference(r)) => snapshot.index.references[r].span,
            _ => decl.name_span,
        };
        to_value(json!({
            "range": convert::range(&snapshot.compilation.sources, span, encoding),
            "placeholder": name,
        }))
    }

    fn rename(&mut self, params: Value) -> Result<Value, String> {
        let new_name = params.get("newName").and_then(Value::as_str).unwrap_or_default().to_owned();
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let edits = snapshot.rename(at.file, at.offset, &new_name)?;
        let sources = snapshot.compilation.sources.clone();
        Ok(self.workspace_edit(&at.root, &sources, edits))
    }

    fn formatting(&mut self, params: Value) -> Result<Value, String> {
        let encoding = self.encoding;
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let sources = &snapshot.compilation.sources;
        let Some(source) = sources.get(at.file) else { return Ok(Value::Null) };
        if !source.path.ends_with(".kdl") {
            return Ok(Value::Null);
        }
        let formatted = idpc_syntax::format(&source.text)
            .map_err(|_| "the file has syntax errors; fix them to format it".to_owned())?;
        if formatted == *source.text {
            return to_value(Vec::<TextEdit>::new());
        }
        let whole = Span::new(at.file, 0, source.text.len());
        to_value(vec![TextEdit {
            range: convert::range(sources, whole, encoding),
            new_text: formatted,
        }])
    }

    fn document_symbols(&mut self, params: Value) -> Result<Value, String> {
        let encoding = self.encoding;
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let sources = &snapshot.compilation.sources;
        let symbols: Vec<DocumentSymbol> = snapshot
            .symbols(at.file)
            .into_iter()
            .map(|s| document_symbol(s, sources, encoding))
            .collect();
        to_value(symbols)
    }

    fn workspace_symbols(&mut self, params: Value) -> Value {
        let query = params.get("query").and_then(Value::as_str).unwrap_or_default().to_owned();
        let (today, encoding) = (self.config.today, self.encoding);
        let roots: Vec<PathBuf> = self.workspaces.keys().cloned().collect();
        let mut out: Vec<WorkspaceSymbol> = Vec::new();
        for root in roots {
            let stdlib = self.stdlib.clone();
            let Some(workspace) = self.workspaces.get_mut(&root) else { continue };
            let snapshot = workspace.quick(today);
            let sources = snapshot.compilation.sources.clone();
            let symbols = snapshot.workspace_symbols(&query);
            for symbol in symbols {
                let Some(path) =
                    workspace.path_of(sources.path(symbol.name_span.file), stdlib.as_deref())
                else {
                    continue;
                };
                let Some(uri) = convert::uri(&path) else { continue };
                out.push(WorkspaceSymbol {
                    name: symbol.name,
                    kind: symbol_kind(symbol.kind),
                    tags: None,
                    container_name: None,
                    location: lsp_types::OneOf::Left(Location {
                        uri,
                        range: convert::range(&sources, symbol.name_span, encoding),
                    }),
                    data: None,
                });
            }
        }
        serde_json::to_value(out).unwrap_or(Value::Null)
    }

    fn code_actions(&mut self, params: Value) -> Result<Value, String> {
        let encoding = self.encoding;
        let range: Option<Range> =
            params.get("range").and_then(|r| serde_json::from_value(r.clone()).ok());
        let Some((at, snapshot)) = self.locate_in(&params, true) else { return Ok(Value::Null) };
        let sources = snapshot.compilation.sources.clone();
        let (start, end) = match range {
            Some(r) => (
                convert::offset(&sources, at.file, r.start, encoding),
                convert::offset(&sources, at.file, r.end, encoding),
            ),
            None => (0, u32::MAX),
        };
        let fixes = snapshot.fixes(at.file, start, end);
        let diagnostics: Vec<(String, Range)> = fixes
            .iter()
            .map(|f| {
                let d = &snapshot.compilation.diagnostics[f.diagnostic];
                let range = d
                    .primary
                    .as_ref()
                    .map_or_else(Range::default, |p| convert::range(&sources, p.span, encoding));
                (d.message.clone(), range)
            })
            .collect();
        let mut actions: Vec<Value> = Vec::new();
        for (fix, (message, range)) in fixes.into_iter().zip(diagnostics) {
            let diagnostic = lsp_types::Diagnostic {
                range,
                message,
                source: Some("idpc".to_owned()),
                ..lsp_types::Diagnostic::default()
            };
            actions.push(json!({
                "title": fix.title,
                "kind": CodeActionKind::QUICKFIX,
                "diagnostics": [diagnostic],
                "edit": self.workspace_edit(&at.root, &sources, fix.edits),
                "isPreferred": true,
            }));
        }
        Ok(Value::Array(actions))
    }

    fn semantic_tokens(&mut self, params: Value) -> Result<Value, String> {
        let encoding = self.encoding;
        let Some((at, snapshot)) = self.locate(&params) else { return Ok(Value::Null) };
        let sources = &snapshot.compilation.sources;
        let mut data = Vec::new();
        let (mut line, mut start) = (0u32, 0u32);
        for highlight in snapshot.highlights(at.file) {
            let (token_type, modifiers) = match highlight.kind {
                HighlightKind::NodeName => (0, 0),
                HighlightKind::PropertyKey => (1, 0),
                HighlightKind::String => (2, 0),
                HighlightKind::Number => (3, 0),
                HighlightKind::Keyword => (4, 0),
                HighlightKind::Comment => (5, 0),
                HighlightKind::Annotation => (6, 0),
                HighlightKind::Declaration => (7, 1),
                HighlightKind::Reference => (8, 0),
            };
            // One token per line: clients need not support tokens across lines.
            for piece in split_lines(sources, highlight.span) {
                let from = convert::position(sources, piece.file, piece.start, encoding);
                let to = convert::position(sources, piece.file, piece.end, encoding);
                if to.character <= from.character {
                    continue;
                }
                let delta_line = from.line - line;
                let delta_start =
                    if delta_line == 0 { from.character - start } else { from.character };
                data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: to.character - from.character,
                    token_type,
                    token_modifiers_bitset: modifiers,
                });
                (line, start) = (from.line, from.character);
            }
        }
        to_value(SemanticTokens { result_id: None, data })
    }
}

/// A span cut at line breaks.
fn split_lines(sources: &idpc_diagnostics::Sources, span: Span) -> Vec<Span> {
    let Some(source) = sources.get(span.file) else { return Vec::new() };
    let mut pieces = Vec::new();
    let mut start = span.start as usize;
    let end = (span.end as usize).min(source.text.len());
    while start < end {
        let line = source.line_of(start);
        let line_end = source.line_range(line).end.min(end);
        if line_end > start {
            pieces.push(Span::new(span.file, start, line_end));
        }
        let next = source.line_range(line + 1).start;
        if next <= start {
            break;
        }
        start = next;
    }
    pieces
}

fn document_symbol(
    symbol: Symbol,
    sources: &idpc_diagnostics::Sources,
    encoding: Encoding,
) -> DocumentSymbol {
    #[expect(deprecated, reason = "the protocol keeps the field; it must be set")]
    DocumentSymbol {
        name: symbol.name,
        detail: None,
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range: convert::range(sources, symbol.span, encoding),
        selection_range: convert::range(sources, symbol.name_span, encoding),
        children: Some(
            symbol.children.into_iter().map(|c| document_symbol(c, sources, encoding)).collect(),
        ),
    }
}

fn symbol_kind(kind: NameKind) -> SymbolKind {
    match kind {
        NameKind::Platform => SymbolKind::PACKAGE,
        NameKind::Team => SymbolKind::NAMESPACE,
        NameKind::Environment => SymbolKind::ENUM,
        NameKind::Cluster => SymbolKind::ENUM_MEMBER,
        NameKind::System => SymbolKind::MODULE,
        NameKind::Kind => SymbolKind::CLASS,
        NameKind::Field => SymbolKind::FIELD,
        NameKind::Output => SymbolKind::PROPERTY,
        NameKind::Service => SymbolKind::OBJECT,
        NameKind::Port => SymbolKind::CONSTANT,
        NameKind::Resource => SymbolKind::STRUCT,
    }
}

/// The files of a service in the description's output tree, as the last build recorded them.
fn generated_files(root: &std::path::Path, service: &str) -> Vec<Location> {
    let out = root.join(idpc_driver::DEFAULT_OUT);
    idpc_driver::recorded_outputs(&out)
        .into_iter()
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap_or(path);
            name.split('.').next() == Some(service)
        })
        .filter_map(|path| {
            Some(Location { uri: convert::uri(&out.join(path))?, range: Range::default() })
        })
        .collect()
}

fn to_value<T: serde::Serialize>(value: T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}
