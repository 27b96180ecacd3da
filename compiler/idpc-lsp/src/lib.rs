//! `idpc lsp`: a language server over stdio for platform descriptions.
//!
//! It keeps one [`idpc_query::Database`] per description (found from each opened file the way
//! the command line finds it), feeds it the editor's unsaved texts, and answers with the query
//! layer: diagnostics for the whole platform (published after typing stops, policies
//! included), hover, definition (with the service's generated files), references, completion,
//! rename, symbols, semantic tokens, quick fixes and formatting.
//!
//! The transport is `lsp-server`: a synchronous loop over a channel, which fits a server whose
//! every answer comes from one in-memory snapshot.

mod convert;
mod handlers;
mod server;

use idpc_ir::Date;
use lsp_server::Connection;

/// How the server runs.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The day waivers are judged by.
    pub today: Date,
    /// How long after the last edit diagnostics are published.
    pub debounce: std::time::Duration,
}

/// Serves one client over stdin and stdout until it exits.
pub fn run_stdio(config: Config) -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    serve(connection, config)?;
    threads.join().map_err(|e| e.to_string())
}

/// Serves one client over a connection until it exits.
pub fn serve(connection: Connection, config: Config) -> Result<(), String> {
    server::Server::start(connection, config)?.run()
}
