//! The one schema of the language: every node's arguments, properties, children, types and docs.
//!
//! The shape checker, the reference documentation, hover text and completion all read this table;
//! nothing else knows which nodes exist. Node definitions are in [`language`].

pub(crate) mod estate;
pub(crate) mod kind;
pub mod language;
pub(crate) mod platform;
pub(crate) mod service;
pub(crate) mod settings;

pub use idpc_ir::{Choices, Target, ValueType};

/// The shape of one node.
#[derive(Debug)]
pub struct NodeSchema {
    /// The node name.
    pub name: &'static str,
    /// One or two sentences for the reference and hover.
    pub doc: &'static str,
    /// Positional arguments, in order.
    pub args: &'static [ArgSchema],
    /// Properties.
    pub props: &'static [PropSchema],
    /// What the children block may hold.
    pub children: Children,
    /// Whether the node may appear more than once among its siblings.
    pub repeatable: bool,
    /// Whether the node must appear.
    pub required: bool,
    /// A one-line example for the reference.
    pub example: &'static str,
}

/// A positional argument.
#[derive(Debug)]
pub struct ArgSchema {
    /// Its name in docs and messages (`NAME`).
    pub name: &'static str,
    /// Its type.
    pub ty: ValueType,
    /// Whether it must be given.
    pub required: bool,
    /// Whether it takes all remaining arguments.
    pub variadic: bool,
    /// The value when the node is absent.
    pub default: DefaultValue,
}

/// A property.
#[derive(Debug)]
pub struct PropSchema {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub ty: ValueType,
    /// Whether it must be given.
    pub required: bool,
    /// What it means.
    pub doc: &'static str,
    /// The value when it is not written.
    pub default: DefaultValue,
}

/// The value of an argument or property that is not written, declared once here: the typed
/// layer reads it ([`crate::typed`]) and the reference and hover print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// No default: unset.
    None,
    /// This value, written as a user would write it (`"10s"`, `3`, `#true`).
    Value(&'static str),
    /// A value that depends on the rest of the description, in words ("the first port").
    Derived(&'static str),
}

impl DefaultValue {
    /// How the default reads in the reference and hover (`None` without one).
    pub fn describe(self) -> Option<String> {
        match self {
            DefaultValue::None => None,
            DefaultValue::Value(text) => Some(format!("`{text}`")),
            DefaultValue::Derived(words) => Some(words.to_owned()),
        }
    }
}

/// What a children block may hold.
#[derive(Debug, Clone, Copy)]
pub enum Children {
    /// No children block.
    None,
    /// These nodes.
    Nodes(&'static [NodeSchema]),
    /// The fields of a resource kind, checked once kinds are known.
    KindFields,
}

impl NodeSchema {
    /// The schema of the child node `name`, if this node's block may hold it.
    pub fn child(&self, name: &str) -> Option<&'static NodeSchema> {
        match self.children {
            Children::Nodes(nodes) => nodes.iter().find(|n| n.name == name),
            _ => None,
        }
    }

    /// The property `name`, if the node takes it.
    pub fn prop(&self, name: &str) -> Option<&'static PropSchema> {
        self.props.iter().find(|p| p.name == name)
    }

    /// A usage line: `port NAME NUMBER [protocol=…]`.
    pub fn usage(&self) -> String {
        let mut parts = vec![self.name.to_owned()];
        for arg in self.args {
            let name = if arg.variadic { format!("{}…", arg.name) } else { arg.name.to_owned() };
            parts.push(if arg.required { name } else { format!("[{name}]") });
        }
        for prop in self.props {
            parts.push(if prop.required {
                format!("{}=…", prop.name)
            } else {
                format!("[{}=…]", prop.name)
            });
        }
        if !matches!(self.children, Children::None) {
            parts.push("{ … }".to_owned());
        }
        parts.join(" ")
    }
}

/// Finds a node schema anywhere in the language by name, for "belongs inside" hints.
pub fn find_anywhere(name: &str) -> Option<(&'static str, &'static NodeSchema)> {
    fn walk(
        parent: &'static str,
        nodes: &'static [NodeSchema],
        name: &str,
    ) -> Option<(&'static str, &'static NodeSchema)> {
        for node in nodes {
            if node.name == name {
                return Some((parent, node));
            }
            if let Children::Nodes(children) = node.children
                && let Some(found) = walk(node.name, children, name)
            {
                return Some(found);
            }
        }
        None
    }
    walk("", language::TOP_LEVEL, name)
}
