//! The proofs idpc ships beside its artifacts: the `promtool test rules` files of the Prometheus
//! family (`<service>.test.yaml`) and of the Argo Rollouts family (`<service>.analysis-test.yaml`)
//! pass on the generated tree of every example, as a platform team's CI runs them; and they fail
//! once a burn factor of the rules, or the analysis's threshold or query, is changed by hand.

use std::path::Path;
use std::process::Command;

use crate::support::tools::program;
use crate::support::{build_dir, documents, repo_root};

/// Writes the Prometheus and Argo Rollouts artifacts of an example into `dir`; returns their paths.
fn write_tree(dir: &Path, example: &str) -> Vec<String> {
    let mut written = Vec::new();
    for artifact in build_dir(&repo_root().join("examples").join(example))
        .into_iter()
        .filter(|a| a.path.starts_with("prometheus/") || a.path.starts_with("argo-rollouts/"))
    {
        let path = dir.join(&artifact.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &artifact.contents).unwrap();
        written.push(artifact.path);
    }
    written
}

/// Runs `promtool test rules` on `files` (relative to `dir`): (passed, output).
fn promtool_test(promtool: &Path, dir: &Path, files: &[String]) -> (bool, String) {
    let output = Command::new(promtool)
        .args(["test", "rules"])
        .args(files)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn is_test_file(path: &str) -> bool {
    path.ends_with(".test.yaml") || path.ends_with(".analysis-test.yaml")
}

#[test]
fn shipped_promtool_tests_pass() {
    let Some(promtool) = program("shipped_promtool_tests_pass", "promtool") else { return };
    for example in ["acme", "minimal"] {
        let dir = tempfile::tempdir().unwrap();
        let written = write_tree(dir.path(), example);
        let files: Vec<String> = written.iter().filter(|p| is_test_file(p)).cloned().collect();
        // Every rule file with alerts and every analysed rollout has its proof.
        for path in &written {
            let contents = std::fs::read_to_string(dir.path().join(path)).unwrap();
            let proof = if path.ends_with(".rules.yaml") && contents.contains("alert:") {
                path.replace(".rules.yaml", ".test.yaml")
            } else if path.starts_with("argo-rollouts/")
                && contents.contains("kind: AnalysisTemplate")
            {
                path.replace(".yaml", ".analysis-test.yaml")
            } else {
                continue;
            };
            assert!(files.contains(&proof), "{example}: {path} has no {proof}");
        }
        // Two runs side by side: the three-day tests take a while.
        let (first, second) = files.split_at(files.len() / 2);
        std::thread::scope(|scope| {
            for half in [first, second].into_iter().filter(|h| !h.is_empty()) {
                let (promtool, dir) = (&promtool, dir.path());
                scope.spawn(move || {
                    let (ok, text) = promtool_test(promtool, dir, half);
                    assert!(ok, "{example}: promtool test rules failed:\n{text}");
                    assert_eq!(text.matches("SUCCESS").count(), half.len(), "{text}");
                });
            }
        });
    }
}

/// The rule file and test of payments-api in production: 99.95% availability over 30 days (a
/// budget of 0.0005), and a latency SLO.
const RULES: &str = "prometheus/prod/payments-api.rules.yaml";
const TESTS: &str = "prometheus/prod/payments-api.test.yaml";

#[test]
fn shipped_tests_fail_when_a_burn_factor_is_changed() {
    let Some(promtool) = program("shipped_tests_fail_when_a_burn_factor_is_changed", "promtool")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), "acme");
    let original = std::fs::read_to_string(dir.path().join(RULES)).unwrap();
    let (ok, text) = promtool_test(&promtool, dir.path(), &[TESTS.to_owned()]);
    assert!(ok, "{text}");
    // Raised, the alert no longer fires at the factor; lowered, it fires below it.
    for (from, to, failing) in [
        ("(14.4 * 0.0005)", "(16 * 0.0005)", "page fires at 21/20 of 14.4"),
        ("(14.4 * 0.0005)", "(13 * 0.0005)", "page stays silent at 19/20 of 14.4"),
        ("(6 * 0.0005)", "(6.5 * 0.0005)", "page fires at 21/20 of 6 "),
        ("(3 * 0.0005)", "(2.8 * 0.0005)", "ticket stays silent at 19/20 of 3 "),
        ("(1 * 0.0005)", "(1.1 * 0.0005)", "ticket fires at 21/20 of 1 "),
    ] {
        assert_eq!(original.matches(from).count(), 2, "{from} in {RULES}");
        std::fs::write(dir.path().join(RULES), original.replace(from, to)).unwrap();
        let (ok, text) = promtool_test(&promtool, dir.path(), &[TESTS.to_owned()]);
        assert!(!ok, "{from} → {to}: the shipped tests still pass:\n{text}");
        assert!(text.contains(&format!("availability: {failing}")), "{from} → {to}:\n{text}");
    }
}

/// The analysis of ledger in production (blue-green, rollback above 0.5% errors).
const ROLLOUT: &str = "argo-rollouts/prod/ledger.yaml";
const ANALYSIS_TESTS: &str = "argo-rollouts/prod/ledger.analysis-test.yaml";

/// The AnalysisTemplate's query and threshold, from the generated rollout file.
fn analysis(text: &str) -> (String, String) {
    let template = documents(text).into_iter().find(|d| d["kind"] == "AnalysisTemplate").unwrap();
    let metric = &template["spec"]["metrics"][0];
    let condition = metric["failureCondition"].as_str().unwrap();
    let threshold = condition.strip_prefix("result[0] > ").unwrap().to_owned();
    (metric["provider"]["prometheus"]["query"].as_str().unwrap().to_owned(), threshold)
}

#[test]
fn analysis_tests_evaluate_what_the_template_says() {
    // Every test expression is the template's query (with the hash filled in), or its failure
    // condition written in PromQL.
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    for artifact in artifacts.iter().filter(|a| a.path.ends_with(".analysis-test.yaml")) {
        let rollout = artifacts
            .iter()
            .find(|a| a.path == artifact.path.replace(".analysis-test.yaml", ".yaml"))
            .unwrap();
        let (query, threshold) = analysis(&rollout.contents);
        let file: serde_json::Value = serde_yaml::from_str(&artifact.contents).unwrap();
        for test in file["tests"].as_array().unwrap() {
            for expr in test["promql_expr_test"].as_array().unwrap() {
                let expr = expr["expr"].as_str().unwrap();
                let query = query.replace("{{args.canary-hash}}", "7d9c5b8f4");
                assert!(
                    expr == query || expr == format!("({query}) > bool {threshold}"),
                    "{}: {expr}",
                    artifact.path
                );
            }
        }
    }
}

#[test]
fn analysis_tests_fail_when_the_threshold_or_the_guard_is_changed() {
    let Some(promtool) =
        program("analysis_tests_fail_when_the_threshold_or_the_guard_is_changed", "promtool")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), "acme");
    let rollout = std::fs::read_to_string(dir.path().join(ROLLOUT)).unwrap();
    let tests = std::fs::read_to_string(dir.path().join(ANALYSIS_TESTS)).unwrap();
    let (query, threshold) = analysis(&rollout);
    assert_eq!(threshold, "0.005");
    // The tests hold the template's query and condition; a hand edit of the template shows up in
    // them as the same text replacement.
    let old_query = query
        .strip_prefix("((")
        .and_then(|q| q.strip_suffix(" > 0)) or vector(0)"))
        .map(|q| q.replacen(") or vector(0)) / (", ") / ", 1))
        .unwrap();
    for (from, to, failing) in [
        // The failing case no longer fails, the case within now does, and without errors or
        // traffic the old query returns nothing.
        ("> bool 0.005", "> bool 0.0055", "exp: {} 1E+00"),
        ("> bool 0.005", "> bool 0.0045", "got: {} 1E+00"),
        (query.as_str(), old_query.as_str(), "got: nil"),
    ] {
        let from = from.replace("{{args.canary-hash}}", "7d9c5b8f4");
        let to = to.replace("{{args.canary-hash}}", "7d9c5b8f4");
        assert!(tests.contains(&from), "{from} not in {ANALYSIS_TESTS}");
        std::fs::write(dir.path().join(ANALYSIS_TESTS), tests.replace(&from, &to)).unwrap();
        let (ok, text) = promtool_test(&promtool, dir.path(), &[ANALYSIS_TESTS.to_owned()]);
        assert!(!ok, "{from} → {to}: the shipped tests still pass:\n{text}");
        assert!(text.contains(failing), "{from} → {to}:\n{text}");
    }
}
