//! The services an ephemeral environment carries: `services "a" "b"` in its block names them, and
//! the services they depend on are carried along (decision 7), so that every call a carried
//! service makes stays inside the environment.

use idpc_diagnostics::{Code, Diagnostic};
use idpc_ir::{Environment, Service, ServiceId};

use crate::collect::Decl;
use crate::diagnostics::unknown_reference;
use crate::schema::estate::EnvironmentNode;

/// Sets `ephemeral.services` of each ephemeral environment that names its services.
pub(crate) fn lower(
    decls: &[Decl<'_, EnvironmentNode>],
    environments: &mut [Environment],
    services: &[Service],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for decl in decls {
        let env = decl.node;
        let Some(node) = &env.services else { continue };
        let Some(environment) = environments.iter_mut().find(|e| e.name == decl.name) else {
            continue;
        };
        if !env.is_written(&EnvironmentNode::from) {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidEphemeral,
                    format!("`{}` is long-lived and carries every service", decl.name),
                    node.span,
                    "only an ephemeral environment names its services",
                )
                .with_help("remove `services`, or add `from=\"ENV\"` to make it ephemeral"),
            );
            continue;
        }
        let mut carried: Vec<ServiceId> = Vec::new();
        for typed in &node.services {
            let name = typed.value.as_str();
            match services.binary_search_by(|s| s.name.as_str().cmp(name)) {
                Ok(index) => carried.push(ServiceId::from_index(index)),
                Err(_) => diagnostics.push(unknown_reference(
                    "service",
                    name,
                    typed.span,
                    services.iter().map(|s| s.name.as_str()),
                )),
            }
        }
        // Their dependencies, and theirs, without recursion: the graph may be deep.
        let mut seen = vec![false; services.len()];
        let mut stack = carried.clone();
        carried.clear();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            carried.push(id);
            stack.extend(services[id.index()].depends_on.iter().copied());
        }
        carried.sort_unstable();
        if let Some(ephemeral) = &mut environment.ephemeral {
            ephemeral.services = Some(carried);
        }
    }
}
