//! The diagnostic data model.

use serde::Serialize;

use crate::code::Code;
use crate::span::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The platform cannot be built.
    Error,
    /// Worth fixing; the build goes on.
    Warning,
}

/// A span with a short text that fits next to the pointer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it, as a short lower-case fragment (may be empty).
    pub message: String,
}

impl Label {
    /// A label at `span` saying `message`.
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label { span, message: message.into() }
    }
}

/// One problem found in a platform description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The registered code.
    pub code: Code,
    /// Error or warning (derived from the code).
    pub severity: Severity,
    /// Lower-case, no full stop, names the thing; says what is wrong, not how to fix it.
    pub message: String,
    /// The smallest span that shows the problem; `None` only for problems of the whole platform.
    pub primary: Option<Label>,
    /// The other parties: "first declared here", "the cycle continues here".
    pub secondary: Vec<Label>,
    /// One actionable line, if there is one.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with `code` and `message` at `span`, labelled `label`.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity: if code.is_warning() { Severity::Warning } else { Severity::Error },
            message: message.into(),
            primary: Some(Label::new(span, label)),
            secondary: Vec::new(),
            help: None,
        }
    }

    /// A diagnostic about the platform as a whole, with no place to point at.
    pub fn global(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: if code.is_warning() { Severity::Warning } else { Severity::Error },
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label::new(span, message));
        self
    }

    /// Sets the help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help line if there is one.
    #[must_use]
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn sort_key(&self) -> (Option<Span>, Code, &str) {
        (self.primary.as_ref().map(|l| l.span), self.code, &self.message)
    }
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// Sorts diagnostics by place (file, then offset), then code, and drops exact duplicates.
/// Diagnostics without a place come first.
pub fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}
