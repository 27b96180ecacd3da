//! The record, kept in the output tree, of which files idpc wrote there.
//!
//! `.idpc-manifest.json` lists every file a build wrote (sorted, `/`-separated) and the files a
//! user let stay beside them with `--adopt`. A build replaces and removes only the files listed as
//! its own; everything else in the directory is a user's. A directory holding this file is
//! idpc's output and is never read as a description.

use std::path::Path;

use serde_json::{Value, json};

/// The file name of the record.
pub const MANIFEST: &str = ".idpc-manifest.json";

/// The version of the record's format.
const FORMAT: u64 = 1;

/// What a previous build recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Manifest {
    /// Files idpc wrote, sorted.
    pub(crate) files: Vec<String>,
    /// Files that are not idpc's but were let stay with `--adopt`, sorted.
    pub(crate) kept: Vec<String>,
}

impl Manifest {
    /// Reads the record in `dir`: `Ok(None)` when there is none.
    pub(crate) fn read(dir: &Path) -> Result<Option<Manifest>, String> {
        let path = dir.join(MANIFEST);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error.to_string()),
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        if value.get("generator").and_then(Value::as_str) != Some("idpc") {
            return Err("it was not written by idpc".to_owned());
        }
        match value.get("format").and_then(Value::as_u64) {
            Some(FORMAT) => {}
            Some(other) => return Err(format!("format {other} is not known to this idpc")),
            None => return Err("it names no format".to_owned()),
        }
        let list = |key: &str| -> Result<Vec<String>, String> {
            let Some(items) = value.get(key) else { return Ok(Vec::new()) };
            let items = items.as_array().ok_or_else(|| format!("`{key}` is not a list"))?;
            let mut paths = items
                .iter()
                .map(|item| {
                    item.as_str().filter(|p| is_relative_path(p)).map(str::to_owned).ok_or_else(
                        || format!("`{key}` holds something that is not a relative path"),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            paths.sort();
            paths.dedup();
            Ok(paths)
        };
        Ok(Some(Manifest { files: list("files")?, kept: list("kept")? }))
    }

    /// The record as written: stable, one path per line.
    pub(crate) fn render(&self) -> String {
        let mut value = json!({
            "generator": "idpc",
            "format": FORMAT,
            "note": "the files idpc generated here; it changes and removes only these",
            "files": self.files,
        });
        if !self.kept.is_empty() {
            value["kept"] = json!(self.kept);
        }
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A path that stays inside the directory it is relative to: no root, no `..`, no empty part.
pub(crate) fn is_relative_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && !path.contains('\0')
        && !path.contains('\\')
}

/// The files a build recorded as its own in the output directory `dir` (sorted, relative,
/// `/`-separated); none when there is no readable record. An editor offers them as the
/// generated artifacts of a declaration.
pub fn recorded_outputs(dir: &Path) -> Vec<String> {
    Manifest::read(dir).ok().flatten().map(|m| m.files).unwrap_or_default()
}

/// The files a build in `dir` was told to adopt and leaves as they are (`--adopt`): not
/// generated, not extra. None when there is no readable record.
pub fn adopted_files(dir: &Path) -> Vec<String> {
    Manifest::read(dir).ok().flatten().map(|m| m.kept).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_directory_are_not_accepted() {
        assert!(is_relative_path("helm/dev/a.values.yaml"));
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b"] {
            assert!(!is_relative_path(bad), "{bad}");
        }
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest {
            files: vec!["a/b.yaml".into(), "c.json".into()],
            kept: vec!["README".into()],
        };
        std::fs::write(dir.path().join(MANIFEST), manifest.render()).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), Some(manifest));
        std::fs::write(
            dir.path().join(MANIFEST),
            r#"{"generator":"idpc","format":1,"files":["../x"]}"#,
        )
        .unwrap();
        assert!(Manifest::read(dir.path()).is_err());
        std::fs::write(dir.path().join(MANIFEST), "{").unwrap();
        assert!(Manifest::read(dir.path()).is_err());
    }
}
