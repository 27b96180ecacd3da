//! Settings of the platform and of deployments that only some families read: where Argo CD
//! finds the output tree, and the liveness probe.

use serde::Serialize;

use crate::Duration;

/// How traffic from outside reaches the services that are exposed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
pub struct Ingress {
    /// The router.
    pub router: Router,
    /// The namespace the router runs in.
    pub namespace: String,
}

/// The router of the platform's ingress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Router {
    /// A Gateway API `Gateway`: routes are HTTPRoutes attached to it.
    GatewayApi {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
    /// The NGINX ingress controller: routes are Ingresses of its class.
    Nginx {
        /// The ingress class.
        class: String,
    },
}

/// A service's entry point from outside the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
pub struct Exposure {
    /// The host name in the production tier; other environments get `<environment>.<host>`.
    pub host: String,
    /// The path prefix.
    pub path: String,
    /// The port routed to, by name.
    pub port: String,
    /// Whether it is served over HTTPS.
    pub tls: bool,
    /// Where it is declared.
    #[serde(skip)]
    pub span: idpc_diagnostics::Span,
}

/// How the cluster reaches one secrets manager, as the platform declares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
pub struct SecretStore {
    /// The secrets manager.
    pub provider: crate::SecretProvider,
    /// Its settings by name (`server`, `role`, `region`, `project`, `vault-url`).
    pub settings: std::collections::BTreeMap<String, String>,
}

/// Where the committed output tree is, for Argo CD.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
pub struct GitOps {
    /// The repository, as Argo CD names it.
    pub repo: String,
    /// The output tree's directory in it, without a trailing `/`.
    pub path: String,
    /// The revision to follow.
    pub revision: String,
    /// The namespace Argo CD runs in.
    pub namespace: String,
}

/// The probe that restarts an instance when it fails. Separate from the readiness health check:
/// a readiness endpoint that checks dependencies would restart every instance while a
/// dependency is down.
#[derive(Clone, Debug, PartialEq, Serialize, Hash)]
pub struct Liveness {
    /// The path probed over HTTP; `None` probes that the port accepts a TCP connection.
    pub path: Option<String>,
    /// The name of the port probed.
    pub port: String,
    /// Time between probes.
    pub interval: Duration,
    /// How long a probe may take.
    pub timeout: Duration,
    /// Failures in a row before the instance is restarted.
    pub threshold: u32,
    /// Time after start before the first probe.
    pub initial_delay: Duration,
}

/// How pods get a cloud identity: each service's Kubernetes service account is tied to a cloud
/// identity of its own per environment, which the Terraform family creates and grants access to
/// the service's resources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
pub struct WorkloadIdentity {
    /// The cloud.
    pub cloud: Cloud,
    /// The AWS account id, or the Google Cloud project id, the identities live in.
    pub account: String,
}

/// A cloud whose workload identity the platform uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// AWS: IAM roles for service accounts (IRSA) on EKS.
    Aws,
    /// Google Cloud: Workload Identity on GKE.
    Gcp,
}

/// How recording and alerting rules reach Prometheus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum RuleFormat {
    /// Rule files that Prometheus loads, with `promtool test rules` tests beside them.
    #[default]
    Files,
    /// Prometheus Operator `PrometheusRule` objects in each service's namespace.
    PrometheusOperator,
}

/// What a service that uses an instance of a kind may do to it: cloud IAM actions on the value
/// of one of the kind's outputs (an ARN), with a suffix (`/*` for a bucket's objects).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
pub struct KindAccess {
    /// The IAM actions (`s3:GetObject`).
    pub actions: Vec<String>,
    /// The output whose value the actions apply to.
    pub output: String,
    /// Appended to the output's value (`/*`), or empty.
    pub suffix: String,
}

impl crate::Environment {
    /// Whether a service is deployed here: every service, except in an ephemeral environment
    /// that names the services it carries.
    pub fn carries(&self, service: crate::ServiceId) -> bool {
        match self.ephemeral.as_ref().and_then(|e| e.services.as_ref()) {
            Some(services) => services.binary_search(&service).is_ok(),
            None => true,
        }
    }
}
