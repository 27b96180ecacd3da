//! Writing the output tree: atomically, and without touching unchanged files.
//!
//! The new tree is assembled in a staging directory next to the output directory: unchanged files
//! are hard-linked from the current tree (so their inode and modification time stay), changed and
//! new files are written, stale ones are simply not carried over. The staging directory then
//! replaces the output directory in one atomic exchange, so a build that fails or is killed at any
//! point leaves the previous tree as it was. A build that changes nothing writes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use idpc_backends::Artifact;
use rayon::prelude::*;
use walkdir::WalkDir;

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files that did not exist.
    pub added: Vec<String>,
    /// Files whose contents changed.
    pub changed: Vec<String>,
    /// Files that are no longer generated.
    pub removed: Vec<String>,
    /// Files left as they were.
    pub unchanged: usize,
}

impl WriteReport {
    /// Whether the tree was left untouched.
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// One difference between the generated tree and the one on disk.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TreeDifference {
    /// Generated, but not on disk.
    Missing(String),
    /// On disk, but not generated.
    Extra(String),
    /// On disk with other contents.
    Differs(String),
}

/// Reads every file under `root` as (relative path, bytes). A missing root is an empty tree.
pub fn read_tree(root: &Path) -> io::Result<BTreeMap<String, Vec<u8>>> {
    if !root.exists() {
        return Ok(BTreeMap::new());
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(root).map_err(io::Error::other)?;
            let path: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push((path.join("/"), entry.into_path()));
        }
    }
    files.into_par_iter().map(|(relative, path)| Ok((relative, fs::read(path)?))).collect()
}

/// Compares the generated artifacts with the tree under `root`.
pub fn check_tree(root: &Path, artifacts: &[Artifact]) -> io::Result<Vec<TreeDifference>> {
    let existing = read_tree(root)?;
    let mut differences = Vec::new();
    for artifact in artifacts {
        match existing.get(&artifact.path) {
            None => differences.push(TreeDifference::Missing(artifact.path.clone())),
            Some(bytes) if bytes != artifact.contents.as_bytes() => {
                differences.push(TreeDifference::Differs(artifact.path.clone()))
            }
            Some(_) => {}
        }
    }
    let generated: std::collections::BTreeSet<&str> =
        artifacts.iter().map(|a| a.path.as_str()).collect();
    differences.extend(
        existing
            .keys()
            .filter(|p| !generated.contains(p.as_str()))
            .map(|p| TreeDifference::Extra(p.clone())),
    );
    differences.sort();
    Ok(differences)
}

/// Makes the tree under `root` hold exactly `artifacts`, atomically.
pub fn write_tree(root: &Path, artifacts: &[Artifact]) -> io::Result<WriteReport> {
    let existing = read_tree(root)?;
    let mut report = WriteReport::default();
    for artifact in artifacts {
        match existing.get(&artifact.path) {
            None => report.added.push(artifact.path.clone()),
            Some(bytes) if bytes != artifact.contents.as_bytes() => {
                report.changed.push(artifact.path.clone())
            }
            Some(_) => report.unchanged += 1,
        }
    }
    let generated: std::collections::BTreeSet<&str> =
        artifacts.iter().map(|a| a.path.as_str()).collect();
    report.removed = existing.keys().filter(|p| !generated.contains(p.as_str())).cloned().collect();
    if report.is_noop() && root.is_dir() {
        return Ok(report);
    }
    let parent = match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let name =
        root.file_name().map_or_else(|| "out".to_owned(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.idpc-");
    remove_leftovers(&parent, &prefix);
    let staging = tempfile::Builder::new().prefix(&prefix).tempdir_in(&parent)?;
    // Directories first, then every file in parallel: file creation dominates on most file
    // systems, and unchanged files are hard links, which cost almost nothing.
    let dirs: BTreeSet<PathBuf> = artifacts
        .iter()
        .filter_map(|a| Path::new(&a.path).parent().map(Path::to_path_buf))
        .collect();
    for dir in &dirs {
        fs::create_dir_all(staging.path().join(dir))?;
    }
    artifacts.par_iter().try_for_each(|artifact| {
        let target = staging.path().join(&artifact.path);
        let unchanged =
            existing.get(&artifact.path).is_some_and(|bytes| bytes == artifact.contents.as_bytes());
        if unchanged && fs::hard_link(root.join(&artifact.path), &target).is_ok() {
            return Ok(());
        }
        fs::write(&target, &artifact.contents)
    })?;
    swap_into_place(staging.path(), root)?;
    // `staging` now holds the previous tree (or nothing): remove it, in parallel by directory.
    let previous = staging.keep();
    remove_tree(&previous);
    Ok(report)
}

/// Replaces `root` with `staging`. With an existing `root` on Linux the two are exchanged in one
/// step; elsewhere the old tree is moved aside first, which leaves a moment without `root` but
/// never a mixed tree.
fn swap_into_place(staging: &Path, root: &Path) -> io::Result<()> {
    if !root.exists() {
        return fs::rename(staging, root);
    }
    if exchange(staging, root).is_ok() {
        return Ok(());
    }
    let aside = staging.with_extension("old");
    fs::rename(root, &aside)?;
    if let Err(error) = fs::rename(staging, root) {
        // Put the previous tree back before reporting.
        let _ = fs::rename(&aside, root);
        return Err(error);
    }
    fs::rename(&aside, staging)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic exchange"))
}

/// Removes a directory tree, its top-level entries in parallel.
fn remove_tree(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        let entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.par_iter().for_each(|path| {
            let _ = if path.is_dir() { remove_tree_files(path) } else { fs::remove_file(path) };
        });
    }
    let _ = fs::remove_dir_all(dir);
}

fn remove_tree_files(dir: &Path) -> io::Result<()> {
    let subdirs: Vec<PathBuf> = fs::read_dir(dir)?.flatten().map(|e| e.path()).collect();
    subdirs.par_iter().for_each(|path| {
        let _ = if path.is_dir() { remove_tree_files(path) } else { fs::remove_file(path) };
    });
    fs::remove_dir(dir)
}

/// Removes staging directories a killed build left behind.
fn remove_leftovers(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
