//! Tidy checks of the repository: what reviewers should not have to look for.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use idpc_diagnostics::Code;

use crate::support::repo_root;
use crate::ui;

/// Source files longer than this need a reason here.
const MAX_LINES: usize = 600;
const LONG_FILES: &[(&str, &str)] = &[];

fn files_with_extension(dirs: &[&str], extensions: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in dirs {
        for entry in
            walkdir::WalkDir::new(repo_root().join(dir)).sort_by_file_name().into_iter().flatten()
        {
            let path = entry.path();
            if path.components().any(|c| c.as_os_str() == "target" || c.as_os_str() == "snapshots")
            {
                continue;
            }
            if entry.file_type().is_file()
                && path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x))
            {
                files.push(path.to_path_buf());
            }
        }
    }
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root()).unwrap_or(path).to_string_lossy().into_owned()
}

#[test]
fn every_rust_file_starts_with_a_module_doc_and_stays_small() {
    let mut problems = Vec::new();
    for file in files_with_extension(&["compiler", "tests/src"], &["rs"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = relative(&file);
        if !text.starts_with("//!") {
            problems.push(format!("{name}: does not start with a `//!` summary"));
        }
        let lines = text.lines().count();
        if lines > MAX_LINES && !LONG_FILES.iter().any(|(f, _)| *f == name) {
            problems.push(format!("{name}: {lines} lines (limit {MAX_LINES})"));
        }
        for (forbidden, why) in [
            ("#[should_panic", "assert the behaviour instead"),
            ("#[ignore", "fix or delete the test"),
        ] {
            if text.contains(forbidden) && !name.ends_with("tidy.rs") {
                problems.push(format!("{name}: uses `{forbidden}`: {why}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_trailing_whitespace() {
    let mut problems = Vec::new();
    for file in files_with_extension(
        &["compiler", "tests/src", "tests/ui", "stdlib", "examples", "docs", "book/src"],
        &["rs", "kdl", "md", "hbs", "toml"],
    ) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (index, line) in text.lines().enumerate() {
            if line.ends_with(' ') || line.ends_with('\t') {
                problems.push(format!("{}:{}", relative(&file), index + 1));
            }
        }
    }
    assert!(problems.is_empty(), "trailing whitespace:\n{}", problems.join("\n"));
}

#[test]
fn every_code_has_an_explanation_and_a_ui_case() {
    let explanations = repo_root().join("compiler/idpc-diagnostics/explanations");
    let mut problems = Vec::new();
    let codes: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    for code in Code::ALL {
        let info = code.info();
        if info.explanation.trim().len() < 80 {
            problems.push(format!("{}: the explanation is missing or too short", info.code));
        }
        if !info.explanation.contains("```") {
            problems.push(format!("{}: the explanation has no example", info.code));
        }
    }
    for entry in std::fs::read_dir(&explanations).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().trim_end_matches(".md").to_owned();
        if !codes.contains(name.as_str()) {
            problems.push(format!("explanations/{name}.md explains no registered code"));
        }
    }
    let mut covered = BTreeSet::new();
    for case in ui::cases() {
        let (_, expected, _) = ui::run_case(&case);
        covered.extend(expected.into_iter().map(|m| m.code));
    }
    // Drift codes come from comparing with live state, not from a description: the drift tests
    // cover them.
    for code in codes.iter().filter(|c| !c.starts_with('D')) {
        if !covered.contains(*code) {
            problems.push(format!("{code}: no UI case expects it"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn backends_do_not_import_each_other() {
    let backends = repo_root().join("compiler/idpc-backends/src");
    let families: Vec<String> = std::fs::read_dir(&backends)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().strip_suffix(".rs").map(str::to_owned))
        .filter(|n| !matches!(n.as_str(), "lib" | "common"))
        .collect();
    let mut problems = Vec::new();
    for file in files_with_extension(&["compiler/idpc-backends/src"], &["rs"]) {
        let name = relative(&file);
        let text = std::fs::read_to_string(&file).unwrap();
        let own = families
            .iter()
            .find(|f| name.contains(&format!("/{f}.rs")) || name.contains(&format!("/{f}/")));
        for family in families.iter().filter(|f| Some(*f) != own) {
            if text.contains(&format!("crate::{family}")) {
                problems.push(format!("{name} uses crate::{family}"));
            }
        }
    }
    assert!(problems.is_empty(), "backends must only share `common`:\n{}", problems.join("\n"));
}

#[test]
fn every_stdlib_file_is_embedded() {
    let on_disk: BTreeSet<String> = files_with_extension(&["stdlib"], &["kdl", "hbs", "rego"])
        .iter()
        .map(|p| {
            format!(
                "<stdlib>/{}",
                p.strip_prefix(repo_root().join("stdlib")).unwrap().to_string_lossy()
            )
        })
        .collect();
    let embedded: BTreeSet<String> = idpc_driver::stdlib::FILES
        .iter()
        .chain(idpc_driver::stdlib::SCAFFOLD)
        .map(|(p, _)| (*p).to_owned())
        .collect();
    assert_eq!(on_disk, embedded);
}

#[test]
fn stdlib_compiles_without_diagnostics() {
    let compilation = crate::support::compile_texts(&[("platform.kdl", "platform \"empty\"\n")]);
    assert!(compilation.diagnostics.is_empty(), "{:?}", compilation.diagnostics);
    let platform = compilation.platform.unwrap();
    let kinds: Vec<&str> = platform.kinds.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(kinds, ["bucket", "kafka-topic", "postgres", "queue", "redis"]);
    for kind in &platform.kinds {
        assert!(kind.description.is_some(), "{} has no description", kind.name);
        assert!(
            kind.fields.iter().all(|f| f.doc.is_some()),
            "{} has a field without doc",
            kind.name
        );
    }
}
