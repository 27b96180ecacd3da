//! A build with nothing to do does nothing: the stamp a clean build leaves lets the next one with
//! the same inputs over the same tree stop before compiling. Whatever happens in between (edits
//! of the description or of the output, a corrupt stamp), the tree is always what a clean build
//! writes.

use std::path::Path;

use crate::support::{copy_dir, repo_root, run_cli};

const TODAY: &str = "2026-11-22";

fn build(description: &Path, out: &Path) -> (u8, String) {
    let (code, _, err) = run_cli(&[
        "build",
        description.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
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

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn nothing_changed_means_nothing_done_and_every_change_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let description = dir.path().join("acme");
    copy_dir(&repo_root().join("examples/acme"), &description);
    let out = dir.path().join("out");
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
            "a stamp of other inputs",
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

/// A build with warnings keeps no stamp: the warnings are printed every time.
#[test]
fn a_build_with_warnings_runs_every_time() {
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
    for _ in 0..2 {
        let (code, err) = build(&description, &out);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("P0002"), "{err}");
        assert!(!out.join(idpc_driver::STAMP).exists());
    }
}
