//! `idpc check`: report every problem in a platform description.

use std::io::Write;

use idpc_diagnostics::has_errors;

use crate::args::CheckArgs;
use crate::report::{self, Ctx};
use crate::{EXIT_ERRORS, EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &CheckArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let loaded = match idpc_driver::load(&args.path, None) {
        Ok(loaded) => loaded,
        Err(error) => {
            report::trouble(err, error);
            return EXIT_TROUBLE;
        }
    };
    let compilation = idpc_driver::compile(&loaded.files);
    report::diagnostics(ctx, &compilation.diagnostics, &compilation.sources, out, err);
    if has_errors(&compilation.diagnostics) {
        return EXIT_ERRORS;
    }
    if let Some(platform) = &compilation.platform {
        let _ = writeln!(
            err,
            "ok: platform `{}` with {} services, {} environments, {} teams in {} files",
            platform.name,
            platform.services.len(),
            platform.environments.len(),
            platform.teams.len(),
            loaded.files.len()
        );
    }
    EXIT_OK
}
