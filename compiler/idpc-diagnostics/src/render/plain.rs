//! Diagnostics as plain text in rustc's layout, for logs and pipes: `error[E0202]: message`,
//! then `--> file:line:col` and the labelled lines; and the one-line `short` form,
//! `file:line:col: error[E0202]: message`.
//!
//! Every line the input contributes is escaped (control characters shown as `\u{1b}`) and cut to
//! a window around its label, so the cost is linear in the number of diagnostics shown.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::render::{RenderOptions, clean_message, excerpt, omitted_line, within_limits};
use crate::sources::Sources;
use crate::span::FileId;

/// Lines longer than this many characters are cut to a window around the label.
const MAX_LINE: usize = 160;
/// How much of a long line is shown before the label.
const LEAD: usize = 60;

/// Renders diagnostics in rustc's layout, each followed by a blank line, and a last line when
/// some were left out by the limits.
pub fn render_plain(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    options: RenderOptions,
) -> String {
    let (shown, omitted) = within_limits(diagnostics);
    let mut out = String::new();
    for diagnostic in shown {
        plain_one(&mut out, diagnostic, sources, options.color);
    }
    if omitted > 0 {
        out.push_str(&omitted_line(omitted));
    }
    out
}

/// Renders one line per diagnostic: `file:line:col: error[CODE]: message` (without the place
/// when the diagnostic has none), and a last line when some were left out by the limits.
pub fn render_short(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let (shown, omitted) = within_limits(diagnostics);
    let mut out = String::new();
    for diagnostic in shown {
        if let Some(primary) = &diagnostic.primary {
            let at = sources.line_col(primary.span.file, primary.span.start);
            let path = one_line(sources.path(primary.span.file));
            let _ = write!(out, "{path}:{}:{}: ", at.line, at.column);
        }
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            severity_word(diagnostic.severity),
            diagnostic.code,
            one_line(&diagnostic.message)
        );
    }
    if omitted > 0 {
        out.push_str(&omitted_line(omitted));
    }
    out
}

/// `error` or `warning`.
pub(crate) fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A text on one line: cut and escaped like every message, newlines and tabs shown escaped too.
pub(crate) fn one_line(text: &str) -> String {
    clean_message(text).replace('\n', "\\n").replace('\t', " ")
}

fn plain_one(out: &mut String, diagnostic: &Diagnostic, sources: &Sources, color: bool) {
    let word = severity_word(diagnostic.severity);
    let header = format!("{word}[{}]", diagnostic.code);
    let header = match (color, diagnostic.severity) {
        (false, _) => header,
        (true, Severity::Error) => format!("\u{1b}[1;31m{header}\u{1b}[0m"),
        (true, Severity::Warning) => format!("\u{1b}[1;33m{header}\u{1b}[0m"),
    };
    let _ = writeln!(out, "{header}: {}", one_line(&diagnostic.message));
    let mut notes: Vec<&Label> = Vec::new();
    let gutter = gutter_width(diagnostic, sources);
    if let Some(primary) = &diagnostic.primary {
        let file = primary.span.file;
        let mut here: Vec<(&Label, bool)> = vec![(primary, true)];
        for label in &diagnostic.secondary {
            if label.span.file == file {
                here.push((label, false));
            } else {
                notes.push(label);
            }
        }
        here.sort_by_key(|(label, _)| label.span.start);
        location(out, sources, primary, gutter);
        snippet(out, sources, file, &here, gutter);
    }
    for note in notes {
        let _ = writeln!(out, "{:gutter$} = note: {}", "", one_line(&note.message));
        location(out, sources, note, gutter);
        snippet(out, sources, note.span.file, &[(note, false)], gutter);
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "{:gutter$} = help: {}", "", one_line(help));
    }
    out.push('\n');
}

/// The width of the line numbers of a diagnostic's labels.
fn gutter_width(diagnostic: &Diagnostic, sources: &Sources) -> usize {
    let lines = diagnostic
        .primary
        .iter()
        .chain(&diagnostic.secondary)
        .map(|l| sources.line_col(l.span.file, l.span.start).line);
    lines.max().unwrap_or(1).to_string().len()
}

fn location(out: &mut String, sources: &Sources, label: &Label, gutter: usize) {
    let at = sources.line_col(label.span.file, label.span.start);
    let path = one_line(sources.path(label.span.file));
    let _ = writeln!(out, "{:gutter$}--> {path}:{}:{}", "", at.line, at.column);
}

/// The labelled lines of `file`, each with its underline (`^` for the primary label, `-` for the
/// others) and the label's text.
fn snippet(
    out: &mut String,
    sources: &Sources,
    file: FileId,
    labels: &[(&Label, bool)],
    gutter: usize,
) {
    let Some(source) = sources.get(file) else { return };
    let _ = writeln!(out, "{:gutter$} |", "");
    for (label, primary) in labels {
        let line = source.line_of(label.span.start as usize);
        let range = source.line_range(line);
        let text = source.text.get(range.clone()).unwrap_or("");
        let start = (label.span.start as usize).clamp(range.start, range.end) - range.start;
        let end = (label.span.end as usize).clamp(range.start, range.end) - range.start;
        let (shown, column, width) = window(text, start, end.max(start));
        let _ = writeln!(out, "{:>gutter$} | {shown}", line + 1);
        let mark = if *primary { "^" } else { "-" };
        let message = if label.message.is_empty() {
            String::new()
        } else {
            format!(" {}", one_line(&label.message))
        };
        let _ = writeln!(out, "{:gutter$} | {:column$}{}{message}", "", "", mark.repeat(width));
    }
    let _ = writeln!(out, "{:gutter$} |", "");
}

/// The part of `line` to show for the label at bytes `start..end`: the text (escaped, tabs as
/// spaces, cut to a window with `…` when long), and the label's column and width in it, in the
/// columns a terminal gives them.
fn window(line: &str, start: usize, end: usize) -> (String, usize, usize) {
    let before = line.get(..start).unwrap_or("");
    let inside = line.get(start..end).unwrap_or("");
    let after = line.get(end..).unwrap_or("");
    let before_chars = before.chars().count();
    let (before, lead) = if before_chars > LEAD {
        let skip = before_chars - LEAD;
        (before.chars().skip(skip).collect::<String>(), "…")
    } else {
        (before.to_owned(), "")
    };
    let inside: String = inside.chars().take(MAX_LINE).collect();
    let room = MAX_LINE.saturating_sub(before.chars().count() + inside.chars().count());
    let after_chars = after.chars().count();
    let (after, tail) = if after_chars > room {
        (after.chars().take(room).collect::<String>(), "…")
    } else {
        (after.to_owned(), "")
    };
    let show = |text: &str| excerpt::escape(text).replace(['\t', '\n'], " ");
    let (before, inside, after) = (show(&before), show(&inside), show(&after));
    // Columns on a terminal: a wide character (CJK, most emoji) takes two.
    let column = UnicodeWidthStr::width(lead) + UnicodeWidthStr::width(before.as_str());
    let width = UnicodeWidthStr::width(inside.as_str()).max(1);
    (format!("{lead}{before}{inside}{after}{tail}"), column, width)
}
