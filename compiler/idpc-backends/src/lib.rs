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

    fn emit(self, platform: &Platform) -> Output {
        let artifacts = match self {
            Family::Helm => helm::emit(platform),
            Family::Catalog => catalog::emit(platform),
            Family::Terraform => return terraform::emit(platform),
            Family::ArgoRollouts => argo_rollouts::emit(platform),
            Family::Opa => opa::emit(platform),
            Family::Grafana => grafana::emit(platform),
            Family::Prometheus => prometheus::emit(platform),
            Family::Kubernetes => kubernetes::emit(platform),
            Family::GitOps => gitops::emit(platform),
            Family::Secrets => secrets::emit(platform),
        };
        Output { artifacts, diagnostics: Vec::new() }
    }
}

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
    let outputs: Vec<Output> = families.par_iter().map(|family| family.emit(platform)).collect();
    let mut all = Output::default();
    for output in outputs {
        all.artifacts.extend(output.artifacts);
        all.diagnostics.extend(output.diagnostics);
    }
    all.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    all
}
