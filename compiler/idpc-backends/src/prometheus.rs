//! Prometheus: for every SLO of every service in every environment, recording rules for the error
//! ratio over each window the alerts use, and in production the multi-window multi-burn-rate
//! alerts of the SRE workbook; plus the Alertmanager routing tree that sends each team's alerts to
//! its on-call receiver.
//!
//! Beside each rule file with alerts, `promtool test rules` tests that prove each alert fires at
//! its burn rate and stays silent below it ([`unit_tests`]).
//!
//! `prometheus/<environment>/<service>.rules.yaml`, `prometheus/<environment>/<service>.test.yaml`,
//! `prometheus/alertmanager.yaml`. With `rules "prometheus-operator"`, each rule file is instead
//! `prometheus/<environment>/<service>.prometheusrule.yaml`: a `PrometheusRule` in the service's
//! namespace holding the same groups, and no promtool tests are written (promtool reads rule
//! files only; the test suite proves the objects hold the groups the tests prove).

mod alertmanager;
mod unit_tests;

use std::collections::BTreeMap;

use idpc_ir::{Deployment, Platform, RuleFormat, Slo, Tier};
use rayon::prelude::*;
use serde::Serialize;

use crate::Artifact;
use crate::common::promql::{self, BURN_WINDOWS, Severity};
use crate::common::units::{Out, Unit};
use crate::common::{self, k8s, names};

pub(crate) fn emit(platform: &Platform, out: &Out<'_>) {
    platform
        .deployments
        .par_iter()
        .filter(|d| {
            !platform.service(d.service).slos.is_empty() && out.wants(Unit::Service(d.service))
        })
        .for_each(|d| {
            let unit = Unit::Service(d.service);
            match platform.observability.rules {
                RuleFormat::Files => {
                    out.put(unit, rules_file(platform, d));
                    if let Some(test) = unit_tests::test_file(platform, d) {
                        out.put(unit, test);
                    }
                }
                RuleFormat::PrometheusOperator => out.put(unit, prometheus_rule(platform, d)),
            }
        });
    out.shared(|| alertmanager::emit(platform));
}

/// A Prometheus rule file.
#[derive(Serialize)]
pub(crate) struct RuleFile {
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert: Option<String>,
    expr: String,
    labels: SharedLabels,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<&'static str, String>,
}

impl Rule {
    fn record(name: String, expr: String, labels: SharedLabels) -> Rule {
        Rule { record: Some(name), alert: None, expr, labels, annotations: BTreeMap::new() }
    }
}

/// Labels that several rules carry, held and written once: every recording rule of an SLO has
/// the same.
type SharedLabels = common::yaml::Shared<Labels>;

fn rules_file(platform: &Platform, deployment: &Deployment) -> Artifact {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let groups = rule_groups(platform, deployment);
    let path = format!("prometheus/{}/{}.rules.yaml", environment.name, service.name);
    common::yaml(path, platform.file_path(service.file), &RuleFile { groups })
}

/// The Prometheus Operator `PrometheusRule` of one deployment: the groups of its rule file, in
/// the service's namespace.
fn prometheus_rule(platform: &Platform, deployment: &Deployment) -> Artifact {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let object = crate::common::k8s::Object {
        api_version: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: k8s::deployment_meta(platform, deployment, names::prometheus_rule(service)),
        spec: RuleFile { groups: rule_groups(platform, deployment) },
    };
    let path = format!("prometheus/{}/{}.prometheusrule.yaml", environment.name, service.name);
    common::yaml_documents(path, platform.file_path(service.file), &[object])
}

/// The rule groups of one deployment: its recording rules, and in production its alerts.
fn rule_groups(platform: &Platform, deployment: &Deployment) -> Vec<Group> {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let mut recordings = Vec::new();
    let mut alerts = Vec::new();
    for slo in &service.slos {
        recordings.extend(recording_rules(platform, deployment, slo));
        if environment.tier == Tier::Production {
            alerts.extend(alert_rules(platform, deployment, slo));
        }
    }
    let mut groups = vec![Group { name: recordings_group(service), rules: recordings }];
    if !alerts.is_empty() {
        groups.push(Group { name: alerts_group(service), rules: alerts });
    }
    groups
}

/// The rule group of a service's recording rules.
fn recordings_group(service: &idpc_ir::Service) -> String {
    format!("{}-slo-recordings", service.name)
}

/// The rule group of a service's alerts.
fn alerts_group(service: &idpc_ir::Service) -> String {
    format!("{}-slo-alerts", service.name)
}

/// The labels every series and alert of one SLO carries.
fn slo_labels(
    platform: &Platform,
    deployment: &Deployment,
    slo: &Slo,
) -> BTreeMap<&'static str, String> {
    let service = platform.service(deployment.service);
    BTreeMap::from([
        ("service", service.name.clone()),
        ("environment", platform.environment(deployment.environment).name.clone()),
        ("namespace", deployment.namespace.clone()),
        ("team", platform.team(service.team).name.clone()),
        ("slo", slo.indicator.name().to_owned()),
    ])
}

/// The matchers that select one SLO's recorded series.
fn slo_selector(labels: &BTreeMap<&'static str, String>) -> String {
    let pairs: Vec<(&str, &str)> =
        ["service", "environment", "slo"].iter().map(|k| (*k, labels[k].as_str())).collect();
    promql::matchers(&pairs)
}

fn recording_rules(platform: &Platform, deployment: &Deployment, slo: &Slo) -> Vec<Rule> {
    let service = platform.service(deployment.service);
    let labels = SharedLabels::new(slo_labels(platform, deployment, slo));
    let selector = promql::selector(&platform.observability, &deployment.namespace, &service.name);
    let recorded = slo_selector(&labels);
    let budget = promql::budget(slo.objective);
    let window = slo.window.compact();
    let mut rules: Vec<Rule> = promql::rule_windows()
        .into_iter()
        .map(|w| {
            let w = w.compact();
            let expr = promql::error_ratio(&platform.observability, &slo.indicator, &selector, &w);
            Rule::record(names::slo_error_ratio_rule(&w), expr, labels.clone())
        })
        .collect();
    // The whole window, averaged from the 5m ratios rather than computed over raw counters.
    let five = names::slo_error_ratio_rule("5m");
    rules.push(Rule::record(
        names::slo_error_ratio_rule(&window),
        format!("sum_over_time({five}{{{recorded}}}[{window}]) / count_over_time({five}{{{recorded}}}[{window}])"),
        labels.clone(),
    ));
    rules.push(Rule::record(
        names::SLO_OBJECTIVE_RULE.to_owned(),
        format!("vector({})", slo.objective.ratio()),
        labels.clone(),
    ));
    rules.push(Rule::record(
        names::SLO_BUDGET_REMAINING_RULE.to_owned(),
        format!("1 - ({}{{{recorded}}} / {budget})", names::slo_error_ratio_rule(&window)),
        labels.clone(),
    ));
    rules.push(Rule::record(
        names::SLO_BURN_RATE_RULE.to_owned(),
        format!("{}{{{recorded}}} / {budget}", names::slo_error_ratio_rule("1h")),
        labels,
    ));
    rules
}

fn alert_rules(platform: &Platform, deployment: &Deployment, slo: &Slo) -> Vec<Rule> {
    let labels = slo_labels(platform, deployment, slo);
    let recorded = slo_selector(&labels);
    let budget = promql::budget(slo.objective);
    [Severity::Page, Severity::Ticket]
        .into_iter()
        .map(|severity| {
            let pairs: Vec<String> = BURN_WINDOWS
                .iter()
                .filter(|w| w.severity == severity)
                .map(|w| {
                    let threshold = format!("({} * {budget})", w.factor(slo.window));
                    format!(
                        "(\n  {long}{{{recorded}}} > {threshold}\n  and\n  {short}{{{recorded}}} > {threshold}\n)",
                        long = names::slo_error_ratio_rule(&w.long.compact()),
                        short = names::slo_error_ratio_rule(&w.short.compact()),
                    )
                })
                .collect();
            let (alert_labels, mut annotations) = alert_metadata(platform, deployment, slo, severity);
            for value in annotations.values_mut() {
                *value = template_text(value);
            }
            Rule {
                record: None,
                alert: Some(alert_name(severity).to_owned()),
                expr: pairs.join("\nor\n"),
                labels: SharedLabels::new(alert_labels),
                annotations,
            }
        })
        .collect()
}

/// The name of the burn-rate alert of a severity.
fn alert_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Page => names::PAGE_ALERT,
        Severity::Ticket => names::TICKET_ALERT,
    }
}

type Labels = BTreeMap<&'static str, String>;

/// The labels and annotations of one SLO's alert of one severity, the annotations as they read
/// once Prometheus has expanded them.
fn alert_metadata(
    platform: &Platform,
    deployment: &Deployment,
    slo: &Slo,
    severity: Severity,
) -> (Labels, Labels) {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let mut labels = slo_labels(platform, deployment, slo);
    labels.insert("severity", severity.as_str().to_owned());
    let speed = if severity == Severity::Page { "fast" } else { "slowly" };
    let mut annotations = BTreeMap::from([
        (
            "summary",
            format!(
                "{} in {} is burning its {} error budget {speed}",
                service.name,
                environment.name,
                slo.indicator.name()
            ),
        ),
        (
            "description",
            format!(
                "The {} SLO of {} ({} over {}) is spending its error budget {speed}; at this rate it runs out before the window ends.",
                slo.indicator.name(),
                service.name,
                slo.objective,
                slo.window
            ),
        ),
        ("dashboard", names::dashboard_url(platform, service, &environment.name)),
    ]);
    if let Some(runbook) = &service.runbook {
        annotations.insert("runbook_url", runbook.to_string());
    }
    (labels, annotations)
}

/// Text for an alert annotation, which Prometheus expands as a Go template: a `{{` that is part of
/// the text (in a URL, say) is written as a template that prints it.
fn template_text(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}
