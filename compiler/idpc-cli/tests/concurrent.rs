//! Builds started together into one output directory run one after the other: the tree is always
//! exactly one build's output, and the build that waited says so. And the home directory is never
//! an output.
//!
//! These tests need the real `idpc` binary (separate processes), so they live next to it.

#![expect(clippy::disallowed_methods, reason = "the test drives the binary and reads its output")]
#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SERVICES: usize = 120;
const ROUNDS: usize = 4;

fn idpc(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_idpc"));
    command.env("IDPC_TODAY", "2026-11-22").args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    command
}

fn tree(out: &Path) -> BTreeMap<String, Vec<u8>> {
    idpc_driver::read_tree(out).unwrap()
}

fn finish(child: std::process::Child) -> Output {
    child.wait_with_output().unwrap()
}

#[test]
fn concurrent_builds_into_one_directory_leave_exactly_one_build_s_tree() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    idpc_driver::synth::write_estate(&first, SERVICES).unwrap();
    idpc_driver::synth::write_estate(&second, SERVICES).unwrap();
    let platform = second.join("platform.kdl");
    let text = std::fs::read_to_string(&platform).unwrap();
    std::fs::write(
        &platform,
        text.replace("registry.example.com/synthetic", "registry.example.com/other"),
    )
    .unwrap();

    // The two possible outcomes.
    let mut references = Vec::new();
    for (estate, name) in [(&first, "ref-first"), (&second, "ref-second")] {
        let out = dir.path().join(name);
        let status = idpc(&["build", estate.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success());
        references.push(tree(&out));
    }
    assert_ne!(references[0], references[1]);

    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let mut waited = 0;
    for round in 0..ROUNDS {
        // Alternate which one starts first, and sometimes start from an existing tree.
        let (a, b) = if round % 2 == 0 { (&first, &second) } else { (&second, &first) };
        let one = idpc(&["build", a.to_str().unwrap(), "--out", out_arg]).spawn().unwrap();
        let two = idpc(&["build", b.to_str().unwrap(), "--out", out_arg]).spawn().unwrap();
        let (one, two) = (finish(one), finish(two));
        for output in [&one, &two] {
            assert!(
                output.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let now = tree(&out);
        assert!(
            now == references[0] || now == references[1],
            "round {round}: the tree is a mix of both builds"
        );
        waited += [&one, &two]
            .iter()
            .filter(|o| {
                String::from_utf8_lossy(&o.stderr).contains("waited for another idpc build")
            })
            .count();
        let leftovers: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".idpc-"))
            .collect();
        assert!(leftovers.is_empty(), "round {round}: staging left behind: {leftovers:?}");
    }
    assert!(waited > 0, "no build ever waited for another: the test proved nothing");
}

#[test]
fn the_home_directory_is_never_an_output() {
    let home = tempfile::tempdir().unwrap();
    let estate = home.path().join("work/platform");
    std::fs::create_dir_all(&estate).unwrap();
    std::fs::write(
        estate.join("platform.kdl"),
        "platform \"p\"\nteam \"t\" { member \"a@p.dev\" role=\"lead\" }\n",
    )
    .unwrap();
    std::fs::write(home.path().join(".bashrc"), "export A=1\n").unwrap();
    for out in [home.path().to_owned(), home.path().join("work/.."), home.path().join("..")] {
        let output = idpc(&["build", estate.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .env("HOME", home.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {err}", out.display());
        assert!(err.contains("home directory"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(home.path().join(".bashrc")).unwrap(), "export A=1\n");
}
