//! Which directories a build may write into at all.
//!
//! These checks run before anything is locked, read or written. They refuse the places where a
//! build would put a user's own files at risk whatever they hold: the file-system root, the home
//! directory or a directory above it, a directory that holds the description, a repository, a
//! symbolic link and anything that is not a directory.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Why a build refuses an output directory. Nothing has been touched when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The output path is a symbolic link.
    Symlink(PathBuf),
    /// The output path exists and is not a directory.
    NotADirectory(PathBuf),
    /// The output path is the file-system root.
    FilesystemRoot(PathBuf),
    /// The output path is the home directory or holds it.
    Home(PathBuf),
    /// The output path is the description's directory or holds it.
    ContainsDescription {
        /// The output directory.
        out: PathBuf,
        /// The description's directory.
        description: PathBuf,
    },
    /// The output path holds a `.git`: it is a repository, not an output tree.
    Repository(PathBuf),
    /// The output directory holds files idpc did not write.
    ForeignFiles {
        /// The output directory.
        out: PathBuf,
        /// Some of those files, relative to it.
        examples: Vec<String>,
        /// How many there are.
        count: usize,
    },
    /// The output directory lies inside the description and holds description files.
    HoldsInputs {
        /// The output directory.
        out: PathBuf,
        /// One such file, relative to it.
        example: String,
    },
    /// The output directory holds something that is neither a file, a link nor a directory, which
    /// a build cannot carry over.
    SpecialFile(PathBuf),
    /// The record of what idpc wrote there cannot be read.
    BadManifest(PathBuf, String),
}

impl Refusal {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            Refusal::ForeignFiles { .. } => Some(
                "choose an empty or new directory, remove those files, or pass `--adopt` to \
                 build there anyway: idpc then replaces only the files it generates and never \
                 touches the others"
                    .to_owned(),
            ),
            Refusal::BadManifest(..) => {
                Some("pass `--adopt` to rebuild the record from what this build writes".to_owned())
            }
            Refusal::Symlink(_) => Some("name the directory the link points to".to_owned()),
            Refusal::HoldsInputs { .. } => {
                Some("write the output to a directory of its own, such as `generated`".to_owned())
            }
            _ => {
                Some("choose a directory of its own for the output, such as `generated`".to_owned())
            }
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Symlink(path) => {
                write!(f, "the output directory `{}` is a symbolic link", path.display())
            }
            Refusal::NotADirectory(path) => {
                write!(f, "the output path `{}` exists and is not a directory", path.display())
            }
            Refusal::FilesystemRoot(path) => {
                write!(f, "the output directory `{}` is the file-system root", path.display())
            }
            Refusal::Home(path) => write!(
                f,
                "the output directory `{}` is the home directory or holds it",
                path.display()
            ),
            Refusal::ContainsDescription { out, description } => write!(
                f,
                "the output directory `{}` holds the description `{}`",
                out.display(),
                description.display()
            ),
            Refusal::Repository(path) => {
                write!(
                    f,
                    "the output directory `{}` is a repository (it holds `.git`)",
                    path.display()
                )
            }
            Refusal::ForeignFiles { out, examples, count } => {
                write!(
                    f,
                    "the output directory `{}` holds {count} file{} idpc did not write: {}",
                    out.display(),
                    if *count == 1 { "" } else { "s" },
                    examples.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                )?;
                if *count > examples.len() {
                    write!(f, " and {} more", count - examples.len())?;
                }
                Ok(())
            }
            Refusal::HoldsInputs { out, example } => write!(
                f,
                "the output directory `{}` lies inside the description and holds its file `{example}`",
                out.display()
            ),
            Refusal::SpecialFile(path) => write!(
                f,
                "`{}` in the output directory is neither a file, a link nor a directory",
                path.display()
            ),
            Refusal::BadManifest(path, why) => {
                write!(f, "cannot read idpc's record `{}`: {why}", path.display())
            }
        }
    }
}

/// Refuses output directories that must never be written, whatever they hold. `description` is
/// the description's directory (or file).
pub fn check_output_dir(out: &Path, description: &Path) -> Result<(), Refusal> {
    if let Ok(metadata) = std::fs::symlink_metadata(out) {
        if metadata.file_type().is_symlink() {
            return Err(Refusal::Symlink(out.to_owned()));
        }
        if !metadata.is_dir() {
            return Err(Refusal::NotADirectory(out.to_owned()));
        }
    }
    let absolute = resolve(out);
    if absolute.parent().is_none() {
        return Err(Refusal::FilesystemRoot(out.to_owned()));
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        let home = resolve(Path::new(&home));
        if home.starts_with(&absolute) {
            return Err(Refusal::Home(out.to_owned()));
        }
    }
    let description_dir = description_dir(description);
    if description_dir.starts_with(&absolute) {
        return Err(Refusal::ContainsDescription {
            out: out.to_owned(),
            description: description.to_owned(),
        });
    }
    if out.join(".git").exists() {
        return Err(Refusal::Repository(out.to_owned()));
    }
    // A directory of the description that idpc never wrote into: its files are the
    // description's, which a build would leave out of what it reads and then fail on.
    if !out.join(super::MANIFEST).exists()
        && inside_description(out, description)
        && let Some(example) = first_input(out)
    {
        return Err(Refusal::HoldsInputs { out: out.to_owned(), example });
    }
    Ok(())
}

/// The first description file below `out` (in the order of the walk), relative to it.
fn first_input(out: &Path) -> Option<String> {
    walkdir::WalkDir::new(out)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| {
            let relative = entry.path().strip_prefix(out).ok()?.to_str()?.replace('\\', "/");
            super::is_input(&relative).then_some(relative)
        })
        .next()
}

/// Whether `out` lies inside the description's directory.
pub(crate) fn inside_description(out: &Path, description: &Path) -> bool {
    resolve(out).starts_with(description_dir(description))
}

/// The description's directory, resolved.
fn description_dir(description: &Path) -> PathBuf {
    let resolved = resolve(description);
    if resolved.is_file() {
        resolved.parent().map(Path::to_path_buf).unwrap_or(resolved)
    } else {
        resolved
    }
}

/// An absolute path with links resolved as far as the path exists, and `.`/`..` removed after.
pub(crate) fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // Walk the components, resolving links as long as the path exists, lexically after that.
    let mut result = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                result.pop();
            }
            other => {
                result.push(other);
                if let Ok(canonical) = result.canonicalize() {
                    result = canonical;
                }
            }
        }
    }
    result
}
