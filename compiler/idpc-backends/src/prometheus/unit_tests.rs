//! The proofs shipped with the rules: a `promtool test rules` file beside each rule file that has
//! alerts, so that a platform team's CI can check, on the committed tree, that the alerts behave.
//!
//! For each SLO and each window pair of the burn-rate table, two test groups replay traffic
//! whose error ratio over the pair's long window is just above (`21/20`) and just below (`19/20`)
//! the pair's threshold, `factor × budget`: the alert of the pair's severity fires in the first
//! and stays silent in the second. The burst lasts exactly the long window; before it, clean
//! traffic three times as heavy fills the longest window of the same severity, so that the other
//! pair of that severity sees a ratio far below its own threshold and cannot fire instead.
//! A latency SLO also pages when every request is slow and stays silent when every one is fast.
//!
//! The ratios are exact fractions: the thresholds are decimals, the counters integers, and every
//! counter starts far from zero, so that `rate()` extrapolates all series of a window alike and
//! the ratio of two rates is the ratio of the counters' increments. A pair whose threshold is so
//! high that the ratio would exceed 1 (an objective far below 99%) cannot fire and gets only its
//! silent test.

use idpc_ir::{Deployment, Duration, Indicator, Observability, Platform, Slo, Tier};
use serde::Serialize;

use super::{Labels, alert_metadata, alert_name, alerts_group, recordings_group};
use crate::Artifact;
use crate::common;
use crate::common::promql::{self, BURN_WINDOWS, BurnWindow, Severity};
use crate::common::promtool::{fraction, reduce, status_codes};
use crate::common::yaml::Shared;

/// The test file of one (service, environment), when its rule file has alerts.
pub(super) fn test_file(platform: &Platform, deployment: &Deployment) -> Option<Artifact> {
    let service = platform.service(deployment.service);
    let environment = platform.environment(deployment.environment);
    if environment.tier != Tier::Production || service.slos.is_empty() {
        return None;
    }
    let tests: Vec<TestGroup> =
        service.slos.iter().flat_map(|slo| slo_tests(platform, deployment, slo)).collect();
    let file = TestFile {
        rule_files: vec![format!("{}.rules.yaml", service.name)],
        evaluation_interval: EVALUATION_INTERVAL,
        group_eval_order: vec![recordings_group(service), alerts_group(service)],
        tests,
    };
    let path = format!("prometheus/{}/{}.test.yaml", environment.name, service.name);
    Some(common::yaml(path, platform.file_path(service.file), &file))
}

/// How often the rules are evaluated in the tests: every window of the table is a multiple.
const EVALUATION_INTERVAL: &str = "30m";

/// The spacing of the input samples of a test, in minutes: every minute where the shortest
/// window is 5 minutes, every five where it is hours (which keeps the three-day tests quick).
fn scrape_minutes(window: &BurnWindow) -> u64 {
    if window.short.as_millis() < 3_600_000 { 1 } else { 5 }
}

#[derive(Serialize)]
struct TestFile {
    rule_files: Vec<String>,
    evaluation_interval: &'static str,
    /// The recordings before the alerts that read them: promtool evaluates groups in an
    /// arbitrary order otherwise, and an alert would read the recordings of the previous
    /// evaluation, which are older than the lookback at this interval.
    group_eval_order: Vec<String>,
    tests: Vec<TestGroup>,
}

#[derive(Serialize)]
struct TestGroup {
    name: String,
    interval: String,
    input_series: Vec<Series>,
    alert_rule_test: Vec<AlertTest>,
}

#[derive(Serialize)]
struct Series {
    series: String,
    values: String,
}

#[derive(Serialize)]
struct AlertTest {
    eval_time: String,
    alertname: &'static str,
    exp_alerts: Vec<Shared<ExpectedAlert>>,
}

#[derive(Serialize)]
struct ExpectedAlert {
    exp_labels: Labels,
    exp_annotations: Labels,
}

/// The counters an SLO's ratio is computed from.
struct Counters {
    /// The good requests (availability) or every request (latency: `_count`).
    good_or_total: String,
    /// For availability, the failed requests.
    bad: Option<String>,
    /// Whether `good_or_total` counts every request (latency: `_count`) rather than the good ones.
    counts_all: bool,
    /// For latency, the series of the fast requests (`_bucket{le=…}`).
    fast: Option<String>,
}

fn slo_tests(platform: &Platform, deployment: &Deployment, slo: &Slo) -> Vec<TestGroup> {
    let service = platform.service(deployment.service);
    let Some(counters) = counters(
        &platform.observability,
        &promql::selector(&platform.observability, &deployment.namespace, &service.name),
        &slo.indicator,
    ) else {
        return Vec::new();
    };
    let Some(budget) = fraction(&promql::budget(slo.objective)) else { return Vec::new() };
    // Each severity's alert is expected by several tests: made once, shared by each.
    let made: [std::cell::OnceCell<Shared<ExpectedAlert>>; 2] = Default::default();
    let expected = |severity: Severity| {
        let index = usize::from(severity == Severity::Ticket);
        made[index]
            .get_or_init(|| {
                let (labels, annotations) = alert_metadata(platform, deployment, slo, severity);
                Shared::new(ExpectedAlert { exp_labels: labels, exp_annotations: annotations })
            })
            .clone()
    };
    let indicator = slo.indicator.name();
    let mut groups = Vec::new();
    for window in &BURN_WINDOWS {
        let Some(factor) = fraction(&window.factor(slo.window)) else { continue };
        let threshold = reduce(factor.0 * budget.0, factor.1 * budget.1);
        let prefix = longest_of(window.severity).saturating_sub(window.long.as_millis()) / 60_000;
        let minutes = window.long.as_millis() / 60_000;
        let eval_time = Duration::from_millis((prefix + minutes) * 60_000).compact();
        let alertname = alert_name(window.severity);
        for (scale, fires) in [((21, 20), true), ((19, 20), false)] {
            let ratio = reduce(threshold.0 * scale.0, threshold.1 * scale.1);
            if ratio.0 > ratio.1 {
                continue;
            }
            let step = scrape_minutes(window);
            let traffic = Traffic { prefix, minutes, step, total: ratio.1, bad: ratio.0 };
            groups.push(TestGroup {
                name: format!(
                    "{indicator}: {} {} at {}/{} of {} times the budget's rate over {} and {}",
                    window.severity.as_str(),
                    if fires { "fires" } else { "stays silent" },
                    scale.0,
                    scale.1,
                    window.factor(slo.window),
                    window.long.compact(),
                    window.short.compact(),
                ),
                interval: format!("{step}m"),
                input_series: traffic.series(&counters),
                alert_rule_test: vec![AlertTest {
                    eval_time: eval_time.clone(),
                    alertname,
                    exp_alerts: if fires { vec![expected(window.severity)] } else { Vec::new() },
                }],
            });
        }
    }
    if let Indicator::Latency { .. } = slo.indicator {
        let hour = 60;
        let pages = BURN_WINDOWS.iter().filter(|w| w.severity == Severity::Page).any(|w| {
            fraction(&w.factor(slo.window)).is_some_and(|f| f.0 * budget.0 < f.1 * budget.1)
        });
        let slow = Traffic { prefix: 0, minutes: hour, step: 1, total: 100, bad: 100 };
        let fast = Traffic { prefix: 0, minutes: hour, step: 1, total: 100, bad: 0 };
        let silent = |severity: Severity| AlertTest {
            eval_time: "1h".to_owned(),
            alertname: alert_name(severity),
            exp_alerts: Vec::new(),
        };
        if pages {
            groups.push(TestGroup {
                name: "latency: every request slower than the threshold for an hour pages"
                    .to_owned(),
                interval: "1m".to_owned(),
                input_series: slow.series(&counters),
                alert_rule_test: vec![AlertTest {
                    eval_time: "1h".to_owned(),
                    alertname: alert_name(Severity::Page),
                    exp_alerts: vec![expected(Severity::Page)],
                }],
            });
        }
        groups.push(TestGroup {
            name: "latency: every request within the threshold for an hour alerts no one"
                .to_owned(),
            interval: "1m".to_owned(),
            input_series: fast.series(&counters),
            alert_rule_test: vec![silent(Severity::Page), silent(Severity::Ticket)],
        });
    }
    groups
}

/// The longest long window of the pairs of a severity, in milliseconds.
fn longest_of(severity: Severity) -> u64 {
    BURN_WINDOWS
        .iter()
        .filter(|w: &&BurnWindow| w.severity == severity)
        .map(|w| w.long.as_millis())
        .max()
        .unwrap_or_default()
}

/// Clean traffic (three times `total` requests a minute) for `prefix` minutes, then `total`
/// requests a minute of which `bad` fail, for `minutes` minutes, sampled every `step` minutes.
struct Traffic {
    prefix: u64,
    minutes: u64,
    step: u64,
    total: u128,
    bad: u128,
}

impl Traffic {
    fn series(&self, counters: &Counters) -> Vec<Series> {
        let clean = 3 * self.total;
        let good = self.total - self.bad;
        let mut series = Vec::new();
        if counters.counts_all {
            series.push(Series {
                series: counters.good_or_total.clone(),
                values: self.counter(clean, self.total),
            });
        } else {
            series.push(Series {
                series: counters.good_or_total.clone(),
                values: self.counter(clean, good),
            });
        }
        if let Some(bad) = &counters.bad {
            series.push(Series { series: bad.clone(), values: self.counter(0, self.bad) });
        }
        if let Some(fast) = &counters.fast {
            series.push(Series { series: fast.clone(), values: self.counter(clean, good) });
        }
        series
    }

    /// A counter's samples in promtool's expanding notation: `prefix_rate` a minute during the
    /// clean traffic, then `rate` a minute. It starts at ten thousand minutes' worth of its
    /// largest rate, so that `rate()` never clamps its extrapolation at zero.
    fn counter(&self, prefix_rate: u128, rate: u128) -> String {
        let base = 10_000 * prefix_rate.max(rate).max(1);
        let step = u128::from(self.step.max(1));
        let (prefix_rate, rate) = (prefix_rate * step, rate * step);
        let prefix = u128::from(self.prefix) / step;
        let samples = u128::from(self.minutes) / step;
        let mut out = String::with_capacity(64);
        if prefix == 0 {
            push_series(&mut out, base, rate, samples);
            return out;
        }
        push_series(&mut out, base, prefix_rate, prefix);
        out.push(' ');
        push_series(&mut out, base + prefix_rate * prefix + rate, rate, samples - 1);
        out
    }
}

/// `start+stepxcount`, promtool's expanding notation. The arithmetic is in `u128` so that it
/// cannot overflow.
fn push_series(out: &mut String, start: u128, step: u128, count: u128) {
    push_count(out, start);
    out.push('+');
    push_count(out, step);
    out.push('x');
    push_count(out, count);
}

/// A count, written as `u64` when it fits: `u128` is slower to write.
fn push_count(out: &mut String, n: u128) {
    let mut buffer = itoa::Buffer::new();
    match u64::try_from(n) {
        Ok(small) => out.push_str(buffer.format(small)),
        Err(_) => out.push_str(buffer.format(n)),
    }
}

/// The series an SLO's ratio is computed from, for one service; `None` when no status code
/// both matches and escapes the platform's error pattern.
fn counters(
    observability: &Observability,
    selector: &str,
    indicator: &Indicator,
) -> Option<Counters> {
    match indicator {
        Indicator::Availability => {
            let (good, bad) = status_codes(&observability.error_codes)?;
            let requests = &observability.requests_metric;
            let series = |code: u16| {
                format!(
                    "{requests}{{{selector},{}}}",
                    promql::matchers(&[("code", &code.to_string())])
                )
            };
            Some(Counters {
                good_or_total: series(good),
                bad: Some(series(bad)),
                counts_all: false,
                fast: None,
            })
        }
        Indicator::Latency { threshold } => {
            let duration = &observability.duration_metric;
            let le = promql::seconds(*threshold);
            Some(Counters {
                good_or_total: format!("{duration}_count{{{selector}}}"),
                bad: None,
                counts_all: true,
                fast: Some(format!(
                    "{duration}_bucket{{{selector},{}}}",
                    promql::matchers(&[("le", &le)])
                )),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_switch_rate_where_the_burst_starts() {
        let traffic = Traffic { prefix: 300, minutes: 60, step: 1, total: 10, bad: 1 };
        assert_eq!(traffic.counter(30, 9), "300000+30x300 309009+9x59");
        let burst = Traffic { prefix: 0, minutes: 60, step: 1, total: 10, bad: 1 };
        assert_eq!(burst.counter(30, 1), "300000+1x60");
        let coarse = Traffic { prefix: 2880, minutes: 1440, step: 5, total: 10, bad: 1 };
        assert_eq!(coarse.counter(30, 9), "300000+150x576 386445+45x287");
        // Beyond `u64`, the numbers are still written whole.
        let huge = u128::from(u64::MAX);
        assert_eq!(burst.counter(huge, 1), format!("{}+1x60", 10_000 * huge));
    }

    #[test]
    fn the_other_pair_of_a_severity_stays_below_its_threshold() {
        // The clean prefix is three times as heavy: the longer pair sees the burst diluted.
        for window in BURN_WINDOWS.iter() {
            let longest = longest_of(window.severity);
            let burst = u128::from(window.long.as_millis());
            let prefix = u128::from(longest) - burst;
            let thirty = Duration::from_days(30);
            for other in BURN_WINDOWS.iter().filter(|w| w.severity == window.severity) {
                let mine = fraction(&window.factor(thirty)).unwrap_or((0, 1));
                let theirs = fraction(&other.factor(thirty)).unwrap_or((0, 1));
                // ratio over the other's long window, in units of the budget, times 21/20.
                let (num, den) = if other.long > window.long {
                    (mine.0 * 21 * burst, mine.1 * 20 * (burst + 3 * prefix))
                } else {
                    (mine.0 * 21, mine.1 * 20)
                };
                let fires = num * theirs.1 > theirs.0 * den;
                let same = other.long == window.long;
                assert_eq!(fires, same, "{window:?} against {other:?}");
            }
        }
    }
}
