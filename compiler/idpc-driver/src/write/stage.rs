//! The steps of a write: what is in the output directory before ([`survey`]), each artifact
//! written into the staging tree as it arrives ([`Stage`]), what the new tree holds besides
//! ([`plan`]), and the staging tree made whole ([`complete`]).

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use idpc_backends::Artifact;
use rayon::prelude::*;

use super::manifest::{MANIFEST, Manifest};
use super::{
    EntryKind, Existing, Refusal, WriteError, WriteOptions, WriteReport, carry, family_of, guard,
    is_input, scan,
};

/// The output directory before the write, and the refusals that do not depend on what is
/// generated.
pub(super) struct Survey {
    pub(super) existing: Existing,
    manifest: Manifest,
    old_manifest_text: Option<Vec<u8>>,
    /// Files that are neither recorded as idpc's nor as kept.
    foreign: Vec<String>,
}

pub(super) fn survey(root: &Path, options: &WriteOptions<'_>) -> Result<Survey, WriteError> {
    let existing = scan(root)?;
    let old_manifest_text = fs::read(root.join(MANIFEST)).ok();
    let manifest = match Manifest::read(root) {
        Ok(manifest) => manifest.unwrap_or_default(),
        Err(_) if options.adopt => Manifest::default(),
        Err(why) => {
            return Err(WriteError::Refused(Refusal::BadManifest(root.join(MANIFEST), why)));
        }
    };
    let own: BTreeSet<&str> = manifest.files.iter().map(String::as_str).collect();
    let kept: BTreeSet<&str> = manifest.kept.iter().map(String::as_str).collect();
    let foreign: Vec<String> = existing
        .entries
        .keys()
        .filter(|p| !own.contains(p.as_str()) && !kept.contains(p.as_str()))
        .cloned()
        .collect();
    if let Some(description) = options.description
        && guard::inside_description(root, description)
        && let Some(input) =
            foreign.iter().map(String::as_str).chain(kept.iter().copied()).find(|p| is_input(p))
    {
        return Err(WriteError::Refused(Refusal::HoldsInputs {
            out: root.to_owned(),
            example: input.to_owned(),
        }));
    }
    if !options.adopt && !foreign.is_empty() {
        return Err(WriteError::Refused(Refusal::ForeignFiles {
            out: root.to_owned(),
            examples: foreign.iter().take(5).cloned().collect(),
            count: foreign.len(),
        }));
    }
    Ok(Survey { existing, manifest, old_manifest_text, foreign })
}

/// What became of a generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Added,
    Changed,
    /// The file on disk already has these contents: it is linked into the new tree only if the
    /// tree changes at all.
    Unchanged,
}

/// The staging tree, taking artifacts from any thread.
pub(super) struct Stage<'a> {
    root: &'a Path,
    staging: &'a Path,
    existing: &'a Existing,
    written: Mutex<Vec<(String, Status)>>,
    failure: Mutex<Option<io::Error>>,
}

impl<'a> Stage<'a> {
    pub(super) fn new(root: &'a Path, staging: &'a Path, existing: &'a Existing) -> Stage<'a> {
        Stage { root, staging, existing, written: Mutex::default(), failure: Mutex::default() }
    }

    /// Compares an artifact with the file on disk and writes it into the staging tree unless
    /// they are equal. After a failure, nothing more is written.
    pub(super) fn put(&self, artifact: &Artifact) {
        if self.failed() {
            return;
        }
        let status = match self.existing.entries.get(&artifact.path) {
            Some(EntryKind::File)
                if fs::read(self.root.join(&artifact.path))
                    .is_ok_and(|b| b == artifact.contents.as_bytes()) =>
            {
                Status::Unchanged
            }
            Some(_) => Status::Changed,
            None => Status::Added,
        };
        if status != Status::Unchanged {
            let target = self.staging.join(&artifact.path);
            let written = with_parent(&target, || fs::write(&target, &artifact.contents));
            if let Err(error) = written {
                *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
                return;
            }
        }
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        written.push((artifact.path.clone(), status));
    }

    /// Whether a write into the staging tree has failed.
    pub(super) fn failed(&self) -> bool {
        self.failure.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    /// Every generated file with what became of it, sorted by path; or the first failure.
    pub(super) fn finish(self) -> io::Result<Vec<(String, Status)>> {
        if let Some(error) = self.failure.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(error);
        }
        let mut written = self.written.into_inner().unwrap_or_else(PoisonError::into_inner);
        written.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(written)
    }
}

/// Runs a step that creates `target`, creating its directory first if it is missing.
pub(super) fn with_parent(target: &Path, step: impl Fn() -> io::Result<()>) -> io::Result<()> {
    match step() {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            step()
        }
        result => result,
    }
}

/// What the new tree holds besides the generated files, worked out once they are all known.
pub(super) struct Plan {
    pub(super) report: WriteReport,
    /// Files carried over as they are: other families' and files that are not idpc's.
    pub(super) carried: Vec<String>,
    /// idpc's files of the previous tree.
    pub(super) previous_own: Vec<String>,
    /// Empty directories of the previous tree: a user's, kept.
    empty_dirs: Vec<String>,
    /// The new record.
    pub(super) manifest: String,
    /// Whether the record changes.
    manifest_changes: bool,
}

impl Plan {
    pub(super) fn is_noop(&self) -> bool {
        self.report.is_noop() && !self.manifest_changes
    }
}

pub(super) fn plan(
    root: &Path,
    survey: &Survey,
    written: &[(String, Status)],
    options: &WriteOptions<'_>,
) -> Result<Plan, WriteError> {
    let existing = &survey.existing;
    let generated: BTreeSet<&str> = written.iter().map(|(path, _)| path.as_str()).collect();
    if let Some((path, _)) = existing
        .entries
        .iter()
        .find(|(p, kind)| **kind == EntryKind::Special && !generated.contains(p.as_str()))
    {
        return Err(WriteError::Refused(Refusal::SpecialFile(root.join(path))));
    }
    let in_scope = |path: &str| match (options.scope, family_of(path)) {
        (Some(families), Some(family)) => families.contains(&family),
        _ => true,
    };
    let mut report = WriteReport::default();
    for (path, status) in written {
        match status {
            Status::Added => report.added.push(path.clone()),
            Status::Changed => report.changed.push(path.clone()),
            Status::Unchanged => report.unchanged += 1,
        }
    }
    let previous_own: Vec<String> = survey
        .manifest
        .files
        .iter()
        .filter(|p| existing.entries.contains_key(*p))
        .cloned()
        .collect();
    let mut carried = Vec::new();
    let mut new_own: Vec<String> = written.iter().map(|(path, _)| path.clone()).collect();
    for path in &previous_own {
        if generated.contains(path.as_str()) {
            continue;
        }
        if in_scope(path) {
            report.removed.push(path.clone());
        } else {
            carried.push(path.clone());
            new_own.push(path.clone());
        }
    }
    let kept: BTreeSet<&str> = survey.manifest.kept.iter().map(String::as_str).collect();
    let mut new_kept = Vec::new();
    for path in existing.entries.keys() {
        let theirs = kept.contains(path.as_str())
            || (options.adopt && survey.foreign.binary_search(path).is_ok());
        if theirs && !generated.contains(path.as_str()) {
            carried.push(path.clone());
            new_kept.push(path.clone());
            report.kept += 1;
        }
    }
    new_own.sort();
    new_kept.sort();
    carried.sort();
    let manifest = Manifest { files: new_own, kept: new_kept }.render();
    let manifest_changes =
        survey.old_manifest_text.as_deref() != Some(manifest.as_bytes()) || !root.is_dir();
    Ok(Plan {
        report,
        carried,
        previous_own,
        empty_dirs: existing.empty_dirs.clone(),
        manifest,
        manifest_changes,
    })
}

/// Makes the staging tree whole: unchanged files linked from the current tree (so that their
/// inode and modification time stay), carried files, and a user's empty directories.
pub(super) fn complete(
    root: &Path,
    staging: &Path,
    written: &[(String, Status)],
    plan: &Plan,
) -> io::Result<()> {
    written.par_iter().filter(|(_, status)| *status == Status::Unchanged).try_for_each(
        |(path, _)| {
            let target = staging.join(path);
            with_parent(&target, || carry(&root.join(path), &target))
        },
    )?;
    plan.carried.par_iter().try_for_each(|path| {
        let target = staging.join(path);
        with_parent(&target, || carry(&root.join(path), &target))
    })?;
    // An idpc build never leaves an empty directory: one in the tree is a user's.
    for dir in &plan.empty_dirs {
        fs::create_dir_all(staging.join(dir))?;
    }
    Ok(())
}
