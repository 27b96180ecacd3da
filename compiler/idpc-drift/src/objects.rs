//! The objects drift compares, keyed so that a generated object and its live counterpart meet:
//! Kubernetes objects by group, kind, namespace and name; Helm values by environment and service;
//! dashboards by uid; rule groups by environment and name; Terraform module inputs by
//! environment and module; the OPA bundle's data and revision.

use std::fmt;

use serde_json::Value;

/// What an object is, and which one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKey {
    /// A Kubernetes object. `group` is empty for the core group.
    Kubernetes {
        /// The API group (`argoproj.io`, `networking.k8s.io`, or empty).
        group: String,
        /// The kind.
        kind: String,
        /// The namespace, for namespaced objects.
        namespace: Option<String>,
        /// The name.
        name: String,
    },
    /// The Helm values of a service in an environment.
    HelmValues {
        /// The environment.
        environment: String,
        /// The service.
        service: String,
    },
    /// A Grafana dashboard.
    Dashboard {
        /// Its uid.
        uid: String,
    },
    /// A Prometheus rule group.
    RuleGroup {
        /// The environment its rules are labelled with.
        environment: String,
        /// The group's name.
        name: String,
    },
    /// The inputs a Terraform module was applied with.
    TerraformModule {
        /// The environment (the root module).
        environment: String,
        /// The module's address, `module.payments_api_db`.
        address: String,
    },
    /// The OPA bundle's data document (`data.idpc.<platform>.model`).
    OpaData,
    /// The OPA bundle's manifest revision: it changes with any policy or data.
    OpaRevision,
}

/// The family of artifacts an object belongs to, which decides whether a live export covers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Domain {
    /// Kubernetes objects.
    Kubernetes,
    /// Helm values.
    Helm,
    /// Grafana dashboards.
    Grafana,
    /// Prometheus rules.
    Prometheus,
    /// Terraform state.
    Terraform,
    /// The OPA bundle.
    Opa,
}

impl ObjectKey {
    /// The domain of the object.
    pub fn domain(&self) -> Domain {
        match self {
            ObjectKey::Kubernetes { .. } => Domain::Kubernetes,
            ObjectKey::HelmValues { .. } => Domain::Helm,
            ObjectKey::Dashboard { .. } => Domain::Grafana,
            ObjectKey::RuleGroup { .. } => Domain::Prometheus,
            ObjectKey::TerraformModule { .. } => Domain::Terraform,
            ObjectKey::OpaData | ObjectKey::OpaRevision => Domain::Opa,
        }
    }

    /// The scope within the domain that an export covers: a namespace, an environment.
    pub fn scope(&self) -> Option<&str> {
        match self {
            ObjectKey::Kubernetes { namespace, name, kind, .. } => match namespace {
                Some(namespace) => Some(namespace),
                None if kind == "Namespace" => Some(name),
                None => None,
            },
            ObjectKey::HelmValues { environment, .. }
            | ObjectKey::RuleGroup { environment, .. }
            | ObjectKey::TerraformModule { environment, .. } => Some(environment),
            ObjectKey::OpaData => Some("data"),
            ObjectKey::OpaRevision => Some("manifest"),
            ObjectKey::Dashboard { .. } => None,
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKey::Kubernetes { kind, namespace: Some(namespace), name, .. } => {
                write!(f, "{kind} {namespace}/{name}")
            }
            ObjectKey::Kubernetes { kind, namespace: None, name, .. } => write!(f, "{kind} {name}"),
            ObjectKey::HelmValues { environment, service } => {
                write!(f, "Helm values of {service} in {environment}")
            }
            ObjectKey::Dashboard { uid } => write!(f, "dashboard {uid}"),
            ObjectKey::RuleGroup { environment, name } => {
                write!(f, "rule group {name} in {environment}")
            }
            ObjectKey::TerraformModule { environment, address } => {
                write!(f, "{address} in {environment}")
            }
            ObjectKey::OpaData => f.write_str("OPA bundle data"),
            ObjectKey::OpaRevision => f.write_str("OPA bundle revision"),
        }
    }
}

/// An object with its key, its value, and where it comes from (an artifact path, or an export
/// file and position).
#[derive(Clone, Debug)]
pub struct Object {
    /// Which object.
    pub key: ObjectKey,
    /// Its content.
    pub value: Value,
    /// Where it was read from.
    pub origin: String,
    /// Whether idpc manages it (live objects carry idpc's marks; generated ones all do).
    pub managed: bool,
}

/// The key of a Kubernetes object, if the value is one.
pub fn kubernetes_key(value: &Value) -> Option<ObjectKey> {
    let api_version = value.get("apiVersion")?.as_str()?;
    let kind = value.get("kind")?.as_str()?.to_owned();
    let metadata = value.get("metadata")?;
    let name = metadata.get("name")?.as_str()?.to_owned();
    let group = group_of(api_version).to_owned();
    let namespace = metadata.get("namespace").and_then(Value::as_str).map(str::to_owned);
    Some(ObjectKey::Kubernetes { group, kind, namespace, name })
}

/// The API group of an `apiVersion` (`argoproj.io` of `argoproj.io/v1alpha1`), empty for the
/// core group (`v1`).
pub(crate) fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// Whether a live Kubernetes object carries idpc's `managed-by` label.
pub fn managed_by_idpc(value: &Value) -> bool {
    value.pointer("/metadata/labels/app.kubernetes.io~1managed-by").and_then(Value::as_str)
        == Some("idpc")
}
