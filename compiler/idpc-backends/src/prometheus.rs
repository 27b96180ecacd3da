//! Prometheus: SLO recording rules, multi-window multi-burn-rate alerts, Alertmanager routes.

use idpc_ir::Platform;

use crate::Artifact;

pub(crate) fn emit(_platform: &Platform) -> Vec<Artifact> {
    Vec::new()
}
