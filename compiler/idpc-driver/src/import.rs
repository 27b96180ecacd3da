//! Importing: Score workloads and Backstage catalog entities as new description files, checked
//! before they are written.
//!
//! [`plan`] reads the inputs, maps what the language can say (a service, a team, a system) and
//! notes, per input, what was imported, what took a default and what could not be carried over.
//! It then compiles and emits the whole description in memory with the new files, like
//! [`crate::scaffold::plan`]. [`write`] writes every file or, if one of them exists by then, none
//! of the rest. Nothing is written unless the description with the new files has no error.

mod backstage;
mod kdl;
mod score;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use idpc_diagnostics::{Diagnostic, Sources};
use idpc_ir::Platform;

use crate::Family;
use crate::pipeline::{Compilation, EmitError, Options, compile_with, emit};
use crate::scaffold::Refusal;
use crate::workspace::{LoadError, SourceText, load};

/// What the inputs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Score workload specifications (`score.dev/v1b1`).
    Score,
    /// Backstage catalog files (`backstage.io/v1alpha1`), several documents each.
    Backstage,
}

/// `idpc import`: the inputs and who owns what they declare.
#[derive(Debug, Clone)]
pub struct Request {
    /// The inputs' format.
    pub format: Format,
    /// The files to import, in the order given.
    pub inputs: Vec<PathBuf>,
    /// The team that owns every service (required for Score, which has no owner).
    pub team: Option<String>,
}

/// What happened to one thing in an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Carried over as it was.
    Imported,
    /// Not in the input: the golden path's value, or a placeholder to replace, was written.
    Defaulted,
    /// Not carried over.
    Dropped,
}

impl Outcome {
    /// `imported`, `defaulted` or `dropped`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Imported => "imported",
            Outcome::Defaulted => "defaulted",
            Outcome::Dropped => "dropped",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The input file, as given.
    pub input: String,
    /// What it is about, as `containers.main.variables.DB_PASSWORD`.
    pub subject: String,
    /// What happened to it.
    pub outcome: Outcome,
    /// Where it went, or why it did not.
    pub detail: String,
}

/// A new file, compiled with the rest of the description, not yet written.
#[derive(Debug)]
pub struct NewFile {
    /// Where it is written.
    pub path: PathBuf,
    /// Its path relative to the description's directory.
    pub display: String,
    /// Its text.
    pub text: String,
}

/// The new files and the report, not yet written.
#[derive(Debug)]
pub struct Plan {
    /// The files, in the order they are written.
    pub files: Vec<NewFile>,
    /// What was imported and what was not, per input, in input order.
    pub notes: Vec<Note>,
    /// The description with the new files (warnings included).
    pub compilation: Compilation,
}

/// Why nothing can be imported.
#[derive(Debug)]
pub enum ImportError {
    /// The description cannot be read.
    Load(LoadError),
    /// The inputs or the request do not fit; nothing was compiled.
    Refused {
        /// Why.
        refusals: Vec<Refusal>,
        /// What the inputs would have given.
        notes: Vec<Note>,
    },
    /// The description has errors already.
    Broken {
        /// Its problems.
        diagnostics: Vec<Diagnostic>,
        /// The sources they point into.
        sources: Sources,
    },
    /// The description with the new files has errors.
    Rejected {
        /// What is wrong.
        diagnostics: Vec<Diagnostic>,
        /// The sources they point into.
        sources: Sources,
        /// What the inputs gave.
        notes: Vec<Note>,
    },
    /// The artifacts cannot be generated for a reason that is a bug in idpc.
    Internal(String),
}

/// What the mapping of the inputs produced: files by display path, refusals and notes.
#[derive(Debug, Default)]
pub(crate) struct Mapped {
    pub(crate) files: Vec<(String, String)>,
    pub(crate) refusals: Vec<Refusal>,
    pub(crate) notes: Vec<Note>,
}

impl Mapped {
    pub(crate) fn note(
        &mut self,
        input: &str,
        subject: impl Into<String>,
        outcome: Outcome,
        detail: impl Into<String>,
    ) {
        self.notes.push(Note {
            input: input.to_owned(),
            subject: subject.into(),
            outcome,
            detail: detail.into(),
        });
    }

    pub(crate) fn refuse(&mut self, message: impl Into<String>, help: Option<String>) {
        self.refusals.push(Refusal { message: message.into(), help });
    }
}

/// Prepares the new files for `request` in the description at `dir`, without writing anything.
pub fn plan(dir: &Path, request: &Request, options: Options) -> Result<Plan, ImportError> {
    let loaded = load(dir, None).map_err(ImportError::Load)?;
    let base = compile_with(&loaded.files, options);
    let Some(platform) = base.platform.as_ref() else {
        return Err(ImportError::Broken { diagnostics: base.diagnostics, sources: base.sources });
    };
    let mut mapped = Mapped::default();
    let mut inputs = Vec::new();
    for input in &request.inputs {
        let shown = input.display().to_string();
        match std::fs::read_to_string(input) {
            Ok(text) => inputs.push((shown, text)),
            Err(error) => mapped.refuse(format!("cannot read `{shown}`: {error}"), None),
        }
    }
    match request.format {
        Format::Score => score::map(platform, request.team.as_deref(), &inputs, &mut mapped),
        Format::Backstage => {
            backstage::map(platform, request.team.as_deref(), &inputs, &mut mapped);
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (display, _) in &mapped.files {
        if seen.contains(&display.as_str()) {
            mapped.refusals.push(Refusal {
                message: format!("two inputs declare `{display}`"),
                help: Some("import them one at a time, or rename one".to_owned()),
            });
        }
        seen.push(display);
    }
    let files: Vec<NewFile> = mapped
        .files
        .iter()
        .map(|(display, text)| NewFile {
            path: display.split('/').fold(loaded.root.clone(), |path, part| path.join(part)),
            display: display.clone(),
            text: text.clone(),
        })
        .collect();
    for file in &files {
        if std::fs::symlink_metadata(&file.path).is_ok() {
            mapped.refusals.push(Refusal {
                message: format!("`{}` already exists", file.path.display()),
                help: Some(
                    "nothing is ever overwritten: move the file or remove it from the input"
                        .to_owned(),
                ),
            });
        }
    }
    if !mapped.refusals.is_empty() {
        return Err(ImportError::Refused { refusals: mapped.refusals, notes: mapped.notes });
    }
    if files.is_empty() {
        return Err(ImportError::Refused {
            refusals: vec![Refusal {
                message: "the inputs declare nothing that can be imported".to_owned(),
                help: None,
            }],
            notes: mapped.notes,
        });
    }

    let mut all = loaded.files.clone();
    all.extend(files.iter().map(|f| SourceText {
        path: f.display.clone(),
        text: f.text.clone(),
        invalid_utf8_at: None,
    }));
    all.sort_by(|a, b| a.path.cmp(&b.path));
    let compilation = compile_with(&all, options);
    let Some(platform) = compilation.platform.as_ref() else {
        return Err(ImportError::Rejected {
            diagnostics: compilation.diagnostics,
            sources: compilation.sources,
            notes: mapped.notes,
        });
    };
    check_declared(platform, &files)?;
    match emit(platform, Family::ALL) {
        Ok(_) => {}
        Err(EmitError::Diagnostics(diagnostics)) => {
            return Err(ImportError::Rejected {
                diagnostics,
                sources: compilation.sources,
                notes: mapped.notes,
            });
        }
        Err(EmitError::Internal(message)) => return Err(ImportError::Internal(message)),
    }
    Ok(Plan { files, notes: mapped.notes, compilation })
}

/// Writes the planned files, creating their directories. An existing file is never replaced;
/// the files written before one that exists are removed again.
pub fn write(plan: &Plan) -> std::io::Result<()> {
    let mut written: Vec<&Path> = Vec::new();
    for file in &plan.files {
        if let Err(error) = write_new(&file.path, &file.text) {
            for path in written {
                let _ = std::fs::remove_file(path);
            }
            return Err(error);
        }
        written.push(&file.path);
    }
    Ok(())
}

fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// Every new file declares something: a file the compiler skipped would be written unchecked.
fn check_declared(platform: &Platform, files: &[NewFile]) -> Result<(), ImportError> {
    for file in files {
        let here = |id| platform.file_path(id) == file.display;
        let declared = platform.services.iter().any(|s| here(s.file))
            || platform.teams.iter().any(|t| here(t.file))
            || platform.systems.iter().any(|s| here(s.file));
        if !declared {
            return Err(ImportError::Internal(format!(
                "the imported file `{}` declares nothing the compiler read",
                file.display
            )));
        }
    }
    Ok(())
}
