//! Records the commit and date idpc is built from, for `idpc --version`, when `git` and a
//! repository are there; without them the version is the package's alone. Never fails. Links
//! the binary at a fixed address on Linux (see the end of `main`).

use std::process::Command;

#[expect(clippy::disallowed_methods, reason = "the build script, not the compiler, asks git")]
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn main() {
    println!("cargo:rerun-if-env-changed=IDPC_BOOK_URL");
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    let date = git(&["log", "-1", "--format=%cs"]);
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        // A new commit moves HEAD or the branch it names; both are in these files.
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/logs/HEAD");
    }
    let version = env!("CARGO_PKG_VERSION");
    let long = match (commit, date) {
        (Some(commit), Some(date)) => format!("{version} ({commit} {date})"),
        _ => version.to_owned(),
    };
    println!("cargo:rustc-env=IDPC_LONG_VERSION={long}");
    // The binary is linked at a fixed address on Linux. As a position-independent executable
    // the dynamic loader had to patch 55,000 pointers of its read-only data at every start
    // (about 1.5 MB of pages copied), which was 2 of the 5 ms `idpc --version` took, and as
    // much of every build that finds nothing to do. The libraries it loads keep their random
    // addresses.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
