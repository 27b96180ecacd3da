//! The root module of one environment. The files every team shares: `main.tf` (the
//! environment's name in the state, and what the identities of its services have in common),
//! `versions.tf`, `providers.tf` and `variables.tf`. Then a file per team, `team-<team>.tf`: a
//! `module` block per (service, resource) of the team's services, an output per output of each,
//! their connection Secrets and their services' identities.
//!
//! The shared files belong to the Terraform unit, a team's file to the team's unit
//! (`common::units`): an edit of one service's resources makes its team's files again and the
//! shared ones, which are small, not the other teams' files.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use idpc_diagnostics::{Code, Diagnostic};
use idpc_ir::{
    Cloud, Deployment, EnvId, Environment, KindId, Platform, ResourceInstance, Service, TeamId,
};
use rayon::prelude::*;
use serde_json::json;

use super::access::{self, Use};
use super::context::{KindContext, canonical, hcl_type, key, literal, output_description, quote};
use super::render::{self, Source};
use super::{Module, PROVIDERS_TEMPLATE, hcl};
use crate::common::header_line;
use crate::common::units::Unit;
use crate::{Artifact, names};

/// The Terraform version every generated root module requires.
const TERRAFORM_VERSION: &str = ">= 1.5.0";

/// The AWS provider, which every root module configures, when no module names a version.
const AWS_SOURCE: &str = "hashicorp/aws";
const AWS_VERSION: &str = "~> 5.0";

/// The providers of the connection Secrets and of Google Cloud identities.
const KUBERNETES: (&str, &str, &str) = ("kubernetes", "hashicorp/kubernetes", "~> 2.0");
const GOOGLE: (&str, &str, &str) = ("google", "hashicorp/google", "~> 5.0");

/// The input of an AWS root module that identities are trusted through.
const OIDC_VARIABLE: &str = "variable \"oidc_provider_arn\" {\n  description = \"The ARN of the IAM OIDC provider of the environment's EKS cluster, which service accounts take on their roles through.\"\n  type        = string\n}\n";

/// The longest name a root module gives an instance; modules shorten it further where their
/// cloud allows less.
const NAME_LIMIT: usize = 63;

/// One (service, resource) of the environment whose kind has a module.
#[derive(Clone, Copy)]
struct Instance<'a> {
    deployment: &'a Deployment,
    service: &'a Service,
    resource: &'a ResourceInstance,
    module: &'a Module<'a>,
}

/// What of the root modules a build makes: the files the teams share (with the kinds'
/// modules), and which teams' own files.
pub(crate) struct Wanted<'a> {
    pub(crate) shared: bool,
    pub(crate) team: &'a (dyn Fn(TeamId) -> bool + Sync),
}

/// The wanted files of the root module of `environment`, each with its unit, or nothing when
/// none of its services has a resource whose kind has a module. The problems are found with the
/// shared files. With `check_only`, only the problems: no file is built.
pub(crate) fn emit(
    platform: &Platform,
    id: EnvId,
    modules: &BTreeMap<KindId, Module<'_>>,
    check_only: bool,
    wanted: &Wanted<'_>,
) -> (Vec<(Unit, Artifact)>, Vec<Diagnostic>) {
    let environment = platform.environment(id);
    let deployments: Vec<&Deployment> =
        platform.deployments.iter().filter(|d| d.environment == id).collect();
    let instances: Vec<Instance<'_>> = deployments
        .iter()
        .flat_map(|d| {
            let service = platform.service(d.service);
            d.resources.iter().filter_map(move |resource| {
                let module = modules.get(&resource.kind)?;
                Some(Instance { deployment: d, service, resource, module })
            })
        })
        .collect();
    // Every service deployed here has an identity, whether or not it has resources.
    let identity = platform.identity.as_ref().filter(|_| !deployments.is_empty());
    if instances.is_empty() && identity.is_none() {
        return (Vec::new(), Vec::new());
    }
    let uses: Vec<Use<'_>> =
        instances.iter().map(|i| Use { deployment: i.deployment, resource: i.resource }).collect();
    let connected = access::any_connection(platform, &uses);
    let mut files: Vec<(Unit, String, String)> = Vec::new();
    let mut diagnostics = Vec::new();
    if wanted.shared || check_only {
        let mut extra = Vec::new();
        if connected {
            extra.push(KUBERNETES);
        }
        if identity.is_some_and(|i| i.cloud == Cloud::Gcp) {
            extra.push(GOOGLE);
        }
        diagnostics.extend(collisions(&instances));
        let (versions, conflicts) = versions_tf(&instances, &extra);
        diagnostics.extend(conflicts);
        let (mut providers, problems) = providers_tf(platform, environment, &instances);
        diagnostics.extend(problems);
        if check_only {
            return (Vec::new(), diagnostics);
        }
        if connected {
            providers.push_str(&access::kubernetes_providers(environment));
        }
        if let Some(identity) = identity.filter(|i| i.cloud == Cloud::Gcp) {
            let _ = write!(
                providers,
                "\nprovider \"google\" {{\n  project = {}\n}}\n",
                quote(&identity.account)
            );
        }
        let mut inputs: BTreeMap<&str, &str> = instances
            .iter()
            .flat_map(|i| i.module.inputs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .rev()
            .collect();
        if identity.is_some_and(|i| i.cloud == Cloud::Aws) {
            inputs.insert("oidc_provider_arn", OIDC_VARIABLE);
        }
        let shared = [
            ("main.tf", main_tf(environment, identity)),
            ("versions.tf", versions),
            ("providers.tf", providers),
        ];
        files.extend(shared.map(|(name, body)| (Unit::Terraform, name.to_owned(), body)));
        if !inputs.is_empty() {
            let body: Vec<&str> = inputs.values().copied().collect();
            files.push((Unit::Terraform, "variables.tf".to_owned(), body.join("\n")));
        }
    }
    // Each team's own file, with its services' deployments and resources here.
    let mut teams: BTreeMap<TeamId, (Vec<&Deployment>, Vec<Instance<'_>>)> = BTreeMap::new();
    for deployment in &deployments {
        let team = platform.service(deployment.service).team;
        if (wanted.team)(team) && identity.is_some() {
            teams.entry(team).or_default().0.push(deployment);
        }
    }
    for instance in &instances {
        if (wanted.team)(instance.service.team) {
            teams.entry(instance.service.team).or_default().1.push(*instance);
        }
    }
    for (team, (deployments, instances)) in teams {
        let name = format!("team-{}.tf", platform.team(team).name);
        let text = team_tf(platform, environment, team, &deployments, &instances);
        files.push((Unit::Team(team), name, text));
    }
    let artifacts = files
        .into_par_iter()
        .map(|(unit, name, body)| {
            let source = match unit {
                Unit::Team(team) => platform.team(team).file,
                _ => environment.file,
            };
            let artifact = Artifact {
                path: format!("terraform/{}/{name}", environment.name),
                contents: format!(
                    "# {}\n\n{}",
                    header_line(platform.file_path(source)),
                    formatted(&body)
                ),
            };
            (unit, artifact)
        })
        .collect();
    (artifacts, diagnostics)
}

/// `main.tf`: what the root module is, the environment's name in the state (so that `idpc diff`
/// knows which root a `terraform show -json` export belongs to), and what the identities of
/// its services share.
fn main_tf(environment: &Environment, identity: Option<&idpc_ir::WorkloadIdentity>) -> String {
    let mut out = format!(
        "# The root module of `{}`: the resources of each team's services are in `team-<team>.tf`.\n",
        environment.name
    );
    if let Some(ephemeral) = &environment.ephemeral {
        let _ = writeln!(
            out,
            "# Ephemeral: created on {} by {}, it expires on {}.",
            ephemeral.created,
            ephemeral.owner,
            ephemeral.expires()
        );
    }
    let _ = writeln!(
        out,
        "\noutput \"idpc_environment\" {{\n  description = \"The idpc environment this root module provisions.\"\n  value = {}\n}}",
        quote(&environment.name)
    );
    if let Some(identity) = identity {
        out.push_str(&access::identity_shared(identity));
    }
    out
}

/// `team-<team>.tf`: the module blocks of the team's resources here, their outputs, their
/// connection Secrets and, with `workload-identity`, the identities of the team's services.
fn team_tf(
    platform: &Platform,
    environment: &Environment,
    team: TeamId,
    deployments: &[&Deployment],
    instances: &[Instance<'_>],
) -> String {
    let mut out = format!(
        "# The resources of team `{}`'s services in `{}`.\n",
        platform.team(team).name,
        environment.name
    );
    out.push_str(&modules_tf(platform, environment, instances));
    out.push_str(&outputs_tf(instances));
    let uses: Vec<Use<'_>> =
        instances.iter().map(|i| Use { deployment: i.deployment, resource: i.resource }).collect();
    if let Some(connections) = access::connections(platform, environment, &uses) {
        out.push('\n');
        out.push_str(&connections);
    }
    if let Some(identity) = platform.identity.as_ref().filter(|_| !deployments.is_empty()) {
        out.push('\n');
        out.push_str(&access::identity(platform, identity, environment, deployments, &uses));
    }
    out
}

/// Formatted HCL; the root modules are built from checked literals, so formatting cannot fail,
/// but the text is kept as it is if it ever did. Their blocks (`module`, `output`, `resource`)
/// each start after a blank line, so a large file is formatted in slices, in parallel.
fn formatted(text: &str) -> String {
    let starts = ["module \"", "output \"", "resource \""];
    hcl::format_sliced(text, &starts).unwrap_or_else(|_| text.to_owned())
}

/// Module and output names that two (service, resource) pairs share: `payments-api` + `db` and
/// `payments` + `api-db` are both `payments_api_db`.
fn collisions(instances: &[Instance<'_>]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut modules: BTreeMap<String, &Instance<'_>> = BTreeMap::new();
    let mut outputs: BTreeMap<String, &Instance<'_>> = BTreeMap::new();
    for instance in instances {
        let name = names::terraform_module(instance.service, instance.resource);
        let mut clash = modules.insert(name.clone(), instance).map(|first| (first, name));
        for output in &instance.module.kind.outputs {
            let name = names::terraform_output(instance.service, instance.resource, &output.name);
            if let Some(first) = outputs.insert(name.clone(), instance) {
                clash = clash.or(Some((first, name)));
            }
        }
        if let Some((first, name)) = clash.filter(|(first, _)| !std::ptr::eq(*first, instance)) {
            diagnostics.push(
                Diagnostic::new(
                    Code::NameCollision,
                    format!(
                        "resources `{}` of `{}` and `{}` of `{}` both become Terraform `{name}`",
                        first.resource.name,
                        first.service.name,
                        instance.resource.name,
                        instance.service.name
                    ),
                    instance.resource.span,
                    "this resource",
                )
                .with_label(first.resource.span, "and this one")
                .with_help("rename one of the resources"),
            );
        }
    }
    diagnostics
}

/// `<environment>-<service>-<resource>`, shortened with a hash to 63 characters.
fn instance_name(environment: &str, service: &Service, resource: &ResourceInstance) -> String {
    let full = format!("{environment}-{}-{}", service.name, resource.name);
    if full.len() <= NAME_LIMIT {
        return full;
    }
    let hash = names::fnv1a(full.as_bytes());
    let keep = full[..NAME_LIMIT - 9].trim_end_matches('-');
    format!("{keep}-{hash:08x}")
}

/// The module block of each instance.
fn modules_tf(
    platform: &Platform,
    environment: &Environment,
    instances: &[Instance<'_>],
) -> String {
    let mut out = String::new();
    for instance in instances {
        let (service, resource, module) = (instance.service, instance.resource, instance.module);
        let kind = module.kind;
        let team = platform.team(service.team);
        let _ = writeln!(
            out,
            "\nmodule \"{}\" {{\n  source = \"../modules/{}\"\n",
            names::terraform_module(service, resource),
            kind.name
        );
        if module.variables.contains("name") {
            let name = instance_name(&environment.name, service, resource);
            let _ = writeln!(out, "name = {}", quote(&name));
        }
        if module.variables.contains("tags") {
            let mut tags = BTreeMap::new();
            if let Some(cost_center) = &team.cost_center {
                tags.insert("cost-center", cost_center.as_str());
            }
            tags.insert("environment", &environment.name);
            tags.insert("managed-by", "idpc");
            tags.insert("service", &service.name);
            tags.insert("team", &team.name);
            out.push_str("tags = {\n");
            for (k, v) in tags {
                let _ = writeln!(out, "{} = {}", key(k), quote(v));
            }
            out.push_str("}\n");
        }
        // An ephemeral environment's resources are destroyed and made again under the same
        // name: modules drop recovery windows and deletion protection there.
        if module.variables.contains("ephemeral") && environment.ephemeral.is_some() {
            out.push_str("ephemeral = true\n");
        }
        out.push('\n');
        for (name, value) in &resource.fields {
            let Some(field) = kind.fields.iter().find(|f| &f.name == name) else { continue };
            let variable = super::context::variable_name(&kind.name, field);
            let comment = match hcl_type(&field.ty).1 {
                Some(_) => format!(" # {}", value.value.render()),
                None => String::new(),
            };
            let _ = writeln!(out, "{variable} = {}{comment}", literal(&canonical(&value.value)));
        }
        if !module.inputs.is_empty() {
            out.push('\n');
            for input in module.inputs.keys() {
                let _ = writeln!(out, "{input} = var.{input}");
            }
        }
        out.push_str("}\n");
    }
    out
}

/// The outputs of each instance.
fn outputs_tf(instances: &[Instance<'_>]) -> String {
    let mut out = String::new();
    for instance in instances {
        let (service, resource) = (instance.service, instance.resource);
        let module = names::terraform_module(service, resource);
        for output in &instance.module.kind.outputs {
            let description =
                format!("{} `{}`: {}", service.name, resource.name, output_description(output));
            let _ = writeln!(
                out,
                "\noutput \"{}\" {{\n  description = {}\n  value = module.{module}.{}\n}}",
                names::terraform_output(service, resource, &output.name),
                quote(&description),
                names::snake(&output.name)
            );
        }
    }
    out
}

/// The providers every module of the environment requires, with their constraints combined.
fn versions_tf(
    instances: &[Instance<'_>],
    extra: &[(&'static str, &'static str, &'static str)],
) -> (String, Vec<Diagnostic>) {
    let mut providers: BTreeMap<&str, (&str, BTreeSet<&str>, &str)> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    let mut kinds: Vec<&Module<'_>> = instances.iter().map(|i| i.module).collect();
    kinds.sort_by(|a, b| a.kind.name.cmp(&b.kind.name));
    kinds.dedup_by(|a, b| a.kind.name == b.kind.name);
    for module in kinds {
        for requirement in &module.requirements {
            let source = requirement.source.as_deref().unwrap_or_default();
            let entry = providers.entry(&requirement.name).or_insert((
                source,
                BTreeSet::new(),
                &module.kind.name,
            ));
            if entry.0 != source {
                diagnostics.push(
                    Diagnostic::new(
                        Code::TemplateError,
                        format!(
                            "kinds `{}` and `{}` require provider `{}` from different sources",
                            entry.2, module.kind.name, requirement.name
                        ),
                        module.kind.span,
                        format!("requires `{source}`"),
                    )
                    .with_help(format!("`{}` requires `{}`", entry.2, entry.0)),
                );
            }
            entry.1.extend(requirement.version.as_deref());
        }
    }
    providers.entry("aws").or_insert((AWS_SOURCE, BTreeSet::from([AWS_VERSION]), ""));
    for (name, source, version) in extra {
        providers.entry(name).or_insert((source, BTreeSet::from([*version]), ""));
    }
    let mut out = format!(
        "terraform {{\n  required_version = {}\n\n  required_providers {{\n",
        quote(TERRAFORM_VERSION)
    );
    for (name, (source, versions, _)) in providers {
        let _ = writeln!(out, "{name} = {{");
        if !source.is_empty() {
            let _ = writeln!(out, "source = {}", quote(source));
        }
        if !versions.is_empty() {
            let versions: Vec<&str> = versions.into_iter().collect();
            let _ = writeln!(out, "version = {}", quote(&versions.join(", ")));
        }
        out.push_str("}\n");
    }
    out.push_str("}\n}\n");
    (out, diagnostics)
}

/// The AWS provider in the environment's region with default tags, then the provider templates
/// of the environment's kinds.
fn providers_tf(
    platform: &Platform,
    environment: &Environment,
    instances: &[Instance<'_>],
) -> (String, Vec<Diagnostic>) {
    let mut out = String::from("provider \"aws\" {\n");
    match &environment.region {
        Some(region) => {
            let _ = writeln!(out, "region = {}\n", quote(region));
        }
        None => out.push_str(
            "# The environment names no region: AWS_REGION or the AWS profile chooses it.\n\n",
        ),
    }
    let mut tags: BTreeMap<&str, String> = BTreeMap::new();
    tags.insert("environment", environment.name.clone());
    tags.insert("managed-by", "idpc".to_owned());
    tags.insert("platform", platform.name.clone());
    if let Some(ephemeral) = &environment.ephemeral {
        tags.insert("expires", ephemeral.expires().to_string());
        tags.insert("owner", ephemeral.owner.to_string());
    }
    out.push_str("default_tags {\ntags = {\n");
    for (k, v) in &tags {
        let _ = writeln!(out, "{} = {}", key(k), quote(v));
    }
    out.push_str("}\n}\n}\n");
    let mut diagnostics = Vec::new();
    let mut rendered: BTreeSet<String> = BTreeSet::new();
    let kinds: BTreeSet<&str> = instances.iter().map(|i| i.module.kind.name.as_str()).collect();
    for name in kinds {
        let Some(instance) = instances.iter().find(|i| i.module.kind.name == name) else {
            continue;
        };
        let kind = instance.module.kind;
        let Some(template) = kind.terraform.iter().find(|t| t.name == PROVIDERS_TEMPLATE) else {
            continue;
        };
        let data = json!({
            "kind": KindContext::new(kind, platform.file_path(kind.file)),
            "environment": {
                "name": environment.name,
                "tier": environment.tier.as_str(),
                "region": environment.region,
            },
            "platform": { "name": platform.name },
        });
        match render::render(&Source { template, kind: &kind.name }, &data) {
            Ok(text) if rendered.insert(text.clone()) => {
                let _ = write!(out, "\n# From the kind `{}`.\n{text}", kind.name);
            }
            Ok(_) => {}
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    (out, diagnostics)
}
