//! Policies at compile time: Rego run against the resolved model by a real engine (regorus).
//!
//! The presets ship in the standard library (`stdlib/policies/`), configured or switched off by
//! the platform's `policy` nodes; a platform adds its own `.rego` files. Each policy has a
//! `violations` rule whose elements say what is wrong (`msg`), where (`at`, a number the input
//! gives every value a violation can point at), and for which service (`service`), so that a
//! violation is a diagnostic at the line that produced the offending value, and a service's
//! `waive` can exempt it until a date.

mod input;
mod presets;

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, FileId, Severity, Span, did_you_mean};
use idpc_ir::{Date, PRESETS, Platform, Preset};
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

/// Runs the presets (from `stdlib`, by file name) and the platform's own policies on `platform`,
/// with waivers judged as of `today`.
pub fn check(
    platform: &Platform,
    stdlib: &[PolicySource],
    own: &[PolicySource],
    today: Date,
) -> Outcome {
    let mut outcome = Outcome::default();
    let (document, spans) = input::document(platform);
    // Moved into the engine's own representation at once, so that only one copy of the model
    // is alive while the policies run.
    let input = serde_json::from_value::<regorus::Value>(document);
    let mut engine = regorus::Engine::new();
    let mut policies: Vec<(String, Option<&'static Preset>, Option<Span>)> = Vec::new();
    for preset in PRESETS {
        let enabled = platform.preset_settings(preset).enabled;
        let Some(source) =
            stdlib.iter().find(|s| s.path.ends_with(&format!("/{}.rego", preset.name)))
        else {
            continue;
        };
        if enabled && add(&mut engine, source, &mut outcome.diagnostics).is_some() {
            policies.push((preset.name.to_owned(), Some(preset), None));
        }
    }
    let mut own_names = Vec::new();
    for source in own {
        if let Some(package) = add(&mut engine, source, &mut outcome.diagnostics) {
            match package.strip_prefix("data.idpc.policies.") {
                Some(name) => own_names.push((name.replace('_', "-"), source.file)),
                None => outcome.diagnostics.push(policy_error(
                    source,
                    None,
                    format!(
                        "the package `{}` is not under `idpc.policies`",
                        package.trim_start_matches("data.")
                    ),
                )),
            }
        }
    }
    let names: Vec<&str> =
        PRESETS.iter().map(|p| p.name).chain(own_names.iter().map(|(n, _)| n.as_str())).collect();
    for config in &platform.policies {
        if !names.contains(&config.name.as_str()) {
            outcome.diagnostics.push(
                Diagnostic::new(
                    Code::UnknownReference,
                    format!("unknown policy `{}`", config.name),
                    config.span,
                    "no preset or policy of this name",
                )
                .with_help_opt(did_you_mean(&config.name, names.iter().copied())),
            );
        }
    }
    for (name, file) in &own_names {
        if platform.policies.iter().find(|c| &c.name == name).is_none_or(|c| c.enabled) {
            policies.push((name.clone(), None, Some(Span::new(*file, 0, 0))));
        }
    }
    let config = presets::config(platform);
    if let (Ok(data), Ok(input)) =
        (serde_json::from_value::<regorus::Value>(json!({ "idpc": { "config": config } })), input)
    {
        let _ = engine.add_data(data);
        engine.set_input(input);
    }
    let mut waivers: BTreeMap<(String, String), ActiveWaiver> = BTreeMap::new();
    for service in &platform.services {
        for waiver in &service.waivers {
            if !names.contains(&waiver.policy.as_str()) {
                outcome.diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownReference,
                        format!("unknown policy `{}`", waiver.policy),
                        waiver.span,
                        "no policy of this name",
                    )
                    .with_help_opt(did_you_mean(&waiver.policy, names.iter().copied())),
                );
            } else if waiver.expires <= today {
                outcome.diagnostics.push(
                    Diagnostic::new(Code::ExpiredWaiver, format!("the waiver of `{}` for `{}` expired on {}", waiver.policy, service.name, waiver.expires), waiver.expires_span, "expired")
                        .with_label(waiver.span, format!("{} answers for it", waiver.owner))
                        .with_help("fix what the policy reports and remove the waiver, or extend it with a new date and reason"),
                );
            } else {
                waivers.insert(
                    (service.name.clone(), waiver.policy.clone()),
                    ActiveWaiver {
                        service: service.name.clone(),
                        policy: waiver.policy.clone(),
                        owner: waiver.owner.to_string(),
                        expires: waiver.expires,
                        reason: waiver.reason.clone(),
                        suppressed: 0,
                        span: waiver.span,
                    },
                );
            }
        }
    }
    for (name, preset, own_span) in &policies {
        let rule = match preset {
            Some(preset) => {
                format!("data.idpc.presets.{}.violations", preset.name.replace('-', "_"))
            }
            None => format!("data.idpc.policies.{}.violations", name.replace('-', "_")),
        };
        let violations = match engine.eval_rule(rule.clone()) {
            Ok(value) => value,
            Err(error) => {
                let source =
                    own.iter().chain(stdlib).find(|s| own_span.is_some_and(|sp| sp.file == s.file));
                if let Some(source) = source {
                    outcome.diagnostics.push(policy_error(source, None, error.to_string()));
                }
                continue;
            }
        };
        let json: Value = violations
            .to_json_str()
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Value::Null);
        for violation in json.as_array().into_iter().flatten() {
            let service = violation.get("service").and_then(Value::as_str);
            if let Some(service) = service
                && let Some(waiver) = waivers.get_mut(&(service.to_owned(), name.clone()))
            {
                waiver.suppressed += 1;
                continue;
            }
            let message = violation
                .get("msg")
                .and_then(Value::as_str)
                .unwrap_or("the policy is violated")
                .to_owned();
            let span = violation
                .get("at")
                .and_then(|at| spans.get(at))
                .or(*own_span)
                .unwrap_or(platform.span);
            let mut diagnostic = match preset {
                Some(preset) => {
                    Diagnostic::new(preset.code, message, span, preset.label).with_help(preset.help)
                }
                None => {
                    let id = violation
                        .get("code")
                        .and_then(Value::as_str)
                        .map_or_else(String::new, |c| format!("{c}: "));
                    let diagnostic = Diagnostic::new(
                        Code::PolicyViolation,
                        format!("{id}{message}"),
                        span,
                        format!("violates `{name}`"),
                    );
                    match service {
                        Some(_) => diagnostic.with_help(format!("fix the value, or exempt the service with `waive \"{name}\" reason=… owner=… expires=…`")),
                        None => diagnostic,
                    }
                }
            };
            if platform.policies.iter().any(|c| &c.name == name && c.warning) {
                diagnostic.severity = Severity::Warning;
            }
            outcome.diagnostics.push(diagnostic);
        }
    }
    outcome.waivers = waivers.into_values().collect();
    outcome
}

/// Adds a policy file to the engine; returns its package (`data.…`) or reports why it failed.
fn add(
    engine: &mut regorus::Engine,
    source: &PolicySource,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    match engine.add_policy(source.path.clone(), source.text.clone()) {
        Ok(package) => Some(package),
        Err(error) => {
            diagnostics.push(policy_error(
                source,
                location(&error.to_string(), &source.path),
                first_line(&error.to_string()),
            ));
            None
        }
    }
}

/// A policy file that the engine refuses.
fn policy_error(source: &PolicySource, at: Option<(usize, usize)>, message: String) -> Diagnostic {
    let offset = at.map_or(0, |(line, column)| {
        let start: usize =
            source.text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
        start + column.saturating_sub(1)
    });
    let end = source.text[offset.min(source.text.len())..]
        .find('\n')
        .map_or(source.text.len(), |n| offset + n)
        .max(offset + 1)
        .min(source.text.len().max(offset + 1));
    Diagnostic::new(
        Code::InvalidPolicy,
        format!("the policy `{}` cannot be used", source.path),
        Span::new(source.file, offset, end),
        message,
    )
}

/// The line and column regorus reports as `--> path:line:col`.
fn location(error: &str, path: &str) -> Option<(usize, usize)> {
    let rest = error.split(&format!("{path}:")).nth(1)?;
    let mut numbers = rest.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty());
    Some((numbers.next()?.parse().ok()?, numbers.next()?.parse().ok()?))
}

fn first_line(error: &str) -> String {
    error.lines().rev().find(|l| l.trim_start().starts_with("error:")).map_or_else(
        || error.lines().next().unwrap_or("").to_owned(),
        |l| l.trim_start().trim_start_matches("error:").trim().to_owned(),
    )
}
