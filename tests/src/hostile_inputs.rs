//! Hostile inputs: descriptions built to crash idpc or make it run long. Each runs the whole
//! pipeline in-process (load from a directory, compile with policies, emit every family when
//! there is no error) and must finish without a panic, with every error at a place inside its
//! file's text (or one of the few diagnostics that have no place).
//!
//! The inputs come from a deterministic generator, so nothing large is committed: deep and
//! cyclic dependency chains, repeated, many and unknown nodes, huge names, control characters,
//! recursive templates, bracket bombs in policies, overflowing quantities and durations, and
//! seeded byte and line mutations of `examples/acme`. Sizes are smaller in a debug build.

use std::path::Path;
use std::time::{Duration, Instant};

use idpc_diagnostics::{Code, Severity};
use idpc_driver::Family;

use crate::support::{Rng, copy_dir, options, repo_root};

/// The head of a platform that every generated case shares.
const HEAD: &str = r#"platform "tiny" {
    registry "ghcr.io/tiny"
}
team "web" {
    member "ada@tiny.dev" role="lead"
    member "grace@tiny.dev"
    oncall "web-pager"
}
environment "dev" tier="development"
environment "prod" tier="production" {
    approval required=#true
}
"#;

/// Scale for sizes: the full size in a release build, a tenth in a debug build.
fn scaled(n: usize) -> usize {
    if cfg!(debug_assertions) { n / 10 } else { n }
}

/// Runs the pipeline on a directory and checks what it reports. Returns how long it took.
fn run(dir: &Path) -> Duration {
    let started = Instant::now();
    let loaded = idpc_driver::load(dir, Some(&dir.join("generated"))).unwrap();
    let compilation = idpc_driver::compile_with(&loaded.files, options());
    for diagnostic in &compilation.diagnostics {
        if diagnostic.severity != Severity::Error {
            continue;
        }
        let Some(primary) = &diagnostic.primary else {
            assert!(
                matches!(diagnostic.code, Code::MissingPlatform | Code::LiteralSecret),
                "{}: {:?} has no place: {}",
                dir.display(),
                diagnostic.code,
                diagnostic.message
            );
            continue;
        };
        let file = compilation.sources.get(primary.span.file).unwrap();
        let (start, end) = (primary.span.start as usize, primary.span.end as usize);
        assert!(
            start <= end
                && end <= file.text.len()
                && file.text.is_char_boundary(start)
                && file.text.is_char_boundary(end),
            "{}: {:?} points outside {}: {start}..{end}",
            dir.display(),
            diagnostic.code,
            file.path
        );
        assert!(
            diagnostic.message.len() <= 4096,
            "{}: {:?} has a message of {} bytes",
            dir.display(),
            diagnostic.code,
            diagnostic.message.len()
        );
    }
    if let Some(platform) = &compilation.platform
        && !idpc_diagnostics::has_errors(&compilation.diagnostics)
    {
        // Template errors are diagnostics; only an internal error is a failure.
        if let Err(idpc_driver::EmitError::Internal(error)) =
            idpc_driver::emit(platform, Family::ALL)
        {
            panic!("{}: internal error: {error}", dir.display());
        }
    }
    started.elapsed()
}

/// Writes `files` (path, text) into a fresh directory and runs the pipeline on it.
fn run_files(files: &[(&str, String)]) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    run(dir.path())
}

/// One platform file holding `HEAD` and `body`.
fn run_platform(body: &str) -> Duration {
    run_files(&[("platform.kdl", format!("{HEAD}{body}"))])
}

fn service(name: &str, inside: &str) -> String {
    format!("service \"{name}\" team=\"web\" {{\n    image \"site:1.0.0\"\n{inside}}}\n")
}

#[test]
fn a_long_dependency_chain_is_checked_without_recursion() {
    let n = scaled(20_000);
    let mut body = String::new();
    for i in 0..n {
        let depends =
            if i + 1 < n { format!("    depends-on \"s{}\"\n", i + 1) } else { String::new() };
        body.push_str(&service(&format!("s{i}"), &depends));
    }
    run_platform(&body);
    // The same chain closed into one cycle: one diagnostic, with a bounded message.
    body.push_str(&service("s-last", "    depends-on \"s0\"\n"));
    let closed = body.replacen(
        &service(&format!("s{}", n - 1), ""),
        &service(&format!("s{}", n - 1), "    depends-on \"s-last\"\n"),
        1,
    );
    run_platform(&closed);
}

#[test]
fn repeated_many_and_unknown_nodes_stay_linear() {
    let repeats = scaled(50_000);
    run_platform(&service("site", &"    env \"X\" \"v\"\n".repeat(repeats)));
    run_platform(&service("site", &"    secret \"S\" from=\"vault:a/b#c\"\n".repeat(repeats)));
    let many: String = (0..repeats).map(|i| format!("    env \"X{i}\" \"v\"\n")).collect();
    run_platform(&service("site", &many));
    run_platform(&"foo\n".repeat(repeats));
    run_platform(&service("site", &"    bogus 1; ".repeat(repeats)));
    let unknown: String = (0..repeats).map(|i| format!("    depends-on \"nope-{i}\"\n")).collect();
    run_platform(&service("site", &unknown));
}

#[test]
fn huge_names_and_control_characters_make_short_messages() {
    let huge = "a".repeat(scaled(1_000_000));
    run_platform(&service(&huge, ""));
    run_platform(&format!("{huge}\n"));
    run_platform(&service("site", &format!("    depends-on \"{huge}\"\n")));
    let nasty = "x\\u{1b}[31m\\n\\t\\u{7}é\\u{202e}";
    run_platform(&service(
        nasty,
        &format!("    env \"{nasty}\" \"{nasty}\"\n    depends-on \"{nasty}\"\n"),
    ));
    run_platform(&format!("\"{nasty}\" 1\n"));
    let multibyte = "é".repeat(40);
    run_platform(&service(&format!("s{multibyte}"), ""));
}

#[test]
fn overflowing_quantities_durations_and_percentages_are_errors() {
    for (inside, _) in [
        ("    limits memory=\"9999999999999999999Gi\" cpu=\"99999999999999999999\"\n", ()),
        ("    limits memory=\"18446744073709551615Ei\" cpu=\"18446744073709551615m\"\n", ()),
        ("    replicas 9223372036854775807\n", ()),
        ("    replicas -9223372036854775808\n", ()),
        (
            "    deploy {\n        canary {\n            step weight=\"10%\" pause=\"99999999999999d\"\n            step weight=\"50%\" pause=\"99999999999999w\"\n        }\n    }\n",
            (),
        ),
        (
            "    slo \"availability\" objective=\"99.99999999999999999999999999%\" window=\"99999999999999d\"\n",
            (),
        ),
        ("    slo \"latency\" objective=\"99.9%\" threshold=\"18446744073709551615ms\"\n", ()),
        ("    autoscale min=1 max=9223372036854775807\n", ()),
    ] {
        run_platform(&service("site", inside));
    }
}

#[test]
fn recursive_templates_are_refused_before_rendering() {
    let kind = "kind \"k\" {\n    output \"endpoint\" doc=\"x\"\n}\n";
    let body = format!("{kind}{}", service("site", "    resource \"r\" kind=\"k\"\n"));
    for template in [
        "{{#*inline \"p\"}}{{> p}}{{/inline}}{{> p}}",
        "{{#*inline \"a\"}}{{> b}}{{/inline}}{{#*inline \"b\"}}{{> a}}{{/inline}}{{> a}}",
        "{{#*inline \"p\"}}{{#each kind.outputs}}{{> p}}{{/each}}{{/inline}}{{> p}}",
        "{{#*inline \"p\"}}x{{/inline}}{{#> p}}{{> p}}{{/p}}",
        "{{> main.tf}}",
        "{{> (lookup kind \"name\")}}",
        "{{#each kind.outputs}}{{#each ../kind.outputs}}{{this}}{{/each}}{{/each}}",
    ] {
        run_files(&[
            ("platform.kdl", format!("{HEAD}{body}")),
            ("k/main.tf.hbs", template.to_owned()),
        ]);
    }
}

/// Loops that render nothing are not stopped by the output cap: three nested over a thousand
/// outputs would run a billion times. They are refused before rendering, at the deepest loop,
/// also when the nesting goes through a partial.
#[test]
fn deeply_nested_loops_are_refused_before_rendering() {
    let outputs: String = (0..1000).map(|i| format!("    output \"o{i}\" doc=\"x\"\n")).collect();
    let kind = format!("kind \"k\" {{\n{outputs}}}\n");
    let body = format!("{kind}{}", service("site", "    resource \"r\" kind=\"k\"\n"));
    let each = |inner: &str| format!("{{{{#each kind.outputs}}}}{inner}{{{{/each}}}}");
    for (template, line) in [
        (each(&each(&each(""))), 1),
        (
            format!(
                "{{{{#*inline \"p\"}}}}{}{{{{/inline}}}}\n{}",
                each(""),
                each(&each("{{> p}}"))
            ),
            1,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("platform.kdl"), format!("{HEAD}{body}")).unwrap();
        std::fs::create_dir(dir.path().join("k")).unwrap();
        std::fs::write(dir.path().join("k/main.tf.hbs"), &template).unwrap();
        let started = std::time::Instant::now();
        let compilation = crate::support::compile_dir_unchecked(dir.path());
        assert!(started.elapsed() < Duration::from_secs(10));
        let found = compilation
            .diagnostics
            .iter()
            .find(|d| d.message.contains("nests loops 3 deep"))
            .unwrap_or_else(|| panic!("{template}: {:?}", compilation.diagnostics));
        let span = found.primary.as_ref().unwrap().span;
        assert_eq!(compilation.sources.path(span.file), "k/main.tf.hbs");
        assert_eq!(compilation.sources.line_col(span.file, span.start).line, line, "{template}");
    }
    // Two deep is what kinds need, and renders.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("platform.kdl"), format!("{HEAD}{body}")).unwrap();
    std::fs::create_dir(dir.path().join("k")).unwrap();
    std::fs::write(dir.path().join("k/main.tf.hbs"), each(&each(""))).unwrap();
    let compilation = crate::support::compile_dir_unchecked(dir.path());
    assert!(compilation.diagnostics.iter().all(|d| !d.message.contains("nests loops")));
}

#[test]
fn bracket_bombs_and_huge_policies_are_refused_fast() {
    for policy in [
        format!("package idpc.policies.bomb\nx := {}1{}\n", "[".repeat(26), "]".repeat(26)),
        format!("package idpc.policies.bomb\nx := {}1{}\n", "(".repeat(200), ")".repeat(200)),
        format!("package idpc.policies.bomb\nx := {}\n", "{".repeat(5000)),
        format!("package idpc.policies.bomb\n{}", "# padding\n".repeat(100_000)),
    ] {
        let took = run_files(&[
            ("platform.kdl", format!("{HEAD}{}", service("site", ""))),
            ("bomb.rego", policy),
        ]);
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
}

/// One mutation of a text: delete, insert or duplicate a byte, or delete, duplicate or swap lines.
fn mutate(text: &str, rng: &mut Rng) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    let at = rng.below(bytes.len());
    match rng.below(6) {
        0 => {
            bytes.remove(at);
        }
        1 => {
            const INTERESTING: &[u8] = b"{}\"\\#=/*-;()[]0\n\x00\xff\xc3";
            bytes.insert(at, INTERESTING[rng.below(INTERESTING.len())]);
        }
        2 => bytes.insert(at, bytes[at]),
        mode => {
            let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
            let line = rng.below(lines.len());
            match mode {
                3 => {
                    lines.remove(line);
                }
                4 => lines.insert(line, lines[line]),
                _ => {
                    let other = rng.below(lines.len());
                    lines.swap(line, other);
                }
            }
            bytes = lines.concat().into_bytes();
        }
    }
    bytes
}

#[test]
fn mutations_of_acme_never_panic() {
    let acme = repo_root().join("examples/acme");
    let files: Vec<_> = walkdir::WalkDir::new(&acme)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&acme).unwrap().to_path_buf())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&acme, dir.path());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let rounds = if cfg!(debug_assertions) { 60 } else { 200 };
    for _ in 0..rounds {
        let file = &files[rng.below(files.len())];
        let original = std::fs::read_to_string(acme.join(file)).unwrap();
        std::fs::write(dir.path().join(file), mutate(&original, &mut rng)).unwrap();
        run(dir.path());
        std::fs::write(dir.path().join(file), original).unwrap();
    }
}

#[test]
fn a_block_of_more_variables_than_a_workload_object_holds_is_an_error() {
    let platform = |n: usize| {
        let variables: String = (0..n).map(|i| format!("    env \"V{i}\" \"x\"\n")).collect();
        format!(
            "platform \"p\"\nteam \"t\" {{\n    member \"a@p.dev\" role=\"lead\"\n}}\nenvironment \"dev\" tier=\"development\"\nservice \"s\" team=\"t\" {{\n    image \"s:1.0.0\"\n{variables}}}\n"
        )
    };
    let at_most = crate::support::compile_texts(&[("platform.kdl", &platform(1000))]);
    assert!(at_most.platform.is_some(), "{:?}", at_most.diagnostics);
    let over = crate::support::compile_texts(&[("platform.kdl", &platform(1001))]);
    let codes: Vec<&str> = over.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E0303"]);
    assert!(over.diagnostics[0].message.contains("at most 1000"));
}
