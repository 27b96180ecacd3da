//! Constructors for the diagnostics of semantic analysis, one per problem.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, did_you_mean, quote};

/// Repeats of one problem in one block (the same unknown node, the same variable declared again
/// and again) are one diagnostic that counts the others, so that a file repeating a mistake
/// 200,000 times makes one diagnostic, not 200,000.
#[derive(Debug, Default)]
pub(crate) struct Repeats<'a> {
    /// By key: the index of the reported diagnostic, and how many more were set aside.
    seen: BTreeMap<&'a str, (usize, usize)>,
}

impl<'a> Repeats<'a> {
    /// Reports the diagnostic `make` builds unless one for `key` is already reported.
    pub(crate) fn report(
        &mut self,
        key: &'a str,
        diagnostics: &mut Vec<Diagnostic>,
        make: impl FnOnce() -> Diagnostic,
    ) {
        match self.seen.get_mut(key) {
            Some((_, more)) => *more += 1,
            None => {
                self.seen.insert(key, (diagnostics.len(), 0));
                diagnostics.push(make());
            }
        }
    }

    /// Adds to each reported diagnostic how many repeats it stands for.
    pub(crate) fn finish(self, diagnostics: &mut [Diagnostic]) {
        for (index, more) in self.seen.into_values().filter(|(_, more)| *more > 0) {
            let Some(diagnostic) = diagnostics.get_mut(index) else { continue };
            let times =
                if more == 1 { "once more".to_owned() } else { format!("{more} more times") };
            let note = format!("the same problem occurs {times} in this block");
            diagnostic.help = Some(match diagnostic.help.take() {
                Some(help) => format!("{help}; {note}"),
                None => note,
            });
        }
    }
}

/// A reference to a `what` named `name` that is not declared.
pub(crate) fn unknown_reference<'a>(
    what: &str,
    name: &str,
    span: Span,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let help = did_you_mean(name, candidates).unwrap_or_else(|| {
        format!("declare it with `{what} \"{name}\"`, or fix the name", name = quote(name))
    });
    Diagnostic::new(
        Code::UnknownReference,
        format!("unknown {what} `{name}`", name = quote(name)),
        span,
        format!("no {what} of this name is declared"),
    )
    .with_help(help)
}

/// A name declared twice within one declaration (a field, a port, a member…).
pub(crate) fn duplicate_member(what: &str, name: &str, again: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDeclaration,
        format!("{what} `{name}` is declared twice", name = quote(name)),
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
