//! The `kind` node: a resource kind with typed fields, defaults per tier, outputs and access.

use idpc_ir::NameKind;

use super::language::{Description, arg, args, prop, prop_or, required};
use super::{Choices, Target, ValueType};
use crate::typed::{Field, RawValue, typed_node};

typed_node! {
    /// `kind › field › one-of`.
    pub(crate) struct OneOf => const ONE_OF = "one-of" {
        doc: "The choices of an `enum` field.",
        args { choices: Vec<Field<String>> = args("CHOICE", ValueType::String) }
        props {}
        children {}
        repeatable: false,
        example: "one-of \"gp3\" \"io2\"",
    }
}

typed_node! {
    /// `kind › field`. Its `default` is read against the field's own type, from the tree.
    pub(crate) struct FieldNode => const FIELD = "field" {
        doc: "A setting of the kind. A field without a default must be set by every resource.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Field)) }
        props {
            ty: String = required(
                "type",
                ValueType::Enum(Choices::Static(ValueType::KEYWORDS)),
                "The field's type.",
            ),
            default: RawValue = prop(
                "default",
                ValueType::Any,
                "The value when neither the resource nor a tier default sets one.",
            ),
            min: i64 = prop(
                "min",
                ValueType::Int { min: i64::MIN, max: i64::MAX },
                "The smallest value of an `int` field.",
            ),
            max: i64 = prop(
                "max",
                ValueType::Int { min: i64::MIN, max: i64::MAX },
                "The largest value of an `int` field.",
            ),
            doc: String = prop("doc", ValueType::String, "What the field means."),
        }
        children { one_of: Option<OneOf> }
        repeatable: true,
        example: "field \"storage\" type=\"memory\" default=\"10Gi\"",
    }
}

typed_node! {
    /// `kind › tier`. Its children set fields of the kind.
    pub(crate) struct TierNode => const TIER = "tier" {
        doc: "Defaults for environments of one tier: each child sets a field.",
        args {
            tier: Option<Field<String>> = arg(
                "TIER",
                ValueType::Enum(Choices::Static(super::estate::TIERS)),
            ),
        }
        props {}
        children {}
        kind_fields: true,
        repeatable: true,
        example: "tier \"production\" { high-availability #true }",
    }
}

typed_node! {
    /// `kind › output`.
    pub(crate) struct OutputNode => const OUTPUT = "output" {
        doc: "A value an instance provides to the services that use it. Secret outputs are passed on only as references.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Output)) }
        props {
            secret: bool = prop_or("secret", ValueType::Bool, "Whether the value is a secret.", "#false"),
            doc: String = prop("doc", ValueType::String, "What the output is."),
        }
        children {}
        repeatable: true,
        example: "output \"host\"",
    }
}

typed_node! {
    /// `kind › access`.
    pub(crate) struct AccessNode => const ACCESS = "access" {
        doc: "What a service that uses an instance may do to it, with `workload-identity \"aws\"`: these IAM actions are allowed to the service's role on the value of the output `on` (an ARN), followed by `suffix`.",
        args { actions: Vec<Field<String>> = args("ACTION", ValueType::String) }
        props {
            on: String = required(
                "on",
                ValueType::Ref(Target::Output),
                "The output whose value (an ARN) the actions apply to.",
            ),
            suffix: String = prop_or(
                "suffix",
                ValueType::String,
                "Appended to the output's value, such as `/*` for the objects of a bucket.",
                "\"\"",
            ),
        }
        children {}
        repeatable: true,
        example: "access \"s3:GetObject\" \"s3:PutObject\" on=\"arn\" suffix=\"/*\"",
    }
}

typed_node! {
    /// `kind`.
    pub(crate) struct KindNode => const KIND = "kind" {
        doc: "A resource kind: a database, cache, queue… with typed fields, defaults per tier, and outputs. The standard library declares its kinds this way too.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Kind)) }
        props {}
        children {
            description: Option<Description>,
            fields: Vec<FieldNode>,
            tiers: Vec<TierNode>,
            outputs: Vec<OutputNode>,
            access: Vec<AccessNode>,
        }
        repeatable: true,
        example: "kind \"search-index\" { field \"shards\" type=\"int\" default=1 }",
    }
}
