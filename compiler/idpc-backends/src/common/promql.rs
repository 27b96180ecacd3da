//! PromQL shared by every family that measures services: the error ratio of an SLO, and the
//! multi-window multi-burn-rate table. The recording rules, the alerts, the dashboards and the
//! canary analysis all build their queries here, so they measure the same thing.
//!
//! Every label value goes into a query through [`string_literal`]. Metric and label names are
//! pasted as they are: the checker accepts only valid ones (`requests-metric`, `service-label`…).

use idpc_ir::{Duration, Indicator, Observability, Percent};

/// The label matchers that select one service in one namespace: `namespace="payments-prod",service="payments-api"`.
pub fn selector(observability: &Observability, namespace: &str, service: &str) -> String {
    let (namespace, service) = (string_literal(namespace), string_literal(service));
    ["namespace=", &namespace, ",", observability.service_label.as_str(), "=", &service].concat()
}

/// `label="value"` matchers, in order.
pub fn matchers(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", string_literal(v))).collect::<Vec<_>>().join(",")
}

/// A PromQL double-quoted string literal holding `text`: backslashes, double quotes and control
/// characters are escaped as Go escapes them, so any text stays one string.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The error ratio of `indicator` over `window` for the series `selector` matches: the share of
/// requests that failed (availability) or were slower than the threshold (latency).
///
/// It is a number whenever there was traffic: `0` when no request failed, even though no error
/// series exists then (a bare `sum(rate(errors))` would be empty and the division too). Without
/// traffic it is empty rather than `NaN`, so averages over time skip those moments instead of
/// turning into `NaN`.
pub fn error_ratio(
    observability: &Observability,
    indicator: &Indicator,
    selector: &str,
    window: &str,
) -> String {
    let requests = &observability.requests_metric;
    let duration = &observability.duration_metric;
    // Pieces joined in one allocation: every rule, analysis and panel has one of these.
    match indicator {
        Indicator::Availability => {
            let codes = string_literal(&observability.error_codes);
            [
                "(sum(rate(",
                requests.as_str(),
                "{",
                selector,
                ",code=~",
                &codes,
                "}[",
                window,
                "])) or vector(0)) / (sum(rate(",
                requests.as_str(),
                "{",
                selector,
                "}[",
                window,
                "])) > 0)",
            ]
            .concat()
        }
        Indicator::Latency { threshold } => {
            let le = string_literal(&seconds(*threshold));
            [
                "1 - (sum(rate(",
                duration.as_str(),
                "_bucket{",
                selector,
                ",le=",
                &le,
                "}[",
                window,
                "])) / (sum(rate(",
                duration.as_str(),
                "_count{",
                selector,
                "}[",
                window,
                "])) > 0))",
            ]
            .concat()
        }
    }
}

/// The error ratio a rollout analysis measures: [`error_ratio`] for availability, and `0` when
/// there was no traffic, so the query always returns exactly one number. A new version that has
/// served nothing yet has failed nothing; the analysis goes on measuring.
pub fn analysis_error_ratio(observability: &Observability, selector: &str, window: &str) -> String {
    format!(
        "({}) or vector(0)",
        error_ratio(observability, &Indicator::Availability, selector, window)
    )
}

/// A duration in seconds as Prometheus writes histogram bounds: `0.3`, `1`, `2.5`.
pub fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    let whole = millis / 1000;
    let fraction = millis % 1000;
    if fraction == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{fraction:03}").trim_end_matches('0'))
    }
}

/// How urgent a burn-rate alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Wake someone up.
    Page,
    /// Look at it during working hours.
    Ticket,
}

impl Severity {
    /// The `severity` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }
}

/// One window pair of the multi-window multi-burn-rate scheme: alert when the error ratio over
/// both the long and the short window is above `budget_percent` of the SLO window's budget spent
/// within the long window.
#[derive(Clone, Copy, Debug)]
pub struct BurnWindow {
    /// Page or ticket.
    pub severity: Severity,
    /// The long window.
    pub long: Duration,
    /// The short window (a twelfth of the long one), which makes the alert reset quickly.
    pub short: Duration,
    /// The share of the whole window's error budget spent within `long`.
    pub budget_percent: u64,
}

/// The SRE workbook's windows: page at 2% of the budget in 1h (and 5m) or 5% in 6h (and 30m);
/// ticket at 10% in 1d (and 2h) or 10% in 3d (and 6h).
pub const BURN_WINDOWS: [BurnWindow; 4] = [
    BurnWindow {
        severity: Severity::Page,
        long: Duration::from_hours(1),
        short: Duration::from_secs(300),
        budget_percent: 2,
    },
    BurnWindow {
        severity: Severity::Page,
        long: Duration::from_hours(6),
        short: Duration::from_secs(1800),
        budget_percent: 5,
    },
    BurnWindow {
        severity: Severity::Ticket,
        long: Duration::from_hours(24),
        short: Duration::from_hours(2),
        budget_percent: 10,
    },
    BurnWindow {
        severity: Severity::Ticket,
        long: Duration::from_hours(72),
        short: Duration::from_hours(6),
        budget_percent: 10,
    },
];

impl BurnWindow {
    /// The burn factor for an SLO window: `budget_percent / 100 × window / long`. For a 30-day
    /// window: 14.4, 6, 3 and 1.
    pub fn factor(&self, slo_window: Duration) -> String {
        let numerator = u128::from(self.budget_percent) * u128::from(slo_window.as_millis());
        let denominator = 100 * u128::from(self.long.as_millis());
        exact_or_rounded(numerator, denominator)
    }
}

/// Every window the recording rules must provide: the short and long windows of the burn-rate
/// table, in increasing order.
pub fn rule_windows() -> Vec<Duration> {
    let mut windows: Vec<Duration> = BURN_WINDOWS.iter().flat_map(|w| [w.short, w.long]).collect();
    windows.sort();
    windows.dedup();
    windows
}

/// An SLO's error budget as a ratio: 99.9% gives `0.001`.
pub fn budget(objective: Percent) -> String {
    objective.complement_ratio()
}

/// `numerator / denominator` as a decimal: exact when it terminates within nine places,
/// otherwise rounded to six.
fn exact_or_rounded(numerator: u128, denominator: u128) -> String {
    const SCALE: u128 = 1_000_000_000;
    if denominator == 0 {
        return "0".to_owned();
    }
    let scaled = numerator * SCALE;
    let (value, places) = if scaled.is_multiple_of(denominator) {
        (scaled / denominator, 9)
    } else {
        ((numerator * 1_000_000 * 2 + denominator) / (2 * denominator), 6)
    };
    let divisor = 10u128.pow(places);
    let whole = value / divisor;
    let fraction = value % divisor;
    if fraction == 0 {
        whole.to_string()
    } else {
        let digits = format!("{fraction:0width$}", width = places as usize);
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burn_factors_follow_the_workbook() {
        let thirty = Duration::from_days(30);
        let factors: Vec<String> = BURN_WINDOWS.iter().map(|w| w.factor(thirty)).collect();
        assert_eq!(factors, ["14.4", "6", "3", "1"]);
        let twenty_eight = Duration::from_days(28);
        let factors: Vec<String> = BURN_WINDOWS.iter().map(|w| w.factor(twenty_eight)).collect();
        assert_eq!(factors, ["13.44", "5.6", "2.8", "0.933333"]);
        let windows: Vec<String> = rule_windows().iter().map(|w| w.compact()).collect();
        assert_eq!(windows, ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
    }

    #[test]
    fn string_literals_escape_what_would_end_them() {
        assert_eq!(string_literal("5.."), "\"5..\"");
        assert_eq!(string_literal("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(string_literal("}${x}%{é"), "\"}${x}%{é\"");
    }

    #[test]
    fn seconds_are_written_as_prometheus_bounds() {
        assert_eq!(seconds(Duration::from_millis(300)), "0.3");
        assert_eq!(seconds(Duration::from_secs(1)), "1");
        assert_eq!(seconds(Duration::from_millis(2500)), "2.5");
        assert_eq!(seconds(Duration::from_millis(125)), "0.125");
    }
}
