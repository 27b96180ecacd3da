//! The `idpc` binary: runs the command line and turns a panic into an internal error (exit 101).

use std::process::ExitCode;

/// Parsing, analysis and emit allocate many small values (names, trees, artifacts); mimalloc
/// serves them from per-thread pages, which halves the time spent lowering the syntax tree.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(idpc_cli::main_with_panic_guard(std::env::args_os()))
}
