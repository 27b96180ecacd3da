//! The real binary, run from different directories of a repository: it finds the description's
//! root from below, shows paths relative to where it runs, lists descriptions from above them,
//! and prints its version with the commit; the binary itself is linked at a fixed address.

#![expect(clippy::disallowed_methods, reason = "the test drives the binary and reads its output")]
#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use std::path::Path;
use std::process::Command;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn idpc(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_idpc"))
        .current_dir(cwd)
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const PLATFORM: &str = "platform \"p\"\nteam \"t\" { member \"a@p.dev\" role=\"lead\" }\nenvironment \"dev\" tier=\"development\"\n";
const BAD: &str =
    "service \"s\" team=\"t\" {\n    image \"s:1\"\n    port \"http\" \"eighty\"\n}\n";

#[test]
fn paths_are_relative_to_where_idpc_runs_and_the_root_is_found_from_below() {
    let repo = tempfile::tempdir().unwrap();
    let repo = repo.path();
    std::fs::create_dir(repo.join(".git")).unwrap();
    write(&repo.join("platform/platform.kdl"), PLATFORM);
    write(&repo.join("platform/services/bad.kdl"), BAD);

    let (code, out, _) = idpc(repo, &["check", "platform", "--format", "github"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("::error file=platform/services/bad.kdl,line=3,col=17,"), "{out}");

    let services = repo.join("platform/services");
    let (code, _, err) = idpc(&services, &["check", "--message-format", "short"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("bad.kdl:3:17: error[E0301]: "), "{err}");

    // Plain text when not a terminal: rustc's layout, no colour.
    let (_, _, err) = idpc(&services, &["check"]);
    assert!(err.starts_with("error[E0301]: ") && err.contains(" --> bad.kdl:3:17\n"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
    let output = Command::new(env!("CARGO_BIN_EXE_idpc"))
        .current_dir(&services)
        .arg("check")
        .env("FORCE_COLOR", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains('\u{1b}'), "FORCE_COLOR colours");

    // From above two descriptions: they are listed, not merged.
    write(&repo.join("other/platform.kdl"), PLATFORM);
    let (code, _, err) = idpc(repo, &["check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("above 2 descriptions")
            && err.contains("./other")
            && err.contains("./platform"),
        "{err}"
    );
}

#[test]
fn the_long_version_names_the_commit_when_built_from_git() {
    let (code, out, _) = idpc(Path::new("."), &["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(concat!("idpc ", env!("CARGO_PKG_VERSION"))), "{out}");
}

/// The binary is linked at a fixed address (see the build script): an ELF executable of type
/// `ET_EXEC`, with no relative relocations for the dynamic loader to apply at start.
#[test]
#[cfg(target_os = "linux")]
fn the_binary_starts_without_relocating_itself() {
    let elf = std::fs::read(env!("CARGO_BIN_EXE_idpc")).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF");
    let kind = u16::from_le_bytes([elf[16], elf[17]]);
    assert_eq!(kind, 2, "ET_EXEC (2) is linked at a fixed address; ET_DYN (3) is relocated");
    let (code, out, _) = idpc(Path::new("."), &["--version"]);
    assert_eq!((code, out.starts_with("idpc ")), (0, true), "{out}");
}

#[test]
fn fmt_formats_the_description_found_from_below() {
    let repo = tempfile::tempdir().unwrap();
    let repo = repo.path();
    std::fs::create_dir(repo.join(".git")).unwrap();
    write(&repo.join("platform/platform.kdl"), PLATFORM);
    write(&repo.join("platform/services/s.kdl"), "service \"s\"   team=\"t\" { image \"s:1\" }\n");
    write(&repo.join("platform/generated/x.kdl"), "a   1\n");
    let services = repo.join("platform/services");

    let (code, out, err) = idpc(&services, &["fmt", "--check"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "../platform.kdl\ns.kdl\n", "{err}");

    let (code, out, err) = idpc(&services, &["fmt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "../platform.kdl\ns.kdl\n");
    let formatted = std::fs::read_to_string(services.join("s.kdl")).unwrap();
    assert_eq!(formatted, "service \"s\" team=\"t\" {\n    image \"s:1\"\n}\n");
    let skipped = std::fs::read_to_string(repo.join("platform/generated/x.kdl")).unwrap();
    assert_eq!(skipped, "a   1\n");

    let (code, out, _) = idpc(&services, &["fmt", "--check"]);
    assert_eq!((code, out.as_str()), (0, ""));
}
