//! Teams, environments and systems: who owns what, and where it runs.

use idpc_ir::{Date, Duration, Email, NameKind};

use super::language::{Description, arg, args, prop, prop_derived, prop_or, required};
use super::{Choices, Target, ValueType};
use crate::typed::{Field, typed_node, value_node};

/// The tiers an environment may have.
pub(crate) const TIERS: &[&str] = &["development", "staging", "production"];
const ROLES: &[&str] = &["lead", "member"];

typed_node! {
    /// `team › member`.
    pub(crate) struct MemberNode => const MEMBER = "member" {
        doc: "A person in the team. Leads approve production changes.",
        args { email: Option<Field<Email>> = arg("EMAIL", ValueType::Email) }
        props {
            role: String = prop_or(
                "role",
                ValueType::Enum(Choices::Static(ROLES)),
                "`lead` or `member`.",
                "\"member\"",
            ),
        }
        children {}
        repeatable: true,
        example: "member \"alice@acme.com\" role=\"lead\"",
    }
}

value_node! {
    /// `team › channel`.
    Channel => const CHANNEL = "channel",
    channel: String = arg("CHANNEL", ValueType::String),
    "The chat channel where the team is reached.",
    "channel \"#payments\"",
}

value_node! {
    /// `team › oncall`.
    Oncall => const ONCALL = "oncall",
    receiver: String = arg("RECEIVER", ValueType::String),
    "The Alertmanager receiver that pages the team.",
    "oncall \"payments-pager\"",
}

value_node! {
    /// `team › cost-center`.
    CostCenter => const COST_CENTER = "cost-center",
    code: String = arg("CODE", ValueType::String),
    "The cost centre the team's infrastructure is billed to.",
    "cost-center \"cc-1042\"",
}

typed_node! {
    /// `team`.
    pub(crate) struct TeamNode => const TEAM = "team" {
        doc: "A team: its members, how to reach it, who is paged, and where its costs go.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Team)) }
        props {}
        children {
            description: Option<Description>,
            members: Vec<MemberNode>,
            channel: Option<Channel>,
            oncall: Option<Oncall>,
            cost_center: Option<CostCenter>,
        }
        repeatable: true,
        example: "team \"payments\" { member \"alice@acme.com\" role=\"lead\" }",
    }
}

typed_node! {
    /// `environment › cluster`.
    pub(crate) struct Cluster => const CLUSTER = "cluster" {
        doc: "A Kubernetes cluster of the environment.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Cluster)) }
        props {}
        children {}
        repeatable: true,
        example: "cluster \"prod-eu-1\"",
    }
}

value_node! {
    /// `environment › region`.
    Region => const REGION = "region",
    region: String = arg("REGION", ValueType::String),
    "The cloud region.",
    "region \"eu-west-1\"",
}

typed_node! {
    /// `environment › approval`.
    pub(crate) struct ApprovalNode => const APPROVAL = "approval" {
        doc: "Whether changes need an approval, and from how many people.",
        args {}
        props {
            required: bool = required("required", ValueType::Bool, "Whether a change needs approval."),
            approvers: u32 = prop_or(
                "approvers",
                ValueType::Int { min: 1, max: 10 },
                "How many approvals.",
                "1",
            ),
        }
        children {}
        repeatable: false,
        example: "approval required=#true approvers=2",
    }
}

typed_node! {
    /// `environment › services`.
    pub(crate) struct Carried => const SERVICES = "services" {
        doc: "For an ephemeral environment: the services it carries, with the services they depend on (carried along, see decision 7); the others are not deployed there and their resources are not created.",
        args {
            services: Vec<Field<String>> = args("SERVICE", ValueType::Ref(Target::Service)),
        }
        props {}
        children {}
        repeatable: false,
        example: "services \"checkout\" \"payments-api\"",
    }
}

typed_node! {
    /// `environment`.
    pub(crate) struct EnvironmentNode => const ENVIRONMENT = "environment" {
        doc: "Where services run. An environment with `from` is ephemeral: a copy of another environment with an owner and a time to live.",
        args {
            name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::Environment)),
        }
        props {
            tier: String = prop_derived(
                "tier",
                ValueType::Enum(Choices::Static(TIERS)),
                "`development`, `staging` or `production`.",
                "for an ephemeral environment, its base's tier",
            ),
            from: String = prop(
                "from",
                ValueType::Ref(Target::Environment),
                "Makes the environment ephemeral, copying this one.",
            ),
            owner: Email = prop(
                "owner",
                ValueType::Email,
                "Who is responsible for an ephemeral environment.",
            ),
            ttl: Duration = prop(
                "ttl",
                ValueType::Duration,
                "How long an ephemeral environment lives after `created`.",
            ),
            created: Date = prop("created", ValueType::Date, "When an ephemeral environment was created."),
        }
        children {
            description: Option<Description>,
            clusters: Vec<Cluster>,
            region: Option<Region>,
            approval: Option<ApprovalNode>,
            services: Option<Carried>,
        }
        repeatable: true,
        example: "environment \"prod\" tier=\"production\" { cluster \"prod-eu-1\" }",
    }
}

typed_node! {
    /// `system`.
    pub(crate) struct SystemNode => const SYSTEM = "system" {
        doc: "A group of services shown together in the catalog.",
        args { name: Option<Field<String>> = arg("NAME", ValueType::Declares(NameKind::System)) }
        props { team: String = required("team", ValueType::Ref(Target::Team), "The owning team.") }
        children { description: Option<Description> }
        repeatable: true,
        example: "system \"checkout\" team=\"payments\"",
    }
}

impl ApprovalNode {
    /// The approval this node asks for, its unwritten values at the schema's defaults.
    pub(crate) fn approval(&self) -> idpc_ir::Approval {
        use crate::typed::{OrDefault, TypedNode};
        let defaults = ApprovalNode::defaults();
        idpc_ir::Approval {
            required: self.required.as_ref().is_some_and(|f| f.value),
            // The default reads (a test checks every default of the language).
            approvers: self.approvers.or_default(&defaults.approvers).unwrap_or_default(),
        }
    }
}
