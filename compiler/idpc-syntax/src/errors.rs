//! Collects the syntax diagnostics of one file, merging repeats and capping the count, so that
//! hostile input yields a handful of diagnostics rather than one per byte.

use idpc_diagnostics::{Code, Diagnostic, FileId, Span};

/// The most syntax diagnostics reported for one file; one more says how many were left out.
pub(crate) const MAX_REPORTED: usize = 100;

pub(crate) struct Errors<'t> {
    file: FileId,
    text: &'t str,
    list: Vec<Diagnostic>,
    suppressed: usize,
    first_suppressed: Option<Span>,
}

impl<'t> Errors<'t> {
    pub(crate) fn new(file: FileId, text: &'t str) -> Errors<'t> {
        Errors { file, text, list: Vec::new(), suppressed: 0, first_suppressed: None }
    }

    /// Reports invalid KDL at `start..end`. A report with the same message right after the
    /// previous one (only whitespace between) widens that one instead.
    pub(crate) fn syntax(&mut self, start: usize, end: usize, message: &str, label: &str) {
        self.push(Code::KdlSyntax, start, end, message, label, None);
    }

    /// Like [`Errors::syntax`], with a help line.
    pub(crate) fn syntax_help(
        &mut self,
        start: usize,
        end: usize,
        message: &str,
        label: &str,
        help: &str,
    ) {
        self.push(Code::KdlSyntax, start, end, message, label, Some(help));
    }

    pub(crate) fn push(
        &mut self,
        code: Code,
        start: usize,
        end: usize,
        message: &str,
        label: &str,
        help: Option<&str>,
    ) {
        if let Some(last) = self.list.last_mut() {
            let last_end = last.primary.as_ref().map_or(0, |l| l.span.end as usize);
            if last.code == code
                && last.message == message
                && start >= last_end
                && self.text.get(last_end..start).is_some_and(is_blank)
            {
                if let Some(primary) = last.primary.as_mut() {
                    primary.span.end = u32::try_from(end).unwrap_or(u32::MAX);
                }
                return;
            }
        }
        let span = Span::new(self.file, start, end);
        if self.list.len() >= MAX_REPORTED {
            self.suppressed += 1;
            self.first_suppressed.get_or_insert(span);
            return;
        }
        let mut diagnostic = Diagnostic::new(code, message, span, label);
        if let Some(help) = help {
            diagnostic = diagnostic.with_help(help);
        }
        self.list.push(diagnostic);
    }

    /// The diagnostics in source order.
    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| d.primary.as_ref().map(|l| (l.span.start, l.span.end)));
        if let Some(span) = self.first_suppressed {
            let message = format!(
                "{} more syntax errors are not reported; the first {MAX_REPORTED} are above",
                self.suppressed
            );
            self.list.push(Diagnostic::new(Code::KdlSyntax, message, span, "the next one is here"));
        }
        self.list
    }
}

/// Whether the text between two reports is only whitespace: the reports are one run.
fn is_blank(text: &str) -> bool {
    text.len() <= 4096 && text.chars().all(|c| c.is_whitespace())
}
