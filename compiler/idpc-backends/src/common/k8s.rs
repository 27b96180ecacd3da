//! Kubernetes object pieces shared by the families that write Kubernetes objects.

use std::collections::BTreeMap;

use idpc_ir::{Deployment, Platform};
use serde::Serialize;

/// `metadata` of a namespaced or cluster object.
#[derive(Serialize, Clone, Debug, Default)]
pub(crate) struct ObjectMeta {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// An object: `apiVersion`, `kind`, `metadata`, `spec`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Object<S: Serialize> {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) metadata: ObjectMeta,
    pub(crate) spec: S,
}

/// The label that selects a service's pods.
pub(crate) const NAME_LABEL: &str = "app.kubernetes.io/name";

/// The labels of every object idpc writes for a deployment.
pub(crate) fn deployment_labels(
    platform: &Platform,
    deployment: &Deployment,
) -> BTreeMap<String, String> {
    let service = platform.service(deployment.service);
    let mut labels = BTreeMap::from([
        (NAME_LABEL.to_owned(), service.name.clone()),
        ("app.kubernetes.io/managed-by".to_owned(), "idpc".to_owned()),
        ("idpc.dev/team".to_owned(), platform.team(service.team).name.clone()),
        (
            "idpc.dev/environment".to_owned(),
            platform.environment(deployment.environment).name.clone(),
        ),
    ]);
    if let Some(system) = service.system {
        labels.insert("app.kubernetes.io/part-of".to_owned(), platform.system(system).name.clone());
    }
    labels
}

/// The `metadata` of an object idpc writes for a deployment: `name`, in the deployment's
/// namespace, with the deployment's labels.
pub(crate) fn deployment_meta(
    platform: &Platform,
    deployment: &Deployment,
    name: String,
) -> ObjectMeta {
    ObjectMeta {
        name,
        namespace: Some(deployment.namespace.clone()),
        labels: deployment_labels(platform, deployment),
        annotations: BTreeMap::new(),
    }
}

/// The labels that select a service's pods.
pub(crate) fn selector(service: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(NAME_LABEL.to_owned(), service.to_owned())])
}

/// A `Service` spec.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceSpec {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) selector: BTreeMap<String, String>,
    pub(crate) ports: Vec<ServicePort>,
}

/// One port of a `Service`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServicePort {
    pub(crate) name: String,
    pub(crate) port: u16,
    pub(crate) target_port: String,
    pub(crate) protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) app_protocol: Option<String>,
}

/// The number of the port named `name` of `service`, if its protocol is gRPC: a server that
/// answers only HTTP/2 fails an HTTP/1.1 probe, so its probes are gRPC health checks (which
/// Kubernetes addresses by number).
pub(crate) fn grpc_port(service: &idpc_ir::Service, name: &str) -> Option<u16> {
    service.ports.iter().find(|p| p.name == name && p.protocol == "grpc").map(|p| p.number)
}

/// The ports of a service as `Service` ports targeting the container's named ports.
pub(crate) fn service_ports(service: &idpc_ir::Service) -> Vec<ServicePort> {
    service
        .ports
        .iter()
        .map(|p| ServicePort {
            name: p.name.clone(),
            port: p.number,
            target_port: p.name.clone(),
            protocol: "TCP",
            app_protocol: (p.protocol != "tcp").then(|| p.protocol.clone()),
        })
        .collect()
}
