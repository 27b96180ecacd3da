//! Live state exported to files: recognising each export by its content, and turning it into
//! objects comparable with the generated ones.
//!
//! | export | produced by | recognised by |
//! |---|---|---|
//! | Kubernetes objects | `kubectl get … -o yaml` (single objects, `List`s, several documents) | `apiVersion`, `kind`, `metadata.name` |
//! | Helm values | `helm get values RELEASE -o yaml` | `service.name` and `service.environment` |
//! | Terraform state | `terraform show -json` | `format_version` and `values` |
//! | Grafana dashboards | the dashboard JSON, bare or in the HTTP API's `{"dashboard": …, "meta": …}` envelope | `uid` and `panels` |
//! | Prometheus rules | the `/api/v1/rules` response | `status` and `data.groups` |
//! | OPA bundle | the bundle directory (`.manifest`), its `data.json`, or `/v1/data/…` responses | the file name, the model's keys |

use serde_json::{Map, Value, json};

use crate::desired::try_yaml_documents;
use crate::objects::{Object, ObjectKey, kubernetes_key, managed_by_idpc};

/// A file of live state that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    /// The file.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// The objects of one export file. `path` is for messages; its name decides nothing except for an
/// OPA `.manifest`.
pub fn read(path: &str, text: &str) -> Result<Vec<Object>, ExportError> {
    let error = |message: String| ExportError { path: path.to_owned(), message };
    if path.rsplit('/').next() == Some(".manifest") {
        let manifest: Value = serde_json::from_str(text)
            .map_err(|e| error(format!("not a JSON bundle manifest: {e}")))?;
        let revision = manifest
            .get("revision")
            .cloned()
            .ok_or_else(|| error("the manifest has no `revision`".to_owned()))?;
        return Ok(vec![Object {
            key: ObjectKey::OpaRevision,
            value: revision,
            origin: path.to_owned(),
            managed: true,
        }]);
    }
    let documents = if text.trim_start().starts_with(['{', '[']) {
        vec![
            serde_json::from_str::<Value>(text)
                .map_err(|e| error(format!("not valid JSON: {e}")))?,
        ]
    } else if let Some(list) = crate::list::parse(text) {
        vec![list]
    } else {
        try_yaml_documents(text).map_err(|e| error(format!("not valid YAML: {e}")))?
    };
    if documents.is_empty() {
        return Err(error("the file holds no document".to_owned()));
    }
    let mut objects = Vec::new();
    for (index, document) in documents.into_iter().enumerate() {
        let at = |position: String| {
            if position.is_empty() { path.to_owned() } else { format!("{path} ({position})") }
        };
        let position = if index > 0 { format!("document {}", index + 1) } else { String::new() };
        let read = recognise(document, &at(position)).ok_or_else(|| {
            error(format!(
                "document {} is not an export idpc reads: see `idpc diff --help` for what it reads",
                index + 1
            ))
        })?;
        objects.extend(read);
    }
    Ok(objects)
}

fn recognise(document: Value, origin: &str) -> Option<Vec<Object>> {
    let object = |key: ObjectKey, value: Value, managed: bool| Object {
        key,
        value,
        origin: origin.to_owned(),
        managed,
    };
    // A Kubernetes list.
    let is_list = document.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List"));
    if is_list && document.get("items").is_some_and(Value::is_array) {
        let mut document = document;
        let items = match document.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        return Some(
            items
                .into_iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let key = kubernetes_key(&item)?;
                    let managed = managed_by_idpc(&item);
                    Some(Object {
                        key,
                        value: item,
                        origin: format!("{origin} items[{i}]"),
                        managed,
                    })
                })
                .collect(),
        );
    }
    if let Some(key) = kubernetes_key(&document) {
        let managed = managed_by_idpc(&document);
        return Some(vec![object(key, document, managed)]);
    }
    // Prometheus `/api/v1/rules`.
    if document.get("status").is_some()
        && let Some(groups) = document.pointer("/data/groups").and_then(Value::as_array)
    {
        return Some(groups.iter().filter_map(|g| rule_group(g, origin)).collect());
    }
    // Grafana, in the API envelope or bare.
    let dashboard =
        document.get("dashboard").filter(|d| d.get("uid").is_some()).unwrap_or(&document);
    if let Some(uid) = dashboard.get("uid").and_then(Value::as_str)
        && (dashboard.get("panels").is_some() || dashboard.get("schemaVersion").is_some())
    {
        let managed = dashboard
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|t| t == "idpc"));
        return Some(vec![object(
            ObjectKey::Dashboard { uid: uid.to_owned() },
            dashboard.clone(),
            managed,
        )]);
    }
    // `terraform show -json`.
    if document.get("format_version").is_some() && document.get("values").is_some() {
        return Some(terraform_modules(&document, origin));
    }
    // OPA data: the bundle's data.json, or a `/v1/data/…` response.
    let data = document.get("result").unwrap_or(&document);
    if data.get("teams").is_some()
        && data.get("services").is_some()
        && data.get("environments").is_some()
    {
        return Some(vec![object(ObjectKey::OpaData, data.clone(), true)]);
    }
    // Helm values: idpc's values name their service and environment.
    if let (Some(service), Some(environment)) = (
        document.pointer("/service/name").and_then(Value::as_str),
        document.pointer("/service/environment").and_then(Value::as_str),
    ) {
        let key = ObjectKey::HelmValues {
            environment: environment.to_owned(),
            service: service.to_owned(),
        };
        return Some(vec![object(key, document.clone(), true)]);
    }
    None
}

/// A rule group of the rules API, in the form of a rule file.
fn rule_group(group: &Value, origin: &str) -> Option<Object> {
    let name = group.get("name")?.as_str()?;
    let rules: Vec<Value> = group
        .get("rules")?
        .as_array()?
        .iter()
        .map(|rule| {
            let mut out = Map::new();
            let kind = if rule.get("type").and_then(Value::as_str) == Some("alerting") {
                "alert"
            } else {
                "record"
            };
            out.insert(kind.to_owned(), rule.get("name").cloned().unwrap_or(Value::Null));
            out.insert("expr".to_owned(), rule.get("query").cloned().unwrap_or(Value::Null));
            if let Some(seconds) = rule.get("duration").and_then(Value::as_f64).filter(|d| *d > 0.0)
            {
                out.insert("for".to_owned(), json!(format!("{seconds}s")));
            }
            for key in ["labels", "annotations"] {
                if let Some(value) =
                    rule.get(key).filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
                {
                    out.insert(key.to_owned(), value.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    let environment = rules
        .iter()
        .find_map(|r| r.pointer("/labels/environment").and_then(Value::as_str))?
        .to_owned();
    let managed = (name.ends_with("-slo-recordings") || name.ends_with("-slo-alerts"))
        && rules.iter().all(|r| r.pointer("/labels/service").is_some());
    let file = group.get("file").and_then(Value::as_str).unwrap_or("");
    Some(Object {
        key: ObjectKey::RuleGroup { environment, name: name.to_owned() },
        value: json!({ "name": name, "rules": rules }),
        origin: format!("{origin} ({file})"),
        managed,
    })
}

/// The inputs each idpc module was applied with, recorded in its `terraform_data.idpc_inputs`.
fn terraform_modules(state: &Value, origin: &str) -> Vec<Object> {
    let environment = state
        .pointer("/values/outputs/idpc_environment/value")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let modules = state
        .pointer("/values/root_module/child_modules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    modules
        .iter()
        .filter_map(|module| {
            let address = module.get("address")?.as_str()?.to_owned();
            let inputs = module.get("resources")?.as_array()?.iter().find(|r| {
                r.get("address").and_then(Value::as_str)
                    == Some(&format!("{address}.terraform_data.idpc_inputs"))
            })?;
            let value = inputs.pointer("/values/input").cloned()?;
            Some(Object {
                key: ObjectKey::TerraformModule { environment: environment.clone(), address },
                value,
                origin: origin.to_owned(),
                managed: true,
            })
        })
        .collect()
}
