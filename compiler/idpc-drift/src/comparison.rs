//! A comparison fed one artifact at a time, from any thread: each generated object is compared
//! with its live counterpart as soon as it is made, and dropped unless it drifted.
//!
//! At 10,000 services a Kubernetes export holds 200,000 objects. Kept whole until the end, the
//! generated ones doubled the memory of the live ones and were compared on one thread; fed as
//! they are made, they are compared on every thread that makes them, and only what differs is
//! kept. What needs the whole picture waits for [`Comparison::finish`]: which objects an
//! autoscaler targets (the autoscaler and its target may be made by different artifacts), which
//! live objects nothing generated, and the rules, applied in the order of the artifacts' paths
//! whatever order they came in.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};

use idpc_ir::Platform;
use serde_json::Value;

use crate::compare::{Difference, differences};
use crate::objects::{Object, ObjectKey};
use crate::path::FieldPath;
use crate::rules::{self, Rule};
use crate::{Class, Coverage, Drift, Report, Suppressed, is_autoscaler, origin};

/// Live objects, waiting for the generated ones.
pub struct Comparison<'a> {
    platform: &'a Platform,
    rules: &'a [Rule],
    coverage: Coverage,
    /// The live objects, in the order they were read.
    live: Vec<Object>,
    /// The hash of each live object's key and the object's place in `live`, in that order: a
    /// key is found by its hash, and its first object (the one compared) is the first of its
    /// hash that has the key. Keys share long prefixes (a kind, a namespace), so comparing them
    /// in a sorted map was a tenth of a comparison at 10,000 services.
    index: Vec<(u64, usize)>,
    found: Mutex<Found>,
}

/// What the generated objects added so far have shown.
#[derive(Default)]
struct Found {
    /// The places in `live` of the objects that generated ones were compared with.
    seen: Vec<usize>,
    compared: usize,
    /// The objects that differ from their live counterpart.
    differing: Vec<Differing>,
    /// Generated, not live, with the artifact's path and the object's place in it.
    missing: Vec<((String, usize), Drift)>,
    /// The (namespace, name) of every object a generated autoscaler targets.
    autoscaled: BTreeSet<(String, String)>,
}

/// A generated object that differs from its live counterpart.
struct Differing {
    /// The artifact's path and the object's place in it: the order the rules are applied in.
    order: (String, usize),
    object: Object,
    /// The live counterpart's place in `live`.
    live: usize,
    differences: Vec<Difference>,
}

impl<'a> Comparison<'a> {
    /// A comparison with the `live` objects under `rules`.
    pub fn new(platform: &'a Platform, live: Vec<Object>, rules: &'a [Rule]) -> Comparison<'a> {
        let coverage = Coverage::of(&live);
        let mut index: Vec<(u64, usize)> =
            live.iter().enumerate().map(|(at, object)| (hash(&object.key), at)).collect();
        index.sort_unstable();
        Comparison { platform, rules, coverage, live, index, found: Mutex::new(Found::default()) }
    }

    /// The place in `live` of the first live object with `key`.
    fn find(&self, key: &ObjectKey) -> Option<usize> {
        let hash = hash(key);
        let from = self.index.partition_point(|&(h, _)| h < hash);
        self.index[from..]
            .iter()
            .take_while(|&&(h, _)| h == hash)
            .map(|&(_, at)| at)
            .find(|&at| self.live[at].key == *key)
    }

    /// What the live objects cover: only generated objects it covers are compared.
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }

    /// Compares the objects of the artifact at `path` (in its order) with the live ones.
    pub fn add(&self, path: &str, objects: Vec<Object>) {
        let mut found = Found::default();
        for (index, object) in objects.into_iter().enumerate() {
            if is_autoscaler(&object.key)
                && let Some(target) = autoscaler_target(&object.value)
            {
                found.autoscaled.insert(target);
            }
            if !self.coverage.covers(&object.key) {
                continue;
            }
            let Some(at) = self.find(&object.key) else {
                let order = (path.to_owned(), index);
                found.missing.push((
                    order,
                    Drift {
                        span: origin::span_of(
                            self.platform,
                            &object.key,
                            &FieldPath::default(),
                            Some(&object.value),
                        ),
                        key: object.key,
                        class: Class::MissingLive,
                        path: FieldPath::default(),
                        desired: None,
                        live: None,
                        artifact: Some(object.origin),
                        export: None,
                    },
                ));
                continue;
            };
            found.seen.push(at);
            found.compared += 1;
            let differences = differences(&object.value, &self.live[at].value);
            if !differences.is_empty() {
                found.differing.push(Differing {
                    order: (path.to_owned(), index),
                    object,
                    live: at,
                    differences,
                });
            }
        }
        let mut all = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        all.seen.append(&mut found.seen);
        all.compared += found.compared;
        all.differing.append(&mut found.differing);
        all.missing.append(&mut found.missing);
        all.autoscaled.append(&mut found.autoscaled);
    }

    /// The report: the rules applied to every difference, the live objects idpc manages that
    /// nothing generated, every drift in the order of its object and field.
    pub fn finish(self) -> Report {
        let first: Vec<Option<usize>> = self.live.iter().map(|o| self.find(&o.key)).collect();
        let Comparison { platform, rules, coverage, live, found, .. } = self;
        let mut found = found.into_inner().unwrap_or_else(PoisonError::into_inner);
        let mut report = Report {
            domains: coverage.domains.clone(),
            compared: found.compared,
            ..Report::default()
        };
        // In the order of the artifacts, so that objects with one key keep theirs.
        found.missing.sort_by(|a, b| a.0.cmp(&b.0));
        report.drifts.extend(found.missing.into_iter().map(|(_, drift)| drift));
        found.differing.sort_by(|a, b| a.order.cmp(&b.order));
        for Differing { object, live: at, differences, .. } in found.differing {
            let context = rules::Context {
                autoscaled: match &object.key {
                    ObjectKey::Kubernetes { namespace: Some(ns), name, .. } => {
                        found.autoscaled.contains(&(ns.clone(), name.clone()))
                    }
                    _ => false,
                },
            };
            let export = Some(live[at].origin.clone());
            for difference in differences {
                if let Some(rule) =
                    rules.iter().find(|r| r.suppresses(&object.key, &difference, context))
                {
                    report.suppressed.push(Suppressed {
                        key: object.key.clone(),
                        path: difference.path,
                        rule: rule.name.clone(),
                        reason: rule.reason.clone(),
                    });
                    continue;
                }
                report.drifts.push(Drift {
                    span: origin::span_of(
                        platform,
                        &object.key,
                        &difference.path,
                        Some(&object.value),
                    ),
                    key: object.key.clone(),
                    class: Class::Changed,
                    path: difference.path,
                    desired: difference.desired,
                    live: difference.live,
                    artifact: Some(object.origin.clone()),
                    export: export.clone(),
                });
            }
        }
        let mut seen = vec![false; live.len()];
        for at in found.seen {
            seen[at] = true;
        }
        let extra = live
            .into_iter()
            .enumerate()
            .filter(|&(at, ref object)| object.managed && !seen[at] && first[at] == Some(at));
        for (_, object) in extra {
            report.drifts.push(Drift {
                key: object.key,
                class: Class::ExtraLive,
                path: FieldPath::default(),
                desired: None,
                live: None,
                artifact: None,
                export: Some(object.origin),
                span: None,
            });
        }
        report.drifts.sort_by(|a, b| (&a.key, &a.path).cmp(&(&b.key, &b.path)));
        report
    }
}

/// A hash of `key`, the same for equal keys within a run.
fn hash(key: &ObjectKey) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// The (namespace, name) an autoscaler scales.
fn autoscaler_target(value: &Value) -> Option<(String, String)> {
    let namespace = value.pointer("/metadata/namespace")?.as_str()?;
    let target = value.pointer("/spec/scaleTargetRef/name")?.as_str()?;
    Some((namespace.to_owned(), target.to_owned()))
}
