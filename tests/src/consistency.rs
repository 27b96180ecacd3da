//! The artifact families agree with each other: what one family refers to, another defines.

use std::collections::{BTreeMap, BTreeSet};

use idpc_driver::Artifact;

use crate::support::{build_dir, documents, is_team_file, repo_root};

fn acme() -> Vec<Artifact> {
    build_dir(&repo_root().join("examples/acme"))
}

fn file<'a>(artifacts: &'a [Artifact], path: &str) -> &'a Artifact {
    artifacts.iter().find(|a| a.path == path).unwrap_or_else(|| panic!("{path} is not generated"))
}

/// (environment, service) → recording rule → (slo, expression) of each rule of that name.
type Recorded = BTreeMap<(String, String), BTreeMap<String, Vec<(String, String)>>>;

/// Every recording rule of every rule file: (environment, service) → rule name → expression(s).
fn recording_rules(artifacts: &[Artifact]) -> Recorded {
    let mut rules: Recorded = BTreeMap::new();
    for artifact in artifacts.iter().filter(|a| a.path.ends_with(".rules.yaml")) {
        let value: serde_json::Value = serde_yaml::from_str(&artifact.contents).unwrap();
        for rule in
            value["groups"].as_array().unwrap().iter().flat_map(|g| g["rules"].as_array().unwrap())
        {
            if let Some(record) = rule["record"].as_str() {
                let key = (
                    rule["labels"]["environment"].as_str().unwrap().to_owned(),
                    rule["labels"]["service"].as_str().unwrap().to_owned(),
                );
                let slo = rule["labels"]["slo"].as_str().unwrap().to_owned();
                rules
                    .entry(key)
                    .or_default()
                    .entry(record.to_owned())
                    .or_default()
                    .push((slo, rule["expr"].as_str().unwrap().to_owned()));
            }
        }
    }
    rules
}

#[test]
fn every_alert_links_a_generated_dashboard() {
    let artifacts = acme();
    let uids: BTreeSet<String> = artifacts
        .iter()
        .filter(|a| a.path.starts_with("grafana/dashboards/"))
        .map(|a| {
            serde_json::from_str::<serde_json::Value>(&a.contents).unwrap()["uid"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut alerts = 0;
    for artifact in artifacts.iter().filter(|a| a.path.ends_with(".rules.yaml")) {
        let value: serde_json::Value = serde_yaml::from_str(&artifact.contents).unwrap();
        for rule in value["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap())
            .filter(|r| r.get("alert").is_some())
        {
            let link = rule["annotations"]["dashboard"].as_str().unwrap();
            let uid = link.split("/d/").nth(1).unwrap().split('/').next().unwrap();
            assert!(
                uids.contains(uid),
                "{}: alert links dashboard {uid}, which is not generated",
                artifact.path
            );
            alerts += 1;
        }
    }
    assert!(alerts > 10);
}

#[test]
fn every_recording_rule_an_alert_or_panel_queries_is_generated() {
    let artifacts = acme();
    let rules = recording_rules(&artifacts);
    let referenced = |expr: &str| -> Vec<String> {
        expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .filter(|w| w.starts_with("idpc:"))
            .map(str::to_owned)
            .collect()
    };
    // Alerts refer to rules of their own file.
    for artifact in artifacts.iter().filter(|a| a.path.ends_with(".rules.yaml")) {
        let value: serde_json::Value = serde_yaml::from_str(&artifact.contents).unwrap();
        for rule in
            value["groups"].as_array().unwrap().iter().flat_map(|g| g["rules"].as_array().unwrap())
        {
            let key = (
                rule["labels"]["environment"].as_str().unwrap().to_owned(),
                rule["labels"]["service"].as_str().unwrap().to_owned(),
            );
            for name in referenced(rule["expr"].as_str().unwrap()) {
                assert!(
                    rules[&key].contains_key(&name),
                    "{}: {name} is queried but not recorded",
                    artifact.path
                );
            }
        }
    }
    // Panels of a service's dashboard refer to rules recorded for that service in every environment.
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("grafana/dashboards/")) {
        let dashboard: serde_json::Value = serde_json::from_str(&artifact.contents).unwrap();
        let service = dashboard["title"].as_str().unwrap();
        let environments: Vec<&str> = dashboard["templating"]["list"][0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].as_str().unwrap())
            .collect();
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                for name in referenced(target["expr"].as_str().unwrap()) {
                    for environment in &environments {
                        let recorded = rules.get(&((*environment).to_owned(), service.to_owned()));
                        assert!(
                            recorded.is_some_and(|r| r.contains_key(&name)),
                            "{}: panel {:?} queries {name}, not recorded in {environment}",
                            artifact.path,
                            panel["title"]
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_rollout_analysis_names_a_template_with_the_arguments_it_needs() {
    let artifacts = acme();
    let mut checked = 0;
    for artifact in artifacts
        .iter()
        .filter(|a| a.path.starts_with("argo-rollouts/") && !a.path.ends_with("-test.yaml"))
    {
        let objects = documents(&artifact.contents);
        let rollout = objects.iter().find(|o| o["kind"] == "Rollout").unwrap();
        let strategy = &rollout["spec"]["strategy"];
        let analysis = if strategy["canary"].is_object() {
            &strategy["canary"]["analysis"]
        } else {
            &strategy["blueGreen"]["postPromotionAnalysis"]
        };
        if analysis.is_null() {
            continue;
        }
        for template in analysis["templates"].as_array().unwrap() {
            let name = template["templateName"].as_str().unwrap();
            let found = objects
                .iter()
                .find(|o| o["kind"] == "AnalysisTemplate" && o["metadata"]["name"] == name);
            let found = found.unwrap_or_else(|| {
                panic!("{}: analysis names {name}, which is not generated", artifact.path)
            });
            let given: BTreeSet<&str> = analysis["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap())
                .collect();
            for arg in found["spec"]["args"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a.get("value").is_none())
            {
                assert!(
                    given.contains(arg["name"].as_str().unwrap()),
                    "{}: {name} needs {}",
                    artifact.path,
                    arg["name"]
                );
            }
            checked += 1;
        }
        // Services the strategy names are generated beside it.
        for key in ["stableService", "canaryService", "activeService", "previewService"] {
            let named = strategy["canary"][key].as_str().or(strategy["blueGreen"][key].as_str());
            if let Some(named) = named {
                assert!(
                    objects
                        .iter()
                        .any(|o| o["kind"] == "Service" && o["metadata"]["name"] == named),
                    "{}: {key} {named} missing",
                    artifact.path
                );
            }
        }
    }
    assert!(checked > 10);
}

#[test]
fn the_canary_analysis_measures_the_ratio_the_slo_measures() {
    let artifacts = acme();
    let rules = recording_rules(&artifacts);
    let objects = documents(&file(&artifacts, "argo-rollouts/prod/payments-api.yaml").contents);
    let template = objects.iter().find(|o| o["kind"] == "AnalysisTemplate").unwrap();
    let metric = &template["spec"]["metrics"][0];
    let query = metric["provider"]["prometheus"]["query"].as_str().unwrap();
    // The same expression, restricted to the pods of the new version, and 0 without traffic.
    let unrestricted = query.replace(",rollouts_pod_template_hash=\"{{args.canary-hash}}\"", "");
    let unrestricted =
        unrestricted.strip_prefix('(').unwrap().strip_suffix(") or vector(0)").unwrap().to_owned();
    let slo =
        &rules[&("prod".to_owned(), "payments-api".to_owned())]["idpc:slo_errors:ratio_rate5m"];
    assert!(slo.contains(&("availability".to_owned(), unrestricted)), "{query}\nvs\n{slo:?}");
    // The threshold is the rollback threshold: 14.4 × the 0.05% budget.
    assert_eq!(metric["failureCondition"], "result[0] > 0.0072");
}

#[test]
fn every_catalog_owner_and_member_is_a_generated_entity() {
    let artifacts = acme();
    let entities: Vec<serde_json::Value> = artifacts
        .iter()
        .filter(|a| a.path.starts_with("catalog/"))
        .flat_map(|a| documents(&a.contents))
        .collect();
    let names = |kind: &str| -> BTreeSet<String> {
        entities
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| e["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let groups = names("Group");
    let users = names("User");
    let systems = names("System");
    for entity in &entities {
        if let Some(owner) = entity["spec"]["owner"].as_str() {
            assert!(
                groups.contains(owner.trim_start_matches("group:default/")),
                "owner {owner} is not a Group"
            );
        }
        if let Some(system) = entity["spec"]["system"].as_str() {
            assert!(
                systems.contains(system.trim_start_matches("system:default/")),
                "system {system} is not generated"
            );
        }
        for member in entity["spec"]["members"].as_array().into_iter().flatten() {
            assert!(users.contains(member.as_str().unwrap()), "member {member} is not a User");
        }
    }
}

#[test]
fn every_namespace_an_artifact_uses_is_created() {
    let artifacts = acme();
    let kubernetes: Vec<serde_json::Value> = artifacts
        .iter()
        .filter(|a| a.path.starts_with("kubernetes/"))
        .flat_map(|a| documents(&a.contents))
        .collect();
    let namespaces: BTreeSet<&str> = kubernetes
        .iter()
        .filter(|o| o["kind"] == "Namespace")
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    for artifact in artifacts
        .iter()
        .filter(|a| a.path.starts_with("argo-rollouts/") && !a.path.ends_with("-test.yaml"))
    {
        for object in documents(&artifact.contents) {
            let namespace = object["metadata"]["namespace"].as_str().unwrap();
            assert!(
                namespaces.contains(namespace),
                "{}: namespace {namespace} is not created",
                artifact.path
            );
        }
    }
    for artifact in artifacts.iter().filter(|a| a.path.ends_with(".values.yaml")) {
        let values: serde_json::Value = serde_yaml::from_str(&artifact.contents).unwrap();
        let namespace = values["service"]["namespace"].as_str().unwrap();
        assert!(
            namespaces.contains(namespace),
            "{}: namespace {namespace} is not created",
            artifact.path
        );
    }
}

/// (namespace, Secret) → the keys it holds, for every Secret the output tree makes: the targets of
/// the ExternalSecrets, and the `kubernetes_secret_v1` connection Secrets of the Terraform root
/// modules.
fn secrets_made(artifacts: &[Artifact]) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut made: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("secrets/")) {
        for document in documents(&artifact.contents) {
            if document["kind"] != "ExternalSecret" {
                continue;
            }
            let key = (
                document["metadata"]["namespace"].as_str().unwrap().to_owned(),
                document["spec"]["target"]["name"].as_str().unwrap().to_owned(),
            );
            let keys = made.entry(key).or_default();
            for entry in document["spec"]["data"].as_array().unwrap() {
                keys.insert(entry["secretKey"].as_str().unwrap().to_owned());
            }
        }
    }
    let value = |line: &str, name: &str| {
        let rest = line.trim().strip_prefix(name)?.trim_start().strip_prefix('=')?;
        Some(rest.trim().trim_matches('"').to_owned())
    };
    // The connection Secrets are in the file of each team's resources in each root module.
    for artifact in artifacts.iter().filter(|a| is_team_file(&a.path)) {
        for block in artifact.contents.split("\nresource \"kubernetes_secret_v1\" ").skip(1) {
            let lines: Vec<&str> = block.lines().collect();
            let name = lines.iter().find_map(|l| value(l, "name")).unwrap();
            let namespace = lines.iter().find_map(|l| value(l, "namespace")).unwrap();
            let data = lines.iter().position(|l| l.trim() == "data = {").unwrap();
            let keys = lines[data + 1..]
                .iter()
                .take_while(|l| l.trim() != "}")
                .map(|l| l.split('=').next().unwrap().trim().to_owned());
            made.entry((namespace, name)).or_default().extend(keys);
        }
    }
    made
}

#[test]
fn every_secret_a_pod_reads_is_made_by_an_external_secret_or_a_resource_module() {
    let artifacts = acme();
    let made = secrets_made(&artifacts);
    let (mut keys, mut whole) = (0, 0);
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("argo-rollouts/")) {
        for rollout in documents(&artifact.contents).iter().filter(|d| d["kind"] == "Rollout") {
            let namespace = rollout["metadata"]["namespace"].as_str().unwrap().to_owned();
            for container in rollout["spec"]["template"]["spec"]["containers"].as_array().unwrap() {
                for variable in container["env"].as_array().into_iter().flatten() {
                    let Some(reference) = variable.pointer("/valueFrom/secretKeyRef") else {
                        continue;
                    };
                    let secret = reference["name"].as_str().unwrap().to_owned();
                    let key = reference["key"].as_str().unwrap();
                    let held =
                        made.get(&(namespace.clone(), secret.clone())).unwrap_or_else(|| {
                            panic!(
                                "{}: no ExternalSecret or module makes {namespace}/{secret}",
                                artifact.path
                            )
                        });
                    assert!(held.contains(key), "{}: {secret} holds no key {key}", artifact.path);
                    keys += 1;
                }
                for source in container["envFrom"].as_array().into_iter().flatten() {
                    let secret = source["secretRef"]["name"].as_str().unwrap().to_owned();
                    assert!(
                        made.contains_key(&(namespace.clone(), secret.clone())),
                        "{}: no ExternalSecret or module makes {namespace}/{secret}",
                        artifact.path
                    );
                    whole += 1;
                }
            }
        }
    }
    assert!(keys > 5 && whole > 20, "only {keys} keys and {whole} whole Secrets checked");
}

#[test]
fn helm_connections_name_the_secrets_and_keys_terraform_writes() {
    let artifacts = acme();
    let made = secrets_made(&artifacts);
    let mut checked = 0;
    for values in artifacts.iter().filter(|a| a.path.ends_with(".values.yaml")) {
        let document: serde_json::Value = serde_yaml::from_str(&values.contents).unwrap();
        let namespace = document["service"]["namespace"].as_str().unwrap().to_owned();
        let Some(connections) = document["connections"].as_object() else { continue };
        for connection in connections.values() {
            let secret = connection["secretName"].as_str().unwrap().to_owned();
            let held = &made[&(namespace.clone(), secret)];
            for output in connection["outputs"].as_object().unwrap().values() {
                assert!(held.contains(output["env"].as_str().unwrap()), "{}", values.path);
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} outputs checked");
}

#[test]
fn the_catalog_finds_each_services_objects_in_kubernetes() {
    // Backstage's Kubernetes plugin lists a component's objects by its label selector: it must
    // select the service's Rollout and pods, and nothing of another service.
    let artifacts = acme();
    for component in artifacts.iter().filter(|a| a.path.starts_with("catalog/components/")) {
        let entity = &documents(&component.contents)[0];
        let name = entity["metadata"]["name"].as_str().unwrap();
        let selector = entity["metadata"]["annotations"]["backstage.io/kubernetes-label-selector"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no label selector"));
        let (key, value) = selector.split_once('=').unwrap();
        let mut rollouts = 0;
        for artifact in artifacts
            .iter()
            .filter(|a| a.path.starts_with("argo-rollouts/") && !a.path.ends_with("-test.yaml"))
        {
            for rollout in documents(&artifact.contents).iter().filter(|d| d["kind"] == "Rollout") {
                let labels = &rollout["metadata"]["labels"];
                let pods = &rollout["spec"]["template"]["metadata"]["labels"];
                let mine = rollout["metadata"]["name"] == name;
                assert_eq!(labels[key] == value, mine, "{}: {selector}", artifact.path);
                assert_eq!(pods[key] == value, mine, "{}: {selector}", artifact.path);
                rollouts += usize::from(mine);
            }
        }
        assert!(rollouts > 0, "{name}: selects no Rollout");
    }
}

#[test]
fn helm_values_say_what_the_rollout_does() {
    // A chart reading the values deploys what the Rollout describes: the steps, with the ones
    // that wait for a person, and a blue-green's preview size and scale-down delay.
    let artifacts = acme();
    let mut compared = 0;
    for values in
        artifacts.iter().filter(|a| a.path.starts_with("helm/") && a.path.ends_with(".values.yaml"))
    {
        let (env, service) = {
            let mut parts = values.path.trim_end_matches(".values.yaml").split('/').skip(1);
            (parts.next().unwrap(), parts.next().unwrap())
        };
        let values = &documents(&values.contents)[0]["rollout"];
        let rollout =
            documents(&file(&artifacts, &format!("argo-rollouts/{env}/{service}.yaml")).contents)
                .into_iter()
                .find(|d| d["kind"] == "Rollout")
                .unwrap();
        let strategy = &rollout["spec"]["strategy"];
        if let Some(steps) = strategy["canary"]["steps"].as_array().filter(|s| !s.is_empty()) {
            // Each setWeight with the pause after it: a duration, or none (a person's).
            let mut expected = Vec::new();
            for (i, step) in steps.iter().enumerate() {
                let Some(weight) = step["setWeight"].as_u64() else { continue };
                let pause = steps.get(i + 1).map(|s| &s["pause"]).filter(|p| p.is_object());
                let duration = pause.and_then(|p| p["duration"].as_str()).map(str::to_owned);
                expected.push((
                    weight,
                    duration,
                    pause.is_some_and(|p| p.get("duration").is_none()),
                ));
            }
            let given: Vec<(u64, Option<String>, bool)> = values["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["weight"].as_u64().unwrap(),
                        s["pause"].as_str().map(str::to_owned),
                        s["manual"] == true,
                    )
                })
                .collect();
            assert_eq!(given, expected, "{env}/{service}");
            compared += 1;
        }
        if strategy["blueGreen"].is_object() {
            let blue_green = &strategy["blueGreen"];
            assert_eq!(
                values["previewReplicas"], blue_green["previewReplicaCount"],
                "{env}/{service}"
            );
            let delay = values["scaleDownDelay"].as_str().unwrap();
            let seconds = idpc_ir::Duration::parse(delay).unwrap().as_secs();
            assert_eq!(
                Some(seconds),
                blue_green["scaleDownDelaySeconds"].as_u64(),
                "{env}/{service}"
            );
            compared += 1;
        }
    }
    assert!(compared > 10, "{compared}");
}
