//! Names: go to definition, find references, rename, and the symbols of a file or the
//! description, all read off the recorded resolution.

use idpc_diagnostics::{FileId, Span};
use idpc_ir::NameKind;
use idpc_sema::resolve::{Declaration, Resolved};

use crate::Snapshot;
use crate::locate::contains;

/// The name under a cursor: a declaration, or a reference (by index into the recorded
/// resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameAt {
    /// A declaration, by index.
    Declaration(usize),
    /// A reference, by index.
    Reference(usize),
}

/// A replacement of the text at a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// What is replaced.
    pub span: Span,
    /// By what.
    pub text: String,
}

/// A declaration as a symbol of a file or the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The name.
    pub name: String,
    /// What it declares.
    pub kind: NameKind,
    /// The whole declaring node.
    pub span: Span,
    /// The name itself.
    pub name_span: Span,
    /// The declarations inside it (a service's ports and resources, a kind's fields).
    pub children: Vec<Symbol>,
}

impl Snapshot {
    /// The declaration or reference at `offset` in `file`.
    pub fn name_at(&self, file: FileId, offset: u32) -> Option<NameAt> {
        let hit = |span: Span| span.file == file && contains(span, offset);
        if let Some(i) = self.index.declarations.iter().position(|d| hit(d.name_span)) {
            return Some(NameAt::Declaration(i));
        }
        self.index.references.iter().position(|r| hit(r.span)).map(NameAt::Reference)
    }

    /// The declaration the name at `offset` stands for, if it resolves to one.
    pub fn declaration_at(&self, file: FileId, offset: u32) -> Option<(usize, &Declaration)> {
        let index = match self.name_at(file, offset)? {
            NameAt::Declaration(i) => i,
            NameAt::Reference(r) => match self.index.references.get(r)?.resolved {
                Resolved::Declaration(i) => i,
                _ => return None,
            },
        };
        Some((index, self.index.declarations.get(index)?))
    }

    /// Where the name at `offset` is declared: the declaring name, a policy file, or a preset's
    /// file in the standard library.
    pub fn definition(&self, file: FileId, offset: u32) -> Vec<Span> {
        match self.name_at(file, offset) {
            Some(NameAt::Declaration(i)) => vec![self.index.declarations[i].name_span],
            Some(NameAt::Reference(r)) => {
                let reference = &self.index.references[r];
                match reference.resolved {
                    Resolved::Declaration(i) => vec![self.index.declarations[i].name_span],
                    Resolved::PolicyFile(file) => vec![Span::new(file, 0, 0)],
                    Resolved::Preset => self
                        .file(&format!("<stdlib>/policies/{}.rego", reference.name))
                        .map(|file| vec![Span::new(file, 0, 0)])
                        .unwrap_or_default(),
                    Resolved::Unknown => Vec::new(),
                }
            }
            None => Vec::new(),
        }
    }

    /// Every place the name at `offset` is used, in file order, with its declaration first when
    /// `declaration` is set.
    pub fn references(&self, file: FileId, offset: u32, declaration: bool) -> Vec<Span> {
        let Some((index, decl)) = self.declaration_at(file, offset) else { return Vec::new() };
        let mut spans: Vec<Span> = Vec::new();
        if declaration {
            spans.push(decl.name_span);
        }
        spans.extend(self.index.references_to(index).map(|r| r.span));
        spans
    }

    /// The edits that rename the team, service, environment, system or kind at `offset` to
    /// `new_name` in every file, or why it cannot be renamed.
    pub fn rename(&self, file: FileId, offset: u32, new_name: &str) -> Result<Vec<Edit>, String> {
        let Some((index, decl)) = self.declaration_at(file, offset) else {
            return Err("there is no declared name here".to_owned());
        };
        let renamable = [
            NameKind::Team,
            NameKind::Service,
            NameKind::Environment,
            NameKind::System,
            NameKind::Kind,
        ];
        if !renamable.contains(&decl.kind) {
            return Err(format!(
                "only teams, services, environments, systems and kinds can be renamed, not {}",
                decl.kind.what()
            ));
        }
        let path = self.compilation.sources.path(decl.name_span.file);
        if path.starts_with("<stdlib>/") {
            return Err(format!("`{}` is declared in the standard library", decl.name));
        }
        if new_name == decl.name {
            return Ok(Vec::new());
        }
        idpc_ir::validate_declared(new_name, decl.kind)
            .map_err(|why| format!("`{new_name}` is not {}: {why}", decl.kind.what()))?;
        if let Some(other) = self.index.find(decl.kind, new_name) {
            let other = &self.index.declarations[other];
            let at = self.compilation.sources.line_col(other.name_span.file, other.name_span.start);
            return Err(format!(
                "`{new_name}` is already declared, at {}:{}",
                self.compilation.sources.path(other.name_span.file),
                at.line
            ));
        }
        if decl.kind == NameKind::Kind {
            let directory = format!("/{}/", decl.name);
            let templates = self.compilation.sources.iter().any(|(_, f)| {
                f.path.ends_with(".hbs")
                    && (f.path.contains(&directory) || f.path.starts_with(&directory[1..]))
            });
            if templates {
                return Err(format!(
                    "the kind's templates are in a directory named `{}`: rename the directory with the kind",
                    decl.name
                ));
            }
        }
        let sources = &self.compilation.sources;
        let edit = |span: Span| {
            // A name written inside quotes is replaced inside them; a bare or raw one is
            // replaced whole, by a quoted name.
            let written = sources.snippet(span);
            let text =
                if written == decl.name { new_name.to_owned() } else { format!("\"{new_name}\"") };
            Edit { span, text }
        };
        let mut edits = vec![edit(decl.name_span)];
        edits.extend(self.index.references_to(index).map(|r| edit(r.span)));
        Ok(edits)
    }

    /// The declarations of a file, nested (a service's ports and resources inside it).
    pub fn symbols(&self, file: FileId) -> Vec<Symbol> {
        let decls = &self.index.declarations;
        let symbol = |i: usize| Symbol {
            name: decls[i].name.clone(),
            kind: decls[i].kind,
            span: decls[i].node_span,
            name_span: decls[i].name_span,
            children: Vec::new(),
        };
        let mut top: Vec<(usize, Symbol)> = Vec::new();
        for (i, decl) in decls.iter().enumerate() {
            if decl.name_span.file != file {
                continue;
            }
            match decl.parent {
                Some(parent) => {
                    if let Some((_, owner)) = top.iter_mut().find(|(j, _)| *j == parent) {
                        owner.children.push(symbol(i));
                    } else if let Some(owner) = top
                        .iter_mut()
                        .flat_map(|(_, s)| s.children.iter_mut())
                        .find(|s| s.name_span == decls[parent].name_span)
                    {
                        owner.children.push(symbol(i));
                    }
                }
                None => top.push((i, symbol(i))),
            }
        }
        top.into_iter().map(|(_, s)| s).collect()
    }

    /// The top-level declarations of the description whose name contains `query` (any case),
    /// the standard library's included.
    pub fn workspace_symbols(&self, query: &str) -> Vec<Symbol> {
        let query = query.to_lowercase();
        self.index
            .declarations
            .iter()
            .filter(|d| d.parent.is_none() && d.name.to_lowercase().contains(&query))
            .map(|d| Symbol {
                name: d.name.clone(),
                kind: d.kind,
                span: d.node_span,
                name_span: d.name_span,
                children: Vec::new(),
            })
            .collect()
    }
}
