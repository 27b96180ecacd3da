//! `idpc fmt`: rewriting and `--check`, files with syntax errors left alone, and the repository's
//! own KDL (examples, stdlib, every ```` ```kdl ```` block of the book) already formatted.

use std::path::Path;

use idpc_diagnostics::FileId;

use crate::support::{repo_root, run_cli, run_cli_in};

const MESSY: &str = "platform  \"p\"\nteam \"t\" { member \"a@p.dev\"   role=\"lead\" }\n\n\n\
                     // the environments\nenvironment \"dev\" tier = \"development\"   // for now\n";

const TIDY: &str = "platform \"p\"\nteam \"t\" {\n    member \"a@p.dev\" role=\"lead\"\n}\n\n\
                    // the environments\nenvironment \"dev\" tier=\"development\" // for now\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn fmt_rewrites_the_files_that_change_and_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "platform.kdl", MESSY);
    write(dir.path(), "services/tidy.kdl", TIDY);
    write(dir.path(), ".hidden/skipped.kdl", MESSY);
    write(dir.path(), "generated/skipped.kdl", MESSY);
    write(dir.path(), "out/.idpc-manifest.json", "{}");
    write(dir.path(), "out/skipped.kdl", MESSY);
    let before = std::fs::metadata(dir.path().join("services/tidy.kdl")).unwrap().modified();
    let (code, out, err) = run_cli_in(dir.path(), &["fmt", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "platform.kdl\n");
    assert!(err.contains("formatted 1 of 2 files"), "{err}");
    assert_eq!(read(dir.path(), "platform.kdl"), TIDY);
    let after = std::fs::metadata(dir.path().join("services/tidy.kdl")).unwrap().modified();
    assert_eq!(before.unwrap(), after.unwrap(), "an unchanged file is not touched");
    for skipped in [".hidden/skipped.kdl", "generated/skipped.kdl", "out/skipped.kdl"] {
        assert_eq!(read(dir.path(), skipped), MESSY, "{skipped}");
    }
    let leftovers: Vec<_> =
        walk(dir.path()).into_iter().filter(|p| p.ends_with(".idpc-fmt.tmp")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Idempotent: a second run changes nothing.
    let (code, out, _) = run_cli(&["fmt", dir.path().to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, _, _) = run_cli(&["fmt", "--check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
}

fn walk(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| e.path().display().to_string())
        .collect()
}

#[test]
fn fmt_check_names_the_files_that_would_change_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "platform.kdl", MESSY);
    write(dir.path(), "teams.kdl", TIDY);
    let (code, out, err) =
        run_cli_in(dir.path(), &["fmt", "--check", "-C", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "platform.kdl\n");
    assert!(err.contains("1 of 2 files not formatted"), "{err}");
    assert_eq!(read(dir.path(), "platform.kdl"), MESSY);

    let (code, out, _) =
        run_cli(&["fmt", "--check", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let line: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(line["class"], "unformatted");
    assert!(line["path"].as_str().unwrap().ends_with("platform.kdl"), "{line}");
}

#[test]
fn fmt_finds_the_description_from_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "platform.kdl", MESSY);
    let (code, _, err) = run_cli(&["fmt", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(dir.path(), "platform.kdl"), TIDY);
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "platform \"p\"\nteam \"t\" {\n    member \"a@p.dev\" role=\n}\n";
    write(dir.path(), "platform.kdl", broken);
    write(dir.path(), "teams.kdl", MESSY);
    let (code, _, err) = run_cli_in(dir.path(), &["fmt", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error[E0100]: expected a property value"), "{err}");
    assert!(err.contains("platform.kdl:3:22"), "{err}");
    assert_eq!(read(dir.path(), "platform.kdl"), broken);
    assert_eq!(read(dir.path(), "teams.kdl"), TIDY, "the other files are formatted");
    assert!(err.contains("formatted 1 of 2 files"), "{err}");
    assert!(err.contains("1 of 2 files could not be formatted"), "{err}");
    // `--check` does not call the tree formatted while a file of it cannot be.
    let (code, _, err) = run_cli(&["fmt", "--check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(!err.contains("ok:"), "{err}");
    assert!(err.contains("1 of 2 files could not be formatted"), "{err}");
}

#[test]
fn fmt_reports_a_missing_path() {
    let (code, _, err) = run_cli(&["fmt", "/no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
    // Nothing was looked at: no summary of nothing.
    assert!(!err.contains("formatted 0"), "{err}");
}

#[test]
fn examples_and_stdlib_are_formatted() {
    for dir in ["examples", "stdlib"] {
        let path = repo_root().join(dir);
        let (code, out, err) = run_cli(&["fmt", "--check", path.to_str().unwrap()]);
        assert_eq!(code, 0, "run `idpc fmt {dir}`:\n{out}{err}");
    }
}

/// Every ```kdl block of the book, as a document of its own (its fence's indentation removed).
#[test]
fn every_kdl_block_in_the_book_is_formatted() {
    let mut unformatted = Vec::new();
    let mut count = 0;
    let book = repo_root().join("book/src");
    for entry in walkdir::WalkDir::new(&book).sort_by_file_name().into_iter().flatten() {
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let place = entry.path().strip_prefix(&book).unwrap().display().to_string();
        let mut block: Option<(usize, usize, String)> = None;
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            match &mut block {
                None if trimmed.starts_with("```kdl") => {
                    block = Some((index + 1, line.len() - trimmed.len(), String::new()));
                }
                None => {}
                Some((start, indent, body)) => {
                    if trimmed.starts_with("```") {
                        count += 1;
                        if let Ok(formatted) = idpc_driver::format::format_file(FileId(0), body)
                            && formatted != *body
                        {
                            unformatted.push(format!("{place}:{start}:\n{formatted}"));
                        }
                        block = None;
                    } else {
                        body.push_str(line.get(*indent..).unwrap_or(line.trim_start()));
                        body.push('\n');
                    }
                }
            }
        }
    }
    assert!(count > 20, "only {count} blocks");
    assert!(unformatted.is_empty(), "formatted, these blocks read:\n{}", unformatted.join("\n"));
}
