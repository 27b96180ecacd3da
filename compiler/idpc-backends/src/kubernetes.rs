//! Kubernetes objects: for every team in every environment, its namespace, a role and
//! binding that let its members read pods and logs there, a resource quota sized from its
//! services, and for every service a network policy that admits only the services that declared a
//! dependency on it (and Prometheus, to scrape it), the service account its pods run as (without
//! an API token mounted: the services do not talk to the API server; annotated with the service's
//! cloud identity under `workload-identity`), and, where more than one
//! instance runs, a disruption budget that keeps all but one of them up during node drains; the
//! route of an exposed service; and the `PodMonitor` that scrapes it with the labels the rules
//! select by.
//!
//! `kubernetes/<environment>/<team>.yaml`, one document per object.

use std::collections::BTreeMap;

use idpc_ir::{Deployment, EnvId, Platform, ServiceId, Strategy, TeamId};
use rayon::prelude::*;
use serde::Serialize;

mod routes;

use crate::Artifact;
use crate::common::k8s::{self, ObjectMeta};
use crate::common::units::{Out, Unit};
use crate::common::{self, names};

pub(crate) fn emit(platform: &Platform, out: &Out<'_>) {
    // One pass to group the deployments by namespace and to find each one's callers, so that
    // the work stays linear in the number of deployments and dependencies.
    let mut namespaces: BTreeMap<(TeamId, EnvId), Vec<&Deployment>> = BTreeMap::new();
    let mut callers: Callers<'_> = BTreeMap::new();
    for deployment in &platform.deployments {
        let service = platform.service(deployment.service);
        namespaces.entry((service.team, deployment.environment)).or_default().push(deployment);
        for callee in &service.depends_on {
            callers.entry((deployment.environment, *callee)).or_default().push(deployment);
        }
    }
    let namespaces: Vec<_> =
        namespaces.into_iter().filter(|((team, _), _)| out.wants(Unit::Team(*team))).collect();
    namespaces.par_iter().for_each(|((team, env), deployments)| {
        out.put(Unit::Team(*team), team_file(platform, *team, *env, deployments, &callers));
    });
}

/// The deployments that call a service in an environment, in the platform's order.
type Callers<'a> = BTreeMap<(EnvId, ServiceId), Vec<&'a Deployment>>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Object<T: Serialize> {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    #[serde(flatten)]
    body: T,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceAccountBody {
    automount_service_account_token: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DisruptionBudgetSpec {
    max_unavailable: u32,
    selector: Selector,
}

#[derive(Serialize)]
struct RoleBody {
    rules: Vec<PolicyRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyRule {
    api_groups: Vec<&'static str>,
    resources: Vec<&'static str>,
    verbs: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BindingBody {
    subjects: Vec<Subject>,
    role_ref: RoleRef,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Subject {
    kind: &'static str,
    api_group: &'static str,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleRef {
    api_group: &'static str,
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
struct SpecBody<S: Serialize> {
    spec: S,
}

#[derive(Serialize)]
struct QuotaSpec {
    hard: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkPolicySpec {
    pod_selector: Selector,
    policy_types: Vec<&'static str>,
    ingress: Vec<IngressRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Selector {
    match_labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct IngressRule {
    from: Vec<Peer>,
    ports: Vec<PolicyPort>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Peer {
    namespace_selector: Selector,
    #[serde(skip_serializing_if = "Option::is_none")]
    pod_selector: Option<Selector>,
}

#[derive(Serialize)]
struct PolicyPort {
    protocol: &'static str,
    port: u16,
}

const NAMESPACE_LABEL: &str = "kubernetes.io/metadata.name";

fn team_file(
    platform: &Platform,
    team_id: TeamId,
    env: EnvId,
    deployments: &[&Deployment],
    callers: &Callers<'_>,
) -> Artifact {
    let team = platform.team(team_id);
    let environment = platform.environment(env);
    let namespace = format!("{}-{}", team.name, environment.name);
    let labels = BTreeMap::from([
        ("app.kubernetes.io/managed-by".to_owned(), "idpc".to_owned()),
        ("idpc.dev/team".to_owned(), team.name.clone()),
        ("idpc.dev/environment".to_owned(), environment.name.clone()),
    ]);
    let meta = |name: String| ObjectMeta {
        name,
        namespace: Some(namespace.clone()),
        labels: labels.clone(),
        ..ObjectMeta::default()
    };
    let path = format!("kubernetes/{}/{}.yaml", environment.name, team.name);
    let mut documents = common::Documents::new(path, platform.file_path(team.file));
    documents.push(&Object {
        api_version: "v1",
        kind: "Namespace",
        metadata: ObjectMeta {
            name: namespace.clone(),
            labels: labels.clone(),
            ..ObjectMeta::default()
        },
        body: Empty {},
    });
    let role = format!("{}-log-reader", team.name);
    documents.push(&Object {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta(role.clone()),
        body: RoleBody {
            rules: vec![PolicyRule {
                api_groups: vec![""],
                resources: vec!["pods", "pods/log"],
                verbs: vec!["get", "list", "watch"],
            }],
        },
    });
    let mut members: Vec<&str> = team.members.iter().map(|m| m.email.as_str()).collect();
    members.sort_unstable();
    documents.push(&Object {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: meta(format!("{}-log-readers", team.name)),
        body: BindingBody {
            subjects: members
                .into_iter()
                .map(|m| Subject {
                    kind: "User",
                    api_group: "rbac.authorization.k8s.io",
                    name: m.to_owned(),
                })
                .collect(),
            role_ref: RoleRef { api_group: "rbac.authorization.k8s.io", kind: "Role", name: role },
        },
    });
    documents.push(&Object {
        api_version: "v1",
        kind: "ResourceQuota",
        metadata: meta(format!("{}-quota", team.name)),
        body: SpecBody { spec: QuotaSpec { hard: quota(deployments) } },
    });
    for deployment in deployments {
        let service = platform.service(deployment.service);
        documents.push(&Object {
            api_version: "v1",
            kind: "ServiceAccount",
            metadata: ObjectMeta {
                labels: k8s::deployment_labels(platform, deployment),
                // The cloud identity its pods take on, when the platform gives them one.
                annotations: platform
                    .identity
                    .iter()
                    .map(|identity| {
                        let (key, value) = names::workload_identity_annotation(
                            identity,
                            &environment.name,
                            service,
                        );
                        (key.to_owned(), value)
                    })
                    .collect(),
                ..meta(names::service_account(service))
            },
            body: ServiceAccountBody { automount_service_account_token: false },
        });
        // The fewest instances that run: the replicas, or the autoscaler's minimum.
        let fewest = deployment.autoscale.as_ref().map_or(deployment.replicas.value, |a| a.min);
        if fewest > 1 {
            documents.push(&Object {
                api_version: "policy/v1",
                kind: "PodDisruptionBudget",
                metadata: ObjectMeta {
                    labels: k8s::deployment_labels(platform, deployment),
                    ..meta(service.name.clone())
                },
                body: SpecBody {
                    spec: DisruptionBudgetSpec {
                        max_unavailable: 1,
                        selector: Selector { match_labels: k8s::selector(&service.name) },
                    },
                },
            });
        }
        documents.push(&Object {
            api_version: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: ObjectMeta {
                labels: k8s::deployment_labels(platform, deployment),
                ..meta(service.name.clone())
            },
            body: SpecBody { spec: network_policy(platform, deployment, callers) },
        });
        if let Some(route) = routes::route(platform, deployment) {
            documents.push(&route);
        }
        if let Some(monitor) = pod_monitor(platform, deployment) {
            documents.push(&monitor);
        }
    }
    documents.finish()
}

/// What a team's services need at their largest, twice over so that a rollout (a blue-green
/// preview, a canary surge) fits beside the running version. Summed without overflow, and
/// written as at most the largest quantity Kubernetes holds.
fn quota(deployments: &[&Deployment]) -> BTreeMap<&'static str, String> {
    let mut cpu = 0u128;
    let mut memory = 0u128;
    let mut memory_limit = 0u128;
    let mut pods = 0u128;
    for deployment in deployments {
        let most = u128::from(
            deployment
                .autoscale
                .as_ref()
                .map_or(deployment.replicas.value, |a| a.max.max(deployment.replicas.value)),
        );
        let preview = match &deployment.strategy.value {
            Strategy::BlueGreen { preview_replicas, .. } => {
                u128::from(preview_replicas.unwrap_or(0))
            }
            _ => 0,
        };
        let instances = 2 * most + preview;
        cpu += u128::from(deployment.cpu.millis()) * instances;
        memory += u128::from(deployment.memory.bytes()) * instances;
        memory_limit += u128::from(deployment.memory_limit.bytes()) * instances;
        pods += instances;
    }
    let held =
        |sum: u128| u64::try_from(sum.clamp(1, u128::from(idpc_ir::KUBERNETES_MAX))).unwrap_or(1);
    BTreeMap::from([
        ("requests.cpu", idpc_ir::Cpu::from_millis(held(cpu)).to_string()),
        ("requests.memory", idpc_ir::Memory::from_bytes(held(memory)).to_string()),
        ("limits.memory", idpc_ir::Memory::from_bytes(held(memory_limit)).to_string()),
        ("pods", pods.to_string()),
    ])
}

fn network_policy(
    platform: &Platform,
    deployment: &Deployment,
    callers: &Callers<'_>,
) -> NetworkPolicySpec {
    let service = platform.service(deployment.service);
    // Callers reach the service's ports but a port of its own for metrics; Prometheus reaches
    // only the port it scrapes.
    let scraped = scrape_port(service);
    let metrics_apart = service.ports.len() > 1 && scraped.is_some_and(|p| p.name == "metrics");
    let ports: Vec<PolicyPort> = service
        .ports
        .iter()
        .filter(|p| !(metrics_apart && p.name == "metrics"))
        .map(|p| PolicyPort { protocol: "TCP", port: p.number })
        .collect();
    let from: Vec<Peer> = callers
        .get(&(deployment.environment, deployment.service))
        .into_iter()
        .flatten()
        .map(|caller| Peer {
            namespace_selector: Selector {
                match_labels: BTreeMap::from([(
                    NAMESPACE_LABEL.to_owned(),
                    caller.namespace.clone(),
                )]),
            },
            pod_selector: Some(Selector {
                match_labels: k8s::selector(&platform.service(caller.service).name),
            }),
        })
        .collect();
    let mut ingress = if ports.is_empty() || from.is_empty() {
        Vec::new()
    } else {
        vec![IngressRule { from, ports }]
    };
    if let (Some(namespace), Some(port)) = (names::prometheus_namespace(platform), scraped) {
        ingress.push(IngressRule {
            from: vec![Peer {
                namespace_selector: Selector {
                    match_labels: BTreeMap::from([(NAMESPACE_LABEL.to_owned(), namespace)]),
                },
                pod_selector: None,
            }],
            ports: vec![PolicyPort { protocol: "TCP", port: port.number }],
        });
    }
    // An exposed service admits the platform's router, on the exposed port only.
    if let (Some((_, port)), Some(router)) =
        (routes::exposed_port(platform, deployment), platform.ingress.as_ref())
    {
        ingress.push(IngressRule {
            from: vec![Peer {
                namespace_selector: Selector {
                    match_labels: BTreeMap::from([(
                        NAMESPACE_LABEL.to_owned(),
                        router.namespace.clone(),
                    )]),
                },
                pod_selector: None,
            }],
            ports: vec![PolicyPort { protocol: "TCP", port }],
        });
    }
    NetworkPolicySpec {
        pod_selector: Selector { match_labels: k8s::selector(&service.name) },
        policy_types: vec!["Ingress"],
        ingress,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodMonitorSpec<'p> {
    selector: Selector,
    pod_metrics_endpoints: [MetricsEndpoint<'p>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetricsEndpoint<'p> {
    port: &'p str,
    path: &'static str,
    interval: &'static str,
    relabelings: [Relabeling<'p>; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relabeling<'p> {
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_labels: Option<[&'static str; 1]>,
    target_label: &'p str,
    #[serde(skip_serializing_if = "Option::is_none")]
    replacement: Option<&'p str>,
}

/// The port Prometheus scrapes: the one named `metrics`, else the first.
fn scrape_port(service: &idpc_ir::Service) -> Option<&idpc_ir::Port> {
    service.ports.iter().find(|p| p.name == "metrics").or(service.ports.first())
}

/// The Prometheus Operator `PodMonitor` that scrapes a service's pods with the labels the
/// recording rules, alerts, dashboards and analyses select by: the service label the platform
/// names, and the rollout's pod-template hash that tells a canary's pods from the stable ones.
/// The port is the one named `metrics`, else the first port.
fn pod_monitor<'p>(
    platform: &'p Platform,
    deployment: &Deployment,
) -> Option<k8s::Object<PodMonitorSpec<'p>>> {
    let service = platform.service(deployment.service);
    let port = scrape_port(service)?;
    let service_label = Relabeling {
        action: "replace",
        source_labels: None,
        target_label: &platform.observability.service_label,
        replacement: Some(&service.name),
    };
    let template_hash = Relabeling {
        action: "replace",
        source_labels: Some(["__meta_kubernetes_pod_label_rollouts_pod_template_hash"]),
        target_label: "rollouts_pod_template_hash",
        replacement: None,
    };
    Some(k8s::Object {
        api_version: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: k8s::deployment_meta(platform, deployment, service.name.clone()),
        spec: PodMonitorSpec {
            selector: Selector { match_labels: k8s::selector(&service.name) },
            pod_metrics_endpoints: [MetricsEndpoint {
                port: &port.name,
                path: "/metrics",
                interval: "30s",
                relabelings: [service_label, template_hash],
            }],
        },
    })
}
