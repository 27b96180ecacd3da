//! Semantic analysis: the node trees of every file to one resolved [`idpc_ir::Platform`].
//!
//! [`analyze`] checks node shapes against the [`schema`], collects declarations across files,
//! resolves every reference, checks kinds and the dependency graph, and resolves the overlays of
//! each (service, environment) with the provenance of every value. It reports every problem it
//! finds in one run and produces a platform only when there is no error.

mod carried;
mod collect;
mod credentials;
mod deployments;
mod diagnostics;
mod environments;
mod graph;
mod kept;
mod kinds;
mod lower;
mod overlay;
pub mod resolve;
pub mod schema;
mod services;
mod settings;
mod shape;
mod slos;
mod typeck;
mod typed;
pub mod unit;
mod variables;

use idpc_diagnostics::{Diagnostic, has_errors, sort_and_dedup};
use idpc_syntax::ast;

pub use kept::Cache;
pub use unit::{FileUnit, unit};

use std::sync::Arc;

/// The result of analysing a platform.
#[derive(Debug)]
pub struct Analysis {
    /// The resolved platform, if the description has no errors.
    pub platform: Option<idpc_ir::Platform>,
    /// When the description has errors, the platform as far as it could be lowered, for
    /// queries (hover, `why` in an editor). Values that failed to check are absent and ids may
    /// dangle: read it with `get`, never hand it to a backend.
    pub partial: Option<idpc_ir::Platform>,
    /// Every problem found, sorted by place.
    pub diagnostics: Vec<Diagnostic>,
    /// When the model's deployments were moved out of a [`Cache`] that keeps results: the
    /// number to give them back under ([`Cache::reclaim`]).
    pub lent: Option<u64>,
}

/// A template file of the description (`<kind>/main.tf.hbs` next to the file declaring the kind).
#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// Its file.
    pub file: idpc_diagnostics::FileId,
    /// Its display path.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// Analyses the parsed files of one platform. `paths` are the display paths of all source files,
/// indexed by `FileId`; `files` are those that parsed; `templates` are the template files.
/// `complete` is false when some file did not parse: then a missing `platform` may be in that
/// file and is not reported.
pub fn analyze(
    files: &[&ast::SourceFile],
    templates: &[TemplateSource],
    paths: &[String],
    complete: bool,
) -> Analysis {
    use rayon::prelude::*;
    // Each file is checked and typed on its own, in parallel; the results keep the files' order.
    let units: Vec<Arc<FileUnit>> = files.par_iter().map(|file| Arc::new(unit(file))).collect();
    analyze_units(&units, templates, paths, complete, &mut Cache::default())
}

/// Analyses a platform from its files' units ([`unit`]), which a caller may keep by file and
/// reuse while a file's text does not change; `cache` keeps per-service results for the next
/// analysis when it was made with [`Cache::keep`].
pub fn analyze_units(
    units: &[Arc<FileUnit>],
    templates: &[TemplateSource],
    paths: &[String],
    complete: bool,
    cache: &mut Cache,
) -> Analysis {
    let mut diagnostics: Vec<Diagnostic> =
        units.iter().flat_map(|u| u.diagnostics.iter().cloned()).collect();
    let collected = collect::collect(units, &mut diagnostics);
    cache.begin();
    let mut lent = None;
    let platform =
        lower::lower(&collected, units, templates, paths, cache, &mut lent, &mut diagnostics);
    cache.finish();
    for template in templates {
        check_template_secrets(template, &mut diagnostics);
    }
    if !complete {
        diagnostics.retain(|d| d.code != idpc_diagnostics::Code::MissingPlatform);
    }
    sort_and_dedup(&mut diagnostics);
    let (platform, partial) =
        if has_errors(&diagnostics) { (None, platform) } else { (platform, None) };
    Analysis { platform, partial, diagnostics, lent }
}

/// Whether a text holds a word with the shape of a well-known credential (cloud keys, tokens,
/// private keys). The checker refuses such strings; the driver scans generated artifacts with the
/// same function before writing anything.
pub fn contains_credential(text: &str) -> bool {
    typeck::contains_credential(text)
}

/// A template is copied into artifacts: a credential written in it is a literal secret, reported
/// at its line like one in a description.
fn check_template_secrets(template: &TemplateSource, diagnostics: &mut Vec<Diagnostic>) {
    let mut offset = 0;
    for line in template.text.split_inclusive('\n') {
        if let Some(range) = credentials::find(line) {
            let span = idpc_diagnostics::Span::new(
                template.file,
                offset + range.start,
                offset + range.end,
            );
            diagnostics.push(
                Diagnostic::new(
                    idpc_diagnostics::Code::LiteralSecret,
                    format!("template `{}` holds a literal secret value", template.path),
                    span,
                    "a secret value, not a reference",
                )
                .with_help("generate the secret in the module or read it from a secrets manager, and pass it on by reference (a kind `output` with `secret=#true`)"),
            );
        }
        offset += line.len();
    }
}
