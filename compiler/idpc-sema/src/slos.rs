//! A service's SLOs: what each measures, its objective and window, and a latency threshold that
//! must be a bucket bound of the platform's duration histogram.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span};
use idpc_ir::{Duration, Indicator, Slo};

use crate::diagnostics::{conflict, duplicate_member, missing};
use crate::schema::service::SloNode;
use crate::typed::{Field, TypedNode};

/// SLO windows idpc derives burn-rate alerts for.
const MIN_WINDOW: Duration = Duration::from_days(7);
const MAX_WINDOW: Duration = Duration::from_days(90);

pub(crate) fn lower_slos(
    declared: &[SloNode],
    buckets: &[Duration],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Slo> {
    let window_default = &SloNode::defaults().window;
    let mut slos = Vec::new();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for slo in declared {
        let Some(Field { value: indicator, span }) = &slo.indicator else { continue };
        let span = *span;
        if let Some(first) = seen.insert(indicator, span) {
            diagnostics.push(duplicate_member("slo", indicator, span, first));
            continue;
        }
        let indicator = match (indicator.as_str(), &slo.threshold) {
            ("latency", Some(Field { value: threshold, span: at })) => {
                if buckets.contains(threshold) || buckets.is_empty() {
                    Some(Indicator::Latency { threshold: *threshold })
                } else {
                    diagnostics.push(not_a_bucket(*threshold, *at, buckets));
                    None
                }
            }
            ("latency", None) => {
                // A threshold that did not type-check has its own diagnostic.
                if !slo.is_written(&SloNode::threshold) {
                    diagnostics.push(
                        missing("a latency SLO needs a `threshold`", span, "no `threshold=`")
                            .with_help(
                                "add `threshold=\"300ms\"`: the latency a good request stays under",
                            ),
                    );
                }
                None
            }
            (_, Some(typed)) => {
                diagnostics.push(conflict(
                    "an availability SLO has no `threshold`",
                    typed.span,
                    "only latency SLOs take a threshold",
                    span,
                    "this is an availability SLO",
                ));
                None
            }
            _ => Some(Indicator::Availability),
        };
        let window = match &slo.window {
            Some(Field { value: w, span: at }) => {
                let ok = (MIN_WINDOW..=MAX_WINDOW).contains(w);
                if !ok {
                    diagnostics.push(
                        Diagnostic::new(Code::OutOfRange, format!("an SLO window of {w} is outside 7d to 90d"), *at, "burn-rate alerts need 7d to 90d")
                            .with_help("the multi-window alerts look back up to 3 days; common windows are \"28d\" and \"30d\""),
                    );
                }
                ok.then_some(*w)
            }
            None => window_default.as_ref().map(|f| f.value),
        };
        let objective = slo.objective.as_ref().map(|f| f.value);
        if let Some(typed) = slo
            .objective
            .as_ref()
            .filter(|t| t.value.millionths() >= 1_000_000 || t.value.millionths() < 500_000)
        {
            let (label, help) = if typed.value.millionths() >= 1_000_000 {
                (
                    "no error budget at this objective",
                    "an objective of 100% leaves no error budget to alert on; try \"99.9%\"",
                )
            } else {
                (
                    "below 50%, most requests may fail",
                    "an objective is the share of requests that must succeed, such as \"99.9%\"",
                )
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::OutOfRange,
                    "an SLO objective must be at least 50% and below 100%",
                    typed.span,
                    label,
                )
                .with_help(help),
            );
            continue;
        }
        if let (Some(indicator), Some(objective), Some(window)) = (indicator, objective, window) {
            slos.push(Slo { indicator, objective, window, span });
        }
    }
    slos.sort_by_key(|s| s.indicator.name());
    slos
}

/// A latency threshold between two bucket bounds: the histogram cannot tell how many requests
/// were faster than it.
fn not_a_bucket(threshold: Duration, span: Span, buckets: &[Duration]) -> Diagnostic {
    let below = buckets.iter().rev().find(|b| **b < threshold);
    let above = buckets.iter().find(|b| **b > threshold);
    let quoted = |d: &Duration| format!("\"{}\"", d.compact());
    let help = match (below, above) {
        (Some(below), Some(above)) => format!(
            "the nearest bucket bounds are {} and {}; use one of them, or add {} to `latency-buckets` if the services export it",
            quoted(below),
            quoted(above),
            quoted(&threshold)
        ),
        (Some(bound), None) | (None, Some(bound)) => format!(
            "the nearest bucket bound is {}; use it, or add {} to `latency-buckets` if the services export it",
            quoted(bound),
            quoted(&threshold)
        ),
        (None, None) => "declare the histogram's bounds with `latency-buckets`".to_owned(),
    };
    Diagnostic::new(
        Code::LatencyNotABucket,
        format!(
            "the latency threshold {} is not a bucket bound of the duration histogram",
            quoted(&threshold)
        ),
        span,
        "between two buckets",
    )
    .with_help(help)
}
