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
    CanaryStep, Deployment, EnvId, EnvVar, Environment, FieldValue, HealthCheck, Image, Kind,
    Layer, Origin, Percent, ResourceInstance, SecretBinding, Service, ServiceId, Sourced, Strategy,
    Team, TeamId,
};

use crate::diagnostics::missing;
use crate::kinds::defaults_for;
use crate::schema::service::ServiceNode;
use crate::schema::settings::{
    Autoscale, BlueGreen, Healthcheck, Liveness, Replicas, Requests, Rollback, Rolling, Settings,
    StrategyNode,
};
use crate::services::{self, Plan};
use crate::typed::{Field, OrDefault, TypedNode};

/// What resolution reads.
pub(crate) struct Inputs<'a> {
    pub(crate) services: &'a [Service],
    pub(crate) plans: &'a [&'a Plan],
    /// Each service's node, which its plan's layers read their settings from.
    pub(crate) nodes: &'a [&'a ServiceNode],
    pub(crate) environments: &'a [Environment],
    pub(crate) kinds: &'a [Kind],
    pub(crate) teams: &'a [Team],
    pub(crate) registry: Option<&'a str>,
}

/// What one layer gives: its settings, read from the service's node, and its resources.
struct Given<'l> {
    settings: Settings<'l>,
    resources: &'l [services::ResourceDecl],
}

impl<'l> Given<'l> {
    fn of(layer: &'l services::Layer, node: &'l ServiceNode) -> Given<'l> {
        Given { settings: layer.settings(node), resources: &layer.resources }
    }
}

type Layers<'l> = Vec<(Layer, Given<'l>)>;

/// One service's deployments, and what resolving them found.
pub(crate) type Resolved = (Vec<Deployment>, Vec<Diagnostic>);

/// Resolves one service in every environment that carries it, in environment order, with the
/// fields of its resources that have no value anywhere reported.
pub(crate) fn resolve_service(
    inputs: &Inputs<'_>,
    index: usize,
) -> (Vec<Deployment>, Vec<Diagnostic>) {
    // (resource, field) → where the resource is declared and the environments lacking it.
    type Missing = BTreeMap<(String, String), (Span, Vec<String>)>;
    let (service, plan, node) = (&inputs.services[index], inputs.plans[index], inputs.nodes[index]);
    let mut deployments = Vec::with_capacity(inputs.environments.len());
    let mut missing_fields = Missing::new();
    for (env_index, environment) in inputs.environments.iter().enumerate() {
        let env = EnvId::from_index(env_index);
        if !environment.carries(ServiceId::from_index(index)) {
            continue;
        }
        let mut layers: Layers<'_> = Vec::with_capacity(3);
        if let Some(layer) = plan.overrides.get(&env) {
            let given = Given::of(layer, node);
            layers.push((Layer::Override { environment: environment.name.clone() }, given));
        }
        if let Some(ephemeral) = &environment.ephemeral
            && let Some(layer) = plan.overrides.get(&ephemeral.from)
        {
            let base = &inputs.environments[ephemeral.from.index()];
            let given = Given::of(layer, node);
            layers.push((Layer::Override { environment: base.name.clone() }, given));
        }
        layers.push((Layer::Service, Given::of(&plan.base, node)));
        let resources =
            resolve_resources(&layers, environment, inputs.kinds, |resource, field, span| {
                missing_fields
                    .entry((resource.to_owned(), field.to_owned()))
                    .or_insert_with(|| (span, Vec::new()))
                    .1
                    .push(environment.name.clone());
            });
        if let Some(deployment) =
            resolve(inputs, service, ServiceId::from_index(index), env, &layers, resources)
        {
            deployments.push(deployment);
        }
    }
    let mut diagnostics = Vec::new();
    for ((resource, field), (span, envs)) in missing_fields {
        let envs: Vec<String> = envs.iter().map(|e| format!("`{e}`", e = quote(e))).collect();
        let kind = plan
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
    (deployments, diagnostics)
}

fn resolve(
    inputs: &Inputs<'_>,
    service: &Service,
    id: ServiceId,
    env: EnvId,
    layers: &Layers<'_>,
    resources: Vec<ResourceInstance>,
) -> Option<Deployment> {
    let environment = &inputs.environments[env.index()];
    let image = pick(layers, |s| s.image.as_ref()?.image.clone())?
        .map(|image| with_registry(image, inputs.registry));
    let replicas = pick(layers, |s| s.replicas.as_ref()?.count.clone())
        .or_else(|| builtin(&Replicas::defaults().count))?;
    let cpu = pick(layers, |s| s.requests.as_ref()?.cpu.clone())
        .or_else(|| builtin(&Requests::defaults().cpu))?;
    let memory = pick(layers, |s| s.requests.as_ref()?.memory.clone())
        .or_else(|| builtin(&Requests::defaults().memory))?;
    let cpu_limit = pick(layers, |s| s.limits.as_ref()?.cpu.clone());
    // Without a memory limit, the limit is the request (the schema's derived default).
    let memory_limit =
        pick(layers, |s| s.limits.as_ref()?.memory.clone()).unwrap_or_else(|| memory.clone());
    let autoscale = pick_node(layers, |s| {
        let node = s.autoscale.as_ref()?;
        let defaults = Autoscale::defaults();
        Some((
            idpc_ir::Autoscale {
                min: node.min.as_ref()?.value,
                max: node.max.as_ref()?.value,
                cpu_target: node.cpu.or_default(&defaults.cpu)?,
            },
            node.span,
        ))
    });
    let strategy = pick_node(layers, |s| {
        let strategy = *s.deploy.as_ref()?.strategies().first()?;
        Some((strategy_of(strategy)?, strategy.span()))
    })
    .or_else(|| strategy_of(StrategyNode::Rolling(Rolling::defaults())).map(Sourced::builtin))?;
    let first_port = service.ports.first().map(|p| p.name.clone());
    let healthcheck = pick_node(layers, |s| {
        let node = s.deploy.as_ref()?.healthcheck.as_ref()?;
        let defaults = Healthcheck::defaults();
        Some((
            HealthCheck {
                path: node.path.as_ref()?.value.clone(),
                port: node.port.or_default(&defaults.port).or_else(|| first_port.clone())?,
                interval: node.interval.or_default(&defaults.interval)?,
                timeout: node.timeout.or_default(&defaults.timeout)?,
                threshold: node.threshold.or_default(&defaults.threshold)?,
                initial_delay: node.initial_delay.or_default(&defaults.initial_delay)?,
            },
            node.span,
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
    let rollback = pick_node(layers, |s| {
        let node = s.deploy.as_ref()?.rollback.as_ref()?;
        let defaults = Rollback::defaults();
        Some((
            idpc_ir::Rollback {
                auto: node.auto.or_default(&defaults.auto)?,
                error_rate: node
                    .error_rate
                    .or_default(&defaults.error_rate)
                    .or(derived_error_rate)?,
                interval: node.interval.or_default(&defaults.interval)?,
            },
            node.span,
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

/// The most specific layer's value of a field, with the others as shadowed origins.
fn pick<T: Clone>(
    layers: &Layers<'_>,
    get: impl Fn(&Settings) -> Option<Field<T>>,
) -> Option<Sourced<T>> {
    pick_node(layers, |s| get(s).map(|f| (f.value, f.span)))
}

/// The most specific layer's value built from a node, with the others as shadowed origins.
fn pick_node<T>(
    layers: &Layers<'_>,
    get: impl Fn(&Settings) -> Option<(T, Span)>,
) -> Option<Sourced<T>> {
    let mut found = layers.iter().filter_map(|(layer, l)| {
        get(&l.settings).map(|(value, span)| (value, Origin::at(span, layer.clone())))
    });
    let (value, origin) = found.next()?;
    Some(Sourced { value, origin, shadowed: shadowed(found.map(|(_, o)| o)) })
}

/// The shadowed origins, in a vector no larger than they are: most values shadow one or none,
/// and 100,000 of them at 10,000 services made a collected vector's room for four 14 MB.
fn shadowed(origins: impl Iterator<Item = Origin>) -> Vec<Origin> {
    let mut shadowed = Vec::new();
    for origin in origins {
        shadowed.reserve_exact(1);
        shadowed.push(origin);
    }
    shadowed
}

/// A schema default as a built-in value.
fn builtin<T: Clone>(default: &Option<Field<T>>) -> Option<Sourced<T>> {
    default.as_ref().map(|f| Sourced::builtin(f.value.clone()))
}

fn with_registry(image: Image, registry: Option<&str>) -> Image {
    match registry {
        Some(registry) if !image.has_registry() => {
            Image { repository: format!("{registry}/{}", image.repository), ..image }
        }
        _ => image,
    }
}

/// The strategy a node gives, its unwritten values at the schema's defaults.
fn strategy_of(node: StrategyNode<'_>) -> Option<Strategy> {
    Some(match node {
        StrategyNode::Canary(canary) => Strategy::Canary {
            steps: canary
                .steps
                .iter()
                .filter_map(|step| {
                    Some(CanaryStep {
                        weight: step.weight.as_ref()?.value,
                        pause: step.pause.as_ref().map(|p| p.value),
                        span: Some(step.span),
                    })
                })
                .collect(),
        },
        StrategyNode::BlueGreen(node) => {
            let defaults = BlueGreen::defaults();
            Strategy::BlueGreen {
                auto_promote: node.auto_promote.or_default(&defaults.auto_promote)?,
                preview_replicas: node.preview_replicas.as_ref().map(|f| f.value),
                scale_down_delay: node.scale_down_delay.or_default(&defaults.scale_down_delay)?,
            }
        }
        StrategyNode::Rolling(node) => {
            let defaults = Rolling::defaults();
            Strategy::Rolling {
                max_surge: node.max_surge.or_default(&defaults.max_surge)?,
                max_unavailable: node.max_unavailable.or_default(&defaults.max_unavailable)?,
            }
        }
    })
}

/// Variables by name: each name takes the most specific layer's value.
fn resolve_variables(layers: &Layers<'_>) -> Vec<EnvVar> {
    let mut by_name: BTreeMap<String, Sourced<String>> = BTreeMap::new();
    for (layer, l) in layers.iter().rev() {
        for node in l.settings.env {
            let (Some(name), Some(Field { value, span })) = (&node.name, &node.value) else {
                continue;
            };
            let name = name.value.as_str();
            let origin = Origin::at(*span, layer.clone());
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

fn resolve_secrets(layers: &Layers<'_>, teams: &[Team]) -> Vec<SecretBinding> {
    let mut by_name: BTreeMap<String, SecretBinding> = BTreeMap::new();
    for (layer, l) in layers.iter().rev() {
        for node in l.settings.secrets {
            let (Some(name), Some(from)) = (&node.name, &node.from) else { continue };
            let name = name.value.as_str();
            let mut readers: Vec<TeamId> = node
                .readers
                .iter()
                .flat_map(|r| &r.teams)
                .filter_map(|team| {
                    teams.iter().position(|t| t.name == team.value).map(TeamId::from_index)
                })
                .collect();
            readers.sort_unstable();
            readers.dedup();
            let origin = Origin::at(from.span, layer.clone());
            // Least specific first while collecting, reversed below: repeats stay linear.
            let shadowed = by_name.remove(name).map(|b| {
                let mut shadowed = b.reference.shadowed;
                shadowed.push(b.reference.origin);
                shadowed
            });
            let reference = Sourced {
                value: from.value.clone(),
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
    layers: &Layers<'_>,
    environment: &Environment,
    kinds: &[Kind],
    mut on_missing: impl FnMut(&str, &str, Span),
) -> Vec<ResourceInstance> {
    let mut names: Vec<(&str, idpc_ir::KindId, Span)> = Vec::new();
    for (_, l) in layers.iter().rev() {
        for resource in l.resources {
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
                Sourced { value, origin, shadowed: shadowed(candidates.map(|(_, o)| o)) },
            ));
        }
        out.push(ResourceInstance { name: name.to_owned(), kind: kind_id, fields, span });
    }
    out
}

/// The liveness probe: the `liveness` node where one is set; else, for a service with a health
/// check, a TCP connection to the health check's port with the same timing.
fn liveness(
    layers: &Layers<'_>,
    healthcheck: Option<&Sourced<HealthCheck>>,
    first_port: Option<&str>,
) -> Option<Sourced<idpc_ir::Liveness>> {
    let declared = pick_node(layers, |s| {
        let node = s.deploy.as_ref()?.liveness.as_ref()?;
        let defaults = Liveness::defaults();
        // The derived defaults: the health check's port and initial delay, else the first port.
        let port = node
            .port
            .or_default(&defaults.port)
            .or_else(|| healthcheck.map(|h| h.port.clone()))
            .or_else(|| first_port.map(str::to_owned))?;
        let initial_delay = match node.initial_delay.or_default(&defaults.initial_delay) {
            Some(delay) => delay,
            None => match healthcheck {
                Some(h) => h.initial_delay,
                None => Healthcheck::defaults().initial_delay.as_ref()?.value,
            },
        };
        Some((
            idpc_ir::Liveness {
                path: node.path.or_default(&defaults.path),
                port,
                interval: node.interval.or_default(&defaults.interval)?,
                timeout: node.timeout.or_default(&defaults.timeout)?,
                threshold: node.threshold.or_default(&defaults.threshold)?,
                initial_delay,
            },
            node.span,
        ))
    });
    declared.or_else(|| {
        let h = healthcheck?;
        Some(Sourced::builtin(idpc_ir::Liveness {
            path: None,
            port: h.port.clone(),
            interval: h.interval,
            timeout: h.timeout,
            threshold: h.threshold,
            initial_delay: h.initial_delay,
        }))
    })
}
