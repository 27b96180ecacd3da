//! One module per subcommand.

pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod diff;
pub(crate) mod env;
pub(crate) mod explain;
pub(crate) mod fmt;
pub(crate) mod graph;
pub(crate) mod import;
pub(crate) mod init;
pub(crate) mod lsp;
pub(crate) mod new;
pub(crate) mod review;
pub(crate) mod shell;
pub(crate) mod why;
