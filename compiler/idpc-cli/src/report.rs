//! Printing diagnostics and trouble.

use std::io::Write;

use idpc_diagnostics::{Diagnostic, RenderOptions, Severity, Sources, render_human, render_json};

use idpc_ir::Date;

use crate::args::MessageFormat;

/// How this run prints.
pub(crate) struct Ctx {
    pub(crate) color: bool,
    pub(crate) format: MessageFormat,
    /// What waivers and ephemeral environments are judged by.
    pub(crate) today: Date,
}

impl Ctx {
    /// How commands compile.
    pub(crate) fn options(&self) -> idpc_driver::Options {
        idpc_driver::Options { today: self.today, policies: true }
    }
}

/// Prints diagnostics (text to `err`, JSON lines to `out`) and a summary line.
pub(crate) fn diagnostics(
    ctx: &Ctx,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    match ctx.format {
        MessageFormat::Json => {
            let _ = out.write_all(render_json(diagnostics, sources).as_bytes());
        }
        MessageFormat::Human => {
            let text =
                render_human(diagnostics, sources, RenderOptions { color: ctx.color, width: 100 });
            let _ = err.write_all(text.as_bytes());
            if let Some(summary) = summary(diagnostics) {
                let _ = writeln!(err, "{summary}");
            }
        }
    }
}

/// "3 errors, 1 warning", or `None` when there is nothing.
fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some(format!("{} emitted", plural(w, "warning"))),
        (e, 0) => Some(format!("{} found", plural(e, "error"))),
        (e, w) => Some(format!("{} and {} found", plural(e, "error"), plural(w, "warning"))),
    }
}

/// Prints trouble (I/O, usage) as one line.
pub(crate) fn trouble(err: &mut dyn Write, message: impl std::fmt::Display) {
    let _ = writeln!(err, "error: {message}");
}
