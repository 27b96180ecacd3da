//! The summary as markdown, for the description of a pull request.

use crate::render::{count, list};
use crate::{Change, Review, Values};

/// Renders a review: a heading that names the platform and the base it was compared with, then
/// one section per part of the model that changed, one bullet per change (nested under the
/// subject when it has several), or "No model changes."
pub fn markdown(review: &Review, base: &str) -> String {
    let mut out =
        format!("## Model changes of {} against {}\n\n", code(&review.platform), code(base));
    if review.is_empty() {
        out.push_str("No model changes.\n");
        return out;
    }
    out.push_str(&format!(
        "{} in {}.\n",
        count(review.count, "change"),
        count(review.sections.len(), "section")
    ));
    for section in &review.sections {
        out.push_str(&format!("\n### {}\n\n", section.title));
        let changes = &section.changes;
        let mut start = 0;
        while start < changes.len() {
            let subject = &changes[start].subject;
            let end = changes[start..]
                .iter()
                .position(|c| &c.subject != subject)
                .map_or(changes.len(), |n| start + n);
            let bold = format!("**{}**", escape(subject));
            if end - start == 1 {
                let change = &changes[start];
                let separator = if change.what.is_empty() { " " } else { ": " };
                out.push_str(&format!("- {bold}{separator}{}\n", line(change)));
            } else {
                out.push_str(&format!("- {bold}\n"));
                for change in &changes[start..end] {
                    out.push_str(&format!("  - {}\n", line(change)));
                }
            }
            start = end;
        }
    }
    out
}

/// One change without its subject: `replicas in prod 4 → 6 — note; note`.
fn line(change: &Change) -> String {
    let groups: Vec<String> = change.values.iter().map(group).collect();
    let mut parts: Vec<String> = Vec::new();
    if !change.what.is_empty() {
        parts.push(escape(&change.what));
    }
    if groups.is_empty() {
        parts.push(
            match change.change {
                crate::ChangeKind::Added => "added",
                crate::ChangeKind::Removed => "removed",
                crate::ChangeKind::Changed => "changed",
            }
            .to_owned(),
        );
    } else {
        parts.push(groups.join("; "));
    }
    let mut text = parts.join(" ");
    if !change.notes.is_empty() {
        let notes: Vec<String> = change.notes.iter().map(|n| escape(n)).collect();
        text.push_str(&format!(" — {}", notes.join("; ")));
    }
    text
}

/// One group of environments: `in dev and prod 1 → 2`, `added in prod (value)`.
fn group(values: &Values) -> String {
    let envs = if values.everywhere || values.environments.is_empty() {
        None
    } else {
        Some(list(&values.environments.iter().map(|e| escape(e)).collect::<Vec<_>>()))
    };
    let detail = |v: &str| if v.is_empty() { String::new() } else { format!(" ({})", escape(v)) };
    match (&values.before, &values.after) {
        (Some(before), Some(after)) => {
            let envs = envs.map_or_else(String::new, |e| format!("in {e} "));
            format!("{envs}{} → {}", escape(before), escape(after))
        }
        (None, Some(after)) => {
            let envs = envs.map_or_else(String::new, |e| format!(" in {e}"));
            format!("added{envs}{}", detail(after))
        }
        (Some(before), None) => {
            let envs = envs.map_or_else(String::new, |e| format!(" from {e}"));
            format!("removed{envs}{}", detail(before))
        }
        (None, None) => String::new(),
    }
}

/// A code span that survives backticks in its text.
fn code(text: &str) -> String {
    if text.contains('`') { format!("`` {text} ``") } else { format!("`{text}`") }
}

/// Text with the characters markdown would read as markup escaped. An underscore inside a word
/// is left alone (`LOG_LEVEL`), since it cannot start emphasis there.
fn escape(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        let inside_word =
            |j: Option<usize>| j.and_then(|j| chars.get(j)).is_some_and(|c| c.is_alphanumeric());
        let escaped = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' => true,
            '_' => !(inside_word(i.checked_sub(1)) && inside_word(Some(i + 1))),
            _ => false,
        };
        if escaped {
            out.push('\\');
        }
        out.push(*c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_but_identifiers_stay_readable() {
        assert_eq!(escape("LOG_LEVEL"), "LOG_LEVEL");
        assert_eq!(escape("_private"), "\\_private");
        assert_eq!(escape("labels[*]"), "labels\\[\\*\\]");
        assert_eq!(code("a`b"), "`` a`b ``");
    }
}
