//! Rendering diagnostics: as text through miette's graphical handler, or as JSON lines.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::sources::Sources;

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
    let mut out = String::new();
    for diagnostic in diagnostics {
        let view = MietteView::new(diagnostic, sources);
        if handler.render_report(&mut out, &view).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
        }
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
        message: title.to_owned(),
        severity: miette::Severity::Advice,
        source: None,
        labels: Vec::new(),
        help: help.map(str::to_owned),
        related: Vec::new(),
    }];
    if let Some((primary, rest)) = labels.split_first() {
        views[0].source = sources.get(primary.span.file).map(|f| named_source(&f.path, &f.text));
        views[0].labels.push(labeled_span(primary, true));
        for label in rest {
            let mut view = MietteView::note(label, sources);
            view.labels = vec![labeled_span(&Label::new(label.span, ""), true)];
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
pub fn render_json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let json = JsonDiagnostic {
            code: diagnostic.code.as_str(),
            name: diagnostic.code.info().name,
            severity: diagnostic.severity,
            message: &diagnostic.message,
            location: diagnostic.primary.as_ref().map(|label| JsonLabel::new(label, sources)),
            labels: diagnostic
                .secondary
                .iter()
                .map(|label| JsonLabel::new(label, sources))
                .collect(),
            help: diagnostic.help.as_deref(),
        };
        if let Ok(line) = serde_json::to_string(&json) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
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
            message: &label.message,
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
    source: Option<NamedSource<Arc<str>>>,
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
            message: diagnostic.message.clone(),
            severity,
            source: None,
            labels: Vec::new(),
            help: diagnostic.help.clone(),
            related: Vec::new(),
        };
        let Some(primary) = &diagnostic.primary else {
            return view;
        };
        let file = primary.span.file;
        view.source = sources.get(file).map(|f| named_source(&f.path, &f.text));
        view.labels.push(labeled_span(primary, true));
        for label in &diagnostic.secondary {
            if label.span.file == file {
                view.labels.push(labeled_span(label, false));
            } else {
                view.related.push(MietteView::note(label, sources));
            }
        }
        view
    }

    /// A label drawn as a note of its own, with its file.
    fn note(label: &Label, sources: &Sources) -> MietteView {
        MietteView {
            code: String::new(),
            message: label.message.clone(),
            severity: miette::Severity::Advice,
            source: sources.get(label.span.file).map(|f| named_source(&f.path, &f.text)),
            labels: vec![labeled_span(label, true)],
            help: None,
            related: Vec::new(),
        }
    }
}

fn named_source(path: &str, text: &Arc<str>) -> NamedSource<Arc<str>> {
    NamedSource::new(path, Arc::clone(text)).with_language("kdl")
}

fn labeled_span(label: &Label, primary: bool) -> LabeledSpan {
    let span = SourceSpan::new((label.span.start as usize).into(), label.span.len());
    let text = (!label.message.is_empty()).then(|| label.message.clone());
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
