//! The estate benchmark: idpc next to a plain Python reference and, where it is installed,
//! jrsonnet, on the same generated estate (`../shared/bench/peers/`), as ratios
//! measured in one run. Each tool runs as a whole process writing into a fresh directory; the
//! order rotates between rounds and the median is kept.
//!
//! A build with nothing changed looks at every entry of the output tree and of the description
//! (decision 14): its floor, printed beside it, is a `stat` of each of those entries relative
//! to its directory, shared by two threads, measured in this process, plus the start of a
//! process of the binary (`idpc --version`).
//!
//! Everything is written under `/dev/shm` when it is there.
//!
//! `cargo bench -p idpc-cli --bench estate` (1,000 services, three rounds);
//! `cargo bench -p idpc-cli --bench estate -- 10000 --rounds 3` for other sizes.
//! Without `../shared/bench/peers` it says so and stops; without jrsonnet (`$JRSONNET` or on
//! `PATH`) its row and ratio are left out.

#![expect(clippy::disallowed_methods, reason = "a benchmark drives programs")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports and fails loudly"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The four families the peers emit: Helm values, a rollout, alert rules and a dashboard.
const PEER_FAMILIES: &str = "helm,argo-rollouts,prometheus,grafana";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3usize);
    let sizes: Vec<usize> = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || args[i - 1] != "--rounds")
        .filter_map(|(_, a)| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() { vec![1_000] } else { sizes };
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/peers");
    if !peers.join("gen_estate.py").is_file() {
        eprintln!("skipped: {} is not here", peers.display());
        return;
    }
    let idpc = PathBuf::from(env!("CARGO_BIN_EXE_idpc"));
    let jrsonnet = std::env::var_os("JRSONNET").map(PathBuf::from).or_else(|| which("jrsonnet"));
    if jrsonnet.is_none() {
        eprintln!("note: jrsonnet is not installed; its row and ratio are left out");
    }
    for services in sizes {
        // On tmpfs where there is one, as the peers' bench does: file creation on a disk swings
        // from run to run more than any tool's own time.
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() };
        let dir = dir.unwrap();
        let estate = dir.path().join("estate");
        let status = Command::new("python3")
            .arg(peers.join("gen_estate.py"))
            .arg(services.to_string())
            .arg(&estate)
            .env("IDPC_ESTATE", "1")
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        let description = estate.join("idpc");
        // A tree to copy, for the floor: what writing idpc's files costs by itself.
        let full_tree = dir.path().join("full-tree");
        run(idpc_build(&idpc, &description, &full_tree, None));
        let peer_tree = dir.path().join("peer-tree");
        run(idpc_build(&idpc, &description, &peer_tree, Some(PEER_FAMILIES)));
        let noop_tree = dir.path().join("noop-tree");
        run(idpc_build(&idpc, &description, &noop_tree, None));
        let looked_at = Entries::under(&[&noop_tree, &description]);

        type Tool = Box<dyn Fn(&Path) -> Command>;
        let mut tools: Vec<(&str, Tool)> = vec![
            ("cp -r of idpc's full tree", Box::new(move |out: &Path| cp(&full_tree, out))),
            ("cp -r of idpc's four families", Box::new(move |out: &Path| cp(&peer_tree, out))),
            ("python reference", {
                let (reference, json) = (peers.join("reference.py"), estate.join("estate.json"));
                Box::new(move |out: &Path| {
                    let mut c = Command::new("python3");
                    c.arg(&reference).arg(&json).arg(out);
                    c
                })
            }),
            ("idpc --version (a process's start)", {
                let idpc = idpc.clone();
                Box::new(move |_: &Path| {
                    let mut c = Command::new(&idpc);
                    c.arg("--version");
                    c
                })
            }),
            ("idpc check", {
                let (idpc, description) = (idpc.clone(), description.clone());
                Box::new(move |_: &Path| {
                    let mut c = Command::new(&idpc);
                    c.arg("check").arg(&description).env("IDPC_TODAY", "2026-11-30");
                    c
                })
            }),
            ("idpc build, four families", {
                let (idpc, description) = (idpc.clone(), description.clone());
                Box::new(move |out: &Path| {
                    idpc_build(&idpc, &description, out, Some(PEER_FAMILIES))
                })
            }),
            ("idpc build, every family", {
                let (idpc, description) = (idpc.clone(), description.clone());
                Box::new(move |out: &Path| idpc_build(&idpc, &description, out, None))
            }),
            ("idpc build, nothing changed", {
                let (idpc, description) = (idpc.clone(), description.clone());
                Box::new(move |_: &Path| idpc_build(&idpc, &description, &noop_tree, None))
            }),
        ];
        if let Some(jrsonnet) = &jrsonnet {
            let (jrsonnet, estate) = (jrsonnet.clone(), estate.clone());
            let program = peers.join("tools/jsonnet/estate-compile.jsonnet");
            tools.push((
                "jrsonnet",
                Box::new(move |out: &Path| {
                    std::fs::create_dir_all(out).unwrap();
                    let mut c = Command::new(&jrsonnet);
                    c.args(["-S", "-c", "-m"]).arg(out).arg("-J").arg(&estate).arg(&program);
                    c
                }),
            ));
        }
        let mut times: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
        for round in 0..rounds {
            for i in 0..tools.len() {
                let (name, tool) = &tools[(i + round) % tools.len()];
                let out = dir.path().join(format!("out-{round}-{i}"));
                let started = Instant::now();
                run(tool(&out));
                times.entry(name).or_default().push(started.elapsed());
                let _ = std::fs::remove_dir_all(&out);
            }
            times.entry(LOOK).or_default().push(looked_at.stat_each());
        }
        let median = |name: &str| {
            let mut t = times.get(name).cloned().unwrap_or_default();
            t.sort();
            t.get(t.len() / 2).copied()
        };
        println!("\n{services} services, median of {rounds} rounds\n");
        println!("| tool | median |");
        println!("|---|---:|");
        for name in tools.iter().map(|(name, _)| *name).chain([LOOK]) {
            if let Some(t) = median(name) {
                println!("| {name} | {:.3} s |", t.as_secs_f64());
            }
        }
        let ratio = |a: &str, b: &str| match (median(a), median(b)) {
            (Some(a), Some(b)) => format!("{:.2}", a.as_secs_f64() / b.as_secs_f64()),
            _ => "n/a".to_owned(),
        };
        println!();
        println!(
            "- four families / jrsonnet: {} (goal ≤ 0.33)",
            ratio("idpc build, four families", "jrsonnet")
        );
        println!(
            "- four families / python reference: {}",
            ratio("idpc build, four families", "python reference")
        );
        println!(
            "- every family / cp -r of its tree: {} (goal ≤ 1.5)",
            ratio("idpc build, every family", "cp -r of idpc's full tree")
        );
        println!(
            "- nothing changed / every family: {} (goal ≤ 0.05)",
            ratio("idpc build, nothing changed", "idpc build, every family")
        );
        if let (Some(noop), Some(start), Some(look)) = (
            median("idpc build, nothing changed"),
            median("idpc --version (a process's start)"),
            median(LOOK),
        ) {
            let floor = start + look;
            println!(
                "- nothing changed / its floor (a process's start and a `stat` of each of {} entries): {:.2} ({:.1} / {:.1} ms; the floor alone is {:.3} of every family)",
                looked_at.len(),
                noop.as_secs_f64() / floor.as_secs_f64(),
                noop.as_secs_f64() * 1e3,
                floor.as_secs_f64() * 1e3,
                median("idpc build, every family")
                    .map_or(f64::NAN, |full| floor.as_secs_f64() / full.as_secs_f64()),
            );
        }
    }
}

/// The row of the floor of a build with nothing changed: the look at every entry alone.
const LOOK: &str = "stat of every entry of the tree and the description, two threads";

/// The entries a build with nothing changed looks at: every entry below some roots, by
/// directory.
struct Entries {
    directories: Vec<PathBuf>,
    /// Each entry: the index of its directory, and its name.
    names: Vec<(usize, std::ffi::CString)>,
}

impl Entries {
    fn under(roots: &[&Path]) -> Entries {
        let mut entries = Entries { directories: Vec::new(), names: Vec::new() };
        let mut stack: Vec<PathBuf> = roots.iter().map(|root| root.to_path_buf()).collect();
        while let Some(directory) = stack.pop() {
            let index = entries.directories.len();
            for entry in std::fs::read_dir(&directory).unwrap() {
                let entry = entry.unwrap();
                if entry.file_type().unwrap().is_dir() {
                    stack.push(entry.path());
                }
                let name =
                    std::os::unix::ffi::OsStrExt::as_bytes(entry.file_name().as_os_str()).to_vec();
                entries.names.push((index, std::ffi::CString::new(name).unwrap()));
            }
            entries.directories.push(directory);
        }
        entries
    }

    fn len(&self) -> usize {
        self.names.len()
    }

    /// Opens every directory and stats each entry relative to it, the entries shared by two
    /// threads: how long that took.
    fn stat_each(&self) -> Duration {
        use rustix::fs::{AtFlags, Mode, OFlags};
        let started = Instant::now();
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let opened: Vec<_> = self
            .directories
            .iter()
            .map(|directory| rustix::fs::open(directory, flags, Mode::empty()).unwrap())
            .collect();
        let (first, second) = self.names.split_at(self.names.len() / 2);
        std::thread::scope(|scope| {
            for half in [first, second] {
                let opened = &opened;
                scope.spawn(move || {
                    for (directory, name) in half {
                        let stat = rustix::fs::statat(
                            &opened[*directory],
                            name.as_c_str(),
                            AtFlags::SYMLINK_NOFOLLOW,
                        );
                        assert!(stat.is_ok(), "{name:?}");
                    }
                });
            }
        });
        started.elapsed()
    }
}

fn idpc_build(idpc: &Path, description: &Path, out: &Path, targets: Option<&str>) -> Command {
    let mut c = Command::new(idpc);
    c.arg("build").arg(description).arg("--out").arg(out).env("IDPC_TODAY", "2026-11-30");
    if let Some(targets) = targets {
        c.arg("--target").arg(targets);
    }
    c
}

fn cp(from: &Path, to: &Path) -> Command {
    let mut c = Command::new("cp");
    c.arg("-r").arg(from).arg(to);
    c
}

fn run(mut command: Command) {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}
