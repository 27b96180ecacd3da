//! Values resolved per environment, compared environment by environment and grouped: a change
//! made the same way in every environment is one group, said once.

use std::collections::BTreeMap;

use idpc_ir::{Deployment, Platform, ServiceId};

use crate::Values;

/// One side of a comparison in one environment: the platform and the service's deployment
/// there, or `None` when that version has no such service.
pub(crate) type At<'a> = Option<(&'a Platform, &'a Deployment)>;

/// The environments a service is compared in, with its deployment on each side.
pub(crate) struct Envs<'a> {
    base: &'a Platform,
    head: &'a Platform,
    pairs: Vec<(String, Option<&'a Deployment>, Option<&'a Deployment>)>,
}

impl<'a> Envs<'a> {
    /// The environments of a service: those both versions have when both have the service, every
    /// environment of the version that has it otherwise.
    pub(crate) fn new(
        base: &'a Platform,
        head: &'a Platform,
        base_service: Option<ServiceId>,
        head_service: Option<ServiceId>,
    ) -> Envs<'a> {
        let name_of = |p: &'a Platform, d: &Deployment| p.environment(d.environment).name.clone();
        let old: BTreeMap<String, &'a Deployment> = base_service
            .map(|id| base.deployments_of(id).map(|d| (name_of(base, d), d)).collect())
            .unwrap_or_default();
        let pairs = match head_service {
            Some(id) if base_service.is_some() => head
                .deployments_of(id)
                .filter_map(|d| {
                    let name = name_of(head, d);
                    old.get(&name).map(|b| (name, Some(*b), Some(d)))
                })
                .collect(),
            Some(id) => {
                head.deployments_of(id).map(|d| (name_of(head, d), None, Some(d))).collect()
            }
            None => base_service
                .map(|id| {
                    base.deployments_of(id).map(|d| (name_of(base, d), Some(d), None)).collect()
                })
                .unwrap_or_default(),
        };
        Envs { base, head, pairs }
    }

    /// Compares with `f`, which returns the old and new value in one environment when they
    /// differ; environments that changed the same way are grouped.
    pub(crate) fn groups(
        &self,
        f: impl Fn(At<'a>, At<'a>) -> Option<(Option<String>, Option<String>)>,
    ) -> Vec<Values> {
        let mut groups: Vec<Values> = Vec::new();
        for (name, old, new) in &self.pairs {
            let Some((before, after)) = f(old.map(|d| (self.base, d)), new.map(|d| (self.head, d)))
            else {
                continue;
            };
            match groups.iter_mut().find(|g| g.before == before && g.after == after) {
                Some(group) => group.environments.push(name.clone()),
                None => groups.push(Values {
                    environments: vec![name.clone()],
                    everywhere: false,
                    before,
                    after,
                }),
            }
        }
        for group in &mut groups {
            group.everywhere = group.environments.len() == self.pairs.len();
        }
        groups
    }

    /// Compares one value that `f` reads from a deployment (`None` when it is absent).
    pub(crate) fn values(
        &self,
        f: impl Fn(&'a Platform, &'a Deployment) -> Option<String>,
    ) -> Vec<Values> {
        self.groups(|old, new| {
            let before = old.and_then(|(p, d)| f(p, d));
            let after = new.and_then(|(p, d)| f(p, d));
            (before != after).then_some((before, after))
        })
    }

    /// The deployments on both sides, for collecting the names of things per environment.
    pub(crate) fn deployments(
        &self,
    ) -> impl Iterator<Item = (&'a Platform, &'a Deployment)> + use<'_, 'a> {
        self.pairs.iter().flat_map(|(_, old, new)| {
            old.map(|d| (self.base, d)).into_iter().chain(new.map(|d| (self.head, d)))
        })
    }
}
