//! The platform's rules: how each preset policy is configured, and which services are exempt
//! from which policy, until when and why.

use std::collections::BTreeMap;

use idpc_ir::{PRESETS, Platform, PresetSettings};

use crate::{Changes, Section, merge};

pub(crate) fn compare(changes: &mut Changes, base: &Platform, head: &Platform) {
    let section = Section::Policies;
    let mut presets: Vec<_> = PRESETS.iter().collect();
    presets.sort_by_key(|p| p.name);
    for preset in presets {
        let (old, new) = (base.preset_settings(preset), head.preset_settings(preset));
        if old == new {
            continue;
        }
        if let Some(change) = changes.value(section, preset.name, "runs", state(&old), state(&new))
            && !new.enabled
        {
            change.notes.push(format!(
                "{} is no longer checked, at compile time or at admission",
                preset.code
            ));
        }
        if !(old.enabled && new.enabled) {
            continue;
        }
        let tiers = |s: &PresetSettings| -> String {
            let names: Vec<&str> = s.tiers.iter().map(|t| t.as_str()).collect();
            if names.is_empty() { "every tier".to_owned() } else { names.join(", ") }
        };
        changes.value(section, preset.name, "tiers", tiers(&old), tiers(&new));
        if preset.name == "ephemeral-environments" {
            changes.value(section, preset.name, "longest TTL", old.max_ttl, new.max_ttl);
        }
        if preset.name == "secrets-by-reference" {
            let providers = |s: &PresetSettings| -> String {
                let names: Vec<&str> = s.providers.iter().map(|p| p.prefix()).collect();
                names.join(", ")
            };
            changes.value(
                section,
                preset.name,
                "secrets managers",
                providers(&old),
                providers(&new),
            );
        }
    }
    let waivers = |p: &Platform| -> BTreeMap<(String, String), String> {
        p.services
            .iter()
            .flat_map(|s| {
                s.waivers.iter().map(|w| {
                    let text = format!("until {}, {}: {}", w.expires, w.owner, w.reason);
                    ((s.name.clone(), w.policy.clone()), text)
                })
            })
            .collect()
    };
    for ((service, policy), old, new) in merge(waivers(base), waivers(head)) {
        let what = format!("waiver of {policy}");
        if let Some(change) = changes.option(section, &service, &what, old, new.clone())
            && new.is_some()
        {
            change
                .notes
                .push(format!("violations of `{policy}` by `{service}` are set aside until then"));
        }
    }
}

fn state(settings: &PresetSettings) -> &'static str {
    match (settings.enabled, settings.warning) {
        (false, _) => "off",
        (true, true) => "as a warning",
        (true, false) => "as an error",
    }
}
