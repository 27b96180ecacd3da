//! The objects `idpc diff --live` takes from each artifact: reading a Kubernetes document's key
//! from its text to skip the documents the exports do not cover must take exactly the objects
//! that parsing every document and then choosing would.

use idpc_drift::{Coverage, Domain, Object, ObjectKey};

use crate::support::{build_dir, examples};

/// The objects of `artifacts` that `coverage` keeps, both ways: parsing every document, and
/// skipping by the written key.
fn both_ways(
    artifacts: &[idpc_driver::Artifact],
    coverage: &Coverage,
) -> (Vec<String>, Vec<String>) {
    let show = |o: &Object| format!("{} {} {} {}", o.key, o.origin, o.managed, o.value);
    let mut parsed = Vec::new();
    let mut skipping = Vec::new();
    for artifact in artifacts {
        let all = idpc_drift::desired::objects_of(artifact);
        parsed.extend(all.iter().filter(|o| coverage.keeps(&o.key)).map(show));
        let wanted = idpc_drift::desired::wanted_objects_of(artifact, &|key| coverage.keeps(key));
        skipping.extend(wanted.iter().map(show));
    }
    (parsed, skipping)
}

#[test]
fn skipping_documents_by_their_written_key_takes_what_parsing_them_all_would() {
    for example in examples() {
        let artifacts = build_dir(&example);
        let every: Vec<Object> =
            artifacts.iter().flat_map(idpc_drift::desired::objects_of).collect();
        let kubernetes: Vec<&Object> =
            every.iter().filter(|o| o.key.domain() == Domain::Kubernetes).collect();
        assert!(kubernetes.len() > 10, "{}", example.display());
        // Every namespace of one environment's cluster, as `kubectl get -A` exports it.
        let prod: Vec<Object> = kubernetes
            .iter()
            .filter(|o| {
                o.value.pointer("/metadata/labels/idpc.dev~1environment") == Some(&"prod".into())
            })
            .map(|o| (*o).clone())
            .collect();
        assert!(!prod.is_empty() && prod.len() < kubernetes.len(), "{}", example.display());
        // One namespace; every object; nothing of Kubernetes (no document is parsed).
        let namespace = prod
            .iter()
            .find_map(|o| match &o.key {
                ObjectKey::Kubernetes { namespace: Some(namespace), .. } => Some(namespace.clone()),
                _ => None,
            })
            .unwrap();
        let one: Vec<Object> =
            prod.iter().filter(|o| o.key.scope() == Some(namespace.as_str())).cloned().collect();
        let helm: Vec<Object> =
            every.iter().filter(|o| o.key.domain() == Domain::Helm).cloned().collect();
        for (name, live) in
            [("prod", &prod), ("one namespace", &one), ("all", &every), ("helm", &helm)]
        {
            let coverage = Coverage::of(live);
            let (parsed, skipping) = both_ways(&artifacts, &coverage);
            assert!(!parsed.is_empty(), "{} {name}", example.display());
            assert_eq!(parsed, skipping, "{} {name}", example.display());
        }
    }
}
