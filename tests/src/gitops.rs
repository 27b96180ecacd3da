//! GitOps: the Argo CD applications validate against the upstream schema, and they sync exactly
//! the committed tree: every path and file they name exists, every Rollout is synced once per
//! cluster of its environment, by its team's project, into the namespaces that project allows.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{build_dir, documents, repo_root};

fn gitops_documents(artifacts: &[idpc_driver::Artifact]) -> Vec<Value> {
    artifacts
        .iter()
        .filter(|a| a.path.starts_with("gitops/"))
        .flat_map(|a| documents(&a.contents))
        .collect()
}

#[test]
fn applications_validate_against_the_argo_cd_schema() {
    let Some(schemas) = schemas_dir("applications_validate_against_the_argo_cd_schema") else {
        return;
    };
    let application = validator(&schemas.join("argo-cd/application_v1alpha1.json"));
    let typo = std::fs::read_to_string(
        schemas.join("argo-cd/examples/invalid/application-typo-automated.yaml"),
    )
    .unwrap();
    assert!(documents(&typo).iter().any(|d| !application.is_valid(d)));
    let mut count = 0;
    for document in gitops_documents(&build_dir(&repo_root().join("examples/acme"))) {
        if document["kind"] == "Application" {
            let errors = validation_errors(&application, &document);
            assert!(errors.is_empty(), "{}: {}", document["metadata"]["name"], errors.join("\n"));
            count += 1;
        }
    }
    // `root`; 4 environments: the root applications; per cluster of an environment (prod has
    // two) an access application, one for secrets and one per team (the ephemeral checkout-v2
    // carries services of two teams only); and the secret stores of each of the 4 clusters.
    assert_eq!(count, 1 + 4 + 5 * (1 + 1 + 3) - 1 + 4, "{count}");
}

#[test]
fn applications_sync_exactly_the_committed_tree() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let files: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    let documents = gitops_documents(&artifacts);
    let projects: BTreeMap<String, &Value> = documents
        .iter()
        .filter(|d| d["kind"] == "AppProject")
        .map(|d| (d["metadata"]["name"].as_str().unwrap().to_owned(), d))
        .collect();
    // Rollout file → (namespace, team).
    let mut rollouts: BTreeMap<String, (String, String)> = BTreeMap::new();
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("argo-rollouts/")) {
        for rollout in crate::support::documents(&artifact.contents) {
            if rollout["kind"] == "Rollout" {
                let metadata = &rollout["metadata"];
                rollouts.insert(
                    artifact.path.clone(),
                    (
                        metadata["namespace"].as_str().unwrap().to_owned(),
                        metadata["labels"]["idpc.dev/team"].as_str().unwrap().to_owned(),
                    ),
                );
            }
        }
    }
    let mut synced: BTreeMap<String, usize> = BTreeMap::new();
    for application in documents.iter().filter(|d| d["kind"] == "Application") {
        let name = application["metadata"]["name"].as_str().unwrap();
        let spec = &application["spec"];
        let path = spec["source"]["path"].as_str().unwrap();
        let dir = path.strip_prefix("generated/").unwrap_or_else(|| panic!("{name}: {path}"));
        let under: Vec<&str> =
            files.iter().copied().filter(|f| f.starts_with(&format!("{dir}/"))).collect();
        assert!(!under.is_empty(), "{name}: nothing under {dir}");
        let project = projects
            .get(spec["project"].as_str().unwrap())
            .unwrap_or_else(|| panic!("{name}: no project {}", spec["project"]));
        // Argo CD admits an application only if its project allows its destination, namespace
        // included: an empty namespace matches none of a project's namespaces.
        let destination = &spec["destination"];
        let namespace = destination["namespace"].as_str().unwrap_or_default();
        assert!(!namespace.is_empty(), "{name}: no destination namespace");
        let admitted = project["spec"]["destinations"].as_array().unwrap().iter().any(|d| {
            d["namespace"] == namespace
                && d["name"] == destination["name"]
                && d["server"] == destination["server"]
        });
        assert!(admitted, "{name}: its project does not allow {destination}");
        let Some(include) = spec["source"]["directory"]["include"].as_str() else { continue };
        let included = include.trim_start_matches('{').trim_end_matches('}').split(',');
        for file in included {
            let path = format!("{dir}/{file}");
            assert!(files.contains(path.as_str()), "{name}: {path} is not in the tree");
            if !dir.starts_with("argo-rollouts/") {
                continue;
            }
            let (namespace, team) =
                rollouts.get(&path).unwrap_or_else(|| panic!("{name}: {path} is not a Rollout"));
            assert_eq!(spec["project"].as_str(), Some(team.as_str()), "{name}: {path}");
            let allowed = project["spec"]["destinations"].as_array().unwrap().iter().any(|d| {
                d["namespace"] == namespace.as_str() && d["name"] == spec["destination"]["name"]
            });
            assert!(allowed, "{name}: project {team} may not deploy to {namespace}");
            *synced.entry(path).or_default() += 1;
        }
    }
    // The projects and the root file itself are kept in sync by `root`.
    let root = documents
        .iter()
        .find(|d| d["kind"] == "Application" && d["metadata"]["name"] == "root")
        .unwrap();
    assert_eq!(root["spec"]["source"]["path"], "generated/gitops");
    assert_eq!(root["spec"]["source"]["directory"]["include"], "{projects.yaml,root.yaml}");
    // Every Rollout is synced once per cluster of its environment (prod has two).
    for path in rollouts.keys() {
        let expected = if path.starts_with("argo-rollouts/prod/") { 2 } else { 1 };
        assert_eq!(synced.get(path), Some(&expected), "{path}");
    }
    // Where approval is required a person syncs; elsewhere Argo CD does.
    for application in documents.iter().filter(|d| d["kind"] == "Application") {
        let environment = application["metadata"]["labels"]["idpc.dev/environment"].as_str();
        let automated = !application["spec"]["syncPolicy"]["automated"].is_null();
        let is_root = application["spec"]["project"] == "platform"
            && application["spec"]["source"]["path"].as_str().unwrap().contains("/gitops/");
        assert_eq!(
            automated,
            is_root || environment != Some("prod"),
            "{}",
            application["metadata"]["name"]
        );
    }
}

#[test]
fn without_a_gitops_setting_nothing_is_written() {
    let artifacts = build_dir(&repo_root().join("examples/minimal"));
    assert!(!artifacts.iter().any(|a| a.path.starts_with("gitops/")));
}

#[test]
fn argo_cd_leaves_to_the_controllers_the_fields_they_own() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let documents = gitops_documents(&artifacts);
    // Per environment directory: the Rollouts an autoscaler scales, and the routes whose
    // weights a canary moves.
    let mut autoscaled: BTreeSet<String> = BTreeSet::new();
    let mut weighted: BTreeSet<String> = BTreeSet::new();
    let workloads = artifacts.iter().filter(|a| {
        (a.path.starts_with("argo-rollouts/") || a.path.starts_with("kubernetes/"))
            && a.path.ends_with(".yaml")
            && !a.path.ends_with("-test.yaml")
    });
    for artifact in workloads {
        for document in crate::support::documents(&artifact.contents) {
            let kind = document["kind"].as_str().unwrap_or_default();
            let env = artifact.path.split('/').nth(1).unwrap_or_default().to_owned();
            if kind == "HorizontalPodAutoscaler" {
                let file = artifact.path.rsplit('/').next().unwrap().to_owned();
                autoscaled.insert(format!("{env}/{file}"));
            }
            let backends = &document["spec"]["rules"][0]["backendRefs"];
            if kind == "HTTPRoute" && backends.as_array().is_some_and(|b| b.len() == 2) {
                weighted.insert(env);
            }
        }
    }
    assert!(!autoscaled.is_empty() && !weighted.is_empty());
    for application in documents.iter().filter(|d| d["kind"] == "Application") {
        let spec = &application["spec"];
        let name = application["metadata"]["name"].as_str().unwrap();
        let path = spec["source"]["path"].as_str().unwrap();
        let env = path.rsplit('/').next().unwrap();
        let included: Vec<String> = spec["source"]["directory"]["include"]
            .as_str()
            .map(|i| i.trim_matches(['{', '}']).split(',').map(|f| format!("{env}/{f}")).collect())
            .unwrap_or_default();
        let ignores = |kind: &str| {
            spec["ignoreDifferences"].as_array().into_iter().flatten().any(|i| i["kind"] == kind)
        };
        let respected = spec["syncPolicy"]["syncOptions"]
            .as_array()
            .is_some_and(|o| o.iter().any(|o| o == "RespectIgnoreDifferences=true"));
        let scaled =
            path.contains("/argo-rollouts/") && included.iter().any(|f| autoscaled.contains(f));
        assert_eq!(ignores("Rollout"), scaled, "{name}");
        let routes = path.contains("/kubernetes/") && weighted.contains(env);
        assert_eq!(ignores("HTTPRoute"), routes, "{name}");
        assert_eq!(respected, scaled || routes, "{name}");
    }
}
