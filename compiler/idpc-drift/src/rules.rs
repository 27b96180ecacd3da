//! Normalisation rules: differences that are not drift. Fields the servers manage, defaults they
//! fill in, replicas an autoscaler owns. Each rule has a name and a reason, and a report says
//! which rule suppressed which difference.

use crate::compare::Difference;
use crate::objects::ObjectKey;
use crate::path::Pattern;

/// When a rule applies to a difference at a matching path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Whatever the values.
    Always,
    /// Only when idpc does not set the field: the server filled in a default.
    LiveOnly,
    /// Only when an autoscaler owns the object's replicas.
    Autoscaled,
}

/// A rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Its name, shown when it suppresses a difference.
    pub name: String,
    /// The kinds of object it applies to: Kubernetes kinds, `*` for every Kubernetes object, or
    /// `HelmValues`, `Dashboard`, `RuleGroup`, `TerraformModule`, `OpaData`.
    pub kinds: Vec<String>,
    /// The fields.
    pub paths: Vec<Pattern>,
    /// When.
    pub when: When,
    /// Why the difference is not drift.
    pub reason: String,
}

/// What a rule needs to know about the object being compared.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context {
    /// An autoscaler targets the object.
    pub autoscaled: bool,
}

impl Rule {
    /// Whether the rule suppresses `difference` on `key`.
    pub fn suppresses(&self, key: &ObjectKey, difference: &Difference, context: Context) -> bool {
        let kind = match key {
            ObjectKey::Kubernetes { kind, .. } => kind.as_str(),
            ObjectKey::HelmValues { .. } => "HelmValues",
            ObjectKey::Dashboard { .. } => "Dashboard",
            ObjectKey::RuleGroup { .. } => "RuleGroup",
            ObjectKey::TerraformModule { .. } => "TerraformModule",
            ObjectKey::OpaData | ObjectKey::OpaRevision => "OpaData",
        };
        let kubernetes = matches!(key, ObjectKey::Kubernetes { .. });
        let kind_matches = self.kinds.iter().any(|k| k == kind || (k == "*" && kubernetes));
        let when = match self.when {
            When::Always => true,
            When::LiveOnly => difference.desired.is_none(),
            When::Autoscaled => context.autoscaled,
        };
        kind_matches && when && self.paths.iter().any(|p| difference.path.matched_by(p))
    }
}

/// The rules idpc ships (documented in the book, chapter "Drift").
pub fn shipped() -> Vec<Rule> {
    let rule = |name: &str, kinds: &[&str], paths: &[&str], when: When, reason: &str| Rule {
        name: name.to_owned(),
        kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
        paths: paths.iter().filter_map(|p| Pattern::parse(p).ok()).collect(),
        when,
        reason: reason.to_owned(),
    };
    vec![
        rule(
            "server-metadata",
            &["*"],
            &[
                "metadata.managedFields",
                "metadata.resourceVersion",
                "metadata.uid",
                "metadata.generation",
                "metadata.creationTimestamp",
                "metadata.selfLink",
                "metadata.finalizers",
                "metadata.ownerReferences",
            ],
            When::Always,
            "the API server manages these fields",
        ),
        rule(
            "last-applied-configuration",
            &["*"],
            &["metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"]"],
            When::Always,
            "kubectl records what it applied; it is a copy, not the object",
        ),
        rule(
            "status",
            &["*"],
            &["status"],
            When::Always,
            "status is observed state, written by controllers",
        ),
        rule(
            "controller-annotations",
            &["Rollout", "Service", "ReplicaSet"],
            &[
                "metadata.annotations[\"rollout.argoproj.io/revision\"]",
                "metadata.annotations[\"argo-rollouts.argoproj.io/managed-by-rollouts\"]",
                "spec.selector[\"rollouts-pod-template-hash\"]",
            ],
            When::LiveOnly,
            "Argo Rollouts records revisions and the pod-template hash it routes by",
        ),
        rule(
            "service-defaults",
            &["Service"],
            &[
                "spec.clusterIP",
                "spec.clusterIPs",
                "spec.ipFamilies",
                "spec.ipFamilyPolicy",
                "spec.internalTrafficPolicy",
                "spec.sessionAffinity",
            ],
            When::LiveOnly,
            "the API server allocates addresses and fills in these defaults",
        ),
        rule(
            "pod-defaults",
            &["Rollout", "Deployment"],
            &[
                "spec.template.metadata.creationTimestamp",
                "spec.template.spec.dnsPolicy",
                "spec.template.spec.restartPolicy",
                "spec.template.spec.schedulerName",
                "spec.template.spec.securityContext",
                "spec.template.spec.terminationGracePeriodSeconds",
                "spec.template.spec.containers.*.terminationMessagePath",
                "spec.template.spec.containers.*.terminationMessagePolicy",
                "spec.template.spec.containers.*.imagePullPolicy",
                "spec.template.spec.containers.*.readinessProbe.successThreshold",
                "spec.template.spec.containers.*.livenessProbe.successThreshold",
                "spec.template.spec.containers.*.readinessProbe.httpGet.scheme",
                "spec.template.spec.containers.*.livenessProbe.httpGet.scheme",
                "spec.progressDeadlineSeconds",
            ],
            When::LiveOnly,
            "the API server fills in pod defaults",
        ),
        rule(
            "namespace-defaults",
            &["Namespace"],
            &["spec.finalizers", "metadata.labels[\"kubernetes.io/metadata.name\"]"],
            When::LiveOnly,
            "the API server labels namespaces with their name and adds its finalizer",
        ),
        rule(
            "autoscaled-replicas",
            &["Rollout", "Deployment"],
            &["spec.replicas"],
            When::Autoscaled,
            "a HorizontalPodAutoscaler owns the replica count",
        ),
        rule(
            "autoscaler-defaults",
            &["HorizontalPodAutoscaler"],
            &["spec.behavior"],
            When::LiveOnly,
            "the API server fills in the default scaling behaviour",
        ),
        rule(
            "grafana-server-fields",
            &["Dashboard"],
            &["id", "version", "iteration"],
            When::Always,
            "Grafana numbers dashboards and counts their versions itself",
        ),
    ]
}
