//! Kubernetes access objects validate against the upstream strict schemas, and follow the model:
//! namespaces per team and environment, log access for members, quotas, network policies that
//! admit exactly the declared callers.

use std::collections::BTreeMap;

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{build_dir, documents, repo_root};

#[test]
fn access_objects_validate_against_the_kubernetes_schemas() {
    let Some(schemas) = schemas_dir("access_objects_validate_against_the_kubernetes_schemas")
    else {
        return;
    };
    let dir = schemas.join("kubernetes/v1.33-standalone-strict");
    let validators = BTreeMap::from([
        ("Namespace", validator(&dir.join("namespace-v1.json"))),
        ("Role", validator(&dir.join("role-rbac-v1.json"))),
        ("RoleBinding", validator(&dir.join("rolebinding-rbac-v1.json"))),
        ("ResourceQuota", validator(&dir.join("resourcequota-v1.json"))),
        ("NetworkPolicy", validator(&dir.join("networkpolicy-networking-v1.json"))),
        ("ServiceAccount", validator(&dir.join("serviceaccount-v1.json"))),
        ("PodDisruptionBudget", validator(&dir.join("poddisruptionbudget-policy-v1.json"))),
        ("Ingress", validator(&dir.join("ingress-networking-v1.json"))),
        ("HTTPRoute", validator(&dir.join("../../gateway-api/httproute_v1.json"))),
        ("PodMonitor", validator(&dir.join("../../prometheus-operator/podmonitor_v1.json"))),
    ]);
    let typo = std::fs::read_to_string(
        schemas.join("kubernetes/examples/invalid/networkpolicy-typo.yaml"),
    )
    .unwrap();
    assert!(
        documents(&typo).iter().any(|d| !validators["NetworkPolicy"].is_valid(d)),
        "the schema accepts a known-bad object"
    );
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for example in ["acme", "minimal"] {
        for artifact in build_dir(&repo_root().join("examples").join(example))
            .iter()
            .filter(|a| a.path.starts_with("kubernetes/"))
        {
            for document in documents(&artifact.contents) {
                let kind = document["kind"].as_str().unwrap().to_owned();
                let validator = validators
                    .get(kind.as_str())
                    .unwrap_or_else(|| panic!("{}: unexpected {kind}", artifact.path));
                let errors = validation_errors(validator, &document);
                assert!(errors.is_empty(), "{} ({kind}): {}", artifact.path, errors.join("\n"));
                *counts.entry(kind).or_default() += 1;
            }
        }
    }
    // acme: 3 teams in 3 environments, 2 in the ephemeral checkout-v2; 11 services in 3
    // environments, 4 in checkout-v2 (payments-api and what it calls).
    assert_eq!(counts["Namespace"], 11 + 2, "{counts:?}");
    assert_eq!(counts["NetworkPolicy"], 37 + 2, "{counts:?}");
    assert_eq!(counts["ServiceAccount"], 37 + 2, "{counts:?}");
    assert!(counts["PodDisruptionBudget"] > 5, "{counts:?}");
}

#[test]
fn every_pod_runs_as_an_account_that_exists_and_budgets_cover_replicated_services() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let mut accounts = std::collections::BTreeSet::new();
    let mut budgets = std::collections::BTreeSet::new();
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("kubernetes/")) {
        for document in documents(&artifact.contents) {
            let key = || {
                (
                    document["metadata"]["namespace"].as_str().unwrap().to_owned(),
                    document["metadata"]["name"].as_str().unwrap().to_owned(),
                )
            };
            match document["kind"].as_str() {
                Some("ServiceAccount") => {
                    assert_eq!(document["automountServiceAccountToken"], false);
                    accounts.insert(key());
                }
                Some("PodDisruptionBudget") => {
                    assert_eq!(document["spec"]["maxUnavailable"], 1);
                    budgets.insert(key());
                }
                _ => {}
            }
        }
    }
    let mut rollouts = 0;
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("argo-rollouts/")) {
        for rollout in documents(&artifact.contents).into_iter().filter(|d| d["kind"] == "Rollout")
        {
            rollouts += 1;
            let namespace = rollout["metadata"]["namespace"].as_str().unwrap().to_owned();
            let name = rollout["metadata"]["name"].as_str().unwrap().to_owned();
            let pod = &rollout["spec"]["template"]["spec"];
            let account = pod["serviceAccountName"].as_str().unwrap().to_owned();
            assert!(accounts.contains(&(namespace.clone(), account)), "{}", artifact.path);
            // Replicated services keep all but one instance through a drain; single ones have none.
            let fewest = rollout["spec"]["replicas"].as_u64().unwrap();
            assert_eq!(budgets.contains(&(namespace, name)), fewest > 1, "{}", artifact.path);
        }
    }
    assert_eq!(rollouts, 37);
}

#[test]
fn network_policies_admit_exactly_the_declared_callers() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let file = artifacts.iter().find(|a| a.path == "kubernetes/prod/identity.yaml").unwrap();
    let policy = documents(&file.contents)
        .into_iter()
        .find(|d| d["kind"] == "NetworkPolicy" && d["metadata"]["name"] == "users-api")
        .unwrap();
    // Each rule: its peers, and the ports they may reach.
    let rules = |policy: &serde_json::Value| -> Vec<(Vec<String>, Vec<u64>)> {
        policy["spec"]["ingress"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| {
                let peers = rule["from"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        let labels = &p["namespaceSelector"]["matchLabels"];
                        let namespace = labels["kubernetes.io/metadata.name"].as_str().unwrap();
                        let pod = p["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                            .as_str()
                            .unwrap_or("*");
                        format!("{namespace}/{pod}")
                    })
                    .collect();
                let ports = rule["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["port"].as_u64().unwrap())
                    .collect();
                (peers, ports)
            })
            .collect()
    };
    // payments-api, auth-gateway, notifications and recommendations depend on users-api;
    // Prometheus scrapes it, on the port it scrapes.
    let callers = [
        "identity-prod/auth-gateway",
        "identity-prod/notifications",
        "payments-prod/payments-api",
        "growth-prod/recommendations",
    ]
    .map(str::to_owned);
    assert_eq!(
        rules(&policy),
        [(callers.to_vec(), vec![8080]), (vec!["monitoring/*".to_owned()], vec![8080])]
    );
    // With a port of its own for metrics, callers do not reach it and Prometheus reaches only it.
    let payments = artifacts.iter().find(|a| a.path == "kubernetes/prod/payments.yaml").unwrap();
    let policy = documents(&payments.contents)
        .into_iter()
        .find(|d| d["kind"] == "NetworkPolicy" && d["metadata"]["name"] == "payments-api")
        .unwrap();
    assert_eq!(
        rules(&policy),
        [
            (vec!["growth-prod/web-frontend".to_owned()], vec![8080]),
            (vec!["monitoring/*".to_owned()], vec![9090]),
            (vec!["ingress/*".to_owned()], vec![8080]),
        ]
    );
    let binding =
        documents(&file.contents).into_iter().find(|d| d["kind"] == "RoleBinding").unwrap();
    let subjects: Vec<&str> = binding["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["dan@acme.com", "erin@acme.com", "ivan@acme.com"]);
}

#[test]
fn pods_are_scraped_with_the_labels_the_rules_select_by() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let monitors: Vec<serde_json::Value> = artifacts
        .iter()
        .filter(|a| a.path.starts_with("kubernetes/"))
        .flat_map(|a| documents(&a.contents))
        .filter(|d| d["kind"] == "PodMonitor")
        .collect();
    // One per service that listens on a port (10 of acme's 11) and long-lived environment (3),
    // and for the 4 services checkout-v2 carries.
    assert_eq!(monitors.len(), 34);
    let rules: String = artifacts
        .iter()
        .filter(|a| a.path.starts_with("prometheus/") && a.path.ends_with(".rules.yaml"))
        .map(|a| a.contents.clone())
        .collect();
    for monitor in &monitors {
        let name = monitor["metadata"]["name"].as_str().unwrap();
        let namespace = monitor["metadata"]["namespace"].as_str().unwrap();
        let endpoint = &monitor["spec"]["podMetricsEndpoints"][0];
        let relabelings = endpoint["relabelings"].as_array().unwrap();
        // The service label, as the rules select it, and the canary hash the analyses use.
        assert!(
            relabelings.iter().any(|r| r["targetLabel"] == "service" && r["replacement"] == name)
        );
        assert!(relabelings.iter().any(|r| r["targetLabel"] == "rollouts_pod_template_hash"));
        let selected = format!("namespace=\"{namespace}\",service=\"{name}\"");
        if rules.contains(&format!("service=\"{name}\"")) {
            assert!(rules.contains(&selected), "{selected}");
        }
    }
    // payments-api scrapes its `metrics` port, not `http`.
    let payments = monitors.iter().find(|m| m["metadata"]["name"] == "payments-api").unwrap();
    assert_eq!(payments["spec"]["podMetricsEndpoints"][0]["port"], "metrics");
}

#[test]
fn a_quota_too_large_for_kubernetes_is_its_largest_not_a_wrapped_small_one() {
    // Two services of 7Ei, two instances each and twice over for a rollout: 56Ei, more than a
    // signed 64-bit number of bytes. Summed plainly, that wrapped round to a few bytes.
    let service = |name: &str| {
        format!(
            "service \"{name}\" team=\"web\" {{\n    image \"{name}:1.0.0\"\n    replicas 2\n    requests cpu=\"9223372036854775\" memory=\"7Ei\"\n}}\n"
        )
    };
    let text = format!(
        "platform \"p\"\nteam \"web\" {{ member \"a@p.dev\"; member \"b@p.dev\" }}\nenvironment \"dev\" tier=\"development\"\n{}{}",
        service("a"),
        service("b")
    );
    let compilation = crate::support::compile_texts(&[("platform.kdl", &text)]);
    let platform = compilation.platform.as_ref().unwrap_or_else(|| {
        panic!("{:?}", compilation.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>())
    });
    let artifacts = idpc_driver::emit(platform, idpc_driver::Family::ALL).unwrap();
    let quota = artifacts
        .iter()
        .filter(|a| a.path.starts_with("kubernetes/dev/"))
        .flat_map(|a| documents(&a.contents))
        .find(|d| d["kind"] == "ResourceQuota")
        .unwrap();
    let hard = &quota["spec"]["hard"];
    // The largest quantity Kubernetes holds: 2^63 - 1 bytes, and as many millicores.
    assert_eq!(hard["requests.memory"], "9223372036854775807", "{hard}");
    assert_eq!(hard["limits.memory"], "9223372036854775807", "{hard}");
    assert_eq!(hard["requests.cpu"], "9223372036854775807m", "{hard}");
    assert_eq!(hard["pods"], "8", "{hard}");
}
