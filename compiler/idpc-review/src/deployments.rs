//! What is resolved per environment: images, replicas, CPU and memory, autoscaling, variables,
//! deploy strategy, health checks and rollback (Services); secrets and their readers (Access);
//! resources and their fields (Resources).

use std::collections::BTreeSet;

use idpc_ir::{Deployment, Platform, ResourceInstance, SecretBinding};

use crate::per_env::{At, Envs};
use crate::render::{self, list};
use crate::{ChangeKind, Changes, Section};

/// The values of a service that both versions deploy, environment by environment.
pub(crate) fn compare(changes: &mut Changes, name: &str, envs: &Envs<'_>) {
    let section = Section::Services;
    let field = |changes: &mut Changes, what: &str, f: &dyn Fn(&Deployment) -> String| {
        changes.per_env(section, name, what, envs.values(|_, d| Some(f(d))));
    };
    field(changes, "image", &|d| d.image.to_string());
    field(changes, "replicas", &|d| d.replicas.to_string());
    field(changes, "CPU request", &|d| d.cpu.to_string());
    field(changes, "memory request", &|d| d.memory.to_string());
    field(changes, "CPU limit", &|d| {
        d.cpu_limit.as_ref().map_or("none".to_owned(), |c| c.to_string())
    });
    field(changes, "memory limit", &|d| d.memory_limit.to_string());
    field(changes, "autoscaling", &|d| render::autoscale(d.autoscale.as_deref()));
    let variables: BTreeSet<String> =
        envs.deployments().flat_map(|(_, d)| d.env.iter().map(|v| v.name.clone())).collect();
    for variable in variables {
        let values = envs.values(|_, d| {
            d.env.iter().find(|v| v.name == variable).map(|v| v.value.value.clone())
        });
        changes.per_env(section, name, &format!("env {variable}"), values);
    }
    field(changes, "strategy", &|d| render::strategy(&d.strategy));
    optional(changes, name, envs, "health check", &|d| d.healthcheck.as_deref(), &|h| {
        (render::healthcheck(h), render::healthcheck_parts(h).to_vec())
    });
    optional(changes, name, envs, "liveness probe", &|d| d.liveness.as_deref(), &|l| {
        (render::liveness(l), render::liveness_parts(l).to_vec())
    });
    optional(changes, name, envs, "rollback", &|d| d.rollback.as_deref(), &|r| {
        (render::rollback(r), render::rollback_parts(r).to_vec())
    });
}

/// The parts of an optional value: its description, and each part with its name.
type Parts = (String, Vec<(&'static str, String)>);

/// An optional value made of parts, such as a health check: set or unset (with the whole
/// description), then each part where both versions set it (`health check interval 10s → 5s`).
fn optional<T: ?Sized>(
    changes: &mut Changes,
    name: &str,
    envs: &Envs<'_>,
    what: &str,
    get: &dyn Fn(&Deployment) -> Option<&T>,
    parts: &dyn Fn(&T) -> Parts,
) {
    let section = Section::Services;
    let set = envs.groups(|old, new| {
        let before = old.and_then(|(_, d)| get(d));
        let after = new.and_then(|(_, d)| get(d));
        if before.is_some() == after.is_some() {
            return None;
        }
        let describe = |v: Option<&T>| v.map_or("none".to_owned(), |v| parts(v).0);
        Some((Some(describe(before)), Some(describe(after))))
    });
    changes.per_env(section, name, what, set);
    let names: Vec<&str> = envs
        .deployments()
        .find_map(|(_, d)| get(d))
        .map(|v| parts(v).1.iter().map(|(n, _)| *n).collect())
        .unwrap_or_default();
    for (index, part) in names.iter().enumerate() {
        let values = envs.groups(|old, new| {
            let before = parts(old.and_then(|(_, d)| get(d))?).1;
            let after = parts(new.and_then(|(_, d)| get(d))?).1;
            let (b, a) = (&before.get(index)?.1, &after.get(index)?.1);
            (b != a).then(|| (Some(b.clone()), Some(a.clone())))
        });
        changes.per_env(section, name, &format!("{what} {part}"), values);
    }
}

fn secret<'a>(at: At<'a>, name: &str) -> Option<(&'a Platform, &'a SecretBinding)> {
    let (platform, deployment) = at?;
    deployment.secrets.iter().find(|s| s.name == name).map(|s| (platform, s))
}

fn readers(platform: &Platform, binding: &SecretBinding) -> BTreeSet<String> {
    binding.readers.iter().map(|t| platform.team(*t).name.clone()).collect()
}

/// Secrets and who may read them: access rules.
pub(crate) fn secrets(changes: &mut Changes, name: &str, envs: &Envs<'_>) {
    let section = Section::Access;
    let names: BTreeSet<String> =
        envs.deployments().flat_map(|(_, d)| d.secrets.iter().map(|s| s.name.clone())).collect();
    for secret_name in names {
        let values = envs.values(|_, d| {
            d.secrets.iter().find(|s| s.name == secret_name).map(|s| s.reference.to_string())
        });
        let what = format!("secret {secret_name}");
        if let Some(change) = changes.per_env(section, name, &what, values)
            && change.change == ChangeKind::Added
        {
            let mut teams: BTreeSet<String> = BTreeSet::new();
            for (platform, deployment) in envs.deployments() {
                let owner = platform.service(deployment.service).team;
                if let Some(binding) = deployment.secrets.iter().find(|s| s.name == secret_name) {
                    teams.insert(platform.team(owner).name.clone());
                    teams.extend(readers(platform, binding));
                }
            }
            let teams: Vec<String> = teams.into_iter().collect();
            change.notes.push(format!("readable by the members of {}", list(&teams)));
        }
        // Readers of a secret both versions have; a new secret's readers are in its note.
        let all_readers: BTreeSet<String> = envs
            .deployments()
            .flat_map(|(p, d)| {
                d.secrets.iter().filter(|s| s.name == secret_name).flat_map(|s| readers(p, s))
            })
            .collect();
        for reader in all_readers {
            let values = envs.groups(|old, new| {
                let (bp, b) = secret(old, &secret_name)?;
                let (ap, a) = secret(new, &secret_name)?;
                let (had, has) =
                    (readers(bp, b).contains(&reader), readers(ap, a).contains(&reader));
                (had != has).then(|| (had.then(String::new), has.then(String::new)))
            });
            let what = format!("secret {secret_name} reader {reader}");
            if let Some(change) = changes.per_env(section, name, &what, values) {
                let note = if change.change == ChangeKind::Added {
                    format!("the members of {reader} can read it")
                } else {
                    format!("the members of {reader} can no longer read it")
                };
                change.notes.push(note);
            }
        }
    }
}

fn resource<'a>(at: At<'a>, name: &str) -> Option<(&'a Platform, &'a ResourceInstance)> {
    let (platform, deployment) = at?;
    deployment.resources.iter().find(|r| r.name == name).map(|r| (platform, r))
}

/// Resources, and their fields environment by environment.
pub(crate) fn resources(changes: &mut Changes, name: &str, envs: &Envs<'_>) {
    let section = Section::Resources;
    let names: BTreeSet<String> =
        envs.deployments().flat_map(|(_, d)| d.resources.iter().map(|r| r.name.clone())).collect();
    for resource_name in names {
        let subject = format!("{name}/{resource_name}");
        let kinds = envs.groups(|old, new| {
            let kind =
                |at: At<'_>| resource(at, &resource_name).map(|(p, r)| p.kind(r.kind).name.clone());
            let (before, after) = (kind(old), kind(new));
            (before != after).then_some((before, after))
        });
        if let Some(change) = changes.per_env(section, &subject, "", kinds)
            && change.change == ChangeKind::Changed
        {
            change.what = "kind".to_owned();
        }
        let fields: BTreeSet<String> = envs
            .deployments()
            .flat_map(|(_, d)| d.resources.iter().filter(|r| r.name == resource_name))
            .flat_map(|r| r.fields.iter().map(|(f, _)| f.clone()))
            .collect();
        for field in fields {
            let values = envs.groups(|old, new| {
                let (bp, b) = resource(old, &resource_name)?;
                let (ap, a) = resource(new, &resource_name)?;
                if bp.kind(b.kind).name != ap.kind(a.kind).name {
                    return None;
                }
                let value = |r: &ResourceInstance| {
                    r.fields.iter().find(|(f, _)| *f == field).map(|(_, v)| v.render())
                };
                let (before, after) = (value(b), value(a));
                (before != after).then_some((before, after))
            });
            changes.per_env(section, &subject, &field, values);
        }
    }
}
