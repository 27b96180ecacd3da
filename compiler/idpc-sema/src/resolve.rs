//! Recorded name resolution: every declaration of a description, and every reference with the
//! declaration it names (or why it names none).
//!
//! The index is read off the node trees through the [`schema`](crate::schema): an argument of
//! type [`ValueType::Declares`] declares a name, one of type [`ValueType::Ref`] refers to one, and the children
//! of a `resource` name fields of its kind. It needs no error-free description: the trees of files
//! with syntax errors count with what could be read, so go-to-definition, find-references and
//! rename work while a file is broken. Global names resolve like the checker resolves them (the
//! first declaration, stdlib first, then files in order); ports resolve within their service.

use std::collections::BTreeMap;

use idpc_diagnostics::{FileId, Span};
use idpc_ir::NameKind;
use idpc_syntax::ast::{Node, SourceFile, ValueKind};

use crate::schema::{Children, NodeSchema, Target, ValueType, language};

/// Every declaration and reference of a description.
#[derive(Debug, Default, Clone)]
pub struct Index {
    /// Declarations, in file order, then source order.
    pub declarations: Vec<Declaration>,
    /// References, in file order, then source order.
    pub references: Vec<Reference>,
}

/// A declared name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// What it declares.
    pub kind: NameKind,
    /// The name.
    pub name: String,
    /// Where the name is written (inside the quotes of a string).
    pub name_span: Span,
    /// The whole declaring node.
    pub node_span: Span,
    /// The declaration it belongs to: the service of a port or resource, the kind of a field,
    /// the environment of a cluster.
    pub parent: Option<usize>,
}

/// A name that refers to a declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// What it names.
    pub target: RefTarget,
    /// The name as written.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// What it resolved to.
    pub resolved: Resolved,
}

/// What a reference names: a [`Target`] of the schema, or a field of a resource's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefTarget {
    /// A name of the schema's reference types.
    Schema(Target),
    /// A field of a kind, named by a resource's child node.
    Field,
}

/// The outcome of resolving one reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The declaration, an index into [`Index::declarations`].
    Declaration(usize),
    /// A preset policy of the compiler.
    Preset,
    /// A policy file of the platform (`package idpc.policies.<name>`).
    PolicyFile(FileId),
    /// Nothing of that name is declared where the reference looks.
    Unknown,
}

/// A policy file, for resolving policy names.
#[derive(Debug, Clone, Copy)]
pub struct PolicyFile<'a> {
    /// The file.
    pub file: FileId,
    /// Its text.
    pub text: &'a str,
}

impl Index {
    /// The declaration a reference resolved to.
    pub fn target(&self, reference: &Reference) -> Option<&Declaration> {
        match reference.resolved {
            Resolved::Declaration(i) => self.declarations.get(i),
            _ => None,
        }
    }

    /// The references that resolved to declaration `index`.
    pub fn references_to(&self, index: usize) -> impl Iterator<Item = &Reference> {
        self.references.iter().filter(move |r| r.resolved == Resolved::Declaration(index))
    }

    /// The global declaration of `kind` named `name`, as references resolve it.
    pub fn find(&self, kind: NameKind, name: &str) -> Option<usize> {
        self.declarations
            .iter()
            .position(|d| d.kind == kind && d.parent.is_none() && d.name == name)
    }
}

/// Builds the index of the given trees (stdlib first, then files in order).
pub fn index(files: &[&SourceFile], policies: &[PolicyFile<'_>]) -> Index {
    let names: Vec<FileNames> = files.iter().map(|f| file_names(f)).collect();
    let refs: Vec<&FileNames> = names.iter().collect();
    resolve(&refs, policies)
}

/// What one file declares and refers to, before resolution: a pure function of its tree, so it
/// can be kept with the file's parse and computed for each file on its own.
#[derive(Debug, Default, Clone)]
pub struct FileNames {
    declarations: Vec<Declaration>,
    pending: Vec<Pending>,
}

impl FileNames {
    /// Whether the file declares a global name other than a service's: the platform, a team,
    /// an environment, a system or a kind, which any service may depend on.
    pub fn declares_shared(&self) -> bool {
        self.declarations.iter().any(|d| d.parent.is_none() && d.kind != NameKind::Service)
    }
}

/// The names of one file.
pub fn file_names(file: &SourceFile) -> FileNames {
    let mut builder = Builder::default();
    builder.file(file);
    FileNames { declarations: builder.declarations, pending: builder.pending }
}

/// Resolves the names of every file (stdlib first, then files in order).
pub fn resolve(files: &[&FileNames], policies: &[PolicyFile<'_>]) -> Index {
    let mut builder = Builder::default();
    for file in files {
        // A file's own indices count from zero; here they follow the files before it.
        let offset = builder.declarations.len();
        builder.declarations.extend(file.declarations.iter().cloned().map(|mut d| {
            d.parent = d.parent.map(|p| p + offset);
            d
        }));
        builder.pending.extend(file.pending.iter().cloned().map(|mut p| {
            if let Scope::Within(owner) = &mut p.scope {
                *owner += offset;
            }
            p
        }));
    }
    builder.finish(policies)
}

/// A reference waiting for every declaration to be known.
#[derive(Debug, Clone)]
struct Pending {
    target: RefTarget,
    name: String,
    span: Span,
    /// The declaration whose local names it looks among: the service of a port, the kind
    /// (by name) of a field.
    scope: Scope,
}

#[derive(Debug, Clone)]
enum Scope {
    Global,
    Within(usize),
    KindNamed(String),
}

#[derive(Default)]
struct Builder {
    declarations: Vec<Declaration>,
    pending: Vec<Pending>,
}

/// One node to visit: its schema, the enclosing declaration, and the kind whose fields its
/// children name.
struct Visit<'a> {
    node: &'a Node,
    schema: Option<&'static NodeSchema>,
    /// The innermost enclosing declaration.
    owner: Option<usize>,
    /// The enclosing top-level declaration (a service's ports and a kind's outputs resolve
    /// there).
    service: Option<usize>,
    /// Whether the node sits in a `kind`'s field list (a resource's children).
    field_of: Option<String>,
}

impl Builder {
    fn file(&mut self, file: &SourceFile) {
        let mut stack: Vec<Visit<'_>> = file
            .nodes
            .iter()
            .rev()
            .map(|node| Visit {
                node,
                schema: language::TOP_LEVEL.iter().find(|s| s.name == node.name.text),
                owner: None,
                service: None,
                field_of: None,
            })
            .collect();
        while let Some(visit) = stack.pop() {
            let Visit { node, schema, mut owner, mut service, field_of } = visit;
            if let Some(kind) = field_of {
                self.pending.push(Pending {
                    target: RefTarget::Field,
                    name: node.name.text.clone(),
                    span: node.name.span,
                    scope: Scope::KindNamed(kind),
                });
                continue;
            }
            let Some(schema) = schema else { continue };
            let mut kind_of_resource = None;
            for (i, arg) in node.args.iter().enumerate() {
                let Some(ty) = arg_type(schema, i) else { break };
                let ValueKind::String(name) = &arg.kind else { continue };
                match *ty {
                    ValueType::Declares(kind) if declares(kind, owner, &self.declarations) => {
                        let parent = if is_global(kind) { None } else { owner };
                        self.declarations.push(Declaration {
                            kind,
                            name: name.clone(),
                            name_span: name_span(arg.span, name),
                            node_span: node.span,
                            parent,
                        });
                        owner = Some(self.declarations.len() - 1);
                        if matches!(kind, NameKind::Service | NameKind::Kind) {
                            service = owner;
                        }
                    }
                    ValueType::Ref(target) => self.reference(target, name, arg.span, service),
                    _ => {}
                }
            }
            for prop in &node.props {
                let Some(prop_schema) = schema.prop(&prop.name.text) else { continue };
                let ValueKind::String(name) = &prop.value.kind else { continue };
                if let ValueType::Ref(target) = &prop_schema.ty {
                    let target = *target;
                    self.reference(target, name, prop.value.span, service);
                    if target == Target::Kind {
                        kind_of_resource = Some(name.clone());
                    }
                }
            }
            for child in node.children().iter().rev() {
                let (child_schema, field_of) = match schema.children {
                    Children::Nodes(_) => (schema.child(&child.name.text), None),
                    Children::KindFields => (None, kind_of_resource.clone()),
                    Children::None => (None, None),
                };
                stack.push(Visit { node: child, schema: child_schema, owner, service, field_of });
            }
        }
    }

    fn reference(&mut self, target: Target, name: &str, span: Span, service: Option<usize>) {
        let scope = match (target, service) {
            (Target::Port | Target::Output, Some(owner)) => Scope::Within(owner),
            _ => Scope::Global,
        };
        self.pending.push(Pending {
            target: RefTarget::Schema(target),
            name: name.to_owned(),
            span: name_span(span, name),
            scope,
        });
    }

    fn finish(self, policies: &[PolicyFile<'_>]) -> Index {
        let Builder { declarations, pending } = self;
        // The first declaration of each global name wins, as in checking.
        let mut global: BTreeMap<(NameKind, &str), usize> = BTreeMap::new();
        let mut local: BTreeMap<(usize, NameKind, &str), usize> = BTreeMap::new();
        for (i, d) in declarations.iter().enumerate() {
            match d.parent {
                None => global.entry((d.kind, d.name.as_str())).or_insert(i),
                Some(parent) => local.entry((parent, d.kind, d.name.as_str())).or_insert(i),
            };
        }
        let own_policies: BTreeMap<String, FileId> =
            policies.iter().filter_map(|p| Some((package_name(p.text)?, p.file))).collect();
        let references = pending
            .into_iter()
            .map(|p| {
                let resolved = match (&p.target, &p.scope) {
                    (RefTarget::Schema(Target::Policy), _) => {
                        if let Some(file) = own_policies.get(&p.name) {
                            Resolved::PolicyFile(*file)
                        } else if idpc_ir::Preset::named(&p.name).is_some() {
                            Resolved::Preset
                        } else {
                            Resolved::Unknown
                        }
                    }
                    (RefTarget::Field, Scope::KindNamed(kind)) => global
                        .get(&(NameKind::Kind, kind.as_str()))
                        .and_then(|k| local.get(&(*k, NameKind::Field, p.name.as_str())))
                        .map_or(Resolved::Unknown, |i| Resolved::Declaration(*i)),
                    (RefTarget::Schema(Target::Port), Scope::Within(owner)) => local
                        .get(&(*owner, NameKind::Port, p.name.as_str()))
                        .map_or(Resolved::Unknown, |i| Resolved::Declaration(*i)),
                    (RefTarget::Schema(Target::Output), Scope::Within(owner)) => local
                        .get(&(*owner, NameKind::Output, p.name.as_str()))
                        .map_or(Resolved::Unknown, |i| Resolved::Declaration(*i)),
                    (RefTarget::Schema(target), _) => target
                        .name_kind()
                        .and_then(|kind| global.get(&(kind, p.name.as_str())))
                        .map_or(Resolved::Unknown, |i| Resolved::Declaration(*i)),
                    (RefTarget::Field, _) => Resolved::Unknown,
                };
                Reference { target: p.target, name: p.name, span: p.span, resolved }
            })
            .collect();
        Index { declarations, references }
    }
}

/// The schema of positional argument `i`, the last one repeating when it is variadic.
fn arg_type(schema: &'static NodeSchema, i: usize) -> Option<&'static ValueType> {
    match schema.args.get(i) {
        Some(arg) => Some(&arg.ty),
        None => schema.args.last().filter(|a| a.variadic).map(|a| &a.ty),
    }
}

/// Whether a `Declares` argument declares here: a port or resource inside a service's
/// `override` names the service's own, so it is a reference rather than a declaration.
fn declares(kind: NameKind, owner: Option<usize>, declarations: &[Declaration]) -> bool {
    match kind {
        NameKind::Port | NameKind::Resource => {
            owner.and_then(|o| declarations.get(o)).is_some_and(|o| o.kind == NameKind::Service)
        }
        _ => true,
    }
}

fn is_global(kind: NameKind) -> bool {
    matches!(
        kind,
        NameKind::Platform
            | NameKind::Team
            | NameKind::Environment
            | NameKind::System
            | NameKind::Kind
            | NameKind::Service
    )
}

/// The span of the name itself: inside the quotes of a quoted string written on one line.
fn name_span(span: Span, name: &str) -> Span {
    if span.len() == name.len() + 2 {
        Span { file: span.file, start: span.start + 1, end: span.end - 1 }
    } else {
        span
    }
}

/// The policy name of a platform's own policy file: `package idpc.policies.<name>`, with `_`
/// read as `-`.
fn package_name(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("package")?.trim();
        let name = rest.strip_prefix("idpc.policies.")?;
        let name = name.split_whitespace().next()?;
        Some(name.replace('_', "-"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(texts: &[&str]) -> Index {
        let parsed: Vec<SourceFile> = texts
            .iter()
            .enumerate()
            .filter_map(|(i, t)| idpc_syntax::parse(FileId(i as u32), t).source_file)
            .collect();
        let refs: Vec<&SourceFile> = parsed.iter().collect();
        index(&refs, &[])
    }

    #[test]
    fn references_resolve_across_files_and_ports_within_their_service() {
        let index = build(&[
            "team \"payments\"\nservice \"api\" team=\"payments\" {\n    port \"http\" 8080\n    deploy { healthcheck \"/h\" port=\"http\" }\n    depends-on \"ledger\"\n}\n",
            "service \"ledger\" team=\"payments\" {\n    port \"grpc\" 9090\n}\n",
        ]);
        let named = |name: &str| {
            index
                .references
                .iter()
                .filter(|r| r.name == name)
                .map(|r| index.target(r).map(|d| (d.kind, d.name_span.file)))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            named("payments"),
            [Some((NameKind::Team, FileId(0))), Some((NameKind::Team, FileId(0)))]
        );
        assert_eq!(named("ledger"), [Some((NameKind::Service, FileId(1)))]);
        assert_eq!(named("http"), [Some((NameKind::Port, FileId(0)))]);
    }

    #[test]
    fn an_unknown_name_is_recorded_as_unknown() {
        let index = build(&["service \"api\" team=\"nobody\"\n"]);
        assert_eq!(index.references.len(), 1);
        assert_eq!(index.references[0].resolved, Resolved::Unknown);
    }

    #[test]
    fn names_declared_in_a_broken_file_still_resolve() {
        let index = build(&[
            "team \"payments\" {\n    member \"a@x.dev\"\nservice \"x\" team=\"payments\" {\n",
            "service \"api\" team=\"payments\"\n",
        ]);
        let api = index
            .references
            .iter()
            .find(|r| r.span.file == FileId(1))
            .map(|r| index.target(r).map(|d| d.name.clone()));
        assert_eq!(api, Some(Some("payments".to_owned())));
    }

    #[test]
    fn name_spans_exclude_the_quotes() {
        let text = "team \"payments\"\n";
        let index = build(&[text]);
        let span = index.declarations[0].name_span;
        assert_eq!(&text[span.start as usize..span.end as usize], "payments");
    }
}
