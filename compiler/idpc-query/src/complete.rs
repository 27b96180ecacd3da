//! Completion: the nodes, properties and values valid at an offset, with their docs, and the
//! declared names where a reference is written.

use idpc_diagnostics::FileId;
use idpc_ir::NameKind;
use idpc_sema::schema::{Children, NodeSchema, Target, ValueType, language};
use idpc_syntax::ast::{Node, ValueKind};

use crate::Snapshot;
use crate::locate::{Located, Part, takes_kind_fields};

/// One completion item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What the list shows.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A short line: the usage of a node, the type of a property, where a name is declared.
    pub detail: Option<String>,
    /// The documentation, in markdown.
    pub doc: Option<String>,
    /// The text inserted.
    pub insert: String,
}

/// What a completion item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A node name.
    Node,
    /// A property key.
    Property,
    /// One of a fixed set of values.
    Value,
    /// A declared name.
    Name(NameKind),
    /// A policy name.
    Policy,
}

/// What the cursor is completing, read from the line before it.
enum Context<'a> {
    /// A node name at the start of a line.
    NodeName,
    /// The value of property `key` of the line's node, after `key=` (with a quote if one is
    /// open).
    PropValue { key: &'a str, quoted: bool },
    /// An entry of the line's node: an argument (the `n`th) or a property.
    Entry { arg: usize, quoted: bool },
}

impl Snapshot {
    /// The completions at `offset` in `file`.
    pub fn completions(&self, file: FileId, offset: u32) -> Vec<Completion> {
        let Some(source) = self.compilation.sources.get(file) else { return Vec::new() };
        let text = &*source.text;
        let offset_usize = (offset as usize).min(text.len());
        let line_start = text[..offset_usize].rfind('\n').map_or(0, |i| i + 1);
        let prefix = &text[line_start..offset_usize];
        let located = self.at(file, offset);
        let context = context(prefix);
        match context {
            Context::NodeName => {
                let parent = located.as_ref().map_or(Parent::Top, parent_of_line);
                self.node_names(parent)
            }
            Context::PropValue { key, quoted } => {
                let schema = line_node(&located).and_then(|(_, s)| s);
                let Some(prop) = schema.and_then(|s| s.prop(key)) else { return Vec::new() };
                self.values(&prop.ty, quoted, located.as_ref())
            }
            Context::Entry { arg, quoted } => {
                let Some((node, schema)) = line_node(&located) else { return Vec::new() };
                let Some(schema) = schema else { return Vec::new() };
                let mut items = Vec::new();
                let arg_ty = schema
                    .args
                    .get(arg)
                    .or_else(|| schema.args.last().filter(|a| a.variadic))
                    .map(|a| &a.ty);
                if let Some(ty) = arg_ty {
                    items.extend(self.values(ty, quoted, located.as_ref()));
                }
                if !quoted {
                    let given: Vec<&str> = node
                        .map(|n| n.props.iter().map(|p| p.name.text.as_str()).collect())
                        .unwrap_or_default();
                    items.extend(schema.props.iter().filter(|p| !given.contains(&p.name)).map(
                        |p| Completion {
                            label: p.name.to_owned(),
                            kind: CompletionKind::Property,
                            detail: Some(match p.default.describe() {
                                Some(default) => {
                                    format!("{} (default: {default})", p.ty.describe())
                                }
                                None => p.ty.describe(),
                            }),
                            doc: Some(p.doc.to_owned()),
                            insert: format!("{}=", p.name),
                        },
                    ));
                }
                items
            }
        }
    }

    fn node_names(&self, parent: Parent<'_>) -> Vec<Completion> {
        let nodes: &[NodeSchema] = match parent {
            Parent::Top => language::TOP_LEVEL,
            Parent::Node(schema) => match schema.children {
                Children::Nodes(nodes) => nodes,
                _ => &[],
            },
            Parent::KindFields(kind) => return self.kind_fields(kind),
            Parent::Unknown => &[],
        };
        nodes
            .iter()
            .map(|n| Completion {
                label: n.name.to_owned(),
                kind: CompletionKind::Node,
                detail: Some(n.usage()),
                doc: Some(n.doc.to_owned()),
                insert: n.name.to_owned(),
            })
            .collect()
    }

    /// The fields of the kind named `kind`, for the children of a resource.
    fn kind_fields(&self, kind: &str) -> Vec<Completion> {
        let Some(kind) = self.index.find(NameKind::Kind, kind) else { return Vec::new() };
        self.index
            .declarations
            .iter()
            .filter(|d| d.parent == Some(kind) && d.kind == NameKind::Field)
            .map(|d| Completion {
                label: d.name.clone(),
                kind: CompletionKind::Node,
                detail: Some("a field of the resource's kind".to_owned()),
                doc: None,
                insert: d.name.clone(),
            })
            .collect()
    }

    /// The values a value of type `ty` may take, where the set is known.
    fn values(
        &self,
        ty: &ValueType,
        quoted: bool,
        located: Option<&Located<'_>>,
    ) -> Vec<Completion> {
        let wrap = |name: &str| if quoted { name.to_owned() } else { format!("\"{name}\"") };
        match ty {
            ValueType::Enum(choices) => choices
                .iter()
                .map(|c| Completion {
                    label: (*c).to_owned(),
                    kind: CompletionKind::Value,
                    detail: None,
                    doc: None,
                    insert: wrap(c),
                })
                .collect(),
            ValueType::Bool if !quoted => ["#true", "#false"]
                .iter()
                .map(|b| Completion {
                    label: (*b).to_owned(),
                    kind: CompletionKind::Value,
                    detail: None,
                    doc: None,
                    insert: (*b).to_owned(),
                })
                .collect(),
            ValueType::Ref(Target::Policy) => {
                let mut names: Vec<(String, String)> = idpc_ir::PRESETS
                    .iter()
                    .map(|p| (p.name.to_owned(), "preset policy".to_owned()))
                    .collect();
                names.extend(self.index.references.iter().filter_map(|r| match r.resolved {
                    idpc_sema::resolve::Resolved::PolicyFile(f) => Some((
                        r.name.clone(),
                        format!("policy in `{}`", self.compilation.sources.path(f)),
                    )),
                    _ => None,
                }));
                names.sort();
                names.dedup();
                names
                    .into_iter()
                    .map(|(name, detail)| Completion {
                        insert: wrap(&name),
                        label: name,
                        kind: CompletionKind::Policy,
                        detail: Some(detail),
                        doc: None,
                    })
                    .collect()
            }
            ValueType::Ref(target @ (Target::Port | Target::Output)) => {
                // Ports are the enclosing service's, outputs the enclosing kind's.
                let owner = located.and_then(|l| l.nodes.first()).and_then(|n| {
                    let kind = match n.name.text.as_str() {
                        "service" => NameKind::Service,
                        "kind" => NameKind::Kind,
                        _ => return None,
                    };
                    self.index.find(kind, string_arg(n, 0)?)
                });
                match (target.name_kind(), owner) {
                    (Some(kind), Some(owner)) => self.declared(kind, Some(owner), &wrap),
                    _ => Vec::new(),
                }
            }
            ValueType::Ref(target) => match target.name_kind() {
                Some(kind) => self.declared(kind, None, &wrap),
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn declared(
        &self,
        kind: NameKind,
        parent: Option<usize>,
        wrap: &dyn Fn(&str) -> String,
    ) -> Vec<Completion> {
        let sources = &self.compilation.sources;
        let mut seen = std::collections::BTreeSet::new();
        self.index
            .declarations
            .iter()
            .filter(|d| d.kind == kind && d.parent == parent && seen.insert(d.name.clone()))
            .map(|d| {
                let at = sources.line_col(d.name_span.file, d.name_span.start);
                Completion {
                    label: d.name.clone(),
                    kind: CompletionKind::Name(kind),
                    detail: Some(format!("{}:{}", sources.path(d.name_span.file), at.line)),
                    doc: None,
                    insert: wrap(&d.name),
                }
            })
            .collect()
    }
}

/// Where the node being named on the cursor's line sits.
enum Parent<'a> {
    Top,
    Node(&'static NodeSchema),
    KindFields(&'a str),
    Unknown,
}

/// The parent of a node written at the start of the cursor's line.
fn parent_of_line<'a>(located: &Located<'a>) -> Parent<'a> {
    // On a node's name, the parent is the one around it; in a block, the block's node.
    let depth = match located.part {
        Part::Name | Part::Head | Part::Arg(_) | Part::PropKey(_) | Part::PropValue(_) => {
            located.nodes.len().saturating_sub(1)
        }
        Part::Block => located.nodes.len(),
        Part::TopLevel => 0,
    };
    if depth == 0 {
        return Parent::Top;
    }
    let node = located.nodes[depth - 1];
    let schema = located.schemas[depth - 1];
    if takes_kind_fields(schema) {
        return node
            .props
            .iter()
            .find(|p| p.name.text == "kind")
            .and_then(|p| match &p.value.kind {
                ValueKind::String(kind) => Some(Parent::KindFields(kind.as_str())),
                _ => None,
            })
            .unwrap_or(Parent::Unknown);
    }
    schema.map_or(Parent::Unknown, Parent::Node)
}

/// The node written on the cursor's line, and its schema.
fn line_node<'a>(
    located: &Option<Located<'a>>,
) -> Option<(Option<&'a Node>, Option<&'static NodeSchema>)> {
    let located = located.as_ref()?;
    match located.part {
        Part::Block | Part::TopLevel => None,
        _ => Some((located.node(), located.schema())),
    }
}

fn string_arg(node: &Node, i: usize) -> Option<&str> {
    match &node.args.get(i)?.kind {
        ValueKind::String(s) => Some(s),
        _ => None,
    }
}

/// What the text of the line before the cursor is in the middle of.
fn context(prefix: &str) -> Context<'_> {
    let trimmed = prefix.trim_start();
    if !trimmed.contains(|c: char| c.is_whitespace() || c == '"' || c == '=') {
        return Context::NodeName;
    }
    // The last entry: from the last whitespace outside quotes.
    let mut in_quotes = false;
    let mut entry_start = 0;
    for (i, c) in trimmed.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c.is_whitespace() && !in_quotes {
            entry_start = i + c.len_utf8();
        }
    }
    let entry = &trimmed[entry_start..];
    if let Some((key, value)) = entry.split_once('=') {
        return Context::PropValue { key, quoted: value.starts_with('"') };
    }
    // Entries before this one, the node name excluded, that are arguments.
    let args_before =
        trimmed[..entry_start].split_whitespace().skip(1).filter(|e| !e.contains('=')).count();
    Context::Entry { arg: args_before, quoted: entry.starts_with('"') }
}
