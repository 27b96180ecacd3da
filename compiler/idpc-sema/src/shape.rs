//! The shape checker: a node tree against the schema.
//!
//! It reports unknown nodes and properties (with did-you-mean), wrong argument counts, missing
//! required values, repeats, children where none belong, and type errors; and it returns the
//! nodes it could make sense of with their values typed. A value that failed its check is left
//! out, so later phases see it as absent and stay silent about it (no cascades).

use idpc_diagnostics::{Code, Diagnostic, Span, did_you_mean, quote};
use idpc_ir::FieldValue;
use idpc_syntax::ast;

use crate::diagnostics::Repeats;
use crate::schema::{self, Children, NodeSchema, ValueType};
use crate::typeck;

/// A value that passed its type check.
#[derive(Debug, Clone)]
pub(crate) struct Typed {
    pub(crate) value: FieldValue,
    pub(crate) span: Span,
}

/// A node that matched its schema.
#[derive(Debug)]
pub(crate) struct Checked<'a> {
    pub(crate) node: &'a ast::Node,
    pub(crate) schema: &'static NodeSchema,
    args: Vec<Option<Typed>>,
    /// By the schema's name of each, at most one each: a list, as a node has few.
    props: Vec<(&'static str, Typed)>,
    pub(crate) children: Vec<Checked<'a>>,
}

impl<'a> Checked<'a> {
    /// The span of the node name.
    pub(crate) fn name_span(&self) -> Span {
        self.node.name.span
    }

    /// The argument at `index`, if it was given and type-checked.
    pub(crate) fn arg(&self, index: usize) -> Option<&Typed> {
        self.args.get(index).and_then(Option::as_ref)
    }

    /// All checked arguments from `index` on (for variadic arguments).
    pub(crate) fn args_from(&self, index: usize) -> impl Iterator<Item = &Typed> {
        self.args.iter().skip(index).flatten()
    }

    /// A string argument with its span.
    pub(crate) fn str_arg(&self, index: usize) -> Option<(&str, Span)> {
        self.arg(index).and_then(|t| t.value.as_str().map(|s| (s, t.span)))
    }

    /// A property, if it was given and type-checked.
    pub(crate) fn prop(&self, name: &str) -> Option<&Typed> {
        by_name(&self.props, name)
    }

    /// Whether the property was written at all (even with a bad value).
    pub(crate) fn has_prop(&self, name: &str) -> bool {
        self.node.props.iter().any(|p| p.name.text == name)
    }

    /// The raw value of a property, for properties typed by another declaration.
    pub(crate) fn raw_prop(&self, name: &str) -> Option<&'a ast::Value> {
        self.node.props.iter().find(|p| p.name.text == name).map(|p| &p.value)
    }

    /// The first child with this name.
    pub(crate) fn child(&self, name: &str) -> Option<&Checked<'a>> {
        self.children.iter().find(|c| c.schema.name == name)
    }

    /// Every child with this name.
    pub(crate) fn children_named<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Checked<'a>> {
        self.children.iter().filter(move |c| c.schema.name == name)
    }
}

/// Checks the top-level nodes of one file.
pub(crate) fn check_file<'a>(
    file: &'a ast::SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Checked<'a>> {
    check_nodes(&file.nodes, schema::language::TOP_LEVEL, None, diagnostics)
}

/// Checks a block of nodes against the schemas allowed in it. `parent` names the enclosing node
/// (`None` at the top of a file).
fn check_nodes<'a>(
    nodes: &'a [ast::Node],
    allowed: &'static [NodeSchema],
    parent: Option<&'a ast::Node>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Checked<'a>> {
    let mut checked = Vec::with_capacity(nodes.len());
    // The singletons given so far: names of `allowed`, each once, so a list looked through.
    let mut first_seen: Vec<(&'static str, Span)> = Vec::new();
    let mut repeats = Repeats::default();
    for node in nodes {
        let Some(node_schema) = allowed.iter().find(|s| s.name == node.name.text) else {
            repeats.report(&node.name.text, diagnostics, || unknown_node(node, allowed, parent));
            continue;
        };
        // Singletons at the top level (`platform`) are checked across files by the collector.
        if !node_schema.repeatable && parent.is_some() {
            if let Some(&first) = by_name(&first_seen, node_schema.name) {
                repeats.report(node_schema.name, diagnostics, || {
                    Diagnostic::new(
                        Code::RepeatedNode,
                        format!("`{}` is given more than once", node_schema.name),
                        node.name.span,
                        "given again here",
                    )
                    .with_label(first, "first given here")
                    .with_help("keep one of them")
                });
                continue;
            }
            first_seen.push((node_schema.name, node.name.span));
        }
        checked.push(check_node(node, node_schema, diagnostics));
    }
    repeats.finish(diagnostics);
    if let Some(parent) = parent {
        for required in allowed.iter().filter(|s| s.required) {
            if by_name(&first_seen, required.name).is_none() {
                diagnostics.push(Diagnostic::new(
                    Code::MissingValue,
                    format!("`{}` needs a `{}`", quote(&parent.name.text), required.name),
                    parent.name.span,
                    format!("no `{}` inside", required.name),
                ));
            }
        }
    }
    checked
}

fn check_node<'a>(
    node: &'a ast::Node,
    node_schema: &'static NodeSchema,
    diagnostics: &mut Vec<Diagnostic>,
) -> Checked<'a> {
    if let Some(span) = node.annotation {
        diagnostics.push(type_annotation(span));
    }
    let args = check_args(node, node_schema, diagnostics);
    let props = check_props(node, node_schema, diagnostics);
    let children = match (node_schema.children, &node.children) {
        (Children::Nodes(allowed), Some(children)) => {
            check_nodes(children, allowed, Some(node), diagnostics)
        }
        (Children::Nodes(allowed), None) => {
            // Report required children even when the block is missing.
            check_nodes(&[], allowed, Some(node), diagnostics)
        }
        (Children::None, Some(children)) if !children.is_empty() => {
            let first = children[0].span;
            let last = children[children.len() - 1].span;
            diagnostics.push(
                Diagnostic::new(
                    Code::UnexpectedChildren,
                    format!("`{}` takes no children", node_schema.name),
                    first.to(last),
                    "not allowed here",
                )
                .with_label(node.name.span, format!("`{}` is a single line", node_schema.name))
                .with_help(format!("write it as `{}`", node_schema.usage())),
            );
            Vec::new()
        }
        _ => Vec::new(),
    };
    Checked { node, schema: node_schema, args, props, children }
}

fn check_args(
    node: &ast::Node,
    node_schema: &'static NodeSchema,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Option<Typed>> {
    let mut typed = Vec::with_capacity(node.args.len());
    for (index, value) in node.args.iter().enumerate() {
        let arg_schema =
            node_schema.args.get(index).or_else(|| node_schema.args.last().filter(|a| a.variadic));
        let Some(arg_schema) = arg_schema else {
            let extra = value.span.to(node.args[node.args.len() - 1].span);
            let takes = match node_schema.args.len() {
                0 => "no arguments".to_owned(),
                1 => "1 argument".to_owned(),
                n => format!("{n} arguments"),
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::UnexpectedArgument,
                    format!("`{}` takes {takes}", node_schema.name),
                    extra,
                    "unexpected",
                )
                .with_help(format!("usage: `{}`", node_schema.usage())),
            );
            break;
        };
        if let Some(span) = value.annotation {
            diagnostics.push(type_annotation(span));
        }
        let first_text = node.args.first().and_then(|v| match &v.kind {
            ast::ValueKind::String(s) => Some(s.as_str()),
            _ => None,
        });
        let what = if let (1, "env", Some(name)) = (index, node_schema.name, first_text) {
            What::Variable(name)
        } else if node_schema.args.len() == 1 {
            What::Named(node_schema.name)
        } else {
            What::ArgumentOf(arg_schema.name, node_schema.name)
        };
        typed.push(check_typed(value, &arg_schema.ty, &what, diagnostics));
    }
    for missing in node_schema.args.iter().skip(node.args.len()).filter(|a| a.required) {
        diagnostics.push(
            Diagnostic::new(
                Code::MissingArgument,
                format!("`{}` needs its {} argument", node_schema.name, missing.name),
                node.name.span,
                format!("expects {} here", missing.name),
            )
            .with_help(format!("usage: `{}`", node_schema.usage())),
        );
    }
    typed
}

fn check_props(
    node: &ast::Node,
    node_schema: &'static NodeSchema,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(&'static str, Typed)> {
    let mut typed = Vec::new();
    // The properties given so far, each a property of the schema, so never more than the
    // schema has: a list looked through is enough (and no map is made for each node).
    let mut seen: Vec<(&'static str, Span)> = Vec::new();
    for prop in &node.props {
        let Some(prop_schema) = node_schema.prop(&prop.name.text) else {
            let help = did_you_mean(&prop.name.text, node_schema.props.iter().map(|p| p.name))
                .or_else(|| {
                    let known: Vec<String> =
                        node_schema.props.iter().map(|p| format!("`{}`", p.name)).collect();
                    (!known.is_empty())
                        .then(|| format!("`{}` takes {}", node_schema.name, known.join(", ")))
                });
            let label = if node_schema.props.is_empty() {
                "takes no properties".to_owned()
            } else {
                "unknown property".to_owned()
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownProperty,
                    format!("`{}` has no property `{}`", node_schema.name, quote(&prop.name.text)),
                    prop.name.span,
                    label,
                )
                .with_help_opt(help),
            );
            continue;
        };
        if let Some(&first) = by_name(&seen, prop_schema.name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::RepeatedProperty,
                    format!("property `{}` is given twice", prop_schema.name),
                    prop.name.span,
                    "given again here",
                )
                .with_label(first, "first given here"),
            );
            continue;
        }
        seen.push((prop_schema.name, prop.name.span));
        if let Some(span) = prop.value.annotation {
            diagnostics.push(type_annotation(span));
        }
        if prop_schema.ty == ValueType::Any {
            continue;
        }
        let what = What::Named(prop_schema.name);
        if let Some(value) = check_typed(&prop.value, &prop_schema.ty, &what, diagnostics) {
            typed.push((prop_schema.name, value));
        }
    }
    for missing in
        node_schema.props.iter().filter(|p| p.required && by_name(&seen, p.name).is_none())
    {
        diagnostics.push(
            Diagnostic::new(
                Code::MissingValue,
                format!("`{}` needs the property `{}`", node_schema.name, missing.name),
                node.name.span,
                format!("no `{}=`", missing.name),
            )
            .with_help(format!("usage: `{}`", node_schema.usage())),
        );
    }
    typed
}

/// The value kept under `name` in a list of names of a schema, each there once (a schema has
/// few, so the list is looked through).
fn by_name<'l, T>(list: &'l [(&'static str, T)], name: &str) -> Option<&'l T> {
    list.iter().find(|(known, _)| *known == name).map(|(_, value)| value)
}

/// The place of a value, as a message names it: written out only when there is a message, as
/// most values are fine.
enum What<'a> {
    /// A property or the only argument of a node: "`replicas`".
    Named(&'a str),
    /// The value of a variable: "variable `LOG_LEVEL`".
    Variable(&'a str),
    /// One of several arguments of a node: "the name of `secret`".
    ArgumentOf(&'a str, &'a str),
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Named(name) => write!(f, "`{name}`"),
            What::Variable(name) => write!(f, "variable `{name}`", name = quote(name)),
            What::ArgumentOf(argument, node) => {
                write!(f, "the {} of `{node}`", argument.to_ascii_lowercase())
            }
        }
    }
}

fn check_typed(
    value: &ast::Value,
    ty: &ValueType,
    what: &What<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Typed> {
    if *ty == ValueType::Any {
        return None;
    }
    match typeck::check(value, ty, what) {
        Ok(FieldValue::String(name)) if matches!(ty, ValueType::Declares(_)) => {
            let ValueType::Declares(kind) = *ty else { return None };
            match idpc_ir::validate_declared(&name, kind) {
                Ok(()) => Some(Typed { value: FieldValue::String(name), span: value.span }),
                Err(reason) => {
                    diagnostics.push(typeck::invalid_name(&name, value.span, &reason, Some(kind)));
                    None
                }
            }
        }
        Ok(checked) => Some(Typed { value: checked, span: value.span }),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    }
}

fn unknown_node(
    node: &ast::Node,
    allowed: &'static [NodeSchema],
    parent: Option<&ast::Node>,
) -> Diagnostic {
    let name = &node.name.text;
    let place = parent.map_or_else(
        || "at the top of a file".to_owned(),
        |p| format!("inside `{}`", quote(&p.name.text)),
    );
    let help = did_you_mean(name, allowed.iter().map(|s| s.name)).or_else(|| {
        schema::find_anywhere(name).map(|(owner, _)| {
            if owner.is_empty() {
                format!("`{name}` belongs at the top of a file", name = quote(name))
            } else {
                format!(
                    "`{name}` belongs inside `{owner}`",
                    name = quote(name),
                    owner = quote(owner)
                )
            }
        })
    });
    Diagnostic::new(
        Code::UnknownNode,
        format!("unknown node `{name}` {place}", name = quote(name)),
        node.name.span,
        "not known here",
    )
    .with_help_opt(help)
}

fn type_annotation(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TypeAnnotation,
        "type annotations are not used in platform descriptions",
        span,
        "remove this annotation",
    )
    .with_help("idpc knows the type of every value from the node it belongs to")
}
