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

use idpc_ir::{Platform, ServiceId};
use rayon::prelude::*;

use crate::common::units::{Out, Unit};

pub(crate) fn emit(platform: &Platform, out: &Out<'_>) {
    platform.services.par_iter().enumerate().for_each(|(i, s)| {
        let unit = Unit::Service(ServiceId::from_index(i));
        if out.wants(unit) {
            out.put(unit, dashboard::emit(platform, i, s));
        }
    });
    if out.wants(Unit::Shared) {
        let shared = provisioning::emit(platform).into_iter().chain(access::emit(platform));
        shared.for_each(|artifact| out.put(Unit::Shared, artifact));
    }
}
