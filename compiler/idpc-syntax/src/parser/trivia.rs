//! Whitespace, comments and line continuations, consumed and looked ahead over.

use super::{K, Parser};
use crate::cst::SyntaxKind;

impl Parser<'_, '_, '_> {
    /// Whitespace, newlines and comments between nodes.
    pub(super) fn line_space(&mut self) {
        loop {
            match self.kind() {
                K::Whitespace | K::Newline | K::LineComment | K::BlockComment => self.bump(),
                K::Escline => self.escline(),
                _ => return,
            }
        }
    }

    /// Whitespace and comments within a node, and line continuations. Returns whether there was any.
    pub(super) fn node_space(&mut self) -> bool {
        let before = self.pos;
        loop {
            match self.kind() {
                K::Whitespace | K::BlockComment => self.bump(),
                K::Escline => self.escline(),
                _ => return self.pos > before,
            }
        }
    }

    /// `escline := '\\' ws* (single-line-comment | newline | eof)`
    pub(super) fn escline(&mut self) {
        let mut end = self.pos + 1;
        while matches!(self.kind_at(end), K::Whitespace | K::BlockComment) {
            end += 1;
        }
        if self.kind_at(end) == K::LineComment {
            end += 1;
        }
        match self.kind_at(end) {
            K::Newline => end += 1,
            K::Eof => {}
            _ => {
                let (start, stop) = (self.start(), self.end());
                self.errors.syntax_help(
                    start,
                    stop,
                    "unexpected `\\`",
                    "a line continuation must end its line",
                    "`\\` continues a node on the next line: only whitespace or a comment may follow it",
                );
                self.open(K::Error);
                self.bump();
                self.close();
                return;
            }
        }
        while self.pos < end && self.kind() != K::Eof {
            self.bump();
        }
    }

    /// The kind of the first token after trivia, from `pos`.
    pub(super) fn after_trivia(&self, mut pos: usize) -> SyntaxKind {
        while self.kind_at(pos).is_trivia() {
            pos += 1;
        }
        self.kind_at(pos)
    }

    /// The position after node-space from `pos`, for lookahead.
    pub(super) fn after_node_space(&self, mut pos: usize) -> usize {
        loop {
            match self.kind_at(pos) {
                K::Whitespace | K::BlockComment => pos += 1,
                K::Escline => {
                    let mut end = pos + 1;
                    while matches!(self.kind_at(end), K::Whitespace | K::BlockComment) {
                        end += 1;
                    }
                    if self.kind_at(end) == K::LineComment {
                        end += 1;
                    }
                    if self.kind_at(end) != K::Newline {
                        return pos;
                    }
                    pos = end + 1;
                }
                _ => return pos,
            }
        }
    }
}
