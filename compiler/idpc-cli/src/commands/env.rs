//! `idpc env expired`: the ephemeral environments whose TTL has passed, for a cleanup job.
//!
//! An environment has expired from the day [`idpc_ir::Ephemeral::expires`] names on. Exit codes:
//! 0 listed (even when some expired), 1 some expired and `--fail-if-any`, 2 errors in the
//! description or trouble.

use std::io::Write;

use idpc_driver::expired::{Expired, expired_at};
use serde_json::{Value, json};

use crate::args::{EnvArgs, EnvCommand, ExpiredArgs, Format};
use crate::report::{self, Ctx};
use crate::{EXIT_ERRORS, EXIT_OK};

pub(crate) fn run(args: &EnvArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match &args.what {
        EnvCommand::Expired(a) => expired(a, ctx, out, err),
    }
}

fn expired(args: &ExpiredArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let compilation = match report::load_and_compile(None, ctx, err) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let doing = "listing environments";
    let platform = match report::platform_or_trouble(ctx, &compilation, doing, out, err) {
        Ok(platform) => platform,
        Err(code) => return code,
    };
    let at = args.at.unwrap_or(ctx.today);
    let expired = expired_at(platform, &compilation.sources, at);
    let ephemeral = platform.environments.iter().filter(|e| e.ephemeral.is_some()).count();
    let code = if args.fail_if_any && !expired.is_empty() { EXIT_ERRORS } else { EXIT_OK };
    match ctx.format {
        Format::Json => {
            let document = json!({
                "at": at.to_string(),
                "ephemeral": ephemeral,
                "expired": expired.iter().map(to_json).collect::<Vec<Value>>(),
            });
            ctx.document(out, document, code);
        }
        _ => {
            if !expired.is_empty() {
                let _ = out.write_all(table(&expired).as_bytes());
            }
            let _ = writeln!(
                err,
                "{} of {ephemeral} ephemeral environment{} expired at {at}",
                expired.len(),
                if ephemeral == 1 { "" } else { "s" },
            );
        }
    }
    code
}

fn to_json(e: &Expired) -> Value {
    json!({
        "name": e.name,
        "from": e.from,
        "owner": e.owner,
        "created": e.created.to_string(),
        "ttl": e.ttl,
        "expires": e.expires.to_string(),
        "days_overdue": e.days_overdue,
        "file": e.file,
        "line": e.line,
    })
}

/// The expired environments as an aligned table with a header.
fn table(expired: &[Expired]) -> String {
    let header = ["ENVIRONMENT", "FROM", "OWNER", "CREATED", "TTL", "EXPIRES", "OVERDUE", "FILE"];
    let rows: Vec<Vec<String>> = expired
        .iter()
        .map(|e| {
            let days = if e.days_overdue == 1 { "day" } else { "days" };
            vec![
                e.name.clone(),
                e.from.clone(),
                e.owner.clone(),
                e.created.to_string(),
                e.ttl.clone(),
                e.expires.to_string(),
                format!("{} {days}", e.days_overdue),
                format!("{}:{}", e.file, e.line),
            ]
        })
        .collect();
    report::table(&header, &rows)
}
