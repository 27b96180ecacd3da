//! Argo Rollouts objects validate against the upstream schemas: every `Rollout`,
//! `AnalysisTemplate` and `Service` of every example.

use std::collections::BTreeMap;

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{build_dir, documents, repo_root};

#[test]
fn rollouts_analysis_templates_and_services_validate() {
    let Some(schemas) = schemas_dir("rollouts_analysis_templates_and_services_validate") else {
        return;
    };
    let validators = BTreeMap::from([
        ("Rollout", validator(&schemas.join("argo-rollouts/rollout_v1alpha1.json"))),
        (
            "AnalysisTemplate",
            validator(&schemas.join("argo-rollouts/analysistemplate_v1alpha1.json")),
        ),
        ("Service", validator(&schemas.join("kubernetes/v1.33-standalone-strict/service-v1.json"))),
    ]);
    // The validators reject what they should.
    let typo = std::fs::read_to_string(
        schemas.join("argo-rollouts/examples/invalid/rollout-typo-step.yaml"),
    )
    .unwrap();
    assert!(documents(&typo).iter().any(|d| !validators["Rollout"].is_valid(d)));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for example in ["acme", "minimal"] {
        for artifact in build_dir(&repo_root().join("examples").join(example))
            .iter()
            .filter(|a| a.path.starts_with("argo-rollouts/"))
        {
            for document in documents(&artifact.contents) {
                let kind = document["kind"].as_str().unwrap().to_owned();
                *counts.entry(kind.clone()).or_default() += 1;
                if let Some(validator) = validators.get(kind.as_str()) {
                    let errors = validation_errors(validator, &document);
                    assert!(errors.is_empty(), "{} ({kind}): {}", artifact.path, errors.join("\n"));
                } else {
                    assert_eq!(
                        kind, "HorizontalPodAutoscaler",
                        "{}: unexpected kind",
                        artifact.path
                    );
                    assert_eq!(document["apiVersion"], "autoscaling/v2");
                    assert_eq!(document["spec"]["scaleTargetRef"]["kind"], "Rollout");
                }
            }
        }
    }
    assert!(
        counts["Rollout"] >= 44 && counts["AnalysisTemplate"] > 10 && counts["Service"] > 40,
        "{counts:?}"
    );
}

#[test]
fn strategies_map_to_argo_rollouts() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let rollout = |path: &str| {
        let artifact =
            artifacts.iter().find(|a| a.path == path).unwrap_or_else(|| panic!("{path} missing"));
        documents(&artifact.contents).into_iter().find(|d| d["kind"] == "Rollout").unwrap()
    };
    // Canary steps become setWeight and pause steps; a step without pause waits for a person.
    let canary = rollout("argo-rollouts/prod/auth-gateway.yaml");
    let steps = canary["spec"]["strategy"]["canary"]["steps"].as_array().unwrap();
    let steps: Vec<String> = steps.iter().map(|s| serde_json::to_string(s).unwrap()).collect();
    assert_eq!(
        steps,
        [
            r#"{"setWeight":5}"#,
            r#"{"pause":{"duration":"2m"}}"#,
            r#"{"setWeight":20}"#,
            r#"{"pause":{"duration":"5m"}}"#,
            r#"{"setWeight":60}"#,
            r#"{"pause":{}}"#,
            r#"{"setWeight":100}"#
        ]
    );
    // Blue-green with preview and active services.
    let blue_green = rollout("argo-rollouts/prod/ledger.yaml");
    let strategy = &blue_green["spec"]["strategy"]["blueGreen"];
    assert_eq!(strategy["activeService"], "ledger");
    assert_eq!(strategy["previewService"], "ledger-preview");
    assert_eq!(strategy["autoPromotionEnabled"], false);
    assert_eq!(strategy["scaleDownDelaySeconds"], 300);
    // Rolling is a canary without steps, with surge settings.
    let rolling = rollout("argo-rollouts/prod/recommendations.yaml");
    assert_eq!(rolling["spec"]["strategy"]["canary"]["maxSurge"], "50%");
    assert!(rolling["spec"]["strategy"]["canary"].get("steps").is_none());
    // The override for dev switched payments-api to rolling.
    let dev = rollout("argo-rollouts/dev/payments-api.yaml");
    assert_eq!(dev["spec"]["strategy"]["canary"]["maxUnavailable"], 1);
    // Probes come from the health check; secrets only by reference.
    let container = &canary["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/health");
    assert_eq!(container["readinessProbe"]["periodSeconds"], 5);
    let secret = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "TOKEN_SIGNING_KEY")
        .unwrap();
    assert_eq!(secret["valueFrom"]["secretKeyRef"]["name"], "auth-gateway-secrets");
    assert!(secret.get("value").is_none());
}

#[test]
fn liveness_is_not_the_readiness_check() {
    // A readiness endpoint may check dependencies; liveness restarts the instance, so it probes
    // only that the process accepts connections unless the service declares its own.
    let mut probed = 0;
    let mut declared = 0;
    for artifact in build_dir(&repo_root().join("examples/acme"))
        .iter()
        .filter(|a| a.path.starts_with("argo-rollouts/"))
    {
        for document in documents(&artifact.contents).iter().filter(|d| d["kind"] == "Rollout") {
            let container = &document["spec"]["template"]["spec"]["containers"][0];
            let (readiness, liveness) = (&container["readinessProbe"], &container["livenessProbe"]);
            if readiness.is_null() {
                assert!(liveness.is_null(), "{}", artifact.path);
                continue;
            }
            probed += 1;
            assert_ne!(readiness["httpGet"], liveness["httpGet"], "{}", artifact.path);
            match liveness["httpGet"]["path"].as_str() {
                Some(path) => {
                    assert_eq!(path, "/livez", "{}", artifact.path);
                    assert_eq!(liveness["failureThreshold"], 5);
                    declared += 1;
                }
                None => assert_eq!(liveness["tcpSocket"]["port"], readiness["httpGet"]["port"]),
            }
        }
    }
    assert!(probed > 10 && declared > 0, "{probed} probed, {declared} declared");
}
