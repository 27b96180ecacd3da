//! The syntax layer: KDL text to a tree of nodes with byte spans.
//!
//! This is the only crate that knows KDL. It turns a file into an [`ast::SourceFile`]: nodes with
//! a name, arguments, properties and children, every piece carrying its [`Span`]. What a node
//! *means* is decided downstream by the schema in `idpc-sema`, so the KDL parser can be replaced
//! without touching anything else.
//!
//! **Invariant:** parsing never fails. A file with syntax errors yields no tree and one
//! diagnostic per problem the parser found; the other files of the platform carry on.

pub mod ast;
mod depth;
mod from_kdl;

use idpc_diagnostics::{Code, Diagnostic, FileId, Span};

/// The result of parsing one file.
#[derive(Debug)]
pub struct Parse {
    /// The tree, if the file is valid KDL.
    pub source_file: Option<ast::SourceFile>,
    /// Syntax problems, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// The deepest nesting of children blocks accepted. Platform descriptions need about five levels;
/// the limit protects the recursive parser from hostile input.
pub const MAX_DEPTH: usize = 64;

/// Parses one file.
pub fn parse(file: FileId, text: &str) -> Parse {
    if let Some(offset) = depth::first_too_deep(text, MAX_DEPTH) {
        let span = Span::new(file, offset, offset + 1);
        let diagnostic = Diagnostic::new(
            Code::NestingTooDeep,
            format!("children blocks nest deeper than {MAX_DEPTH} levels"),
            span,
            "this block is too deep",
        )
        .with_help("flatten the description: no idpc node needs more than a few levels");
        return Parse { source_file: None, diagnostics: vec![diagnostic] };
    }
    from_kdl::parse(file, text)
}
