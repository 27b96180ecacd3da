//! The nodes of the language, version 1.

use super::{ArgSchema, DefaultValue, NodeSchema, PropSchema, ValueType};
use crate::typed::{Field, typed_node};

pub(super) const fn arg(name: &'static str, ty: ValueType) -> ArgSchema {
    ArgSchema { name, ty, required: true, variadic: false, default: DefaultValue::None }
}

pub(super) const fn args(name: &'static str, ty: ValueType) -> ArgSchema {
    ArgSchema { name, ty, required: true, variadic: true, default: DefaultValue::None }
}

pub(super) const fn prop(name: &'static str, ty: ValueType, doc: &'static str) -> PropSchema {
    PropSchema { name, ty, required: false, doc, default: DefaultValue::None }
}

pub(super) const fn arg_or(name: &'static str, ty: ValueType, default: &'static str) -> ArgSchema {
    ArgSchema { name, ty, required: true, variadic: false, default: DefaultValue::Value(default) }
}

/// A variadic argument with values for when its node is absent (`"5ms" "10ms"`).
pub(super) const fn args_or(name: &'static str, ty: ValueType, default: &'static str) -> ArgSchema {
    ArgSchema { name, ty, required: true, variadic: true, default: DefaultValue::Value(default) }
}

/// A property with a default value, written as a user would write it (`"10s"`, `3`, `#true`).
pub(super) const fn prop_or(
    name: &'static str,
    ty: ValueType,
    doc: &'static str,
    default: &'static str,
) -> PropSchema {
    PropSchema { name, ty, required: false, doc, default: DefaultValue::Value(default) }
}

/// A property whose default depends on the rest of the description, in words.
pub(super) const fn prop_derived(
    name: &'static str,
    ty: ValueType,
    doc: &'static str,
    words: &'static str,
) -> PropSchema {
    PropSchema { name, ty, required: false, doc, default: DefaultValue::Derived(words) }
}

pub(super) const fn required(name: &'static str, ty: ValueType, doc: &'static str) -> PropSchema {
    PropSchema { name, ty, required: true, doc, default: DefaultValue::None }
}

typed_node! {
    /// `description`.
    pub(crate) struct Description => const DESCRIPTION = "description" {
        doc: "What this is, in a sentence.",
        args { text: Option<Field<String>> = arg("TEXT", ValueType::String) }
        props {}
        children {}
        repeatable: false,
        example: "description \"Takes card payments\"",
    }
}

/// The nodes allowed at the top of a file.
pub const TOP_LEVEL: &[NodeSchema] = &[
    super::platform::PLATFORM,
    super::estate::TEAM,
    super::estate::ENVIRONMENT,
    super::estate::SYSTEM,
    super::kind::KIND,
    super::service::SERVICE,
];
