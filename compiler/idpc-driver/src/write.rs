//! Writing the output tree: only idpc's own files, atomically, and without touching unchanged ones.
//!
//! A build records the files it wrote in the tree ([`MANIFEST`]); the next one replaces and
//! removes only those. An output directory that holds anything else is refused (or, with
//! `--adopt`, its other files are carried over untouched), and so are directories that must never
//! be an output at all (see [`check_output_dir`]). Builds into one directory are serialised by a
//! lock on the directory that holds it.
//!
//! The new tree is assembled in a staging directory next to the output directory: unchanged files
//! and files carried over are hard-linked from the current tree (so their inode and modification
//! time stay), changed and new files are written, stale ones are simply not carried over. The
//! staging directory then replaces the output directory in one atomic exchange, so a build that
//! fails or is killed at any point leaves the previous tree as it was. A build that changes
//! nothing writes nothing.

mod guard;
mod incremental;
mod listing;
mod look;
pub use look::helper::ready as ready_to_look;
mod manifest;
mod memory;
mod stage;
mod stamp;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use idpc_backends::{Artifact, Family};
use rayon::prelude::*;
use walkdir::WalkDir;

pub use guard::{Refusal, check_output_dir};
pub use incremental::{Incremental, Pending, Reuse, examine, write_incremental};
pub use manifest::{MANIFEST, adopted_files, recorded_outputs};
pub use memory::{Made, memory_of};
pub use stamp::{
    Freshness, MEMORY, Outputs, STAMP, Stamping, freshness, glanced, inputs_digest, look, settle,
};

use manifest::Manifest;

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
    /// Files that are not idpc's, carried over untouched.
    pub kept: usize,
    /// Where files that appeared in the output directory during the build were put, if any did.
    pub recovered: Option<PathBuf>,
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
    /// On disk, and not written by idpc: a build would refuse the directory.
    Foreign(String),
}

/// Reads every file under `root` as (relative path, bytes), without following links and without
/// idpc's record. A missing root is an empty tree.
pub fn read_tree(root: &Path) -> io::Result<BTreeMap<String, Vec<u8>>> {
    let read = |relative: String| {
        let bytes = fs::read(root.join(&relative))?;
        Ok((relative, bytes))
    };
    tree_files(root)?.into_par_iter().map(read).collect()
}

/// The relative paths of the files [`read_tree`] reads, in the order of the walk (by name,
/// each directory's entries before the next sibling), without reading them.
pub fn tree_files(root: &Path) -> io::Result<Vec<String>> {
    if !root.exists() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_file() {
            let relative = relative_path(root, entry.path())?;
            if relative != MANIFEST && !stamp::is_stamp(&relative) {
                files.push(relative);
            }
        }
    }
    Ok(files)
}

/// Compares the generated artifacts of the families in `scope` (every family if `None`) with the
/// tree under `root`.
pub fn check_tree(
    root: &Path,
    artifacts: &[Artifact],
    scope: Option<&[Family]>,
) -> io::Result<Vec<TreeDifference>> {
    let compared = check_streamed(root, scope, |sink| {
        artifacts.par_iter().for_each(sink);
        Ok::<(), std::convert::Infallible>(())
    });
    compared.map_err(|error| match error {
        StreamError::Write(WriteError::Io(error)) => error,
        StreamError::Write(WriteError::Refused(refusal)) => io::Error::other(refusal.to_string()),
        StreamError::Produce(never) => match never {},
    })
}

/// [`check_tree`] with each artifact compared with its file as `produce` makes it (see
/// [`write_streamed`]), so that neither the artifacts nor the tree are held whole.
pub fn check_streamed<E>(
    root: &Path,
    scope: Option<&[Family]>,
    produce: impl FnOnce(&(dyn Fn(&Artifact) + Sync)) -> Result<(), E>,
) -> Result<Vec<TreeDifference>, StreamError<E>> {
    let existing: BTreeSet<String> = tree_files(root)?.into_iter().collect();
    let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
    produce(&|artifact| {
        let difference = if !existing.contains(&artifact.path) {
            Some(TreeDifference::Missing(artifact.path.clone()))
        } else if fs::read(root.join(&artifact.path))
            .map_or(true, |bytes| bytes != artifact.contents.as_bytes())
        {
            Some(TreeDifference::Differs(artifact.path.clone()))
        } else {
            None
        };
        let mut found = found.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        found.0.push(artifact.path.clone());
        found.1.extend(difference);
    })
    .map_err(StreamError::Produce)?;
    let (generated, mut differences) =
        found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let generated: BTreeSet<String> = generated.into_iter().collect();
    let manifest = Manifest::read(root).ok().flatten();
    for path in existing.iter().filter(|p| !generated.contains(*p)) {
        let family = family_of(path);
        if scope.is_some_and(|s| family.is_some_and(|f| !s.contains(&f))) {
            continue;
        }
        match &manifest {
            Some(m) if m.kept.binary_search(path).is_ok() => {}
            Some(m) if m.files.binary_search(path).is_err() => {
                differences.push(TreeDifference::Foreign(path.clone()))
            }
            _ => differences.push(TreeDifference::Extra(path.clone())),
        }
    }
    differences.sort();
    Ok(differences)
}

/// How a build writes its tree.
#[derive(Default)]
pub struct WriteOptions<'a> {
    /// The families this build generates: idpc's files of other families are carried over as
    /// they are. `None`: every family.
    pub scope: Option<&'a [Family]>,
    /// Build into a directory that holds files idpc did not write: files at generated paths are
    /// taken over, every other one is left as it is.
    pub adopt: bool,
    /// The description being built, to refuse output directories that would endanger it.
    pub description: Option<&'a Path>,
    /// Called once if another build holds the directory and this one waits for it.
    pub on_wait: Option<&'a dyn Fn()>,
    /// What to record in the tree's stamp so that the next build with the same inputs can do
    /// nothing; `None` removes the stamp.
    pub stamp: Option<Stamping<'a>>,
    /// Makes the build's memory once every artifact is made, to keep beside the stamp so that
    /// the next build after an edit makes only what changed; `None` keeps none.
    pub memory: Option<&'a (dyn Fn() -> Option<Vec<u8>> + Sync)>,
}

/// Why a tree was not written. The previous tree is intact either way.
#[derive(Debug)]
pub enum WriteError {
    /// The output directory is not one idpc may write.
    Refused(Refusal),
    /// Reading or writing failed.
    Io(io::Error),
}

impl From<io::Error> for WriteError {
    fn from(error: io::Error) -> Self {
        WriteError::Io(error)
    }
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Refused(refusal) => refusal.fmt(f),
            WriteError::Io(error) => error.fmt(f),
        }
    }
}

/// Makes the tree under `root` hold `artifacts` in place of what idpc wrote there before,
/// atomically, under a lock. Files idpc did not write are refused, or with
/// [`WriteOptions::adopt`] left as they are; files of families outside the scope stay.
pub fn write_tree(
    root: &Path,
    artifacts: &[Artifact],
    options: &WriteOptions<'_>,
) -> Result<WriteReport, WriteError> {
    let written = write_streamed(root, options, |sink| {
        artifacts.par_iter().for_each(|artifact| sink.put(artifact));
        Ok::<(), std::convert::Infallible>(())
    });
    written.map_err(|error| match error {
        StreamError::Write(error) => error,
        StreamError::Produce(never) => match never {},
    })
}

/// Why a streamed write did not happen. The previous tree is intact either way.
#[derive(Debug)]
pub enum StreamError<E> {
    /// Writing failed, or the directory is not one idpc may write.
    Write(WriteError),
    /// What made the artifacts failed: nothing it made reaches the tree.
    Produce(E),
}

impl<E> From<WriteError> for StreamError<E> {
    fn from(error: WriteError) -> Self {
        StreamError::Write(error)
    }
}

impl<E> From<io::Error> for StreamError<E> {
    fn from(error: io::Error) -> Self {
        StreamError::Write(WriteError::Io(error))
    }
}

/// Where the producer of a streamed write hands its artifacts (see [`write_streamed`]).
pub struct Sink<'a> {
    stage: &'a stage::Stage<'a>,
}

impl Sink<'_> {
    /// Writes `artifact` into the staging tree, from any thread.
    pub fn put(&self, artifact: &Artifact) {
        self.stage.put(artifact);
    }

    /// Whether a write has failed: the build will fail with it, and what is still to be made
    /// would be thrown away, so a producer stops making it.
    pub fn failed(&self) -> bool {
        self.stage.failed()
    }
}

/// [`write_tree`] with the artifacts written as `produce` makes them: it is handed a [`Sink`]
/// to call, from any thread, once per artifact, and each is written into the staging tree at
/// once, so that the build never holds them all. If `produce` fails, nothing it made reaches
/// the tree.
pub fn write_streamed<E>(
    root: &Path,
    options: &WriteOptions<'_>,
    produce: impl FnOnce(&Sink<'_>) -> Result<(), E>,
) -> Result<WriteReport, StreamError<E>> {
    let locked = prepare(root, options)?;
    let survey = stage::survey(root, options)?;
    let staging = tempfile::Builder::new().prefix(&locked.prefix).tempdir_in(&locked.parent)?;
    let stage = stage::Stage::new(root, staging.path(), &survey.existing);
    produce(&Sink { stage: &stage }).map_err(StreamError::Produce)?;
    let written = stage.finish()?;
    let plan = stage::plan(root, &survey, &written, options)?;
    let report = plan.report.clone();
    if plan.is_noop() {
        stamp_tree(root, options);
        return Ok(report);
    }
    stage::complete(root, staging.path(), &written, &plan)?;
    fs::write(staging.path().join(MANIFEST), &plan.manifest)?;
    swap_into_place(staging.path(), root)?;
    // `staging` now holds the previous tree (or nothing). Everything in it is either carried
    // over or a stale file of idpc's; anything else appeared during the build and is kept.
    // The stamp is taken after it is gone: removing a file carried over by a hard link changes
    // the change time of the one in the tree.
    let previous = staging.keep();
    let mut expected: BTreeSet<&str> = plan.carried.iter().map(String::as_str).collect();
    expected.extend(plan.previous_own.iter().map(String::as_str));
    expected.extend(written.iter().map(|(path, _)| path.as_str()));
    expected.insert(MANIFEST);
    let mut report = report;
    if unexpected_files(&previous, &expected) {
        let recovered = locked.parent.join(format!("{}.idpc-recovered", locked.name));
        let recovered = unique(&recovered);
        fs::rename(&previous, &recovered)?;
        report.recovered = Some(recovered);
    } else {
        remove_tree(&previous);
    }
    stamp_tree(root, options);
    Ok(report)
}

/// The start of every write: the directory that holds the output, locked, with what killed
/// builds left there cleared away.
pub(crate) struct Locked {
    parent: PathBuf,
    _lock: fs::File,
    /// The output directory's name.
    name: String,
    /// The prefix of staging directories.
    prefix: String,
    /// Whether a killed build's half-made commit was undone.
    rolled_back: bool,
}

/// Checks that `root` may be written, takes the lock, and clears what killed builds left.
fn prepare(root: &Path, options: &WriteOptions<'_>) -> Result<Locked, WriteError> {
    if let Some(description) = options.description {
        check_output_dir(root, description).map_err(WriteError::Refused)?;
    }
    let parent = parent_of(root).to_path_buf();
    fs::create_dir_all(&parent)?;
    let lock = lock(&parent, options.on_wait)?;
    // The directory may have changed while this build waited.
    if let Some(description) = options.description {
        check_output_dir(root, description).map_err(WriteError::Refused)?;
    } else if fs::symlink_metadata(root).is_ok_and(|m| !m.is_dir()) {
        return Err(WriteError::Refused(Refusal::NotADirectory(root.to_owned())));
    }
    let name =
        root.file_name().map_or_else(|| "out".to_owned(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.idpc-");
    // Under the lock no other build is live, so a staging directory here is a killed build's.
    let rolled_back = remove_leftovers(root, &parent, &prefix)?;
    Ok(Locked { parent, _lock: lock, name, prefix, rolled_back })
}

/// What is at a path of the output tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    File,
    Symlink,
    Special,
}

/// The entries of an output tree, not following links, without the record itself.
#[derive(Debug, Default)]
pub(crate) struct Existing {
    pub(crate) entries: BTreeMap<String, EntryKind>,
    pub(crate) empty_dirs: Vec<String>,
}

fn scan(root: &Path) -> io::Result<Existing> {
    let mut existing = Existing::default();
    if !root.is_dir() {
        return Ok(existing);
    }
    for entry in WalkDir::new(root).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        let relative = relative_path(root, entry.path())?;
        let kind = entry.file_type();
        if kind.is_dir() {
            if fs::read_dir(entry.path())?.next().is_none() {
                existing.empty_dirs.push(relative);
            }
            continue;
        }
        if relative == MANIFEST || stamp::is_stamp(&relative) {
            continue;
        }
        let kind = if kind.is_file() {
            EntryKind::File
        } else if kind.is_symlink() {
            EntryKind::Symlink
        } else {
            EntryKind::Special
        };
        existing.entries.insert(relative, kind);
    }
    Ok(existing)
}

fn relative_path(root: &Path, path: &Path) -> io::Result<String> {
    let relative = path.strip_prefix(root).map_err(io::Error::other)?;
    let parts: Vec<String> =
        relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    Ok(parts.join("/"))
}

/// The family a generated path belongs to: its first directory.
fn family_of(path: &str) -> Option<Family> {
    let first = path.split('/').next()?;
    Family::ALL.iter().copied().find(|f| f.name() == first)
}

/// Whether a file would be read as part of a description.
fn is_input(path: &str) -> bool {
    [".kdl", ".rego", ".hbs"].iter().any(|ext| path.ends_with(ext))
}

/// Carries a file (or link) of the previous tree into the new one.
fn carry(from: &Path, to: &Path) -> io::Result<()> {
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    let metadata = fs::symlink_metadata(from)?;
    if metadata.file_type().is_symlink() {
        copy_link(from, to)
    } else {
        fs::copy(from, to).map(|_| ())
    }
}

#[cfg(unix)]
fn copy_link(from: &Path, to: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_link(from: &Path, to: &Path) -> io::Result<()> {
    fs::copy(from, to).map(|_| ())
}

/// The directory that holds the output directory `root`, whose lock builds into it take.
fn parent_of(root: &Path) -> &Path {
    match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Takes the build lock of the directory that holds the output: concurrent builds into one
/// output directory run one after the other.
fn lock(parent: &Path, on_wait: Option<&dyn Fn()>) -> io::Result<fs::File> {
    let file = fs::File::open(parent)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => {
            if let Some(on_wait) = on_wait {
                on_wait();
            }
            file.lock()?;
            Ok(file)
        }
        Err(fs::TryLockError::Error(error)) => Err(error),
    }
}

/// The build lock of the directory that holds `root`, if no other build holds it; `None` if one
/// does.
pub(crate) fn try_lock(root: &Path) -> io::Result<Option<fs::File>> {
    let file = fs::File::open(parent_of(root))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(error)) => Err(error),
    }
}

/// Whether the previous tree holds a file that is neither expected there nor a directory.
fn unexpected_files(previous: &Path, expected: &BTreeSet<&str>) -> bool {
    WalkDir::new(previous).min_depth(1).into_iter().flatten().any(|entry| {
        !entry.file_type().is_dir()
            && relative_path(previous, entry.path())
                .is_ok_and(|p| !expected.contains(p.as_str()) && !stamp::is_stamp(&p))
    })
}

/// `path`, or `path-2`, `path-3`, … whichever does not exist yet.
fn unique(path: &Path) -> PathBuf {
    let mut candidate = path.to_owned();
    let mut n = 2;
    while fs::symlink_metadata(&candidate).is_ok() {
        candidate = PathBuf::from(format!("{}-{n}", path.display()));
        n += 1;
    }
    candidate
}

/// Replaces `root` with `staging`. With an existing `root` on Linux the two are exchanged in one
/// step; elsewhere the old tree is moved aside first, which leaves a moment without `root` but
/// never a mixed tree.
/// Records the stamp of a finished build, with its memory, or removes them. A stamp that
/// cannot be written only makes the next build run in full.
fn stamp_tree(root: &Path, options: &WriteOptions<'_>) {
    let recorded = options.stamp.as_ref().is_some_and(|stamping| {
        let memory = options.memory.and_then(|memory| memory());
        stamp::record(root, stamping, memory.as_deref(), None).is_ok()
    });
    if !recorded {
        let _ = stamp::remove(root);
    }
}

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

/// Removes staging directories a killed build left behind, first undoing the commit one was
/// in the middle of; whether one was.
fn remove_leftovers(root: &Path, parent: &Path, prefix: &str) -> io::Result<bool> {
    let Ok(entries) = fs::read_dir(parent) else { return Ok(false) };
    let mut rolled_back = false;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            // A commit that cannot be undone stops the build: the staging directory holds the
            // previous files, and removing it would lose them.
            rolled_back |= incremental::roll_back(root, &entry.path())?;
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    Ok(rolled_back)
}
