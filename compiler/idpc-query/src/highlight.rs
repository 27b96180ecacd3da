//! Highlighting from the lossless tree, so that KDL 2.0 is coloured right where an editor has
//! no grammar for it: node names, property keys, values, comments, and declared and referenced
//! names.

use idpc_diagnostics::{FileId, Span};
use idpc_syntax::cst::{SyntaxElement, SyntaxKind};

use crate::Snapshot;

/// What a highlighted piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HighlightKind {
    /// A node name.
    NodeName,
    /// A property key.
    PropertyKey,
    /// A string value.
    String,
    /// A number.
    Number,
    /// `#true`, `#false`, `#null` and the other keywords.
    Keyword,
    /// A comment, or what `/-` comments out.
    Comment,
    /// A `(type)` annotation.
    Annotation,
    /// A name being declared.
    Declaration,
    /// A name referring to a declaration.
    Reference,
}

/// One highlighted range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Highlight {
    /// The text.
    pub span: Span,
    /// What it is.
    pub kind: HighlightKind,
}

impl Snapshot {
    /// The highlighted ranges of a description file, in order, not overlapping.
    pub fn highlights(&self, file: FileId) -> Vec<Highlight> {
        let Some(source) = self.compilation.sources.get(file) else { return Vec::new() };
        if self.tree(file).is_none() {
            return Vec::new();
        }
        let (tree, _) = idpc_syntax::parse_tree(file, &source.text);
        let names = |range: &std::ops::Range<usize>| {
            let inner =
                |s: Span| (s.start as usize) >= range.start && (s.end as usize) <= range.end;
            if self
                .index
                .declarations
                .iter()
                .any(|d| d.name_span.file == file && inner(d.name_span))
            {
                Some(HighlightKind::Declaration)
            } else if self.index.references.iter().any(|r| r.span.file == file && inner(r.span)) {
                Some(HighlightKind::Reference)
            } else {
                None
            }
        };
        let mut out = Vec::new();
        // Each element with the role its tokens play: the kind of the node around them.
        let mut stack: Vec<(SyntaxElement<'_>, SyntaxKind)> =
            vec![(tree.root(), SyntaxKind::Document)];
        while let Some((element, parent)) = stack.pop() {
            let kind = element.kind();
            let range = element.range();
            let span = Span::new(file, range.start, range.end);
            if kind == SyntaxKind::Slashdashed {
                out.push(Highlight { span, kind: HighlightKind::Comment });
                continue;
            }
            if kind == SyntaxKind::Type {
                out.push(Highlight { span, kind: HighlightKind::Annotation });
                continue;
            }
            if kind.is_token() {
                let highlight = match kind {
                    SyntaxKind::LineComment | SyntaxKind::BlockComment => {
                        Some(HighlightKind::Comment)
                    }
                    SyntaxKind::Number => Some(HighlightKind::Number),
                    SyntaxKind::Keyword => Some(HighlightKind::Keyword),
                    k if k.is_string() => Some(match parent {
                        SyntaxKind::Node => HighlightKind::NodeName,
                        SyntaxKind::Prop => HighlightKind::PropertyKey,
                        _ => names(&range).unwrap_or(HighlightKind::String),
                    }),
                    _ => None,
                };
                if let Some(kind) = highlight {
                    out.push(Highlight { span, kind });
                }
                continue;
            }
            // A node's first string token is its name, a property's its key; a later value is
            // an argument or a property's value.
            let mut named = false;
            let mut tagged: Vec<(SyntaxElement<'_>, SyntaxKind)> = Vec::new();
            for child in element.children() {
                let naming = matches!(kind, SyntaxKind::Node | SyntaxKind::Prop);
                let role = if naming && !named && child.kind().is_string() {
                    named = true;
                    kind
                } else if naming {
                    SyntaxKind::Arg
                } else {
                    kind
                };
                tagged.push((child, role));
            }
            stack.extend(tagged.into_iter().rev());
        }
        out.sort_by_key(|h| h.span.start);
        out
    }
}
