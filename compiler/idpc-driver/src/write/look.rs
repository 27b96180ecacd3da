//! The look at the output tree: the digest of every entry under it (see [`Tree`]).
//!
//! At 10,000 services the tree holds 123,000 entries, and looking at each costs a `stat`:
//! about a quarter of the processor time of a build after an edit. A [`Look`] is therefore
//! taken in the background, by a thread of its own, while the build finds, reads and checks its
//! description; whoever needs the result first helps to finish it. The work is a queue of
//! directories to read and of slices of their entries to look at, so that two threads share
//! even a directory of 10,000 files, and only the directories being read are held open.
//!
//! A look at the tree a stamp describes goes by the tree's listing when there is one (see
//! [`super::listing`]): the settled directories below the root are not read, their listed
//! entries are looked at. If that does not find the stamp's digest, the look is taken again,
//! reading every directory. A look that read directories and found the tree the stamp
//! describes writes the listing anew, with what it read.

use std::ffi::{CStr, CString};
use std::hash::{Hash, Hasher};
use std::io;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use idpc_backends::Hasher128;
use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir, Stat, open, openat, statat};

use super::listing::{self, Listing};
use super::stamp::is_stamp;

/// The entries of a directory looked at by one piece of work.
const SLICE: usize = 256;

/// The tree as a build saw it: the digest of its entries (the sum of each entry's, so that it
/// does not depend on their order and can be updated entry by entry), and how many files it
/// holds (idpc's and any adopted ones; not the directories, not idpc's record of them). Nothing
/// is kept per entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tree {
    pub(crate) digest: u128,
    pub(crate) files: usize,
}

impl Tree {
    /// Every entry of the tree under `root`, but the stamp's.
    pub(crate) fn read(root: &Path) -> io::Result<Tree> {
        Look::start(root).wait()
    }

    /// The sum of the digests of the entries at `paths` as they are now (one that is not there
    /// adds nothing): what a change to those entries takes out of the tree's digest before it
    /// is made, and puts in after.
    pub(crate) fn sum_at(root: &Path, paths: &std::collections::BTreeSet<String>) -> u128 {
        let mut sum = 0u128;
        for path in paths {
            let (prefix, name) = match path.rfind('/') {
                Some(at) => path.split_at(at + 1),
                None => ("", path.as_str()),
            };
            let Ok(stat) = rustix::fs::lstat(root.join(path)) else { continue };
            sum = sum.wrapping_add(entry_digest(prefix, name.as_bytes(), &stat));
        }
        sum
    }
}

/// The digest of one entry of the tree: its path (`prefix` and `name`), size (0 for a
/// directory), modification and change times and inode, and whether it is a directory.
fn entry_digest(prefix: &str, name: &[u8], stat: &Stat) -> u128 {
    entry_digest_after(&prefixed(prefix), name, stat)
}

/// A hasher that has seen the path `prefix` of a directory: what [`entry_digest_after`] starts
/// from for each of its entries.
fn prefixed(prefix: &str) -> Hasher128 {
    let mut hasher = Hasher128::new();
    hasher.write(prefix.as_bytes());
    hasher.write_u8(0xfe);
    hasher
}

/// [`entry_digest`] of the entry `name` of the directory whose path `prefixed` has seen.
fn entry_digest_after(prefixed: &Hasher128, name: &[u8], stat: &Stat) -> u128 {
    let is_dir = is_dir(stat);
    let mut hasher = prefixed.clone();
    hasher.write(name);
    hasher.write_u8(0xff);
    let size = if is_dir { 0 } else { u64::try_from(stat.st_size).unwrap_or(0) };
    let nanos = |nanos| i64::try_from(nanos).unwrap_or(0);
    // The change time too: a write can put the modification time back (`touch -r`, a copy
    // that keeps times), but the kernel sets the change time to now on every write.
    let modified = (stat.st_mtime, nanos(stat.st_mtime_nsec));
    let changed = (stat.st_ctime, nanos(stat.st_ctime_nsec));
    (size, modified, changed, stat.st_ino, is_dir).hash(&mut hasher);
    hasher.finish128()
}

fn is_dir(stat: &Stat) -> bool {
    FileType::from_raw_mode(stat.st_mode) == FileType::Directory
}

/// The thread that takes a look in the background.
///
/// A thread started as the look begins was often put on the core of the thread that started
/// it, and waited there while the other core stayed idle, until the scheduler balanced the two
/// some milliseconds later (seen with `perf sched` on 2-core virtual machines): a third of the
/// no-op builds of a 1,000-service estate took 4 ms longer than the rest. The helper is
/// therefore started early ([`ready`]), is let run at once to move off the core of the thread
/// that started it, and sleeps until it is given a look.
pub(crate) mod helper {
    use std::sync::mpsc::{Sender, channel};
    use std::sync::{Mutex, OnceLock, PoisonError};

    type Job = Box<dyn FnOnce() + Send>;

    static READY: OnceLock<Mutex<Option<Sender<Job>>>> = OnceLock::new();

    /// Starts the helper thread, asleep until it is given a look: best called as soon as the
    /// process knows it will look at a tree.
    pub fn ready() {
        READY.get_or_init(|| {
            let (jobs, taken) = channel::<Job>();
            let starter = rustix::thread::gettid().as_raw_nonzero();
            let started =
                std::thread::Builder::new().name("idpc-look".to_owned()).spawn(move || {
                    move_beside(processor_of(starter));
                    for job in taken {
                        job();
                    }
                });
            // A thread started on this core waits for it: let it run now, to move.
            std::thread::yield_now();
            Mutex::new(started.ok().map(|_| jobs))
        });
    }

    /// The processor the thread `tid` of this process runs on (or last ran on), or `None` when
    /// it cannot be told. It is read from `/proc` (the 39th field of the thread's `stat`), by
    /// the helper, so that the thread that started it does not wait; not through the kernel's
    /// vDSO, which tools that run a program under their own loader (valgrind) do not map for it.
    pub(super) fn processor_of(tid: std::num::NonZeroI32) -> Option<usize> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
        // The second field, the thread's name, is in parentheses and may hold spaces: the
        // fields are counted from the third, after the last `)`.
        let after_name = stat.get(stat.rfind(')')? + 1..)?;
        after_name.split_whitespace().nth(36)?.parse().ok()
    }

    /// Keeps this thread off the core `beside`, where the thread that started it was, if the
    /// process may run on others.
    fn move_beside(beside: Option<usize>) {
        use rustix::thread::{sched_getaffinity, sched_setaffinity};
        let Some(beside) = beside else { return };
        let Ok(mut allowed) = sched_getaffinity(None) else { return };
        if allowed.count() > 1 && allowed.is_set(beside) {
            allowed.unset(beside);
            let _ = sched_setaffinity(None, &allowed);
        }
    }

    /// Runs `job` on the helper thread, or on a thread started for it if there is none.
    /// Without either, the look is taken by whoever waits for it.
    pub(super) fn run(job: Job) {
        let ready = READY.get().map(|ready| ready.lock().unwrap_or_else(PoisonError::into_inner));
        let job = match ready.as_ref().and_then(|jobs| jobs.as_ref()) {
            Some(jobs) => match jobs.send(job) {
                Ok(()) => return,
                Err(returned) => returned.0,
            },
            None => job,
        };
        let _ = std::thread::Builder::new().name("idpc-look".to_owned()).spawn(job);
    }
}

/// A look at the tree, going on in the background until [`Look::wait`] or [`Look::cancel`].
#[derive(Debug, Clone)]
pub(crate) struct Look {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    root: PathBuf,
    /// The digest of the tree the stamp describes, if the look is to be compared with it.
    expected: Option<u128>,
    /// The listing the look goes by, if it has one, and the time before which a directory must
    /// have been last modified for the look to go by it rather than read the directory.
    listing: Option<(Listing, std::time::SystemTime)>,
    /// Whether the look collects the names of the entries of the directories it reads, to
    /// write the listing anew when the tree is the expected one.
    collect: bool,
    state: Mutex<State>,
    changed: Condvar,
    cancelled: AtomicBool,
    /// The tree, or why it could not be looked at, once the work is done.
    result: OnceLock<Result<Tree, (io::ErrorKind, String)>>,
    started: Instant,
    /// How long the look took, from its start to the end of the last piece of work (of the
    /// second look, if the listing did not find the tree).
    took: Mutex<Option<Duration>>,
}

/// The work left, and what the work done found.
#[derive(Debug, Default)]
struct State {
    queue: Vec<Work>,
    /// Pieces of work taken from the queue and not yet done.
    busy: usize,
    digest: u128,
    files: usize,
    error: Option<io::Error>,
    /// The directories read, with their entries' names, if the look collects them.
    listed: Vec<(Arc<str>, Vec<u8>)>,
}

/// One piece of work: a directory to read, or some of its entries to look at.
#[derive(Debug)]
enum Work {
    /// The directory `name` under `parent`, whose path in the tree is `prefix`, last modified
    /// at `modified`.
    Read { parent: Arc<OwnedFd>, name: CString, prefix: String, modified: std::time::SystemTime },
    /// The entries `names` of `dir` (each name ended by a nul byte), whose path in the tree is
    /// `prefix`.
    Look { dir: Arc<OwnedFd>, prefix: Arc<str>, names: Vec<u8> },
}

/// What one piece of work found.
#[derive(Default)]
struct Found {
    digest: u128,
    files: usize,
    more: Vec<Work>,
    listed: Vec<(Arc<str>, Vec<u8>)>,
}

impl Look {
    /// Starts looking at the tree under `root`, in the background, reading every directory.
    pub(crate) fn start(root: &Path) -> Look {
        Look::begin(root, None, None, false)
    }

    /// Starts looking at the tree under `root`, which the stamp describes by the digest
    /// `expected`: by its listing if it has one, else reading every directory; the listing is
    /// written anew if the look read directories and the tree is that one.
    pub(crate) fn against(root: &Path, expected: u128) -> Look {
        Look::begin(root, Some(expected), Listing::read(root), true)
    }

    fn begin(
        root: &Path,
        expected: Option<u128>,
        listing: Option<(Listing, std::time::SystemTime)>,
        collect: bool,
    ) -> Look {
        let state = Mutex::new(State::default());
        let shared = Shared {
            root: root.to_owned(),
            expected,
            listing,
            collect,
            state,
            changed: Condvar::new(),
            cancelled: AtomicBool::new(false),
            result: OnceLock::new(),
            started: Instant::now(),
            took: Mutex::new(None),
        };
        let look = Look { shared: Arc::new(shared) };
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let mut found = Found::default();
        let read = open(root, flags, Mode::empty())
            .map_err(io::Error::from)
            .and_then(|dir| read_dir(Arc::new(dir), Arc::from(""), false, &mut found));
        let mut state = look.shared.lock();
        state.queue = found.more;
        state.digest = found.digest;
        state.files = found.files;
        state.error = read.err();
        drop(state);
        let shared = Arc::clone(&look.shared);
        helper::run(Box::new(move || shared.work()));
        look
    }

    /// The tree, once looked at: this thread helps with what is left, then waits for the rest.
    pub(crate) fn wait(&self) -> io::Result<Tree> {
        self.shared.work();
        let result = self.shared.result.get_or_init(|| {
            let shared = &self.shared;
            let cancelled = || {
                shared
                    .cancelled
                    .load(Ordering::Relaxed)
                    .then(|| (io::ErrorKind::Interrupted, "the look was cancelled".to_owned()))
            };
            let mut state = shared.lock();
            if let Some(cancelled) = cancelled() {
                return Err(cancelled);
            }
            let found = match state.error.take() {
                Some(error) => Err((error.kind(), error.to_string())),
                None => Ok(Tree { digest: state.digest, files: state.files }),
            };
            let listed = std::mem::take(&mut state.listed);
            drop(state);
            let expected = |found: &Result<Tree, _>| {
                shared
                    .expected
                    .is_none_or(|expected| matches!(found, Ok(t) if t.digest == expected))
            };
            if shared.listing.is_some() && !expected(&found) {
                // The listing does not describe the tree: look again, reading every directory.
                let again = Look::begin(&shared.root, shared.expected, None, true);
                let found = again.wait().map_err(|error| (error.kind(), error.to_string()));
                *shared.took.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(shared.started.elapsed());
                return cancelled().map_or(found, Err);
            }
            if shared.collect && found.is_ok() && expected(&found) && !listed.is_empty() {
                let mut listing =
                    shared.listing.as_ref().map(|(l, _)| l.clone()).unwrap_or_default();
                listing.put(listed);
                listing.write(&shared.root);
            }
            found
        });
        result.clone().map_err(|(kind, message)| io::Error::new(kind, message))
    }

    /// How long the look took, once it has been waited for and found the tree.
    pub(crate) fn took(&self) -> Option<Duration> {
        let found = matches!(self.shared.result.get(), Some(Ok(_)));
        let took = *self.shared.took.lock().unwrap_or_else(PoisonError::into_inner);
        found.then_some(took).flatten()
    }

    /// Stops the look: its result will not be needed.
    pub(crate) fn cancel(&self) {
        self.shared.cancelled.store(true, Ordering::Relaxed);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes work from the queue until there is none left and none being done.
    fn work(&self) {
        let mut state = self.lock();
        loop {
            if self.cancelled.load(Ordering::Relaxed) || state.error.is_some() {
                state.queue.clear();
            }
            let Some(work) = state.queue.pop() else {
                if state.busy == 0 {
                    let mut took = self.took.lock().unwrap_or_else(PoisonError::into_inner);
                    took.get_or_insert_with(|| self.started.elapsed());
                    drop(took);
                    self.changed.notify_all();
                    return;
                }
                state = self.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
                continue;
            };
            state.busy += 1;
            drop(state);
            let mut found = Found::default();
            let done = work.run(self, &mut found);
            state = self.lock();
            state.busy -= 1;
            state.digest = state.digest.wrapping_add(found.digest);
            state.files += found.files;
            state.listed.append(&mut found.listed);
            let more = !found.more.is_empty();
            state.queue.append(&mut found.more);
            if let Err(error) = done {
                state.error.get_or_insert(error);
            }
            if more || state.busy == 0 {
                self.changed.notify_all();
            }
        }
    }
}

impl Work {
    fn run(self, shared: &Shared, found: &mut Found) -> io::Result<()> {
        match self {
            Work::Read { parent, name, prefix, modified } => {
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                let dir = Arc::new(openat(&*parent, name.as_c_str(), flags, Mode::empty())?);
                drop(parent);
                let listed = shared
                    .listing
                    .as_ref()
                    .filter(|(_, settled)| modified < *settled)
                    .and_then(|(listing, _)| listing.dirs.get(&prefix));
                match listed {
                    Some(names) => look_at_sliced(dir, Arc::from(prefix), names, found),
                    None => read_dir(dir, Arc::from(prefix), shared.collect, found),
                }
            }
            Work::Look { dir, prefix, names } => {
                // The directory opened again, for this slice alone: two threads asking about
                // entries through one open directory share its count of references, which the
                // kernel changes on every `stat`, and the cache line went back and forth
                // between the processors.
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                let own = Arc::new(openat(&*dir, c".", flags, Mode::empty())?);
                drop(dir);
                look_at(&own, &prefix, &names, found)
            }
        }
    }
}

/// Looks at the entries `names` of `dir` (each ended by a nul byte), whose path in the tree is
/// `prefix`, in slices of [`SLICE`]: all but the last go to the queue, the last is looked at
/// here, so that two threads share even a directory of 10,000 files.
fn look_at_sliced(
    dir: Arc<OwnedFd>,
    prefix: Arc<str>,
    names: &[u8],
    found: &mut Found,
) -> io::Result<()> {
    let mut start = 0;
    for (count, end) in memchr::memchr_iter(0, names).enumerate() {
        if (count + 1) % SLICE == 0 {
            let (dir, prefix) = (Arc::clone(&dir), Arc::clone(&prefix));
            found.more.push(Work::Look { dir, prefix, names: names[start..=end].to_vec() });
            start = end + 1;
        }
    }
    look_at(&dir, &prefix, &names[start..], found)
}

/// Reads the directory `dir`, whose path in the tree is `prefix`, and looks at its entries but
/// the stamp's (see [`look_at_sliced`]). If `collect`, the names of a directory below the root
/// are kept for the listing.
fn read_dir(
    dir: Arc<OwnedFd>,
    prefix: Arc<str>,
    collect: bool,
    found: &mut Found,
) -> io::Result<()> {
    // Large enough for a directory of a few hundred entries in one call: each call on tmpfs
    // starts by finding its place again.
    let mut buffer = vec![MaybeUninit::<u8>::uninit(); 64 * 1024];
    let mut entries = RawDir::new(&*dir, &mut buffer);
    let mut names = Vec::new();
    while let Some(entry) = entries.next() {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        let stamps = prefix.is_empty() && is_stamp(&String::from_utf8_lossy(name));
        if name == b"." || name == b".." || stamps {
            continue;
        }
        names.extend_from_slice(entry.file_name().to_bytes_with_nul());
    }
    look_at_sliced(Arc::clone(&dir), Arc::clone(&prefix), &names, found)?;
    if collect && !prefix.is_empty() {
        found.listed.push((prefix, names));
    }
    Ok(())
}

/// Looks at the entries `names` of `dir` (each ended by a nul byte), whose path in the tree is
/// `prefix`.
fn look_at(dir: &Arc<OwnedFd>, prefix: &str, names: &[u8], found: &mut Found) -> io::Result<()> {
    let names = names
        .split_inclusive(|byte| *byte == 0)
        .filter_map(|name| CStr::from_bytes_with_nul(name).ok());
    let prefixed = prefixed(prefix);
    for name in names {
        let stat = statat(&**dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
        found.digest =
            found.digest.wrapping_add(entry_digest_after(&prefixed, name.to_bytes(), &stat));
        if is_dir(&stat) {
            let prefix = format!("{prefix}{}/", name.to_string_lossy());
            let (name, modified) = (name.to_owned(), listing::modified(&stat));
            found.more.push(Work::Read { parent: Arc::clone(dir), name, prefix, modified });
        } else {
            let manifest = prefix.is_empty() && name.to_bytes() == super::MANIFEST.as_bytes();
            found.files += usize::from(!manifest);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_look_sees_every_entry_of_a_tree_shared_out_in_slices() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (sub, files) in [("helm", SLICE * 2 + 3), ("grafana/a", 2), ("grafana/b", 0)] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
            for at in 0..files {
                std::fs::write(root.join(sub).join(format!("{at}.yaml")), "a: 1\n").unwrap();
            }
        }
        std::fs::write(root.join(super::super::MANIFEST), "[]").unwrap();
        std::fs::write(root.join(super::super::STAMP), "{}").unwrap();
        let look = Look::start(root);
        assert_eq!(look.took(), None, "not waited for yet");
        let tree = look.wait().unwrap();
        assert!(look.took().is_some());
        assert_eq!(tree.files, SLICE * 2 + 5, "the manifest and the stamp are not counted");

        // The digest is the sum of every entry's but the stamp's, however the work was shared.
        let mut paths = std::collections::BTreeSet::new();
        for entry in walkdir::WalkDir::new(root).min_depth(1) {
            let path = entry.unwrap().path().strip_prefix(root).unwrap().to_owned();
            paths.insert(path.to_string_lossy().into_owned());
        }
        paths.remove(super::super::STAMP);
        assert_eq!(tree.digest, Tree::sum_at(root, &paths));

        // An entry touched is a change; a cancelled look gives no tree.
        std::fs::write(root.join("grafana/a/0.yaml"), "a: 22\n").unwrap();
        assert_ne!(Tree::read(root).unwrap().digest, tree.digest);
        let look = Look::start(root);
        look.cancel();
        assert!(look.wait().is_err());
        assert_eq!(look.took(), None, "a cancelled look found no tree");
        assert!(Look::start(&root.join("nowhere")).wait().is_err());
    }

    #[test]
    fn looks_are_taken_by_the_helper_thread_once_it_is_ready() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "a: 1\n").unwrap();
        helper::ready();
        helper::ready();
        let (done, ran) = std::sync::mpsc::channel();
        for _ in 0..3 {
            let done = done.clone();
            helper::run(Box::new(move || {
                let name = std::thread::current().name().map(str::to_owned);
                done.send(name).unwrap();
            }));
        }
        for _ in 0..3 {
            let name = ran.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
            assert_eq!(name.as_deref(), Some("idpc-look"));
        }
        // A look on the helper sees the tree as a look on a thread of its own does.
        let tree = Tree::read(dir.path()).unwrap();
        assert_eq!(tree.files, 1);
        let paths = std::collections::BTreeSet::from(["a.yaml".to_owned()]);
        assert_eq!(tree.digest, Tree::sum_at(dir.path(), &paths));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_processor_found_is_one_the_thread_may_run_on() {
        let cpu = helper::processor_of(rustix::thread::gettid().as_raw_nonzero()).unwrap();
        let allowed = rustix::thread::sched_getaffinity(None).unwrap();
        assert!(allowed.is_set(cpu), "processor {cpu} of {}", allowed.count());
    }
}
