//! The Alertmanager routing tree: every alert carries its owning team's name and a severity. A
//! team's pages go to its on-call receiver, its tickets to the receiver named after its chat
//! channel (`#payments`), where someone reads them during working hours. A team without an
//! on-call receiver or a channel has those alerts sent to the platform's default receiver.

use serde::Serialize;

use idpc_ir::Platform;

use crate::Artifact;
use crate::common;
use crate::common::promql::{Severity, string_literal};

#[derive(Serialize)]
struct Config {
    route: Route,
    receivers: Vec<Receiver>,
}

#[derive(Serialize)]
struct Route {
    receiver: String,
    group_by: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<TeamRoute>,
}

/// A team's alerts, sent on by severity; what matches no severity route goes to `receiver`.
#[derive(Serialize)]
struct TeamRoute {
    receiver: String,
    matchers: Vec<String>,
    routes: Vec<SeverityRoute>,
}

#[derive(Serialize)]
struct SeverityRoute {
    receiver: String,
    matchers: Vec<String>,
}

/// A receiver by name. Its integrations (pager, chat, email) are configured where the platform
/// keeps Alertmanager's secrets; idpc only routes to it.
#[derive(Serialize)]
struct Receiver {
    name: String,
}

pub(crate) fn emit(platform: &Platform) -> Artifact {
    let default = platform.observability.default_receiver.clone();
    let routes: Vec<TeamRoute> = platform
        .teams
        .iter()
        .map(|team| {
            let pager = team.oncall.clone().unwrap_or_else(|| default.clone());
            let tickets = team.chat.clone().unwrap_or_else(|| default.clone());
            let severity = |severity: Severity, receiver: &str| SeverityRoute {
                receiver: receiver.to_owned(),
                matchers: vec![format!("severity={}", string_literal(severity.as_str()))],
            };
            TeamRoute {
                receiver: pager.clone(),
                matchers: vec![format!("team={}", string_literal(&team.name))],
                routes: vec![
                    severity(Severity::Page, &pager),
                    severity(Severity::Ticket, &tickets),
                ],
            }
        })
        .collect();
    let mut receivers: Vec<String> = routes
        .iter()
        .flat_map(|r| r.routes.iter().map(|s| s.receiver.clone()))
        .chain([default.clone()])
        .collect();
    receivers.sort();
    receivers.dedup();
    let config = Config {
        route: Route {
            receiver: default,
            group_by: vec!["alertname", "team", "service", "environment", "slo"],
            routes,
        },
        receivers: receivers.into_iter().map(|name| Receiver { name }).collect(),
    };
    common::yaml("prometheus/alertmanager.yaml".to_owned(), "the platform description", &config)
}
