//! The desired objects: what the artifacts of a build describe.

use idpc_backends::Artifact;
use serde::Deserialize;
use serde_json::Value;

use crate::objects::{Domain, Object, ObjectKey, group_of, kubernetes_key};

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

/// The domain of the objects of the artifacts under a family's top-level directory (`helm`,
/// `argo-rollouts`, …), if they have any: [`domain_of`] names no other for a path below it.
pub fn domain_of_dir(dir: &str) -> Option<Domain> {
    match dir {
        "argo-rollouts" | "kubernetes" => Some(Domain::Kubernetes),
        "helm" => Some(Domain::Helm),
        "grafana" => Some(Domain::Grafana),
        "prometheus" => Some(Domain::Prometheus),
        "opa" => Some(Domain::Opa),
        _ => None,
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

/// [`objects_of`], keeping only the objects whose key `wanted` keeps. A Kubernetes document
/// whose key, read from the text as idpc writes it, `wanted` refuses is not parsed at all: with
/// one environment's cluster exported, two thirds of the Kubernetes documents are of others.
pub fn wanted_objects_of(artifact: &Artifact, wanted: &dyn Fn(&ObjectKey) -> bool) -> Vec<Object> {
    if domain_of(&artifact.path) == Some(Domain::Kubernetes)
        && let Some(documents) = documents_as_written(&artifact.contents)
    {
        let mut objects = Vec::new();
        for document in documents {
            if written_key(document).is_some_and(|key| !wanted(&key)) {
                continue;
            }
            for value in yaml_documents(document) {
                if let Some(key) = kubernetes_key(&value)
                    && wanted(&key)
                {
                    let origin = artifact.path.clone();
                    objects.push(Object { key, value, origin, managed: true });
                }
            }
        }
        return objects;
    }
    let mut objects = objects_of(artifact);
    objects.retain(|object| wanted(&object.key));
    objects
}

/// The documents of a YAML stream as idpc writes it: separated by lines that are `---` alone.
/// `None` for a stream with another marker or a directive, which only a parser should split.
fn documents_as_written(text: &str) -> Option<Vec<&str>> {
    let mut documents = Vec::new();
    let (mut start, mut at) = (0, 0);
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" {
            documents.push(&text[start..at]);
            start = at + line.len();
        } else if bare.starts_with("---") || bare.starts_with("...") || bare.starts_with('%') {
            return None;
        }
        at += line.len();
    }
    documents.push(&text[start..]);
    Some(documents)
}

/// The key of a Kubernetes document read from its text, where idpc writes it: `apiVersion` and
/// `kind` at the top, `name` and `namespace` two spaces into `metadata`, each a plain scalar of
/// letters, digits and `.`, `_`, `/`, `-` (which a parser reads as the same string, or not as a
/// string at all, when the document has no key). `None` when it is not written so.
fn written_key(document: &str) -> Option<ObjectKey> {
    let plain = |value: &str| {
        let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-');
        (!value.is_empty() && value.chars().all(safe)).then(|| value.to_owned())
    };
    let mut fields: [Option<String>; 4] = Default::default();
    let mut in_metadata = false;
    for line in document.lines() {
        let (slot, value) = if line.starts_with(' ') {
            if !in_metadata {
                continue;
            }
            match line.split_once(": ") {
                Some(("  name", value)) => (2, value),
                Some(("  namespace", value)) => (3, value),
                _ => continue,
            }
        } else {
            in_metadata = line == "metadata:";
            match line.split_once(": ") {
                Some(("apiVersion", value)) => (0, value),
                Some(("kind", value)) => (1, value),
                _ => continue,
            }
        };
        if fields[slot].is_some() {
            return None;
        }
        fields[slot] = Some(plain(value)?);
    }
    let [Some(api_version), Some(kind), Some(name), namespace] = fields else { return None };
    let group = group_of(&api_version).to_owned();
    Some(ObjectKey::Kubernetes { group, kind, namespace, name })
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
