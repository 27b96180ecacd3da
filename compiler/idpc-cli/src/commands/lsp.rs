//! `idpc lsp`: the language server, on stdin and stdout, until the editor ends it.

use std::io::Write;

use crate::args::LspArgs;
use crate::report::Ctx;
use crate::{EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &LspArgs, ctx: &Ctx, err: &mut dyn Write) -> u8 {
    let config = idpc_lsp::Config {
        today: ctx.today,
        debounce: std::time::Duration::from_millis(args.debounce),
    };
    match idpc_lsp::run_stdio(config) {
        Ok(()) => EXIT_OK,
        Err(message) => {
            ctx.trouble(err, format!("the language server stopped: {message}"));
            EXIT_TROUBLE
        }
    }
}
