//! Lowering the syntax tree to [`crate::ast`]: names and values decoded, spans converted, what
//! `/-` comments out dropped.
//!
//! Spans follow what the rest of the compiler has always seen: a node's span runs from its type
//! annotation or name to the end of its last entry or children block, with the whitespace and
//! comments after it up to the terminator; a value's span is the value alone (no `key=`, no type);
//! an annotation's span is the type name inside the parentheses.
//!
//! Broken parts are skipped: a node without a readable name, a value that does not decode. The
//! parser has reported them. The recursion follows children blocks, which the parser bounds at
//! [`crate::MAX_DEPTH`].

use idpc_diagnostics::{FileId, Span};

use crate::ast;
use crate::cst::{SyntaxElement, SyntaxKind};
use crate::number::{self, Number};
use crate::string;

use SyntaxKind as K;

/// The nodes of the tree whose root is `root`.
pub(crate) fn lower(file: FileId, root: SyntaxElement<'_>) -> ast::SourceFile {
    ast::SourceFile { file, nodes: nodes(file, root) }
}

/// The nodes of a document or children block. Vectors are allocated at their final size: the
/// tree is walked twice, which is cheaper than growing them.
fn nodes(file: FileId, parent: SyntaxElement<'_>) -> Vec<ast::Node> {
    let count = parent.children().filter(|c| c.kind() == K::Node).count();
    let mut nodes = Vec::with_capacity(count);
    nodes.extend(parent.children().filter(|c| c.kind() == K::Node).filter_map(|n| node(file, n)));
    nodes
}

fn node(file: FileId, element: SyntaxElement<'_>) -> Option<ast::Node> {
    let (mut arg_count, mut prop_count) = (0, 0);
    for child in element.children() {
        match child.kind() {
            K::Arg => arg_count += 1,
            K::Prop => prop_count += 1,
            _ => {}
        }
    }
    let mut name = None;
    let mut annotation = None;
    let mut args = Vec::with_capacity(arg_count);
    let mut props = Vec::with_capacity(prop_count);
    let mut children = None;
    for child in element.children() {
        match child.kind() {
            K::Type => annotation = type_name(file, child),
            kind if kind.is_string() && name.is_none() => name = Some(ident(file, child)?),
            K::Arg => args.extend(value(file, child)),
            K::Prop => props.extend(property(file, child)),
            K::Children if children.is_none() => children = Some(nodes(file, child)),
            _ => {}
        }
    }
    Some(ast::Node {
        name: name?,
        args,
        props,
        children,
        span: span(file, element.range()),
        annotation,
    })
}

fn span(file: FileId, range: std::ops::Range<usize>) -> Span {
    Span::new(file, range.start, range.end)
}

fn ident(file: FileId, token: SyntaxElement<'_>) -> Option<ast::Ident> {
    let text = string::decode(token.text()).ok()?.into_owned();
    Some(ast::Ident { text, span: span(file, token.range()) })
}

/// The span of the type name inside `( )`.
fn type_name(file: FileId, element: SyntaxElement<'_>) -> Option<Span> {
    element.children().find(|c| c.kind().is_string()).map(|c| span(file, c.range()))
}

/// An argument: an optional type and a value.
fn value(file: FileId, element: SyntaxElement<'_>) -> Option<ast::Value> {
    let mut annotation = None;
    for child in element.children() {
        match child.kind() {
            K::Type => annotation = type_name(file, child),
            kind if kind.is_value() => {
                let kind = value_kind(child)?;
                return Some(ast::Value { kind, span: span(file, child.range()), annotation });
            }
            _ => {}
        }
    }
    None
}

/// A property: a key, `=`, an optional type and a value.
fn property(file: FileId, element: SyntaxElement<'_>) -> Option<ast::Prop> {
    let mut children = element.children();
    let key = children.by_ref().find(|c| c.kind().is_string())?;
    let name = ident(file, key)?;
    children.by_ref().find(|c| c.kind() == K::Eq)?;
    let mut annotation = None;
    for child in children {
        match child.kind() {
            K::Type => annotation = type_name(file, child),
            kind if kind.is_value() => {
                let kind = value_kind(child)?;
                let value = ast::Value { kind, span: span(file, child.range()), annotation };
                return Some(ast::Prop { name, value });
            }
            _ => {}
        }
    }
    None
}

fn value_kind(token: SyntaxElement<'_>) -> Option<ast::ValueKind> {
    let text = token.text();
    Some(match token.kind() {
        K::Number => match number::parse(text).ok()? {
            Number::Integer(i) => ast::ValueKind::Integer(i),
            Number::Float(f) => ast::ValueKind::Float(f, text.to_owned()),
        },
        K::Keyword => match text {
            "#true" => ast::ValueKind::Bool(true),
            "#false" => ast::ValueKind::Bool(false),
            "#null" => ast::ValueKind::Null,
            "#inf" => ast::ValueKind::Float(f64::INFINITY, text.to_owned()),
            "#-inf" => ast::ValueKind::Float(f64::NEG_INFINITY, text.to_owned()),
            "#nan" => ast::ValueKind::Float(f64::NAN, text.to_owned()),
            _ => return None,
        },
        _ => ast::ValueKind::String(string::decode(text).ok()?.into_owned()),
    })
}
