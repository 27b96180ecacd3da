//! Secrets, materialised: the External Secrets objects validate against their upstream schemas,
//! every Secret key a pod reads is made by an `ExternalSecret` in its namespace, every store they
//! read through is declared, and no value reaches them, only references.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{build_dir, documents, repo_root};

#[test]
fn external_secrets_objects_validate() {
    let Some(schemas) = schemas_dir("external_secrets_objects_validate") else { return };
    let validators = BTreeMap::from([
        ("ExternalSecret", validator(&schemas.join("external-secrets/externalsecret_v1.json"))),
        (
            "ClusterSecretStore",
            validator(&schemas.join("external-secrets/clustersecretstore_v1.json")),
        ),
    ]);
    let bad = std::fs::read_to_string(
        schemas.join("external-secrets/examples/invalid/externalsecret-bad-storeref.yaml"),
    )
    .unwrap();
    assert!(documents(&bad).iter().any(|d| !validators["ExternalSecret"].is_valid(d)));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for artifact in build_dir(&repo_root().join("examples/acme"))
        .iter()
        .filter(|a| a.path.starts_with("secrets/") && a.path.ends_with(".yaml"))
    {
        for document in documents(&artifact.contents) {
            let kind = document["kind"].as_str().unwrap().to_owned();
            let errors = validation_errors(&validators[kind.as_str()], &document);
            assert!(errors.is_empty(), "{} ({kind}): {}", artifact.path, errors.join("\n"));
            *counts.entry(kind).or_default() += 1;
        }
    }
    // Vault (two mounts), AWS and Google; 4 services with secrets in 3 environments and 2 of them
    // in the ephemeral one, which carries payments-api and what it calls; one service reads from
    // two managers.
    assert_eq!(counts["ClusterSecretStore"], 4, "{counts:?}");
    assert!(counts["ExternalSecret"] >= 14, "{counts:?}");
}

#[test]
fn every_secret_a_pod_reads_is_made_from_a_reference() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let mut made: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut stores_read: BTreeSet<String> = BTreeSet::new();
    let mut stores: BTreeSet<String> = BTreeSet::new();
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("secrets/")) {
        if !artifact.path.ends_with(".yaml") {
            continue;
        }
        for document in documents(&artifact.contents) {
            match document["kind"].as_str() {
                Some("ClusterSecretStore") => {
                    stores.insert(document["metadata"]["name"].as_str().unwrap().to_owned());
                }
                Some("ExternalSecret") => {
                    let spec = &document["spec"];
                    stores_read.insert(spec["secretStoreRef"]["name"].as_str().unwrap().to_owned());
                    let namespace = document["metadata"]["namespace"].as_str().unwrap();
                    let target = spec["target"]["name"].as_str().unwrap();
                    for entry in spec["data"].as_array().unwrap() {
                        // A reference only: a key and a property or version, never a value.
                        let remote = entry["remoteRef"].as_object().unwrap();
                        assert!(
                            remote
                                .keys()
                                .all(|k| ["key", "property", "version"].contains(&k.as_str()))
                        );
                        made.insert((
                            namespace.to_owned(),
                            target.to_owned(),
                            entry["secretKey"].as_str().unwrap().to_owned(),
                        ));
                    }
                }
                other => panic!("{}: unexpected {other:?}", artifact.path),
            }
        }
    }
    assert_eq!(stores_read, stores, "every store read is declared, and only those are written");
    let mut read = 0;
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("argo-rollouts/")) {
        for rollout in documents(&artifact.contents).into_iter().filter(|d| d["kind"] == "Rollout")
        {
            let namespace = rollout["metadata"]["namespace"].as_str().unwrap().to_owned();
            let container = &rollout["spec"]["template"]["spec"]["containers"][0];
            for variable in container["env"].as_array().into_iter().flatten() {
                let Some(reference) = variable["valueFrom"]["secretKeyRef"].as_object() else {
                    continue;
                };
                let key = (
                    namespace.clone(),
                    reference["name"].as_str().unwrap().to_owned(),
                    reference["key"].as_str().unwrap().to_owned(),
                );
                assert!(made.contains(&key), "{}: nothing makes {key:?}", artifact.path);
                read += 1;
            }
        }
    }
    assert!(read >= 16, "{read}");
}

#[test]
fn a_store_without_its_address_is_an_error() {
    let compilation = crate::support::compile_texts(&[(
        "platform.kdl",
        "platform \"p\" {\n    secret-store \"vault\"\n    secret-store \"aws-sm\" region=\"eu-west-1\"\n    secret-store \"aws-sm\" region=\"us-east-1\"\n}\n",
    )]);
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"E0105"), "{codes:?}");
    assert!(
        compilation
            .diagnostics
            .iter()
            .any(|d| d.message.contains("secret store `vault` needs `server`"))
    );
    assert!(codes.contains(&"E0106") || codes.contains(&"E0201"), "{codes:?}");
}
