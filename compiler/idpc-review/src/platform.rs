//! Platform settings, drift rules and systems.

use std::collections::BTreeMap;

use idpc_ir::Platform;

use crate::{Changes, Section, merge};

pub(crate) fn compare(changes: &mut Changes, base: &Platform, head: &Platform) {
    let subject = head.name.as_str();
    let section = Section::Platform;
    changes.value(section, subject, "name", &base.name, &head.name);
    changes.option(
        section,
        subject,
        "description",
        base.description.clone(),
        head.description.clone(),
    );
    changes.option(section, subject, "registry", base.registry.clone(), head.registry.clone());
    changes.option(section, subject, "domain", base.domain.clone(), head.domain.clone());
    changes.value(
        section,
        subject,
        "longest ephemeral TTL",
        base.max_ephemeral_ttl,
        head.max_ephemeral_ttl,
    );
    let (old, new) = (&base.observability, &head.observability);
    changes.value(section, subject, "Prometheus", &old.prometheus_url, &new.prometheus_url);
    changes.option(
        section,
        subject,
        "Grafana",
        old.grafana_url.as_ref().map(ToString::to_string),
        new.grafana_url.as_ref().map(ToString::to_string),
    );
    changes.value(
        section,
        subject,
        "Grafana data source",
        &old.grafana_datasource,
        &new.grafana_datasource,
    );
    changes.value(section, subject, "requests metric", &old.requests_metric, &new.requests_metric);
    changes.value(section, subject, "duration metric", &old.duration_metric, &new.duration_metric);
    if let Some(change) =
        changes.value(section, subject, "error codes", &old.error_codes, &new.error_codes)
    {
        change.notes.push("every SLO's error ratio, alert and canary analysis follows".to_owned());
    }
    changes.value(section, subject, "service label", &old.service_label, &new.service_label);
    changes.value(
        section,
        subject,
        "default alert receiver",
        &old.default_receiver,
        &new.default_receiver,
    );
    let ignores = |p: &Platform| -> BTreeMap<String, String> {
        p.drift_ignores
            .iter()
            .map(|i| {
                let kind = i.kind.as_deref().map_or_else(String::new, |k| format!(" on {k}"));
                (format!("drift ignore {}{kind}", i.path), i.reason.clone())
            })
            .collect()
    };
    for (what, old, new) in merge(ignores(base), ignores(head)) {
        changes.option(section, subject, &what, old, new);
    }
}

pub(crate) fn compare_systems(changes: &mut Changes, base: &Platform, head: &Platform) {
    let systems = |p: &Platform| -> BTreeMap<String, (String, Option<String>)> {
        p.systems
            .iter()
            .map(|s| (s.name.clone(), (p.team(s.team).name.clone(), s.description.clone())))
            .collect()
    };
    let section = Section::Systems;
    for (name, old, new) in merge(systems(base), systems(head)) {
        match (old, new) {
            (None, Some((team, _))) => {
                changes.added(section, &name, "", Some(format!("team {team}")));
            }
            (Some((team, _)), None) => {
                changes.removed(section, &name, "", Some(format!("team {team}")));
            }
            (Some((old_team, old_text)), Some((new_team, new_text))) => {
                changes.value(section, &name, "team", old_team, new_team);
                changes.option(section, &name, "description", old_text, new_text);
            }
            (None, None) => {}
        }
    }
}
