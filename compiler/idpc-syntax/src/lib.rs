//! The syntax layer: KDL text to a tree of nodes with byte spans.
//!
//! This is the only crate that knows KDL. It turns a file into an [`ast::SourceFile`]: nodes with
//! a name, arguments, properties and children, every piece carrying its [`Span`]. What a node
//! *means* is decided downstream by the schema in `idpc-sema`.
//!
//! The pipeline is `lexer` (text to tokens) → `parser` (tokens to a lossless [`cst::SyntaxTree`]
//! holding every byte, comments included, for a formatter or a language server) → `lower` (tree
//! to [`ast`]); [`format`] writes the tree back in one canonical layout. None of it recurses on input nesting, and all of it is linear in the input.
//!
//! **Invariant:** parsing never fails and never stops at the first error. Every file yields a
//! tree, and one diagnostic per problem found (repeats merged, at most a hundred or so per file).

pub mod ast;
mod chars;
pub mod cst;
mod errors;
mod format;
mod lexer;
mod lower;
mod number;
mod parser;
mod string;

#[cfg(any(test, feature = "oracle"))]
pub mod from_kdl;
#[cfg(test)]
mod tests;

use idpc_diagnostics::{Diagnostic, FileId, Span};

pub use format::{format, format_file};

/// The result of parsing one file.
#[derive(Debug)]
pub struct Parse {
    /// The tree. Always `Some`: a file with syntax errors yields the nodes that could be read,
    /// and its `diagnostics` say what is broken. Callers that must not see a partial tree
    /// check [`Parse::has_errors`].
    pub source_file: Option<ast::SourceFile>,
    /// Syntax problems, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parse {
    /// Whether the file has syntax errors, so that `source_file` holds only what could be read.
    pub fn has_errors(&self) -> bool {
        idpc_diagnostics::has_errors(&self.diagnostics)
    }
}

/// The deepest nesting of children blocks accepted. Platform descriptions need about five levels;
/// deeper blocks are reported and skipped, which keeps every tree shallow.
pub const MAX_DEPTH: usize = 64;

/// Parses one file.
pub fn parse(file: FileId, text: &str) -> Parse {
    let (elements, diagnostics) = parse_elements(file, text);
    let source_file = lower::lower(file, cst::root(text, &elements));
    Parse { source_file: Some(source_file), diagnostics }
}

/// Lowers a syntax tree to the node tree: what is commented out is dropped, broken parts are
/// skipped (the parse reported them).
pub fn lower(file: FileId, tree: &cst::SyntaxTree) -> ast::SourceFile {
    lower::lower(file, tree.root())
}

/// Parses one file to its lossless syntax tree, with the syntax diagnostics.
pub fn parse_tree(file: FileId, text: &str) -> (cst::SyntaxTree, Vec<Diagnostic>) {
    let (elements, diagnostics) = parse_elements(file, text);
    (cst::SyntaxTree::new(text.to_owned(), elements), diagnostics)
}

fn parse_elements(file: FileId, text: &str) -> (Vec<cst::Element>, Vec<Diagnostic>) {
    if u32::try_from(text.len()).is_err() {
        let span = Span::new(file, 0, 0);
        let diagnostic = Diagnostic::new(
            idpc_diagnostics::Code::KdlSyntax,
            "the file is too large to parse (4 GiB or more)",
            span,
            "in this file",
        );
        let mut builder = cst::Builder::with_capacity(1);
        builder.start(cst::SyntaxKind::Document, 0);
        return (builder.build(), vec![diagnostic]);
    }
    let mut errors = errors::Errors::new(file, text);
    let tokens = lexer::lex(text, &mut errors);
    let elements = parser::parse(text, &tokens, &mut errors);
    drop(tokens);
    (elements, errors.finish())
}
