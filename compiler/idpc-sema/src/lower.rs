//! Lowering the collected declarations to the IR: the platform, teams, environments and systems
//! here; services in [`crate::services`]; per-environment values in [`crate::overlay`].

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, quote};
use idpc_ir::{
    Approval, DriftIgnore, Duration, Email, EnvId, Environment, Ephemeral, FieldValue, GitOps,
    Member, Observability, Platform, PolicyConfig, Role, System, Team, TeamId, Tier, Url,
};

use crate::collect::{Collected, Decl};
use crate::deployments;
use crate::diagnostics::{conflict, duplicate_member, missing, unknown_reference};
use crate::shape::Checked;
use crate::{carried, graph, kinds, overlay, services, settings};

/// The duration histogram's bucket bounds when the platform declares none: the Prometheus client
/// libraries' defaults, in milliseconds.
const DEFAULT_LATENCY_BUCKETS: [u64; 11] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/// The default longest life of an ephemeral environment.
const DEFAULT_MAX_TTL: Duration = Duration::from_days(14);

/// Lowers everything. Returns a platform even when diagnostics hold errors (the caller drops it
/// then), but `None` when there is no `platform` declaration at all.
pub(crate) fn lower(
    collected: &Collected<'_>,
    templates: &[crate::TemplateSource],
    paths: &[String],
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
    let max_ttl = settings.as_ref().map_or(DEFAULT_MAX_TTL, |s| s.max_ttl);
    let teams = lower_teams(&collected.teams, diagnostics);
    let (environments, env_ids) = lower_environments(&collected.environments, diagnostics);
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
    let (services, plans, edges) = services::lower_services(&names, diagnostics);
    let mut environments = environments;
    carried::lower(&collected.environments, &mut environments, &services, diagnostics);
    let service_names: Vec<&str> = collected.services.iter().map(|d| d.name).collect();
    graph::check_cycles(&service_names, &edges, diagnostics);
    check_namespaces(&teams, &environments, &services, diagnostics);
    check_templates(&kinds, &plans, diagnostics);
    check_approvals(&collected.environments, &teams, &services, diagnostics);
    let settings = settings?;
    settings::check_exposures(settings.ingress.as_ref(), &services, diagnostics);
    let registry = settings.registry.clone();
    let deployments = overlay::resolve_all(
        &overlay::Inputs {
            services: &services,
            plans: &plans,
            environments: &environments,
            kinds: &kinds,
            teams: &teams,
            registry: registry.as_deref(),
        },
        diagnostics,
    );
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

fn lower_platform(node: &Checked<'_>, diagnostics: &mut Vec<Diagnostic>) -> Settings {
    let observability = node.child("observability");
    if let Some(observability) = observability {
        settings::check_observability(observability, diagnostics);
    }
    let setting = |name: &str, default: &str| {
        observability.and_then(|o| o.child_str(name)).unwrap_or_else(|| default.to_owned())
    };
    let prometheus_url = observability
        .and_then(|o| o.child_value("prometheus"))
        .and_then(|t| match &t.value {
            FieldValue::Url(url) => Some(url.clone()),
            _ => None,
        })
        .unwrap_or_else(|| Url::builtin("http://prometheus.monitoring.svc:9090"));
    let gitops = settings::gitops(node);
    let secret_stores = settings::secret_stores(node, diagnostics);
    let ingress = settings::ingress(node, diagnostics);
    Settings {
        identity: settings::identity(node, diagnostics),
        ingress,
        gitops,
        secret_stores,
        name: node.str_arg(0).map_or_else(String::new, |(n, _)| n.to_owned()),
        description: node.child_str("description"),
        registry: node.child_str("registry").map(|r| r.trim_end_matches('/').to_owned()),
        domain: node.child_str("domain"),
        observability: Observability {
            prometheus_url,
            grafana_datasource: setting("grafana-datasource", "prometheus"),
            requests_metric: setting("requests-metric", "http_requests_total"),
            duration_metric: setting("duration-metric", "http_request_duration_seconds"),
            error_codes: setting("error-codes", "5.."),
            service_label: setting("service-label", "service"),
            grafana_url: observability.and_then(|o| o.child_value("grafana")).and_then(
                |t| match &t.value {
                    FieldValue::Url(url) => Some(url.clone()),
                    _ => None,
                },
            ),
            default_receiver: setting("default-receiver", "default"),
            latency_buckets: settings::latency_buckets(observability, &DEFAULT_LATENCY_BUCKETS),
            rules: settings::rule_format(observability),
            logs_datasource: observability.and_then(|o| o.child_str("logs-datasource")),
        },
        max_ttl: node
            .child_value("max-ephemeral-ttl")
            .and_then(|t| t.value.as_duration())
            .unwrap_or(DEFAULT_MAX_TTL),
        drift_ignores: settings::drift_ignores(node, diagnostics),
        policies: settings::policies(node, diagnostics),
    }
}

fn lower_teams(decls: &[Decl<'_>], diagnostics: &mut Vec<Diagnostic>) -> Vec<Team> {
    let mut by_local_part: BTreeMap<String, (Email, Span)> = BTreeMap::new();
    decls
        .iter()
        .map(|decl| {
            let mut members: Vec<Member> = Vec::new();
            let mut seen: BTreeMap<Email, Span> = BTreeMap::new();
            for member in decl.node.children_named("member") {
                let Some(typed) = member.arg(0) else { continue };
                let FieldValue::Email(email) = &typed.value else { continue };
                if let Some(first) = seen.insert(email.clone(), typed.span) {
                    diagnostics.push(duplicate_member("member", email.as_str(), typed.span, first));
                    continue;
                }
                let user = idpc_ir::names::catalog_user(email.local_part());
                match by_local_part.get(&user) {
                    Some((other, other_span)) if other != email => diagnostics.push(
                        Diagnostic::new(
                            Code::NameCollision,
                            format!("`{}` and `{}` both become catalog user `{}`", quote(email.as_str()), quote(other.as_str()), quote(&user)),
                            typed.span,
                            "this member",
                        )
                        .with_label(*other_span, "collides with this one")
                        .with_help("catalog user names come from the part before `@`; they must be unique across the platform"),
                    ),
                    Some(_) => {}
                    None => {
                        by_local_part.insert(user, (email.clone(), typed.span));
                    }
                }
                let role = match member.prop("role").and_then(|t| t.value.as_str()) {
                    Some("lead") => Role::Lead,
                    _ => Role::Member,
                };
                members.push(Member { email: email.clone(), role, span: typed.span });
            }
            Team {
                name: decl.name.to_owned(),
                description: decl.node.child_str("description"),
                members,
                chat: decl.node.child_str("channel"),
                oncall: decl.node.child_str("oncall"),
                oncall_span: decl.node.child_value("oncall").map(|t| t.span),
                cost_center: decl.node.child_str("cost-center"),
                file: decl.file,
                span: decl.name_span,
            }
        })
        .collect()
}

/// Lowers environments and orders them: long-lived ones by tier then name, then ephemeral ones
/// by name. Returns them with a map from name to id.
fn lower_environments(
    decls: &[Decl<'_>],
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Environment>, BTreeMap<String, EnvId>) {
    let tier_of = |decl: &Decl<'_>| {
        decl.node
            .prop("tier")
            .and_then(|t| t.value.as_str())
            .and_then(|t| Tier::ALL.into_iter().find(|x| x.as_str() == t))
    };
    let base_of = |decl: &Decl<'_>| {
        decl.node.prop("from").and_then(|t| t.value.as_str().map(|s| (s.to_owned(), t.span)))
    };
    // The effective tier of each declaration: its own, or its base's.
    let mut order: Vec<(bool, Tier, &str, usize)> = Vec::new();
    for (index, decl) in decls.iter().enumerate() {
        let ephemeral = decl.node.has_prop("from");
        let tier = match base_of(decl) {
            Some((base, _)) => {
                crate::collect::Collected::find(decls, &base).and_then(|b| tier_of(&decls[b]))
            }
            None => tier_of(decl),
        };
        order.push((ephemeral, tier.unwrap_or(Tier::Development), decl.name, index));
    }
    order.sort();
    let ids: BTreeMap<String, EnvId> = order
        .iter()
        .enumerate()
        .map(|(id, (_, _, name, _))| ((*name).to_owned(), EnvId::from_index(id)))
        .collect();
    let mut environments = Vec::with_capacity(order.len());
    for &(_, tier, _, index) in &order {
        let decl = &decls[index];
        let node = decl.node;
        let mut clusters: Vec<String> = Vec::new();
        let mut cluster_spans: BTreeMap<String, Span> = BTreeMap::new();
        for cluster in node.children_named("cluster") {
            let Some((name, span)) = cluster.str_arg(0) else { continue };
            if let Some(first) = cluster_spans.insert(name.to_owned(), span) {
                diagnostics.push(duplicate_member("cluster", name, span, first));
            } else {
                clusters.push(name.to_owned());
            }
        }
        let approval = node.child("approval").map(|a| Approval {
            required: a.prop("required").and_then(|t| t.value.as_bool()).unwrap_or(false),
            approvers: a
                .prop("approvers")
                .and_then(|t| t.value.as_int())
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(1),
        });
        let mut environment = Environment {
            name: decl.name.to_owned(),
            tier,
            clusters,
            region: node.child_str("region"),
            approval: approval.clone().unwrap_or(Approval { required: false, approvers: 1 }),
            ephemeral: None,
            file: decl.file,
            span: decl.name_span,
        };
        match base_of(decl) {
            None => {
                if !node.has_prop("tier") {
                    diagnostics.push(
                        missing(format!("environment `{}` needs a `tier`", decl.name), decl.name_span, "no `tier=`")
                            .with_help("add `tier=\"development\"`, `\"staging\"` or `\"production\"`, or `from=\"ENV\"` for an ephemeral environment"),
                    );
                }
                for key in ["owner", "ttl", "created"] {
                    if let Some(value) = node.raw_prop(key) {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::InvalidEphemeral,
                                format!("`{key}` only applies to an ephemeral environment", key = quote(key)),
                                value.span,
                                format!("`{}` is long-lived", decl.name),
                            )
                            .with_help("add `from=\"ENV\"` to make it an ephemeral copy of ENV, or remove the property"),
                        );
                    }
                }
            }
            Some((base_name, base_span)) => {
                if let Some(base) =
                    lower_ephemeral(decl, &base_name, base_span, decls, &ids, diagnostics)
                {
                    let base_decl = &decls[base.1];
                    if environment.clusters.is_empty() {
                        environment.clusters = base_decl
                            .node
                            .children_named("cluster")
                            .filter_map(|c| c.str_arg(0).map(|(n, _)| n.to_owned()))
                            .collect();
                    }
                    if approval.is_none()
                        && let Some(a) = base_decl.node.child("approval")
                    {
                        environment.approval = Approval {
                            required: a
                                .prop("required")
                                .and_then(|t| t.value.as_bool())
                                .unwrap_or(false),
                            approvers: a
                                .prop("approvers")
                                .and_then(|t| t.value.as_int())
                                .and_then(|n| u32::try_from(n).ok())
                                .unwrap_or(1),
                        };
                    }
                    if environment.region.is_none() {
                        environment.region = base_decl.node.child_str("region");
                    }
                    environment.ephemeral = base.0;
                }
            }
        }
        environments.push(environment);
    }
    (environments, ids)
}

fn lower_ephemeral(
    decl: &Decl<'_>,
    base_name: &str,
    base_span: Span,
    decls: &[Decl<'_>],
    ids: &BTreeMap<String, EnvId>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(Option<Ephemeral>, usize)> {
    let node = decl.node;
    let Some(base_index) = Collected::find(decls, base_name) else {
        diagnostics.push(unknown_reference(
            "environment",
            base_name,
            base_span,
            decls.iter().map(|d| d.name),
        ));
        return None;
    };
    let base = &decls[base_index];
    if base_name == decl.name {
        diagnostics.push(Diagnostic::new(
            Code::InvalidEphemeral,
            format!(
                "environment `{base_name}` is created from itself",
                base_name = quote(base_name)
            ),
            base_span,
            "the base must be another environment",
        ));
        return None;
    }
    if base.node.has_prop("from") {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidEphemeral,
                format!(
                    "`{}` is created from `{base_name}`, which is itself ephemeral",
                    decl.name,
                    base_name = quote(base_name)
                ),
                base_span,
                "an ephemeral base",
            )
            .with_label(base.name_span, "declared ephemeral here")
            .with_help("create ephemeral environments from a long-lived one"),
        );
    }
    if let (Some(own), Some(base_tier)) = (node.prop("tier"), base.node.prop("tier"))
        && own.value != base_tier.value
    {
        diagnostics.push(
            conflict(
                format!(
                    "ephemeral environment `{}` has another tier than `{base_name}`",
                    decl.name,
                    base_name = quote(base_name)
                ),
                own.span,
                "this tier",
                base_tier.span,
                "differs from the base's tier",
            )
            .with_help("an ephemeral environment takes its base's tier; remove `tier`"),
        );
    }
    let mut get = |key: &str| {
        if !node.has_prop(key) {
            diagnostics.push(
                missing(format!("ephemeral environment `{}` needs `{key}`", decl.name, key = quote(key)), decl.name_span, format!("no `{key}=`"))
                    .with_help("an ephemeral environment carries `owner`, `ttl` and `created` so that it can be cleaned up"),
            );
        }
        node.prop(key)
    };
    let owner = get("owner").map(|t| (t.value.clone(), t.span));
    let ttl = get("ttl").map(|t| (t.value.clone(), t.span));
    let created = get("created").map(|t| t.value.clone());
    if let Some((FieldValue::Duration(duration), span)) = &ttl
        && duration.as_secs() == 0
    {
        diagnostics.push(
            Diagnostic::new(
                Code::OutOfRange,
                format!("ephemeral environment `{}` would expire as it is created", decl.name),
                *span,
                "a TTL of zero",
            )
            .with_help("give it a lifetime such as `ttl=\"7d\"`"),
        );
    }
    let ephemeral = match (owner, ttl, created, ids.get(base_name)) {
        (
            Some((FieldValue::Email(owner), owner_span)),
            Some((FieldValue::Duration(ttl), ttl_span)),
            Some(FieldValue::Date(created)),
            Some(from),
        ) => Some(Ephemeral {
            from: *from,
            owner,
            ttl,
            created,
            owner_span,
            ttl_span,
            services: None,
        }),
        _ => None,
    };
    Some((ephemeral, base_index))
}

fn lower_systems(
    decls: &[Decl<'_>],
    teams: &[Decl<'_>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<System> {
    decls
        .iter()
        .map(|decl| {
            let team = decl.node.prop("team").and_then(|t| {
                let name = t.value.as_str()?;
                let found = Collected::find(teams, name);
                if found.is_none() {
                    diagnostics.push(unknown_reference(
                        "team",
                        name,
                        t.span,
                        teams.iter().map(|d| d.name),
                    ));
                }
                found
            });
            System {
                name: decl.name.to_owned(),
                team: TeamId::from_index(team.unwrap_or(0)),
                description: decl.node.child_str("description"),
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
    plans: &[services::Plan],
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
    decls: &[Decl<'_>],
    teams: &[Team],
    services: &[idpc_ir::Service],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for decl in decls {
        let Some(approval) = decl.node.child("approval") else { continue };
        if approval.prop("required").and_then(|t| t.value.as_bool()) != Some(true) {
            continue;
        }
        let needed = approval.prop("approvers").and_then(|t| t.value.as_int()).unwrap_or(1);
        let span = approval.prop("approvers").map_or(approval.name_span(), |t| t.span);
        for (index, team) in teams.iter().enumerate() {
            let owns = services.iter().any(|s| s.team.index() == index);
            let others = i64::try_from(team.members.len()).unwrap_or(i64::MAX) - 1;
            if owns && others < needed {
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
