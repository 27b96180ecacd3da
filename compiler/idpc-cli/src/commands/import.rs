//! `idpc import score` and `idpc import backstage`: new files from Score workloads or a Backstage
//! catalog, written only when the whole description compiles with them, and a report of what
//! was imported, what took a default and what could not be carried over.
//!
//! Exit codes: 0 written; 1 errors in the description or in the description with the new files
//! (nothing written); 2 refused (a missing or unknown team, an invalid name, a file or name that
//! exists, an input that is not what it should be) or trouble (nothing written).

use std::io::Write;

use idpc_driver::import::{self, Format as InputFormat, ImportError, Note, Request};
use serde_json::json;

use crate::args::{Format, ImportArgs, ImportCommand};
use crate::report::{self, Ctx};
use crate::{EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &ImportArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let (format, files) = match &args.what {
        ImportCommand::Score(a) => (InputFormat::Score, a),
        ImportCommand::Backstage(a) => (InputFormat::Backstage, a),
    };
    let request = Request { format, inputs: files.files.clone(), team: files.team.clone() };
    let plan = match import::plan(&ctx.description(), &request, ctx.options()) {
        Ok(plan) => plan,
        Err(ImportError::Load(error)) => {
            ctx.trouble(err, error);
            return EXIT_TROUBLE;
        }
        Err(ImportError::Refused { refusals, notes }) => {
            notes_report(ctx, &notes, out, err);
            for refusal in &refusals {
                ctx.trouble(err, &refusal.message);
                if let Some(help) = &refusal.help {
                    let _ = writeln!(err, "  help: {help}");
                }
            }
            let _ = writeln!(err, "nothing written");
            return EXIT_TROUBLE;
        }
        Err(ImportError::Broken { diagnostics, sources }) => {
            report::diagnostics(ctx, &diagnostics, &ctx.rebase(sources), out, err);
            let _ = writeln!(err, "nothing written: the description has errors; fix them first");
            return EXIT_ERRORS;
        }
        Err(ImportError::Rejected { diagnostics, sources, notes }) => {
            notes_report(ctx, &notes, out, err);
            report::diagnostics(ctx, &diagnostics, &ctx.rebase(sources), out, err);
            let _ = writeln!(
                err,
                "nothing written: the description with the imported files has errors (an imported file is shown as it would have been written)"
            );
            return EXIT_ERRORS;
        }
        Err(ImportError::Internal(message)) => {
            let _ = writeln!(
                err,
                "internal error: {message}\nthis is a bug in idpc; nothing was written"
            );
            return EXIT_INTERNAL;
        }
    };
    notes_report(ctx, &plan.notes, out, err);
    let sources = ctx.rebase(plan.compilation.sources.clone());
    report::diagnostics(ctx, &plan.compilation.diagnostics, &sources, out, err);
    if let Err(error) = import::write(&plan) {
        ctx.trouble(err, format!("cannot write the imported files: {error}"));
        let _ = writeln!(err, "nothing written");
        return EXIT_TROUBLE;
    }
    for file in &plan.files {
        match ctx.format {
            Format::Json => {
                let line = json!({
                    "format": idpc_diagnostics::JSON_FORMAT,
                    "type": "written",
                    "path": file.path.display().to_string(),
                });
                let _ = writeln!(out, "{line}");
            }
            Format::Sarif | Format::Github => {
                let _ = writeln!(err, "wrote {}", file.display);
            }
            _ => {
                let _ = writeln!(out, "{}", file.path.display());
                let _ = writeln!(err, "wrote {}", file.display);
            }
        }
    }
    EXIT_OK
}

/// The report: JSON lines on `out` with `--format json`, else a block per input on `err`.
fn notes_report(ctx: &Ctx, notes: &[Note], out: &mut dyn Write, err: &mut dyn Write) {
    if ctx.format == Format::Json {
        for note in notes {
            let line = json!({
                "format": idpc_diagnostics::JSON_FORMAT,
                "type": "import",
                "input": note.input,
                "subject": note.subject,
                "outcome": note.outcome.name(),
                "detail": note.detail,
            });
            let _ = writeln!(out, "{line}");
        }
        return;
    }
    let mut input: Option<&str> = None;
    for note in notes {
        if input != Some(note.input.as_str()) {
            let _ = writeln!(err, "{}:", note.input);
            input = Some(&note.input);
        }
        let _ = writeln!(err, "  {:<9} {}: {}", note.outcome.name(), note.subject, note.detail);
    }
}
