//! idpc in CI and the terminal: annotations whose paths open from where idpc ran, SARIF that
//! validates against the SARIF 2.1.0 schema, JSON that follows the schemas in the book, the
//! graph (rendered by Graphviz, and the book's picture of it fresh), `init`, completions and the
//! man page, and flags that conflict.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::tools::{program, schemas_dir, validation_errors, validator};
use crate::support::{bless, copy_dir, repo_root, run_cli, run_cli_in};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A repository with the minimal example in `platform/`, plus a file with a type error and one
/// with a syntax error.
fn broken_repo() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    copy_dir(&repo_root().join("examples/minimal"), &repo.path().join("platform"));
    write(
        &repo.path().join("platform/services/bad.kdl"),
        "service \"bad\" team=\"web\" {\n    image \"bad:1.0\"\n    port \"http\" \"eighty\"\n}\n",
    );
    write(&repo.path().join("platform/services/unclosed.kdl"), "service \"u\" team=\"web\" {\n");
    repo
}

/// Each `::error file=…,line=…` annotation's file, from `cwd`, holds `expect` on that line.
fn assert_annotations_open(out: &str, cwd: &Path, expect: &[(&str, &str)]) {
    let mut seen = 0;
    for line in out.lines().filter(|l| l.starts_with("::error file=")) {
        let properties = line["::error ".len()..].split("::").next().unwrap();
        let get = |key: &str| {
            properties.split(',').find_map(|p| p.strip_prefix(&format!("{key}="))).unwrap()
        };
        let (file, number) = (get("file"), get("line").parse::<usize>().unwrap());
        let text = std::fs::read_to_string(cwd.join(file))
            .unwrap_or_else(|e| panic!("{file} from {}: {e}", cwd.display()));
        let at = text.lines().nth(number - 1).unwrap();
        let (_, needle) = expect.iter().find(|(f, _)| file.ends_with(f)).unwrap();
        assert!(at.contains(needle), "{file}:{number} is `{at}`");
        seen += 1;
    }
    assert_eq!(seen, expect.len(), "{out}");
}

#[test]
fn github_annotations_open_the_right_line_from_the_root_and_from_below() {
    let repo = broken_repo();
    let root = repo.path();
    let platform = root.join("platform");
    let expect = [("bad.kdl", "\"eighty\""), ("unclosed.kdl", "service \"u\"")];
    let (code, out, _) =
        run_cli_in(root, &["check", platform.to_str().unwrap(), "--message-format", "github"]);
    assert_eq!(code, 1);
    assert!(out.contains("file=platform/services/bad.kdl,line=3,col=17,"), "{out}");
    assert_annotations_open(&out, root, &expect);
    let services = platform.join("services");
    let (code, out, _) = run_cli_in(
        &services,
        &["check", "--dir", services.to_str().unwrap(), "--format", "github"],
    );
    assert_eq!(code, 1, "the root is found from below");
    assert!(out.contains("file=bad.kdl,line=3,"), "{out}");
    assert_annotations_open(&out, &services, &expect);
    // In a terminal's text, naming a directory inside the description says which one is used.
    std::fs::remove_file(services.join("bad.kdl")).unwrap();
    std::fs::remove_file(services.join("unclosed.kdl")).unwrap();
    let (code, _, err) = run_cli_in(root, &["check", services.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is inside the description `platform`, which is used"), "{err}");
}

fn sarif(args: &[&str], cwd: &Path) -> serde_json::Value {
    let (_, out, err) = run_cli_in(cwd, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"))
}

fn rule_ids(log: &serde_json::Value) -> BTreeSet<String> {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_policies_see_the_services_without_errors_unless_an_error_is_in_a_shared_declaration() {
    // `site` declares no memory limit (a preset's violation); two other service files hold a
    // type error and a syntax error. The policies see `site`, and one run reports all three.
    let repo = broken_repo();
    let platform = repo.path().join("platform");
    let text = std::fs::read_to_string(platform.join("platform.kdl")).unwrap();
    write(&platform.join("platform.kdl"), &text.replace("    limits memory=\"256Mi\"\n", ""));
    let codes = || {
        let args = ["check", platform.to_str().unwrap(), "--format", "short"];
        let (_, _, err) = run_cli_in(repo.path(), &args);
        let code = |line: &str| Some(line.split_once("error[")?.1.split_once(']')?.0.to_owned());
        err.lines().filter_map(code).collect::<BTreeSet<String>>()
    };
    assert_eq!(codes(), BTreeSet::from(["E0100", "E0301", "P0002"].map(str::to_owned)));
    // An error in a team, which any service may depend on: no policy runs.
    write(&platform.join("ops.kdl"), "team \"ops\" {\n    member 5\n}\n");
    assert_eq!(codes(), BTreeSet::from(["E0100", "E0301"].map(str::to_owned)));
}

#[test]
fn sarif_validates_against_the_sarif_schema_and_names_its_rules() {
    let Some(schemas) = schemas_dir("sarif") else { return };
    let validator = validator(&schemas.join("sarif/sarif-schema-2.1.0.json"));
    // A syntax error and a type error in two service files, and a policy violation in a third
    // service: one run reports all three, the policies seeing the services without errors.
    let repo = broken_repo();
    let platform = repo.path().join("platform");
    let text = std::fs::read_to_string(platform.join("platform.kdl")).unwrap();
    std::fs::write(
        platform.join("platform.kdl"),
        text.replace("    limits memory=\"256Mi\"\n", ""),
    )
    .unwrap();
    let broken = sarif(&["check", platform.to_str().unwrap(), "--format", "sarif"], repo.path());
    let stale = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/minimal"), stale.path());
    let check = sarif(
        &["build", stale.path().to_str().unwrap(), "--check", "--format", "sarif"],
        stale.path(),
    );
    for log in [&broken, &check] {
        let errors = validation_errors(&validator, log);
        assert!(errors.is_empty(), "{}\n{log:#}", errors.join("\n"));
    }
    let rules = ["E0100", "E0301", "P0002"].map(str::to_owned);
    assert_eq!(rule_ids(&broken), BTreeSet::from(rules));
    assert_eq!(rule_ids(&check), BTreeSet::from(["D0004".to_owned()]));
    let uris: BTreeSet<&str> = broken["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    let files =
        ["platform/platform.kdl", "platform/services/bad.kdl", "platform/services/unclosed.kdl"];
    assert_eq!(uris, BTreeSet::from(files));
    let rule = &broken["runs"][0]["tool"]["driver"]["rules"][0];
    assert!(rule["helpUri"].as_str().unwrap().ends_with("#e0100"), "{rule}");
}

#[test]
fn json_output_follows_the_schemas_in_the_book() {
    let schemas = repo_root().join("book/src/schemas");
    let lines = validator(&schemas.join("lines.schema.json"));
    let documents = validator(&schemas.join("document.schema.json"));
    let acme = repo_root().join("examples/acme");
    let acme = acme.to_str().unwrap();
    let repo = broken_repo();
    let broken = repo.path().join("platform");
    let fresh = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/minimal"), fresh.path());
    let fresh = fresh.path().to_str().unwrap();
    let messy = tempfile::tempdir().unwrap();
    let unformatted = messy.path().join("platform.kdl");
    std::fs::write(&unformatted, "platform   \"p\"\n").unwrap();
    let line_runs: Vec<Vec<&str>> = vec![
        vec!["check", broken.to_str().unwrap()],
        vec!["check", acme, "--waivers"],
        vec!["build", fresh, "--check"],
        vec!["check", "/nonexistent"],
        vec!["fmt", "--check", unformatted.to_str().unwrap()],
        vec!["fmt", broken.to_str().unwrap()],
    ];
    for args in line_runs {
        let (_, out, _) = run_cli(&[args.as_slice(), &["--format", "json"]].concat());
        let values: Vec<serde_json::Value> =
            out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(values.last().unwrap()["type"], "summary", "{args:?}: {out}");
        for value in &values {
            let errors = validation_errors(&lines, value);
            assert!(errors.is_empty(), "{args:?}: {}\n{value}", errors.join("\n"));
        }
    }
    let golden = repo_root().join("golden/acme");
    let document_runs: Vec<Vec<&str>> = vec![
        vec!["why", "payments-api", "prod", "--dir", acme],
        vec!["env", "expired", acme],
        vec!["review", acme, "--base", acme],
        vec!["graph", acme],
        vec!["graph", acme, "--impact", "users-api"],
        vec!["diff", acme, "--against", golden.to_str().unwrap()],
    ];
    for args in document_runs {
        let (_, out, err) = run_cli(&[args.as_slice(), &["--format", "json"]].concat());
        let value: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}{err}"));
        let errors = validation_errors(&documents, &value);
        assert!(errors.is_empty(), "{args:?}: {}\n{value}", errors.join("\n"));
    }
}

#[test]
fn impact_lists_exactly_the_transitive_dependents() {
    let acme = repo_root().join("examples/acme");
    let acme = acme.to_str().unwrap();
    let (code, out, _) = run_cli(&["graph", acme, "--format", "json"]);
    assert_eq!(code, 0);
    let graph: serde_json::Value = serde_json::from_str(&out).unwrap();
    let services = graph["services"].as_array().unwrap();
    let mut expected = BTreeSet::new();
    let mut todo = vec!["users-api".to_owned()];
    while let Some(current) = todo.pop() {
        for s in services {
            let name = s["name"].as_str().unwrap().to_owned();
            let on = s["depends_on"].as_array().unwrap().iter().any(|d| d == &current);
            if on && expected.insert(name.clone()) {
                todo.push(name);
            }
        }
    }
    let (_, out, _) = run_cli(&["graph", acme, "--impact", "users-api", "--format", "json"]);
    let impact: serde_json::Value = serde_json::from_str(&out).unwrap();
    let prod =
        impact["impact"].as_array().unwrap().iter().find(|e| e["environment"] == "prod").unwrap();
    let got: BTreeSet<String> = prod["dependents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, expected);
    assert!(!got.is_empty());
    let (code, _, err) = run_cli(&["graph", acme, "--impact", "user-api"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `users-api`?"), "{err}");
}

/// The DOT of the acme example, as the book shows it.
fn acme_dot() -> String {
    let (code, out, err) = run_cli(&["graph", repo_root().join("examples/acme").to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    out
}

fn render_svg(dot: &Path, input: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(dot)
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_graph_renders_with_graphviz_and_the_books_picture_is_fresh() {
    let Some(dot) = program("graph", "dot") else { return };
    let svg = render_svg(&dot, &acme_dot());
    assert!(svg.contains("<svg") && svg.contains("payments&#45;api"), "{svg}");
    let picture = repo_root().join("book/src/images/acme-graph.svg");
    if bless() {
        write(&picture, &svg);
        return;
    }
    let committed = std::fs::read_to_string(&picture).unwrap_or_default();
    assert!(
        committed == svg,
        "{} is stale: run `IDPC_BLESS=1 cargo test -p idpc-tests ci`",
        picture.display()
    );
}

#[test]
fn mermaid_draws_every_service_once() {
    let acme = repo_root().join("examples/acme");
    let (code, out, _) = run_cli(&["graph", acme.to_str().unwrap(), "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("flowchart LR\n"), "{out}");
    assert_eq!(out.matches("[\"payments-api\"]").count(), 1, "{out}");
}

#[test]
fn init_writes_a_platform_that_checks_and_refuses_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x");
    let x = x.to_str().unwrap();
    let (code, out, err) = run_cli(&["init", x]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 4, "{out}");
    // The build's stamp stays out of version control; the generated tree does not.
    let ignored = std::fs::read_to_string(dir.path().join("x/.gitignore")).unwrap();
    assert!(ignored.lines().any(|l| l == ".idpc-stamp.*"), "{ignored}");
    // A `.gitignore` of the user's is left as it is.
    let y = dir.path().join("y");
    std::fs::create_dir(&y).unwrap();
    std::fs::write(y.join(".gitignore"), "target/\n").unwrap();
    let (code, out, err) = run_cli(&["init", y.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(err.contains("add `.idpc-stamp.*` to it"), "{err}");
    assert_eq!(std::fs::read_to_string(y.join(".gitignore")).unwrap(), "target/\n");
    // A directory's accented name gives the platform its letters, not a shorter name.
    let accented = dir.path().join("café");
    let (code, _, err) = run_cli(&["init", accented.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("created platform `cafe`"), "{err}");
    let (code, out, err) = run_cli(&["check", x, "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(crate::support::diagnostic_lines(&out).len(), 0, "{out}");
    let (code, _, err) = run_cli(&["build", x]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_cli(&["init", x]);
    assert_eq!(code, 2);
    assert!(err.contains("already holds .kdl files"), "{err}");
}

#[test]
fn completions_load_in_bash_and_the_man_page_is_roff() {
    let (code, script, _) = run_cli(&["completions", "bash"]);
    assert_eq!(code, 0);
    if let Some(bash) = program("completions", "bash") {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("idpc.bash");
        std::fs::write(&file, &script).unwrap();
        let output = std::process::Command::new(bash)
            .arg("-c")
            .arg(format!("source {} && complete -p idpc", file.display()))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    for shell in ["zsh", "fish", "powershell"] {
        let (code, script, _) = run_cli(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(script.contains("idpc"), "{shell}");
    }
    let (code, page, _) = run_cli(&["man"]);
    assert_eq!(code, 0);
    assert!(page.starts_with(".ie") || page.contains(".TH idpc"), "{page}");
}

#[test]
fn conflicting_or_misplaced_flags_are_refused_with_a_message() {
    let acme = repo_root().join("examples/acme");
    let acme = acme.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["diff", acme, "--live", "x", "--against", "y"], "cannot be used with"),
        (&["check", acme, "--dir", acme], "named twice"),
        (
            &["why", "a", "b", "--dir", acme, "--format", "markdown"],
            "`--format markdown` does not apply to `idpc why`",
        ),
        (&["build", acme, "--check", "--adopt"], "cannot be used with"),
        (&["explain", "--dir", acme], "`--dir` does not apply"),
    ];
    for (args, message) in cases {
        let (code, _, err) = run_cli(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let (code, out, _) = run_cli(&["build", "--help"]);
    assert_eq!(code, 0);
    for family in idpc_driver::Family::ALL {
        assert!(out.contains(family.name()), "build --help lists {}: {out}", family.name());
    }
}

#[test]
fn a_directory_above_several_descriptions_lists_them() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    for name in ["a", "b"] {
        copy_dir(&repo_root().join("examples/minimal"), &repo.path().join(name));
    }
    let (code, out, err) = run_cli(&["check", repo.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 2);
    assert!(err.contains("above 2 descriptions"), "{err}");
    let summary: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(summary["outcome"], "trouble");
    assert!(summary["message"].as_str().unwrap().contains("above 2 descriptions"));
}
