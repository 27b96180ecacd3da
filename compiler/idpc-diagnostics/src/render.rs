//! Rendering diagnostics: as text through miette's graphical handler (for a terminal), as plain
//! text in rustc's layout (for logs), one line each (`short`), JSON lines, GitHub Actions workflow
//! commands or SARIF.
//!
//! Rendering takes time linear in the number of diagnostics shown, whatever the size of the
//! files: each diagnostic is drawn from an [`excerpt::Excerpt`] of its lines, long lines cut to a
//! window, and messages longer than [`MAX_MESSAGE`] cut short. At most [`MAX_PER_FILE`]
//! diagnostics per file and [`MAX_PER_RUN`] in all are shown; a last line says how many more
//! there are. Control characters from the input are shown escaped in every format.

mod ci;
mod excerpt;
mod plain;

pub use ci::{SarifResult, SarifTool, render_github, sarif_log, sarif_results};
pub use plain::{render_plain, render_short};

use std::collections::BTreeMap;
use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::sources::Sources;
use crate::span::{FileId, Span};

use excerpt::Excerpt;

/// At most this many diagnostics are shown for one file.
pub const MAX_PER_FILE: usize = 100;
/// At most this many diagnostics are shown in one run.
pub const MAX_PER_RUN: usize = 500;
/// Messages, labels and help lines are cut to this many characters.
pub const MAX_MESSAGE: usize = 400;

/// The diagnostics to show, within the limits per file and per run, and how many are left out.
pub fn within_limits(diagnostics: &[Diagnostic]) -> (Vec<&Diagnostic>, usize) {
    let mut per_file: BTreeMap<Option<FileId>, usize> = BTreeMap::new();
    let mut shown = Vec::new();
    for diagnostic in diagnostics {
        let count = per_file.entry(diagnostic.primary.as_ref().map(|l| l.span.file)).or_default();
        if *count < MAX_PER_FILE && shown.len() < MAX_PER_RUN {
            *count += 1;
            shown.push(diagnostic);
        }
    }
    let omitted = diagnostics.len() - shown.len();
    (shown, omitted)
}

/// A message as shown: control characters escaped, cut to [`MAX_MESSAGE`] characters.
pub fn clean_message(text: &str) -> String {
    let cut = match text.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => &text[..at],
        None => text,
    };
    let mut out = excerpt::escape(cut);
    if cut.len() < text.len() {
        out.push('…');
    }
    out
}

/// The line that ends a listing cut short by the limits.
pub(crate) fn omitted_line(omitted: usize) -> String {
    format!(
        "… and {omitted} more diagnostic{} not shown (at most {MAX_PER_FILE} per file and {MAX_PER_RUN} in all)\n",
        if omitted == 1 { "" } else { "s" }
    )
}

/// How to render text diagnostics.
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    /// Use ANSI colours.
    pub color: bool,
    /// Wrap at this width.
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { color: false, width: 100 }
    }
}

/// Renders diagnostics for a terminal, followed by a one-line summary when there are any.
pub fn render_human(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    options: RenderOptions,
) -> String {
    let handler = handler(options);
    let (shown, omitted) = within_limits(diagnostics);
    let mut out = String::new();
    for diagnostic in shown {
        let view = MietteView::new(diagnostic, sources);
        if handler.render_report(&mut out, &view).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.code, view.message));
        }
    }
    if omitted > 0 {
        out.push_str(&omitted_line(omitted));
    }
    out
}

/// Renders a note that is not a problem, such as where a value comes from: `title`, the source
/// under `labels` (the first is the primary one; each of the others follows as a note of its own,
/// in order) and an optional help line.
pub fn render_note(
    title: &str,
    labels: &[Label],
    help: Option<&str>,
    sources: &Sources,
    options: RenderOptions,
) -> String {
    let handler = handler(options);
    let mut views = vec![MietteView {
        code: String::new(),
        message: clean_message(title),
        severity: miette::Severity::Advice,
        source: None,
        labels: Vec::new(),
        help: help.map(clean_message),
        related: Vec::new(),
    }];
    if let Some((primary, rest)) = labels.split_first() {
        views[0].attach(sources, primary.span.file, &[(primary, true)]);
        for label in rest {
            let mut view = MietteView::note(label, sources);
            view.attach(sources, label.span.file, &[(&Label::new(label.span, ""), true)]);
            views.push(view);
        }
    }
    let mut out = String::new();
    for view in &views {
        if handler.render_report(&mut out, view).is_err() {
            out.push_str(&format!("{}\n", view.message));
        }
    }
    out
}

/// miette's graphical handler as idpc draws: Unicode, one line of context, no links.
fn handler(options: RenderOptions) -> GraphicalReportHandler {
    let theme =
        if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .with_context_lines(1)
}

/// Renders diagnostics as JSON lines: one object per diagnostic, with 1-based lines and columns.
///
/// Each line is `{"format": 1, "type": "diagnostic", …}`. Within the same limits as the text;
/// how many were left out is for the caller's summary ([`within_limits`]).
pub fn render_json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let (shown, _) = within_limits(diagnostics);
    let mut out = String::new();
    for diagnostic in shown {
        let json = JsonDiagnostic {
            format: JSON_FORMAT,
            kind: "diagnostic",
            code: diagnostic.code.as_str(),
            name: diagnostic.code.info().name,
            severity: diagnostic.severity,
            message: cut(&diagnostic.message),
            location: diagnostic.primary.as_ref().map(|label| JsonLabel::new(label, sources)),
            labels: diagnostic
                .secondary
                .iter()
                .map(|label| JsonLabel::new(label, sources))
                .collect(),
            help: diagnostic.help.as_deref().map(cut),
        };
        if let Ok(line) = serde_json::to_string(&json) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// A message cut to [`MAX_MESSAGE`] characters for JSON (which escapes control characters itself).
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The version of every JSON document and line idpc prints; it changes only when a field is
/// removed or changes meaning (adding fields does not).
pub const JSON_FORMAT: u32 = 1;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    format: u32,
    #[serde(rename = "type")]
    kind: &'static str,
    code: &'static str,
    name: &'static str,
    severity: Severity,
    message: &'a str,
    location: Option<JsonLabel<'a>>,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    byte_start: u32,
    byte_end: u32,
    message: &'a str,
}

impl<'a> JsonLabel<'a> {
    fn new(label: &'a Label, sources: &'a Sources) -> Self {
        let start = sources.line_col(label.span.file, label.span.start);
        let end = sources.line_col(label.span.file, label.span.end);
        JsonLabel {
            file: sources.path(label.span.file),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            byte_start: label.span.start,
            byte_end: label.span.end,
            message: cut(&label.message),
        }
    }
}

/// A diagnostic as miette sees it. Labels in the primary file are drawn together; labels in
/// other files become related reports, each with its own source.
#[derive(Debug)]
struct MietteView {
    code: String,
    message: String,
    severity: miette::Severity,
    source: Option<Excerpt>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<MietteView>,
}

impl MietteView {
    fn new(diagnostic: &Diagnostic, sources: &Sources) -> MietteView {
        let severity = match diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let mut view = MietteView {
            code: diagnostic.code.to_string(),
            message: clean_message(&diagnostic.message),
            severity,
            source: None,
            labels: Vec::new(),
            help: diagnostic.help.as_deref().map(clean_message),
            related: Vec::new(),
        };
        let Some(primary) = &diagnostic.primary else {
            return view;
        };
        let file = primary.span.file;
        let mut here = vec![(primary, true)];
        for label in &diagnostic.secondary {
            if label.span.file == file {
                here.push((label, false));
            } else {
                view.related.push(MietteView::note(label, sources));
            }
        }
        view.attach(sources, file, &here);
        view
    }

    /// Draws `labels` (each with whether it is the primary one) on an excerpt of `file`.
    fn attach(&mut self, sources: &Sources, file: FileId, labels: &[(&Label, bool)]) {
        let Some(source) = sources.get(file) else { return };
        let spans: Vec<Span> = labels.iter().map(|(label, _)| label.span).collect();
        let (excerpt, mapped) = Excerpt::new(source, &source.path, &spans);
        self.source = Some(excerpt);
        self.labels = labels
            .iter()
            .zip(mapped)
            .map(|((label, primary), span)| labeled_span(label, span, *primary))
            .collect();
    }

    /// A label drawn as a note of its own, with its file.
    fn note(label: &Label, sources: &Sources) -> MietteView {
        let mut view = MietteView {
            code: String::new(),
            message: clean_message(&label.message),
            severity: miette::Severity::Advice,
            source: None,
            labels: Vec::new(),
            help: None,
            related: Vec::new(),
        };
        view.attach(sources, label.span.file, &[(label, true)]);
        view
    }
}

fn labeled_span(label: &Label, span: SourceSpan, primary: bool) -> LabeledSpan {
    let text = (!label.message.is_empty()).then(|| clean_message(&label.message));
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

impl fmt::Display for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView {}

impl miette::Diagnostic for MietteView {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn miette::Diagnostic>>
        })
    }
}

#[cfg(test)]
mod tests;
