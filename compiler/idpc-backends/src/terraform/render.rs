//! Rendering a kind's templates with Handlebars in strict mode, with HCL escaping and helpers,
//! and turning what goes wrong into diagnostics that point into the template.
//!
//! Helpers: `{{hcl VALUE}}` writes an HCL literal (strings quoted and escaped, numbers and
//! booleans bare, lists and objects inline); `{{var "FIELD"}}` writes `var.<variable>` of a field
//! of the kind and fails for a field the kind does not declare; `{{snake TEXT}}` writes
//! `payments_api` for `payments-api`; `{{comment TEXT}}` writes text on one line for a `#`
//! comment. A plain `{{VALUE}}` is escaped for the inside of an HCL quoted string.

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use idpc_diagnostics::{Code, Diagnostic, did_you_mean};
use idpc_ir::Template;
use serde_json::Value;

use super::context::{escape, literal};
use super::hcl;
use crate::common::templates::{self, TemplateText, ValueHelper, param, text};
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
    registry.register_template_string(&template.name, &template.text).map_err(|e| {
        let (text, subject) = described(source);
        templates::parse_error(text, &subject, &e)
    })?;
    let (text, subject) = described(source);
    let rendered = templates::render(&registry, &template.name, text, &subject, data)?;
    if !template.name.ends_with(".tf") {
        return Ok(rendered);
    }
    hcl::format(&rendered).map_err(|e| {
        Diagnostic::new(
            Code::TemplateError,
            format!("template of kind `{}` renders invalid HCL", source.kind),
            templates::first_line(described(source).0),
            "rendered from this template",
        )
        .with_help(format!("line {} of the rendered `{}`: {}", e.line, template.name, e.message))
    })
}

fn registry() -> Handlebars<'static> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.register_escape_fn(escape);
    let helper = |name, write| Box::new(ValueHelper { name, write });
    registry.register_helper("hcl", helper("hcl", |v| Ok(literal(v))));
    registry.register_helper("var", Box::new(var_helper));
    registry.register_helper("snake", helper("snake", |v| Ok(names::snake(text(v, "snake")?))));
    registry.register_helper(
        "comment",
        helper("comment", |v| {
            Ok(text(v, "comment")?.split_whitespace().collect::<Vec<_>>().join(" "))
        }),
    );
    registry
}

fn var_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let name = text(param(h, "var")?, "var")?;
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

/// The template as the shared error mapping sees it, and how messages name it.
fn described<'a>(source: &Source<'a>) -> (TemplateText<'a>, String) {
    let template = TemplateText { text: &source.template.text, file: source.template.file };
    (template, format!("template of kind `{}`", source.kind))
}

#[cfg(test)]
mod tests;
