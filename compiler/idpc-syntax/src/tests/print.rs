//! Prints a lowered document in the canonical form of the KDL test suite
//! (`TRANSLATION-RULES.md`): no comments, four-space indents, arguments then properties sorted by
//! key with only the last of a repeated key, strings plain when they can be, numbers in decimal.

use crate::ast::{Node, SourceFile, Value, ValueKind};
use crate::chars::is_identifier_char;
use crate::string;

/// The canonical text of `file`, parsed from `text`.
pub(crate) fn canonical(text: &str, file: &SourceFile) -> String {
    let mut out = String::new();
    if file.nodes.is_empty() {
        out.push('\n');
    }
    for node in &file.nodes {
        print_node(text, node, 0, &mut out);
    }
    out
}

fn print_node(text: &str, node: &Node, depth: usize, out: &mut String) {
    out.push_str(&"    ".repeat(depth));
    if let Some(annotation) = node.annotation {
        print_type(text, annotation, out);
    }
    out.push_str(&string_repr(&node.name.text));
    for arg in &node.args {
        out.push(' ');
        print_value(text, arg, out);
    }
    let mut props: Vec<&crate::ast::Prop> = Vec::new();
    for prop in &node.props {
        props.retain(|p| p.name.text != prop.name.text);
        props.push(prop);
    }
    props.sort_by(|a, b| a.name.text.cmp(&b.name.text));
    for prop in props {
        out.push(' ');
        out.push_str(&string_repr(&prop.name.text));
        out.push('=');
        print_value(text, &prop.value, out);
    }
    let children = node.children();
    if !children.is_empty() {
        out.push_str(" {\n");
        for child in children {
            print_node(text, child, depth + 1, out);
        }
        out.push_str(&"    ".repeat(depth));
        out.push('}');
    }
    out.push('\n');
}

fn print_type(text: &str, span: idpc_diagnostics::Span, out: &mut String) {
    let raw = &text[span.start as usize..span.end as usize];
    let name = string::decode(raw).map(|s| s.into_owned()).unwrap_or_default();
    out.push('(');
    out.push_str(&string_repr(&name));
    out.push(')');
}

fn print_value(text: &str, value: &Value, out: &mut String) {
    if let Some(annotation) = value.annotation {
        print_type(text, annotation, out);
    }
    match &value.kind {
        ValueKind::String(s) => out.push_str(&string_repr(s)),
        ValueKind::Integer(i) => out.push_str(&i.to_string()),
        ValueKind::Float(f, _) if f.is_nan() => out.push_str("#nan"),
        ValueKind::Float(f, _) if *f == f64::INFINITY => out.push_str("#inf"),
        ValueKind::Float(f, _) if *f == f64::NEG_INFINITY => out.push_str("#-inf"),
        ValueKind::Float(f, _) => out.push_str(&format!("{f:?}")),
        ValueKind::Bool(b) => out.push_str(if *b { "#true" } else { "#false" }),
        ValueKind::Null => out.push_str("#null"),
    }
}

/// A string as the suite prints it: bare when it is a plain identifier, else quoted and escaped.
pub(crate) fn string_repr(s: &str) -> String {
    if is_plain_identifier(s) {
        return s.to_owned();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `text` can be written as a bare identifier.
pub(crate) fn is_plain_identifier(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else { return false };
    if !text.chars().all(is_identifier_char) || first.is_ascii_digit() {
        return false;
    }
    let unsigned = if matches!(first, b'+' | b'-') { &bytes[1..] } else { bytes };
    if unsigned.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    if unsigned.first() == Some(&b'.') && unsigned.get(1).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    !matches!(text, "true" | "false" | "null" | "inf" | "-inf" | "nan")
}
