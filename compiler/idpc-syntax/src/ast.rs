//! The node tree: KDL's data model with spans, independent of any KDL library.

use idpc_diagnostics::{FileId, Span};

/// One parsed file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file.
    pub file: FileId,
    /// Its top-level nodes, in source order.
    pub nodes: Vec<Node>,
}

/// A node: `name arg… key=value… { children }`.
#[derive(Debug, Clone)]
pub struct Node {
    /// The node name.
    pub name: Ident,
    /// Positional arguments, in order.
    pub args: Vec<Value>,
    /// Properties, in source order (repeats kept, so they can be reported).
    pub props: Vec<Prop>,
    /// The children block, if the node has one.
    pub children: Option<Vec<Node>>,
    /// The whole node, children included.
    pub span: Span,
    /// The span of a `(type)` annotation on the node, if any.
    pub annotation: Option<Span>,
}

/// A name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// A property `key=value`.
#[derive(Debug, Clone)]
pub struct Prop {
    /// The key.
    pub name: Ident,
    /// The value.
    pub value: Value,
}

/// A value with its span (the value alone, without the `key=`).
#[derive(Debug, Clone)]
pub struct Value {
    /// What was written.
    pub kind: ValueKind,
    /// Where.
    pub span: Span,
    /// The span of a `(type)` annotation on the value, if any.
    pub annotation: Option<Span>,
}

/// The KDL value kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// A string (quoted, raw, multi-line or a bare identifier).
    String(String),
    /// An integer.
    Integer(i128),
    /// A number with a fraction or exponent, with the text it was written as.
    Float(f64, String),
    /// `#true` or `#false`.
    Bool(bool),
    /// `#null`.
    Null,
}

impl ValueKind {
    /// The KDL name of this kind, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            ValueKind::String(_) => "a string",
            ValueKind::Integer(_) => "an integer",
            ValueKind::Float(..) => "a decimal number",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Null => "`#null`",
        }
    }
}

impl Node {
    /// The span from the node name to the end of its last entry (without children).
    pub fn head_span(&self) -> Span {
        let mut span = self.name.span;
        for arg in &self.args {
            span = span.to(arg.span);
        }
        for prop in &self.props {
            span = span.to(prop.value.span);
        }
        span
    }

    /// The children, or an empty slice.
    pub fn children(&self) -> &[Node] {
        self.children.as_deref().unwrap_or(&[])
    }
}
