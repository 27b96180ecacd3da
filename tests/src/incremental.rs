//! A build with nothing to do does nothing: the stamp a clean build leaves lets the next one with
//! the same inputs over the same tree stop before compiling. Whatever happens in between (edits
//! of the description or of the output, a corrupt stamp), the tree is always what a clean build
//! writes.

use std::path::{Path, PathBuf};

use crate::support::{copy_dir, repo_root, run_cli};

const TODAY: &str = "2026-11-22";

fn build(description: &Path, out: &Path) -> (u8, String) {
    build_with(description, out, &[])
}

fn build_with(description: &Path, out: &Path, more: &[&str]) -> (u8, String) {
    let (description, out) = (description.to_str().unwrap(), out.to_str().unwrap());
    let mut args = vec!["build", description, "--out", out, "--today", TODAY];
    args.extend(more);
    let (code, _, err) = run_cli(&args);
    (code, err)
}

/// The tree a clean build of `description` writes.
fn clean(description: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, err) = build(description, &out);
    assert_eq!(code, 0, "{err}");
    idpc_driver::read_tree(&out).unwrap()
}

/// A copy of the example platform in a temporary directory: the directory, the description,
/// and where its output goes.
fn acme_copy() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let description = dir.path().join("acme");
    copy_dir(&repo_root().join("examples/acme"), &description);
    let out = dir.path().join("out");
    (dir, description, out)
}

/// Replaces `one` with `other` in the file at `path`, or `other` with `one` if `one` is not
/// there.
fn toggle(path: &Path, one: &str, other: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let text = if text.contains(one) {
        text.replacen(one, other, 1)
    } else {
        text.replacen(other, one, 1)
    };
    std::fs::write(path, text).unwrap();
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn nothing_changed_means_nothing_done_and_every_change_is_seen() {
    let (_dir, description, out) = acme_copy();
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote"), "{err}");
    assert!(out.join(idpc_driver::STAMP).is_file());

    let (code, err) = build(&description, &out);
    assert_eq!(code, 0);
    assert!(err.contains("(nothing changed since the last build)"), "{err}");

    // Each change below makes the next build run, and its tree is a clean build's.
    let payments = description.join("services/payments.kdl");
    let output = out.join("catalog/components/web-frontend.yaml");
    type Change<'a> = Box<dyn Fn() + 'a>;
    let steps: Vec<(&str, Change<'_>)> = vec![
        ("an edited description", Box::new(|| edit(&payments, "replicas 2", "replicas 3"))),
        (
            "an edited output file",
            Box::new(|| {
                let mut text = std::fs::read_to_string(&output).unwrap();
                text.push_str("# edited\n");
                std::fs::write(&output, text).unwrap();
            }),
        ),
        (
            "an output file edited in place to the same size, its modification time put back",
            Box::new(|| {
                let modified = std::fs::metadata(&output).unwrap().modified().unwrap();
                let mut text = std::fs::read(&output).unwrap();
                let at = text.iter().position(u8::is_ascii_lowercase).unwrap();
                text[at] = if text[at] == b'x' { b'y' } else { b'x' };
                std::fs::write(&output, text).unwrap();
                let file = std::fs::File::options().write(true).open(&output).unwrap();
                file.set_modified(modified).unwrap();
                assert_eq!(std::fs::metadata(&output).unwrap().modified().unwrap(), modified);
            }),
        ),
        ("a removed output file", Box::new(|| std::fs::remove_file(&output).unwrap())),
        (
            "a touched output file, same bytes",
            Box::new(|| {
                let text = std::fs::read(&output).unwrap();
                std::fs::remove_file(&output).unwrap();
                std::fs::write(&output, text).unwrap();
            }),
        ),
        (
            "a corrupt stamp",
            Box::new(|| std::fs::write(out.join(idpc_driver::STAMP), "{").unwrap()),
        ),
        (
            "a hand-edited stamp",
            Box::new(|| {
                let stamp = out.join(idpc_driver::STAMP);
                let text = std::fs::read_to_string(&stamp).unwrap();
                let start = text.find("\"inputs\":\"").unwrap() + 10;
                let mut text = text.into_bytes();
                text[start] = if text[start] == b'0' { b'1' } else { b'0' };
                std::fs::write(&stamp, text).unwrap();
            }),
        ),
        (
            "a new file in the description",
            Box::new(|| {
                std::fs::write(description.join("notes.kdl"), "// nothing declared here\n")
                    .unwrap();
            }),
        ),
    ];
    for (what, change) in steps {
        change();
        let (code, err) = build(&description, &out);
        assert_eq!(code, 0, "{what}: {err}");
        assert!(!err.contains("nothing changed since the last build"), "{what}: {err}");
        if what == "a corrupt stamp" {
            assert!(err.contains("is ignored (it is not JSON)"), "{what}: {err}");
        }
        if what == "a hand-edited stamp" {
            assert!(err.contains("is ignored (it was edited or damaged"), "{what}: {err}");
        }
        assert!(idpc_driver::read_tree(&out).unwrap() == clean(&description), "{what}");
        let (code, err) = build(&description, &out);
        assert_eq!(code, 0);
        assert!(err.contains("(nothing changed since the last build)"), "{what}, then: {err}");
    }
    // Another day may change what the policies say: the build runs.
    let (_, _, err) = run_cli(&[
        "build",
        description.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        "2026-11-23",
    ]);
    assert!(!err.contains("nothing changed since the last build"), "{err}");
}

/// A build records what the file system says of the description's files (size, times, inode)
/// when every file is older than two seconds (a build with nothing to do records it once they
/// are), so that the next build over files that look the same does not read them; a file
/// written since, even with the same size, is read again.
#[test]
fn files_that_look_as_they_did_are_not_read_again_and_an_edit_is_still_seen() {
    let (_dir, description, out) = acme_copy();
    let stamp = || std::fs::read_to_string(out.join(idpc_driver::STAMP)).unwrap();
    // Just written: too fresh for the glance to stand for them.
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(!stamp().contains("\"glance\":\""), "{}", stamp());
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    // Settled since: a build with nothing to do records the glance the last one could not.
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(nothing changed since the last build)"), "{err}");
    assert!(stamp().contains("\"glance\":\""), "{}", stamp());
    let (_, err) = build(&description, &out);
    assert!(err.contains("(nothing changed since the last build)"), "{err}");
    assert!(idpc_driver::read_tree(&out).unwrap() == clean(&description));
    // A full build of settled files records it too.
    std::fs::remove_dir_all(&out).unwrap();
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(stamp().contains("\"glance\":\""), "{}", stamp());
    let (_, err) = build(&description, &out);
    assert!(err.contains("(nothing changed since the last build)"), "{err}");
    // Written again with the same bytes: read, and the same inputs.
    let payments = description.join("services/payments.kdl");
    std::fs::write(&payments, std::fs::read(&payments).unwrap()).unwrap();
    let (_, err) = build(&description, &out);
    assert!(err.contains("(nothing changed since the last build)"), "{err}");
    // Edited with the same size: seen.
    edit(&payments, "replicas 2", "replicas 3");
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("nothing changed since the last build"), "{err}");
    assert!(idpc_driver::read_tree(&out).unwrap() == clean(&description));
    assert!(!stamp().contains("\"glance\":\""), "{}", stamp());
    let (_, err) = build(&description, &out);
    assert!(err.contains("(nothing changed since the last build)"), "{err}");
}

/// A build with warnings keeps its stamp and memory, marked as warned: the next build with the
/// same files prints the warnings again (it compiles), but makes only what an edit changed, and
/// its tree is always a clean build's.
#[test]
fn a_build_with_warnings_prints_them_every_time_and_makes_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let description = dir.path().join("p");
    copy_dir(&repo_root().join("examples/minimal"), &description);
    let platform = description.join("platform.kdl");
    edit(
        &platform,
        "    registry \"ghcr.io/tiny\"\n",
        "    registry \"ghcr.io/tiny\"\n    policy \"resource-limits\" severity=\"warning\"\n",
    );
    edit(&platform, "    limits memory=\"256Mi\"\n", "");
    let out = dir.path().join("out");
    let stamp = || std::fs::read_to_string(out.join(idpc_driver::STAMP)).unwrap();
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("P0002"), "{err}");
    assert!(stamp().contains("\"warned\":true"), "{}", stamp());
    assert!(!stamp().contains("\"glance\":\""), "a warned build records no glance: {}", stamp());

    // Nothing changed: the warnings again, nothing written, the same tree.
    let before = idpc_driver::read_tree(&out).unwrap();
    let (code, err) = build_with(&description, &out, &["--timings"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("P0002"), "{err}");
    assert!(!err.contains("nothing changed since the last build"), "{err}");
    assert!(err.contains("up to date: ") && err.contains("1 of 4 units"), "{err}");
    assert!(idpc_driver::read_tree(&out).unwrap() == before);

    // An edit: only the units it touches are made, and the tree is a clean build's.
    edit(&platform, "        replicas 2\n", "        replicas 3\n");
    let (code, err) = build_with(&description, &out, &["--timings"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("P0002"), "{err}");
    assert!(err.contains(" units "), "made as after an edit: {err}");
    assert!(idpc_driver::read_tree(&out).unwrap() == clean(&description));
    assert!(stamp().contains("\"warned\":true"), "{}", stamp());

    // The warning fixed: the stamp is no longer warned, and the next build is up to date.
    edit(&platform, "    deploy {\n", "    limits memory=\"256Mi\"\n    deploy {\n");
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("P0002"), "{err}");
    assert!(!stamp().contains("\"warned\":true"), "{}", stamp());
    assert!(idpc_driver::read_tree(&out).unwrap() == clean(&description));
    let (_, err) = build(&description, &out);
    assert!(err.contains("(nothing changed since the last build)"), "{err}");
}

/// A build killed while it writes (here: in a child process running this test, killed with
/// `SIGKILL` once half of its files are in the staging tree) leaves the previous tree as it was
/// and its stamp usable; the next build clears what the killed one left and writes a clean
/// build's tree.
#[test]
#[cfg(unix)]
fn an_interrupted_build_leaves_the_previous_tree_and_a_usable_stamp() {
    const CHILD: &str = "IDPC_TEST_INTERRUPTED_BUILD";
    if let Ok(dir) = std::env::var(CHILD) {
        write_half_and_wait(Path::new(&dir));
        return;
    }
    let (dir, description, out) = acme_copy();
    assert_eq!(build(&description, &out).0, 0);
    let before = idpc_driver::read_tree(&out).unwrap();

    let edited = dir.path().join("edited");
    copy_dir(&description, &edited);
    edit(&edited.join("services/payments.kdl"), "replicas 2", "replicas 3");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "incremental::an_interrupted_build_leaves_the_previous_tree_and_a_usable_stamp",
        ])
        .env(CHILD, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ready = dir.path().join("ready");
    let waited = std::time::Instant::now();
    while !ready.exists() {
        assert!(waited.elapsed().as_secs() < 120, "the child build never got half way");
        assert!(child.try_wait().unwrap().is_none(), "the child build ended by itself");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let leftovers = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".out.idpc-"))
            .count()
    };
    assert_eq!(leftovers(dir.path()), 1, "the killed build's staging tree is where it left it");
    assert!(idpc_driver::read_tree(&out).unwrap() == before, "the previous tree is intact");
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(nothing changed since the last build)"), "the stamp is usable: {err}");

    let (code, err) = build(&edited, &out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote") && !err.contains(" 0 changed"), "{err}");
    assert_eq!(leftovers(dir.path()), 0, "the next build clears the staging tree");
    assert!(idpc_driver::read_tree(&out).unwrap() == clean(&edited));
}

/// The child's part: a build of the edited description that stops half way and waits to be
/// killed.
#[cfg(unix)]
fn write_half_and_wait(dir: &Path) {
    let edited = dir.join("edited");
    let artifacts = crate::support::build_dir(&edited);
    let written = std::sync::atomic::AtomicUsize::new(0);
    let options = idpc_driver::WriteOptions {
        description: Some(&edited),
        stamp: Some(idpc_driver::Stamping {
            inputs: "inputs of the killed build",
            context: "",
            glance: None,
            warned: false,
        }),
        ..Default::default()
    };
    let _ = idpc_driver::write_streamed(&dir.join("out"), &options, |sink| {
        for artifact in &artifacts {
            sink.put(artifact);
            let count = written.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            if count == artifacts.len() / 2 {
                std::fs::write(dir.join("ready"), "").unwrap();
                std::thread::sleep(std::time::Duration::from_secs(600));
            }
        }
        Ok::<(), ()>(())
    });
}

/// A service of the generated part of the estate below.
#[derive(Clone)]
struct Generated {
    name: String,
    team: &'static str,
    replicas: u32,
    depends_on: Vec<String>,
    slo: bool,
    /// A database, made by the Terraform modules.
    database: bool,
    /// Without a memory limit: a warning.
    unlimited: bool,
}

impl Generated {
    fn text(&self) -> String {
        let depends_on: String = self.depends_on.iter().map(|d| format!(" \"{d}\"")).collect();
        let depends_on = if depends_on.is_empty() {
            String::new()
        } else {
            format!("    depends-on{depends_on}\n")
        };
        let slo = if self.slo {
            "    slo \"availability\" objective=\"99.9%\" window=\"30d\"\n"
        } else {
            ""
        };
        let database = if self.database {
            "    resource \"db\" kind=\"postgres\" {\n        storage \"10Gi\"\n    }\n"
        } else {
            ""
        };
        let limits = if self.unlimited { "" } else { " memory=\"256Mi\"" };
        format!(
            "service \"{name}\" team=\"{team}\" {{\n    image \"{name}:1.0.0\"\n    port \"http\" 8080\n    replicas {replicas}\n    requests cpu=\"100m\" memory=\"128Mi\"\n    limits cpu=\"200m\"{limits}\n{depends_on}{slo}{database}    deploy {{\n        canary {{\n            step weight=25 pause=\"5m\"\n            step weight=100\n        }}\n        healthcheck path=\"/health\"\n        rollback error-rate=\"2%\"\n    }}\n}}\n",
            name = self.name,
            team = self.team,
            replicas = self.replicas,
        )
    }
}

/// Random edits, each built both ways: a build after the edit, which makes only the units whose
/// inputs changed and replaces files in place, writes the tree a clean build writes, byte for
/// byte, whatever the edit (a service's settings, its dependencies, its team, a service added,
/// removed or renamed, a team's members, a service of the example with resources and secrets, a
/// database added or removed, a resource's field: the last two change the Terraform modules,
/// the others do not).
#[test]
fn a_build_after_any_edit_writes_what_a_clean_build_writes() {
    const TEAMS: [&str; 3] = ["payments", "identity", "growth"];
    let (_dir, description, out) = acme_copy();
    let mut rng = crate::support::Rng(0x2545_f491_4f6c_dd1d);
    let mut services: Vec<Generated> = Vec::new();
    let mut next = 0;
    let mut new_service = |rng: &mut crate::support::Rng, services: &[Generated]| {
        next += 1;
        let mut depends_on: Vec<String> =
            services.iter().filter(|_| rng.below(4) == 0).map(|s| s.name.clone()).collect();
        depends_on.truncate(3);
        Generated {
            name: format!("gen-{next:02}"),
            team: TEAMS[rng.below(TEAMS.len())],
            replicas: 1 + rng.below(3) as u32,
            depends_on,
            slo: rng.below(2) == 0,
            database: rng.below(3) == 0,
            unlimited: false,
        }
    };
    // A service without a memory limit is a warning here, not an error: builds with warnings
    // run in place too.
    edit(
        &description.join("platform.kdl"),
        "    registry \"ghcr.io/acme\"\n",
        "    registry \"ghcr.io/acme\"\n    policy \"resource-limits\" severity=\"warning\"\n",
    );
    for _ in 0..10 {
        let service = new_service(&mut rng, &services);
        services.push(service);
    }
    let write_all = |services: &[Generated]| {
        let generated = description.join("services/generated");
        let _ = std::fs::remove_dir_all(&generated);
        std::fs::create_dir_all(&generated).unwrap();
        for service in services {
            std::fs::write(generated.join(format!("{}.kdl", service.name)), service.text())
                .unwrap();
        }
    };
    write_all(&services);
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");

    let mut in_place = 0;
    let mut warned_steps = 0;
    let steps = 24;
    for step in 0..steps {
        let pick = rng.below(services.len());
        let depended_on = |name: &str, services: &[Generated]| {
            services.iter().any(|s| s.depends_on.iter().any(|d| d == name))
        };
        // Every sixth step toggles a memory limit, so that some steps have warnings and some not.
        let what = match if step % 6 == 5 { 10 } else { rng.below(12) } {
            0 => {
                services[pick].replicas = 1 + (services[pick].replicas % 4);
                "replicas"
            }
            1 => {
                let others: Vec<String> = services[..pick].iter().map(|s| s.name.clone()).collect();
                services[pick].depends_on =
                    others.into_iter().filter(|_| rng.below(3) == 0).take(3).collect();
                "dependencies"
            }
            2 => {
                services[pick].team =
                    TEAMS[(TEAMS.iter().position(|t| *t == services[pick].team).unwrap() + 1) % 3];
                "team"
            }
            3 => {
                let service = new_service(&mut rng, &services);
                services.push(service);
                "a new service"
            }
            4 if !depended_on(&services[pick].name, &services) && services.len() > 3 => {
                services.remove(pick);
                "a removed service"
            }
            5 if !depended_on(&services[pick].name, &services) => {
                services[pick].name = format!("{}-renamed", services[pick].name);
                "a renamed service"
            }
            6 => {
                services[pick].slo = !services[pick].slo;
                "an SLO"
            }
            7 => {
                toggle(&description.join("services/payments.kdl"), "replicas 2\n", "replicas 3\n");
                "a service with resources and secrets"
            }
            8 => {
                services[pick].database = !services[pick].database;
                "a database added or removed"
            }
            10 => {
                services[pick].unlimited = !services[pick].unlimited;
                "a memory limit (a warning)"
            }
            9 => {
                let payments = description.join("services/payments.kdl");
                toggle(&payments, "storage \"50Gi\"", "storage \"60Gi\"");
                "a resource's field"
            }
            _ => {
                let teams = description.join("teams.kdl");
                let text = std::fs::read_to_string(&teams).unwrap();
                let member = format!("    member \"dev-{step}@acme.com\"\n");
                std::fs::write(
                    &teams,
                    text.replacen(
                        "team \"growth\" {\n",
                        &format!("team \"growth\" {{\n{member}"),
                        1,
                    ),
                )
                .unwrap();
                "a team's members"
            }
        };
        write_all(&services);
        let (code, err) = build_with(&description, &out, &["--timings"]);
        assert_eq!(code, 0, "step {step} ({what}): {err}");
        // An edit that changes nothing (the same dependencies drawn again) has nothing to do.
        if err.contains(" units ") || err.contains("(nothing changed since the last build)") {
            in_place += 1;
        }
        let clean = clean(&description);
        let built = idpc_driver::read_tree(&out).unwrap();
        let differs: Vec<&String> = clean
            .keys()
            .chain(built.keys())
            .filter(|path| clean.get(*path) != built.get(*path))
            .collect();
        assert!(differs.is_empty(), "step {step} ({what}): {differs:?}\n{err}");
        // Nothing changed since: up to date, or, with warnings, the warnings again and nothing
        // written.
        let warned = services.iter().any(|s| s.unlimited);
        warned_steps += usize::from(warned);
        assert_eq!(err.contains("P0002"), warned, "step {step} ({what}): {err}");
        let (_, err) = build(&description, &out);
        let up_to_date =
            if warned { "up to date: " } else { "(nothing changed since the last build)" };
        assert!(err.contains(up_to_date), "step {step} ({what}), then: {err}");
        assert_eq!(err.contains("P0002"), warned, "step {step} ({what}), then: {err}");
    }
    // Every step ran in place (or had nothing to do): none of them changes most of this small
    // platform's units.
    assert_eq!(in_place, steps, "only {in_place} of {steps} builds ran in place");
    assert!((1..steps).contains(&warned_steps), "{warned_steps} of {steps} steps had warnings");
}

/// A build after an edit that has to wait for another build into the same directory says so,
/// as a full build does, and then runs in place.
#[test]
fn a_build_after_an_edit_that_waits_for_another_says_so() {
    let (dir, description, out) = acme_copy();
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    edit(&description.join("services/payments.kdl"), "replicas 2", "replicas 3");
    // Another build holds the directory (its lock is on the output's parent) for a while.
    let held = std::fs::File::open(dir.path()).unwrap();
    held.lock().unwrap();
    let waiting = std::thread::spawn({
        let (description, out) = (description.clone(), out.clone());
        move || build_with(&description, &out, &["--timings"])
    });
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    held.unlock().unwrap();
    let (code, err) = waiting.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("waited for another idpc build into"), "{err}");
    assert_eq!(err.matches("waited for another idpc build").count(), 1, "{err}");
    assert!(err.contains(" units "), "it ran in full: {err}");
    assert!(idpc_driver::read_tree(&out).unwrap() == clean(&description));
}

/// The memory a build keeps for the next one is used only as idpc wrote it: one edited by hand
/// is ignored with a note, and the build runs in full.
#[test]
fn a_hand_edited_memory_is_ignored_with_a_note() {
    let (_dir, description, out) = acme_copy();
    assert_eq!(build(&description, &out).0, 0);
    let memory = out.join(idpc_driver::MEMORY);
    let text = std::fs::read_to_string(&memory).unwrap();
    std::fs::write(&memory, text.replacen("service:", "service:x", 1)).unwrap();
    edit(&description.join("services/payments.kdl"), "replicas 2", "replicas 3");
    let (code, err) = build(&description, &out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the build memory in"), "{err}");
    assert!(err.contains("is ignored (it was edited or damaged after idpc wrote it)"), "{err}");
    assert!(idpc_driver::read_tree(&out).unwrap() == clean(&description));
}
