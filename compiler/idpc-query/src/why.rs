//! Provenance: where each resolved value of a deployment comes from, and which less specific
//! settings it overrode. `idpc why` prints it; an editor can show it on hover.

use idpc_diagnostics::did_you_mean;
use idpc_ir::{Autoscale, Deployment, HealthCheck, Origin, Platform, Rollback, Sourced, Strategy};

/// One resolved value of a deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// Its path, in the words of the description: `limits.memory`, `env.LOG_LEVEL`,
    /// `resource.db.storage`.
    pub field: String,
    /// The value as the description would write it.
    pub value: String,
    /// Where it was set.
    pub origin: Origin,
    /// The settings it overrode, most specific first.
    pub shadowed: Vec<Origin>,
    /// A remark on how the value was derived, when it is not simply set.
    pub note: Option<&'static str>,
}

impl Provenance {
    fn new<T>(field: impl Into<String>, sourced: &Sourced<T>, value: String) -> Provenance {
        Provenance {
            field: field.into(),
            value,
            origin: sourced.origin.clone(),
            shadowed: sourced.shadowed.clone(),
            note: None,
        }
    }
}

/// Why `why` has nothing to show: a name that is not there, with a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// What was looked for: `service`, `environment` or `field`.
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// A suggestion or an explanation.
    pub hint: Option<String>,
}

/// The resolved values of `service` in `environment`: all of them, or those of `field` (a
/// field's name, or a prefix such as `resource.db` or `deploy`).
pub fn lookup(
    platform: &Platform,
    service: &str,
    environment: &str,
    field: Option<&str>,
) -> Result<Vec<Provenance>, NotFound> {
    let not_found = |what, name: &str, hint| NotFound { what, name: name.to_owned(), hint };
    let Some(index) = platform.services.iter().position(|s| s.name == service) else {
        let names = platform.services.iter().map(|s| s.name.as_str());
        return Err(not_found("service", service, did_you_mean(service, names)));
    };
    let deployment = platform.deployments.iter().find(|d| {
        d.service.index() == index
            && platform
                .environments
                .get(d.environment.index())
                .is_some_and(|e| e.name == environment)
    });
    let Some(deployment) = deployment else {
        let names: Vec<&str> = platform.environments.iter().map(|e| e.name.as_str()).collect();
        let hint = if names.contains(&environment) {
            Some(format!("`{service}` is not deployed to `{environment}`"))
        } else {
            did_you_mean(environment, names)
        };
        return Err(not_found("environment", environment, hint));
    };
    let all = provenance(deployment);
    let Some(field) = field else { return Ok(all) };
    let exact: Vec<Provenance> = all.iter().filter(|p| p.field == field).cloned().collect();
    let selected = if exact.is_empty() {
        let prefix = format!("{field}.");
        all.iter().filter(|p| p.field.starts_with(&prefix)).cloned().collect()
    } else {
        exact
    };
    if selected.is_empty() {
        let hint = did_you_mean(field, all.iter().map(|p| p.field.as_str())).unwrap_or_else(|| {
            let names: Vec<&str> = all.iter().map(|p| p.field.as_str()).collect();
            format!("the fields are {}", names.join(", "))
        });
        return Err(not_found("field", field, Some(hint)));
    }
    Ok(selected)
}

/// Every resolved value of `deployment`: the deployment's own settings, then its environment
/// variables, secrets and resource fields.
pub fn provenance(deployment: &Deployment) -> Vec<Provenance> {
    let d = deployment;
    let mut all = vec![
        Provenance::new("image", &d.image, d.image.value.to_string()),
        Provenance::new("replicas", &d.replicas, d.replicas.value.to_string()),
        Provenance::new("requests.cpu", &d.cpu, d.cpu.value.to_string()),
        Provenance::new("requests.memory", &d.memory, d.memory.value.to_string()),
    ];
    if let Some(cpu) = &d.cpu_limit {
        all.push(Provenance::new("limits.cpu", cpu, cpu.value.to_string()));
    }
    let mut memory_limit =
        Provenance::new("limits.memory", &d.memory_limit, d.memory_limit.value.to_string());
    if d.memory_limit.origin == d.memory.origin {
        memory_limit.note = Some("no limit is declared, so the memory request is the limit");
    }
    all.push(memory_limit);
    if let Some(autoscale) = &d.autoscale {
        all.push(Provenance::new("autoscale", autoscale, autoscale_text(autoscale)));
    }
    all.push(Provenance::new("deploy.strategy", &d.strategy, strategy_text(&d.strategy)));
    if let Some(check) = &d.healthcheck {
        all.push(Provenance::new("deploy.healthcheck", check, healthcheck_text(check)));
    }
    if let Some(liveness) = &d.liveness {
        all.push(Provenance::new("deploy.liveness", liveness, liveness_text(liveness)));
    }
    if let Some(rollback) = &d.rollback {
        all.push(Provenance::new("deploy.rollback", rollback, rollback_text(rollback)));
    }
    for var in &d.env {
        all.push(Provenance::new(format!("env.{}", var.name), &var.value, var.value.value.clone()));
    }
    for secret in &d.secrets {
        let field = format!("secret.{}", secret.name);
        all.push(Provenance::new(field, &secret.reference, secret.reference.value.to_string()));
    }
    for resource in &d.resources {
        for (name, value) in &resource.fields {
            let field = format!("resource.{}.{name}", resource.name);
            all.push(Provenance::new(field, value, value.value.render()));
        }
    }
    all
}

fn autoscale_text(a: &Autoscale) -> String {
    format!("min={} max={} cpu={}", a.min, a.max, a.cpu_target)
}

fn strategy_text(strategy: &Strategy) -> String {
    match strategy {
        Strategy::Canary { steps } => {
            let steps: Vec<String> = steps
                .iter()
                .map(|s| match s.pause {
                    Some(pause) => format!("{}% for {pause}", s.weight),
                    None => format!("{}%", s.weight),
                })
                .collect();
            format!("canary {}", steps.join(", "))
        }
        Strategy::BlueGreen { auto_promote, preview_replicas, scale_down_delay } => {
            let mut text = format!("blue-green auto-promote={auto_promote}");
            if let Some(n) = preview_replicas {
                text.push_str(&format!(" preview-replicas={n}"));
            }
            text.push_str(&format!(" scale-down-delay={scale_down_delay}"));
            text
        }
        Strategy::Rolling { max_surge, max_unavailable } => {
            format!("rolling max-surge={} max-unavailable={}", max_surge, max_unavailable)
        }
    }
}

fn healthcheck_text(h: &HealthCheck) -> String {
    format!(
        "path={} port={} interval={} timeout={} threshold={} initial-delay={}",
        h.path, h.port, h.interval, h.timeout, h.threshold, h.initial_delay
    )
}

fn liveness_text(l: &idpc_ir::Liveness) -> String {
    let probe = l.path.as_ref().map_or_else(|| "tcp".to_owned(), |path| format!("path={path}"));
    format!(
        "{probe} port={} interval={} timeout={} threshold={} initial-delay={}",
        l.port, l.interval, l.timeout, l.threshold, l.initial_delay
    )
}

fn rollback_text(r: &Rollback) -> String {
    format!("auto={} error-rate={} interval={}", r.auto, r.error_rate, r.interval)
}
