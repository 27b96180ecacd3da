//! The `service` node and everything inside it, including `override`; the settings an override
//! may change are in [`super::settings`].

use super::language::{DESCRIPTION, LEAF, arg, args, prop, prop_derived, prop_or, required};
use idpc_ir::{Date, Email, NameKind};

use super::settings::{AUTOSCALE, DEPLOY, ENV, IMAGE, LIMITS, REPLICAS, REQUESTS, SECRET};
use super::{Children, Choices, NodeSchema, Target, ValueType};
use crate::typed::{Field, typed_node};

const PROTOCOLS: &[&str] = &["http", "grpc", "tcp"];
const INDICATORS: &[&str] = &["availability", "latency"];
const CRITICALITY: &[&str] = &["critical", "standard", "low"];

const RESOURCE: NodeSchema = NodeSchema {
    name: "resource",
    doc: "A resource of a kind the service needs, such as a database. Children set the kind's fields.",
    args: &[arg("NAME", ValueType::Declares(NameKind::Resource))],
    props: &[prop(
        "kind",
        ValueType::Ref(Target::Kind),
        "The resource kind (required, except in an override of a resource the service declares).",
    )],
    children: Children::KindFields,
    repeatable: true,
    example: "resource \"db\" kind=\"postgres\" { storage \"50Gi\" }",
    ..LEAF
};

const OVERRIDE: NodeSchema = NodeSchema {
    name: "override",
    doc: "Values for one environment, overriding the service's own. Overrides for an environment also apply to the ephemeral environments created from it.",
    args: &[arg("ENVIRONMENT", ValueType::Ref(Target::Environment))],
    children: Children::Nodes(&[
        IMAGE, REPLICAS, REQUESTS, LIMITS, AUTOSCALE, ENV, SECRET, RESOURCE, DEPLOY,
    ]),
    repeatable: true,
    example: "override \"prod\" { replicas 4 }",
    ..LEAF
};

/// `service`.
pub(super) const SERVICE: NodeSchema = NodeSchema {
    name: "service",
    doc: "A deployable service: owner, image, ports, size, dependencies, resources, rollout, secrets and SLOs.",
    args: &[arg("NAME", ValueType::Declares(NameKind::Service))],
    props: &[required("team", ValueType::Ref(Target::Team), "The owning team.")],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "system",
            doc: "The system the service belongs to.",
            args: &[arg("SYSTEM", ValueType::Ref(Target::System))],
            example: "system \"checkout\"",
            ..LEAF
        },
        NodeSchema {
            name: "criticality",
            doc: "`critical`, `standard` (the default) or `low`.",
            args: &[arg("LEVEL", ValueType::Enum(Choices::Static(CRITICALITY)))],
            example: "criticality \"critical\"",
            ..LEAF
        },
        IMAGE,
        PORT,
        REPLICAS,
        REQUESTS,
        LIMITS,
        AUTOSCALE,
        ENV,
        SECRET,
        NodeSchema {
            name: "depends-on",
            doc: "Services this one calls. Network policy admits exactly these callers.",
            args: &[args("SERVICE", ValueType::Ref(Target::Service))],
            repeatable: true,
            example: "depends-on \"users-api\" \"ledger\"",
            ..LEAF
        },
        RESOURCE,
        DEPLOY,
        EXPOSE,
        NodeSchema {
            name: "slo",
            doc: "A service level objective: `availability` (requests that do not fail) or `latency` (requests faster than `threshold`).",
            args: &[arg("INDICATOR", ValueType::Enum(Choices::Static(INDICATORS)))],
            props: &[
                required(
                    "objective",
                    ValueType::Percent,
                    "The target share of good requests, such as \"99.9%\".",
                ),
                prop_or("window", ValueType::Duration, "The rolling window.", "\"30d\""),
                prop(
                    "threshold",
                    ValueType::Duration,
                    "For `latency`: the duration a good request stays under.",
                ),
            ],
            repeatable: true,
            example: "slo \"availability\" objective=\"99.9%\" window=\"30d\"",
            ..LEAF
        },
        NodeSchema {
            name: "runbook",
            doc: "Where the service's runbook lives.",
            args: &[arg("URL", ValueType::Url)],
            example: "runbook \"https://runbooks.acme.internal/payments-api\"",
            ..LEAF
        },
        WAIVE,
        OVERRIDE,
    ]),
    repeatable: true,
    example: "service \"payments-api\" team=\"payments\" { image \"payments-api:1.4.2\" }",
    ..LEAF
};

typed_node! {
    /// `service › port`.
    pub(crate) struct PortNode => const PORT = "port" {
        doc: "A port the service listens on.",
        args {
            name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Port)),
            number: Option<Field<u32>> = arg("NUMBER", ValueType::Port),
        }
        props {
            protocol: String = prop_or("protocol", ValueType::Enum(Choices::Static(PROTOCOLS)), "`http`, `grpc` or `tcp`.", "\"http\""),
        }
        children {}
        repeatable: true,
        example: "port \"http\" 8080",
    }
}

typed_node! {
    /// `service › expose`.
    pub(crate) struct Expose => const EXPOSE = "expose" {
        doc: "An entry point from outside the cluster through the platform's `ingress`: a route to the service's stable version (and, for a canary, the traffic split between versions). The host is the production tier's; other environments get `<environment>.<host>`.",
        args {}
        props {
            host: String = required(
                "host",
                ValueType::String,
                "The host name in production, such as \"shop.acme.com\".",
            ),
            path: String = prop_or("path", ValueType::String, "The path prefix routed to the service.", "\"/\""),
            port: String = prop_derived("port", ValueType::Ref(Target::Port), "The port routed to.", "the first port"),
            tls: bool = prop_or("tls", ValueType::Bool, "Serve HTTPS.", "#true"),
        }
        children {}
        repeatable: false,
        example: "expose host=\"shop.acme.com\" path=\"/\"",
    }
}

typed_node! {
    /// `service › waive`.
    pub(crate) struct Waive => const WAIVE = "waive" {
        doc: "Exempts the service from a policy until a date, with a reason and an owner. An expired waiver is an error.",
        args { policy: Option<Field<String>> = arg("POLICY", ValueType::Ref(Target::Policy)) }
        props {
            reason: String = required("reason", ValueType::String, "Why the service is exempt."),
            owner: Email = required("owner", ValueType::Email, "Who answers for the exemption."),
            expires: Date = required(
                "expires",
                ValueType::Date,
                "The first day the waiver no longer applies.",
            ),
        }
        children {}
        repeatable: true,
        example: "waive \"mutable-image-tags\" reason=\"the vendor image has no versions\" owner=\"alice@acme.com\" expires=\"2027-03-31\"",
    }
}
