//! Scaffolding: `idpc new service`, `idpc new environment` and `idpc env expired` on a copy of
//! the acme example. What `new` writes must pass `idpc check` as written; what it refuses writes
//! nothing.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{self, compile_dir, copy_dir, repo_root, run_cli};

/// A temporary copy of `examples/acme`.
fn acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/acme"), dir.path());
    dir
}

/// Every file under `dir` with its contents.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let path = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (path, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Asserts that `idpc check` passes on `dir` without a single diagnostic.
fn assert_checks_clean(dir: &Path) {
    let (code, out, err) = run_cli(&["check", dir.to_str().unwrap(), "--message-format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(crate::support::diagnostic_lines(&out), Vec::<serde_json::Value>::new(), "{out}");
}

fn new_service(dir: &Path, args: &[&str]) -> (u8, String, String) {
    let mut argv = vec!["new", "service"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--dir", dir.to_str().unwrap()]);
    run_cli(&argv)
}

#[test]
fn a_new_service_passes_check_as_written_and_follows_the_guardrails() {
    let dir = acme();
    let (code, out, err) = new_service(dir.path(), &["checkout", "--team", "payments"]);
    assert_eq!(code, 0, "{err}");
    let path = dir.path().join("services/checkout.kdl");
    assert_eq!(out.trim(), path.display().to_string());
    assert!(err.contains("<stdlib>/scaffold/service.kdl.hbs"), "{err}");
    assert_checks_clean(dir.path());

    let text = std::fs::read_to_string(&path).unwrap();
    for expected in [
        r#"service "checkout" team="payments" {"#,
        r#"criticality "standard""#,
        r#"image "checkout:0.1.0""#,
        r#"requests cpu="100m" memory="128Mi""#,
        r#"limits cpu="500m" memory="256Mi""#,
        r#"slo "availability""#,
        r#"runbook "https://runbooks.acme.internal/checkout""#,
    ] {
        assert!(text.contains(expected), "no `{expected}` in:\n{text}");
    }
    assert!(!text.contains("secret"), "{text}");
    assert!(!text.contains("\n\n\n"), "{text}");

    let compilation = compile_dir(dir.path());
    let platform = compilation.platform.unwrap();
    let (id, service) =
        platform.services.iter().enumerate().find(|(_, s)| s.name == "checkout").unwrap();
    assert!(service.runbook.is_some());
    assert!(service.slos.iter().any(|s| s.indicator == idpc_ir::Indicator::Availability));
    let ports: Vec<&str> = service.ports.iter().map(|p| p.name.as_str()).collect();
    let deployments: Vec<_> = platform.deployments_of(idpc_ir::ServiceId::from_index(id)).collect();
    // Every environment but the ephemeral one, which carries only the services it names.
    let carrying =
        platform.environments.iter().filter(|e| e.carries(idpc_ir::ServiceId::from_index(id)));
    assert_eq!(deployments.len(), carrying.count());
    for deployment in deployments {
        assert!(deployment.image.value.is_pinned());
        assert_eq!(deployment.image.value.to_string(), "ghcr.io/acme/checkout:0.1.0");
        let healthcheck = deployment.healthcheck.as_ref().unwrap();
        assert!(ports.contains(&healthcheck.value.port.as_str()));
    }
}

#[test]
fn a_new_service_with_resources_passes_check_as_written() {
    let dir = acme();
    let (code, _, err) = new_service(
        dir.path(),
        &["orders", "--team", "growth", "--kind", "postgres", "--kind", "redis"],
    );
    assert_eq!(code, 0, "{err}");
    assert_checks_clean(dir.path());
    let text = std::fs::read_to_string(dir.path().join("services/orders.kdl")).unwrap();
    assert!(text.contains(r#"resource "db" kind="postgres""#), "{text}");
    assert!(text.contains(r#"resource "cache" kind="redis""#), "{text}");
}

#[test]
fn a_kind_with_a_required_field_gets_a_value_that_checks() {
    let dir = acme();
    let (code, _, err) =
        new_service(dir.path(), &["finder", "--team", "growth", "--kind", "search-index"]);
    assert_eq!(code, 0, "{err}");
    assert_checks_clean(dir.path());
    let text = std::fs::read_to_string(dir.path().join("services/finder.kdl")).unwrap();
    assert!(text.contains(r#"resource "search-index" kind="search-index" {"#), "{text}");
    assert!(text.contains("        shards 1\n"), "{text}");
}

#[test]
fn the_platform_template_is_used_when_present() {
    let dir = acme();
    std::fs::create_dir_all(dir.path().join("scaffold")).unwrap();
    std::fs::write(
        dir.path().join("scaffold/service.kdl.hbs"),
        r#"// Acme's golden path for {{name}}, owned by {{team.name}} ({{team.lead}}).
service "{{name}}" team="{{team.name}}" {
    description "{{team.description}}: a new service"
    criticality "standard"
    image "{{platform.registry}}/{{name}}:{{version}}"
    port "web" 8000
    requests cpu="50m" memory="64Mi"
    limits memory="128Mi"
{{#each resources}}
    resource "{{name}}" kind="{{kind}}"
{{/each}}
    deploy {
        healthcheck path="/ready" port="web"
    }
    slo "availability" objective="99%"
    runbook "{{runbook}}"
{{#each environments}}
{{#if (eq tier "production")}}
    override "{{name}}" { replicas 3 }
{{/if}}
{{/each}}
}
"#,
    )
    .unwrap();
    let (code, _, err) =
        new_service(dir.path(), &["inbox", "--team", "identity", "--kind", "queue"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("from the template scaffold/service.kdl.hbs"), "{err}");
    assert_checks_clean(dir.path());
    let text = std::fs::read_to_string(dir.path().join("services/inbox.kdl")).unwrap();
    assert_eq!(
        text,
        r#"// Acme's golden path for inbox, owned by identity (dan@acme.com).
service "inbox" team="identity" {
    description "Accounts, sign-in and notifications: a new service"
    criticality "standard"
    image "ghcr.io/acme/inbox:0.1.0"
    port "web" 8000
    requests cpu="50m" memory="64Mi"
    limits memory="128Mi"
    resource "jobs" kind="queue"
    deploy {
        healthcheck path="/ready" port="web"
    }
    slo "availability" objective="99%"
    runbook "https://runbooks.acme.internal/inbox"
    override "prod" { replicas 3 }
}
"#
    );
}

#[test]
fn a_broken_platform_template_is_an_error_in_it_and_writes_nothing() {
    let dir = acme();
    std::fs::create_dir_all(dir.path().join("scaffold")).unwrap();
    std::fs::write(
        dir.path().join("scaffold/service.kdl.hbs"),
        "service \"{{name}}\" team=\"{{teem.name}}\"\n",
    )
    .unwrap();
    let before = tree(dir.path());
    let (code, _, err) = new_service(dir.path(), &["inbox", "--team", "identity"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0503"), "{err}");
    assert!(err.contains("scaffold/service.kdl.hbs:1:"), "{err}");
    assert!(err.contains("did you mean `team`?"), "{err}");
    assert!(err.contains("nothing written"), "{err}");
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn a_template_whose_output_does_not_compile_writes_nothing() {
    let dir = acme();
    std::fs::create_dir_all(dir.path().join("scaffold")).unwrap();
    std::fs::write(
        dir.path().join("scaffold/service.kdl.hbs"),
        "service \"{{name}}\" team=\"{{team.name}}\" {\n    image \"{{name}}\"\n    replicas \"two\"\n}\n",
    )
    .unwrap();
    let before = tree(dir.path());
    let (code, _, err) = new_service(dir.path(), &["inbox", "--team", "identity"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--> services/inbox.kdl:3:"), "{err}");
    assert!(err.contains("nothing written"), "{err}");
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn refusals_exit_2_and_write_nothing() {
    let dir = acme();
    let before = tree(dir.path());
    let cases: &[(&[&str], &[&str])] = &[
        (&["checkout", "--team", "paymnts"], &["no team `paymnts`", "did you mean `payments`?"]),
        (
            &["ledger", "--team", "payments"],
            &["service `ledger` already exists (services/payments.kdl:"],
        ),
        (
            &["Checkout_API", "--team", "payments"],
            &["`Checkout_API` is not a valid service name", "did you mean `checkout-api`?"],
        ),
        (
            &["checkout", "--team", "payments", "--kind", "postgress"],
            &["no kind `postgress`", "did you mean `postgres`?"],
        ),
        (
            &["checkout", "--team", "payments", "--kind", "redis", "--kind", "redis"],
            &["kind `redis` is requested twice"],
        ),
        (
            &["payments-api", "--team", "nobody", "--kind", "mongo"],
            &["already exists", "no team `nobody`", "no kind `mongo`"],
        ),
    ];
    for (args, expected) in cases {
        let (code, out, err) = new_service(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(out, "", "{args:?}");
        for text in *expected {
            assert!(err.contains(text), "{args:?}: no `{text}` in:\n{err}");
        }
        assert!(err.contains("nothing written"), "{args:?}: {err}");
        assert_eq!(tree(dir.path()), before, "{args:?} wrote something");
    }
}

#[test]
fn an_existing_file_is_never_replaced() {
    let dir = acme();
    std::fs::create_dir_all(dir.path().join("services")).unwrap();
    std::fs::write(dir.path().join("services/notes.kdl"), "// notes\n").unwrap();
    let before = tree(dir.path());
    let (code, _, err) = new_service(dir.path(), &["notes", "--team", "growth"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("notes.kdl` already exists"), "{err}");
    assert_eq!(tree(dir.path()), before);
}

fn new_environment(dir: &Path, args: &[&str]) -> (u8, String, String) {
    let mut argv = vec!["new", "environment"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--dir", dir.to_str().unwrap()]);
    run_cli(&argv)
}

#[test]
fn a_new_environment_passes_check_as_written() {
    let dir = acme();
    let (code, out, err) = new_environment(
        dir.path(),
        &[
            "pr-42",
            "--from",
            "staging",
            "--owner",
            "alice@acme.com",
            "--ttl",
            "7d",
            "--created",
            "2026-11-20",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let path = dir.path().join("environments/pr-42.kdl");
    assert_eq!(out.trim(), path.display().to_string());
    assert_checks_clean(dir.path());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "// A copy of staging for alice@acme.com; it expires on 2026-11-27.\n\
         environment \"pr-42\" from=\"staging\" owner=\"alice@acme.com\" ttl=\"7d\" created=\"2026-11-20\"\n"
    );
    let platform = compile_dir(dir.path()).platform.unwrap();
    let env = platform.environments.iter().find(|e| e.name == "pr-42").unwrap();
    assert_eq!(env.ephemeral.as_ref().unwrap().expires().to_string(), "2026-11-27");
}

#[test]
fn a_new_environment_is_created_today_by_default() {
    // "Today" is the day the command judges by: the harness pins it, so the file says that day
    // whatever the machine's clock.
    let dir = acme();
    let (code, _, err) = new_environment(
        dir.path(),
        &["demo", "--from", "dev", "--owner", "frank@acme.com", "--ttl", "2d"],
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("environments/demo.kdl")).unwrap();
    assert!(text.contains(&format!("created=\"{}\"", support::TODAY)), "{text}");
}

#[test]
fn environment_refusals_and_errors_write_nothing() {
    let dir = acme();
    let before = tree(dir.path());
    let base = ["--owner", "alice@acme.com", "--ttl", "7d", "--created", "2026-11-20"];
    let cases: &[(&[&str], u8, &[&str])] = &[
        (&["pr-1", "--from", "stagin"], 2, &["no environment `stagin`", "did you mean `staging`?"]),
        (
            &["pr-1", "--from", "checkout-v2"],
            2,
            &["`checkout-v2` is itself ephemeral", "`dev`, `staging`, `prod`"],
        ),
        (
            &["prod", "--from", "staging"],
            2,
            &["environment `prod` already exists (environments.kdl:13)"],
        ),
        (
            &["PR 1", "--from", "staging"],
            2,
            &["not a valid environment name", "did you mean `pr-1`?"],
        ),
        (
            &["pr-1", "--from", "staging", "--ttl", "30d"],
            1,
            &["P0006", "longer than the 14d allowed"],
        ),
        (
            &["pr-1", "--from", "staging", "--owner", "alice"],
            2,
            &["invalid value 'alice' for '--owner"],
        ),
        (&["pr-1", "--from", "staging", "--created", "2026-02-30"], 2, &["2026-02 has no day 30"]),
    ];
    for (args, expected_code, expected) in cases {
        let mut argv = args.to_vec();
        for pair in base.chunks(2) {
            if !argv.contains(&pair[0]) {
                argv.extend_from_slice(pair);
            }
        }
        let (code, _, err) = new_environment(dir.path(), &argv);
        assert_eq!(code, *expected_code, "{argv:?}: {err}");
        for text in *expected {
            assert!(err.contains(text), "{argv:?}: no `{text}` in:\n{err}");
        }
        assert_eq!(tree(dir.path()), before, "{argv:?} wrote something");
    }
}

fn expired(dir: &Path, at: &str, extra: &[&str]) -> (u8, String, String) {
    let mut argv = vec!["env", "expired", dir.to_str().unwrap(), "--at", at];
    argv.extend_from_slice(extra);
    run_cli(&argv)
}

#[test]
fn expired_environments_are_listed_from_the_day_they_expire() {
    // checkout-v2 was created on 2026-11-16 with a ttl of 14d: it expires on 2026-11-30.
    let acme = repo_root().join("examples/acme");
    let (code, out, err) = expired(&acme, "2026-11-29", &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("0 of 1 ephemeral environment expired at 2026-11-29"), "{err}");

    let (code, out, err) = expired(&acme, "2026-11-30", &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "ENVIRONMENT  FROM     OWNER         CREATED     TTL  EXPIRES     OVERDUE  FILE\n\
         checkout-v2  staging  bob@acme.com  2026-11-16  14d  2026-11-30  0 days   environments.kdl:22\n"
    );
    assert!(err.contains("1 of 1 ephemeral environment expired at 2026-11-30"), "{err}");

    let (_, out, _) = expired(&acme, "2026-12-01", &[]);
    assert!(out.contains("  1 day  "), "{out}");

    let (code, out, err) = expired(&acme, "2026-12-02", &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let mut json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["summary"]["exit"], 0);
    json.as_object_mut().unwrap().remove("summary");
    assert_eq!(
        json,
        serde_json::json!({
            "format": 1,
            "at": "2026-12-02",
            "ephemeral": 1,
            "expired": [{
                "name": "checkout-v2",
                "from": "staging",
                "owner": "bob@acme.com",
                "created": "2026-11-16",
                "ttl": "14d",
                "expires": "2026-11-30",
                "days_overdue": 2,
                "file": "environments.kdl",
                "line": 22,
            }],
        })
    );
    let (_, out, _) = expired(&acme, "2026-11-29", &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["expired"], serde_json::json!([]));
}

#[test]
fn fail_if_any_exits_1_only_when_some_expired() {
    let acme = repo_root().join("examples/acme");
    assert_eq!(expired(&acme, "2026-11-29", &["--fail-if-any"]).0, 0);
    assert_eq!(expired(&acme, "2026-11-30", &["--fail-if-any"]).0, 1);
}

#[test]
fn a_new_environment_expires_when_env_expired_says() {
    let dir = acme();
    let (code, _, err) = new_environment(
        dir.path(),
        &[
            "pr-7",
            "--from",
            "dev",
            "--owner",
            "erin@acme.com",
            "--ttl",
            "3d",
            "--created",
            "2026-11-28",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = expired(dir.path(), "2026-11-30", &[]);
    assert!(out.contains("checkout-v2") && !out.contains("pr-7"), "{out}");
    let (_, out, _) = expired(dir.path(), "2026-12-01", &[]);
    let row = out.lines().find(|l| l.starts_with("pr-7 ")).unwrap_or_else(|| panic!("{out}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..3], ["pr-7", "dev", "erin@acme.com"], "{out}");
    assert_eq!(cells[5], "2026-12-01", "{out}");
}

#[test]
fn env_expired_on_a_broken_description_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("platform.kdl"), "platform \"p\"\nteam \"t\" { membr \"a\" }\n")
        .unwrap();
    let (code, _, err) = expired(dir.path(), "2026-11-30", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("E0101"), "{err}");
}

#[test]
fn a_description_with_errors_gets_nothing_new() {
    let dir = acme();
    std::fs::write(dir.path().join("broken.kdl"), "team \"x\" { membr \"a@acme.com\" }\n").unwrap();
    let before = tree(dir.path());
    let (code, _, err) = new_service(dir.path(), &["inbox", "--team", "identity"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0101"), "{err}");
    assert!(err.contains("nothing written: the description has errors"), "{err}");
    assert_eq!(tree(dir.path()), before);
}
