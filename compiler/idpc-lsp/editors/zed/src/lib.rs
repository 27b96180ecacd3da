//! Zed runs `idpc lsp` for KDL files: the binary is looked up on the worktree's `PATH`.

use zed_extension_api::{self as zed, LanguageServerId, Result};

struct Idpc;

impl zed::Extension for Idpc {
    fn new() -> Self {
        Idpc
    }

    fn language_server_command(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let command = worktree
            .which("idpc")
            .ok_or_else(|| "idpc is not on PATH: install it with `cargo install --path compiler/idpc-cli`".to_string())?;
        Ok(zed::Command { command, args: vec!["lsp".into()], env: Vec::new() })
    }
}

zed::register_extension!(Idpc);
