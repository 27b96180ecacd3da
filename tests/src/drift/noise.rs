//! Live state as servers return it: each generated object dressed with what a real API server, a
//! real Grafana and a real Prometheus add. This is the noise `idpc diff` must see through.

use serde_json::{Map, Value, json};

/// What the Kubernetes API server and controllers add to an object on `kubectl get -o yaml`.
pub(crate) fn kubernetes(object: &Value, index: usize) -> Value {
    let mut live = object.clone();
    let kind = object["kind"].as_str().unwrap_or_default().to_owned();
    let metadata = live["metadata"].as_object_mut().unwrap();
    metadata.insert("uid".to_owned(), json!(format!("6f1c2a3b-0000-4000-8000-{index:012}")));
    metadata.insert("resourceVersion".to_owned(), json!(format!("{}", 4_810_000 + index)));
    metadata.insert("generation".to_owned(), json!(3));
    metadata.insert("creationTimestamp".to_owned(), json!("2026-10-02T09:14:31Z"));
    metadata.insert(
        "managedFields".to_owned(),
        json!([{ "apiVersion": object["apiVersion"], "fieldsType": "FieldsV1", "fieldsV1": { "f:metadata": { "f:labels": {} } }, "manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-10-02T09:14:31Z" }]),
    );
    let annotations =
        metadata.entry("annotations").or_insert_with(|| json!({})).as_object_mut().unwrap();
    annotations.insert(
        "kubectl.kubernetes.io/last-applied-configuration".to_owned(),
        json!(serde_json::to_string(object).unwrap()),
    );
    match kind.as_str() {
        "Namespace" => {
            let labels = live["metadata"]["labels"].as_object_mut().unwrap();
            labels.insert(
                "kubernetes.io/metadata.name".to_owned(),
                object["metadata"]["name"].clone(),
            );
            live["spec"] = json!({ "finalizers": ["kubernetes"] });
            live["status"] = json!({ "phase": "Active" });
        }
        "Service" => {
            let spec = live["spec"].as_object_mut().unwrap();
            spec.insert(
                "clusterIP".to_owned(),
                json!(format!("10.96.{}.{}", index / 250, index % 250 + 2)),
            );
            spec.insert(
                "clusterIPs".to_owned(),
                json!([format!("10.96.{}.{}", index / 250, index % 250 + 2)]),
            );
            spec.insert("ipFamilies".to_owned(), json!(["IPv4"]));
            spec.insert("ipFamilyPolicy".to_owned(), json!("SingleStack"));
            spec.insert("internalTrafficPolicy".to_owned(), json!("Cluster"));
            spec.insert("sessionAffinity".to_owned(), json!("None"));
            live["status"] = json!({ "loadBalancer": {} });
        }
        "Rollout" => {
            live["metadata"]["annotations"]["rollout.argoproj.io/revision"] = json!("7");
            let template = live["spec"]["template"].as_object_mut().unwrap();
            template["metadata"]["creationTimestamp"] = Value::Null;
            let pod = template["spec"].as_object_mut().unwrap();
            pod.insert("dnsPolicy".to_owned(), json!("ClusterFirst"));
            pod.insert("restartPolicy".to_owned(), json!("Always"));
            pod.insert("schedulerName".to_owned(), json!("default-scheduler"));
            pod.insert("securityContext".to_owned(), json!({}));
            pod.insert("terminationGracePeriodSeconds".to_owned(), json!(30));
            for container in pod["containers"].as_array_mut().unwrap() {
                let container = container.as_object_mut().unwrap();
                container.insert("imagePullPolicy".to_owned(), json!("IfNotPresent"));
                container
                    .insert("terminationMessagePath".to_owned(), json!("/dev/termination-log"));
                container.insert("terminationMessagePolicy".to_owned(), json!("File"));
                for probe in ["readinessProbe", "livenessProbe"] {
                    if let Some(probe) = container.get_mut(probe).and_then(Value::as_object_mut) {
                        probe.insert("successThreshold".to_owned(), json!(1));
                        if let Some(http) = probe.get_mut("httpGet").and_then(Value::as_object_mut)
                        {
                            http.insert("scheme".to_owned(), json!("HTTP"));
                        }
                    }
                }
                // The API server writes quantities canonically.
                if let Some(cpu) =
                    container.get_mut("resources").and_then(|r| r.pointer_mut("/requests/cpu"))
                    && cpu == "1"
                {
                    *cpu = json!("1000m");
                }
            }
            live["status"] = json!({ "phase": "Healthy", "availableReplicas": 2, "currentPodHash": "6d9f7c8b5", "observedGeneration": "3" });
        }
        "HorizontalPodAutoscaler" => {
            live["spec"]["behavior"] =
                json!({ "scaleDown": { "stabilizationWindowSeconds": 300 } });
            live["status"] = json!({ "currentReplicas": 4, "desiredReplicas": 4 });
        }
        "ResourceQuota" => {
            live["status"] = json!({ "hard": object["spec"]["hard"], "used": { "pods": "3" } })
        }
        _ => {}
    }
    live
}

/// A `kubectl get … -o yaml` list.
pub(crate) fn list(items: Vec<Value>) -> Value {
    json!({ "apiVersion": "v1", "kind": "List", "items": items, "metadata": { "resourceVersion": "" } })
}

/// A dashboard as Grafana's HTTP API returns it: numbered, versioned, in an envelope.
pub(crate) fn grafana(dashboard: &Value, index: usize) -> Value {
    let mut live = dashboard.clone();
    live["id"] = json!(100 + index);
    live["version"] = json!(4);
    live["iteration"] = json!(1_764_000_000_000_u64 + index as u64);
    json!({ "dashboard": live, "meta": { "type": "db", "canSave": true, "slug": dashboard["title"], "url": format!("/d/{}", dashboard["uid"].as_str().unwrap()), "created": "2026-10-02T09:14:31Z", "version": 4, "folderUid": "x" } })
}

/// Rule files as Prometheus's `/api/v1/rules` returns them, with evaluation state.
pub(crate) fn prometheus(files: &[(String, Value)]) -> Value {
    let mut groups = Vec::new();
    for (path, file) in files {
        for group in file["groups"].as_array().unwrap() {
            let rules: Vec<Value> = group["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|rule| {
                    let mut live = Map::new();
                    let alerting = rule.get("alert").is_some();
                    live.insert(
                        "name".to_owned(),
                        rule.get("alert").or(rule.get("record")).cloned().unwrap(),
                    );
                    // Prometheus prints queries on one line.
                    live.insert(
                        "query".to_owned(),
                        json!(
                            rule["expr"]
                                .as_str()
                                .unwrap()
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                    );
                    live.insert("labels".to_owned(), rule["labels"].clone());
                    live.insert("health".to_owned(), json!("ok"));
                    live.insert("evaluationTime".to_owned(), json!(0.000_412));
                    live.insert("lastEvaluation".to_owned(), json!("2026-11-22T10:00:00.123Z"));
                    if alerting {
                        live.insert("state".to_owned(), json!("inactive"));
                        live.insert("duration".to_owned(), json!(0));
                        live.insert("keepFiringFor".to_owned(), json!(0));
                        live.insert("annotations".to_owned(), rule["annotations"].clone());
                        live.insert("alerts".to_owned(), json!([]));
                        live.insert("type".to_owned(), json!("alerting"));
                    } else {
                        live.insert("type".to_owned(), json!("recording"));
                    }
                    Value::Object(live)
                })
                .collect();
            groups.push(json!({ "name": group["name"], "file": format!("/etc/prometheus/rules/{path}"), "rules": rules, "interval": 60, "limit": 0, "evaluationTime": 0.002, "lastEvaluation": "2026-11-22T10:00:00.12Z" }));
        }
    }
    json!({ "status": "success", "data": { "groups": groups } })
}

/// `terraform show -json` after applying a root module: each module's `terraform_data.idpc_inputs`
/// holds the field values written in the root's module blocks (`modules`), and the root names its
/// environment.
pub(crate) fn terraform_state(environment: &str, modules_tf: &str) -> Value {
    let mut modules = Vec::new();
    let mut current: Option<(String, Map<String, Value>)> = None;
    let mut nested = 0;
    for line in modules_tf.lines() {
        let line = line.split(" #").next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix("module \"").and_then(|l| l.strip_suffix("\" {")) {
            current = Some((name.to_owned(), Map::new()));
        } else if line.ends_with('{') {
            nested += 1;
        } else if line == "}" && nested > 0 {
            nested -= 1;
        } else if nested > 0 {
            continue;
        } else if line == "}" {
            if let Some((name, inputs)) = current.take() {
                let address = format!("module.{name}");
                modules.push(json!({
                    "address": address,
                    "resources": [{
                        "address": format!("{address}.terraform_data.idpc_inputs"),
                        "mode": "managed", "type": "terraform_data", "name": "idpc_inputs",
                        "provider_name": "terraform.io/builtin/terraform", "schema_version": 0,
                        "values": { "id": "0e7f0a8c-7b8f-2c9e-5b1e-3f7e2d1c0b9a", "input": inputs.clone(), "output": inputs, "triggers_replace": null },
                        "sensitive_values": { "input": {}, "output": {} }
                    }, {
                        "address": format!("{address}.aws_db_instance.this"), "mode": "managed", "type": "aws_db_instance", "name": "this",
                        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 2,
                        "values": { "arn": "arn:aws:rds:eu-west-1:123456789012:db:x", "status": "available" }, "sensitive_values": {}
                    }]
                }));
            }
        } else if let Some((variable, value)) = line.split_once(" = ").filter(|_| current.is_some())
        {
            let variable = variable.trim();
            if ["source", "name"].contains(&variable) || value.starts_with("var.") {
                continue;
            }
            let value: Value =
                serde_json::from_str(value.trim()).unwrap_or_else(|_| json!(value.trim()));
            if let Some((_, inputs)) = current.as_mut() {
                inputs.insert(variable.to_owned(), value);
            }
        }
    }
    json!({
        "format_version": "1.0",
        "terraform_version": "1.11.4",
        "values": {
            "outputs": { "idpc_environment": { "sensitive": false, "type": "string", "value": environment } },
            "root_module": { "child_modules": modules }
        }
    })
}
