//! Drift detection as a user runs it: `idpc diff` against the committed tree, against exports of
//! live state full of server-side noise, and against a real Prometheus.

mod noise;
mod prometheus_live;
mod wanted;

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{build_dir, compile_dir, copy_dir, documents, repo_root, run_cli, team_files};

/// Exports of the `prod` environment of acme, as the servers would return them.
fn write_exports(dir: &Path) {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let mut objects = Vec::new();
    for artifact in artifacts.iter().filter(|a| {
        (a.path.starts_with("argo-rollouts/prod/") && !a.path.ends_with("-test.yaml"))
            || a.path.starts_with("kubernetes/prod/")
    }) {
        for document in documents(&artifact.contents) {
            objects.push(noise::kubernetes(&document, objects.len()));
        }
    }
    let write = |path: &str, text: String| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("cluster/prod.yaml", serde_yaml::to_string(&noise::list(objects)).unwrap());
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("helm/prod/")) {
        // `helm get values -o yaml` prints the values without comments.
        let values: Value = serde_yaml::from_str(&artifact.contents).unwrap();
        write(
            &artifact.path.replace("helm/prod/", "helm/"),
            serde_yaml::to_string(&values).unwrap(),
        );
    }
    for (index, artifact) in
        artifacts.iter().filter(|a| a.path.starts_with("grafana/dashboards/")).enumerate()
    {
        let dashboard: Value = serde_json::from_str(&artifact.contents).unwrap();
        write(
            &format!("grafana/{}.json", dashboard["uid"].as_str().unwrap()),
            serde_json::to_string_pretty(&noise::grafana(&dashboard, index)).unwrap(),
        );
    }
    let rules: Vec<(String, Value)> = artifacts
        .iter()
        .filter(|a| a.path.starts_with("prometheus/prod/") && a.path.ends_with(".rules.yaml"))
        .map(|a| (a.path.clone(), serde_yaml::from_str(&a.contents).unwrap()))
        .collect();
    write("prometheus/rules.json", serde_json::to_string(&noise::prometheus(&rules)).unwrap());
    // The module blocks of the root module of `prod`: one file per team.
    let mut modules = String::new();
    let mut inside = false;
    for line in team_files(&artifacts, "prod").lines() {
        inside |= line.starts_with("module \"");
        if inside {
            modules.push_str(line);
            modules.push('\n');
        }
        inside &= line != "}";
    }
    assert!(modules.contains("module \""), "no module blocks in terraform/prod");
    write(
        "terraform/prod.json",
        serde_json::to_string_pretty(&noise::terraform_state("prod", &modules)).unwrap(),
    );
    let data = artifacts.iter().find(|a| a.path.ends_with("/model/data.json")).unwrap();
    let data: Value = serde_json::from_str(&data.contents).unwrap();
    write("opa/data.json", serde_json::to_string(&json!({ "result": data })).unwrap());
}

fn diff_json(dir: &Path, extra: &[&str]) -> (u8, Value, String) {
    let acme = repo_root().join("examples/acme");
    let mut args =
        vec!["diff", acme.to_str().unwrap(), "--live", dir.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let (code, out, err) = run_cli(&args);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, report, err)
}

/// The 1-based line of the first line containing `needle` after the first line containing `after`.
fn line_of(file: &str, after: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(repo_root().join("examples/acme").join(file)).unwrap();
    let start = text.lines().position(|l| l.contains(after)).unwrap();
    let offset = text.lines().skip(start).position(|l| l.contains(needle)).unwrap();
    u64::try_from(start + offset + 1).unwrap()
}

/// The exported ledger Rollout (not autoscaled) with other replicas.
fn scale_ledger(text: &str, replicas: u32) -> String {
    let ledger = text.find("kind: Rollout\n  metadata:\n    name: ledger\n").unwrap();
    let at = ledger + text[ledger..].find("replicas: 3").unwrap();
    format!("{}replicas: {replicas}{}", &text[..at], &text[at + "replicas: 3".len()..])
}

fn edit(path: &Path, edit: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let edited = edit(text.clone());
    assert!(text != edited, "the edit changed nothing in {}", path.display());
    std::fs::write(path, edited).unwrap();
}

#[test]
fn server_noise_alone_is_not_drift() {
    let dir = tempfile::tempdir().unwrap();
    write_exports(dir.path());
    // The autoscaler scaled payments-api up.
    edit(&dir.path().join("cluster/prod.yaml"), |text| {
        text.replacen("replicas: 4\n", "replicas: 7\n", 1)
    });
    let (code, report, err) = diff_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}\n{err}");
    assert_eq!(report["drifts"], json!([]));
    assert!(report["compared"].as_u64().unwrap() > 50, "{report:#}");
    let rules: std::collections::BTreeSet<&str> = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "server-metadata",
        "last-applied-configuration",
        "status",
        "service-defaults",
        "pod-defaults",
        "namespace-defaults",
        "autoscaler-defaults",
        "grafana-server-fields",
        "autoscaled-replicas",
        "controller-annotations",
    ] {
        assert!(rules.contains(rule), "no difference suppressed by {rule}: {rules:?}");
    }
    // The human report names the rule that suppressed each difference on request.
    let acme = repo_root().join("examples/acme");
    let (code, out, _) = run_cli(&[
        "diff",
        acme.to_str().unwrap(),
        "--live",
        dir.path().to_str().unwrap(),
        "--show-suppressed",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("suppressed by autoscaled-replicas: Rollout payments-prod/payments-api `spec.replicas` (a HorizontalPodAutoscaler owns the replica count)"), "{out}");
}

#[test]
fn each_real_change_is_reported_once_at_its_path_and_declaring_line() {
    let dir = tempfile::tempdir().unwrap();
    write_exports(dir.path());
    let cluster = dir.path().join("cluster/prod.yaml");
    // Someone scaled the ledger by hand, and changed a canary weight of auth-gateway.
    edit(&cluster, |text| scale_ledger(&text, 5));
    edit(&cluster, |text| text.replacen("- setWeight: 20\n", "- setWeight: 30\n", 1));
    // An alert threshold was edited on the server, and a panel renamed in Grafana.
    edit(&dir.path().join("prometheus/rules.json"), |text| {
        let group = text.find("\"payments-api-slo-alerts\"").unwrap();
        format!(
            "{}{}",
            &text[..group],
            text[group..].replacen("> (14.4 * 0.0005)", "> (20 * 0.0005)", 1)
        )
    });
    edit(&dir.path().join("grafana/acme-search.json"), |text| {
        text.replacen("\"Request rate\"", "\"Requests\"", 1)
    });
    let (code, report, _) = diff_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let drifts: Vec<(String, String, String, u64)> = report["drifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["class"], "changed", "{d:#}");
            (
                d["object"].as_str().unwrap().to_owned(),
                d["path"].as_str().unwrap().to_owned(),
                d["source"]["file"].as_str().unwrap().to_owned(),
                d["source"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let payments = "services/payments.kdl".to_owned();
    let identity = "services/identity.kdl".to_owned();
    let growth = "services/growth.kdl".to_owned();
    assert_eq!(
        drifts,
        vec![
            (
                "Rollout identity-prod/auth-gateway".to_owned(),
                "spec.strategy.canary.steps[2].setWeight".to_owned(),
                identity.clone(),
                line_of("services/identity.kdl", "service \"auth-gateway\"", "step weight=20")
            ),
            (
                "Rollout payments-prod/ledger".to_owned(),
                "spec.replicas".to_owned(),
                payments.clone(),
                line_of("services/payments.kdl", "service \"ledger\"", "replicas 3")
            ),
            (
                "dashboard acme-search".to_owned(),
                "panels[1].title".to_owned(),
                growth.clone(),
                line_of("services/growth.kdl", "service \"search\"", "service \"search\"")
            ),
            (
                "rule group payments-api-slo-alerts in prod".to_owned(),
                "rules[0].expr".to_owned(),
                payments,
                line_of(
                    "services/payments.kdl",
                    "service \"payments-api\"",
                    "slo \"availability\""
                )
            ),
        ]
    );
    let ledger =
        report["drifts"].as_array().unwrap().iter().find(|d| d["path"] == "spec.replicas").unwrap();
    assert_eq!((ledger["desired"].clone(), ledger["live"].clone()), (json!(3), json!(5)));
    assert_eq!(ledger["artifact"], "argo-rollouts/prod/ledger.yaml");
}

#[test]
fn missing_and_extra_live_objects_are_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    write_exports(dir.path());
    let cluster = dir.path().join("cluster/prod.yaml");
    let mut list: Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cluster).unwrap()).unwrap();
    let items = list["items"].as_array_mut().unwrap();
    // The preview Service of ledger was deleted; a Rollout of a retired service is still running.
    items.retain(|o| o["metadata"]["name"] != "ledger-preview");
    let mut retired = items.iter().find(|o| o["kind"] == "Rollout").unwrap().clone();
    retired["metadata"]["name"] = json!("legacy-checkout");
    items.push(retired);
    // Something idpc does not manage is not its business.
    items.push(json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "hand-made", "namespace": "payments-prod" }, "data": {} }));
    std::fs::write(&cluster, serde_yaml::to_string(&list).unwrap()).unwrap();
    let (code, report, _) = diff_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let classes: Vec<(String, String)> = report["drifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (d["class"].as_str().unwrap().to_owned(), d["object"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        classes,
        vec![
            ("missing live".to_owned(), "Service payments-prod/ledger-preview".to_owned()),
            ("extra live".to_owned(), "Rollout growth-prod/legacy-checkout".to_owned()),
        ]
    );
}

#[test]
fn malformed_exports_are_trouble_naming_the_file() {
    let cases = [
        ("broken.yaml", "a: [unclosed"),
        ("unknown.json", "{\"hello\": \"world\"}"),
        ("truncated.json", "{\"status\": \"success\", \"data\": {\"groups\": ["),
    ];
    for (name, text) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        let acme = repo_root().join("examples/acme");
        let (code, _, err) =
            run_cli(&["diff", acme.to_str().unwrap(), "--live", dir.path().to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(name), "{name}: the message does not name the file: {err}");
    }
    // Files are read in parallel; the first bad one in the order of paths is the one named. A
    // list as `kubectl` writes it, with an item that does not parse, is reported where the
    // parser finds the error in the whole file.
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let list =
        "apiVersion: v1\nitems:\n- kind: Pod\n  metadata:\n    name: a\n- kind: [Pod\nkind: List\n";
    std::fs::write(dir.path().join("a-list.yaml"), list).unwrap();
    let acme = repo_root().join("examples/acme");
    let (code, _, err) =
        run_cli(&["diff", acme.to_str().unwrap(), "--live", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a-list.yaml") && err.contains("not valid YAML"), "{err}");
    assert!(err.contains("a flow sequence at line 6 column 9"), "{err}");
    assert!(!err.contains("broken.yaml") && !err.contains("unknown.json"), "{err}");
    let (code, _, err) = run_cli(&[
        "diff",
        repo_root().join("examples/acme").to_str().unwrap(),
        "--live",
        "/nonexistent/exports",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/exports"), "{err}");
}

#[test]
fn ignore_rules_declared_in_the_platform_suppress_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let platform = dir.path().join("platform");
    copy_dir(&repo_root().join("examples/acme"), &platform);
    edit(&platform.join("platform.kdl"), |text| {
        text.replace("    max-ephemeral-ttl \"14d\"\n", "    max-ephemeral-ttl \"14d\"\n    drift {\n        ignore \"spec.replicas\" kind=\"Rollout\" reason=\"the ledger team scales by hand at month end\"\n    }\n")
    });
    let exports = dir.path().join("exports");
    write_exports(&exports);
    edit(&exports.join("cluster/prod.yaml"), |text| scale_ledger(&text, 9));
    let (code, out, _) = run_cli(&[
        "diff",
        platform.to_str().unwrap(),
        "--live",
        exports.to_str().unwrap(),
        "--show-suppressed",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("suppressed by ignore \"spec.replicas\": Rollout"), "{out}");
    assert!(out.contains("(the ledger team scales by hand at month end)"), "{out}");
}

#[test]
fn each_artifact_describes_objects_of_the_domain_its_path_names() {
    // `idpc diff --live` reads only the artifacts of the domains the exports cover, by path.
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let mut domains = std::collections::BTreeSet::new();
    for artifact in &artifacts {
        for object in idpc_drift::desired::objects_of(artifact) {
            let named = idpc_drift::desired::domain_of(&artifact.path);
            assert_eq!(named, Some(object.key.domain()), "{}", artifact.path);
            // `diff --live` makes only the families whose directory names a covered domain.
            let dir = artifact.path.split('/').next().unwrap();
            let family = idpc_drift::desired::domain_of_dir(dir);
            assert_eq!(family, Some(object.key.domain()), "{}", artifact.path);
            domains.insert(object.key.domain());
        }
    }
    assert_eq!(domains.len(), 5, "every domain but Terraform's comes from artifacts: {domains:?}");
}

#[test]
fn diff_against_the_committed_tree_shows_a_unified_diff() {
    let acme = repo_root().join("examples/acme");
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("golden/acme"), copy.path());
    let (code, out, err) =
        run_cli(&["diff", acme.to_str().unwrap(), "--against", copy.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("no drift"), "{err}");
    edit(&copy.path().join("helm/prod/ledger.values.yaml"), |t| {
        t.replace("replicaCount: 3", "replicaCount: 5")
    });
    std::fs::remove_file(copy.path().join("catalog/users.yaml")).unwrap();
    let (code, out, _) =
        run_cli(&["diff", acme.to_str().unwrap(), "--against", copy.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("--- a/helm/prod/ledger.values.yaml")
            && out.contains("-replicaCount: 5")
            && out.contains("+replicaCount: 3"),
        "{out}"
    );
    // A file the tree lacks is new on the generated side, as `git diff` shows one.
    assert!(out.contains("--- /dev/null\n+++ b/catalog/users.yaml\n"), "{out}");

    // Generated files that differ come in the order of their paths, however they were made,
    // then the files nothing generates.
    std::fs::write(copy.path().join("helm/notes.txt"), "kept by hand\n").unwrap();
    edit(&copy.path().join("argo-rollouts/dev/ledger.yaml"), |t| format!("{t}# edited\n"));
    let (code, out, _) = run_cli(&[
        "diff",
        acme.to_str().unwrap(),
        "--against",
        copy.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files: Vec<(&str, &str)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["class"].as_str().unwrap()))
        .collect();
    assert_eq!(
        files,
        [
            ("argo-rollouts/dev/ledger.yaml", "changed"),
            ("catalog/users.yaml", "missing"),
            ("helm/prod/ledger.values.yaml", "changed"),
            ("helm/notes.txt", "extra"),
        ],
        "{out}"
    );
    let extra = &report["files"][3]["diff"];
    assert_eq!(extra, "--- a/helm/notes.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-kept by hand\n");
}

#[test]
fn diff_against_a_tree_agrees_with_build_check_on_adopted_files_and_needs_the_tree() {
    let acme = repo_root().join("examples/acme");
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(out.path().join("helm")).unwrap();
    std::fs::write(out.path().join("helm/notes.md"), "ours\n").unwrap();
    std::fs::write(out.path().join("extra.txt"), "ours\n").unwrap();
    let (acme, tree) = (acme.to_str().unwrap(), out.path().to_str().unwrap());
    let (code, _, err) = run_cli(&["build", acme, "--out", tree, "--adopt"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_cli(&["build", acme, "--out", tree, "--check"]);
    assert_eq!(code, 0, "{err}");
    // The adopted files are the user's: neither command calls them extra.
    let (code, out_text, err) = run_cli(&["diff", acme, "--against", tree]);
    assert_eq!(code, 0, "{out_text}{err}");
    assert!(err.contains("no drift"), "{err}");
    // A tree that is not there is trouble, not a diff that adds every file.
    let missing = out.path().join("nothing-here");
    let (code, out_text, err) = run_cli(&["diff", acme, "--against", missing.to_str().unwrap()]);
    assert_eq!(code, 2, "{out_text}{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(out_text.is_empty(), "{out_text}");
}

#[test]
fn terraform_applied_with_other_values_is_drift_at_the_field() {
    let dir = tempfile::tempdir().unwrap();
    write_exports(dir.path());
    // The payments database was applied from an older description: 50Gi instead of 200Gi.
    edit(&dir.path().join("terraform/prod.json"), |text| {
        text.replacen("214748364800", "53687091200", 1)
    });
    let (code, report, _) = diff_json(dir.path(), &[]);
    assert_eq!(code, 1, "{report:#}");
    let drifts = report["drifts"].as_array().unwrap();
    assert_eq!(drifts.len(), 1, "{report:#}");
    assert_eq!(drifts[0]["object"], "module.payments_api_db in prod");
    assert_eq!(drifts[0]["path"], "storage_bytes");
    assert_eq!(
        (drifts[0]["desired"].clone(), drifts[0]["live"].clone()),
        (json!(214_748_364_800_u64), json!(53_687_091_200_u64))
    );
    assert_eq!(
        drifts[0]["source"]["line"].as_u64().unwrap(),
        line_of("services/payments.kdl", "override \"prod\"", "storage \"200Gi\"")
    );
}

#[test]
fn an_opa_bundle_directory_is_compared_by_revision_and_data() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let dir = tempfile::tempdir().unwrap();
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("opa/")) {
        let path = dir.path().join(&artifact.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &artifact.contents).unwrap();
    }
    let (code, report, _) = diff_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["compared"], 2);
    // An old bundle is still deployed: carol was added to payments since, its pager was renamed,
    // and identity could then read the webhook key in production only.
    edit(&dir.path().join("opa/idpc/acme/model/data.json"), |text| {
        let mut data: serde_json::Value = serde_json::from_str(&text).unwrap();
        let members = data["teams"]["payments"]["members"].as_array_mut().unwrap();
        members.retain(|m| m != "carol@acme.com");
        data["teams"]["payments"]["oncall"] = json!("payments-old-pager");
        data["services"]["payments-api"]["environments"]["staging"]["secrets"]["WEBHOOK_SIGNING_KEY"]
            ["readers"] = json!([]);
        serde_json::to_string_pretty(&data).unwrap()
    });
    edit(&dir.path().join("opa/.manifest"), |text| {
        text.replacen("\"revision\": \"", "\"revision\": \"0", 1)
    });
    let (code, report, _) = diff_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let drifts: Vec<(String, String, String, u64)> = report["drifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["object"].as_str().unwrap().to_owned(),
                d["path"].as_str().unwrap().to_owned(),
                d["source"]["file"].as_str().unwrap_or_default().to_owned(),
                d["source"]["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let data = "OPA bundle data".to_owned();
    let webhook =
        line_of("services/payments.kdl", "service \"payments-api\"", "WEBHOOK_SIGNING_KEY");
    assert_eq!(
        drifts,
        vec![
            (
                data.clone(),
                "services.payments-api.environments.staging.secrets.WEBHOOK_SIGNING_KEY.readers[0]"
                    .to_owned(),
                "services/payments.kdl".to_owned(),
                webhook
            ),
            (
                data.clone(),
                "teams.payments.members[2]".to_owned(),
                "teams.kdl".to_owned(),
                line_of("teams.kdl", "team \"payments\"", "carol@acme.com")
            ),
            (
                data,
                "teams.payments.oncall".to_owned(),
                "teams.kdl".to_owned(),
                line_of("teams.kdl", "team \"payments\"", "oncall")
            ),
            (
                "OPA bundle revision".to_owned(),
                "(the whole object)".to_owned(),
                "platform.kdl".to_owned(),
                line_of("platform.kdl", "platform", "platform \"acme\"")
            ),
        ]
    );
}

#[test]
fn the_report_is_the_same_whatever_order_the_artifacts_are_compared_in() {
    // `idpc diff --live` compares each artifact's objects as the artifact is made, on whichever
    // thread makes it: the report must not depend on that order. Made in the order of the paths,
    // the autoscaler of payments-api comes after its Rollout (`kubernetes/` after
    // `argo-rollouts/`), and in the reverse order before it; either way it tells that the
    // Rollout's replicas are not drift.
    let acme = repo_root().join("examples/acme");
    let compilation = compile_dir(&acme);
    let platform = compilation.platform.as_ref().unwrap();
    let artifacts = idpc_driver::emit(platform, idpc_driver::Family::ALL).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_exports(dir.path());
    edit(&dir.path().join("cluster/prod.yaml"), |text| {
        scale_ledger(&text.replacen("replicas: 4\n", "replicas: 7\n", 1), 9)
    });
    edit(&dir.path().join("cluster/prod.yaml"), |text| {
        text.replacen("kind: NetworkPolicy\n", "kind: NetworkPolicyGone\n", 1)
    });
    let live = idpc_driver::live::read_exports(dir.path()).unwrap();
    let rules = idpc_drift::rules::shipped();
    let report = |order: Vec<&idpc_driver::Artifact>| {
        let comparison = idpc_drift::Comparison::new(platform, live.clone(), &rules);
        for artifact in order {
            let mut objects = idpc_drift::desired::objects_of(artifact);
            objects.retain(|object| comparison.coverage().keeps(&object.key));
            comparison.add(&artifact.path, objects);
        }
        for object in idpc_drift::desired::terraform_modules(platform) {
            comparison.add(&object.origin.clone(), vec![object]);
        }
        let report = comparison.finish();
        let drifts = report.drifts.iter().map(|d| {
            let (class, path) = (d.class.as_str(), &d.path);
            format!("{} {class} `{path}` {:?} {:?} {:?}", d.key, d.desired, d.live, d.export)
        });
        let suppressed =
            report.suppressed.iter().map(|s| format!("{} `{}` {}", s.key, s.path, s.rule));
        (drifts.collect::<Vec<_>>(), suppressed.collect::<Vec<_>>(), report.compared)
    };
    let forward = report(artifacts.iter().collect());
    let backward = report(artifacts.iter().rev().collect());
    assert_eq!(forward, backward);
    let (drifts, suppressed, compared) = forward;
    assert!(compared > 50, "{compared}");
    let has = |lines: &[String], needle: &str| lines.iter().any(|l| l.starts_with(needle));
    assert_eq!(drifts.len(), 3, "{drifts:#?}");
    let ledger =
        "Rollout payments-prod/ledger changed `spec.replicas` Some(Number(3)) Some(Number(9))";
    assert!(has(&drifts, ledger), "{drifts:#?}");
    let policy = "NetworkPolicy growth-prod/analytics-export missing live";
    assert!(has(&drifts, policy), "{drifts:#?}");
    let renamed = "NetworkPolicyGone growth-prod/analytics-export extra live";
    assert!(has(&drifts, renamed), "managed by idpc, generated by nothing: {drifts:#?}");
    let autoscaled = "Rollout payments-prod/payments-api `spec.replicas` autoscaled-replicas";
    assert!(has(&suppressed, autoscaled), "{suppressed:#?}");
}
