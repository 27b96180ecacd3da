//! `idpc completions SHELL` and `idpc man`: the completion script of a shell (clap_complete) and
//! the man page (clap_mangen), both generated from the same argument definitions.

use std::io::Write;

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::{EXIT_OK, EXIT_TROUBLE};

pub(crate) fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> u8 {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "idpc", out);
    EXIT_OK
}

pub(crate) fn man(out: &mut dyn Write) -> u8 {
    let command = Cli::command();
    let mut page = Vec::new();
    if clap_mangen::Man::new(command).render(&mut page).is_err() {
        return EXIT_TROUBLE;
    }
    let _ = out.write_all(&page);
    EXIT_OK
}
