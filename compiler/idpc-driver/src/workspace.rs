//! Finding and reading the files of a platform.

use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

/// A source file as read: its display path and text.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The path relative to the platform root, `/`-separated.
    pub path: String,
    /// The text (invalid UTF-8 replaced, with a diagnostic in [`Loaded::diagnostics`]).
    pub text: String,
    /// The offset of the first invalid UTF-8 byte, if any.
    pub invalid_utf8_at: Option<usize>,
}

/// The files of a platform.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The root the display paths are relative to.
    pub root: PathBuf,
    /// The files, sorted by path.
    pub files: Vec<SourceText>,
}

/// Why a platform could not be read: trouble, not a problem in the description.
#[derive(Debug)]
pub enum LoadError {
    /// The path does not exist.
    NotFound(PathBuf),
    /// Reading failed.
    Io(PathBuf, std::io::Error),
    /// The directory holds no `.kdl` file.
    Empty(PathBuf),
    /// A symbolic link leads outside the description's directory.
    Outside {
        /// The link.
        link: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound(path) => write!(f, "`{}` does not exist", path.display()),
            LoadError::Io(path, error) => write!(f, "cannot read `{}`: {error}", path.display()),
            LoadError::Empty(path) => write!(f, "`{}` holds no .kdl files", path.display()),
            LoadError::Outside { link, target } => write!(
                f,
                "`{}` is a link to `{}`, outside the description; idpc reads only files inside it",
                link.display(),
                target.display()
            ),
        }
    }
}

/// The directory a build writes to when no `--out` is given, relative to the description. It is
/// never read as part of the description.
pub const DEFAULT_OUT: &str = "generated";

/// Reads a platform: every `.kdl` file under `path` (or `path` itself if it is a file) and the
/// `.hbs` templates and `.rego` policies beside them, skipping hidden entries, output trees (the
/// default `generated` directory, any directory holding idpc's [`crate::MANIFEST`]) and
/// `exclude` (the output directory of this build). A link that leads outside the description's
/// directory is an error naming it.
pub fn load(path: &Path, exclude: Option<&Path>) -> Result<Loaded, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound(path.to_owned()),
        _ => LoadError::Io(path.to_owned(), e),
    })?;
    let exclude = exclude.and_then(|e| e.canonicalize().ok());
    let (root, paths) = if metadata.is_file() {
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        check_inside(&root, path)?;
        (root, vec![path.to_owned()])
    } else {
        let boundary = path.canonicalize().map_err(|e| LoadError::Io(path.to_owned(), e))?;
        let mut paths = Vec::new();
        let walker =
            WalkDir::new(path).follow_links(true).sort_by_file_name().into_iter().filter_entry(
                |entry| {
                    let name = entry.file_name().to_string_lossy();
                    let hidden = entry.depth() > 0 && name.starts_with('.');
                    let output = entry.file_type().is_dir()
                        && entry.depth() > 0
                        && ((entry.depth() == 1 && name == DEFAULT_OUT)
                            || entry.path().join(crate::MANIFEST).exists());
                    // The output directory: only a directory can be one.
                    let excluded = entry.file_type().is_dir()
                        && exclude
                            .as_ref()
                            .is_some_and(|ex| entry.path().canonicalize().is_ok_and(|p| &p == ex));
                    !hidden && !output && !excluded
                },
            );
        for entry in walker {
            let entry = entry.map_err(|e| {
                LoadError::Io(e.path().map(Path::to_path_buf).unwrap_or_default(), e.into())
            })?;
            if entry.path_is_symlink() {
                check_inside(&boundary, entry.path())?;
            }
            if entry.file_type().is_file()
                && entry
                    .path()
                    .extension()
                    .is_some_and(|ext| ext == "kdl" || ext == "hbs" || ext == "rego")
            {
                paths.push(entry.into_path());
            }
        }
        (path.to_owned(), paths)
    };
    if !paths.iter().any(|p| p.extension().is_some_and(|ext| ext == "kdl")) {
        return Err(LoadError::Empty(path.to_owned()));
    }
    let mut files = paths
        .into_par_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).map_err(|e| LoadError::Io(file.clone(), e))?;
            let display = display_path(&root, &file);
            let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
                Ok(text) => (text, None),
                Err(error) => {
                    let at = error.utf8_error().valid_up_to();
                    (String::from_utf8_lossy(error.as_bytes()).into_owned(), Some(at))
                }
            };
            Ok(SourceText { path: display, text, invalid_utf8_at })
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Loaded { root, files })
}

/// Refuses a link that leads outside `boundary`.
fn check_inside(boundary: &Path, path: &Path) -> Result<(), LoadError> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(());
    }
    let boundary = boundary
        .canonicalize()
        .or_else(|_| std::env::current_dir())
        .map_err(|e| LoadError::Io(boundary.to_owned(), e))?;
    let target = path.canonicalize().map_err(|e| LoadError::Io(path.to_owned(), e))?;
    if target.starts_with(&boundary) {
        Ok(())
    } else {
        Err(LoadError::Outside { link: path.to_owned(), target })
    }
}

/// The path of `file` relative to `root`, with `/` separators.
fn display_path(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file);
    let parts: Vec<String> =
        relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.is_empty() { file.to_string_lossy().into_owned() } else { parts.join("/") }
}
