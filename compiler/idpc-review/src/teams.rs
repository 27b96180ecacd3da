//! Teams, and their members, who hold the team's access rules.

use std::collections::BTreeMap;

use idpc_ir::{Platform, Role, Team};

use crate::render::{count, list};
use crate::{Changes, Section, merge};

/// What membership of a team grants, as the access artifacts (RBAC, the OPA bundle) say it.
const GRANTS: &str = "the team's access: pods, logs, secrets, dashboards, deploy approvals";

pub(crate) fn compare(changes: &mut Changes, base: &Platform, head: &Platform) {
    let teams = |p: &Platform| -> BTreeMap<String, usize> {
        p.teams.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect()
    };
    for (name, old, new) in merge(teams(base), teams(head)) {
        let old = old.map(|i| &base.teams[i]);
        let new = new.map(|i| &head.teams[i]);
        match (old, new) {
            (None, Some(team)) => {
                changes.added(Section::Teams, &name, "", Some(describe(team)));
            }
            (Some(team), None) => {
                changes.removed(Section::Teams, &name, "", Some(describe(team)));
            }
            (Some(old), Some(new)) => settings(changes, base, head, old, new),
            (None, None) => {}
        }
        members(changes, &name, old, new);
    }
}

/// `3 members, led by alice@acme.com, on call payments-pager`.
fn describe(team: &Team) -> String {
    let mut parts = vec![count(team.members.len(), "member")];
    let leads: Vec<&str> =
        team.members.iter().filter(|m| m.role == Role::Lead).map(|m| m.email.as_str()).collect();
    if !leads.is_empty() {
        parts.push(format!("led by {}", list(&leads)));
    }
    if let Some(oncall) = &team.oncall {
        parts.push(format!("on call {oncall}"));
    }
    parts.join(", ")
}

fn settings(changes: &mut Changes, base: &Platform, head: &Platform, old: &Team, new: &Team) {
    let name = new.name.as_str();
    let section = Section::Teams;
    changes.option(section, name, "description", old.description.clone(), new.description.clone());
    changes.option(section, name, "channel", old.chat.clone(), new.chat.clone());
    changes.option(section, name, "cost centre", old.cost_center.clone(), new.cost_center.clone());
    let receiver = |p: &Platform, t: &Team| {
        t.oncall.clone().unwrap_or_else(|| p.observability.default_receiver.clone())
    };
    let (before, after) = (receiver(base, old), receiver(head, new));
    let what = "on-call receiver";
    let change = changes.option(section, name, what, old.oncall.clone(), new.oncall.clone());
    if let Some(change) = change.filter(|_| before != after) {
        change.notes.push(format!("the alerts of its services page {after} instead of {before}"));
    }
}

fn members(changes: &mut Changes, team: &str, old: Option<&Team>, new: Option<&Team>) {
    let roles = |t: Option<&Team>| -> BTreeMap<String, Role> {
        t.map(|t| t.members.iter().map(|m| (m.email.to_string(), m.role)).collect())
            .unwrap_or_default()
    };
    let role = |r: Role| if r == Role::Lead { "lead" } else { "member" };
    let section = Section::Access;
    for (email, before, after) in merge(roles(old), roles(new)) {
        let what = format!("member {email}");
        match (before, after) {
            (None, Some(r)) => {
                let detail = (r == Role::Lead).then(|| "lead".to_owned());
                let change = changes.added(section, team, &what, detail);
                if old.is_some() {
                    change.notes.push(format!("gains {GRANTS}"));
                }
            }
            (Some(r), None) => {
                let detail = (r == Role::Lead).then(|| "lead".to_owned());
                let change = changes.removed(section, team, &what, detail);
                if new.is_some() {
                    change.notes.push(format!("loses {GRANTS}"));
                }
            }
            (Some(b), Some(a)) => {
                changes.value(section, team, &format!("role of {email}"), role(b), role(a));
            }
            (None, None) => {}
        }
    }
}
