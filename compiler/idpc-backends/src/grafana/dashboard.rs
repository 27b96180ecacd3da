//! One service's dashboard, in Grafana's classic JSON model.

use idpc_ir::{Indicator, Platform, Service, ServiceId, Tier};
use serde::Serialize;

use crate::Artifact;
use crate::common::{self, header_line, names, promql};

/// The dashboard JSON model version the dashboards are written in.
const SCHEMA_VERSION: u32 = 39;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dashboard {
    id: Option<u32>,
    uid: String,
    title: String,
    description: String,
    tags: Vec<String>,
    timezone: &'static str,
    editable: bool,
    graph_tooltip: u8,
    time: TimeRange,
    refresh: &'static str,
    schema_version: u32,
    version: u32,
    links: Vec<Link>,
    templating: Templating,
    annotations: Annotations,
    panels: Vec<Panel>,
}

#[derive(Serialize)]
struct TimeRange {
    from: &'static str,
    to: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Link {
    title: String,
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
    target_blank: bool,
    icon: &'static str,
    tags: Vec<String>,
    as_dropdown: bool,
    include_vars: bool,
    keep_time: bool,
    tooltip: String,
}

#[derive(Serialize)]
struct Templating {
    list: Vec<Variable>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Variable {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'static str,
    label: &'static str,
    query: String,
    current: VariableOption,
    options: Vec<VariableOption>,
    multi: bool,
    include_all: bool,
}

#[derive(Serialize, Clone)]
struct VariableOption {
    selected: bool,
    text: String,
    value: String,
}

#[derive(Serialize)]
struct Annotations {
    list: [Annotation; 1],
}

/// Grafana's built-in annotations and alerts, as every dashboard lists them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    built_in: u32,
    datasource: Datasource,
    enable: bool,
    hide: bool,
    icon_color: &'static str,
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A panel's field configuration: the unit of its values and, for a stat, the thresholds that
/// colour them.
#[derive(Serialize)]
struct FieldConfig {
    defaults: FieldDefaults,
    overrides: [u8; 0],
}

#[derive(Serialize)]
struct FieldDefaults {
    unit: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    thresholds: Option<Thresholds>,
}

#[derive(Serialize)]
struct Thresholds {
    mode: &'static str,
    steps: Vec<Step>,
}

#[derive(Serialize)]
struct Step {
    color: &'static str,
    value: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Panel {
    #[serde(rename = "type")]
    kind: &'static str,
    id: u32,
    title: String,
    grid_pos: GridPos,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    datasource: Option<Datasource>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    targets: Vec<Target>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field_config: Option<FieldConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    collapsed: Option<bool>,
    /// A row's panels (none: rows here are never collapsed).
    #[serde(skip_serializing_if = "Option::is_none")]
    panels: Option<Vec<Panel>>,
}

#[derive(Serialize, Clone, Copy)]
struct GridPos {
    h: u32,
    w: u32,
    x: u32,
    y: u32,
}

#[derive(Serialize, Clone)]
struct Datasource {
    #[serde(rename = "type")]
    kind: &'static str,
    uid: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    ref_id: String,
    datasource: Datasource,
    expr: String,
    legend_format: String,
}

/// Lays panels out on the 24-column grid, row by row.
struct Layout {
    panels: Vec<Panel>,
    y: u32,
    x: u32,
    datasource: Datasource,
}

impl Layout {
    fn row(&mut self, title: &str) {
        if self.x > 0 {
            self.y += 8;
            self.x = 0;
        }
        let id = self.next_id();
        self.panels.push(Panel {
            kind: "row",
            id,
            title: title.to_owned(),
            grid_pos: GridPos { h: 1, w: 24, x: 0, y: self.y },
            description: None,
            datasource: None,
            targets: Vec::new(),
            field_config: None,
            collapsed: Some(false),
            panels: Some(Vec::new()),
        });
        self.y += 1;
    }

    fn panel(
        &mut self,
        kind: &'static str,
        title: &str,
        description: &str,
        width: u32,
        queries: &[(&str, String)],
        field_config: FieldConfig,
    ) {
        if self.x + width > 24 {
            self.y += 8;
            self.x = 0;
        }
        let id = self.next_id();
        let targets = queries
            .iter()
            .enumerate()
            .map(|(i, (legend, expr))| Target {
                ref_id: char::from(b'A' + u8::try_from(i).unwrap_or(0)).to_string(),
                datasource: self.datasource.clone(),
                expr: expr.clone(),
                legend_format: (*legend).to_owned(),
            })
            .collect();
        self.panels.push(Panel {
            kind,
            id,
            title: title.to_owned(),
            grid_pos: GridPos { h: 8, w: width, x: self.x, y: self.y },
            description: Some(description.to_owned()),
            datasource: Some(self.datasource.clone()),
            targets,
            field_config: Some(field_config),
            collapsed: None,
            panels: None,
        });
        self.x += width;
    }

    fn next_id(&self) -> u32 {
        u32::try_from(self.panels.len()).unwrap_or(0) + 1
    }
}

fn unit(unit: &'static str) -> FieldConfig {
    FieldConfig { defaults: FieldDefaults { unit, thresholds: None }, overrides: [] }
}

fn thresholds(unit: &'static str, steps: &[(&'static str, Option<f64>)]) -> FieldConfig {
    let steps = steps.iter().map(|&(color, value)| Step { color, value }).collect();
    let thresholds = Some(Thresholds { mode: "absolute", steps });
    FieldConfig { defaults: FieldDefaults { unit, thresholds }, overrides: [] }
}

pub(crate) fn emit(platform: &Platform, index: usize, service: &Service) -> Artifact {
    let team = &platform.team(service.team).name;
    let observability = &platform.observability;
    let datasource =
        Datasource { kind: "prometheus", uid: observability.grafana_datasource.clone() };
    let mut layout = Layout { panels: Vec::new(), y: 0, x: 0, datasource };
    let selector = promql::selector(observability, &format!("{team}-$environment"), &service.name);
    let recorded = |slo: &str| {
        promql::matchers(&[
            ("service", &service.name),
            ("environment", "$environment"),
            ("slo", slo),
        ])
    };
    let requests = &observability.requests_metric;
    let duration = &observability.duration_metric;

    layout.row("Traffic");
    layout.panel(
        "timeseries",
        "Request rate",
        "Requests per second, by response code.",
        8,
        &[(
            "{{code}}",
            format!("sum by (code) (rate({requests}{{{selector}}}[$__rate_interval]))"),
        )],
        unit("reqps"),
    );
    let has_availability = service.slos.iter().any(|s| s.indicator == Indicator::Availability);
    let error_ratio = if has_availability {
        format!("{}{{{}}}", names::slo_error_ratio_rule("5m"), recorded("availability"))
    } else {
        promql::error_ratio(observability, &Indicator::Availability, &selector, "5m")
    };
    layout.panel("timeseries", "Error ratio", "The share of requests that failed, over 5 minutes: the ratio the availability SLO and the rollout analysis measure.", 8, &[("errors", error_ratio)], unit("percentunit"));
    let quantiles: Vec<(&str, String)> = [("p50", "0.5"), ("p90", "0.9"), ("p99", "0.99")]
        .into_iter()
        .map(|(legend, q)| (legend, format!("histogram_quantile({q}, sum by (le) (rate({duration}_bucket{{{selector}}}[$__rate_interval])))")))
        .collect();
    layout.panel(
        "timeseries",
        "Latency",
        "Request duration percentiles.",
        8,
        &quantiles,
        unit("s"),
    );

    for slo in &service.slos {
        let name = slo.indicator.name();
        layout.row(&format!("SLO: {name} {} over {}", slo.objective, slo.window));
        layout.panel(
            "stat",
            "Error budget remaining",
            &format!("The share of the {} window's error budget not yet spent.", slo.window),
            8,
            &[("remaining", format!("{}{{{}}}", names::SLO_BUDGET_REMAINING_RULE, recorded(name)))],
            thresholds(
                "percentunit",
                &[("red", None), ("orange", Some(0.25)), ("green", Some(0.5))],
            ),
        );
        let page = promql::BURN_WINDOWS[0].factor(slo.window);
        let page_value: f64 = page.parse().unwrap_or(14.4);
        layout.panel(
            "timeseries",
            "Burn rate (1h)",
            &format!("How fast the budget burns: 1 spends it exactly over the window; the page alert fires at {page} over 1h and 5m."),
            16,
            &[("burn rate", format!("{}{{{}}}", names::SLO_BURN_RATE_RULE, recorded(name)))],
            thresholds("none", &[("green", None), ("orange", Some(1.0)), ("red", Some(page_value))]),
        );
    }

    layout.row("Rollout");
    let namespace = format!("{team}-$environment");
    // The controller's metrics name the rollout by `name` (and `namespace`).
    let rollout = promql::matchers(&[("name", &service.name), ("namespace", &namespace)]);
    layout.panel(
        "stat",
        "Rollout phase",
        "The phase the Argo Rollouts controller reports for the rollout.",
        8,
        &[("{{phase}}", format!("rollout_info{{{rollout}}} == 1"))],
        unit("none"),
    );
    layout.panel(
        "timeseries",
        "Replicas",
        "Desired and available replicas of the rollout.",
        16,
        &[
            ("desired", format!("rollout_info_replicas_desired{{{rollout}}}")),
            ("available", format!("rollout_info_replicas_available{{{rollout}}}")),
        ],
        unit("none"),
    );

    let environments: Vec<&idpc_ir::Environment> = platform
        .deployments_of(ServiceId::from_index(index))
        .map(|d| platform.environment(d.environment))
        .collect();
    let current = environments
        .iter()
        .find(|e| e.tier == Tier::Production)
        .or(environments.first())
        .map_or("", |e| e.name.as_str());
    let options: Vec<VariableOption> = environments
        .iter()
        .map(|e| VariableOption {
            selected: e.name == current,
            text: e.name.clone(),
            value: e.name.clone(),
        })
        .collect();
    let links = service
        .runbook
        .iter()
        .map(|url| Link {
            title: "Runbook".to_owned(),
            kind: "link",
            url: url.to_string(),
            target_blank: true,
            icon: "doc",
            tags: Vec::new(),
            as_dropdown: false,
            include_vars: false,
            keep_time: false,
            tooltip: format!("The runbook of {}", service.name),
        })
        .collect();
    let dashboard = Dashboard {
        id: None,
        uid: names::dashboard_uid(platform, service),
        title: service.name.clone(),
        description: header_line(platform.file_path(service.file)),
        tags: vec!["idpc".to_owned(), format!("team-{team}"), service.name.clone()],
        timezone: "browser",
        editable: false,
        graph_tooltip: 1,
        time: TimeRange { from: "now-6h", to: "now" },
        refresh: "1m",
        schema_version: SCHEMA_VERSION,
        version: 1,
        links,
        templating: Templating {
            list: vec![Variable {
                kind: "custom",
                name: "environment",
                label: "Environment",
                query: environments.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(","),
                current: VariableOption {
                    selected: true,
                    text: current.to_owned(),
                    value: current.to_owned(),
                },
                options,
                multi: false,
                include_all: false,
            }],
        },
        annotations: Annotations {
            list: [Annotation {
                built_in: 1,
                datasource: Datasource { kind: "grafana", uid: "-- Grafana --".to_owned() },
                enable: true,
                hide: true,
                icon_color: "rgba(0, 211, 255, 1)",
                name: "Annotations & Alerts",
                kind: "dashboard",
            }],
        },
        panels: layout.panels,
    };
    common::json(names::dashboard_path(platform, service), &dashboard)
}
