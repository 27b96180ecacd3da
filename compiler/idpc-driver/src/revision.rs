//! Reading a platform description as it was at a git revision, for `idpc review --base REV`.
//!
//! The files come from `git` itself: the repository root from `git rev-parse --show-toplevel`,
//! the files under the description's path from `git ls-tree`, their contents from one
//! `git cat-file --batch` for all of them.
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

/// The contents of the blobs `ids`, in their order, from one `git cat-file --batch` run in
/// `dir`.
#[expect(
    clippy::disallowed_methods,
    reason = "`idpc review --base REV` reads old versions through git; with `git` above, the one \
              place the compiler runs a program, with fixed arguments and no shell"
)]
fn git_blobs(dir: &Path, ids: &[&str]) -> Result<Vec<Vec<u8>>, RevisionError> {
    use std::io::{Read, Write};
    let mut child = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| error(format!("cannot run git: {e}")))?;
    let mut requests = Vec::with_capacity(ids.len() * 41);
    for id in ids {
        requests.extend_from_slice(id.as_bytes());
        requests.push(b'\n');
    }
    // Written by a thread of its own while the answers are read here, so that neither side
    // waits on a full pipe.
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(&requests);
        }
    });
    let mut answers = Vec::new();
    let read = child.stdout.take().map(|mut stdout| stdout.read_to_end(&mut answers));
    let _ = writer.join();
    let output = child.wait_with_output().map_err(|e| error(format!("cannot run git: {e}")))?;
    if !output.status.success() || !matches!(read, Some(Ok(_))) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("no reason given");
        return Err(error(format!("git cat-file failed: {}", reason.trim())));
    }
    let mut blobs = Vec::with_capacity(ids.len());
    let mut rest = answers.as_slice();
    for id in ids {
        let broken = || error(format!("git cat-file gave no contents for `{id}`"));
        let end = rest.iter().position(|b| *b == b'\n').ok_or_else(broken)?;
        let header = String::from_utf8_lossy(&rest[..end]);
        let mut words = header.split(' ');
        let (answered, kind, size) = (words.next(), words.next(), words.next());
        let size: usize = size.and_then(|s| s.parse().ok()).ok_or_else(broken)?;
        if answered != Some(*id) || kind != Some("blob") || rest.len() < end + 1 + size + 1 {
            return Err(broken());
        }
        blobs.push(rest[end + 1..end + 1 + size].to_vec());
        rest = &rest[end + 1 + size + 1..];
    }
    Ok(blobs)
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
    let mut wanted_files = Vec::new();
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
        let (mode, kind, id) =
            (meta.next().unwrap_or(""), meta.next().unwrap_or(""), meta.next().unwrap_or(""));
        if !inside || hidden || !wanted || kind != "blob" {
            continue;
        }
        if mode == "120000" {
            return Err(error(format!(
                "`{name}` is a symbolic link at `{revision}`; idpc does not follow links in git history"
            )));
        }
        wanted_files.push((display.to_owned(), id.to_owned()));
    }
    let ids: Vec<&str> = wanted_files.iter().map(|(_, id)| id.as_str()).collect();
    let blobs = if ids.is_empty() { Vec::new() } else { git_blobs(&toplevel, &ids)? };
    let mut files = Vec::with_capacity(blobs.len());
    for ((path, _), bytes) in wanted_files.into_iter().zip(blobs) {
        let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        files.push(SourceText { path, text, invalid_utf8_at });
    }
    if !files.iter().any(|f| f.path.ends_with(".kdl")) {
        let shown = if relative.is_empty() { ".".to_owned() } else { relative };
        return Err(error(format!("`{shown}` holds no .kdl files at `{revision}`")));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Loaded { root: path.to_owned(), files })
}
