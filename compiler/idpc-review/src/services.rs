//! Services: owners, ports, runbooks and dependencies, then everything resolved per environment
//! ([`crate::deployments`]) and their SLOs ([`crate::slos`]).

use std::collections::{BTreeMap, BTreeSet};

use idpc_ir::{Platform, Service, ServiceId};

use crate::per_env::Envs;
use crate::render::list;
use crate::{Changes, Section, deployments, merge, slos};

pub(crate) fn compare(changes: &mut Changes, base: &Platform, head: &Platform) {
    let services = |p: &Platform| -> BTreeMap<String, ServiceId> {
        p.services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), ServiceId::from_index(i)))
            .collect()
    };
    for (name, old, new) in merge(services(base), services(head)) {
        let envs = Envs::new(base, head, old, new);
        let old_service = old.map(|id| base.service(id));
        let new_service = new.map(|id| head.service(id));
        match (old_service, new_service) {
            (None, Some(service)) => {
                let detail = describe(head, service, &envs);
                changes.added(Section::Services, &name, "", Some(detail));
            }
            (Some(service), None) => {
                let detail = describe(base, service, &envs);
                let change = changes.removed(Section::Services, &name, "", Some(detail));
                change.notes.push("its deployments, dashboards and alerts are removed".to_owned());
            }
            (Some(old), Some(new)) => {
                settings(changes, base, head, old, new);
                deployments::compare(changes, &name, &envs);
            }
            (None, None) => {}
        }
        dependencies(changes, base, head, &name, old_service, new_service);
        deployments::secrets(changes, &name, &envs);
        deployments::resources(changes, &name, &envs);
        slos::compare(changes, base, head, &name, old_service, new_service);
    }
}

/// A service in a phrase: `team payments, image ghcr.io/acme/payments-api:1.4.2`.
fn describe(platform: &Platform, service: &Service, envs: &Envs<'_>) -> String {
    let images: BTreeSet<String> = envs.deployments().map(|(_, d)| d.image.to_string()).collect();
    let images: Vec<String> = images.into_iter().collect();
    let word = if images.len() == 1 { "image" } else { "images" };
    let mut text = format!("team {}", platform.team(service.team).name);
    if !images.is_empty() {
        text.push_str(&format!(", {word} {}", list(&images)));
    }
    text
}

fn settings(changes: &mut Changes, base: &Platform, head: &Platform, old: &Service, new: &Service) {
    let name = new.name.as_str();
    let section = Section::Services;
    let (old_team, new_team) = (&base.team(old.team).name, &head.team(new.team).name);
    if let Some(change) = changes.value(section, name, "team", old_team, new_team) {
        change.notes.push(format!(
            "it moves to {new_team}'s namespaces; {new_team} holds its access, secrets and alerts"
        ));
    }
    let system = |p: &Platform, s: &Service| s.system.map(|id| p.system(id).name.clone());
    changes.option(section, name, "system", system(base, old), system(head, new));
    changes.option(section, name, "description", old.description.clone(), new.description.clone());
    let criticality = |s: &Service| format!("{:?}", s.criticality).to_lowercase();
    changes.value(section, name, "criticality", criticality(old), criticality(new));
    let ports = |s: &Service| -> BTreeMap<String, String> {
        s.ports.iter().map(|p| (p.name.clone(), format!("{} ({})", p.number, p.protocol))).collect()
    };
    for (port, before, after) in merge(ports(old), ports(new)) {
        changes.option(section, name, &format!("port {port}"), before, after);
    }
    let runbook = |s: &Service| s.runbook.as_ref().map(ToString::to_string);
    changes.option(section, name, "runbook", runbook(old), runbook(new));
}

/// Dependencies: each one lets the caller through the callee's network policy.
fn dependencies(
    changes: &mut Changes,
    base: &Platform,
    head: &Platform,
    name: &str,
    old: Option<&Service>,
    new: Option<&Service>,
) {
    let calls = |p: &Platform, s: Option<&Service>| -> BTreeSet<String> {
        s.map(|s| s.depends_on.iter().map(|id| p.service(*id).name.clone()).collect())
            .unwrap_or_default()
    };
    let (before, after) = (calls(base, old), calls(head, new));
    for callee in after.difference(&before) {
        let change = changes.added(Section::Network, &format!("{name} → {callee}"), "", None);
        change.notes.push(format!("the network policy of {callee} admits {name}"));
    }
    for callee in before.difference(&after) {
        let change = changes.removed(Section::Network, &format!("{name} → {callee}"), "", None);
        let note = if head.services.iter().any(|s| &s.name == callee) {
            format!("the network policy of {callee} no longer admits {name}")
        } else {
            format!("{callee} is gone, and its network policy with it")
        };
        change.notes.push(note);
    }
}
