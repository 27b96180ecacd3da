//! The contexts scaffold templates are rendered with, built from the resolved platform.
//!
//! Every key is always present (`null` when the platform has no value), so a template in strict
//! mode can test optional values with `{{#if}}` instead of failing on them.

use idpc_ir::{Date, Duration, Environment, Kind, Member, Platform, Role, Team, ValueType};
use serde_json::{Value, json};

/// The version a new service's image starts at.
pub(crate) const FIRST_VERSION: &str = "0.1.0";

/// Short resource names for the standard kinds; other kinds name their resource after the kind.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("bucket", "files"),
    ("kafka-topic", "events"),
    ("postgres", "db"),
    ("queue", "jobs"),
    ("redis", "cache"),
];

/// The resource name of each requested kind (distinct kinds, in the order given): the short name
/// of a standard kind (`db` for `postgres`) unless another resource would have the same name,
/// else the kind's own name.
pub(crate) fn resource_names(kinds: &[&str]) -> Vec<String> {
    let short = |kind: &str| {
        SHORT_NAMES.iter().find(|(k, _)| *k == kind).map_or(kind, |(_, short)| short).to_owned()
    };
    let wanted: Vec<String> = kinds.iter().map(|k| short(k)).collect();
    kinds
        .iter()
        .zip(&wanted)
        .map(|(kind, name)| {
            let clashes = wanted.iter().filter(|n| *n == name).count() > 1
                || kinds.iter().any(|k| k != kind && k == name);
            if clashes { (*kind).to_owned() } else { name.clone() }
        })
        .collect()
}

/// The platform: `name`, `registry`, `domain`.
fn platform_json(platform: &Platform) -> Value {
    json!({
        "name": platform.name,
        "registry": platform.registry,
        "domain": platform.domain,
    })
}

/// Every environment: `name`, `tier`, `ephemeral`, and for ephemeral ones `from`, `owner`,
/// `expires` (`null` otherwise).
fn environments_json(platform: &Platform) -> Value {
    platform
        .environments
        .iter()
        .map(|env| {
            let ephemeral = env.ephemeral.as_ref();
            json!({
                "name": env.name,
                "tier": env.tier.as_str(),
                "ephemeral": ephemeral.is_some(),
                "from": ephemeral.map(|e| platform.environment(e.from).name.as_str()),
                "owner": ephemeral.map(|e| e.owner.as_str()),
                "expires": ephemeral.map(|e| e.expires().to_string()),
            })
        })
        .collect()
}

/// The team's first lead, or its first member.
fn lead(team: &Team) -> Option<&Member> {
    team.members.iter().find(|m| m.role == Role::Lead).or(team.members.first())
}

fn team_json(team: &Team) -> Value {
    json!({
        "name": team.name,
        "description": team.description,
        "lead": lead(team).map(|m| m.email.as_str()),
        "members": team.members.iter().map(|m| m.email.as_str()).collect::<Vec<_>>(),
        "channel": team.chat,
        "oncall": team.oncall,
    })
}

/// The runbook URL of a new service: under the platform's domain.
fn runbook(platform: &Platform, service: &str) -> String {
    let domain = platform.domain.as_deref().unwrap_or("example.com");
    format!("https://runbooks.{domain}/{service}")
}

/// The context of `idpc new service`.
pub(crate) fn service(
    platform: &Platform,
    team: &Team,
    name: &str,
    resources: &[(String, &Kind)],
    today: Date,
) -> Value {
    let image = format!("{name}:{FIRST_VERSION}");
    let runbook = runbook(platform, name);
    let email = lead(team).map_or_else(
        || format!("{}@{}", team.name, platform.domain.as_deref().unwrap_or("example.com")),
        |m| m.email.to_string(),
    );
    let resources: Vec<Value> = resources
        .iter()
        .map(|(resource, kind)| {
            let required: Vec<Value> = kind
                .fields
                .iter()
                .filter(|f| f.default.is_none())
                .map(|field| {
                    let value = match &field.ty {
                        ValueType::String
                        | ValueType::Name
                        | ValueType::Ref(_)
                        | ValueType::Declares(_)
                        | ValueType::Any => json!(name),
                        ValueType::Int { min, max } => json!(1.clamp(*min, (*max).max(*min))),
                        ValueType::Bool => json!(false),
                        ValueType::Duration => json!("1h"),
                        ValueType::Percent => json!("50%"),
                        ValueType::Cpu => json!("100m"),
                        ValueType::Memory => json!("1Gi"),
                        ValueType::Port => json!(8080),
                        ValueType::Email => json!(email),
                        ValueType::Url => json!(runbook),
                        ValueType::Image => json!(image),
                        ValueType::SecretRef => {
                            json!(format!("vault:{}/{name}#{}", team.name, field.name))
                        }
                        ValueType::Date => json!(today.to_string()),
                        ValueType::IntOrPercent => json!(1),
                        ValueType::Enum(choices) => json!(choices.first()),
                    };
                    json!({
                        "name": field.name,
                        "type": field.ty.keyword(),
                        "doc": field.doc.as_deref().unwrap_or("required by the kind"),
                        "value": value,
                    })
                })
                .collect();
            json!({
                "name": resource,
                "kind": kind.name,
                "description": kind.description,
                "required": required,
            })
        })
        .collect();
    json!({
        "name": name,
        "team": team_json(team),
        "platform": platform_json(platform),
        "image": image,
        "version": FIRST_VERSION,
        "runbook": runbook,
        "resources": resources,
        "environments": environments_json(platform),
    })
}

/// The context of `idpc new environment`.
pub(crate) fn environment(
    platform: &Platform,
    name: &str,
    base: &Environment,
    owner: &str,
    ttl: Duration,
    created: Date,
) -> Value {
    json!({
        "name": name,
        "from": base.name,
        "base": {
            "name": base.name,
            "tier": base.tier.as_str(),
            "region": base.region,
            "clusters": base.clusters,
        },
        "owner": owner,
        "ttl": ttl.compact(),
        "created": created.to_string(),
        "expires": created.plus(ttl).to_string(),
        "platform": platform_json(platform),
        "environments": environments_json(platform),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_kinds_get_short_names_unless_they_clash() {
        assert_eq!(resource_names(&["postgres", "redis"]), ["db", "cache"]);
        assert_eq!(resource_names(&["search-index"]), ["search-index"]);
        assert_eq!(resource_names(&["postgres", "db"]), ["postgres", "db"]);
        assert_eq!(
            resource_names(&["kafka-topic", "queue", "bucket"]),
            ["events", "jobs", "files"]
        );
    }
}
