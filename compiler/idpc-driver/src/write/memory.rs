//! The build's memory (`.idpc-stamp.cache`): what a build leaves for the next one in the same
//! context so that, after an edit, it makes only what changed. For every unit (see
//! [`idpc_backends::Unit`]) its key and the files it made; and the presets' results per slice
//! of services. The stamp vouches for it by digest: a memory that is not the one the stamp names
//! is never read.
//!
//! One line of JSON for the policies' results, then a line per unit (`U`, name, key) followed by
//! a line per file (`P`, path): plain text, because it is read on every build after an edit.
//! Each unit's lines of files are kept as one block of text, as read, and written back as they
//! are for the units a build did not make: 123,000 paths at 10,000 services are never taken
//! apart one by one.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use idpc_backends::{Key, Unit};
use idpc_ir::Platform;

use super::manifest::is_relative_path;

/// What the last build made, by unit.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Memory {
    /// By the unit's name: its key, and the files it made.
    pub(crate) units: BTreeMap<String, (Key, Files)>,
    /// The presets' results per slice, as [`idpc_policy::Cache::to_json`] writes them.
    pub(crate) policies: serde_json::Value,
}

const HEADER: &str = "idpc build memory 1";

/// The files of a unit: its `P` lines, as they are written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Files(String);

impl Files {
    /// The files at these paths, which must be relative and hold no line break or tab.
    fn of(paths: &[String]) -> Option<Files> {
        let mut text = String::with_capacity(paths.iter().map(|p| p.len() + 3).sum());
        for path in paths {
            if path.contains(['\n', '\t']) {
                return None;
            }
            text.push_str("P\t");
            text.push_str(path);
            text.push('\n');
        }
        Some(Files(text))
    }

    /// The paths, in order.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.0.lines().map(|line| line.get(2..).unwrap_or_default())
    }

    /// How many files.
    pub(crate) fn len(&self) -> usize {
        self.0.bytes().filter(|b| *b == b'\n').count()
    }
}

impl Memory {
    /// The memory of a build: the units (`named` by [`named_keys`]) with the files `made`
    /// recorded, and for the units not made this time, the files `previous` remembers of them
    /// (moved out of it). `None` if a path cannot be written in it.
    pub(crate) fn of(
        named: &[(Unit, String, Key)],
        made: &Made<'_>,
        mut previous: Option<&mut Memory>,
        policies: &idpc_policy::Cache,
    ) -> Option<Memory> {
        let mut files: BTreeMap<Unit, Vec<String>> = BTreeMap::new();
        let recorded = std::mem::take(&mut *made.0.lock().unwrap_or_else(PoisonError::into_inner));
        for (unit, path) in recorded {
            files.entry(unit).or_default().push(path);
        }
        let mut units = BTreeMap::new();
        for (unit, name, key) in named {
            let paths = match files.remove(unit) {
                Some(mut paths) => {
                    paths.sort();
                    Files::of(&paths)?
                }
                None if made.1.is_some_and(|wanted| !wanted(*unit)) => {
                    // Not made this time: its files are the ones it made before.
                    previous
                        .as_mut()
                        .and_then(|p| p.units.get_mut(name))
                        .map(|u| std::mem::take(&mut u.1))
                        .unwrap_or_default()
                }
                None => Files::default(),
            };
            units.insert(name.clone(), (*key, paths));
        }
        Some(Memory { units, policies: policies.to_json() })
    }

    /// The memory as text; `None` if a unit's name cannot be written in it.
    pub(crate) fn render(&self) -> Option<Vec<u8>> {
        use std::fmt::Write as _;
        let size: usize =
            self.units.iter().map(|(name, (_, files))| name.len() + 40 + files.0.len()).sum();
        let mut text = String::with_capacity(size + 4096);
        text.push_str(HEADER);
        text.push('\n');
        text.push_str(&self.policies.to_string());
        text.push('\n');
        for (name, (key, files)) in &self.units {
            if name.contains(['\n', '\t']) {
                return None;
            }
            let _ = writeln!(text, "U\t{name}\t{key:032x}");
            text.push_str(&files.0);
        }
        Some(text.into_bytes())
    }

    /// Only the policies' results of a memory [`Memory::render`] wrote.
    pub(crate) fn policies(bytes: &[u8]) -> Option<serde_json::Value> {
        let mut lines = bytes.split(|byte| *byte == b'\n');
        if lines.next()? != HEADER.as_bytes() {
            return None;
        }
        serde_json::from_slice(lines.next()?).ok()
    }

    /// The memory [`Memory::render`] wrote; `None` if the text is not such a memory.
    pub(crate) fn parse(bytes: &[u8]) -> Option<Memory> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.split_inclusive('\n');
        let header = lines.next()?;
        if header != format!("{HEADER}\n") {
            return None;
        }
        let policies_line = lines.next()?;
        let policies = serde_json::from_str(policies_line).ok()?;
        let mut units: Vec<(String, (Key, Files))> = Vec::new();
        // The unit being read, and where its block of files starts.
        let mut block: Option<usize> = None;
        let mut at = header.len() + policies_line.len();
        let rest = &text[at..];
        let close = |units: &mut Vec<(String, (Key, Files))>, start: Option<usize>, end: usize| {
            if let (Some(start), Some(unit)) = (start, units.last_mut()) {
                unit.1.1 = Files(text[start..end].to_owned());
            }
        };
        for line in rest.split_inclusive('\n') {
            let body = line.strip_suffix('\n')?;
            if let Some(path) = body.strip_prefix("P\t") {
                if block.is_none() || !is_relative_path(path) {
                    return None;
                }
            } else {
                close(&mut units, block, at);
                let mut parts = body.strip_prefix("U\t")?.split('\t');
                let (name, key) = (parts.next()?, parts.next()?);
                let key = Key::from_str_radix(key, 16).ok()?;
                units.push((name.to_owned(), (key, Files::default())));
                block = Some(at + line.len());
            }
            at += line.len();
        }
        close(&mut units, block, at);
        Some(Memory { units: units.into_iter().collect(), policies })
    }
}

/// The memory of a full build of `platform` that made the files `made` records, as it is kept
/// beside the stamp (see [`super::WriteOptions::memory`]); `None` if it cannot be written.
pub fn memory_of(
    platform: &Platform,
    made: &Made<'_>,
    policies: &idpc_policy::Cache,
) -> Option<Vec<u8>> {
    Memory::of(&named_keys(platform), made, None, policies)?.render()
}

/// Every unit of `platform` with its name and key, the shared one last.
pub(crate) fn named_keys(platform: &Platform) -> Vec<(Unit, String, Key)> {
    let keys = idpc_backends::unit_keys(platform).into_iter().chain([(Unit::Shared, 0)]);
    keys.map(|(unit, key)| (unit, unit.name(platform), key)).collect()
}

/// The files a build made, by unit, recorded from any thread; and which units it was asked to
/// make (all, if `None`).
pub struct Made<'a>(Mutex<Vec<(Unit, String)>>, Option<&'a (dyn Fn(Unit) -> bool + Sync)>);

impl<'a> Made<'a> {
    /// A record of a build that makes the units `wants` selects (all, if `None`).
    pub fn new(wants: Option<&'a (dyn Fn(Unit) -> bool + Sync)>) -> Made<'a> {
        Made(Mutex::default(), wants)
    }

    /// Records that `unit` made the file at `path`.
    pub fn record(&self, unit: Unit, path: &str) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push((unit, path.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_reads_back_as_written_and_nothing_else_reads_as_one() {
        let mut units = BTreeMap::new();
        let files = Files::of(&["helm/dev/a.yaml".into(), "helm/prod/a.yaml".into()]).unwrap();
        units.insert("service:a".to_owned(), (7u128 << 100 | 5, files));
        units.insert("shared".to_owned(), (0, Files::default()));
        units.insert(
            "team:t".to_owned(),
            (1, Files::of(&["kubernetes/dev/t.yaml".into()]).unwrap()),
        );
        let memory = Memory { units, policies: serde_json::json!([["1", [], []]]) };
        let text = memory.render().unwrap();
        assert_eq!(Memory::parse(&text), Some(memory.clone()));
        let text = String::from_utf8(text).unwrap();
        for bad in [
            text.replace(HEADER, "idpc build memory 0"),
            text.replace("helm/dev/a.yaml", "../a.yaml"),
            text.replace("U\t", "X\t"),
            format!("{HEADER}\nnot json\n"),
        ] {
            assert_eq!(Memory::parse(bad.as_bytes()), None, "{bad}");
        }
        let mut odd = memory;
        odd.units.insert("service:a\nP\t../x".to_owned(), (0, Files::default()));
        assert_eq!(odd.render(), None);
        assert_eq!(Files::of(&["a\nP\t../x".to_owned()]), None);
    }
}
