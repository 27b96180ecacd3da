//! Backends: pure functions from a resolved [`Platform`] to artifacts.
//!
//! Each artifact family is one module with one entry point, `emit(&Platform) -> Vec<Artifact>`.
//! Structured formats (YAML, JSON) are serialised from typed structs; nothing is assembled from
//! strings. Names that artifacts use to refer to each other (Terraform outputs, dashboard uids,
//! recording rules) come from [`names`], so every family agrees on them.
//!
//! **Invariant:** backends never touch the file system, read the environment, or look at each
//! other's output. They see only the IR.

mod catalog;
mod common;
mod helm;

pub use common::names;

use idpc_ir::Platform;
use rayon::prelude::*;

/// A family of artifacts, selectable with `idpc build --target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Helm values for every (service, environment), with a values schema.
    Helm,
    /// The Backstage catalog.
    Catalog,
}

impl Family {
    /// Every family, in output order.
    pub const ALL: &'static [Family] = &[Family::Helm, Family::Catalog];

    /// The kebab-case name, which is also the top-level directory of the family's files.
    pub fn name(self) -> &'static str {
        match self {
            Family::Helm => "helm",
            Family::Catalog => "catalog",
        }
    }

    /// Looks a family up by name.
    pub fn parse(name: &str) -> Option<Family> {
        Family::ALL.iter().copied().find(|f| f.name() == name)
    }

    fn emit(self, platform: &Platform) -> Vec<Artifact> {
        match self {
            Family::Helm => helm::emit(platform),
            Family::Catalog => catalog::emit(platform),
        }
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

/// Runs the selected families (in parallel) and returns their artifacts sorted by path.
pub fn emit(platform: &Platform, families: &[Family]) -> Vec<Artifact> {
    let mut artifacts: Vec<Artifact> =
        families.par_iter().flat_map_iter(|family| family.emit(platform)).collect();
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    artifacts
}
