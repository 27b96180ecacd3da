//! One rule set: every Rollout a platform compiles to is admitted by the OPA bundle it compiles
//! to, with the approvals the model requires; the same Rollout changed the way the compiler would
//! refuse (a mutable tag, no memory limit, an image from elsewhere, no health check, too few
//! approvals) is refused there; and each secret is readable in each environment by exactly the
//! teams the model lets read it there. Expectations come from the model, never from the bundle.
//!
//! regorus evaluates with its clock pinned to the day the compiler judged waivers, and at days
//! around a waiver's expiry; regopy (Microsoft's Rego interpreter, a second implementation, when
//! `python3 -c "import regopy"` works) evaluates the same requests by its own clock, with
//! expectations for that day.

use std::collections::BTreeMap;
use std::io::Write;

use idpc_driver::Artifact;
use idpc_ir::{Date, Image, Platform, Preset};
use serde_json::{Value, json};

use crate::support::tools::python_module;
use crate::support::{TODAY, compile_dir, compile_texts, documents, repo_root};

/// A platform with a vendor image (waived), a blue-green service, secret readers granted per
/// environment and an ephemeral copy of production that inherits its approval rule.
const PLATFORM: &str = r#"
platform "conf" {
    registry "registry.example.com/conf"
    policy "health-checks" severity="warning"
}
team "shop" {
    member "ann@conf.dev" role="lead"
    member "bo@conf.dev"
    member "cy@conf.dev"
}
team "ops" {
    member "di@conf.dev" role="lead"
    member "ed@conf.dev"
    member "flo@conf.dev"
}
team "audit" {
    member "gus@conf.dev" role="lead"
    member "hal@conf.dev"
    member "ida@conf.dev"
}
environment "dev" tier="development"
environment "staging" tier="staging"
environment "prod" tier="production" {
    approval required=#true approvers=2
}
environment "try" from="prod" owner="bo@conf.dev" ttl="3d" created="2026-11-21"
service "cart" team="shop" {
    image "cart:1.2.0"
    port "http" 8080
    limits memory="256Mi"
    secret "TOKEN" from="vault:shop/cart#token" {
        reader "ops"
    }
    deploy {
        blue-green auto-promote=#false preview-replicas=1
        healthcheck path="/health"
    }
    override "dev" {
        image "cart:main"
    }
    override "prod" {
        secret "TOKEN" from="vault:shop/cart-live#token" {
            reader "ops" "audit"
        }
        secret "LIVE_KEY" from="vault:shop/cart-live#key"
    }
}
service "proxy" team="ops" {
    image "docker.io/vendor/proxy:2.8.1"
    port "http" 8080
    limits memory="128Mi"
    waive "image-registry" reason="the vendor ships no source" owner="di@conf.dev" expires="2026-12-31"
}
service "worker" team="audit" {
    image "worker:0.3.1"
    port "metrics" 9090
    limits memory="512Mi"
    override "dev" {
        limits memory="1Gi"
    }
}
"#;

/// One admission or secret request and what the model says of it.
struct Case {
    what: String,
    /// `deploy` or `secrets`.
    policy: &'static str,
    input: Value,
    allowed: bool,
}

struct Compiled {
    platform: Platform,
    artifacts: Vec<Artifact>,
}

fn compiled(files: &[(&str, &str)]) -> Compiled {
    let compilation = compile_texts(files);
    let errors = idpc_diagnostics::has_errors(&compilation.diagnostics);
    assert!(!errors, "{:?}", compilation.diagnostics);
    let platform = compilation.platform.unwrap();
    let artifacts = idpc_driver::emit(&platform, idpc_driver::Family::ALL).unwrap();
    Compiled { platform, artifacts }
}

fn acme() -> Compiled {
    let compilation = compile_dir(&repo_root().join("examples/acme"));
    let platform = compilation.platform.unwrap();
    let artifacts = idpc_driver::emit(&platform, idpc_driver::Family::ALL).unwrap();
    Compiled { platform, artifacts }
}

/// The codes the compiler reports for a description.
fn codes(text: &str) -> Vec<String> {
    let compilation = compile_texts(&[("platform.kdl", text)]);
    compilation.diagnostics.iter().map(|d| d.code.as_str().to_owned()).collect()
}

/// Whether a preset refuses its findings for a service in an environment as of `day`: switched
/// on, not a warning, covering the tier, and not waived in force.
fn refuses(platform: &Platform, preset: &str, service: &str, environment: &str, day: Date) -> bool {
    let settings = platform.preset_settings(Preset::named(preset).unwrap());
    let tier = platform.environments.iter().find(|e| e.name == environment).unwrap().tier;
    let service = platform.services.iter().find(|s| s.name == service).unwrap();
    let waived = service.waivers.iter().any(|w| w.policy == preset && day < w.expires);
    settings.enabled && !settings.warning && settings.tiers.contains(&tier) && !waived
}

fn container(object: &mut Value) -> &mut Value {
    &mut object["spec"]["template"]["spec"]["containers"][0]
}

/// The image's repository, without its tag or digest.
fn repository(image: &str) -> &str {
    let base = image.split('@').next().unwrap();
    match base.rfind(':') {
        Some(colon) if colon > base.rfind('/').unwrap_or(0) => &base[..colon],
        _ => base,
    }
}

/// Every generated Rollout with its environment and service.
fn rollouts(artifacts: &[Artifact]) -> Vec<(String, String, Value)> {
    let rollouts: Vec<(String, String, Value)> = artifacts
        .iter()
        .filter(|a| a.path.starts_with("argo-rollouts/"))
        .filter_map(|a| {
            let rollout = documents(&a.contents).into_iter().find(|d| d["kind"] == "Rollout")?;
            let environment = a.path.split('/').nth(1).unwrap().to_owned();
            let service = rollout["metadata"]["name"].as_str().unwrap().to_owned();
            Some((environment, service, rollout))
        })
        .collect();
    assert!(!rollouts.is_empty());
    rollouts
}

/// Whether the model admits a workload of a service in an environment as of `day`: no preset that
/// refuses there finds anything in any of its containers, by the compiler's own definitions
/// (`Image::is_pinned`, the registry prefix that `image` values get).
fn admits(
    platform: &Platform,
    service: &str,
    environment: &str,
    day: Date,
    object: &Value,
) -> bool {
    let refuses = |preset: &str| refuses(platform, preset, service, environment, day);
    let containers = object["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    containers.iter().all(|container| {
        let image = container["image"].as_str().unwrap();
        let ports = container["ports"].as_array().is_some_and(|p| !p.is_empty());
        let findings = [
            (
                "image-registry",
                platform.registry.as_ref().is_some_and(|r| !image.starts_with(&format!("{r}/"))),
            ),
            ("mutable-image-tags", !Image::parse(image).is_ok_and(|i| i.is_pinned())),
            ("resource-limits", !container["resources"]["limits"]["memory"].is_string()),
            ("health-checks", ports && !container["readinessProbe"].is_object()),
        ];
        findings.iter().all(|(preset, found)| !found || !refuses(preset))
    })
}

/// The admission requests for every Rollout, as generated and changed the ways the compiler
/// refuses, each with what the model says of it as of `day`.
fn deploy_cases(compiled: &Compiled, day: Date) -> Vec<Case> {
    let platform = &compiled.platform;
    let mut cases = Vec::new();
    for (environment, service, rollout) in rollouts(&compiled.artifacts) {
        let env = platform.environments.iter().find(|e| e.name == environment).unwrap();
        let owner = platform.services.iter().find(|s| s.name == service).unwrap().team;
        let members: Vec<&str> =
            platform.team(owner).members.iter().map(|m| m.email.as_str()).collect();
        let needed = if env.approval.required { env.approval.approvers as usize } else { 0 };
        let approvals = &members[1..=needed];
        let mut case = |what: &str, object: &Value, approvals: &[&str], approved: bool| {
            cases.push(Case {
                what: format!("{service} in {environment}: {what}"),
                policy: "deploy",
                input: json!({
                    "environment": environment, "service": service, "author": members[0],
                    "object": object, "approvals": approvals,
                }),
                allowed: approved && admits(platform, &service, &environment, day, object),
            });
        };
        case("as generated, with the approvals required", &rollout, approvals, true);

        let image = container(&mut rollout.clone())["image"].as_str().unwrap().to_owned();
        let mut latest = rollout.clone();
        container(&mut latest)["image"] = json!(format!("{}:latest", repository(&image)));
        case("a `latest` tag", &latest, approvals, true);

        let mut branch = rollout.clone();
        container(&mut branch)["image"] = json!(format!("{}:main", repository(&image)));
        case("a branch tag", &branch, approvals, true);

        let mut elsewhere = rollout.clone();
        container(&mut elsewhere)["image"] = json!(format!("docker.io/library/{service}:1.0.0"));
        case("an image from docker.io", &elsewhere, approvals, true);

        let mut unlimited = rollout.clone();
        container(&mut unlimited)["resources"]["limits"].as_object_mut().unwrap().remove("memory");
        case("no memory limit", &unlimited, approvals, true);

        let mut unprobed = rollout.clone();
        container(&mut unprobed).as_object_mut().unwrap().remove("readinessProbe");
        case("no readiness probe", &unprobed, approvals, true);

        if needed > 0 {
            case("one approval short", &rollout, &approvals[1..], false);
            case("approved by its author", &rollout, &[members[0]], false);
            case("approved by strangers", &rollout, &["eve@example.com", "mal@example.com"], false);
        }
    }
    cases
}

/// Every request to read a secret of a service in an environment, by a member of each team, with
/// and without an approval for that environment or another one.
fn secret_cases(platform: &Platform) -> Vec<Case> {
    let mut cases = Vec::new();
    for service in &platform.services {
        let index = platform.services.iter().position(|s| s.name == service.name).unwrap();
        let deployments: Vec<_> =
            platform.deployments_of(idpc_ir::ServiceId::from_index(index)).collect();
        let mut names: Vec<&str> =
            deployments.iter().flat_map(|d| d.secrets.iter().map(|s| s.name.as_str())).collect();
        names.sort_unstable();
        names.dedup();
        let owner = platform.team(service.team);
        let lead = owner.members.iter().find(|m| m.role == idpc_ir::Role::Lead);
        for deployment in &deployments {
            let environment = &platform.environment(deployment.environment).name;
            let other = platform.environments.iter().find(|e| &e.name != environment).unwrap();
            for name in &names {
                let binding = deployment.secrets.iter().find(|s| s.name == *name);
                for (index, team) in platform.teams.iter().enumerate() {
                    let user = team.members.last().unwrap().email.as_str();
                    let reads = binding.is_some_and(|b| {
                        index == service.team.index()
                            || b.readers.iter().any(|r| r.index() == index)
                    });
                    let request = json!({
                        "user": user, "service": service.name, "environment": environment,
                        "secret": name,
                    });
                    let what =
                        format!("{} reads {name} of {} in {environment}", team.name, service.name);
                    cases.push(Case {
                        what: what.clone(),
                        policy: "secrets",
                        input: request.clone(),
                        allowed: reads,
                    });
                    let Some(lead) = lead.filter(|l| l.email.as_str() != user) else { continue };
                    let approval = |environment: &str| {
                        let mut request = request.clone();
                        request["approval"] = json!({
                            "approver": lead.email.as_str(), "reason": "incident 4711", "hours": 4,
                            "environment": environment,
                        });
                        request
                    };
                    cases.push(Case {
                        what: format!("{what}, approved for it"),
                        policy: "secrets",
                        input: approval(environment),
                        allowed: binding.is_some(),
                    });
                    cases.push(Case {
                        what: format!("{what}, approved for {}", other.name),
                        policy: "secrets",
                        input: approval(&other.name),
                        allowed: reads,
                    });
                }
            }
        }
    }
    cases
}

/// The bundle's files under `opa/`.
fn bundle(artifacts: &[Artifact]) -> BTreeMap<String, String> {
    artifacts
        .iter()
        .filter_map(|a| a.path.strip_prefix("opa/").map(|p| (p.to_owned(), a.contents.clone())))
        .collect()
}

/// The bundle's data document, mounted at its directory's path.
fn mounted_data(files: &BTreeMap<String, String>) -> Value {
    let (path, text) = files.iter().find(|(p, _)| p.ends_with("/data.json")).unwrap();
    let mut value: Value = serde_json::from_str(text).unwrap();
    for segment in path.trim_end_matches("/data.json").rsplit('/') {
        value = json!({ segment: value });
    }
    value
}

fn package(platform: &Platform) -> String {
    format!("idpc.{}", platform.name.replace('-', "_"))
}

/// A module that evaluates the bundle's decisions on `input.request` with the clock at
/// `input.now` (nanoseconds).
fn harness(package: &str) -> String {
    format!(
        "package conformance\n\nimport rego.v1\n\n\
         default deploy := false\n\n\
         deploy if {{\n\tdata.{package}.deploy.allow with input as input.request with time.now_ns as input.now\n}}\n\n\
         default secrets := false\n\n\
         secrets if {{\n\tdata.{package}.secrets.allow with input as input.request with time.now_ns as input.now\n}}\n"
    )
}

fn nanoseconds(day: Date) -> i64 {
    day.days_since_epoch() * 86_400 * 1_000_000_000
}

/// The bundle in regorus, with the harness.
fn regorus_engine(compiled: &Compiled) -> regorus::Engine {
    let files = bundle(&compiled.artifacts);
    let mut engine = regorus::Engine::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".rego")) {
        engine.add_policy(path.clone(), text.clone()).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let data = mounted_data(&files);
    engine.add_data(regorus::Value::from_json_str(&data.to_string()).unwrap()).unwrap();
    let harness = harness(&package(&compiled.platform));
    engine.add_policy("conformance.rego".to_owned(), harness).unwrap();
    engine
}

/// Evaluates the cases in regorus as of `day`; returns the ones it decides otherwise.
fn regorus_disagreements(engine: &mut regorus::Engine, cases: &[Case], day: Date) -> Vec<String> {
    let mut wrong = Vec::new();
    for case in cases {
        let input = json!({ "request": case.input, "now": nanoseconds(day) });
        engine.set_input(regorus::Value::from_json_str(&input.to_string()).unwrap());
        let rule = format!("data.conformance.{}", case.policy);
        let result = engine.eval_rule(rule.clone()).unwrap_or_else(|e| panic!("{rule}: {e}"));
        if (result == regorus::Value::Bool(true)) != case.allowed {
            wrong.push(format!("{} (expected allowed={})", case.what, case.allowed));
        }
    }
    wrong
}

/// Reads `{modules, data, queries: [{query, input}]}` on stdin; prints one JSON boolean per query
/// (an undefined decision is `false`, as it is for admission).
const REGOPY: &str = r#"
import json, sys
import regopy
request = json.load(sys.stdin)
rego = regopy.Interpreter()
for path, text in request["modules"]:
    rego.add_module(path, text)
rego.add_data_json(json.dumps(request["data"]))
results = []
for query in request["queries"]:
    rego.set_input_term(json.dumps(query["input"]))
    output = str(rego.query(query["query"]))
    results.append(output != "undefined" and json.loads(output).get("expressions") == [True])
print(json.dumps(results))
"#;

/// Evaluates the cases in regopy by its own clock; returns the ones it decides otherwise.
fn regopy_disagreements(compiled: &Compiled, cases: &[Case]) -> Vec<String> {
    let files = bundle(&compiled.artifacts);
    // The policies only: regopy cannot replace data with `with`, which the tests use.
    let modules: Vec<(&String, &String)> =
        files.iter().filter(|(p, _)| p.ends_with(".rego") && !p.ends_with("_test.rego")).collect();
    let package = package(&compiled.platform);
    let queries: Vec<Value> = cases
        .iter()
        .map(|c| json!({ "query": format!("data.{package}.{}.allow", c.policy), "input": c.input }))
        .collect();
    let request = json!({ "modules": modules, "data": mounted_data(&files), "queries": queries });
    let mut child = std::process::Command::new("python3")
        .args(["-c", REGOPY])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "regopy: {}", String::from_utf8_lossy(&output.stderr));
    let results: Vec<bool> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results.len(), cases.len());
    cases
        .iter()
        .zip(results)
        .filter(|(case, allowed)| case.allowed != *allowed)
        .map(|(case, _)| format!("{} (expected allowed={})", case.what, case.allowed))
        .collect()
}

/// Both engines agree with the model on every case; regopy as of its own clock.
fn conforms(test: &str, compiled: &Compiled) -> usize {
    let today = Date::parse(TODAY).unwrap();
    let mut cases = deploy_cases(compiled, today);
    // What the compiler accepted on the day it judged waivers, the model admits.
    let generated = cases.iter().filter(|c| c.what.ends_with("with the approvals required"));
    let refused: Vec<&str> = generated.filter(|c| !c.allowed).map(|c| c.what.as_str()).collect();
    assert!(refused.is_empty(), "{refused:?}");
    cases.extend(secret_cases(&compiled.platform));
    let mut engine = regorus_engine(compiled);
    let wrong = regorus_disagreements(&mut engine, &cases, today);
    assert!(wrong.is_empty(), "regorus decides otherwise than the model:\n{}", wrong.join("\n"));
    if python_module(test, "regopy") {
        let clock = idpc_driver::today();
        let mut cases = deploy_cases(compiled, clock);
        cases.extend(secret_cases(&compiled.platform));
        let wrong = regopy_disagreements(compiled, &cases);
        assert!(wrong.is_empty(), "regopy decides otherwise than the model:\n{}", wrong.join("\n"));
    }
    cases.len()
}

#[test]
fn acme_admits_what_it_compiles_and_refuses_what_the_compiler_would() {
    let acme = acme();
    assert_eq!(rollouts(&acme.artifacts).len(), 37);
    let cases = conforms("acme_admits_what_it_compiles_and_refuses_what_the_compiler_would", &acme);
    assert!(cases > 300, "{cases} cases");
}

#[test]
fn a_platform_with_a_vendor_image_and_readers_per_environment_conforms() {
    let conf = compiled(&[("platform.kdl", PLATFORM)]);
    let rollouts = rollouts(&conf.artifacts);
    assert_eq!(rollouts.len(), 12);
    let cart = rollouts.iter().find(|(e, s, _)| e == "prod" && s == "cart").unwrap();
    assert!(cart.2["spec"]["strategy"]["blueGreen"].is_object(), "cart is blue-green");
    conforms("a_platform_with_a_vendor_image_and_readers_per_environment_conforms", &conf);

    // The data says so too: audit reads the token in production only.
    let files = bundle(&conf.artifacts);
    let data: Value = serde_json::from_str(&files["idpc/conf/model/data.json"]).unwrap();
    let environments = &data["services"]["cart"]["environments"];
    assert_eq!(environments["prod"]["secrets"]["TOKEN"]["readers"], json!(["audit", "ops"]));
    assert_eq!(environments["staging"]["secrets"]["TOKEN"]["readers"], json!(["ops"]));
    assert_eq!(environments["staging"]["secrets"].get("LIVE_KEY"), None);
    assert_eq!(
        data["environments"]["try"]["approval"],
        json!({ "required": true, "approvers": 2 })
    );
}

#[test]
fn what_the_compiler_refuses_is_what_admission_refuses() {
    // Each change of the description the compiler refuses, with the code it refuses it by; the
    // same change made to the workload is refused at admission by `deploy_cases`.
    let refused = [
        ("image \"worker:0.3.1\"", "image \"worker:latest\"", "P0001"),
        ("    limits memory=\"512Mi\"\n", "", "P0002"),
        ("image \"worker:0.3.1\"", "image \"quay.io/audit/worker:0.3.1\"", "P0008"),
        ("    waive \"image-registry\"", "    // waive \"image-registry\"", "P0008"),
        ("expires=\"2026-12-31\"", "expires=\"2026-11-22\"", "E0407"),
    ];
    assert!(codes(PLATFORM).iter().all(|c| c.starts_with('W') || c == "P0003"));
    for (from, to, code) in refused {
        assert!(PLATFORM.contains(from), "{from}");
        let found = codes(&PLATFORM.replacen(from, to, 1));
        assert!(found.iter().any(|c| c == code), "{to}: expected {code}, found {found:?}");
    }
}

#[test]
fn a_waiver_ends_at_admission_on_its_expiry_date() {
    let conf = compiled(&[("platform.kdl", PLATFORM)]);
    let mut engine = regorus_engine(&conf);
    let expires = Date::parse("2026-12-31").unwrap();
    let before = Date::from_days_since_epoch(expires.days_since_epoch() - 1);
    for (day, admitted) in [(before, true), (expires, false)] {
        // The compiler accepts the waiver before its expiry and refuses the image from then on.
        let files = [idpc_driver::SourceText {
            path: "platform.kdl".to_owned(),
            text: PLATFORM.to_owned(),
            invalid_utf8_at: None,
        }];
        let options = idpc_driver::Options { today: day, policies: true };
        let compilation = idpc_driver::compile_with(&files, options);
        let refused = compilation.diagnostics.iter().any(|d| d.code.as_str() == "E0407");
        assert_eq!(refused, !admitted, "the compiler on {day}");
        let cases: Vec<Case> = deploy_cases(&conf, day)
            .into_iter()
            .filter(|c| c.input["service"] == "proxy" && c.what.ends_with("required"))
            .collect();
        assert_eq!(cases.len(), 4);
        assert!(cases.iter().all(|c| c.allowed == admitted), "the model on {day}");
        let wrong = regorus_disagreements(&mut engine, &cases, day);
        assert!(wrong.is_empty(), "on {day}:\n{}", wrong.join("\n"));
    }
}
