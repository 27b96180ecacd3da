//! The nodes of the language, version 1.

use idpc_ir::NameKind;

use super::{
    ArgSchema, Children, Choices, DefaultValue, NodeSchema, PropSchema, Target, ValueType,
};

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

const TIERS: &[&str] = &["development", "staging", "production"];
const ROLES: &[&str] = &["lead", "member"];

pub(super) const DESCRIPTION: NodeSchema = NodeSchema {
    name: "description",
    doc: "What this is, in a sentence.",
    args: &[arg("TEXT", ValueType::String)],
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
            args: &[arg("URL", ValueType::Url)],
            example: "prometheus \"http://prometheus.monitoring:9090\"",
            ..LEAF
        },
        NodeSchema {
            name: "grafana",
            doc: "The Grafana that serves the dashboards; alerts link to them there.",
            args: &[arg("URL", ValueType::Url)],
            example: "grafana \"https://grafana.acme.internal\"",
            ..LEAF
        },
        NodeSchema {
            name: "default-receiver",
            doc: "The Alertmanager receiver for alerts of teams without an `oncall` receiver (default `default`).",
            args: &[arg("RECEIVER", ValueType::String)],
            example: "default-receiver \"platform-oncall\"",
            ..LEAF
        },
        NodeSchema {
            name: "grafana-datasource",
            doc: "The uid of the Grafana data source dashboards query.",
            args: &[arg("UID", ValueType::String)],
            example: "grafana-datasource \"prometheus\"",
            ..LEAF
        },
        NodeSchema {
            name: "requests-metric",
            doc: "The request counter every service exports, with a `code` label.",
            args: &[arg("METRIC", ValueType::String)],
            example: "requests-metric \"http_requests_total\"",
            ..LEAF
        },
        NodeSchema {
            name: "duration-metric",
            doc: "The request duration histogram, in seconds.",
            args: &[arg("METRIC", ValueType::String)],
            example: "duration-metric \"http_request_duration_seconds\"",
            ..LEAF
        },
        NodeSchema {
            name: "latency-buckets",
            doc: "The upper bounds of the duration histogram's buckets, as the services' metrics libraries export them; a latency SLO's threshold must be one (default the Prometheus clients' `5ms 10ms 25ms 50ms 100ms 250ms 500ms 1s 2500ms 5s 10s`).",
            args: &[args("BOUND", ValueType::Duration)],
            example: "latency-buckets \"50ms\" \"100ms\" \"250ms\" \"500ms\" \"1s\"",
            ..LEAF
        },
        NodeSchema {
            name: "error-codes",
            doc: "A regular expression of the `code` values that count as errors.",
            args: &[arg("REGEX", ValueType::String)],
            example: "error-codes \"5..\"",
            ..LEAF
        },
        NodeSchema {
            name: "service-label",
            doc: "The label that carries the service name.",
            args: &[arg("LABEL", ValueType::String)],
            example: "service-label \"service\"",
            ..LEAF
        },
        NodeSchema {
            name: "rules",
            doc: "How recording and alerting rules reach Prometheus: `files`, rule files with `promtool test rules` tests beside them (the default), or `prometheus-operator`, a `PrometheusRule` object per service and environment in the service's namespace, holding the same rule groups, synced by Argo CD with `gitops`.",
            args: &[arg(
                "FORMAT",
                ValueType::Enum(Choices::Static(&["files", "prometheus-operator"])),
            )],
            example: "rules \"prometheus-operator\"",
            ..LEAF
        },
        NodeSchema {
            name: "logs-datasource",
            doc: "The uid of the Grafana data source of the services' logs (Loki). With it, the Grafana family's Terraform lets each team query it and scopes what it sees to its own namespaces with label-based access rules.",
            args: &[arg("UID", ValueType::String)],
            example: "logs-datasource \"loki\"",
            ..LEAF
        },
    ]),
    example: "observability { prometheus \"http://prometheus.monitoring:9090\" }",
    ..LEAF
};

const DRIFT: NodeSchema = NodeSchema {
    name: "drift",
    doc: "How `idpc diff` compares live state: differences the platform decides are not drift.",
    children: Children::Nodes(&[NodeSchema {
        name: "ignore",
        doc: "Ignore differences at a field path (and below it). `*` matches one segment, `**` any number; keys with dots are quoted in brackets.",
        args: &[arg("PATH", ValueType::String)],
        props: &[
            prop(
                "kind",
                ValueType::String,
                "Only for objects of this kind (`Rollout`, `Service`, `HelmValues`, `Dashboard`, `RuleGroup`, `TerraformModule`, `OpaData`); every Kubernetes kind when absent.",
            ),
            required(
                "reason",
                ValueType::String,
                "Why the difference is not drift; reports show it.",
            ),
        ],
        repeatable: true,
        example: "ignore \"spec.replicas\" kind=\"Rollout\" reason=\"scaled by hand during incidents\"",
        ..LEAF
    }]),
    example: "drift { ignore \"metadata.labels[\\\"team-cost\\\"]\" reason=\"set by the billing controller\" }",
    ..LEAF
};

const POLICY: NodeSchema = NodeSchema {
    name: "policy",
    doc: "Configures a preset policy, or switches it off.",
    args: &[arg("PRESET", ValueType::Ref(Target::Policy))],
    props: &[
        prop_or("enabled", ValueType::Bool, "Whether the policy runs.", "#true"),
        prop_or(
            "severity",
            ValueType::Enum(Choices::Static(&["error", "warning"])),
            "Whether a violation fails the build (`error`) or only warns.",
            "\"error\"",
        ),
        prop(
            "tiers",
            ValueType::String,
            "The tiers the policy applies to, separated by spaces, such as \"staging production\".",
        ),
        prop_derived(
            "max-ttl",
            ValueType::Duration,
            "For `ephemeral-environments`: the longest TTL allowed.",
            "the platform's `max-ephemeral-ttl`",
        ),
        prop(
            "providers",
            ValueType::String,
            "For `secrets-by-reference`: the secrets managers allowed, separated by spaces.",
        ),
    ],
    repeatable: true,
    example: "policy \"mutable-image-tags\" tiers=\"staging production\"",
    ..LEAF
};

/// `platform`.
pub const PLATFORM: NodeSchema = NodeSchema {
    name: "platform",
    doc: "The platform itself: its name, registry and domain. Exactly one file declares it.",
    args: &[arg("NAME", ValueType::Declares(NameKind::Platform))],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "registry",
            doc: "The container registry that images without a registry host are pulled from.",
            args: &[arg("HOST/PATH", ValueType::String)],
            example: "registry \"ghcr.io/acme\"",
            ..LEAF
        },
        NodeSchema {
            name: "domain",
            doc: "The DNS domain services are reachable under.",
            args: &[arg("DOMAIN", ValueType::String)],
            example: "domain \"acme.internal\"",
            ..LEAF
        },
        NodeSchema {
            name: "max-ephemeral-ttl",
            doc: "The longest TTL an ephemeral environment may have (default 14 days).",
            args: &[arg("DURATION", ValueType::Duration)],
            example: "max-ephemeral-ttl \"14d\"",
            ..LEAF
        },
        OBSERVABILITY,
        DRIFT,
        POLICY,
        NodeSchema {
            name: "ingress",
            doc: "How traffic from outside reaches exposed services: through a Gateway API `Gateway` (HTTPRoutes, canaries split by the Argo Rollouts Gateway API plugin) or the NGINX ingress controller (Ingresses, canaries split by NGINX). Network policies admit the router's namespace to exposed services.",
            args: &[arg("ROUTER", ValueType::Enum(Choices::Static(&["gateway-api", "nginx"])))],
            props: &[
                prop(
                    "gateway",
                    ValueType::String,
                    "Gateway API: the Gateway routes attach to, as \"namespace/name\" (required).",
                ),
                prop_or("class", ValueType::String, "NGINX: the ingress class.", "\"nginx\""),
                prop_derived(
                    "namespace",
                    ValueType::String,
                    "The namespace the router runs in, which network policies admit.",
                    "the gateway's namespace, or `ingress-nginx`",
                ),
            ],
            example: "ingress \"gateway-api\" gateway=\"ingress/public\"",
            ..LEAF
        },
        NodeSchema {
            name: "secret-store",
            doc: "How the cluster reaches a secrets manager: idpc writes an External Secrets `ClusterSecretStore` for it, and an `ExternalSecret` per service and environment makes the Kubernetes Secret its pods read. Vault needs `server`, AWS Secrets Manager `region`, Google Secret Manager `project`, Azure Key Vault `vault-url`.",
            args: &[arg(
                "PROVIDER",
                ValueType::Enum(Choices::Static(&["vault", "aws-sm", "gcp-sm", "azure-kv"])),
            )],
            props: &[
                prop(
                    "server",
                    ValueType::String,
                    "Vault: its address, such as \"https://vault.acme.internal:8200\".",
                ),
                prop_or(
                    "role",
                    ValueType::String,
                    "Vault: the Kubernetes auth role External Secrets logs in with.",
                    "\"external-secrets\"",
                ),
                prop("region", ValueType::String, "AWS Secrets Manager: the region."),
                prop("project", ValueType::String, "Google Secret Manager: the project id."),
                prop("vault-url", ValueType::String, "Azure Key Vault: the vault's URL."),
            ],
            repeatable: true,
            example: "secret-store \"vault\" server=\"https://vault.acme.internal:8200\"",
            ..LEAF
        },
        NodeSchema {
            name: "workload-identity",
            doc: "How pods get a cloud identity. `aws`: IAM roles for service accounts (IRSA) on EKS; each service's service account is annotated with `eks.amazonaws.com/role-arn` naming the role `<environment>-<service>` in `account`, and each environment's Terraform creates the role, trusted by the cluster's OIDC provider (the root module's `oidc_provider_arn` variable) for that service account only, with the access its resources' kinds grant. `gcp`: Workload Identity on GKE; the annotation `iam.gke.io/gcp-service-account` names the Google service account `<environment>-<service>` in `project`, which Terraform creates and lets the Kubernetes service account impersonate.",
            args: &[arg("CLOUD", ValueType::Enum(Choices::Static(&["aws", "gcp"])))],
            props: &[
                prop(
                    "account",
                    ValueType::String,
                    "AWS: the account id the roles live in (required).",
                ),
                prop(
                    "project",
                    ValueType::String,
                    "Google Cloud: the project the service accounts live in (required).",
                ),
            ],
            example: "workload-identity \"aws\" account=\"123456789012\"",
            ..LEAF
        },
        NodeSchema {
            name: "gitops",
            doc: "Where the committed output tree lives, so that Argo CD can sync it: with this node idpc writes an Application per environment, cluster and team, their projects, and a root application per environment.",
            props: &[
                required(
                    "repo",
                    ValueType::String,
                    "The Git repository Argo CD reads, as Argo CD names it (`https://…` or `git@…`).",
                ),
                prop_or(
                    "path",
                    ValueType::String,
                    "Where the output tree is in that repository.",
                    "\"generated\"",
                ),
                prop_or(
                    "revision",
                    ValueType::String,
                    "The branch, tag or commit to follow.",
                    "\"HEAD\"",
                ),
                prop_or(
                    "namespace",
                    ValueType::String,
                    "The namespace Argo CD runs in.",
                    "\"argocd\"",
                ),
            ],
            example: "gitops repo=\"https://git.acme.com/platform.git\" path=\"generated\" revision=\"main\"",
            ..LEAF
        },
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
    args: &[arg("NAME", ValueType::Declares(NameKind::Team))],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "member",
            doc: "A person in the team. Leads approve production changes.",
            args: &[arg("EMAIL", ValueType::Email)],
            props: &[prop_or(
                "role",
                ValueType::Enum(Choices::Static(ROLES)),
                "`lead` or `member`.",
                "\"member\"",
            )],
            repeatable: true,
            example: "member \"alice@acme.com\" role=\"lead\"",
            ..LEAF
        },
        NodeSchema {
            name: "channel",
            doc: "The chat channel where the team is reached.",
            args: &[arg("CHANNEL", ValueType::String)],
            example: "channel \"#payments\"",
            ..LEAF
        },
        NodeSchema {
            name: "oncall",
            doc: "The Alertmanager receiver that pages the team.",
            args: &[arg("RECEIVER", ValueType::String)],
            example: "oncall \"payments-pager\"",
            ..LEAF
        },
        NodeSchema {
            name: "cost-center",
            doc: "The cost centre the team's infrastructure is billed to.",
            args: &[arg("CODE", ValueType::String)],
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
    args: &[arg("NAME", ValueType::Declares(NameKind::Environment))],
    props: &[
        prop(
            "tier",
            ValueType::Enum(Choices::Static(TIERS)),
            "`development`, `staging` or `production`; an ephemeral environment takes its base's tier.",
        ),
        prop(
            "from",
            ValueType::Ref(Target::Environment),
            "Makes the environment ephemeral, copying this one.",
        ),
        prop("owner", ValueType::Email, "Who is responsible for an ephemeral environment."),
        prop(
            "ttl",
            ValueType::Duration,
            "How long an ephemeral environment lives after `created`.",
        ),
        prop("created", ValueType::Date, "When an ephemeral environment was created."),
    ],
    children: Children::Nodes(&[
        DESCRIPTION,
        NodeSchema {
            name: "cluster",
            doc: "A Kubernetes cluster of the environment.",
            args: &[arg("NAME", ValueType::Declares(NameKind::Cluster))],
            repeatable: true,
            example: "cluster \"prod-eu-1\"",
            ..LEAF
        },
        NodeSchema {
            name: "region",
            doc: "The cloud region.",
            args: &[arg("REGION", ValueType::String)],
            example: "region \"eu-west-1\"",
            ..LEAF
        },
        NodeSchema {
            name: "approval",
            doc: "Whether changes need an approval, and from how many people.",
            props: &[
                required("required", ValueType::Bool, "Whether a change needs approval."),
                prop_or(
                    "approvers",
                    ValueType::Int { min: 1, max: 10 },
                    "How many approvals.",
                    "1",
                ),
            ],
            example: "approval required=#true approvers=2",
            ..LEAF
        },
        NodeSchema {
            name: "services",
            doc: "For an ephemeral environment: the services it carries, with the services they depend on (carried along, see decision 7); the others are not deployed there and their resources are not created. Without it, every service of the base is carried.",
            args: &[args("SERVICE", ValueType::Ref(Target::Service))],
            example: "services \"checkout\" \"payments-api\"",
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
    args: &[arg("NAME", ValueType::Declares(NameKind::System))],
    props: &[required("team", ValueType::Ref(Target::Team), "The owning team.")],
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
            args: &[arg("TIER", ValueType::Enum(Choices::Static(TIERS)))],
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
pub const TOP_LEVEL: &[NodeSchema] =
    &[PLATFORM, TEAM, ENVIRONMENT, SYSTEM, KIND, super::service::SERVICE];
