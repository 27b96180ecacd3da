//! `idpc review`: a copy of the acme example with known edits is summarised with exactly those
//! changes (and their consequences), against a directory and against a git revision.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{compile_texts, copy_dir, repo_root, run_cli, tools};

/// Replaces `from` with `to` in a file, which must contain it exactly once.
fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{}: `{from}`", file.display());
    std::fs::write(file, text.replace(from, to)).unwrap();
}

/// The acme example with six edits: an SLO objective, a new service, a dependency removed, a new
/// team member, a resource field in an override, a new ephemeral environment.
fn edited_acme(dir: &Path) {
    copy_dir(&repo_root().join("examples/acme"), dir);
    let payments = dir.join("services/payments.kdl");
    edit(&payments, r#"objective="99.95%" window="30d""#, r#"objective="99.99%" window="30d""#);
    edit(
        &payments,
        r#"depends-on "users-api" "ledger" "fraud-scorer""#,
        r#"depends-on "users-api" "ledger""#,
    );
    edit(&payments, r#"storage "200Gi""#, r#"storage "300Gi""#);
    std::fs::write(
        dir.join("services/reports.kdl"),
        "service \"reports\" team=\"payments\" {\n    image \"reports:0.1.0\"\n    port \"http\" 8080\n    limits memory=\"256Mi\"\n    deploy {\n        healthcheck path=\"/health\"\n    }\n}\n",
    )
    .unwrap();
    edit(
        &dir.join("teams.kdl"),
        "    member \"carol@acme.com\"\n",
        "    member \"carol@acme.com\"\n    member \"dave@acme.com\"\n",
    );
    let environments = dir.join("environments.kdl");
    let mut text = std::fs::read_to_string(&environments).unwrap();
    text.push_str(
        "environment \"search-v2\" from=\"staging\" owner=\"frank@acme.com\" ttl=\"7d\" created=\"2026-11-20\"\n",
    );
    std::fs::write(&environments, text).unwrap();
}

/// Every change of a JSON review as `section | subject | change | what`.
fn changes(review: &Value) -> Vec<String> {
    review["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|section| {
            section["changes"].as_array().unwrap().iter().map(move |c| {
                format!(
                    "{} | {} | {} | {}",
                    section["section"].as_str().unwrap(),
                    c["subject"].as_str().unwrap(),
                    c["change"].as_str().unwrap(),
                    c["what"].as_str().unwrap()
                )
            })
        })
        .collect()
}

/// The change of a JSON review with this subject and what.
fn change<'a>(review: &'a Value, subject: &str, what: &str) -> &'a Value {
    review["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["changes"].as_array().unwrap())
        .find(|c| c["subject"] == subject && c["what"] == what)
        .unwrap_or_else(|| panic!("no change `{subject}` / `{what}` in {review:#}"))
}

fn json_review(head: &Path, base: &str) -> Value {
    let (code, out, err) =
        run_cli(&["review", head.to_str().unwrap(), "--base", base, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn review_lists_exactly_the_edits_and_their_consequences() {
    let dir = tempfile::tempdir().unwrap();
    edited_acme(dir.path());
    let base = repo_root().join("examples/acme");
    let review = json_review(dir.path(), base.to_str().unwrap());
    assert_eq!(
        changes(&review),
        [
            "access | payments | added | member dave@acme.com",
            "environments | search-v2 | added | ",
            // The rollback of payments-api has no error rate of its own: it follows the SLO.
            "services | payments-api | changed | rollback error rate",
            "services | reports | added | ",
            "network | payments-api → fraud-scorer | removed | ",
            "resources | payments-api/db | changed | storage",
            "slos | payments-api | changed | availability objective",
        ]
    );
    assert_eq!(review["count"], 7);
    assert_eq!(review["platform"], "acme");

    let objective = change(&review, "payments-api", "availability objective");
    assert_eq!(objective["values"][0]["before"], "99.95%");
    assert_eq!(objective["values"][0]["after"], "99.99%");
    let notes = objective["notes"].to_string();
    assert!(
        notes.contains("error budget shrinks to one fifth (0.05% → 0.01% of requests"),
        "{notes}"
    );
    assert!(
        notes.contains(
            "in prod, burn-rate alerts page above a 1h error ratio of 0.144% (was 0.72%)"
        ),
        "{notes}"
    );

    let storage = change(&review, "payments-api/db", "storage");
    assert_eq!(
        storage["values"],
        serde_json::json!([{ "environments": ["prod"], "everywhere": false, "before": "200Gi", "after": "300Gi" }])
    );

    // One group: the same change in every environment, said once.
    let rollback = &change(&review, "payments-api", "rollback error rate")["values"];
    assert_eq!(rollback.as_array().unwrap().len(), 1, "{rollback:#}");
    assert_eq!(rollback[0]["everywhere"], true);
    assert_eq!(rollback[0]["before"], "0.72%");
    assert_eq!(rollback[0]["after"], "0.144%");

    let dependency = change(&review, "payments-api → fraud-scorer", "");
    assert_eq!(
        dependency["notes"][0],
        "the network policy of fraud-scorer no longer admits payments-api"
    );

    let member = change(&review, "payments", "member dave@acme.com");
    assert!(member["notes"][0].as_str().unwrap().starts_with("gains the team's access"));

    let environment = change(&review, "search-v2", "");
    let detail = environment["values"][0]["after"].as_str().unwrap();
    assert!(
        detail.starts_with("ephemeral copy of staging owned by frank@acme.com, ttl 7d from 2026-11-20, expiring 2026-11-27, staging tier"),
        "{detail}"
    );

    let service = change(&review, "reports", "");
    assert_eq!(service["values"][0]["after"], "team payments, image ghcr.io/acme/reports:0.1.0");
}

#[test]
fn review_markdown_is_snapshotted() {
    let dir = tempfile::tempdir().unwrap();
    edited_acme(dir.path());
    let base = repo_root().join("examples/acme");
    let (code, out, err) =
        run_cli(&["review", dir.path().to_str().unwrap(), "--base", base.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let out = out.replace(base.to_str().unwrap(), "examples/acme");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo_root().join("tests/review/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("acme_edits", out));
    // The book shows this summary against `main`; it must stay what the command prints.
    let book = std::fs::read_to_string(repo_root().join("book/src/guide/review.md")).unwrap();
    let shown = out.replace("`examples/acme`", "`main`");
    assert!(book.contains(&shown), "book/src/guide/review.md shows another summary:\n{shown}");
}

#[test]
fn identical_versions_have_no_model_changes() {
    let acme = repo_root().join("examples/acme");
    let acme = acme.to_str().unwrap();
    let (code, out, err) = run_cli(&["review", acme, "--base", acme]);
    assert_eq!(code, 0, "{err}");
    assert!(out.ends_with("No model changes.\n"), "{out}");
    let review = json_review(Path::new(acme), acme);
    assert_eq!(review["count"], 0);
    assert_eq!(review["sections"], serde_json::json!([]));
}

#[test]
fn values_changed_the_same_way_everywhere_are_said_once() {
    let base = r#"platform "p"
team "t" { member "a@p.dev" role="lead"; member "b@p.dev"; }
environment "dev" tier="development"
environment "staging" tier="staging"
environment "prod" tier="production" { approval required=#true; }
service "s" team="t" {
    image "s:1.0.0"
    limits memory="256Mi"
    replicas 2
    override "prod" { replicas 4 }
}
"#;
    let head = base.replace("image \"s:1.0.0\"", "image \"s:1.1.0\"").replace(
        "override \"prod\" { replicas 4 }",
        "override \"prod\" { replicas 6 }\n    override \"dev\" { replicas 1 }",
    );
    let old = compile_texts(&[("platform.kdl", base)]);
    let new = compile_texts(&[("platform.kdl", &head)]);
    let review =
        idpc_review::review(old.platform.as_ref().unwrap(), new.platform.as_ref().unwrap());
    let text = idpc_review::markdown(&review, "base");
    assert!(text.contains("- **s**\n  - image s:1.0.0 → s:1.1.0\n"), "{text}");
    assert!(text.contains("  - replicas in dev 2 → 1; in prod 4 → 6\n"), "{text}");
}

#[test]
fn review_reads_the_base_from_git() {
    let Some(git) = tools::program("review_reads_the_base_from_git", "git") else { return };
    let repo = tempfile::tempdir().unwrap();
    let platform = repo.path().join("platform");
    copy_dir(&repo_root().join("examples/acme"), &platform);
    let run = |args: &[&str]| {
        let output = Command::new(&git)
            .current_dir(repo.path())
            .args([
                "-c",
                "user.name=idpc",
                "-c",
                "user.email=idpc@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    // Read from git in one batch: an empty file and a name with spaces are read like any other.
    std::fs::write(platform.join("services/empty notes.kdl"), "").unwrap();
    run(&["init", "-q"]);
    run(&["add", "."]);
    run(&["commit", "-q", "-m", "acme"]);
    edit(&platform.join("services/payments.kdl"), r#"storage "200Gi""#, r#"storage "300Gi""#);

    let review = json_review(&platform, "HEAD");
    assert_eq!(changes(&review), ["resources | payments-api/db | changed | storage"]);
    assert_eq!(review["base"], "HEAD");

    let (code, out, err) =
        run_cli(&["review", platform.to_str().unwrap(), "--base", "no-such-branch"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("unknown revision `no-such-branch`"), "{err}");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn review_trouble_exits_2() {
    let outside = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/minimal"), outside.path());
    let path = outside.path().to_str().unwrap();
    let (code, _, err) = run_cli(&["review", path, "--base", "HEAD"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not in a git repository"), "{err}");

    let broken = tempfile::tempdir().unwrap();
    std::fs::write(
        broken.path().join("platform.kdl"),
        "platform \"p\"\nteam \"t\" { membr \"a@p.dev\" }\n",
    )
    .unwrap();
    let broken = broken.path().to_str().unwrap();
    let (code, _, err) = run_cli(&["review", path, "--base", broken]);
    assert_eq!(code, 2);
    assert!(err.contains("E0101") && err.contains("does not compile"), "{err}");
    let (code, _, err) = run_cli(&["review", broken, "--base", path]);
    assert_eq!(code, 2);
    assert!(err.contains("E0101") && err.contains("the description has errors"), "{err}");
}

#[test]
fn review_lists_policy_settings_and_waivers() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/acme"), dir.path());
    edit(
        &dir.path().join("platform.kdl"),
        "    policy \"mutable-image-tags\" tiers=\"staging production\"\n",
        "    policy \"mutable-image-tags\" tiers=\"production\"\n    policy \"health-checks\" severity=\"warning\"\n",
    );
    let growth = dir.path().join("services/growth.kdl");
    edit(&growth, "expires=\"2027-06-30\"", "expires=\"2027-09-30\"");
    edit(
        &growth,
        "    image \"search:1.7.3\"\n",
        "    image \"search:1.7.3\"\n    waive \"critical-services\" reason=\"runbook in review\" owner=\"frank@acme.com\" expires=\"2027-01-15\"\n",
    );
    let base = repo_root().join("examples/acme");
    let review = json_review(dir.path(), base.to_str().unwrap());
    assert_eq!(
        changes(&review),
        [
            "policies | health-checks | changed | runs",
            "policies | mutable-image-tags | changed | tiers",
            "policies | recommendations | changed | waiver of health-checks",
            "policies | search | added | waiver of critical-services",
        ]
    );
    let tiers = change(&review, "mutable-image-tags", "tiers");
    assert_eq!(tiers["values"][0]["before"], "staging, production");
    assert_eq!(tiers["values"][0]["after"], "production");
    let runs = change(&review, "health-checks", "runs");
    assert_eq!(runs["values"][0]["after"], "as a warning");
    let waiver = change(&review, "search", "waiver of critical-services");
    assert_eq!(waiver["values"][0]["after"], "until 2027-01-15, frank@acme.com: runbook in review");
}

#[test]
fn readers_and_approvals_are_reported_per_environment_as_the_bundle_scopes_them() {
    let base = r#"platform "p"
team "t" { member "a@p.dev" role="lead"; member "b@p.dev"; member "c@p.dev"; }
team "audit" { member "d@p.dev" role="lead"; }
environment "staging" tier="staging"
environment "prod" tier="production" { approval required=#true; }
environment "try" from="prod" owner="a@p.dev" ttl="3d" created="2026-11-21"
service "s" team="t" {
    image "s:1.0.0"
    limits memory="256Mi"
    secret "KEY" from="vault:t/s#key"
}
"#;
    let head = base
        .replace(
            "    secret \"KEY\" from=\"vault:t/s#key\"\n}",
            "    secret \"KEY\" from=\"vault:t/s#key\"\n    override \"prod\" {\n        secret \"KEY\" from=\"vault:t/s#key\" { reader \"audit\"; }\n    }\n}",
        )
        .replace("approval required=#true;", "approval required=#true approvers=2;");
    let old = compile_texts(&[("platform.kdl", base)]);
    let new = compile_texts(&[("platform.kdl", &head)]);
    let review =
        idpc_review::review(old.platform.as_ref().unwrap(), new.platform.as_ref().unwrap());
    let text = idpc_review::markdown(&review, "base");
    // The ephemeral copy of prod takes prod's override, and its approval rule.
    assert!(
        text.contains("- **s**: secret KEY reader audit added in prod and try — the members of audit can read it\n"),
        "{text}"
    );
    assert!(
        text.contains("- **prod**: approval 1 approval required → 2 approvals required\n"),
        "{text}"
    );
    assert!(
        text.contains("- **try**: approval 1 approval required → 2 approvals required\n"),
        "{text}"
    );
    // The OPA bundle says the same, environment by environment.
    let platform = new.platform.as_ref().unwrap();
    let artifacts = idpc_driver::emit(platform, idpc_driver::Family::ALL).unwrap();
    let data = artifacts.iter().find(|a| a.path.ends_with("model/data.json")).unwrap();
    let data: Value = serde_json::from_str(&data.contents).unwrap();
    for (env, readers, approvers) in [
        ("staging", serde_json::json!([]), 1),
        ("prod", serde_json::json!(["audit"]), 2),
        ("try", serde_json::json!(["audit"]), 2),
    ] {
        let secret = &data["services"]["s"]["environments"][env]["secrets"]["KEY"];
        assert_eq!(secret["readers"], readers, "{env}");
        assert_eq!(data["environments"][env]["approval"]["approvers"], approvers, "{env}");
    }
}
