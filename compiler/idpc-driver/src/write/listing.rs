//! The listing of the output tree (`.idpc-stamp.tree`, beside the stamp): the names of the
//! entries of every directory below the root, as the last full look at the tree read them.
//!
//! Reading a directory costs the kernel as much per entry as half a `stat`. A look that has the
//! listing of the tree the stamp describes stats the listed entries without reading their
//! directories ([`super::look`]): an entry added to or removed from a directory changes that
//! directory's modification time, which is part of the tree's digest. That holds only for a
//! directory last modified well before the listing was written (more than the coarsest tick of
//! a file system's clock, [`SETTLED`]): a directory modified later than that, or one the
//! listing does not name, is read. The root is always read, since the stamp beside it changes
//! its times.
//!
//! The listing is only a hint: the digest the look finds decides, and a look that does not find
//! the stamp's digest by the listing looks again, reading every directory. A listing that is
//! damaged, stale or missing therefore costs time, never a wrong answer.
//!
//! The format: a header line, then for each directory its path in the tree (ending in `/`) and
//! each of its entries' names, every one ended by a nul byte, and an empty name after the last.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The file name of the listing.
pub(crate) const LISTING: &str = ".idpc-stamp.tree";

const HEADER: &[u8] = b"idpc tree listing 1\n";

/// How much older than the listing a directory must be for the listing to stand for its entries.
pub(crate) const SETTLED: Duration = crate::Glance::SETTLED;

/// The names of the entries of each directory below the root, by the directory's path in the
/// tree; each name is ended by a nul byte.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Listing {
    pub(crate) dirs: BTreeMap<String, Vec<u8>>,
}

impl Listing {
    /// The listing beside the stamp under `root`, if there is one that reads as a listing, and
    /// the time before which a directory must have been last modified for the listing to stand
    /// for its entries (the listing's own modification time, less [`SETTLED`]).
    pub(crate) fn read(root: &Path) -> Option<(Listing, SystemTime)> {
        let mut file = std::fs::File::open(root.join(LISTING)).ok()?;
        let written = file.metadata().ok()?.modified().ok()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        Some((Listing::parse(&bytes)?, written.checked_sub(SETTLED)?))
    }

    fn parse(bytes: &[u8]) -> Option<Listing> {
        let mut rest = bytes.strip_prefix(HEADER)?;
        let mut dirs = BTreeMap::new();
        while !rest.is_empty() {
            let end = memchr::memchr(0, rest)?;
            let prefix = std::str::from_utf8(&rest[..end]).ok()?;
            if !prefix.ends_with('/') {
                return None;
            }
            rest = &rest[end + 1..];
            let mut names = 0;
            loop {
                let length = memchr::memchr(0, &rest[names..])?;
                if length == 0 {
                    break;
                }
                names += length + 1;
            }
            dirs.insert(prefix.to_owned(), rest[..names].to_vec());
            rest = &rest[names + 1..];
        }
        Some(Listing { dirs })
    }

    fn render(&self) -> Vec<u8> {
        let size: usize =
            self.dirs.iter().map(|(prefix, names)| prefix.len() + names.len() + 2).sum();
        let mut bytes = Vec::with_capacity(HEADER.len() + size);
        bytes.extend_from_slice(HEADER);
        for (prefix, names) in &self.dirs {
            bytes.extend_from_slice(prefix.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(names);
            bytes.push(0);
        }
        bytes
    }

    /// Puts in what a look read: each directory's path in the tree and its entries' names
    /// (each ended by a nul byte).
    pub(crate) fn put(&mut self, read: Vec<(Arc<str>, Vec<u8>)>) {
        self.dirs.extend(read.into_iter().map(|(prefix, names)| (prefix.to_string(), names)));
    }

    /// Writes the listing beside the stamp under `root`, atomically; a listing that cannot be
    /// written only makes the next look read every directory.
    pub(crate) fn write(&self, root: &Path) {
        let temporary = root.join(format!("{LISTING}.{}.tmp", std::process::id()));
        let written = std::fs::write(&temporary, self.render())
            .and_then(|()| std::fs::rename(&temporary, root.join(LISTING)));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }

    /// Removes the listing under `root`: the directories' entries are about to change.
    pub(crate) fn remove(root: &Path) {
        let _ = std::fs::remove_file(root.join(LISTING));
    }
}

/// The time a directory was last modified, from its `stat`.
pub(crate) fn modified(stat: &rustix::fs::Stat) -> SystemTime {
    let seconds = u64::try_from(stat.st_mtime).unwrap_or(0);
    let nanoseconds = u32::try_from(stat.st_mtime_nsec).unwrap_or(0);
    UNIX_EPOCH + Duration::new(seconds, nanoseconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_reads_back_as_written_and_anything_else_is_refused() {
        let mut listing = Listing::default();
        listing.dirs.insert("helm/".to_owned(), b"a.yaml\0b c.yaml\0".to_vec());
        listing.dirs.insert("helm/dev/".to_owned(), Vec::new());
        listing.dirs.insert("grafana/\u{e9}/".to_owned(), b"\xff\0".to_vec());
        let bytes = listing.render();
        assert_eq!(Listing::parse(&bytes), Some(listing.clone()));
        assert_eq!(Listing::parse(HEADER), Some(Listing::default()));
        // Cut anywhere but after a whole directory, it is not a listing; cut after one, it is
        // the listing of the directories before the cut.
        let whole: Vec<usize> = (HEADER.len() + 1..bytes.len())
            .filter(|at| Listing::parse(&bytes[..*at]).is_some())
            .collect();
        assert_eq!(whole.len(), listing.dirs.len() - 1, "{whole:?}");
        for at in whole {
            assert_eq!(Listing::parse(&bytes[..at]).unwrap().render(), &bytes[..at]);
        }
        assert_eq!(Listing::parse(b"idpc tree listing 2\n"), None);
        assert_eq!(Listing::parse(b"idpc tree listing 1\nhelm\0a\0\0"), None, "not a directory");
    }

    /// Sets the modification time of the directory `dir` under `root`.
    fn set_modified(root: &Path, dir: &str, when: SystemTime) {
        std::fs::File::open(root.join(dir)).unwrap().set_modified(when).unwrap();
    }

    fn inode(path: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
    }

    /// A look against the digest `expected`, checked against a look that reads every directory.
    fn look_against(root: &Path, expected: u128) -> u128 {
        let found = super::super::look::Look::against(root, expected).wait().unwrap();
        assert_eq!(found, super::super::look::Tree::read(root).unwrap());
        found.digest
    }

    #[test]
    fn a_look_by_the_listing_finds_what_a_look_reading_every_directory_finds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (sub, files) in [("helm/dev", 300), ("helm/prod", 2), ("grafana/a", 1), ("opa", 0)] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
            for at in 0..files {
                std::fs::write(root.join(sub).join(format!("{at}.yaml")), "a: 1\n").unwrap();
            }
        }
        std::fs::write(root.join(super::super::MANIFEST), "[]").unwrap();
        let dirs = ["helm", "helm/dev", "helm/prod", "grafana", "grafana/a", "opa"];
        // A time long before the listing on any clock: the machine's may be set ahead.
        let long_ago = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let settle = || dirs.iter().for_each(|dir| set_modified(root, dir, long_ago));
        settle();
        let recorded = super::super::look::Tree::read(root).unwrap().digest;

        // Without a listing, the look reads every directory and writes one.
        assert_eq!(look_against(root, recorded), recorded);
        let (listing, _) = Listing::read(root).expect("a listing was written");
        assert_eq!(listing.dirs.len(), dirs.len());
        let mut names: Vec<&[u8]> = listing.dirs["helm/prod/"].split(|b| *b == 0).collect();
        names.sort_unstable();
        assert_eq!(names, [&b""[..], b"0.yaml", b"1.yaml"], "in the order they were read");

        // With it, the look reads no directory below the root, so it writes nothing.
        let written = inode(&root.join(LISTING));
        assert_eq!(look_against(root, recorded), recorded);
        assert_eq!(inode(&root.join(LISTING)), written, "no directory was read");

        // Every change is seen, whatever the listing says.
        let put_back = || {
            std::fs::write(root.join("helm/prod/put-back.yaml"), "e").unwrap();
            set_modified(root, "helm/prod", long_ago);
        };
        let changes: [(&str, &dyn Fn()); 6] = [
            ("a file added", &|| std::fs::write(root.join("helm/dev/new.yaml"), "b").unwrap()),
            ("a file added, its directory's modification time put back", &put_back),
            ("a file edited", &|| std::fs::write(root.join("helm/prod/0.yaml"), "a: 22").unwrap()),
            ("a file removed", &|| std::fs::remove_file(root.join("grafana/a/0.yaml")).unwrap()),
            ("a directory added", &|| std::fs::create_dir(root.join("opa/x")).unwrap()),
            ("a file added at the root", &|| std::fs::write(root.join("x.yaml"), "c").unwrap()),
        ];
        let mut recorded = recorded;
        for (change, make) in changes {
            make();
            let now = super::super::look::Tree::read(root).unwrap().digest;
            assert_ne!(now, recorded, "{change}");
            assert_eq!(look_against(root, recorded), now, "{change}");
            settle();
            recorded = super::super::look::Tree::read(root).unwrap().digest;
            assert_eq!(look_against(root, recorded), recorded, "{change}");
        }

        // A directory modified less than `SETTLED` before the listing, or after it, is read:
        // an entry added to it in the same tick of the clock as the change before leaves its
        // time as it was, and only reading it finds the entry.
        let (_, settled) = Listing::read(root).unwrap();
        let recent = settled + SETTLED;
        set_modified(root, "helm/prod", recent);
        let recorded = super::super::look::Tree::read(root).unwrap().digest;
        std::fs::write(root.join("helm/prod/foreign.yaml"), "d").unwrap();
        set_modified(root, "helm/prod", recent);
        assert_ne!(look_against(root, recorded), recorded);

        // A listing that names entries that are not there, or misses some, only costs time.
        let mut wrong = Listing::read(root).unwrap().0;
        wrong.dirs.insert("helm/dev/".to_owned(), b"0.yaml\0gone.yaml\0".to_vec());
        wrong.dirs.insert("grafana/".to_owned(), Vec::new());
        wrong.write(root);
        let now = super::super::look::Tree::read(root).unwrap().digest;
        assert_eq!(look_against(root, now), now);
        std::fs::write(root.join(LISTING), b"idpc tree listing 1\nhelm/\0").unwrap();
        assert_eq!(look_against(root, now), now);
    }
}
