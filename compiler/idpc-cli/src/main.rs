//! The `idpc` binary: runs the command line and turns a panic into an internal error (exit 101).

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let code = idpc_cli::main_with_panic_guard(std::env::args_os(), color);
    ExitCode::from(code)
}
