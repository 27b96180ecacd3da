//! The input document policies see: the resolved model as JSON, with every value a violation can
//! point at replaced by a number into a table of spans (`"at": 17`).

use std::collections::BTreeMap;
use std::ops::Range;

use idpc_diagnostics::Span;
use idpc_ir::{Criticality, Platform, Role};
use serde_json::{Map, Value, json};

/// The spans `at` numbers refer to.
/// One number per distinct span, so that policies can compare `at`s to group violations.
#[derive(Debug, Default, Clone)]
pub(crate) struct Spans {
    spans: Vec<Span>,
    numbers: BTreeMap<Span, usize>,
}

impl Spans {
    fn at(&mut self, span: Span) -> Value {
        let next = self.spans.len();
        let number = *self.numbers.entry(span).or_insert(next);
        if number == next {
            self.spans.push(span);
        }
        json!(number)
    }

    /// The span an `at` number stands for.
    pub(crate) fn get(&self, at: &Value) -> Option<Span> {
        at.as_u64().and_then(|i| self.spans.get(usize::try_from(i).ok()?)).copied()
    }
}

/// The model as policies see it.
/// `include`, when given, says by index which services policies may see (the others are left
/// out, deployments included).
pub(crate) fn document(platform: &Platform, include: Option<&[bool]>) -> (Value, Spans) {
    let (mut document, mut spans) = global(platform);
    let (services, deployments) = slice(platform, 0..platform.services.len(), include, &mut spans);
    document.insert("services".to_owned(), services);
    document.insert("deployments".to_owned(), deployments);
    (Value::Object(document), spans)
}

/// The parts of the model every policy sees whole: `platform`, `teams`, `environments`.
pub(crate) fn global(platform: &Platform) -> (Map<String, Value>, Spans) {
    let mut spans = Spans::default();
    let platform_value = json!({ "name": platform.name, "registry": platform.registry, "at": spans.at(platform.span) });
    let teams: Map<String, Value> = platform
        .teams
        .iter()
        .map(|t| {
            let members: Vec<&str> = t.members.iter().map(|m| m.email.as_str()).collect();
            let leads: Vec<&str> = t
                .members
                .iter()
                .filter(|m| m.role == Role::Lead)
                .map(|m| m.email.as_str())
                .collect();
            let team = json!({
                "members": members,
                "leads": leads,
                "channel": t.chat,
                "oncall": t.oncall,
                "cost_center": t.cost_center,
                "at": spans.at(t.span),
            });
            (t.name.clone(), team)
        })
        .collect();
    let environments: Map<String, Value> = platform
        .environments
        .iter()
        .map(|e| {
            let ephemeral = e.ephemeral.as_ref().map(|x| {
                json!({
                    "from": platform.environments.get(x.from.index()).map(|e| e.name.as_str()),
                    "owner": x.owner.as_str(),
                    "ttl": x.ttl.to_string(),
                    "ttl_seconds": x.ttl.as_secs(),
                    "created": x.created.to_string(),
                    "expires": x.expires().to_string(),
                    "at_owner": spans.at(x.owner_span),
                    "at_ttl": spans.at(x.ttl_span),
                })
            });
            let value = json!({
                "tier": e.tier.as_str(),
                "clusters": e.clusters,
                "region": e.region,
                "approval": { "required": e.approval.required, "approvers": e.approval.approvers },
                "ephemeral": ephemeral,
                "at": spans.at(e.span),
            });
            (e.name.clone(), value)
        })
        .collect();
    let mut document = Map::new();
    document.insert("platform".to_owned(), platform_value);
    document.insert("teams".to_owned(), Value::Object(teams));
    document.insert("environments".to_owned(), Value::Object(environments));
    (document, spans)
}

/// The services (by index) in `services` and their deployments, `at` numbers continuing
/// `spans`: the presets look at one service at a time, so they run on slices of the services in
/// parallel and their results can be kept per slice.
pub(crate) fn slice(
    platform: &Platform,
    services: Range<usize>,
    include: Option<&[bool]>,
    spans: &mut Spans,
) -> (Value, Value) {
    let in_slice = |index: usize| {
        services.contains(&index) && include.is_none_or(|only| only.get(index) == Some(&true))
    };
    let services: Map<String, Value> = platform
        .services
        .iter()
        .enumerate()
        .filter(|(i, _)| in_slice(*i))
        .map(|(_, s)| {
            let criticality = match s.criticality {
                Criticality::Critical => "critical",
                Criticality::Standard => "standard",
                Criticality::Low => "low",
            };
            let slos: Vec<Value> = s
                .slos
                .iter()
                .map(|slo| {
                    json!({
                        "indicator": slo.indicator.name(),
                        "objective": slo.objective.to_string(),
                        "window": slo.window.to_string(),
                    })
                })
                .collect();
            let ports: Vec<Value> = s
                .ports
                .iter()
                .map(|p| json!({ "name": p.name, "number": p.number, "protocol": p.protocol }))
                .collect();
            let at = spans.at(s.span);
            let at_criticality = s.criticality_span.map_or_else(|| at.clone(), |span| spans.at(span));
            let value = json!({
                "team": platform.teams.get(s.team.index()).map(|t| t.name.as_str()),
                "description": s.description,
                "system": s.system.and_then(|id| platform.systems.get(id.index())).map(|x| x.name.as_str()),
                "criticality": criticality,
                "slos": slos,
                "ports": ports,
                "runbook": s.runbook.as_ref().map(ToString::to_string),
                "depends_on": s.depends_on.iter().filter_map(|d| platform.services.get(d.index())).map(|d| d.name.as_str()).collect::<Vec<_>>(),
                "at": at,
                "at_criticality": at_criticality,
            });
            (s.name.clone(), value)
        })
        .collect();
    let deployments: Vec<Value> = platform
        .deployments
        .iter()
        .filter(|d| in_slice(d.service.index()))
        .filter_map(|d| {
            // A model with errors (see `check_cached`) may hold ids that lead nowhere.
            let service = platform.services.get(d.service.index())?;
            let environment = platform.environments.get(d.environment.index())?;
            let at = spans.at(service.span);
            let image = &d.image.value;
            let image_at = d.image.origin.span.map_or_else(|| at.clone(), |span| spans.at(span));
            let limits_at = d.memory_limit.origin.span.or(d.memory.origin.span).map_or_else(|| at.clone(), |span| spans.at(span));
            Some(json!({
                "service": service.name,
                "environment": environment.name,
                "tier": environment.tier.as_str(),
                "namespace": d.namespace,
                "image": { "ref": image.to_string(), "repository": image.repository, "tag": image.tag, "digest": image.digest, "pinned": image.is_pinned(), "at": image_at },
                "replicas": d.replicas.value,
                "requests": { "cpu": d.cpu.to_string(), "memory": d.memory.to_string() },
                "limits": {
                    "cpu": d.cpu_limit.as_ref().map(|c| c.to_string()),
                    "memory": d.memory_limit.to_string(),
                    "memory_declared": d.memory_limit.origin.span.is_some() && d.memory_limit.origin != d.memory.origin,
                    "at": limits_at,
                },
                "healthcheck": d.healthcheck.is_some(),
                "env": d.env.iter().map(|v| json!({ "name": v.name, "value": v.value.value, "at": v.value.origin.span.map_or_else(|| at.clone(), |span| spans.at(span)) })).collect::<Vec<_>>(),
                "secrets": d.secrets.iter().map(|s| json!({ "name": s.name, "provider": s.reference.provider.prefix(), "at": s.reference.origin.span.map_or_else(|| at.clone(), |span| spans.at(span)) })).collect::<Vec<_>>(),
                "resources": d.resources.iter().map(|r| json!({ "name": r.name, "kind": platform.kinds.get(r.kind.index()).map(|k| k.name.as_str()) })).collect::<Vec<_>>(),
                "at": at,
            }))
        })
        .collect();
    (Value::Object(services), Value::Array(deployments))
}
