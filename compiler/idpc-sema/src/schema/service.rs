//! The `service` node and everything inside it, including `override`.

use super::language::{DESCRIPTION, LEAF, arg, args, prop, required};
use idpc_ir::NameKind;

use super::{Children, NodeSchema, Target, Ty};

const PROTOCOLS: &[&str] = &["http", "grpc", "tcp"];
const INDICATORS: &[&str] = &["availability", "latency"];
const CRITICALITY: &[&str] = &["critical", "standard", "low"];

const IMAGE: NodeSchema = NodeSchema {
    name: "image",
    doc: "The container image. Without a registry host, the platform registry is prefixed.",
    args: &[arg("IMAGE", Ty::Image)],
    example: "image \"payments-api:1.4.2\"",
    ..LEAF
};

const REPLICAS: NodeSchema = NodeSchema {
    name: "replicas",
    doc: "How many instances run (default 1).",
    args: &[arg("COUNT", Ty::Int(0, 1000))],
    example: "replicas 3",
    ..LEAF
};

const REQUESTS: NodeSchema = NodeSchema {
    name: "requests",
    doc: "The CPU and memory each instance is guaranteed (defaults 100m and 128Mi).",
    props: &[
        prop("cpu", Ty::Cpu, "CPU, such as \"250m\"."),
        prop("memory", Ty::Memory, "Memory, such as \"256Mi\"."),
    ],
    example: "requests cpu=\"250m\" memory=\"256Mi\"",
    ..LEAF
};

const LIMITS: NodeSchema = NodeSchema {
    name: "limits",
    doc: "The most CPU and memory an instance may use. The memory limit defaults to the request; CPU is not limited unless set.",
    props: &[
        prop("cpu", Ty::Cpu, "CPU, such as \"1\"."),
        prop("memory", Ty::Memory, "Memory, such as \"512Mi\"."),
    ],
    example: "limits memory=\"512Mi\"",
    ..LEAF
};

const AUTOSCALE: NodeSchema = NodeSchema {
    name: "autoscale",
    doc: "Scale between bounds on CPU utilisation.",
    props: &[
        required("min", Ty::Int(1, 1000), "The fewest instances."),
        required("max", Ty::Int(1, 1000), "The most instances."),
        prop("cpu", Ty::Percent, "The CPU utilisation to aim for (default 70%)."),
    ],
    example: "autoscale min=2 max=10 cpu=\"70%\"",
    ..LEAF
};

const ENV: NodeSchema = NodeSchema {
    name: "env",
    doc: "A plain environment variable. Secrets are declared with `secret`, never as values.",
    args: &[arg("NAME", Ty::String), arg("VALUE", Ty::String)],
    repeatable: true,
    example: "env \"LOG_LEVEL\" \"info\"",
    ..LEAF
};

const SECRET: NodeSchema = NodeSchema {
    name: "secret",
    doc: "A secret exposed as an environment variable, by reference into a secrets manager. The owning team may read it; `reader` grants other teams.",
    args: &[arg("NAME", Ty::String)],
    props: &[required(
        "from",
        Ty::SecretRef,
        "Where the secret is stored: `vault:path#key`, `aws-sm:name#key`, `gcp-sm:name`, `azure-kv:vault/name`.",
    )],
    children: Children::Nodes(&[NodeSchema {
        name: "reader",
        doc: "Another team that may read the secret.",
        args: &[args("TEAM", Ty::Ref(Target::Team))],
        repeatable: true,
        example: "reader \"risk\"",
        ..LEAF
    }]),
    repeatable: true,
    example: "secret \"STRIPE_KEY\" from=\"vault:payments/stripe#api_key\"",
    ..LEAF
};

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

const DEPLOY: NodeSchema = NodeSchema {
    name: "deploy",
    doc: "How new versions roll out: one strategy, a health check and automatic rollback.",
    children: Children::Nodes(&[
        NodeSchema {
            name: "canary",
            doc: "Shift traffic to the new version step by step.",
            children: Children::Nodes(&[NodeSchema {
                name: "step",
                doc: "Send `weight` percent of traffic to the new version, then wait `pause` (without a pause, wait for a person to promote).",
                props: &[
                    required("weight", Ty::Int(1, 100), "Percent of traffic, 1 to 100."),
                    prop("pause", Ty::Duration, "How long to hold."),
                ],
                repeatable: true,
                example: "step weight=10 pause=\"5m\"",
                ..LEAF
            }]),
            example: "canary { step weight=10 pause=\"5m\"; step weight=100 }",
            ..LEAF
        },
        NodeSchema {
            name: "blue-green",
            doc: "Run the new version next to the old one, then switch all traffic at once.",
            props: &[
                prop("auto-promote", Ty::Bool, "Switch without a person (default #false)."),
                prop(
                    "preview-replicas",
                    Ty::Int(1, 1000),
                    "Instances of the preview (default: as many as active).",
                ),
                prop(
                    "scale-down-delay",
                    Ty::Duration,
                    "How long the old version stays up after the switch (default 30s).",
                ),
            ],
            example: "blue-green auto-promote=#false",
            ..LEAF
        },
        NodeSchema {
            name: "rolling",
            doc: "Replace instances a few at a time (the default strategy).",
            props: &[
                prop(
                    "max-surge",
                    Ty::IntOrPercent,
                    "Extra instances during the update (default 25%).",
                ),
                prop(
                    "max-unavailable",
                    Ty::IntOrPercent,
                    "Instances that may be down (default 0).",
                ),
            ],
            example: "rolling max-surge=\"25%\" max-unavailable=0",
            ..LEAF
        },
        NodeSchema {
            name: "healthcheck",
            doc: "An HTTP probe of each instance.",
            props: &[
                required("path", Ty::String, "The path probed, such as \"/health\"."),
                prop(
                    "port",
                    Ty::Ref(Target::Port),
                    "The name of the port probed (default: the first port).",
                ),
                prop("interval", Ty::Duration, "Time between probes (default 10s)."),
                prop("timeout", Ty::Duration, "How long a probe may take (default 1s)."),
                prop(
                    "threshold",
                    Ty::Int(1, 100),
                    "Failures in a row before an instance is unhealthy (default 3).",
                ),
                prop(
                    "initial-delay",
                    Ty::Duration,
                    "Time after start before the first probe (default 0s).",
                ),
            ],
            example: "healthcheck path=\"/health\" interval=\"10s\" threshold=3",
            ..LEAF
        },
        NodeSchema {
            name: "liveness",
            doc: "The probe that restarts an instance, apart from the health check that decides whether it gets traffic. Without it, a service with a health check is restarted only when its port stops accepting connections: a readiness endpoint that checks dependencies must not restart every instance while a dependency is down.",
            props: &[
                prop(
                    "path",
                    Ty::String,
                    "A path to probe over HTTP (default: none, a TCP connection to the port).",
                ),
                prop(
                    "port",
                    Ty::Ref(Target::Port),
                    "The name of the port probed (default: the health check's port, else the first port).",
                ),
                prop("interval", Ty::Duration, "Time between probes (default 10s)."),
                prop("timeout", Ty::Duration, "How long a probe may take (default 1s)."),
                prop(
                    "threshold",
                    Ty::Int(1, 100),
                    "Failures in a row before the instance is restarted (default 3).",
                ),
                prop(
                    "initial-delay",
                    Ty::Duration,
                    "Time after start before the first probe (default: the health check's).",
                ),
            ],
            example: "liveness path=\"/livez\" threshold=5",
            ..LEAF
        },
        NodeSchema {
            name: "rollback",
            doc: "Measure the new version's error ratio while it rolls out and abort above a threshold.",
            props: &[
                prop("auto", Ty::Bool, "Abort without a person (default #true)."),
                prop(
                    "error-rate",
                    Ty::Percent,
                    "The error ratio that fails the rollout (default: the fast-burn threshold of the availability SLO).",
                ),
                prop("interval", Ty::Duration, "How often to measure (default 1m)."),
            ],
            example: "rollback auto=#true error-rate=\"1%\"",
            ..LEAF
        },
    ]),
    example: "deploy { canary { step weight=50 pause=\"5m\"; step weight=100 } }",
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
            props: &[prop(
                "protocol",
                Ty::Enum(PROTOCOLS),
                "`http` (the default), `grpc` or `tcp`.",
            )],
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
                prop("path", Ty::String, "The path prefix routed to the service (default \"/\")."),
                prop(
                    "port",
                    Ty::Ref(Target::Port),
                    "The port routed to (default: the first port).",
                ),
                prop("tls", Ty::Bool, "Serve HTTPS (default #true)."),
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
                prop("window", Ty::Duration, "The rolling window (default 30d)."),
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
