//! The `idpc` binary: runs the command line and turns a panic into an internal error (exit 101).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(idpc_cli::main_with_panic_guard(std::env::args_os()))
}
