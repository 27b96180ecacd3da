//! Helm values: one file per (service, environment) for the platform's golden-path chart, and a
//! `values.schema.json` that Helm checks them against.
//!
//! `helm/<environment>/<service>.values.yaml`, `helm/values.schema.json`.

mod schema;

use std::collections::BTreeMap;

use idpc_ir::{Deployment, Platform, Strategy};
use rayon::prelude::*;
use serde::Serialize;

use crate::Artifact;
use crate::common::k8s::grpc_port;
use crate::common::units::{Out, Unit};
use crate::common::{self, names};

pub(crate) fn emit(platform: &Platform, out: &Out<'_>) {
    platform.deployments.par_iter().for_each(|d| {
        let unit = Unit::Service(d.service);
        if out.wants(unit) {
            out.put(unit, values_file(platform, d));
        }
    });
    out.shared(schema::emit);
}

fn values_file(platform: &Platform, deployment: &Deployment) -> Artifact {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let path = format!("helm/{}/{}.values.yaml", environment.name, service.name);
    common::yaml(path, platform.file_path(service.file), &values(platform, deployment))
}

/// The values of one deployment.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Values<'a> {
    service: ServiceInfo<'a>,
    image: Image<'a>,
    replica_count: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<Port<'a>>,
    resources: Resources,
    autoscaling: Autoscaling,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    env: Vec<EnvVar<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<Secret<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    connections: BTreeMap<&'a str, Connection<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    probes: Option<Probes<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    liveness: Option<LivenessProbe<'a>>,
    rollout: Rollout,
}

#[derive(Serialize)]
struct ServiceInfo<'a> {
    name: &'a str,
    team: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<&'a str>,
    environment: &'a str,
    tier: &'static str,
    namespace: &'a str,
    criticality: idpc_ir::Criticality,
}

#[derive(Serialize)]
struct Image<'a> {
    repository: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Port<'a> {
    name: &'a str,
    container_port: u16,
    protocol: &'a str,
}

#[derive(Serialize)]
struct Resources {
    requests: Quantities,
    limits: Quantities,
}

#[derive(Serialize)]
struct Quantities {
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu: Option<String>,
    memory: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Autoscaling {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_replicas: Option<u32>,
    #[serde(rename = "targetCPUUtilizationPercentage", skip_serializing_if = "Option::is_none")]
    target_cpu: Option<u32>,
}

#[derive(Serialize)]
struct EnvVar<'a> {
    name: &'a str,
    value: &'a str,
}

/// A secret, by reference only.
#[derive(Serialize)]
struct Secret<'a> {
    name: &'a str,
    provider: idpc_ir::SecretProvider,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
}

/// A resource the service uses, with where to find each of its outputs.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Connection<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_name: Option<String>,
    outputs: BTreeMap<&'a str, OutputRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutputRef {
    terraform_output: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    secret: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Probes<'a> {
    /// The HTTP path; none for a gRPC health check.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    port: &'a str,
    /// Whether the probe is the standard gRPC health check (the port's protocol is gRPC).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    grpc: bool,
    period_seconds: u64,
    timeout_seconds: u64,
    failure_threshold: u32,
    initial_delay_seconds: u64,
}

/// The liveness probe: over HTTP when it has a path, else a TCP connection to the port.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LivenessProbe<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    port: &'a str,
    /// Whether the probe is the standard gRPC health check (the port's protocol is gRPC).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    grpc: bool,
    period_seconds: u64,
    timeout_seconds: u64,
    failure_threshold: u32,
    initial_delay_seconds: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rollout {
    strategy: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_promote: Option<bool>,
    /// Blue-green: the instances of the new version before promotion, if not all.
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_replicas: Option<u32>,
    /// Blue-green: how long the previous version stays after promotion.
    #[serde(skip_serializing_if = "Option::is_none")]
    scale_down_delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_surge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_unavailable: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Analysis>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    weight: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pause: Option<String>,
    /// The rollout waits at this step for a person (a step before the last without a pause).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    manual: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Analysis {
    max_error_ratio: String,
    interval: String,
    auto_rollback: bool,
}

fn values<'a>(platform: &'a Platform, deployment: &'a Deployment) -> Values<'a> {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let image = &deployment.image.value;
    let autoscale = deployment.autoscale.as_ref().map(|a| &a.value);
    let connections = deployment
        .resources
        .iter()
        .map(|resource| {
            let kind = platform.kind(resource.kind);
            let secret_name = names::has_connection_secret(platform, resource)
                .then(|| names::connection_secret(service, resource));
            let outputs = kind
                .outputs
                .iter()
                .map(|output| {
                    let reference = OutputRef {
                        terraform_output: names::terraform_output(service, resource, &output.name),
                        env: secret_name.is_some().then(|| names::connection_key(resource, output)),
                        secret: output.secret,
                    };
                    (output.name.as_str(), reference)
                })
                .collect();
            (resource.name.as_str(), Connection { kind: &kind.name, secret_name, outputs })
        })
        .collect();
    Values {
        service: ServiceInfo {
            name: &service.name,
            team: &platform.team(service.team).name,
            system: service.system.map(|s| platform.system(s).name.as_str()),
            environment: &environment.name,
            tier: environment.tier.as_str(),
            namespace: &deployment.namespace,
            criticality: service.criticality,
        },
        image: Image {
            repository: &image.repository,
            tag: image.tag.as_deref(),
            digest: image.digest.as_deref(),
        },
        replica_count: deployment.replicas.value,
        ports: service
            .ports
            .iter()
            .map(|p| Port { name: &p.name, container_port: p.number, protocol: &p.protocol })
            .collect(),
        resources: Resources {
            requests: Quantities {
                cpu: Some(deployment.cpu.to_string()),
                memory: deployment.memory.to_string(),
            },
            limits: Quantities {
                cpu: deployment.cpu_limit.as_ref().map(|c| c.to_string()),
                memory: deployment.memory_limit.to_string(),
            },
        },
        autoscaling: Autoscaling {
            enabled: autoscale.is_some(),
            min_replicas: autoscale.map(|a| a.min),
            max_replicas: autoscale.map(|a| a.max),
            target_cpu: autoscale.map(|a| a.cpu_target.whole()),
        },
        env: deployment.env.iter().map(|v| EnvVar { name: &v.name, value: &v.value }).collect(),
        secrets: deployment
            .secrets
            .iter()
            .map(|s| Secret {
                name: &s.name,
                provider: s.reference.provider,
                path: &s.reference.path,
                key: s.reference.key.as_deref(),
            })
            .collect(),
        dependencies: service
            .depends_on
            .iter()
            .map(|d| platform.service(*d).name.as_str())
            .collect(),
        connections,
        probes: deployment.healthcheck.as_ref().map(|h| {
            let grpc = grpc_port(service, &h.port).is_some();
            Probes {
                path: (!grpc).then_some(h.path.as_str()),
                port: &h.port,
                grpc,
                period_seconds: h.interval.as_secs().max(1),
                timeout_seconds: h.timeout.as_secs().max(1),
                failure_threshold: h.threshold,
                initial_delay_seconds: h.initial_delay.as_secs(),
            }
        }),
        liveness: deployment.liveness.as_ref().map(|l| LivenessProbe {
            path: l.path.as_deref().filter(|_| grpc_port(service, &l.port).is_none()),
            port: &l.port,
            grpc: l.path.is_some() && grpc_port(service, &l.port).is_some(),
            period_seconds: l.interval.as_secs().max(1),
            timeout_seconds: l.timeout.as_secs().max(1),
            failure_threshold: l.threshold,
            initial_delay_seconds: l.initial_delay.as_secs(),
        }),
        rollout: rollout(deployment),
    }
}

fn rollout(deployment: &Deployment) -> Rollout {
    let analysis = deployment.rollback.as_ref().map(|r| Analysis {
        max_error_ratio: r.error_rate.ratio(),
        interval: r.interval.single_unit(),
        auto_rollback: r.auto,
    });
    let mut rollout = Rollout {
        strategy: "",
        steps: Vec::new(),
        auto_promote: None,
        preview_replicas: None,
        scale_down_delay: None,
        max_surge: None,
        max_unavailable: None,
        analysis,
    };
    match &deployment.strategy.value {
        Strategy::Canary { steps } => {
            rollout.strategy = "canary";
            rollout.steps = steps
                .iter()
                .map(|s| Step {
                    weight: s.weight,
                    pause: s.pause.map(|p| p.single_unit()),
                    manual: s.pause.is_none() && s.weight < 100,
                })
                .collect();
        }
        Strategy::BlueGreen { auto_promote, preview_replicas, scale_down_delay } => {
            rollout.strategy = "blue-green";
            rollout.auto_promote = Some(*auto_promote);
            rollout.preview_replicas = *preview_replicas;
            rollout.scale_down_delay = Some(scale_down_delay.single_unit());
        }
        Strategy::Rolling { max_surge, max_unavailable } => {
            rollout.strategy = "rolling";
            rollout.max_surge = Some(max_surge.to_string());
            rollout.max_unavailable = Some(max_unavailable.to_string());
        }
    }
    rollout
}
