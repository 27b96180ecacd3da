//! What a platform's own policy may cost: its size and bracket nesting before the engine parses
//! it, and its evaluation time.
//!
//! regorus parses deeply nested brackets in exponential time (26 levels take longer than 20 s),
//! so a file is scanned first, skipping strings and comments; a file above [`MAX_POLICY_BYTES`]
//! or nested deeper than [`MAX_NESTING`] is refused at the offending place. Evaluation runs under
//! the engine's cooperative timer, so a policy that loops stops after [`TIME_LIMIT`].

use std::num::NonZeroU32;
use std::time::Duration;

use idpc_diagnostics::{Code, Diagnostic, Span};
use regorus::utils::limits::ExecutionTimerConfig;

use crate::PolicySource;

/// The largest policy file the engine is given: far beyond any hand-written policy.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// The deepest nesting of brackets, parentheses and braces in a policy.
pub const MAX_NESTING: usize = 12;

/// How long one of the platform's own policies may take to evaluate.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// How long a preset may take: they are linear in the model, which may be very large.
pub const PRESET_TIME_LIMIT: Duration = Duration::from_secs(120);

/// The timer a policy is evaluated under.
pub(crate) fn timer(preset: bool) -> ExecutionTimerConfig {
    let limit = if preset { PRESET_TIME_LIMIT } else { TIME_LIMIT };
    ExecutionTimerConfig { limit, check_interval: NonZeroU32::MIN.saturating_add(63) }
}

/// Whether an engine error says the timer ran out.
pub(crate) fn timed_out(error: &str) -> bool {
    error.contains("exceeded time limit")
}

/// Why a policy file is refused before parsing, as a diagnostic at the offending place.
pub(crate) fn check(source: &PolicySource) -> Option<Diagnostic> {
    let text = source.text.as_str();
    if text.len() > MAX_POLICY_BYTES {
        let end = text.find('\n').unwrap_or(text.len()).min(MAX_POLICY_BYTES);
        return Some(refused(
            source,
            Span::new(source.file, 0, end),
            format!(
                "{} KiB, above the limit of {} KiB",
                text.len() / 1024,
                MAX_POLICY_BYTES / 1024
            ),
            "split the policy into several files, or move data into the description",
        ));
    }
    let at = too_deep(text)?;
    Some(refused(
        source,
        Span::new(source.file, at, at + 1),
        format!("nested more than {MAX_NESTING} levels deep"),
        "give the inner expressions names with `:=`, or split the rule into helper rules",
    ))
}

/// The byte offset of the first bracket that opens level `MAX_NESTING + 1`, outside strings and
/// comments.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => i = memchr(bytes, i, b'\n'),
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 1,
                        b'"' | b'\n' => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'`' => i = memchr(bytes, i + 1, b'`'),
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the next `byte` at or after `from`, or the end.
fn memchr(bytes: &[u8], from: usize, byte: u8) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == byte))
        .map_or(bytes.len(), |n| from + n)
}

fn refused(source: &PolicySource, span: Span, label: String, help: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPolicy,
        format!("the policy `{}` cannot be used", idpc_diagnostics::quote(&source.path)),
        span,
        label,
    )
    .with_help(help)
}

#[cfg(test)]
mod tests {
    use idpc_diagnostics::FileId;

    use super::*;

    fn source(text: &str) -> PolicySource {
        PolicySource { file: FileId(0), path: "p.rego".to_owned(), text: text.to_owned() }
    }

    #[test]
    fn deep_brackets_are_refused_at_the_first_too_deep() {
        let text = format!("package x\nx := {}1{}\n", "[".repeat(26), "]".repeat(26));
        let diagnostic = check(&source(&text)).unwrap();
        let span = diagnostic.primary.unwrap().span;
        assert_eq!(span.start as usize, "package x\nx := ".len() + MAX_NESTING);
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = "[".repeat(40);
        let text = format!("package x\n# {deep}\nx := \"{deep}\\\"{deep}\"\ny := `{deep}`\n");
        assert!(check(&source(&text)).is_none());
        let shallow = format!("package x\nx := {}1{}\n", "[".repeat(12), "]".repeat(12));
        assert!(check(&source(&shallow)).is_none());
    }

    #[test]
    fn huge_files_are_refused() {
        let text = format!("package x\n{}", "# padding\n".repeat(MAX_POLICY_BYTES / 10 + 1));
        assert!(check(&source(&text)).is_some());
    }
}
