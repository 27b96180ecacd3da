//! Prometheus Operator rules: with `rules "prometheus-operator"` each rule file becomes a
//! `PrometheusRule` in the service's namespace that validates against the operator's schema and
//! holds exactly the groups of the rule file, which the shipped promtool tests pass.

use std::collections::BTreeMap;

use idpc_driver::Artifact;

use crate::support::tools::{program, schemas_dir, validation_errors, validator};
use crate::support::{build_dir, copy_dir, documents, repo_root};

/// acme, built as it is and with its rules as Prometheus Operator objects.
fn both() -> (Vec<Artifact>, Vec<Artifact>) {
    let acme = repo_root().join("examples/acme");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&acme, dir.path());
    let platform = dir.path().join("platform.kdl");
    let text = std::fs::read_to_string(&platform).unwrap();
    let text = text.replacen(
        "observability {",
        "observability {\n        rules \"prometheus-operator\"",
        1,
    );
    std::fs::write(&platform, text).unwrap();
    (build_dir(&acme), build_dir(dir.path()))
}

/// (environment, service) → the rule groups, from rule files or from `PrometheusRule` objects.
fn groups(artifacts: &[Artifact], suffix: &str) -> BTreeMap<String, serde_json::Value> {
    artifacts
        .iter()
        .filter(|a| a.path.starts_with("prometheus/") && a.path.ends_with(suffix))
        .map(|a| {
            let document = documents(&a.contents).remove(0);
            let groups = document.get("groups").or_else(|| document.pointer("/spec/groups"));
            (a.path.trim_end_matches(suffix).to_owned(), groups.unwrap().clone())
        })
        .collect()
}

#[test]
fn prometheus_rules_hold_exactly_the_groups_of_the_rule_files() {
    let (files, objects) = both();
    let from_files = groups(&files, ".rules.yaml");
    let from_objects = groups(&objects, ".prometheusrule.yaml");
    assert!(from_files.len() > 20, "only {} rule files", from_files.len());
    assert_eq!(from_files, from_objects);
    // No rule files, and so no promtool tests of them, beside the objects.
    assert!(
        !objects.iter().any(|a| a.path.ends_with(".rules.yaml") || a.path.ends_with(".test.yaml"))
    );
    // Each object is in its service's namespace, and Argo CD syncs the directory.
    for artifact in objects.iter().filter(|a| a.path.ends_with(".prometheusrule.yaml")) {
        let object = &documents(&artifact.contents)[0];
        let namespace = object["metadata"]["namespace"].as_str().unwrap();
        let environment = artifact.path.split('/').nth(1).unwrap();
        assert!(namespace.ends_with(&format!("-{environment}")), "{}", artifact.path);
        let applications = objects
            .iter()
            .find(|a| a.path == format!("gitops/{environment}/applications.yaml"))
            .unwrap();
        assert!(
            applications.contents.contains(&format!("path: generated/prometheus/{environment}\n")),
            "{environment}: no application syncs its rules"
        );
    }
}

#[test]
fn prometheus_rules_validate_against_the_operator_schema() {
    let test = "prometheus_rules_validate_against_the_operator_schema";
    let Some(schemas) = schemas_dir(test) else { return };
    let validator = validator(&schemas.join("prometheus-operator/prometheusrule_v1.json"));
    let typo = std::fs::read_to_string(
        schemas.join("prometheus-operator/examples/invalid/prometheusrule-typo-expr.yaml"),
    )
    .unwrap();
    assert!(documents(&typo).iter().any(|d| !validator.is_valid(d)), "the schema accepts a typo");
    let (_, objects) = both();
    let mut checked = 0;
    for artifact in objects.iter().filter(|a| a.path.ends_with(".prometheusrule.yaml")) {
        for document in documents(&artifact.contents) {
            let errors = validation_errors(&validator, &document);
            assert!(errors.is_empty(), "{}: {}", artifact.path, errors.join("\n"));
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} objects");
}

#[test]
fn the_groups_of_the_prometheus_rules_pass_the_shipped_promtool_tests() {
    let test = "the_groups_of_the_prometheus_rules_pass_the_shipped_promtool_tests";
    let Some(promtool) = program(test, "promtool") else { return };
    let (files, objects) = both();
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    // The rule files the tests name, made from the objects' groups alone.
    for (stem, groups) in groups(&objects, ".prometheusrule.yaml") {
        let file = serde_json::json!({ "groups": groups });
        write(&format!("{stem}.rules.yaml"), &serde_yaml::to_string(&file).unwrap());
    }
    let tests: Vec<&Artifact> = files.iter().filter(|a| a.path.ends_with(".test.yaml")).collect();
    assert!(tests.len() > 3, "only {} test files", tests.len());
    for artifact in &tests {
        write(&artifact.path, &artifact.contents);
    }
    let mut args = vec!["test".to_owned(), "rules".to_owned()];
    args.extend(tests.iter().map(|a| a.path.clone()));
    let output =
        std::process::Command::new(&promtool).args(&args).current_dir(dir.path()).output().unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
