//! The proof shipped with each analysis: `argo-rollouts/<environment>/<service>.analysis-test.yaml`,
//! a `promtool test rules` file whose `promql_expr_test`s evaluate the analysis query, as the
//! AnalysisTemplate holds it with the pod-template hash argument filled in, on replayed traffic:
//!
//! - healthy: the new pods answer without errors (the stable pods fail, and do not count): `0`;
//! - no traffic: the new pods have served nothing yet: `0`, not an empty result;
//! - failing: 21/20 of the threshold of the new pods' requests fail: the failure condition holds;
//! - within: 19/20 of the threshold fail: the success condition holds.
//!
//! The conditions are written in PromQL as the AnalysisTemplate writes them in Argo's expression
//! language: `result[0] > T` is `(query) > bool T`.

use idpc_ir::{Deployment, Platform};
use serde::Serialize;

use super::{HASH_ARG, analysis_query};
use crate::Artifact;
use crate::common::promtool::{fraction, reduce, status_codes};
use crate::common::{self, promql};

/// The pod-template hash the tests give the new version; the stable version's is [`STABLE`].
pub(crate) const NEW: &str = "7d9c5b8f4";
const STABLE: &str = "5f6b4c7d8";

/// The test file of a deployment whose rollout is analysed, or `None` when no status code both
/// matches and escapes the platform's error pattern.
pub(super) fn test_file(platform: &Platform, deployment: &Deployment) -> Option<Artifact> {
    let rollback = deployment.rollback.as_ref()?;
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let observability = &platform.observability;
    let (good, bad) = status_codes(&observability.error_codes)?;
    let threshold_text = rollback.value.error_rate.ratio();
    let threshold = fraction(&threshold_text)?;
    let query =
        analysis_query(platform, deployment).replace(&format!("{{{{args.{HASH_ARG}}}}}"), NEW);
    let series = |hash: &str, code: u16, per_minute: u128| Series {
        series: format!(
            "{}{{{},{}}}",
            observability.requests_metric,
            promql::selector(observability, &deployment.namespace, &service.name),
            promql::matchers(&[("rollouts_pod_template_hash", hash), ("code", &code.to_string())])
        ),
        values: counter(per_minute),
    };
    let value = |expr: String, value: u8| ExprTest {
        expr,
        eval_time: EVAL_TIME,
        exp_samples: vec![Sample { labels: "{}", value }],
    };
    let fails = format!("({query}) > bool {threshold_text}");
    let stable_failing = || series(STABLE, bad, 50);
    let mut tests = vec![
        Group {
            name: "healthy: the new pods answer without errors while the stable ones fail: 0"
                .to_owned(),
            interval: "1m",
            input_series: vec![series(NEW, good, 100), series(STABLE, good, 50), stable_failing()],
            promql_expr_test: vec![value(query.clone(), 0)],
        },
        Group {
            name: "no traffic: the new pods have served nothing yet: 0".to_owned(),
            interval: "1m",
            input_series: vec![series(STABLE, good, 50), stable_failing()],
            promql_expr_test: vec![value(query.clone(), 0)],
        },
    ];
    // 21/20 of the threshold fail: the analysis fails. A threshold of 0 fails at any error.
    let failing =
        if threshold.0 == 0 { (1, 100) } else { reduce(threshold.0 * 21, threshold.1 * 20) };
    if failing.0 <= failing.1 {
        tests.push(Group {
            name: format!(
                "failing: 21/20 of {threshold_text} of the new pods' requests fail: result[0] > {threshold_text}"
            ),
            interval: "1m",
            input_series: vec![
                series(NEW, good, failing.1 - failing.0),
                series(NEW, bad, failing.0),
                series(STABLE, good, 50),
            ],
            promql_expr_test: vec![value(fails.clone(), 1)],
        });
    }
    if threshold.0 > 0 {
        let within = reduce(threshold.0 * 19, threshold.1 * 20);
        tests.push(Group {
            name: format!(
                "within: 19/20 of {threshold_text} of the new pods' requests fail: result[0] <= {threshold_text}"
            ),
            interval: "1m",
            input_series: vec![
                series(NEW, good, within.1 - within.0.min(within.1)),
                series(NEW, bad, within.0),
                stable_failing(),
            ],
            promql_expr_test: vec![value(fails, 0)],
        });
    }
    let file = TestFile { rule_files: Vec::new(), evaluation_interval: "1m", tests };
    let path = format!("argo-rollouts/{}/{}.analysis-test.yaml", environment.name, service.name);
    Some(common::yaml(path, platform.file_path(service.file), &file))
}

/// When the query is evaluated: ten minutes of traffic, twice the query's window.
const EVAL_TIME: &str = "10m";

/// A counter that grows by `per_minute` for ten minutes, from far above zero (so that `rate()`
/// extrapolates every series alike).
fn counter(per_minute: u128) -> String {
    format!("{}+{per_minute}x10", 10_000 * per_minute.max(1))
}

#[derive(Serialize)]
struct TestFile {
    rule_files: Vec<String>,
    evaluation_interval: &'static str,
    tests: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    interval: &'static str,
    input_series: Vec<Series>,
    promql_expr_test: Vec<ExprTest>,
}

#[derive(Serialize)]
struct Series {
    series: String,
    values: String,
}

#[derive(Serialize)]
struct ExprTest {
    expr: String,
    eval_time: &'static str,
    exp_samples: Vec<Sample>,
}

#[derive(Serialize)]
struct Sample {
    labels: &'static str,
    value: u8,
}
