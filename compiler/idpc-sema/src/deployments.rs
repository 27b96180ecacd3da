//! Checks of each resolved (service, environment): settings that are valid one by one but that
//! the API server or the rollout controller would reject together, once overrides are applied.
//!
//! A check that fails in several environments for the same lines is reported once.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span};
use idpc_ir::{Deployment, Environment, Origin, Service};

/// A problem before it is known in which environments it occurs.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Problem {
    at: Span,
    message: String,
    label: &'static str,
    other: Option<Span>,
    other_label: &'static str,
}

/// Checks every deployment.
pub(crate) fn check(
    deployments: &[Deployment],
    services: &[Service],
    environments: &[Environment],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut problems: BTreeMap<Problem, Vec<&str>> = BTreeMap::new();
    for deployment in deployments {
        let service = &services[deployment.service.index()];
        let environment = &environments[deployment.environment.index()];
        let place = |origin: &Origin| origin.span.unwrap_or(service.span);
        let mut inverted = |message: String,
                            at: Span,
                            label: &'static str,
                            other: Option<Span>,
                            other_label: &'static str| {
            let other = other.filter(|o| *o != at);
            let problem = Problem { at, message, label, other, other_label };
            problems.entry(problem).or_default().push(&environment.name);
        };
        if deployment.memory_limit.value < deployment.memory.value {
            inverted(
                format!(
                    "memory limit {} of `{}` is below its request {}",
                    deployment.memory_limit.value, service.name, deployment.memory.value
                ),
                place(&deployment.memory_limit.origin),
                "the limit",
                deployment.memory.origin.span,
                "the request",
            );
        }
        if let Some(limit) = &deployment.cpu_limit
            && limit.value < deployment.cpu.value
        {
            inverted(
                format!(
                    "CPU limit {} of `{}` is below its request {}",
                    limit.value, service.name, deployment.cpu.value
                ),
                place(&limit.origin),
                "the limit",
                deployment.cpu.origin.span,
                "the request",
            );
        }
        if let Some(autoscale) = &deployment.autoscale
            && deployment.replicas.value > autoscale.value.max
        {
            inverted(
                format!(
                    "`{}` runs {} replicas, above its autoscaling maximum of {}",
                    service.name, deployment.replicas.value, autoscale.value.max
                ),
                place(&deployment.replicas.origin),
                "the replicas",
                autoscale.origin.span,
                "the maximum",
            );
        }
    }
    let every = environments.len();
    for (problem, environments) in problems {
        let within = if environments.len() == every {
            "in every environment".to_owned()
        } else {
            format!(
                "in {}",
                environments.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            )
        };
        let mut diagnostic =
            Diagnostic::new(Code::InvertedBounds, problem.message, problem.at, problem.label)
                .with_help(format!("{within}; raise the upper bound or lower the other"));
        if let Some(other) = problem.other {
            diagnostic = diagnostic.with_label(other, problem.other_label);
        }
        diagnostics.push(diagnostic);
    }
}
