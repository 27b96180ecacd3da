//! The build benchmark: synthetic estates of 1,000 and 10,000 services (or the sizes given as
//! arguments), each built by the release `idpc` binary. Prints, per size, the wall time of
//! `check`, of a build into an empty directory (median of three), of a build with nothing to do,
//! of a build after a one-line edit of one service (median of five, each a different service),
//! the peak memory, and where the time of a build goes.
//!
//! `cargo bench -p idpc-cli --bench build` (add `-- 500 2000` for other sizes).

#![expect(clippy::disallowed_methods, reason = "a benchmark drives the binary")]
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark reports and fails loudly"
)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000] } else { sizes };
    let binary = env!("CARGO_BIN_EXE_idpc");
    println!(
        "| services | input | files out | check | build (empty out) | build (no change) | build (one-line edit) | peak memory | phases of a build |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for services in sizes {
        let dir = tempfile::tempdir().unwrap();
        let estate = dir.path().join("estate");
        idpc_driver::synth::write_estate(&estate, services).unwrap();
        let input_bytes: u64 = walk_size(&estate);
        let out = dir.path().join("out");
        let (check, _) = run(binary, &["check", estate.to_str().unwrap()]);
        let mut builds = Vec::new();
        let mut timings = String::new();
        for _ in 0..3 {
            let _ = std::fs::remove_dir_all(&out);
            let (elapsed, stderr) = run(
                binary,
                &["build", estate.to_str().unwrap(), "--out", out.to_str().unwrap(), "--timings"],
            );
            builds.push(elapsed);
            timings =
                stderr.lines().find(|l| l.starts_with("timings:")).unwrap_or_default().to_owned();
        }
        builds.sort();
        let (noop, noop_stderr) =
            run(binary, &["build", estate.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert!(noop_stderr.contains("up to date"), "{noop_stderr}");
        let mut edits = Vec::new();
        for n in 1..=5 {
            let file = estate.join(format!("services/svc-{:05}.kdl", n * services / 6));
            let text = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, text.replacen("replicas 1\n", "replicas 2\n", 1)).unwrap();
            let (elapsed, stderr) =
                run(binary, &["build", estate.to_str().unwrap(), "--out", out.to_str().unwrap()]);
            assert!(stderr.contains("wrote") && !stderr.contains(" 0 changed"), "{stderr}");
            edits.push(elapsed);
        }
        edits.sort();
        let files =
            timings.split('(').nth(1).and_then(|s| s.split(' ').next()).unwrap_or("?").to_owned();
        let peak = timings.split("peak memory ").nth(1).unwrap_or("?").to_owned();
        let phases = timings
            .trim_start_matches("timings: ")
            .split(" (")
            .next()
            .unwrap_or_default()
            .to_owned();
        println!(
            "| {services} | {:.1} MB | {files} | {} | {} | {} | {} | {peak} | {phases} |",
            input_bytes as f64 / 1e6,
            seconds(check),
            seconds(builds[1]),
            seconds(noop),
            seconds(edits[2])
        );
    }
}

fn run(binary: &str, args: &[&str]) -> (Duration, String) {
    let start = Instant::now();
    let output = Command::new(binary).args(args).output().unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "idpc {args:?} failed:\n{stderr}");
    (elapsed, stderr)
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

fn walk_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() { stack.push(entry.path()) } else { total += meta.len() }
        }
    }
    total
}
