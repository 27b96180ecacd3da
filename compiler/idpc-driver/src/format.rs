//! `idpc fmt`'s file system side: the `.kdl` files a path names, and rewriting a file atomically.
//! The layout itself is [`idpc_syntax::format`], a pure function of the text.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

pub use idpc_syntax::format_file;

use crate::write::MANIFEST;

/// The `.kdl` files `path` names, sorted: the file itself, or every `.kdl` file below a
/// directory outside hidden directories, output trees (directories holding idpc's manifest, and
/// `generated/`), `target` and `node_modules`.
pub fn kdl_files(path: &Path) -> io::Result<Vec<PathBuf>> {
    let metadata = fs::metadata(path)?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    let walker = WalkDir::new(path).sort_by_file_name().into_iter().filter_entry(|entry| {
        if entry.depth() == 0 || !entry.file_type().is_dir() {
            return true;
        }
        let name = entry.file_name().to_string_lossy();
        !(name.starts_with('.')
            || matches!(name.as_ref(), "generated" | "target" | "node_modules")
            || entry.path().join(MANIFEST).exists())
    });
    for entry in walker {
        let entry = entry.map_err(io::Error::other)?;
        let is_kdl = entry.path().extension().is_some_and(|e| e == "kdl");
        if is_kdl && entry.file_type().is_file() {
            files.push(entry.path().to_owned());
        }
    }
    Ok(files)
}

/// Replaces the contents of `path` with `text` atomically: written to a temporary file in the
/// same directory, with the file's permissions, then renamed over it.
pub fn rewrite(path: &Path, text: &str) -> io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let temporary = dir.join(format!(".{name}.idpc-fmt.tmp"));
    let result = (|| {
        fs::write(&temporary, text)?;
        if let Ok(metadata) = fs::metadata(path) {
            fs::set_permissions(&temporary, metadata.permissions())?;
        }
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// The text of a file to format; a file that is not UTF-8 is an error.
pub fn read(path: &Path) -> io::Result<String> {
    fs::read_to_string(path)
}
