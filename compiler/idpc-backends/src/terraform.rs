//! Terraform: a module per resource kind, rendered from the kind's templates, and a root module per
//! environment that instantiates every resource of every service.

use idpc_ir::Platform;

use crate::Output;

pub(crate) fn emit(_platform: &Platform) -> Output {
    Output::default()
}

mod hcl;
