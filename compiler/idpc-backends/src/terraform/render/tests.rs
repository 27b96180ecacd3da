//! Rendering: helpers, escaping, strict mode, and where template errors point.

use idpc_diagnostics::{FileId, Span};
use idpc_ir::{FieldValue, Kind, KindField, KindOutput, ValueType};

use super::*;
use crate::terraform::context::KindContext;

fn kind() -> Kind {
    let field = |name: &str, ty: ValueType, default: Option<FieldValue>| KindField {
        name: name.to_owned(),
        ty,
        doc: Some(format!("The \"{name}\".")),
        default,
        default_span: None,
        tier_defaults: Vec::new(),
    };
    Kind {
        name: "search-index".to_owned(),
        description: Some("Search \"fast\" with ${money}".to_owned()),
        fields: vec![
            field("shards", ValueType::Int { min: 1, max: 10 }, Some(FieldValue::Int(1))),
            field(
                "storage",
                ValueType::Memory,
                Some(FieldValue::Memory(idpc_ir::Memory::parse("1Gi").unwrap())),
            ),
            field("version", ValueType::String, None),
        ],
        outputs: vec![KindOutput {
            name: "master-password".to_owned(),
            doc: Some("Where it is.".to_owned()),
            secret: true,
        }],
        access: Vec::new(),
        terraform: Vec::new(),
        file: FileId(0),
        span: Span::new(FileId(0), 0, 0),
    }
}

fn run(text: &str) -> Result<String, Diagnostic> {
    let kind = kind();
    let template = Template { name: "main.tf".to_owned(), text: text.to_owned(), file: FileId(7) };
    let data = serde_json::json!({ "kind": KindContext::new(&kind, "kinds/search-index.kdl") });
    render(&Source { template: &template, kind: &kind.name }, &data)
}

/// The (start, end) of a diagnostic's primary span and its label.
fn place_of(diagnostic: &Diagnostic) -> (u32, u32, String) {
    let label = diagnostic.primary.as_ref().unwrap();
    (label.span.start, label.span.end, label.message.clone())
}

#[test]
fn helpers_write_hcl() {
    let text = r#"locals {
  description = "{{kind.description}}"
  quoted = {{hcl kind.description}}
  shards = {{var "shards"}}
  storage = {{var "storage"}}
  version = {{var "version"}}
  default = {{hcl kind.field.storage.default}}
  secret = {{hcl kind.output.master-password.secret}}
  snake = "{{snake kind.name}}"
  # {{comment kind.field.shards.description}}
}
"#;
    assert_eq!(
        run(text).unwrap(),
        r#"locals {
  description = "Search \"fast\" with $${money}"
  quoted      = "Search \"fast\" with $${money}"
  shards      = var.shards
  storage     = var.storage_bytes
  version     = var.search_index_version
  default     = 1073741824
  secret      = true
  snake       = "search_index"
  # The "shards".
}
"#
    );
}

#[test]
fn block_helpers_leave_no_blank_lines_behind() {
    let text = "{{#each kind.fields}}\nvariable \"{{variable}}\" {\n  type = {{type}}\n{{#if has_default}}\n  default = {{hcl default}}\n{{/if}}\n}\n\n{{/each}}\n";
    let rendered = run(text).unwrap();
    assert!(rendered.starts_with("variable \"shards\" {\n  type    = number\n  default = 1\n}\n\nvariable \"storage_bytes\""), "{rendered}");
    assert!(
        rendered.ends_with("variable \"search_index_version\" {\n  type = string\n}\n"),
        "{rendered}"
    );
}

#[test]
fn strict_mode_rejects_unknown_values() {
    let text = "locals {\n  a = {{hcl kind.nmae}}\n}\n";
    let diagnostic = run(text).unwrap_err();
    assert_eq!(diagnostic.code, Code::TemplateError);
    assert_eq!(place_of(&diagnostic), (21, 30, "unknown value".to_owned()));
    assert!(diagnostic.message.contains("`kind.nmae`"), "{}", diagnostic.message);
    assert!(diagnostic.help.as_deref().is_some_and(|h| h.starts_with("did you mean `name`?")));
    let plain = run("locals {\n  a = \"{{kind.fields.[0].nope}}\"\n}\n").unwrap_err();
    assert_eq!(plain.code, Code::TemplateError);
}

#[test]
fn unknown_fields_are_errors() {
    let diagnostic = run("locals {\n  a = {{var \"shard\"}}\n}\n").unwrap_err();
    assert_eq!(
        place_of(&diagnostic),
        (15, 30, "kind `search-index` has no field `shard`".to_owned())
    );
    assert_eq!(diagnostic.help.as_deref(), Some("did you mean `shards`?"));
}

#[test]
fn syntax_errors_point_into_the_template() {
    let diagnostic = run("locals {\n{{#if kind.name}}\n  a = 1\n}\n").unwrap_err();
    assert!(diagnostic.message.contains("does not parse"), "{}", diagnostic.message);
    assert_eq!(diagnostic.primary.as_ref().unwrap().span.file, FileId(7));
}

#[test]
fn invalid_hcl_is_an_error() {
    let diagnostic = run("locals {\n  a = \"{{kind.name}}\n}\n").unwrap_err();
    assert!(diagnostic.message.contains("invalid HCL"), "{}", diagnostic.message);
    assert_eq!(
        diagnostic.help.as_deref(),
        Some("line 2 of the rendered `main.tf`: a quoted string is not closed")
    );
}
