//! The pipeline: sources → parse (in parallel) → analyse → emit.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use idpc_backends::{Artifact, Family};
use idpc_diagnostics::{Diagnostic, FileId, Sources, sort_and_dedup};
use idpc_ir::Date;
use idpc_ir::Platform;
use idpc_policy::PolicySource;
use idpc_sema::TemplateSource;
use idpc_syntax::Parse;
use rayon::prelude::*;

use crate::stdlib;
use crate::workspace::{SourceText, not_utf8};

/// Where the time of a compilation went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Parsing every file.
    pub parse: Duration,
    /// Semantic analysis and lowering.
    pub analyze: Duration,
    /// Running the policies.
    pub policies: Duration,
    /// Running the backends.
    pub emit: Duration,
}

/// A compiled platform: its sources, every diagnostic, and the model if there is no error.
#[derive(Debug)]
pub struct Compilation {
    /// Every source file, stdlib first.
    pub sources: Sources,
    /// Every problem, sorted by place.
    pub diagnostics: Vec<Diagnostic>,
    /// The resolved platform, if the description has no errors.
    pub platform: Option<Platform>,
    /// The policy waivers in force.
    pub waivers: Vec<idpc_policy::ActiveWaiver>,
    /// Time spent per phase.
    pub timings: Timings,
}

/// The recursive KDL parser may nest deeply before the depth limit applies; parse on threads
/// with room for it.
const PARSE_STACK: usize = 32 << 20;

fn parse_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(PARSE_STACK)
            .thread_name(|i| format!("idpc-parse-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// How to compile.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The day waivers are judged on.
    pub today: Date,
    /// Whether to run the policies (on a platform without errors).
    pub policies: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { today: today(), policies: true }
    }
}

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
    compile_with(files, Options::default())
}

/// Compiles the files of a platform together with the standard library.
pub fn compile_with(files: &[SourceText], options: Options) -> Compilation {
    let mut sources = Sources::new();
    let mut diagnostics = Vec::new();
    for (path, text) in stdlib::FILES {
        sources.add(*path, *text);
    }
    let mut unreadable = Vec::new();
    for file in files {
        let id = sources.add(file.path.clone(), file.text.as_str());
        if let Some(offset) = file.invalid_utf8_at {
            diagnostics.push(not_utf8(id, offset));
            unreadable.push(id);
        }
    }
    let start = Instant::now();
    // A file that is not UTF-8 is not parsed: its replacement characters would only cause
    // follow-up errors.
    let ids: Vec<(FileId, &str)> = sources
        .iter()
        .filter(|(id, f)| !unreadable.contains(id) && is_description(&f.path))
        .map(|(id, f)| (id, &*f.text))
        .collect();
    let templates: Vec<TemplateSource> = sources
        .iter()
        .filter(|(_, f)| is_template(&f.path))
        .map(|(file, f)| TemplateSource { file, path: f.path.clone(), text: f.text.to_string() })
        .collect();
    let parse_all =
        || ids.par_iter().map(|(id, text)| idpc_syntax::parse(*id, text)).collect::<Vec<Parse>>();
    let parses = match parse_pool() {
        Some(pool) => pool.install(parse_all),
        None => ids.iter().map(|(id, text)| idpc_syntax::parse(*id, text)).collect(),
    };
    let parse = start.elapsed();
    let mut trees = Vec::with_capacity(parses.len());
    let mut complete = unreadable.is_empty();
    for parsed in parses {
        // A file with syntax errors still has a tree, but analysis sees only error-free files, so
        // that a half-read file causes no follow-up errors.
        let valid = !parsed.has_errors();
        complete &= valid;
        diagnostics.extend(parsed.diagnostics);
        trees.extend(parsed.source_file.filter(|_| valid));
    }
    let start = Instant::now();
    let paths: Vec<String> = sources.iter().map(|(_, f)| f.path.clone()).collect();
    let analysis = idpc_sema::analyze(&trees, &templates, &paths, complete);
    diagnostics.extend(analysis.diagnostics);
    let analyzed = !idpc_diagnostics::has_errors(&diagnostics);
    if let Some(platform) = analysis.platform.as_ref().filter(|_| analyzed) {
        // What only rendering finds (a kind's template that does not render, two resources
        // that become one Terraform name) is found here too, so `check` reports every error
        // `build` would, from the same code.
        diagnostics.extend(idpc_backends::check(platform));
    }
    let analyze = start.elapsed();
    let start = Instant::now();
    let mut waivers = Vec::new();
    if let Some(platform) = analysis.platform.as_ref().filter(|_| options.policies && analyzed) {
        let policies = |stdlib: bool| -> Vec<PolicySource> {
            sources
                .iter()
                .filter(|(_, f)| is_policy(&f.path) && crate::stdlib::is_stdlib(&f.path) == stdlib)
                .map(|(file, f)| PolicySource {
                    file,
                    path: f.path.clone(),
                    text: f.text.to_string(),
                })
                .collect()
        };
        let outcome =
            idpc_policy::check(platform, &policies(true), &policies(false), options.today);
        diagnostics.extend(outcome.diagnostics);
        waivers = outcome.waivers;
    }
    sort_and_dedup(&mut diagnostics);
    let platform =
        if idpc_diagnostics::has_errors(&diagnostics) { None } else { analysis.platform };
    Compilation {
        sources,
        diagnostics,
        platform,
        waivers,
        timings: Timings { parse, analyze, policies: start.elapsed(), emit: Duration::ZERO },
    }
}

/// Whether a source file is a template rather than a description.
fn is_template(path: &str) -> bool {
    path.ends_with(".hbs")
}

/// Whether a source file is a policy.
fn is_policy(path: &str) -> bool {
    path.ends_with(".rego")
}

/// Whether a source file is part of the description itself.
fn is_description(path: &str) -> bool {
    !is_template(path) && !is_policy(path)
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
    let mut output = idpc_backends::emit(platform, families);
    if idpc_diagnostics::has_errors(&output.diagnostics) {
        sort_and_dedup(&mut output.diagnostics);
        return Err(EmitError::Diagnostics(output.diagnostics));
    }
    let artifacts = output.artifacts;
    let leaks: Vec<Diagnostic> = artifacts
        .par_iter()
        .filter_map(|artifact| {
            let line = artifact.contents.lines().position(idpc_sema::contains_credential)?;
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
        })
        .collect();
    if !leaks.is_empty() {
        return Err(EmitError::Diagnostics(leaks));
    }
    Ok(artifacts)
}
