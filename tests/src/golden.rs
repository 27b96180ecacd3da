//! Golden outputs: every example under `examples/` compiles, and its artifacts equal the
//! committed tree under `golden/<example>/`, file by file, missing and extra files included.
//! `IDPC_BLESS=1` regenerates the trees; read the diff before committing it.

use std::collections::BTreeSet;

use serde::Deserialize as _;
use similar::TextDiff;

use crate::support::{bless, build_dir, examples, repo_root};

fn example_names() -> BTreeSet<String> {
    examples()
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_example_matches_its_golden_tree() {
    let filter = std::env::var("IDPC_TEST_FILTER").unwrap_or_default();
    let mut failures = Vec::new();
    for name in example_names().into_iter().filter(|n| n.contains(&filter)) {
        let artifacts = build_dir(&repo_root().join("examples").join(&name));
        let golden = repo_root().join("golden").join(&name);
        if bless() {
            idpc_driver::write_tree(
                &golden,
                &artifacts,
                &idpc_driver::WriteOptions { adopt: true, ..Default::default() },
            )
            .unwrap();
            continue;
        }
        let committed = idpc_driver::read_tree(&golden).unwrap();
        if committed.is_empty() {
            failures.push(format!("golden/{name} is missing: run with IDPC_BLESS=1"));
            continue;
        }
        for artifact in &artifacts {
            match committed.get(&artifact.path) {
                None => failures
                    .push(format!("golden/{name}/{}: generated but not committed", artifact.path)),
                Some(bytes) => {
                    let old = String::from_utf8_lossy(bytes);
                    if old != artifact.contents {
                        let diff = TextDiff::from_lines(old.as_ref(), artifact.contents.as_str())
                            .unified_diff()
                            .context_radius(3)
                            .header(&format!("golden/{name}/{}", artifact.path), "generated")
                            .to_string();
                        failures.push(diff);
                    }
                }
            }
        }
        let generated: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
        for path in committed.keys().filter(|p| !generated.contains(p.as_str())) {
            failures.push(format!("golden/{name}/{path}: committed but no longer generated"));
        }
    }
    assert!(
        failures.is_empty(),
        "goldens differ (IDPC_BLESS=1 regenerates them):\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_golden_tree_has_an_example() {
    let examples = example_names();
    let orphans: Vec<String> = std::fs::read_dir(repo_root().join("golden"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !examples.contains(name))
        .collect();
    assert!(orphans.is_empty(), "golden trees without an example: {orphans:?}");
}

/// Every generated YAML document reads the same to a YAML 1.2 reader as to a YAML 1.1 one
/// (libyaml's): no scalar of any artifact depends on which version a tool follows.
#[test]
fn every_generated_yaml_document_reads_the_same_in_yaml_1_1_and_1_2() {
    let mut failures = Vec::new();
    for example in examples() {
        for artifact in build_dir(&example).iter().filter(|a| a.path.ends_with(".yaml")) {
            let old: Result<Vec<serde_json::Value>, String> =
                serde_yaml::Deserializer::from_str(&artifact.contents)
                    .map(|document| {
                        serde_json::Value::deserialize(document).map_err(|e| e.to_string())
                    })
                    .collect();
            let new = serde_saphyr::from_multiple::<serde_json::Value>(&artifact.contents)
                .map_err(|e| e.to_string());
            match (old, new) {
                (Ok(old), Ok(new)) if old == new && !new.is_empty() => {}
                (old, new) => failures.push(format!("{}: {old:?} / {new:?}", artifact.path)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
