//! The `idpc` command line: argument parsing, the commands, rendering and exit codes.
//!
//! Everything runs through [`run`] (or [`run_in`]), which writes to the writers it is given, so
//! tests call the command line in-process. Exit codes: 0 success; 1 errors in the description
//! (or, for `build --check`, a stale output tree; for `fmt --check`, a file not formatted; for `env expired --fail-if-any`, expired
//! environments); 2 usage or I/O trouble, or a request `new` refuses; 101 an internal error.

mod args;
mod commands;
mod progress;
mod report;
mod version;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

use crate::args::{Command, Format};

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the description has errors, or the output is stale.
pub const EXIT_ERRORS: u8 = 1;
/// Exit code: usage or I/O trouble.
pub const EXIT_TROUBLE: u8 = 2;
/// Exit code: a bug in idpc.
pub const EXIT_INTERNAL: u8 = 101;

/// What the command line knows of the process it runs in. [`Surroundings::default`] is a
/// pipe with no colour variables, paths shown relative to the description's root.
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    /// The directory paths in diagnostics are shown relative to (the current directory);
    /// `None` shows them relative to the description's root.
    pub cwd: Option<PathBuf>,
    /// Whether standard error is a terminal: diagnostics are then drawn for people.
    pub terminal: bool,
    /// `NO_COLOR` is set (and not empty).
    pub no_color: bool,
    /// `FORCE_COLOR` or `CLICOLOR_FORCE` is set (and neither empty nor `0`).
    pub force_color: bool,
    /// The process ends with the command: what a compile made is left for the exit to reclaim
    /// rather than freed value by value (tens of milliseconds at 10,000 services).
    pub exits: bool,
}

impl Surroundings {
    /// The surroundings of this process: its current directory, whether standard error is a
    /// terminal, and the colour variables.
    pub fn of_process() -> Surroundings {
        use std::io::IsTerminal;
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let forced = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        Surroundings {
            cwd: std::env::current_dir().ok(),
            terminal: std::io::stderr().is_terminal(),
            no_color: set("NO_COLOR"),
            force_color: forced("FORCE_COLOR") || forced("CLICOLOR_FORCE"),
            exits: true,
        }
    }

    /// Whether to colour, when the user chose `choice` (`--color`): the flag, then `NO_COLOR`,
    /// then `FORCE_COLOR`/`CLICOLOR_FORCE`, then whether standard error is a terminal.
    fn color(&self, choice: Option<args::ColorChoice>) -> bool {
        match choice {
            Some(args::ColorChoice::Always) => true,
            Some(args::ColorChoice::Never) => false,
            Some(args::ColorChoice::Auto) | None => {
                !self.no_color && (self.force_color || self.terminal)
            }
        }
    }
}

/// Runs the command line with `argv` (the first item is the program name) and returns the exit
/// code, in the default [`Surroundings`]. Text for people goes to `err`; machine output (JSON,
/// generated text) to `out`.
pub fn run(
    argv: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    run_in(argv, &Surroundings::default(), out, err)
}

/// [`run`] in the given surroundings.
pub fn run_in(
    argv: impl IntoIterator<Item = OsString>,
    surroundings: &Surroundings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut cli = match args::Cli::try_parse_from(argv) {
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
    let (allowed, default) = formats(&cli.command);
    let format = match cli.format {
        None => default,
        Some(format) if allowed.contains(&format) => format,
        Some(format) => {
            let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
            let _ = writeln!(
                err,
                "error: `--format {}` does not apply to `idpc {}`{}",
                format.name(),
                command_name(&cli.command),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(": it prints {}", names.join(", "))
                }
            );
            return EXIT_TROUBLE;
        }
    };
    let graphical = surroundings.terminal && format == Format::Human;
    let ctx = report::Ctx::new(
        surroundings.color(cli.color),
        graphical,
        format,
        today,
        surroundings.cwd.clone(),
        command_name(&cli.command),
        surroundings.exits,
    );
    if matches!(&cli.command, Command::Build(build) if !build.check) {
        // The build looks at its output tree in the background: the thread that will is
        // started now, before the description is located.
        idpc_driver::ready_to_look();
    }
    let code = match report::locate(&mut cli, &ctx, err) {
        Ok(()) => dispatch(cli.command, &ctx, out, err),
        Err(code) => code,
    };
    ctx.finish(code, out);
    let _ = out.flush();
    let _ = err.flush();
    code
}

fn dispatch(command: Command, ctx: &report::Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match command {
        Command::Check(a) => commands::check::run(&a, ctx, out, err),
        Command::Build(a) => commands::build::run(&a, ctx, out, err),
        Command::Fmt(a) => commands::fmt::run(&a, ctx, out, err),
        Command::Diff(a) => commands::diff::run(&a, ctx, out, err),
        Command::Review(a) => commands::review::run(&a, ctx, out, err),
        Command::Explain(a) => commands::explain::run(&a, ctx, out, err),
        Command::Why(a) => commands::why::run(&a, ctx, out, err),
        Command::New(a) => commands::new::run(&a, ctx, out, err),
        Command::Import(a) => commands::import::run(&a, ctx, out, err),
        Command::Env(a) => commands::env::run(&a, ctx, out, err),
        Command::Graph(a) => commands::graph::run(&a, ctx, out, err),
        Command::Init(a) => commands::init::run(&a, ctx, out, err),
        Command::Completions(a) => commands::shell::completions(&a, out),
        Command::Man => commands::shell::man(out),
        Command::Lsp(a) => commands::lsp::run(&a, ctx, err),
    }
}

/// The formats a command prints, and its default.
fn formats(command: &Command) -> (&'static [Format], Format) {
    match command {
        Command::Check(_)
        | Command::Build(_)
        | Command::Fmt(_)
        | Command::New(_)
        | Command::Import(_)
        | Command::Init(_) => (args::DIAGNOSTIC_FORMATS, Format::Human),
        Command::Diff(_) => (args::DIAGNOSTIC_FORMATS, Format::Human),
        Command::Why(_) | Command::Env(_) | Command::Explain(_) => {
            (&[Format::Human, Format::Json], Format::Human)
        }
        Command::Review(_) => (&[Format::Markdown, Format::Json], Format::Markdown),
        Command::Graph(a) => {
            let default = if a.impact.is_some() { Format::Human } else { Format::Dot };
            (&[Format::Dot, Format::Mermaid, Format::Json, Format::Human], default)
        }
        Command::Completions(_) | Command::Man | Command::Lsp(_) => (&[], Format::Human),
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Check(_) => "check",
        Command::Build(_) => "build",
        Command::Fmt(_) => "fmt",
        Command::Diff(_) => "diff",
        Command::Review(_) => "review",
        Command::Explain(_) => "explain",
        Command::Why(_) => "why",
        Command::New(_) => "new",
        Command::Import(a) => match a.what {
            args::ImportCommand::Score(_) => "import score",
            args::ImportCommand::Backstage(_) => "import backstage",
        },
        Command::Env(_) => "env expired",
        Command::Graph(_) => "graph",
        Command::Init(_) => "init",
        Command::Completions(_) => "completions",
        Command::Man => "man",
        Command::Lsp(_) => "lsp",
    }
}

/// Runs the command line on the real process streams and reports a panic as an internal error.
pub fn main_with_panic_guard(argv: impl IntoIterator<Item = OsString>) -> u8 {
    let argv: Vec<OsString> = argv.into_iter().collect();
    std::panic::set_hook(Box::new(|info| {
        let mut stderr = std::io::stderr();
        let _ = writeln!(
            stderr,
            "internal error: {info}\nthis is a bug in idpc; please report it with the input that caused it"
        );
    }));
    let surroundings = Surroundings::of_process();
    let outcome = std::panic::catch_unwind(|| {
        // Not locked for the whole run: `idpc lsp` writes to stdout from its own thread.
        let mut out = std::io::stdout();
        let mut err = std::io::stderr();
        run_in(argv, &surroundings, &mut out, &mut err)
    });
    outcome.unwrap_or(EXIT_INTERNAL)
}
