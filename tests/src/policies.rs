//! Policies as a user meets them on the command line: presets switched off in the description,
//! waivers in force and expired, the platform's own Rego, and `idpc why`.

use std::path::Path;

use crate::support::{copy_dir, repo_root, run_cli};

fn acme_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/acme"), dir.path());
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} does not contain {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_preset_is_configured_or_switched_off_in_the_description() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/minimal"), dir.path());
    let platform = dir.path().join("platform.kdl");
    let path = dir.path().to_str().unwrap();
    edit(&platform, "    limits memory=\"256Mi\"\n", "");
    let (code, _, err) = run_cli(&["check", path]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("P0002") && err.contains("platform.kdl:18:9"), "{err}");

    edit(
        &platform,
        "    registry \"ghcr.io/tiny\"\n",
        "    registry \"ghcr.io/tiny\"\n    policy \"resource-limits\" severity=\"warning\"\n",
    );
    let (code, _, err) = run_cli(&["check", path]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("P0002") && err.contains("1 warning emitted"), "{err}");

    edit(&platform, "severity=\"warning\"", "enabled=#false");
    let (code, _, err) = run_cli(&["check", path]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("P0002"), "{err}");

    // The tiers are the platform's to choose: development too, here.
    edit(&platform, "enabled=#false", "tiers=\"development production\"");
    let (code, _, err) = run_cli(&["check", path]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no memory limit in `dev`, `prod`"), "{err}");
}

#[test]
fn a_waiver_holds_until_its_expiry_and_is_listed_on_request() {
    let acme = repo_root().join("examples/acme");
    let acme = acme.to_str().unwrap();
    let (code, out, err) = run_cli(&["check", acme, "--waivers", "--today", "2026-11-22"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert!(rows[0].starts_with("SERVICE"), "{out}");
    assert!(
        rows[1].split_whitespace().collect::<Vec<_>>().starts_with(&[
            "recommendations",
            "health-checks",
            "grace@acme.com",
            "2027-06-30",
            "(220",
            "days)",
            "1",
            "set",
            "aside",
            "services/growth.kdl:85",
        ]),
        "{out}"
    );
    assert!(rows[2].contains("reason: no health endpoint before 0.5"), "{out}");

    let (code, out, _) =
        run_cli(&["check", acme, "--waivers", "--today", "2026-11-22", "--message-format", "json"]);
    assert_eq!(code, 0);
    let waiver: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(waiver["type"], "waiver");
    assert_eq!(waiver["service"], "recommendations");
    assert_eq!(waiver["days_left"], 220);
    assert_eq!(waiver["suppressed"], 1);

    // On its expiry date the waiver is an error, and what it covered is reported again.
    let (code, _, err) = run_cli(&["check", acme, "--today", "2027-06-30"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0407") && err.contains("services/growth.kdl:85:"), "{err}");
    assert!(
        err.contains("P0003") && err.contains("`recommendations` has no health check"),
        "{err}"
    );
    assert!(err.contains("2 errors found"), "{err}");
}

#[test]
fn the_platforms_own_policy_runs_and_can_be_waived() {
    let dir = acme_copy();
    let path = dir.path().to_str().unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/runbooks.rego"),
        r#"# Services in production with an availability SLO have a runbook.
package idpc.policies.runbooks

import rego.v1

violations contains {"service": name, "at": service.at, "msg": msg, "help": help} if {
	some name, service in input.services
	some slo in service.slos
	slo.indicator == "availability"
	service.runbook == null
	msg := sprintf("`%s` has an availability SLO but no runbook", [name])
	help := sprintf("add `runbook \"https://…\"` to `%s`", [name])
}
"#,
    )
    .unwrap();
    let (code, _, err) = run_cli(&["check", path]);
    assert_eq!(code, 1, "{err}");
    let violations: Vec<&str> = err.lines().filter(|l| l.starts_with("error[")).collect();
    assert_eq!(violations.len(), 1, "{err}");
    assert!(
        violations[0].contains("`catalog-api` has an availability SLO but no runbook"),
        "{err}"
    );
    assert!(err.contains("P0100") && err.contains("services/growth.kdl:28:9"), "{err}");
    // The violation's own help, in place of the policy's.
    assert!(err.contains("help: add `runbook \"https://…\"` to `catalog-api`"), "{err}");

    let growth = dir.path().join("services/growth.kdl");
    edit(
        &growth,
        "    slo \"availability\" objective=\"99.5%\"\n}",
        "    slo \"availability\" objective=\"99.5%\"\n    waive \"runbooks\" reason=\"written this sprint\" owner=\"frank@acme.com\" expires=\"2026-12-15\"\n}",
    );
    let (code, out, err) = run_cli(&["check", path, "--waivers"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("catalog-api") && out.contains("runbooks"), "{out}");

    // A policy the engine refuses is a diagnostic at its line, not a crash.
    std::fs::write(
        dir.path().join("policies/broken.rego"),
        "package idpc.policies.broken\n\nviolations contains x if {\n",
    )
    .unwrap();
    let (code, _, err) = run_cli(&["check", path]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("P0101") && err.contains("policies/broken.rego:"), "{err}");
}

#[test]
fn why_shows_the_line_that_set_a_value_and_what_it_overrode() {
    let acme = repo_root().join("examples/acme");
    let dir = acme.to_str().unwrap();
    let (code, out, err) = run_cli(&["why", "payments-api", "prod", "limits.memory", "--dir", dir]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("`payments-api` in `prod`: limits.memory = 1Gi"), "{out}");
    let set = out.find("services/payments.kdl:56:31").expect(&out);
    let overridden = out.find("services/payments.kdl:12:27").expect(&out);
    assert!(set < overridden, "the setting comes first:\n{out}");
    assert!(out.contains("set by the override for `prod`"), "{out}");
    assert!(out.contains("overridden: the service value"), "{out}");

    let (code, out, _) = run_cli(&[
        "why",
        "payments-api",
        "prod",
        "resource.db.storage",
        "--dir",
        dir,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let field = &json["fields"][0];
    assert_eq!(field["value"], "200Gi");
    assert_eq!(field["set_by"]["at"]["line"], 59);
    let layers: Vec<&str> = field["overrode"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["layer"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["service value", "kind default for tier `production`", "kind default"]);
    assert_eq!(field["overrode"][0]["at"]["text"], "\"50Gi\"");

    // A prefix lists the fields under it; no field lists all of them.
    let (code, out, _) = run_cli(&["why", "search", "prod", "resource.products", "--dir", dir]);
    assert_eq!(code, 0);
    assert!(
        out.lines().any(|l| l.starts_with("resource.products.shards")
            && l.contains("6")
            && l.contains("override for `prod`")),
        "{out}"
    );
    let (_, all, _) = run_cli(&["why", "ledger", "dev", "--dir", dir]);
    assert!(all.lines().any(|l| l.starts_with("image ") && l.contains("ledger:3.2.0")), "{all}");

    // Secrets show their reference, never a value.
    let (_, out, _) =
        run_cli(&["why", "payments-api", "prod", "secret.STRIPE_API_KEY", "--dir", dir]);
    assert!(out.contains("= vault:payments/stripe-live#api_key"), "{out}");

    for (args, expected) in [
        (
            ["payments-ap", "prod", "replicas"],
            "no service `payments-ap`; did you mean `payments-api`?",
        ),
        (["payments-api", "prd", "replicas"], "no environment `prd`; did you mean `prod`?"),
        (["payments-api", "prod", "replica"], "no field `replica`; did you mean `replicas`?"),
    ] {
        let (code, _, err) = run_cli(&["why", args[0], args[1], args[2], "--dir", dir]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn a_policy_that_does_not_evaluate_or_returns_something_else_is_an_error_in_it() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/minimal"), dir.path());
    let policies = [
        ("number.rego", "package idpc.policies.number\n\nimport rego.v1\n\nviolations := 1\n"),
        (
            "conflict.rego",
            "package idpc.policies.conflict\n\nimport rego.v1\n\nx := 1\nx := 2\n\nviolations contains {\"msg\": \"m\"} if x == 1\n",
        ),
        (
            "strings.rego",
            "package idpc.policies.strings\n\nimport rego.v1\n\nviolations contains \"a string\"\n",
        ),
        ("outside.rego", "package shop.rules\n\nimport rego.v1\n\nviolations := set()\n"),
    ];
    for (file, text) in policies {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let (code, out, _) =
        run_cli(&["check", dir.path().to_str().unwrap(), "--message-format", "json"]);
    assert_eq!(code, 1);
    let found: Vec<(String, u64, String)> = crate::support::diagnostic_lines(&out)
        .into_iter()
        .map(|d| {
            let at = &d["location"];
            (
                at["file"].as_str().unwrap().to_owned(),
                at["line"].as_u64().unwrap(),
                at["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "conflict.rego".to_owned(),
                6,
                "rule conflicts with rule at conflict.rego:5:1".to_owned()
            ),
            (
                "number.rego".to_owned(),
                1,
                "`violations` must be a set of objects with a `msg`".to_owned()
            ),
            (
                "outside.rego".to_owned(),
                1,
                "the package `shop.rules` is not under `idpc.policies`".to_owned()
            ),
            (
                "strings.rego".to_owned(),
                1,
                "every violation must be an object with a string `msg`".to_owned()
            ),
        ],
        "{out}"
    );
    assert!(crate::support::diagnostic_lines(&out).iter().all(|d| d["code"] == "P0101"), "{out}");
}

/// The presets run on slices of the services in parallel: a service's violation is found in
/// whichever slice holds it, one of the platform as a whole is reported once, and a second
/// check that reuses the kept results reports exactly the same.
#[test]
fn presets_on_slices_of_a_large_estate_report_each_violation_once() {
    let mut files = idpc_driver::synth::estate(700);
    for file in &mut files {
        let unlimited = ["svc-00001", "svc-00300", "svc-00700"];
        if unlimited.iter().any(|s| file.path.ends_with(&format!("{s}.kdl"))) {
            file.text = file.text.replacen("    limits memory=\"1Gi\"\n", "", 1);
        }
        if file.path == "platform.kdl" {
            file.text = file.text.replacen("    approval required=#true\n", "", 1);
        }
    }
    let mut db = idpc_driver::database(&files);
    let options = idpc_query::Options { today: crate::support::options().today, policies: true };
    let first = db.compile(options).compilation;
    let codes = |c: &idpc_query::Compilation| -> Vec<(String, String)> {
        c.diagnostics
            .iter()
            .map(|d| {
                let at = d.primary.as_ref().map(|p| c.sources.path(p.span.file).to_owned());
                (d.code.as_str().to_owned(), at.unwrap_or_default())
            })
            .collect()
    };
    let found = codes(&first);
    // Staging and production take their memory from different lines: two per service.
    let mut limits: Vec<&str> =
        found.iter().filter(|(c, _)| c == "P0002").map(|(_, f)| f.as_str()).collect();
    assert_eq!(limits.len(), 6, "{found:?}");
    limits.dedup();
    assert_eq!(
        limits,
        ["services/svc-00001.kdl", "services/svc-00300.kdl", "services/svc-00700.kdl"],
        "{found:?}"
    );
    assert_eq!(found.iter().filter(|(c, _)| c == "P0004").count(), 1, "{found:?}");
    // Unchanged: every slice's result is reused, and the report is the same, span for span.
    let second = db.compile(options).compilation;
    assert_eq!(codes(&second), found);
    assert_eq!(format!("{:?}", second.diagnostics), format!("{:?}", first.diagnostics));
    // The kept results as a build keeps them in its memory, read back by another database: the
    // same report. A slice keeps only the spans its violations point at, so the six slices
    // without any keep none.
    let kept = db.take_policy_cache();
    let json = kept.to_json().to_string();
    assert!(json.len() < 2_000, "{} bytes kept: {json:.300}", json.len());
    let read_back = |json: &str| {
        let mut other = idpc_driver::database(&files);
        let value = serde_json::from_str(json).unwrap();
        other.set_policy_cache(idpc_policy::Cache::from_json(&value).unwrap());
        other.compile(options).compilation
    };
    let third = read_back(&json);
    assert_eq!(format!("{:?}", third.diagnostics), format!("{:?}", first.diagnostics));
    // They are used, not evaluated again: a message changed in them is the one reported.
    let marked = read_back(&json.replacen("\"msg\":\"", "\"msg\":\"(kept) ", 1));
    assert_eq!(marked.diagnostics.iter().filter(|d| d.message.starts_with("(kept) ")).count(), 1);
    db.set_policy_cache(kept);
    // One service fixed: its violation goes, the others stay.
    let fixed = files.iter().find(|f| f.path.ends_with("svc-00300.kdl")).unwrap().text.replacen(
        "    replicas 1\n",
        "    replicas 1\n    limits memory=\"1Gi\"\n",
        1,
    );
    db.set_file("services/svc-00300.kdl", fixed.as_str(), None);
    let fourth = codes(&db.compile(options).compilation);
    assert_eq!(fourth.iter().filter(|(c, _)| c == "P0002").count(), 4, "{fourth:?}");
}

/// The presets compiled for the engine's virtual machine, on the input of the fields they read,
/// find what the engine's interpreter finds on the whole input document, violation for
/// violation and span for span: on the policy UI cases, every example, and an estate large
/// enough for many slices, with a violation of most presets.
#[test]
fn compiled_presets_find_what_the_interpreter_finds() {
    let mut descriptions: Vec<(String, Vec<idpc_driver::SourceText>)> = Vec::new();
    let policy_cases =
        crate::ui::cases().into_iter().filter(|c| c.parent().unwrap().ends_with("policy"));
    for case in policy_cases.chain(crate::support::examples()) {
        let loaded = idpc_driver::load(&case, None).unwrap();
        descriptions.push((case.display().to_string(), loaded.files));
    }
    let mut estate = idpc_driver::synth::estate(300);
    for file in &mut estate {
        if file.path.ends_with("svc-00007.kdl") {
            file.text = file.text.replacen("    limits memory=\"1Gi\"\n", "", 1);
        }
        if file.path == "platform.kdl" {
            file.text = file.text.replacen("    approval required=#true\n", "", 1);
        }
    }
    descriptions.push(("a synthetic estate of 300 services".to_owned(), estate));
    let options = crate::support::options();
    let mut found = std::collections::BTreeSet::new();
    for (name, files) in &descriptions {
        let compiled = idpc_driver::database(files).compile(options).compilation;
        let mut interpreter = idpc_driver::database(files);
        interpreter.set_policy_cache(idpc_policy::Cache::interpreted());
        let interpreted = interpreter.compile(options).compilation;
        assert_eq!(
            format!("{:#?}", compiled.diagnostics),
            format!("{:#?}", interpreted.diagnostics),
            "{name}"
        );
        found.extend(compiled.diagnostics.iter().map(|d| d.code.as_str().to_owned()));
    }
    // Each preset found something somewhere, so each was compared on what it reports.
    for code in ["P0001", "P0002", "P0003", "P0004", "P0005", "P0006", "P0007", "P0008"] {
        assert!(found.contains(code), "no case violates {code}: {found:?}");
    }
}
