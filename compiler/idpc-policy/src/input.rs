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
        json!(self.number(span))
    }

    fn number(&mut self, span: Span) -> u64 {
        let next = self.spans.len();
        let number = *self.numbers.entry(span).or_insert(next);
        if number == next {
            self.spans.push(span);
        }
        number as u64
    }

    /// The spans in the order of their numbers, as `[file, start, end]`.
    pub(crate) fn to_json(&self) -> Value {
        self.spans.iter().map(|s| json!([s.file.0, s.start, s.end])).collect()
    }

    /// The spans [`Spans::to_json`] wrote.
    pub(crate) fn from_json(value: &Value) -> Option<Spans> {
        let mut spans = Spans::default();
        for span in value.as_array()? {
            let part =
                |i: usize| span.get(i).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
            let span =
                Span { file: idpc_diagnostics::FileId(part(0)?), start: part(1)?, end: part(2)? };
            spans.number(span);
        }
        Some(spans)
    }

    /// Feeds the spans to a hasher.
    pub(crate) fn hash_into(&self, hasher: &mut impl std::hash::Hasher) {
        std::hash::Hash::hash(&self.spans, hasher);
    }

    /// Only the spans `violations` point at (their `at` numbers renumbered into the result):
    /// what a kept slice needs to report them again. A slice holds a span for every value of
    /// its services; most slices have no violation and keep none.
    pub(crate) fn kept_for(&self, violations: &mut [(usize, Value)]) -> Spans {
        let mut kept = Spans::default();
        for (_, violation) in violations {
            let Some(object) = violation.as_object_mut() else { continue };
            match object.get("at").and_then(|at| self.get(at)) {
                Some(span) => {
                    object.insert("at".to_owned(), kept.at(span));
                }
                // A number that names no span falls back as it would have.
                None => {
                    object.remove("at");
                }
            }
        }
        kept
    }

    /// The span an `at` number stands for.
    pub(crate) fn get(&self, at: &Value) -> Option<Span> {
        at.as_u64().and_then(|i| self.spans.get(usize::try_from(i).ok()?)).copied()
    }
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

/// Which fields of the model an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fields {
    /// The whole document, as the platform's own policies see it (and the book describes it).
    Whole,
    /// Only what the presets read: they are idpc's own, evaluated on every slice, and the
    /// fields they never read (namespaces, replicas, requests, resources, the parts of an image
    /// reference, descriptions, dependencies…) were a third of building their input. The
    /// interpreted reference ([`crate::Cache::interpreted`]) gives them the whole document, so
    /// a test that compares the two finds a field a preset reads and this leaves out.
    Presets,
}

/// The services (by index) in `services` and their deployments, `at` numbers continuing
/// `spans`, with the `fields` asked for: the presets look at one service at a time, so they
/// run on slices of the services in parallel and their results can be kept per slice. Built
/// as the engine's values directly: this is most of the engine's input.
pub(crate) fn slice(
    platform: &Platform,
    services: Range<usize>,
    include: Option<&[bool]>,
    spans: &mut Spans,
    fields: Fields,
) -> (Rego, Rego) {
    let whole = fields == Fields::Whole;
    let mut shapes = Shapes::default();
    let in_slice = |index: usize| include.is_none_or(|only| only.get(index) == Some(&true));
    let mut service_values = BTreeMap::new();
    let listed = platform.services.get(services.clone()).unwrap_or_default();
    let indexed = listed.iter().enumerate().map(|(i, s)| (services.start + i, s));
    for (_, s) in indexed.filter(|(i, _)| in_slice(*i)) {
        let criticality = match s.criticality {
            Criticality::Critical => "critical",
            Criticality::Standard => "standard",
            Criticality::Low => "low",
        };
        let slos = list(s.slos.iter().map(|slo| {
            shapes.slo.of([
                ("indicator", slo.indicator.name().into()),
                ("objective", slo.objective.to_string().into()),
                ("window", slo.window.to_string().into()),
            ])
        }));
        let ports = list(s.ports.iter().map(|p| {
            shapes.port.of([
                ("name", p.name.as_str().into()),
                ("number", u64::from(p.number).into()),
                ("protocol", p.protocol.as_str().into()),
            ])
        }));
        let at = spans.number(s.span);
        let at_criticality = s.criticality_span.map_or(at, |span| spans.number(span));
        let more = whole.then(|| {
            [
                ("team", optional(platform.teams.get(s.team.index()).map(|t| t.name.as_str()))),
                ("description", optional(s.description.as_deref())),
                (
                    "system",
                    optional(
                        s.system
                            .and_then(|id| platform.systems.get(id.index()))
                            .map(|x| x.name.as_str()),
                    ),
                ),
                (
                    "depends_on",
                    list(
                        s.depends_on
                            .iter()
                            .filter_map(|d| platform.services.get(d.index()))
                            .map(|d| d.name.as_str().into()),
                    ),
                ),
            ]
        });
        let value = shapes.service.object(
            [
                ("criticality", criticality.into()),
                ("slos", slos),
                ("ports", ports),
                ("runbook", optional(s.runbook.as_ref().map(ToString::to_string))),
                ("at", at.into()),
                ("at_criticality", at_criticality.into()),
            ],
            more,
        );
        service_values.insert(Rego::from(s.name.as_str()), value);
    }
    let mut deployments = Vec::new();
    // Each environment's name and tier, and the service's name, made once for its deployments.
    let environments: Vec<(Rego, Rego)> = platform
        .environments
        .iter()
        .map(|e| (e.name.as_str().into(), e.tier.as_str().into()))
        .collect();
    let mut named: Option<(usize, Rego)> = None;
    let deployments_of = &platform.deployments[deployments_of(platform, &services)];
    for d in deployments_of.iter().filter(|d| in_slice(d.service.index())) {
        // A model with errors (see `check_cached`) may hold ids that lead nowhere.
        let Some(service) = platform.services.get(d.service.index()) else { continue };
        let Some((environment, tier)) = environments.get(d.environment.index()) else { continue };
        let service_name = match &named {
            Some((index, name)) if *index == d.service.index() => name.clone(),
            _ => named.insert((d.service.index(), service.name.as_str().into())).1.clone(),
        };
        let at = spans.number(service.span);
        let at_or =
            |spans: &mut Spans, span: Option<Span>| span.map_or(at, |span| spans.number(span));
        let image = &d.image.value;
        let image_at = at_or(spans, d.image.origin.span);
        let limits_at = at_or(spans, d.memory_limit.origin.span.or(d.memory.origin.span));
        let image_value = shapes.image.object(
            [
                ("ref", image.to_string().into()),
                ("pinned", image.is_pinned().into()),
                ("at", image_at.into()),
            ],
            whole.then(|| {
                [
                    ("repository", image.repository.as_str().into()),
                    ("tag", optional(image.tag.as_deref())),
                    ("digest", optional(image.digest.as_deref())),
                ]
            }),
        );
        let declared =
            d.memory_limit.origin.span.is_some() && d.memory_limit.origin != d.memory.origin;
        let limits = shapes.limits.object(
            [("memory_declared", declared.into()), ("at", limits_at.into())],
            whole.then(|| {
                [
                    ("cpu", optional(d.cpu_limit.as_ref().map(|c| c.to_string()))),
                    ("memory", d.memory_limit.to_string().into()),
                ]
            }),
        );
        let env = list(d.env.iter().map(|v| {
            let at = at_or(spans, v.value.origin.span);
            shapes.env.object(
                [("name", v.name.as_str().into()), ("at", at.into())],
                whole.then(|| [("value", v.value.value.as_str().into())]),
            )
        }));
        let secrets = list(d.secrets.iter().map(|s| {
            let at = at_or(spans, s.reference.origin.span);
            shapes.secret.of([
                ("name", s.name.as_str().into()),
                ("provider", s.reference.provider.prefix().into()),
                ("at", at.into()),
            ])
        }));
        let more = whole.then(|| {
            let requests = shapes
                .requests
                .of([("cpu", d.cpu.to_string().into()), ("memory", d.memory.to_string().into())]);
            let resources = list(d.resources.iter().map(|r| {
                shapes.resource.of([
                    ("name", r.name.as_str().into()),
                    ("kind", optional(platform.kinds.get(r.kind.index()).map(|k| k.name.as_str()))),
                ])
            }));
            [
                ("namespace", d.namespace.as_str().into()),
                ("replicas", u64::from(d.replicas.value).into()),
                ("requests", requests),
                ("resources", resources),
            ]
        });
        deployments.push(shapes.deployment.object(
            [
                ("service", service_name),
                ("environment", environment.clone()),
                ("tier", tier.clone()),
                ("image", image_value),
                ("limits", limits),
                ("healthcheck", d.healthcheck.is_some().into()),
                ("env", env),
                ("secrets", secrets),
                ("at", at.into()),
            ],
            more,
        ));
    }
    (Rego::from(service_values), Rego::from(deployments))
}

/// The positions of the deployments of the services in `services` (deployments are in the
/// order of their services).
pub(crate) fn deployments_of(platform: &Platform, services: &Range<usize>) -> Range<usize> {
    let first = platform.deployments.partition_point(|d| d.service.index() < services.start);
    let last = platform.deployments.partition_point(|d| d.service.index() < services.end);
    first..last
}

/// A value of the engine's input.
pub(crate) type Rego = regorus::Value;

/// An object of the engine's input, with `more` entries if there are.
fn object_with<const N: usize, const M: usize>(
    entries: [(&str, Rego); N],
    more: Option<[(&str, Rego); M]>,
) -> Rego {
    let entries = entries.into_iter().chain(more.into_iter().flatten());
    Rego::from(entries.map(|(k, v)| (Rego::from(k), v)).collect::<BTreeMap<_, _>>())
}

/// The objects one place of [`slice`] makes, with the same keys in the same order every time:
/// the keys are made, sorted and frozen into an object of nulls once, and each object is a
/// copy of it with its values set in place, sharing its keys. Making every key of every object
/// of every deployment again and sorting them into a map was a fifth of building the input
/// (see `docs/performance.md`). An object whose keys are not the first's is made as any object.
#[derive(Default)]
struct Shape {
    /// The first object with every value null, and its keys by name.
    template: Option<(regorus::value::Object, Vec<(&'static str, Rego)>)>,
}

/// The shapes of the objects [`slice`] makes, one for each place that makes them: made for
/// each slice, so that the threads that build slices share no key.
#[derive(Default)]
struct Shapes {
    slo: Shape,
    port: Shape,
    service: Shape,
    image: Shape,
    limits: Shape,
    env: Shape,
    secret: Shape,
    requests: Shape,
    resource: Shape,
    deployment: Shape,
}

impl Shape {
    /// The object of `entries`.
    fn of<const N: usize>(&mut self, entries: [(&'static str, Rego); N]) -> Rego {
        self.object(entries, None::<[(&'static str, Rego); 0]>)
    }

    /// The object of `entries` and, if given, `more`.
    fn object<const N: usize, const M: usize>(
        &mut self,
        entries: [(&'static str, Rego); N],
        more: Option<[(&'static str, Rego); M]>,
    ) -> Rego {
        let count = N + more.as_ref().map_or(0, |_| M);
        let names = || entries.iter().chain(more.iter().flatten()).map(|(name, _)| *name);
        if self.template.is_none() {
            let keys: Vec<(&'static str, Rego)> =
                names().map(|name| (name, Rego::from(name))).collect();
            let nulls = keys.iter().map(|(_, key)| (key.clone(), Rego::Null));
            let first = Rego::from(nulls.collect::<BTreeMap<_, _>>());
            // Keys given twice make fewer entries than names: such an object is no template.
            if let Ok(template) = first.as_object()
                && template.len() == count
            {
                self.template = Some((template.clone(), keys));
            }
        }
        let Some((template, keys)) = &self.template else { return object_with(entries, more) };
        // The keys are given in the same order every time, so the names are compared in turn.
        if keys.len() != count || !keys.iter().map(|(known, _)| *known).eq(names()) {
            return object_with(entries, more);
        }
        let mut object = template.clone();
        let values = entries.into_iter().chain(more.into_iter().flatten());
        for ((_, key), (_, value)) in keys.iter().zip(values) {
            match object.get_mut(key) {
                Some(slot) => *slot = value,
                None => {
                    object.insert(key.clone(), value);
                }
            }
        }
        Rego::from(object)
    }
}

fn list(items: impl Iterator<Item = Rego>) -> Rego {
    Rego::from(items.collect::<Vec<_>>())
}

fn optional<T: Into<Rego>>(value: Option<T>) -> Rego {
    value.map_or(Rego::Null, Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_of_a_shape_is_the_object_of_its_entries() {
        let mut shape = Shape::default();
        let made = |name: &str, n: u64| {
            object_with([("name", name.into()), ("at", n.into())], None::<[(&str, Rego); 0]>)
        };
        for (name, n) in [("web", 1), ("api", 2), ("db", 3)] {
            let entries = [("name", name.into()), ("at", n.into())];
            assert_eq!(shape.of(entries), made(name, n));
        }
        // More keys, other keys, keys in another order or twice: made as any object.
        let more =
            shape.object([("name", "x".into())], Some([("at", 4u64.into()), ("tag", Rego::Null)]));
        let expected =
            object_with([("name", "x".into())], Some([("at", 4u64.into()), ("tag", Rego::Null)]));
        assert_eq!(more, expected);
        assert_eq!(shape.of([("at", 5u64.into()), ("name", "y".into())]), made("y", 5));
        assert_eq!(
            shape.of([("name", "z".into()), ("name", "w".into())]),
            object_with([("name", "z".into()), ("name", "w".into())], None::<[(&str, Rego); 0]>)
        );
        assert_eq!(shape.of([("name", "v".into())]).as_object().map(|o| o.len()).ok(), Some(1));
        // A shape whose first object names a key twice is no template.
        let mut twice = Shape::default();
        let value = twice.of([("a", 1u64.into()), ("a", 2u64.into())]);
        assert!(twice.template.is_none());
        assert_eq!(
            value,
            object_with([("a", 1u64.into()), ("a", 2u64.into())], None::<[(&str, Rego); 0]>)
        );
    }
}
