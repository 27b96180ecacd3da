//! Policies at compile time: Rego run against the resolved model by a real engine (regorus).
//!
//! The presets ship in the standard library (`stdlib/policies/`), configured or switched off by
//! the platform's `policy` nodes; a platform adds its own `.rego` files. Each policy has a
//! `violations` rule whose elements say what is wrong (`msg`), where (`at`, a number the input
//! gives every value a violation can point at), and for which service (`service`), so that a
//! violation is a diagnostic at the line that produced the offending value, and a service's
//! `waive` can exempt it until a date.

mod budget;

pub use budget::{MAX_NESTING, MAX_POLICY_BYTES, PRESET_TIME_LIMIT, TIME_LIMIT};
mod compiled;
mod input;
mod presets;
mod slices;

use std::collections::BTreeMap;

use std::ops::Range;

use idpc_diagnostics::{Code, Diagnostic, FileId, Severity, Span, did_you_mean, quote};
use idpc_ir::{Date, PRESETS, Platform, Preset};
use rayon::prelude::*;
use serde_json::{Value, json};

/// A policy file: a preset from the standard library, or one of the platform's own.
#[derive(Debug, Clone)]
pub struct PolicySource {
    /// Its file.
    pub file: FileId,
    /// Its display path.
    pub path: String,
    /// Its Rego text.
    pub text: String,
}

/// A waiver in force, for `idpc check --waivers`.
#[derive(Debug, Clone)]
pub struct ActiveWaiver {
    /// The service.
    pub service: String,
    /// The policy it is exempt from.
    pub policy: String,
    /// Who answers for it.
    pub owner: String,
    /// When it ends.
    pub expires: Date,
    /// Why.
    pub reason: String,
    /// How many violations it set aside.
    pub suppressed: usize,
    /// Where it is declared.
    pub span: Span,
}

/// What the policies found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Violations, policy errors and expired waivers.
    pub diagnostics: Vec<Diagnostic>,
    /// The waivers in force.
    pub waivers: Vec<ActiveWaiver>,
}

/// A policy loaded into the engine.
struct Loaded<'a> {
    /// Its name in `policy` and `waive` nodes.
    name: String,
    /// The preset it is, if it is one.
    preset: Option<&'static Preset>,
    /// Its file.
    source: &'a PolicySource,
}

/// How many services one evaluation of the presets sees. The presets look at one service at a
/// time, so the services are cut into slices of this size, evaluated in parallel, and each
/// slice's result is kept (see [`Cache`]).
const SLICE: usize = 128;

/// The presets' results per slice of services, by the slice's input, for the next check of the
/// same description (an editor's): a slice whose input did not change is not evaluated again.
#[derive(Debug, Default, Clone)]
pub struct Cache {
    /// By key: (preset, violation) with `at` numbers into the spans.
    slices: BTreeMap<u64, (Vec<(usize, Value)>, input::Spans)>,
    /// Whether every preset is evaluated by the engine's interpreter (see [`Cache::interpreted`]).
    interpreted: bool,
}

impl Cache {
    /// A cache under which every preset is evaluated by the engine's interpreter rather than
    /// compiled (see `compiled`): slower, and the reference the compiled presets are tested
    /// against.
    pub fn interpreted() -> Cache {
        Cache { interpreted: true, ..Cache::default() }
    }

    /// The kept results as JSON, for a build to keep beside its output: `[[key, [[preset,
    /// violation], …], spans], …]` with the key as a decimal string.
    pub fn to_json(&self) -> Value {
        self.slices
            .iter()
            .map(|(key, (violations, spans))| {
                let violations: Vec<Value> =
                    violations.iter().map(|(index, violation)| json!([index, violation])).collect();
                json!([key.to_string(), violations, spans.to_json()])
            })
            .collect()
    }

    /// The results [`Cache::to_json`] wrote; `None` if the value is not such results.
    pub fn from_json(value: &Value) -> Option<Cache> {
        let mut slices = BTreeMap::new();
        for slice in value.as_array()? {
            let key: u64 = slice.get(0)?.as_str()?.parse().ok()?;
            let mut violations = Vec::new();
            for found in slice.get(1)?.as_array()? {
                let index = usize::try_from(found.get(0)?.as_u64()?).ok()?;
                violations.push((index, found.get(1)?.clone()));
            }
            slices.insert(key, (violations, input::Spans::from_json(slice.get(2)?)?));
        }
        Some(Cache { slices, interpreted: false })
    }

    /// How many slices' results are kept.
    pub fn len(&self) -> usize {
        self.slices.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.slices.is_empty()
    }
}

/// Runs the presets (from `stdlib`, by file name) and the platform's own policies on `platform`,
/// with waivers judged as of `today`.
pub fn check(
    platform: &Platform,
    stdlib: &[PolicySource],
    own: &[PolicySource],
    today: Date,
) -> Outcome {
    check_cached(platform, stdlib, own, today, &mut Cache::default(), None)
}

/// [`check`], reusing and refreshing the presets' results kept in `cache`. `include`, when
/// given, says by index which services the policies see: a description with errors is checked
/// on the services whose files have none, so one run reports syntax, type and policy problems.
pub fn check_cached(
    platform: &Platform,
    stdlib: &[PolicySource],
    own: &[PolicySource],
    today: Date,
    cache: &mut Cache,
    include: Option<&[bool]>,
) -> Outcome {
    let mut diagnostics = Vec::new();
    let config = json!({ "idpc": { "config": presets::config(platform) } });
    let mut engine = regorus::Engine::new();
    let (loaded, names) = load(&mut engine, platform, stdlib, own, &mut diagnostics);
    check_configurations(platform, &names, &mut diagnostics);
    let mut waivers = waivers(platform, &names, today, &mut diagnostics);
    let (presets, own): (Vec<&Loaded<'_>>, Vec<&Loaded<'_>>) =
        loaded.iter().partition(|l| l.preset.is_some());
    let mut found: Vec<(&Loaded<'_>, Diagnostic, Option<String>)> = Vec::new();
    // The presets, slice by slice, in parallel; a slice's result is kept by its input.
    let shared = slices::Shared::new(platform, &presets, &config, !cache.interpreted);
    let ranges: Vec<Range<usize>> = (0..platform.services.len().max(1))
        .step_by(SLICE)
        .map(|start| start..(start + SLICE).min(platform.services.len()))
        .collect();
    let outcomes: Vec<slices::Slice> = ranges
        .par_iter()
        .map(|range| slices::evaluate(platform, range.clone(), include, &presets, &shared, cache))
        .collect();
    let mut kept = BTreeMap::new();
    for slice in outcomes {
        diagnostics.extend(slice.errors);
        for (index, violation) in &slice.violations {
            let Some(policy) = presets.get(*index) else { continue };
            let service = violation.get("service").and_then(Value::as_str).map(str::to_owned);
            found.push((policy, diagnostic(platform, &slice.spans, policy, violation), service));
        }
        if let Some(key) = slice.key {
            let mut violations = slice.violations;
            let spans = slice.spans.kept_for(&mut violations);
            kept.insert(key, (violations, spans));
        }
    }
    cache.slices = kept;
    // The platform's own policies see the whole model: they may compare services.
    if !own.is_empty() {
        let spans = shared.feed(&mut engine, platform, 0..platform.services.len(), include);
        for policy in own {
            match evaluate(&mut engine, policy) {
                Ok(violations) => {
                    for violation in &violations {
                        let service =
                            violation.get("service").and_then(Value::as_str).map(str::to_owned);
                        found.push((
                            policy,
                            diagnostic(platform, &spans, policy, violation),
                            service,
                        ));
                    }
                }
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
    }
    // A violation of the platform as a whole is found in every slice: report it once.
    let mut seen = std::collections::BTreeSet::new();
    for (policy, diagnostic, service) in found {
        let span = diagnostic.primary.as_ref().map(|p| p.span);
        if !seen.insert((policy.name.clone(), span, diagnostic.message.clone())) {
            continue;
        }
        if let Some(waiver) = service.and_then(|s| waivers.get_mut(&(s, policy.name.clone()))) {
            waiver.suppressed += 1;
            continue;
        }
        diagnostics.push(diagnostic);
    }
    Outcome { diagnostics, waivers: waivers.into_values().collect() }
}

/// Loads the enabled presets and the platform's enabled policies into the engine; returns them,
/// and the names of every preset and policy there is, enabled or not.
fn load<'a>(
    engine: &mut regorus::Engine,
    platform: &Platform,
    stdlib: &'a [PolicySource],
    own: &'a [PolicySource],
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Loaded<'a>>, Vec<String>) {
    let mut loaded = Vec::new();
    let mut names: Vec<String> = PRESETS.iter().map(|p| p.name.to_owned()).collect();
    for preset in PRESETS {
        let file = format!("/{}.rego", preset.name);
        let Some(source) = stdlib.iter().find(|s| s.path.ends_with(&file)) else { continue };
        if platform.preset_settings(preset).enabled && add(engine, source, diagnostics).is_some() {
            loaded.push(Loaded { name: preset.name.to_owned(), preset: Some(preset), source });
        }
    }
    for source in own {
        let Some(package) = add(engine, source, diagnostics) else { continue };
        let Some(name) = package.strip_prefix("data.idpc.policies.") else {
            let package = package.trim_start_matches("data.");
            let message = format!(
                "the package `{package}` is not under `idpc.policies`",
                package = quote(package)
            );
            diagnostics.push(policy_error(source, None, message));
            continue;
        };
        let name = name.replace('_', "-");
        names.push(name.clone());
        if platform.policies.iter().find(|c| c.name == name).is_none_or(|c| c.enabled) {
            loaded.push(Loaded { name, preset: None, source });
        }
    }
    (loaded, names)
}

/// Every `policy` node names a preset or one of the platform's policies.
fn check_configurations(platform: &Platform, names: &[String], diagnostics: &mut Vec<Diagnostic>) {
    for config in &platform.policies {
        if !names.contains(&config.name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownReference,
                    format!("unknown policy `{}`", config.name),
                    config.span,
                    "no preset or policy of this name",
                )
                .with_help_opt(did_you_mean(&config.name, names.iter().map(String::as_str))),
            );
        }
    }
}

/// The waivers in force by (service, policy); a waiver of an unknown policy, or one that has
/// expired, is an error.
fn waivers(
    platform: &Platform,
    names: &[String],
    today: Date,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<(String, String), ActiveWaiver> {
    let mut waivers = BTreeMap::new();
    for service in &platform.services {
        for waiver in &service.waivers {
            if !names.contains(&waiver.policy) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownReference,
                        format!("unknown policy `{}`", waiver.policy),
                        waiver.span,
                        "no policy of this name",
                    )
                    .with_help_opt(did_you_mean(&waiver.policy, names.iter().map(String::as_str))),
                );
            } else if waiver.expires <= today {
                diagnostics.push(
                    Diagnostic::new(
                        Code::ExpiredWaiver,
                        format!(
                            "the waiver of `{}` for `{}` expired on {}",
                            waiver.policy, service.name, waiver.expires
                        ),
                        waiver.expires_span,
                        "expired",
                    )
                    .with_label(waiver.span, format!("{} answers for it", waiver.owner))
                    .with_help("fix what the policy reports and remove the waiver, or extend it with a new date and reason"),
                );
            } else {
                let active = ActiveWaiver {
                    service: service.name.clone(),
                    policy: waiver.policy.clone(),
                    owner: waiver.owner.to_string(),
                    expires: waiver.expires,
                    reason: waiver.reason.clone(),
                    suppressed: 0,
                    span: waiver.span,
                };
                waivers.insert((service.name.clone(), waiver.policy.clone()), active);
            }
        }
    }
    waivers
}

/// A policy's violations: objects with a string `msg`. A policy that fails to evaluate, or
/// whose `violations` are anything else, is an error in the policy.
fn evaluate(engine: &mut regorus::Engine, policy: &Loaded<'_>) -> Result<Vec<Value>, Diagnostic> {
    engine.set_execution_timer_config(budget::timer(policy.preset.is_some()));
    let value = engine.eval_rule(rule(policy)).map_err(|error| failed(policy, &error))?;
    violations(policy, &value)
}

/// The rule that holds a policy's violations.
fn rule(policy: &Loaded<'_>) -> String {
    let package = match policy.preset {
        Some(_) => "presets",
        None => "policies",
    };
    format!("data.idpc.{package}.{}.violations", policy.name.replace('-', "_"))
}

/// Why a policy failed to evaluate, as a diagnostic in it.
fn failed(policy: &Loaded<'_>, error: &dyn std::fmt::Display) -> Diagnostic {
    let text = error.to_string();
    if budget::timed_out(&text) {
        return timed_out(policy.source, policy.preset.is_some());
    }
    policy_error(policy.source, location(&text, &policy.source.path), first_line(&text))
}

/// The violations in the value of a policy's `violations` rule: objects with a string `msg`,
/// else an error in the policy.
fn violations(policy: &Loaded<'_>, value: &regorus::Value) -> Result<Vec<Value>, Diagnostic> {
    let json = serde_json::to_value(value).unwrap_or(Value::Null);
    let Value::Array(violations) = json else {
        let message = "`violations` must be a set of objects with a `msg`".to_owned();
        return Err(policy_error(policy.source, None, message));
    };
    if violations.iter().any(|v| v.get("msg").and_then(Value::as_str).is_none()) {
        let message = "every violation must be an object with a string `msg`".to_owned();
        return Err(policy_error(policy.source, None, message));
    }
    Ok(violations)
}

/// A violation as a diagnostic: at the value its `at` names (else the policy's first line, or
/// the platform for a preset), with the preset's code or P0100.
fn diagnostic(
    platform: &Platform,
    spans: &input::Spans,
    policy: &Loaded<'_>,
    violation: &Value,
) -> Diagnostic {
    let name = &policy.name;
    let message = violation.get("msg").and_then(Value::as_str).unwrap_or_default().to_owned();
    let fallback = match policy.preset {
        Some(_) => platform.span,
        None => Span::new(policy.source.file, 0, 0),
    };
    let span = violation.get("at").and_then(|at| spans.get(at)).unwrap_or(fallback);
    // A violation may say what to do about itself, more precisely than its policy can.
    let help = violation.get("help").and_then(Value::as_str).map(str::to_owned);
    let mut diagnostic = match policy.preset {
        Some(preset) => Diagnostic::new(preset.code, message, span, preset.label)
            .with_help(help.unwrap_or_else(|| preset.help.to_owned())),
        None => {
            let code = violation.get("code").and_then(Value::as_str);
            let message = code.map_or(message.clone(), |code| format!("{code}: {message}"));
            let diagnostic = Diagnostic::new(
                Code::PolicyViolation,
                message,
                span,
                format!("violates `{name}`", name = quote(name)),
            );
            if let Some(help) = help {
                diagnostic.with_help(help)
            } else if violation.get("service").is_some() {
                diagnostic.with_help(format!(
                    "fix the value, or exempt the service with `waive \"{name}\" reason=… owner=… expires=…`"
                ))
            } else {
                diagnostic
            }
        }
    };
    if platform.policies.iter().any(|c| &c.name == name && c.warning) {
        diagnostic.severity = Severity::Warning;
    }
    diagnostic
}

/// A policy that ran out of time, at its `violations` rule (else its first line).
fn timed_out(source: &PolicySource, preset: bool) -> Diagnostic {
    let text = source.text.as_str();
    let at = text.lines().enumerate().find_map(|(n, l)| {
        let indent = l.len() - l.trim_start().len();
        l.trim_start().starts_with("violations").then(|| (n + 1, l[..indent].chars().count() + 1))
    });
    policy_error(
        source,
        Some(at.unwrap_or((1, 1))),
        format!("evaluating it took longer than {} s", budget::timer(preset).limit.as_secs()),
    )
    .with_help("a policy must finish in a few seconds: iterate over the input once, not over every pair or every combination")
}

/// Adds a policy file to the engine; returns its package (`data.…`) or reports why it failed.
/// A file too large or too deeply nested for the engine's parser is refused before it sees it.
fn add(
    engine: &mut regorus::Engine,
    source: &PolicySource,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    if let Some(diagnostic) = budget::check(source) {
        diagnostics.push(diagnostic);
        return None;
    }
    match engine.add_policy(source.path.clone(), source.text.clone()) {
        Ok(package) => Some(package),
        Err(error) => {
            let text = error.to_string();
            diagnostics.push(policy_error(
                source,
                location(&text, &source.path),
                first_line(&text),
            ));
            None
        }
    }
}

/// A policy file that the engine refuses, at a 1-based (line, column) or at its start.
fn policy_error(source: &PolicySource, at: Option<(usize, usize)>, message: String) -> Diagnostic {
    let text = source.text.as_str();
    let offset = at.map_or(0, |(line, column)| {
        let start: usize =
            text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
        let start = start.min(text.len());
        let line_text = text[start..].lines().next().unwrap_or("");
        start
            + line_text
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(line_text.len(), |(i, _)| i)
    });
    let end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
    Diagnostic::new(
        Code::InvalidPolicy,
        format!("the policy `{}` cannot be used", quote(&source.path)),
        Span::new(source.file, offset, end.max(offset)),
        message,
    )
}

/// The line and column regorus reports as `--> path:line:col`.
fn location(error: &str, path: &str) -> Option<(usize, usize)> {
    let rest = error.split(&format!("{path}:")).nth(1)?;
    let mut numbers = rest.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty());
    Some((numbers.next()?.parse().ok()?, numbers.next()?.parse().ok()?))
}

/// The `error:` line of a regorus error, without the source excerpt it draws.
fn first_line(error: &str) -> String {
    error.lines().rev().find(|l| l.trim_start().starts_with("error:")).map_or_else(
        || error.lines().next().unwrap_or("").to_owned(),
        |l| l.trim_start().trim_start_matches("error:").trim().to_owned(),
    )
}
