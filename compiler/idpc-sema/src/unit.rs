//! One file's part of the platform: its top-level nodes checked against the schema and typed,
//! with what checking the file alone finds. A unit is a pure function of one file's text, so a
//! caller that keeps units by file redoes only the files that changed (decision 8).

use idpc_diagnostics::{Code, Diagnostic, FileId, quote};
use idpc_syntax::ast;

use crate::schema::estate::{ENVIRONMENT, EnvironmentNode, SYSTEM, SystemNode, TEAM, TeamNode};
use crate::schema::kind::{KIND, KindNode};
use crate::schema::platform::{PLATFORM, PlatformNode};
use crate::schema::service::{OVERRIDE, ServiceNode};
use crate::shape::{self, Checked};
use crate::typed::{Field, TypedNode};
use crate::variables;

/// One file, checked and typed.
#[derive(Debug)]
pub struct FileUnit {
    /// The file.
    pub file: FileId,
    /// Its top-level nodes, in order.
    pub(crate) nodes: Vec<TopNode>,
    /// Whether it writes a `platform` node, even one whose name is invalid.
    pub(crate) platform_written: bool,
    /// What checking the file alone found.
    pub diagnostics: Vec<Diagnostic>,
}

/// A top-level node.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "services are nearly every node: boxing them adds an allocation each and saves nothing"
)]
pub(crate) enum TopNode {
    /// Boxed: one per description, and the largest node.
    Platform(Box<PlatformNode>),
    Team(TeamNode),
    Environment(EnvironmentNode),
    System(SystemNode),
    Kind(KindNode),
    Service(ServiceNode),
}

impl TopNode {
    /// The declared name and its span.
    pub(crate) fn name(&self) -> Option<&Field<String>> {
        match self {
            TopNode::Platform(n) => n.name.as_ref(),
            TopNode::Team(n) => n.name.as_ref(),
            TopNode::Environment(n) => n.name.as_ref(),
            TopNode::System(n) => n.name.as_ref(),
            TopNode::Kind(n) => n.name.as_ref(),
            TopNode::Service(n) => n.name.as_ref(),
        }
    }
}

/// Checks one file against the schema and types its nodes.
pub fn unit(file: &ast::SourceFile) -> FileUnit {
    let mut diagnostics = Vec::new();
    let checked = shape::check_file(file, &mut diagnostics);
    let mut nodes = Vec::with_capacity(checked.len());
    let mut platform_written = false;
    for node in &checked {
        let kind = node.schema.name;
        let typed = if kind == PLATFORM.name {
            platform_written = true;
            TopNode::Platform(Box::new(PlatformNode::from_checked(node)))
        } else if kind == TEAM.name {
            TopNode::Team(TeamNode::from_checked(node))
        } else if kind == ENVIRONMENT.name {
            let environment = EnvironmentNode::from_checked(node);
            check_long_lived(node, &environment, &mut diagnostics);
            TopNode::Environment(environment)
        } else if kind == SYSTEM.name {
            TopNode::System(SystemNode::from_checked(node))
        } else if kind == KIND.name {
            TopNode::Kind(KindNode::from_checked(node))
        } else {
            variables::check(node, &mut diagnostics);
            for over in node.children.iter().filter(|c| c.schema.name == OVERRIDE.name) {
                variables::check(over, &mut diagnostics);
            }
            TopNode::Service(ServiceNode::from_checked(node))
        };
        nodes.push(typed);
    }
    FileUnit { file: file.file, nodes, platform_written, diagnostics }
}

/// `owner`, `ttl` and `created` belong to ephemeral environments; on a long-lived one each is
/// reported where it is written, whatever its value.
fn check_long_lived(
    node: &Checked<'_>,
    environment: &EnvironmentNode,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(name) = &environment.name else { return };
    if environment.from.is_some() {
        return;
    }
    let ephemeral_only =
        [EnvironmentNode::owner.name, EnvironmentNode::ttl.name, EnvironmentNode::created.name];
    for key in ephemeral_only {
        if let Some(value) = node.raw_prop(key) {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidEphemeral,
                    format!("`{key}` only applies to an ephemeral environment", key = quote(key)),
                    value.span,
                    format!("`{}` is long-lived", name.value),
                )
                .with_help(
                    "add `from=\"ENV\"` to make it an ephemeral copy of ENV, or remove the property",
                ),
            );
        }
    }
}
