//! GitOps: the Argo CD objects that sync the committed output tree into the clusters, written
//! when the platform says where the tree is (`gitops repo=…`).
//!
//! - `gitops/projects.yaml`: an `AppProject` per team, limited to the team's namespaces, and the
//!   `platform` project for what the platform itself manages (namespaces and access objects, and
//!   the applications).
//! - `gitops/<environment>/applications.yaml`: per cluster of the environment (or the cluster
//!   Argo CD runs in, when the environment names none), an application for the environment's
//!   access objects (sync wave -1, so namespaces, roles and network policies come first) and one
//!   per team for its workloads (wave 1), selecting exactly the team's files. Environments whose
//!   changes need approval sync when a person says so; the others sync and prune by themselves.
//! - `gitops/root.yaml`: `root`, which keeps this file and the projects in sync; an application
//!   per environment that syncs its applications (the app-of-apps pattern), so that the waves
//!   order one environment's applications; and one per cluster for the secret stores its
//!   environments share.
//!
//! Every application names a destination namespace its project allows: a team's, its
//! namespace; the platform's, a team's namespace there (its objects name their own).
//!
//! With `rules "prometheus-operator"`, each environment also gets `<cluster>-rules` (wave 1): the
//! `PrometheusRule` objects of its services.
//!
//! With secrets, each environment also gets `<cluster>-secrets` (wave 0): the External Secrets
//! objects, so that the Secrets exist before the pods that read them.

use std::collections::{BTreeMap, BTreeSet};

use idpc_ir::{Environment, GitOps, Platform, TeamId};
use serde::Serialize;

use crate::Artifact;
use crate::common;
use crate::common::k8s::ObjectMeta;

/// The API version of Argo CD's objects.
const API_VERSION: &str = "argoproj.io/v1alpha1";
/// The cluster Argo CD runs in, as it names it.
const IN_CLUSTER: &str = "https://kubernetes.default.svc";
/// The project of what the platform manages itself.
const PLATFORM_PROJECT: &str = "platform";
/// The application that keeps `gitops/root.yaml` and `gitops/projects.yaml` in sync.
const ROOT: &str = "root";
/// Argo CD's annotation for the order of applications synced together.
const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

pub(crate) fn emit(platform: &Platform) -> Vec<Artifact> {
    let Some(gitops) = &platform.gitops else { return Vec::new() };
    let source = platform.file_path(platform.span.file);
    let mut artifacts = vec![
        common::yaml_documents(
            "gitops/projects.yaml".to_owned(),
            source,
            &projects(platform, gitops),
        ),
        common::yaml_documents("gitops/root.yaml".to_owned(), source, &roots(platform, gitops)),
    ];
    for environment in &platform.environments {
        artifacts.push(common::yaml_documents(
            format!("gitops/{}/applications.yaml", environment.name),
            platform.file_path(environment.file),
            &applications(platform, gitops, environment),
        ));
    }
    artifacts
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Object<S: Serialize> {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: S,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationSpec {
    project: String,
    source: Source,
    destination: Destination,
    #[serde(skip_serializing_if = "Option::is_none")]
    sync_policy: Option<SyncPolicy>,
    /// Fields a controller owns once the object is applied, which a sync must leave alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ignore_differences: Vec<IgnoreDifference>,
}

/// A field of some objects that Argo CD neither reports as drift nor puts back.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IgnoreDifference {
    group: &'static str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    json_pointers: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    jq_path_expressions: Vec<&'static str>,
}

/// The replicas of a Rollout an autoscaler scales: Argo CD would put the description's count
/// back on every sync (with self-heal, at once), against the autoscaler.
fn autoscaled_replicas() -> IgnoreDifference {
    IgnoreDifference {
        group: "argoproj.io",
        kind: "Rollout",
        json_pointers: vec!["/spec/replicas"],
        jq_path_expressions: Vec::new(),
    }
}

/// The weights of a route's backends, which Argo Rollouts moves during a canary.
fn canary_weights() -> IgnoreDifference {
    IgnoreDifference {
        group: "gateway.networking.k8s.io",
        kind: "HTTPRoute",
        json_pointers: Vec::new(),
        jq_path_expressions: vec![".spec.rules[].backendRefs[].weight"],
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Source {
    #[serde(rename = "repoURL")]
    repo_url: String,
    target_revision: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    directory: Option<Directory>,
}

#[derive(Serialize)]
struct Directory {
    include: String,
}

#[derive(Serialize, Clone)]
struct Destination {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    automated: Option<Automated>,
    /// `RespectIgnoreDifferences=true` where fields are ignored: a sync then leaves them as
    /// they are, not only the comparison.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sync_options: Vec<&'static str>,
}

impl SyncPolicy {
    /// Automatic sync with pruning and self-heal.
    fn automated() -> SyncPolicy {
        SyncPolicy {
            automated: Some(Automated { prune: true, self_heal: true }),
            sync_options: Vec::new(),
        }
    }
}

/// The sync policy of an application of `environment` that ignores `ignored`.
fn sync_policy_ignoring(
    environment: &Environment,
    ignored: &[IgnoreDifference],
) -> Option<SyncPolicy> {
    let mut policy = sync_policy(environment);
    if !ignored.is_empty() {
        let policy = policy.get_or_insert(SyncPolicy { automated: None, sync_options: Vec::new() });
        policy.sync_options.push("RespectIgnoreDifferences=true");
    }
    policy
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Automated {
    prune: bool,
    self_heal: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProjectSpec {
    description: String,
    source_repos: Vec<String>,
    destinations: Vec<Destination>,
    cluster_resource_whitelist: Vec<GroupKind>,
}

#[derive(Serialize)]
struct GroupKind {
    group: &'static str,
    kind: &'static str,
}

/// The clusters of an environment as Argo CD destinations: by name, or the cluster Argo CD runs
/// in when the environment names none. Each with the suffix its applications' names get.
fn clusters(environment: &Environment) -> Vec<(String, Destination)> {
    if environment.clusters.is_empty() {
        return vec![(
            environment.name.clone(),
            Destination { name: None, server: Some(IN_CLUSTER.to_owned()), namespace: None },
        )];
    }
    environment
        .clusters
        .iter()
        .map(|cluster| {
            // `prod-eu-1` of `prod` is already named after its environment.
            let prefix = if cluster.starts_with(&format!("{}-", environment.name)) {
                cluster.clone()
            } else {
                format!("{}-{cluster}", environment.name)
            };
            (prefix, Destination { name: Some(cluster.clone()), server: None, namespace: None })
        })
        .collect()
}

fn metadata(
    gitops: &GitOps,
    name: String,
    labels: &[(&str, &str)],
    wave: Option<i32>,
) -> ObjectMeta {
    let mut all = BTreeMap::from([("app.kubernetes.io/managed-by".to_owned(), "idpc".to_owned())]);
    all.extend(labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    ObjectMeta {
        name,
        namespace: Some(gitops.namespace.clone()),
        labels: all,
        annotations: wave
            .map(|w| BTreeMap::from([(SYNC_WAVE.to_owned(), w.to_string())]))
            .unwrap_or_default(),
    }
}

fn source(gitops: &GitOps, path: &str, include: Option<String>) -> Source {
    Source {
        repo_url: gitops.repo.clone(),
        target_revision: gitops.revision.clone(),
        path: if gitops.path.is_empty() {
            path.to_owned()
        } else {
            format!("{}/{path}", gitops.path)
        },
        directory: include.map(|include| Directory { include }),
    }
}

/// Automatic sync and pruning, except where a change needs a person's approval.
fn sync_policy(environment: &Environment) -> Option<SyncPolicy> {
    (!environment.approval.required).then(SyncPolicy::automated)
}

/// Argo CD's own namespace in the cluster it runs in: where the applications and projects are.
fn argocd(gitops: &GitOps) -> Destination {
    Destination {
        name: None,
        server: Some(IN_CLUSTER.to_owned()),
        namespace: Some(gitops.namespace.clone()),
    }
}

/// The namespace a platform application names as its destination on a cluster of
/// `environment`. Argo CD checks an application's destination against its project's with the
/// destination's namespace, and an empty one is allowed by none of the `platform` project's;
/// the objects such an application syncs name their own namespaces (or none, cluster-wide), so
/// this is only their default: the namespace there of the first team with a service there
/// (which the access objects create), else of the first team, which the project allows.
fn default_namespace(platform: &Platform, environment: &Environment) -> Option<String> {
    let deployed = platform
        .deployments
        .iter()
        .filter(|d| platform.environment(d.environment).name == environment.name)
        .map(|d| platform.team(platform.service(d.service).team).name.as_str())
        .min();
    let team = deployed.or_else(|| platform.teams.first().map(|t| t.name.as_str()))?;
    Some(format!("{team}-{}", environment.name))
}

fn applications(
    platform: &Platform,
    gitops: &GitOps,
    environment: &Environment,
) -> Vec<Object<ApplicationSpec>> {
    // The services of each team deployed in this environment, by team; the teams with a
    // service an autoscaler scales; whether a canary moves a route's weights.
    let mut teams: BTreeMap<TeamId, Vec<&str>> = BTreeMap::new();
    let mut autoscaled: BTreeSet<TeamId> = BTreeSet::new();
    let mut weighted = false;
    let gateway = platform
        .ingress
        .as_ref()
        .is_some_and(|i| matches!(i.router, idpc_ir::Router::GatewayApi { .. }));
    for deployment in platform
        .deployments
        .iter()
        .filter(|d| platform.environment(d.environment).name == environment.name)
    {
        let service = platform.service(deployment.service);
        teams.entry(service.team).or_default().push(&service.name);
        if deployment.autoscale.is_some() {
            autoscaled.insert(service.team);
        }
        weighted |= gateway
            && service.exposure.is_some()
            && matches!(deployment.strategy.value, idpc_ir::Strategy::Canary { .. });
    }
    let env = environment.name.as_str();
    let has_secrets = platform.deployments.iter().any(|d| {
        platform.environment(d.environment).name == environment.name && !d.secrets.is_empty()
    });
    // With Prometheus Operator rules, the `PrometheusRule` objects of services with SLOs.
    let has_rules = platform.observability.rules == idpc_ir::RuleFormat::PrometheusOperator
        && platform.deployments.iter().any(|d| {
            platform.environment(d.environment).name == environment.name
                && !platform.service(d.service).slos.is_empty()
        });
    let namespace = default_namespace(platform, environment);
    let mut objects = Vec::new();
    for (prefix, cluster) in clusters(environment) {
        let destination = Destination { namespace: namespace.clone(), ..cluster.clone() };
        if has_rules {
            objects.push(Object {
                api_version: API_VERSION,
                kind: "Application",
                metadata: metadata(
                    gitops,
                    format!("{prefix}-rules"),
                    &[("idpc.dev/environment", env)],
                    Some(1),
                ),
                spec: ApplicationSpec {
                    project: PLATFORM_PROJECT.to_owned(),
                    source: source(gitops, &format!("prometheus/{env}"), None),
                    destination: destination.clone(),
                    sync_policy: sync_policy(environment),
                    ignore_differences: Vec::new(),
                },
            });
        }
        if has_secrets {
            // The Secrets the pods read exist before the pods (wave 0).
            objects.push(Object {
                api_version: API_VERSION,
                kind: "Application",
                metadata: metadata(
                    gitops,
                    format!("{prefix}-secrets"),
                    &[("idpc.dev/environment", env)],
                    Some(0),
                ),
                spec: ApplicationSpec {
                    project: PLATFORM_PROJECT.to_owned(),
                    source: source(gitops, &format!("secrets/{env}"), None),
                    destination: destination.clone(),
                    sync_policy: sync_policy(environment),
                    ignore_differences: Vec::new(),
                },
            });
        }
        objects.push(Object {
            api_version: API_VERSION,
            kind: "Application",
            metadata: metadata(
                gitops,
                format!("{prefix}-access"),
                &[("idpc.dev/environment", env)],
                Some(-1),
            ),
            spec: {
                let ignored: Vec<IgnoreDifference> =
                    weighted.then(canary_weights).into_iter().collect();
                ApplicationSpec {
                    project: PLATFORM_PROJECT.to_owned(),
                    source: source(gitops, &format!("kubernetes/{env}"), None),
                    destination: destination.clone(),
                    sync_policy: sync_policy_ignoring(environment, &ignored),
                    ignore_differences: ignored,
                }
            },
        });
        for (id, services) in &teams {
            let team = platform.team(*id);
            let ignored: Vec<IgnoreDifference> =
                autoscaled.contains(id).then(autoscaled_replicas).into_iter().collect();
            let files: Vec<String> = services.iter().map(|s| format!("{s}.yaml")).collect();
            objects.push(Object {
                api_version: API_VERSION,
                kind: "Application",
                metadata: metadata(
                    gitops,
                    format!("{prefix}-{}", team.name),
                    &[("idpc.dev/environment", env), ("idpc.dev/team", &team.name)],
                    Some(1),
                ),
                spec: ApplicationSpec {
                    project: team.name.clone(),
                    source: source(
                        gitops,
                        &format!("argo-rollouts/{env}"),
                        Some(format!("{{{}}}", files.join(","))),
                    ),
                    // Every object of a team's application is in the team's namespace.
                    destination: Destination {
                        namespace: Some(format!("{}-{env}", team.name)),
                        ..cluster.clone()
                    },
                    sync_policy: sync_policy_ignoring(environment, &ignored),
                    ignore_differences: ignored,
                },
            });
        }
    }
    objects
}

fn roots(platform: &Platform, gitops: &GitOps) -> Vec<Object<ApplicationSpec>> {
    // `root` syncs this file and the projects: applied once by hand with the projects, the
    // applications and projects follow the tree from then on (a new environment, a new team).
    let root = Object {
        api_version: API_VERSION,
        kind: "Application",
        metadata: metadata(gitops, ROOT.to_owned(), &[], None),
        spec: ApplicationSpec {
            project: PLATFORM_PROJECT.to_owned(),
            source: source(gitops, "gitops", Some("{projects.yaml,root.yaml}".to_owned())),
            destination: argocd(gitops),
            sync_policy: Some(SyncPolicy::automated()),
            ignore_differences: Vec::new(),
        },
    };
    let mut objects: Vec<Object<ApplicationSpec>> = std::iter::once(root)
        .chain(platform.environments.iter().map(|environment| Object {
            api_version: API_VERSION,
            kind: "Application",
            metadata: metadata(
                gitops,
                environment.name.clone(),
                &[("idpc.dev/environment", &environment.name)],
                None,
            ),
            spec: ApplicationSpec {
                project: PLATFORM_PROJECT.to_owned(),
                source: source(gitops, &format!("gitops/{}", environment.name), None),
                destination: argocd(gitops),
                // The applications themselves follow the tree: they carry no workload.
                sync_policy: Some(SyncPolicy::automated()),
                ignore_differences: Vec::new(),
            },
        }))
        .collect();
    // The secret stores, once per cluster, however many environments share it.
    if platform.deployments.iter().any(|d| !d.secrets.is_empty()) {
        let mut destinations: BTreeMap<String, Destination> = BTreeMap::new();
        for environment in &platform.environments {
            for (_, destination) in clusters(environment) {
                let key = destination.name.clone().unwrap_or_default();
                let namespace = default_namespace(platform, environment);
                destinations.entry(key).or_insert(Destination { namespace, ..destination });
            }
        }
        for (cluster, destination) in destinations {
            let name = if cluster.is_empty() {
                "secret-stores".to_owned()
            } else {
                format!("secret-stores-{cluster}")
            };
            objects.push(Object {
                api_version: API_VERSION,
                kind: "Application",
                metadata: metadata(gitops, name, &[], Some(-1)),
                spec: ApplicationSpec {
                    project: PLATFORM_PROJECT.to_owned(),
                    source: source(gitops, "secrets", Some("stores.yaml".to_owned())),
                    destination,
                    sync_policy: Some(SyncPolicy::automated()),
                    ignore_differences: Vec::new(),
                },
            });
        }
    }
    objects
}

fn projects(platform: &Platform, gitops: &GitOps) -> Vec<Object<ProjectSpec>> {
    let team_namespaces = |team: &str| -> Vec<Destination> {
        platform
            .environments
            .iter()
            .flat_map(|environment| {
                clusters(environment).into_iter().map(move |(_, mut destination)| {
                    destination.namespace = Some(format!("{team}-{}", environment.name));
                    destination
                })
            })
            .collect()
    };
    let mut everything: Vec<Destination> =
        platform.teams.iter().flat_map(|team| team_namespaces(&team.name)).collect();
    everything.push(argocd(gitops));
    let mut objects = vec![Object {
        api_version: API_VERSION,
        kind: "AppProject",
        metadata: metadata(gitops, PLATFORM_PROJECT.to_owned(), &[], None),
        spec: ProjectSpec {
            description: format!(
                "What the {} platform manages itself: namespaces, access, applications",
                platform.name
            ),
            source_repos: vec![gitops.repo.clone()],
            destinations: everything,
            cluster_resource_whitelist: vec![
                GroupKind { group: "", kind: "Namespace" },
                GroupKind { group: "external-secrets.io", kind: "ClusterSecretStore" },
            ],
        },
    }];
    for team in &platform.teams {
        objects.push(Object {
            api_version: API_VERSION,
            kind: "AppProject",
            metadata: metadata(gitops, team.name.clone(), &[("idpc.dev/team", &team.name)], None),
            spec: ProjectSpec {
                description: format!("The workloads of team {}, in its namespaces only", team.name),
                source_repos: vec![gitops.repo.clone()],
                destinations: team_namespaces(&team.name),
                cluster_resource_whitelist: Vec::new(),
            },
        });
    }
    objects
}
