//! Alert rules as Prometheus sees them: `promtool check rules` accepts every generated file, and
//! `promtool test rules` proves on synthetic series that the page alert fires for a fast burn of
//! the error budget and the ticket alert (alone) for a slow one. The Alertmanager configuration
//! passes `amtool check-config` and routes pages to a team's on-call receiver and tickets to its
//! channel (`amtool config routes test`).

use std::path::Path;
use std::process::Command;

use crate::support::tools::{program, schemas_dir, validation_errors, validator};
use crate::support::{build_dir, repo_root};

fn write_artifacts(dir: &Path, example: &str) -> Vec<String> {
    let mut written = Vec::new();
    for artifact in build_dir(&repo_root().join("examples").join(example))
        .into_iter()
        .filter(|a| a.path.starts_with("prometheus/"))
    {
        let path = dir.join(&artifact.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &artifact.contents).unwrap();
        written.push(artifact.path);
    }
    written
}

fn run(program: &Path, args: &[&str], dir: &Path) -> (bool, String) {
    let output = Command::new(program).args(args).current_dir(dir).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn promtool_accepts_every_rule_file() {
    let Some(promtool) = program("promtool_accepts_every_rule_file", "promtool") else { return };
    for example in ["acme", "minimal"] {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<String> = write_artifacts(dir.path(), example)
            .into_iter()
            .filter(|p| p.ends_with(".rules.yaml"))
            .collect();
        assert!(!files.is_empty(), "{example}: no rule files");
        let mut args = vec!["check", "rules"];
        args.extend(files.iter().map(String::as_str));
        let (ok, text) = run(&promtool, &args, dir.path());
        assert!(ok, "{example}: promtool check rules failed:\n{text}");
        assert!(!text.contains("WARNING"), "{example}: {text}");
    }
}

#[test]
fn rule_files_validate_against_the_rules_schema() {
    let Some(schemas) = schemas_dir("rule_files_validate_against_the_rules_schema") else { return };
    let validator = validator(&schemas.join("prometheus/prometheus.rules.json"));
    for artifact in build_dir(&repo_root().join("examples/acme"))
        .iter()
        .filter(|a| a.path.ends_with(".rules.yaml"))
    {
        let document: serde_json::Value = serde_yaml::from_str(&artifact.contents).unwrap();
        let errors = validation_errors(&validator, &document);
        assert!(errors.is_empty(), "{}: {}", artifact.path, errors.join("\n"));
    }
}

/// A `promtool test rules` file for payments-api in prod (99.95% availability over 30 days, so a
/// budget of 0.05%): `errors` failed requests for every `total` requests, each minute.
fn unit_test(rules: &str, errors: u32, total: u32, minutes: u32, checks: &str) -> String {
    let selector = r#"namespace="payments-prod",service="payments-api""#;
    format!(
        "rule_files:\n  - {rules}\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n      - series: 'http_requests_total{{{selector},code=\"200\"}}'\n        values: '0+{ok}x{minutes}'\n      - series: 'http_requests_total{{{selector},code=\"500\"}}'\n        values: '0+{errors}x{minutes}'\n    alert_rule_test:\n{checks}",
        ok = total - errors
    )
}

fn expected_alert(alert: &str, severity: &str, rules: &str) -> String {
    // The annotations are whatever the generated rule says; the labels are what routing needs.
    let file: serde_json::Value = serde_yaml::from_str(rules).unwrap();
    let rule = file["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .find(|r| r["alert"] == alert && r["labels"]["slo"] == "availability")
        .unwrap();
    let annotations: Vec<String> = rule["annotations"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("              {k}: {v}"))
        .collect();
    format!(
        "          - exp_labels:\n              severity: {severity}\n              service: payments-api\n              environment: prod\n              namespace: payments-prod\n              team: payments\n              slo: availability\n            exp_annotations:\n{}\n",
        annotations.join("\n")
    )
}

#[test]
fn page_fires_for_a_fast_burn_and_ticket_alone_for_a_slow_one() {
    let Some(promtool) =
        program("page_fires_for_a_fast_burn_and_ticket_alone_for_a_slow_one", "promtool")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), "acme");
    let rules_path = "prometheus/prod/payments-api.rules.yaml";
    let rules = std::fs::read_to_string(dir.path().join(rules_path)).unwrap();

    // Fast: 9% of requests fail, 180 times the budget. After an hour the page alert fires.
    let page = expected_alert("SLOErrorBudgetBurnPage", "page", &rules);
    let fast = unit_test(
        rules_path,
        100,
        1100,
        90,
        &format!(
            "      - eval_time: 70m\n        alertname: SLOErrorBudgetBurnPage\n        exp_alerts:\n{page}"
        ),
    );
    std::fs::write(dir.path().join("fast.test.yaml"), fast).unwrap();
    let (ok, text) = run(&promtool, &["test", "rules", "fast.test.yaml"], dir.path());
    assert!(ok, "fast burn:\n{text}");

    // Slow: 0.2% of requests fail, 4 times the budget: above the ticket threshold (3x) and below
    // the slower page threshold (6x). After three hours the ticket alert fires and the page does not.
    let ticket = expected_alert("SLOErrorBudgetBurnTicket", "ticket", &rules);
    let slow = unit_test(
        rules_path,
        2,
        1000,
        240,
        &format!(
            "      - eval_time: 3h\n        alertname: SLOErrorBudgetBurnTicket\n        exp_alerts:\n{ticket}      - eval_time: 3h\n        alertname: SLOErrorBudgetBurnPage\n        exp_alerts: []\n"
        ),
    );
    std::fs::write(dir.path().join("slow.test.yaml"), slow).unwrap();
    let (ok, text) = run(&promtool, &["test", "rules", "slow.test.yaml"], dir.path());
    assert!(ok, "slow burn:\n{text}");

    // And nothing fires when the service stays within its budget.
    let calm = unit_test(
        rules_path,
        0,
        1000,
        240,
        "      - eval_time: 3h\n        alertname: SLOErrorBudgetBurnTicket\n        exp_alerts: []\n      - eval_time: 3h\n        alertname: SLOErrorBudgetBurnPage\n        exp_alerts: []\n",
    );
    std::fs::write(dir.path().join("calm.test.yaml"), calm).unwrap();
    let (ok, text) = run(&promtool, &["test", "rules", "calm.test.yaml"], dir.path());
    assert!(ok, "within budget:\n{text}");
}

#[test]
fn burn_factors_are_derived_for_other_windows() {
    // fraud-scorer's latency SLO is 99.5% over 28 days: budget 0.005, page factor 2% × 672h / 1h.
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let rules =
        artifacts.iter().find(|a| a.path == "prometheus/prod/fraud-scorer.rules.yaml").unwrap();
    assert!(rules.contents.contains("> (13.44 * 0.005)"), "{}", rules.contents);
    assert!(rules.contents.contains("> (0.933333 * 0.005)"), "{}", rules.contents);
    // No alerts outside production; recording rules everywhere.
    let dev =
        artifacts.iter().find(|a| a.path == "prometheus/dev/fraud-scorer.rules.yaml").unwrap();
    assert!(!dev.contents.contains("alert:") && dev.contents.contains("record:"));
}

#[test]
fn alertmanager_routes_each_team_to_its_receivers_by_severity() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let config = artifacts.iter().find(|a| a.path == "prometheus/alertmanager.yaml").unwrap();
    let value: serde_json::Value = serde_yaml::from_str(&config.contents).unwrap();
    let routes = value["route"]["routes"].as_array().unwrap();
    let pairs: Vec<(String, String)> = routes
        .iter()
        .map(|r| {
            (
                r["matchers"][0].as_str().unwrap().to_owned(),
                r["receiver"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        pairs.contains(&("team=\"payments\"".to_owned(), "payments-pager".to_owned())),
        "{pairs:?}"
    );
    let Some(amtool) =
        program("alertmanager_routes_each_team_to_its_receivers_by_severity", "amtool")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alertmanager.yaml"), &config.contents).unwrap();
    let (ok, text) = run(&amtool, &["check-config", "alertmanager.yaml"], dir.path());
    assert!(ok, "amtool check-config failed:\n{text}");
    // An alert of the payments team reaches the payments receiver.
    let (ok, text) = run(
        &amtool,
        &[
            "config",
            "routes",
            "test",
            "--config.file=alertmanager.yaml",
            "team=payments",
            "severity=page",
        ],
        dir.path(),
    );
    assert!(ok && text.lines().next() == Some("payments-pager"), "{text}");
    // Its tickets go to the team's channel; a team's alert of no known severity pages.
    for (severity, receiver) in
        [("ticket", "#payments"), ("page", "payments-pager"), ("info", "payments-pager")]
    {
        let (ok, text) = run(
            &amtool,
            &[
                "config",
                "routes",
                "test",
                "--config.file=alertmanager.yaml",
                "team=payments",
                &format!("severity={severity}"),
            ],
            dir.path(),
        );
        assert!(ok && text.lines().next() == Some(receiver), "{severity}: {text}");
    }
    // An alert of no team goes to the default receiver.
    let (ok, text) = run(
        &amtool,
        &["config", "routes", "test", "--config.file=alertmanager.yaml", "severity=ticket"],
        dir.path(),
    );
    assert!(ok && text.lines().next() == Some("default"), "{text}");
}
