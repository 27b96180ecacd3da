//! Importing: `idpc import score` into a copy of the acme example and `idpc import backstage`
//! into a new platform. What is written passes `idpc check`; the report names exactly what was
//! not carried over; what is refused writes nothing.

use std::path::{Path, PathBuf};

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{copy_dir, diagnostic_lines, repo_root, run_cli};

fn acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/acme"), dir.path());
    dir
}

fn input(path: &str) -> PathBuf {
    repo_root().join("tests/import").join(path)
}

fn assert_checks_clean(dir: &Path) {
    let (code, out, err) = run_cli(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(diagnostic_lines(&out), Vec::<serde_json::Value>::new(), "{out}");
}

/// Runs `idpc import WHAT FILES… ARGS… --format json --dir DIR`.
fn import(dir: &Path, what: &str, files: &[PathBuf], args: &[&str]) -> (u8, String, String) {
    let mut argv = vec!["import", what];
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    argv.extend(files.iter().map(String::as_str));
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--format", "json", "--dir", dir.to_str().unwrap()]);
    let (code, out, err) = run_cli(&argv);
    // Every line follows the JSON contract in the book.
    let lines = validator(&repo_root().join("book/src/schemas/lines.schema.json"));
    for line in out.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let errors = validation_errors(&lines, &value);
        assert!(errors.is_empty(), "{}\n{value}", errors.join("\n"));
    }
    assert_eq!(out.lines().last().map(|l| l.contains(r#""type":"summary""#)), Some(true), "{out}");
    (code, out, err)
}

/// The report's subjects with the given outcome.
fn subjects(out: &str, outcome: &str) -> Vec<String> {
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["type"] == "import" && l["outcome"] == outcome)
        .map(|l| l["subject"].as_str().unwrap().to_owned())
        .collect()
}

fn written(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["type"] == "written")
        .map(|l| l["path"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_score_inputs_are_valid_score() {
    let Some(schemas) = schemas_dir("the_score_inputs_are_valid_score") else { return };
    let validator = validator(&schemas.join("score/score-v1b1.json"));
    for name in ["minimal", "web", "unsupported", "routed"] {
        let text = std::fs::read_to_string(input(&format!("score/{name}.yaml"))).unwrap();
        let value: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(validation_errors(&validator, &value), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn a_minimal_score_workload_is_a_service_that_passes_check() {
    let dir = acme();
    let (code, out, err) =
        import(dir.path(), "score", &[input("score/minimal.yaml")], &["--team", "payments"]);
    assert_eq!(code, 0, "{err}");
    let path = dir.path().join("services/ledger-worker.kdl");
    assert_eq!(written(&out), [path.display().to_string()]);
    assert_eq!(subjects(&out, "dropped"), Vec::<String>::new());
    assert_eq!(subjects(&out, "defaulted"), ["containers.main.resources.limits.memory"]);
    assert_checks_clean(dir.path());
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text,
        "// Imported from the Score workload `ledger-worker`.\n\
         service \"ledger-worker\" team=\"payments\" {\n    \
         image \"ghcr.io/acme/ledger-worker:2.1.0\"\n    \
         limits memory=\"256Mi\"\n\
         }\n"
    );
}

#[test]
fn variables_resources_ports_and_probes_are_carried_over() {
    let dir = acme();
    let (code, out, err) =
        import(dir.path(), "score", &[input("score/web.yaml")], &["--team", "payments"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(subjects(&out, "dropped"), Vec::<String>::new());
    assert_eq!(subjects(&out, "defaulted"), Vec::<String>::new());
    assert_checks_clean(dir.path());
    let text = std::fs::read_to_string(dir.path().join("services/invoices-api.kdl")).unwrap();
    for expected in [
        r#"image "invoices-api:1.3.0""#,
        r#"port "http" 8080"#,
        r#"requests cpu="250m" memory="256Mi""#,
        r#"limits cpu="1" memory="512Mi""#,
        r#"env "LOG_LEVEL" "info""#,
        r#"env "PAGE_SIZE" "50""#,
        r#"resource "db" kind="postgres""#,
        r#"resource "cache" kind="redis""#,
        r#"healthcheck path="/ready" port="http""#,
        r#"liveness path="/alive" port="http""#,
    ] {
        assert!(text.contains(expected), "no `{expected}` in:\n{text}");
    }
}

#[test]
fn what_cannot_be_carried_over_is_reported_and_no_credential_is_written() {
    let dir = acme();
    let (code, out, err) =
        import(dir.path(), "score", &[input("score/unsupported.yaml")], &["--team", "payments"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        subjects(&out, "dropped"),
        [
            "containers.proxy",
            "containers.app.variables.DB_HOST",
            "containers.app.variables.STRIPE_API_KEY",
            "resources.dns",
            "resources.route",
            "resources.scratch",
        ]
    );
    assert_checks_clean(dir.path());
    let text = std::fs::read_to_string(dir.path().join("services/refunds-api.kdl")).unwrap();
    assert!(!text.contains("sk_live"), "{text}");
    assert!(!text.contains("envoy"), "{text}");
    assert!(text.contains(r#"resource "files" kind="bucket""#), "{text}");
    assert!(text.contains(r#"env "REGION" "eu-west-1""#), "{text}");
}

#[test]
fn a_score_route_with_a_literal_host_is_exposed_through_the_platforms_ingress() {
    let dir = acme();
    let (code, out, err) =
        import(dir.path(), "score", &[input("score/routed.yaml")], &["--team", "payments"]);
    assert_eq!(code, 0, "{err}");
    assert!(subjects(&out, "imported").contains(&"resources.route".to_owned()), "{out}");
    // One entry point per service; a DNS name is the route's host.
    assert_eq!(subjects(&out, "dropped"), ["resources.dns", "resources.admin-route"]);
    assert_checks_clean(dir.path());
    let text = std::fs::read_to_string(dir.path().join("services/receipts-api.kdl")).unwrap();
    assert!(
        text.contains(r#"expose host="receipts.acme.com" path="/receipts" port="http""#),
        "{text}"
    );
    // An HTTPRoute through acme's gateway in each environment the service is deployed to (the
    // ephemeral checkout-v2 does not carry it), on the production host or under the environment.
    let artifacts = crate::support::build_dir(dir.path());
    let mut hosts: Vec<String> = artifacts
        .iter()
        .filter(|a| a.path.starts_with("kubernetes/"))
        .flat_map(|a| crate::support::documents(&a.contents))
        .filter(|d| d["kind"] == "HTTPRoute" && d["metadata"]["name"] == "receipts-api")
        .map(|d| d["spec"]["hostnames"][0].as_str().unwrap().to_owned())
        .collect();
    hosts.sort();
    assert_eq!(hosts, ["dev.receipts.acme.com", "receipts.acme.com", "staging.receipts.acme.com"]);

    // Without an ingress the route is dropped, and says why.
    let bare = acme();
    let platform = bare.path().join("platform.kdl");
    let kdl = std::fs::read_to_string(&platform).unwrap();
    let kdl = kdl.replace("ingress \"gateway-api\" gateway=\"ingress/public\"", "");
    std::fs::write(&platform, kdl.replace("expose ", "// expose ")).unwrap();
    for file in ["services/payments.kdl", "services/growth.kdl"] {
        let path = bare.path().join(file);
        let kdl = std::fs::read_to_string(&path).unwrap().replace("expose ", "// expose ");
        std::fs::write(&path, kdl).unwrap();
    }
    let (code, out, err) =
        import(bare.path(), "score", &[input("score/routed.yaml")], &["--team", "payments"]);
    assert_eq!(code, 0, "{err}{out}");
    assert!(out.contains("the platform declares no `ingress`"), "{out}");
}

#[test]
fn the_human_report_lists_each_input_on_stderr() {
    let dir = acme();
    let dir_arg = dir.path().to_str().unwrap();
    let file = input("score/unsupported.yaml");
    let (code, _, err) =
        run_cli(&["import", "score", file.to_str().unwrap(), "--team", "payments", "-C", dir_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("{}:\n", file.display())), "{err}");
    assert!(
        err.contains(
            "  dropped   containers.app.variables.STRIPE_API_KEY: looks like a credential"
        ),
        "{err}"
    );
    assert!(err.contains("wrote services/refunds-api.kdl"), "{err}");
}

#[test]
fn a_backstage_catalog_becomes_teams_systems_and_services() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("billing");
    let (code, _, err) = run_cli(&["init", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = import(&root, "backstage", &[input("backstage/catalog-info.yaml")], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(written(&out).len(), 4, "{out}");
    assert_checks_clean(&root);
    assert_eq!(
        subjects(&out, "dropped"),
        [
            "Group:billing.members.bob",
            "Group:billing.profile",
            "Group:billing.children",
            "Component:invoice-api.dependsOn.resource:default/invoices-db",
            "Component:invoice-api.lifecycle",
            "Component:invoice-renderer.lifecycle",
        ]
    );
    assert!(subjects(&out, "defaulted").contains(&"Component:invoice-renderer.image".to_owned()));
    let api = std::fs::read_to_string(root.join("services/invoice-api.kdl")).unwrap();
    assert!(api.contains(r#"service "invoice-api" team="billing" {"#), "{api}");
    assert!(api.contains(r#"depends-on "invoice-renderer""#), "{api}");
    assert!(api.contains(r#"system "invoicing""#), "{api}");
    assert!(api.contains(r#"image "invoice-api:1.0.0""#), "{api}");
    let team = std::fs::read_to_string(root.join("teams/billing.kdl")).unwrap();
    assert!(team.contains(r#"member "alice@example.com""#), "{team}");
    assert!(root.join("systems/invoicing.kdl").is_file());
}

fn score_file(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join("score.yaml");
    let text = format!(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: {name}\ncontainers:\n  main:\n    image: x:1.0.0\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn refusals_write_nothing() {
    let dir = acme();
    let inputs = tempfile::tempdir().unwrap();

    // No team.
    let (code, _, err) = import(dir.path(), "score", &[input("score/minimal.yaml")], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`--team` is required"), "{err}");
    assert!(!dir.path().join("services/ledger-worker.kdl").exists());

    // An unknown team.
    let (code, _, err) =
        import(dir.path(), "score", &[input("score/minimal.yaml")], &["--team", "paymnts"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no team `paymnts`") && err.contains("`payments`"), "{err}");

    // A name that is not a DNS label, with a suggestion.
    let file = score_file(inputs.path(), "Ledger_Worker");
    let (code, _, err) = import(dir.path(), "score", &[file], &["--team", "payments"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`Ledger_Worker` is not a valid service name"), "{err}");
    assert!(err.contains("did you mean `ledger-worker`?"), "{err}");

    // An existing file, which is never overwritten.
    let existing = dir.path().join("services/ledger-worker.kdl");
    std::fs::write(&existing, "// kept\n").unwrap();
    let (code, _, err) =
        import(dir.path(), "score", &[input("score/minimal.yaml")], &["--team", "payments"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "// kept\n");

    // One refused input refuses them all.
    std::fs::remove_file(&existing).unwrap();
    let files = [input("score/web.yaml"), score_file(inputs.path(), "Bad_Name")];
    let (code, _, err) = import(dir.path(), "score", &files, &["--team", "payments"]);
    assert_eq!(code, 2, "{err}");
    assert!(!dir.path().join("services/invoices-api.kdl").exists());
}

#[test]
fn an_import_that_does_not_compile_writes_nothing() {
    let dir = acme();
    let inputs = tempfile::tempdir().unwrap();
    // A port without a health check breaks the `health-checks` policy in staging and production.
    let path = inputs.path().join("score.yaml");
    std::fs::write(
        &path,
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: unprobed\nservice:\n  ports:\n    http:\n      port: 8080\ncontainers:\n  main:\n    image: unprobed:1.0.0\n",
    )
    .unwrap();
    let (code, out, err) = import(dir.path(), "score", &[path], &["--team", "payments"]);
    assert_eq!(code, 1, "{err}");
    assert!(!diagnostic_lines(&out).is_empty(), "{out}");
    assert!(!dir.path().join("services/unprobed.kdl").exists());
}

#[test]
fn values_are_escaped_for_kdl_strings() {
    let dir = acme();
    let inputs = tempfile::tempdir().unwrap();
    let path = inputs.path().join("score.yaml");
    std::fs::write(
        &path,
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: esc\ncontainers:\n  main:\n    image: esc:1.0.0\n    variables:\n      GREETING: \"say \\\"hi\\\"\\nthen \\\\ leave\"\n      COUNT: 3\n",
    )
    .unwrap();
    let (code, _, err) = import(dir.path(), "score", &[path], &["--team", "payments"]);
    assert_eq!(code, 0, "{err}");
    assert_checks_clean(dir.path());
    let text = std::fs::read_to_string(dir.path().join("services/esc.kdl")).unwrap();
    assert!(text.contains(r#"env "GREETING" "say \"hi\"\nthen \\ leave""#), "{text}");
    assert!(text.contains(r#"env "COUNT" "3""#), "{text}");
}

#[test]
fn score_fields_idpc_would_refuse_are_dropped_with_why_and_the_service_checks() {
    let dir = acme();
    let inputs = tempfile::tempdir().unwrap();
    let path = inputs.path().join("score.yaml");
    std::fs::write(
        &path,
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: wrongtype\ncontainers:\n  main:\n    image: \"Bad Image!\"\n    variables: [1, 2]\n    resources:\n      requests:\n        cpu: lots\n      limits:\n        memory: \"250\"\nservice:\n  ports:\n    http:\n      port: eighty\n",
    )
    .unwrap();
    let (code, out, err) = import(dir.path(), "score", &[path], &["--team", "payments"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        subjects(&out, "dropped"),
        [
            "containers.main.image",
            "service.ports.http",
            "containers.main.resources.requests.cpu",
            "containers.main.resources.limits.memory",
            "containers.main.variables",
        ],
        "{out}"
    );
    assert_eq!(subjects(&out, "defaulted"), ["containers.main.resources.limits.memory"]);
    assert_checks_clean(dir.path());

    // A workload without a container has no image to run: refused, not given a placeholder.
    let path = inputs.path().join("empty.yaml");
    std::fs::write(&path, "apiVersion: score.dev/v1b1\nmetadata:\n  name: empty\n").unwrap();
    let (code, _, err) = import(dir.path(), "score", &[path], &["--team", "payments"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has no `containers`"), "{err}");
    assert!(!dir.path().join("services/empty.kdl").exists());
}

#[test]
fn a_catalog_component_that_depends_on_itself_and_a_document_that_is_not_an_entity_are_named() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/minimal"), dir.path());
    let inputs = tempfile::tempdir().unwrap();
    let path = inputs.path().join("catalog-info.yaml");
    let component = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: selfdep\nspec:\n  type: service\n  owner: group:web\n  dependsOn: [component:selfdep]\n";
    std::fs::write(&path, component).unwrap();
    let (_, out, err) = import(dir.path(), "backstage", std::slice::from_ref(&path), &[]);
    let notes: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["type"] == "import" && l["outcome"] == "dropped")
        .collect();
    let own = notes
        .iter()
        .find(|n| n["subject"].as_str().unwrap().ends_with("dependsOn.component:selfdep"))
        .unwrap_or_else(|| panic!("{out}{err}"));
    assert!(own["detail"].as_str().unwrap().contains("does not depend on itself"), "{own}");

    std::fs::write(&path, format!("{component}---\n- a list\n")).unwrap();
    let (code, _, err) = import(dir.path(), "backstage", &[path], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("document 2 is not an entity"), "{err}");
}
