//! The `idpc` command line: argument parsing, the commands, rendering and exit codes.
//!
//! Everything runs through [`run`], which writes to the writers it is given, so tests call the
//! command line in-process. Exit codes: 0 success; 1 errors in the description (or, for
//! `build --check`, a stale output tree; for `env expired --fail-if-any`, expired environments);
//! 2 usage or I/O trouble, or a request `new` refuses; 101 an internal error.

mod args;
mod commands;
mod report;

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the description has errors, or the output is stale.
pub const EXIT_ERRORS: u8 = 1;
/// Exit code: usage or I/O trouble.
pub const EXIT_TROUBLE: u8 = 2;
/// Exit code: a bug in idpc.
pub const EXIT_INTERNAL: u8 = 101;

/// Runs the command line with `argv` (the first item is the program name) and returns the exit
/// code. Text for people goes to `err`; machine output (JSON, generated text) to `out`.
pub fn run(
    argv: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    run_with_color(argv, out, err, false)
}

/// [`run`], with coloured diagnostics when `color` is set and the user did not ask otherwise.
pub fn run_with_color(
    argv: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    color: bool,
) -> u8 {
    let cli = match args::Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(error) => {
            let text = error.render().to_string();
            if error.use_stderr() {
                let _ = err.write_all(text.as_bytes());
                return EXIT_TROUBLE;
            }
            let _ = out.write_all(text.as_bytes());
            return EXIT_OK;
        }
    };
    let today = match cli.today {
        Some(date) => date,
        None => match std::env::var("IDPC_TODAY") {
            Ok(text) => match args::parse_date(&text) {
                Ok(date) => date,
                Err(error) => {
                    let _ = writeln!(err, "error: IDPC_TODAY: {error}");
                    return EXIT_TROUBLE;
                }
            },
            Err(_) => idpc_driver::today(),
        },
    };
    let ctx = report::Ctx { color: cli.color.enabled(color), format: cli.message_format, today };
    let result = match cli.command {
        args::Command::Check(a) => commands::check::run(&a, &ctx, out, err),
        args::Command::Build(a) => commands::build::run(&a, &ctx, out, err),
        args::Command::Diff(a) => commands::diff::run(&a, &ctx, out, err),
        args::Command::Review(a) => commands::review::run(&a, &ctx, out, err),
        args::Command::Explain(a) => commands::explain::run(&a, out, err),
        args::Command::Why(a) => commands::why::run(&a, &ctx, out, err),
        args::Command::New(a) => commands::new::run(&a, &ctx, out, err),
        args::Command::Env(a) => commands::env::run(&a, &ctx, out, err),
    };
    let _ = out.flush();
    let _ = err.flush();
    result
}

/// Runs the command line on the real process streams and reports a panic as an internal error.
pub fn main_with_panic_guard(argv: impl IntoIterator<Item = OsString>, color: bool) -> u8 {
    let argv: Vec<OsString> = argv.into_iter().collect();
    std::panic::set_hook(Box::new(|info| {
        let mut stderr = std::io::stderr();
        let _ = writeln!(
            stderr,
            "internal error: {info}\nthis is a bug in idpc; please report it with the input that caused it"
        );
    }));
    let outcome = std::panic::catch_unwind(|| {
        let mut out = std::io::stdout().lock();
        let mut err = std::io::stderr().lock();
        run_with_color(argv, &mut out, &mut err, color)
    });
    outcome.unwrap_or(EXIT_INTERNAL)
}
