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

use crate::Sink;

pub(crate) fn emit(platform: &Platform, sink: &Sink<'_>) {
    platform
        .services
        .par_iter()
        .enumerate()
        .for_each(|(i, s)| sink(dashboard::emit(platform, i, s)));
    provisioning::emit(platform).into_iter().chain(access::emit(platform)).for_each(sink);
}
