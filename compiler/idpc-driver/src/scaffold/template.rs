//! Rendering a scaffold template: Handlebars in strict mode, escaping for KDL strings, and
//! template errors as diagnostics that point into the template.
//!
//! A plain `{{value}}` is escaped for the inside of a KDL quoted string; `{{kdl value}}` writes a
//! whole KDL value (a quoted string, a bare number, `#true`, `#false` or `#null`).

use handlebars::Handlebars;
use idpc_backends::templates::{self, TemplateText, ValueHelper};
use idpc_diagnostics::{Diagnostic, FileId};
use serde_json::Value;

/// A template and where it comes from.
pub(crate) struct Template<'a> {
    /// Its display path (`scaffold/service.kdl.hbs` or `<stdlib>/scaffold/service.kdl.hbs`).
    pub(crate) path: &'a str,
    /// Its text.
    pub(crate) text: &'a str,
    /// Its file in the compilation's sources, for diagnostics.
    pub(crate) file: FileId,
}

/// Renders `template` with `data`.
pub(crate) fn render(template: &Template<'_>, data: &Value) -> Result<String, Diagnostic> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.register_escape_fn(escape);
    let write = |value: &Value| Ok(literal(value));
    registry.register_helper("kdl", Box::new(ValueHelper { name: "kdl", write }));
    let text = TemplateText { text: template.text, file: template.file };
    let subject = format!("scaffold template `{}`", template.path);
    registry
        .register_template_string(template.path, template.text)
        .map_err(|e| templates::parse_error(text, &subject, &e))?;
    templates::render(&registry, template.path, text, &subject, data)
}

/// Escapes text for the inside of a KDL 2.0 quoted string: backslashes, quotes, newlines (every
/// character KDL counts as one) and the code points KDL does not allow in a document.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{feff}')
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// A JSON value as a KDL value.
pub fn literal(value: &Value) -> String {
    match value {
        Value::Null => "#null".to_owned(),
        Value::Bool(true) => "#true".to_owned(),
        Value::Bool(false) => "#false".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("\"{}\"", escape(s)),
        // Lists and objects have no KDL value; they are written as their JSON text, quoted.
        other => format!("\"{}\"", escape(&other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use idpc_diagnostics::Code;
    use idpc_syntax::ast::ValueKind;
    use serde_json::json;

    use super::*;

    fn template(text: &str) -> Template<'_> {
        Template { path: "scaffold/service.kdl.hbs", text, file: FileId(0) }
    }

    #[test]
    fn escaped_strings_parse_back_to_themselves() {
        let nasty = "a \"quoted\" \\ back\\slash\nnew line\r\ttab \u{7} bell \u{2028} \u{feff} é ✓";
        let text = format!("node \"{}\"\n", escape(nasty));
        let parsed = idpc_syntax::parse(FileId(0), &text);
        assert!(parsed.diagnostics.is_empty(), "{:?}\n{text}", parsed.diagnostics);
        let file = parsed.source_file.unwrap();
        assert_eq!(file.nodes.len(), 1, "{text}");
        assert_eq!(file.nodes[0].args[0].kind, ValueKind::String(nasty.to_owned()));
    }

    #[test]
    fn values_render_escaped_and_literals_whole() {
        let data = json!({"name": "a\"b\nc", "n": 3, "flag": true, "none": null});
        let out = render(
            &template("x \"{{name}}\" {{kdl n}} {{kdl flag}} {{kdl none}} {{kdl name}}"),
            &data,
        )
        .unwrap();
        assert_eq!(out, r#"x "a\"b\nc" 3 #true #null "a\"b\nc""#);
    }

    #[test]
    fn a_missing_value_is_an_error_at_its_place() {
        let text = "service \"{{name}}\"\n    team=\"{{taem}}\"\n";
        let error = render(&template(text), &json!({"name": "x", "team": "t"})).unwrap_err();
        assert_eq!(error.code, Code::TemplateError);
        assert!(error.message.contains("`taem`"), "{}", error.message);
        assert!(error.help.unwrap().starts_with("did you mean `team`?"));
        let span = error.primary.unwrap().span;
        assert_eq!(&text[span.start as usize..span.end as usize], "taem");
    }

    #[test]
    fn a_syntax_error_is_an_error() {
        let text = "a\n{{#each x}}\n";
        let error = render(&template(text), &json!({"x": []})).unwrap_err();
        assert!(error.message.contains("does not parse"), "{}", error.message);
        let label = error.primary.unwrap();
        assert_eq!(&text[label.span.start as usize..label.span.end as usize], "{{#each x}}");
        assert!(error.help.unwrap().contains("block is left open"));
        let error = render(&template("{{#each x}}{{/if}}"), &json!({"x": []})).unwrap_err();
        assert!(error.primary.unwrap().message.contains("\"each\" was opened"));
    }
}
