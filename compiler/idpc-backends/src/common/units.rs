//! Units: the parts of the output that are made on their own, each from a known part of the
//! model, so that a build after an edit makes only the units whose part changed.
//!
//! Every artifact belongs to one unit: a service's own files (its Helm values, Rollouts, rules,
//! dashboard and catalog component), a team's files (its Kubernetes namespaces and its part of
//! each Terraform root module), the Terraform modules, or the platform's shared files (the OPA
//! bundle, the catalog's lists, the Alertmanager routes, …). [`keys`] digests, for every
//! service and team unit, everything its artifacts are made from:
//!
//! - the platform without its services and deployments (teams, environments, kinds, settings,
//!   the list of files): an edit there changes every key;
//! - the unit's services with their deployments, and the services they depend on and that
//!   depend on them (their names, ports and labels reach network policies, Helm dependencies and
//!   catalog relations).
//!
//! The Terraform modules (the kinds' modules and the files every team shares in the root
//! modules) read every deployment, but only where it runs and what resources it has: their key
//! digests the platform without its services, each service's name, team and system, and each
//! deployment's environment, namespace and resources. An edit of replicas, an image or a
//! rollout leaves them as they are; an edit of a resource makes them again, and its team's files.
//!
//! Shared files read the whole model, so they are made on every build that makes anything.
//! The keys are only ever compared with keys this same build of idpc made: the hasher need not
//! be stable across versions, only within one.

use std::hash::{BuildHasher, Hash, Hasher};

use foldhash::quality::FixedState;
use idpc_ir::{Platform, ServiceId, TeamId};
use rayon::prelude::*;

use crate::Artifact;

/// A part of the output made on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// Files that read the whole platform.
    Shared,
    /// The Terraform modules: the kinds' modules and the files every team shares in each
    /// environment's root module.
    Terraform,
    /// A team's files: its namespaces in every environment, and its file of each Terraform root
    /// module (its services' resources).
    Team(TeamId),
    /// A service's own files, in every environment.
    Service(ServiceId),
}

impl Unit {
    /// A name for the unit that does not depend on the order of the model: `shared`,
    /// `team:<name>`, `service:<name>`.
    pub fn name(self, platform: &Platform) -> String {
        match self {
            Unit::Shared => "shared".to_owned(),
            Unit::Terraform => "terraform".to_owned(),
            Unit::Team(team) => format!("team:{}", platform.team(team).name),
            Unit::Service(service) => format!("service:{}", platform.service(service).name),
        }
    }
}

/// A 128-bit digest of what a unit is made from.
pub type Key = u128;

/// Where the families put what they make, and which units they are asked to make.
pub(crate) struct Out<'a> {
    pub(crate) wants: &'a (dyn Fn(Unit) -> bool + Sync),
    pub(crate) sink: &'a (dyn Fn(Unit, Artifact) + Sync),
}

impl Out<'_> {
    /// Whether the unit is to be made.
    pub(crate) fn wants(&self, unit: Unit) -> bool {
        (self.wants)(unit)
    }

    /// Hands over an artifact of a unit.
    pub(crate) fn put(&self, unit: Unit, artifact: Artifact) {
        (self.sink)(unit, artifact);
    }

    /// Hands over a shared artifact, made only if shared files are wanted.
    pub(crate) fn shared(&self, make: impl FnOnce() -> Artifact) {
        if self.wants(Unit::Shared) {
            self.put(Unit::Shared, make());
        }
    }
}

/// A 128-bit hasher: two independent 64-bit hashes of the same stream. Fast, deterministic for
/// one build of idpc, not meant to resist an adversary.
#[derive(Clone)]
pub struct Hasher128(
    foldhash::quality::FoldHasher<'static>,
    foldhash::quality::FoldHasher<'static>,
);

impl Default for Hasher128 {
    fn default() -> Self {
        Hasher128::new()
    }
}

impl Hasher128 {
    /// A hasher that has seen nothing.
    pub fn new() -> Hasher128 {
        Hasher128(
            FixedState::with_seed(0x6964_7063_756e_6974).build_hasher(),
            FixedState::with_seed(0x7365_7276_6963_6573).build_hasher(),
        )
    }

    /// The 128-bit digest of what the hasher has seen.
    pub fn finish128(&self) -> Key {
        (u128::from(self.0.finish()) << 64) | u128::from(self.1.finish())
    }
}

impl Hasher for Hasher128 {
    fn finish(&self) -> u64 {
        self.0.finish()
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
        self.1.write(bytes);
    }
}

fn digest(value: &impl Hash) -> Key {
    let mut hasher = Hasher128::new();
    value.hash(&mut hasher);
    hasher.finish128()
}

/// The digest of the platform without its services and deployments. Every field is named, so
/// that a field added to the model is either hashed here or said not to be.
fn platform_digest(platform: &Platform) -> Key {
    let Platform {
        name,
        description,
        registry,
        domain,
        observability,
        max_ephemeral_ttl,
        drift_ignores,
        policies,
        gitops,
        secret_stores,
        ingress,
        identity,
        teams,
        environments,
        systems,
        kinds,
        services: _,
        deployments: _,
        files,
        span,
    } = platform;
    let mut hasher = Hasher128::new();
    (name, description, registry, domain, observability, max_ephemeral_ttl).hash(&mut hasher);
    (drift_ignores, policies, gitops, secret_stores, ingress, identity).hash(&mut hasher);
    (teams, environments, systems, kinds, files, span).hash(&mut hasher);
    hasher.finish128()
}

/// The key of the Terraform unit: what `terraform::emit` reads of the model (see the module's
/// documentation), with the platform without its services whole.
fn terraform_key(platform: &Platform, whole: Key) -> Key {
    let mut hasher = Hasher128::new();
    whole.hash(&mut hasher);
    for service in &platform.services {
        (&service.name, service.team, service.system).hash(&mut hasher);
    }
    for deployment in &platform.deployments {
        let idpc_ir::Deployment { service, environment, namespace, resources, .. } = deployment;
        (service, environment, namespace, resources).hash(&mut hasher);
    }
    hasher.finish128()
}

/// The key of every service and team unit and of the Terraform one (not of the shared one), in
/// the model's order.
pub fn keys(platform: &Platform) -> Vec<(Unit, Key)> {
    let whole = platform_digest(platform);
    // Each service with its deployments.
    let own: Vec<Key> = (0..platform.services.len())
        .into_par_iter()
        .map(|index| {
            let id = ServiceId::from_index(index);
            let deployments: Vec<_> = platform.deployments_of(id).collect();
            digest(&(index, &platform.services[index], deployments))
        })
        .collect();
    let mut callers: Vec<Vec<usize>> = vec![Vec::new(); platform.services.len()];
    for (index, service) in platform.services.iter().enumerate() {
        for callee in &service.depends_on {
            if let Some(list) = callers.get_mut(callee.index()) {
                list.push(index);
            }
        }
    }
    // A service with its neighbours both ways.
    let near = |index: usize, hasher: &mut Hasher128| {
        own[index].hash(hasher);
        let depends_on = platform.services[index].depends_on.iter().map(|d| d.index());
        for other in depends_on.chain(callers[index].iter().copied()) {
            own.get(other).hash(hasher);
        }
    };
    let mut keys: Vec<(Unit, Key)> = (0..platform.services.len())
        .into_par_iter()
        .map(|index| {
            let mut hasher = Hasher128::new();
            whole.hash(&mut hasher);
            near(index, &mut hasher);
            (Unit::Service(ServiceId::from_index(index)), hasher.finish128())
        })
        .collect();
    let mut teams: Vec<Hasher128> = platform
        .teams
        .iter()
        .enumerate()
        .map(|(index, _)| {
            let mut hasher = Hasher128::new();
            (whole, index).hash(&mut hasher);
            hasher
        })
        .collect();
    for (index, service) in platform.services.iter().enumerate() {
        if let Some(hasher) = teams.get_mut(service.team.index()) {
            near(index, hasher);
        }
    }
    keys.extend(
        teams
            .iter()
            .enumerate()
            .map(|(index, hasher)| (Unit::Team(TeamId::from_index(index)), hasher.finish128())),
    );
    keys.push((Unit::Terraform, terraform_key(platform, whole)));
    keys
}
