//! The command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use idpc_ir::{Date, Duration, Email};

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
    /// Ephemeral environments: list those whose TTL has passed.
    Env(EnvArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The directory of the description (or a single .kdl file).
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// Also list the policy waivers in force: service, policy, owner, expiry, reason.
    #[arg(long)]
    pub(crate) waivers: bool,
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
    /// Only these artifact families (repeatable): helm, catalog, terraform, argo-rollouts, opa,
    /// grafana, prometheus, kubernetes, gitops, secrets. The files of the others stay as they are.
    #[arg(long = "target", value_name = "FAMILY")]
    pub(crate) targets: Vec<String>,
    /// Build into a directory that holds files idpc did not write: files at generated paths are
    /// taken over, every other file is left untouched and recorded as the user's.
    #[arg(long)]
    pub(crate) adopt: bool,
    /// Print how long each phase took.
    #[arg(long)]
    pub(crate) timings: bool,
}

/// Exit codes of `diff`: 0 no drift, 1 drift, 2 trouble.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The directory of the description (or a single .kdl file).
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// The committed output tree to compare with [default: `generated` inside the description's directory].
    #[arg(long, value_name = "DIR")]
    pub(crate) against: Option<PathBuf>,
    /// A directory (or file) of live state exports: `kubectl get -o yaml`, `helm get values -o yaml`,
    /// `terraform show -json`, Grafana dashboard JSON, Prometheus `/api/v1/rules`, an OPA bundle or its
    /// data. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub(crate) live: Vec<PathBuf>,
    /// A Prometheus to read the loaded rules from (`http://host:9090`).
    #[arg(long, value_name = "URL")]
    pub(crate) prometheus: Option<String>,
    /// `human` text, or one `json` document for bots.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub(crate) format: MessageFormat,
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
    /// The directory of the description (or a single .kdl file).
    #[arg(long, default_value = ".")]
    pub(crate) dir: PathBuf,
    /// `human` text, or one `json` document for editors and bots.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub(crate) format: MessageFormat,
}

/// Exit codes of `review`: 0 whatever changed (it is a report, not a check), 2 trouble.
#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    /// The directory of the description (or a single .kdl file).
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// The older version: a directory holding it, or a git revision (`HEAD~1`, `main`, a commit)
    /// of the repository the description is in. An existing directory wins over a revision.
    #[arg(long, value_name = "DIR_OR_GIT_REF")]
    pub(crate) base: PathBuf,
    /// `markdown` for a pull request, or one `json` document for bots.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Markdown)]
    pub(crate) format: ReviewFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReviewFormat {
    Markdown,
    Json,
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
    /// The directory of the description.
    #[arg(long, default_value = ".")]
    pub(crate) dir: PathBuf,
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
    /// The directory of the description.
    #[arg(long, default_value = ".")]
    pub(crate) dir: PathBuf,
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
    /// The directory of the description (or a single .kdl file).
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// The day to judge expiry on [default: today, in UTC].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = Date::parse)]
    pub(crate) at: Option<Date>,
    /// `human` text, or one `json` document for bots.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub(crate) format: MessageFormat,
    /// Exit 1 when any environment has expired.
    #[arg(long)]
    pub(crate) fail_if_any: bool,
}

fn parse_email(text: &str) -> Result<String, String> {
    Email::parse(text).map(|email| email.to_string())
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
