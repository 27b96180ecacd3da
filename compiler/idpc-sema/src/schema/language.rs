//! The nodes of the language, version 1.

use idpc_ir::NameKind;

use super::{
    ArgSchema, Children, Choices, DefaultValue, NodeSchema, PropSchema, Target, ValueType,
};
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

pub(super) const LEAF: NodeSchema = NodeSchema {
    name: "",
    doc: "",
    args: &[],
    props: &[],
    children: Children::None,
    repeatable: false,
    required: false,
    example: "",
};

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

// ---------------------------------------------------------------------------------------------
// kind

/// `kind`.
pub const KIND: NodeSchema = NodeSchema {
    name: "kind",
    doc: "A resource kind: a database, cache, queue… with typed fields, defaults per tier, and outputs. The standard library declares its kinds this way too.",
    args: &[arg("NAME", ValueType::Declares(NameKind::Kind))],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "field",
            doc: "A setting of the kind. A field without a default must be set by every resource.",
            args: &[arg("NAME", ValueType::Declares(NameKind::Field))],
            props: &[
                required(
                    "type",
                    ValueType::Enum(Choices::Static(ValueType::KEYWORDS)),
                    "The field's type.",
                ),
                prop(
                    "default",
                    ValueType::Any,
                    "The value when neither the resource nor a tier default sets one.",
                ),
                prop(
                    "min",
                    ValueType::Int { min: i64::MIN, max: i64::MAX },
                    "The smallest value of an `int` field.",
                ),
                prop(
                    "max",
                    ValueType::Int { min: i64::MIN, max: i64::MAX },
                    "The largest value of an `int` field.",
                ),
                prop("doc", ValueType::String, "What the field means."),
            ],
            children: Children::Nodes(&[NodeSchema {
                name: "one-of",
                doc: "The choices of an `enum` field.",
                args: &[args("CHOICE", ValueType::String)],
                example: "one-of \"gp3\" \"io2\"",
                ..LEAF
            }]),
            repeatable: true,
            example: "field \"storage\" type=\"memory\" default=\"10Gi\"",
            ..LEAF
        },
        NodeSchema {
            name: "tier",
            doc: "Defaults for environments of one tier: each child sets a field.",
            args: &[arg("TIER", ValueType::Enum(Choices::Static(super::estate::TIERS)))],
            children: Children::KindFields,
            repeatable: true,
            example: "tier \"production\" { high-availability #true }",
            ..LEAF
        },
        NodeSchema {
            name: "output",
            doc: "A value an instance provides to the services that use it. Secret outputs are passed on only as references.",
            args: &[arg("NAME", ValueType::Declares(NameKind::Output))],
            props: &[
                prop("secret", ValueType::Bool, "Whether the value is a secret."),
                prop("doc", ValueType::String, "What the output is."),
            ],
            repeatable: true,
            example: "output \"host\"",
            ..LEAF
        },
        NodeSchema {
            name: "access",
            doc: "What a service that uses an instance may do to it, with `workload-identity \"aws\"`: these IAM actions are allowed to the service's role on the value of the output `on` (an ARN), followed by `suffix`.",
            args: &[args("ACTION", ValueType::String)],
            props: &[
                required(
                    "on",
                    ValueType::Ref(Target::Output),
                    "The output whose value (an ARN) the actions apply to.",
                ),
                prop(
                    "suffix",
                    ValueType::String,
                    "Appended to the output's value, such as `/*` for the objects of a bucket.",
                ),
            ],
            repeatable: true,
            example: "access \"s3:GetObject\" \"s3:PutObject\" on=\"arn\" suffix=\"/*\"",
            ..LEAF
        },
    ]),
    repeatable: true,
    example: "kind \"search-index\" { field \"shards\" type=\"int\" default=1 }",
    ..LEAF
};

/// The nodes allowed at the top of a file.
pub const TOP_LEVEL: &[NodeSchema] = &[
    super::platform::PLATFORM,
    super::estate::TEAM,
    super::estate::ENVIRONMENT,
    super::estate::SYSTEM,
    KIND,
    super::service::SERVICE,
];
