//! External tools and data the tests need: upstream schemas under `../shared/schemas` and
//! programs on `PATH`. When one is missing the test prints a skip line, unless
//! `IDPC_REQUIRE_TOOLS=1` demands it, which CI sets for what it installs.

use std::path::{Path, PathBuf};

fn required() -> bool {
    std::env::var_os("IDPC_REQUIRE_TOOLS").is_some_and(|v| v == "1")
}

/// The upstream schema directory, if present.
pub(crate) fn schemas_dir(test: &str) -> Option<PathBuf> {
    let dir = super::repo_root().join("../shared/schemas");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(!required(), "{test}: ../shared/schemas is missing and IDPC_REQUIRE_TOOLS=1");
    println!("skip: {test}: ../shared/schemas not found");
    None
}

/// A program on PATH, if present.
pub(crate) fn program(test: &str, name: &str) -> Option<PathBuf> {
    let found = on_path(name);
    if found.is_none() {
        assert!(!required(), "{test}: `{name}` is not on PATH and IDPC_REQUIRE_TOOLS=1");
        println!("skip: {test}: `{name}` not found on PATH");
    }
    found
}

/// A program on PATH that no package registry CI reaches carries, such as `terraform`: when it
/// is missing the test is skipped, even with `IDPC_REQUIRE_TOOLS=1`, since CI cannot install it.
pub(crate) fn uninstallable_program(test: &str, name: &str) -> Option<PathBuf> {
    let found = on_path(name);
    if found.is_none() {
        println!("skip: {test}: `{name}` not found on PATH (CI cannot install it)");
    }
    found
}

/// Runs `terraform fmt -check -recursive` on `dir` with an empty CLI configuration and no
/// network check; `Err` holds the diff and messages when it would change a file.
pub(crate) fn terraform_fmt_check(
    terraform: &std::path::Path,
    dir: &std::path::Path,
) -> Result<(), String> {
    let config = dir.join(".terraformrc-test");
    std::fs::write(&config, "").map_err(|e| e.to_string())?;
    let output = std::process::Command::new(terraform)
        .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
        .arg(dir)
        .env("TF_CLI_CONFIG_FILE", &config)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&config);
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Whether `python3` imports a module, such as `regopy`, which `.ci/run` installs with pip.
pub(crate) fn python_module(test: &str, module: &str) -> bool {
    let found = on_path("python3").is_some_and(|python| {
        std::process::Command::new(python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        assert!(!required(), "{test}: python3 cannot import `{module}` and IDPC_REQUIRE_TOOLS=1");
        println!("skip: {test}: python3 cannot import `{module}` (pip install {module})");
    }
    found
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A JSON Schema validator for a schema file (`$ref`s resolve within the file).
pub(crate) fn validator(schema_path: &Path) -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_path)
        .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()))
}

/// The errors of validating `instance`, one line each.
pub(crate) fn validation_errors(
    validator: &jsonschema::Validator,
    instance: &serde_json::Value,
) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}
