//! The OPA bundle: `.manifest` (a content-hash `revision`, one root), `data.json` (teams,
//! members, service owners, each service's namespace and secret readers per environment,
//! environments and their approval rules, the presets' settings and the waivers), and the
//! policies with their tests: secret access, deploy admission, and observability access.
//!
//! `opa/.manifest`, `opa/idpc/<platform>/model/data.json` (`data.idpc.<platform>.model`),
//! `opa/idpc/<platform>/<policy>.rego`,
//! `opa/idpc/<platform>/<policy>_test.rego`.

use std::collections::BTreeMap;

use idpc_ir::{PRESETS, Platform, Role};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Artifact;
use crate::common::{self, header_line, names};

/// The policies and their tests, with `__PACKAGE__` standing for the platform's package.
const POLICIES: &[(&str, &str)] = &[
    ("deploy.rego", include_str!("opa/deploy.rego")),
    ("deploy_test.rego", include_str!("opa/deploy_test.rego")),
    ("observability.rego", include_str!("opa/observability.rego")),
    ("observability_test.rego", include_str!("opa/observability_test.rego")),
    ("secrets.rego", include_str!("opa/secrets.rego")),
    ("secrets_test.rego", include_str!("opa/secrets_test.rego")),
];

pub(crate) fn emit(platform: &Platform) -> Vec<Artifact> {
    let root = names::opa_root(platform);
    let package = root.replace('/', ".");
    let mut files: Vec<Artifact> = POLICIES
        .iter()
        .map(|(name, text)| Artifact {
            path: format!("opa/{root}/{name}"),
            contents: format!(
                "# {}\n{}",
                header_line("the platform description"),
                text.replace("__PACKAGE__", &package)
            ),
        })
        .collect();
    files.push(common::json(format!("opa/{root}/model/data.json"), &data(platform)));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut hash = Sha256::new();
    for file in &files {
        hash.update(file.path.as_bytes());
        hash.update([0]);
        hash.update(file.contents.as_bytes());
        hash.update([0]);
    }
    let revision: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let manifest = Manifest {
        revision,
        roots: vec![root],
        rego_version: 1,
        metadata: BTreeMap::from([
            ("generated_by", header_line("the platform description")),
            ("platform", platform.name.clone()),
        ]),
    };
    files.push(common::json("opa/.manifest".to_owned(), &manifest));
    files
}

#[derive(Serialize)]
struct Manifest {
    revision: String,
    roots: Vec<String>,
    rego_version: u8,
    metadata: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct Data<'a> {
    #[serde(rename = "$comment")]
    comment: String,
    platform: &'a str,
    registry: String,
    teams: BTreeMap<&'a str, TeamData<'a>>,
    services: BTreeMap<&'a str, ServiceData<'a>>,
    environments: BTreeMap<&'a str, EnvironmentData<'a>>,
    /// The preset policies as the platform configures them, for admission to apply the same
    /// rules as the compiler.
    policies: BTreeMap<&'static str, PolicyData>,
}

#[derive(Serialize)]
struct PolicyData {
    enabled: bool,
    /// `error`, or `warning` for a preset the platform only warns about: admission lets its
    /// violations through with a warning, as the compiler does.
    severity: &'static str,
    tiers: Vec<&'static str>,
}

#[derive(Serialize)]
struct TeamData<'a> {
    members: Vec<&'a str>,
    leads: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oncall: Option<&'a str>,
    services: Vec<&'a str>,
}

#[derive(Serialize)]
struct ServiceData<'a> {
    team: &'a str,
    /// The service in each environment, as the model resolves it there.
    environments: BTreeMap<&'a str, DeploymentData<'a>>,
    /// The policies the service is exempt from, and the first day each exemption no longer
    /// applies.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    waivers: BTreeMap<&'a str, String>,
}

/// A service in one environment.
#[derive(Serialize)]
struct DeploymentData<'a> {
    namespace: &'a str,
    /// The secrets it reads there, each with the teams besides the owner that may read it there.
    secrets: BTreeMap<&'a str, SecretData<'a>>,
}

#[derive(Serialize)]
struct SecretData<'a> {
    readers: Vec<&'a str>,
}

#[derive(Serialize)]
struct EnvironmentData<'a> {
    tier: &'static str,
    approval: ApprovalData,
    ephemeral: bool,
    clusters: Vec<&'a str>,
}

#[derive(Serialize)]
struct ApprovalData {
    required: bool,
    approvers: u32,
}

fn data(platform: &Platform) -> Data<'_> {
    let mut teams: BTreeMap<&str, TeamData<'_>> = platform
        .teams
        .iter()
        .map(|team| {
            let mut members: Vec<&str> = team.members.iter().map(|m| m.email.as_str()).collect();
            members.sort_unstable();
            let mut leads: Vec<&str> = team
                .members
                .iter()
                .filter(|m| m.role == Role::Lead)
                .map(|m| m.email.as_str())
                .collect();
            leads.sort_unstable();
            (
                team.name.as_str(),
                TeamData { members, leads, oncall: team.oncall.as_deref(), services: Vec::new() },
            )
        })
        .collect();
    let mut services = BTreeMap::new();
    for (index, service) in platform.services.iter().enumerate() {
        let team = platform.team(service.team).name.as_str();
        if let Some(data) = teams.get_mut(team) {
            data.services.push(&service.name);
        }
        let environments = platform
            .deployments_of(idpc_ir::ServiceId::from_index(index))
            .map(|deployment| {
                let secrets = deployment
                    .secrets
                    .iter()
                    .map(|secret| {
                        let mut readers: Vec<&str> = secret
                            .readers
                            .iter()
                            .map(|t| platform.team(*t).name.as_str())
                            .collect();
                        readers.sort_unstable();
                        readers.dedup();
                        (secret.name.as_str(), SecretData { readers })
                    })
                    .collect();
                (
                    platform.environment(deployment.environment).name.as_str(),
                    DeploymentData { namespace: deployment.namespace.as_str(), secrets },
                )
            })
            .collect();
        let waivers =
            service.waivers.iter().map(|w| (w.policy.as_str(), w.expires.to_string())).collect();
        services.insert(service.name.as_str(), ServiceData { team, environments, waivers });
    }
    let environments = platform
        .environments
        .iter()
        .map(|env| {
            (
                env.name.as_str(),
                EnvironmentData {
                    tier: env.tier.as_str(),
                    approval: ApprovalData {
                        required: env.approval.required,
                        approvers: env.approval.approvers,
                    },
                    ephemeral: env.ephemeral.is_some(),
                    clusters: env.clusters.iter().map(String::as_str).collect(),
                },
            )
        })
        .collect();
    Data {
        comment: header_line("the platform description"),
        platform: &platform.name,
        registry: platform.registry.clone().unwrap_or_default(),
        teams,
        services,
        environments,
        policies: PRESETS
            .iter()
            .map(|preset| {
                let settings = platform.preset_settings(preset);
                let tiers = settings.tiers.iter().map(|t| t.as_str()).collect();
                let severity = if settings.warning { "warning" } else { "error" };
                (preset.name, PolicyData { enabled: settings.enabled, severity, tiers })
            })
            .collect(),
    }
}
