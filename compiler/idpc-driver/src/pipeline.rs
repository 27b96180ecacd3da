//! The pipeline: sources → parse (in parallel) → analyse → emit.

use idpc_backends::{Artifact, Family, Unit};
use idpc_diagnostics::{Diagnostic, sort_and_dedup};
use idpc_ir::{Date, Platform};
use idpc_query::Database;

use crate::workspace::SourceText;

pub use idpc_query::{Compilation, Options, Timings};

/// Today's date (UTC) by the system clock.
pub fn today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_days_since_epoch(i64::try_from(seconds / 86_400).unwrap_or(0))
}

/// Compiles the files of a platform together with the standard library, judging waivers as of
/// today.
pub fn compile(files: &[SourceText]) -> Compilation {
    compile_with(files, Options { today: today(), policies: true })
}

/// Compiles the files of a platform together with the standard library.
pub fn compile_with(files: &[SourceText], options: Options) -> Compilation {
    compile_in(database(files), options, None).0
}

/// [`compile_with`], taking the files (each text moves into the compile, so the description is
/// held once), and starting from the presets' results of an earlier compile (a slice of
/// services whose input is unchanged is not evaluated again); returns the compilation and the
/// presets' results of this one.
pub fn compile_keeping(
    files: Vec<SourceText>,
    options: Options,
    policies: Option<idpc_policy::Cache>,
) -> (Compilation, idpc_policy::Cache) {
    let mut db = Database::new();
    for file in files {
        db.set_file(&file.path, file.text, file.invalid_utf8_at);
    }
    compile_in(db, options, policies)
}

/// Compiles what `db` holds once, without keeping its syntax trees.
fn compile_in(
    mut db: Database,
    options: Options,
    policies: Option<idpc_policy::Cache>,
) -> (Compilation, idpc_policy::Cache) {
    db.drop_syntax_trees();
    if let Some(policies) = policies {
        db.set_policy_cache(policies);
    }
    let compilation = db.compile(options).compilation;
    let policies = db.take_policy_cache();
    // What the database holds (every file's typed unit: 10,000 services are 30,000 nodes) is
    // freed beside the build's next steps rather than before them.
    let _ = std::thread::Builder::new().name("idpc-free".to_owned()).spawn(move || drop(db));
    (compilation, policies)
}

/// A database holding the standard library and these files, in this order.
pub fn database(files: &[SourceText]) -> Database {
    let mut db = Database::new();
    for file in files {
        db.set_file(&file.path, file.text.as_str(), file.invalid_utf8_at);
    }
    db
}

/// Why the backends produced nothing.
#[derive(Debug)]
pub enum EmitError {
    /// A problem in the description that only rendering found, such as a template error.
    Diagnostics(Vec<Diagnostic>),
    /// A bug in idpc.
    Internal(String),
}

/// Runs the backends. Secrets enter the model only as references, and the checker refuses
/// credential-shaped strings and templates; as a last defence, an artifact that still holds
/// something shaped like a credential (values that only look like one once a template joins
/// them, say) is refused with a literal-secret diagnostic naming the artifact and its line.
pub fn emit(platform: &Platform, families: &[Family]) -> Result<Vec<Artifact>, EmitError> {
    let (artifacts, emitted) = idpc_backends::collect(|sink| emit_each(platform, families, sink));
    emitted.map(|()| artifacts)
}

/// [`emit`], handing each artifact that holds nothing credential-shaped to `sink` as soon as it
/// is made, from any thread and in no particular order. On an error, some artifacts may have
/// been handed over already: the caller discards them.
pub fn emit_each(
    platform: &Platform,
    families: &[Family],
    sink: &(dyn Fn(Artifact) + Sync),
) -> Result<(), EmitError> {
    emit_units(platform, families, &|_| true, &|_, artifact| sink(artifact))
}

/// [`emit_each`] for the units `wants` selects, each artifact handed over with its unit.
pub fn emit_units(
    platform: &Platform,
    families: &[Family],
    wants: &(dyn Fn(Unit) -> bool + Sync),
    sink: &(dyn Fn(Unit, Artifact) + Sync),
) -> Result<(), EmitError> {
    let leaks = std::sync::Mutex::new(Vec::new());
    let mut diagnostics = idpc_backends::emit_units(
        platform,
        families,
        wants,
        &|unit, artifact| match leak(&artifact) {
            None => sink(unit, artifact),
            Some(leak) => leaks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((artifact.path, leak)),
        },
    );
    if idpc_diagnostics::has_errors(&diagnostics) {
        sort_and_dedup(&mut diagnostics);
        return Err(EmitError::Diagnostics(diagnostics));
    }
    let mut leaks = leaks.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !leaks.is_empty() {
        // In the order of the artifacts' paths, as the tree lists them.
        leaks.sort_by(|a, b| a.0.cmp(&b.0));
        return Err(EmitError::Diagnostics(leaks.into_iter().map(|(_, leak)| leak).collect()));
    }
    Ok(())
}

/// The diagnostic of an artifact that holds something credential-shaped.
fn leak(artifact: &Artifact) -> Option<Diagnostic> {
    // Most artifacts hold nothing: one pass over the whole text, then the line.
    if !idpc_sema::contains_credential(&artifact.contents) {
        return None;
    }
    let line = artifact.contents.lines().position(idpc_sema::contains_credential).unwrap_or(0);
    Some(
        Diagnostic::global(
            idpc_diagnostics::Code::LiteralSecret,
            format!(
                "line {} of `{}` would hold something shaped like a credential",
                line + 1,
                artifact.path
            ),
        )
        .with_help("the values that make it up come from the description or a template: pass the secret by reference instead"),
    )
}
