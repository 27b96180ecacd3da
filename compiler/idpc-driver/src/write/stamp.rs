//! The build stamp: what a build that ended without any diagnostic was made from, and what the
//! tree looked like after it, so that the next build with the same inputs and an untouched tree
//! does nothing (no compile, no read-back).
//!
//! `.idpc-stamp.json` in the output tree holds the digest of the inputs (every source file's
//! path and text, idpc's version, and whatever else the caller adds: the day, the families) and
//! every file of the tree with its size, modification time and inode. A build whose inputs have
//! the same digest, over a tree whose files all match, is up to date. Anything else (a file
//! edited, added, removed or touched, another idpc, a stamp that does not parse) makes the build
//! run in full, and a stamp that cannot be read is reported as ignored, never trusted.

use std::fmt::Write as _;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use crate::workspace::SourceText;

/// The file name of the stamp.
pub const STAMP: &str = ".idpc-stamp.json";

/// The version of the stamp's format.
const FORMAT: u64 = 1;

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
    hasher.finalize().iter().fold(String::with_capacity(64), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// Whether the tree under `root` is the output of a build with `inputs`.
pub fn freshness(root: &Path, inputs: &str) -> Freshness {
    let text = match std::fs::read(root.join(STAMP)) {
        Ok(text) => text,
        Err(_) => return Freshness::Stale,
    };
    let Ok(stamp) = serde_json::from_slice::<Value>(&text) else {
        return Freshness::Ignored("it is not JSON".to_owned());
    };
    if stamp.get("generator").and_then(Value::as_str) != Some("idpc") {
        return Freshness::Ignored("it was not written by idpc".to_owned());
    }
    if stamp.get("format").and_then(Value::as_u64) != Some(FORMAT) {
        return Freshness::Ignored("its format is not known to this idpc".to_owned());
    }
    let Some(recorded) = stamp.get("files").and_then(Value::as_array) else {
        return Freshness::Ignored("it lists no files".to_owned());
    };
    if stamp.get("inputs").and_then(Value::as_str) != Some(inputs) {
        return Freshness::Stale;
    }
    let Ok(now) = files(root) else { return Freshness::Stale };
    let same = recorded.len() == now.len()
        && recorded.iter().zip(&now).all(|(recorded, entry)| matches(recorded, entry));
    // The files idpc generated: not the directories, not its record of them.
    let files = now.iter().filter(|entry| !entry.5 && entry.0 != super::MANIFEST).count();
    if same { Freshness::Current(files) } else { Freshness::Stale }
}

/// Whether a recorded entry, `[path, size, seconds, nanoseconds, inode]`, is `entry`.
fn matches(recorded: &Value, entry: &Entry) -> bool {
    let Some(fields) = recorded.as_array().filter(|f| f.len() == 5) else { return false };
    fields[0].as_str() == Some(entry.0.as_str())
        && fields[1].as_u64() == Some(entry.1)
        && fields[2].as_i64() == Some(entry.2)
        && fields[3].as_i64() == Some(entry.3)
        && fields[4].as_u64() == Some(entry.4)
}

/// Records the tree under `root` as the output of a build with `inputs`, atomically.
pub(crate) fn record(root: &Path, inputs: &str) -> io::Result<()> {
    let files: Vec<Value> = files(root)?
        .into_iter()
        .map(|(path, size, seconds, nanos, inode, _)| json!([path, size, seconds, nanos, inode]))
        .collect();
    let stamp = json!({
        "generator": "idpc",
        "format": FORMAT,
        "inputs": inputs,
        "files": files,
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

/// Every entry of the tree but the stamp, sorted. Directories count, so that an added empty
/// one is a change.
fn files(root: &Path) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for entry in WalkDir::new(root).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        let relative = entry
            .path()
            .strip_prefix(root)
            .map_err(io::Error::other)?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if relative == STAMP || relative == format!("{STAMP}.tmp") {
            continue;
        }
        let metadata = entry.path().symlink_metadata()?;
        let size = if metadata.is_dir() { 0 } else { metadata.len() };
        let entry = (
            relative,
            size,
            metadata.mtime(),
            metadata.mtime_nsec(),
            metadata.ino(),
            metadata.is_dir(),
        );
        out.push(entry);
    }
    Ok(out)
}
