//! Collecting top-level declarations across files, one table per kind of declaration.
//!
//! Each table is sorted by name, so nothing downstream depends on the order of files. A name
//! declared twice is reported with both sites; the first declaration (stdlib first, then files
//! in path order) is kept.

use std::sync::Arc;

use idpc_diagnostics::{Code, Diagnostic, FileId, Span};

use crate::schema::estate::{ENVIRONMENT, EnvironmentNode, SYSTEM, SystemNode, TEAM, TeamNode};
use crate::schema::kind::{KIND, KindNode};
use crate::schema::platform::PlatformNode;
use crate::schema::service::{SERVICE, ServiceNode};
use crate::typed::Field;
use crate::unit::{FileUnit, TopNode};

/// A named top-level declaration.
#[derive(Debug)]
pub(crate) struct Decl<'a, N> {
    /// The unit it is in, by position among the units analysed.
    pub(crate) unit: usize,
    /// Its position among the unit's nodes.
    pub(crate) position: usize,
    pub(crate) file: FileId,
    pub(crate) name: &'a str,
    pub(crate) name_span: Span,
    pub(crate) node: &'a N,
}

impl<N> Clone for Decl<'_, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for Decl<'_, N> {}

/// Every declaration of a platform, by kind, each table sorted by name.
#[derive(Debug)]
pub(crate) struct Collected<'a> {
    pub(crate) platform: Option<Decl<'a, PlatformNode>>,
    /// Whether a `platform` node is written at all, even one whose name is invalid (and so
    /// already reported).
    pub(crate) platform_written: bool,
    pub(crate) teams: Vec<Decl<'a, TeamNode>>,
    pub(crate) environments: Vec<Decl<'a, EnvironmentNode>>,
    pub(crate) systems: Vec<Decl<'a, SystemNode>>,
    pub(crate) kinds: Vec<Decl<'a, KindNode>>,
    pub(crate) services: Vec<Decl<'a, ServiceNode>>,
}

/// One table: declarations by name, the first of each name kept and the others reported.
struct Table<'a, N> {
    kind: &'static str,
    decls: Vec<Decl<'a, N>>,
}

impl<'a, N> Table<'a, N> {
    fn new(kind: &'static str) -> Self {
        Table { kind, decls: Vec::new() }
    }

    fn add(&mut self, decl: Decl<'a, N>) {
        self.decls.push(decl);
    }

    /// Sorted by name; of declarations with one name, the first in file order stays (the sort
    /// is stable) and the others are reported.
    fn sorted(mut self, diagnostics: &mut Vec<Diagnostic>) -> Vec<Decl<'a, N>> {
        self.decls.sort_by(|a, b| a.name.cmp(b.name));
        let mut kept: Vec<Decl<'a, N>> = Vec::with_capacity(self.decls.len());
        for decl in self.decls {
            match kept.last() {
                Some(first) if first.name == decl.name => diagnostics.push(duplicate(
                    self.kind,
                    decl.name,
                    decl.name_span,
                    first.name_span,
                )),
                _ => kept.push(decl),
            }
        }
        kept
    }
}

pub(crate) fn collect<'a>(
    units: &'a [Arc<FileUnit>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Collected<'a> {
    let mut platforms: Vec<Decl<'a, PlatformNode>> = Vec::new();
    let mut teams = Table::new(TEAM.name);
    let mut environments = Table::new(ENVIRONMENT.name);
    let mut systems = Table::new(SYSTEM.name);
    let mut kinds = Table::new(KIND.name);
    let mut services = Table::new(SERVICE.name);
    let mut platform_written = false;
    for (index, unit) in units.iter().enumerate() {
        platform_written |= unit.platform_written;
        for (position, node) in unit.nodes.iter().enumerate() {
            let Some(Field { value: name, span }) = node.name() else { continue };
            let (file, name, name_span) = (unit.file, name.as_str(), span.to_owned());
            let unit = index;
            match node {
                TopNode::Platform(node) => {
                    platforms.push(Decl { unit, position, file, name, name_span, node })
                }
                TopNode::Team(node) => {
                    teams.add(Decl { unit, position, file, name, name_span, node })
                }
                TopNode::Environment(node) => {
                    environments.add(Decl { unit, position, file, name, name_span, node });
                }
                TopNode::System(node) => {
                    systems.add(Decl { unit, position, file, name, name_span, node });
                }
                TopNode::Kind(node) => {
                    kinds.add(Decl { unit, position, file, name, name_span, node })
                }
                TopNode::Service(node) => {
                    services.add(Decl { unit, position, file, name, name_span, node });
                }
            }
        }
    }
    if let [first, rest @ ..] = platforms.as_slice() {
        for other in rest {
            diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateDeclaration,
                    "the platform is declared more than once",
                    other.name_span,
                    "declared again here",
                )
                .with_label(first.name_span, "first declared here")
                .with_help("keep one `platform` node for the whole description"),
            );
        }
    }
    Collected {
        platform: platforms.first().copied(),
        platform_written,
        teams: teams.sorted(diagnostics),
        environments: environments.sorted(diagnostics),
        systems: systems.sorted(diagnostics),
        kinds: kinds.sorted(diagnostics),
        services: services.sorted(diagnostics),
    }
}

fn duplicate(kind: &str, name: &str, again: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDeclaration,
        format!("{kind} `{name}` is declared twice"),
        again,
        "declared again here",
    )
    .with_label(first, "first declared here")
    .with_help(format!("rename one of them or remove it; {kind} names are unique across all files"))
}

impl Collected<'_> {
    /// The index of a declaration by name in a table.
    pub(crate) fn find<N>(table: &[Decl<'_, N>], name: &str) -> Option<usize> {
        table.binary_search_by(|d| d.name.cmp(name)).ok()
    }
}
