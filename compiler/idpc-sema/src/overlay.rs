//! Overlay resolution: the value of every setting of a service in one environment, with where
//! it came from.
//!
//! The order, most specific first: the service's `override` for the environment; for an
//! ephemeral environment, the override for the environment it was created from; the service's
//! own value; for resource fields, the kind's default for the environment's tier, then the
//! kind's default; last, idpc's built-in default.

use std::collections::BTreeMap;

use idpc_diagnostics::{Diagnostic, Span, quote};
use idpc_ir::{
    Autoscale, CanaryStep, Cpu, Deployment, Duration, EnvId, EnvVar, Environment, FieldValue,
    HealthCheck, Image, IntOrPercent, Kind, Layer, Liveness, Memory, Origin, Percent,
    ResourceInstance, Rollback, SecretBinding, Service, ServiceId, Sourced, Strategy, Team, TeamId,
};

use crate::diagnostics::missing;
use crate::kinds::defaults_for;
use crate::services::{self, Plan};
use crate::shape::Checked;

/// What resolution reads.
pub(crate) struct Inputs<'a> {
    pub(crate) services: &'a [Service],
    pub(crate) plans: &'a [Plan<'a>],
    pub(crate) environments: &'a [Environment],
    pub(crate) kinds: &'a [Kind],
    pub(crate) teams: &'a [Team],
    pub(crate) registry: Option<&'a str>,
}

type Layers<'l, 'a> = Vec<(Layer, &'l services::Layer<'a>)>;

/// Resolves every (service, environment), in service then environment order.
pub(crate) fn resolve_all(
    inputs: &Inputs<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Deployment> {
    use rayon::prelude::*;
    // (service, resource, field) → where the resource is declared and the environments lacking it.
    type Missing = BTreeMap<(usize, String, String), (Span, Vec<String>)>;
    // Each service's deployments are resolved on their own, in parallel, in the services' order.
    let per_service: Vec<(Vec<Deployment>, Missing)> = inputs
        .services
        .par_iter()
        .zip(inputs.plans.par_iter())
        .enumerate()
        .map(|(index, (service, plan))| {
            let mut deployments = Vec::with_capacity(inputs.environments.len());
            let mut missing_fields = Missing::new();
            for (env_index, environment) in inputs.environments.iter().enumerate() {
                let env = EnvId::from_index(env_index);
                if !environment.carries(ServiceId::from_index(index)) {
                    continue;
                }
                let mut layers: Layers<'_, '_> = Vec::with_capacity(3);
                if let Some(layer) = plan.overrides.get(&env) {
                    layers.push((Layer::Override { environment: environment.name.clone() }, layer));
                }
                if let Some(ephemeral) = &environment.ephemeral
                    && let Some(layer) = plan.overrides.get(&ephemeral.from)
                {
                    let base = &inputs.environments[ephemeral.from.index()];
                    layers.push((Layer::Override { environment: base.name.clone() }, layer));
                }
                layers.push((Layer::Service, &plan.base));
                let resources = resolve_resources(
                    &layers,
                    environment,
                    inputs.kinds,
                    |resource, field, span| {
                        missing_fields
                            .entry((index, resource.to_owned(), field.to_owned()))
                            .or_insert_with(|| (span, Vec::new()))
                            .1
                            .push(environment.name.clone());
                    },
                );
                if let Some(deployment) =
                    resolve(inputs, service, ServiceId::from_index(index), env, &layers, resources)
                {
                    deployments.push(deployment);
                }
            }
            (deployments, missing_fields)
        })
        .collect();
    let mut deployments = Vec::with_capacity(inputs.services.len() * inputs.environments.len());
    let mut missing_fields = Missing::new();
    for (found, missing) in per_service {
        deployments.extend(found);
        missing_fields.extend(missing);
    }
    for ((service, resource, field), (span, envs)) in missing_fields {
        let envs: Vec<String> = envs.iter().map(|e| format!("`{e}`", e = quote(e))).collect();
        let kind = inputs.plans[service]
            .base
            .resources
            .iter()
            .find(|r| r.name == resource)
            .map(|r| inputs.kinds[r.kind.index()].name.as_str());
        let kind = kind.map_or_else(String::new, |k| format!(" (kind `{k}`)", k = quote(k)));
        diagnostics.push(
            missing(
                format!(
                    "resource `{resource}`{kind} has no value for `{field}` in {}",
                    envs.join(", "),
                    resource = quote(&resource),
                    field = quote(&field)
                ),
                span,
                format!("`{field}` is not set", field = quote(&field)),
            )
            .with_help(format!(
                "set `{field}` in the resource, or in an `override` for each environment",
                field = quote(&field)
            )),
        );
    }
    deployments
}

fn resolve(
    inputs: &Inputs<'_>,
    service: &Service,
    id: ServiceId,
    env: EnvId,
    layers: &Layers<'_, '_>,
    resources: Vec<ResourceInstance>,
) -> Option<Deployment> {
    let environment = &inputs.environments[env.index()];
    let image = pick(layers, |c| match &c.child_value("image")?.value {
        FieldValue::Image(image) => Some((image.clone(), c.child_value("image")?.span)),
        _ => None,
    })?
    .map(|image| with_registry(image, inputs.registry));
    let replicas = pick(layers, |c| {
        let t = c.child_value("replicas")?;
        Some((u32::try_from(t.value.as_int()?).ok()?, t.span))
    })
    .unwrap_or_else(|| Sourced::builtin(1));
    let quantity = |block: &'static str, key: &'static str| {
        move |c: &Checked<'_>| {
            let t = c.child(block)?.prop(key)?;
            Some((t.value.clone(), t.span))
        }
    };
    let cpu = pick(layers, quantity("requests", "cpu"))
        .and_then(as_cpu)
        .unwrap_or_else(|| Sourced::builtin(Cpu::from_millis(100)));
    let memory = pick(layers, quantity("requests", "memory"))
        .and_then(as_memory)
        .unwrap_or_else(|| Sourced::builtin(Memory::from_bytes(128 << 20)));
    let cpu_limit = pick(layers, quantity("limits", "cpu")).and_then(as_cpu);
    let memory_limit = pick(layers, quantity("limits", "memory"))
        .and_then(as_memory)
        .unwrap_or_else(|| memory.clone());
    let autoscale = pick(layers, |c| {
        let node = c.child("autoscale")?;
        let min = u32::try_from(node.prop("min")?.value.as_int()?).ok()?;
        let max = u32::try_from(node.prop("max")?.value.as_int()?).ok()?;
        let cpu_target =
            node.prop("cpu").and_then(|t| t.value.as_percent()).unwrap_or(Percent::from_whole(70));
        Some((Autoscale { min, max, cpu_target }, node.name_span()))
    });
    let strategy = pick(layers, |c| {
        let deploy = c.child("deploy")?;
        let node = deploy
            .children
            .iter()
            .find(|n| matches!(n.schema.name, "canary" | "blue-green" | "rolling"))?;
        Some((strategy_of(node), node.name_span()))
    })
    .unwrap_or_else(|| Sourced::builtin(default_rolling()));
    let first_port = service.ports.first().map(|p| p.name.clone());
    let healthcheck = pick(layers, |c| {
        let node = deploy_child(c, "healthcheck")?;
        let duration = |key: &str, default: Duration| {
            node.prop(key).and_then(|t| t.value.as_duration()).unwrap_or(default)
        };
        Some((
            HealthCheck {
                path: node.prop("path")?.value.as_str()?.to_owned(),
                port: node
                    .prop("port")
                    .and_then(|t| t.value.as_str().map(str::to_owned))
                    .or_else(|| first_port.clone())?,
                interval: duration("interval", Duration::from_secs(10)),
                timeout: duration("timeout", Duration::from_secs(1)),
                threshold: node
                    .prop("threshold")
                    .and_then(|t| t.value.as_int())
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(3),
                initial_delay: duration("initial-delay", Duration::from_secs(0)),
            },
            node.name_span(),
        ))
    });
    let liveness = liveness(layers, healthcheck.as_ref(), first_port.as_deref());
    let derived_error_rate =
        service.slos.iter().find(|s| s.indicator == idpc_ir::Indicator::Availability).map(|slo| {
            // The page-fast burn threshold: 2% of the window's budget spent in one hour.
            let budget = u64::from(slo.objective.complement().millionths());
            let window_hours = slo.window.as_millis() / 3_600_000;
            Percent::from_millionths(
                u32::try_from((budget * 2 * window_hours / 100).min(1_000_000))
                    .unwrap_or(1_000_000),
            )
        });
    let rollback = pick(layers, |c| {
        let node = deploy_child(c, "rollback")?;
        let error_rate =
            node.prop("error-rate").and_then(|t| t.value.as_percent()).or(derived_error_rate)?;
        Some((
            Rollback {
                auto: node.prop("auto").and_then(|t| t.value.as_bool()).unwrap_or(true),
                error_rate,
                interval: node
                    .prop("interval")
                    .and_then(|t| t.value.as_duration())
                    .unwrap_or(Duration::from_secs(60)),
            },
            node.name_span(),
        ))
    });
    // A service whose team did not resolve has an error already; it has no deployment.
    let team = inputs.teams.get(service.team.index())?;
    Some(Deployment {
        service: id,
        environment: env,
        namespace: format!("{}-{}", team.name, environment.name),
        image,
        replicas,
        cpu,
        memory,
        cpu_limit,
        memory_limit,
        autoscale,
        env: resolve_variables(layers),
        secrets: resolve_secrets(layers, inputs.teams),
        resources,
        strategy,
        healthcheck,
        liveness,
        rollback,
    })
}

fn deploy_child<'c, 'a>(node: &'c Checked<'a>, name: &str) -> Option<&'c Checked<'a>> {
    node.child("deploy").and_then(|d| d.child(name))
}

/// The most specific layer's value, with the others as shadowed origins.
fn pick<T>(
    layers: &Layers<'_, '_>,
    get: impl Fn(&Checked<'_>) -> Option<(T, Span)>,
) -> Option<Sourced<T>> {
    let mut found = layers.iter().filter_map(|(layer, l)| {
        get(l.node).map(|(value, span)| (value, Origin::at(span, layer.clone())))
    });
    let (value, origin) = found.next()?;
    Some(Sourced { value, origin, shadowed: found.map(|(_, o)| o).collect() })
}

fn as_cpu(sourced: Sourced<FieldValue>) -> Option<Sourced<Cpu>> {
    match sourced.value {
        FieldValue::Cpu(cpu) => {
            Some(Sourced { value: cpu, origin: sourced.origin, shadowed: sourced.shadowed })
        }
        _ => None,
    }
}

fn as_memory(sourced: Sourced<FieldValue>) -> Option<Sourced<Memory>> {
    match sourced.value {
        FieldValue::Memory(memory) => {
            Some(Sourced { value: memory, origin: sourced.origin, shadowed: sourced.shadowed })
        }
        _ => None,
    }
}

fn with_registry(image: Image, registry: Option<&str>) -> Image {
    match registry {
        Some(registry) if !image.has_registry() => {
            Image { repository: format!("{registry}/{}", image.repository), ..image }
        }
        _ => image,
    }
}

fn default_rolling() -> Strategy {
    Strategy::Rolling {
        max_surge: IntOrPercent::Percent(Percent::from_whole(25)),
        max_unavailable: IntOrPercent::Int(0),
    }
}

fn strategy_of(node: &Checked<'_>) -> Strategy {
    match node.schema.name {
        "canary" => Strategy::Canary {
            steps: node
                .children_named("step")
                .filter_map(|step| {
                    let weight = step.prop("weight")?.value.as_int()?;
                    Some(CanaryStep {
                        weight: u32::try_from(weight).ok()?,
                        pause: step.prop("pause").and_then(|t| t.value.as_duration()),
                        span: Some(step.name_span()),
                    })
                })
                .collect(),
        },
        "blue-green" => Strategy::BlueGreen {
            auto_promote: node
                .prop("auto-promote")
                .and_then(|t| t.value.as_bool())
                .unwrap_or(false),
            preview_replicas: node
                .prop("preview-replicas")
                .and_then(|t| t.value.as_int())
                .and_then(|n| u32::try_from(n).ok()),
            scale_down_delay: node
                .prop("scale-down-delay")
                .and_then(|t| t.value.as_duration())
                .unwrap_or(Duration::from_secs(30)),
        },
        _ => {
            let get = |key: &str, default: IntOrPercent| match node.prop(key).map(|t| &t.value) {
                Some(FieldValue::IntOrPercent(v)) => *v,
                _ => default,
            };
            Strategy::Rolling {
                max_surge: get("max-surge", IntOrPercent::Percent(Percent::from_whole(25))),
                max_unavailable: get("max-unavailable", IntOrPercent::Int(0)),
            }
        }
    }
}

/// Variables by name: each name takes the most specific layer's value.
fn resolve_variables(layers: &Layers<'_, '_>) -> Vec<EnvVar> {
    let mut by_name: BTreeMap<String, Sourced<String>> = BTreeMap::new();
    for (layer, l) in layers.iter().rev() {
        for node in l.node.children_named("env") {
            let (Some((name, _)), Some((value, span))) = (node.str_arg(0), node.str_arg(1)) else {
                continue;
            };
            let origin = Origin::at(span, layer.clone());
            match by_name.get_mut(name) {
                Some(existing) => {
                    let previous = std::mem::replace(&mut existing.origin, origin);
                    // Most specific first once reversed below: pushing keeps repeats linear.
                    existing.shadowed.push(previous);
                    existing.value = value.to_owned();
                }
                None => {
                    by_name.insert(name.to_owned(), Sourced::new(value.to_owned(), origin));
                }
            }
        }
    }
    by_name
        .into_iter()
        .map(|(name, mut value)| {
            value.shadowed.reverse();
            EnvVar { name, value }
        })
        .collect()
}

fn resolve_secrets(layers: &Layers<'_, '_>, teams: &[Team]) -> Vec<SecretBinding> {
    let mut by_name: BTreeMap<String, SecretBinding> = BTreeMap::new();
    for (layer, l) in layers.iter().rev() {
        for node in l.node.children_named("secret") {
            let Some((name, _)) = node.str_arg(0) else { continue };
            let Some(typed) = node.prop("from") else { continue };
            let FieldValue::SecretRef(reference) = &typed.value else { continue };
            let mut readers: Vec<TeamId> = node
                .children_named("reader")
                .flat_map(|r| r.args_from(0))
                .filter_map(|t| t.value.as_str())
                .filter_map(|team| {
                    teams.iter().position(|t| t.name == team).map(TeamId::from_index)
                })
                .collect();
            readers.sort_unstable();
            readers.dedup();
            let origin = Origin::at(typed.span, layer.clone());
            // Least specific first while collecting, reversed below: repeats stay linear.
            let shadowed = by_name.remove(name).map(|b| {
                let mut shadowed = b.reference.shadowed;
                shadowed.push(b.reference.origin);
                shadowed
            });
            let reference = Sourced {
                value: reference.clone(),
                origin,
                shadowed: shadowed.unwrap_or_default(),
            };
            by_name.insert(
                name.to_owned(),
                SecretBinding { name: name.to_owned(), reference, readers },
            );
        }
    }
    by_name
        .into_values()
        .map(|mut binding| {
            binding.reference.shadowed.reverse();
            binding
        })
        .collect()
}

/// Resources by name, each field resolved through the layers and the kind's defaults.
/// `on_missing(resource, field, span)` is told of a field with no value anywhere.
fn resolve_resources(
    layers: &Layers<'_, '_>,
    environment: &Environment,
    kinds: &[Kind],
    mut on_missing: impl FnMut(&str, &str, Span),
) -> Vec<ResourceInstance> {
    let mut names: Vec<(&str, idpc_ir::KindId, Span)> = Vec::new();
    for (_, l) in layers.iter().rev() {
        for resource in &l.resources {
            if !names.iter().any(|(n, _, _)| *n == resource.name) {
                names.push((&resource.name, resource.kind, resource.span));
            }
        }
    }
    names.sort_by_key(|(name, _, _)| *name);
    let mut out = Vec::with_capacity(names.len());
    for (name, kind_id, span) in names {
        let kind = &kinds[kind_id.index()];
        let mut fields = Vec::with_capacity(kind.fields.len());
        for (field_index, field) in kind.fields.iter().enumerate() {
            let mut candidates: Vec<(FieldValue, Origin)> = layers
                .iter()
                .filter_map(|(layer, l)| {
                    let resource = l.resources.iter().find(|r| r.name == name)?;
                    let (_, typed) = resource.fields.iter().find(|(i, _)| *i == field_index)?;
                    Some((typed.value.clone(), Origin::at(typed.span, layer.clone())))
                })
                .collect();
            candidates.extend(
                defaults_for(field, environment.tier).into_iter().map(|(v, o)| (v.clone(), o)),
            );
            let mut candidates = candidates.into_iter();
            let Some((value, origin)) = candidates.next() else {
                on_missing(name, &field.name, span);
                continue;
            };
            fields.push((
                field.name.clone(),
                Sourced { value, origin, shadowed: candidates.map(|(_, o)| o).collect() },
            ));
        }
        out.push(ResourceInstance { name: name.to_owned(), kind: kind_id, fields, span });
    }
    out
}

/// The liveness probe: the `liveness` node where one is set; else, for a service with a health
/// check, a TCP connection to the health check's port with the same timing.
fn liveness(
    layers: &Layers<'_, '_>,
    healthcheck: Option<&Sourced<HealthCheck>>,
    first_port: Option<&str>,
) -> Option<Sourced<Liveness>> {
    let declared = pick(layers, |c| {
        let node = deploy_child(c, "liveness")?;
        let duration = |key: &str, default: Duration| {
            node.prop(key).and_then(|t| t.value.as_duration()).unwrap_or(default)
        };
        let port = node
            .prop("port")
            .and_then(|t| t.value.as_str().map(str::to_owned))
            .or_else(|| healthcheck.map(|h| h.port.clone()))
            .or_else(|| first_port.map(str::to_owned))?;
        Some((
            Liveness {
                path: node.prop("path").and_then(|t| t.value.as_str()).map(str::to_owned),
                port,
                interval: duration("interval", Duration::from_secs(10)),
                timeout: duration("timeout", Duration::from_secs(1)),
                threshold: node
                    .prop("threshold")
                    .and_then(|t| t.value.as_int())
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(3),
                initial_delay: duration(
                    "initial-delay",
                    healthcheck.map_or(Duration::from_secs(0), |h| h.initial_delay),
                ),
            },
            node.name_span(),
        ))
    });
    declared.or_else(|| {
        let h = healthcheck?;
        Some(Sourced::builtin(Liveness {
            path: None,
            port: h.port.clone(),
            interval: h.interval,
            timeout: h.timeout,
            threshold: h.threshold,
            initial_delay: h.initial_delay,
        }))
    })
}
