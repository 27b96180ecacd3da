//! Backstage catalog entities as teams, systems and services.
//!
//! `Group` becomes a team in `teams/<name>.kdl`, `System` a system in `systems/<name>.kdl`, and a
//! `Component` of type `service` a service in `services/<name>.kdl` owned by its `spec.owner`.
//! The catalog has no image and no sizing: the image comes from the `idpc.dev/image` annotation
//! or is a placeholder to replace, and the memory limit is the golden path's; both are noted.

use idpc_ir::{Email, Platform};
use serde::Deserialize as _;
use serde_yaml::{Mapping, Value};

use super::kdl::{self, Writer};
use super::score::{DEFAULT_MEMORY_LIMIT, PLACEHOLDER_VERSION, get, scalar};
use super::{Mapped, Outcome};
use crate::scaffold::check_name;

/// The annotation that names a component's container image.
pub(crate) const IMAGE_ANNOTATION: &str = "idpc.dev/image";

struct Entity<'a> {
    input: &'a str,
    kind: String,
    name: String,
    doc: Mapping,
}

impl Entity<'_> {
    fn spec(&self) -> Option<&Mapping> {
        get(&self.doc, "spec").and_then(Value::as_mapping)
    }

    fn spec_field(&self, field: &str) -> Option<String> {
        self.spec().and_then(|s| get(s, field)).and_then(scalar)
    }

    fn spec_list(&self, field: &str) -> Vec<String> {
        let list = self.spec().and_then(|s| get(s, field)).and_then(Value::as_sequence);
        list.map(|l| l.iter().filter_map(scalar).collect()).unwrap_or_default()
    }

    fn metadata(&self, field: &str) -> Option<&Value> {
        get(&self.doc, "metadata").and_then(Value::as_mapping).and_then(|m| get(m, field))
    }

    fn subject(&self) -> String {
        format!("{}:{}", self.kind, self.name)
    }
}

/// An entity reference `[kind:][namespace/]name`: its kind, if written, and name.
fn reference(text: &str) -> (Option<String>, String) {
    let (kind, rest) = match text.split_once(':') {
        Some((kind, rest)) => (Some(kind.to_ascii_lowercase()), rest),
        None => (None, text),
    };
    let name = rest.rsplit_once('/').map_or(rest, |(_, name)| name);
    (kind, name.to_owned())
}

/// Maps every entity of the catalog files in `inputs` (display path, text).
pub(crate) fn map(
    platform: &Platform,
    team: Option<&str>,
    inputs: &[(String, String)],
    mapped: &mut Mapped,
) {
    let mut entities = Vec::new();
    for (input, text) in inputs {
        for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
            match Value::deserialize(document) {
                Ok(Value::Mapping(doc)) => {
                    let kind = get(&doc, "kind").and_then(scalar).unwrap_or_default();
                    let name = get(&doc, "metadata")
                        .and_then(Value::as_mapping)
                        .and_then(|m| get(m, "name"))
                        .and_then(scalar)
                        .unwrap_or_default();
                    entities.push(Entity { input, kind, name, doc });
                }
                Ok(Value::Null) => {}
                Ok(_) => mapped.refuse(
                    format!(
                        "`{input}`: document {} is not an entity (a mapping with `kind` and `metadata`)",
                        index + 1
                    ),
                    None,
                ),
                Err(error) => {
                    mapped.refuse(format!("`{input}` is not YAML: {error}"), None);
                    break;
                }
            }
        }
    }
    let named = |kind: &str| -> Vec<String> {
        entities.iter().filter(|e| e.kind == kind).map(|e| e.name.clone()).collect()
    };
    let mut teams: Vec<String> = platform.teams.iter().map(|t| t.name.clone()).collect();
    teams.extend(named("Group"));
    let mut systems: Vec<String> = platform.systems.iter().map(|s| s.name.clone()).collect();
    systems.extend(named("System"));
    let mut services: Vec<String> = platform.services.iter().map(|s| s.name.clone()).collect();
    services.extend(
        entities
            .iter()
            .filter(|e| e.kind == "Component" && e.spec_field("type").as_deref() == Some("service"))
            .map(|e| e.name.clone()),
    );

    for entity in &entities {
        let what = match entity.kind.as_str() {
            "Group" => "team",
            "System" => "system",
            "Component" if entity.spec_field("type").as_deref() == Some("service") => "service",
            "Component" => {
                let kind = entity.spec_field("type").unwrap_or_default();
                mapped.note(
                    entity.input,
                    entity.subject(),
                    Outcome::Dropped,
                    format!("a component of type `{kind}`: only services are imported"),
                );
                continue;
            }
            other => {
                mapped.note(
                    entity.input,
                    entity.subject(),
                    Outcome::Dropped,
                    format!("the language has no `{other}`"),
                );
                continue;
            }
        };
        if let Some(refusal) = check_name(what, &entity.name) {
            mapped.refusals.push(refusal);
            continue;
        }
        let exists = match what {
            "team" => platform.teams.iter().any(|t| t.name == entity.name),
            "system" => platform.systems.iter().any(|s| s.name == entity.name),
            _ => platform.services.iter().any(|s| s.name == entity.name),
        };
        if exists {
            mapped.refuse(
                format!("{what} `{}` already exists", entity.name),
                Some("remove the entity from the input".to_owned()),
            );
            continue;
        }
        let mut w = Writer::default();
        w.comment(&format!("Imported from the Backstage entity `{}`.", entity.subject()));
        let description = entity.metadata("description").and_then(scalar);
        match what {
            "team" => {
                mapped.note(
                    entity.input,
                    entity.subject(),
                    Outcome::Imported,
                    format!("team `{}`", entity.name),
                );
                w.block("team", &[kdl::string(&entity.name)], |w| {
                    group_body(entity, description.as_deref(), w, mapped);
                });
                mapped.files.push((format!("teams/{}.kdl", entity.name), w.finish()));
            }
            _ => {
                let Some(owner) = owner(entity, team, &teams, mapped) else { continue };
                let values = [kdl::string(&entity.name), kdl::prop("team", &owner)];
                if what == "system" {
                    mapped.note(
                        entity.input,
                        entity.subject(),
                        Outcome::Imported,
                        format!("system `{}` owned by `{owner}`", entity.name),
                    );
                    w.block("system", &values, |w| {
                        if let Some(text) = &description {
                            w.node("description", &[kdl::string(text)]);
                        }
                    });
                    mapped.files.push((format!("systems/{}.kdl", entity.name), w.finish()));
                } else {
                    mapped.note(
                        entity.input,
                        entity.subject(),
                        Outcome::Imported,
                        format!("service `{}` owned by `{owner}`", entity.name),
                    );
                    w.block("service", &values, |w| {
                        component_body(
                            entity,
                            description.as_deref(),
                            &systems,
                            &services,
                            w,
                            mapped,
                        );
                    });
                    mapped.files.push((format!("services/{}.kdl", entity.name), w.finish()));
                }
            }
        }
    }
}

/// The team that owns a system or component: `spec.owner` if it is a group, else `--team`.
fn owner(
    entity: &Entity<'_>,
    team: Option<&str>,
    teams: &[String],
    mapped: &mut Mapped,
) -> Option<String> {
    let written = entity.spec_field("owner");
    let name = match (&written, team) {
        (Some(owner), _) => {
            let (kind, name) = reference(owner);
            if kind.as_deref().is_some_and(|k| k != "group") {
                mapped.refuse(
                    format!("{} is owned by `{owner}`, which is not a group", entity.subject()),
                    Some("owners are teams: make a group the owner".to_owned()),
                );
                return None;
            }
            name
        }
        (None, Some(team)) => team.to_owned(),
        (None, None) => {
            mapped.refuse(
                format!("{} has no `spec.owner`", entity.subject()),
                Some("give it one, or pass `--team`".to_owned()),
            );
            return None;
        }
    };
    if !teams.contains(&name) {
        mapped.refuse(
            format!(
                "{} is owned by `{name}`, which is neither declared nor imported",
                entity.subject()
            ),
            Some("import its `Group` too, or declare the team".to_owned()),
        );
        return None;
    }
    Some(name)
}

fn group_body(entity: &Entity<'_>, description: Option<&str>, w: &mut Writer, mapped: &mut Mapped) {
    if let Some(text) = description {
        w.node("description", &[kdl::string(text)]);
    }
    for member in entity.spec_list("members") {
        let (_, name) = reference(&member);
        if Email::parse(&name).is_ok() {
            w.node("member", &[kdl::string(&name)]);
            mapped.note(
                entity.input,
                format!("{}.members.{member}", entity.subject()),
                Outcome::Imported,
                format!("member `{name}`"),
            );
        } else {
            mapped.note(
                entity.input,
                format!("{}.members.{member}", entity.subject()),
                Outcome::Dropped,
                "members are email addresses: add theirs by hand",
            );
        }
    }
    for field in ["profile", "parent", "children"] {
        if entity.spec().and_then(|s| get(s, field)).is_some() {
            mapped.note(
                entity.input,
                format!("{}.{field}", entity.subject()),
                Outcome::Dropped,
                "teams have no such field",
            );
        }
    }
}

fn component_body(
    entity: &Entity<'_>,
    description: Option<&str>,
    systems: &[String],
    services: &[String],
    w: &mut Writer,
    mapped: &mut Mapped,
) {
    let input = entity.input;
    let subject = entity.subject();
    if let Some(text) = description {
        w.node("description", &[kdl::string(text)]);
    }
    if let Some(system) = entity.spec_field("system") {
        let (_, name) = reference(&system);
        if systems.contains(&name) {
            w.node("system", &[kdl::string(&name)]);
        } else {
            mapped.note(
                input,
                format!("{subject}.system"),
                Outcome::Dropped,
                format!("system `{name}` is neither declared nor imported"),
            );
        }
    }
    let annotation = entity
        .metadata("annotations")
        .and_then(Value::as_mapping)
        .and_then(|a| get(a, IMAGE_ANNOTATION))
        .and_then(scalar);
    match annotation {
        Some(image) => w.node("image", &[kdl::string(&image)]),
        None => {
            let placeholder = format!("{}:{PLACEHOLDER_VERSION}", entity.name);
            w.comment("The catalog names no image: replace the placeholder.");
            w.node("image", &[kdl::string(&placeholder)]);
            mapped.note(
                input,
                format!("{subject}.image"),
                Outcome::Defaulted,
                format!("no `{IMAGE_ANNOTATION}` annotation: wrote the placeholder `{placeholder}`; replace it"),
            );
        }
    }
    w.node("limits", &[kdl::prop("memory", DEFAULT_MEMORY_LIMIT)]);
    mapped.note(
        input,
        format!("{subject}.limits"),
        Outcome::Defaulted,
        format!("the catalog has no sizing: wrote the golden path's memory limit, `{DEFAULT_MEMORY_LIMIT}`"),
    );
    let mut depends = Vec::new();
    for dependency in entity.spec_list("dependsOn") {
        let (kind, name) = reference(&dependency);
        let at = format!("{subject}.dependsOn.{dependency}");
        if kind.as_deref().is_some_and(|k| k != "component") {
            mapped.note(
                input,
                at,
                Outcome::Dropped,
                "only dependencies on services are carried over",
            );
        } else if name == entity.name {
            mapped.note(input, at, Outcome::Dropped, "a service does not depend on itself");
        } else if !services.contains(&name) {
            mapped.note(
                input,
                at,
                Outcome::Dropped,
                format!("service `{name}` is neither declared nor imported"),
            );
        } else {
            depends.push(kdl::string(&name));
        }
    }
    if !depends.is_empty() {
        w.node("depends-on", &depends);
    }
    for field in ["lifecycle", "providesApis", "consumesApis", "subcomponentOf"] {
        if entity.spec().and_then(|s| get(s, field)).is_some() {
            mapped.note(
                input,
                format!("{subject}.{field}"),
                Outcome::Dropped,
                "services have no such field",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reference;

    #[test]
    fn references_lose_their_kind_and_namespace() {
        assert_eq!(
            reference("group:default/billing"),
            (Some("group".to_owned()), "billing".to_owned())
        );
        assert_eq!(reference("Component:web"), (Some("component".to_owned()), "web".to_owned()));
        assert_eq!(reference("billing"), (None, "billing".to_owned()));
        assert_eq!(
            reference("user:default/a@b.com"),
            (Some("user".to_owned()), "a@b.com".to_owned())
        );
    }
}
