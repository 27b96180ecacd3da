//! The desired objects: what the artifacts of a build describe.

use idpc_backends::Artifact;
use serde::Deserialize;
use serde_json::Value;

use crate::objects::{Domain, Object, ObjectKey, kubernetes_key};

/// Every object the artifacts describe, in artifact order.
pub fn objects(artifacts: &[Artifact]) -> Vec<Object> {
    artifacts.iter().flat_map(objects_of).collect()
}

/// The domain of the objects [`objects_of`] finds in the artifact at `path`, if it finds any.
pub fn domain_of(path: &str) -> Option<Domain> {
    let rules = |p: &str| p.ends_with(".rules.yaml") || p.ends_with(".prometheusrule.yaml");
    if path.starts_with("argo-rollouts/") || path.starts_with("kubernetes/") {
        Some(Domain::Kubernetes)
    } else if path.starts_with("helm/") && path.ends_with(".values.yaml") {
        Some(Domain::Helm)
    } else if path.starts_with("grafana/dashboards/") {
        Some(Domain::Grafana)
    } else if path.starts_with("prometheus/") && rules(path) {
        Some(Domain::Prometheus)
    } else if path == "opa/.manifest"
        || path.strip_prefix("opa/").and_then(|p| p.strip_suffix("/model/data.json")).is_some()
    {
        Some(Domain::Opa)
    } else {
        None
    }
}

/// [`objects`] of one artifact: those of the domain its path names ([`domain_of`]).
pub fn objects_of(artifact: &Artifact) -> Vec<Object> {
    let mut objects = Vec::new();
    let path = artifact.path.as_str();
    let object = |key: ObjectKey, value: Value| Object {
        key,
        value,
        origin: path.to_owned(),
        managed: true,
    };
    // The part of the path below the family's directory: `<environment>/<file>`.
    let below = |family: &str| path.strip_prefix(family).unwrap_or(path);
    match domain_of(path) {
        Some(Domain::Kubernetes) => {
            for document in yaml_documents(&artifact.contents) {
                if let Some(key) = kubernetes_key(&document) {
                    objects.push(object(key, document));
                }
            }
        }
        Some(Domain::Helm) => {
            let rest = below("helm/");
            let (environment, file) = rest.split_once('/').unwrap_or(("", rest));
            let service = file.trim_end_matches(".values.yaml").to_owned();
            if let Some(value) = yaml_documents(&artifact.contents).into_iter().next() {
                objects.push(object(
                    ObjectKey::HelmValues { environment: environment.to_owned(), service },
                    value,
                ));
            }
        }
        Some(Domain::Grafana) => {
            if let Ok(value) = serde_json::from_str::<Value>(&artifact.contents)
                && let Some(uid) = value.get("uid").and_then(Value::as_str)
            {
                let key = ObjectKey::Dashboard { uid: uid.to_owned() };
                objects.push(object(key, value));
            }
        }
        Some(Domain::Prometheus) => {
            let environment = below("prometheus/").split('/').next().unwrap_or("").to_owned();
            for document in yaml_documents(&artifact.contents) {
                // A rule file holds its groups at the top, a `PrometheusRule` in its spec:
                // Prometheus serves the same groups either way.
                let groups = document.get("groups").or_else(|| document.pointer("/spec/groups"));
                for group in groups.and_then(Value::as_array).into_iter().flatten() {
                    if let Some(name) = group.get("name").and_then(Value::as_str) {
                        let key = ObjectKey::RuleGroup {
                            environment: environment.clone(),
                            name: name.to_owned(),
                        };
                        objects.push(object(key, group.clone()));
                    }
                }
            }
        }
        Some(Domain::Opa) => {
            if let Ok(value) = serde_json::from_str::<Value>(&artifact.contents) {
                if path == "opa/.manifest" {
                    let revision = value.get("revision").cloned().unwrap_or(Value::Null);
                    objects.push(object(ObjectKey::OpaRevision, revision));
                } else {
                    objects.push(object(ObjectKey::OpaData, value));
                }
            }
        }
        Some(Domain::Terraform) | None => {}
    }
    objects
}

/// The inputs every Terraform module is applied with, as `terraform_data.idpc_inputs` records
/// them in the state.
pub fn terraform_modules(platform: &idpc_ir::Platform) -> Vec<Object> {
    platform
        .deployments
        .iter()
        .flat_map(|deployment| {
            let service = platform.service(deployment.service);
            let environment = &platform.environment(deployment.environment).name;
            deployment.resources.iter().filter(|r| !platform.kind(r.kind).terraform.is_empty()).map(
                move |resource| {
                    let kind = platform.kind(resource.kind);
                    let inputs = idpc_backends::terraform_module_inputs(kind, resource);
                    Object {
                        key: ObjectKey::TerraformModule {
                            environment: environment.clone(),
                            address: format!(
                                "module.{}",
                                idpc_backends::names::terraform_module(service, resource)
                            ),
                        },
                        value: Value::Object(inputs.into_iter().collect()),
                        origin: format!(
                            "terraform/{environment}/team-{}.tf",
                            platform.team(service.team).name
                        ),
                        managed: true,
                    }
                },
            )
        })
        .collect()
}

/// The documents of a YAML text, as JSON values (empty and comment-only documents skipped).
pub fn yaml_documents(text: &str) -> Vec<Value> {
    try_yaml_documents(text).unwrap_or_default()
}

/// The documents of a YAML (or JSON) text, or the parser's complaint.
pub fn try_yaml_documents(text: &str) -> Result<Vec<Value>, String> {
    let mut documents = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|e| e.to_string())?;
        if !value.is_null() {
            documents.push(value);
        }
    }
    Ok(documents)
}
