//! The command line as a user drives it: exit codes, messages, build, `--check`, explain.

use std::path::Path;

use crate::support::{copy_dir, repo_root, run_cli};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

const GOOD: &str = r#"
platform "p"
team "t" { member "a@p.dev" role="lead" }
environment "dev" tier="development"
service "s" team="t" { image "s:1.0.0"; port "http" 8080 }
"#;

#[test]
fn check_passes_on_every_example() {
    for example in ["acme", "minimal"] {
        let path = repo_root().join("examples").join(example);
        let (code, _, err) = run_cli(&["check", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{example}: {err}");
        assert!(err.contains("ok: platform"), "{err}");
    }
}

#[test]
fn five_mistakes_give_five_located_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "platform.kdl",
        r#"platform "p"
team "t" { member "a@p.dev" }
environment "dev" tier="developmnt"
service "s" team="x" {
    image "s:1.0.0"
    replicas "three"
    port "http" 70000
    requests cpu="fast"
}
"#,
    );
    let (code, out, err) =
        run_cli(&["check", dir.path().to_str().unwrap(), "--message-format", "json"]);
    assert_eq!(code, 1, "{err}");
    let lines = crate::support::diagnostic_lines(&out);
    let got: Vec<(String, u64, u64)> = lines
        .iter()
        .map(|d| {
            let location = &d["location"];
            assert_eq!(location["file"], "platform.kdl");
            (
                d["code"].as_str().unwrap().to_owned(),
                location["line"].as_u64().unwrap(),
                location["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("E0305".to_owned(), 3, 24),
            ("E0202".to_owned(), 4, 18),
            ("E0301".to_owned(), 6, 14),
            ("E0303".to_owned(), 7, 17),
            ("E0302".to_owned(), 8, 18),
        ]
    );
    for line in &lines {
        assert!(!line["message"].as_str().unwrap().is_empty());
        assert!(!line["location"]["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn human_diagnostics_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.kdl", "platform \"p\"\nteam \"t\" { membr \"a@p.dev\" }\n");
    let (code, _, err) = run_cli(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("E0101"), "{err}");
    assert!(err.contains("--> a.kdl:2:12"), "{err}");
    assert!(err.contains("did you mean `member`?"), "{err}");
    assert!(err.contains("1 error found"), "{err}");
}

#[test]
fn hostile_input_never_panics() {
    let deep = format!("platform \"p\"\n{}{}", "a {".repeat(50_000), "}".repeat(50_000));
    let cases: Vec<(&str, String)> = vec![
        ("broken kdl", "platform \"p\" {\nteam \"t\" { member \"a@p.dev\"\n".to_owned()),
        ("unterminated string", "platform \"p\nteam".to_owned()),
        ("wrong types", "platform 42\nteam #true\nenvironment \"e\" tier=1.5\n".to_owned()),
        ("huge numbers", "platform \"p\"\nteam \"t\"\nservice \"s\" team=\"t\" { image \"s:1\"; replicas 99999999999999999999999999999999999999; port \"h\" 1e999 }\n".to_owned()),
        ("unicode", "platform \"p\"\nteam \"t€am\" { description \"日本語 ✓\" }\nservice \"ß\" team=\"t€am\" { image \"s:1\" }\n".to_owned()),
        ("empty file", String::new()),
        ("only comments", "// nothing here\n/* still nothing */\n".to_owned()),
        ("deep nesting", deep),
        ("null everywhere", "platform #null\nteam \"t\" { member #null role=#null }\n".to_owned()),
        ("annotations", "(x)platform \"p\"\nteam (y)\"t\"\n".to_owned()),
        ("control characters", "platform \"p\"\nteam \"t\u{7}\"\n".to_owned()),
    ];
    for (name, text) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "platform.kdl", &text);
        let (code, out, err) =
            run_cli(&["check", dir.path().to_str().unwrap(), "--message-format", "json"]);
        assert_eq!(code, 1, "{name}: expected errors\n{err}");
        assert!(!out.trim().is_empty(), "{name}: no diagnostic");
        let summary: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
        assert_eq!(summary["type"], "summary", "{name}");
        assert_eq!(summary["exit"], 1, "{name}");
        for diagnostic in crate::support::diagnostic_lines(&out) {
            let line = &diagnostic;
            assert!(
                diagnostic["code"]
                    .as_str()
                    .is_some_and(|c| c.starts_with('E') || c.starts_with('W')),
                "{name}: {line}"
            );
        }
    }
}

#[test]
fn not_utf8_is_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.kdl"), b"platform \"p\xff\"\n").unwrap();
    let (code, out, _) =
        run_cli(&["check", dir.path().to_str().unwrap(), "--message-format", "json"]);
    assert_eq!(code, 1);
    assert!(out.contains("\"E0001\""), "{out}");
}

#[test]
fn trouble_exits_two() {
    let (code, _, err) = run_cli(&["check", "/nonexistent/platform"]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run_cli(&["build", empty.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no .kdl files"), "{err}");
    let (code, _, _) = run_cli(&["frobnicate"]);
    assert_eq!(code, 2);
    let (code, _, err) = run_cli(&["build", ".", "--target", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'nope' for '--target <FAMILY>'"), "{err}");
    assert!(err.contains("helm"), "every target is listed: {err}");
}

#[test]
fn build_writes_then_writes_nothing_then_checks() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src, "platform.kdl", GOOD);
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let (code, _, err) = run_cli(&["build", src.to_str().unwrap(), "--out", out_arg]);
    assert_eq!(code, 0, "{err}");
    let values = out.join("helm/dev/s.values.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    assert!(text.starts_with("# Generated by idpc from platform.kdl."), "{text}");
    let before = std::fs::metadata(&values).unwrap().modified().unwrap();

    // Nothing changed: nothing is written.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (code, _, err) = run_cli(&["build", src.to_str().unwrap(), "--out", out_arg]);
    assert_eq!(code, 0);
    assert!(err.contains("up to date"), "{err}");
    assert_eq!(std::fs::metadata(&values).unwrap().modified().unwrap(), before);

    // --check passes on a fresh tree and names each differing, missing and foreign file.
    let (code, _, err) = run_cli(&["build", src.to_str().unwrap(), "--out", out_arg, "--check"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&values, format!("{text}# hand edit\n")).unwrap();
    std::fs::remove_file(out.join("catalog/groups.yaml")).unwrap();
    std::fs::write(out.join("helm/stray.yaml"), "x: 1\n").unwrap();
    let (code, _, err) = run_cli(&["build", src.to_str().unwrap(), "--out", out_arg, "--check"]);
    assert_eq!(code, 1);
    assert!(err.contains("differs:  helm/dev/s.values.yaml"), "{err}");
    assert!(err.contains("missing:  catalog/groups.yaml"), "{err}");
    assert!(err.contains("foreign:  helm/stray.yaml"), "{err}");

    // A file idpc did not write stops the build; without it, a build repairs the other two and
    // an unchanged file keeps its timestamp.
    let (code, _, err) = run_cli(&["build", src.to_str().unwrap(), "--out", out_arg]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`helm/stray.yaml`"), "{err}");
    std::fs::remove_file(out.join("helm/stray.yaml")).unwrap();
    let untouched = out.join("helm/values.schema.json");
    let untouched_before = std::fs::metadata(&untouched).unwrap().modified().unwrap();
    let (code, _, err) = run_cli(&["build", src.to_str().unwrap(), "--out", out_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 added, 1 changed, 0 removed"), "{err}");
    assert_eq!(std::fs::metadata(&untouched).unwrap().modified().unwrap(), untouched_before);
    let (code, _, _) = run_cli(&["build", src.to_str().unwrap(), "--out", out_arg, "--check"]);
    assert_eq!(code, 0);
}

#[test]
fn build_with_errors_leaves_previous_output_intact() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src, "platform.kdl", GOOD);
    let out = dir.path().join("out");
    assert_eq!(run_cli(&["build", src.to_str().unwrap(), "--out", out.to_str().unwrap()]).0, 0);
    let before = idpc_driver::read_tree(&out).unwrap();
    write(&src, "platform.kdl", &GOOD.replace("image \"s:1.0.0\"", "image 42"));
    let (code, _, err) = run_cli(&["build", src.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("nothing written"), "{err}");
    assert_eq!(idpc_driver::read_tree(&out).unwrap(), before);
}

#[test]
fn build_check_passes_on_committed_goldens_and_fails_after_one_edit() {
    let acme = repo_root().join("examples/acme");
    let golden = repo_root().join("golden/acme");
    let (code, _, err) =
        run_cli(&["build", acme.to_str().unwrap(), "--out", golden.to_str().unwrap(), "--check"]);
    assert_eq!(code, 0, "{err}");
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&golden, copy.path());
    let edited = copy.path().join("helm/prod/ledger.values.yaml");
    let text =
        std::fs::read_to_string(&edited).unwrap().replace("replicaCount: 3", "replicaCount: 5");
    std::fs::write(&edited, text).unwrap();
    let (code, _, err) = run_cli(&[
        "build",
        acme.to_str().unwrap(),
        "--out",
        copy.path().to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("differs:  helm/prod/ledger.values.yaml"), "{err}");
    assert_eq!(err.matches("differs:").count(), 1, "{err}");
}

#[test]
fn default_output_directory_is_inside_the_description_and_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "platform.kdl", GOOD);
    assert_eq!(run_cli(&["build", dir.path().to_str().unwrap()]).0, 0);
    assert!(dir.path().join("generated/helm/dev/s.values.yaml").is_file());
    // A stray .kdl in the output directory is not part of the description…
    write(&dir.path().join("generated"), "junk.kdl", "this is { not valid");
    let (code, _, err) = run_cli(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // …and not idpc's either: a build will not write over it.
    let (code, _, err) = run_cli(&["build", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`junk.kdl`"), "{err}");
}

#[test]
fn targets_select_families() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("src"), "platform.kdl", GOOD);
    let out = dir.path().join("out");
    let (code, _, err) = run_cli(&[
        "build",
        dir.path().join("src").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--target",
        "catalog",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.join("catalog/location.yaml").is_file());
    assert!(!out.join("helm").exists());
}

#[test]
fn explain_prints_every_code_and_rejects_unknown_ones() {
    let (code, out, _) = run_cli(&["explain"]);
    assert_eq!(code, 0);
    for info in idpc_diagnostics::Code::ALL.iter().map(|c| c.info()) {
        assert!(
            out.contains(info.code) && out.contains(info.name),
            "{} missing from the list",
            info.code
        );
    }
    let (code, out, _) = run_cli(&["explain", "E0202"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("E0202 (unknown-reference)"), "{out}");
    let (code, by_name, _) = run_cli(&["explain", "unknown-reference"]);
    assert_eq!(code, 0);
    assert_eq!(by_name, out);
    let (code, _, err) = run_cli(&["explain", "E9999"]);
    assert_eq!(code, 2);
    assert!(err.contains("no diagnostic code `E9999`"), "{err}");
}

#[test]
fn warnings_do_not_fail_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\nenvironment \"tmp\" from=\"dev\" owner=\"stranger@p.dev\" ttl=\"1d\" created=\"2026-01-01\"\n",
        GOOD.replace(
            "platform \"p\"",
            "platform \"p\" { policy \"ephemeral-environments\" severity=\"warning\"; }"
        )
    );
    write(dir.path(), "platform.kdl", &text);
    let (code, _, err) = run_cli(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("P0006") && err.contains("1 warning emitted"), "{err}");
    let strict = text.replace(" severity=\"warning\"", "");
    write(dir.path(), "platform.kdl", &strict);
    let (code, _, err) = run_cli(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("P0006") && err.contains("1 error found"), "{err}");
}

#[test]
fn problems_held_back_by_a_broken_file_are_counted_and_come_back_when_it_parses() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "platform.kdl",
        "platform \"p\"\nteam \"web\" { member \"a@p.dev\" }\nenvironment \"dev\" tier=\"development\"\n",
    );
    write(dir.path(), "a.kdl", "team \"ops\" {\n    member \"x@p.dev\"\n");
    write(dir.path(), "b.kdl", "service \"other\" team=\"wbe\" { image \"o:1.0.0\" }\n");
    let path = dir.path().to_str().unwrap();
    let (code, _, err) = run_cli(&["check", path]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0100") && !err.contains("E0202"), "{err}");
    assert!(err.contains("note: 1 more problem waits for the files with syntax errors"), "{err}");
    // Fixed, the file parses and the unknown team is reported.
    write(dir.path(), "a.kdl", "team \"ops\" {\n    member \"x@p.dev\"\n}\n");
    let (code, _, err) = run_cli(&["check", path]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0202") && err.contains("unknown team `wbe`"), "{err}");
    assert!(!err.contains("more problem"), "{err}");
}
