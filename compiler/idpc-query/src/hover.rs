//! Hover text: a node's documentation from the schema, a name's declaration, and on a service
//! or one of its settings, the resolved value in each environment with the line that set it
//! (what `idpc why` prints).

use std::fmt::Write as _;

use idpc_diagnostics::{FileId, Span, did_you_mean};
use idpc_ir::{NameKind, Platform};
use idpc_sema::resolve::{RefTarget, Resolved};
use idpc_sema::schema::NodeSchema;
use idpc_syntax::ast::{Node, ValueKind};

use crate::Snapshot;
use crate::locate::{Located, Part};
use crate::navigate::NameAt;
use crate::why::provenance;

/// What an editor shows on hover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    /// The text hovered.
    pub span: Span,
    /// Markdown.
    pub markdown: String,
}

impl Snapshot {
    /// The hover text at `offset` in `file`.
    pub fn hover(&self, file: FileId, offset: u32) -> Option<Hover> {
        let located = self.at(file, offset)?;
        if let Some(name) = self.name_at(file, offset) {
            return Some(self.hover_name(name));
        }
        let node = located.node()?;
        let schema = located.schema();
        let (span, mut text) = match located.part {
            Part::Name => (node.name.span, node_doc(node, schema)),
            Part::PropKey(i) | Part::PropValue(i) => {
                let prop = &node.props[i];
                let doc = schema.and_then(|s| s.prop(&prop.name.text)).map_or_else(
                    || format!("`{}` is not a property of `{}`", prop.name.text, node.name.text),
                    |p| {
                        let default = p
                            .default
                            .describe()
                            .map_or_else(String::new, |d| format!(" (default: {d})"));
                        format!("**{}** — {}{default}\n\n{}", p.name, p.ty.describe(), p.doc)
                    },
                );
                let span = if matches!(located.part, Part::PropKey(_)) {
                    prop.name.span
                } else {
                    prop.value.span
                };
                (span, doc)
            }
            Part::Arg(i) => {
                let doc = schema.and_then(|s| arg_doc(s, i)).unwrap_or_default();
                (node.args[i].span, doc)
            }
            Part::Head | Part::Block | Part::TopLevel => return None,
        };
        if let Some(values) = self.resolved_values(&located) {
            text.push_str("\n\n");
            text.push_str(&values);
        }
        Some(Hover { span, markdown: text })
    }

    fn hover_name(&self, name: NameAt) -> Hover {
        let index = &self.index;
        let (span, target) = match name {
            NameAt::Declaration(i) => (index.declarations[i].name_span, Ok(i)),
            NameAt::Reference(r) => {
                let reference = &index.references[r];
                (reference.span, Err(r))
            }
        };
        let declaration = match target {
            Ok(i) => Some(i),
            Err(r) => match index.references[r].resolved {
                Resolved::Declaration(i) => Some(i),
                _ => None,
            },
        };
        let markdown = match (declaration, target) {
            (Some(i), _) => self.describe_declaration(i),
            (None, Err(r)) => {
                let reference = &index.references[r];
                match reference.resolved {
                    Resolved::Preset => {
                        idpc_ir::Preset::named(&reference.name).map_or_else(String::new, |p| {
                            let info = p.code.info();
                            format!(
                                "**preset policy** `{}` ({}): {}",
                                p.name, info.code, info.summary
                            )
                        })
                    }
                    Resolved::PolicyFile(file) => format!(
                        "**policy** `{}`, in `{}`",
                        reference.name,
                        self.compilation.sources.path(file)
                    ),
                    _ => self.unknown(reference.target, &reference.name),
                }
            }
            (None, Ok(_)) => String::new(),
        };
        Hover { span, markdown }
    }

    fn unknown(&self, target: RefTarget, name: &str) -> String {
        let kind = match target {
            RefTarget::Schema(t) => t.declared_by().unwrap_or("policy"),
            RefTarget::Field => "field",
        };
        let names =
            self.index.declarations.iter().filter(|d| d.parent.is_none()).map(|d| d.name.as_str());
        let hint = did_you_mean(name, names).map(|h| format!("\n\n{h}")).unwrap_or_default();
        format!("no {kind} named `{name}` is declared{hint}")
    }

    fn describe_declaration(&self, i: usize) -> String {
        let decl = &self.index.declarations[i];
        let sources = &self.compilation.sources;
        let at = sources.line_col(decl.name_span.file, decl.name_span.start);
        let mut text = format!(
            "**{}** `{}` — declared in `{}`, line {}",
            kind_word(decl.kind),
            decl.name,
            sources.path(decl.name_span.file),
            at.line
        );
        let schema = idpc_sema::schema::find_anywhere(kind_word(decl.kind)).map(|(_, s)| s);
        if let Some(schema) = schema {
            let _ = write!(text, "\n\n{}", schema.doc);
        }
        if decl.kind == NameKind::Service
            && let Some(platform) = self.model()
        {
            text.push_str("\n\n");
            text.push_str(&service_summary(platform, &decl.name));
        }
        text
    }

    /// On a setting inside a service: its value in each environment and where it was set.
    fn resolved_values(&self, located: &Located<'_>) -> Option<String> {
        let service = located.nodes.first().filter(|n| n.name.text == "service")?;
        let ValueKind::String(service_name) = &service.args.first()?.kind else { return None };
        let key = field_key(&located.nodes[1..], located.part)?;
        let platform = self.model()?;
        let service_id = platform.services.iter().position(|s| &s.name == service_name)?;
        let mut lines = Vec::new();
        for deployment in platform.deployments.iter().filter(|d| d.service.index() == service_id) {
            let Some(env) = platform.environments.get(deployment.environment.index()) else {
                continue;
            };
            for p in provenance(deployment) {
                if p.field == key || p.field.starts_with(&format!("{key}.")) {
                    let origin = match p.origin.span {
                        Some(span) => {
                            let at = self.compilation.sources.line_col(span.file, span.start);
                            format!(
                                "{}:{} ({})",
                                self.compilation.sources.path(span.file),
                                at.line,
                                p.origin.layer.describe()
                            )
                        }
                        None => p.origin.layer.describe(),
                    };
                    lines.push(format!(
                        "| `{}` | `{}` | `{}` | {origin} |",
                        env.name, p.field, p.value
                    ));
                }
            }
        }
        if lines.is_empty() {
            return None;
        }
        let note = if self.stale {
            "\n\n*As of the last complete check: edits since are being checked.*"
        } else {
            ""
        };
        Some(format!(
            "| environment | field | value | set at |\n|---|---|---|---|\n{}{note}",
            lines.join("\n")
        ))
    }
}

/// The `idpc why` field a setting inside a service stands for: `replicas`, `requests.cpu`,
/// `env.LOG_LEVEL`, `resource.db.storage`, `deploy.strategy`.
fn field_key(nodes: &[&Node], part: Part) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for (depth, node) in nodes.iter().enumerate() {
        let name = node.name.text.as_str();
        match name {
            "override" if depth == 0 => continue,
            "env" | "secret" | "resource" => {
                parts.push(name.to_owned());
                if let Some(ValueKind::String(arg)) = node.args.first().map(|a| &a.kind) {
                    parts.push(arg.clone());
                }
            }
            "canary" | "blue-green" | "rolling" | "step" => {
                if parts.last().map(String::as_str) != Some("strategy") {
                    parts.push("strategy".to_owned());
                }
            }
            _ => parts.push(name.to_owned()),
        }
    }
    if let (Part::PropKey(i) | Part::PropValue(i), Some(node)) = (part, nodes.last())
        && matches!(node.name.text.as_str(), "requests" | "limits")
    {
        parts.push(node.props[i].name.text.clone());
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

/// A service's image and replicas in each environment.
fn service_summary(platform: &Platform, name: &str) -> String {
    let Some(id) = platform.services.iter().position(|s| s.name == name) else {
        return String::new();
    };
    let mut text = "| environment | image | replicas |\n|---|---|---|".to_owned();
    for d in platform.deployments.iter().filter(|d| d.service.index() == id) {
        if let Some(env) = platform.environments.get(d.environment.index()) {
            let _ =
                write!(text, "\n| `{}` | `{}` | {} |", env.name, d.image.value, d.replicas.value);
        }
    }
    text
}

fn node_doc(node: &Node, schema: Option<&NodeSchema>) -> String {
    match schema {
        Some(schema) => {
            let mut text = format!("```kdl\n{}\n```\n\n{}", schema.usage(), schema.doc);
            if !schema.example.is_empty() {
                let _ = write!(text, "\n\nExample: `{}`", schema.example);
            }
            text
        }
        None => format!("`{}` is not a node of the language here", node.name.text),
    }
}

fn arg_doc(schema: &NodeSchema, i: usize) -> Option<String> {
    let arg = schema.args.get(i).or_else(|| schema.args.last().filter(|a| a.variadic))?;
    let default = arg
        .default
        .describe()
        .map_or_else(String::new, |d| format!(" (default without the node: {d})"));
    Some(format!("**{}** — {}{default}", arg.name, arg.ty.describe()))
}

/// The node that declares a kind of name.
pub(crate) fn kind_word(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Platform => "platform",
        NameKind::Team => "team",
        NameKind::Environment => "environment",
        NameKind::Cluster => "cluster",
        NameKind::System => "system",
        NameKind::Kind => "kind",
        NameKind::Field => "field",
        NameKind::Output => "output",
        NameKind::Service => "service",
        NameKind::Port => "port",
        NameKind::Resource => "resource",
    }
}
