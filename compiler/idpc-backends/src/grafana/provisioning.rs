//! Grafana provisioning: a dashboard provider (and so a folder) per team, and the data source.

use serde::Serialize;

use idpc_ir::Platform;

use crate::Artifact;
use crate::common::{self, names};

/// Where the `grafana/dashboards` directory is mounted in Grafana.
pub(crate) const MOUNT: &str = "/var/lib/grafana/dashboards/idpc";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dashboards {
    api_version: u8,
    providers: Vec<Provider>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Provider {
    name: String,
    org_id: u8,
    folder: String,
    folder_uid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    disable_deletion: bool,
    allow_ui_updates: bool,
    update_interval_seconds: u32,
    options: ProviderOptions,
}

#[derive(Serialize)]
struct ProviderOptions {
    path: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Datasources {
    api_version: u8,
    datasources: Vec<Datasource>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Datasource {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    uid: String,
    url: String,
    access: &'static str,
    is_default: bool,
    editable: bool,
}

pub(crate) fn emit(platform: &Platform) -> Vec<Artifact> {
    let whole = "the platform description";
    // A team gets a folder if it owns a service.
    let mut owns = vec![false; platform.teams.len()];
    for service in &platform.services {
        owns[service.team.index()] = true;
    }
    let providers = platform
        .teams
        .iter()
        .zip(owns)
        .filter_map(|(team, owns)| owns.then_some(team))
        .map(|team| Provider {
            name: format!("idpc-{}", team.name),
            org_id: 1,
            folder: team.name.clone(),
            folder_uid: names::folder_uid(platform, &team.name),
            kind: "file",
            disable_deletion: true,
            allow_ui_updates: false,
            update_interval_seconds: 60,
            options: ProviderOptions { path: format!("{MOUNT}/{}", team.name) },
        })
        .collect();
    let datasource = Datasource {
        name: "Prometheus",
        kind: "prometheus",
        uid: platform.observability.grafana_datasource.clone(),
        url: platform.observability.prometheus_url.to_string(),
        access: "proxy",
        is_default: true,
        editable: false,
    };
    vec![
        common::yaml(
            "grafana/provisioning/dashboards/idpc.yaml".to_owned(),
            whole,
            &Dashboards { api_version: 1, providers },
        ),
        common::yaml(
            "grafana/provisioning/datasources/idpc.yaml".to_owned(),
            whole,
            &Datasources { api_version: 1, datasources: vec![datasource] },
        ),
    ]
}
