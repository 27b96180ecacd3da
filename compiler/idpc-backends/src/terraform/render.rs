//! Rendering a kind's templates with Handlebars in strict mode, with HCL escaping and helpers,
//! and turning what goes wrong into diagnostics that point into the template.
//!
//! Helpers: `{{hcl VALUE}}` writes an HCL literal (strings quoted and escaped, numbers and
//! booleans bare, lists and objects inline); `{{var "FIELD"}}` writes `var.<variable>` of a field
//! of the kind and fails for a field the kind does not declare; `{{snake TEXT}}` writes
//! `payments_api` for `payments-api`; `{{comment TEXT}}` writes text on one line for a `#`
//! comment. A plain `{{VALUE}}` is escaped for the inside of an HCL quoted string.

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use idpc_diagnostics::{Code, Diagnostic, Span, did_you_mean};
use idpc_ir::Template;
use serde_json::Value;

use super::context::{escape, literal};
use super::hcl;
use crate::names;

/// A template, and what it is rendered for, for messages.
pub(crate) struct Source<'a> {
    /// The template.
    pub(crate) template: &'a Template,
    /// The kind it belongs to.
    pub(crate) kind: &'a str,
}

/// Renders a template with `data` and formats the result when it is a `.tf` file.
pub(crate) fn render(source: &Source<'_>, data: &Value) -> Result<String, Diagnostic> {
    let template = source.template;
    let mut registry = registry();
    registry
        .register_template_string(&template.name, &template.text)
        .map_err(|e| parse_error(source, &e))?;
    let rendered =
        registry.render(&template.name, data).map_err(|e| render_error(source, data, &e))?;
    if !template.name.ends_with(".tf") {
        return Ok(rendered);
    }
    hcl::format(&rendered).map_err(|e| {
        Diagnostic::new(
            Code::TemplateError,
            format!("template of kind `{}` renders invalid HCL", source.kind),
            first_line(template),
            "rendered from this template",
        )
        .with_help(format!("line {} of the rendered `{}`: {}", e.line, template.name, e.message))
    })
}

fn registry() -> Handlebars<'static> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.register_escape_fn(escape);
    registry.register_helper("hcl", Box::new(hcl_helper));
    registry.register_helper("var", Box::new(var_helper));
    registry.register_helper("snake", Box::new(snake_helper));
    registry.register_helper("comment", Box::new(comment_helper));
    registry
}

/// The first parameter of a helper, which must be present in the context.
fn param<'a>(h: &'a Helper<'_>, helper: &'static str) -> Result<&'a Value, RenderError> {
    let param = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, 0))?;
    if param.is_value_missing() {
        return Err(RenderError::strict_error(param.relative_path()));
    }
    Ok(param.value())
}

fn text_param<'a>(h: &'a Helper<'_>, helper: &'static str) -> Result<&'a str, RenderError> {
    param(h, helper)?
        .as_str()
        .ok_or_else(|| RenderErrorReason::Other(format!("`{helper}` takes a string")).into())
}

fn hcl_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&literal(param(h, "hcl")?))?;
    Ok(())
}

fn var_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let name = text_param(h, "var")?;
    let kind = &ctx.data()["kind"];
    let fields = kind["fields"].as_array().map(Vec::as_slice).unwrap_or_default();
    let variable = fields.iter().find(|f| f["name"] == name).and_then(|f| f["variable"].as_str());
    match variable {
        Some(variable) => {
            out.write(&format!("var.{variable}"))?;
            Ok(())
        }
        None => {
            let kind = kind["name"].as_str().unwrap_or_default();
            let help = did_you_mean(name, fields.iter().filter_map(|f| f["name"].as_str()));
            let help = help.map_or_else(String::new, |h| format!("; {h}"));
            Err(RenderErrorReason::Other(format!("kind `{kind}` has no field `{name}`{help}"))
                .into())
        }
    }
}

fn snake_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&names::snake(text_param(h, "snake")?))?;
    Ok(())
}

fn comment_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = text_param(h, "comment")?;
    out.write(&text.split_whitespace().collect::<Vec<_>>().join(" "))?;
    Ok(())
}

fn parse_error(source: &Source<'_>, error: &handlebars::TemplateError) -> Diagnostic {
    let reason = error.reason().to_string();
    let reason = reason.lines().next().unwrap_or("invalid syntax").trim().to_owned();
    Diagnostic::new(
        Code::TemplateError,
        format!("template of kind `{}` does not parse", source.kind),
        place(source.template, error.pos(), None),
        reason,
    )
}

fn render_error(source: &Source<'_>, data: &Value, error: &RenderError) -> Diagnostic {
    let position = error.line_no.zip(error.column_no);
    match error.reason() {
        RenderErrorReason::MissingVariable(path) => {
            let path = path.as_deref().unwrap_or("a value");
            let last = path.rsplit(['.', '/']).next().unwrap_or(path);
            let known = context_keys(data);
            Diagnostic::new(
                Code::TemplateError,
                format!(
                    "template of kind `{}` uses `{path}`, which is not in its context",
                    source.kind
                ),
                place(source.template, position, Some(path)),
                "unknown value",
            )
            .with_help_opt(did_you_mean(last, known.iter().map(String::as_str)))
        }
        RenderErrorReason::TemplateError(inner) => parse_error(source, inner),
        reason => {
            // Helpers write their errors as `what is wrong; what to do`.
            let text = first_lower(&reason.to_string());
            let (label, help) = match text.split_once("; ") {
                Some((label, help)) => (label.to_owned(), Some(help.to_owned())),
                None => (text, None),
            };
            Diagnostic::new(
                Code::TemplateError,
                format!("template of kind `{}` does not render", source.kind),
                place(source.template, position, None),
                label,
            )
            .with_help_opt(help)
        }
    }
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

/// The span of the Handlebars expression at a 1-based (line, column), narrowed to `within`
/// when the expression contains it.
fn place(template: &Template, position: Option<(usize, usize)>, within: Option<&str>) -> Span {
    let Some((line, column)) = position else { return first_line(template) };
    let text = &template.text;
    let line_start: usize =
        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let line_text = text[line_start.min(text.len())..].lines().next().unwrap_or("");
    let start = line_start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
    let rest = &text[start.min(text.len())..];
    let end = if rest.starts_with("{{") {
        let line_end = rest.find('\n').unwrap_or(rest.len());
        rest[..line_end].find("}}").map_or(line_end, |i| i + 2)
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    let (start, end) = match within.and_then(|w| rest[..end].find(w).map(|i| (i, w.len()))) {
        Some((offset, len)) => (start + offset, start + offset + len),
        None => (start, start + end),
    };
    Span::new(template.file, start, end)
}

fn first_line(template: &Template) -> Span {
    let end = template.text.find('\n').unwrap_or(template.text.len());
    Span::new(template.file, 0, end)
}

#[cfg(test)]
mod tests;
