//! The command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// idpc compiles a platform description into the artifacts its tools consume.
#[derive(Debug, Parser)]
#[command(name = "idpc", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,
    /// How to print diagnostics: `human` text or `json` lines on standard output.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    pub(crate) message_format: MessageFormat,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check a platform description and report every problem.
    Check(CheckArgs),
    /// Compile a platform description and write its artifacts.
    Build(BuildArgs),
    /// Explain a diagnostic code, or list every code.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The directory of the description (or a single .kdl file).
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// The directory of the description (or a single .kdl file).
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// Where to write the artifacts [default: `generated` inside the description's directory].
    #[arg(long, short)]
    pub(crate) out: Option<PathBuf>,
    /// Write nothing; exit 1 if the output directory differs from what would be written.
    #[arg(long)]
    pub(crate) check: bool,
    /// Only these artifact families (repeatable): helm, catalog, terraform.
    #[arg(long = "target", value_name = "FAMILY")]
    pub(crate) targets: Vec<String>,
    /// Print how long each phase took.
    #[arg(long)]
    pub(crate) timings: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// A code such as `E0202`, or its name such as `unknown-reference`.
    pub(crate) code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub(crate) fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Auto => terminal,
            ColorChoice::Always => true,
            ColorChoice::Never => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MessageFormat {
    Human,
    Json,
}
