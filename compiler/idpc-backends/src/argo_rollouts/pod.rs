//! The pod template of a rollout, and its autoscaler.

use std::collections::BTreeMap;

use idpc_ir::{Deployment, Platform};
use serde::Serialize;

use crate::common::k8s::{self, Object};
use crate::common::names;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Selector {
    pub(crate) match_labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
pub(crate) struct PodTemplate {
    metadata: PodMeta,
    spec: PodSpec,
}

#[derive(Serialize)]
struct PodMeta {
    labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodSpec {
    service_account_name: String,
    automount_service_account_token: bool,
    containers: Vec<Container>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    name: String,
    image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    env: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    env_from: Vec<EnvFrom>,
    resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    readiness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    liveness_probe: Option<Probe>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerPort {
    name: String,
    container_port: u16,
    protocol: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvVar {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_from: Option<EnvSource>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvSource {
    secret_key_ref: SecretKeyRef,
}

/// All keys of a Secret as variables: the connection details of one resource.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvFrom {
    secret_ref: SecretRef,
}

#[derive(Serialize)]
struct SecretRef {
    name: String,
}

#[derive(Serialize)]
struct SecretKeyRef {
    name: String,
    key: String,
}

#[derive(Serialize)]
struct Resources {
    requests: BTreeMap<&'static str, String>,
    limits: BTreeMap<&'static str, String>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Probe {
    #[serde(skip_serializing_if = "Option::is_none")]
    http_get: Option<HttpGet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp_socket: Option<TcpSocket>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grpc: Option<Grpc>,
    period_seconds: u64,
    timeout_seconds: u64,
    failure_threshold: u32,
    initial_delay_seconds: u64,
}

#[derive(Serialize, Clone)]
struct HttpGet {
    path: String,
    port: String,
}

#[derive(Serialize, Clone)]
struct TcpSocket {
    port: String,
}

/// The standard gRPC health check of a port (Kubernetes takes its number, not its name).
#[derive(Serialize, Clone)]
struct Grpc {
    port: u16,
}

pub(crate) fn template(platform: &Platform, deployment: &Deployment) -> PodTemplate {
    let service = platform.service(deployment.service);
    let mut env: Vec<EnvVar> = deployment
        .env
        .iter()
        .map(|v| EnvVar {
            name: v.name.clone(),
            value: Some(v.value.value.clone()),
            value_from: None,
        })
        .collect();
    // Secrets are synced from the secrets manager into one Secret per service; pods read them by
    // key, and only the reference is ever written here.
    env.extend(deployment.secrets.iter().map(|s| EnvVar {
        name: s.name.clone(),
        value: None,
        value_from: Some(EnvSource {
            secret_key_ref: SecretKeyRef {
                name: names::secrets_object(service),
                key: s.name.clone(),
            },
        }),
    }));
    let mut limits = BTreeMap::from([("memory", deployment.memory_limit.to_string())]);
    if let Some(cpu) = &deployment.cpu_limit {
        limits.insert("cpu", cpu.to_string());
    }
    let readiness = deployment.healthcheck.as_ref().map(|h| Probe {
        http_get: k8s::grpc_port(service, &h.port)
            .is_none()
            .then(|| HttpGet { path: h.path.clone(), port: h.port.clone() }),
        tcp_socket: None,
        grpc: k8s::grpc_port(service, &h.port).map(|port| Grpc { port }),
        period_seconds: h.interval.as_secs().max(1),
        timeout_seconds: h.timeout.as_secs().max(1),
        failure_threshold: h.threshold,
        initial_delay_seconds: h.initial_delay.as_secs(),
    });
    let liveness = deployment.liveness.as_ref().map(|l| {
        // Without a path the liveness probe only asks whether the port takes connections,
        // whatever it speaks; with one, a gRPC port is asked over gRPC.
        let grpc = k8s::grpc_port(service, &l.port).filter(|_| l.path.is_some());
        Probe {
            http_get: l
                .path
                .as_ref()
                .filter(|_| grpc.is_none())
                .map(|path| HttpGet { path: path.clone(), port: l.port.clone() }),
            tcp_socket: (l.path.is_none() && grpc.is_none())
                .then(|| TcpSocket { port: l.port.clone() }),
            grpc: grpc.map(|port| Grpc { port }),
            period_seconds: l.interval.as_secs().max(1),
            timeout_seconds: l.timeout.as_secs().max(1),
            failure_threshold: l.threshold,
            initial_delay_seconds: l.initial_delay.as_secs(),
        }
    });
    let mut labels = k8s::deployment_labels(platform, deployment);
    labels.retain(|k, _| k != "app.kubernetes.io/managed-by");
    PodTemplate {
        metadata: PodMeta { labels },
        spec: PodSpec {
            service_account_name: names::service_account(service),
            automount_service_account_token: false,
            containers: vec![Container {
                name: service.name.clone(),
                image: deployment.image.to_string(),
                ports: service
                    .ports
                    .iter()
                    .map(|p| ContainerPort {
                        name: p.name.clone(),
                        container_port: p.number,
                        protocol: "TCP",
                    })
                    .collect(),
                env,
                // The outputs of each resource, which its Terraform root module writes into a
                // Secret in this namespace: `DB_HOST`, `DB_PORT`, `DB_PASSWORD_REF`…
                env_from: deployment
                    .resources
                    .iter()
                    .filter(|r| names::has_connection_secret(platform, r))
                    .map(|r| EnvFrom {
                        secret_ref: SecretRef { name: names::connection_secret(service, r) },
                    })
                    .collect(),
                resources: Resources {
                    requests: BTreeMap::from([
                        ("cpu", deployment.cpu.to_string()),
                        ("memory", deployment.memory.to_string()),
                    ]),
                    limits,
                },
                readiness_probe: readiness,
                liveness_probe: liveness,
            }],
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AutoscalerSpec {
    scale_target_ref: TargetRef,
    min_replicas: u32,
    max_replicas: u32,
    metrics: Vec<MetricSpec>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TargetRef {
    api_version: &'static str,
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
struct MetricSpec {
    #[serde(rename = "type")]
    kind: &'static str,
    resource: ResourceMetric,
}

#[derive(Serialize)]
struct ResourceMetric {
    name: &'static str,
    target: Target,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    #[serde(rename = "type")]
    kind: &'static str,
    average_utilization: u32,
}

/// A `HorizontalPodAutoscaler` that scales the rollout, when the service autoscales.
pub(crate) fn autoscaler(
    platform: &Platform,
    deployment: &Deployment,
) -> Option<Object<AutoscalerSpec>> {
    let autoscale = &deployment.autoscale.as_ref()?.value;
    let service = platform.service(deployment.service);
    Some(Object {
        api_version: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: k8s::deployment_meta(platform, deployment, service.name.clone()),
        spec: AutoscalerSpec {
            scale_target_ref: TargetRef {
                api_version: "argoproj.io/v1alpha1",
                kind: "Rollout",
                name: service.name.clone(),
            },
            min_replicas: autoscale.min,
            max_replicas: autoscale.max,
            metrics: vec![MetricSpec {
                kind: "Resource",
                resource: ResourceMetric {
                    name: "cpu",
                    target: Target {
                        kind: "Utilization",
                        average_utilization: autoscale.cpu_target.whole(),
                    },
                },
            }],
        },
    })
}
