//! The presets, slice by slice: the services are cut into slices of [`crate::SLICE`],
//! evaluated in parallel, and each slice's result is kept by its input (see [`crate::Cache`]).

use std::hash::{BuildHasher, Hash, Hasher};
use std::ops::Range;

use foldhash::quality::{FixedState, FoldHasher};
use idpc_diagnostics::Diagnostic;
use idpc_ir::Platform;
use serde_json::Value;

use crate::compiled::Programs;
use crate::{Cache, Loaded, input};

/// What every slice's evaluation shares: the global part of the input and the configuration,
/// converted once; the `at` numbers of the global part; the cache key of both; the presets,
/// parsed once and compiled once.
pub(crate) struct Shared {
    /// An engine with the presets loaded, and nothing else.
    engine: regorus::Engine,
    /// The presets compiled (see [`crate::compiled`]), where they are.
    programs: Programs,
    /// Whether the presets are the interpreted reference ([`Cache::interpreted`]).
    interpreted: bool,
    global: Option<regorus::Value>,
    config: Option<regorus::Value>,
    spans: input::Spans,
    key: FoldHasher<'static>,
}

impl Shared {
    /// What the slices of `platform` share when `presets` are checked with `config`, the
    /// presets compiled if `compile`.
    pub(crate) fn new(
        platform: &Platform,
        presets: &[&Loaded<'_>],
        config: &Value,
        compile: bool,
    ) -> Shared {
        let (global, spans) = input::global(platform);
        let global = Value::Object(global);
        let mut key = FixedState::default().build_hasher();
        config.to_string().hash(&mut key);
        global.to_string().hash(&mut key);
        // The `at` numbers of the global part stand for these spans: a violation found there
        // must not point at where a team or an environment used to be.
        spans.hash_into(&mut key);
        for policy in presets {
            policy.source.text.hash(&mut key);
        }
        let mut engine = regorus::Engine::new();
        for policy in presets {
            // Each preset was added once already and reported if it failed; here it only loads.
            let _ = engine.add_policy(policy.source.path.clone(), policy.source.text.clone());
        }
        let config = serde_json::from_value::<regorus::Value>(config.clone()).ok();
        let programs = match &config {
            Some(config) if compile => Programs::compile(&engine, config, presets),
            _ => Programs::none(presets.len()),
        };
        let global = serde_json::from_value::<regorus::Value>(global).ok();
        Shared { engine, programs, interpreted: !compile, global, config, spans, key }
    }

    /// The input with the global part and the services in `services` and their deployments
    /// (their `fields`), and the spans its `at` numbers refer to.
    fn input(
        &self,
        platform: &Platform,
        services: Range<usize>,
        include: Option<&[bool]>,
        fields: input::Fields,
    ) -> (Option<regorus::Value>, input::Spans) {
        let mut spans = self.spans.clone();
        let (services, deployments) = input::slice(platform, services, include, &mut spans, fields);
        let mut input = self.global.clone();
        if let Some(Ok(object)) = input.as_mut().map(regorus::Value::as_object_mut) {
            object.insert(regorus::Value::from("services"), services);
            object.insert(regorus::Value::from("deployments"), deployments);
        }
        (input, spans)
    }

    /// Gives `engine` the configuration as data, and as input the global part with the
    /// services in `services` and their deployments; returns the spans the input's `at`
    /// numbers refer to.
    pub(crate) fn feed(
        &self,
        engine: &mut regorus::Engine,
        platform: &Platform,
        services: Range<usize>,
        include: Option<&[bool]>,
    ) -> input::Spans {
        let (input, spans) = self.input(platform, services, include, input::Fields::Whole);
        self.give(engine, input);
        spans
    }

    /// Gives `engine` the configuration as data and `input` as its input.
    fn give(&self, engine: &mut regorus::Engine, input: Option<regorus::Value>) {
        if let (Some(input), Some(data)) = (input, self.config.clone()) {
            let _ = engine.add_data(data);
            engine.set_input(input);
        }
    }
}

/// What the presets found in one slice of services.
pub(crate) struct Slice {
    /// The slice's key in the cache, when its result may be kept.
    pub(crate) key: Option<u64>,
    /// (preset, violation), `at` numbers into `spans`.
    pub(crate) violations: Vec<(usize, Value)>,
    pub(crate) spans: input::Spans,
    pub(crate) errors: Vec<Diagnostic>,
}

/// Evaluates the presets on the services in `services`, or takes their result from `cache`.
pub(crate) fn evaluate(
    platform: &Platform,
    services: Range<usize>,
    include: Option<&[bool]>,
    presets: &[&Loaded<'_>],
    shared: &Shared,
    cache: &Cache,
) -> Slice {
    // The key is the slice's part of the model itself: the services and their deployments,
    // spans included, with what the whole platform contributes (`shared.key`). Building the
    // engine's input is the expensive part, so a slice that is kept skips it.
    let in_slice = |index: usize| include.is_none_or(|only| only.get(index) == Some(&true));
    let mut hasher = shared.key.clone();
    for (index, service) in platform.services[services.clone()].iter().enumerate() {
        let index = services.start + index;
        if in_slice(index) {
            index.hash(&mut hasher);
            service.hash(&mut hasher);
        }
    }
    for deployment in &platform.deployments[input::deployments_of(platform, &services)] {
        if in_slice(deployment.service.index()) {
            deployment.hash(&mut hasher);
        }
    }
    let key = hasher.finish();
    if let Some((violations, spans)) = cache.slices.get(&key) {
        return Slice {
            key: Some(key),
            violations: violations.clone(),
            spans: spans.clone(),
            errors: Vec::new(),
        };
    }
    // The interpreted reference sees the whole document (see `input::Fields::Presets`).
    let fields = if shared.interpreted { input::Fields::Whole } else { input::Fields::Presets };
    let (input, spans) = shared.input(platform, services, include, fields);
    // The interpreter, for the presets that are not compiled: made when the first needs it.
    let mut interpreter: Option<regorus::Engine> = None;
    let mut violations = Vec::new();
    let mut errors = Vec::new();
    for (index, policy) in presets.iter().enumerate() {
        let found = match (&input, &shared.config) {
            (Some(input), Some(config)) => shared.programs.run(index, policy, config, input),
            _ => None,
        };
        let found = found.unwrap_or_else(|| {
            let engine = interpreter.get_or_insert_with(|| {
                let mut engine = shared.engine.clone();
                shared.give(&mut engine, input.clone());
                engine
            });
            crate::evaluate(engine, policy)
        });
        match found {
            Ok(found) => violations.extend(found.into_iter().map(|v| (index, v))),
            Err(diagnostic) => errors.push(diagnostic),
        }
    }
    // A slice whose evaluation failed (out of time, say) is evaluated again next time.
    let key = errors.is_empty().then_some(key);
    Slice { key, violations, spans, errors }
}
