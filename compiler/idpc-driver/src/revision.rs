//! Reading a platform description as it was at a git revision, for `idpc review --base REV`.
//!
//! The files come from `git` itself: the repository root from `git rev-parse --show-toplevel`,
//! the files under the description's path from `git ls-tree`, their contents from `git show`.
//! The result is what [`crate::load`] returns for the same directory on disk: the same display
//! paths, relative to the description's root, sorted the same way, hidden entries skipped.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::workspace::{Loaded, SourceText};

/// Why the description could not be read at a revision: trouble, not a problem in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionError {
    /// What went wrong, lower-case.
    pub message: String,
}

impl fmt::Display for RevisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn error(message: impl Into<String>) -> RevisionError {
    RevisionError { message: message.into() }
}

/// Runs `git` in `dir` and returns its standard output, or its first line of complaint.
#[expect(
    clippy::disallowed_methods,
    reason = "`idpc review --base REV` reads old versions through git; this is the one place the \
              compiler runs a program, with fixed arguments and no shell"
)]
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, RevisionError> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .arg("--literal-pathspecs")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| error(format!("cannot run git: {e}")))?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reason = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("no reason given");
    Err(error(format!("git {} failed: {}", args.first().unwrap_or(&""), reason.trim())))
}

/// Reads the description at `path` (a directory or a `.kdl` file in a git work tree) as it was
/// at `revision` (`HEAD~1`, a branch, a tag, a commit).
pub fn load_revision(path: &Path, revision: &str) -> Result<Loaded, RevisionError> {
    if revision.is_empty() || revision.starts_with('-') {
        return Err(error(format!("`{revision}` is not a git revision")));
    }
    let canonical =
        path.canonicalize().map_err(|e| error(format!("cannot read `{}`: {e}", path.display())))?;
    let is_file = canonical.is_file();
    let dir = if is_file { canonical.parent().unwrap_or(&canonical) } else { &canonical };
    let toplevel = git(dir, &["rev-parse", "--show-toplevel"]).map_err(|_| {
        error(format!(
            "`{}` is not in a git repository, so `--base` must be a directory",
            path.display()
        ))
    })?;
    let toplevel = PathBuf::from(String::from_utf8_lossy(&toplevel).trim_end_matches('\n'));
    let toplevel = toplevel.canonicalize().unwrap_or(toplevel);
    let relative = canonical.strip_prefix(&toplevel).map_err(|_| {
        error(format!("`{}` is outside its repository `{}`", path.display(), toplevel.display()))
    })?;
    let relative: Vec<String> =
        relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let relative = relative.join("/");
    let commit = git(
        &toplevel,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{revision}^{{commit}}"),
        ],
    )
    .map_err(|_| error(format!("unknown revision `{revision}`")))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_owned();
    if commit.is_empty() {
        return Err(error(format!("unknown revision `{revision}`")));
    }
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit.as_str()];
    if !relative.is_empty() {
        args.extend(["--", relative.as_str()]);
    }
    let listing = git(&toplevel, &args)?;
    // With a single file, display paths are relative to its directory, as `load` has them.
    let root = if is_file {
        relative.rsplit_once('/').map_or(String::new(), |(parent, _)| parent.to_owned())
    } else {
        relative.clone()
    };
    let mut files = Vec::new();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, name)) = entry.split_once('\t') else { continue };
        let inside = relative.is_empty()
            || name == relative
            || name.strip_prefix(&relative).is_some_and(|rest| rest.starts_with('/'));
        let display = if root.is_empty() {
            name
        } else {
            name.strip_prefix(&root).and_then(|rest| rest.strip_prefix('/')).unwrap_or(name)
        };
        let hidden = display.split('/').any(|part| part.starts_with('.'));
        let wanted = display.ends_with(".kdl") || display.ends_with(".hbs");
        let mut meta = meta.split(' ');
        let (mode, kind) = (meta.next().unwrap_or(""), meta.next().unwrap_or(""));
        if !inside || hidden || !wanted || kind != "blob" {
            continue;
        }
        if mode == "120000" {
            return Err(error(format!(
                "`{name}` is a symbolic link at `{revision}`; idpc does not follow links in git history"
            )));
        }
        let bytes = git(&toplevel, &["show", &format!("{commit}:{name}")])?;
        let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        files.push(SourceText { path: display.to_owned(), text, invalid_utf8_at });
    }
    if !files.iter().any(|f| f.path.ends_with(".kdl")) {
        let shown = if relative.is_empty() { ".".to_owned() } else { relative };
        return Err(error(format!("`{shown}` holds no .kdl files at `{revision}`")));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Loaded { root: path.to_owned(), files })
}
