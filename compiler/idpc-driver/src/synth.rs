//! A synthetic estate of any size, for benchmarks and tests at scale.
//!
//! N services `svc-00001`… owned by ceil(N/10) teams `team-0001`…, each depending on up to two
//! lower-numbered services; environments dev, staging and prod with 1/2/3 replicas, 100m/250m/500m
//! CPU and 128Mi/256Mi/512Mi memory (limited to 1Gi); a canary of 10% for 5m, 50% for 10m, then 100%; a `/health`
//! check; an availability SLO of 99.9% over 30 days; and a postgres on every third service.
//! One file per service, as a large organisation would keep them.

use std::fmt::Write as _;
use std::path::Path;

use crate::workspace::SourceText;

/// The files of an estate of `services` services.
pub fn estate(services: usize) -> Vec<SourceText> {
    let teams = services.div_ceil(10).max(1);
    let mut files = Vec::with_capacity(services + 1);
    let mut platform = String::from(
        "platform \"synthetic\" {\n    registry \"registry.example.com/synthetic\"\n}\n\n\
         environment \"dev\" tier=\"development\"\n\
         environment \"staging\" tier=\"staging\"\n\
         environment \"prod\" tier=\"production\" {\n    approval required=#true\n}\n\n",
    );
    for team in 1..=teams {
        let _ = write!(
            platform,
            "team \"team-{team:04}\" {{\n    member \"lead-{team:04}@example.com\" role=\"lead\"\n    member \"dev-{team:04}@example.com\"\n    oncall \"team-{team:04}-pager\"\n}}\n"
        );
    }
    files.push(text("platform.kdl", platform));
    for index in 1..=services {
        files.push(text(&format!("services/svc-{index:05}.kdl"), service(index)));
    }
    files
}

/// Writes an estate of `services` services under `dir`.
pub fn write_estate(dir: &Path, services: usize) -> std::io::Result<()> {
    for file in estate(services) {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, file.text)?;
    }
    Ok(())
}

fn text(path: &str, text: String) -> SourceText {
    SourceText { path: path.to_owned(), text, invalid_utf8_at: None }
}

/// Up to two distinct lower-numbered services, chosen by a fixed hash of `index`.
fn dependencies(index: usize) -> Vec<usize> {
    if index == 1 {
        return Vec::new();
    }
    let mut picks = Vec::new();
    let mut state = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for _ in 0..2 {
        state ^= state >> 29;
        state = state.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let pick = 1 + usize::try_from(state >> 33).unwrap_or(0) % (index - 1);
        if !picks.contains(&pick) {
            picks.push(pick);
        }
    }
    picks.sort_unstable();
    picks
}

fn service(index: usize) -> String {
    let team = (index - 1) / 10 + 1;
    let mut out = String::new();
    let _ = writeln!(out, "service \"svc-{index:05}\" team=\"team-{team:04}\" {{");
    let _ = writeln!(out, "    image \"svc-{index:05}:1.0.{index}\"");
    out.push_str(
        "    port \"http\" 8080\n    replicas 1\n    requests cpu=\"100m\" memory=\"128Mi\"\n    limits memory=\"1Gi\"\n",
    );
    let dependencies = dependencies(index);
    if !dependencies.is_empty() {
        let names: Vec<String> = dependencies.iter().map(|d| format!("\"svc-{d:05}\"")).collect();
        let _ = writeln!(out, "    depends-on {}", names.join(" "));
    }
    if index.is_multiple_of(3) {
        out.push_str("    resource \"db\" kind=\"postgres\"\n");
    }
    out.push_str(
        "    deploy {\n        canary {\n            step weight=10 pause=\"5m\"\n            step weight=50 pause=\"10m\"\n            step weight=100\n        }\n        healthcheck path=\"/health\"\n    }\n",
    );
    out.push_str("    slo \"availability\" objective=\"99.9%\" window=\"30d\"\n");
    out.push_str("    override \"staging\" {\n        replicas 2\n        requests cpu=\"250m\" memory=\"256Mi\"\n    }\n");
    out.push_str("    override \"prod\" {\n        replicas 3\n        requests cpu=\"500m\" memory=\"512Mi\"\n    }\n");
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estate_compiles_without_diagnostics() {
        let compilation = crate::compile(&estate(60));
        assert!(compilation.diagnostics.is_empty(), "{:?}", compilation.diagnostics);
        assert_eq!(compilation.platform.map(|p| p.deployments.len()), Some(180));
    }

    #[test]
    fn dependencies_point_down_and_are_distinct() {
        for index in 1..500 {
            let deps = dependencies(index);
            assert!(deps.len() <= 2);
            assert!(deps.iter().all(|d| *d >= 1 && *d < index));
            assert!(deps.windows(2).all(|w| w[0] < w[1]));
        }
        assert_eq!(estate(25).len(), 26);
    }
}
