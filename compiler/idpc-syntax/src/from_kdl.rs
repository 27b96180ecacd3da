//! The reference for the differential tests: the `kdl` crate's document converted to
//! [`crate::ast`], as `parse` did before the crate had its own parser. Built for tests and,
//! with the `oracle` feature, for the differential fuzz target.

use idpc_diagnostics::{Code, Diagnostic, FileId, Span};
use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};

use crate::Parse;
use crate::ast;

/// Parses `text` with the `kdl` crate.
pub fn parse(file: FileId, text: &str) -> Parse {
    match text.parse::<KdlDocument>() {
        Ok(document) => {
            let mut diagnostics = Vec::new();
            let nodes = convert_nodes(file, text, document.nodes(), &mut diagnostics);
            Parse { source_file: Some(ast::SourceFile { file, nodes }), diagnostics }
        }
        Err(error) => {
            let diagnostics = error
                .diagnostics
                .iter()
                .map(|d| {
                    let start = d.span.offset().min(text.len());
                    let (start, end) = narrow(text, start, (start + d.span.len()).min(text.len()));
                    let span = Span::new(file, start, end);
                    let message = d
                        .message
                        .as_deref()
                        .map_or_else(|| "invalid KDL".to_owned(), lower_sentence);
                    let label = d.label.clone().unwrap_or_else(|| "here".to_owned());
                    Diagnostic::new(Code::KdlSyntax, message, span, label)
                        .with_help_opt(d.help.as_deref().map(lower_sentence))
                })
                .collect();
            Parse { source_file: None, diagnostics }
        }
    }
}

/// Whether idpc's parser agrees with the `kdl` crate on `text`: `Ok(true)` when both accept it
/// and lower it to the same tree, `Ok(false)` when the crate rejects it (nothing to compare),
/// and the first difference otherwise.
pub fn agrees(text: &str) -> Result<bool, String> {
    let theirs = parse(FileId(0), text);
    let Some(expected) = theirs.source_file else { return Ok(false) };
    let ours = crate::parse(FileId(0), text);
    if ours.has_errors() {
        return Err(format!("the kdl crate accepts it, idpc rejects it: {:?}", ours.diagnostics));
    }
    let actual = ours.source_file.ok_or("no tree")?;
    let (a, b) = (format!("{:#?}", actual.nodes), format!("{:#?}", expected.nodes));
    if a == b {
        return Ok(true);
    }
    let at = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
    let context =
        |s: &str| s.lines().skip(at.saturating_sub(3)).take(8).collect::<Vec<_>>().join("\n");
    Err(format!("trees differ at line {at}:\n--- idpc\n{}\n--- kdl\n{}", context(&a), context(&b)))
}

/// The kdl parser sometimes reports a span from the start of an enclosing node to the point of
/// failure, across lines. The failure is at the end: keep the last token before it.
fn narrow(text: &str, start: usize, end: usize) -> (usize, usize) {
    let Some(covered) = text.get(start..end) else { return (start, end) };
    if !covered.trim_end().contains('\n') {
        return (start, end);
    }
    let trimmed_end = start + covered.trim_end().len();
    let token_start =
        text[..trimmed_end].rfind(char::is_whitespace).map_or(start, |i| i + 1).max(start);
    (token_start, trimmed_end)
}

/// The kdl crate writes sentences ("Expected valid value."); idpc messages are lower-case
/// fragments without a full stop.
fn lower_sentence(text: &str) -> String {
    let trimmed = text.trim().trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn convert_nodes(
    file: FileId,
    text: &str,
    nodes: &[KdlNode],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ast::Node> {
    nodes.iter().map(|node| convert_node(file, text, node, diagnostics)).collect()
}

fn convert_node(
    file: FileId,
    text: &str,
    node: &KdlNode,
    diagnostics: &mut Vec<Diagnostic>,
) -> ast::Node {
    let name = ident(file, node.name().value(), node.name().span());
    let mut args = Vec::new();
    let mut props = Vec::new();
    for entry in node.entries() {
        let value = value(file, text, entry);
        match entry.name() {
            Some(key) => {
                props.push(ast::Prop { name: ident(file, key.value(), key.span()), value })
            }
            None => args.push(value),
        }
    }
    let children = node.children().map(|doc| convert_nodes(file, text, doc.nodes(), diagnostics));
    let annotation = node.ty().map(|ty| to_span(file, ty.span()));
    ast::Node { name, args, props, children, span: to_span(file, node.span()), annotation }
}

fn ident(file: FileId, text: &str, span: miette::SourceSpan) -> ast::Ident {
    ast::Ident { text: text.to_owned(), span: to_span(file, span) }
}

fn to_span(file: FileId, span: miette::SourceSpan) -> Span {
    Span::new(file, span.offset(), span.offset() + span.len())
}

/// The span of the value alone: the entry span covers `key=value` and any type annotation, and
/// the value is written last.
fn value(file: FileId, text: &str, entry: &KdlEntry) -> ast::Value {
    let entry_span = to_span(file, entry.span());
    let repr = entry.format().map(|f| f.value_repr.as_str()).filter(|r| !r.is_empty());
    let span = match repr {
        Some(repr) if text.get(..entry_span.end as usize).is_some_and(|t| t.ends_with(repr)) => {
            Span::new(file, entry_span.end as usize - repr.len(), entry_span.end as usize)
        }
        _ => entry_span,
    };
    let kind = match entry.value() {
        KdlValue::String(s) => ast::ValueKind::String(s.clone()),
        KdlValue::Integer(i) => ast::ValueKind::Integer(*i),
        KdlValue::Float(f) => ast::ValueKind::Float(*f, repr.unwrap_or_default().to_owned()),
        KdlValue::Bool(b) => ast::ValueKind::Bool(*b),
        KdlValue::Null => ast::ValueKind::Null,
    };
    let annotation = entry.ty().map(|ty| to_span(file, ty.span()));
    ast::Value { kind, span, annotation }
}
