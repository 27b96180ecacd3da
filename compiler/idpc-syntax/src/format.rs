//! The formatter: one canonical layout for KDL, written from the lossless tree.
//!
//! Only the whitespace between tokens changes; every value and every comment is written exactly
//! as in the source. The layout:
//!
//! - one node per line, four spaces of indentation per children level; nodes separated by `;`
//!   are put on lines of their own and the `;` dropped;
//! - single spaces between a node's name, arguments, properties and children block; no space
//!   inside `(type)`, around `=`, or after `/-` (but for `/- kdl-version 2`);
//! - `{` on the node's line, `}` on a line of its own, an empty block written `{}`;
//! - a comment that ends a line stays at the end of that line, after one space; a comment on a
//!   line of its own stays on a line of its own, indented to its level;
//! - blank lines between nodes kept, at most one in a row, none at the start or end of a block;
//! - line continuations (`\`) joined, unless a comment follows them;
//! - no trailing whitespace, and exactly one newline at the end of a non-empty file.
//!
//! A file with syntax errors is not formatted: [`format`] returns its diagnostics.

use idpc_diagnostics::{Diagnostic, FileId};

use crate::cst::{SyntaxElement, SyntaxKind};

use SyntaxKind as K;

/// Formats `text`, or returns the syntax errors that keep it from being formatted.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    format_file(FileId(0), text)
}

/// Formats the text of `file`; the diagnostics of a file with syntax errors point into it.
pub fn format_file(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (tree, diagnostics) = crate::parse_tree(file, text);
    if idpc_diagnostics::has_errors(&diagnostics) {
        return Err(diagnostics);
    }
    let root = tree.root();
    let out = String::with_capacity(text.len() + text.len() / 8);
    let mut writer = Writer { out, line_start: true, ..Writer::default() };
    if root.child_token(K::Bom).is_some() {
        writer.out.push('\u{FEFF}');
    }
    writer.list(root.children());
    writer.blank = false;
    writer.line();
    Ok(writer.out)
}

/// The output being written, and where on its line it stands.
#[derive(Default)]
struct Writer {
    out: String,
    /// The children level.
    level: usize,
    /// Extra indentation for the continued lines of a node.
    continued: bool,
    /// Nothing has been written on the current line.
    line_start: bool,
    /// A space goes before the next word on this line.
    space: bool,
    /// A blank line goes before the next word.
    blank: bool,
    /// A node ended on the current line: the next node needs a line of its own.
    node_on_line: bool,
    /// Inside a node, after `\` not yet followed by a comment.
    escline: bool,
    /// A word directly follows the last one, with no space (after `(type)` or `/-`).
    glue: bool,
}

impl Writer {
    /// Writes a token, indented at the start of a line and after a space if one is due.
    fn word(&mut self, text: &str) {
        if self.line_start {
            if self.blank {
                self.out.push('\n');
            }
            let width = 4 * (self.level + usize::from(self.continued));
            self.out.extend(std::iter::repeat_n(' ', width));
        } else if self.space && !self.glue {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.line_start = false;
        self.space = false;
        self.blank = false;
        self.glue = false;
    }

    /// Ends the current line, if anything is on it.
    fn line(&mut self) {
        if !self.line_start {
            self.out.push('\n');
        }
        self.line_start = true;
        self.space = false;
        self.glue = false;
        self.node_on_line = false;
    }

    /// Starts a new line for something that stood after `newlines` line breaks in the source.
    fn break_line(&mut self, newlines: usize, first: bool) {
        if newlines >= 2 && !first {
            self.blank = true;
        }
        self.line();
    }

    /// The nodes, comments and blank lines of a document or children block.
    fn list<'a>(&mut self, items: impl Iterator<Item = SyntaxElement<'a>>) {
        let mut newlines = 0usize;
        let mut first = true;
        for item in items {
            match item.kind() {
                K::Newline => newlines += 1,
                K::LineComment => {
                    if newlines > 0 {
                        self.break_line(newlines, first);
                    }
                    self.space = true;
                    self.word(item.text());
                    self.line();
                    first = false;
                    newlines = 0;
                }
                K::BlockComment => {
                    if newlines > 0 {
                        self.break_line(newlines, first);
                    }
                    self.space = true;
                    self.word(item.text());
                    self.space = true;
                    first = false;
                    newlines = 0;
                }
                K::Node | K::Slashdashed => {
                    if newlines > 0 || self.node_on_line || first {
                        self.break_line(newlines, first);
                    }
                    self.space = true;
                    self.element(item, false);
                    self.node_on_line = true;
                    first = false;
                    newlines = 0;
                }
                // Whitespace, `;`, a BOM, `\` between nodes: the layout replaces them.
                _ => {}
            }
        }
    }

    /// A node, an entry, a type, or a `/-` and what it comments out, with its parts separated
    /// by spaces unless `tight`.
    fn element(&mut self, element: SyntaxElement<'_>, tight: bool) {
        let continued = self.continued;
        let mut pending_line = false;
        let mut newline = false;
        for child in element.children() {
            let kind = child.kind();
            if pending_line && !matches!(kind, K::Whitespace | K::Newline) {
                // After `\ // comment` or `/- // comment`, the rest goes on the next line.
                self.line();
                if element.kind() != K::Slashdashed || in_node(element) {
                    self.continued = true;
                }
                pending_line = false;
            }
            match kind {
                K::Whitespace => {}
                K::Newline => {
                    // A `\` ends at its newline.
                    newline = true;
                    self.escline = false;
                }
                K::Escline => self.escline = true,
                K::LineComment => {
                    if newline && !self.escline {
                        // A comment on a line of its own after `/-` stays there.
                        self.line();
                        if element.kind() != K::Slashdashed || in_node(element) {
                            self.continued = true;
                        }
                    }
                    self.space = true;
                    self.glue = false;
                    if self.escline {
                        self.word("\\");
                        self.space = true;
                    }
                    self.word(child.text());
                    self.escline = false;
                    pending_line = true;
                }
                K::BlockComment => {
                    self.space = !self.out.ends_with('(');
                    self.glue = false;
                    self.word(child.text());
                    self.space = true;
                }
                K::Children => {
                    if !tight {
                        self.space = true;
                    }
                    let saved = self.continued;
                    self.continued = false;
                    self.children(child);
                    self.continued = saved;
                }
                K::Type => {
                    if !tight {
                        self.space = true;
                    }
                    self.element(child, true);
                    self.glue = true;
                }
                K::Slashdash => {
                    if !tight {
                        self.space = true;
                    }
                    self.word(child.text());
                    // `/- kdl-version 2` keeps its conventional space.
                    self.glue = !is_version_marker(element);
                    self.space = !self.glue;
                }
                K::Node | K::Slashdashed => {
                    self.space = true;
                    self.element(child, false);
                }
                K::Arg | K::Prop => {
                    if !tight {
                        self.space = true;
                    }
                    self.element(child, true);
                }
                K::RParen => {
                    self.space = false;
                    self.word(child.text());
                }
                K::LParen | K::Eq => self.word(child.text()),
                _ => {
                    if !tight {
                        self.space = true;
                    }
                    self.word(child.text());
                }
            }
        }
        if pending_line {
            self.line();
        }
        if element.kind() == K::Node {
            self.continued = continued;
            self.escline = false;
        }
    }

    /// `{`, the nodes inside, `}` on a line of its own; `{}` when there is nothing inside.
    fn children(&mut self, block: SyntaxElement<'_>) {
        let inner = || block.children().filter(|c| !matches!(c.kind(), K::LBrace | K::RBrace));
        let empty = inner().all(|c| matches!(c.kind(), K::Whitespace | K::Newline));
        self.word("{");
        if empty {
            self.glue = true;
            self.word("}");
            return;
        }
        self.level += 1;
        self.list(inner());
        self.blank = false;
        self.line();
        self.level -= 1;
        self.word("}");
    }
}

/// Whether a `/-` wrapper comments out an entry or a children block rather than a node.
fn in_node(slashdashed: SyntaxElement<'_>) -> bool {
    slashdashed.children().any(|c| matches!(c.kind(), K::Arg | K::Prop | K::Children))
}

/// Whether a `/-` wrapper comments out the `kdl-version` marker node.
fn is_version_marker(slashdashed: SyntaxElement<'_>) -> bool {
    slashdashed
        .children()
        .find(|c| c.kind() == K::Node)
        .and_then(|node| node.child_token(K::Ident))
        .is_some_and(|name| name.text() == "kdl-version")
}
