//! The command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use idpc_ir::{Date, Duration, Email};

/// idpc compiles a platform description into the artifacts its tools consume.
#[derive(Debug, Parser)]
#[command(name = "idpc", version = crate::version::SHORT, long_version = crate::version::LONG, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// When to colour diagnostics [default: auto: on a terminal, unless `NO_COLOR` is set; also
    /// when `FORCE_COLOR` or `CLICOLOR_FORCE` is set].
    #[arg(long, value_enum, global = true)]
    pub(crate) color: Option<ColorChoice>,
    /// How to print. Diagnostics (check, build, new, diff): `human` (text for a terminal, rustc's
    /// layout elsewhere), `short` (one line each), `json` (versioned lines), `github` (workflow
    /// commands: annotations) or `sarif` (SARIF 2.1.0). Reports: `json` (why, env expired, diff,
    /// review, graph), `markdown` (review), `dot` or `mermaid` (graph).
    #[arg(
        long,
        value_enum,
        global = true,
        visible_alias = "message-format",
        value_name = "FORMAT"
    )]
    pub(crate) format: Option<Format>,
    /// The description's directory, in every command; by default the one found from the current
    /// directory: the nearest directory at or above it that declares the `platform` node.
    #[arg(long, short = 'C', global = true, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// The date waivers and ephemeral environments are judged by (YYYY-MM-DD) [default: the
    /// `IDPC_TODAY` environment variable, else the system's date in UTC].
    #[arg(long, value_name = "DATE", value_parser = parse_date, global = true)]
    pub(crate) today: Option<Date>,
}

/// A `YYYY-MM-DD` date on the command line.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text)
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check a platform description and report every problem.
    Check(CheckArgs),
    /// Compile a platform description and write its artifacts.
    Build(BuildArgs),
    /// Rewrite .kdl files in the one canonical layout, or check that they are.
    Fmt(FmtArgs),
    /// Compare what the description compiles to with the committed tree or with live state.
    Diff(DiffArgs),
    /// Summarise what changed in the model since an older version, for a pull request.
    Review(ReviewArgs),
    /// Explain a diagnostic code, or list every code.
    Explain(ExplainArgs),
    /// Show where a service's value in an environment comes from and what it overrode.
    Why(WhyArgs),
    /// Add a service or an ephemeral environment, from the platform's templates.
    New(NewArgs),
    /// Add services, teams and systems from Score workloads or a Backstage catalog.
    Import(ImportArgs),
    /// Ephemeral environments: list those whose TTL has passed.
    Env(EnvArgs),
    /// Draw the services, their dependencies, teams and resources, or what depends on a service.
    Graph(GraphArgs),
    /// Create a new platform description that passes `idpc check`.
    Init(InitArgs),
    /// Print a shell's completion script for idpc.
    Completions(CompletionsArgs),
    /// Print idpc's man page (roff).
    Man,
    /// Serve editors over the Language Server Protocol on stdin and stdout.
    Lsp(LspArgs),
}

/// `idpc lsp`.
#[derive(Debug, Args)]
pub(crate) struct LspArgs {
    /// Milliseconds to wait after the last edit before publishing diagnostics.
    #[arg(long, default_value_t = 50, value_name = "MS")]
    pub(crate) debounce: u64,
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    /// The directory of the description [default: found from the current directory].
    pub(crate) path: Option<PathBuf>,
    /// Only this service and what it depends on, and what depends on it.
    #[arg(long, value_name = "SERVICE")]
    pub(crate) service: Option<String>,
    /// What depends on this service, directly or not, in each environment.
    #[arg(long, value_name = "SERVICE", conflicts_with = "service")]
    pub(crate) impact: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Where to create it; it must not hold a description yet.
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// The platform's name [default: the directory's name].
    #[arg(long)]
    pub(crate) name: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct FmtArgs {
    /// Files, or directories whose .kdl files to format (skipping hidden directories and output
    /// trees) [default: the description found from the current directory].
    pub(crate) paths: Vec<PathBuf>,
    /// Write nothing: name each file that is not formatted and exit with 1 if there is any.
    #[arg(long)]
    pub(crate) check: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The directory of the description (or a single .kdl file) [default: found from the
    /// current directory].
    pub(crate) path: Option<PathBuf>,
    /// Also list the policy waivers in force: service, policy, owner, expiry, reason.
    #[arg(long)]
    pub(crate) waivers: bool,
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// The directory of the description (or a single .kdl file) [default: found from the
    /// current directory].
    pub(crate) path: Option<PathBuf>,
    /// Where to write the artifacts [default: `generated` inside the description's directory].
    #[arg(long, short)]
    pub(crate) out: Option<PathBuf>,
    /// Write nothing; exit 1 if the output directory differs from what would be written.
    #[arg(long, conflicts_with = "adopt")]
    pub(crate) check: bool,
    /// Only these artifact families (repeatable, or separated by commas). The files of the
    /// others stay as they are.
    #[arg(long = "target", value_name = "FAMILY", value_parser = family_names(), value_delimiter = ',')]
    pub(crate) targets: Vec<String>,
    /// Build into a directory that holds files idpc did not write: files at generated paths are
    /// taken over, every other file is left untouched and recorded as the user's.
    #[arg(long)]
    pub(crate) adopt: bool,
    /// Make every artifact and replace the whole tree in one step, even after an edit that a
    /// build could apply file by file.
    #[arg(long, conflicts_with = "check")]
    pub(crate) full: bool,
    /// Print how long each phase took.
    #[arg(long)]
    pub(crate) timings: bool,
}

/// Exit codes of `diff`: 0 no drift, 1 drift, 2 trouble.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The directory of the description (or a single .kdl file) [default: found from the
    /// current directory].
    pub(crate) path: Option<PathBuf>,
    /// The committed output tree to compare with [default: `generated` inside the description's directory].
    #[arg(long, value_name = "DIR", conflicts_with_all = ["live", "prometheus"])]
    pub(crate) against: Option<PathBuf>,
    /// A directory (or file) of live state exports: `kubectl get -o yaml`, `helm get values -o yaml`,
    /// `terraform show -json`, Grafana dashboard JSON, Prometheus `/api/v1/rules`, an OPA bundle or its
    /// data. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub(crate) live: Vec<PathBuf>,
    /// A Prometheus to read the loaded rules from (`http://host:9090`).
    #[arg(long, value_name = "URL")]
    pub(crate) prometheus: Option<String>,
    /// Also list the differences that normalisation rules suppressed, with the rule.
    #[arg(long)]
    pub(crate) show_suppressed: bool,
}

/// Exit codes of `why`: 0 shown, 1 errors in the description, 2 no such service, environment or
/// field.
#[derive(Debug, Args)]
pub(crate) struct WhyArgs {
    /// The service.
    pub(crate) service: String,
    /// The environment.
    pub(crate) environment: String,
    /// A field such as `replicas`, `limits.memory`, `env.LOG_LEVEL` or `resource.db.storage`, or
    /// a prefix such as `resource.db` [default: every field].
    pub(crate) field: Option<String>,
}

/// Exit codes of `review`: 0 whatever changed (it is a report, not a check), 2 trouble.
#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    /// The directory of the description (or a single .kdl file) [default: found from the
    /// current directory].
    pub(crate) path: Option<PathBuf>,
    /// The older version: a directory holding it, or a git revision (`HEAD~1`, `main`, a commit)
    /// of the repository the description is in. An existing directory wins over a revision.
    #[arg(long, value_name = "DIR_OR_GIT_REF")]
    pub(crate) base: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// A code such as `E0202`, or its name such as `unknown-reference`.
    pub(crate) code: Option<String>,
}

/// Exit codes of `new`: 0 written, 1 errors in the description (or in it with the new file),
/// 2 refused or trouble.
#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    #[command(subcommand)]
    pub(crate) what: NewCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum NewCommand {
    /// A service from the golden-path template, written to `services/NAME.kdl`.
    Service(NewServiceArgs),
    /// An ephemeral copy of an environment, written to `environments/NAME.kdl`.
    Environment(NewEnvironmentArgs),
}

#[derive(Debug, Args)]
pub(crate) struct NewServiceArgs {
    /// The service's name: lower-case letters, digits and `-`.
    pub(crate) name: String,
    /// The team that owns it.
    #[arg(long)]
    pub(crate) team: String,
    /// A kind of resource it needs, such as `postgres` or `redis` (repeatable).
    #[arg(long = "kind", value_name = "KIND")]
    pub(crate) kinds: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct NewEnvironmentArgs {
    /// The environment's name: lower-case letters, digits and `-`.
    pub(crate) name: String,
    /// The long-lived environment it copies.
    #[arg(long, value_name = "ENV")]
    pub(crate) from: String,
    /// Who is responsible for it.
    #[arg(long, value_name = "EMAIL", value_parser = parse_email)]
    pub(crate) owner: String,
    /// How long it lives, such as `7d`.
    #[arg(long, value_name = "DURATION", value_parser = Duration::parse)]
    pub(crate) ttl: Duration,
    /// When it is created [default: today, in UTC].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = Date::parse)]
    pub(crate) created: Option<Date>,
}

/// Exit codes of `import`: 0 written, 1 errors in the description (or in it with the new files),
/// 2 refused or trouble.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    #[command(subcommand)]
    pub(crate) what: ImportCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
    /// Score workloads (`score.dev/v1b1`), each a service in `services/NAME.kdl`.
    Score(ImportFilesArgs),
    /// Backstage catalog files: groups as teams, systems, and components of type `service`.
    Backstage(ImportFilesArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ImportFilesArgs {
    /// The files to import.
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// The team that owns what is imported: required for Score, which names no owner; for
    /// Backstage, the owner of entities without `spec.owner`.
    #[arg(long)]
    pub(crate) team: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct EnvArgs {
    #[command(subcommand)]
    pub(crate) what: EnvCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EnvCommand {
    /// List the ephemeral environments whose TTL has passed, for a cleanup job.
    Expired(ExpiredArgs),
}

/// Exit codes of `env expired`: 0 listed (even when some expired), 1 some expired with
/// `--fail-if-any`, 2 errors in the description or trouble.
#[derive(Debug, Args)]
pub(crate) struct ExpiredArgs {
    /// The directory of the description (or a single .kdl file) [default: found from the
    /// current directory].
    pub(crate) path: Option<PathBuf>,
    /// The day to judge expiry on [default: today, in UTC].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = Date::parse)]
    pub(crate) at: Option<Date>,
    /// Exit 1 when any environment has expired.
    #[arg(long)]
    pub(crate) fail_if_any: bool,
}

fn parse_email(text: &str) -> Result<String, String> {
    Email::parse(text).map(|email| email.to_string())
}

/// The artifact families `--target` accepts.
fn family_names() -> clap::builder::PossibleValuesParser {
    let names: Vec<&'static str> = idpc_driver::Family::ALL.iter().map(|f| f.name()).collect();
    clap::builder::PossibleValuesParser::new(names)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Every format of `--format`; each command accepts some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Human,
    Short,
    Json,
    Github,
    Sarif,
    Markdown,
    Dot,
    Mermaid,
}

impl Format {
    /// The name as written on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Short => "short",
            Format::Json => "json",
            Format::Github => "github",
            Format::Sarif => "sarif",
            Format::Markdown => "markdown",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
        }
    }
}

/// The formats of commands that print diagnostics.
pub(crate) const DIAGNOSTIC_FORMATS: &[Format] =
    &[Format::Human, Format::Short, Format::Json, Format::Github, Format::Sarif];
