//! Argo Rollouts: for every (service, environment), a `Rollout` with the declared strategy, the
//! `Service`s it shifts traffic between, an `AnalysisTemplate` that aborts the rollout when the
//! new version's error ratio (the same ratio the SLO measures, restricted to the new pods) goes
//! above the rollback threshold, and a `HorizontalPodAutoscaler` when the service autoscales.
//!
//! `argo-rollouts/<environment>/<service>.yaml`, one document per object.

mod pod;

use idpc_ir::{Deployment, Indicator, Platform, Strategy};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::Artifact;
use crate::common::k8s::{self, Object, ObjectMeta, ServiceSpec};
use crate::common::{self, names, promql};

/// The argument that carries the pod-template hash of the new version into the analysis.
pub(crate) const HASH_ARG: &str = "canary-hash";

pub(crate) fn emit(platform: &Platform) -> Vec<Artifact> {
    platform.deployments.par_iter().map(|d| rollout_file(platform, d)).collect()
}

fn rollout_file(platform: &Platform, deployment: &Deployment) -> Artifact {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    let mut documents: Vec<Value> = vec![to_value(&rollout(platform, deployment))];
    for name in service_names(deployment, service) {
        documents.push(to_value(&kubernetes_service(platform, deployment, &name)));
    }
    if deployment.rollback.is_some() {
        documents.push(to_value(&analysis_template(platform, deployment)));
    }
    if let Some(autoscaler) = pod::autoscaler(platform, deployment) {
        documents.push(to_value(&autoscaler));
    }
    let path = format!("argo-rollouts/{}/{}.yaml", environment.name, service.name);
    common::yaml_documents(path, platform.file_path(service.file), &documents)
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The `Service`s of a rollout: the stable one, and the canary or preview one its strategy needs.
fn service_names(deployment: &Deployment, service: &idpc_ir::Service) -> Vec<String> {
    if service.ports.is_empty() {
        return Vec::new();
    }
    let mut services = vec![names::stable_service(service)];
    match &deployment.strategy.value {
        Strategy::Canary { .. } => services.push(names::canary_service(service)),
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
        metadata: ObjectMeta {
            name: name.to_owned(),
            namespace: Some(deployment.namespace.clone()),
            labels: k8s::deployment_labels(platform, deployment),
            ..ObjectMeta::default()
        },
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
    pre_promotion_analysis: Option<Analysis>,
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
        Strategy::Canary { steps } => RolloutStrategy::canary(Canary {
            stable_service: with_ports.then(|| names::stable_service(service)),
            canary_service: with_ports.then(|| names::canary_service(service)),
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
        }),
        Strategy::BlueGreen { auto_promote, preview_replicas, scale_down_delay } => {
            RolloutStrategy::blue_green(BlueGreen {
                active_service: names::stable_service(service),
                preview_service: names::preview_service(service),
                auto_promotion_enabled: *auto_promote,
                preview_replica_count: *preview_replicas,
                scale_down_delay_seconds: scale_down_delay.as_secs(),
                pre_promotion_analysis: analysis,
            })
        }
        // Argo Rollouts has no rolling strategy of its own: a canary without steps replaces
        // pods with the surge settings, as a Deployment's rolling update does.
        Strategy::Rolling { max_surge, max_unavailable } => RolloutStrategy::canary(Canary {
            stable_service: None,
            canary_service: None,
            max_surge: Some(int_or_string(*max_surge)),
            max_unavailable: Some(int_or_string(*max_unavailable)),
            steps: Vec::new(),
            analysis,
        }),
    };
    Object {
        api_version: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: ObjectMeta {
            name: service.name.clone(),
            namespace: Some(deployment.namespace.clone()),
            labels: k8s::deployment_labels(platform, deployment),
            ..ObjectMeta::default()
        },
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
    failure_limit: u32,
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

fn analysis_template(platform: &Platform, deployment: &Deployment) -> Object<AnalysisTemplateSpec> {
    let service = platform.service(deployment.service);
    let rollback = deployment.rollback.as_ref().map(|r| &r.value);
    let threshold = rollback.map_or_else(|| "0".to_owned(), |r| r.error_rate.ratio());
    let selector = format!(
        "{},{}",
        promql::selector(&platform.observability, &deployment.namespace, &service.name),
        promql::matchers(&[("rollouts_pod_template_hash", &format!("{{{{args.{HASH_ARG}}}}}"))])
    );
    // The availability SLO's error ratio; a service without one is measured the same way.
    let query =
        promql::error_ratio(&platform.observability, &Indicator::Availability, &selector, "5m");
    Object {
        api_version: "argoproj.io/v1alpha1",
        kind: "AnalysisTemplate",
        metadata: ObjectMeta {
            name: names::analysis_template(service),
            namespace: Some(deployment.namespace.clone()),
            labels: k8s::deployment_labels(platform, deployment),
            ..ObjectMeta::default()
        },
        spec: AnalysisTemplateSpec {
            args: vec![TemplateArg { name: HASH_ARG }],
            metrics: vec![Metric {
                name: METRIC,
                interval: rollback.map_or_else(|| "1m".to_owned(), |r| r.interval.single_unit()),
                failure_limit: 0,
                // No traffic yet gives NaN: not a failure.
                success_condition: format!("isNaN(result[0]) || result[0] <= {threshold}"),
                failure_condition: format!("result[0] > {threshold}"),
                provider: Provider {
                    prometheus: PrometheusProvider {
                        address: platform.observability.prometheus_url.to_string(),
                        query,
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
