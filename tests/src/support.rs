//! Helpers shared by the tests.

pub(crate) mod annotations;
pub(crate) mod tools;

use std::path::{Path, PathBuf};

use idpc_driver::{Artifact, Compilation, Family};

/// The repository root.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Every example platform directory, sorted.
pub(crate) fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Whether expected outputs should be regenerated (`IDPC_BLESS=1`). CI never blesses.
pub(crate) fn bless() -> bool {
    let bless = std::env::var_os("IDPC_BLESS").is_some_and(|v| v == "1");
    assert!(
        !(bless && std::env::var_os("CI").is_some()),
        "IDPC_BLESS is set on CI: CI compares, it never blesses"
    );
    bless
}

/// The day the tests judge waivers and ephemeral environments by, so that they give the same
/// answers next year: the examples' waivers are in force on it.
pub(crate) const TODAY: &str = "2026-11-22";

/// How the tests compile: as of [`TODAY`].
pub(crate) fn options() -> idpc_driver::Options {
    idpc_driver::Options { today: idpc_ir::Date::parse(TODAY).unwrap(), policies: true }
}

/// Compiles a platform directory; panics with rendered diagnostics if it has errors.
pub(crate) fn compile_dir(dir: &Path) -> Compilation {
    let compilation = compile_dir_unchecked(dir);
    if compilation.platform.is_none() || idpc_diagnostics::has_errors(&compilation.diagnostics) {
        let text = idpc_diagnostics::render_human(
            &compilation.diagnostics,
            &compilation.sources,
            Default::default(),
        );
        panic!("{} does not compile:\n{text}", dir.display());
    }
    compilation
}

/// Compiles a platform directory, whatever it reports.
pub(crate) fn compile_dir_unchecked(dir: &Path) -> Compilation {
    let loaded =
        idpc_driver::load(dir, Some(&dir.join("generated"))).unwrap_or_else(|e| panic!("{e}"));
    idpc_driver::compile_with(&loaded.files, options())
}

/// Compiles and emits every family of a platform directory.
pub(crate) fn build_dir(dir: &Path) -> Vec<Artifact> {
    let compilation = compile_dir(dir);
    let platform = compilation.platform.as_ref().unwrap_or_else(|| unreachable!());
    idpc_driver::emit(platform, Family::ALL).unwrap_or_else(|e| panic!("{e:?}"))
}

/// Compiles in-memory files (path, text) with the stdlib.
pub(crate) fn compile_texts(files: &[(&str, &str)]) -> Compilation {
    let files: Vec<idpc_driver::SourceText> = files
        .iter()
        .map(|(path, text)| idpc_driver::SourceText {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
            invalid_utf8_at: None,
        })
        .collect();
    idpc_driver::compile_with(&files, options())
}

/// Runs the command line in-process: (exit code, stdout, stderr). Unless the arguments name a
/// day with `--today`, the command runs as of [`TODAY`].
pub(crate) fn run_cli(args: &[&str]) -> (u8, String, String) {
    run_cli_with(&idpc_cli::Surroundings::default(), args)
}

/// [`run_cli`] with paths shown relative to `cwd`, as from a shell in that directory (the
/// process's own directory does not change).
pub(crate) fn run_cli_in(cwd: &Path, args: &[&str]) -> (u8, String, String) {
    let surroundings =
        idpc_cli::Surroundings { cwd: Some(cwd.to_owned()), ..idpc_cli::Surroundings::default() };
    run_cli_with(&surroundings, args)
}

/// [`run_cli`] in the given surroundings.
pub(crate) fn run_cli_with(
    surroundings: &idpc_cli::Surroundings,
    args: &[&str],
) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let today = format!("--today={TODAY}");
    let pinned =
        if args.iter().any(|a| a.starts_with("--today")) { None } else { Some(today.as_str()) };
    let argv = std::iter::once("idpc").chain(pinned).chain(args.iter().copied()).map(Into::into);
    let code = idpc_cli::run_in(argv, surroundings, &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

/// The diagnostics of JSON lines output (the lines of `"type": "diagnostic"`); every line must
/// carry the format version.
pub(crate) fn diagnostic_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}"))
        })
        .inspect(|v| assert_eq!(v["format"], 1, "{v}"))
        .filter(|v| v["type"] == "diagnostic")
        .collect()
}

/// Copies a directory tree.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Whether `path` is a team's file of a Terraform root module (`terraform/<env>/team-<team>.tf`).
pub(crate) fn is_team_file(path: &str) -> bool {
    path.starts_with("terraform/")
        && path.rsplit('/').next().is_some_and(|n| n.starts_with("team-"))
}

/// The text of the teams' files of the Terraform root module of `environment`
/// (`terraform/<environment>/team-<team>.tf`), one after the other in the order of their paths:
/// every module block, output, connection Secret and identity of the root module.
pub(crate) fn team_files(artifacts: &[Artifact], environment: &str) -> String {
    let prefix = format!("terraform/{environment}/team-");
    let mut files: Vec<&Artifact> =
        artifacts.iter().filter(|a| a.path.starts_with(&prefix)).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.iter().map(|a| a.contents.as_str()).collect()
}

/// Every YAML document of a multi-document text, as JSON values (comment-only documents skipped).
pub(crate) fn documents(text: &str) -> Vec<serde_json::Value> {
    text.split("\n---\n")
        .flat_map(|chunk| chunk.strip_prefix("---\n").or(Some(chunk)))
        .filter(|chunk| {
            chunk.lines().any(|l| !l.trim().is_empty() && !l.starts_with('#') && l != "---")
        })
        .map(|chunk| {
            serde_yaml::from_str::<serde_json::Value>(chunk)
                .unwrap_or_else(|e| panic!("{e}:\n{chunk}"))
        })
        .collect()
}

/// A small deterministic generator (xorshift), so that the mutations are the same on every run.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
