//! The official KDL 2.0 test suite, read from `<workspace>/../shared/kdl-spec-tests`: every input
//! with an expected file must parse without errors and print exactly as expected; every other
//! input must be rejected with at least one error.

use std::path::PathBuf;

use idpc_diagnostics::FileId;

use super::print::canonical;

/// The suite's directory, if it is there. Absent, the test passes with a note, unless
/// `IDPC_REQUIRE_TOOLS=1`.
pub(crate) fn suite_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/kdl-spec-tests");
    if dir.join("input").is_dir() {
        return Some(dir);
    }
    let required = std::env::var("IDPC_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(!required, "KDL spec tests not found at {} (IDPC_REQUIRE_TOOLS=1)", dir.display());
    #[allow(clippy::print_stdout, reason = "a skipped test says so")]
    {
        println!("skipped: KDL spec tests not found at {}", dir.display());
    }
    None
}

/// The suite's cases: name, input, and the expected text for valid inputs.
#[expect(clippy::disallowed_methods, reason = "the conformance suite is data the test reads")]
pub(crate) fn cases(dir: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let mut cases = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir.join("input"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read_to_string(&path).unwrap();
        let expected = std::fs::read_to_string(dir.join("expected_kdl").join(&name)).ok();
        cases.push((name, input, expected));
    }
    cases
}

#[test]
fn kdl_spec_suite() {
    let Some(dir) = suite_dir() else { return };
    let cases = cases(&dir);
    assert_eq!(cases.len(), 320, "the suite has 320 cases");
    let mut failures = Vec::new();
    for (name, input, expected) in &cases {
        let (_, diagnostics) = super::parse_checked(input);
        let parse = crate::parse(FileId(0), input);
        let errors: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
        match expected {
            Some(expected) => {
                if !errors.is_empty() {
                    failures.push(format!("{name}: valid, but reported {errors:?}"));
                    continue;
                }
                let file = parse.source_file.as_ref().unwrap();
                let actual = canonical(input, file);
                let expected = expected.replace("\r\n", "\n");
                if actual != expected {
                    failures
                        .push(format!("{name}:\n  expected {expected:?}\n  actual   {actual:?}"));
                }
            }
            None => {
                if !diagnostics.iter().any(|d| d.is_error()) {
                    failures.push(format!("{name}: invalid, but accepted"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of 320 failed:\n{}", failures.len(), failures.join("\n"));
}
