//! Argo Rollouts: for every (service, environment), a `Rollout` with the declared strategy, the
//! `Service`s it shifts traffic between, an `AnalysisTemplate` that aborts the rollout when the
//! new version's error ratio (the same ratio the SLO measures, restricted to the new pods) goes
//! above the rollback threshold, and a `HorizontalPodAutoscaler` when the service autoscales.
//!
//! `argo-rollouts/<environment>/<service>.yaml`, one document per object; beside it, for an
//! analysed rollout, `<service>.analysis-test.yaml`: `promtool test rules` tests of the analysis
//! query ([`analysis_test`]).

mod analysis_test;
mod pod;

use idpc_ir::{Deployment, Platform, Strategy};
use rayon::prelude::*;
use serde::Serialize;

use crate::Artifact;
use crate::common::k8s::{self, Object, ServiceSpec};
use crate::common::units::{Out, Unit};
use crate::common::{self, names, promql};

/// The argument that carries the pod-template hash of the new version into the analysis.
pub(crate) const HASH_ARG: &str = "canary-hash";

pub(crate) fn emit(platform: &Platform, out: &Out<'_>) {
    platform.deployments.par_iter().for_each(|d| {
        let unit = Unit::Service(d.service);
        if !out.wants(unit) {
            return;
        }
        out.put(unit, rollout_file(platform, d));
        if let Some(test) = analysis_test::test_file(platform, d) {
            out.put(unit, test);
        }
    });
}

fn rollout_file(platform: &Platform, deployment: &Deployment) -> Artifact {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let path = format!("argo-rollouts/{}/{}.yaml", environment.name, service.name);
    let mut documents = common::Documents::new(path, platform.file_path(service.file));
    documents.push(&rollout(platform, deployment));
    for name in service_names(platform, deployment, service) {
        documents.push(&kubernetes_service(platform, deployment, &name));
    }
    if deployment.rollback.is_some() {
        documents.push(&analysis_template(platform, deployment));
    }
    if let Some(autoscaler) = pod::autoscaler(platform, deployment) {
        documents.push(&autoscaler);
    }
    documents.finish()
}

/// The `Service`s of a rollout: the stable one, and the canary or preview one its strategy needs.
/// A canary has a Service of its own only when a router splits traffic between the two: without
/// one, the stable Service spans both versions and the canary's share of requests is its share
/// of the pods (were the Service pinned to the stable pods, the canary would get no traffic, and
/// its analysis would measure nothing).
fn service_names(
    platform: &Platform,
    deployment: &Deployment,
    service: &idpc_ir::Service,
) -> Vec<String> {
    if service.ports.is_empty() {
        return Vec::new();
    }
    let mut services = vec![names::stable_service(service)];
    match &deployment.strategy.value {
        Strategy::Canary { .. } if traffic_routing(platform, deployment).is_some() => {
            services.push(names::canary_service(service));
        }
        Strategy::Canary { .. } => {}
        Strategy::BlueGreen { .. } => services.push(names::preview_service(service)),
        Strategy::Rolling { .. } => {}
    }
    services
}

fn kubernetes_service(
    platform: &Platform,
    deployment: &Deployment,
    name: &str,
) -> Object<ServiceSpec> {
    let service = platform.service(deployment.service);
    Object {
        api_version: "v1",
        kind: "Service",
        metadata: k8s::deployment_meta(platform, deployment, name.to_owned()),
        spec: ServiceSpec {
            kind: "ClusterIP",
            selector: k8s::selector(&service.name),
            ports: k8s::service_ports(service),
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RolloutSpec {
    replicas: u32,
    revision_history_limit: u32,
    selector: pod::Selector,
    template: pod::PodTemplate,
    strategy: RolloutStrategy,
}

/// One of the two strategies (serde_yaml would write an enum as a YAML tag, which Kubernetes
/// does not read).
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct RolloutStrategy {
    #[serde(skip_serializing_if = "Option::is_none")]
    canary: Option<Canary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blue_green: Option<BlueGreen>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Canary {
    #[serde(skip_serializing_if = "Option::is_none")]
    stable_service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    canary_service: Option<String>,
    /// How the weights reach the router of an exposed service; without one, weights are
    /// approximated by the number of canary pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    traffic_routing: Option<TrafficRouting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_surge: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_unavailable: Option<IntOrString>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Analysis>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BlueGreen {
    active_service: String,
    preview_service: String,
    auto_promotion_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_replica_count: Option<u32>,
    scale_down_delay_seconds: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Measured once the new version takes the active Service's traffic: the preview gets
    /// none, so an analysis before promotion would measure nothing and always pass. The
    /// previous version is kept until it succeeds; if it fails, the rollout aborts and the
    /// active Service goes back to the previous version.
    post_promotion_analysis: Option<Analysis>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum IntOrString {
    Int(u32),
    String(String),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    #[serde(skip_serializing_if = "Option::is_none")]
    set_weight: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pause: Option<Pause>,
}

#[derive(Serialize)]
struct Pause {
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Analysis {
    templates: Vec<TemplateRef>,
    args: Vec<AnalysisArg>,
    #[serde(skip_serializing_if = "Option::is_none")]
    starting_step: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TemplateRef {
    template_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnalysisArg {
    name: &'static str,
    value_from: ValueFrom,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ValueFrom {
    pod_template_hash_value: &'static str,
}

fn rollout(platform: &Platform, deployment: &Deployment) -> Object<RolloutSpec> {
    let service = platform.service(deployment.service);
    let analysis = deployment.rollback.as_ref().map(|_| Analysis {
        templates: vec![TemplateRef { template_name: names::analysis_template(service) }],
        args: vec![AnalysisArg {
            name: HASH_ARG,
            value_from: ValueFrom { pod_template_hash_value: "Latest" },
        }],
        starting_step: None,
    });
    let with_ports = !service.ports.is_empty();
    let strategy = match &deployment.strategy.value {
        Strategy::Canary { steps } => {
            let routing = traffic_routing(platform, deployment);
            // The controller pins the stable and canary Services to their versions: only
            // where a router sends each its share (see `service_names`).
            let routed = with_ports && routing.is_some();
            RolloutStrategy::canary(Canary {
                stable_service: routed.then(|| names::stable_service(service)),
                canary_service: routed.then(|| names::canary_service(service)),
                traffic_routing: routing,
                max_surge: None,
                max_unavailable: None,
                steps: steps
                    .iter()
                    .flat_map(|step| {
                        let pause = match (step.pause, step.weight) {
                            (Some(duration), _) => {
                                Some(Pause { duration: Some(duration.single_unit()) })
                            }
                            (None, 100) => None,
                            (None, _) => Some(Pause { duration: None }),
                        };
                        let weight = Step { set_weight: Some(step.weight), pause: None };
                        std::iter::once(weight)
                            .chain(pause.map(|p| Step { set_weight: None, pause: Some(p) }))
                    })
                    .collect(),
                analysis: analysis.map(|a| Analysis { starting_step: Some(1), ..a }),
            })
        }
        Strategy::BlueGreen { auto_promote, preview_replicas, scale_down_delay } => {
            RolloutStrategy::blue_green(BlueGreen {
                active_service: names::stable_service(service),
                preview_service: names::preview_service(service),
                auto_promotion_enabled: *auto_promote,
                preview_replica_count: *preview_replicas,
                scale_down_delay_seconds: scale_down_delay.as_secs(),
                post_promotion_analysis: analysis,
            })
        }
        // Argo Rollouts has no rolling strategy of its own: a canary without steps replaces
        // pods with the surge settings, as a Deployment's rolling update does.
        Strategy::Rolling { max_surge, max_unavailable } => RolloutStrategy::canary(Canary {
            stable_service: None,
            canary_service: None,
            traffic_routing: None,
            max_surge: Some(int_or_string(*max_surge)),
            max_unavailable: Some(int_or_string(*max_unavailable)),
            steps: Vec::new(),
            analysis,
        }),
    };
    Object {
        api_version: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: k8s::deployment_meta(platform, deployment, service.name.clone()),
        spec: RolloutSpec {
            replicas: deployment.replicas.value,
            revision_history_limit: 5,
            selector: pod::Selector { match_labels: k8s::selector(&service.name) },
            template: pod::template(platform, deployment),
            strategy,
        },
    }
}

impl RolloutStrategy {
    fn canary(canary: Canary) -> RolloutStrategy {
        RolloutStrategy { canary: Some(canary), blue_green: None }
    }

    fn blue_green(blue_green: BlueGreen) -> RolloutStrategy {
        RolloutStrategy { canary: None, blue_green: Some(blue_green) }
    }
}

fn int_or_string(value: idpc_ir::IntOrPercent) -> IntOrString {
    match value {
        idpc_ir::IntOrPercent::Int(n) => IntOrString::Int(n),
        idpc_ir::IntOrPercent::Percent(p) => IntOrString::String(p.to_string()),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnalysisTemplateSpec {
    args: Vec<TemplateArg>,
    metrics: Vec<Metric>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dry_run: Vec<DryRun>,
}

#[derive(Serialize)]
struct TemplateArg {
    name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DryRun {
    metric_name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Metric {
    name: &'static str,
    interval: String,
    /// How many measurements the analysis takes; `None` measures until the rollout stops it.
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    failure_limit: u32,
    consecutive_error_limit: u32,
    inconclusive_limit: u32,
    success_condition: String,
    failure_condition: String,
    provider: Provider,
}

#[derive(Serialize)]
struct Provider {
    prometheus: PrometheusProvider,
}

#[derive(Serialize)]
struct PrometheusProvider {
    address: String,
    query: String,
}

/// The metric of the analysis.
pub(crate) const METRIC: &str = "error-ratio";

/// The window of the analysis query's rates.
const QUERY_WINDOW: idpc_ir::Duration = idpc_ir::Duration::from_secs(300);

/// The fewest measurements an analysis that gates a promotion takes.
const MIN_MEASUREMENTS: u64 = 3;

/// Query errors in a row (Prometheus unreachable) that end the analysis as `Error`, which aborts
/// the rollout like a failure. The query itself always returns a number.
const CONSECUTIVE_ERROR_LIMIT: u32 = 3;

/// The analysis of one (service, environment). Argo Rollouts reads a metric as:
///
/// - `interval` between measurements, `count` measurements in all: without a count the analysis
///   runs until something stops it. A canary's background analysis is stopped when the rollout
///   completes; a blue-green post-promotion analysis is waited for, so it needs a count or the
///   rollout never completes. It measures for at least the query's window, and at least
///   [`MIN_MEASUREMENTS`] times.
/// - A measurement is `Successful` when `successCondition` holds, `Failed` when
///   `failureCondition` holds, `Inconclusive` when neither does. The two conditions here are
///   complements, so no measurement is inconclusive (`inconclusiveLimit: 0`).
/// - More than `failureLimit` failed measurements fail the analysis and abort the rollout: the
///   first failure does (`0`).
/// - A query that errors counts against `consecutiveErrorLimit` instead.
///
/// The query returns one number, never an empty vector: `result[0]` of an empty result would be
/// a measurement error, and a healthy version (no 5xx series) would abort after a few of them.
fn analysis_template(platform: &Platform, deployment: &Deployment) -> Object<AnalysisTemplateSpec> {
    let service = platform.service(deployment.service);
    let rollback = deployment.rollback.as_ref().map(|r| &r.value);
    let threshold = rollback.map_or_else(|| "0".to_owned(), |r| r.error_rate.ratio());
    let interval = rollback.map_or(idpc_ir::Duration::from_secs(60), |r| r.interval);
    let gates_promotion = matches!(deployment.strategy.value, Strategy::BlueGreen { .. });
    Object {
        api_version: "argoproj.io/v1alpha1",
        kind: "AnalysisTemplate",
        metadata: k8s::deployment_meta(platform, deployment, names::analysis_template(service)),
        spec: AnalysisTemplateSpec {
            args: vec![TemplateArg { name: HASH_ARG }],
            metrics: vec![Metric {
                name: METRIC,
                interval: interval.single_unit(),
                count: gates_promotion.then(|| measurements(interval)),
                failure_limit: 0,
                consecutive_error_limit: CONSECUTIVE_ERROR_LIMIT,
                inconclusive_limit: 0,
                success_condition: format!("result[0] <= {threshold}"),
                failure_condition: format!("result[0] > {threshold}"),
                provider: Provider {
                    prometheus: PrometheusProvider {
                        address: platform.observability.prometheus_url.to_string(),
                        query: analysis_query(platform, deployment),
                    },
                },
            }],
            dry_run: if rollback.is_some_and(|r| !r.auto) {
                vec![DryRun { metric_name: METRIC }]
            } else {
                Vec::new()
            },
        },
    }
}

/// The query of the analysis: the error ratio of the new version's pods (the availability SLO's
/// ratio, restricted by the pod-template hash argument), `0` without traffic.
pub(crate) fn analysis_query(platform: &Platform, deployment: &Deployment) -> String {
    let service = platform.service(deployment.service);
    let selector = format!(
        "{},{}",
        promql::selector(&platform.observability, &deployment.namespace, &service.name),
        promql::matchers(&[("rollouts_pod_template_hash", &format!("{{{{args.{HASH_ARG}}}}}"))])
    );
    promql::analysis_error_ratio(&platform.observability, &selector, &QUERY_WINDOW.compact())
}

/// How many measurements an analysis that gates a promotion takes at `interval`.
fn measurements(interval: idpc_ir::Duration) -> u32 {
    let step = interval.as_millis().max(1);
    let cover = QUERY_WINDOW.as_millis().div_ceil(step);
    u32::try_from(cover.max(MIN_MEASUREMENTS)).unwrap_or(u32::MAX)
}

/// How a canary's traffic is shifted: by the Gateway API plugin on its `HTTPRoute`, or by
/// NGINX on its `Ingress`.
#[derive(Serialize)]
enum TrafficRouting {
    #[serde(rename = "plugins")]
    Plugins {
        #[serde(rename = "argoproj-labs/gatewayAPI")]
        gateway_api: GatewayApiRoute,
    },
    #[serde(rename = "nginx")]
    Nginx {
        #[serde(rename = "stableIngress")]
        stable_ingress: String,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GatewayApiRoute {
    http_route: String,
    namespace: String,
}

/// The traffic routing of a canary whose service is exposed: the Gateway API plugin on its
/// HTTPRoute, or NGINX on its Ingress.
fn traffic_routing(platform: &Platform, deployment: &Deployment) -> Option<TrafficRouting> {
    let service = platform.service(deployment.service);
    service.exposure.as_ref()?;
    let route = names::route(service);
    Some(match &platform.ingress.as_ref()?.router {
        idpc_ir::Router::GatewayApi { .. } => TrafficRouting::Plugins {
            gateway_api: GatewayApiRoute {
                http_route: route,
                namespace: deployment.namespace.clone(),
            },
        },
        idpc_ir::Router::Nginx { .. } => TrafficRouting::Nginx { stable_ingress: route },
    })
}
