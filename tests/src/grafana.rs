//! Grafana dashboards validate against the dashboard schema, have stable unique uids, and are
//! provisioned into one folder per team.

use std::collections::BTreeSet;

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{build_dir, repo_root};

#[test]
fn dashboards_validate_and_have_unique_stable_uids() {
    let Some(schemas) = schemas_dir("dashboards_validate_and_have_unique_stable_uids") else {
        return;
    };
    let validator = validator(&schemas.join("grafana/dashboard.jsonschema.json"));
    let bad: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(schemas.join("grafana/examples/invalid/dashboard-bad.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(!validator.is_valid(&bad), "the schema accepts a known-bad dashboard");
    for example in ["acme", "minimal"] {
        let artifacts = build_dir(&repo_root().join("examples").join(example));
        let mut uids = BTreeSet::new();
        for artifact in artifacts.iter().filter(|a| a.path.starts_with("grafana/dashboards/")) {
            let dashboard: serde_json::Value = serde_json::from_str(&artifact.contents).unwrap();
            let errors = validation_errors(&validator, &dashboard);
            assert!(errors.is_empty(), "{}: {}", artifact.path, errors.join("\n"));
            let uid = dashboard["uid"].as_str().unwrap().to_owned();
            assert!((8..=40).contains(&uid.len()), "{uid}");
            assert!(uids.insert(uid), "{}: duplicate uid", artifact.path);
            let ids: Vec<u64> = dashboard["panels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_u64().unwrap())
                .collect();
            assert_eq!(
                ids.len(),
                ids.iter().collect::<BTreeSet<_>>().len(),
                "{}: duplicate panel ids",
                artifact.path
            );
        }
        let services =
            artifacts.iter().filter(|a| a.path.starts_with("catalog/components/")).count();
        assert_eq!(uids.len(), services, "{example}: one dashboard per service");
    }
}

#[test]
fn dashboards_are_provisioned_in_a_folder_per_team() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let provisioning =
        artifacts.iter().find(|a| a.path == "grafana/provisioning/dashboards/idpc.yaml").unwrap();
    let value: serde_json::Value = serde_yaml::from_str(&provisioning.contents).unwrap();
    let folders: Vec<(&str, &str)> = value["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["folder"].as_str().unwrap(), p["options"]["path"].as_str().unwrap()))
        .collect();
    assert_eq!(folders.len(), 3);
    for (folder, path) in folders {
        assert!(path.ends_with(&format!("/{folder}")), "{path}");
        assert!(
            artifacts.iter().any(|a| a.path.starts_with(&format!("grafana/dashboards/{folder}/"))),
            "{folder} has no dashboards"
        );
    }
    let datasources =
        artifacts.iter().find(|a| a.path == "grafana/provisioning/datasources/idpc.yaml").unwrap();
    assert!(
        datasources.contents.contains("uid: prometheus")
            && datasources.contents.contains("http://prometheus.monitoring.svc:9090")
    );
}

#[test]
fn rollout_panels_select_the_controllers_series_by_its_labels() {
    // The Argo Rollouts controller exports `rollout_info` and `rollout_info_replicas_*` with the
    // rollout's `name` and `namespace`; a matcher on any other label finds nothing.
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let artifact = artifacts
        .iter()
        .find(|a| a.path == "grafana/dashboards/payments/payments-api.json")
        .unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&artifact.contents).unwrap();
    let mut expressions = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap_or_default();
            if expr.contains("rollout_info") {
                expressions.push(expr.to_owned());
            }
        }
    }
    assert_eq!(expressions.len(), 3, "{expressions:?}");
    for expr in &expressions {
        assert!(
            expr.contains("{name=\"payments-api\",namespace=\"payments-$environment\"}"),
            "{expr}"
        );
    }
}
