//! Platform-wide settings that configure other phases: the preset policies, the drift
//! detector's ignore rules, and the metric conventions pasted into PromQL.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, did_you_mean, quote};
use idpc_ir::{DriftIgnore, FieldPattern, PolicyConfig, SecretProvider, Tier};

use crate::diagnostics::duplicate_member;
use crate::schema::platform::{
    DURATION_METRIC, Drift, GitopsNode, IngressNode, LatencyBuckets, ObservabilityNode, PolicyNode,
    REQUESTS_METRIC, SERVICE_LABEL, SecretStoreNode, WorkloadIdentityNode,
};
use crate::typed::{Field, OrDefault, TypedNode};

/// The platform's configuration of preset policies. Which presets exist is checked where the
/// policies run; here the values are.
pub(crate) fn policies(
    declared: &[PolicyNode],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<PolicyConfig> {
    let defaults = PolicyNode::defaults();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut out = Vec::new();
    for policy in declared {
        let Some(Field { value: name, span }) = &policy.preset else { continue };
        if let Some(first) = seen.insert(name, *span) {
            diagnostics.push(duplicate_member("policy", name, *span, first));
            continue;
        }
        let tiers = words(
            policy.tiers.as_ref(),
            PolicyNode::tiers.name,
            &Tier::ALL.map(|t| (t, t.as_str())),
            diagnostics,
        );
        let providers = words(
            policy.providers.as_ref(),
            PolicyNode::providers.name,
            SecretProvider::ALL,
            diagnostics,
        );
        out.push(PolicyConfig {
            name: name.clone(),
            enabled: policy.enabled.or_default(&defaults.enabled).unwrap_or(true),
            warning: policy.severity.or_default(&defaults.severity).as_deref() == Some("warning"),
            tiers,
            max_ttl: policy.max_ttl.as_ref().map(|f| f.value),
            providers,
            span: *span,
        });
    }
    out
}

/// A property that lists choices separated by spaces (`tiers="staging production"`), each one of
/// `choices`; `None` when it is absent or holds a word that is not a choice (reported).
fn words<T: Copy>(
    typed: Option<&Field<String>>,
    key: &str,
    choices: &[(T, &str)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<T>> {
    let typed = typed?;
    let text = typed.value.as_str();
    let names = || choices.iter().map(|(_, name)| *name);
    let mut found = Vec::new();
    for word in text.split_whitespace() {
        match choices.iter().find(|(_, name)| *name == word) {
            Some((choice, _)) => found.push(*choice),
            None => {
                let expected: Vec<&str> = names().collect();
                diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownEnumValue,
                        format!(
                            "`{key}` cannot hold `{word}`",
                            key = quote(key),
                            word = quote(word)
                        ),
                        typed.span,
                        format!("expected {}", expected.join(", ")),
                    )
                    .with_help_opt(did_you_mean(word, names())),
                );
                return None;
            }
        }
    }
    Some(found)
}

/// The drift detector's ignore rules: `drift { ignore "PATH" kind=… reason=… }`.
pub(crate) fn drift_ignores(
    drift: Option<&Drift>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<DriftIgnore> {
    let ignores = drift.into_iter().flat_map(|d| &d.ignores);
    ignores
        .filter_map(|ignore| {
            let Field { value: text, span } = ignore.path.as_ref()?;
            let path = FieldPattern::parse(text)
                .map_err(|reason| {
                    diagnostics.push(Diagnostic::new(
                        Code::MalformedValue,
                        "the path of `ignore` is not a field path pattern",
                        *span,
                        reason,
                    ))
                })
                .ok()?;
            Some(DriftIgnore {
                path,
                kind: ignore.kind.as_ref().map(|f| f.value.clone()),
                reason: ignore.reason.as_ref().map(|f| f.value.clone()).unwrap_or_default(),
                span: *span,
            })
        })
        .collect()
}

/// The metric conventions the backends paste into PromQL: metric and label names must be names
/// there, and the error-code pattern must be a regular expression Prometheus compiles (RE2) with
/// no `{{`, which Argo Rollouts would read as an argument of the analysis. (Label values are
/// escaped, so any text is safe there.)
pub(crate) fn check_observability(node: &ObservabilityNode, diagnostics: &mut Vec<Diagnostic>) {
    let metrics = [
        (REQUESTS_METRIC.name, node.requests_metric.as_ref().and_then(|n| n.metric.as_ref())),
        (DURATION_METRIC.name, node.duration_metric.as_ref().and_then(|n| n.metric.as_ref())),
    ];
    for (name, value) in metrics {
        if let Some(Field { value: text, span }) = value
            && !is_prometheus_name(text, true)
        {
            diagnostics.push(not_a_name(name, text, *span, "metric", "[a-zA-Z_:][a-zA-Z0-9_:]*"));
        }
    }
    if let Some(Field { value: text, span }) =
        node.service_label.as_ref().and_then(|n| n.label.as_ref())
        && !is_prometheus_name(text, false)
    {
        diagnostics.push(not_a_name(
            SERVICE_LABEL.name,
            text,
            *span,
            "label",
            "[a-zA-Z_][a-zA-Z0-9_]*",
        ));
    }
    if let Some(Field { value: text, span }) =
        node.error_codes.as_ref().and_then(|n| n.regex.as_ref())
    {
        let span = *span;
        let problem = if text.contains("{{") {
            Some("`{{` would start an argument of the rollout analysis".to_owned())
        } else {
            regex_syntax::Parser::new().parse(text).err().map(|e| match e {
                regex_syntax::Error::Parse(e) => e.kind().to_string(),
                regex_syntax::Error::Translate(e) => e.kind().to_string(),
                _ => "not a regular expression".to_owned(),
            })
        };
        if let Some(problem) = problem {
            diagnostics.push(
                Diagnostic::new(
                    Code::MalformedValue,
                    "`error-codes` is not a regular expression Prometheus accepts",
                    span,
                    problem,
                )
                .with_help(
                    "write the pattern of the `code` values that count as errors, such as \"5..\"",
                ),
            );
        }
    }
}

/// Whether `text` is a Prometheus metric name (`colons`) or label name.
fn is_prometheus_name(text: &str, colons: bool) -> bool {
    let allowed = |c: char| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':');
    text.starts_with(allowed) && text.chars().all(|c| allowed(c) || c.is_ascii_digit())
}

fn not_a_name(setting: &str, text: &str, span: Span, what: &str, pattern: &str) -> Diagnostic {
    let fixed: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || (what == "metric" && c == ':') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let help = if fixed != text && is_prometheus_name(&fixed, what == "metric") {
        format!(
            "a Prometheus {what} name matches `{pattern}`: try `{fixed}`",
            pattern = quote(pattern),
            fixed = quote(&fixed)
        )
    } else {
        format!("a Prometheus {what} name matches `{pattern}`", pattern = quote(pattern))
    };
    Diagnostic::new(
        Code::MalformedValue,
        format!("`{setting}` is not a Prometheus {what} name", setting = quote(setting)),
        span,
        format!("not a {what} name"),
    )
    .with_help(help)
}

/// The secrets managers the platform declares with `secret-store`, each once, with the settings
/// its provider needs.
pub(crate) fn secret_stores(
    declared: &[SecretStoreNode],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<idpc_ir::SecretStore> {
    let role_default = &SecretStoreNode::defaults().role;
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut stores = Vec::new();
    for store in declared {
        let Some(Field { value: name, span }) = &store.provider else { continue };
        let (name, span) = (name.as_str(), *span);
        let Some(provider) =
            SecretProvider::ALL.iter().find(|(_, prefix)| *prefix == name).map(|(p, _)| *p)
        else {
            continue;
        };
        if let Some(first) = seen.insert(name, span) {
            diagnostics.push(duplicate_member("secret-store", name, span, first));
            continue;
        }
        let (needed, given) = match provider {
            SecretProvider::Vault => (SecretStoreNode::server.name, &store.server),
            SecretProvider::AwsSm => (SecretStoreNode::region.name, &store.region),
            SecretProvider::GcpSm => (SecretStoreNode::project.name, &store.project),
            SecretProvider::AzureKv => (SecretStoreNode::vault_url.name, &store.vault_url),
        };
        if given.is_none() {
            diagnostics.push(
                Diagnostic::new(
                    Code::MissingValue,
                    format!("secret store `{name}` needs `{needed}`"),
                    span,
                    format!("no `{needed}=`"),
                )
                .with_help(format!(
                    "add `{needed}=\"…\"`: External Secrets cannot reach the store without it"
                )),
            );
            continue;
        }
        // Vault logs in with a role: the written one, else the schema's default.
        let role = match provider {
            SecretProvider::Vault => store.role.clone().or_else(|| role_default.clone()),
            _ => None,
        };
        let settings = [
            (SecretStoreNode::server.name, &store.server),
            (SecretStoreNode::role.name, &role),
            (SecretStoreNode::region.name, &store.region),
            (SecretStoreNode::project.name, &store.project),
            (SecretStoreNode::vault_url.name, &store.vault_url),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_owned(), value.as_ref()?.value.clone())))
        .collect();
        stores.push(idpc_ir::SecretStore { provider, settings });
    }
    stores
}

/// The platform's `ingress`: a Gateway API gateway (`namespace/name`) or the NGINX controller.
pub(crate) fn ingress(
    ingress: Option<&IngressNode>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<idpc_ir::Ingress> {
    let ingress = ingress?;
    let defaults = IngressNode::defaults();
    let Field { value: router, span } = ingress.router.as_ref()?;
    let (router, default_namespace) = match router.as_str() {
        "gateway-api" => {
            let gateway = ingress.gateway.as_ref();
            let parsed = gateway.and_then(|g| {
                let (namespace, name) = g.value.split_once('/')?;
                (idpc_ir::validate_dns_label(namespace).is_ok()
                    && idpc_ir::validate_dns_label(name).is_ok())
                .then(|| (namespace.to_owned(), name.to_owned()))
            });
            let Some((namespace, name)) = parsed else {
                let at = gateway.map_or(*span, |t| t.span);
                diagnostics.push(
                    Diagnostic::new(
                        Code::MissingValue,
                        "a Gateway API ingress names its gateway as `namespace/name`",
                        at,
                        "no gateway",
                    )
                    .with_help("add `gateway=\"ingress/public\"`"),
                );
                return None;
            };
            (idpc_ir::Router::GatewayApi { namespace: namespace.clone(), name }, namespace)
        }
        _ => (
            idpc_ir::Router::Nginx {
                class: ingress.class.or_default(&defaults.class).unwrap_or_default(),
            },
            "ingress-nginx".to_owned(),
        ),
    };
    let namespace = ingress.namespace.as_ref().map_or(default_namespace, |n| n.value.clone());
    Some(idpc_ir::Ingress { router, namespace })
}

/// The declared bucket bounds, sorted, or the defaults.
pub(crate) fn latency_buckets(declared: Option<&LatencyBuckets>) -> Vec<idpc_ir::Duration> {
    let node = declared.unwrap_or_else(|| LatencyBuckets::defaults());
    let mut buckets: Vec<idpc_ir::Duration> = node.bounds.iter().map(|f| f.value).collect();
    buckets.sort_unstable();
    buckets.dedup();
    buckets
}

/// How pods get a cloud identity: `workload-identity "aws" account=…` or `"gcp" project=…`.
pub(crate) fn identity(
    identity: Option<&WorkloadIdentityNode>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<idpc_ir::WorkloadIdentity> {
    let identity = identity?;
    let Field { value: cloud, span } = identity.cloud.as_ref()?;
    let (cloud, key, account) = match cloud.as_str() {
        "aws" => (idpc_ir::Cloud::Aws, WorkloadIdentityNode::account.name, &identity.account),
        _ => (idpc_ir::Cloud::Gcp, WorkloadIdentityNode::project.name, &identity.project),
    };
    let Some(account) = account else {
        diagnostics.push(
            Diagnostic::new(
                Code::MissingValue,
                format!("workload identity on this cloud needs `{key}`"),
                *span,
                format!("no `{key}=`"),
            )
            .with_help(match cloud {
                idpc_ir::Cloud::Aws => "add the AWS account id: `account=\"123456789012\"`",
                idpc_ir::Cloud::Gcp => "add the Google Cloud project id: `project=\"acme-prod\"`",
            }),
        );
        return None;
    };
    Some(idpc_ir::WorkloadIdentity { cloud, account: account.value.clone() })
}

/// `rules "files"` (the default) or `rules "prometheus-operator"` in `observability`.
pub(crate) fn rule_format(format: Option<&str>) -> idpc_ir::RuleFormat {
    match format {
        Some("prometheus-operator") => idpc_ir::RuleFormat::PrometheusOperator,
        _ => idpc_ir::RuleFormat::Files,
    }
}

/// Where Argo CD finds the committed output tree: `gitops repo=… path=… revision=…`.
pub(crate) fn gitops(gitops: Option<&GitopsNode>) -> Option<idpc_ir::GitOps> {
    let g = gitops?;
    let defaults = GitopsNode::defaults();
    Some(idpc_ir::GitOps {
        repo: g.repo.as_ref()?.value.clone(),
        path: g.path.or_default(&defaults.path)?.trim_matches('/').to_owned(),
        revision: g.revision.or_default(&defaults.revision)?,
        namespace: g.namespace.or_default(&defaults.namespace)?,
    })
}

/// An exposed service on a platform that routes no traffic in is an error at its `expose`.
pub(crate) fn check_exposures(
    ingress: Option<&idpc_ir::Ingress>,
    services: &[idpc_ir::Service],
    diagnostics: &mut Vec<Diagnostic>,
) {
    if ingress.is_some() {
        return;
    }
    for (service, exposure) in services.iter().filter_map(|s| Some((s, s.exposure.as_ref()?))) {
        diagnostics.push(
            Diagnostic::new(
                Code::MissingValue,
                format!(
                    "`{}` is exposed, but the platform declares no `ingress`",
                    idpc_diagnostics::quote(&service.name)
                ),
                exposure.span,
                "no router to reach it through",
            )
            .with_help(
                "declare `ingress \"gateway-api\" gateway=\"NAMESPACE/NAME\"` or `ingress \"nginx\"` in the platform",
            ),
        );
    }
}
