//! Resource kinds: fields, their defaults per tier, outputs and Terraform templates.

use std::collections::BTreeMap;

use idpc_ir::{Kind, KindField, Platform, Tier, ValueType};

use crate::render::count;
use crate::{ChangeKind, Changes, Section, merge};

pub(crate) fn compare(changes: &mut Changes, base: &Platform, head: &Platform) {
    let kinds = |p: &Platform| -> BTreeMap<String, usize> {
        p.kinds.iter().enumerate().map(|(i, k)| (k.name.clone(), i)).collect()
    };
    let section = Section::Kinds;
    for (name, old, new) in merge(kinds(base), kinds(head)) {
        match (old.map(|i| &base.kinds[i]), new.map(|i| &head.kinds[i])) {
            (None, Some(kind)) => {
                changes.added(section, &name, "", Some(describe(kind)));
            }
            (Some(kind), None) => {
                changes.removed(section, &name, "", Some(describe(kind)));
            }
            (Some(old), Some(new)) => compare_kind(changes, old, new),
            (None, None) => {}
        }
    }
}

fn describe(kind: &Kind) -> String {
    format!("{}, {}", count(kind.fields.len(), "field"), count(kind.outputs.len(), "output"))
}

fn ty(ty: &ValueType) -> String {
    match ty {
        ValueType::Enum(choices) => format!("enum of {}", choices.join(", ")),
        ValueType::Int { min, max } => format!("int {min} to {max}"),
        other => other.keyword().to_owned(),
    }
}

fn describe_field(field: &KindField) -> String {
    match &field.default {
        Some(default) => format!("{}, default {}", ty(&field.ty), default.render()),
        None => format!("{}, required", ty(&field.ty)),
    }
}

fn compare_kind(changes: &mut Changes, old: &Kind, new: &Kind) {
    let name = new.name.as_str();
    let section = Section::Kinds;
    changes.option(section, name, "description", old.description.clone(), new.description.clone());
    let fields = |k: &Kind| -> BTreeMap<String, KindField> {
        k.fields.iter().map(|f| (f.name.clone(), f.clone())).collect()
    };
    for (field, before, after) in merge(fields(old), fields(new)) {
        let what = format!("field {field}");
        match (before, after) {
            (None, Some(f)) => {
                changes.added(section, name, &what, Some(describe_field(&f)));
            }
            (Some(f), None) => {
                changes.removed(section, name, &what, Some(describe_field(&f)));
            }
            (Some(before), Some(after)) => {
                changes.value(
                    section,
                    name,
                    &format!("type of {field}"),
                    ty(&before.ty),
                    ty(&after.ty),
                );
                let default = |f: &KindField| f.default.as_ref().map(|v| v.render());
                changes.option(
                    section,
                    name,
                    &format!("default of {field}"),
                    default(&before),
                    default(&after),
                );
                for tier in Tier::ALL {
                    let value = |f: &KindField| {
                        f.tier_defaults.iter().find(|d| d.tier == tier).map(|d| d.value.render())
                    };
                    changes.option(
                        section,
                        name,
                        &format!("{} default of {field}", tier.as_str()),
                        value(&before),
                        value(&after),
                    );
                }
            }
            (None, None) => {}
        }
    }
    let outputs = |k: &Kind| -> BTreeMap<String, bool> {
        k.outputs.iter().map(|o| (o.name.clone(), o.secret)).collect()
    };
    let secret = |s: bool| if s { "secret" } else { "plain" };
    for (output, before, after) in merge(outputs(old), outputs(new)) {
        let what = format!("output {output}");
        changes.option(
            section,
            name,
            &what,
            before.map(|s| secret(s).to_owned()),
            after.map(|s| secret(s).to_owned()),
        );
    }
    let templates = |k: &Kind| -> BTreeMap<String, String> {
        k.terraform.iter().map(|t| (t.name.clone(), t.text.clone())).collect()
    };
    for (template, before, after) in merge(templates(old), templates(new)) {
        let what = format!("Terraform template {template}");
        match (before, after) {
            (None, Some(_)) => {
                changes.added(section, name, &what, None);
            }
            (Some(_), None) => {
                changes.removed(section, name, &what, None);
            }
            (Some(before), Some(after)) if before != after => {
                let change = changes.push(section, name, ChangeKind::Changed, &what, Vec::new());
                change.notes.push("every resource of the kind renders it anew".to_owned());
            }
            _ => {}
        }
    }
}
