//! What is at an offset: the chain of nodes around it, each with its schema entry, and which
//! part of the innermost node the offset is on.

use idpc_diagnostics::FileId;
use idpc_sema::schema::{Children, NodeSchema, language};
use idpc_syntax::ast::Node;

use crate::Snapshot;

/// Where an offset falls in a file's node tree.
#[derive(Debug, Clone)]
pub struct Located<'a> {
    /// The nodes around the offset, outermost first; empty at the top level between nodes.
    pub nodes: Vec<&'a Node>,
    /// The schema of each node in `nodes` (`None` where the node is not in the language, or is
    /// a field of a resource's kind).
    pub schemas: Vec<Option<&'static NodeSchema>>,
    /// The part of the innermost node.
    pub part: Part,
}

/// A part of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Its name.
    Name,
    /// Positional argument `i`.
    Arg(usize),
    /// The key of property `i`.
    PropKey(usize),
    /// The value of property `i`.
    PropValue(usize),
    /// Inside its children block, between child nodes.
    Block,
    /// Elsewhere in the node (whitespace between entries).
    Head,
    /// Between top-level nodes.
    TopLevel,
}

impl<'a> Located<'a> {
    /// The innermost node.
    pub fn node(&self) -> Option<&'a Node> {
        self.nodes.last().copied()
    }

    /// The schema of the innermost node.
    pub fn schema(&self) -> Option<&'static NodeSchema> {
        self.schemas.last().copied().flatten()
    }
}

impl Snapshot {
    /// What is at `offset` in `file`.
    pub fn at(&self, file: FileId, offset: u32) -> Option<Located<'_>> {
        let tree = self.tree(file)?;
        let mut located = Located { nodes: Vec::new(), schemas: Vec::new(), part: Part::TopLevel };
        let mut siblings: &[Node] = &tree.nodes;
        let mut parent: Option<&'static NodeSchema> = None;
        let mut top = true;
        loop {
            let Some(node) = siblings.iter().find(|n| contains(n.span, offset)) else {
                if !top {
                    located.part = Part::Block;
                }
                return Some(located);
            };
            let schema = if top {
                language::TOP_LEVEL.iter().find(|s| s.name == node.name.text)
            } else {
                parent.and_then(|p| p.child(&node.name.text))
            };
            located.nodes.push(node);
            located.schemas.push(schema);
            top = false;
            if let Some(part) = part_of(node, offset) {
                located.part = part;
                return Some(located);
            }
            parent = schema;
            match node.children.as_deref() {
                Some(children) if offset > node.head_span().end => siblings = children,
                _ => {
                    located.part = Part::Head;
                    return Some(located);
                }
            }
        }
    }
}

/// The part of a node's head the offset is on, if any.
fn part_of(node: &Node, offset: u32) -> Option<Part> {
    if contains(node.name.span, offset) {
        return Some(Part::Name);
    }
    if let Some(i) = node.args.iter().position(|a| contains(a.span, offset)) {
        return Some(Part::Arg(i));
    }
    for (i, prop) in node.props.iter().enumerate() {
        if contains(prop.name.span, offset) {
            return Some(Part::PropKey(i));
        }
        if contains(prop.value.span, offset) {
            return Some(Part::PropValue(i));
        }
    }
    None
}

/// Whether a span holds the offset, its end included (a cursor just after a word is on it).
pub(crate) fn contains(span: idpc_diagnostics::Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// Whether a node's children are fields of a kind rather than nodes of the language.
pub(crate) fn takes_kind_fields(schema: Option<&NodeSchema>) -> bool {
    schema.is_some_and(|s| matches!(s.children, Children::KindFields))
}
