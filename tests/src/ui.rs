//! UI tests: each case under `tests/ui/<phase>/` is a platform (one `.kdl` file, or a directory
//! of them with any `.hbs` templates of its kinds) whose expected diagnostics, from checking and
//! from emitting the artifacts, are written inline as caret annotations. The harness
//! checks that the compiler reports exactly those (code, place) pairs, and snapshots the fully
//! rendered text with insta. Cases under `tests/ui/pass/` must produce no diagnostic at all.

use std::path::{Path, PathBuf};

use idpc_diagnostics::{RenderOptions, render_human};

use crate::support::annotations::{self, Mark};
use crate::support::repo_root;

/// Every case: a `.kdl` file or a directory directly inside a phase directory.
pub(crate) fn cases() -> Vec<PathBuf> {
    let root = repo_root().join("tests/ui");
    let mut cases = Vec::new();
    for phase in std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir() && e.file_name() != "snapshots")
    {
        for entry in std::fs::read_dir(phase.path()).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() || path.extension().is_some_and(|e| e == "kdl") {
                cases.push(path);
            }
        }
    }
    cases.sort();
    cases
}

/// The name of a case: `names/unknown_team`.
pub(crate) fn case_name(case: &Path) -> String {
    let root = repo_root().join("tests/ui");
    case.strip_prefix(&root).unwrap().with_extension("").to_string_lossy().replace('\\', "/")
}

/// Compiles a case, and emits every artifact family when it compiles, and returns the rendered
/// diagnostics and the marks they make.
pub(crate) fn run_case(case: &Path) -> (String, Vec<Mark>, Vec<Mark>) {
    let loaded =
        idpc_driver::load(case, None).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
    let compilation = idpc_driver::compile_with(&loaded.files, crate::support::options());
    let mut diagnostics = compilation.diagnostics.clone();
    if let Some(platform) = &compilation.platform
        && let Err(idpc_driver::EmitError::Diagnostics(more)) =
            idpc_driver::emit(platform, idpc_driver::Family::ALL)
    {
        diagnostics.extend(more);
    }
    let mut expected: Vec<Mark> =
        loaded.files.iter().flat_map(|f| annotations::expected(&f.path, &f.text)).collect();
    expected.sort();
    let actual = annotations::actual(&diagnostics, &compilation.sources);
    let rendered =
        render_human(&diagnostics, &compilation.sources, RenderOptions { color: false, width: 80 });
    (rendered, expected, actual)
}

#[test]
fn ui_cases_report_exactly_their_annotations() {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(!cases.is_empty(), "no UI cases found");
    for case in &cases {
        let name = case_name(case);
        let (_, expected, actual) = run_case(case);
        let pass = name.starts_with("pass/");
        if pass && !actual.is_empty() {
            failures
                .push(format!("{name}: a pass case produced diagnostics:\n  {}", join(&actual)));
            continue;
        }
        if !pass && actual.is_empty() {
            failures
                .push(format!("{name}: produced no diagnostics; every case outside pass/ must"));
            continue;
        }
        let missing: Vec<&Mark> = expected
            .iter()
            .filter(|e| !actual.iter().any(|a| annotations::matches(e, a)))
            .collect();
        let unexpected: Vec<&Mark> = actual
            .iter()
            .filter(|a| !expected.iter().any(|e| annotations::matches(e, a)))
            .collect();
        if !missing.is_empty() || !unexpected.is_empty() {
            failures.push(format!(
                "{name}:\n  expected but not reported:\n    {}\n  reported but not expected:\n    {}",
                missing.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n    "),
                unexpected.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{} UI case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn ui_cases_render_as_snapshotted() {
    let snapshots = repo_root().join("tests/ui/snapshots");
    for case in cases() {
        let name = case_name(&case);
        let (rendered, _, _) = run_case(&case);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&snapshots);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name.replace('/', "__"), rendered));
    }
}

fn join(marks: &[Mark]) -> String {
    marks.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
}
