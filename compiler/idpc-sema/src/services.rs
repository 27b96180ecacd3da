//! Services: references to teams, systems, services, environments and kinds; ports, SLOs and
//! the checks that apply to every layer (the service and each of its overrides).

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, quote};
use idpc_ir::{
    Duration, EnvId, Indicator, Kind, KindId, Port, Service, ServiceId, SystemId, TeamId,
};

use crate::collect::Collected;
use crate::diagnostics::{conflict, duplicate_member, missing, unknown_reference};
use crate::graph::Edge;
use crate::kinds::check_field_nodes;
use crate::schema::service::{
    Criticality, Expose, Override, PortNode, ResourceNode, ServiceNode, Waive,
};
use crate::schema::settings::{Deploy, Settings};
use crate::shape::Typed;
use crate::slos;
use crate::typed::{Field, OrDefault, TypedNode};

mod checks;

use checks::check_duplicate_resources;
pub(crate) use checks::variable_name_problem;

/// What services are resolved against.
pub(crate) struct Names<'a> {
    pub(crate) collected: &'a Collected<'a>,
    pub(crate) env_ids: &'a BTreeMap<String, EnvId>,
    pub(crate) kinds: &'a [Kind],
    /// The duration histogram's bucket bounds, which latency thresholds must be.
    pub(crate) latency_buckets: &'a [Duration],
}

/// A resource as one layer declares it, with its fields checked against the kind.
#[derive(Debug)]
pub(crate) struct ResourceDecl {
    pub(crate) name: String,
    pub(crate) kind: KindId,
    pub(crate) fields: Vec<(usize, Typed)>,
    pub(crate) span: Span,
}

/// One layer of a service: the service node itself or an override, with its resources read
/// against their kinds. Its settings are read from the node when they are resolved.
#[derive(Debug)]
pub(crate) struct Layer {
    /// The position of its `override` among the service's, or `None` for the service's own.
    at: Option<usize>,
    pub(crate) resources: Vec<ResourceDecl>,
}

impl Layer {
    /// The layer's settings, in the service's `node` (the one it was lowered from).
    pub(crate) fn settings<'n>(&self, node: &'n ServiceNode) -> Settings<'n> {
        match self.at {
            None => node.settings(),
            Some(at) => node.overrides.get(at).map(Override::settings).unwrap_or_default(),
        }
    }
}

/// Everything overlay resolution needs about one service.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) base: Layer,
    pub(crate) overrides: BTreeMap<EnvId, Layer>,
}

/// One service lowered: what it is, the layers overlay resolution merges, the dependency edges
/// it starts, and what was found wrong with it.
#[derive(Debug)]
pub(crate) struct Lowered {
    /// The service. A one-shot analysis moves it into the model, leaving `None` (never reused);
    /// an analysis that keeps results copies it.
    pub(crate) service: Option<Service>,
    pub(crate) plan: Plan,
    pub(crate) edges: Vec<Edge>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Lowers the service at `index` of the table. Reads only the service's own node and the
/// names it is resolved against (`names`), so the result may be kept while those do not change.
pub(crate) fn lower_service(index: usize, names: &Names<'_>) -> Lowered {
    let diagnostics = &mut Vec::new();
    let mut edges = Vec::new();
    let teams = &names.collected.teams;
    let decl = &names.collected.services[index];
    {
        let service = decl.node;
        let team = service
            .team
            .as_ref()
            .and_then(|t| resolve_name(&t.value, t.span, "team", teams, diagnostics))
            .map(TeamId::from_index);
        let system = service
            .system
            .as_ref()
            .and_then(|s| s.system.as_ref())
            .and_then(|s| {
                resolve_name(&s.value, s.span, "system", &names.collected.systems, diagnostics)
            })
            .map(SystemId::from_index);
        if service.image.is_none() {
            diagnostics.push(
                missing(
                    format!("service `{}` needs an `image`", decl.name),
                    decl.name_span,
                    "no `image` inside",
                )
                .with_help("add `image \"NAME:TAG\"`"),
            );
        }
        let ports = lower_ports(&service.ports, diagnostics);
        let mut depends_on: Vec<ServiceId> = Vec::new();
        for dependency in service.depends_on.iter().flat_map(|d| &d.services) {
            let name = dependency.value.as_str();
            match Collected::find(&names.collected.services, name) {
                Some(target) => {
                    edges.push(Edge { from: index, to: target, span: dependency.span });
                    depends_on.push(ServiceId::from_index(target));
                }
                None => diagnostics.push(unknown_reference(
                    "service",
                    name,
                    dependency.span,
                    names.collected.services.iter().map(|d| d.name),
                )),
            }
        }
        depends_on.sort_unstable();
        depends_on.dedup();
        let slos = slos::lower_slos(&service.slos, names.latency_buckets, diagnostics);
        let has_availability = slos.iter().any(|s| s.indicator == Indicator::Availability);
        let context = Context { ports: &ports, has_availability, names };
        let base =
            lower_layer(None, service.settings(), &service.resources, None, &context, diagnostics);
        let mut overrides: BTreeMap<EnvId, Layer> = BTreeMap::new();
        let mut override_spans: BTreeMap<String, Span> = BTreeMap::new();
        for (at, over) in service.overrides.iter().enumerate() {
            let Some(Field { value: env_name, span }) = over.environment.clone() else { continue };
            let Some(&env) = names.env_ids.get(&env_name) else {
                diagnostics.push(unknown_reference(
                    "environment",
                    &env_name,
                    span,
                    names.env_ids.keys().map(String::as_str),
                ));
                continue;
            };
            if let Some(first) = override_spans.insert(env_name.clone(), span) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::RepeatedNode,
                        format!(
                            "two overrides for environment `{env_name}`",
                            env_name = quote(&env_name)
                        ),
                        span,
                        "given again here",
                    )
                    .with_label(first, "first given here")
                    .with_help("merge them into one `override` block"),
                );
                continue;
            }
            let (settings, base) = (over.settings(), Some(&base));
            let layer =
                lower_layer(Some(at), settings, &over.resources, base, &context, diagnostics);
            overrides.insert(env, layer);
        }
        check_resource_names(decl.name, service, diagnostics);
        check_duplicate_resources(service, diagnostics);
        let criticality = service.criticality.as_ref().and_then(|c| c.level.as_ref());
        let level = criticality
            .map(|c| c.value.clone())
            .or_else(|| Criticality::defaults().level.as_ref().map(|f| f.value.clone()));
        let lowered = Service {
            name: decl.name.to_owned(),
            team: team.unwrap_or(TeamId(0)),
            system,
            description: service.description.as_ref().and_then(|d| Some(d.text.clone()?.value)),
            criticality: match level.as_deref() {
                Some("critical") => idpc_ir::Criticality::Critical,
                Some("low") => idpc_ir::Criticality::Low,
                _ => idpc_ir::Criticality::Standard,
            },
            exposure: lower_exposure(service.expose.as_deref(), &ports, diagnostics),
            ports,
            depends_on,
            slos,
            runbook: service.runbook.as_ref().and_then(|r| Some(r.url.clone()?.value)),
            criticality_span: criticality.map(|c| c.span),
            waivers: lower_waivers(&service.waivers),
            file: decl.file,
            span: decl.name_span,
        };
        Lowered {
            service: Some(lowered),
            plan: Plan { base, overrides },
            edges,
            diagnostics: std::mem::take(diagnostics),
        }
    }
}

/// What every layer of one service is checked against.
struct Context<'c, 'a> {
    ports: &'c [Port],
    has_availability: bool,
    names: &'c Names<'a>,
}

fn resolve_name<N>(
    name: &str,
    span: Span,
    what: &str,
    table: &[crate::collect::Decl<'_, N>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let found = Collected::find(table, name);
    if found.is_none() {
        diagnostics.push(unknown_reference(what, name, span, table.iter().map(|d| d.name)));
    }
    found
}

fn lower_ports(declared: &[PortNode], diagnostics: &mut Vec<Diagnostic>) -> Vec<Port> {
    let default_protocol = &PortNode::defaults().protocol;
    let mut ports = Vec::new();
    let mut names: BTreeMap<&str, Span> = BTreeMap::new();
    let mut numbers: BTreeMap<u32, Span> = BTreeMap::new();
    for port in declared {
        let (Some(name), Some(number)) = (&port.name, &port.number) else { continue };
        if let Some(first) = names.insert(&name.value, name.span) {
            diagnostics.push(duplicate_member("port", &name.value, name.span, first));
            continue;
        }
        if let Some(first) = numbers.insert(number.value, number.span) {
            diagnostics.push(duplicate_member(
                "port number",
                &number.value.to_string(),
                number.span,
                first,
            ));
            continue;
        }
        ports.push(Port {
            name: name.value.clone(),
            number: u16::try_from(number.value).unwrap_or(0),
            protocol: port.protocol.or_default(default_protocol).unwrap_or_default(),
        });
    }
    ports
}

/// Checks what every layer may set, and resolves its resources. `base` is the service layer when
/// checking an override.
fn lower_layer(
    at: Option<usize>,
    settings: Settings<'_>,
    resources: &[ResourceNode],
    base: Option<&Layer>,
    context: &Context<'_, '_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Layer {
    let names = context.names;
    for reader in settings.secrets.iter().flat_map(|s| &s.readers).flat_map(|r| &r.teams) {
        resolve_name(&reader.value, reader.span, "team", &names.collected.teams, diagnostics);
    }
    if let Some(autoscale) = &settings.autoscale
        && let (Some(min), Some(max)) = (&autoscale.min, &autoscale.max)
        && min.value > max.value
    {
        diagnostics.push(
            Diagnostic::new(
                Code::InvertedBounds,
                "autoscale `min` is above `max`",
                min.span,
                "the lower bound",
            )
            .with_label(max.span, "the upper bound"),
        );
    }
    if let Some(deploy) = &settings.deploy {
        check_deploy(deploy, context.ports, context.has_availability, diagnostics);
    }
    let resources = resources
        .iter()
        .filter_map(|resource| lower_resource(resource, base, names, diagnostics))
        .collect();
    Layer { at, resources }
}

/// The catalog names a resource `<service>-<resource>`, a name of at most 63 characters.
fn check_resource_names(service: &str, node: &ServiceNode, diagnostics: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<&str, Span> = BTreeMap::new();
    let layers =
        std::iter::once(&node.resources).chain(node.overrides.iter().map(|o| &o.resources));
    for Field { value: name, span } in layers.flatten().filter_map(|r| r.name.as_ref()) {
        if first.insert(name, *span).is_some() {
            continue;
        }
        if let Err(reason) = idpc_ir::validate_joined(service, name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::NameTooLong,
                    format!("resource `{name}` of service `{service}` makes a name too long", name = quote(name), service = quote(service)),
                    *span,
                    reason,
                )
                .with_help("the catalog names the resource `<service>-<resource>`, which must fit in 63 characters: shorten the resource name"),
            );
        }
    }
}

fn check_deploy(
    deploy: &Deploy,
    ports: &[Port],
    has_availability_slo: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if let [first, second, ..] = deploy.strategies().as_slice() {
        diagnostics.push(
            conflict(
                format!("`deploy` has both `{}` and `{}`", first.name(), second.name()),
                second.span(),
                "second strategy",
                first.span(),
                "first strategy",
            )
            .with_help("a service rolls out with one strategy; keep one"),
        );
    }
    if let Some(canary) = &deploy.canary {
        checks::check_canary(canary, diagnostics);
    }
    checks::check_rollout_settings(deploy, diagnostics);
    let probes = [
        deploy.healthcheck.as_ref().map(|h| (&h.port, h.span, "the health check")),
        deploy.liveness.as_ref().map(|l| (&l.port, l.span, "the liveness probe")),
    ];
    for (port, span, probe) in probes.into_iter().flatten() {
        match port {
            Some(port) if !ports.iter().any(|p| p.name == port.value) => {
                diagnostics.push(unknown_reference(
                    "port",
                    &port.value,
                    port.span,
                    ports.iter().map(|p| p.name.as_str()),
                ));
            }
            Some(_) => {}
            None if ports.is_empty() => diagnostics.push(
                missing(
                    format!("{probe} has no port to probe"),
                    span,
                    "the service declares no port",
                )
                .with_help("declare a port with `port \"http\" 8080`"),
            ),
            None => {}
        }
    }
    if let Some(rollback) = &deploy.rollback
        && rollback.error_rate.is_none()
        && !has_availability_slo
    {
        diagnostics.push(
            missing(
                "`rollback` needs an `error-rate` when the service has no availability SLO",
                rollback.span,
                "no threshold to roll back on",
            )
            .with_help("add `error-rate=\"1%\"`, or an `slo \"availability\"` to derive it from"),
        );
    }
}

fn lower_resource(
    resource: &ResourceNode,
    base: Option<&Layer>,
    names: &Names<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ResourceDecl> {
    let Field { value: name, span } = resource.name.as_ref()?;
    let (name, span) = (name.as_str(), *span);
    let declared = base.and_then(|b| b.resources.iter().find(|r| r.name == name));
    let kind = match (&resource.kind, declared) {
        (Some(typed), declared) => {
            let kind_name = typed.value.as_str();
            let Some(kind) = names.kinds.iter().position(|k| k.name == kind_name) else {
                diagnostics.push(unknown_reference(
                    "kind",
                    kind_name,
                    typed.span,
                    names.kinds.iter().map(|k| k.name.as_str()),
                ));
                return None;
            };
            if let Some(declared) = declared.filter(|d| d.kind.index() != kind) {
                diagnostics.push(
                    conflict(
                        format!(
                            "resource `{name}` changes kind in an override",
                            name = quote(name)
                        ),
                        typed.span,
                        format!("kind `{kind_name}` here", kind_name = quote(kind_name)),
                        declared.span,
                        format!(
                            "kind `{}` in the service",
                            names.kinds[declared.kind.index()].name
                        ),
                    )
                    .with_help("an override changes fields; remove `kind` from it"),
                );
                return None;
            }
            KindId::from_index(kind)
        }
        (None, Some(declared)) => declared.kind,
        (None, None) => {
            if resource.is_written(&ResourceNode::kind) {
                return None;
            }
            match base {
                Some(base) => {
                    let help = idpc_diagnostics::did_you_mean(
                        name,
                        base.resources.iter().map(|r| r.name.as_str()),
                    )
                    .unwrap_or_else(|| {
                        "add `kind=` to declare a resource only this environment has".to_owned()
                    });
                    diagnostics.push(
                        Diagnostic::new(
                            Code::UnknownReference,
                            format!("unknown resource `{name}`", name = quote(name)),
                            span,
                            "the service declares no resource of this name",
                        )
                        .with_help(help),
                    );
                }
                None => diagnostics.push(
                    missing(
                        format!("resource `{name}` needs a `kind`", name = quote(name)),
                        span,
                        "no kind",
                    )
                    .with_help("add `kind=\"postgres\"` or another kind"),
                ),
            }
            return None;
        }
    };
    let kind_decl = &names.kinds[kind.index()];
    let context = format!("kind `{}`", kind_decl.name);
    // The fields a resource sets are read against its kind.
    let fields =
        check_field_nodes(&resource.fields_of_kind, &kind_decl.fields, &context, diagnostics);
    Some(ResourceDecl { name: name.to_owned(), kind, fields, span })
}

fn lower_waivers(waivers: &[Waive]) -> Vec<idpc_ir::Waiver> {
    waivers
        .iter()
        .filter_map(|waive| {
            let (policy, expires) = (waive.policy.clone()?, waive.expires.clone()?);
            Some(idpc_ir::Waiver {
                policy: policy.value,
                reason: waive.reason.clone()?.value,
                owner: waive.owner.clone()?.value,
                expires: expires.value,
                span: policy.span,
                expires_span: expires.span,
            })
        })
        .collect()
}

/// The service's `expose` node: its port must be one the service declares.
fn lower_exposure(
    expose: Option<&Expose>,
    ports: &[Port],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<idpc_ir::Exposure> {
    let expose = expose?;
    let defaults = Expose::defaults();
    let port = match &expose.port {
        Some(port) => {
            if !ports.iter().any(|p| p.name == port.value) {
                diagnostics.push(unknown_reference(
                    "port",
                    &port.value,
                    port.span,
                    ports.iter().map(|p| p.name.as_str()),
                ));
                return None;
            }
            port.value.clone()
        }
        None => match ports.first() {
            Some(port) => port.name.clone(),
            None => {
                diagnostics.push(
                    missing(
                        "an exposed service needs a port to route to",
                        expose.span,
                        "the service declares no port",
                    )
                    .with_help("declare a port with `port \"http\" 8080`"),
                );
                return None;
            }
        },
    };
    Some(idpc_ir::Exposure {
        host: expose.host.as_ref()?.value.clone(),
        path: expose.path.or_default(&defaults.path)?,
        port,
        tls: expose.tls.or_default(&defaults.tls)?,
        span: expose.span,
    })
}
