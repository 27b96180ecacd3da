//! Kubernetes access objects: namespaces, RBAC, network policies and quotas.

use idpc_ir::Platform;

use crate::Artifact;

pub(crate) fn emit(_platform: &Platform) -> Vec<Artifact> {
    Vec::new()
}
