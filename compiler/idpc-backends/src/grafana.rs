//! Grafana: one dashboard per service, a folder per team, provisioning files.

use idpc_ir::Platform;

use crate::Artifact;

pub(crate) fn emit(_platform: &Platform) -> Vec<Artifact> {
    Vec::new()
}
