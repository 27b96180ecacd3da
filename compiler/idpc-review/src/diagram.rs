//! The services a change touches, as a Mermaid flowchart for the pull request (GitHub renders
//! Mermaid in comments): the touched services, highlighted, with the services that depend on them
//! and that they depend on in the newer version.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use idpc_ir::Platform;

use crate::{Review, Section};

/// The names of the services a review's changes are about: the subjects of the services,
/// network, resources and SLO sections (`web`, `web/db`, `web → api`), in the newer or the
/// older version.
pub fn touched_services(review: &Review, base: &Platform, head: &Platform) -> BTreeSet<String> {
    let known = |name: &str| head.services.iter().chain(&base.services).any(|s| s.name == name);
    let mut touched = BTreeSet::new();
    for section in &review.sections {
        if !matches!(
            section.section,
            Section::Services | Section::Network | Section::Resources | Section::Slos
        ) {
            continue;
        }
        for change in &section.changes {
            for part in change.subject.split('→') {
                let name = part.trim().split('/').next().unwrap_or_default();
                if known(name) {
                    touched.insert(name.to_owned());
                }
            }
        }
    }
    touched
}

/// A Mermaid flowchart of the touched services and their neighbours in `head`, or `None` when no
/// service was touched. Touched services are drawn thick; services only the older version has
/// are listed in a note.
pub fn mermaid(review: &Review, base: &Platform, head: &Platform) -> Option<String> {
    let touched = touched_services(review, base, head);
    if touched.is_empty() {
        return None;
    }
    let index = |name: &str| head.services.iter().position(|s| s.name == name);
    let mut shown: BTreeSet<usize> = touched.iter().filter_map(|n| index(n)).collect();
    for (i, service) in head.services.iter().enumerate() {
        for dependency in &service.depends_on {
            let d = dependency.index();
            if touched.contains(&service.name) || touched.contains(&head.services[d].name) {
                shown.insert(i);
                shown.insert(d);
            }
        }
    }
    let mut out = String::from("flowchart LR\n");
    for s in &shown {
        let name = head.services[*s].name.replace('"', "#quot;");
        let _ = writeln!(out, "  s{s}[\"{name}\"]");
    }
    for s in &shown {
        for dependency in &head.services[*s].depends_on {
            if shown.contains(&dependency.index()) {
                let _ = writeln!(out, "  s{s} --> s{}", dependency.index());
            }
        }
    }
    let removed: Vec<&String> = touched.iter().filter(|n| index(n).is_none()).collect();
    for (i, name) in removed.iter().enumerate() {
        let _ = writeln!(out, "  removed{i}[\"{} (removed)\"]", name.replace('"', "#quot;"));
    }
    out.push_str("  classDef touched stroke-width:3px\n");
    let classes: Vec<String> =
        touched.iter().filter_map(|n| index(n)).map(|s| format!("s{s}")).collect();
    if !classes.is_empty() {
        let _ = writeln!(out, "  class {} touched", classes.join(","));
    }
    Some(out)
}
