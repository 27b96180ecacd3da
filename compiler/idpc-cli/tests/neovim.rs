//! A real editor: Neovim, headless, with its built-in LSP client and the repository's
//! `compiler/idpc-lsp/editors/neovim/idpc.lua`, opens a file of the example with a typo and bad
//! indentation, receives the diagnostic at the right line, accepts the quick fix and formats the file.
//! Skipped with a note where `nvim` is not installed, unless `IDPC_REQUIRE_TOOLS=1`.

#![expect(clippy::disallowed_methods, reason = "the test drives the binary and reads fixtures")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a test fails loudly"
)]

#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::path::Path;
use std::process::Command;

use lsp_client::copy_dir;

#[test]
fn neovim_shows_the_diagnostic_applies_the_fix_and_formats() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(
            std::env::var("IDPC_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "nvim is required (IDPC_REQUIRE_TOOLS=1)"
        );
        println!("skipped: nvim is not installed");
        return;
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("acme");
    copy_dir(&here.join("../../examples/acme"), &root);
    let file = root.join("services/payments.kdl");
    let original = std::fs::read_to_string(&file).unwrap();
    let broken = original.replacen("team=\"payments\"", "team=\"paymnts\"", 1).replacen(
        "    replicas 2\n",
        "        replicas   2\n",
        1,
    );
    std::fs::write(&file, &broken).unwrap();
    let log = dir.path().join("nvim.log");
    let output = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", here.join("tests/neovim.lua").display()))
        .env("IDPC_BIN", env!("CARGO_BIN_EXE_idpc"))
        .env("IDPC_PLUGIN", here.join("../idpc-lsp/editors/neovim/idpc.lua"))
        .env("IDPC_FILE", &file)
        .env("IDPC_NVIM_LOG", &log)
        .env("IDPC_TODAY", "2026-11-22")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let seen = std::fs::read_to_string(&log).unwrap_or_default();
    let context = format!("{seen}\n{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.first(), Some(&"filetype kdl"), "{context}");
    // The unknown team is on line 3, with its code.
    assert_eq!(lines.get(1), Some(&"diagnostic 3 E0202"), "{context}");
    assert_eq!(lines.get(2), Some(&"fixed true"), "{context}");
    assert_eq!(lines.get(3), Some(&"written"), "{context}");
    // The fix and the formatting give back the example exactly.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
}
