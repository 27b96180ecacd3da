//! What templates see: the context of a kind, field values in canonical units, and HCL literals.
//!
//! Field values cross from the root module into a kind's module as typed Terraform variables in
//! one canonical unit per type: durations in seconds, memory in bytes, CPU in millicores and
//! percentages as a number of percent. A variable's name carries its unit (`storage_bytes`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use idpc_ir::{FieldValue, Kind, KindField, KindOutput, ValueType};
use serde::Serialize;
use serde_json::{Number, Value};

use crate::names;

/// Variables every module has besides its fields, set by the root module.
pub(crate) const MODULE_VARIABLES: &[&str] = &["name", "tags", "ephemeral"];

/// Names Terraform reserves for itself in a `module` block or a `variable` declaration.
pub(crate) const RESERVED_VARIABLES: &[&str] =
    &["source", "version", "providers", "count", "for_each", "lifecycle", "depends_on", "locals"];

/// How a field's type crosses into Terraform: the HCL type and the canonical unit, if any.
pub(crate) fn hcl_type(ty: &ValueType) -> (&'static str, Option<&'static str>) {
    match ty {
        ValueType::Int { .. } | ValueType::Port => ("number", None),
        ValueType::Bool => ("bool", None),
        ValueType::Duration => ("number", Some("seconds")),
        ValueType::Memory => ("number", Some("bytes")),
        ValueType::Cpu => ("number", Some("millicores")),
        ValueType::Percent => ("number", Some("percent")),
        _ => ("string", None),
    }
}

/// The Terraform variable of a field of `kind`: its name in snake case with its unit appended
/// (`storage_bytes`), prefixed with the kind's name where Terraform reserves the name or every
/// module already has it (`postgres_version`).
pub(crate) fn variable_name(kind: &str, field: &KindField) -> String {
    let base = names::snake(&field.name);
    let base = match hcl_type(&field.ty).1 {
        Some(unit) if !base.ends_with(unit) => format!("{base}_{unit}"),
        _ => base,
    };
    if RESERVED_VARIABLES.contains(&base.as_str()) || MODULE_VARIABLES.contains(&base.as_str()) {
        format!("{}_{base}", names::snake(kind))
    } else {
        base
    }
}

/// A value in its canonical unit, as JSON for the template context.
pub(crate) fn canonical(value: &FieldValue) -> Value {
    match value {
        FieldValue::Int(i) => Value::from(*i),
        FieldValue::Bool(b) => Value::Bool(*b),
        FieldValue::Duration(d) => decimal(d.as_millis(), 3),
        FieldValue::Memory(m) => Value::from(m.bytes()),
        FieldValue::Cpu(c) => Value::from(c.millis()),
        FieldValue::Percent(p) => decimal(u64::from(p.millionths()), 4),
        other => Value::String(other.render()),
    }
}

/// `value / 10^scale` as a JSON number: an integer when it is whole.
fn decimal(value: u64, scale: u32) -> Value {
    let divisor = 10u64.pow(scale);
    if value.is_multiple_of(divisor) {
        return Value::from(value / divisor);
    }
    let text = format!("{}.{:0width$}", value / divisor, value % divisor, width = scale as usize);
    text.trim_end_matches('0')
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// A JSON value written as an HCL literal: strings quoted and escaped, numbers and booleans bare,
/// lists and objects on one line.
pub(crate) fn literal(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let pairs: Vec<String> =
                map.iter().map(|(k, v)| format!("{} = {}", key(k), literal(v))).collect();
            format!("{{ {} }}", pairs.join(", "))
        }
    }
}

/// An object key: bare when it is a plain identifier, quoted otherwise.
pub(crate) fn key(text: &str) -> String {
    let plain = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain { text.to_owned() } else { quote(text) }
}

/// A quoted HCL string literal.
pub(crate) fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// Escapes text for the inside of an HCL quoted string: backslashes, quotes and control
/// characters, and the `${` and `%{` that would start a template sequence.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A kind as templates see it.
#[derive(Serialize)]
pub(crate) struct KindContext<'a> {
    name: &'a str,
    snake: String,
    description: &'a str,
    source: &'a str,
    fields: Vec<FieldContext<'a>>,
    field: BTreeMap<&'a str, FieldContext<'a>>,
    outputs: Vec<OutputContext<'a>>,
    output: BTreeMap<&'a str, OutputContext<'a>>,
}

/// A field of a kind as templates see it.
#[derive(Clone, Serialize)]
struct FieldContext<'a> {
    name: &'a str,
    variable: String,
    #[serde(rename = "type")]
    hcl_type: &'static str,
    value_type: &'static str,
    unit: Option<&'static str>,
    doc: &'a str,
    description: String,
    default: Value,
    has_default: bool,
    choices: Vec<&'a str>,
    min: Option<i64>,
    max: Option<i64>,
    validation: Option<Validation>,
}

/// A `validation` block for a variable: an HCL condition, written raw, and its message.
#[derive(Clone, Serialize)]
struct Validation {
    condition: String,
    message: String,
}

/// An output of a kind as templates see it.
#[derive(Clone, Serialize)]
struct OutputContext<'a> {
    name: &'a str,
    output: String,
    doc: &'a str,
    description: String,
    secret: bool,
}

impl<'a> KindContext<'a> {
    /// The context of `kind`, declared in the file at `source`.
    pub(crate) fn new(kind: &'a Kind, source: &'a str) -> KindContext<'a> {
        let fields: Vec<FieldContext<'a>> =
            kind.fields.iter().map(|f| field_context(&kind.name, f)).collect();
        let outputs: Vec<OutputContext<'a>> = kind.outputs.iter().map(output_context).collect();
        KindContext {
            name: &kind.name,
            snake: names::snake(&kind.name),
            description: kind.description.as_deref().unwrap_or(""),
            source,
            field: fields.iter().map(|f| (f.name, f.clone())).collect(),
            fields,
            output: outputs.iter().map(|o| (o.name, o.clone())).collect(),
            outputs,
        }
    }
}

fn field_context<'a>(kind: &str, field: &'a KindField) -> FieldContext<'a> {
    let (hcl_type, unit) = hcl_type(&field.ty);
    let doc = field.doc.as_deref().unwrap_or("");
    let sentence =
        if doc.is_empty() { format!("The `{}` field.", field.name) } else { doc.to_owned() };
    let description = match unit {
        Some(unit) => format!("{}, in {unit}.", sentence.trim_end_matches('.')),
        None => sentence,
    };
    let (min, max) = match field.ty {
        ValueType::Int { min, max } => {
            ((min != i64::MIN).then_some(min), (max != i64::MAX).then_some(max))
        }
        _ => (None, None),
    };
    let variable = variable_name(kind, field);
    let validation = match &field.ty {
        ValueType::Enum(choices) => Some(Validation {
            condition: format!(
                "contains({}, var.{variable})",
                literal(&Value::from(choices.iter().collect::<Vec<_>>()))
            ),
            message: format!("The value must be one of {}.", choices.join(", ")),
        }),
        ValueType::Int { .. } if min.is_some() || max.is_some() => {
            let mut condition = format!("var.{variable} == floor(var.{variable})");
            let range = match (min, max) {
                (Some(lo), Some(hi)) => format!("from {lo} to {hi}"),
                (Some(lo), None) => format!("of at least {lo}"),
                (_, hi) => format!("of at most {}", hi.unwrap_or_default()),
            };
            if let Some(lo) = min {
                let _ = write!(condition, " && var.{variable} >= {lo}");
            }
            if let Some(hi) = max {
                let _ = write!(condition, " && var.{variable} <= {hi}");
            }
            Some(Validation {
                condition,
                message: format!("The value must be a whole number {range}."),
            })
        }
        _ => None,
    };
    FieldContext {
        name: &field.name,
        variable,
        hcl_type,
        value_type: field.ty.keyword(),
        unit,
        doc,
        description,
        default: field.default.as_ref().map_or(Value::Null, canonical),
        has_default: field.default.is_some(),
        choices: match &field.ty {
            ValueType::Enum(choices) => choices.iter().collect(),
            _ => Vec::new(),
        },
        min,
        max,
        validation,
    }
}

/// What an output is, in a sentence; a secret output says that it is a reference.
pub(crate) fn output_description(output: &KindOutput) -> String {
    let sentence = match output.doc.as_deref() {
        Some(doc) if !doc.is_empty() => doc.to_owned(),
        _ => format!("The `{}` output.", output.name),
    };
    if output.secret {
        format!("{sentence} A reference to where the secret is stored, never the secret.")
    } else {
        sentence
    }
}

fn output_context(output: &KindOutput) -> OutputContext<'_> {
    OutputContext {
        name: &output.name,
        output: names::snake(&output.name),
        doc: output.doc.as_deref().unwrap_or(""),
        description: output_description(output),
        secret: output.secret,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_quoted_and_escaped() {
        let value = serde_json::json!(["a\"b", "${x}", "%{if}", "\\", "line\nnext", 1, 2.5, true]);
        assert_eq!(
            literal(&value),
            r#"["a\"b", "$${x}", "%%{if}", "\\", "line\nnext", 1, 2.5, true]"#
        );
        let object = serde_json::json!({"cost-center": "cc-1", "team": "x"});
        assert_eq!(literal(&object), r#"{ "cost-center" = "cc-1", team = "x" }"#);
    }

    #[test]
    fn values_take_canonical_units() {
        let duration = FieldValue::Duration(idpc_ir::Duration::parse("1h30m").unwrap());
        assert_eq!(canonical(&duration), serde_json::json!(5400));
        let short = FieldValue::Duration(idpc_ir::Duration::parse("300ms").unwrap());
        assert_eq!(canonical(&short), serde_json::json!(0.3));
        let memory = FieldValue::Memory(idpc_ir::Memory::parse("20Gi").unwrap());
        assert_eq!(canonical(&memory), serde_json::json!(21_474_836_480u64));
        let cpu = FieldValue::Cpu(idpc_ir::Cpu::parse("250m").unwrap());
        assert_eq!(canonical(&cpu), serde_json::json!(250));
        let percent = FieldValue::Percent(idpc_ir::Percent::parse("99.95%").unwrap());
        assert_eq!(canonical(&percent), serde_json::json!(99.95));
    }
}
