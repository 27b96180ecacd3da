//! The `service` node and everything inside it, including `override`.

use super::language::{DESCRIPTION, LEAF, arg, args, prop, required};
use idpc_ir::NameKind;

use super::settings::{AUTOSCALE, DEPLOY, ENV, IMAGE, LIMITS, REPLICAS, REQUESTS, SECRET};
use super::{Children, NodeSchema, Target, Ty};

const PROTOCOLS: &[&str] = &["http", "grpc", "tcp"];
const INDICATORS: &[&str] = &["availability", "latency"];
const CRITICALITY: &[&str] = &["critical", "standard", "low"];

const RESOURCE: NodeSchema = NodeSchema {
    name: "resource",
    doc: "A resource of a kind the service needs, such as a database. Children set the kind's fields.",
    args: &[arg("NAME", Ty::Declares(NameKind::Resource))],
    props: &[prop(
        "kind",
        Ty::Ref(Target::Kind),
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
    args: &[arg("ENVIRONMENT", Ty::Ref(Target::Environment))],
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
    args: &[arg("NAME", Ty::Declares(NameKind::Service))],
    props: &[required("team", Ty::Ref(Target::Team), "The owning team.")],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "system",
            doc: "The system the service belongs to.",
            args: &[arg("SYSTEM", Ty::Ref(Target::System))],
            example: "system \"checkout\"",
            ..LEAF
        },
        NodeSchema {
            name: "criticality",
            doc: "`critical`, `standard` (the default) or `low`.",
            args: &[arg("LEVEL", Ty::Enum(CRITICALITY))],
            example: "criticality \"critical\"",
            ..LEAF
        },
        IMAGE,
        NodeSchema {
            name: "port",
            doc: "A port the service listens on.",
            args: &[arg("NAME", Ty::Declares(NameKind::Port)), arg("NUMBER", Ty::Port)],
            props: &[
                prop("protocol", Ty::Enum(PROTOCOLS), "`http`, `grpc` or `tcp`.").or("\"http\"")
            ],
            repeatable: true,
            example: "port \"http\" 8080",
            ..LEAF
        },
        REPLICAS,
        REQUESTS,
        LIMITS,
        AUTOSCALE,
        ENV,
        SECRET,
        NodeSchema {
            name: "depends-on",
            doc: "Services this one calls. Network policy admits exactly these callers.",
            args: &[args("SERVICE", Ty::Ref(Target::Service))],
            repeatable: true,
            example: "depends-on \"users-api\" \"ledger\"",
            ..LEAF
        },
        RESOURCE,
        DEPLOY,
        NodeSchema {
            name: "expose",
            doc: "An entry point from outside the cluster through the platform's `ingress`: a route to the service's stable version (and, for a canary, the traffic split between versions). The host is the production tier's; other environments get `<environment>.<host>`.",
            props: &[
                required(
                    "host",
                    Ty::String,
                    "The host name in production, such as \"shop.acme.com\".",
                ),
                prop("path", Ty::String, "The path prefix routed to the service.").or("\"/\""),
                prop("port", Ty::Ref(Target::Port), "The port routed to.")
                    .or_derived("the first port"),
                prop("tls", Ty::Bool, "Serve HTTPS.").or("#true"),
            ],
            example: "expose host=\"shop.acme.com\" path=\"/\"",
            ..LEAF
        },
        NodeSchema {
            name: "slo",
            doc: "A service level objective: `availability` (requests that do not fail) or `latency` (requests faster than `threshold`).",
            args: &[arg("INDICATOR", Ty::Enum(INDICATORS))],
            props: &[
                required(
                    "objective",
                    Ty::Percent,
                    "The target share of good requests, such as \"99.9%\".",
                ),
                prop("window", Ty::Duration, "The rolling window.").or("\"30d\""),
                prop(
                    "threshold",
                    Ty::Duration,
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
            args: &[arg("URL", Ty::Url)],
            example: "runbook \"https://runbooks.acme.internal/payments-api\"",
            ..LEAF
        },
        NodeSchema {
            name: "waive",
            doc: "Exempts the service from a policy until a date, with a reason and an owner. An expired waiver is an error.",
            args: &[arg("POLICY", Ty::Ref(Target::Policy))],
            props: &[
                required("reason", Ty::String, "Why the service is exempt."),
                required("owner", Ty::Email, "Who answers for the exemption."),
                required("expires", Ty::Date, "The first day the waiver no longer applies."),
            ],
            repeatable: true,
            example: "waive \"mutable-image-tags\" reason=\"the vendor image has no versions\" owner=\"alice@acme.com\" expires=\"2027-03-31\"",
            ..LEAF
        },
        OVERRIDE,
    ]),
    repeatable: true,
    example: "service \"payments-api\" team=\"payments\" { image \"payments-api:1.4.2\" }",
    ..LEAF
};
