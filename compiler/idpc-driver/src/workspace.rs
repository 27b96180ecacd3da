//! Finding and reading the files of a platform.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use rustix::fd::OwnedFd;
use sha2::{Digest, Sha256};
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
    find(path, exclude)?.read()
}

/// The files of a platform, found (as [`load`] finds them) but not yet read.
#[derive(Debug, Clone)]
pub struct Found {
    root: PathBuf,
    /// Each file's path, and its path relative to the root (`/`-separated), in the order of
    /// the latter.
    paths: Vec<(PathBuf, String)>,
}

/// Finds the files [`load`] reads.
pub fn find(path: &Path, exclude: Option<&Path>) -> Result<Found, LoadError> {
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
    let mut paths: Vec<(PathBuf, String)> = paths
        .into_iter()
        .map(|file| {
            let display = display_path(&root, &file);
            (file, display)
        })
        .collect();
    paths.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(Found { root, paths })
}

/// The directories of found files, opened, and each file's directory and name (see
/// [`Found::directories`]).
type Directories<'a> = (Vec<Option<OwnedFd>>, Vec<(usize, &'a OsStr)>);

impl Found {
    /// Reads the files.
    pub fn read(self) -> Result<Loaded, LoadError> {
        // Each directory is opened once and its files relative to it: at 10,000 files, a path
        // looked up from the root and a `stat` for the size (what `std::fs::read` does) were a
        // fifth of the reading's time in the kernel.
        let (dirs, names) = self.directories().unwrap_or_default();
        let files = self
            .paths
            .par_iter()
            .enumerate()
            .map(|(i, (file, display))| {
                let at = names.get(i).and_then(|(dir, name)| Some((dirs[*dir].as_ref()?, *name)));
                let bytes = read_at(at, file).map_err(|e| LoadError::Io(file.clone(), e))?;
                let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
                    Ok(text) => (text, None),
                    Err(error) => {
                        let at = error.utf8_error().valid_up_to();
                        (String::from_utf8_lossy(error.as_bytes()).into_owned(), Some(at))
                    }
                };
                Ok(SourceText { path: display.clone(), text, invalid_utf8_at })
            })
            .collect::<Result<Vec<_>, LoadError>>()?;
        Ok(Loaded { root: self.root, files })
    }

    /// Each file's directory, opened once (`None` where it cannot be), and for each file its
    /// directory's position and its name, in the order of the files; `None` if a path has no
    /// directory or name.
    fn directories(&self) -> Option<Directories<'_>> {
        use rustix::fs::{Mode, OFlags, open};
        let mut dirs: Vec<(&Path, Option<OwnedFd>)> = Vec::new();
        let mut files = Vec::with_capacity(self.paths.len());
        for (file, _) in &self.paths {
            let (parent, name) = (file.parent()?, file.file_name()?);
            if dirs.last().is_none_or(|(dir, _)| *dir != parent) {
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
                let at = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
                dirs.push((parent, open(at, flags, Mode::empty()).ok()));
            }
            files.push((dirs.len() - 1, name));
        }
        Some((dirs.into_iter().map(|(_, dir)| dir).collect(), files))
    }

    /// What the file system says of the files, without reading them (see [`Glance`]). Each
    /// directory is opened once and its files are looked at relative to it, on this thread: the
    /// other core is looking at the output tree meanwhile (see [`crate::find_and_look`]).
    pub fn glance(&self) -> Glance {
        use rustix::fs::{AtFlags, statat};
        let taken = std::time::Instant::now();
        let unseen = Glance { digest: None, newest: UNIX_EPOCH, taken };
        let Some((dirs, files)) = self.directories() else { return unseen };
        // Size, modified and changed times (seconds, nanoseconds), inode, device.
        let seen: Option<Vec<[u64; 7]>> = files
            .iter()
            .map(|(dir, name)| {
                let stat = statat(dirs[*dir].as_ref()?, *name, AtFlags::empty()).ok()?;
                let n = |v: i64| u64::try_from(v).ok();
                Some([
                    n(stat.st_size)?,
                    n(stat.st_mtime)?,
                    n(i64::try_from(stat.st_mtime_nsec).ok()?)?,
                    n(stat.st_ctime)?,
                    n(i64::try_from(stat.st_ctime_nsec).ok()?)?,
                    stat.st_ino,
                    stat.st_dev,
                ])
            })
            .collect();
        let Some(seen) = seen else { return unseen };
        let mut hasher = Sha256::new();
        let mut newest = (0, 0);
        for ((_, display), numbers) in self.paths.iter().zip(seen) {
            newest = newest.max((numbers[1], numbers[2])).max((numbers[3], numbers[4]));
            hasher.update((display.len() as u64).to_le_bytes());
            hasher.update(display.as_bytes());
            for number in numbers {
                hasher.update(number.to_le_bytes());
            }
        }
        let digest = hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect();
        let newest = UNIX_EPOCH + Duration::new(newest.0, u32::try_from(newest.1).unwrap_or(0));
        Glance { digest: Some(digest), newest, taken }
    }
}

/// What the file system says of a description's files (path, size, times, inode) without
/// reading them: a build records it in its stamp so that the next one, over the same files,
/// knows they are unchanged without reading them.
///
/// It stands for the files' contents only if no file could change again without changing it.
/// Times are kept in ticks of the file system's clock, and a file written twice in one tick
/// keeps its size and times. So a build records the glance only when every file is older
/// than the glance by more than [`Glance::SETTLED`] (see `stamp::record`); otherwise the next
/// build reads the files as before.
#[derive(Debug, Clone)]
pub struct Glance {
    /// The digest of every file's path, size, times and inode; `None` if one could not be
    /// looked at.
    pub(crate) digest: Option<String>,
    /// The latest time a file was modified or changed.
    pub(crate) newest: SystemTime,
    /// When the glance was taken (a monotonic clock: only the time since is used).
    pub(crate) taken: std::time::Instant,
}

impl Glance {
    /// How much older than the glance every file must be for it to be recorded: more than the
    /// coarsest tick of a common file system's clock (two seconds).
    pub(crate) const SETTLED: Duration = Duration::from_secs(2);
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

/// The bytes of `file`, opened by its name in its directory when that could be opened (`at`),
/// else by its path; read to the end without asking its size.
fn read_at(at: Option<(&OwnedFd, &OsStr)>, file: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let opened = match at {
        Some((dir, name)) => {
            let flags = rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC;
            std::fs::File::from(rustix::fs::openat(dir, name, flags, rustix::fs::Mode::empty())?)
        }
        None => std::fs::File::open(file)?,
    };
    // Read into this thread's buffer, as large as the largest file it read (and at least
    // 64 KiB), and copied out at the file's size.
    thread_local!(static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) });
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        buffer.reserve(64 * 1024);
        // Through `Take`, the file is read only by `read` into the buffer's spare room as it
        // is: reading a `File` to the end asks its size and position first (two system calls
        // a file), and a reader that only implements `read` has the room zeroed before each
        // read (64 KiB a file).
        opened.take(u64::MAX).read_to_end(buffer)?;
        Ok(buffer.clone())
    })
}

/// The path of `file` relative to `root`, with `/` separators.
fn display_path(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file);
    // A path found by the walk is its root and names joined by the separator: where that is
    // `/`, it is already the display path.
    if std::path::MAIN_SEPARATOR == '/'
        && let Some(text) = relative.to_str().filter(|t| !t.is_empty())
    {
        return text.to_owned();
    }
    let parts: Vec<String> =
        relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.is_empty() { file.to_string_lossy().into_owned() } else { parts.join("/") }
}
