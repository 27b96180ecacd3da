//! `idpc new service` and `idpc new environment`: a new file from the platform's template,
//! written only when the whole description compiles with it.
//!
//! Exit codes: 0 written; 1 errors in the description, in the template or in the description
//! with the new file (nothing written); 2 refused (unknown team, kind or environment, a name
//! taken or invalid, an existing file) or trouble (nothing written).

use std::io::Write;

use idpc_driver::scaffold::{self, EnvironmentRequest, Request, ScaffoldError, ServiceRequest};
use serde_json::json;

use crate::args::{Format, NewArgs, NewCommand};
use crate::report::{self, Ctx};
use crate::{EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &NewArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let dir = &ctx.description();
    let request = match &args.what {
        NewCommand::Service(a) => Request::Service(ServiceRequest {
            name: a.name.clone(),
            team: a.team.clone(),
            kinds: a.kinds.clone(),
            today: ctx.today,
        }),
        NewCommand::Environment(a) => Request::Environment(EnvironmentRequest {
            name: a.name.clone(),
            from: a.from.clone(),
            owner: a.owner.clone(),
            ttl: a.ttl,
            created: a.created.unwrap_or(ctx.today),
        }),
    };
    let plan = match scaffold::plan(dir, &request, ctx.options()) {
        Ok(plan) => plan,
        Err(ScaffoldError::Load(error)) => {
            ctx.trouble(err, error);
            return EXIT_TROUBLE;
        }
        Err(ScaffoldError::Refused(refusals)) => {
            for refusal in &refusals {
                ctx.trouble(err, &refusal.message);
                if let Some(help) = &refusal.help {
                    let _ = writeln!(err, "  help: {help}");
                }
            }
            let _ = writeln!(err, "nothing written");
            return EXIT_TROUBLE;
        }
        Err(ScaffoldError::Broken { diagnostics, sources }) => {
            report::diagnostics(ctx, &diagnostics, &ctx.rebase(sources), out, err);
            let _ = writeln!(err, "nothing written: the description has errors; fix them first");
            return EXIT_ERRORS;
        }
        Err(ScaffoldError::Rejected { diagnostics, sources }) => {
            report::diagnostics(ctx, &diagnostics, &ctx.rebase(sources), out, err);
            let _ = writeln!(err, "nothing written: fix the errors above");
            return EXIT_ERRORS;
        }
        Err(ScaffoldError::Internal(message)) => {
            let _ = writeln!(
                err,
                "internal error: {message}\nthis is a bug in idpc; nothing was written"
            );
            return EXIT_INTERNAL;
        }
    };
    // Warnings: the file is written, but they are worth reading.
    let sources = ctx.rebase(plan.compilation.sources.clone());
    report::diagnostics(ctx, &plan.compilation.diagnostics, &sources, out, err);
    if let Err(error) = scaffold::write(&plan) {
        ctx.trouble(err, format!("cannot write `{}`: {error}", plan.path.display()));
        return EXIT_TROUBLE;
    }
    match ctx.format {
        Format::Json => {
            let line = json!({
                "format": idpc_diagnostics::JSON_FORMAT,
                "type": "written",
                "path": plan.path.display().to_string(),
                "template": plan.template,
            });
            let _ = writeln!(out, "{line}");
        }
        Format::Sarif | Format::Github => {
            let _ = writeln!(err, "wrote {} from the template {}", plan.display, plan.template);
        }
        _ => {
            let _ = writeln!(out, "{}", plan.path.display());
            let _ = writeln!(err, "wrote {} from the template {}", plan.display, plan.template);
        }
    }
    EXIT_OK
}
