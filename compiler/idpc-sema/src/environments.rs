//! Environments: each lowered with its tier, clusters, region and approval; an ephemeral one
//! with its base, owner, TTL and creation date, and what it takes from its base.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, quote};
use idpc_ir::{EnvId, Environment, Ephemeral, Tier};

use crate::collect::{Collected, Decl};
use crate::diagnostics::{conflict, duplicate_member, missing, unknown_reference};
use crate::lower::text;
use crate::schema::PropSchema;
use crate::schema::estate::{ApprovalNode, EnvironmentNode};
use crate::typed::{Field, TypedNode};

/// Lowers environments and orders them: long-lived ones by tier then name, then ephemeral ones
/// by name. Returns them with a map from name to id.
pub(crate) fn lower_environments(
    decls: &[Decl<'_, EnvironmentNode>],
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Environment>, BTreeMap<String, EnvId>) {
    let typed: Vec<&EnvironmentNode> = decls.iter().map(|d| d.node).collect();
    let tier_of = |env: &EnvironmentNode| {
        let tier = env.tier.as_ref()?;
        Tier::ALL.into_iter().find(|x| x.as_str() == tier.value)
    };
    // The effective tier of each declaration: its own, or its base's.
    let mut order: Vec<(bool, Tier, &str, usize)> = Vec::new();
    for (index, (decl, env)) in decls.iter().zip(typed.iter().copied()).enumerate() {
        let ephemeral = env.is_written(&EnvironmentNode::from);
        let tier = match &env.from {
            Some(base) => Collected::find(decls, &base.value).and_then(|b| tier_of(typed[b])),
            None => tier_of(env),
        };
        order.push((ephemeral, tier.unwrap_or(Tier::Development), decl.name, index));
    }
    order.sort();
    let ids: BTreeMap<String, EnvId> = order
        .iter()
        .enumerate()
        .map(|(id, (_, _, name, _))| ((*name).to_owned(), EnvId::from_index(id)))
        .collect();
    let cluster_names = |env: &EnvironmentNode| {
        env.clusters.iter().filter_map(|c| c.name.clone()).collect::<Vec<_>>()
    };
    let mut environments = Vec::with_capacity(order.len());
    for &(_, tier, _, index) in &order {
        let (decl, env) = (&decls[index], typed[index]);
        let mut clusters: Vec<String> = Vec::new();
        let mut cluster_spans: BTreeMap<String, Span> = BTreeMap::new();
        for Field { value: name, span } in cluster_names(env) {
            if let Some(first) = cluster_spans.insert(name.clone(), span) {
                diagnostics.push(duplicate_member("cluster", &name, span, first));
            } else {
                clusters.push(name);
            }
        }
        let approval = env.approval.as_ref().map(ApprovalNode::approval);
        let mut environment = Environment {
            name: decl.name.to_owned(),
            tier,
            clusters,
            region: text(env.region.as_ref(), |n| &n.region),
            approval: approval.clone().unwrap_or_else(|| ApprovalNode::defaults().approval()),
            ephemeral: None,
            file: decl.file,
            span: decl.name_span,
        };
        match &env.from {
            None => {
                if !env.is_written(&EnvironmentNode::tier) {
                    diagnostics.push(
                        missing(format!("environment `{}` needs a `tier`", decl.name), decl.name_span, "no `tier=`")
                            .with_help("add `tier=\"development\"`, `\"staging\"` or `\"production\"`, or `from=\"ENV\"` for an ephemeral environment"),
                    );
                }
                // `owner`, `ttl` and `created` on a long-lived environment are reported
                // with the file ([`crate::unit`]).
            }
            Some(base) => {
                if let Some((ephemeral, base_index)) =
                    lower_ephemeral(decl, env, base, decls, &typed, &ids, diagnostics)
                {
                    let base_env = typed[base_index];
                    if environment.clusters.is_empty() {
                        environment.clusters =
                            cluster_names(base_env).into_iter().map(|f| f.value).collect();
                    }
                    if approval.is_none()
                        && let Some(a) = &base_env.approval
                    {
                        environment.approval = a.approval();
                    }
                    if environment.region.is_none() {
                        environment.region = text(base_env.region.as_ref(), |n| &n.region);
                    }
                    environment.ephemeral = ephemeral;
                }
            }
        }
        environments.push(environment);
    }
    (environments, ids)
}

fn lower_ephemeral(
    decl: &Decl<'_, EnvironmentNode>,
    env: &EnvironmentNode,
    base: &Field<String>,
    decls: &[Decl<'_, EnvironmentNode>],
    typed: &[&EnvironmentNode],
    ids: &BTreeMap<String, EnvId>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(Option<Ephemeral>, usize)> {
    let (base_name, base_span) = (base.value.as_str(), base.span);
    let Some(base_index) = Collected::find(decls, base_name) else {
        diagnostics.push(unknown_reference(
            "environment",
            base_name,
            base_span,
            decls.iter().map(|d| d.name),
        ));
        return None;
    };
    let (base, base_env) = (&decls[base_index], typed[base_index]);
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
    if base_env.is_written(&EnvironmentNode::from) {
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
    if let (Some(own), Some(base_tier)) = (&env.tier, &base_env.tier)
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
    let mut needs = |prop: &PropSchema| {
        let key = prop.name;
        if !env.is_written(prop) {
            diagnostics.push(
                missing(format!("ephemeral environment `{}` needs `{key}`", decl.name, key = quote(key)), decl.name_span, format!("no `{key}=`"))
                    .with_help("an ephemeral environment carries `owner`, `ttl` and `created` so that it can be cleaned up"),
            );
        }
    };
    needs(&EnvironmentNode::owner);
    needs(&EnvironmentNode::ttl);
    needs(&EnvironmentNode::created);
    if let Some(Field { value: ttl, span }) = &env.ttl
        && ttl.as_secs() == 0
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
    let ephemeral = match (&env.owner, &env.ttl, &env.created, ids.get(base_name)) {
        (Some(owner), Some(ttl), Some(created), Some(from)) => Some(Ephemeral {
            from: *from,
            owner: owner.value.clone(),
            ttl: ttl.value,
            created: created.value,
            owner_span: owner.span,
            ttl_span: ttl.span,
            services: None,
        }),
        _ => None,
    };
    Some((ephemeral, base_index))
}
