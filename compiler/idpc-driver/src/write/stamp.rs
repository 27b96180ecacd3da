//! The build stamp: what a build that ended without any diagnostic was made from, and what the
//! tree looked like after it, so that the next build with the same inputs and an untouched tree
//! does nothing (no compile, no read-back).
//!
//! `.idpc-stamp.json` in the output tree holds the digest of the inputs (every source file's
//! path and text, idpc's version, and whatever else the caller adds: the day, the families) and
//! a digest of every entry of the tree with its size, modification time and inode. A build
//! whose inputs have the same digest, over a tree whose entries have the same digest, is up to
//! date. The stamp stays small whatever the size of the tree, so reading it costs nothing. Anything else (a file
//! edited, added, removed or touched, another idpc, a stamp that does not parse) makes the build
//! run in full, and a stamp that cannot be read is reported as ignored, never trusted.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use rayon::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::workspace::SourceText;

/// The file name of the stamp.
pub const STAMP: &str = ".idpc-stamp.json";

/// The version of the stamp's format.
const FORMAT: u64 = 2;

/// What the stamp in an output tree says of a build with given inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Same inputs, same tree: nothing to do. The number of files.
    Current(usize),
    /// Something changed, or there is no stamp: build.
    Stale,
    /// The stamp cannot be used, for this reason: build, and say so.
    Ignored(String),
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

/// The digest of a tree's entries, in order.
fn tree_digest(entries: &[Entry]) -> String {
    let mut hasher = Sha256::new();
    for (path, size, seconds, nanos, inode, is_dir) in entries {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update(size.to_le_bytes());
        hasher.update(seconds.to_le_bytes());
        hasher.update(nanos.to_le_bytes());
        hasher.update(inode.to_le_bytes());
        hasher.update([u8::from(*is_dir)]);
    }
    hex(hasher)
}

/// Whether the tree under `root` is the output of a build with `inputs`.
pub fn freshness(root: &Path, inputs: &str) -> Freshness {
    let text = match std::fs::read(root.join(STAMP)) {
        Ok(text) => text,
        Err(_) => return Freshness::Stale,
    };
    let stamp = match serde_json::from_slice::<Stamp>(&text) {
        Ok(stamp) => stamp,
        Err(_) => return Freshness::Ignored(why_unreadable(&text)),
    };
    if stamp.generator.as_deref() != Some("idpc") {
        return Freshness::Ignored("it was not written by idpc".to_owned());
    }
    if stamp.format != Some(FORMAT) {
        return Freshness::Ignored("its format is not known to this idpc".to_owned());
    }
    let (Some(version), Some(recorded_inputs), Some(recorded), Some(seal)) =
        (&stamp.version, &stamp.inputs, &stamp.tree, &stamp.seal)
    else {
        return Freshness::Ignored("it lacks a part idpc writes".to_owned());
    };
    if *seal != seal_of(version, recorded_inputs, recorded) {
        return Freshness::Ignored("it was edited or damaged after idpc wrote it".to_owned());
    }
    if version != VERSION {
        return Freshness::Ignored(format!("it was written by idpc {version}, this is {VERSION}"));
    }
    if recorded_inputs != inputs {
        return Freshness::Stale;
    }
    let Ok(now) = files(root) else { return Freshness::Stale };
    // The files idpc generated: not the directories, not its record of them.
    let files = now.iter().filter(|entry| !entry.5 && entry.0 != super::MANIFEST).count();
    if tree_digest(&now) == *recorded { Freshness::Current(files) } else { Freshness::Stale }
}

/// A stamp as it is read: every part may be missing, and each missing part has its own note.
#[derive(serde::Deserialize)]
struct Stamp {
    generator: Option<String>,
    format: Option<u64>,
    version: Option<String>,
    inputs: Option<String>,
    /// The digest of the tree's entries.
    tree: Option<String>,
    /// The digest of the parts above, so that a stamp changed by hand is told from a stale one.
    seal: Option<String>,
}

/// The version of idpc that writes stamps.
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn seal_of(version: &str, inputs: &str, tree: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [FORMAT.to_string().as_str(), version, inputs, tree] {
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

/// Records the tree under `root` as the output of a build with `inputs`, atomically.
pub(crate) fn record(root: &Path, inputs: &str) -> io::Result<()> {
    let tree = tree_digest(&files(root)?);
    let stamp = json!({
        "generator": "idpc",
        "format": FORMAT,
        "version": VERSION,
        "inputs": inputs,
        "tree": tree,
        "seal": seal_of(VERSION, inputs, &tree),
    });
    let temporary = root.join(format!("{STAMP}.tmp"));
    std::fs::write(&temporary, format!("{stamp}\n"))?;
    std::fs::rename(&temporary, root.join(STAMP))
}

/// Removes the stamp, so that the next build runs in full.
pub(crate) fn remove(root: &Path) -> io::Result<()> {
    match std::fs::remove_file(root.join(STAMP)) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// An entry of the tree: path, size, modification time (seconds and nanoseconds), inode, and
/// whether it is a directory.
type Entry = (String, u64, i64, i64, u64, bool);

/// Every entry of the tree but the stamp, sorted by path. Directories count, so that an added
/// empty one is a change. Each directory is read once and its entries are looked at relative to
/// it, in parallel, without resolving the whole path each time.
fn files(root: &Path) -> io::Result<Vec<Entry>> {
    use rustix::fs::{Mode, OFlags, open};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let dir = open(root, flags, Mode::empty())?;
    let mut out = entries_under(&dir, "")?;
    let temporary = format!("{STAMP}.tmp");
    out.retain(|entry| entry.0 != STAMP && entry.0 != temporary);
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn entries_under(dir: &rustix::fd::OwnedFd, prefix: &str) -> io::Result<Vec<Entry>> {
    use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, openat, statat};
    let mut names = Vec::new();
    for entry in Dir::read_from(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            names.push(entry.file_name().to_owned());
        }
    }
    let looked_at: Vec<io::Result<Vec<Entry>>> = names
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
                return Ok(vec![entry]);
            }
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let sub = openat(dir, name.as_c_str(), flags, Mode::empty())?;
            let mut entries = entries_under(&sub, &format!("{}/", entry.0))?;
            entries.push(entry);
            Ok(entries)
        })
        .collect();
    let mut out = Vec::with_capacity(names.len());
    for entries in looked_at {
        out.extend(entries?);
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

    #[test]
    fn a_stamp_is_trusted_only_as_this_idpc_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("helm")).unwrap();
        std::fs::write(dir.path().join("helm/a.yaml"), "a: 1\n").unwrap();
        record(dir.path(), "inputs").unwrap();
        assert_eq!(freshness(dir.path(), "inputs"), Freshness::Current(1));
        assert_eq!(freshness(dir.path(), "other inputs"), Freshness::Stale);

        // Another idpc, sealed as that idpc would have.
        stamp_with(dir.path(), |stamp| {
            let (inputs, tree) = (stamp["inputs"].as_str().unwrap(), stamp["tree"].as_str());
            stamp["seal"] = json!(seal_of("0.0.1", inputs, tree.unwrap()));
            stamp["version"] = json!("0.0.1");
        });
        let note = format!("it was written by idpc 0.0.1, this is {VERSION}");
        assert_eq!(freshness(dir.path(), "inputs"), Freshness::Ignored(note));

        // A hand edit that would make a stale tree look current.
        record(dir.path(), "inputs").unwrap();
        stamp_with(dir.path(), |stamp| stamp["inputs"] = json!("other inputs"));
        let note = "it was edited or damaged after idpc wrote it".to_owned();
        assert_eq!(freshness(dir.path(), "other inputs"), Freshness::Ignored(note));

        // An older format.
        stamp_with(dir.path(), |stamp| stamp["format"] = json!(1));
        let note = "its format is not known to this idpc".to_owned();
        assert_eq!(freshness(dir.path(), "inputs"), Freshness::Ignored(note));

        // The tree changed under the stamp.
        record(dir.path(), "inputs").unwrap();
        std::fs::write(dir.path().join("helm/b.yaml"), "b: 1\n").unwrap();
        assert_eq!(freshness(dir.path(), "inputs"), Freshness::Stale);
    }
}
