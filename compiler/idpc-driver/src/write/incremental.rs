//! Builds after an edit (decision 11): over a tree that is exactly what the last build left, in
//! the same context, only the units whose key changed are made (with the shared files), and
//! only the files that differ are replaced, in place, each by a rename, under a journal.
//!
//! The new files are written into a staging directory beside the output first (`new/`), so a
//! build that fails before the commit leaves the tree untouched. The journal (`journal` in the
//! staging directory) lists every replacement, addition and removal before the first rename;
//! a file replaced or removed is moved into `old/` rather than deleted. Removing the journal is
//! the commit. A build killed between the first rename and that point leaves the journal, and
//! the next build rolls the tree back from it ([`roll_back`]) before it does anything else.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use idpc_backends::{Family, Unit};
use idpc_ir::Platform;

use super::listing::Listing;
use super::look;
use super::memory::{Made, Memory};
use super::stage::with_parent;
use super::stamp::{self, Freshness, Offered, Untouched};
use super::{MANIFEST, Manifest, STAMP, StreamError, WriteError, WriteOptions, WriteReport};
use crate::pipeline::EmitError;

/// What the last build left that a build after an edit may reuse.
#[derive(Debug)]
pub struct Reuse {
    untouched: Untouched,
    memory: Memory,
}

/// A build after an edit that changes more units than this, and more than an eighth of them,
/// runs in full.
const MOST_UNITS: usize = 64;

/// A build after an edit that would replace, add or remove more files than this runs in full.
const MOST_FILES: usize = 1024;

/// What the last build left, over the tree it left.
#[derive(Debug)]
pub struct Pending {
    offered: Offered,
}

impl Pending {
    /// The presets' results the last build kept: they do not depend on the tree.
    pub fn policies(&self) -> Option<idpc_policy::Cache> {
        idpc_policy::Cache::from_json(&Memory::policies(&self.offered.memory)?)
    }

    /// What the last build lets this one reuse: its units, with the files each made.
    pub fn confirm(self) -> Option<Reuse> {
        let untouched = self.offered.confirm()?;
        let memory = Memory::parse(&untouched.memory)?;
        Some(Reuse { untouched, memory })
    }
}

/// [`super::freshness`] of the tree as `outputs` saw it; and when only the inputs changed since
/// the last build, in the same `context`, over the tree it left, what that build left that this
/// one may reuse.
pub fn examine(
    root: &Path,
    outputs: &stamp::Outputs,
    inputs: &str,
    context: &str,
) -> (Freshness, Option<Pending>) {
    let (freshness, offered) = stamp::examine(root, outputs, inputs, Some(context));
    (freshness, offered.map(|offered| Pending { offered }))
}

/// The outcome of a build after an edit.
#[derive(Debug)]
pub enum Incremental {
    /// The tree was brought up to date, making `remade` of the platform's `units` (the shared
    /// one counts).
    Written {
        /// What the write did.
        report: WriteReport,
        /// The units made.
        remade: usize,
        /// Every unit.
        units: usize,
    },
    /// The tree is not the one the last build left (another build ran, a killed one was rolled
    /// back, a generated path is not a file): build in full.
    Declined,
}

/// What became of the files the units made.
#[derive(Default)]
struct Compared {
    added: Vec<String>,
    changed: Vec<String>,
    failure: Option<io::Error>,
    declined: bool,
}

/// Brings the tree under `root` up to date with `platform` by making only the units whose key
/// changed since the build `reuse` comes from, and replacing only the files that differ.
pub fn write_incremental(
    root: &Path,
    options: &WriteOptions<'_>,
    reuse: Reuse,
    platform: &Platform,
    families: &[Family],
    policies: &idpc_policy::Cache,
) -> Result<Incremental, StreamError<EmitError>> {
    let locked = super::prepare(root, options)?;
    let stamp_now = fs::read(root.join(STAMP)).ok();
    if locked.rolled_back || stamp_now.as_deref() != Some(reuse.untouched.stamp.as_slice()) {
        return Ok(Incremental::Declined);
    }
    let named = super::memory::named_keys(platform);
    let mut reuse = reuse;
    let wanted: BTreeSet<Unit> = named
        .iter()
        .filter(|(unit, name, key)| {
            *unit != Unit::Shared && reuse.memory.units.get(name).map(|p| p.0) != Some(*key)
        })
        .map(|(unit, _, _)| *unit)
        .collect();
    // A change to much of the platform (a team, a setting every service reads) is committed
    // the strict way, by exchanging the whole tree: the window in which a reader could see a
    // mix of old and new files stays a few milliseconds.
    if wanted.len() > MOST_UNITS && wanted.len() * 8 > named.len() {
        return Ok(Incremental::Declined);
    }
    let wants = |unit: Unit| unit == Unit::Shared || wanted.contains(&unit);
    let staging = tempfile::Builder::new().prefix(&locked.prefix).tempdir_in(&locked.parent)?;
    let new = staging.path().join("new");
    let made = Made::new(Some(&wants));
    let compared = Mutex::new(Compared::default());
    // After a failed write, the families make nothing more: the build fails with it.
    let failed = AtomicBool::new(false);
    let still_wants = |unit: Unit| !failed.load(Ordering::Relaxed) && wants(unit);
    let emitted =
        crate::pipeline::emit_units(platform, families, &still_wants, &|unit, artifact| {
            made.record(unit, &artifact.path);
            let status = compare(root, &artifact.path, artifact.contents.as_bytes());
            let written = match status {
                Ok(Some(_)) => with_parent(&new.join(&artifact.path), || {
                    fs::write(new.join(&artifact.path), &artifact.contents)
                }),
                _ => Ok(()),
            };
            let mut compared = compared.lock().unwrap_or_else(PoisonError::into_inner);
            match (status, written) {
                (Err(error), _) | (_, Err(error)) => {
                    failed.store(true, Ordering::Relaxed);
                    compared.failure = Some(error);
                }
                (Ok(Some(Status::Added)), _) => compared.added.push(artifact.path),
                (Ok(Some(Status::Changed)), _) => compared.changed.push(artifact.path),
                (Ok(Some(Status::NotAFile)), _) => compared.declined = true,
                (Ok(None), _) => {}
            }
        });
    emitted.map_err(StreamError::Produce)?;
    let mut compared = compared.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(error) = compared.failure {
        return Err(StreamError::Write(WriteError::Io(error)));
    }
    if compared.declined {
        return Ok(Incremental::Declined);
    }
    // The files the last build made (before the memory of this one takes over those of the units
    // not made again): every other file of the tree was adopted, and is left as it is.
    let made_before: usize = reuse.memory.units.values().map(|(_, files)| files.len()).sum();
    let kept = reuse.untouched.tree.files.saturating_sub(made_before);
    let Some(memory) = Memory::of(&named, &made, Some(&mut reuse.memory), policies) else {
        return Ok(Incremental::Declined);
    };
    let previous = &reuse.memory.units;
    // Files of a unit made again, or of one that is gone, that it did not make this time.
    let remade = |name: &str| {
        name == "shared"
            || match (memory.units.get(name), previous.get(name)) {
                (Some(now), Some(before)) => now.0 != before.0,
                _ => true,
            }
    };
    let produced: BTreeSet<&str> = memory
        .units
        .iter()
        .filter(|(name, _)| remade(name))
        .flat_map(|(_, (_, files))| files.paths())
        .collect();
    let mut removed: Vec<String> = previous
        .iter()
        .filter(|(name, _)| remade(name))
        .flat_map(|(_, (_, files))| files.paths())
        .filter(|path| !produced.contains(path))
        .map(str::to_owned)
        .collect();
    removed.sort();
    compared.added.sort();
    compared.changed.sort();
    let mut ops: Vec<(char, String)> = Vec::new();
    ops.extend(compared.changed.iter().map(|path| ('R', path.clone())));
    ops.extend(compared.added.iter().map(|path| ('A', path.clone())));
    for path in &removed {
        if !matches!(fs::symlink_metadata(root.join(path)), Ok(m) if m.is_file()) {
            return Ok(Incremental::Declined);
        }
        ops.push(('D', path.clone()));
    }
    // Entries come and go: the manifest lists them, and the listing of the tree no longer is it.
    let reshaped = !compared.added.is_empty() || !removed.is_empty();
    if reshaped {
        let Ok(Some(mut manifest)) = Manifest::read(root) else {
            return Ok(Incremental::Declined);
        };
        let gone: BTreeSet<&str> = removed.iter().map(String::as_str).collect();
        manifest.files.retain(|path| !gone.contains(path.as_str()));
        manifest.files.extend(compared.added.iter().cloned());
        manifest.files.sort();
        manifest.files.dedup();
        fs::write(new.join(MANIFEST), manifest.render())?;
        ops.push(('R', MANIFEST.to_owned()));
    }
    if ops.len() > MOST_FILES {
        return Ok(Incremental::Declined);
    }
    for (_, path) in &ops {
        if !safe_ancestors(root, path) {
            return Ok(Incremental::Declined);
        }
    }
    // The entries the commit changes, and their parents (whose times change with them): their
    // digests are taken out of the tree's before it and put back after.
    let mut touched = BTreeSet::new();
    for (_, path) in &ops {
        let mut path = path.as_str();
        touched.insert(path.to_owned());
        while let Some((parent, _)) = path.rsplit_once('/') {
            touched.insert(parent.to_owned());
            path = parent;
        }
    }
    let taken = look::Tree::sum_at(root, &touched);
    if reshaped {
        Listing::remove(root);
    }
    if let Err(error) = commit(root, staging.path(), &ops) {
        // A commit that could not be undone keeps its journal and the files it moved aside, for
        // the next build to undo.
        if staging.path().join(JOURNAL).exists() {
            let _ = staging.keep();
        }
        return Err(error.into());
    }
    let put = look::Tree::sum_at(root, &touched);
    let digest = reuse.untouched.tree.digest.wrapping_sub(taken).wrapping_add(put);
    if let Some(stamping) = &options.stamp {
        let recorded = stamp::record(root, stamping, memory.render().as_deref(), Some(digest));
        if recorded.is_err() {
            let _ = stamp::remove(root);
        }
    }
    let total: usize = memory.units.values().map(|(_, files)| files.len()).sum();
    let unchanged = total.saturating_sub(compared.added.len() + compared.changed.len());
    let report = WriteReport {
        added: compared.added,
        changed: compared.changed,
        removed,
        unchanged,
        kept,
        recovered: None,
    };
    Ok(Incremental::Written { report, remade: wanted.len() + 1, units: named.len() })
}

/// What an artifact is to the tree.
enum Status {
    Added,
    Changed,
    /// Something other than a file is at the artifact's path.
    NotAFile,
}

/// How the file at `path` compares with `contents`: `None` if it holds them already.
fn compare(root: &Path, path: &str, contents: &[u8]) -> io::Result<Option<Status>> {
    let target = root.join(path);
    match fs::symlink_metadata(&target) {
        Ok(metadata) if metadata.is_file() => {
            let same = metadata.len() == contents.len() as u64 && fs::read(&target)? == contents;
            Ok((!same).then_some(Status::Changed))
        }
        Ok(_) => Ok(Some(Status::NotAFile)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Some(Status::Added)),
        Err(error) => Err(error),
    }
}

/// Whether every directory on the way to `path` under `root` is a directory or does not exist
/// yet: a link there could lead a rename outside the tree.
fn safe_ancestors(root: &Path, path: &str) -> bool {
    let mut dir = root.to_path_buf();
    let parts: Vec<&str> = path.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        dir.push(part);
        match fs::symlink_metadata(&dir) {
            Ok(metadata) if metadata.is_dir() => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => return true,
            _ => return false,
        }
    }
    true
}

const JOURNAL: &str = "journal";

/// Applies `ops` to the tree: the journal first, then each rename, then the journal removed.
/// On a failure the tree is rolled back before the error is returned.
fn commit(root: &Path, staging: &Path, ops: &[(char, String)]) -> io::Result<()> {
    let journal: String = ops.iter().map(|(op, path)| format!("{op}\t{path}\n")).collect();
    let temporary = staging.join("journal.tmp");
    fs::write(&temporary, journal)?;
    fs::rename(&temporary, staging.join(JOURNAL))?;
    let applied = ops.iter().try_for_each(|(op, path)| {
        let (target, old, new) =
            (root.join(path), staging.join("old").join(path), staging.join("new").join(path));
        if *op != 'A' {
            with_parent(&old, || fs::rename(&target, &old))?;
        }
        if *op == 'D' {
            remove_empty_parents(root, path);
            Ok(())
        } else {
            with_parent(&target, || fs::rename(&new, &target))
        }
    });
    if let Err(error) = applied {
        let _ = roll_back(root, staging);
        return Err(error);
    }
    fs::remove_file(staging.join(JOURNAL))
}

/// Puts back the tree a killed build's journal in `staging` describes: every file it moved
/// aside returns, every file it added goes. Nothing happens without a journal.
pub(super) fn roll_back(root: &Path, staging: &Path) -> io::Result<bool> {
    let journal = match fs::read_to_string(staging.join(JOURNAL)) {
        Ok(journal) => journal,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error),
    };
    for line in journal.lines().rev() {
        let Some((op, path)) = line.split_once('\t') else { continue };
        if !super::manifest::is_relative_path(path) || !safe_ancestors(root, path) {
            continue;
        }
        let (target, old, new) =
            (root.join(path), staging.join("old").join(path), staging.join("new").join(path));
        if fs::symlink_metadata(&old).is_ok() {
            with_parent(&target, || fs::rename(&old, &target))?;
        } else if op == "A"
            && fs::symlink_metadata(&new).is_err()
            && fs::symlink_metadata(&target).is_ok_and(|m| m.is_file())
        {
            fs::remove_file(&target)?;
            remove_empty_parents(root, path);
        }
    }
    fs::remove_file(staging.join(JOURNAL))?;
    Ok(true)
}

/// Removes the directories above `path` that are left empty, up to `root`: a clean build makes
/// no empty directory.
fn remove_empty_parents(root: &Path, path: &str) {
    let mut path = path;
    while let Some((parent, _)) = path.rsplit_once('/') {
        if fs::remove_dir(root.join(parent)).is_err() {
            break;
        }
        path = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(path: &Path, text: &str) {
        with_parent(path, || fs::write(path, text)).unwrap();
    }

    /// A build killed in the middle of its commit: one file replaced, one added (in a new
    /// directory), one removed, one replacement not begun. The next build puts the previous
    /// tree back.
    #[test]
    fn a_commit_cut_short_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let (root, staging) = (dir.path().join("out"), dir.path().join(".out.idpc-x"));
        for (path, text) in [("helm/a.yaml", "a1"), ("helm/c.yaml", "c1"), ("helm/d.yaml", "d1")] {
            put(&root.join(path), text);
        }
        let before = crate::read_tree(&root).unwrap();
        fs::create_dir_all(&staging).unwrap();
        let journal = "R\thelm/a.yaml\nA\tnew/dir/b.yaml\nD\thelm/c.yaml\nR\thelm/d.yaml\n";
        fs::write(staging.join(JOURNAL), journal).unwrap();
        // Done: a replaced, b added, c removed. Not done: d.
        put(&staging.join("old/helm/a.yaml"), "a1");
        put(&root.join("helm/a.yaml"), "a2");
        put(&root.join("new/dir/b.yaml"), "b2");
        fs::rename(root.join("helm/c.yaml"), {
            put(&staging.join("old/helm/c.yaml"), "");
            staging.join("old/helm/c.yaml")
        })
        .unwrap();
        put(&staging.join("new/helm/d.yaml"), "d2");

        assert!(roll_back(&root, &staging).unwrap());
        assert_eq!(crate::read_tree(&root).unwrap(), before);
        assert!(!root.join("new").exists(), "the directories the build made are gone");
        assert!(!staging.join(JOURNAL).exists());
        // Without a journal there is nothing to undo.
        assert!(!roll_back(&root, &staging).unwrap());
    }
}
