//! Environments: tiers, clusters, approval rules, and the owners and lifetimes of ephemeral ones.

use std::collections::{BTreeMap, BTreeSet};

use idpc_ir::{Environment, Ephemeral, Platform, Tier};

use crate::render::{approval, count, list};
use crate::{Changes, Section, merge};

pub(crate) fn compare(changes: &mut Changes, base: &Platform, head: &Platform) {
    let environments = |p: &Platform| -> BTreeMap<String, usize> {
        p.environments.iter().enumerate().map(|(i, e)| (e.name.clone(), i)).collect()
    };
    let section = Section::Environments;
    for (name, old, new) in merge(environments(base), environments(head)) {
        match (old.map(|i| &base.environments[i]), new.map(|i| &head.environments[i])) {
            (None, Some(env)) => {
                let change = changes.added(section, &name, "", Some(describe(head, env)));
                change.notes.push(format!(
                    "every service is deployed to it ({})",
                    count(head.services.len(), "service")
                ));
                if env.tier == Tier::Production {
                    change.notes.push(format!("burn-rate alerts added for {}", slos(head)));
                }
            }
            (Some(env), None) => {
                let change = changes.removed(section, &name, "", Some(describe(base, env)));
                change.notes.push(format!(
                    "the deployments of {} there are removed",
                    count(base.services.len(), "service")
                ));
                if env.tier == Tier::Production {
                    change.notes.push(format!("burn-rate alerts removed for {}", slos(base)));
                }
            }
            (Some(old), Some(new)) => settings(changes, base, head, old, new),
            (None, None) => {}
        }
    }
}

/// How many SLOs the services of a platform have: `7 SLOs`.
fn slos(platform: &Platform) -> String {
    count(platform.services.iter().map(|s| s.slos.len()).sum(), "SLO")
}

/// An environment in a phrase: `production tier, clusters prod-eu-1 and prod-us-1, …`.
fn describe(platform: &Platform, env: &Environment) -> String {
    let mut parts = Vec::new();
    if let Some(ephemeral) = &env.ephemeral {
        parts.push(ephemeral_phrase(platform, ephemeral));
    }
    parts.push(format!("{} tier", env.tier.as_str()));
    if !env.clusters.is_empty() {
        let word = if env.clusters.len() == 1 { "cluster" } else { "clusters" };
        parts.push(format!("{word} {}", list(&env.clusters)));
    }
    if let Some(region) = &env.region {
        parts.push(format!("region {region}"));
    }
    parts.push(format!("approval {}", approval(&env.approval)));
    parts.join(", ")
}

/// `ephemeral copy of staging owned by bob@acme.com, ttl 7d from 2026-11-16, expiring 2026-11-23`.
fn ephemeral_phrase(platform: &Platform, ephemeral: &Ephemeral) -> String {
    format!(
        "ephemeral copy of {} owned by {}, ttl {} from {}, expiring {}",
        platform.environment(ephemeral.from).name,
        ephemeral.owner,
        ephemeral.ttl,
        ephemeral.created,
        ephemeral.expires()
    )
}

fn settings(
    changes: &mut Changes,
    base: &Platform,
    head: &Platform,
    old: &Environment,
    new: &Environment,
) {
    let name = new.name.as_str();
    let section = Section::Environments;
    if let Some(change) = changes.value(section, name, "tier", old.tier.as_str(), new.tier.as_str())
    {
        change
            .notes
            .push(format!("resources take the {} defaults of their kinds", new.tier.as_str()));
        if new.tier == Tier::Production {
            change.notes.push(format!("burn-rate alerts added for {}", slos(head)));
        } else if old.tier == Tier::Production {
            change.notes.push(format!("burn-rate alerts removed for {}", slos(base)));
        }
    }
    let clusters = |e: &Environment| -> BTreeSet<String> { e.clusters.iter().cloned().collect() };
    let (before, after) = (clusters(old), clusters(new));
    for cluster in after.difference(&before) {
        changes.added(section, name, &format!("cluster {cluster}"), None);
    }
    for cluster in before.difference(&after) {
        changes.removed(section, name, &format!("cluster {cluster}"), None);
    }
    changes.option(section, name, "region", old.region.clone(), new.region.clone());
    changes.value(section, name, "approval", approval(&old.approval), approval(&new.approval));
    match (&old.ephemeral, &new.ephemeral) {
        (Some(before), Some(after)) => {
            let from = |p: &Platform, e: &Ephemeral| p.environment(e.from).name.clone();
            changes.value(section, name, "copied from", from(base, before), from(head, after));
            changes.value(section, name, "owner", &before.owner, &after.owner);
            changes.value(section, name, "ttl", before.ttl, after.ttl);
            changes.value(section, name, "created", before.created, after.created);
            if let Some(change) =
                changes.value(section, name, "expiry", before.expires(), after.expires())
            {
                change.notes.push("the cleanup job removes it on the new date".to_owned());
            }
        }
        (before, after) => {
            changes.option(
                section,
                name,
                "ephemeral",
                before.as_ref().map(|e| ephemeral_phrase(base, e)),
                after.as_ref().map(|e| ephemeral_phrase(head, e)),
            );
        }
    }
}
