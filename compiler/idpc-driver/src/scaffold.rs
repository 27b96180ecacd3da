//! Scaffolding: a new service or ephemeral environment from a template, checked before it is
//! written.
//!
//! [`plan`] reads the description, checks the request against it (refusing unknown teams, kinds
//! and base environments, names taken or not DNS labels, files that exist), renders the
//! platform's own template (`scaffold/<what>.kdl.hbs` in its directory) or the embedded default,
//! and compiles the whole description with the new file and makes every artifact in memory, each dropped as it is made. [`write`] then
//! writes the file, never replacing one. Nothing is written unless the description with the new
//! file has no error.

mod context;
mod template;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use idpc_diagnostics::{Code, Diagnostic, Sources, Span, did_you_mean};
use idpc_ir::{Date, Duration, Platform, validate_dns_label};

use crate::pipeline::{Compilation, EmitError, Options, compile_with, emit_each};
use crate::workspace::{LoadError, SourceText, load};
use crate::{Family, stdlib};

pub use template::{escape, literal};

/// `idpc new service`: a service owned by `team` with a resource of each of `kinds`.
#[derive(Debug, Clone)]
pub struct ServiceRequest {
    /// The service's name.
    pub name: String,
    /// The owning team.
    pub team: String,
    /// The kinds of the resources it needs, in the order given.
    pub kinds: Vec<String>,
    /// Today, for fields of type date that a kind requires.
    pub today: Date,
}

/// `idpc new environment`: an ephemeral copy of `from`.
#[derive(Debug, Clone)]
pub struct EnvironmentRequest {
    /// The environment's name.
    pub name: String,
    /// The long-lived environment it copies.
    pub from: String,
    /// Who is responsible for it.
    pub owner: String,
    /// How long it lives.
    pub ttl: Duration,
    /// When it is created.
    pub created: Date,
}

/// What to scaffold.
#[derive(Debug, Clone)]
pub enum Request {
    /// A service.
    Service(ServiceRequest),
    /// An ephemeral environment.
    Environment(EnvironmentRequest),
}

impl Request {
    fn name(&self) -> &str {
        match self {
            Request::Service(r) => &r.name,
            Request::Environment(r) => &r.name,
        }
    }

    /// `service` or `environment`: the template's name, the declaration and the message word.
    fn what(&self) -> &'static str {
        match self {
            Request::Service(_) => "service",
            Request::Environment(_) => "environment",
        }
    }

    /// Where the new file goes, relative to the description's directory.
    fn display_path(&self) -> String {
        match self {
            Request::Service(r) => format!("services/{}.kdl", r.name),
            Request::Environment(r) => format!("environments/{}.kdl", r.name),
        }
    }
}

/// A new file, rendered and compiled with the rest of the description, not yet written.
#[derive(Debug)]
pub struct Plan {
    /// Where it is written.
    pub path: PathBuf,
    /// Its path relative to the description's directory.
    pub display: String,
    /// Its text.
    pub text: String,
    /// The display path of the template it was rendered from.
    pub template: String,
    /// The description with the new file (warnings included).
    pub compilation: Compilation,
}

/// Why nothing can be scaffolded.
#[derive(Debug)]
pub enum ScaffoldError {
    /// The description cannot be read.
    Load(LoadError),
    /// The request does not fit the description; nothing was rendered.
    Refused(Vec<Refusal>),
    /// The description has errors already.
    Broken {
        /// Its problems.
        diagnostics: Vec<Diagnostic>,
        /// The sources they point into.
        sources: Sources,
    },
    /// The template does not render, or the description with the new file has errors.
    Rejected {
        /// What is wrong.
        diagnostics: Vec<Diagnostic>,
        /// The sources they point into.
        sources: Sources,
    },
    /// The artifacts cannot be generated for a reason that is a bug in idpc.
    Internal(String),
}

/// One reason a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What is wrong, lower-case.
    pub message: String,
    /// What to do instead, if there is something to say.
    pub help: Option<String>,
}

impl Refusal {
    fn new(message: impl Into<String>, help: Option<String>) -> Refusal {
        Refusal { message: message.into(), help }
    }
}

/// Prepares the new file for `request` in the description at `dir`, without writing anything.
pub fn plan(dir: &Path, request: &Request, options: Options) -> Result<Plan, ScaffoldError> {
    let loaded = load(dir, None).map_err(ScaffoldError::Load)?;
    let base = compile_with(&loaded.files, options);
    let Some(platform) = base.platform.as_ref() else {
        return Err(ScaffoldError::Broken { diagnostics: base.diagnostics, sources: base.sources });
    };
    let display = request.display_path();
    let path = display.split('/').fold(loaded.root.clone(), |path, part| path.join(part));
    let (data, mut refusals) = match request {
        Request::Service(r) => service_context(platform, &base.sources, r),
        Request::Environment(r) => environment_context(platform, &base.sources, r),
    };
    if std::fs::symlink_metadata(&path).is_ok() {
        refusals.push(Refusal::new(
            format!("`{}` already exists", path.display()),
            Some("nothing is ever overwritten: move the file or choose another name".to_owned()),
        ));
    }
    let data = match data {
        Some(data) if refusals.is_empty() => data,
        _ => return Err(ScaffoldError::Refused(refusals)),
    };

    // The platform's template, read with the description, or the embedded one.
    let own = format!("scaffold/{}.kdl.hbs", request.what());
    let mut sources = base.sources.clone();
    let (template_path, template_text) = match loaded.files.iter().find(|f| f.path == own) {
        Some(file) => (file.path.clone(), file.text.clone()),
        None => {
            let embedded = format!("<stdlib>/{own}");
            let text = stdlib::SCAFFOLD
                .iter()
                .find(|(p, _)| *p == embedded)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| ScaffoldError::Internal(format!("`{embedded}` is not embedded")))?;
            (embedded, text)
        }
    };
    let found = sources.iter().find(|(_, f)| f.path == template_path).map(|(file, _)| file);
    let file = match found {
        Some(file) => file,
        None => sources.add(template_path.clone(), template_text.as_str()),
    };
    let template = template::Template { path: &template_path, text: &template_text, file };
    let text = template::render(&template, &data)
        .map_err(|d| ScaffoldError::Rejected { diagnostics: vec![d], sources: sources.clone() })?;

    // The whole description with the new file, compiled and emitted.
    let mut files = loaded.files.clone();
    files.push(SourceText { path: display.clone(), text: text.clone(), invalid_utf8_at: None });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let compilation = compile_with(&files, options);
    let Some(platform) = compilation.platform.as_ref() else {
        return Err(ScaffoldError::Rejected {
            diagnostics: compilation.diagnostics,
            sources: compilation.sources,
        });
    };
    if !declares(platform, request, &display) {
        let first_line = template_text.find('\n').unwrap_or(template_text.len());
        let diagnostic = Diagnostic::new(
            Code::TemplateError,
            format!(
                "scaffold template `{template_path}` does not declare {} `{}`",
                request.what(),
                request.name()
            ),
            Span::new(file, 0, first_line),
            "rendered from this template",
        )
        .with_help(format!(
            "the template must render a `{}` node named `{{{{name}}}}`",
            request.what()
        ));
        return Err(ScaffoldError::Rejected { diagnostics: vec![diagnostic], sources });
    }
    // Every artifact is made, to find what only rendering finds, and dropped as it is made.
    match emit_each(platform, Family::ALL, &drop) {
        Ok(()) => {}
        Err(EmitError::Diagnostics(diagnostics)) => {
            return Err(ScaffoldError::Rejected { diagnostics, sources: compilation.sources });
        }
        Err(EmitError::Internal(message)) => return Err(ScaffoldError::Internal(message)),
    }
    Ok(Plan { path, display, text, template: template_path, compilation })
}

/// Writes the planned file, creating its directory. An existing file is never replaced: the text
/// goes to a temporary file beside it that is then linked into place only if the name is free.
pub fn write(plan: &Plan) -> std::io::Result<()> {
    let dir = plan.path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(plan.text.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist_noclobber(&plan.path).map_err(|e| e.error)?;
    Ok(())
}

/// Whether the compiled platform declares the requested service or environment in the new file.
fn declares(platform: &Platform, request: &Request, display: &str) -> bool {
    let file = |id| platform.file_path(id) == display;
    match request {
        Request::Service(r) => platform.services.iter().any(|s| s.name == r.name && file(s.file)),
        Request::Environment(r) => {
            platform.environments.iter().any(|e| e.name == r.name && file(e.file))
        }
    }
}

/// Where a declaration is, as `services/payments.kdl:3`.
fn declared_at(sources: &Sources, span: Span) -> String {
    let at = sources.line_col(span.file, span.start);
    format!("{}:{}", sources.path(span.file), at.line)
}

/// A refusal for a name that is not a DNS label, suggesting one that is.
pub(crate) fn check_name(what: &str, name: &str) -> Option<Refusal> {
    let reason = validate_dns_label(name).err()?;
    let fixed: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' })
        .collect();
    let fixed = fixed.trim_matches('-');
    let help = if !fixed.is_empty() && validate_dns_label(fixed).is_ok() {
        format!("did you mean `{fixed}`?")
    } else {
        "use lower-case letters, digits and `-`, at most 63 characters".to_owned()
    };
    Some(Refusal::new(format!("`{name}` is not a valid {what} name: {reason}"), Some(help)))
}

/// A refusal for a reference to something the platform does not declare.
fn unknown(what: &str, name: &str, known: &[&str]) -> Refusal {
    let help = did_you_mean(name, known.iter().copied())
        .unwrap_or_else(|| format!("the {what}s are {}", quoted_list(known)));
    Refusal::new(format!("no {what} `{name}` is declared"), Some(help))
}

fn quoted_list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn service_context(
    platform: &Platform,
    sources: &Sources,
    request: &ServiceRequest,
) -> (Option<serde_json::Value>, Vec<Refusal>) {
    let mut refusals = Vec::new();
    refusals.extend(check_name("service", &request.name));
    if let Some(existing) = platform.services.iter().find(|s| s.name == request.name) {
        refusals.push(Refusal::new(
            format!(
                "service `{}` already exists ({})",
                request.name,
                declared_at(sources, existing.span)
            ),
            Some("choose another name".to_owned()),
        ));
    }
    let team = platform.teams.iter().find(|t| t.name == request.team);
    if team.is_none() {
        let teams: Vec<&str> = platform.teams.iter().map(|t| t.name.as_str()).collect();
        refusals.push(unknown("team", &request.team, &teams));
    }
    let mut kinds = Vec::new();
    for (index, name) in request.kinds.iter().enumerate() {
        if request.kinds[..index].contains(name) {
            refusals.push(Refusal::new(
                format!("kind `{name}` is requested twice"),
                Some("a new service has one resource of each kind; add more by hand".to_owned()),
            ));
            continue;
        }
        match platform.kinds.iter().find(|k| k.name == *name) {
            Some(kind) => kinds.push(kind),
            None => {
                let known: Vec<&str> = platform.kinds.iter().map(|k| k.name.as_str()).collect();
                refusals.push(unknown("kind", name, &known));
            }
        }
    }
    let (Some(team), true) = (team, refusals.is_empty()) else { return (None, refusals) };
    let names: Vec<&str> = kinds.iter().map(|k| k.name.as_str()).collect();
    let resources: Vec<(String, &idpc_ir::Kind)> =
        context::resource_names(&names).into_iter().zip(kinds).collect();
    let data = context::service(platform, team, &request.name, &resources, request.today);
    (Some(data), refusals)
}

fn environment_context(
    platform: &Platform,
    sources: &Sources,
    request: &EnvironmentRequest,
) -> (Option<serde_json::Value>, Vec<Refusal>) {
    let mut refusals = Vec::new();
    refusals.extend(check_name("environment", &request.name));
    if let Some(existing) = platform.environments.iter().find(|e| e.name == request.name) {
        refusals.push(Refusal::new(
            format!(
                "environment `{}` already exists ({})",
                request.name,
                declared_at(sources, existing.span)
            ),
            Some("choose another name".to_owned()),
        ));
    }
    let long_lived: Vec<&str> = platform
        .environments
        .iter()
        .filter(|e| e.ephemeral.is_none())
        .map(|e| e.name.as_str())
        .collect();
    let base = platform.environments.iter().find(|e| e.name == request.from);
    match base {
        None => refusals.push(unknown("environment", &request.from, &long_lived)),
        Some(base) if base.ephemeral.is_some() => refusals.push(Refusal::new(
            format!("`{}` is itself ephemeral", request.from),
            Some(format!(
                "create ephemeral environments from a long-lived one: {}",
                quoted_list(&long_lived)
            )),
        )),
        Some(_) => {}
    }
    let (Some(base), true) = (base, refusals.is_empty()) else { return (None, refusals) };
    let data = context::environment(
        platform,
        &request.name,
        base,
        &request.owner,
        request.ttl,
        request.created,
    );
    (Some(data), refusals)
}
