//! Tests of the whole crate: the KDL conformance suite, agreement with the `kdl` crate, recovery
//! from errors, and hostile input.

mod differential;
mod format;
mod generate;
mod print;
mod recovery;
mod robustness;
mod spec;

use idpc_diagnostics::{Diagnostic, FileId};

use crate::cst::SyntaxTree;

/// Parses `text`, checking the tree holds every byte exactly once, in order.
pub(crate) fn parse_checked(text: &str) -> (SyntaxTree, Vec<Diagnostic>) {
    let (tree, diagnostics) = crate::parse_tree(FileId(0), text);
    assert_eq!(tree.text(), text);
    let mut at = 0;
    for token in tree.tokens() {
        assert_eq!(token.range().start, at, "tokens must tile the text: {:?}", token.kind());
        at = token.range().end;
    }
    assert_eq!(at, text.len(), "the tokens must cover the text");
    (tree, diagnostics)
}
