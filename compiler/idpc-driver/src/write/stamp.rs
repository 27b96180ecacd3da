//! The build stamp: what a build that ended without any diagnostic was made from, and what the
//! tree looked like after it, so that the next build with the same inputs and an untouched tree
//! does nothing (no compile, no read-back), and one with edited inputs over an untouched tree
//! makes only what the edit changed (see [`super::incremental`]).
//!
//! `.idpc-stamp.json` in the output tree holds the digest of the inputs (every source file's
//! path and text, idpc's version, and whatever else the caller adds: the day, the families), the
//! digest of that context alone, a digest of every entry of the tree with its size, modification
//! time and inode, and the digest of the build's memory (`.idpc-stamp.cache`: each unit's key
//! and files, the policies' results). A build whose inputs have the same digest, over a tree
//! whose entries have the same digest, is up to date. The stamp stays small whatever the size of
//! the tree, so reading it costs nothing. Anything else (a file edited, added, removed or
//! touched, another idpc, a stamp that does not parse) makes the build run in full, and a stamp
//! that cannot be read is reported as ignored, never trusted.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::Path;

use idpc_backends::Hasher128;
use rayon::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::workspace::SourceText;

/// The file name of the stamp.
pub const STAMP: &str = ".idpc-stamp.json";

/// The file name of the build's memory, beside the stamp.
pub const MEMORY: &str = ".idpc-stamp.cache";

/// Whether a path of the output tree is the stamp's (the stamp, its memory, their temporaries).
pub(crate) fn is_stamp(path: &str) -> bool {
    path.starts_with(".idpc-stamp.")
}

/// The version of the stamp's format.
const FORMAT: u64 = 3;

/// What the stamp in an output tree says of a build with given inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Same inputs, same tree: nothing to do. The number of files.
    Current(usize),
    /// Something changed, or there is no stamp: build.
    Stale,
    /// The stamp cannot be used, for this reason: build, and say so.
    Ignored(String),
    /// The inputs changed, and the build's memory the stamp vouches for cannot be used, for this
    /// reason: build in full, and say so.
    MemoryIgnored(String),
}

/// The digest of a build's inputs: every source file (path and text, in order) and `extra`.
pub fn inputs_digest(files: &[SourceText], extra: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        for part in [file.path.as_bytes(), file.text.as_bytes()] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
    }
    for part in extra {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex(hasher)
}

fn hex(hasher: Sha256) -> String {
    hasher.finalize().iter().fold(String::with_capacity(64), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// The digest of one entry of the tree.
fn entry_digest(entry: &Entry) -> u128 {
    let mut hasher = Hasher128::new();
    entry.hash(&mut hasher);
    hasher.finish128()
}

/// The hash by which an entry's path is found again.
fn path_hash(path: &str) -> u64 {
    let mut hasher = Hasher128::new();
    hasher.write(path.as_bytes());
    hasher.finish()
}

/// What is kept of an entry: the hash of its path, its digest, and whether it is one of idpc's
/// files (not a directory, not the record of the files).
type Seen = (u64, u128, bool);

fn seen(entry: &Entry) -> Seen {
    (path_hash(&entry.0), entry_digest(entry), !entry.5 && entry.0 != super::MANIFEST)
}

/// The tree as a build saw it: its entries, and their digest (the sum of each entry's, so that
/// it does not depend on their order and can be updated entry by entry). The paths themselves
/// are not kept: 123,000 of them at 10,000 services.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    entries: Vec<Seen>,
    pub(crate) digest: u128,
}

impl Tree {
    /// Every entry of the tree under `root`, but the stamp's.
    pub(crate) fn read(root: &Path) -> io::Result<Tree> {
        let entries = files(root)?;
        let digest = entries.iter().fold(0, |sum: u128, entry| sum.wrapping_add(entry.1));
        Ok(Tree { entries, digest })
    }

    /// The digest after the entries at `paths` were looked at again (each is gone, or is as
    /// `root` now has it).
    pub(crate) fn updated(&self, root: &Path, paths: &std::collections::BTreeSet<String>) -> u128 {
        let hashes: std::collections::BTreeSet<u64> = paths.iter().map(|p| path_hash(p)).collect();
        let mut digest = self.digest;
        for entry in self.entries.iter().filter(|entry| hashes.contains(&entry.0)) {
            digest = digest.wrapping_sub(entry.1);
        }
        for path in paths {
            if let Ok(Some(entry)) = entry_at(root, path) {
                digest = digest.wrapping_add(entry_digest(&entry));
            }
        }
        digest
    }

    /// The number of idpc's files: not the directories, not its record of them.
    fn files(&self) -> usize {
        self.entries.iter().filter(|entry| entry.2).count()
    }
}

/// What a stamp offers the next build when only its inputs changed, in the same context: the
/// build's memory, which the stamp vouches for, usable as it is for what does not depend on the
/// tree (the policies' results), and for the rest once [`Offered::confirm`] has seen that the
/// tree is the one the stamp describes.
#[derive(Debug)]
pub(crate) struct Offered {
    pub(crate) memory: Vec<u8>,
    /// The stamp as it was read, to tell whether another build ran since.
    pub(crate) stamp: Vec<u8>,
    /// The digest of the tree the stamp describes.
    tree: String,
}

impl Offered {
    /// The memory and the tree, if the tree under `root` is the one the stamp describes.
    pub(crate) fn confirm(self, root: &Path) -> Option<Untouched> {
        let tree = Tree::read(root).ok()?;
        (format!("{:032x}", tree.digest) == self.tree).then_some(Untouched {
            tree,
            memory: self.memory,
            stamp: self.stamp,
        })
    }
}

/// The memory, over the tree the stamp describes (see [`Offered`]).
#[derive(Debug)]
pub(crate) struct Untouched {
    pub(crate) tree: Tree,
    pub(crate) memory: Vec<u8>,
    pub(crate) stamp: Vec<u8>,
}

/// Whether the tree under `root` is the output of a build with `inputs`.
pub fn freshness(root: &Path, inputs: &str) -> Freshness {
    examine(root, inputs, None).0
}

/// [`freshness`]; and when only the inputs changed, under the same `context` (see
/// [`record`]), what the stamp offers the build.
pub(crate) fn examine(
    root: &Path,
    inputs: &str,
    context: Option<&str>,
) -> (Freshness, Option<Offered>) {
    let text = match std::fs::read(root.join(STAMP)) {
        Ok(text) => text,
        Err(_) => return (Freshness::Stale, None),
    };
    let stamp = match serde_json::from_slice::<Stamp>(&text) {
        Ok(stamp) => stamp,
        Err(_) => return (Freshness::Ignored(why_unreadable(&text)), None),
    };
    let ignored = |why: &str| (Freshness::Ignored(why.to_owned()), None);
    if stamp.generator.as_deref() != Some("idpc") {
        return ignored("it was not written by idpc");
    }
    if stamp.format != Some(FORMAT) {
        return ignored("its format is not known to this idpc");
    }
    let (Some(version), Some(recorded_inputs), Some(recorded_context), Some(recorded), Some(seal)) =
        (&stamp.version, &stamp.inputs, &stamp.context, &stamp.tree, &stamp.seal)
    else {
        return ignored("it lacks a part idpc writes");
    };
    let memory_digest = stamp.memory.as_deref().unwrap_or("");
    if *seal != seal_of(&[version, recorded_inputs, recorded_context, recorded, memory_digest]) {
        return ignored("it was edited or damaged after idpc wrote it");
    }
    if version != VERSION {
        return (
            Freshness::Ignored(format!("it was written by idpc {version}, this is {VERSION}")),
            None,
        );
    }
    if recorded_inputs == inputs {
        return match Tree::read(root) {
            Ok(now) if format!("{:032x}", now.digest) == *recorded => {
                (Freshness::Current(now.files()), None)
            }
            _ => (Freshness::Stale, None),
        };
    }
    if context != Some(recorded_context.as_str()) || memory_digest.is_empty() {
        return (Freshness::Stale, None);
    }
    // Only the inputs changed: the memory is usable if it is the one the stamp vouches for.
    let memory = match std::fs::read(root.join(MEMORY)) {
        Ok(memory) if memory_digest == format!("{:032x}", bytes_digest(&memory)) => memory,
        Ok(_) => {
            let why = "it was edited or damaged after idpc wrote it".to_owned();
            return (Freshness::MemoryIgnored(why), None);
        }
        Err(error) => {
            return (Freshness::MemoryIgnored(format!("it cannot be read: {error}")), None);
        }
    };
    let tree = recorded.clone();
    (Freshness::Stale, Some(Offered { memory, stamp: text, tree }))
}

fn bytes_digest(bytes: &[u8]) -> u128 {
    let mut hasher = Hasher128::new();
    hasher.write(bytes);
    hasher.finish128()
}

/// A stamp as it is read: every part may be missing, and each missing part has its own note.
#[derive(serde::Deserialize)]
struct Stamp {
    generator: Option<String>,
    format: Option<u64>,
    version: Option<String>,
    inputs: Option<String>,
    /// The digest of what the inputs' digest adds to the files (version, day, families…).
    context: Option<String>,
    /// The digest of the tree's entries.
    tree: Option<String>,
    /// The digest of the build's memory, if it left one.
    memory: Option<String>,
    /// The digest of the parts above, so that a stamp changed by hand is told from a stale one.
    seal: Option<String>,
}

/// The version of idpc that writes stamps.
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn seal_of(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in std::iter::once(FORMAT.to_string().as_str()).chain(parts.iter().copied()) {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex(hasher)
}

/// Why a stamp that does not read as one cannot be used.
fn why_unreadable(text: &[u8]) -> String {
    match serde_json::from_slice::<Value>(text) {
        Err(_) => "it is not JSON".to_owned(),
        Ok(value) if value.get("generator").and_then(Value::as_str) != Some("idpc") => {
            "it was not written by idpc".to_owned()
        }
        Ok(value) if value.get("format").and_then(Value::as_u64) != Some(FORMAT) => {
            "its format is not known to this idpc".to_owned()
        }
        Ok(_) => "its fields are not the ones idpc writes".to_owned(),
    }
}

/// What a stamp records of a build besides the tree.
#[derive(Debug, Clone, Copy)]
pub struct Stamping<'a> {
    /// The digest of the build's inputs: the files and the context.
    pub inputs: &'a str,
    /// The digest of the context alone (version, day, families, …): a later build in the same
    /// context may reuse the memory.
    pub context: &'a str,
}

/// Records the tree under `root` as the output of a build with `inputs`, with the build's
/// `memory` beside it, atomically. `tree` is the tree's digest if the caller knows it.
pub(crate) fn record(
    root: &Path,
    stamping: &Stamping<'_>,
    memory: Option<&[u8]>,
    tree: Option<u128>,
) -> io::Result<()> {
    // The memory first: the stamp that vouches for it is written last.
    let memory_digest = match memory {
        Some(memory) => {
            let temporary = root.join(format!("{MEMORY}.tmp"));
            std::fs::write(&temporary, memory)?;
            std::fs::rename(&temporary, root.join(MEMORY))?;
            format!("{:032x}", bytes_digest(memory))
        }
        None => {
            let _ = std::fs::remove_file(root.join(MEMORY));
            String::new()
        }
    };
    let tree = match tree {
        Some(tree) => tree,
        None => Tree::read(root)?.digest,
    };
    let tree = format!("{tree:032x}");
    let stamp = json!({
        "generator": "idpc",
        "format": FORMAT,
        "version": VERSION,
        "inputs": stamping.inputs,
        "context": stamping.context,
        "tree": tree,
        "memory": memory.map(|_| memory_digest.as_str()),
        "seal": seal_of(&[VERSION, stamping.inputs, stamping.context, &tree, &memory_digest]),
    });
    let temporary = root.join(format!("{STAMP}.tmp"));
    std::fs::write(&temporary, format!("{stamp}\n"))?;
    std::fs::rename(&temporary, root.join(STAMP))
}

/// Removes the stamp and the memory, so that the next build runs in full.
pub(crate) fn remove(root: &Path) -> io::Result<()> {
    let _ = std::fs::remove_file(root.join(MEMORY));
    match std::fs::remove_file(root.join(STAMP)) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// An entry of the tree: path, size, modification time (seconds and nanoseconds), inode, and
/// whether it is a directory.
pub(crate) type Entry = (String, u64, i64, i64, u64, bool);

/// The entry at a path of the tree, if there is one.
fn entry_at(root: &Path, path: &str) -> io::Result<Option<Entry>> {
    use std::os::unix::fs::MetadataExt;
    let metadata = match std::fs::symlink_metadata(root.join(path)) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let is_dir = metadata.is_dir();
    let size = if is_dir { 0 } else { metadata.size() };
    Ok(Some((
        path.to_owned(),
        size,
        metadata.mtime(),
        metadata.mtime_nsec(),
        metadata.ino(),
        is_dir,
    )))
}

/// Every entry of the tree but the stamp's, in no particular order. Directories count, so that an added
/// empty one is a change. Each directory is read once and its entries are looked at relative to
/// it, in parallel, without resolving the whole path each time.
fn files(root: &Path) -> io::Result<Vec<Seen>> {
    use rustix::fs::{Mode, OFlags, open};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let dir = open(root, flags, Mode::empty())?;
    entries_under(&dir, "")
}

fn entries_under(dir: &rustix::fd::OwnedFd, prefix: &str) -> io::Result<Vec<Seen>> {
    use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, openat, statat};
    let mut names = Vec::new();
    for entry in Dir::read_from(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        let stamps = prefix.is_empty() && is_stamp(&String::from_utf8_lossy(name));
        if name != b"." && name != b".." && !stamps {
            names.push(entry.file_name().to_owned());
        }
    }
    /// A file, or a directory with what is under it.
    enum Looked {
        One(Seen),
        Many(Vec<Seen>),
    }
    let looked_at: Vec<io::Result<Looked>> = names
        .par_iter()
        .map(|name| {
            let stat = statat(dir, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW)?;
            let is_dir = FileType::from_raw_mode(stat.st_mode) == FileType::Directory;
            let relative = format!("{prefix}{}", name.to_string_lossy());
            let size = if is_dir { 0 } else { u64::try_from(stat.st_size).unwrap_or(0) };
            let entry = (
                relative,
                size,
                stat.st_mtime,
                i64::try_from(stat.st_mtime_nsec).unwrap_or(0),
                stat.st_ino,
                is_dir,
            );
            if !is_dir {
                return Ok(Looked::One(seen(&entry)));
            }
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let sub = openat(dir, name.as_c_str(), flags, Mode::empty())?;
            let mut entries = entries_under(&sub, &format!("{}/", entry.0))?;
            entries.push(seen(&entry));
            Ok(Looked::Many(entries))
        })
        .collect();
    let mut out = Vec::with_capacity(names.len());
    for looked in looked_at {
        match looked? {
            Looked::One(entry) => out.push(entry),
            Looked::Many(entries) => out.extend(entries),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp_with(root: &Path, edit: impl Fn(&mut Value)) {
        let path = root.join(STAMP);
        let mut stamp: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        edit(&mut stamp);
        std::fs::write(&path, stamp.to_string()).unwrap();
    }

    const STAMPING: Stamping<'static> = Stamping { inputs: "inputs", context: "context" };

    #[test]
    fn a_stamp_is_trusted_only_as_this_idpc_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("helm")).unwrap();
        std::fs::write(dir.path().join("helm/a.yaml"), "a: 1\n").unwrap();
        record(dir.path(), &STAMPING, None, None).unwrap();
        assert_eq!(freshness(dir.path(), "inputs"), Freshness::Current(1));
        assert_eq!(freshness(dir.path(), "other inputs"), Freshness::Stale);

        // Another idpc, sealed as that idpc would have.
        stamp_with(dir.path(), |stamp| {
            let part = |name: &str| stamp[name].as_str().unwrap().to_owned();
            let parts = [part("inputs"), part("context"), part("tree")];
            stamp["seal"] = json!(seal_of(&["0.0.1", &parts[0], &parts[1], &parts[2], ""]));
            stamp["version"] = json!("0.0.1");
        });
        let note = format!("it was written by idpc 0.0.1, this is {VERSION}");
        assert_eq!(freshness(dir.path(), "inputs"), Freshness::Ignored(note));

        // A hand edit that would make a stale tree look current.
        record(dir.path(), &STAMPING, None, None).unwrap();
        stamp_with(dir.path(), |stamp| stamp["inputs"] = json!("other inputs"));
        let note = "it was edited or damaged after idpc wrote it".to_owned();
        assert_eq!(freshness(dir.path(), "other inputs"), Freshness::Ignored(note));

        // An older format.
        stamp_with(dir.path(), |stamp| stamp["format"] = json!(2));
        let note = "its format is not known to this idpc".to_owned();
        assert_eq!(freshness(dir.path(), "inputs"), Freshness::Ignored(note));

        // The tree changed under the stamp.
        record(dir.path(), &STAMPING, None, None).unwrap();
        std::fs::write(dir.path().join("helm/b.yaml"), "b: 1\n").unwrap();
        assert_eq!(freshness(dir.path(), "inputs"), Freshness::Stale);
    }

    #[test]
    fn the_memory_is_offered_only_in_the_same_context_over_the_same_tree() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("helm")).unwrap();
        std::fs::write(dir.path().join("helm/a.yaml"), "a: 1\n").unwrap();
        record(dir.path(), &STAMPING, Some(b"memory"), None).unwrap();
        let offered = |context| {
            examine(dir.path(), "new inputs", Some(context)).1.and_then(|o| o.confirm(dir.path()))
        };
        assert_eq!(offered("context").map(|u| u.memory), Some(b"memory".to_vec()));
        assert!(offered("another day").is_none());

        // A memory changed by hand is not the one the stamp vouches for, and the build says so.
        std::fs::write(dir.path().join(MEMORY), "memorz").unwrap();
        assert!(offered("context").is_none());
        let note = "it was edited or damaged after idpc wrote it".to_owned();
        let (freshness, _) = examine(dir.path(), "new inputs", Some("context"));
        assert_eq!(freshness, Freshness::MemoryIgnored(note));

        // Nor is any memory over a tree that changed.
        record(dir.path(), &STAMPING, Some(b"memory"), None).unwrap();
        std::fs::write(dir.path().join("helm/a.yaml"), "a: 2\n").unwrap();
        assert!(offered("context").is_none());

        // A digest updated entry by entry is the digest of the tree read again.
        let before = Tree::read(dir.path()).unwrap();
        std::fs::write(dir.path().join("helm/b.yaml"), "b: 1\n").unwrap();
        std::fs::remove_file(dir.path().join("helm/a.yaml")).unwrap();
        let touched = ["helm", "helm/a.yaml", "helm/b.yaml"].map(str::to_owned).into();
        assert_eq!(before.updated(dir.path(), &touched), Tree::read(dir.path()).unwrap().digest);
    }
}
