//! Grafana: one dashboard per service (request rate, error ratio, latency percentiles, SLO error
//! budget and burn rate, rollout state) with an `environment` variable and a stable uid; a folder
//! per team; provisioning files for the dashboards and the Prometheus data source; and the
//! Terraform of the teams' access: a Grafana team per team that may view its folder and read
//! its own namespaces' logs.
//!
//! `grafana/dashboards/<team>/<service>.json`, `grafana/provisioning/dashboards/idpc.yaml`,
//! `grafana/provisioning/datasources/idpc.yaml`, `grafana/access.tf`.

mod access;
mod dashboard;
mod provisioning;

use idpc_ir::Platform;
use rayon::prelude::*;

use crate::Artifact;

pub(crate) fn emit(platform: &Platform) -> Vec<Artifact> {
    let mut artifacts: Vec<Artifact> = platform
        .services
        .par_iter()
        .enumerate()
        .map(|(i, s)| dashboard::emit(platform, i, s))
        .collect();
    artifacts.extend(provisioning::emit(platform));
    artifacts.extend(access::emit(platform));
    artifacts
}
