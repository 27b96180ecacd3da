//! The database: the files of one description, each parsed once per text, and the compilation
//! of the whole on demand.
//!
//! Files are the unit of caching. Parsing a file is a pure function of its text, so a file's
//! parse is kept until its text changes; the cross-file work (collection, resolution, overlays,
//! policies) is redone on each [`Database::compile`] from the cached trees. See
//! `docs/decisions/0008-keyed-caches-not-a-query-framework.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use idpc_diagnostics::{Code, Diagnostic, FileId, Sources, Span, has_errors, sort_and_dedup};
use idpc_ir::{Date, Platform};
use idpc_policy::PolicySource;
use idpc_sema::resolve::{self, FileNames, Index, PolicyFile};
use idpc_sema::{FileUnit, TemplateSource};
use idpc_syntax::Parse;
use idpc_syntax::ast::SourceFile;
use rayon::prelude::*;

use crate::stdlib;

/// What is computed from one file's text alone.
type PerFile = (FileId, Parse, Option<FileNames>, bool, Option<FileUnit>);

/// Where the time of a compilation went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Parsing the files that changed.
    pub parse: Duration,
    /// Semantic analysis and lowering.
    pub analyze: Duration,
    /// Running the policies.
    pub policies: Duration,
    /// Running the backends.
    pub emit: Duration,
}

/// How to compile.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The day waivers are judged on.
    pub today: Date,
    /// Whether to run the policies (on a platform without errors).
    pub policies: bool,
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
    /// How many problems are held back while some file has syntax errors (names its unread
    /// part may declare, values it may give): they are reported once it parses.
    pub held_back: usize,
}

/// A compilation with what editors ask about: the trees of every file (broken ones included),
/// the recorded resolution of every name, and as much model as the description yields.
#[derive(Debug)]
pub struct Snapshot {
    /// The compilation, as `check` and `build` see it.
    pub compilation: Compilation,
    /// When there are errors, the platform as far as it could be lowered (see [`Snapshot::model`]).
    pub(crate) partial: Option<Platform>,
    /// Every declaration and reference; none when the database drops its syntax trees.
    pub index: Arc<Index>,
    /// The parse of each file by id (`None` for files that are not descriptions or were removed).
    pub(crate) parses: Vec<Option<Arc<Parse>>>,
    /// Whether the trees and names are current but the diagnostics and the model are those of
    /// an earlier compile (see [`Database::refresh`]).
    pub stale: bool,
    /// The number under which the model's deployments may go back to the database they came
    /// from ([`Database::compile_after`]).
    lent: Option<u64>,
}

impl Snapshot {
    /// The node tree of a file, if it is a description file.
    pub fn tree(&self, file: FileId) -> Option<&SourceFile> {
        self.parses.get(file.0 as usize)?.as_ref()?.source_file.as_ref()
    }

    /// As much model as the description yields: the platform when there is no error, else what
    /// could be lowered. For queries only: values that failed to check are absent and ids may
    /// dangle, so it is read with `get`.
    pub fn model(&self) -> Option<&Platform> {
        self.compilation.platform.as_ref().or(self.partial.as_ref())
    }

    /// Whether two snapshots share the parse of a file: whether the later one reused it.
    pub fn same_parse(&self, other: &Snapshot, file: FileId) -> bool {
        let parse = |s: &Snapshot| s.parses.get(file.0 as usize).cloned().flatten();
        match (parse(self), parse(other)) {
            (Some(a), Some(b)) => Arc::ptr_eq(&a, &b),
            _ => false,
        }
    }

    /// The id of the file with this display path.
    pub fn file(&self, path: &str) -> Option<FileId> {
        self.compilation.sources.iter().find(|(_, f)| f.path == path).map(|(id, _)| id)
    }
}

#[derive(Debug, Clone, Default)]
struct Slot {
    present: bool,
    invalid_utf8_at: Option<usize>,
    parse: Option<Arc<Parse>>,
    /// What the file declares and refers to, from its parse, unless the syntax trees are
    /// dropped (no query about names follows a one-shot compile).
    names: Option<Arc<FileNames>>,
    /// Whether the file declares a shared name (see [`FileNames::declares_shared`]).
    shared: bool,
    /// The file checked against the schema and typed, from its parse.
    unit: Option<Arc<FileUnit>>,
}

/// The files of one description, stdlib first, each with its cached parse.
#[derive(Debug, Clone)]
pub struct Database {
    sources: Sources,
    slots: Vec<Slot>,
    by_path: BTreeMap<String, FileId>,
    /// The presets' results per slice of services, from the last compile.
    policies: idpc_policy::Cache,
    /// Per-service results of the last analysis, when [`Database::keep_results`] asked.
    analysis: idpc_sema::Cache,
    /// Counts changes to the files: an index is current while the count is the same.
    generation: u64,
    /// The last index made, with the generation it was made at.
    index: Option<(u64, Arc<Index>)>,
    /// Whether each file's syntax tree is kept once its names and unit are made (for the
    /// queries of a snapshot); see [`Database::drop_syntax_trees`].
    keep_syntax: bool,
}

impl Default for Database {
    fn default() -> Self {
        Database::new()
    }
}

impl Database {
    /// A database holding the standard library.
    pub fn new() -> Database {
        let mut db = Database {
            sources: Sources::new(),
            slots: Vec::new(),
            by_path: BTreeMap::new(),
            policies: idpc_policy::Cache::default(),
            analysis: idpc_sema::Cache::default(),
            generation: 0,
            index: None,
            keep_syntax: true,
        };
        for (path, text) in stdlib::FILES {
            db.set_file(path, *text, None);
        }
        db
    }

    /// Sets the text of the file at a display path, adding it if it is new. `invalid_utf8_at`
    /// is the offset of the first byte that was not UTF-8, for a file read from disk. A file
    /// whose text is unchanged keeps its parse.
    pub fn set_file(
        &mut self,
        path: &str,
        text: impl Into<Arc<str>>,
        invalid_utf8_at: Option<usize>,
    ) -> FileId {
        let text: Arc<str> = text.into();
        if let Some(&id) = self.by_path.get(path) {
            let slot = &mut self.slots[id.0 as usize];
            let same = slot.present
                && slot.invalid_utf8_at == invalid_utf8_at
                && self.sources.get(id).is_some_and(|f| f.text == text);
            if !same {
                self.generation += 1;
                self.sources.replace(id, text);
                *slot = Slot { present: true, invalid_utf8_at, ..Slot::default() };
            }
            return id;
        }
        self.generation += 1;
        let id = self.sources.add(path, text);
        self.slots.push(Slot { present: true, invalid_utf8_at, ..Slot::default() });
        self.by_path.insert(path.to_owned(), id);
        id
    }

    /// Compiles like [`Database::compile`], first taking back the deployments the previous
    /// snapshot's model holds when they came from this database's kept results (see
    /// [`Database::keep_results`]): they are moved, not copied. The previous snapshot is spent.
    pub fn compile_after(&mut self, options: Options, previous: Snapshot) -> Snapshot {
        let Snapshot { compilation, partial, lent, .. } = previous;
        if let (Some(token), Some(model)) = (lent, compilation.platform.or(partial)) {
            self.analysis.reclaim(token, model.deployments);
        }
        self.compile(options)
    }

    /// Keeps each service's lowering and deployments from one compile to the next, reused while
    /// the service's file and what it is resolved against do not change: for an editor, which
    /// compiles the same description after every edit. A one-shot compile gains nothing.
    pub fn keep_results(&mut self) {
        if !self.analysis.keeps() {
            self.analysis = idpc_sema::Cache::keep();
        }
    }

    /// Drops each file's syntax tree as soon as its unit is made, for a one-shot compile whose
    /// snapshot answers no query about the syntax or the names (hover, completion, `why`): the
    /// trees are about a fifth of a compile's memory, and never all held at once. Nor are the
    /// names resolved across files: the snapshot's index is empty.
    pub fn drop_syntax_trees(&mut self) {
        self.keep_syntax = false;
    }

    /// Takes the presets' results per slice of services from the last compile, for a build to
    /// keep beside its output.
    pub fn take_policy_cache(&mut self) -> idpc_policy::Cache {
        std::mem::take(&mut self.policies)
    }

    /// Starts from presets' results a previous compile kept (see [`Database::take_policy_cache`]):
    /// a slice whose input is unchanged is not evaluated again.
    pub fn set_policy_cache(&mut self, cache: idpc_policy::Cache) {
        self.policies = cache;
    }

    /// How many services' results the last compile reused (see [`Database::keep_results`]).
    pub fn reused_services(&self) -> usize {
        self.analysis.reused()
    }

    /// Removes a file. Its id is not reused.
    pub fn remove_file(&mut self, path: &str) {
        if let Some(&id) = self.by_path.get(path) {
            self.generation += 1;
            self.sources.replace(id, "");
            self.slots[id.0 as usize] = Slot::default();
        }
    }

    /// The id of the file at a display path, if it is present.
    pub fn file(&self, path: &str) -> Option<FileId> {
        self.by_path.get(path).copied().filter(|id| self.slots[id.0 as usize].present)
    }

    /// The sources, stdlib first.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// Compiles the description: parses the files that changed (in parallel), then analyses,
    /// checks what only rendering finds, and runs the policies on a platform without errors.
    pub fn compile(&mut self, options: Options) -> Snapshot {
        let start = Instant::now();
        self.parse_changed();
        let parse = start.elapsed();
        let mut diagnostics = Vec::new();
        let mut units: Vec<Arc<FileUnit>> = Vec::new();
        let mut broken: Vec<FileId> = Vec::new();
        let mut complete = true;
        for (id, _) in self.sources.iter() {
            let slot = &self.slots[id.0 as usize];
            if !slot.present {
                continue;
            }
            if let Some(offset) = slot.invalid_utf8_at {
                diagnostics.push(not_utf8(id, offset));
                complete = false;
                continue;
            }
            let Some(parse) = &slot.parse else { continue };
            if parse.has_errors() {
                broken.push(id);
                complete = false;
            }
            diagnostics.extend(parse.diagnostics.iter().cloned());
            units.extend(slot.unit.clone());
        }
        let start = Instant::now();
        let templates = self.templates();
        let paths: Vec<String> = self.sources.iter().map(|(_, f)| f.path.clone()).collect();
        let analysis =
            idpc_sema::analyze_units(&units, &templates, &paths, complete, &mut self.analysis);
        let lent = analysis.lent;
        // Only a snapshot's queries about names need the index: a one-shot compile, which
        // keeps no syntax trees, makes none (at 10,000 services, 30 ms on one core).
        let index = if self.keep_syntax { self.index() } else { Arc::default() };
        let syntax: BTreeSet<Span> =
            diagnostics.iter().filter_map(|d| Some(d.primary.as_ref()?.span)).collect();
        let (kept, held) = held_back(analysis.diagnostics, complete, &broken, &syntax);
        diagnostics.extend(kept);
        let analyzed = !has_errors(&diagnostics);
        if let Some(platform) = analysis.platform.as_ref().filter(|_| analyzed) {
            // What only rendering finds (a kind's template that does not render, two resources
            // that become one Terraform name) is found here too, so `check` reports every error
            // `build` would, from the same code.
            diagnostics.extend(idpc_backends::check(platform));
        }
        let analyze = start.elapsed();
        let start = Instant::now();
        let mut waivers = Vec::new();
        let analyzed = !has_errors(&diagnostics);
        // With errors, the policies still see the services whose files have none, when the
        // errors are all in files that declare only services: one run then reports syntax,
        // type and policy problems, and no violation follows from a value that failed.
        let (model, include) = match (&analysis.platform, &analysis.partial) {
            (Some(platform), _) if analyzed => (Some(platform), None),
            (None, Some(partial)) => {
                (Some(partial), clean_services(partial, &diagnostics, &self.shared()))
            }
            _ => (None, None),
        };
        let scoped = include.is_some();
        if let Some(platform) = model.filter(|_| options.policies && (analyzed || scoped)) {
            let policies = |stdlib: bool| -> Vec<PolicySource> {
                self.present()
                    .filter(|(_, path, _)| is_policy(path) && stdlib::is_stdlib(path) == stdlib)
                    .map(|(file, path, text)| PolicySource {
                        file,
                        path: path.to_owned(),
                        text: text.to_owned(),
                    })
                    .collect()
            };
            let (stdlib, own) = (policies(true), policies(false));
            let cache = &mut self.policies;
            let outcome = idpc_policy::check_cached(
                platform,
                &stdlib,
                &own,
                options.today,
                cache,
                include.as_deref(),
            );
            diagnostics.extend(outcome.diagnostics);
            waivers = outcome.waivers;
        }
        sort_and_dedup(&mut diagnostics);
        let (platform, partial) = match analysis.platform {
            Some(platform) if has_errors(&diagnostics) => (None, Some(platform)),
            platform => (platform, analysis.partial),
        };
        let compilation = Compilation {
            sources: self.sources.clone(),
            diagnostics,
            platform,
            waivers,
            timings: Timings { parse, analyze, policies: start.elapsed(), emit: Duration::ZERO },
            held_back: held,
        };
        let parses = self.slots.iter().map(|s| s.parse.clone().filter(|_| s.present)).collect();
        Snapshot { compilation, partial, index, parses, stale: false, lent }
    }

    /// A snapshot for answering an editor right after an edit, in a fraction of a compile: the
    /// changed files are parsed again and every name is resolved again, so positions, trees,
    /// definitions, references and completions are current; the diagnostics and the model
    /// (values in hover) are carried over from `previous` and the snapshot is marked
    /// [`Snapshot::stale`] until the next [`Database::compile`].
    pub fn refresh(&mut self, previous: Snapshot) -> Snapshot {
        self.parse_changed();
        let index = self.index();
        let Snapshot { compilation, partial, lent, .. } = previous;
        let model = compilation.platform.or(partial);
        let compilation = Compilation {
            sources: self.sources.clone(),
            diagnostics: compilation.diagnostics,
            platform: None,
            waivers: compilation.waivers,
            timings: Timings::default(),
            held_back: compilation.held_back,
        };
        let parses = self.slots.iter().map(|s| s.parse.clone().filter(|_| s.present)).collect();
        Snapshot { compilation, partial: model, index, parses, stale: true, lent }
    }

    /// Parses every present description file without a parse, in parallel.
    fn parse_changed(&mut self) {
        let todo: Vec<(FileId, Arc<str>)> = self
            .sources
            .iter()
            .filter(|(id, f)| {
                let slot = &self.slots[id.0 as usize];
                slot.present
                    && slot.parse.is_none()
                    && slot.invalid_utf8_at.is_none()
                    && is_description(&f.path)
            })
            .map(|(id, f)| (id, f.text.clone()))
            .collect();
        // A file's parse, names and unit are functions of its text alone.
        let keep_syntax = self.keep_syntax;
        let parsed: Vec<PerFile> = todo
            .par_iter()
            .map(|(id, text)| {
                let mut parse = idpc_syntax::parse(*id, text);
                let mut names = parse.source_file.as_ref().map(resolve::file_names);
                let shared = names.as_ref().is_some_and(FileNames::declares_shared);
                let unit = parse.source_file.as_ref().map(idpc_sema::unit);
                if !keep_syntax {
                    parse.source_file = None;
                    names = None;
                }
                (*id, parse, names, shared, unit)
            })
            .collect();
        for (id, parse, names, shared, unit) in parsed {
            let slot = &mut self.slots[id.0 as usize];
            slot.parse = Some(Arc::new(parse));
            slot.names = names.map(Arc::new);
            slot.shared = shared;
            slot.unit = unit.map(Arc::new);
        }
    }

    /// Every name of the description resolved: the files' kept names joined, policy names
    /// looked up in the policy files.
    /// (Kept until a file changes: a refresh and the compile after it share one index.)
    fn index(&mut self) -> Arc<Index> {
        if let Some((generation, index)) = &self.index
            && *generation == self.generation
        {
            return index.clone();
        }
        let policy_files: Vec<PolicyFile<'_>> = self
            .present()
            .filter(|(_, path, _)| is_policy(path))
            .map(|(file, _, text)| PolicyFile { file, text })
            .collect();
        let index = Arc::new(resolve::resolve(&self.names(), &policy_files));
        self.index = Some((self.generation, index.clone()));
        index
    }

    /// The names of every present description file that could be read, in file order.
    fn names(&self) -> Vec<&FileNames> {
        self.slots
            .iter()
            .filter(|s| s.present && s.invalid_utf8_at.is_none())
            .filter_map(|s| s.names.as_deref())
            .collect()
    }

    /// The present files that declare a shared name (see [`FileNames::declares_shared`]).
    fn shared(&self) -> BTreeSet<FileId> {
        let shared = |id: &FileId| {
            let slot = &self.slots[id.0 as usize];
            slot.present && slot.shared
        };
        self.sources.iter().map(|(id, _)| id).filter(shared).collect()
    }

    /// The present files: id, display path, text.
    fn present(&self) -> impl Iterator<Item = (FileId, &str, &str)> {
        self.sources
            .iter()
            .filter(|(id, _)| self.slots[id.0 as usize].present)
            .map(|(id, f)| (id, f.path.as_str(), &*f.text))
    }

    fn templates(&self) -> Vec<TemplateSource> {
        self.present()
            .filter(|(_, path, _)| is_template(path))
            .map(|(file, path, text)| TemplateSource {
                file,
                path: path.to_owned(),
                text: text.to_owned(),
            })
            .collect()
    }
}

/// Which services (by index) the policies may see in a model with errors: those declared in a
/// file without errors. `None` when an error is in a file that declares anything but services
/// (the platform, teams, environments, kinds, systems): every service depends on those.
fn clean_services(
    platform: &Platform,
    diagnostics: &[Diagnostic],
    shared: &BTreeSet<FileId>,
) -> Option<Vec<bool>> {
    let broken: BTreeSet<FileId> = diagnostics
        .iter()
        .filter(|d| d.severity == idpc_diagnostics::Severity::Error)
        .map(|d| d.primary.as_ref().map(|p| p.span.file))
        .collect::<Option<_>>()?;
    if !broken.is_disjoint(shared) || broken.is_empty() {
        return None;
    }
    let include: Vec<bool> =
        platform.services.iter().map(|s| !broken.contains(&s.span.file)).collect();
    include.iter().any(|clean| *clean).then_some(include)
}

/// While some file is broken, the problems its broken part may cause are held back: a name
/// may be declared in the part that could not be read, and a required value may be written
/// there. They come back once the syntax is fixed. A problem of a value that is itself a syntax
/// error (`auto=true`, a KDL 1 boolean read as a word) is told once, by the syntax error at the
/// same place.
fn held_back(
    diagnostics: Vec<Diagnostic>,
    complete: bool,
    broken: &[FileId],
    syntax: &BTreeSet<Span>,
) -> (Vec<Diagnostic>, usize) {
    if complete {
        return (diagnostics, 0);
    }
    let mut held = 0;
    let kept = diagnostics
        .into_iter()
        .filter(|d| {
            if d.primary.as_ref().is_some_and(|p| syntax.contains(&p.span)) {
                return false;
            }
            let in_broken = d.primary.as_ref().is_some_and(|p| broken.contains(&p.span.file));
            let keep = match d.code {
                Code::UnknownReference | Code::MissingPlatform => false,
                Code::MissingValue | Code::MissingArgument => !in_broken,
                _ => true,
            };
            held += usize::from(!keep);
            keep
        })
        .collect();
    (kept, held)
}

fn not_utf8(file: FileId, offset: usize) -> Diagnostic {
    Diagnostic::new(
        Code::NotUtf8,
        "the file is not valid UTF-8",
        Span::new(file, offset, offset + 3),
        "invalid byte here",
    )
    .with_help("save the file as UTF-8")
}

/// Whether a source file is a template rather than a description.
pub(crate) fn is_template(path: &str) -> bool {
    path.ends_with(".hbs")
}

/// Whether a source file is a policy.
pub(crate) fn is_policy(path: &str) -> bool {
    path.ends_with(".rego")
}

/// Whether a source file is part of the description itself.
pub(crate) fn is_description(path: &str) -> bool {
    !is_template(path) && !is_policy(path)
}
