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

/// Prints trouble (I/O, usage) as one line, with control characters (from file names, say)
/// shown escaped.
pub(crate) fn trouble(err: &mut dyn Write, message: impl std::fmt::Display) {
    let _ = writeln!(err, "error: {}", idpc_diagnostics::clean_message(&message.to_string()));
}

/// An aligned table: a header of capitals, then one line per row, columns two spaces apart.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            let cells = rows.iter().map(|r| r.get(column).map_or(0, |c| c.chars().count()));
            cells.chain([header[column].len()]).max().unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// Loads the description at `path` (leaving `out_dir` out of it) and compiles it; when it cannot
/// be read, says why and returns the exit code for trouble.
pub(crate) fn load_and_compile(
    path: &std::path::Path,
    out_dir: Option<&std::path::Path>,
    ctx: &Ctx,
    err: &mut dyn Write,
) -> Result<idpc_driver::Compilation, u8> {
    match idpc_driver::load(path, out_dir) {
        Ok(loaded) => Ok(idpc_driver::compile_with(&loaded.files, ctx.options())),
        Err(error) => {
            trouble(err, error);
            Err(crate::EXIT_TROUBLE)
        }
    }
}

/// The compiled platform (there is one only when the description has no error), or, after
/// printing the diagnostics and that the description must be fixed before `doing`, the exit code
/// for trouble.
pub(crate) fn platform_or_trouble<'a>(
    ctx: &Ctx,
    compilation: &'a idpc_driver::Compilation,
    doing: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<&'a idpc_ir::Platform, u8> {
    compilation.platform.as_ref().ok_or_else(|| {
        diagnostics(ctx, &compilation.diagnostics, &compilation.sources, out, err);
        trouble(err, format!("the description has errors; fix them before {doing}"));
        crate::EXIT_TROUBLE
    })
}
