//! Handlebars errors as diagnostics that point into the template: shared by the Terraform
//! templates of kinds and the scaffold templates of `idpc new`.
//!
//! A syntax error points at the expression the parser stopped at (or at the last line, when a
//! block is left open); a value missing from the context points at its name in the expression,
//! with a suggestion from the keys beside it; an error of a helper, written as
//! `what is wrong; what to do`, becomes a label and a help line.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason, TemplateError, TemplateErrorReason,
};
use idpc_diagnostics::{Code, Diagnostic, FileId, Span, did_you_mean};
use serde_json::Value;

mod bounds;

pub use bounds::{MAX_LOOP_DEPTH, MAX_RENDERED_BYTES};

/// A template's text and its file, for spans.
#[derive(Clone, Copy, Debug)]
pub struct TemplateText<'a> {
    /// The Handlebars text.
    pub text: &'a str,
    /// Its file in the compilation's sources.
    pub file: FileId,
}

/// Renders the registered template `name`, whose text is `template`, with `data`. A partial that
/// includes itself is refused before rendering, and the output stops at [`MAX_RENDERED_BYTES`];
/// every problem is a diagnostic in the template.
pub fn render(
    registry: &Handlebars<'_>,
    name: &str,
    template: TemplateText<'_>,
    subject: &str,
    data: &Value,
) -> Result<String, Diagnostic> {
    if let Some(diagnostic) = bounds::recursive_partial(template, name, subject) {
        return Err(diagnostic);
    }
    let mut out = Capped::default();
    match registry.render_to_write(name, data, &mut out) {
        Ok(()) => Ok(String::from_utf8(out.bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())),
        Err(_) if out.overflowed => Err(Diagnostic::new(
            Code::TemplateError,
            format!("{subject} renders more than {} MiB", MAX_RENDERED_BYTES / (1024 * 1024)),
            first_line(template),
            "rendering stopped",
        )
        .with_help("a template's output is capped: loop over less, or split the module")),
        Err(error) => Err(render_error(template, subject, data, &error)),
    }
}

/// Rendered output, refused past [`MAX_RENDERED_BYTES`].
#[derive(Default)]
struct Capped {
    bytes: Vec<u8>,
    overflowed: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_RENDERED_BYTES {
            self.overflowed = true;
            return Err(std::io::Error::other("rendered output too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A template that does not parse. `subject` names it in the message, such as ``template of
/// kind `search-index` ``.
pub fn parse_error(template: TemplateText<'_>, subject: &str, error: &TemplateError) -> Diagnostic {
    let message = format!("{subject} does not parse");
    let text = template.text;
    let at_end = error.pos().is_none_or(|(line, _)| line > text.lines().count());
    match error.reason() {
        TemplateErrorReason::InvalidSyntax(_) if at_end => {
            let last = text.trim_end().rfind('\n').map_or(0, |i| i + 1);
            let end = text.trim_end().len();
            Diagnostic::new(
                Code::TemplateError,
                message,
                Span::new(template.file, last, end),
                "the template ends here",
            )
            .with_help("a block is left open: close each `{{#…}}` with its `{{/…}}`")
        }
        TemplateErrorReason::InvalidSyntax(_) => Diagnostic::new(
            Code::TemplateError,
            message,
            place(template, error.pos(), None),
            "invalid Handlebars syntax",
        ),
        reason => {
            let reason = reason.to_string();
            let reason = reason.lines().next().unwrap_or("invalid syntax").trim();
            Diagnostic::new(
                Code::TemplateError,
                message,
                place(template, error.pos(), None),
                first_lower(reason),
            )
        }
    }
}

/// A template that does not render with `data`.
pub fn render_error(
    template: TemplateText<'_>,
    subject: &str,
    data: &Value,
    error: &RenderError,
) -> Diagnostic {
    let position = error.line_no.zip(error.column_no);
    match error.reason() {
        RenderErrorReason::MissingVariable(path) => {
            let path = path.as_deref().unwrap_or("a value");
            Diagnostic::new(
                Code::TemplateError,
                format!("{subject} uses `{path}`, which is not in its context"),
                place(template, position, Some(path)),
                "unknown value",
            )
            .with_help_opt(suggestion(data, path))
        }
        RenderErrorReason::TemplateError(inner) => parse_error(template, subject, inner),
        reason => {
            let text = first_lower(&reason.to_string());
            let (label, help) = match text.split_once("; ") {
                Some((label, help)) => (label.to_owned(), Some(help.to_owned())),
                None => (text, None),
            };
            Diagnostic::new(
                Code::TemplateError,
                format!("{subject} does not render"),
                place(template, position, None),
                label,
            )
            .with_help_opt(help)
        }
    }
}

/// The first parameter of a helper, which must be present in the context: strict mode's error
/// for a value the context lacks, so that it is reported like any other missing value.
pub fn param<'a>(h: &'a Helper<'_>, helper: &'static str) -> Result<&'a Value, RenderError> {
    let param = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, 0))?;
    if param.is_value_missing() {
        return Err(RenderError::strict_error(param.relative_path()));
    }
    Ok(param.value())
}

/// A helper that writes a function of its one parameter: `{{hcl value}}`, `{{kdl value}}`.
pub struct ValueHelper {
    /// Its name, for errors.
    pub name: &'static str,
    /// What it writes for the parameter.
    pub write: fn(&Value) -> Result<String, RenderError>,
}

impl HelperDef for ValueHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        out.write(&(self.write)(param(h, self.name)?)?)?;
        Ok(())
    }
}

/// The parameter of a helper that takes text.
pub fn text<'a>(value: &'a Value, helper: &str) -> Result<&'a str, RenderError> {
    value
        .as_str()
        .ok_or_else(|| RenderErrorReason::Other(format!("`{helper}` takes a string")).into())
}

/// The first line of a template, for problems with no better place.
pub fn first_line(template: TemplateText<'_>) -> Span {
    let end = template.text.find('\n').unwrap_or(template.text.len());
    Span::new(template.file, 0, end)
}

/// "Did you mean" for the first part of `path` that the context lacks: among the keys beside it
/// when the path resolves that far from the top, else among every key of the context.
fn suggestion(data: &Value, path: &str) -> Option<String> {
    let mut here = Some(data);
    for part in path.split(['.', '/']).filter(|p| !p.is_empty() && *p != "this") {
        match here.and_then(|v| v.get(part)) {
            Some(next) => here = Some(next),
            None => {
                let beside: Vec<&str> = here
                    .and_then(Value::as_object)
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                return did_you_mean(part, beside.iter().copied()).or_else(|| {
                    let every = context_keys(data);
                    did_you_mean(part, every.iter().map(String::as_str))
                });
            }
        }
    }
    None
}

/// Every key of every object in the context, for suggestions.
fn context_keys(data: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    out.push(key.clone());
                    walk(value, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut keys = Vec::new();
    walk(data, &mut keys);
    keys.sort();
    keys.dedup();
    keys
}

fn first_lower(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// The span of the Handlebars expression at a 1-based (line, column), narrowed to `within` when
/// the expression contains it; the first line without a position.
fn place(
    template: TemplateText<'_>,
    position: Option<(usize, usize)>,
    within: Option<&str>,
) -> Span {
    let text = template.text;
    let Some((line, column)) = position else { return first_line(template) };
    let line_start: usize =
        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let line_start = line_start.min(text.len());
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let start = line_start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
    let rest = &text[start..];
    let end = if rest.starts_with("{{") {
        let line_end = rest.find('\n').unwrap_or(rest.len());
        rest[..line_end].find("}}").map_or(line_end, |i| i + 2)
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    match within.and_then(|w| rest[..end].find(w).map(|i| (i, w.len()))) {
        Some((offset, len)) => Span::new(template.file, start + offset, start + offset + len),
        None => Span::new(template.file, start, start + end),
    }
}
