//! Resource kinds: their declarations, and the blocks that set their fields (tier defaults and
//! resources of services).

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, did_you_mean, quote};
use idpc_ir::{Kind, KindField, KindOutput, Layer, Origin, Template, Tier, TierDefault, ValueType};
use idpc_syntax::ast;

use crate::collect::Decl;
use crate::diagnostics::{conflict, duplicate_member, missing};
use crate::schema::kind::{AccessNode, FieldNode, KindNode, OutputNode};
use crate::shape::Typed;
use crate::typeck;
use crate::typed::{Field, OrDefault, TypedNode};

/// Lowers the kind declarations (sorted by name; a kind's id is its index).
pub(crate) fn lower_kinds(
    decls: &[Decl<'_, KindNode>],
    templates: &[crate::TemplateSource],
    paths: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Kind> {
    decls
        .iter()
        .map(|decl| {
            let mut kind = lower_kind(decl, diagnostics);
            kind.terraform = templates_of(decl, templates, paths);
            kind
        })
        .collect()
}

/// The templates of a kind: `<directory of the declaring file>/<kind>/<name>.hbs`.
fn templates_of(
    decl: &Decl<'_, KindNode>,
    templates: &[crate::TemplateSource],
    paths: &[String],
) -> Vec<Template> {
    let declared_in = paths.get(decl.file.0 as usize).map_or("", String::as_str);
    let dir = declared_in.rsplit_once('/').map_or("", |(dir, _)| dir);
    let prefix =
        if dir.is_empty() { format!("{}/", decl.name) } else { format!("{dir}/{}/", decl.name) };
    let mut found: Vec<Template> = templates
        .iter()
        .filter_map(|t| {
            let name = t.path.strip_prefix(&prefix)?.strip_suffix(".hbs")?;
            (!name.contains('/')).then(|| Template {
                name: name.to_owned(),
                text: t.text.clone(),
                file: t.file,
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// The value type declared by a field's `type`, with its bounds or choices.
pub(crate) fn value_type_of(
    keyword: &str,
    min: Option<i64>,
    max: Option<i64>,
    choices: &[String],
) -> Option<ValueType> {
    Some(match keyword {
        "string" => ValueType::String,
        "int" => ValueType::Int { min: min.unwrap_or(i64::MIN), max: max.unwrap_or(i64::MAX) },
        "bool" => ValueType::Bool,
        "duration" => ValueType::Duration,
        "percent" => ValueType::Percent,
        "cpu" => ValueType::Cpu,
        "memory" => ValueType::Memory,
        "port" => ValueType::Port,
        "name" => ValueType::Name,
        "email" => ValueType::Email,
        "url" => ValueType::Url,
        "image" => ValueType::Image,
        "secret-ref" => ValueType::SecretRef,
        "date" => ValueType::Date,
        "enum" => ValueType::Enum(idpc_ir::Choices::Owned(choices.to_vec())),
        _ => return None,
    })
}

fn lower_kind(decl: &Decl<'_, KindNode>, diagnostics: &mut Vec<Diagnostic>) -> Kind {
    let kind = decl.node;
    let mut fields: Vec<KindField> = Vec::new();
    let mut field_spans: BTreeMap<String, Span> = BTreeMap::new();
    for field in &kind.fields {
        let Some(Field { value: name, span: name_span }) = &field.name else { continue };
        if let Some(first) = field_spans.get(name) {
            diagnostics.push(duplicate_member("field", name, *name_span, *first));
            continue;
        }
        field_spans.insert(name.clone(), *name_span);
        if let Some(kind_field) = lower_field(field, name, diagnostics) {
            fields.push(kind_field);
        }
    }
    let mut tier_spans: BTreeMap<&str, Span> = BTreeMap::new();
    for tier_block in &kind.tiers {
        let Some(Field { value: tier_name, span: tier_span }) = &tier_block.tier else { continue };
        if let Some(first) = tier_spans.get(tier_name.as_str()) {
            diagnostics.push(
                Diagnostic::new(
                    Code::RepeatedNode,
                    format!(
                        "tier `{tier_name}` has two blocks of defaults",
                        tier_name = quote(tier_name)
                    ),
                    *tier_span,
                    "given again here",
                )
                .with_label(*first, "first given here"),
            );
            continue;
        }
        tier_spans.insert(tier_name, *tier_span);
        let Some(tier) = Tier::ALL.into_iter().find(|t| t.as_str() == tier_name) else { continue };
        let context = format!("kind `{}`", decl.name);
        for (index, typed) in
            check_field_nodes(&tier_block.fields_of_kind, &fields, &context, diagnostics)
        {
            fields[index].tier_defaults.push(TierDefault {
                tier,
                value: typed.value,
                span: typed.span,
            });
        }
    }
    let secret_default = &OutputNode::defaults().secret;
    let mut outputs: Vec<KindOutput> = Vec::new();
    let mut output_spans: BTreeMap<&str, Span> = BTreeMap::new();
    for output in &kind.outputs {
        let Some(Field { value: name, span }) = &output.name else { continue };
        if let Some(first) = output_spans.insert(name, *span) {
            diagnostics.push(duplicate_member("output", name, *span, first));
            continue;
        }
        outputs.push(KindOutput {
            name: name.clone(),
            doc: output.doc.as_ref().map(|f| f.value.clone()),
            // The default reads (a test checks every default of the language).
            secret: output.secret.or_default(secret_default).unwrap_or_default(),
        });
    }
    let access = lower_access(&kind.access, &outputs, diagnostics);
    Kind {
        name: decl.name.to_owned(),
        description: kind.description.as_ref().and_then(|d| Some(d.text.clone()?.value)),
        fields,
        outputs,
        access,
        terraform: Vec::new(),
        file: decl.file,
        span: decl.name_span,
    }
}

/// `access "ACTION"… on="OUTPUT" suffix="…"`: the output must be one of the kind's.
fn lower_access(
    grants: &[AccessNode],
    outputs: &[KindOutput],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<idpc_ir::KindAccess> {
    let suffix_default = &AccessNode::defaults().suffix;
    let mut access = Vec::new();
    for grant in grants {
        let Some(Field { value: output, span }) = &grant.on else { continue };
        if !outputs.iter().any(|o| o.name == *output) {
            diagnostics.push(crate::diagnostics::unknown_reference(
                "output",
                output,
                *span,
                outputs.iter().map(|o| o.name.as_str()),
            ));
            continue;
        }
        access.push(idpc_ir::KindAccess {
            actions: grant.actions.iter().map(|f| f.value.clone()).collect(),
            output: output.clone(),
            suffix: grant.suffix.or_default(suffix_default).unwrap_or_default(),
        });
    }
    access
}

fn lower_field(
    field: &FieldNode,
    name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<KindField> {
    let keyword = field.ty.as_ref()?.value.clone();
    let (min, max) = (field.min.as_ref(), field.max.as_ref());
    let one_of = field.one_of.as_ref();
    let choices: Vec<String> =
        one_of.map(|o| o.choices.iter().map(|f| f.value.clone()).collect()).unwrap_or_default();
    let type_span = field.ty.as_ref().map_or(field.span, |t| t.span);
    if keyword == "enum" && one_of.is_none() {
        diagnostics.push(
            missing(
                format!("enum field `{name}` lists no choices", name = quote(name)),
                type_span,
                "an enum needs its choices",
            )
            .with_help("add a child `one-of \"a\" \"b\"`"),
        );
        return None;
    }
    if let Some(one_of) = one_of.filter(|_| keyword != "enum") {
        diagnostics.push(conflict(
            format!("field `{name}` lists choices but is not an enum", name = quote(name)),
            one_of.span,
            "choices only apply to `type=\"enum\"`",
            type_span,
            "declared here",
        ));
    }
    for (bound, typed) in [(FieldNode::min.name, min), (FieldNode::max.name, max)] {
        if let Some(typed) = typed.filter(|_| keyword != "int") {
            diagnostics.push(conflict(
                format!(
                    "field `{name}` has `{bound}` but is not an int",
                    name = quote(name),
                    bound = quote(bound)
                ),
                typed.span,
                "bounds only apply to `type=\"int\"`",
                type_span,
                "declared here",
            ));
        }
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo.value > hi.value
    {
        diagnostics.push(
            Diagnostic::new(
                Code::InvertedBounds,
                format!("field `{name}` has `min` above `max`", name = quote(name)),
                lo.span,
                "the lower bound",
            )
            .with_label(hi.span, "the upper bound"),
        );
    }
    let ty = value_type_of(&keyword, min.map(|f| f.value), max.map(|f| f.value), &choices)?;
    // The default's type is the field's own, so it is read as written and checked here.
    let raw_default = field.default.as_ref().map(|f| &f.value.0);
    let default = raw_default.and_then(|raw| {
        typeck::check(raw, &ty, &format!("the default of `{name}`", name = quote(name)))
            .map_err(|d| diagnostics.push(d))
            .ok()
    });
    Some(KindField {
        name: name.to_owned(),
        ty,
        doc: field.doc.as_ref().map(|f| f.value.clone()),
        default_span: raw_default.filter(|_| default.is_some()).map(|raw| raw.span),
        default,
        tier_defaults: Vec::new(),
    })
}

/// Checks a block whose children set fields of a kind (`storage "50Gi"`): each child must name a
/// field, take exactly one value of the field's type, and appear once. Returns the field index
/// and typed value of each good child.
pub(crate) fn check_field_nodes(
    nodes: &[ast::Node],
    fields: &[KindField],
    context: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(usize, Typed)> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for node in nodes {
        let name = node.name.text.as_str();
        let Some(index) = fields.iter().position(|f| f.name == name) else {
            let help = did_you_mean(name, fields.iter().map(|f| f.name.as_str())).or_else(|| {
                let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
                (!names.is_empty()).then(|| format!("the fields are {}", names.join(", ")))
            });
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownNode,
                    format!("{context} has no field `{name}`", name = quote(name)),
                    node.name.span,
                    "not a field of this kind",
                )
                .with_help_opt(help),
            );
            continue;
        };
        if let Some(first) = seen.insert(name, node.name.span) {
            diagnostics.push(
                Diagnostic::new(
                    Code::RepeatedNode,
                    format!("field `{name}` is set twice", name = quote(name)),
                    node.name.span,
                    "set again here",
                )
                .with_label(first, "first set here"),
            );
            continue;
        }
        if let Some(prop) = node.props.first() {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownProperty,
                    format!("field `{name}` takes a value, not properties", name = quote(name)),
                    prop.name.span,
                    "unexpected property",
                )
                .with_help(format!("write `{name} VALUE`")),
            );
        }
        if let Some(child) = node.children().first() {
            diagnostics.push(Diagnostic::new(
                Code::UnexpectedChildren,
                format!("field `{name}` takes no children", name = quote(name)),
                child.span,
                "not allowed here",
            ));
        }
        if node.annotation.is_some() || node.args.iter().any(|a| a.annotation.is_some()) {
            let span = node
                .annotation
                .or_else(|| node.args.iter().find_map(|a| a.annotation))
                .unwrap_or(node.name.span);
            diagnostics.push(Diagnostic::new(
                Code::TypeAnnotation,
                "type annotations are not used in platform descriptions",
                span,
                "remove this annotation",
            ));
        }
        let field = &fields[index];
        match node.args.as_slice() {
            [] => diagnostics.push(
                Diagnostic::new(
                    Code::MissingArgument,
                    format!("field `{name}` needs a value", name = quote(name)),
                    node.name.span,
                    format!("expects {}", field.ty.describe()),
                )
                .with_help(format!("write `{name} VALUE`")),
            ),
            [value, rest @ ..] => {
                if let Some(extra) = rest.first() {
                    diagnostics.push(Diagnostic::new(
                        Code::UnexpectedArgument,
                        format!("field `{name}` takes one value", name = quote(name)),
                        extra.span,
                        "unexpected",
                    ));
                }
                match typeck::check(value, &field.ty, &format!("`{name}`", name = quote(name))) {
                    Ok(checked) => out.push((index, Typed { value: checked, span: value.span })),
                    Err(diagnostic) => diagnostics.push(diagnostic),
                }
            }
        }
    }
    out
}

/// The kind's defaults for a field in a tier, most specific first: the tier default, then the
/// field default.
pub(crate) fn defaults_for(field: &KindField, tier: Tier) -> Vec<(&idpc_ir::FieldValue, Origin)> {
    let tier_default = field.tier_defaults.iter().find(|d| d.tier == tier).map(|d| {
        (&d.value, Origin::at(d.span, Layer::KindTier { tier: tier.as_str().to_owned() }))
    });
    let default = field
        .default
        .as_ref()
        .map(|v| (v, Origin { span: field.default_span, layer: Layer::KindDefault }));
    tier_default.into_iter().chain(default).collect()
}
