//! `idpc review`: what changed in the model since an older version, as markdown for a pull
//! request or as JSON.
//!
//! Exit codes: 0 whatever changed (it is a report, not a check); 2 trouble: a description or a
//! base with errors, a base that cannot be read, an unknown git revision.

use std::io::Write;
use std::path::Path;

use idpc_diagnostics::{Diagnostic, RenderOptions, render_human, render_plain};
use idpc_driver::{Compilation, SourceText};
use serde_json::json;

use crate::args::{Format, ReviewArgs};
use crate::report::{self, Ctx};
use crate::{EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &ReviewArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let current = match report::load_and_compile(None, ctx, err) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let head = match report::platform_or_trouble(ctx, &current, "reviewing", out, err) {
        Ok(platform) => platform,
        Err(code) => return code,
    };
    let (files, label) = match base_files(&ctx.description(), &args.base) {
        Ok(found) => found,
        Err(message) => {
            ctx.trouble(err, message);
            return EXIT_TROUBLE;
        }
    };
    // The base is compared, not judged: a rule it broke is not this change's problem.
    let options = idpc_driver::Options { policies: false, ..ctx.options() };
    let compiled = idpc_driver::compile_with(&files, options);
    let Some(base) = compiled.platform.as_ref() else {
        base_errors(ctx, &compiled, &label, err);
        return EXIT_TROUBLE;
    };
    let review = idpc_review::review(base, head);
    match ctx.format {
        Format::Json => {
            let touched = idpc_review::touched_services(&review, base, head);
            let document = json!({
                "platform": review.platform,
                "touched_services": touched,
                "base": label,
                "count": review.count,
                "sections": review.sections,
            });
            ctx.document(out, document, EXIT_OK);
        }
        _ => {
            let mut text = idpc_review::markdown(&review, &label);
            if let Some(diagram) = idpc_review::mermaid(&review, base, head) {
                text.push_str("\n### Services touched\n\n");
                text.push_str("Thick: changed; arrows: depends on.\n\n```mermaid\n");
                text.push_str(&diagram);
                text.push_str("```\n");
            }
            let _ = out.write_all(text.as_bytes());
        }
    }
    EXIT_OK
}

/// The files of the older version, and how to name it: a directory when `base` is one,
/// otherwise a git revision of the repository the description is in.
fn base_files(path: &Path, base: &Path) -> Result<(Vec<SourceText>, String), String> {
    let label = base.display().to_string();
    if base.exists() {
        return idpc_driver::load(base, None)
            .map(|loaded| (loaded.files, label))
            .map_err(|e| format!("cannot read the base: {e}"));
    }
    let Some(revision) = base.to_str() else {
        return Err(format!("`{label}` is neither a directory nor a git revision"));
    };
    idpc_driver::load_revision(path, revision)
        .map(|loaded| (loaded.files, label))
        .map_err(|e| format!("cannot read the base at `{revision}`: {e}"))
}

/// Reports a base that does not compile: its errors, as text, then one line of trouble.
fn base_errors(ctx: &Ctx, compiled: &Compilation, label: &str, err: &mut dyn Write) {
    let errors: Vec<Diagnostic> =
        compiled.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    let options = RenderOptions { color: ctx.color, width: 100 };
    let text = if ctx.graphical {
        render_human(&errors, &compiled.sources, options)
    } else {
        render_plain(&errors, &compiled.sources, options)
    };
    let _ = err.write_all(text.as_bytes());
    let errors = errors.len();
    ctx.trouble(
        err,
        format!(
            "the base `{label}` does not compile ({errors} error(s)); a review compares two versions that compile"
        ),
    );
}
