//! The Alertmanager routing tree: every alert carries its owning team's name, and each team's
//! alerts go to the team's on-call receiver (the platform's default receiver for teams without one).

use serde::Serialize;

use idpc_ir::Platform;

use crate::Artifact;
use crate::common;

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

#[derive(Serialize)]
struct TeamRoute {
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
        .map(|team| TeamRoute {
            receiver: team.oncall.clone().unwrap_or_else(|| default.clone()),
            matchers: vec![format!("team=\"{}\"", team.name)],
        })
        .collect();
    let mut receivers: Vec<String> = routes.iter().map(|r| r.receiver.clone()).collect();
    receivers.push(default.clone());
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
