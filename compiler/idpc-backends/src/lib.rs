//! Backends: pure functions from a resolved [`Platform`] to artifacts.
//!
//! Each artifact family is one module with one entry point, `emit(&Platform) -> Vec<Artifact>`.
//! Structured formats (YAML, JSON) are serialised from typed structs; nothing is assembled from
//! strings. Names that artifacts use to refer to each other (Terraform outputs, dashboard uids,
//! recording rules) come from [`names`], so every family agrees on them.
//!
//! **Invariant:** backends never touch the file system, read the environment, or look at each
//! other's output. They see only the IR.

mod argo_rollouts;
mod catalog;
mod common;
mod gitops;
mod grafana;
mod helm;
mod kubernetes;
mod opa;
mod prometheus;
mod secrets;
mod terraform;

pub use common::{names, promql, templates};
pub use terraform::{
    field_variable as terraform_variable_name, module_inputs as terraform_module_inputs,
};

pub use common::units::{Hasher128, Key, Unit, keys as unit_keys};

use idpc_diagnostics::Diagnostic;
use idpc_ir::Platform;
use rayon::prelude::*;

/// A family of artifacts, selectable with `idpc build --target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Helm values for every (service, environment), with a values schema.
    Helm,
    /// The Backstage catalog.
    Catalog,
    /// Terraform modules per kind and a root module per environment.
    Terraform,
    /// Argo Rollouts: a Rollout, its Services and an AnalysisTemplate per (service, environment).
    ArgoRollouts,
    /// An OPA bundle: manifest, data and policies with their tests.
    Opa,
    /// Grafana dashboards, one per service, with provisioning files.
    Grafana,
    /// Prometheus recording and alerting rules per SLO, and the Alertmanager routing tree.
    Prometheus,
    /// Kubernetes namespaces, RBAC, network policies and quotas.
    Kubernetes,
    /// Argo CD applications and projects that sync the output tree (with `gitops` set).
    GitOps,
    /// External Secrets objects that make the Secrets pods read, and secrets-manager policies.
    Secrets,
}

impl Family {
    /// Every family, in output order.
    pub const ALL: &'static [Family] = &[
        Family::Helm,
        Family::Catalog,
        Family::Terraform,
        Family::ArgoRollouts,
        Family::Opa,
        Family::Grafana,
        Family::Prometheus,
        Family::Kubernetes,
        Family::GitOps,
        Family::Secrets,
    ];

    /// The kebab-case name, which is also the top-level directory of the family's files.
    pub fn name(self) -> &'static str {
        match self {
            Family::Helm => "helm",
            Family::Catalog => "catalog",
            Family::Terraform => "terraform",
            Family::ArgoRollouts => "argo-rollouts",
            Family::Opa => "opa",
            Family::Grafana => "grafana",
            Family::Prometheus => "prometheus",
            Family::Kubernetes => "kubernetes",
            Family::GitOps => "gitops",
            Family::Secrets => "secrets",
        }
    }

    /// Looks a family up by name.
    pub fn parse(name: &str) -> Option<Family> {
        Family::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Makes the family's artifacts of the units `out` wants, each handed over as soon as it is
    /// made (from any thread, in no particular order); what stopped the family, if anything.
    fn emit_into(self, platform: &Platform, out: &common::units::Out<'_>) -> Vec<Diagnostic> {
        match self {
            Family::Helm => helm::emit(platform, out),
            Family::Catalog => catalog::emit(platform, out),
            Family::ArgoRollouts => argo_rollouts::emit(platform, out),
            Family::Grafana => grafana::emit(platform, out),
            Family::Prometheus => prometheus::emit(platform, out),
            Family::Kubernetes => kubernetes::emit(platform, out),
            // Its shared files are a unit of their own, keyed by what they read of the
            // deployments; each team's files are the team's.
            Family::Terraform => return terraform::emit(platform, out),
            // These read the whole platform: every file is shared.
            Family::Opa | Family::GitOps | Family::Secrets => {
                if !out.wants(Unit::Shared) {
                    return Vec::new();
                }
                let artifacts = match self {
                    Family::Opa => opa::emit(platform),
                    Family::GitOps => gitops::emit(platform),
                    _ => secrets::emit(platform),
                };
                artifacts.into_iter().for_each(|artifact| out.put(Unit::Shared, artifact));
            }
        }
        Vec::new()
    }
}

/// Where backends put each artifact as soon as it is made, so that a build writes them while it
/// makes the next ones and never holds them all.
pub type Sink<'a> = dyn Fn(Artifact) + Sync + 'a;

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// The path relative to the output directory, `/`-separated.
    pub path: String,
    /// The full contents.
    pub contents: String,
}

/// What the backends produced: artifacts, and problems found while producing them (such as a
/// template that does not render), which stop the build.
#[derive(Debug, Default)]
pub struct Output {
    /// The artifacts, sorted by path.
    pub artifacts: Vec<Artifact>,
    /// Errors found while rendering.
    pub diagnostics: Vec<Diagnostic>,
}

/// Every problem [`emit`] of every family would report, found without writing the artifacts: what
/// `idpc check` adds to analysis so that it finds every error `idpc build` would.
pub fn check(platform: &Platform) -> Vec<Diagnostic> {
    // Only the Terraform family can fail: it renders the kinds' own templates.
    terraform::check(platform)
}

/// Runs the selected families (in parallel) and returns their artifacts sorted by path.
pub fn emit(platform: &Platform, families: &[Family]) -> Output {
    let (artifacts, diagnostics) =
        collect(|sink| emit_units(platform, families, &|_| true, &|_, artifact| sink(artifact)));
    Output { artifacts, diagnostics }
}

/// Runs `produce` with a sink that keeps what it is handed, from any thread; returns the
/// artifacts sorted by path, and what `produce` returned.
pub fn collect<R>(produce: impl FnOnce(&Sink<'_>) -> R) -> (Vec<Artifact>, R) {
    let artifacts = std::sync::Mutex::new(Vec::new());
    let returned = produce(&|artifact| {
        artifacts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(artifact);
    });
    let mut artifacts = artifacts.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    (artifacts, returned)
}

/// Runs the backends of `families` for the units `wants` selects, handing each artifact to
/// `sink` with its unit as soon as it is made, from any thread and in no particular order;
/// returns the diagnostics of the families that failed. Artifacts made before a failure have
/// been handed over already: a caller that writes them must be able to discard them. The
/// artifacts of a unit do not depend on which other units are made.
pub fn emit_units(
    platform: &Platform,
    families: &[Family],
    wants: &(dyn Fn(Unit) -> bool + Sync),
    sink: &(dyn Fn(Unit, Artifact) + Sync),
) -> Vec<Diagnostic> {
    let out = common::units::Out { wants, sink };
    families.par_iter().flat_map_iter(|family| family.emit_into(platform, &out)).collect()
}
