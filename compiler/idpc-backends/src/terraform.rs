//! Terraform: a module per resource kind, rendered from the kind's templates, and a root module per
//! environment that instantiates every resource of every service.
//!
//! `terraform/modules/<kind>/{main,variables,outputs,versions}.tf` for each kind that a service
//! uses and that has templates; for each environment with at least one such resource,
//! `terraform/<environment>/{main,versions,providers}.tf` (and `variables.tf` when a module
//! needs inputs from the environment), and a file per team, `team-<team>.tf`: the module of
//! each resource of the team's services, its outputs, a Kubernetes Secret per resource that
//! holds its outputs for the service's pods, and, with `workload-identity`, each service's
//! cloud identity, allowed what its resources' kinds grant. Every `.tf` file is formatted as
//! `terraform fmt` formats it.
//!
//! The kinds' modules and the shared files of the root modules are a unit of their own
//! (`Unit::Terraform`): a build after an edit makes them again only if what they read of the
//! services and deployments changed. That is what `common::units::terraform_key` digests (each
//! service's name, team and system; each deployment's environment, namespace and resources), so
//! code here that reads anything else of them must add it there. A team's files are made with
//! the team's unit, whose key holds its services and their deployments whole.

mod access;
mod context;
mod hcl;
mod render;
mod root;

use std::collections::{BTreeMap, BTreeSet};

use idpc_diagnostics::{Code, Diagnostic};
use idpc_ir::{EnvId, Kind, KindId, Platform, TeamId};
use rayon::prelude::*;
use serde_json::json;

use crate::Artifact;
use crate::common::header_line;
use crate::common::units::{Out, Unit};
use context::{KindContext, MODULE_VARIABLES, variable_name};
use render::Source;
use root::Wanted;

/// A kind's rendered module, and what the root modules need to know about it.
pub(crate) struct Module<'a> {
    /// The kind.
    pub(crate) kind: &'a Kind,
    /// The variables the module declares.
    pub(crate) variables: BTreeSet<String>,
    /// Variables that are neither fields nor `name` and `tags`: inputs the root module declares
    /// itself and passes through, by name, with their declaration.
    pub(crate) inputs: BTreeMap<String, String>,
    /// The providers the module requires.
    pub(crate) requirements: Vec<hcl::Requirement>,
}

/// The template rendered into each root module rather than into the kind's module.
const PROVIDERS_TEMPLATE: &str = "providers.tf";

/// Makes the Terraform files of the units `out` wants: the kinds' modules and the root modules'
/// shared files with the Terraform unit, each team's files with the team's unit. What stopped
/// the family, if anything: then no file is handed over.
pub(crate) fn emit(platform: &Platform, out: &Out<'_>) -> Vec<Diagnostic> {
    let team = |team: TeamId| out.wants(Unit::Team(team));
    let wanted = Wanted { shared: out.wants(Unit::Terraform), team: &team };
    let any_team = (0..platform.teams.len()).any(|index| team(TeamId::from_index(index)));
    if !wanted.shared && !any_team {
        return Vec::new();
    }
    let (artifacts, diagnostics) = run(platform, false, &wanted);
    if diagnostics.is_empty() {
        artifacts.into_iter().for_each(|(unit, artifact)| out.put(unit, artifact));
    }
    diagnostics
}

/// The problems [`emit`] would report, without building the files that cannot have any: the
/// kinds' templates are rendered, and names, providers and versions compared.
pub(crate) fn check(platform: &Platform) -> Vec<Diagnostic> {
    run(platform, true, &Wanted { shared: true, team: &|_| false }).1
}

fn run(
    platform: &Platform,
    check_only: bool,
    wanted: &Wanted<'_>,
) -> (Vec<(Unit, Artifact)>, Vec<Diagnostic>) {
    let mut artifacts = Vec::new();
    let mut diagnostics = Vec::new();
    let used: BTreeSet<KindId> = platform
        .deployments
        .iter()
        .flat_map(|d| d.resources.iter().map(|r| r.kind))
        .filter(|id| !platform.kind(*id).terraform.is_empty())
        .collect();
    let mut modules: BTreeMap<KindId, Module<'_>> = BTreeMap::new();
    for id in used {
        let kind = platform.kind(id);
        match module(platform, kind) {
            Ok((module, made)) => {
                if wanted.shared {
                    artifacts.extend(made.into_iter().map(|a| (Unit::Terraform, a)));
                }
                modules.insert(id, module);
            }
            Err(problems) => diagnostics.extend(problems),
        }
    }
    // The environments' root modules in parallel: after an edit this family is often the only
    // one left to make, and formatting the root modules is most of its time.
    let roots: Vec<_> = (0..platform.environments.len())
        .into_par_iter()
        .map(|index| root::emit(platform, EnvId::from_index(index), &modules, check_only, wanted))
        .collect();
    for (made, problems) in roots {
        artifacts.extend(made);
        diagnostics.extend(problems);
    }
    if !diagnostics.is_empty() {
        artifacts.clear();
    }
    artifacts.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    (artifacts, diagnostics)
}

/// The data every template of a kind is rendered with.
fn template_data(platform: &Platform, kind: &Kind) -> serde_json::Value {
    let source = platform.file_path(kind.file);
    json!({ "kind": KindContext::new(kind, source) })
}

/// Renders the module of one kind.
fn module<'a>(
    platform: &Platform,
    kind: &'a Kind,
) -> Result<(Module<'a>, Vec<Artifact>), Vec<Diagnostic>> {
    let data = template_data(platform, kind);
    let mut diagnostics = field_variable_collisions(kind);
    let mut artifacts = Vec::new();
    let mut module = Module {
        kind,
        variables: BTreeSet::new(),
        inputs: BTreeMap::new(),
        requirements: Vec::new(),
    };
    for template in kind.terraform.iter().filter(|t| t.name != PROVIDERS_TEMPLATE) {
        let source = Source { template, kind: &kind.name };
        let text = match render::render(&source, &data) {
            Ok(text) => text,
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let mut contents = text.clone();
        if template.name.ends_with(".tf") {
            for block in hcl::blocks(&text) {
                if let Some(name) = variable_of(&block.header) {
                    module.inputs.insert(name.clone(), block.text.clone());
                    module.variables.insert(name);
                }
            }
            module.requirements.extend(hcl::required_providers(&text));
            contents = format!("# {}\n\n{text}", header_line(platform.file_path(template.file)));
        }
        artifacts.push(Artifact {
            path: format!("terraform/modules/{}/{}", kind.name, template.name),
            contents,
        });
    }
    for field in &kind.fields {
        let variable = variable_name(&kind.name, field);
        module.inputs.remove(&variable);
        if diagnostics.is_empty() && !module.variables.contains(&variable) {
            diagnostics.push(
                Diagnostic::new(
                    Code::TemplateError,
                    format!(
                        "the module of kind `{}` declares no variable `{variable}` for field `{}`",
                        kind.name, field.name
                    ),
                    kind.span,
                    "the templates of this kind",
                )
                .with_help(format!(
                    "declare the variable in `{}/variables.tf.hbs`, for example for each of `kind.fields`",
                    kind.name
                )),
            );
        }
    }
    for name in MODULE_VARIABLES {
        module.inputs.remove(*name);
    }
    artifacts.push(inputs_file(platform, kind));
    if diagnostics.is_empty() { Ok((module, artifacts)) } else { Err(diagnostics) }
}

/// `idpc.tf` of a module: a `terraform_data` resource that keeps the field values the module was
/// applied with in the state, where `idpc diff` reads them back from `terraform show -json`.
fn inputs_file(platform: &Platform, kind: &Kind) -> Artifact {
    let mut text = format!(
        "# {}\n\n# The field values this module was applied with, kept in the state for `idpc diff`.\nresource \"terraform_data\" \"idpc_inputs\" {{\n  input = {{\n",
        header_line(platform.file_path(kind.file))
    );
    for field in &kind.fields {
        let variable = variable_name(&kind.name, field);
        text.push_str(&format!("{variable} = var.{variable}\n"));
    }
    text.push_str("}\n}\n");
    let contents = hcl::format(&text).unwrap_or(text);
    Artifact { path: format!("terraform/modules/{}/idpc.tf", kind.name), contents }
}

/// The field values a resource instance is applied with, by module variable: what
/// `terraform_data.idpc_inputs` records.
pub fn module_inputs(
    kind: &Kind,
    resource: &idpc_ir::ResourceInstance,
) -> BTreeMap<String, serde_json::Value> {
    resource
        .fields
        .iter()
        .filter_map(|(name, value)| {
            let field = kind.fields.iter().find(|f| &f.name == name)?;
            Some((variable_name(&kind.name, field), context::canonical(&value.value)))
        })
        .collect()
}

/// The module variable of a kind's field: `storage_bytes` for `storage`.
pub fn field_variable(kind: &Kind, field: &idpc_ir::KindField) -> String {
    context::variable_name(&kind.name, field)
}

/// `variable "x"` → `x`.
fn variable_of(header: &str) -> Option<String> {
    let label = header.strip_prefix("variable ")?.trim();
    Some(label.strip_prefix('"')?.strip_suffix('"')?.to_owned())
}

/// Two fields whose variables have the same name (`storage` of type memory and `storage-bytes`).
fn field_variable_collisions(kind: &Kind) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    for field in &kind.fields {
        let variable = variable_name(&kind.name, field);
        if let Some(first) = seen.insert(variable.clone(), &field.name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::NameCollision,
                    format!(
                        "fields `{first}` and `{}` of kind `{}` both become Terraform variable `{variable}`",
                        field.name, kind.name
                    ),
                    kind.span,
                    "in this kind",
                )
                .with_help("rename one of the fields"),
            );
        }
    }
    diagnostics
}
