//! The `platform` node and everything inside it.

use idpc_ir::{Duration, NameKind, Url};

use super::language::{Description, arg, arg_or, args_or, prop, prop_derived, prop_or, required};
use super::{Choices, Target, ValueType};
use crate::typed::{Field, typed_node, value_node};

value_node! {
    /// `observability › prometheus`.
    Prometheus => const PROMETHEUS = "prometheus",
    url: Url = arg_or("URL", ValueType::Url, "\"http://prometheus.monitoring.svc:9090\""),
    "The Prometheus that canary analysis queries.",
    "prometheus \"http://prometheus.monitoring:9090\"",
}

value_node! {
    /// `observability › grafana`.
    Grafana => const GRAFANA = "grafana",
    url: Url = arg("URL", ValueType::Url),
    "The Grafana that serves the dashboards; alerts link to them there.",
    "grafana \"https://grafana.acme.internal\"",
}

value_node! {
    /// `observability › default-receiver`.
    DefaultReceiver => const DEFAULT_RECEIVER = "default-receiver",
    receiver: String = arg_or("RECEIVER", ValueType::String, "\"default\""),
    "The Alertmanager receiver for alerts of teams without an `oncall` receiver.",
    "default-receiver \"platform-oncall\"",
}

value_node! {
    /// `observability › grafana-datasource`.
    GrafanaDatasource => const GRAFANA_DATASOURCE = "grafana-datasource",
    uid: String = arg_or("UID", ValueType::String, "\"prometheus\""),
    "The uid of the Grafana data source dashboards query.",
    "grafana-datasource \"prometheus\"",
}

value_node! {
    /// `observability › requests-metric`.
    RequestsMetric => const REQUESTS_METRIC = "requests-metric",
    metric: String = arg_or("METRIC", ValueType::String, "\"http_requests_total\""),
    "The request counter every service exports, with a `code` label.",
    "requests-metric \"http_requests_total\"",
}

value_node! {
    /// `observability › duration-metric`.
    DurationMetric => const DURATION_METRIC = "duration-metric",
    metric: String = arg_or("METRIC", ValueType::String, "\"http_request_duration_seconds\""),
    "The request duration histogram, in seconds.",
    "duration-metric \"http_request_duration_seconds\"",
}

typed_node! {
    /// `observability › latency-buckets`.
    pub(crate) struct LatencyBuckets => const LATENCY_BUCKETS = "latency-buckets" {
        doc: "The upper bounds of the duration histogram's buckets, as the services' metrics libraries export them; a latency SLO's threshold must be one. The default is the Prometheus clients' buckets.",
        args {
            bounds: Vec<Field<Duration>> = args_or(
                "BOUND",
                ValueType::Duration,
                "\"5ms\" \"10ms\" \"25ms\" \"50ms\" \"100ms\" \"250ms\" \"500ms\" \"1s\" \"2500ms\" \"5s\" \"10s\"",
            ),
        }
        props {}
        children {}
        repeatable: false,
        example: "latency-buckets \"50ms\" \"100ms\" \"250ms\" \"500ms\" \"1s\"",
    }
}

value_node! {
    /// `observability › error-codes`.
    ErrorCodes => const ERROR_CODES = "error-codes",
    regex: String = arg_or("REGEX", ValueType::String, "\"5..\""),
    "A regular expression of the `code` values that count as errors.",
    "error-codes \"5..\"",
}

value_node! {
    /// `observability › service-label`.
    ServiceLabel => const SERVICE_LABEL = "service-label",
    label: String = arg_or("LABEL", ValueType::String, "\"service\""),
    "The label that carries the service name.",
    "service-label \"service\"",
}

value_node! {
    /// `observability › rules`.
    Rules => const RULES = "rules",
    format: String = arg_or(
        "FORMAT",
        ValueType::Enum(Choices::Static(&["files", "prometheus-operator"])),
        "\"files\"",
    ),
    "How recording and alerting rules reach Prometheus: `files`, rule files with `promtool test rules` tests beside them, or `prometheus-operator`, a `PrometheusRule` object per service and environment in the service's namespace, holding the same rule groups, synced by Argo CD with `gitops`.",
    "rules \"prometheus-operator\"",
}

value_node! {
    /// `observability › logs-datasource`.
    LogsDatasource => const LOGS_DATASOURCE = "logs-datasource",
    uid: String = arg("UID", ValueType::String),
    "The uid of the Grafana data source of the services' logs (Loki). With it, the Grafana family's Terraform lets each team query it and scopes what it sees to its own namespaces with label-based access rules.",
    "logs-datasource \"loki\"",
}

typed_node! {
    /// `observability`.
    pub(crate) struct ObservabilityNode => const OBSERVABILITY = "observability" {
        doc: "The metric conventions every service follows, used by alerts, dashboards and canary analysis.",
        args {}
        props {}
        children {
            prometheus: Option<Prometheus>,
            grafana: Option<Grafana>,
            default_receiver: Option<DefaultReceiver>,
            grafana_datasource: Option<GrafanaDatasource>,
            requests_metric: Option<RequestsMetric>,
            duration_metric: Option<DurationMetric>,
            latency_buckets: Option<LatencyBuckets>,
            error_codes: Option<ErrorCodes>,
            service_label: Option<ServiceLabel>,
            rules: Option<Rules>,
            logs_datasource: Option<LogsDatasource>,
        }
        repeatable: false,
        example: "observability { prometheus \"http://prometheus.monitoring:9090\" }",
    }
}

typed_node! {
    /// `drift › ignore`.
    pub(crate) struct Ignore => const IGNORE = "ignore" {
        doc: "Ignore differences at a field path (and below it). `*` matches one segment, `**` any number; keys with dots are quoted in brackets.",
        args { path: Option<Field<String>> = arg("PATH", ValueType::String) }
        props {
            kind: String = prop_derived(
                "kind",
                ValueType::String,
                "Only for objects of this kind (`Rollout`, `Service`, `HelmValues`, `Dashboard`, `RuleGroup`, `TerraformModule`, `OpaData`).",
                "every Kubernetes kind",
            ),
            reason: String = required(
                "reason",
                ValueType::String,
                "Why the difference is not drift; reports show it.",
            ),
        }
        children {}
        repeatable: true,
        example: "ignore \"spec.replicas\" kind=\"Rollout\" reason=\"scaled by hand during incidents\"",
    }
}

typed_node! {
    /// `drift`.
    pub(crate) struct Drift => const DRIFT = "drift" {
        doc: "How `idpc diff` compares live state: differences the platform decides are not drift.",
        args {}
        props {}
        children { ignores: Vec<Ignore> }
        repeatable: false,
        example: "drift { ignore \"metadata.labels[\\\"team-cost\\\"]\" reason=\"set by the billing controller\" }",
    }
}

typed_node! {
    /// `policy`.
    pub(crate) struct PolicyNode => const POLICY = "policy" {
        doc: "Configures a preset policy, or switches it off.",
        args { preset: Option<Field<String>> = arg("PRESET", ValueType::Ref(Target::Policy)) }
        props {
            enabled: bool = prop_or("enabled", ValueType::Bool, "Whether the policy runs.", "#true"),
            severity: String = prop_or(
                "severity",
                ValueType::Enum(Choices::Static(&["error", "warning"])),
                "Whether a violation fails the build (`error`) or only warns.",
                "\"error\"",
            ),
            tiers: String = prop(
                "tiers",
                ValueType::String,
                "The tiers the policy applies to, separated by spaces, such as \"staging production\".",
            ),
            max_ttl: Duration = prop_derived(
                "max-ttl",
                ValueType::Duration,
                "For `ephemeral-environments`: the longest TTL allowed.",
                "the platform's `max-ephemeral-ttl`",
            ),
            providers: String = prop(
                "providers",
                ValueType::String,
                "For `secrets-by-reference`: the secrets managers allowed, separated by spaces.",
            ),
        }
        children {}
        repeatable: true,
        example: "policy \"mutable-image-tags\" tiers=\"staging production\"",
    }
}

typed_node! {
    /// `ingress`.
    pub(crate) struct IngressNode => const INGRESS = "ingress" {
        doc: "How traffic from outside reaches exposed services: through a Gateway API `Gateway` (HTTPRoutes, canaries split by the Argo Rollouts Gateway API plugin) or the NGINX ingress controller (Ingresses, canaries split by NGINX). Network policies admit the router's namespace to exposed services.",
        args {
            router: Option<Field<String>> = arg(
                "ROUTER",
                ValueType::Enum(Choices::Static(&["gateway-api", "nginx"])),
            ),
        }
        props {
            gateway: String = prop(
                "gateway",
                ValueType::String,
                "Gateway API: the Gateway routes attach to, as \"namespace/name\" (required).",
            ),
            class: String = prop_or("class", ValueType::String, "NGINX: the ingress class.", "\"nginx\""),
            namespace: String = prop_derived(
                "namespace",
                ValueType::String,
                "The namespace the router runs in, which network policies admit.",
                "the gateway's namespace, or `ingress-nginx`",
            ),
        }
        children {}
        repeatable: false,
        example: "ingress \"gateway-api\" gateway=\"ingress/public\"",
    }
}

typed_node! {
    /// `secret-store`.
    pub(crate) struct SecretStoreNode => const SECRET_STORE = "secret-store" {
        doc: "How the cluster reaches a secrets manager: idpc writes an External Secrets `ClusterSecretStore` for it, and an `ExternalSecret` per service and environment makes the Kubernetes Secret its pods read. Vault needs `server`, AWS Secrets Manager `region`, Google Secret Manager `project`, Azure Key Vault `vault-url`.",
        args {
            provider: Option<Field<String>> = arg(
                "PROVIDER",
                ValueType::Enum(Choices::Static(&["vault", "aws-sm", "gcp-sm", "azure-kv"])),
            ),
        }
        props {
            server: String = prop(
                "server",
                ValueType::String,
                "Vault: its address, such as \"https://vault.acme.internal:8200\".",
            ),
            role: String = prop_or(
                "role",
                ValueType::String,
                "Vault: the Kubernetes auth role External Secrets logs in with.",
                "\"external-secrets\"",
            ),
            region: String = prop("region", ValueType::String, "AWS Secrets Manager: the region."),
            project: String = prop("project", ValueType::String, "Google Secret Manager: the project id."),
            vault_url: String = prop("vault-url", ValueType::String, "Azure Key Vault: the vault's URL."),
        }
        children {}
        repeatable: true,
        example: "secret-store \"vault\" server=\"https://vault.acme.internal:8200\"",
    }
}

typed_node! {
    /// `workload-identity`.
    pub(crate) struct WorkloadIdentityNode => const WORKLOAD_IDENTITY = "workload-identity" {
        doc: "How pods get a cloud identity. `aws`: IAM roles for service accounts (IRSA) on EKS; each service's service account is annotated with `eks.amazonaws.com/role-arn` naming the role `<environment>-<service>` in `account`, and each environment's Terraform creates the role, trusted by the cluster's OIDC provider (the root module's `oidc_provider_arn` variable) for that service account only, with the access its resources' kinds grant. `gcp`: Workload Identity on GKE; the annotation `iam.gke.io/gcp-service-account` names the Google service account `<environment>-<service>` in `project`, which Terraform creates and lets the Kubernetes service account impersonate.",
        args {
            cloud: Option<Field<String>> = arg(
                "CLOUD",
                ValueType::Enum(Choices::Static(&["aws", "gcp"])),
            ),
        }
        props {
            account: String = prop(
                "account",
                ValueType::String,
                "AWS: the account id the roles live in (required).",
            ),
            project: String = prop(
                "project",
                ValueType::String,
                "Google Cloud: the project the service accounts live in (required).",
            ),
        }
        children {}
        repeatable: false,
        example: "workload-identity \"aws\" account=\"123456789012\"",
    }
}

typed_node! {
    /// `gitops`.
    pub(crate) struct GitopsNode => const GITOPS = "gitops" {
        doc: "Where the committed output tree lives, so that Argo CD can sync it: with this node idpc writes an Application per environment, cluster and team, their projects, and a root application per environment.",
        args {}
        props {
            repo: String = required(
                "repo",
                ValueType::String,
                "The Git repository Argo CD reads, as Argo CD names it (`https://…` or `git@…`).",
            ),
            path: String = prop_or(
                "path",
                ValueType::String,
                "Where the output tree is in that repository.",
                "\"generated\"",
            ),
            revision: String = prop_or(
                "revision",
                ValueType::String,
                "The branch, tag or commit to follow.",
                "\"HEAD\"",
            ),
            namespace: String = prop_or(
                "namespace",
                ValueType::String,
                "The namespace Argo CD runs in.",
                "\"argocd\"",
            ),
        }
        children {}
        repeatable: false,
        example: "gitops repo=\"https://git.acme.com/platform.git\" path=\"generated\" revision=\"main\"",
    }
}

value_node! {
    /// `platform › registry`.
    Registry => const REGISTRY = "registry",
    host: String = arg("HOST/PATH", ValueType::String),
    "The container registry that images without a registry host are pulled from.",
    "registry \"ghcr.io/acme\"",
}

value_node! {
    /// `platform › domain`.
    Domain => const DOMAIN = "domain",
    domain: String = arg("DOMAIN", ValueType::String),
    "The DNS domain services are reachable under.",
    "domain \"acme.internal\"",
}

value_node! {
    /// `platform › max-ephemeral-ttl`.
    MaxEphemeralTtl => const MAX_EPHEMERAL_TTL = "max-ephemeral-ttl",
    ttl: Duration = arg_or("DURATION", ValueType::Duration, "\"14d\""),
    "The longest TTL an ephemeral environment may have.",
    "max-ephemeral-ttl \"14d\"",
}

typed_node! {
    /// `platform`.
    pub(crate) struct PlatformNode => const PLATFORM = "platform" {
        doc: "The platform itself: its name, registry and domain. Exactly one file declares it.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Platform)) }
        props {}
        children {
            description: Option<Description>,
            registry: Option<Registry>,
            domain: Option<Domain>,
            max_ephemeral_ttl: Option<MaxEphemeralTtl>,
            observability: Option<ObservabilityNode>,
            drift: Option<Drift>,
            policies: Vec<PolicyNode>,
            ingress: Option<IngressNode>,
            secret_stores: Vec<SecretStoreNode>,
            workload_identity: Option<WorkloadIdentityNode>,
            gitops: Option<GitopsNode>,
        }
        repeatable: false,
        required: true,
        example: "platform \"acme\" { registry \"ghcr.io/acme\" }",
    }
}
