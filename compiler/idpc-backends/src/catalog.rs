//! The Backstage catalog: a Group per team, a User per member, a System per system, a Component
//! per service and a Resource per resource instance, with owners and dependencies, and a Location
//! that lists the files.
//!
//! `catalog/location.yaml`, `catalog/groups.yaml`, `catalog/users.yaml`, `catalog/systems.yaml`,
//! `catalog/components/<service>.yaml` (the Component and its Resources).

use std::collections::BTreeMap;

use idpc_ir::{Criticality, Platform, Role, Service, ServiceId, Tier};
use rayon::prelude::*;
use serde::Serialize;

use crate::Artifact;
use crate::common::units::{Out, Unit};
use crate::common::{self, names};

const API_VERSION: &str = "backstage.io/v1alpha1";

pub(crate) fn emit(platform: &Platform, out: &Out<'_>) {
    let whole = "the platform description";
    platform.services.par_iter().enumerate().for_each(|(index, service)| {
        let unit = Unit::Service(ServiceId::from_index(index));
        if out.wants(unit) {
            out.put(unit, component_file(platform, ServiceId::from_index(index), service));
        }
    });
    out.shared(|| {
        common::yaml_documents("catalog/groups.yaml".to_owned(), whole, &groups(platform))
    });
    out.shared(|| common::yaml_documents("catalog/users.yaml".to_owned(), whole, &users(platform)));
    if !platform.systems.is_empty() {
        out.shared(|| {
            common::yaml_documents("catalog/systems.yaml".to_owned(), whole, &systems(platform))
        });
    }
    out.shared(|| common::yaml("catalog/location.yaml".to_owned(), whole, &location(platform)));
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entity<S: Serialize> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    spec: S,
}

#[derive(Serialize, Default)]
struct Metadata {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
}

#[derive(Serialize)]
struct Link {
    url: String,
    title: String,
}

#[derive(Serialize)]
struct GroupSpec {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<Profile>,
    children: Vec<String>,
    members: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserSpec {
    profile: Profile,
    member_of: Vec<String>,
}

#[derive(Serialize)]
struct SystemSpec {
    owner: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ComponentSpec {
    #[serde(rename = "type")]
    kind: &'static str,
    lifecycle: &'static str,
    owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpec {
    #[serde(rename = "type")]
    kind: String,
    owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    dependency_of: Vec<String>,
}

#[derive(Serialize)]
struct LocationSpec {
    #[serde(rename = "type")]
    kind: &'static str,
    targets: Vec<String>,
}

fn group_ref(name: &str) -> String {
    format!("group:default/{name}")
}

fn groups(platform: &Platform) -> Vec<Entity<GroupSpec>> {
    platform
        .teams
        .iter()
        .map(|team| {
            let mut annotations = BTreeMap::new();
            if let Some(chat) = &team.chat {
                annotations.insert("idpc.dev/channel".to_owned(), chat.clone());
            }
            if let Some(oncall) = &team.oncall {
                annotations.insert("idpc.dev/oncall-receiver".to_owned(), oncall.clone());
            }
            if let Some(cost_center) = &team.cost_center {
                annotations.insert("idpc.dev/cost-center".to_owned(), cost_center.clone());
            }
            let mut members: Vec<String> =
                team.members.iter().map(|m| names::catalog_user(&m.email)).collect();
            members.sort();
            Entity {
                api_version: API_VERSION,
                kind: "Group",
                metadata: Metadata {
                    name: team.name.clone(),
                    description: team.description.clone(),
                    annotations,
                    ..Metadata::default()
                },
                spec: GroupSpec { kind: "team", profile: None, children: Vec::new(), members },
            }
        })
        .collect()
}

fn users(platform: &Platform) -> Vec<Entity<UserSpec>> {
    let mut by_user: BTreeMap<String, (String, Vec<String>, bool)> = BTreeMap::new();
    for team in &platform.teams {
        for member in &team.members {
            let entry = by_user
                .entry(names::catalog_user(&member.email))
                .or_insert_with(|| (member.email.to_string(), Vec::new(), false));
            entry.1.push(team.name.clone());
            entry.2 |= member.role == Role::Lead;
        }
    }
    by_user
        .into_iter()
        .map(|(name, (email, member_of, lead))| Entity {
            api_version: API_VERSION,
            kind: "User",
            metadata: Metadata {
                name,
                tags: if lead { vec!["team-lead".to_owned()] } else { Vec::new() },
                ..Metadata::default()
            },
            spec: UserSpec {
                profile: Profile { display_name: None, email: Some(email) },
                member_of,
            },
        })
        .collect()
}

fn systems(platform: &Platform) -> Vec<Entity<SystemSpec>> {
    platform
        .systems
        .iter()
        .map(|system| Entity {
            api_version: API_VERSION,
            kind: "System",
            metadata: Metadata {
                name: system.name.clone(),
                description: system.description.clone(),
                ..Metadata::default()
            },
            spec: SystemSpec { owner: group_ref(&platform.team(system.team).name) },
        })
        .collect()
}

/// The lifecycle of a service: `production` once a production environment runs it.
fn lifecycle(platform: &Platform) -> &'static str {
    if platform.environments.iter().any(|e| e.tier == Tier::Production) {
        "production"
    } else {
        "experimental"
    }
}

fn component_file(platform: &Platform, id: ServiceId, service: &Service) -> Artifact {
    let owner = group_ref(&platform.team(service.team).name);
    let system = service.system.map(|s| format!("system:default/{}", platform.system(s).name));
    // Resource instances by name, from the first environment that has them (all do).
    let resources: BTreeMap<&str, (&str, String)> = platform
        .deployments_of(id)
        .flat_map(|d| d.resources.iter())
        .map(|r| {
            (
                r.name.as_str(),
                (platform.kind(r.kind).name.as_str(), names::catalog_resource(service, r)),
            )
        })
        .collect();
    let mut depends_on: Vec<String> = service
        .depends_on
        .iter()
        .map(|d| format!("component:default/{}", platform.service(*d).name))
        .collect();
    depends_on.extend(resources.values().map(|(_, name)| format!("resource:default/{name}")));
    let mut annotations = BTreeMap::new();
    // Backstage's Kubernetes plugin finds the service's objects by this selector: every object
    // idpc makes for the service carries the label (a `kubernetes-id` would need a label of
    // its own on each of them).
    annotations.insert(
        "backstage.io/kubernetes-label-selector".to_owned(),
        format!("app.kubernetes.io/name={}", service.name),
    );
    annotations.insert("idpc.dev/source".to_owned(), platform.file_path(service.file).to_owned());
    let mut tags = vec![
        match service.criticality {
            Criticality::Critical => "critical",
            Criticality::Standard => "standard",
            Criticality::Low => "low-criticality",
        }
        .to_owned(),
    ];
    tags.extend(service.slos.iter().map(|s| format!("slo-{}", s.indicator.name())));
    let links = service
        .runbook
        .iter()
        .map(|url| Link { url: url.to_string(), title: "Runbook".to_owned() })
        .collect();
    let component = Entity {
        api_version: API_VERSION,
        kind: "Component",
        metadata: Metadata {
            name: service.name.clone(),
            description: service.description.clone(),
            annotations,
            tags,
            links,
        },
        spec: ComponentSpec {
            kind: "service",
            lifecycle: lifecycle(platform),
            owner: owner.clone(),
            system: system.clone(),
            depends_on,
        },
    };
    let resources: Vec<Entity<ResourceSpec>> = resources
        .into_values()
        .map(|(kind, name)| Entity {
            api_version: API_VERSION,
            kind: "Resource",
            metadata: Metadata { name, ..Metadata::default() },
            spec: ResourceSpec {
                kind: kind.to_owned(),
                owner: owner.clone(),
                system: system.clone(),
                dependency_of: vec![format!("component:default/{}", service.name)],
            },
        })
        .collect();
    let mut documents = common::Documents::new(
        format!("catalog/components/{}.yaml", service.name),
        platform.file_path(service.file),
    );
    documents.push(&component);
    for resource in &resources {
        documents.push(resource);
    }
    documents.finish()
}

fn location(platform: &Platform) -> Entity<LocationSpec> {
    let mut targets = vec!["./groups.yaml".to_owned(), "./users.yaml".to_owned()];
    if !platform.systems.is_empty() {
        targets.push("./systems.yaml".to_owned());
    }
    targets.extend(platform.services.iter().map(|s| format!("./components/{}.yaml", s.name)));
    Entity {
        api_version: API_VERSION,
        kind: "Location",
        metadata: Metadata {
            name: platform.name.clone(),
            description: Some(format!("Everything idpc generates for {}", platform.name)),
            ..Metadata::default()
        },
        spec: LocationSpec { kind: "url", targets },
    }
}
