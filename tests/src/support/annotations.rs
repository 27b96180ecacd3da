//! Inline expectations in UI cases.
//!
//! A comment line of carets marks where a diagnostic must point on the nearest line above that
//! is not itself an annotation, and names its code:
//!
//! ```kdl
//! service "web" team="paymnts" {
//! //                 ^^^^^^^^^ E0202
//! ```
//!
//! `//~ E0002` expects a diagnostic that points nowhere (a problem of the whole platform). In a
//! Rego file, whose comments start with `#`, the caret line starts with `#` instead.

use idpc_diagnostics::{Diagnostic, Sources};

/// One expected (or actual) diagnostic position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Mark {
    pub(crate) file: String,
    /// 1-based line; 0 for a diagnostic without a place.
    pub(crate) line: u32,
    /// 1-based character column.
    pub(crate) column: u32,
    /// Width in characters, for spans within one line.
    pub(crate) width: Option<u32>,
    pub(crate) code: String,
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            return write!(f, "{} (no place) {}", self.file, self.code);
        }
        let width = self.width.map_or_else(|| "…".to_owned(), |w| w.to_string());
        write!(f, "{}:{}:{} (width {width}) {}", self.file, self.line, self.column, self.code)
    }
}

/// The marks written in one file's text.
pub(crate) fn expected(file: &str, text: &str) -> Vec<Mark> {
    let mut marks = Vec::new();
    let mut target_line = 0u32;
    for (index, line) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap();
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("//~") {
            for code in rest.split_whitespace() {
                marks.push(Mark {
                    file: String::new(),
                    line: 0,
                    column: 0,
                    width: None,
                    code: code.to_owned(),
                });
            }
            continue;
        }
        if let Some(after) = trimmed.strip_prefix("//").or_else(|| trimmed.strip_prefix('#'))
            && after.trim_start().starts_with('^')
        {
            let chars: Vec<char> = line.chars().collect();
            let start = chars.iter().position(|c| *c == '^').unwrap();
            let width = chars[start..].iter().take_while(|c| **c == '^').count();
            let code = chars[start + width..].iter().collect::<String>();
            let code = code
                .split_whitespace()
                .next()
                .unwrap_or_else(|| panic!("{file}:{number}: carets without a code"));
            marks.push(Mark {
                file: file.to_owned(),
                line: target_line,
                column: u32::try_from(start + 1).unwrap(),
                width: Some(u32::try_from(width).unwrap()),
                code: code.to_owned(),
            });
            continue;
        }
        target_line = number;
    }
    marks
}

/// The marks of the diagnostics a compilation produced.
pub(crate) fn actual(diagnostics: &[Diagnostic], sources: &Sources) -> Vec<Mark> {
    diagnostics
        .iter()
        .map(|d| match &d.primary {
            None => Mark {
                file: String::new(),
                line: 0,
                column: 0,
                width: None,
                code: d.code.to_string(),
            },
            Some(label) => {
                let start = sources.line_col(label.span.file, label.span.start);
                let end = sources.line_col(label.span.file, label.span.end);
                Mark {
                    file: sources.path(label.span.file).to_owned(),
                    line: start.line,
                    column: start.column,
                    width: (start.line == end.line).then_some(end.column - start.column),
                    code: d.code.to_string(),
                }
            }
        })
        .collect()
}

/// Whether an actual mark satisfies an expected one: same place and code, and the same width
/// when the actual span lies within one line.
pub(crate) fn matches(expected: &Mark, actual: &Mark) -> bool {
    expected.file == actual.file
        && expected.line == actual.line
        && expected.column == actual.column
        && expected.code == actual.code
        && (actual.width.is_none() || expected.width == actual.width)
}
