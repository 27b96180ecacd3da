//! Argo Rollouts objects validate against the upstream schemas: every `Rollout`,
//! `AnalysisTemplate` and `Service` of every example.

use std::collections::BTreeMap;

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{build_dir, compile_texts, documents, examples, repo_root};

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
            .filter(|a| a.path.starts_with("argo-rollouts/") && !a.path.ends_with("-test.yaml"))
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
        counts["Rollout"] >= 37 && counts["AnalysisTemplate"] > 10 && counts["Service"] > 40,
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
    // Without a router, the one Service spans both versions, so the canary gets its share of
    // requests by its share of pods: the controller would pin stable and canary Services to
    // their versions, and nothing calls the canary one.
    let unrouted = &canary["spec"]["strategy"]["canary"];
    assert!(unrouted.get("trafficRouting").is_none(), "{unrouted}");
    assert!(unrouted.get("stableService").is_none() && unrouted.get("canaryService").is_none());
    let services = |path: &str| -> Vec<String> {
        let artifact = artifacts.iter().find(|a| a.path == path).unwrap();
        documents(&artifact.contents)
            .into_iter()
            .filter(|d| d["kind"] == "Service")
            .map(|d| d["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(services("argo-rollouts/prod/auth-gateway.yaml"), ["auth-gateway"]);
    // With one (payments-api is exposed through the Gateway API), the router splits traffic
    // between the stable and canary Services.
    let routed = rollout("argo-rollouts/prod/payments-api.yaml");
    let routed = &routed["spec"]["strategy"]["canary"];
    assert!(routed.get("trafficRouting").is_some(), "{routed}");
    assert_eq!(routed["stableService"], "payments-api");
    assert_eq!(routed["canaryService"], "payments-api-canary");
    assert_eq!(
        services("argo-rollouts/prod/payments-api.yaml"),
        ["payments-api", "payments-api-canary"]
    );
    // Blue-green with preview and active services.
    let blue_green = rollout("argo-rollouts/prod/ledger.yaml");
    let strategy = &blue_green["spec"]["strategy"]["blueGreen"];
    assert_eq!(strategy["activeService"], "ledger");
    assert_eq!(strategy["previewService"], "ledger-preview");
    assert_eq!(strategy["autoPromotionEnabled"], false);
    assert_eq!(strategy["scaleDownDelaySeconds"], 300);
    // The analysis measures the new version once it takes the traffic: the preview gets none.
    let web = rollout("argo-rollouts/prod/web-frontend.yaml");
    let web = &web["spec"]["strategy"]["blueGreen"];
    assert!(web.get("prePromotionAnalysis").is_none(), "{web}");
    assert_eq!(
        web["postPromotionAnalysis"]["templates"][0]["templateName"],
        "web-frontend-error-ratio"
    );
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
            // What a probe asks: an HTTP path, a gRPC health check or a connection; and the
            // number of the port it asks.
            let number = |port: &serde_json::Value| {
                port.as_u64().unwrap_or_else(|| {
                    let ports = container["ports"].as_array().unwrap();
                    let named = ports.iter().find(|p| p["name"] == *port).unwrap();
                    named["containerPort"].as_u64().unwrap()
                })
            };
            let asks = |probe: &serde_json::Value| {
                let (kind, action) = ["httpGet", "grpc", "tcpSocket"]
                    .into_iter()
                    .find_map(|k| probe.get(k).map(|a| (k, a)))
                    .unwrap_or_else(|| panic!("{}: {probe}", artifact.path));
                (kind, action["path"].as_str().map(str::to_owned), number(&action["port"]))
            };
            let (readiness, liveness) = (asks(readiness), asks(liveness));
            assert_ne!(readiness, liveness, "{}", artifact.path);
            // A gRPC port is asked over gRPC: an HTTP/1.1 request to it fails.
            if artifact.path.ends_with("/fraud-scorer.yaml") {
                assert_eq!(readiness, ("grpc", None, 50051), "{}", artifact.path);
            }
            match &liveness {
                (_, Some(path), _) => {
                    assert_eq!(path, "/livez", "{}", artifact.path);
                    assert_eq!(container["livenessProbe"]["failureThreshold"], 5);
                    declared += 1;
                }
                (kind, None, port) => {
                    assert_eq!((*kind, *port), ("tcpSocket", readiness.2), "{}", artifact.path);
                }
            }
        }
    }
    assert!(probed > 10 && declared > 0, "{probed} probed, {declared} declared");
}

/// A blue-green service with automatic rollback, and a canary one with a step that waits.
const BLUE_GREEN: &str = r#"
platform "p"
team "t"
environment "dev" tier="development"
service "api" team="t" {
    image "api:1.0.0"
    port "http" 8080
    deploy {
        blue-green auto-promote=#true
        rollback error-rate="1%" interval="30s"
    }
}
service "web" team="t" {
    image "web:1.0.0"
    port "http" 8080
    deploy {
        canary {
            step weight=20
            step weight=100
        }
        rollback error-rate="2%" interval="5m"
    }
}
"#;

/// The analyses of a Rollout that the rollout waits for before it promotes: pre- and
/// post-promotion analyses and canary step analyses (a background analysis runs beside the
/// steps and is stopped when the rollout completes).
fn blocking_analyses(rollout: &serde_json::Value) -> Vec<&serde_json::Value> {
    let strategy = &rollout["spec"]["strategy"];
    let mut found: Vec<&serde_json::Value> = ["prePromotionAnalysis", "postPromotionAnalysis"]
        .iter()
        .filter_map(|key| strategy["blueGreen"].get(*key))
        .collect();
    if let Some(steps) = strategy["canary"]["steps"].as_array() {
        found.extend(steps.iter().filter_map(|s| s.get("analysis")));
    }
    found
}

#[test]
fn every_analysis_that_gates_a_promotion_is_finite() {
    let mut files: Vec<(String, String)> = Vec::new();
    for example in examples() {
        for artifact in build_dir(&example) {
            if artifact.path.starts_with("argo-rollouts/") && !artifact.path.contains("-test") {
                files.push((artifact.path, artifact.contents));
            }
        }
    }
    let compilation = compile_texts(&[("p.kdl", BLUE_GREEN)]);
    let platform = compilation.platform.as_ref().unwrap_or_else(|| {
        panic!("{:?}", compilation.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>())
    });
    let emitted = idpc_driver::emit(platform, &[idpc_driver::Family::ArgoRollouts]).unwrap();
    files.extend(emitted.into_iter().map(|a| (format!("blue-green:{}", a.path), a.contents)));
    let mut gated = 0;
    for (path, contents) in files.iter().filter(|(p, _)| !p.ends_with("-test.yaml")) {
        let documents = documents(contents);
        let templates: BTreeMap<&str, &serde_json::Value> = documents
            .iter()
            .filter(|d| d["kind"] == "AnalysisTemplate")
            .map(|d| (d["metadata"]["name"].as_str().unwrap(), d))
            .collect();
        for rollout in documents.iter().filter(|d| d["kind"] == "Rollout") {
            for analysis in blocking_analyses(rollout) {
                for reference in analysis["templates"].as_array().unwrap() {
                    let name = reference["templateName"].as_str().unwrap();
                    let template = templates.get(name).unwrap_or_else(|| panic!("{path}: {name}"));
                    for metric in template["spec"]["metrics"].as_array().unwrap() {
                        // A metric without an interval measures once; with one, `count` times,
                        // or until stopped when there is no count.
                        let finite = metric.get("interval").is_none()
                            || metric["count"].as_u64().is_some_and(|n| n >= 1);
                        assert!(finite, "{path}: {name} gates a promotion and never ends");
                        gated += 1;
                    }
                }
            }
        }
    }
    assert!(gated >= 5, "only {gated} gating analyses seen");
    // The 30s interval of the test platform measures ten times: the query's five minutes.
    let api = &files.iter().find(|(p, _)| p == "blue-green:argo-rollouts/dev/api.yaml").unwrap().1;
    let template = documents(api).into_iter().find(|d| d["kind"] == "AnalysisTemplate").unwrap();
    assert_eq!(template["spec"]["metrics"][0]["count"], 10);
    assert_eq!(template["spec"]["metrics"][0]["consecutiveErrorLimit"], 3);
    // A canary's background analysis is stopped with the rollout: no count.
    let web = &files.iter().find(|(p, _)| p == "blue-green:argo-rollouts/dev/web.yaml").unwrap().1;
    let template = documents(web).into_iter().find(|d| d["kind"] == "AnalysisTemplate").unwrap();
    assert!(template["spec"]["metrics"][0].get("count").is_none());
}
