//! Quick fixes for diagnostics: apply a "did you mean" suggestion, add what a node lacks.

use idpc_diagnostics::{Code, Diagnostic, FileId, Span};
use idpc_sema::schema::Children;

use crate::Snapshot;
use crate::locate::Part;
use crate::navigate::Edit;

/// A fix for one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does, for a menu.
    pub title: String,
    /// The edits, all in the diagnostic's file.
    pub edits: Vec<Edit>,
    /// The diagnostic it fixes (an index into the compilation's diagnostics).
    pub diagnostic: usize,
}

impl Snapshot {
    /// The fixes for the diagnostics of `file` whose primary span meets `start..end`.
    pub fn fixes(&self, file: FileId, start: u32, end: u32) -> Vec<Fix> {
        let mut fixes = Vec::new();
        for (i, d) in self.compilation.diagnostics.iter().enumerate() {
            let Some(primary) = &d.primary else { continue };
            let span = primary.span;
            if span.file != file || span.end < start || span.start > end {
                continue;
            }
            if let Some(fix) = self.suggestion_fix(d, span) {
                fixes.push(Fix { diagnostic: i, ..fix });
            }
            if matches!(d.code, Code::MissingValue | Code::MissingArgument) {
                fixes.extend(self.missing_fix(span).map(|fix| Fix { diagnostic: i, ..fix }));
            }
        }
        fixes
    }

    /// Replaces the text at the primary span by the name the help line suggests.
    fn suggestion_fix(&self, d: &Diagnostic, span: Span) -> Option<Fix> {
        let name = idpc_diagnostics::suggested_name(d.help.as_deref()?)?;
        let written = self.compilation.sources.snippet(span);
        let text = if written.starts_with('"') && written.ends_with('"') && written.len() >= 2 {
            format!("\"{name}\"")
        } else {
            name.to_owned()
        };
        Some(Fix {
            title: format!("Replace with `{name}`"),
            edits: vec![Edit { span, text }],
            diagnostic: 0,
        })
    }

    /// Adds the required properties and child nodes a node lacks, from the schema's examples.
    fn missing_fix(&self, span: Span) -> Option<Fix> {
        let located = self.at(span.file, span.start)?;
        if located.part != Part::Name {
            return None;
        }
        let node = located.node()?;
        let schema = located.schema()?;
        let mut edits = Vec::new();
        let mut added = Vec::new();
        let head_end = node.head_span().end;
        for prop in schema.props.iter().filter(|p| p.required) {
            if !node.props.iter().any(|p| p.name.text == prop.name) {
                edits.push(Edit {
                    span: Span { file: span.file, start: head_end, end: head_end },
                    text: format!(" {}=\"\"", prop.name),
                });
                added.push(format!("`{}=`", prop.name));
            }
        }
        if let Children::Nodes(children) = schema.children {
            let missing: Vec<_> = children
                .iter()
                .filter(|c| c.required && !node.children().iter().any(|n| n.name.text == c.name))
                .collect();
            if !missing.is_empty() {
                let text = &self.compilation.sources.get(span.file)?.text;
                let line_start = text[..node.span.start as usize].rfind('\n').map_or(0, |i| i + 1);
                let indent: String =
                    text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
                let inner = format!("{indent}    ");
                let lines: Vec<String> =
                    missing.iter().map(|c| format!("{inner}{}", c.example)).collect();
                added.extend(missing.iter().map(|c| format!("`{}`", c.name)));
                let at = node.span.end;
                let edit = if node.children.is_some() {
                    // Before the closing brace of the block.
                    let close = at.saturating_sub(1);
                    Edit {
                        span: Span { file: span.file, start: close, end: close },
                        text: format!("{}\n{indent}", lines.join("\n").trim_start_matches(' ')),
                    }
                } else {
                    Edit {
                        span: Span { file: span.file, start: at, end: at },
                        text: format!(" {{\n{}\n{indent}}}", lines.join("\n")),
                    }
                };
                edits.push(edit);
            }
        }
        if edits.is_empty() {
            return None;
        }
        Some(Fix { title: format!("Add {}", added.join(", ")), edits, diagnostic: 0 })
    }
}
