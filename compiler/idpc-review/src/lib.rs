//! Review: what changed between two versions of a platform, at the level of the model.
//!
//! [`review`] compares two resolved [`Platform`]s by name, never by position: teams, members,
//! environments, kinds, systems, services and their deployments, resources, secrets,
//! dependencies, SLOs, and the policies' settings and waivers. Every change names its subject, what changed, the old and new values
//! (per environment where values are resolved per environment, grouped so that a change made
//! the same way everywhere is said once), and its consequences: an error budget that halves,
//! burn-rate alerts added in production, a network policy that admits a new caller.
//! [`markdown`] renders the result for a pull request; the same data serialises to JSON.
//!
//! **Invariant:** the result is deterministic: sections come in a fixed order, subjects in name
//! order, environments in the order of the newer platform.

mod deployments;
mod diagram;
mod environments;
mod kinds;
mod markdown;
mod per_env;
mod platform;
mod policies;
mod render;
mod services;
mod slos;
mod teams;

use std::collections::BTreeMap;

use idpc_ir::Platform;
use serde::Serialize;

pub use diagram::{mermaid, touched_services};
pub use markdown::markdown;

/// A part of the summary; sections are printed in the order of [`Section::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Platform settings and drift rules.
    Platform,
    /// The preset policies' settings and the services' waivers.
    Policies,
    /// Teams, their leads, channels and on-call receivers.
    Teams,
    /// Access rules: team members and who may read which secret.
    Access,
    /// Environments, their tiers and approval rules.
    Environments,
    /// Resource kinds.
    Kinds,
    /// Systems of the catalog.
    Systems,
    /// Services and their deployments.
    Services,
    /// Dependencies between services, which the network policies follow.
    Network,
    /// Resources of services.
    Resources,
    /// SLOs and the burn-rate alerts built from them.
    Slos,
}

impl Section {
    /// Every section, in output order.
    pub const ALL: [Section; 11] = [
        Section::Platform,
        Section::Policies,
        Section::Teams,
        Section::Access,
        Section::Environments,
        Section::Kinds,
        Section::Systems,
        Section::Services,
        Section::Network,
        Section::Resources,
        Section::Slos,
    ];

    /// The heading of the section.
    pub fn title(self) -> &'static str {
        match self {
            Section::Platform => "Platform",
            Section::Policies => "Policies",
            Section::Teams => "Teams",
            Section::Access => "Access",
            Section::Environments => "Environments",
            Section::Kinds => "Kinds",
            Section::Systems => "Systems",
            Section::Services => "Services",
            Section::Network => "Network policy",
            Section::Resources => "Resources",
            Section::Slos => "SLOs and alerts",
        }
    }
}

/// Whether something appeared, disappeared or took another value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Only the newer version has it.
    Added,
    /// Only the older version has it.
    Removed,
    /// Both have it, with different values.
    Changed,
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The thing that changed: a service (`payments-api`), a resource (`payments-api/db`), a
    /// team, an environment, a kind, a dependency (`web → payments-api`).
    pub subject: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// What of the subject changed (`replicas`, `member bob@acme.com`, `availability
    /// objective`); empty when the subject itself was added or removed.
    pub what: String,
    /// The old and new values, one entry per group of environments that changed the same way;
    /// a single entry with no environments for a value that is not per environment; empty when
    /// there is nothing more to say than the change itself.
    pub values: Vec<Values>,
    /// Consequences: what the change does to error budgets, alerts, network policy or access.
    pub notes: Vec<String>,
}

/// The old and new value of a change, in some environments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Values {
    /// The environments that changed this way, in the newer platform's order; empty for a value
    /// that is not per environment.
    pub environments: Vec<String>,
    /// Whether these are all the environments compared (both versions have them).
    pub everywhere: bool,
    /// The old value; `None` when it was added.
    pub before: Option<String>,
    /// The new value; `None` when it was removed.
    pub after: Option<String>,
}

impl Values {
    /// A value that is not per environment.
    pub fn global(before: Option<String>, after: Option<String>) -> Values {
        Values { environments: Vec::new(), everywhere: false, before, after }
    }
}

/// The changes of one section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SectionChanges {
    /// Which section.
    pub section: Section,
    /// Its heading.
    pub title: &'static str,
    /// Its changes, by subject.
    pub changes: Vec<Change>,
}

/// What changed between two versions of a platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Review {
    /// The newer platform's name.
    pub platform: String,
    /// How many changes there are in all.
    pub count: usize,
    /// The sections that have changes, in the order of [`Section::ALL`].
    pub sections: Vec<SectionChanges>,
}

impl Review {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Compares `base` (the older version) with `head` (the newer one).
pub fn review(base: &Platform, head: &Platform) -> Review {
    let mut changes = Changes::default();
    platform::compare(&mut changes, base, head);
    policies::compare(&mut changes, base, head);
    teams::compare(&mut changes, base, head);
    environments::compare(&mut changes, base, head);
    kinds::compare(&mut changes, base, head);
    platform::compare_systems(&mut changes, base, head);
    services::compare(&mut changes, base, head);
    let count = changes.list.len();
    let sections = Section::ALL
        .iter()
        .filter_map(|section| {
            let list: Vec<Change> = changes
                .list
                .iter()
                .filter(|(s, _)| s == section)
                .map(|(_, change)| change.clone())
                .collect();
            (!list.is_empty()).then(|| SectionChanges {
                section: *section,
                title: section.title(),
                changes: list,
            })
        })
        .collect();
    Review { platform: head.name.clone(), count, sections }
}

/// The changes found so far, each with its section.
#[derive(Default)]
pub(crate) struct Changes {
    list: Vec<(Section, Change)>,
}

impl Changes {
    /// Records a change and returns it, to add notes.
    pub(crate) fn push(
        &mut self,
        section: Section,
        subject: &str,
        change: ChangeKind,
        what: &str,
        values: Vec<Values>,
    ) -> &mut Change {
        let change = Change {
            subject: subject.to_owned(),
            change,
            what: what.to_owned(),
            values,
            notes: Vec::new(),
        };
        self.list.push((section, change));
        let last = self.list.len() - 1;
        &mut self.list[last].1
    }

    /// Records that `subject` (or its `what`) was added, with a short description.
    pub(crate) fn added(
        &mut self,
        section: Section,
        subject: &str,
        what: &str,
        detail: Option<String>,
    ) -> &mut Change {
        let values = detail.map(|d| Values::global(None, Some(d))).into_iter().collect();
        self.push(section, subject, ChangeKind::Added, what, values)
    }

    /// Records that `subject` (or its `what`) was removed, with a short description.
    pub(crate) fn removed(
        &mut self,
        section: Section,
        subject: &str,
        what: &str,
        detail: Option<String>,
    ) -> &mut Change {
        let values = detail.map(|d| Values::global(Some(d), None)).into_iter().collect();
        self.push(section, subject, ChangeKind::Removed, what, values)
    }

    /// Records a value that is not per environment when its rendering changed.
    pub(crate) fn value(
        &mut self,
        section: Section,
        subject: &str,
        what: &str,
        before: impl ToString,
        after: impl ToString,
    ) -> Option<&mut Change> {
        let (before, after) = (before.to_string(), after.to_string());
        if before == after {
            return None;
        }
        let values = vec![Values::global(Some(before), Some(after))];
        Some(self.push(section, subject, ChangeKind::Changed, what, values))
    }

    /// Records an optional value that is not per environment: set, unset or changed.
    pub(crate) fn option(
        &mut self,
        section: Section,
        subject: &str,
        what: &str,
        before: Option<String>,
        after: Option<String>,
    ) -> Option<&mut Change> {
        match (before, after) {
            (Some(before), Some(after)) => self.value(section, subject, what, before, after),
            (None, None) => None,
            (None, Some(after)) => Some(self.added(section, subject, what, Some(after))),
            (Some(before), None) => Some(self.removed(section, subject, what, Some(before))),
        }
    }

    /// Records a per-environment change, when there is one.
    pub(crate) fn per_env(
        &mut self,
        section: Section,
        subject: &str,
        what: &str,
        values: Vec<Values>,
    ) -> Option<&mut Change> {
        if values.is_empty() {
            return None;
        }
        let kind = if values.iter().all(|v| v.before.is_none()) {
            ChangeKind::Added
        } else if values.iter().all(|v| v.after.is_none()) {
            ChangeKind::Removed
        } else {
            ChangeKind::Changed
        };
        Some(self.push(section, subject, kind, what, values))
    }
}

/// Pairs the entries of two maps by key, in key order: `(key, old, new)`.
pub(crate) fn merge<K: Ord + Clone, T>(
    base: BTreeMap<K, T>,
    head: BTreeMap<K, T>,
) -> Vec<(K, Option<T>, Option<T>)> {
    let mut head = head;
    let mut pairs: Vec<(K, Option<T>, Option<T>)> = Vec::new();
    for (key, old) in base {
        let new = head.remove(&key);
        pairs.push((key, Some(old), new));
    }
    pairs.extend(head.into_iter().map(|(key, new)| (key, None, Some(new))));
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}
