//! Checks of a service's settings that the API server or the rollout controller would refuse
//! although each value is valid alone: variable names, repeated resources, rollout settings that
//! can never make progress, intervals shorter than the controllers measure.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span};
use idpc_ir::{Duration, IntOrPercent, Percent};

use crate::schema::service::ServiceNode;
use crate::schema::settings::{Canary, Deploy, Healthcheck, Liveness, Rollback, Rolling};
use crate::typed::{Field, OrDefault, TypedNode};

/// A name Kubernetes accepts for a container's environment variable on every version:
/// `[-._a-zA-Z][-._a-zA-Z0-9]*`.
fn valid_variable_name(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err("it is empty"),
        Some(c) if c.is_ascii_digit() => return Err("it starts with a digit"),
        _ => {}
    }
    if name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        Ok(())
    } else {
        Err("it holds a character other than letters, digits, `_`, `-` and `.`")
    }
}

/// The diagnostic for a variable (or secret) name Kubernetes would refuse.
pub(crate) fn variable_name_problem(name: &str, span: Span) -> Option<Diagnostic> {
    let reason = valid_variable_name(name).err()?;
    Some(
        Diagnostic::new(
            Code::MalformedValue,
            format!(
                "`{}` is not a valid environment variable name: {reason}",
                idpc_diagnostics::quote(name)
            ),
            span,
            "not a variable name",
        )
        .with_help(
            "a variable name is letters, digits, `_`, `-` and `.`, and does not start with a digit",
        ),
    )
}

/// Two resources of one name in one layer (the service, or one override): the second would
/// replace the first.
pub(super) fn check_duplicate_resources(node: &ServiceNode, diagnostics: &mut Vec<Diagnostic>) {
    let layers =
        std::iter::once(&node.resources).chain(node.overrides.iter().map(|o| &o.resources));
    for layer in layers {
        let mut first: BTreeMap<&str, Span> = BTreeMap::new();
        for Field { value: name, span } in layer.iter().filter_map(|r| r.name.as_ref()) {
            if let Some(earlier) = first.insert(name, *span) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateDeclaration,
                        format!("resource `{name}` is declared twice"),
                        *span,
                        "declared again here",
                    )
                    .with_label(earlier, "first declared here")
                    .with_help("give each resource of a service its own name, or merge the two"),
                );
            }
        }
    }
}

/// Rollout settings that can never make progress, and intervals below a second.
pub(super) fn check_rollout_settings(deploy: &Deploy, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(rolling) = &deploy.rolling
        && let Some(surge) = &rolling.max_surge
    {
        let zero = |value: IntOrPercent| match value {
            IntOrPercent::Int(n) => n == 0,
            IntOrPercent::Percent(p) => p.millionths() == 0,
        };
        let unavailable = rolling.max_unavailable.or_default(&Rolling::defaults().max_unavailable);
        if zero(surge.value) && unavailable.is_some_and(zero) {
            diagnostics.push(
                Diagnostic::new(
                    Code::ConflictingSettings,
                    "a rolling update with `max-surge` and `max-unavailable` both 0 can never start",
                    surge.span,
                    "no extra instance",
                )
                .with_help(
                    "allow one extra instance (`max-surge=1`) or one missing (`max-unavailable=1`)",
                ),
            );
        }
    }
    let at_least = Duration::from_secs(1);
    // Kubernetes holds a probe's times as 32-bit counts of seconds.
    let probe_at_most = Duration::from_secs(i32::MAX.unsigned_abs().into());
    let rollback = deploy.rollback.as_ref();
    let healthcheck = deploy.healthcheck.as_ref();
    let liveness = deploy.liveness.as_ref();
    for (value, key, probe) in [
        (rollback.and_then(|r| r.interval.as_ref()), Rollback::interval.name, false),
        (healthcheck.and_then(|h| h.interval.as_ref()), Healthcheck::interval.name, true),
        (healthcheck.and_then(|h| h.timeout.as_ref()), Healthcheck::timeout.name, true),
        (healthcheck.and_then(|h| h.initial_delay.as_ref()), Healthcheck::initial_delay.name, true),
        (liveness.and_then(|l| l.interval.as_ref()), Liveness::interval.name, true),
        (liveness.and_then(|l| l.timeout.as_ref()), Liveness::timeout.name, true),
        (liveness.and_then(|l| l.initial_delay.as_ref()), Liveness::initial_delay.name, true),
    ] {
        let Some(Field { value: duration, span }) = value else { continue };
        let short = key != Healthcheck::initial_delay.name && *duration < at_least;
        if short {
            diagnostics.push(
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("`{key}` must be at least {at_least}"),
                    *span,
                    format!("{duration} is too short"),
                )
                .with_help("probes and measurements run at most once a second"),
            );
        } else if probe && *duration > probe_at_most {
            diagnostics.push(
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("`{key}` must be at most {}s", probe_at_most.as_secs()),
                    *span,
                    format!("{duration} is too long"),
                )
                .with_help("Kubernetes counts a probe's times in seconds, in a 32-bit number"),
            );
        }
    }
    if let Some(rate) = rollback.and_then(|r| r.error_rate.as_ref())
        && rate.value >= Percent::FULL
    {
        diagnostics.push(
            Diagnostic::new(
                Code::OutOfRange,
                "`error-rate` must be below 100%",
                rate.span,
                "no error ratio is above this",
            )
            .with_help(
                "a rollout would never be aborted: lower the threshold, or remove `rollback`",
            ),
        );
    }
}

/// Canary steps must ramp traffic up, ending at 100%.
pub(super) fn check_canary(canary: &Canary, diagnostics: &mut Vec<Diagnostic>) {
    let steps: Vec<(u32, Span)> =
        canary.steps.iter().filter_map(|s| s.weight.as_ref().map(|w| (w.value, w.span))).collect();
    if canary.steps.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidCanary,
                "a canary needs steps",
                canary.span,
                "no `step` inside",
            )
            .with_help("add steps such as `step weight=10 pause=\"5m\"` … `step weight=100`"),
        );
        return;
    }
    for pair in steps.windows(2) {
        if pair[1].0 <= pair[0].0 {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidCanary,
                    format!("canary weight {} does not increase on {}", pair[1].0, pair[0].0),
                    pair[1].1,
                    "not above the step before",
                )
                .with_label(pair[0].1, "previous step")
                .with_help("each step sends more traffic to the new version than the one before"),
            );
        }
    }
    if let Some(&(last, span)) = steps.last()
        && last != 100
    {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidCanary,
                format!("the last canary step sends {last}% of traffic, not 100%"),
                span,
                "the rollout would stop here",
            )
            .with_help("end with `step weight=100`"),
        );
    }
}
