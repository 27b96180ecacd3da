//! Printing: diagnostics in every format, trouble, JSON documents and the summary that ends every
//! machine-readable output, and finding the description a command is about.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use idpc_diagnostics::{
    Diagnostic, JSON_FORMAT, RenderOptions, SarifResult, SarifTool, Severity, Sources,
    render_github, render_human, render_json, render_plain, render_short, sarif_log, sarif_results,
    within_limits,
};
use idpc_ir::Date;
use serde_json::{Value, json};

use crate::args::{Cli, Command, EnvCommand, Format};
use crate::{EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, EXIT_TROUBLE};

/// Where the book's explanations of diagnostic codes are published: `#e0202` is appended.
/// Set `IDPC_BOOK_URL` when building to where your copy of the book is served.
pub(crate) const CODES_URL: &str = match option_env!("IDPC_BOOK_URL") {
    Some(url) => url,
    None => "https://idpc.invalid/book/reference/diagnostics.html",
};

/// How this run prints, and what it printed so far (for the summary).
pub(crate) struct Ctx {
    pub(crate) color: bool,
    /// Diagnostics for a terminal (miette's drawing) rather than rustc's plain layout.
    pub(crate) graphical: bool,
    pub(crate) format: Format,
    /// What waivers and ephemeral environments are judged by.
    pub(crate) today: Date,
    cwd: Option<PathBuf>,
    command: &'static str,
    /// The process ends with the command (see [`crate::Surroundings::exits`]).
    exits: bool,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// The description's path, once found.
    description: PathBuf,
    /// The description's root (absolute) and the current directory, when paths are shown
    /// relative to it.
    relative_to: Option<(PathBuf, PathBuf)>,
    errors: usize,
    warnings: usize,
    omitted: usize,
    trouble: Option<String>,
    sarif: Vec<SarifResult>,
    /// A JSON document with its summary was printed.
    summarised: bool,
}

impl Ctx {
    pub(crate) fn new(
        color: bool,
        graphical: bool,
        format: Format,
        today: Date,
        cwd: Option<PathBuf>,
        command: &'static str,
        exits: bool,
    ) -> Ctx {
        Ctx { color, graphical, format, today, cwd, command, exits, state: RefCell::default() }
    }

    /// Done with `value`: dropped, or when the process ends with the command, left for the
    /// exit to reclaim at once.
    pub(crate) fn done_with<T>(&self, value: T) {
        if self.exits {
            std::mem::forget(value);
        }
    }

    /// How commands compile.
    pub(crate) fn options(&self) -> idpc_driver::Options {
        idpc_driver::Options { today: self.today, policies: true }
    }

    /// The description's path (a directory or a `.kdl` file), as found by [`locate`].
    pub(crate) fn description(&self) -> PathBuf {
        self.state.borrow().description.clone()
    }

    /// A path as shown: relative to the current directory when it is known.
    pub(crate) fn shown(&self, path: &Path) -> String {
        match &self.cwd {
            Some(cwd) => relative_path(&absolute(cwd), &absolute(path)),
            None => path.display().to_string(),
        }
    }

    /// [`Ctx::shown`] of each of `files`, found below `root` (by a walk that follows no links
    /// below it): the current directory and `root` are resolved once, not once a file.
    pub(crate) fn shown_below(&self, root: &Path, files: &[PathBuf]) -> Vec<String> {
        let Some(cwd) = &self.cwd else { return files.iter().map(|f| self.shown(f)).collect() };
        let (cwd, base) = (absolute(cwd), absolute(root));
        let shown = |file: &PathBuf| match file.strip_prefix(root) {
            Ok(below) if file != root => relative_path(&cwd, &base.join(below)),
            _ => relative_path(&cwd, &absolute(file)),
        };
        files.iter().map(shown).collect()
    }

    /// `sources` with paths relative to the current directory.
    pub(crate) fn rebase(&self, sources: Sources) -> Sources {
        let state = self.state.borrow();
        match &state.relative_to {
            None => sources,
            Some((root, cwd)) => sources.rebased(|path| relative_path(cwd, &root.join(path))),
        }
    }

    /// Prints trouble (I/O, usage) as one line, with control characters (from file names, say)
    /// shown escaped; the summary of machine-readable output repeats it.
    pub(crate) fn trouble(&self, err: &mut dyn Write, message: impl std::fmt::Display) {
        let message = idpc_diagnostics::clean_message(&message.to_string());
        let _ = writeln!(err, "error: {message}");
        let mut state = self.state.borrow_mut();
        if state.trouble.is_none() {
            state.trouble = Some(message);
        }
    }

    /// Prints a JSON document with `"format"` first and `summary` last.
    pub(crate) fn document(&self, out: &mut dyn Write, body: Value, exit: u8) {
        let mut document = json!({ "format": JSON_FORMAT });
        if let (Value::Object(document), Value::Object(body)) = (&mut document, body) {
            document.extend(body);
        }
        document["summary"] = self.summary(exit);
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&document).unwrap_or_default());
        self.state.borrow_mut().summarised = true;
    }

    /// The summary object: counts and why the command exits as it does.
    fn summary(&self, exit: u8) -> Value {
        let state = self.state.borrow();
        let outcome = match exit {
            EXIT_OK => "ok",
            EXIT_ERRORS => "errors",
            EXIT_TROUBLE => "trouble",
            EXIT_INTERNAL => "internal-error",
            _ => "other",
        };
        json!({
            "command": self.command,
            "exit": exit,
            "outcome": outcome,
            "errors": state.errors,
            "warnings": state.warnings,
            "omitted": state.omitted,
            "message": state.trouble,
        })
    }

    /// Ends the run's output: the summary line of JSON lines, the SARIF log, the trouble as a
    /// workflow command.
    pub(crate) fn finish(&self, exit: u8, out: &mut dyn Write) {
        match self.format {
            Format::Json if !self.state.borrow().summarised => {
                let mut line = json!({ "format": JSON_FORMAT, "type": "summary" });
                if let (Value::Object(line), Value::Object(summary)) =
                    (&mut line, self.summary(exit))
                {
                    line.extend(summary);
                }
                let _ = writeln!(out, "{line}");
            }
            Format::Sarif => {
                let mut state = self.state.borrow_mut();
                let tool = SarifTool {
                    name: "idpc",
                    version: crate::version::SHORT,
                    help_base: CODES_URL,
                };
                let mut log = sarif_log(&tool, std::mem::take(&mut state.sarif), state.omitted);
                let mut invocation = json!({
                    "executionSuccessful": exit == EXIT_OK || exit == EXIT_ERRORS,
                    "exitCode": exit,
                });
                if let Some(message) = &state.trouble {
                    invocation["toolExecutionNotifications"] =
                        json!([{ "level": "error", "message": { "text": message } }]);
                }
                log["runs"][0]["invocations"] = json!([invocation]);
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&log).unwrap_or_default());
            }
            Format::Github => {
                if let Some(message) = &self.state.borrow().trouble {
                    let message = message.replace('%', "%25");
                    let _ = writeln!(out, "::error title=idpc {}::{message}", self.command);
                }
            }
            _ => {}
        }
    }
}

/// Prints diagnostics in the run's format (text to `err`; JSON lines, workflow commands to
/// `out`; SARIF at the end of the run) and, for text, a summary line.
pub(crate) fn diagnostics(
    ctx: &Ctx,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    {
        let mut state = ctx.state.borrow_mut();
        let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        state.errors += errors;
        state.warnings += diagnostics.len() - errors;
        state.omitted += within_limits(diagnostics).1;
    }
    let options = RenderOptions { color: ctx.color, width: 100 };
    let text = match ctx.format {
        Format::Json => {
            let _ = out.write_all(render_json(diagnostics, sources).as_bytes());
            return;
        }
        Format::Github => {
            let _ = out.write_all(render_github(diagnostics, sources).as_bytes());
            return;
        }
        Format::Sarif => {
            ctx.state.borrow_mut().sarif.extend(sarif_results(diagnostics, sources));
            return;
        }
        Format::Short => render_short(diagnostics, sources),
        _ if ctx.graphical => render_human(diagnostics, sources, options),
        _ => render_plain(diagnostics, sources, options),
    };
    let _ = err.write_all(text.as_bytes());
    if let Some(summary) = summary(diagnostics) {
        let _ = writeln!(err, "{summary}");
    }
}

/// For people: how many problems wait for the files with syntax errors to parse.
pub(crate) fn held_back(ctx: &Ctx, held: usize, err: &mut dyn Write) {
    if held > 0 && matches!(ctx.format, Format::Human) {
        let problems = if held == 1 { "problem waits" } else { "problems wait" };
        let _ = writeln!(
            err,
            "note: {held} more {problems} for the files with syntax errors to parse (a name they may declare, a value they may give)"
        );
    }
}

/// "3 errors, 1 warning", or `None` when there is nothing.
fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some(format!("{} emitted", plural(w, "warning"))),
        (e, 0) => Some(format!("{} found", plural(e, "error"))),
        (e, w) => Some(format!("{} and {} found", plural(e, "error"), plural(w, "warning"))),
    }
}

/// A file of an output tree that is not as the description generates it (`build --check`,
/// `diff --against`), printed in the run's format like a diagnostic without a code.
pub(crate) struct FileFinding {
    /// The file, as shown (relative to the current directory when known).
    pub(crate) path: String,
    /// `missing`, `extra`, `changed`, `foreign`.
    pub(crate) class: &'static str,
    /// What it means, for people.
    pub(crate) message: String,
}

/// Prints file findings in the run's format; `text` prints them for people.
pub(crate) fn file_findings(
    ctx: &Ctx,
    findings: &[FileFinding],
    out: &mut dyn Write,
    text: impl FnOnce(&mut dyn Write),
    err: &mut dyn Write,
) {
    ctx.state.borrow_mut().errors += findings.len();
    match ctx.format {
        Format::Json => {
            for f in findings {
                let line = json!({ "format": JSON_FORMAT, "type": "file", "path": f.path, "class": f.class, "message": f.message });
                let _ = writeln!(out, "{line}");
            }
        }
        Format::Github => {
            for f in findings {
                let path = f.path.replace('%', "%25").replace(':', "%3A").replace(',', "%2C");
                let message = f.message.replace('%', "%25");
                let _ = writeln!(out, "::error file={path},title=idpc {}::{message}", f.class);
            }
        }
        Format::Short => {
            for f in findings {
                let _ = writeln!(err, "{}: error[{}]: {}", f.path, f.class, f.message);
            }
        }
        Format::Sarif => {
            let mut state = ctx.state.borrow_mut();
            for f in findings {
                // The results of a stale tree name the file, under the rule of the stale tree.
                state.sarif.push(SarifResult {
                    code: idpc_diagnostics::Code::StaleOutput,
                    value: json!({
                        "ruleId": idpc_diagnostics::Code::StaleOutput.as_str(),
                        "level": "error",
                        "message": { "text": format!("{}: {}", f.class, f.message) },
                        "locations": [{ "physicalLocation": { "artifactLocation": { "uri": f.path } } }],
                    }),
                });
            }
        }
        _ => text(err),
    }
}

/// An aligned table: a header of capitals, then one line per row, columns two spaces apart.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            let cells = rows.iter().map(|r| r.get(column).map_or(0, |c| c.chars().count()));
            cells.chain([header[column].len()]).max().unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// Loads the description (leaving `out_dir` out of it) and compiles it, with paths relative to
/// the current directory; when it cannot be read, says why and returns the exit code for
/// trouble.
pub(crate) fn load_and_compile(
    out_dir: Option<&Path>,
    ctx: &Ctx,
    err: &mut dyn Write,
) -> Result<idpc_driver::Compilation, u8> {
    match idpc_driver::load(&ctx.description(), out_dir) {
        Ok(loaded) => {
            let (mut compilation, _) =
                idpc_driver::compile_keeping(loaded.files, ctx.options(), None);
            compilation.sources = ctx.rebase(std::mem::take(&mut compilation.sources));
            Ok(compilation)
        }
        Err(error) => {
            ctx.trouble(err, error);
            Err(EXIT_TROUBLE)
        }
    }
}

/// The compiled platform (there is one only when the description has no error), or, after
/// printing the diagnostics and that the description must be fixed before `doing`, the exit code
/// for trouble.
pub(crate) fn platform_or_trouble<'a>(
    ctx: &Ctx,
    compilation: &'a idpc_driver::Compilation,
    doing: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<&'a idpc_ir::Platform, u8> {
    compilation.platform.as_ref().ok_or_else(|| {
        diagnostics(ctx, &compilation.diagnostics, &compilation.sources, out, err);
        ctx.trouble(err, format!("the description has errors; fix them before {doing}"));
        EXIT_TROUBLE
    })
}

/// Finds the description the command is about (from `DIR`, `--dir` or the current directory)
/// and records it in `ctx`; refuses both `DIR` and `--dir`, and a directory above several
/// descriptions.
pub(crate) fn locate(cli: &mut Cli, ctx: &Ctx, err: &mut dyn Write) -> Result<(), u8> {
    if let Command::Fmt(a) = &cli.command
        && !a.paths.is_empty()
    {
        if cli.dir.is_some() {
            ctx.trouble(err, "the files are named twice: give `PATHS` or `--dir DIR`, not both");
            return Err(EXIT_TROUBLE);
        }
        return Ok(());
    }
    let positional = match &mut cli.command {
        Command::Check(a) => Some(a.path.take()),
        Command::Build(a) => Some(a.path.take()),
        Command::Diff(a) => Some(a.path.take()),
        Command::Review(a) => Some(a.path.take()),
        Command::Graph(a) => Some(a.path.take()),
        Command::Env(a) => match &mut a.what {
            EnvCommand::Expired(a) => Some(a.path.take()),
        },
        Command::Why(_) | Command::New(_) | Command::Fmt(_) | Command::Import(_) => Some(None),
        Command::Init(_)
        | Command::Explain(_)
        | Command::Completions(_)
        | Command::Man
        | Command::Lsp(_) => None,
    };
    let Some(positional) = positional else {
        if cli.dir.is_some() {
            ctx.trouble(err, format!("`--dir` does not apply to `idpc {}`", ctx.command));
            return Err(EXIT_TROUBLE);
        }
        return Ok(());
    };
    let named = positional.is_some() || cli.dir.is_some();
    let given = match (positional, cli.dir.take()) {
        (Some(_), Some(_)) => {
            ctx.trouble(err, "the description is named twice: give `DIR` or `--dir DIR`, not both");
            return Err(EXIT_TROUBLE);
        }
        (Some(path), None) | (None, Some(path)) => path,
        (None, None) => PathBuf::from("."),
    };
    let found = match idpc_driver::discover(&given) {
        idpc_driver::Discovery::Root(root) => {
            // A directory named on the command line that is inside a description, not its
            // root: say which description is used (and where its output goes by default).
            if named && matches!(ctx.format, Format::Human | Format::Markdown) && root != given {
                let cwd = ctx.cwd.clone().unwrap_or_else(|| PathBuf::from("."));
                let shown = relative_path(&absolute(&cwd), &absolute(&root));
                let shown = if shown.is_empty() { ".".to_owned() } else { shown };
                let _ = writeln!(
                    err,
                    "note: `{}` is inside the description `{shown}`, which is used",
                    given.display(),
                );
            }
            root
        }
        idpc_driver::Discovery::Below(root) => {
            if matches!(ctx.format, Format::Human | Format::Markdown) {
                let _ = writeln!(
                    err,
                    "note: the description found below `{}` is `{}`",
                    given.display(),
                    root.display()
                );
            }
            root
        }
        idpc_driver::Discovery::Many(roots) => {
            let list: Vec<String> = roots.iter().map(|r| format!("  {}", r.display())).collect();
            ctx.trouble(
                err,
                format!(
                    "`{}` is above {} descriptions; name one with `--dir DIR` (or `DIR`)",
                    given.display(),
                    roots.len()
                ),
            );
            let _ = writeln!(err, "{}", list.join("\n"));
            return Err(EXIT_TROUBLE);
        }
        idpc_driver::Discovery::Unknown => given,
    };
    let root_dir = if found.is_file() {
        found.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        found.clone()
    };
    let relative_to = ctx.cwd.as_deref().map(|cwd| (absolute(&root_dir), absolute(cwd)));
    let mut state = ctx.state.borrow_mut();
    state.description = found;
    state.relative_to = relative_to;
    Ok(())
}

/// A path made absolute, with links resolved when it exists.
fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|_| std::path::absolute(path).unwrap_or_else(|_| path.to_owned()))
}

/// `path` as seen from `cwd` (both absolute), `/`-separated: `platform/services/a.kdl`,
/// `a.kdl`, `../a.kdl`; `path` itself when the two share nothing but the file system's root.
pub(crate) fn relative_path(cwd: &Path, path: &Path) -> String {
    fn parts(p: &Path) -> Vec<Component<'_>> {
        p.components().filter(|c| !matches!(c, Component::CurDir)).collect()
    }
    let (p, c) = (parts(path), parts(cwd));
    let common = p.iter().zip(&c).take_while(|(a, b)| a == b).count();
    let only_fs_root =
        p.iter().take(common).all(|c| matches!(c, Component::RootDir | Component::Prefix(_)));
    if only_fs_root {
        return path.to_string_lossy().into_owned();
    }
    let ups = std::iter::repeat_n("..".to_owned(), c.len() - common);
    let downs = p[common..].iter().map(|part| part.as_os_str().to_string_lossy().into_owned());
    let words: Vec<String> = ups.chain(downs).collect();
    if words.is_empty() { ".".to_owned() } else { words.join("/") }
}

#[cfg(test)]
mod tests {
    use super::relative_path;
    use std::path::Path;

    #[test]
    fn paths_read_from_the_current_directory() {
        let file = Path::new("/srv/repo/platform/services/a.kdl");
        let from = |cwd: &str| relative_path(Path::new(cwd), file);
        assert_eq!(from("/srv/repo"), "platform/services/a.kdl");
        assert_eq!(from("/srv/repo/platform"), "services/a.kdl");
        assert_eq!(from("/srv/repo/platform/services"), "a.kdl");
        assert_eq!(from("/srv/repo/platform/teams"), "../services/a.kdl");
        assert_eq!(from("/home/x"), "/srv/repo/platform/services/a.kdl");
    }
}
