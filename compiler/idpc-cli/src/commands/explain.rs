//! `idpc explain`: the long explanation of a diagnostic code.

use std::io::Write;

use idpc_diagnostics::{Code, did_you_mean};

use crate::args::ExplainArgs;
use crate::report::Ctx;
use crate::{EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &ExplainArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(text) = &args.code else {
        for code in Code::ALL {
            let info = code.info();
            let _ = writeln!(out, "{}  {:<32} {}", info.code, info.name, info.summary);
        }
        return EXIT_OK;
    };
    match Code::parse(text) {
        Some(code) => {
            let info = code.info();
            let _ = writeln!(out, "{} ({})\n", info.code, info.name);
            let _ = out.write_all(info.explanation.as_bytes());
            EXIT_OK
        }
        None => {
            let names = Code::ALL.iter().flat_map(|c| [c.info().code, c.info().name]);
            let hint = did_you_mean(text, names).map_or_else(String::new, |h| format!("; {h}"));
            ctx.trouble(
                err,
                format!("no diagnostic code `{text}`{hint} (`idpc explain` lists them)"),
            );
            EXIT_TROUBLE
        }
    }
}
