//! Lowering the collected declarations to the IR: the platform, teams, environments and systems
//! here; services in [`crate::services`]; per-environment values in [`crate::overlay`].

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, quote};
use idpc_ir::{
    DriftIgnore, Duration, Email, Environment, GitOps, Member, Observability, Platform,
    PolicyConfig, Role, System, Team, TeamId, Url,
};

use crate::collect::{Collected, Decl};
use crate::deployments;
use crate::diagnostics::{duplicate_member, unknown_reference};
use crate::kept::{self, Cache};
use crate::schema::estate::{EnvironmentNode, MemberNode, SystemNode, TeamNode};
use crate::schema::platform::{MaxEphemeralTtl, PlatformNode};
use crate::schema::service::ServiceNode;
use crate::typed::{Field, OrDefault, TypedNode};
use crate::unit::FileUnit;
use crate::{carried, environments, graph, kinds, overlay, services, settings};
use rayon::prelude::*;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// How many services are resolved at once: enough to keep both cores busy, few enough that
/// their deployments, before they move into the model, take little room.
const RESOLVED_AT_ONCE: usize = 256;

/// Lowers everything. Returns a platform even when diagnostics hold errors (the caller drops it
/// then), but `None` when there is no `platform` declaration at all.
pub(crate) fn lower(
    collected: &Collected<'_>,
    units: &[Arc<FileUnit>],
    templates: &[crate::TemplateSource],
    paths: &[String],
    cache: &mut Cache,
    lent: &mut Option<u64>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Platform> {
    if !collected.platform_written {
        diagnostics.push(
            Diagnostic::global(Code::MissingPlatform, "no file declares the `platform`").with_help(
                "add `platform \"NAME\" { registry \"…\" }` to one file of the description",
            ),
        );
    }
    let settings = collected.platform.map(|decl| lower_platform(decl.node, diagnostics));
    let max_ttl = settings.as_ref().map_or_else(|| self::max_ttl(None), |s| s.max_ttl);
    let teams = lower_teams(&collected.teams, diagnostics);
    let (environments, env_ids) =
        environments::lower_environments(&collected.environments, diagnostics);
    let systems = lower_systems(&collected.systems, &collected.teams, diagnostics);
    let kinds = kinds::lower_kinds(&collected.kinds, templates, paths, diagnostics);
    let latency_buckets =
        settings.as_ref().map_or_else(Vec::new, |s| s.observability.latency_buckets.clone());
    let names = services::Names {
        collected,
        env_ids: &env_ids,
        kinds: &kinds,
        latency_buckets: &latency_buckets,
    };
    // Each service is lowered on its own (in parallel), or its kept lowering reused when its
    // node and the names it is resolved against are unchanged.
    let table = &collected.services;
    let names_digest = kept::digest(|h| {
        for names in [
            &mut collected.teams.iter().map(|d| d.name) as &mut dyn Iterator<Item = &str>,
            &mut collected.systems.iter().map(|d| d.name),
            &mut table.iter().map(|d| d.name),
        ] {
            names.for_each(|name| name.hash(h));
            h.write_u8(0xfe);
        }
        env_ids.hash(h);
        kinds.hash(h);
        latency_buckets.hash(h);
    });
    cache.resize(table.len());
    let todo: Vec<usize> = (0..table.len())
        .filter(|&i| {
            let decl = &table[i];
            cache.lowered(i, &units[decl.unit], decl.position, names_digest).is_none()
        })
        .collect();
    cache.set_reused(table.len() - todo.len());
    let fresh: Vec<(usize, services::Lowered)> =
        todo.par_iter().map(|&i| (i, services::lower_service(i, &names))).collect();
    for (i, lowered) in fresh {
        let decl = &table[i];
        cache.put(i, units[decl.unit].clone(), decl.position, names_digest, lowered);
    }
    // Every service is lowered by now. A cache that keeps results lends copies; a one-shot
    // analysis moves each service into the model (its cache is cleared at the end).
    let keep = cache.keeps();
    let services: Vec<idpc_ir::Service> = cache
        .services_mut()
        .filter_map(|k| if keep { k.lowered.service.clone() } else { k.lowered.service.take() })
        .collect();
    let edges: Vec<graph::Edge> = cache.services().flat_map(|k| k.lowered.edges.clone()).collect();
    diagnostics.extend(cache.services().flat_map(|k| k.lowered.diagnostics.iter().cloned()));
    let mut environments = environments;
    carried::lower(&collected.environments, &mut environments, &services, diagnostics);
    let service_names: Vec<&str> = table.iter().map(|d| d.name).collect();
    graph::check_cycles(&service_names, &edges, diagnostics);
    check_namespaces(&teams, &environments, &services, diagnostics);
    let plans: Vec<&services::Plan> = cache.services().map(|k| &k.lowered.plan).collect();
    check_templates(&kinds, &plans, diagnostics);
    check_approvals(&collected.environments, &teams, &services, diagnostics);
    let settings = settings?;
    settings::check_exposures(settings.ingress.as_ref(), &services, diagnostics);
    let registry = settings.registry.clone();
    // Each service's deployments likewise, kept while their inputs are unchanged.
    let resolve_digest = kept::digest(|h| {
        names_digest.hash(h);
        environments.hash(h);
        kinds.hash(h);
        teams.iter().for_each(|t| t.name.hash(h));
        registry.hash(h);
    });
    let nodes: Vec<&ServiceNode> = table.iter().map(|decl| decl.node).collect();
    let inputs = overlay::Inputs {
        services: &services,
        plans: &plans,
        nodes: &nodes,
        environments: &environments,
        kinds: &kinds,
        teams: &teams,
        registry: registry.as_deref(),
    };
    let todo: Vec<usize> = cache
        .services()
        .enumerate()
        .filter(|(_, k)| k.resolved.as_ref().is_none_or(|r| r.digest != resolve_digest))
        .map(|(i, _)| i)
        .collect();
    // Resolved a slice at a time, each slice's deployments moved into one vector at once: the
    // model's, when every service is resolved afresh. Collecting every service's vector first
    // held each deployment twice (75 MB at 10,000 services). A slice's deployments move while
    // the next slice is resolved: the vector's memory is new, and touching it for the first
    // time costs as much as the move (40 ms at 10,000 services), which would otherwise leave
    // every other core idle.
    let mut fresh_deployments: Vec<idpc_ir::Deployment> =
        Vec::with_capacity(todo.len() * environments.len());
    let mut fresh: Vec<(usize, usize, Vec<Diagnostic>)> = Vec::with_capacity(todo.len());
    let mut resolved: Option<(&[usize], Vec<overlay::Resolved>)> = None;
    let mut slices = todo.chunks(RESOLVED_AT_ONCE);
    loop {
        let slice = slices.next();
        let ((), next) = rayon::join(
            || {
                let Some((slice, resolved)) = resolved.take() else { return };
                for (&i, (found, problems)) in slice.iter().zip(resolved) {
                    fresh.push((i, found.len(), problems));
                    fresh_deployments.extend(found);
                }
            },
            || {
                let resolve = |&i: &usize| overlay::resolve_service(&inputs, i);
                slice.map(|slice| (slice, slice.par_iter().map(resolve).collect()))
            },
        );
        resolved = next;
        if resolved.is_none() {
            break;
        }
    }
    drop(plans);
    // When every service was resolved afresh, they are already the model's, in order; else the
    // fresh ones are merged with the kept ones, service by service.
    let every_one = todo.len() == cache.services().count();
    let (mut deployments, mut fresh_deployments) = if every_one {
        (fresh_deployments, Vec::new().into_iter())
    } else {
        (Vec::with_capacity(services.len() * environments.len()), fresh_deployments.into_iter())
    };
    let mut fresh = fresh.into_iter().peekable();
    for (i, kept) in cache.services_mut().enumerate() {
        if fresh.peek().is_some_and(|(at, _, _)| *at == i)
            && let Some((_, count, problems)) = fresh.next()
        {
            deployments.extend(fresh_deployments.by_ref().take(count));
            kept.resolved = Some(kept::Resolved {
                digest: resolve_digest,
                deployments: Vec::new(),
                count,
                lent: false,
                diagnostics: problems,
            });
        }
        let Some(resolved) = kept.resolved.as_mut() else { continue };
        // Kept deployments move into the model; the caller may give them back
        // (`Cache::reclaim`), else they are resolved again next time.
        deployments.extend(std::mem::take(&mut resolved.deployments));
        resolved.lent = true;
        if keep {
            diagnostics.extend(resolved.diagnostics.iter().cloned());
        } else {
            diagnostics.append(&mut resolved.diagnostics);
        }
    }
    *lent = keep.then(|| cache.lend());
    deployments::check(&deployments, &services, &environments, diagnostics);
    let span = collected.platform.map(|d| d.name_span)?;
    Some(Platform {
        name: settings.name,
        description: settings.description,
        registry,
        domain: settings.domain,
        observability: settings.observability,
        max_ephemeral_ttl: max_ttl,
        drift_ignores: settings.drift_ignores,
        policies: settings.policies,
        gitops: settings.gitops,
        secret_stores: settings.secret_stores,
        ingress: settings.ingress,
        identity: settings.identity,
        teams,
        environments,
        systems,
        kinds,
        services,
        deployments,
        files: paths.to_vec(),
        span,
    })
}

struct Settings {
    name: String,
    description: Option<String>,
    registry: Option<String>,
    domain: Option<String>,
    observability: Observability,
    max_ttl: Duration,
    drift_ignores: Vec<DriftIgnore>,
    policies: Vec<PolicyConfig>,
    gitops: Option<GitOps>,
    secret_stores: Vec<idpc_ir::SecretStore>,
    ingress: Option<idpc_ir::Ingress>,
    identity: Option<idpc_ir::WorkloadIdentity>,
}

fn lower_platform(platform: &PlatformNode, diagnostics: &mut Vec<Diagnostic>) -> Settings {
    let o = platform.observability.as_ref();
    if let Some(observability) = o {
        settings::check_observability(observability, diagnostics);
    }
    let text = |value: Option<String>| value.unwrap_or_default();
    Settings {
        identity: settings::identity(platform.workload_identity.as_ref(), diagnostics),
        ingress: settings::ingress(platform.ingress.as_ref(), diagnostics),
        gitops: settings::gitops(platform.gitops.as_ref()),
        secret_stores: settings::secret_stores(&platform.secret_stores, diagnostics),
        name: platform.name.as_ref().map_or_else(String::new, |n| n.value.clone()),
        description: setting(platform.description.as_ref(), |n| &n.text),
        registry: setting(platform.registry.as_ref(), |n| &n.host)
            .map(|r| r.trim_end_matches('/').to_owned()),
        domain: setting(platform.domain.as_ref(), |n| &n.domain),
        observability: Observability {
            prometheus_url: setting(o.and_then(|o| o.prometheus.as_ref()), |n| &n.url)
                .unwrap_or_else(|| Url::builtin("")),
            grafana_datasource: text(setting(o.and_then(|o| o.grafana_datasource.as_ref()), |n| {
                &n.uid
            })),
            requests_metric: text(setting(o.and_then(|o| o.requests_metric.as_ref()), |n| {
                &n.metric
            })),
            duration_metric: text(setting(o.and_then(|o| o.duration_metric.as_ref()), |n| {
                &n.metric
            })),
            error_codes: text(setting(o.and_then(|o| o.error_codes.as_ref()), |n| &n.regex)),
            service_label: text(setting(o.and_then(|o| o.service_label.as_ref()), |n| &n.label)),
            grafana_url: setting(o.and_then(|o| o.grafana.as_ref()), |n| &n.url),
            default_receiver: text(setting(o.and_then(|o| o.default_receiver.as_ref()), |n| {
                &n.receiver
            })),
            latency_buckets: settings::latency_buckets(o.and_then(|o| o.latency_buckets.as_ref())),
            rules: settings::rule_format(
                setting(o.and_then(|o| o.rules.as_ref()), |n| &n.format).as_deref(),
            ),
            logs_datasource: setting(o.and_then(|o| o.logs_datasource.as_ref()), |n| &n.uid),
        },
        max_ttl: max_ttl(platform.max_ephemeral_ttl.as_ref()),
        drift_ignores: settings::drift_ignores(platform.drift.as_ref(), diagnostics),
        policies: settings::policies(&platform.policies, diagnostics),
    }
}

/// A setting's value: the one its node gives when written, else the schema's default.
fn setting<N: TypedNode + 'static, T: Clone>(
    node: Option<&N>,
    field: impl Fn(&N) -> &Option<Field<T>>,
) -> Option<T> {
    node.and_then(|n| field(n).as_ref())
        .or_else(|| field(N::defaults()).as_ref())
        .map(|f| f.value.clone())
}

/// The longest life of an ephemeral environment.
fn max_ttl(node: Option<&MaxEphemeralTtl>) -> Duration {
    // The schema's default reads (a test checks every default of the language).
    setting(node, |n| &n.ttl).unwrap_or_default()
}

fn lower_teams(decls: &[Decl<'_, TeamNode>], diagnostics: &mut Vec<Diagnostic>) -> Vec<Team> {
    let mut by_local_part: BTreeMap<String, (Email, Span)> = BTreeMap::new();
    let role_default = &MemberNode::defaults().role;
    decls
        .iter()
        .map(|decl| {
            let team = decl.node;
            let mut members: Vec<Member> = Vec::new();
            let mut seen: BTreeMap<Email, Span> = BTreeMap::new();
            for member in &team.members {
                let Some(Field { value: email, span }) = &member.email else { continue };
                let span = *span;
                if let Some(first) = seen.insert(email.clone(), span) {
                    diagnostics.push(duplicate_member("member", email.as_str(), span, first));
                    continue;
                }
                let user = idpc_ir::names::catalog_user(email.local_part());
                match by_local_part.get(&user) {
                    Some((other, other_span)) if other != email => diagnostics.push(
                        Diagnostic::new(
                            Code::NameCollision,
                            format!("`{}` and `{}` both become catalog user `{}`", quote(email.as_str()), quote(other.as_str()), quote(&user)),
                            span,
                            "this member",
                        )
                        .with_label(*other_span, "collides with this one")
                        .with_help("catalog user names come from the part before `@`; they must be unique across the platform"),
                    ),
                    Some(_) => {}
                    None => {
                        by_local_part.insert(user, (email.clone(), span));
                    }
                }
                let role = match member.role.or_default(role_default).as_deref() {
                    Some("lead") => Role::Lead,
                    _ => Role::Member,
                };
                members.push(Member { email: email.clone(), role, span });
            }
            let oncall = team.oncall.as_ref().and_then(|o| o.receiver.as_ref());
            Team {
                name: decl.name.to_owned(),
                description: text(team.description.as_ref(), |n| &n.text),
                members,
                chat: text(team.channel.as_ref(), |n| &n.channel),
                oncall: oncall.map(|f| f.value.clone()),
                oncall_span: oncall.map(|f| f.span),
                cost_center: text(team.cost_center.as_ref(), |n| &n.code),
                file: decl.file,
                span: decl.name_span,
            }
        })
        .collect()
}

/// The value a node holds, when written.
pub(crate) fn text<N, T: Clone>(
    node: Option<&N>,
    field: impl Fn(&N) -> &Option<Field<T>>,
) -> Option<T> {
    node.and_then(|n| field(n).as_ref()).map(|f| f.value.clone())
}

fn lower_systems(
    decls: &[Decl<'_, SystemNode>],
    teams: &[Decl<'_, TeamNode>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<System> {
    decls
        .iter()
        .map(|decl| {
            let system = decl.node;
            let team = system.team.as_ref().and_then(|t| {
                let found = Collected::find(teams, &t.value);
                if found.is_none() {
                    diagnostics.push(unknown_reference(
                        "team",
                        &t.value,
                        t.span,
                        teams.iter().map(|d| d.name),
                    ));
                }
                found
            });
            System {
                name: decl.name.to_owned(),
                team: TeamId::from_index(team.unwrap_or(0)),
                description: text(system.description.as_ref(), |n| &n.text),
                file: decl.file,
            }
        })
        .collect()
}

/// Namespaces are `<team>-<environment>`; Kubernetes limits names to 63 characters.
fn check_namespaces(
    teams: &[Team],
    environments: &[Environment],
    services: &[idpc_ir::Service],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut used: Vec<bool> = vec![false; teams.len()];
    for service in services {
        if let Some(flag) = used.get_mut(service.team.index()) {
            *flag = true;
        }
    }
    for (team, _) in teams.iter().zip(&used).filter(|(_, used)| **used) {
        for environment in environments {
            if idpc_ir::validate_joined(&team.name, &environment.name).is_err() {
                let namespace = format!("{}-{}", team.name, environment.name);
                diagnostics.push(
                    Diagnostic::new(
                        Code::NameTooLong,
                        format!(
                            "namespace `{namespace}` has {} characters; Kubernetes allows 63",
                            namespace.len(),
                            namespace = quote(&namespace)
                        ),
                        team.span,
                        "this team's name",
                    )
                    .with_label(environment.span, "with this environment's name")
                    .with_help("shorten the team or the environment name"),
                );
            }
        }
    }
}

/// A kind that resources use but that has no Terraform templates cannot be provisioned.
fn check_templates(
    kinds: &[idpc_ir::Kind],
    plans: &[&services::Plan],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut used = vec![false; kinds.len()];
    for plan in plans {
        for resource in plan
            .base
            .resources
            .iter()
            .chain(plan.overrides.values().flat_map(|l| l.resources.iter()))
        {
            used[resource.kind.index()] = true;
        }
    }
    for (kind, _) in kinds.iter().zip(used).filter(|(k, used)| *used && k.terraform.is_empty()) {
        diagnostics.push(
            Diagnostic::new(
                Code::KindWithoutTemplates,
                format!("kind `{}` has no Terraform templates", kind.name),
                kind.span,
                "resources of this kind are not provisioned",
            )
            .with_help(format!("add `{0}/main.tf.hbs` (and `variables.tf.hbs`, `outputs.tf.hbs`, `versions.tf.hbs`) next to the file that declares `{0}`", kind.name)),
        );
    }
}

/// Changes in an environment that requires approval are approved by members of the owning team
/// other than the author; a team with fewer members than that can never ship there.
fn check_approvals(
    decls: &[Decl<'_, EnvironmentNode>],
    teams: &[Team],
    services: &[idpc_ir::Service],
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Which teams own a service, found once: asked of every service for every team and every
    // environment, it was 10 million questions at 10,000 services and 1,000 teams.
    let mut owns = vec![false; teams.len()];
    for service in services {
        if let Some(owns) = owns.get_mut(service.team.index()) {
            *owns = true;
        }
    }
    for decl in decls {
        let Some(node) = &decl.node.approval else { continue };
        let approval = node.approval();
        if !approval.required {
            continue;
        }
        let needed = i64::from(approval.approvers);
        let span = node.approvers.as_ref().map_or(node.span, |f| f.span);
        for (index, team) in teams.iter().enumerate() {
            let others = i64::try_from(team.members.len()).unwrap_or(i64::MAX) - 1;
            if owns[index] && others < needed {
                diagnostics.push(
                    Diagnostic::new(
                        Code::UnsatisfiableApproval,
                        format!("team `{}` cannot approve changes in `{}`", team.name, decl.name),
                        team.span,
                        format!(
                            "{} member(s): at most {} can approve a change besides its author",
                            team.members.len(),
                            others.max(0)
                        ),
                    )
                    .with_label(span, format!("{needed} approval(s) required here"))
                    .with_help("add members to the team, or require fewer approvals"),
                );
            }
        }
    }
}
