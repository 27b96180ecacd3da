//! The nodes of the language, version 1.

use super::{ArgSchema, Children, NodeSchema, PropSchema, Ty};

const fn arg(name: &'static str, ty: Ty) -> ArgSchema {
    ArgSchema { name, ty, required: true, variadic: false }
}

const fn args(name: &'static str, ty: Ty) -> ArgSchema {
    ArgSchema { name, ty, required: true, variadic: true }
}

const fn prop(name: &'static str, ty: Ty, doc: &'static str) -> PropSchema {
    PropSchema { name, ty, required: false, doc }
}

const fn required(name: &'static str, ty: Ty, doc: &'static str) -> PropSchema {
    PropSchema { name, ty, required: true, doc }
}

const LEAF: NodeSchema = NodeSchema {
    name: "",
    doc: "",
    args: &[],
    props: &[],
    children: Children::None,
    repeatable: false,
    required: false,
    example: "",
};

const TIERS: &[&str] = &["development", "staging", "production"];
const ROLES: &[&str] = &["lead", "member"];
const PROTOCOLS: &[&str] = &["http", "grpc", "tcp"];
const INDICATORS: &[&str] = &["availability", "latency"];
const CRITICALITY: &[&str] = &["critical", "standard", "low"];
/// The type keywords of kind fields.
pub const FIELD_TYPES: &[&str] = &[
    "string",
    "int",
    "bool",
    "duration",
    "percent",
    "cpu",
    "memory",
    "port",
    "name",
    "email",
    "url",
    "image",
    "secret-ref",
    "date",
    "enum",
];

const DESCRIPTION: NodeSchema = NodeSchema {
    name: "description",
    doc: "What this is, in a sentence.",
    args: &[arg("TEXT", Ty::String)],
    example: "description \"Takes card payments\"",
    ..LEAF
};

// ---------------------------------------------------------------------------------------------
// platform

const OBSERVABILITY: NodeSchema = NodeSchema {
    name: "observability",
    doc: "The metric conventions every service follows, used by alerts, dashboards and canary analysis.",
    children: Children::Nodes(&[
        NodeSchema {
            name: "prometheus",
            doc: "The Prometheus that canary analysis queries.",
            args: &[arg("URL", Ty::Url)],
            example: "prometheus \"http://prometheus.monitoring:9090\"",
            ..LEAF
        },
        NodeSchema {
            name: "grafana-datasource",
            doc: "The uid of the Grafana data source dashboards query.",
            args: &[arg("UID", Ty::String)],
            example: "grafana-datasource \"prometheus\"",
            ..LEAF
        },
        NodeSchema {
            name: "requests-metric",
            doc: "The request counter every service exports, with a `code` label.",
            args: &[arg("METRIC", Ty::String)],
            example: "requests-metric \"http_requests_total\"",
            ..LEAF
        },
        NodeSchema {
            name: "duration-metric",
            doc: "The request duration histogram, in seconds.",
            args: &[arg("METRIC", Ty::String)],
            example: "duration-metric \"http_request_duration_seconds\"",
            ..LEAF
        },
        NodeSchema {
            name: "error-codes",
            doc: "A regular expression of the `code` values that count as errors.",
            args: &[arg("REGEX", Ty::String)],
            example: "error-codes \"5..\"",
            ..LEAF
        },
        NodeSchema {
            name: "service-label",
            doc: "The label that carries the service name.",
            args: &[arg("LABEL", Ty::String)],
            example: "service-label \"service\"",
            ..LEAF
        },
    ]),
    example: "observability { prometheus \"http://prometheus.monitoring:9090\" }",
    ..LEAF
};

/// `platform`.
pub const PLATFORM: NodeSchema = NodeSchema {
    name: "platform",
    doc: "The platform itself: its name, registry and domain. Exactly one file declares it.",
    args: &[arg("NAME", Ty::Name)],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "registry",
            doc: "The container registry that images without a registry host are pulled from.",
            args: &[arg("HOST/PATH", Ty::String)],
            example: "registry \"ghcr.io/acme\"",
            ..LEAF
        },
        NodeSchema {
            name: "domain",
            doc: "The DNS domain services are reachable under.",
            args: &[arg("DOMAIN", Ty::String)],
            example: "domain \"acme.internal\"",
            ..LEAF
        },
        NodeSchema {
            name: "max-ephemeral-ttl",
            doc: "The longest TTL an ephemeral environment may have (default 14 days).",
            args: &[arg("DURATION", Ty::Duration)],
            example: "max-ephemeral-ttl \"14d\"",
            ..LEAF
        },
        OBSERVABILITY,
    ]),
    required: true,
    example: "platform \"acme\" { registry \"ghcr.io/acme\" }",
    ..LEAF
};

// ---------------------------------------------------------------------------------------------
// team

/// `team`.
pub const TEAM: NodeSchema = NodeSchema {
    name: "team",
    doc: "A team: its members, how to reach it, who is paged, and where its costs go.",
    args: &[arg("NAME", Ty::Name)],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "member",
            doc: "A person in the team. Leads approve production changes.",
            args: &[arg("EMAIL", Ty::Email)],
            props: &[prop("role", Ty::Enum(ROLES), "`lead` or `member` (the default).")],
            repeatable: true,
            example: "member \"alice@acme.com\" role=\"lead\"",
            ..LEAF
        },
        NodeSchema {
            name: "channel",
            doc: "The chat channel where the team is reached.",
            args: &[arg("CHANNEL", Ty::String)],
            example: "channel \"#payments\"",
            ..LEAF
        },
        NodeSchema {
            name: "oncall",
            doc: "The Alertmanager receiver that pages the team.",
            args: &[arg("RECEIVER", Ty::String)],
            example: "oncall \"payments-pager\"",
            ..LEAF
        },
        NodeSchema {
            name: "cost-center",
            doc: "The cost centre the team's infrastructure is billed to.",
            args: &[arg("CODE", Ty::String)],
            example: "cost-center \"cc-1042\"",
            ..LEAF
        },
    ]),
    repeatable: true,
    example: "team \"payments\" { member \"alice@acme.com\" role=\"lead\" }",
    ..LEAF
};

// ---------------------------------------------------------------------------------------------
// environment

/// `environment`.
pub const ENVIRONMENT: NodeSchema = NodeSchema {
    name: "environment",
    doc: "Where services run. An environment with `from` is ephemeral: a copy of another environment with an owner and a time to live.",
    args: &[arg("NAME", Ty::Name)],
    props: &[
        prop(
            "tier",
            Ty::Enum(TIERS),
            "`development`, `staging` or `production`; an ephemeral environment takes its base's tier.",
        ),
        prop("from", Ty::Name, "Makes the environment ephemeral, copying this one."),
        prop("owner", Ty::Email, "Who is responsible for an ephemeral environment."),
        prop("ttl", Ty::Duration, "How long an ephemeral environment lives after `created`."),
        prop("created", Ty::Date, "When an ephemeral environment was created."),
    ],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "cluster",
            doc: "A Kubernetes cluster of the environment.",
            args: &[arg("NAME", Ty::Name)],
            repeatable: true,
            example: "cluster \"prod-eu-1\"",
            ..LEAF
        },
        NodeSchema {
            name: "region",
            doc: "The cloud region.",
            args: &[arg("REGION", Ty::String)],
            example: "region \"eu-west-1\"",
            ..LEAF
        },
        NodeSchema {
            name: "approval",
            doc: "Whether changes need an approval, and from how many people.",
            props: &[
                required("required", Ty::Bool, "Whether a change needs approval."),
                prop("approvers", Ty::Int(1, 10), "How many approvals (default 1)."),
            ],
            example: "approval required=#true approvers=2",
            ..LEAF
        },
    ]),
    repeatable: true,
    example: "environment \"prod\" tier=\"production\" { cluster \"prod-eu-1\" }",
    ..LEAF
};

// ---------------------------------------------------------------------------------------------
// system

/// `system`.
pub const SYSTEM: NodeSchema = NodeSchema {
    name: "system",
    doc: "A group of services shown together in the catalog.",
    args: &[arg("NAME", Ty::Name)],
    props: &[required("team", Ty::Name, "The owning team.")],
    children: Children::Nodes(&[DESCRIPTION]),
    repeatable: true,
    example: "system \"checkout\" team=\"payments\"",
    ..LEAF
};

// ---------------------------------------------------------------------------------------------
// kind

/// `kind`.
pub const KIND: NodeSchema = NodeSchema {
    name: "kind",
    doc: "A resource kind: a database, cache, queue… with typed fields, defaults per tier, and outputs. The standard library declares its kinds this way too.",
    args: &[arg("NAME", Ty::Name)],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "field",
            doc: "A setting of the kind. A field without a default must be set by every resource.",
            args: &[arg("NAME", Ty::Name)],
            props: &[
                required("type", Ty::Enum(FIELD_TYPES), "The field's type."),
                prop(
                    "default",
                    Ty::Any,
                    "The value when neither the resource nor a tier default sets one.",
                ),
                prop("min", Ty::Int(i64::MIN, i64::MAX), "The smallest value of an `int` field."),
                prop("max", Ty::Int(i64::MIN, i64::MAX), "The largest value of an `int` field."),
                prop("doc", Ty::String, "What the field means."),
            ],
            children: Children::Nodes(&[NodeSchema {
                name: "one-of",
                doc: "The choices of an `enum` field.",
                args: &[args("CHOICE", Ty::String)],
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
            args: &[arg("TIER", Ty::Enum(TIERS))],
            children: Children::KindFields,
            repeatable: true,
            example: "tier \"production\" { high-availability #true }",
            ..LEAF
        },
        NodeSchema {
            name: "output",
            doc: "A value an instance provides to the services that use it. Secret outputs are passed on only as references.",
            args: &[arg("NAME", Ty::Name)],
            props: &[
                prop("secret", Ty::Bool, "Whether the value is a secret."),
                prop("doc", Ty::String, "What the output is."),
            ],
            repeatable: true,
            example: "output \"host\"",
            ..LEAF
        },
    ]),
    repeatable: true,
    example: "kind \"search-index\" { field \"shards\" type=\"int\" default=1 }",
    ..LEAF
};

// ---------------------------------------------------------------------------------------------
// service

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
        args: &[args("TEAM", Ty::Name)],
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
    args: &[arg("NAME", Ty::Name)],
    props: &[prop(
        "kind",
        Ty::Name,
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
                prop("port", Ty::Name, "The name of the port probed (default: the first port)."),
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
    args: &[arg("ENVIRONMENT", Ty::Name)],
    children: Children::Nodes(&[
        IMAGE, REPLICAS, REQUESTS, LIMITS, AUTOSCALE, ENV, SECRET, RESOURCE, DEPLOY,
    ]),
    repeatable: true,
    example: "override \"prod\" { replicas 4 }",
    ..LEAF
};

/// `service`.
pub const SERVICE: NodeSchema = NodeSchema {
    name: "service",
    doc: "A deployable service: owner, image, ports, size, dependencies, resources, rollout, secrets and SLOs.",
    args: &[arg("NAME", Ty::Name)],
    props: &[required("team", Ty::Name, "The owning team.")],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "system",
            doc: "The system the service belongs to.",
            args: &[arg("SYSTEM", Ty::Name)],
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
            args: &[arg("NAME", Ty::Name), arg("NUMBER", Ty::Port)],
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
            args: &[args("SERVICE", Ty::Name)],
            repeatable: true,
            example: "depends-on \"users-api\" \"ledger\"",
            ..LEAF
        },
        RESOURCE,
        DEPLOY,
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
        OVERRIDE,
    ]),
    repeatable: true,
    example: "service \"payments-api\" team=\"payments\" { image \"payments-api:1.4.2\" }",
    ..LEAF
};

/// The nodes allowed at the top of a file.
pub const TOP_LEVEL: &[NodeSchema] = &[PLATFORM, TEAM, ENVIRONMENT, SYSTEM, KIND, SERVICE];
