//! `idpc check`: report every problem in a platform description.

use std::io::Write;

use idpc_diagnostics::has_errors;

use idpc_driver::Compilation;
use serde_json::json;

use crate::args::{CheckArgs, Format};
use crate::report::{self, Ctx};
use crate::{EXIT_ERRORS, EXIT_OK};

pub(crate) fn run(args: &CheckArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let compilation = match report::load_and_compile(None, ctx, err) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    report::diagnostics(ctx, &compilation.diagnostics, &compilation.sources, out, err);
    if args.waivers {
        waivers(ctx, &compilation, out);
    }
    if has_errors(&compilation.diagnostics) {
        report::held_back(ctx, compilation.held_back, err);
        return EXIT_ERRORS;
    }
    if let Some(platform) = &compilation.platform {
        let files = compilation
            .sources
            .iter()
            .filter(|(_, f)| !idpc_driver::stdlib::is_stdlib(&f.path))
            .count();
        let _ = writeln!(
            err,
            "ok: platform `{}` with {}, {}, {} in {}",
            platform.name,
            counted(platform.services.len(), "service"),
            counted(platform.environments.len(), "environment"),
            counted(platform.teams.len(), "team"),
            counted(files, "file"),
        );
    }
    ctx.done_with(compilation);
    EXIT_OK
}

/// Lists the waivers in force, soonest expiry first: a table, or one JSON object per line.
fn waivers(ctx: &Ctx, compilation: &Compilation, out: &mut dyn Write) {
    let mut waivers: Vec<_> = compilation.waivers.iter().collect();
    waivers.sort_by(|a, b| {
        (a.expires, &a.service, &a.policy).cmp(&(b.expires, &b.service, &b.policy))
    });
    let place = |span: idpc_diagnostics::Span| {
        let at = compilation.sources.line_col(span.file, span.start);
        format!("{}:{}", compilation.sources.path(span.file), at.line)
    };
    if ctx.format == Format::Json {
        for w in waivers {
            let line = json!({
                "format": idpc_diagnostics::JSON_FORMAT,
                "type": "waiver",
                "service": w.service,
                "policy": w.policy,
                "owner": w.owner,
                "expires": w.expires.to_string(),
                "days_left": w.expires.days_since_epoch() - ctx.today.days_since_epoch(),
                "reason": w.reason,
                "suppressed": w.suppressed,
                "at": place(w.span),
            });
            let _ = writeln!(out, "{line}");
        }
        return;
    }
    if waivers.is_empty() {
        let _ = writeln!(out, "no waivers in force");
        return;
    }
    let mut rows = Vec::new();
    let mut reasons = Vec::new();
    let header = ["SERVICE", "POLICY", "OWNER", "EXPIRES", "VIOLATIONS", "DECLARED"];
    for w in waivers {
        let days = w.expires.days_since_epoch() - ctx.today.days_since_epoch();
        let row = vec![
            w.service.clone(),
            w.policy.clone(),
            w.owner.clone(),
            format!("{} ({days} days)", w.expires),
            format!("{} set aside", w.suppressed),
            place(w.span),
        ];
        rows.push(row);
        reasons.push(w.reason.as_str());
    }
    let table = report::table(&header, &rows);
    let mut lines = table.lines();
    let _ = writeln!(out, "{}", lines.next().unwrap_or_default());
    for (line, reason) in lines.zip(reasons) {
        let _ = writeln!(out, "{line}\n    reason: {reason}");
    }
}

/// `n` things, `word` in the plural unless there is one.
fn counted(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
