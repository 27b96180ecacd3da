//! The OPA bundle: a manifest OPA accepts, data and packages under its roots, a content-hash
//! revision, and policies that a real Rego engine (regorus) evaluates as their tests claim, on
//! their own fixtures and on the platform's real data. Admission of the generated workloads is
//! `admission.rs`.

use std::collections::BTreeMap;

use idpc_driver::Artifact;
use sha2::{Digest, Sha256};

use crate::support::tools::{
    program, schemas_dir, uninstallable_program, validation_errors, validator,
};
use crate::support::{build_dir, repo_root};

fn bundle(example: &str) -> BTreeMap<String, String> {
    build_dir(&repo_root().join("examples").join(example))
        .into_iter()
        .filter_map(|Artifact { path, contents }| {
            path.strip_prefix("opa/").map(|p| (p.to_owned(), contents))
        })
        .collect()
}

fn engine(files: &BTreeMap<String, String>) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".rego")) {
        engine.add_policy(path.clone(), text.clone()).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with("data.json")) {
        // A bundle's data file is mounted at its directory's path.
        let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
        for segment in path.trim_end_matches("/data.json").rsplit('/') {
            value = serde_json::json!({ segment: value });
        }
        engine.add_data(regorus::Value::from_json_str(&value.to_string()).unwrap()).unwrap();
    }
    engine
}

fn eval(engine: &mut regorus::Engine, rule: &str, input: serde_json::Value) -> regorus::Value {
    engine.set_input(regorus::Value::from_json_str(&input.to_string()).unwrap());
    engine.eval_rule(rule.to_owned()).unwrap_or_else(|e| panic!("{rule}: {e}"))
}

fn allowed(engine: &mut regorus::Engine, rule: &str, input: serde_json::Value) -> bool {
    eval(engine, rule, input) == regorus::Value::Bool(true)
}

#[test]
fn the_manifest_is_valid_and_everything_lies_under_its_roots() {
    for example in ["acme", "minimal"] {
        let files = bundle(example);
        let manifest: serde_json::Value = serde_json::from_str(&files[".manifest"]).unwrap();
        if let Some(schemas) =
            schemas_dir("the_manifest_is_valid_and_everything_lies_under_its_roots")
        {
            let validator = validator(&schemas.join("opa/bundle-manifest.derived.schema.json"));
            let errors = validation_errors(&validator, &manifest);
            assert!(errors.is_empty(), "{example}: {}", errors.join("\n"));
        }
        let roots: Vec<&str> =
            manifest["roots"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        for (i, a) in roots.iter().enumerate() {
            for b in &roots[i + 1..] {
                assert!(!a.starts_with(b) && !b.starts_with(a), "overlapping roots {a} and {b}");
            }
        }
        let under_root =
            |path: &str| roots.iter().any(|r| path == *r || path.starts_with(&format!("{r}/")));
        for (path, text) in &files {
            if path.ends_with("data.json") {
                assert!(
                    under_root(path.trim_end_matches("/data.json")),
                    "{path} is outside the roots"
                );
            }
            if path.ends_with(".rego") {
                let package = text.lines().find_map(|l| l.strip_prefix("package ")).unwrap().trim();
                assert!(
                    under_root(&package.replace('.', "/")),
                    "{path}: package {package} is outside the roots"
                );
            }
        }
        // The revision is the hash of the content.
        let mut hash = Sha256::new();
        for (path, text) in files.iter().filter(|(p, _)| *p != ".manifest") {
            hash.update(format!("opa/{path}").as_bytes());
            hash.update([0]);
            hash.update(text.as_bytes());
            hash.update([0]);
        }
        let expected: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(manifest["revision"], expected.as_str());
    }
}

#[test]
fn the_policy_tests_pass_in_a_real_engine() {
    let files = bundle("acme");
    let mut engine = engine(&files);
    let mut passed = 0;
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with("_test.rego")) {
        let package = text.lines().find_map(|l| l.strip_prefix("package ")).unwrap().trim();
        for test in text
            .lines()
            .filter_map(|l| l.strip_prefix("test_"))
            .map(|l| l.split_whitespace().next().unwrap())
        {
            let rule = format!("data.{package}.test_{test}");
            assert_eq!(
                eval(&mut engine, &rule, serde_json::json!({})),
                regorus::Value::Bool(true),
                "{path}: {rule} fails"
            );
            passed += 1;
        }
    }
    assert!(passed >= 20, "only {passed} tests");
    if let Some(opa) = uninstallable_program("the_policy_tests_pass_in_a_real_engine", "opa") {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in &files {
            let target = dir.path().join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
        let output = std::process::Command::new(opa)
            .args(["test", "--bundle", "."])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "opa test: {}", String::from_utf8_lossy(&output.stdout));
    }
}

#[test]
fn secret_access_follows_owners_readers_and_approvals() {
    let mut engine = engine(&bundle("acme"));
    let allow = "data.idpc.acme.secrets.allow";
    let ask = |user: &str, secret: &str, approval: Option<serde_json::Value>| {
        let mut input = serde_json::json!({
            "user": user, "service": "payments-api", "environment": "prod", "secret": secret,
        });
        if let Some(approval) = approval {
            input["approval"] = approval;
        }
        input
    };
    assert!(
        allowed(&mut engine, allow, ask("bob@acme.com", "STRIPE_API_KEY", None)),
        "a member of the owning team"
    );
    assert!(
        allowed(&mut engine, allow, ask("dan@acme.com", "WEBHOOK_SIGNING_KEY", None)),
        "a member of a reader team"
    );
    assert!(
        !allowed(&mut engine, allow, ask("dan@acme.com", "STRIPE_API_KEY", None)),
        "not a reader of this one"
    );
    let approval = |hours: u32| serde_json::json!({ "approver": "alice@acme.com", "reason": "incident 4711", "hours": hours, "environment": "prod" });
    assert!(allowed(&mut engine, allow, ask("dan@acme.com", "STRIPE_API_KEY", Some(approval(4)))));
    assert!(!allowed(
        &mut engine,
        allow,
        ask("dan@acme.com", "STRIPE_API_KEY", Some(approval(400)))
    ));
    let reasons = eval(
        &mut engine,
        "data.idpc.acme.secrets.reasons",
        ask("dan@acme.com", "STRIPE_API_KEY", None),
    );
    assert!(reasons.to_json_str().unwrap().contains("an approval needs a lead"), "{reasons:?}");
}

#[test]
fn observability_access_is_scoped_to_what_a_team_owns() {
    let mut engine = engine(&bundle("acme"));
    let allow = "data.idpc.acme.observability.allow";
    assert!(allowed(
        &mut engine,
        allow,
        serde_json::json!({ "user": "frank@acme.com", "service": "search" })
    ));
    assert!(!allowed(
        &mut engine,
        allow,
        serde_json::json!({ "user": "frank@acme.com", "service": "payments-api" })
    ));
    assert!(allowed(
        &mut engine,
        allow,
        serde_json::json!({ "user": "frank@acme.com", "team": "growth" })
    ));
    let visible = eval(
        &mut engine,
        "data.idpc.acme.observability.visible",
        serde_json::json!({ "user": "dan@acme.com" }),
    );
    let visible = visible.to_json_str().unwrap();
    assert!(visible.contains("auth-gateway") && !visible.contains("ledger"), "{visible}");
}

/// The Grafana access Terraform gives each member exactly what the observability policy allows:
/// the folder of the dashboards of the services they may see, and the logs of the namespaces
/// they may read.
#[test]
fn grafana_access_matches_the_observability_policy() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let files: BTreeMap<String, String> = artifacts
        .iter()
        .filter_map(|a| a.path.strip_prefix("opa/").map(|p| (p.to_owned(), a.contents.clone())))
        .collect();
    let mut engine = engine(&files);
    let access = &artifacts.iter().find(|a| a.path == "grafana/access.tf").unwrap().contents;
    let model: serde_json::Value =
        serde_json::from_str(files.iter().find(|(p, _)| p.ends_with("data.json")).unwrap().1)
            .unwrap();
    let mut checked = 0;
    for (team, data) in model["teams"].as_object().unwrap() {
        let Some(member) = data["members"][0].as_str() else { continue };
        let input = serde_json::json!({ "user": member });
        // Dashboards: the services the member may see are exactly those in the team's folder.
        let visible = eval(&mut engine, "data.idpc.acme.observability.visible", input.clone());
        let visible: std::collections::BTreeSet<String> =
            serde_json::from_str(&visible.to_json_str().unwrap()).unwrap();
        let folder: std::collections::BTreeSet<String> = artifacts
            .iter()
            .filter_map(|a| {
                let rest = a.path.strip_prefix(&format!("grafana/dashboards/{team}/"))?;
                Some(rest.strip_suffix(".json")?.to_owned())
            })
            .collect();
        assert_eq!(visible, folder, "{team}");
        let block =
            format!("resource \"grafana_folder_permission\" \"{}\"", team.replace('-', "_"));
        assert!(access.contains(&block), "{team}: no folder permission");
        // Logs: the namespaces the member may read are exactly those the team's rule selects.
        let namespaces = eval(&mut engine, "data.idpc.acme.observability.log_namespaces", input);
        let namespaces: Vec<String> =
            serde_json::from_str(&namespaces.to_json_str().unwrap()).unwrap();
        let rule = format!("(grafana_team.{}.team_uid) ", team.replace('-', "_"));
        let line = access.lines().find(|l| l.trim_start().starts_with(&rule)).unwrap();
        let selected = line.split("namespace=~\\\"").nth(1).unwrap().split("\\\"").next().unwrap();
        assert_eq!(selected, namespaces.join("|"), "{team}");
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn program_lookup_is_shared() {
    // `program` is the PATH look-up other tests use; it finds a program every machine has.
    assert!(program("program_lookup_is_shared", "sh").is_some());
}
