//! The parser: tokens to a lossless [`crate::cst::SyntaxTree`], without recursion and without giving up.
//!
//! Nodes nest only through children blocks, so the parser keeps the open blocks on an explicit
//! stack of [`Frame`]s and parses one node at a time in a loop. Blocks deeper than
//! [`crate::MAX_DEPTH`] are reported once and kept as one flat error element.
//!
//! **Recovery.** Every token lands in the tree; what the parser cannot place is wrapped in a
//! [`SyntaxKind::Error`] node and reported, and parsing goes on with the next entry or node:
//!
//! - inside a node, an unexpected token is skipped and the node continues;
//! - a missing node name, type name or property value is reported and the rest is parsed;
//! - a `}` with no open block is reported, repeats merged into one diagnostic;
//! - an unclosed `{`: before parsing, braces are counted; if some `{` are never closed, the
//!   parser closes a block early where a line starts at or left of the indentation of the line
//!   that opened it (a `}` closes early only when further left), up to the number of missing
//!   `}`. Well-indented files thus keep the nodes after the mistake; everything still open at the
//!   end of the file is closed there. Files whose braces balance never take this path, so a valid
//!   file parses exactly as KDL says, whatever its indentation.

use idpc_diagnostics::Code;

use crate::MAX_DEPTH;
use crate::cst::{Builder, Element, SyntaxKind};
use crate::errors::Errors;
use crate::lexer::Tokens;

use SyntaxKind as K;

mod recovery;
mod trivia;

/// Parses the tokens of `text`.
pub(crate) fn parse<'t>(text: &'t str, tokens: &Tokens, errors: &mut Errors<'t>) -> Vec<Element> {
    let mut depth = 0usize;
    for &kind in &tokens.kinds {
        match kind {
            K::LBrace => depth += 1,
            K::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut parser = Parser {
        kinds: &tokens.kinds,
        starts: &tokens.starts,
        pos: 0,
        builder: Builder::with_capacity(tokens.kinds.len() + tokens.kinds.len() / 2),
        errors,
        frames: Vec::new(),
        unclosed: depth,
        line_indent: 0,
        text,
    };
    parser.document();
    parser.builder.build()
}

/// The state of a node whose children block is open.
#[derive(Clone, Copy, Debug)]
struct NodeState {
    /// The node sits in a `/-` wrapper, to close with it.
    slashdashed: bool,
    /// The indentation of the line the node starts on.
    indent: u32,
    /// No children block has been seen: arguments and properties may still come.
    entries_allowed: bool,
    /// A children block that is not commented out has been seen.
    has_children: bool,
}

/// An open children block.
#[derive(Clone, Copy, Debug)]
struct Frame {
    node: NodeState,
    /// The block sits in a `/-` wrapper.
    slashdashed: bool,
    /// The offset of its `{`.
    open: usize,
}

struct Parser<'t, 'k, 'e> {
    text: &'t str,
    kinds: &'k [SyntaxKind],
    starts: &'k [u32],
    pos: usize,
    builder: Builder,
    errors: &'e mut Errors<'t>,
    frames: Vec<Frame>,
    /// How many `{` have no `}`: how many blocks may still be closed at a dedented line.
    unclosed: usize,
    /// The indentation of the line of the last node start.
    line_indent: u32,
}

impl Parser<'_, '_, '_> {
    fn kind(&self) -> SyntaxKind {
        self.kinds.get(self.pos).copied().unwrap_or(K::Eof)
    }

    fn kind_at(&self, pos: usize) -> SyntaxKind {
        self.kinds.get(pos).copied().unwrap_or(K::Eof)
    }

    fn start_of(&self, pos: usize) -> usize {
        self.starts.get(pos).map_or(self.text.len(), |&s| s as usize)
    }

    fn start(&self) -> usize {
        self.start_of(self.pos)
    }

    fn end(&self) -> usize {
        self.start_of(self.pos + 1)
    }

    /// Adds the current token to the innermost node.
    fn bump(&mut self) {
        let kind = self.kind();
        if kind == K::Eof {
            return;
        }
        self.builder.token(kind, self.starts[self.pos]);
        self.pos += 1;
    }

    fn open(&mut self, kind: SyntaxKind) {
        let at = self.starts.get(self.pos).copied().unwrap_or(0);
        self.builder.start(kind, at);
    }

    fn close(&mut self) {
        self.builder.finish();
    }

    fn error(&mut self, start: usize, end: usize, message: &str, label: &str) {
        self.errors.syntax(start, end, message, label);
    }

    /// `document := bom? nodes`
    fn document(&mut self) {
        self.open(K::Document);
        if self.kind() == K::Bom {
            self.bump();
        }
        self.check_version();
        loop {
            self.line_space();
            if self.first_on_line() {
                self.line_indent = self.indent();
            }
            let kind = self.kind();
            if self.unclosed > 0 && kind != K::Eof && self.first_on_line() {
                self.close_dedented(kind);
            }
            match kind {
                K::Eof => {
                    self.close_all_at_end();
                    break;
                }
                K::RBrace => match self.frames.pop() {
                    Some(frame) => {
                        self.bump();
                        self.close();
                        if frame.slashdashed {
                            self.close();
                        }
                        self.node_body(frame.node);
                    }
                    None => {
                        let (start, end) = (self.start(), self.end());
                        self.error(start, end, "unmatched `}`", "no block is open here");
                        self.open(K::Error);
                        self.bump();
                        self.close();
                    }
                },
                K::Semicolon => {
                    let (start, end) = (self.start(), self.end());
                    self.error(start, end, "`;` with no node before it", "nothing to end here");
                    self.open(K::Error);
                    self.bump();
                    self.close();
                }
                _ => self.node(),
            }
        }
        self.close();
    }

    /// Reports a `/- kdl-version 1` marker: idpc reads KDL 2.0 only.
    fn check_version(&mut self) {
        let mut pos = self.pos;
        let next = |kind: SyntaxKind, pos: &mut usize| -> bool {
            if self.kind_at(*pos) == K::Whitespace {
                *pos += 1;
            }
            let found = self.kind_at(*pos) == kind;
            *pos += usize::from(found);
            found
        };
        if !(next(K::Slashdash, &mut pos) && next(K::Ident, &mut pos)) {
            return;
        }
        if self.text.get(self.start_of(pos - 1)..self.start_of(pos)) != Some("kdl-version") {
            return;
        }
        if next(K::Number, &mut pos) {
            let (start, end) = (self.start_of(pos - 1), self.start_of(pos));
            if self.text.get(start..end) != Some("2") {
                self.errors.syntax_help(
                    start,
                    end,
                    "unsupported KDL version",
                    "idpc reads KDL 2.0",
                    "write the file in KDL 2.0 and mark it `/- kdl-version 2`",
                );
            }
        }
    }

    /// A node at the start of a line or after `;`, possibly commented out.
    fn node(&mut self) {
        let indent = self.line_indent;
        let slashdashed = self.kind() == K::Slashdash;
        if slashdashed {
            let slash = self.start();
            self.open(K::Slashdashed);
            self.bump();
            self.line_space();
            if matches!(self.kind(), K::Eof | K::RBrace | K::Semicolon) {
                self.nothing_to_comment_out(slash);
                self.close();
                return;
            }
        }
        let kind = self.kind();
        if matches!(kind, K::RParen | K::Eq | K::ErrorToken | K::Slashdash) {
            self.skip_garbage();
            if slashdashed {
                self.close();
            }
            return;
        }
        self.open(K::Node);
        if kind == K::LParen {
            self.type_annotation();
            self.node_space();
        }
        let kind = self.kind();
        if kind.is_string() {
            self.bump();
        } else {
            let (start, end) = (self.start(), self.end());
            if kind == K::LBrace {
                self.error(
                    start,
                    end,
                    "a children block with no node",
                    "expected a node name before this",
                );
            } else {
                self.errors.syntax_help(
                    start,
                    end,
                    "expected a node name",
                    "not a node name",
                    "a node name is an identifier or a string",
                );
                if matches!(kind, K::Number | K::Keyword | K::RParen | K::Eq | K::ErrorToken) {
                    self.open(K::Error);
                    self.bump();
                    self.close();
                }
            }
        }
        let state = NodeState { slashdashed, indent, entries_allowed: true, has_children: false };
        self.node_body(state);
    }

    fn nothing_to_comment_out(&mut self, slash: usize) {
        self.error(
            slash,
            slash + 2,
            "`/-` comments out nothing",
            "expected a node, an entry or a children block after this",
        );
    }

    /// Tokens that start nothing, at the level of nodes.
    fn skip_garbage(&mut self) {
        let (start, kind) = (self.start(), self.kind());
        self.open(K::Error);
        while matches!(self.kind(), K::RParen | K::Eq | K::ErrorToken | K::Slashdash) {
            self.bump();
        }
        let end = self.start();
        self.close();
        if kind != K::ErrorToken {
            let message = format!("unexpected `{}`", self.text.get(start..start + 1).unwrap_or(""));
            self.error(start, end, &message, "expected a node");
        }
    }

    /// The rest of a node after its name, or after a children block closes: entries, children
    /// blocks, and the end of the node. Returns when the node is finished or a block opened.
    fn node_body(&mut self, mut state: NodeState) {
        loop {
            let spaced = self.node_space();
            let kind = self.kind();
            match kind {
                K::Newline | K::Semicolon | K::LineComment | K::Eof | K::RBrace => {
                    self.finish_node(state);
                    return;
                }
                K::LBrace => {
                    if self.open_block(&mut state, false) {
                        return;
                    }
                }
                K::Slashdash => {
                    if !spaced {
                        self.missing_space();
                    }
                    let slash = self.start();
                    match self.after_trivia(self.pos + 1) {
                        K::LBrace => {
                            self.open(K::Slashdashed);
                            self.bump();
                            self.line_space();
                            if self.open_block(&mut state, true) {
                                return;
                            }
                        }
                        K::Eof | K::RBrace | K::Semicolon => {
                            self.open(K::Slashdashed);
                            self.bump();
                            self.line_space();
                            self.nothing_to_comment_out(slash);
                            self.close();
                        }
                        _ => {
                            if !state.entries_allowed {
                                self.entry_after_children();
                            }
                            self.open(K::Slashdashed);
                            self.bump();
                            self.line_space();
                            self.entry();
                            self.close();
                        }
                    }
                }
                _ if kind.is_value() || kind == K::LParen => {
                    if !spaced {
                        self.missing_space();
                    }
                    if !state.entries_allowed {
                        self.entry_after_children();
                    }
                    self.entry();
                }
                _ => {
                    let (start, end) = (self.start(), self.end());
                    if kind != K::ErrorToken {
                        let message = format!(
                            "unexpected `{}`",
                            self.text.get(start..end).unwrap_or_default()
                        );
                        self.error(
                            start,
                            end,
                            &message,
                            "expected an argument, a property or the end of the node",
                        );
                    }
                    self.open(K::Error);
                    self.bump();
                    self.close();
                }
            }
        }
    }

    fn missing_space(&mut self) {
        let (start, end) = (self.start(), self.end());
        self.errors.syntax_help(
            start,
            end,
            "missing whitespace before this entry",
            "directly after the previous token",
            "separate a node's name, arguments and properties with spaces",
        );
    }

    fn entry_after_children(&mut self) {
        let (start, end) = (self.start(), self.end());
        self.errors.syntax_help(
            start,
            end,
            "an argument or property after a children block",
            "after the children block",
            "a node's arguments and properties come before its `{`; end the node first with a newline or `;`",
        );
    }

    /// Ends the current node and, with `/-`, its wrapper; takes a `;` terminator.
    fn finish_node(&mut self, state: NodeState) {
        self.close();
        if state.slashdashed {
            self.close();
        }
        if self.kind() == K::Semicolon {
            self.bump();
        }
    }

    /// Opens a children block at `{`. Returns whether a frame was pushed: `false` when the block
    /// is too deep and was skipped whole.
    fn open_block(&mut self, state: &mut NodeState, slashdashed: bool) -> bool {
        let open = self.start();
        if !slashdashed {
            if state.has_children {
                self.errors.syntax_help(
                    open,
                    open + 1,
                    "a second children block",
                    "the node already has a children block",
                    "merge the blocks, or comment one out with `/-`",
                );
            }
            state.has_children = true;
        }
        state.entries_allowed = false;
        self.open(K::Children);
        self.bump();
        if self.frames.len() >= MAX_DEPTH {
            self.errors.push(
                Code::NestingTooDeep,
                open,
                open + 1,
                &format!("children blocks nest deeper than {MAX_DEPTH} levels"),
                "this block is too deep",
                Some("flatten the description: no idpc node needs more than a few levels"),
            );
            self.open(K::Error);
            let mut depth = 1usize;
            loop {
                match self.kind() {
                    K::Eof => break,
                    K::LBrace => depth += 1,
                    K::RBrace => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                self.bump();
            }
            self.close();
            if self.kind() == K::RBrace {
                self.bump();
            }
            self.close();
            if slashdashed {
                self.close();
            }
            return false;
        }
        self.frames.push(Frame { node: *state, slashdashed, open });
        true
    }

    /// An argument or a property.
    fn entry(&mut self) {
        let kind = self.kind();
        if kind.is_string() && self.kind_at(self.after_node_space(self.pos + 1)) == K::Eq {
            self.property();
        } else if kind.is_value() {
            self.open(K::Arg);
            self.bump();
            self.close();
        } else if kind == K::LParen {
            self.open(K::Arg);
            self.type_annotation();
            self.node_space();
            if self.kind().is_value() {
                self.bump();
            } else {
                let (start, end) = (self.start(), self.end());
                self.error(start, end, "expected a value after the type annotation", "not a value");
            }
            self.close();
        } else {
            let (start, end) = (self.start(), self.end());
            self.error(start, end, "expected an argument or a property", "not an entry");
        }
    }

    /// `prop := string node-space* '=' node-space* value`
    fn property(&mut self) {
        let key = self.start();
        self.open(K::Prop);
        self.bump();
        self.node_space();
        let eq = self.end();
        self.bump();
        self.node_space();
        if self.kind() == K::LParen {
            self.type_annotation();
            self.node_space();
        }
        if self.kind().is_value() {
            self.bump();
        } else {
            self.error(key, eq, "expected a property value", "no value after `=`");
        }
        self.close();
    }

    /// `type := '(' node-space* string node-space* ')'`
    fn type_annotation(&mut self) {
        let open = self.start();
        self.open(K::Type);
        self.bump();
        self.node_space();
        let named = self.kind().is_string();
        if named {
            self.bump();
        } else {
            let end = self.start().max(open + 1);
            self.errors.syntax_help(
                open,
                end,
                "expected a type name",
                "empty type annotation",
                "write the type between the parentheses, or remove them",
            );
        }
        self.node_space();
        if self.kind() != K::RParen {
            if named {
                let (start, end) = (self.start(), self.end());
                self.error(
                    start,
                    end,
                    "expected `)` to close the type annotation",
                    "instead of `)`",
                );
            }
            let stop = |k: SyntaxKind| {
                matches!(
                    k,
                    K::RParen
                        | K::Newline
                        | K::Semicolon
                        | K::LineComment
                        | K::Eof
                        | K::LBrace
                        | K::RBrace
                )
            };
            if !stop(self.kind()) {
                self.open(K::Error);
                while !stop(self.kind()) {
                    self.bump();
                }
                self.close();
            }
        }
        if self.kind() == K::RParen {
            self.bump();
        }
        self.close();
    }
}
