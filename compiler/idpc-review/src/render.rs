//! How model values read in a review: strategies, health checks, rollback, autoscaling,
//! approval rules and lists in a sentence.

use idpc_ir::{Approval, Autoscale, HealthCheck, Rollback, Strategy};

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// `1 replica`, `3 replicas`.
pub(crate) fn count(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// A deploy strategy in one line: `canary 10% for 5m, 50% for 10m, 100%`.
pub(crate) fn strategy(strategy: &Strategy) -> String {
    match strategy {
        Strategy::Canary { steps } => {
            let last = steps.len().saturating_sub(1);
            let steps: Vec<String> = steps
                .iter()
                .enumerate()
                .map(|(i, step)| match step.pause {
                    Some(pause) => format!("{}% for {pause}", step.weight),
                    None if i == last => format!("{}%", step.weight),
                    None => format!("{}% until promoted", step.weight),
                })
                .collect();
            format!("canary {}", steps.join(", "))
        }
        Strategy::BlueGreen { auto_promote, preview_replicas, scale_down_delay } => format!(
            "blue-green, {} promotion, {} preview, old version kept {scale_down_delay}",
            if *auto_promote { "automatic" } else { "manual" },
            preview_replicas
                .map_or_else(|| "full-size".to_owned(), |n| count(n as usize, "replica"))
        ),
        Strategy::Rolling { max_surge, max_unavailable } => {
            format!("rolling, surge {max_surge}, unavailable {max_unavailable}")
        }
    }
}

/// The parts of a health check, each with its name.
pub(crate) fn healthcheck_parts(check: &HealthCheck) -> [(&'static str, String); 6] {
    [
        ("path", check.path.clone()),
        ("port", check.port.clone()),
        ("interval", check.interval.to_string()),
        ("timeout", check.timeout.to_string()),
        ("threshold", format!("{} failures", check.threshold)),
        ("initial delay", check.initial_delay.to_string()),
    ]
}

/// A health check in one line.
pub(crate) fn healthcheck(check: &HealthCheck) -> String {
    let parts: Vec<String> =
        healthcheck_parts(check).iter().map(|(name, value)| format!("{name} {value}")).collect();
    parts.join(", ")
}

/// The parts of a liveness probe, each with its name.
pub(crate) fn liveness_parts(probe: &idpc_ir::Liveness) -> [(&'static str, String); 6] {
    [
        ("probe", probe.path.as_ref().map_or_else(|| "TCP".to_owned(), |p| format!("HTTP {p}"))),
        ("port", probe.port.clone()),
        ("interval", probe.interval.to_string()),
        ("timeout", probe.timeout.to_string()),
        ("threshold", format!("{} failures", probe.threshold)),
        ("initial delay", probe.initial_delay.to_string()),
    ]
}

/// A liveness probe in one line.
pub(crate) fn liveness(probe: &idpc_ir::Liveness) -> String {
    let parts: Vec<String> =
        liveness_parts(probe).iter().map(|(name, value)| format!("{name} {value}")).collect();
    parts.join(", ")
}

/// The parts of a rollback rule, each with its name.
pub(crate) fn rollback_parts(rollback: &Rollback) -> [(&'static str, String); 3] {
    [
        ("mode", if rollback.auto { "automatic".to_owned() } else { "manual".to_owned() }),
        ("error rate", rollback.error_rate.to_string()),
        ("interval", rollback.interval.to_string()),
    ]
}

/// A rollback rule in one line.
pub(crate) fn rollback(rollback: &Rollback) -> String {
    format!(
        "{} above {} errors, measured every {}",
        if rollback.auto { "automatic" } else { "manual" },
        rollback.error_rate,
        rollback.interval
    )
}

/// Autoscaling bounds: `4–12 replicas at 65% CPU`.
pub(crate) fn autoscale(autoscale: Option<&Autoscale>) -> String {
    autoscale.map_or_else(
        || "off".to_owned(),
        |a| format!("{}–{} replicas at {} CPU", a.min, a.max, a.cpu_target),
    )
}

/// An approval rule: `2 approvals required`, `not required`.
pub(crate) fn approval(approval: &Approval) -> String {
    if approval.required {
        format!("{} required", count(approval.approvers as usize, "approval"))
    } else {
        "not required".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(list::<&str>(&[]), "");
        assert_eq!(list(&["dev"]), "dev");
        assert_eq!(list(&["dev", "prod"]), "dev and prod");
        assert_eq!(list(&["dev", "staging", "prod"]), "dev, staging and prod");
    }
}
