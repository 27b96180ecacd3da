//! The platform model: teams, environments, kinds, services and their deployments.

use idpc_diagnostics::{FileId, Span};
use serde::Serialize;

use crate::ids::{EnvId, KindId, ServiceId, SystemId, TeamId};
use crate::policy::{PolicyConfig, Waiver};
use crate::sourced::Sourced;
use crate::values::{
    Cpu, Date, Duration, Email, FieldValue, Image, IntOrPercent, Memory, Percent, SecretRef, Url,
    ValueType,
};
use crate::{GitOps, Liveness};

/// A whole platform, resolved.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Platform {
    /// The platform's name.
    pub name: String,
    /// What it is.
    pub description: Option<String>,
    /// The container registry images are pulled from (`ghcr.io/acme`).
    pub registry: Option<String>,
    /// The DNS domain services are reachable under.
    pub domain: Option<String>,
    /// How services are observed.
    pub observability: Observability,
    /// The longest TTL an ephemeral environment may have.
    pub max_ephemeral_ttl: Duration,
    /// Differences `idpc diff` does not report, as the platform declares them.
    pub drift_ignores: Vec<DriftIgnore>,
    /// How the platform configures the preset policies.
    pub policies: Vec<PolicyConfig>,
    /// Where Argo CD finds the committed output tree, if the platform syncs it with Argo CD.
    pub gitops: Option<GitOps>,
    /// How the clusters reach the secrets managers, as declared.
    pub secret_stores: Vec<crate::SecretStore>,
    /// How traffic from outside reaches exposed services, if the platform routes any.
    pub ingress: Option<crate::Ingress>,
    /// How pods get a cloud identity, if the platform gives them one.
    pub identity: Option<crate::WorkloadIdentity>,
    /// Teams, sorted by name.
    pub teams: Vec<Team>,
    /// Environments, in tier order (development, staging, production), then by name.
    pub environments: Vec<Environment>,
    /// Systems, sorted by name.
    pub systems: Vec<System>,
    /// Resource kinds, sorted by name.
    pub kinds: Vec<Kind>,
    /// Services, sorted by name.
    pub services: Vec<Service>,
    /// One deployment per (service, environment), sorted by service then environment.
    pub deployments: Vec<Deployment>,
    /// Display paths of the source files, indexed by `FileId`.
    pub files: Vec<String>,
    /// Where the `platform` node is declared.
    pub span: Span,
}

/// A field path the platform tells drift detection to ignore.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct DriftIgnore {
    /// The fields.
    #[serde(skip)]
    pub path: crate::FieldPattern,
    /// The kind of object, or `None` for every Kubernetes kind.
    pub kind: Option<String>,
    /// Why.
    pub reason: String,
    /// Where it is declared.
    pub span: Span,
}

/// The metric conventions of the platform's golden path.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Observability {
    /// The Prometheus that canary analysis queries.
    pub prometheus_url: Url,
    /// The uid of the Grafana data source that dashboards query.
    pub grafana_datasource: String,
    /// The request counter every service exports, labelled with `code`.
    pub requests_metric: String,
    /// The request duration histogram (seconds) every service exports.
    pub duration_metric: String,
    /// The regular expression of response codes counted as errors.
    pub error_codes: String,
    /// The label that carries the service name.
    pub service_label: String,
    /// The Grafana that serves the dashboards, for links from alerts; `None` links relatively.
    pub grafana_url: Option<Url>,
    /// The Alertmanager receiver for alerts of teams that name no `oncall` receiver.
    pub default_receiver: String,
    /// The upper bounds of the duration histogram's buckets, increasing: a latency SLO's
    /// threshold is one of them.
    pub latency_buckets: Vec<Duration>,
    /// How rules reach Prometheus: rule files, or Prometheus Operator objects.
    pub rules: crate::RuleFormat,
    /// The uid of the Grafana data source of the services' logs, which teams may read only for
    /// their own namespaces.
    pub logs_datasource: Option<String>,
}

/// A team and its people.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Team {
    /// The team's name.
    pub name: String,
    /// What the team does.
    pub description: Option<String>,
    /// Members, in declaration order.
    pub members: Vec<Member>,
    /// The chat channel (`#payments`).
    pub chat: Option<String>,
    /// The Alertmanager receiver that pages the team.
    pub oncall: Option<String>,
    /// Where the receiver is written.
    #[serde(skip)]
    pub oncall_span: Option<Span>,
    /// The cost centre infrastructure is billed to.
    pub cost_center: Option<String>,
    /// The file that declares the team.
    pub file: FileId,
    /// The declaration's name.
    pub span: Span,
}

/// A team member.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Member {
    /// Their email address.
    pub email: Email,
    /// Their role.
    pub role: Role,
    /// Where their email is written.
    #[serde(skip)]
    pub span: Span,
}

/// A member's role in a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Leads the team; approves production changes.
    Lead,
    /// A member.
    Member,
}

/// The tier of an environment, which selects kind defaults and policy strictness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// Where developers try things.
    Development,
    /// A production-like rehearsal.
    Staging,
    /// Serves users.
    Production,
}

impl Tier {
    /// Every tier, in order.
    pub const ALL: [Tier; 3] = [Tier::Development, Tier::Staging, Tier::Production];

    /// The keyword in the language.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Development => "development",
            Tier::Staging => "staging",
            Tier::Production => "production",
        }
    }
}

/// An environment services are deployed to.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Environment {
    /// Its name.
    pub name: String,
    /// Its tier.
    pub tier: Tier,
    /// Kubernetes clusters it spans.
    pub clusters: Vec<String>,
    /// The cloud region.
    pub region: Option<String>,
    /// Whether changes need an approval, and by how many people.
    pub approval: Approval,
    /// Set for an ephemeral environment.
    pub ephemeral: Option<Ephemeral>,
    /// The file that declares it.
    pub file: FileId,
    /// The declaration's name.
    pub span: Span,
}

/// The approval rule of an environment.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Approval {
    /// Whether a change needs approval.
    pub required: bool,
    /// How many approvals it needs.
    pub approvers: u32,
}

/// What makes an environment ephemeral.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Ephemeral {
    /// The environment it copies.
    pub from: EnvId,
    /// Who is responsible for it.
    pub owner: Email,
    /// How long it lives after `created`.
    pub ttl: Duration,
    /// When it was created.
    pub created: Date,
    /// Where the owner is written.
    pub owner_span: Span,
    /// Where the TTL is written.
    pub ttl_span: Span,
    /// The services it carries, with the services they depend on, sorted; `None` carries every
    /// service of the base.
    pub services: Option<Vec<ServiceId>>,
}

impl Ephemeral {
    /// The first day on which the environment has expired.
    pub fn expires(&self) -> Date {
        self.created.plus(self.ttl)
    }
}

/// A system: services shown together in the catalog.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct System {
    /// Its name.
    pub name: String,
    /// The owning team.
    pub team: TeamId,
    /// What it is.
    pub description: Option<String>,
    /// The file that declares it.
    pub file: FileId,
}

/// A resource kind: a database, cache, queue… declared as data.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Kind {
    /// Its name.
    pub name: String,
    /// What it provides.
    pub description: Option<String>,
    /// Its fields, in declaration order.
    pub fields: Vec<KindField>,
    /// What an instance provides to the services that use it.
    pub outputs: Vec<KindOutput>,
    /// What services using an instance may do to it, in declaration order.
    pub access: Vec<crate::KindAccess>,
    /// The Terraform module templates of the kind (`main.tf`, `variables.tf`, …), sorted by name;
    /// empty when the kind has none.
    pub terraform: Vec<Template>,
    /// The file that declares it (`<stdlib>/…` for the standard library).
    pub file: FileId,
    /// The declaration's name.
    pub span: Span,
}

/// A template file of a kind, rendered by a backend.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Template {
    /// The file it renders, such as `main.tf`.
    pub name: String,
    /// The template text (handlebars).
    pub text: String,
    /// The template's own source file, for diagnostics.
    pub file: FileId,
}

/// A field of a resource kind.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct KindField {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: ValueType,
    /// What it means.
    pub doc: Option<String>,
    /// The default, if any; a field without a default must be set.
    pub default: Option<FieldValue>,
    /// Where the default is written.
    pub default_span: Option<Span>,
    /// Defaults per tier, overriding `default`.
    pub tier_defaults: Vec<TierDefault>,
}

/// A kind's default for one field in environments of one tier.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct TierDefault {
    /// The tier.
    pub tier: Tier,
    /// The value.
    pub value: FieldValue,
    /// Where it is written.
    pub span: Span,
}

/// An output of a resource kind.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct KindOutput {
    /// Its name (`host`).
    pub name: String,
    /// What it is.
    pub doc: Option<String>,
    /// Whether the output is a secret: then only a reference to where it is stored is passed on.
    pub secret: bool,
}

/// A service, as declared (per-environment values are in [`Deployment`]).
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Service {
    /// Its name.
    pub name: String,
    /// The owning team.
    pub team: TeamId,
    /// The system it belongs to, if any.
    pub system: Option<SystemId>,
    /// What it does.
    pub description: Option<String>,
    /// How critical it is; critical services need an SLO and a runbook.
    pub criticality: Criticality,
    /// Ports it listens on.
    pub ports: Vec<Port>,
    /// Its entry point from outside the cluster, if it has one.
    pub exposure: Option<crate::Exposure>,
    /// Services it calls, sorted by id.
    pub depends_on: Vec<ServiceId>,
    /// Its service level objectives.
    pub slos: Vec<Slo>,
    /// Where its runbook lives.
    pub runbook: Option<Url>,
    /// Where its criticality is declared.
    pub criticality_span: Option<Span>,
    /// Policies it is exempt from, for a while.
    pub waivers: Vec<Waiver>,
    /// The file that declares it.
    pub file: FileId,
    /// The declaration's name.
    pub span: Span,
}

/// How much users notice when a service fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Criticality {
    /// Users notice at once.
    Critical,
    /// The default.
    Standard,
    /// Back-office or best effort.
    Low,
}

/// A named port.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Port {
    /// The port's name (`http`).
    pub name: String,
    /// The number.
    pub number: u16,
    /// The application protocol.
    pub protocol: String,
}

/// A service level objective.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Slo {
    /// What it measures.
    pub indicator: Indicator,
    /// The target share of good events.
    pub objective: Percent,
    /// The rolling window the objective holds over.
    pub window: Duration,
    /// Where it is declared.
    pub span: Span,
}

/// What an SLO measures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Indicator {
    /// The share of requests that do not fail.
    Availability,
    /// The share of requests served within `threshold`.
    Latency {
        /// The latency a good request stays under.
        threshold: Duration,
    },
}

impl Indicator {
    /// The indicator's name.
    pub fn name(&self) -> &'static str {
        match self {
            Indicator::Availability => "availability",
            Indicator::Latency { .. } => "latency",
        }
    }
}

/// A service in one environment, with every overlay resolved.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Deployment {
    /// The service.
    pub service: ServiceId,
    /// The environment.
    pub environment: EnvId,
    /// The Kubernetes namespace (`<team>-<environment>`).
    pub namespace: String,
    /// The image, with the platform registry prefixed where the service gave none.
    pub image: Sourced<Image>,
    /// Replicas (the minimum when autoscaling).
    pub replicas: Sourced<u32>,
    /// CPU request.
    pub cpu: Sourced<Cpu>,
    /// Memory request.
    pub memory: Sourced<Memory>,
    /// CPU limit, if set.
    pub cpu_limit: Option<Sourced<Cpu>>,
    /// Memory limit (defaults to the request).
    pub memory_limit: Sourced<Memory>,
    /// Horizontal autoscaling, if enabled.
    pub autoscale: Option<Sourced<Autoscale>>,
    /// Plain environment variables, sorted by name.
    pub env: Vec<EnvVar>,
    /// Secrets, sorted by name.
    pub secrets: Vec<SecretBinding>,
    /// Resources, sorted by name.
    pub resources: Vec<ResourceInstance>,
    /// How new versions roll out.
    pub strategy: Sourced<Strategy>,
    /// How the platform knows an instance is ready for traffic.
    pub healthcheck: Option<Sourced<HealthCheck>>,
    /// How the platform knows an instance must be restarted: by default, with a health check,
    /// whether its process still accepts connections on the probed port.
    pub liveness: Option<Sourced<Liveness>>,
    /// Automatic rollback on errors.
    pub rollback: Option<Sourced<Rollback>>,
}

/// Autoscaling bounds.
#[derive(Clone, Debug, PartialEq, Serialize, Hash)]
pub struct Autoscale {
    /// The fewest replicas.
    pub min: u32,
    /// The most replicas.
    pub max: u32,
    /// The CPU utilisation the autoscaler aims for.
    pub cpu_target: Percent,
}

/// A plain environment variable.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct EnvVar {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: Sourced<String>,
}

/// A secret a service reads, by reference.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct SecretBinding {
    /// The environment variable it is exposed as.
    pub name: String,
    /// Where it is stored.
    pub reference: Sourced<SecretRef>,
    /// Teams other than the owner that may read it.
    pub readers: Vec<TeamId>,
}

/// A resource of a kind, with its fields resolved for one environment.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct ResourceInstance {
    /// Its name within the service (`db`).
    pub name: String,
    /// Its kind.
    pub kind: KindId,
    /// Every field of the kind, in the kind's order.
    pub fields: Vec<(String, Sourced<FieldValue>)>,
    /// Where the service declares it.
    pub span: Span,
}

/// A deploy strategy.
#[derive(Clone, Debug, PartialEq, Serialize, Hash)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Strategy {
    /// Shift traffic step by step.
    Canary {
        /// The steps, in order.
        steps: Vec<CanaryStep>,
    },
    /// Bring up a full preview next to the active version, then switch.
    BlueGreen {
        /// Switch without a manual promotion.
        auto_promote: bool,
        /// Replicas of the preview.
        preview_replicas: Option<u32>,
        /// How long the old version stays up after the switch.
        scale_down_delay: Duration,
    },
    /// Replace instances a few at a time.
    Rolling {
        /// Extra instances allowed during the update.
        max_surge: IntOrPercent,
        /// Instances allowed to be down during the update.
        max_unavailable: IntOrPercent,
    },
}

/// One canary step: send `weight` percent of traffic to the new version, then wait.
#[derive(Clone, Debug, PartialEq, Serialize, Hash)]
pub struct CanaryStep {
    /// Percent of traffic, 1 to 100.
    pub weight: u32,
    /// How long to hold; `None` holds until promoted by hand (except after the last step).
    pub pause: Option<Duration>,
    /// Where the step is declared.
    pub span: Option<Span>,
}

/// An HTTP health check.
#[derive(Clone, Debug, PartialEq, Serialize, Hash)]
pub struct HealthCheck {
    /// The path probed.
    pub path: String,
    /// The name of the port probed.
    pub port: String,
    /// Time between probes.
    pub interval: Duration,
    /// How long a probe may take.
    pub timeout: Duration,
    /// Failures in a row before an instance counts as unhealthy.
    pub threshold: u32,
    /// Time after start before the first probe.
    pub initial_delay: Duration,
}

/// Automatic rollback.
#[derive(Clone, Debug, PartialEq, Serialize, Hash)]
pub struct Rollback {
    /// Whether a failed analysis rolls back without a person.
    pub auto: bool,
    /// The error ratio above which the new version fails analysis.
    pub error_rate: Percent,
    /// How often the analysis measures.
    pub interval: Duration,
}

impl Platform {
    /// The team with this id.
    pub fn team(&self, id: TeamId) -> &Team {
        &self.teams[id.index()]
    }

    /// The environment with this id.
    pub fn environment(&self, id: EnvId) -> &Environment {
        &self.environments[id.index()]
    }

    /// The service with this id.
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }

    /// The kind with this id.
    pub fn kind(&self, id: KindId) -> &Kind {
        &self.kinds[id.index()]
    }

    /// The system with this id.
    pub fn system(&self, id: SystemId) -> &System {
        &self.systems[id.index()]
    }

    /// The display path of a file.
    pub fn file_path(&self, file: FileId) -> &str {
        self.files.get(file.0 as usize).map_or("?", String::as_str)
    }

    /// The deployments of one service, in environment order.
    pub fn deployments_of(&self, service: ServiceId) -> impl Iterator<Item = &Deployment> {
        let start = self.deployments.partition_point(|d| d.service < service);
        self.deployments[start..].iter().take_while(move |d| d.service == service)
    }
}
