//! The output directory is idpc's, and only what idpc wrote: every refusal leaves the file system
//! exactly as it was, other families and a user's files survive a build, and the output is never
//! read back as input.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{repo_root, run_cli};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const GOOD: &str = r#"
platform "p"
team "t" { member "a@p.dev" role="lead" }
environment "dev" tier="development"
service "s" team="t" { image "s:1.0.0"; port "http" 8080 }
"#;

/// Every entry under `dir` (links not followed): files with their bytes, links with their target,
/// directories as such.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        let kind = entry.file_type();
        let value = if kind.is_symlink() {
            format!("link -> {}", std::fs::read_link(entry.path()).unwrap().display())
        } else if kind.is_dir() {
            "dir".to_owned()
        } else {
            String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned()
        };
        entries.insert(relative, value);
    }
    entries
}

fn build(args: &[&str]) -> (u8, String) {
    let mut argv = vec!["build"];
    argv.extend_from_slice(args);
    let (code, _, err) = run_cli(&argv);
    (code, err)
}

/// A workspace: `root/platform/platform.kdl`, a README and a `.git` at `root`.
fn workspace() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "platform/platform.kdl", GOOD);
    write(root.path(), "README.md", "# ours\n");
    write(root.path(), ".git/HEAD", "ref: refs/heads/main\n");
    root
}

#[test]
fn directories_that_must_never_be_an_output_are_refused_and_left_as_they_were() {
    let root = workspace();
    let platform = root.path().join("platform");
    let elsewhere = tempfile::tempdir().unwrap();
    write(elsewhere.path(), "keep/notes.txt", "mine\n");
    std::os::unix::fs::symlink(elsewhere.path().join("keep"), root.path().join("link")).unwrap();
    write(root.path(), "file.txt", "a file\n");
    let repository = elsewhere.path().join("repo");
    write(&repository, ".git/HEAD", "ref\n");
    write(&repository, "README.md", "hi\n");

    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (platform.clone(), "holds the description"),
        (root.path().to_owned(), "holds the description"),
        (root.path().join(".."), "holds the description"),
        (platform.join("."), "holds the description"),
        (root.path().join("link"), "is a symbolic link"),
        (root.path().join("file.txt"), "is not a directory"),
        (repository.clone(), "is a repository"),
        ("/".into(), "file-system root"),
    ];
    for (out, message) in cases {
        let before = (snapshot(root.path()), snapshot(elsewhere.path()));
        let (code, err) = build(&[platform.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(code, 2, "{}: {err}", out.display());
        assert!(err.contains(message), "{}: {err}", out.display());
        assert!(err.contains("nothing was written"), "{err}");
        assert!(err.contains("help: "), "{err}");
        assert_eq!(
            (snapshot(root.path()), snapshot(elsewhere.path())),
            before,
            "{}",
            out.display()
        );
    }
}

#[test]
fn a_directory_holding_files_idpc_did_not_write_is_refused_unless_adopted() {
    let root = workspace();
    let platform = root.path().join("platform");
    let out = root.path().join("out");
    write(&out, "notes.txt", "hand-written\n");
    write(&out, "helm/extra/mine.yaml", "a: 1\n");
    std::fs::create_dir_all(out.join("empty")).unwrap();
    let before = snapshot(root.path());
    let out_arg = out.to_str().unwrap();
    let (code, err) = build(&[platform.to_str().unwrap(), "--out", out_arg]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds 2 files idpc did not write"), "{err}");
    assert!(err.contains("`notes.txt`") && err.contains("`helm/extra/mine.yaml`"), "{err}");
    assert!(err.contains("--adopt"), "{err}");
    assert_eq!(snapshot(root.path()), before);

    // Adopted: the build writes its files beside them and leaves them (and the empty directory).
    let (code, err) = build(&[platform.to_str().unwrap(), "--out", out_arg, "--adopt"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("kept 2 file(s)"), "{err}");
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "hand-written\n");
    assert_eq!(std::fs::read_to_string(out.join("helm/extra/mine.yaml")).unwrap(), "a: 1\n");
    assert!(out.join("empty").is_dir());
    assert!(out.join("helm/dev/s.values.yaml").is_file());
    let manifest = std::fs::read_to_string(out.join(idpc_driver::MANIFEST)).unwrap();
    assert!(manifest.contains("\"kept\"") && manifest.contains("notes.txt"), "{manifest}");

    // From now on they are known: later builds need no flag and still leave them.
    let (code, err) = build(&[platform.to_str().unwrap(), "--out", out_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("up to date"), "{err}");
    // Builds after an edit, in place, leave them too, and say so as a full build does: one that
    // adds a service, then one that edits the other (the new service's files are reused).
    let description = platform.join("platform.kdl");
    let mut text = std::fs::read_to_string(&description).unwrap();
    text.push_str("service \"u\" team=\"t\" { image \"u:1.0.0\"; port \"http\" 9090 }\n");
    for text in [text.clone(), text.replace("port \"http\" 8080", "port \"http\" 8081")] {
        std::fs::write(&description, text).unwrap();
        let (code, err) = build(&[platform.to_str().unwrap(), "--out", out_arg, "--timings"]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains(" units ") && err.contains("kept 2 file(s)"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "hand-written\n");
    assert_eq!(std::fs::read_to_string(out.join("helm/extra/mine.yaml")).unwrap(), "a: 1\n");
    let (code, err) = build(&[platform.to_str().unwrap(), "--out", out_arg, "--check"]);
    assert_eq!(code, 0, "{err}");
    // A new stranger is refused again, and `--check` names it.
    write(&out, "later.txt", "x\n");
    let (code, err) = build(&[platform.to_str().unwrap(), "--out", out_arg, "--check"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("foreign:  later.txt"), "{err}");
    let (code, err) = build(&[platform.to_str().unwrap(), "--out", out_arg]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`later.txt`"), "{err}");
}

#[test]
fn only_idpc_s_stale_files_are_removed() {
    let root = workspace();
    let platform = root.path().join("platform");
    let out = root.path().join("out");
    let two = GOOD.replace(
        "service \"s\"",
        "service \"gone\" team=\"t\" { image \"g:1.0.0\"; port \"http\" 8080 }\nservice \"s\"",
    );
    write(&platform, "platform.kdl", &two);
    let out_arg = out.to_str().unwrap();
    assert_eq!(build(&[platform.to_str().unwrap(), "--out", out_arg]).0, 0);
    assert!(out.join("helm/dev/gone.values.yaml").is_file());
    write(&platform, "platform.kdl", GOOD);
    let (code, err) = build(&[platform.to_str().unwrap(), "--out", out_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.join("helm/dev/gone.values.yaml").exists());
    assert!(out.join("helm/dev/s.values.yaml").is_file());
    assert!(err.contains("removed"), "{err}");
}

#[test]
fn a_targeted_build_touches_only_its_family() {
    let root = workspace();
    let platform = root.path().join("platform");
    let out = root.path().join("out");
    let out_arg = out.to_str().unwrap();
    assert_eq!(build(&[platform.to_str().unwrap(), "--out", out_arg]).0, 0);
    let before = snapshot(&out);
    // A change that moves several families; only Prometheus is rebuilt.
    write(
        &platform,
        "platform.kdl",
        &GOOD.replace(
            "port \"http\" 8080",
            "port \"http\" 8080; slo \"availability\" objective=\"99.5%\"",
        ),
    );
    let (code, err) =
        build(&[platform.to_str().unwrap(), "--out", out_arg, "--target", "prometheus"]);
    assert_eq!(code, 0, "{err}");
    let after = snapshot(&out);
    let mut changed_families: Vec<&str> = after
        .iter()
        .filter(|(path, text)| before.get(*path) != Some(*text))
        .map(|(path, _)| path.split('/').next().unwrap())
        .filter(|family| {
            ![idpc_driver::MANIFEST, idpc_driver::STAMP, idpc_driver::MEMORY].contains(family)
        })
        .collect();
    changed_families.dedup();
    assert_eq!(changed_families, ["prometheus"], "{err}");
    for (path, text) in &before {
        let bookkeeping = [idpc_driver::MANIFEST, idpc_driver::STAMP, idpc_driver::MEMORY];
        if !path.starts_with("prometheus") && !bookkeeping.iter().any(|b| path.starts_with(b)) {
            assert_eq!(after.get(path), Some(text), "{path} changed");
        }
    }
    // `--check` of that one family is clean; of every family it is not.
    let (code, err) =
        build(&[platform.to_str().unwrap(), "--out", out_arg, "--target", "prometheus", "--check"]);
    assert_eq!(code, 0, "{err}");
    let (code, _) = build(&[platform.to_str().unwrap(), "--out", out_arg, "--check"]);
    assert_eq!(code, 1);
}

#[test]
fn an_output_inside_the_description_holding_its_files_is_refused_even_when_adopting() {
    let root = workspace();
    let platform = root.path().join("platform");
    write(&platform, "teams/more.kdl", "team \"u\" { member \"b@p.dev\" role=\"lead\" }\n");
    let before = snapshot(root.path());
    for extra in [&[][..], &["--adopt"][..]] {
        let mut args = vec![platform.to_str().unwrap(), "--out"];
        let out = platform.join("teams");
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        let (code, err) = build(&args);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("holds its file `more.kdl`"), "{err}");
        assert_eq!(snapshot(root.path()), before);
    }
    // Files the rest of the description needs: refused before compiling, not reported as the
    // unknown names that leaving them out would make.
    write(&platform, "envs/dev.kdl", "environment \"stage\" tier=\"staging\"\n");
    write(
        &platform,
        "platform.kdl",
        &GOOD.replace(
            "service \"s\" team=\"t\" {",
            "service \"s\" team=\"t\" {\n  override \"stage\" { replicas 2 }\n ",
        ),
    );
    let before = snapshot(root.path());
    let out = platform.join("envs");
    let (code, err) = build(&[platform.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds its file `dev.kdl`"), "{err}");
    assert!(!err.contains("E0202"), "{err}");
    assert_eq!(snapshot(root.path()), before);
}

#[test]
fn the_output_is_never_read_back_as_input() {
    // The tutorial's flow: build into the default `generated/`, then check, why and review.
    let root = workspace();
    let platform = root.path().join("platform");
    let (code, err) = build(&[platform.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(platform.join("generated/opa").is_dir());
    let (code, _, err) = run_cli(&["check", platform.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("P0101"), "{err}");
    let (code, _, err) = run_cli(&["why", "s", "dev", "--dir", platform.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // An output tree elsewhere in the description is recognised by idpc's record.
    let (code, err) =
        build(&[platform.to_str().unwrap(), "--out", platform.join("out").to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_cli(&["check", platform.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // A build of the description with its outputs in it is up to date.
    let (code, err) = build(&[platform.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("up to date"), "{err}");
}

#[test]
fn links_that_leave_the_description_are_an_error_naming_the_link() {
    let root = tempfile::tempdir().unwrap();
    let platform = root.path().join("platform");
    write(&platform, "platform.kdl", GOOD);
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.kdl", "root:x:0:0:root:/root:/bin/bash\n");
    std::os::unix::fs::symlink(outside.path().join("secret.kdl"), platform.join("passwd.kdl"))
        .unwrap();
    let (code, _, err) = run_cli(&["check", platform.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("passwd.kdl") && err.contains("outside the description"), "{err}");
    assert!(!err.contains("root:x:0:0"), "{err}");
    std::fs::remove_file(platform.join("passwd.kdl")).unwrap();

    // A linked directory that leaves it, with a template in it.
    write(outside.path(), "kinds/t.hbs", "stolen\n");
    std::os::unix::fs::symlink(outside.path().join("kinds"), platform.join("kinds")).unwrap();
    let (code, _, err) = run_cli(&["check", platform.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("kinds") && err.contains("outside the description"), "{err}");
    std::fs::remove_file(platform.join("kinds")).unwrap();

    // A link that stays inside is fine.
    write(&platform, "real/extra.kdl", "team \"u\" { member \"b@p.dev\" role=\"lead\" }\n");
    std::os::unix::fs::symlink(platform.join("real"), platform.join("alias")).unwrap();
    let (code, _, err) = run_cli(&["check", platform.to_str().unwrap()]);
    assert_ne!(code, 2, "{err}");
}

#[test]
fn the_example_builds_into_an_ignored_directory_of_the_repository() {
    // The README's first command writes `out/acme` at the repository root, next to the sources.
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("out/acme");
    let acme = repo_root().join("examples/acme");
    let (code, err) = build(&[acme.to_str().unwrap(), "--out", target.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(target.join(idpc_driver::MANIFEST).is_file());
}

/// A write that fails (here a file where the next artifact needs a directory; a full disk
/// in practice) fails the build and leaves the previous tree as it was, and the sink says so,
/// so that the families stop making what would be thrown away.
#[test]
fn a_failed_write_stops_the_emit_and_leaves_the_previous_tree() {
    use idpc_driver::Artifact;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("out");
    let artifact = |path: &str| Artifact { path: path.to_owned(), contents: "a: 1\n".to_owned() };
    let options = idpc_driver::WriteOptions::default();
    idpc_driver::write_tree(&root, &[artifact("helm/a.yaml")], &options).unwrap();
    let before = snapshot(&root);

    let mut seen = Vec::new();
    let written = idpc_driver::write_streamed(&root, &options, |sink| {
        for path in ["helm/b.yaml", "helm/b.yaml/c.yaml", "helm/d.yaml"] {
            seen.push(sink.failed());
            sink.put(&artifact(path));
        }
        seen.push(sink.failed());
        Ok::<(), ()>(())
    });
    assert!(matches!(written, Err(idpc_driver::StreamError::Write(_))), "{written:?}");
    assert_eq!(seen, [false, false, true, true], "the sink says a write failed once it has");
    assert_eq!(snapshot(&root), before, "the previous tree is intact");

    // The families make no unit that is no longer wanted: a build stops soon after a failure.
    let files = idpc_driver::synth::estate(30);
    let compilation = idpc_driver::compile(&files);
    let platform = compilation.platform.expect("the synthetic estate compiles");
    let made = std::sync::atomic::AtomicUsize::new(0);
    let count = |_: idpc_driver::Unit, _: Artifact| {
        made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let all = idpc_driver::Family::ALL;
    idpc_driver::emit_units(&platform, all, &|_| true, &count).unwrap();
    let every = made.swap(0, std::sync::atomic::Ordering::Relaxed);
    idpc_driver::emit_units(&platform, all, &|_| false, &count).unwrap();
    assert!(every > 300, "{every} artifacts");
    assert_eq!(made.into_inner(), 0, "nothing is made once nothing is wanted");
}
