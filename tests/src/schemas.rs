//! Generated artifacts validate against the upstream schemas in `../shared/schemas` and against
//! the values schema idpc generates.

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{build_dir, documents, examples, repo_root};

#[test]
fn catalog_entities_validate_against_the_backstage_schema() {
    let Some(schemas) = schemas_dir("catalog_entities_validate_against_the_backstage_schema")
    else {
        return;
    };
    let validator = validator(&schemas.join("backstage/catalog-info.json"));
    let invalid = std::fs::read_to_string(
        schemas.join("backstage/examples/invalid/component-missing-owner.yaml"),
    )
    .unwrap();
    assert!(
        documents(&invalid).iter().any(|d| !validator.is_valid(d)),
        "the schema accepts a known-bad entity"
    );
    let mut checked = 0;
    for example in examples() {
        for artifact in build_dir(&example).iter().filter(|a| a.path.starts_with("catalog/")) {
            for document in documents(&artifact.contents) {
                let errors = validation_errors(&validator, &document);
                assert!(errors.is_empty(), "{}: {}", artifact.path, errors.join("\n"));
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} entities checked");
}

#[test]
fn helm_values_validate_against_the_generated_values_schema() {
    for example in examples() {
        let artifacts = build_dir(&example);
        let schema = artifacts
            .iter()
            .find(|a| a.path == "helm/values.schema.json")
            .expect("values schema generated");
        let schema: serde_json::Value = serde_json::from_str(&schema.contents).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let values: Vec<_> =
            artifacts.iter().filter(|a| a.path.ends_with(".values.yaml")).collect();
        assert!(!values.is_empty());
        for artifact in values {
            let document: serde_json::Value = serde_yaml::from_str(&artifact.contents).unwrap();
            let errors = validation_errors(&validator, &document);
            assert!(errors.is_empty(), "{}: {}", artifact.path, errors.join("\n"));
        }
        // The schema is strict: a misspelt key is rejected.
        let bad = serde_json::json!({ "service": {}, "image": { "repository": "x" }, "replicaCount": 1, "resources": {}, "autoscaling": {}, "rollout": {}, "replicas": 2 });
        assert!(!validator.is_valid(&bad));
    }
}

#[test]
fn helm_values_schema_is_a_valid_draft_07_schema() {
    let artifacts = build_dir(&repo_root().join("examples/minimal"));
    let schema = artifacts.iter().find(|a| a.path == "helm/values.schema.json").unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema.contents).unwrap();
    assert!(jsonschema::draft7::meta::is_valid(&schema));
}
