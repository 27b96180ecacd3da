//! Collecting top-level declarations across files, one table per kind of declaration.
//!
//! Each table is sorted by name, so nothing downstream depends on the order of files. A name
//! declared twice is reported with both sites; the first declaration (stdlib first, then files
//! in path order) is kept.

use std::collections::BTreeMap;
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
    by_name: BTreeMap<&'a str, Decl<'a, N>>,
}

impl<'a, N> Table<'a, N> {
    fn new(kind: &'static str) -> Self {
        Table { kind, by_name: BTreeMap::new() }
    }

    fn add(&mut self, decl: Decl<'a, N>, diagnostics: &mut Vec<Diagnostic>) {
        if let Some(first) = self.by_name.get(decl.name) {
            diagnostics.push(duplicate(self.kind, decl.name, decl.name_span, first.name_span));
        } else {
            self.by_name.insert(decl.name, decl);
        }
    }

    fn sorted(self) -> Vec<Decl<'a, N>> {
        self.by_name.into_values().collect()
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
                    teams.add(Decl { unit, position, file, name, name_span, node }, diagnostics)
                }
                TopNode::Environment(node) => {
                    environments
                        .add(Decl { unit, position, file, name, name_span, node }, diagnostics);
                }
                TopNode::System(node) => {
                    systems.add(Decl { unit, position, file, name, name_span, node }, diagnostics);
                }
                TopNode::Kind(node) => {
                    kinds.add(Decl { unit, position, file, name, name_span, node }, diagnostics)
                }
                TopNode::Service(node) => {
                    services.add(Decl { unit, position, file, name, name_span, node }, diagnostics);
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
        teams: teams.sorted(),
        environments: environments.sorted(),
        systems: systems.sorted(),
        kinds: kinds.sorted(),
        services: services.sorted(),
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
