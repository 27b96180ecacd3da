//! Results kept between analyses of one description, for an editor (decision 8): per service,
//! its lowering and its deployments, reused while the service's file and what the service is
//! resolved against are unchanged.
//!
//! A service's lowering reads only its own node (in its file's unit) and the names and kinds it
//! is resolved against; its deployments read its lowering, the environments, the kinds, the
//! teams and the registry. Each kept result records exactly that: the unit it came from (held,
//! so that a unit is never mistaken for a later one at the same address), the node's position,
//! and a digest of the rest. Anything else is recomputed.

use std::hash::{BuildHasher, Hasher};

use foldhash::quality::{FixedState, FoldHasher};
use std::sync::Arc;

use idpc_diagnostics::Diagnostic;
use idpc_ir::Deployment;

use crate::services::Lowered;
use crate::unit::FileUnit;

/// What one description's last analysis left for the next. Empty and unused unless
/// [`Cache::keep`] turned it on: a one-shot `check` or `build` gains nothing from it.
#[derive(Debug, Default)]
pub struct Cache {
    keep: bool,
    services: Vec<Option<Kept>>,
    /// How many services' lowerings the last analysis reused.
    reused: usize,
    /// The model the kept deployments were moved into, if they were: it may give them back.
    lent: Option<u64>,
    /// Numbers models that borrow deployments.
    next: u64,
}

/// One service's deployments and what resolving them found, with the digest of their inputs.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) digest: u64,
    /// Empty while lent to a model.
    pub(crate) deployments: Vec<Deployment>,
    pub(crate) count: usize,
    pub(crate) lent: bool,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// One service's results.
#[derive(Debug)]
pub(crate) struct Kept {
    unit: Arc<FileUnit>,
    position: usize,
    names: u64,
    pub(crate) lowered: Lowered,
    /// The deployments and what resolving them found.
    pub(crate) resolved: Option<Resolved>,
}

impl Cache {
    /// A cache that keeps results from one analysis to the next.
    pub fn keep() -> Cache {
        Cache { keep: true, ..Cache::default() }
    }

    /// Whether results are kept.
    pub fn keeps(&self) -> bool {
        self.keep
    }

    /// How many services' lowerings the last analysis reused.
    pub fn reused(&self) -> usize {
        self.reused
    }

    /// Records how many lowerings an analysis reused.
    pub(crate) fn set_reused(&mut self, reused: usize) {
        self.reused = reused;
    }

    /// The kept lowering of the service at `index`, if it was made from this unit's node at
    /// `position` against the same names.
    pub(crate) fn lowered(
        &self,
        index: usize,
        unit: &Arc<FileUnit>,
        position: usize,
        names: u64,
    ) -> Option<&Kept> {
        let kept = self.services.get(index)?.as_ref()?;
        // A service moved into a model is never reused.
        (Arc::ptr_eq(&kept.unit, unit)
            && kept.position == position
            && kept.names == names
            && kept.lowered.service.is_some())
        .then_some(kept)
    }

    /// Sets the service table's size, dropping what is beyond it.
    pub(crate) fn resize(&mut self, services: usize) {
        self.services.resize_with(services, || None);
    }

    /// Keeps a fresh lowering (its deployments are resolved later).
    pub(crate) fn put(
        &mut self,
        index: usize,
        unit: Arc<FileUnit>,
        position: usize,
        names: u64,
        lowered: Lowered,
    ) {
        self.services[index] = Some(Kept { unit, position, names, lowered, resolved: None });
    }

    /// The kept results by service index (every index is filled once lowering is done).
    pub(crate) fn services(&self) -> impl Iterator<Item = &Kept> {
        self.services.iter().flatten()
    }

    /// The kept results, to fill in deployments.
    pub(crate) fn services_mut(&mut self) -> impl Iterator<Item = &mut Kept> {
        self.services.iter_mut().flatten()
    }

    /// Takes back the deployments lent to the model numbered `token` (its `deployments`, in
    /// service order, untouched). Anything else is dropped, and resolved again when needed.
    pub fn reclaim(&mut self, token: u64, deployments: Vec<idpc_ir::Deployment>) {
        if self.lent != Some(token) {
            return;
        }
        self.lent = None;
        let total: usize =
            self.services().filter_map(|k| k.resolved.as_ref()).map(|r| r.count).sum();
        if total != deployments.len() {
            return;
        }
        let mut rest = deployments.into_iter();
        for resolved in self.services_mut().filter_map(|k| k.resolved.as_mut()) {
            resolved.deployments = rest.by_ref().take(resolved.count).collect();
            resolved.lent = false;
        }
    }

    /// At the start of an analysis: deployments lent to a model that did not give them back are
    /// resolved again.
    pub(crate) fn begin(&mut self) {
        self.lent = None;
        for kept in self.services_mut() {
            if kept.resolved.as_ref().is_some_and(|r| r.lent) {
                kept.resolved = None;
            }
        }
    }

    /// Numbers a model that borrows the kept deployments.
    pub(crate) fn lend(&mut self) -> u64 {
        self.next += 1;
        self.lent = Some(self.next);
        self.next
    }

    /// Forgets everything when results are not to be kept.
    pub(crate) fn finish(&mut self) {
        if !self.keep {
            self.services.clear();
        }
    }
}

/// A copy keeps results from then on but starts empty: what is kept belongs to the analyses of
/// the original.
impl Clone for Cache {
    fn clone(&self) -> Cache {
        Cache { keep: self.keep, ..Cache::default() }
    }
}

/// A digest of what `write` hashes, for the keys above.
pub(crate) fn digest(write: impl FnOnce(&mut FoldHasher<'static>)) -> u64 {
    let mut hasher = FixedState::default().build_hasher();
    write(&mut hasher);
    hasher.finish()
}
