//! Collecting top-level declarations across files, one table per kind of declaration.
//!
//! Each table is sorted by name, so nothing downstream depends on the order of files. A name
//! declared twice is reported with both sites; the first declaration (stdlib first, then files
//! in path order) is kept.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, FileId, Span};

use crate::schema::platform::PLATFORM;
use crate::shape::Checked;

/// A named top-level declaration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decl<'a> {
    pub(crate) file: FileId,
    pub(crate) name: &'a str,
    pub(crate) name_span: Span,
    pub(crate) node: &'a Checked<'a>,
}

/// Every declaration of a platform, by kind, each table sorted by name.
#[derive(Debug, Default)]
pub(crate) struct Collected<'a> {
    pub(crate) platform: Option<Decl<'a>>,
    /// Whether a `platform` node is written at all, even one whose name is invalid (and so
    /// already reported).
    pub(crate) platform_written: bool,
    pub(crate) teams: Vec<Decl<'a>>,
    pub(crate) environments: Vec<Decl<'a>>,
    pub(crate) systems: Vec<Decl<'a>>,
    pub(crate) kinds: Vec<Decl<'a>>,
    pub(crate) services: Vec<Decl<'a>>,
}

pub(crate) fn collect<'a>(
    files: &'a [(FileId, Vec<Checked<'a>>)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Collected<'a> {
    let mut tables: BTreeMap<&'static str, BTreeMap<&'a str, Decl<'a>>> = BTreeMap::new();
    let mut platforms: Vec<Decl<'a>> = Vec::new();
    let mut platform_written = false;
    for (file, nodes) in files {
        for node in nodes {
            platform_written |= node.schema.name == PLATFORM.name;
            let Some((name, name_span)) = node.str_arg(0) else { continue };
            let decl = Decl { file: *file, name, name_span, node };
            if node.schema.name == PLATFORM.name {
                platforms.push(decl);
                continue;
            }
            let table = tables.entry(node.schema.name).or_default();
            if let Some(first) = table.get(name) {
                diagnostics.push(duplicate(node.schema.name, &decl, first));
            } else {
                table.insert(name, decl);
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
    let mut take =
        |kind: &str| tables.remove(kind).map(|t| t.into_values().collect()).unwrap_or_default();
    Collected {
        platform: platforms.first().copied(),
        platform_written,
        teams: take("team"),
        environments: take("environment"),
        systems: take("system"),
        kinds: take("kind"),
        services: take("service"),
    }
}

fn duplicate(kind: &str, again: &Decl<'_>, first: &Decl<'_>) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDeclaration,
        format!("{kind} `{}` is declared twice", again.name),
        again.name_span,
        "declared again here",
    )
    .with_label(first.name_span, "first declared here")
    .with_help(format!("rename one of them or remove it; {kind} names are unique across all files"))
}

impl<'a> Collected<'a> {
    /// The index of a declaration by name in a table.
    pub(crate) fn find(table: &[Decl<'a>], name: &str) -> Option<usize> {
        table.binary_search_by(|d| d.name.cmp(name)).ok()
    }
}
