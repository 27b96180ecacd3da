//! Drift: what the description compiles to, compared with what is live.
//!
//! Both sides become keyed [`Object`]s: the desired ones from the artifacts of a build
//! ([`desired::objects`]), the live ones from exports ([`exports::read`]). A [`Comparison`] holds
//! the live ones and takes the desired ones artifact by artifact, as they are made; matching
//! objects are compared as parsed values ([`compare::differences`]); differences that normalisation
//! [`rules`] explain away (server-managed fields, defaults, autoscaled replicas) are kept aside
//! with the rule that suppressed them; what is left is drift, each at its object and field path,
//! with the span of the declaration behind it ([`origin::span_of`]).
//!
//! Only domains and scopes the exports cover are compared: exporting one namespace does not
//! report every other namespace as missing.

pub mod compare;
mod comparison;
pub mod desired;
pub mod exports;
mod list;
pub mod objects;
pub mod origin;
pub mod path;
pub mod rules;

use std::collections::{BTreeMap, BTreeSet};

use idpc_diagnostics::Span;
use serde_json::Value;

pub use comparison::Comparison;
pub use objects::{Domain, Object, ObjectKey};
pub use path::FieldPath;
pub use rules::Rule;

/// How an object drifted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Live, with other values.
    Changed,
    /// Generated, but not live.
    MissingLive,
    /// Live and managed by idpc, but no longer generated.
    ExtraLive,
}

impl Class {
    /// How the class reads in a report.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Changed => "changed",
            Class::MissingLive => "missing live",
            Class::ExtraLive => "extra live",
        }
    }
}

/// One drift.
#[derive(Clone, Debug)]
pub struct Drift {
    /// The object.
    pub key: ObjectKey,
    /// How.
    pub class: Class,
    /// The field (empty for a missing or extra object).
    pub path: FieldPath,
    /// The generated value, if any.
    pub desired: Option<Value>,
    /// The live value, if any.
    pub live: Option<Value>,
    /// The artifact that generates the object.
    pub artifact: Option<String>,
    /// The export the live object was read from.
    pub export: Option<String>,
    /// The declaration behind the value.
    pub span: Option<Span>,
}

/// A difference a rule explained away.
#[derive(Clone, Debug)]
pub struct Suppressed {
    /// The object.
    pub key: ObjectKey,
    /// The field.
    pub path: FieldPath,
    /// The rule's name.
    pub rule: String,
    /// Why it is not drift.
    pub reason: String,
}

/// The outcome of a comparison.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Drifts, by object then path.
    pub drifts: Vec<Drift>,
    /// Differences the rules suppressed.
    pub suppressed: Vec<Suppressed>,
    /// Objects compared.
    pub compared: usize,
    /// The domains the exports covered.
    pub domains: BTreeSet<Domain>,
}

impl Report {
    /// Whether anything drifted.
    pub fn has_drift(&self) -> bool {
        !self.drifts.is_empty()
    }
}

/// What live exports cover: the domains they hold objects of, and the scopes (namespaces,
/// environments) within each. Only desired objects they cover are compared.
#[derive(Debug, Default)]
pub struct Coverage {
    domains: BTreeSet<Domain>,
    scopes: BTreeMap<Domain, BTreeSet<String>>,
}

impl Coverage {
    /// What the `live` objects cover.
    pub fn of(live: &[Object]) -> Coverage {
        let domains = live.iter().map(|o| o.key.domain()).collect();
        let mut scopes: BTreeMap<Domain, BTreeSet<String>> = BTreeMap::new();
        for object in live {
            if let Some(scope) = object.key.scope()
                && !scopes.get(&object.key.domain()).is_some_and(|s| s.contains(scope))
            {
                scopes.entry(object.key.domain()).or_default().insert(scope.to_owned());
            }
        }
        Coverage { domains, scopes }
    }

    /// Whether the domain is covered at all.
    pub fn has(&self, domain: Domain) -> bool {
        self.domains.contains(&domain)
    }

    /// Whether an object with this key is compared.
    pub fn covers(&self, key: &ObjectKey) -> bool {
        self.has(key.domain())
            && key.scope().is_none_or(|scope| {
                self.scopes.get(&key.domain()).is_some_and(|scopes| scopes.contains(scope))
            })
    }

    /// Whether a desired object with this key matters to a [`Comparison`]: covered, or a
    /// Kubernetes autoscaler (which tells whose replicas are not the description's to set).
    pub fn keeps(&self, key: &ObjectKey) -> bool {
        self.covers(key) || is_autoscaler(key)
    }
}

fn is_autoscaler(key: &ObjectKey) -> bool {
    matches!(key, ObjectKey::Kubernetes { kind, .. } if kind == "HorizontalPodAutoscaler")
}
