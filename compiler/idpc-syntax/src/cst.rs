//! The lossless concrete syntax tree: every byte of the input, comments and whitespace included.
//!
//! The tree is one flat arena of elements in preorder. A node records the index just past its
//! subtree, so its children are an index range walked without recursion, and dropping the tree
//! frees one vector however deep the input nests. Each element has a [`SyntaxKind`] and an exact
//! byte range; the tokens, read in order, tile the text: `tree.text()` is the input, valid or not.
//!
//! An element stores only where it starts: it ends where the element after its subtree starts
//! (or at the end of the text), since tokens tile the text and a node starts at its first token.

use std::ops::Range;

/// What an element of the tree is: a token (a run of bytes) or a node (a group of elements).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyntaxKind {
    // Tokens.
    /// Unicode spaces and tabs.
    Whitespace,
    /// One newline: CRLF, CR, LF, NEL, VT, FF, LS or PS.
    Newline,
    /// `// …` up to, not including, the newline.
    LineComment,
    /// `/* … */`, nested comments included.
    BlockComment,
    /// The byte-order mark at the start of the file.
    Bom,
    /// `\` continuing a node on the next line.
    Escline,
    /// `/-`, which comments out the next node, entry or children block.
    Slashdash,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `=`
    Eq,
    /// `;`
    Semicolon,
    /// A bare identifier string: `node`, `-x`, `a.b`.
    Ident,
    /// `"…"`
    String,
    /// `#"…"#`, any number of `#`.
    RawString,
    /// `"""` newline … `"""`
    MultiLineString,
    /// `#"""` newline … `"""#`
    RawMultiLineString,
    /// A number: decimal, hexadecimal, octal or binary.
    Number,
    /// `#true`, `#false`, `#null`, `#inf`, `#-inf`, `#nan`.
    Keyword,
    /// The end of the input: what the parser sees last, never in a tree.
    Eof,
    /// Bytes that are not KDL.
    ErrorToken,
    // Nodes.
    /// The whole file.
    Document,
    /// A node: optional type, name, entries, children blocks, and the whitespace inside it. Its
    /// terminator (newline, `;`, comment) belongs to the enclosing list.
    Node,
    /// A type annotation `(name)`.
    Type,
    /// A positional argument: optional type and a value.
    Arg,
    /// A property: key, `=`, optional type and a value.
    Prop,
    /// A children block `{ … }`.
    Children,
    /// `/-` and what it comments out.
    Slashdashed,
    /// Tokens the parser could not place.
    Error,
}

impl SyntaxKind {
    /// Whether this kind is a token (a leaf).
    pub fn is_token(self) -> bool {
        (self as u8) <= (SyntaxKind::ErrorToken as u8)
    }

    /// Whether this token is whitespace or a comment.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            SyntaxKind::Whitespace
                | SyntaxKind::Newline
                | SyntaxKind::LineComment
                | SyntaxKind::BlockComment
                | SyntaxKind::Escline
                | SyntaxKind::Bom
        )
    }

    /// Whether this token is a string of any form, identifiers included.
    pub fn is_string(self) -> bool {
        matches!(
            self,
            SyntaxKind::Ident
                | SyntaxKind::String
                | SyntaxKind::RawString
                | SyntaxKind::MultiLineString
                | SyntaxKind::RawMultiLineString
        )
    }

    /// Whether this token is a value: a string, a number or a keyword.
    pub fn is_value(self) -> bool {
        self.is_string() || matches!(self, SyntaxKind::Number | SyntaxKind::Keyword)
    }
}

/// A parsed file as a lossless tree.
#[derive(Clone, Debug)]
pub struct SyntaxTree {
    text: String,
    elements: Vec<Element>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Element {
    start: u32,
    /// The index just past this element's subtree.
    next: u32,
    kind: SyntaxKind,
}

impl SyntaxTree {
    pub(crate) fn new(text: String, elements: Vec<Element>) -> SyntaxTree {
        SyntaxTree { text, elements }
    }

    /// The text the tree was parsed from: the concatenation of its tokens.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The root, a [`SyntaxKind::Document`] node.
    pub fn root(&self) -> SyntaxElement<'_> {
        root(&self.text, &self.elements)
    }

    /// Every token in order. Their ranges tile the text.
    pub fn tokens(&self) -> impl Iterator<Item = SyntaxElement<'_>> {
        (0..self.elements.len())
            .filter(|&i| self.elements[i].kind.is_token())
            .map(|index| SyntaxElement { text: &self.text, elements: &self.elements, index })
    }

    /// The number of elements, tokens and nodes.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether the tree has no elements (never: the root is always there).
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }
}

/// The root of the tree made of `elements` over `text`, without owning either.
pub(crate) fn root<'a>(text: &'a str, elements: &'a [Element]) -> SyntaxElement<'a> {
    SyntaxElement { text, elements, index: 0 }
}

/// One element of a [`SyntaxTree`]: a token or a node.
#[derive(Clone, Copy, Debug)]
pub struct SyntaxElement<'a> {
    text: &'a str,
    elements: &'a [Element],
    index: usize,
}

impl<'a> SyntaxElement<'a> {
    /// The kind of element.
    pub fn kind(self) -> SyntaxKind {
        self.elements[self.index].kind
    }

    /// The bytes it covers.
    pub fn range(self) -> Range<usize> {
        let element = self.elements[self.index];
        let end =
            self.elements.get(element.next as usize).map_or(self.text.len(), |e| e.start as usize);
        element.start as usize..end
    }

    /// The text it covers.
    pub fn text(self) -> &'a str {
        self.text.get(self.range()).unwrap_or_default()
    }

    /// The direct children, in order (none for a token).
    pub fn children(self) -> Children<'a> {
        let end = self.elements[self.index].next as usize;
        Children { text: self.text, elements: self.elements, index: self.index + 1, end }
    }

    /// The first direct child that is a token of `kind`.
    pub fn child_token(self, kind: SyntaxKind) -> Option<SyntaxElement<'a>> {
        self.children().find(|c| c.kind() == kind)
    }
}

/// The direct children of a node.
#[derive(Clone, Debug)]
pub struct Children<'a> {
    text: &'a str,
    elements: &'a [Element],
    index: usize,
    end: usize,
}

impl<'a> Iterator for Children<'a> {
    type Item = SyntaxElement<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.index >= self.end {
            return None;
        }
        let element = SyntaxElement { text: self.text, elements: self.elements, index: self.index };
        self.index = self.elements.get(self.index).map_or(self.end, |e| e.next as usize);
        Some(element)
    }
}

/// Builds a tree in preorder: start a node, add tokens and nodes, finish it.
pub(crate) struct Builder {
    elements: Vec<Element>,
    open: Vec<usize>,
}

impl Builder {
    pub(crate) fn with_capacity(capacity: usize) -> Builder {
        Builder { elements: Vec::with_capacity(capacity), open: Vec::new() }
    }

    pub(crate) fn start(&mut self, kind: SyntaxKind, at: u32) {
        self.open.push(self.elements.len());
        self.elements.push(Element { kind, start: at, next: 0 });
    }

    pub(crate) fn token(&mut self, kind: SyntaxKind, start: u32) {
        let next = to_u32(self.elements.len() + 1);
        self.elements.push(Element { kind, start, next });
    }

    pub(crate) fn finish(&mut self) {
        let Some(index) = self.open.pop() else { return };
        let next = to_u32(self.elements.len());
        self.elements[index].next = next;
    }

    pub(crate) fn build(mut self) -> Vec<Element> {
        while !self.open.is_empty() {
            self.finish();
        }
        self.elements
    }
}

/// Element indices fit in `u32`: the parser refuses files of 4 GiB and more.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
