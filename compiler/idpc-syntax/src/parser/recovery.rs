//! Recovery from unclosed children blocks: closing them at a dedented line, or at the end.

use super::{Frame, K, Parser};
use crate::cst::SyntaxKind;

impl Parser<'_, '_, '_> {
    pub(super) fn first_on_line(&self) -> bool {
        let pos = self.pos;
        let before = |n: usize| pos.checked_sub(n).map(|p| self.kinds[p]);
        match before(1) {
            None | Some(K::Newline | K::Bom) => true,
            Some(K::Whitespace) => matches!(before(2), None | Some(K::Newline | K::Bom)),
            _ => false,
        }
    }

    /// The indentation of the current token, first on its line.
    pub(super) fn indent(&self) -> u32 {
        match self.pos.checked_sub(1).map(|p| self.kinds[p]) {
            Some(K::Whitespace) => self.starts[self.pos] - self.starts[self.pos - 1],
            _ => 0,
        }
    }

    /// In a file with unclosed blocks, closes the blocks a dedented line leaves.
    pub(super) fn close_dedented(&mut self, kind: SyntaxKind) {
        let indent = self.indent();
        while self.unclosed > 0 {
            let Some(frame) = self.frames.last() else { break };
            let dedented = if kind == K::RBrace {
                indent < frame.node.indent
            } else {
                indent <= frame.node.indent
            };
            if !dedented {
                break;
            }
            self.unclosed -= 1;
            if let Some(frame) = self.frames.pop() {
                self.close_unclosed(frame);
            }
        }
    }

    /// Closes the blocks still open at the end of the file, in one diagnostic.
    pub(super) fn close_all_at_end(&mut self) {
        let Some(innermost) = self.frames.last() else { return };
        let open = innermost.open;
        let count = self.frames.len();
        let message = if count == 1 {
            "unclosed children block".to_owned()
        } else {
            format!("{count} children blocks are not closed")
        };
        self.errors.syntax_help(
            open,
            open + 1,
            &message,
            "this `{` has no matching `}`",
            "add the `}` where the block ends",
        );
        while let Some(frame) = self.frames.pop() {
            self.close_block_early(frame);
        }
    }

    /// Closes a block that has no `}`, and its node.
    pub(super) fn close_unclosed(&mut self, frame: Frame) {
        self.errors.syntax_help(
            frame.open,
            frame.open + 1,
            "unclosed children block",
            "this `{` has no matching `}`",
            "add the `}` where the block ends",
        );
        self.close_block_early(frame);
    }

    pub(super) fn close_block_early(&mut self, frame: Frame) {
        self.close();
        if frame.slashdashed {
            self.close();
        }
        self.finish_node(frame.node);
    }
}
