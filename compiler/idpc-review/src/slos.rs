//! SLOs and what a change does to them: the error budget, the outage it allows over the window,
//! and the burn-rate alerts, which exist only in production environments.

use std::collections::BTreeMap;

use idpc_backends::promql::{BURN_WINDOWS, Severity};
use idpc_ir::{Duration, Indicator, Percent, Platform, Service, Slo, Tier};

use crate::render::list;
use crate::{Changes, Section, merge};

pub(crate) fn compare(
    changes: &mut Changes,
    base: &Platform,
    head: &Platform,
    name: &str,
    old: Option<&Service>,
    new: Option<&Service>,
) {
    let slos = |s: Option<&Service>| -> BTreeMap<&'static str, Slo> {
        s.map(|s| s.slos.iter().map(|slo| (slo.indicator.name(), slo.clone())).collect())
            .unwrap_or_default()
    };
    let section = Section::Slos;
    for (indicator, before, after) in merge(slos(old), slos(new)) {
        let what = format!("{indicator} SLO");
        match (before, after) {
            (None, Some(slo)) => {
                let change = changes.added(section, name, &what, Some(describe(&slo)));
                let note = match production(head) {
                    envs if envs.is_empty() => {
                        "no burn-rate alerts: no environment is in the production tier".to_owned()
                    }
                    envs => format!("burn-rate alerts (page and ticket) added in {}", list(&envs)),
                };
                change.notes.push(note);
            }
            (Some(slo), None) => {
                let change = changes.removed(section, name, &what, Some(describe(&slo)));
                let envs = production(base);
                if !envs.is_empty() {
                    change.notes.push(format!("burn-rate alerts removed from {}", list(&envs)));
                }
            }
            (Some(before), Some(after)) => changed(changes, head, name, &before, &after),
            (None, None) => {}
        }
    }
}

/// The production environments of a platform, where burn-rate alerts exist.
fn production(platform: &Platform) -> Vec<String> {
    platform
        .environments
        .iter()
        .filter(|e| e.tier == Tier::Production)
        .map(|e| e.name.clone())
        .collect()
}

/// `99.95% over 30d`, `99% within 300ms over 30d`.
fn describe(slo: &Slo) -> String {
    match &slo.indicator {
        Indicator::Availability => format!("{} over {}", slo.objective, slo.window),
        Indicator::Latency { threshold } => {
            format!("{} within {threshold} over {}", slo.objective, slo.window)
        }
    }
}

fn changed(changes: &mut Changes, head: &Platform, name: &str, before: &Slo, after: &Slo) {
    let section = Section::Slos;
    let indicator = after.indicator.name();
    let (old_budget, new_budget) = (before.objective.complement(), after.objective.complement());
    let prod = production(head);
    let page = (!prod.is_empty()).then(|| {
        format!(
            "in {}, burn-rate alerts page above a {} error ratio of {} (was {})",
            list(&prod),
            page_window().compact(),
            page_threshold(new_budget, after.window),
            page_threshold(old_budget, before.window)
        )
    });
    let what = format!("{indicator} objective");
    let objective = changes.value(section, name, &what, before.objective, after.objective);
    let objective_changed = objective.is_some();
    if let Some(change) = objective {
        let outage = if before.window == after.window {
            format!(
                "about {} → {} of full outage per {}",
                outage(old_budget, before.window),
                outage(new_budget, after.window),
                after.window
            )
        } else {
            format!(
                "about {} per {} → {} per {}",
                outage(old_budget, before.window),
                before.window,
                outage(new_budget, after.window),
                after.window
            )
        };
        change.notes.push(format!(
            "error budget {} ({old_budget} → {new_budget} of requests, {outage})",
            factor(old_budget, new_budget)
        ));
        change.notes.extend(page.clone());
    }
    let what = format!("{indicator} window");
    if let Some(change) = changes.value(section, name, &what, before.window, after.window)
        && !objective_changed
    {
        change.notes.push(format!(
            "the error budget of {new_budget} is spread over {}: about {} → {} of full outage",
            after.window,
            outage(old_budget, before.window),
            outage(new_budget, after.window)
        ));
        change.notes.extend(page);
    }
    if let (Indicator::Latency { threshold: old }, Indicator::Latency { threshold: new }) =
        (&before.indicator, &after.indicator)
    {
        changes.value(section, name, "latency threshold", old, new);
    }
}

/// The long window of the fastest page.
fn page_window() -> Duration {
    BURN_WINDOWS
        .iter()
        .find(|w| w.severity == Severity::Page)
        .map_or(Duration::from_hours(1), |w| w.long)
}

/// The error ratio above which the fastest page fires: the budget times its burn factor.
fn page_threshold(budget: Percent, window: Duration) -> Percent {
    let Some(page) = BURN_WINDOWS.iter().find(|w| w.severity == Severity::Page) else {
        return budget;
    };
    let numerator = u128::from(budget.millionths())
        * u128::from(page.budget_percent)
        * u128::from(window.as_millis());
    let denominator = 100 * u128::from(page.long.as_millis()).max(1);
    let millionths = (numerator + denominator / 2) / denominator;
    Percent::from_millionths(u32::try_from(millionths.min(1_000_000)).unwrap_or(1_000_000))
}

/// How long a full outage may last within `window` before the budget is spent, to the second.
fn outage(budget: Percent, window: Duration) -> Duration {
    let millis = u128::from(window.as_millis()) * u128::from(budget.millionths()) / 1_000_000;
    let secs = (millis + 500) / 1000;
    Duration::from_secs(u64::try_from(secs).unwrap_or(u64::MAX / 1000))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// What happens to an error budget that goes from `before` to `after`: `halves`, `doubles`,
/// `shrinks to one fifth`, `grows 2.5×`, `shrinks to 2/5`.
pub(crate) fn factor(before: Percent, after: Percent) -> String {
    let (b, a) = (u64::from(before.millionths()), u64::from(after.millionths()));
    if b == 0 || a == 0 {
        return if a == 0 { "is gone".to_owned() } else { "appears".to_owned() };
    }
    let divisor = gcd(a, b);
    let (n, d) = (a / divisor, b / divisor);
    const ORDINALS: [(u64, &str); 11] = [
        (3, "a third"),
        (4, "a quarter"),
        (5, "one fifth"),
        (6, "one sixth"),
        (7, "one seventh"),
        (8, "one eighth"),
        (9, "one ninth"),
        (10, "one tenth"),
        (20, "one twentieth"),
        (50, "one fiftieth"),
        (100, "one hundredth"),
    ];
    match (n, d) {
        (1, 1) => "stays the same".to_owned(),
        (1, 2) => "halves".to_owned(),
        (2, 1) => "doubles".to_owned(),
        (3, 1) => "triples".to_owned(),
        (n, 1) => format!("grows {n}×"),
        (1, d) => match ORDINALS.iter().find(|(k, _)| *k == d) {
            Some((_, word)) => format!("shrinks to {word}"),
            None => format!("shrinks to 1/{d}"),
        },
        (n, d) if n > d => format!("grows {}×", decimal(n, d)),
        (n, d) => format!("shrinks to {n}/{d}"),
    }
}

/// `n / d` with at most two decimals.
fn decimal(n: u64, d: u64) -> String {
    let hundredths = (n * 100 + d / 2) / d;
    let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Percent {
        Percent::parse(text).unwrap_or_default()
    }

    #[test]
    fn budget_factors_read_as_words() {
        let budget = |objective: &str| p(objective).complement();
        assert_eq!(factor(budget("99.9%"), budget("99.95%")), "halves");
        assert_eq!(factor(budget("99.95%"), budget("99.9%")), "doubles");
        assert_eq!(factor(budget("99.95%"), budget("99.99%")), "shrinks to one fifth");
        assert_eq!(factor(budget("99.9%"), budget("99.99%")), "shrinks to one tenth");
        assert_eq!(factor(budget("99.9%"), budget("99.75%")), "grows 2.5×");
        assert_eq!(factor(budget("99%"), budget("99.6%")), "shrinks to 2/5");
        assert_eq!(factor(budget("99.9%"), budget("99.6%")), "grows 4×");
    }

    #[test]
    fn thresholds_and_outages_follow_the_window() {
        let thirty = Duration::from_days(30);
        assert_eq!(page_threshold(p("0.05%"), thirty).to_string(), "0.72%");
        assert_eq!(page_threshold(p("0.01%"), thirty).to_string(), "0.144%");
        assert_eq!(outage(p("0.05%"), thirty).compact(), "21m36s");
        assert_eq!(outage(p("0.01%"), thirty).compact(), "4m19s");
    }
}
