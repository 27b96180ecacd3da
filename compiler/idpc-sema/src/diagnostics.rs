//! Constructors for the diagnostics of semantic analysis, one per problem.

use idpc_diagnostics::{Code, Diagnostic, Span, did_you_mean};

/// A reference to a `what` named `name` that is not declared.
pub(crate) fn unknown_reference<'a>(
    what: &str,
    name: &str,
    span: Span,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let help = did_you_mean(name, candidates)
        .unwrap_or_else(|| format!("declare it with `{what} \"{name}\"`, or fix the name"));
    Diagnostic::new(
        Code::UnknownReference,
        format!("unknown {what} `{name}`"),
        span,
        format!("no {what} of this name is declared"),
    )
    .with_help(help)
}

/// A name declared twice within one declaration (a field, a port, a member…).
pub(crate) fn duplicate_member(what: &str, name: &str, again: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDeclaration,
        format!("{what} `{name}` is declared twice"),
        again,
        "declared again here",
    )
    .with_label(first, "first declared here")
}

/// Two settings that cannot both hold.
pub(crate) fn conflict(
    message: impl Into<String>,
    span: Span,
    label: impl Into<String>,
    other: Span,
    other_label: impl Into<String>,
) -> Diagnostic {
    Diagnostic::new(Code::ConflictingSettings, message, span, label).with_label(other, other_label)
}

/// A required value that is absent.
pub(crate) fn missing(
    message: impl Into<String>,
    span: Span,
    label: impl Into<String>,
) -> Diagnostic {
    Diagnostic::new(Code::MissingValue, message, span, label)
}
