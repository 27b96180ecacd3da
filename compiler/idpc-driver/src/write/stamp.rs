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
//!
//! A build that printed warnings keeps its stamp and memory too, marked `warned`: the next build
//! with the same inputs compiles again, to print them, but makes only what changed.
//!
//! The stamp may also hold a glance at the inputs (see [`Glance`]): what the file system says
//! of each (size, times, inode). A build whose files look the same, in the same context, over
//! the same tree, is up to date without reading them.

use std::fmt::Write as _;
use std::hash::Hasher;
use std::io;
use std::path::Path;

use idpc_backends::Hasher128;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::look::{Look, Tree};
use crate::workspace::{Glance, SourceText};

/// The file name of the stamp.
pub const STAMP: &str = ".idpc-stamp.json";

/// The file name of the build's memory, beside the stamp.
pub const MEMORY: &str = ".idpc-stamp.cache";

/// Whether a path of the output tree is the stamp's (the stamp, its memory, their temporaries).
pub(crate) fn is_stamp(path: &str) -> bool {
    path.starts_with(".idpc-stamp.")
}

/// The version of the stamp's format.
const FORMAT: u64 = 5;

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

/// The output tree as a build looked at it before compiling (see [`look`]): its stamp, read
/// once, with its text, or what the build is to make of it; and, if the stamp is one this idpc
/// wrote, the look at its entries (see [`Look`]) taken in the background, to compare with it.
#[derive(Debug)]
pub struct Outputs {
    stamp: Result<(Stamp, Vec<u8>), Freshness>,
    /// The tree's digest as the stamp records it, if it records one idpc can read.
    recorded: Option<u128>,
    look: Option<Look>,
}

impl Default for Outputs {
    /// Nothing looked at: no stamp.
    fn default() -> Self {
        Outputs { stamp: Err(Freshness::Stale), recorded: None, look: None }
    }
}

/// Reads the stamp of the output tree under `root` and, if this idpc wrote it, starts looking
/// at the tree's entries in the background.
pub fn look(root: &Path) -> Outputs {
    let stamp = verified(root);
    let recorded = stamp.as_ref().ok().and_then(|(stamp, _)| {
        stamp.tree.as_deref().and_then(|tree| u128::from_str_radix(tree, 16).ok())
    });
    let look = stamp.is_ok().then(|| {
        recorded.map_or_else(|| Look::start(root), |recorded| Look::against(root, recorded))
    });
    Outputs { stamp, recorded, look }
}

impl Outputs {
    /// How long the look at the tree took, if the build waited for it and it found the tree.
    pub fn looked(&self) -> Option<std::time::Duration> {
        self.look.as_ref()?.took()
    }

    /// The tree, if it is the one the stamp describes: waits for the look.
    fn described(&self) -> Option<Tree> {
        described_by(self.look.as_ref()?, self.recorded?)
    }

    /// Stops looking at the tree: nothing will be compared with it.
    fn forgo(&self) {
        if let Some(look) = &self.look {
            look.cancel();
        }
    }
}

/// The tree `look` saw, if it is the one a stamp describes by `recorded`.
fn described_by(look: &Look, recorded: u128) -> Option<Tree> {
    look.wait().ok().filter(|tree| tree.digest == recorded)
}

/// What a stamp offers the next build when only its inputs changed, in the same context: the
/// build's memory, which the stamp vouches for, if the tree is still the one it describes.
#[derive(Debug)]
pub(crate) struct Offered {
    pub(crate) memory: Vec<u8>,
    /// The stamp as it was read, to tell whether another build ran since.
    pub(crate) stamp: Vec<u8>,
    /// The tree's digest, as the stamp records it.
    recorded: u128,
    /// The look at the tree, cancelled if the offer is dropped.
    look: Watched,
}

impl Offered {
    /// The memory over the tree the stamp describes; `None` if the tree is not that one. Waits
    /// for the look at the tree.
    pub(crate) fn confirm(self) -> Option<Untouched> {
        let tree = described_by(&self.look.0, self.recorded)?;
        Some(Untouched { tree, memory: self.memory, stamp: self.stamp })
    }
}

/// A look whose result is wanted only while this is kept.
#[derive(Debug)]
struct Watched(Look);

impl Drop for Watched {
    fn drop(&mut self) {
        self.0.cancel();
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
    examine(root, &look(root), inputs, None).0
}

/// [`freshness`], of the tree as `outputs` saw it; and when only the inputs changed, under the
/// same `context` (see [`record`]), what the stamp offers the build.
pub(crate) fn examine(
    root: &Path,
    outputs: &Outputs,
    inputs: &str,
    context: Option<&str>,
) -> (Freshness, Option<Offered>) {
    let (stamp, text) = match &outputs.stamp {
        Ok(read) => read,
        Err(freshness) => return (freshness.clone(), None),
    };
    let (Some(recorded_inputs), Some(recorded_context), Some(recorded)) =
        (&stamp.inputs, &stamp.context, outputs.recorded)
    else {
        return (Freshness::Stale, None);
    };
    let memory_digest = stamp.memory.as_deref().unwrap_or("");
    // The same inputs again: up to date, unless the last build printed warnings, which this one
    // prints again (it reuses the memory as after an edit).
    if recorded_inputs == inputs && stamp.warned != Some(true) {
        return match outputs.described() {
            Some(tree) => (Freshness::Current(tree.files), None),
            None => (Freshness::Stale, None),
        };
    }
    let Some(look) = &outputs.look else { return (Freshness::Stale, None) };
    if context != Some(recorded_context.as_str()) || memory_digest.is_empty() {
        outputs.forgo();
        return (Freshness::Stale, None);
    }
    // Only the inputs changed: the memory is usable if it is the one the stamp vouches for, and
    // its units if the tree is still the one the stamp describes, which the look will tell.
    let memory = match std::fs::read(root.join(MEMORY)) {
        Ok(memory) if memory_digest == format!("{:032x}", bytes_digest(&memory)) => memory,
        Ok(_) => {
            outputs.forgo();
            let why = "it was edited or damaged after idpc wrote it".to_owned();
            return (Freshness::MemoryIgnored(why), None);
        }
        Err(error) => {
            outputs.forgo();
            return (Freshness::MemoryIgnored(format!("it cannot be read: {error}")), None);
        }
    };
    let look = Watched(look.clone());
    let offered = Offered { memory, stamp: text.clone(), recorded, look };
    (Freshness::Stale, Some(offered))
}

/// The stamp under `root`, with its text, if this idpc wrote it as it is; else what the build
/// is to make of it.
fn verified(root: &Path) -> Result<(Stamp, Vec<u8>), Freshness> {
    let Ok(text) = std::fs::read(root.join(STAMP)) else {
        return Err(Freshness::Stale);
    };
    let Ok(stamp) = serde_json::from_slice::<Stamp>(&text) else {
        return Err(Freshness::Ignored(why_unreadable(&text)));
    };
    let ignored = |why: &str| Err(Freshness::Ignored(why.to_owned()));
    if stamp.generator.as_deref() != Some("idpc") {
        return ignored("it was not written by idpc");
    }
    if stamp.format != Some(FORMAT) {
        return ignored("its format is not known to this idpc");
    }
    let (Some(version), Some(inputs), Some(context), Some(tree), Some(seal)) =
        (&stamp.version, &stamp.inputs, &stamp.context, &stamp.tree, &stamp.seal)
    else {
        return ignored("it lacks a part idpc writes");
    };
    let memory = stamp.memory.as_deref().unwrap_or("");
    let glance = stamp.glance.as_deref().unwrap_or("");
    let warned = if stamp.warned == Some(true) { "warned" } else { "" };
    if *seal != seal_of(&[version, inputs, context, tree, memory, glance, warned]) {
        return ignored("it was edited or damaged after idpc wrote it");
    }
    if version != VERSION {
        return Err(Freshness::Ignored(format!(
            "it was written by idpc {version}, this is {VERSION}"
        )));
    }
    Ok((stamp, text))
}

/// The number of files in the tree `outputs` looked at, if it is the output of the last build
/// and the files of the description, as `glance` saw them, are the ones that
/// build read (see [`Glance`]), in the same `context`.
pub fn glanced(outputs: &Outputs, glance: &Glance, context: &str) -> Option<usize> {
    let (stamp, _) = outputs.stamp.as_ref().ok()?;
    let recorded = stamp.glance.as_deref().filter(|g| Some(*g) == glance.digest.as_deref())?;
    let warned = stamp.warned == Some(true);
    if recorded.is_empty() || warned || stamp.context.as_deref() != Some(context) {
        return None;
    }
    Some(outputs.described()?.files)
}

fn bytes_digest(bytes: &[u8]) -> u128 {
    let mut hasher = Hasher128::new();
    hasher.write(bytes);
    hasher.finish128()
}

/// A stamp as it is read: every part may be missing, and each missing part has its own note.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Stamp {
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
    /// The glance at the inputs (see [`Glance`]), if the build recorded one.
    glance: Option<String>,
    /// Whether the build printed warnings: the next one with the same inputs prints them again.
    warned: Option<bool>,
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
    /// What the file system said of the inputs before the build read them.
    pub glance: Option<&'a Glance>,
    /// Whether the build printed warnings. The next build with the same inputs then compiles
    /// again to print them, and reuses the memory as after an edit; no glance is recorded.
    pub warned: bool,
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
    let memory = memory.map(|_| memory_digest.as_str());
    write(root, stamping, &format!("{tree:032x}"), memory).map(|_| ())
}

/// Writes the stamp of the tree whose digest is `tree`, with the digest of the memory beside it
/// if there is one, atomically. Whether it holds the glance.
fn write(
    root: &Path,
    stamping: &Stamping<'_>,
    tree: &str,
    memory: Option<&str>,
) -> io::Result<bool> {
    let temporary = root.join(format!("{STAMP}.tmp"));
    let mut file = std::fs::File::create(&temporary)?;
    // The file system's clock, now: the glance is recorded only if every input was older than
    // the glance by more than `Glance::SETTLED`, so that no later write can leave it unchanged.
    let created = file.metadata()?.modified()?;
    let glance = stamping
        .glance
        .filter(|_| !stamping.warned)
        .filter(|glance| {
            let elapsed = glance.taken.elapsed();
            created
                .checked_sub(elapsed + Glance::SETTLED)
                .is_some_and(|settled| glance.newest < settled)
        })
        .and_then(|glance| glance.digest.as_deref())
        .unwrap_or("");
    let stamp = json!({
        "generator": "idpc",
        "format": FORMAT,
        "version": VERSION,
        "inputs": stamping.inputs,
        "context": stamping.context,
        "tree": tree,
        "memory": memory,
        "glance": (!glance.is_empty()).then_some(glance),
        "warned": stamping.warned.then_some(true),
        "seal": seal_of(&[
            VERSION,
            stamping.inputs,
            stamping.context,
            tree,
            memory.unwrap_or(""),
            glance,
            if stamping.warned { "warned" } else { "" },
        ]),
    });
    std::io::Write::write_all(&mut file, format!("{stamp}\n").as_bytes())?;
    drop(file);
    std::fs::rename(&temporary, root.join(STAMP))?;
    Ok(!glance.is_empty())
}

/// Adds `glance` to the stamp `outputs` read, when that build was up to date but its files were
/// too fresh for the build that wrote the stamp to record a glance at them (see [`Glance`]):
/// the next build with the same files is then up to date without reading them. Nothing is
/// written if the glance is not settled yet, if another build holds the directory, or if the
/// stamp changed since it was read. Whether the stamp now holds the glance.
pub fn settle(root: &Path, outputs: &Outputs, glance: &Glance) -> bool {
    let Ok((stamp, text)) = &outputs.stamp else { return false };
    // The machine's clock is only a hint here, to spare a write on every build while the files
    // are fresh: `write` decides on the file system's clock.
    let hint = std::time::SystemTime::now().checked_sub(glance.taken.elapsed() + Glance::SETTLED);
    let fresh = hint.is_none_or(|settled| glance.newest >= settled);
    if stamp.glance.is_some() || glance.digest.is_none() || fresh {
        return false;
    }
    let (Some(inputs), Some(context), Some(tree)) = (&stamp.inputs, &stamp.context, &stamp.tree)
    else {
        return false;
    };
    let Ok(Some(_lock)) = super::try_lock(root) else { return false };
    if std::fs::read(root.join(STAMP)).ok().as_ref() != Some(text) {
        return false;
    }
    let warned = stamp.warned == Some(true);
    let stamping = Stamping { inputs, context, glance: Some(glance), warned };
    write(root, &stamping, tree, stamp.memory.as_deref()).unwrap_or(false)
}

/// Removes the stamp and the memory, so that the next build runs in full.
pub(crate) fn remove(root: &Path) -> io::Result<()> {
    let _ = std::fs::remove_file(root.join(MEMORY));
    match std::fs::remove_file(root.join(STAMP)) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
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

    const STAMPING: Stamping<'static> =
        Stamping { inputs: "inputs", context: "context", glance: None, warned: false };

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
            stamp["seal"] = json!(seal_of(&["0.0.1", &parts[0], &parts[1], &parts[2], "", "", ""]));
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
            let outputs = look(dir.path());
            examine(dir.path(), &outputs, "new inputs", Some(context)).1.and_then(Offered::confirm)
        };
        assert_eq!(offered("context").map(|u| u.memory), Some(b"memory".to_vec()));
        assert!(offered("another day").is_none());

        // A memory changed by hand is not the one the stamp vouches for, and the build says so.
        std::fs::write(dir.path().join(MEMORY), "memorz").unwrap();
        assert!(offered("context").is_none());
        let note = "it was edited or damaged after idpc wrote it".to_owned();
        let (freshness, _) = examine(dir.path(), &look(dir.path()), "new inputs", Some("context"));
        assert_eq!(freshness, Freshness::MemoryIgnored(note));

        // Nor is any memory over a tree that changed.
        record(dir.path(), &STAMPING, Some(b"memory"), None).unwrap();
        std::fs::write(dir.path().join("helm/a.yaml"), "a: 2\n").unwrap();
        assert!(offered("context").is_none());

        // A digest updated entry by entry is the digest of the tree read again.
        let before = Tree::read(dir.path()).unwrap();
        let touched = ["helm", "helm/a.yaml", "helm/b.yaml"].map(str::to_owned).into();
        let taken = Tree::sum_at(dir.path(), &touched);
        std::fs::write(dir.path().join("helm/b.yaml"), "b: 1\n").unwrap();
        std::fs::remove_file(dir.path().join("helm/a.yaml")).unwrap();
        let put = Tree::sum_at(dir.path(), &touched);
        let updated = before.digest.wrapping_sub(taken).wrapping_add(put);
        assert_eq!(updated, Tree::read(dir.path()).unwrap().digest);
    }
}
