//! `idpc fmt`: rewrite `.kdl` files in the one canonical layout, or, with `--check`, name the
//! files that are not in it. Files with syntax errors are reported and left as they are.

use std::io::Write;
use std::path::{Path, PathBuf};

use idpc_diagnostics::{Diagnostic, Sources};
use rayon::prelude::*;
use serde_json::json;

use crate::args::{FmtArgs, Format};
use crate::report::{self, Ctx, FileFinding};
use crate::{EXIT_ERRORS, EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &FmtArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let roots = if args.paths.is_empty() { vec![ctx.description()] } else { args.paths.clone() };
    let mut trouble = false;
    let mut files = 0usize;
    // Files that could not be read, parsed or written: left as they are.
    let mut left = 0usize;
    let mut changed = Vec::new();
    for root in &roots {
        let listed = match idpc_driver::format::kdl_files(root) {
            Ok(listed) => listed,
            Err(error) => {
                ctx.trouble(err, format!("cannot read `{}`: {error}", ctx.shown(root)));
                trouble = true;
                continue;
            }
        };
        files += listed.len();
        // Each file is read, formatted and written on its own, in parallel; what became of
        // them is reported in the order of the files.
        let shown = ctx.shown_below(root, &listed);
        let outcomes: Vec<Outcome> = listed
            .par_iter()
            .map(PathBuf::as_path)
            .zip(shown)
            .map(|(file, shown)| format_one(file, shown, !args.check))
            .collect();
        for outcome in outcomes {
            match outcome {
                Outcome::Formatted => {}
                Outcome::Changed(shown) => changed.push(shown),
                Outcome::Broken(diagnostics, sources) => {
                    report::diagnostics(ctx, &diagnostics, &sources, out, err);
                    trouble = true;
                    left += 1;
                }
                Outcome::Trouble(message) => {
                    ctx.trouble(err, message);
                    trouble = true;
                    left += 1;
                }
            }
        }
    }
    let counts = Counts { files, left };
    if args.check {
        report_unformatted(ctx, &changed, counts, out, err);
    } else {
        report_rewritten(ctx, &changed, counts, out, err);
    }
    if trouble {
        EXIT_TROUBLE
    } else if args.check && !changed.is_empty() {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// What became of one file.
enum Outcome {
    /// It was in the canonical layout.
    Formatted,
    /// It was not (and, unless checking, was rewritten): the path shown for it.
    Changed(String),
    /// It has syntax errors and was left as it is.
    Broken(Vec<Diagnostic>, Sources),
    /// It could not be read or written.
    Trouble(String),
}

/// Reads `file` (shown as `shown`), formats it, and if `write`, rewrites it when it was not
/// formatted.
fn format_one(file: &Path, shown: String, write: bool) -> Outcome {
    let text = match idpc_driver::format::read(file) {
        Ok(text) => text,
        Err(error) => return Outcome::Trouble(format!("cannot read `{shown}`: {error}")),
    };
    let mut sources = Sources::new();
    let id = sources.add(shown.clone(), text.as_str());
    let formatted = match idpc_driver::format::format_file(id, &text) {
        Ok(formatted) => formatted,
        Err(diagnostics) => return Outcome::Broken(diagnostics, sources),
    };
    if formatted == text {
        return Outcome::Formatted;
    }
    if write && let Err(error) = idpc_driver::format::rewrite(file, &formatted) {
        return Outcome::Trouble(format!("cannot write `{shown}`: {error}"));
    }
    Outcome::Changed(shown)
}

/// How many files were looked at, and how many of them could not be formatted.
#[derive(Clone, Copy)]
struct Counts {
    files: usize,
    left: usize,
}

impl Counts {
    /// The summary's line for the files that could not be formatted, if any.
    fn left_line(self) -> Option<String> {
        (self.left > 0).then(|| {
            format!(
                "error: {} of {} could not be formatted (above) and were left as they are",
                self.left,
                plural(self.files)
            )
        })
    }
}

/// `--check`: each file that is not formatted, then a summary for people.
fn report_unformatted(
    ctx: &Ctx,
    unformatted: &[String],
    counts: Counts,
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    if ctx.format == Format::Human {
        for path in unformatted {
            let _ = writeln!(out, "{path}");
        }
        if unformatted.is_empty() && counts.left == 0 {
            let _ = writeln!(err, "ok: {} formatted", plural(counts.files));
        } else if !unformatted.is_empty() {
            let _ = writeln!(
                err,
                "error: {} of {} not formatted; `idpc fmt` rewrites them",
                unformatted.len(),
                plural(counts.files)
            );
        }
        if let Some(line) = counts.left_line() {
            let _ = writeln!(err, "{line}");
        }
        return;
    }
    let findings: Vec<FileFinding> = unformatted
        .iter()
        .map(|path| FileFinding {
            path: path.clone(),
            class: "unformatted",
            message: "not formatted; `idpc fmt` rewrites it".to_owned(),
        })
        .collect();
    report::file_findings(ctx, &findings, out, |_| {}, err);
}

/// Without `--check`: each file rewritten, then a summary for people.
fn report_rewritten(
    ctx: &Ctx,
    rewritten: &[String],
    counts: Counts,
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    match ctx.format {
        Format::Json => {
            for path in rewritten {
                let line = json!({ "format": idpc_diagnostics::JSON_FORMAT, "type": "file", "path": path, "class": "formatted", "message": "rewritten in the canonical layout" });
                let _ = writeln!(out, "{line}");
            }
        }
        Format::Human | Format::Short => {
            for path in rewritten {
                let _ = writeln!(out, "{path}");
            }
            if ctx.format == Format::Human && counts.files > 0 {
                let _ = writeln!(err, "formatted {} of {}", rewritten.len(), plural(counts.files));
                if let Some(line) = counts.left_line() {
                    let _ = writeln!(err, "{line}");
                }
            }
        }
        _ => {}
    }
}

fn plural(n: usize) -> String {
    format!("{n} file{}", if n == 1 { "" } else { "s" })
}
