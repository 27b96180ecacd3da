//! The OPA bundle: a manifest OPA accepts, data and packages under its roots, a content-hash
//! revision, and policies that a real Rego engine (regorus) evaluates as their tests claim, on
//! their own fixtures and on the platform's real data and generated workloads.

use std::collections::BTreeMap;

use idpc_driver::Artifact;
use sha2::{Digest, Sha256};

use crate::support::tools::{
    program, schemas_dir, uninstallable_program, validation_errors, validator,
};
use crate::support::{build_dir, documents, repo_root};

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
        let mut input =
            serde_json::json!({ "user": user, "service": "payments-api", "secret": secret });
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
    let approval = |hours: u32| serde_json::json!({ "approver": "alice@acme.com", "reason": "incident 4711", "hours": hours });
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
fn every_generated_workload_is_admitted_and_bad_ones_are_not() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let mut engine = engine(&bundle("acme"));
    let data: serde_json::Value =
        serde_json::from_str(&bundle("acme")["idpc/acme/model/data.json"]).unwrap();
    let mut admitted = 0;
    for artifact in artifacts
        .iter()
        .filter(|a| a.path.starts_with("argo-rollouts/") && !a.path.ends_with("-test.yaml"))
    {
        let rollout =
            documents(&artifact.contents).into_iter().find(|d| d["kind"] == "Rollout").unwrap();
        let environment = artifact.path.split('/').nth(1).unwrap();
        let service = rollout["metadata"]["name"].as_str().unwrap();
        let team = data["services"][service]["team"].as_str().unwrap();
        let members: Vec<&str> = data["teams"][team]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        let input = serde_json::json!({
            "environment": environment, "service": service, "author": members[0],
            "object": rollout, "approvals": members[1..].to_vec(),
        });
        let deny = eval(&mut engine, "data.idpc.acme.deploy.deny", input.clone());
        assert!(
            allowed(&mut engine, "data.idpc.acme.deploy.allow", input.clone()),
            "{}: {}",
            artifact.path,
            deny.to_json_str().unwrap()
        );
        admitted += 1;

        // acme pins images in staging as well as in production (`policy "mutable-image-tags"`):
        // the same workload with a mutable tag is refused there, and in production without
        // approvals too.
        if environment == "prod" || environment == "staging" {
            let mut latest = input.clone();
            let image = latest["object"]["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap()
                .to_owned();
            let base = image.split('@').next().unwrap();
            let repository = match base.rfind(':') {
                Some(colon) if colon > base.rfind('/').unwrap_or(0) => &base[..colon],
                _ => base,
            };
            latest["object"]["spec"]["template"]["spec"]["containers"][0]["image"] =
                serde_json::json!(format!("{repository}:latest"));
            assert!(
                !allowed(&mut engine, "data.idpc.acme.deploy.allow", latest),
                "{}: latest admitted",
                artifact.path
            );
        }
        if environment == "prod" {
            let mut unapproved = input.clone();
            unapproved["approvals"] = serde_json::json!([]);
            assert!(
                !allowed(&mut engine, "data.idpc.acme.deploy.allow", unapproved),
                "{}: unapproved",
                artifact.path
            );
        }
    }
    assert_eq!(admitted, 44);
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

#[test]
fn program_lookup_is_shared() {
    // `program` is the PATH look-up other tests use; it finds a program every machine has.
    assert!(program("program_lookup_is_shared", "sh").is_some());
}
