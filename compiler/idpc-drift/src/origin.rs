//! Where in the description a drifted value was declared: the line a drift report points at.
//!
//! The mapping follows the artifact families' conventions; a field without a closer declaration
//! points at the declaration of the service, team or environment the object belongs to.

use idpc_diagnostics::Span;
use idpc_ir::{Deployment, Platform, Service, Strategy};

use crate::objects::ObjectKey;
use crate::path::{FieldPath, Segment};
use serde_json::Value;

/// The span of the declaration behind a field of an object, if the object is one idpc generates.
/// `desired` is the generated object, when there is one.
pub fn span_of(
    platform: &Platform,
    key: &ObjectKey,
    path: &FieldPath,
    desired: Option<&Value>,
) -> Option<Span> {
    let keys = path.keys();
    let has = |k: &str| keys.iter().any(|x| x == k);
    match key {
        ObjectKey::Kubernetes { kind, namespace: Some(namespace), name, .. } => {
            let deployment = platform
                .deployments
                .iter()
                .find(|d| &d.namespace == namespace && &platform.service(d.service).name == name);
            let team =
                platform.teams.iter().find(|t| namespace.starts_with(&format!("{}-", t.name)));
            match (kind.as_str(), deployment) {
                ("Rollout" | "Deployment", Some(d)) => Some(workload_span(platform, d, &keys)),
                ("HorizontalPodAutoscaler", Some(d)) => d
                    .autoscale
                    .as_ref()
                    .and_then(|a| a.origin.span)
                    .or(Some(service_of(platform, d).span)),
                ("AnalysisTemplate", _) => {
                    let d = platform.deployments.iter().find(|d| {
                        &d.namespace == namespace
                            && name.starts_with(&platform.service(d.service).name)
                    })?;
                    d.rollback
                        .as_ref()
                        .and_then(|r| r.origin.span)
                        .or(Some(service_of(platform, d).span))
                }
                (_, Some(d)) => Some(service_of(platform, d).span),
                ("Service", None) => {
                    let d = platform.deployments.iter().find(|d| {
                        &d.namespace == namespace
                            && name.starts_with(&platform.service(d.service).name)
                    })?;
                    Some(service_of(platform, d).span)
                }
                _ => team.map(|t| t.span),
            }
        }
        ObjectKey::Kubernetes { kind, name, .. } if kind == "Namespace" => platform
            .teams
            .iter()
            .find(|t| name.starts_with(&format!("{}-", t.name)))
            .map(|t| t.span),
        ObjectKey::Kubernetes { .. } => None,
        ObjectKey::HelmValues { environment, service } => {
            let d = deployment(platform, environment, service)?;
            Some(if has("replicaCount") {
                d.replicas.origin.span.unwrap_or(service_of(platform, d).span)
            } else {
                workload_span(platform, d, &keys)
            })
        }
        ObjectKey::Dashboard { uid } => platform
            .services
            .iter()
            .find(|s| idpc_backends::names::dashboard_uid(platform, s) == *uid)
            .map(|s| s.span),
        ObjectKey::RuleGroup { name, .. } => {
            let service = platform.services.iter().find(|s| {
                name.strip_prefix(&s.name).is_some_and(|rest| rest.starts_with("-slo-"))
            })?;
            // Rules are per SLO: the rule's `slo` label says which.
            let rule = match path.0.as_slice() {
                [Segment::Key(rules), Segment::Index(index), ..] if rules == "rules" => {
                    desired.and_then(|g| g.pointer(&format!("/rules/{index}")))
                }
                _ => None,
            };
            let slo = rule.and_then(|r| r.pointer("/labels/slo")).and_then(Value::as_str);
            let declared = service
                .slos
                .iter()
                .find(|s| Some(s.indicator.name()) == slo)
                .or(service.slos.first());
            declared.map(|slo| slo.span).or(Some(service.span))
        }
        ObjectKey::TerraformModule { environment, address } => {
            let module = address.strip_prefix("module.")?;
            platform
                .deployments
                .iter()
                .filter(|d| platform.environment(d.environment).name == *environment)
                .find_map(|d| {
                    let service = service_of(platform, d);
                    let resource = d
                        .resources
                        .iter()
                        .find(|r| idpc_backends::names::terraform_module(service, r) == module)?;
                    let kind = platform.kind(resource.kind);
                    let field = keys.first().and_then(|variable| {
                        kind.fields
                            .iter()
                            .find(|f| idpc_backends::terraform_variable_name(kind, f) == *variable)
                    });
                    let origin = field
                        .and_then(|f| resource.fields.iter().find(|(name, _)| *name == f.name))
                        .and_then(|(_, value)| value.origin.span);
                    Some(origin.unwrap_or(resource.span))
                })
        }
        ObjectKey::OpaData => opa_data_span(platform, &keys, desired),
        ObjectKey::OpaRevision => Some(platform.span),
    }
}

/// The span behind a field of the OPA bundle's data: the line that declares the value where the
/// model keeps one (a member, an on-call receiver, a secret and its readers in an environment, a
/// waiver's expiry), else the team, service or environment it belongs to.
fn opa_data_span(platform: &Platform, keys: &[String], desired: Option<&Value>) -> Option<Span> {
    let (section, name) = (keys.first()?, keys.get(1)?);
    let field = keys.get(2).map(String::as_str);
    match section.as_str() {
        "teams" => {
            let team = platform.teams.iter().find(|t| &t.name == name)?;
            let member = match (field, keys.get(3)) {
                (Some(list @ ("members" | "leads")), Some(index)) => desired
                    .and_then(|d| d.pointer(&format!("/teams/{name}/{list}/{index}")))
                    .and_then(Value::as_str)
                    .and_then(|email| team.members.iter().find(|m| m.email.as_str() == email))
                    .map(|m| m.span),
                _ => None,
            };
            let oncall = (field == Some("oncall")).then_some(team.oncall_span).flatten();
            Some(member.or(oncall).unwrap_or(team.span))
        }
        "services" => {
            let service = platform.services.iter().find(|s| &s.name == name)?;
            let at = match (field, keys.get(3)) {
                (Some("environments"), Some(environment)) => {
                    let secret = match (keys.get(4).map(String::as_str), keys.get(5)) {
                        (Some("secrets"), Some(secret)) => Some(secret),
                        _ => None,
                    };
                    deployment(platform, environment, name)
                        .zip(secret)
                        .and_then(|(d, secret)| d.secrets.iter().find(|s| &s.name == secret))
                        .and_then(|s| s.reference.origin.span)
                }
                (Some("waivers"), Some(policy)) => {
                    service.waivers.iter().find(|w| &w.policy == policy).map(|w| w.expires_span)
                }
                _ => None,
            };
            Some(at.unwrap_or(service.span))
        }
        "environments" => platform.environments.iter().find(|e| &e.name == name).map(|e| e.span),
        _ => None,
    }
}

fn service_of<'a>(platform: &'a Platform, deployment: &Deployment) -> &'a Service {
    platform.service(deployment.service)
}

fn deployment<'a>(
    platform: &'a Platform,
    environment: &str,
    service: &str,
) -> Option<&'a Deployment> {
    platform.deployments.iter().find(|d| {
        platform.environment(d.environment).name == environment
            && platform.service(d.service).name == service
    })
}

/// The span behind a field of a workload (a Rollout, or the Helm values that describe it).
fn workload_span(platform: &Platform, deployment: &Deployment, keys: &[String]) -> Span {
    let service = service_of(platform, deployment).span;
    let has = |k: &str| keys.iter().any(|x| x == k);
    let or_service = |span: Option<Span>| span.unwrap_or(service);
    if has("replicas") || has("replicaCount") {
        return or_service(deployment.replicas.origin.span);
    }
    if has("steps") {
        return or_service(canary_step_span(deployment, keys).or(deployment.strategy.origin.span));
    }
    if has("strategy") || has("rollout") {
        return or_service(deployment.strategy.origin.span);
    }
    if has("image") {
        return or_service(deployment.image.origin.span);
    }
    if has("readinessProbe") || has("livenessProbe") || has("probes") {
        return or_service(deployment.healthcheck.as_ref().and_then(|h| h.origin.span));
    }
    if has("resources") {
        let cpu = has("cpu");
        return or_service(match (has("limits"), cpu) {
            (true, true) => deployment.cpu_limit.as_ref().and_then(|c| c.origin.span),
            (true, false) => deployment.memory_limit.origin.span,
            (false, true) => deployment.cpu.origin.span,
            (false, false) => deployment.memory.origin.span,
        });
    }
    if has("autoscaling") {
        return or_service(deployment.autoscale.as_ref().and_then(|a| a.origin.span));
    }
    if has("env") || has("secrets") {
        let name = keys.iter().find(|k| {
            deployment.env.iter().any(|v| &v.name == *k)
                || deployment.secrets.iter().any(|s| &s.name == *k)
        });
        if let Some(name) = name {
            let variable =
                deployment.env.iter().find(|v| &v.name == name).and_then(|v| v.value.origin.span);
            let secret = deployment
                .secrets
                .iter()
                .find(|s| &s.name == name)
                .and_then(|s| s.reference.origin.span);
            return or_service(variable.or(secret));
        }
    }
    service
}

/// The span of the canary step behind `steps[i]` of a Rollout (or of the Helm values).
fn canary_step_span(deployment: &Deployment, keys: &[String]) -> Option<Span> {
    let Strategy::Canary { steps } = &deployment.strategy.value else { return None };
    let position = keys.iter().position(|k| k == "steps")?;
    let index: usize = keys.get(position + 1)?.parse().ok()?;
    if keys.iter().any(|k| k == "rollout") {
        // Helm values list one entry per step.
        return steps.get(index).and_then(|s| s.span);
    }
    // A Rollout lists `setWeight`, then `pause` unless the step is the last at 100%.
    let mut emitted = 0;
    for step in steps {
        let entries = if step.pause.is_some() || step.weight != 100 { 2 } else { 1 };
        if index < emitted + entries {
            return step.span;
        }
        emitted += entries;
    }
    None
}
