//! The `service` node and everything inside it, including `override`; the settings an override
//! may change are in [`super::settings`].

use idpc_ir::{Date, Duration, Email, NameKind, Percent, Url};

use super::language::{Description, arg, arg_or, args, prop, prop_derived, prop_or, required};
use super::settings::{
    Autoscale, Deploy, Env, ImageNode, Limits, Replicas, Requests, Secret, Settings,
};
use super::{Choices, Target, ValueType};
use crate::typed::{Boxed, Field, typed_node, value_node};

const PROTOCOLS: &[&str] = &["http", "grpc", "tcp"];
const INDICATORS: &[&str] = &["availability", "latency"];
const CRITICALITY: &[&str] = &["critical", "standard", "low"];

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

value_node! {
    /// `service › system`.
    SystemRef => const SERVICE_SYSTEM = "system",
    system: String = arg("SYSTEM", ValueType::Ref(Target::System)),
    "The system the service belongs to.",
    "system \"checkout\"",
}

value_node! {
    /// `service › criticality`.
    Criticality => const CRITICALITY_NODE = "criticality",
    level: String = arg_or("LEVEL", ValueType::Enum(Choices::Static(CRITICALITY)), "\"standard\""),
    "How much the business depends on the service: `critical`, `standard` or `low`.",
    "criticality \"critical\"",
}

typed_node! {
    /// `service › depends-on`.
    pub(crate) struct DependsOn => const DEPENDS_ON = "depends-on" {
        doc: "Services this one calls. Network policy admits exactly these callers.",
        args { services: Vec<Field<String>> = args("SERVICE", ValueType::Ref(Target::Service)) }
        props {}
        children {}
        repeatable: true,
        example: "depends-on \"users-api\" \"ledger\"",
    }
}

typed_node! {
    /// `service › resource`. Its children set fields of its kind, read against the kind.
    pub(crate) struct ResourceNode => const RESOURCE = "resource" {
        doc: "A resource of a kind the service needs, such as a database. Children set the kind's fields.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Resource)) }
        props {
            kind: String = prop_derived(
                "kind",
                ValueType::Ref(Target::Kind),
                "The resource kind (required, except in an override of a resource the service declares).",
                "in an override, the kind the service declares",
            ),
        }
        children {}
        kind_fields: true,
        repeatable: true,
        example: "resource \"db\" kind=\"postgres\" { storage \"50Gi\" }",
    }
}

typed_node! {
    /// `service › slo`.
    pub(crate) struct SloNode => const SLO = "slo" {
        doc: "A service level objective: `availability` (requests that do not fail) or `latency` (requests faster than `threshold`).",
        args {
            indicator: Option<Field<String>> = arg(
                "INDICATOR",
                ValueType::Enum(Choices::Static(INDICATORS)),
            ),
        }
        props {
            objective: Percent = required(
                "objective",
                ValueType::Percent,
                "The target share of good requests, such as \"99.9%\".",
            ),
            window: Duration = prop_or("window", ValueType::Duration, "The rolling window.", "\"30d\""),
            threshold: Duration = prop(
                "threshold",
                ValueType::Duration,
                "For `latency`: the duration a good request stays under.",
            ),
        }
        children {}
        repeatable: true,
        example: "slo \"availability\" objective=\"99.9%\" window=\"30d\"",
    }
}

value_node! {
    /// `service › runbook`.
    Runbook => const RUNBOOK = "runbook",
    url: Url = arg("URL", ValueType::Url),
    "Where the service's runbook lives.",
    "runbook \"https://runbooks.acme.internal/payments-api\"",
}

typed_node! {
    /// `service › override`.
    pub(crate) struct Override => const OVERRIDE = "override" {
        doc: "Values for one environment, overriding the service's own. Overrides for an environment also apply to the ephemeral environments created from it.",
        args {
            environment: Option<Field<String>> = arg(
                "ENVIRONMENT",
                ValueType::Ref(Target::Environment),
            ),
        }
        props {}
        children {
            image: Option<ImageNode>,
            replicas: Option<Replicas>,
            requests: Option<Requests>,
            limits: Option<Limits>,
            autoscale: Option<Autoscale>,
            env: Vec<Env>,
            secrets: Vec<Secret>,
            resources: Vec<ResourceNode>,
            deploy: Option<Boxed<Deploy>>,
        }
        repeatable: true,
        example: "override \"prod\" { replicas 4 }",
    }
}

typed_node! {
    /// `service`.
    pub(crate) struct ServiceNode => const SERVICE = "service" {
        doc: "A deployable service: owner, image, ports, size, dependencies, resources, rollout, secrets and SLOs.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Service)) }
        props { team: String = required("team", ValueType::Ref(Target::Team), "The owning team.") }
        children {
            description: Option<Boxed<Description>>,
            system: Option<Boxed<SystemRef>>,
            criticality: Option<Boxed<Criticality>>,
            image: Option<ImageNode>,
            ports: Vec<PortNode>,
            replicas: Option<Replicas>,
            requests: Option<Requests>,
            limits: Option<Limits>,
            autoscale: Option<Autoscale>,
            env: Vec<Env>,
            secrets: Vec<Secret>,
            depends_on: Vec<DependsOn>,
            resources: Vec<ResourceNode>,
            deploy: Option<Boxed<Deploy>>,
            expose: Option<Boxed<Expose>>,
            slos: Vec<SloNode>,
            runbook: Option<Boxed<Runbook>>,
            waivers: Vec<Waive>,
            overrides: Vec<Override>,
        }
        repeatable: true,
        example: "service \"payments-api\" team=\"payments\" { image \"payments-api:1.4.2\" }",
    }
}

/// The settings a service or an override gives, read from its node.
macro_rules! settings_of {
    ($node:expr) => {
        Settings {
            image: $node.image.as_ref(),
            replicas: $node.replicas.as_ref(),
            requests: $node.requests.as_ref(),
            limits: $node.limits.as_ref(),
            autoscale: $node.autoscale.as_ref(),
            env: &$node.env,
            secrets: &$node.secrets,
            deploy: $node.deploy.as_deref(),
        }
    };
}

impl ServiceNode {
    /// The service's own settings.
    pub(crate) fn settings(&self) -> Settings<'_> {
        settings_of!(self)
    }
}

impl Override {
    /// The override's settings.
    pub(crate) fn settings(&self) -> Settings<'_> {
        settings_of!(self)
    }
}
