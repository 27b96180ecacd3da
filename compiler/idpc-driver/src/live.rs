//! Reading live state: export files in a directory, and a Prometheus over HTTP.

use std::path::Path;
use std::time::Duration;

use idpc_drift::Object;
use idpc_drift::exports::{self, ExportError};
use rayon::prelude::*;
use walkdir::WalkDir;

/// Every object of every export under `dir` (or of the file `dir`): `.yaml`, `.yml` and `.json`
/// files, and OPA `.manifest` files, in the order of their paths. Other files are skipped; a file
/// that cannot be read or recognised is an error naming it (the first such, in that order). The
/// files are read and parsed in parallel.
pub fn read_exports(dir: &Path) -> Result<Vec<Object>, ExportError> {
    let error =
        |path: &Path, message: String| ExportError { path: path.display().to_string(), message };
    if !dir.exists() {
        return Err(error(dir, "does not exist".to_owned()));
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| error(dir, e.to_string()))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        let wanted = name == ".manifest"
            || ["yaml", "yml", "json"]
                .iter()
                .any(|ext| path.extension().is_some_and(|e| e == *ext));
        if entry.file_type().is_file() && wanted {
            files.push(entry.into_path());
        }
    }
    let read: Vec<Result<Vec<Object>, ExportError>> = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| error(path, format!("cannot be read: {e}")))?;
            exports::read(&path.display().to_string(), &text)
        })
        .collect();
    let mut objects = Vec::new();
    for file in read {
        objects.extend(file?);
    }
    Ok(objects)
}

/// The rule groups a Prometheus serves at `/api/v1/rules`, as objects.
pub fn prometheus_rules(base: &str) -> Result<Vec<Object>, ExportError> {
    let url = format!("{}/api/v1/rules", base.trim_end_matches('/'));
    let error = |message: String| ExportError { path: url.clone(), message };
    if url.starts_with("https://") {
        return Err(error("HTTPS is not supported; export the rules with `curl -s URL/api/v1/rules > rules.json` and pass the file with --live".to_owned()));
    }
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(30))).build().into();
    let mut response =
        agent.get(&url).call().map_err(|e| error(format!("cannot be fetched: {e}")))?;
    let text =
        response.body_mut().read_to_string().map_err(|e| error(format!("cannot be read: {e}")))?;
    exports::read(&url, &text)
}
