//! Finding the description a command is about, from any directory, as cargo finds its manifest.
//!
//! The root of a description is the directory holding a `.kdl` file that declares the top-level
//! `platform` node. From a path, the root is the nearest directory at or above it that is one
//! (the search stops at the top of a git repository); when there is none above, the roots below
//! it are listed, never merged. Output trees (directories holding idpc's manifest, and
//! `generated/`) are never searched. See `docs/decisions/0006-root-discovery.md`.

use std::path::{Path, PathBuf};

use idpc_diagnostics::FileId;
use walkdir::WalkDir;

use crate::workspace::DEFAULT_OUT;

/// What [`discover`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// The description's root: the path itself when it is one (or a file), else an ancestor.
    Root(PathBuf),
    /// No root at or above the path, but exactly one below it.
    Below(PathBuf),
    /// No root at or above the path, and several below it, sorted.
    Many(Vec<PathBuf>),
    /// No `platform` node at, above or below the path: the path is read as it is.
    Unknown,
}

/// Finds the description's root from `path` (a directory or a `.kdl` file).
pub fn discover(path: &Path) -> Discovery {
    if path.is_file() || !path.is_dir() {
        return Discovery::Root(path.to_owned());
    }
    if declares_platform(path) {
        return Discovery::Root(path.to_owned());
    }
    let start = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut dir = start.as_path();
    while !dir.join(".git").exists() {
        let Some(parent) = dir.parent() else { break };
        if declares_platform(parent) {
            return Discovery::Root(parent.to_owned());
        }
        dir = parent;
    }
    let mut below = roots_below(path);
    match below.len() {
        0 => Discovery::Unknown,
        1 => Discovery::Below(below.remove(0)),
        _ => Discovery::Many(below),
    }
}

/// The roots of the descriptions below `dir` (not `dir` itself), outside hidden directories,
/// output trees, `target` and `node_modules`; a root's own subdirectories are not searched.
fn roots_below(dir: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    let mut walker = WalkDir::new(dir).min_depth(1).sort_by_file_name().into_iter();
    while let Some(entry) = walker.next() {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let skipped = name.starts_with('.')
            || name == DEFAULT_OUT
            || name == "target"
            || name == "node_modules"
            || entry.path().join(crate::MANIFEST).exists();
        if skipped {
            walker.skip_current_dir();
            continue;
        }
        if declares_platform(entry.path()) {
            roots.push(entry.into_path());
            walker.skip_current_dir();
        }
    }
    roots
}

/// Whether a `.kdl` file directly in `dir` declares the top-level `platform` node.
pub fn declares_platform(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "kdl") && p.is_file())
        .collect();
    files.sort();
    files.iter().any(|file| {
        let Ok(text) = std::fs::read_to_string(file) else { return false };
        text.contains("platform")
            && idpc_syntax::parse(FileId(0), &text)
                .source_file
                .is_some_and(|f| f.nodes.iter().any(|n| n.name.text == "platform"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_root_is_found_from_below_and_roots_are_listed_from_above() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join(".git")).unwrap();
        let a = repo.path().join("a");
        write(&a, "platform.kdl", "platform \"a\"\n");
        write(&a, "services/web.kdl", "service \"web\" team=\"t\"\n");
        write(&a, "generated/x/p.kdl", "platform \"out\"\n");
        let services = a.join("services");
        assert_eq!(discover(&services), Discovery::Root(a.clone()));
        assert_eq!(discover(&a), Discovery::Root(a.clone()));
        assert_eq!(discover(repo.path()), Discovery::Below(a.clone()));
        let b = repo.path().join("nested/b");
        write(&b, "main.kdl", "// platform\nplatform \"b\" { registry \"r\" }\n");
        assert_eq!(discover(repo.path()), Discovery::Many(vec![a, b]));
        write(repo.path(), "notes/readme.kdl", "// a platform \"word\" in a comment\n");
        assert!(!declares_platform(&repo.path().join("notes")));
        let empty = repo.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert_eq!(discover(&empty), Discovery::Unknown);
    }
}
