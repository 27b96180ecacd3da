//! The settings of a service that an `override` may change, and the `deploy` block: each node's
//! schema and typed struct in one declaration ([`typed_node!`]). Overlay resolution merges these
//! structs, layer by layer.

use idpc_ir::{Cpu, Duration, Image, IntOrPercent, Memory, Percent, SecretRef};

use super::language::{arg, arg_or, args, prop_derived, prop_or, required};
use super::{Target, ValueType};
use crate::typed::{Boxed, Field, typed_node};

typed_node! {
    /// `image`.
    pub(crate) struct ImageNode => const IMAGE = "image" {
        doc: "The container image. Without a registry host, the platform registry is prefixed.",
        args { image: Option<Field<Image>> = arg("IMAGE", ValueType::Image) }
        props {}
        children {}
        repeatable: false,
        example: "image \"payments-api:1.4.2\"",
    }
}

typed_node! {
    /// `replicas`.
    pub(crate) struct Replicas => const REPLICAS = "replicas" {
        doc: "How many instances run.",
        args { count: Option<Field<u32>> = arg_or("COUNT", ValueType::Int { min: 0, max: 1000 }, "1") }
        props {}
        children {}
        repeatable: false,
        example: "replicas 3",
    }
}

typed_node! {
    /// `requests`.
    pub(crate) struct Requests => const REQUESTS = "requests" {
        doc: "The CPU and memory each instance is guaranteed.",
        args {}
        props {
            cpu: Cpu = prop_or("cpu", ValueType::Cpu, "CPU, such as \"250m\".", "\"100m\""),
            memory: Memory = prop_or("memory", ValueType::Memory, "Memory, such as \"256Mi\".", "\"128Mi\""),
        }
        children {}
        repeatable: false,
        example: "requests cpu=\"250m\" memory=\"256Mi\"",
    }
}

typed_node! {
    /// `limits`.
    pub(crate) struct Limits => const LIMITS = "limits" {
        doc: "The most CPU and memory an instance may use.",
        args {}
        props {
            cpu: Cpu = prop_derived("cpu", ValueType::Cpu, "CPU, such as \"1\".", "not limited"),
            memory: Memory = prop_derived("memory", ValueType::Memory, "Memory, such as \"512Mi\".", "the memory request"),
        }
        children {}
        repeatable: false,
        example: "limits memory=\"512Mi\"",
    }
}

typed_node! {
    /// `autoscale`.
    pub(crate) struct Autoscale => const AUTOSCALE = "autoscale" {
        doc: "Scale between bounds on CPU utilisation.",
        args {}
        props {
            min: u32 = required("min", ValueType::Int { min: 1, max: 1000 }, "The fewest instances."),
            max: u32 = required("max", ValueType::Int { min: 1, max: 1000 }, "The most instances."),
            cpu: Percent = prop_or("cpu", ValueType::Percent, "The CPU utilisation to aim for.", "\"70%\""),
        }
        children {}
        repeatable: false,
        example: "autoscale min=2 max=10 cpu=\"70%\"",
    }
}

typed_node! {
    /// `env`.
    pub(crate) struct Env => const ENV = "env" {
        doc: "A plain environment variable. Secrets are declared with `secret`, never as values.",
        args {
            name: Option<Field<String>> = arg("NAME", ValueType::String),
            value: Option<Field<String>> = arg("VALUE", ValueType::String),
        }
        props {}
        children {}
        repeatable: true,
        example: "env \"LOG_LEVEL\" \"info\"",
    }
}

typed_node! {
    /// `secret › reader`.
    pub(crate) struct Reader => const READER = "reader" {
        doc: "Another team that may read the secret.",
        args { teams: Vec<Field<String>> = args("TEAM", ValueType::Ref(Target::Team)) }
        props {}
        children {}
        repeatable: true,
        example: "reader \"risk\"",
    }
}

typed_node! {
    /// `secret`.
    pub(crate) struct Secret => const SECRET = "secret" {
        doc: "A secret exposed as an environment variable, by reference into a secrets manager. The owning team may read it; `reader` grants other teams.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::String) }
        props {
            from: SecretRef = required(
                "from",
                ValueType::SecretRef,
                "Where the secret is stored: `vault:path#key`, `aws-sm:name#key`, `gcp-sm:name`, `azure-kv:vault/name`.",
            ),
        }
        children { readers: Vec<Reader> }
        repeatable: true,
        example: "secret \"STRIPE_KEY\" from=\"vault:payments/stripe#api_key\"",
    }
}

typed_node! {
    /// `deploy › canary › step`.
    pub(crate) struct Step => const STEP = "step" {
        doc: "Send `weight` percent of traffic to the new version, then wait `pause` (without a pause, wait for a person to promote).",
        args {}
        props {
            weight: u32 = required("weight", ValueType::Int { min: 1, max: 100 }, "Percent of traffic, 1 to 100."),
            pause: Duration = prop_derived("pause", ValueType::Duration, "How long to hold.", "none: wait for a person to promote"),
        }
        children {}
        repeatable: true,
        example: "step weight=10 pause=\"5m\"",
    }
}

typed_node! {
    /// `deploy › canary`.
    pub(crate) struct Canary => const CANARY = "canary" {
        doc: "Shift traffic to the new version step by step.",
        args {}
        props {}
        children { steps: Vec<Step> }
        repeatable: false,
        example: "canary { step weight=10 pause=\"5m\"; step weight=100 }",
    }
}

typed_node! {
    /// `deploy › blue-green`.
    pub(crate) struct BlueGreen => const BLUE_GREEN = "blue-green" {
        doc: "Run the new version next to the old one, then switch all traffic at once.",
        args {}
        props {
            auto_promote: bool = prop_or("auto-promote", ValueType::Bool, "Switch without a person.", "#false"),
            preview_replicas: u32 = prop_derived(
                "preview-replicas",
                ValueType::Int { min: 1, max: 1000 },
                "Instances of the preview.", "as many as active"),
            scale_down_delay: Duration = prop_or(
                "scale-down-delay",
                ValueType::Duration,
                "How long the old version stays up after the switch.", "\"30s\""),
        }
        children {}
        repeatable: false,
        example: "blue-green auto-promote=#false",
    }
}

typed_node! {
    /// `deploy › rolling`.
    pub(crate) struct Rolling => const ROLLING = "rolling" {
        doc: "Replace instances a few at a time (the default strategy).",
        args {}
        props {
            max_surge: IntOrPercent = prop_or(
                "max-surge",
                ValueType::IntOrPercent,
                "Extra instances during the update.", "\"25%\""),
            max_unavailable: IntOrPercent = prop_or(
                "max-unavailable",
                ValueType::IntOrPercent,
                "Instances that may be down.", "0"),
        }
        children {}
        repeatable: false,
        example: "rolling max-surge=\"25%\" max-unavailable=0",
    }
}

typed_node! {
    /// `deploy › healthcheck`.
    pub(crate) struct Healthcheck => const HEALTHCHECK = "healthcheck" {
        doc: "An HTTP probe of each instance.",
        args {}
        props {
            path: String = required("path", ValueType::String, "The path probed, such as \"/health\"."),
            port: String = prop_derived("port", ValueType::Ref(Target::Port), "The name of the port probed.", "the first port"),
            interval: Duration = prop_or("interval", ValueType::Duration, "Time between probes.", "\"10s\""),
            timeout: Duration = prop_or("timeout", ValueType::Duration, "How long a probe may take.", "\"1s\""),
            threshold: u32 = prop_or(
                "threshold",
                ValueType::Int { min: 1, max: 100 },
                "Failures in a row before an instance is unhealthy.", "3"),
            initial_delay: Duration = prop_or(
                "initial-delay",
                ValueType::Duration,
                "Time after start before the first probe.", "\"0s\""),
        }
        children {}
        repeatable: false,
        example: "healthcheck path=\"/health\" interval=\"10s\" threshold=3",
    }
}

typed_node! {
    /// `deploy › liveness`.
    pub(crate) struct Liveness => const LIVENESS = "liveness" {
        doc: "The probe that restarts an instance, apart from the health check that decides whether it gets traffic. Without it, a service with a health check is restarted only when its port stops accepting connections: a readiness endpoint that checks dependencies must not restart every instance while a dependency is down.",
        args {}
        props {
            path: String = prop_derived("path", ValueType::String, "A path to probe over HTTP.", "none: a TCP connection to the port"),
            port: String = prop_derived("port", ValueType::Ref(Target::Port), "The name of the port probed.", "the health check's port, else the first port"),
            interval: Duration = prop_or("interval", ValueType::Duration, "Time between probes.", "\"10s\""),
            timeout: Duration = prop_or("timeout", ValueType::Duration, "How long a probe may take.", "\"1s\""),
            threshold: u32 = prop_or(
                "threshold",
                ValueType::Int { min: 1, max: 100 },
                "Failures in a row before the instance is restarted.", "3"),
            initial_delay: Duration = prop_derived(
                "initial-delay",
                ValueType::Duration,
                "Time after start before the first probe.", "the health check's"),
        }
        children {}
        repeatable: false,
        example: "liveness path=\"/livez\" threshold=5",
    }
}

typed_node! {
    /// `deploy › rollback`.
    pub(crate) struct Rollback => const ROLLBACK = "rollback" {
        doc: "Measure the new version's error ratio while it rolls out and abort above a threshold.",
        args {}
        props {
            auto: bool = prop_or("auto", ValueType::Bool, "Abort without a person.", "#true"),
            error_rate: Percent = prop_derived(
                "error-rate",
                ValueType::Percent,
                "The error ratio that fails the rollout.", "the fast-burn threshold of the availability SLO"),
            interval: Duration = prop_or("interval", ValueType::Duration, "How often to measure.", "\"1m\""),
        }
        children {}
        repeatable: false,
        example: "rollback auto=#true error-rate=\"1%\"",
    }
}

typed_node! {
    /// `deploy`.
    pub(crate) struct Deploy => const DEPLOY = "deploy" {
        doc: "How new versions roll out: one strategy, a health check and automatic rollback.",
        args {}
        props {}
        children {
            canary: Option<Canary>,
            blue_green: Option<Boxed<BlueGreen>>,
            rolling: Option<Boxed<Rolling>>,
            healthcheck: Option<Healthcheck>,
            liveness: Option<Boxed<Liveness>>,
            rollback: Option<Boxed<Rollback>>,
        }
        repeatable: false,
        example: "deploy { canary { step weight=50 pause=\"5m\"; step weight=100 } }",
    }
}

/// The settings one layer of a service gives: the service node itself, or an `override`, as
/// read from its node (nothing is copied: a description's units hold them once).
/// Resources are read against their kind, apart from this ([`crate::services`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Settings<'n> {
    /// `image`.
    pub(crate) image: Option<&'n ImageNode>,
    /// `replicas`.
    pub(crate) replicas: Option<&'n Replicas>,
    /// `requests`.
    pub(crate) requests: Option<&'n Requests>,
    /// `limits`.
    pub(crate) limits: Option<&'n Limits>,
    /// `autoscale`.
    pub(crate) autoscale: Option<&'n Autoscale>,
    /// `env`, in order.
    pub(crate) env: &'n [Env],
    /// `secret`, in order.
    pub(crate) secrets: &'n [Secret],
    /// `deploy`.
    pub(crate) deploy: Option<&'n Deploy>,
}

/// A rollout strategy as written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StrategyNode<'a> {
    /// `canary`.
    Canary(&'a Canary),
    /// `blue-green`.
    BlueGreen(&'a BlueGreen),
    /// `rolling`.
    Rolling(&'a Rolling),
}

impl StrategyNode<'_> {
    /// The node's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            StrategyNode::Canary(_) => CANARY.name,
            StrategyNode::BlueGreen(_) => BLUE_GREEN.name,
            StrategyNode::Rolling(_) => ROLLING.name,
        }
    }

    /// The span of the node's name.
    pub(crate) fn span(self) -> idpc_diagnostics::Span {
        match self {
            StrategyNode::Canary(n) => n.span,
            StrategyNode::BlueGreen(n) => n.span,
            StrategyNode::Rolling(n) => n.span,
        }
    }
}

impl Deploy {
    /// The strategies written, in source order (more than one is an error).
    pub(crate) fn strategies(&self) -> Vec<StrategyNode<'_>> {
        let mut found: Vec<StrategyNode<'_>> = Vec::with_capacity(1);
        found.extend(self.canary.as_ref().map(StrategyNode::Canary));
        found.extend(self.blue_green.as_deref().map(StrategyNode::BlueGreen));
        found.extend(self.rolling.as_deref().map(StrategyNode::Rolling));
        found.sort_by_key(|s| s.span());
        found
    }
}
