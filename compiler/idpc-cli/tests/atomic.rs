//! A build killed part-way leaves the previous output tree intact.
//!
//! This test needs the real `idpc` binary (it kills the process), so it lives next to it rather
//! than in the in-process test suite. A synthetic estate is built once; then its registry changes,
//! which changes thousands of files, and builds are killed at spread-out moments. After each kill
//! the output tree must be exactly the previous tree or exactly the new one, never a mix.

#![expect(clippy::disallowed_methods, reason = "the test drives the binary and reads its output")]
#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SERVICES: usize = 800;

fn build(estate: &Path, out: &Path) -> Duration {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_idpc"))
        .env("IDPC_TODAY", "2026-11-22")
        .args(["build", estate.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    start.elapsed()
}

fn staging_exists(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with(".out.idpc-"))
}

fn tree(out: &Path) -> BTreeMap<String, Vec<u8>> {
    idpc_driver::read_tree(out).unwrap()
}

#[test]
fn a_killed_build_leaves_the_previous_tree_intact() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("estate");
    idpc_driver::synth::write_estate(&estate, SERVICES).unwrap();
    let platform = estate.join("platform.kdl");
    let original = std::fs::read_to_string(&platform).unwrap();
    let changed = original.replace("registry.example.com/synthetic", "registry.example.com/moved");

    let out = dir.path().join("out");
    build(&estate, &out);
    let before = tree(&out);
    std::fs::write(&platform, &changed).unwrap();
    let full = build(&estate, &dir.path().join("reference"));
    let after = tree(&dir.path().join("reference"));
    assert_ne!(before, after);

    let mut interrupted = 0;
    let mut during_write = 0;
    let kills = 10;
    for k in 1..=kills {
        std::fs::write(&platform, &changed).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_idpc"))
            .env("IDPC_TODAY", "2026-11-22")
            .args(["build", estate.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if k % 2 == 0 {
            // Wait for the staging tree to appear, then kill while it is being written.
            let start = Instant::now();
            while !staging_exists(dir.path())
                && child.try_wait().unwrap().is_none()
                && start.elapsed() < full * 4
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(u64::from(k) * 3));
        } else {
            std::thread::sleep(full * k / (kills + 1));
        }
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        let staging_left = staging_exists(dir.path());
        let now = tree(&out);
        if now == before {
            interrupted += usize::from(!finished);
            during_write += usize::from(!finished && staging_left);
        } else {
            assert!(
                now == after,
                "after a kill at {k}/{}, the tree is a mix of old and new",
                kills + 1
            );
            // Start the next round from the previous tree again.
            std::fs::write(&platform, &original).unwrap();
            build(&estate, &out);
            assert_eq!(tree(&out), before);
        }
    }
    assert!(interrupted > 0, "no build was interrupted; the test proves nothing");
    assert!(
        during_write > 0,
        "no build was killed while writing its staging tree; the test proves too little"
    );

    // The next build cleans up what killed builds left behind and completes.
    std::fs::write(&platform, &changed).unwrap();
    build(&estate, &out);
    assert_eq!(tree(&out), after);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".idpc-"))
        .collect();
    assert!(leftovers.is_empty(), "staging directories left behind: {leftovers:?}");
}
