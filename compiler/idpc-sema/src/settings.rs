//! Platform-wide settings that configure other phases: the preset policies, the drift
//! detector's ignore rules, and the metric conventions pasted into PromQL.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, did_you_mean, quote};
use idpc_ir::{DriftIgnore, FieldPattern, PolicyConfig, SecretProvider, Tier};

use crate::diagnostics::duplicate_member;
use crate::shape::Checked;

/// The platform's configuration of preset policies. Which presets exist is checked where the
/// policies run; here the values are.
pub(crate) fn policies(node: &Checked<'_>, diagnostics: &mut Vec<Diagnostic>) -> Vec<PolicyConfig> {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut out = Vec::new();
    for policy in node.children_named("policy") {
        let Some((name, span)) = policy.str_arg(0) else { continue };
        if let Some(first) = seen.insert(name, span) {
            diagnostics.push(duplicate_member("policy", name, span, first));
            continue;
        }
        let tiers = words(policy, "tiers", &Tier::ALL.map(|t| (t, t.as_str())), diagnostics);
        let providers = words(policy, "providers", SecretProvider::ALL, diagnostics);
        out.push(PolicyConfig {
            name: name.to_owned(),
            enabled: policy.prop("enabled").and_then(|t| t.value.as_bool()).unwrap_or(true),
            warning: policy.prop("severity").and_then(|t| t.value.as_str()) == Some("warning"),
            tiers,
            max_ttl: policy.prop("max-ttl").and_then(|t| t.value.as_duration()),
            providers,
            span,
        });
    }
    out
}

/// A property that lists choices separated by spaces (`tiers="staging production"`), each one of
/// `choices`; `None` when it is absent or holds a word that is not a choice (reported).
fn words<T: Copy>(
    node: &Checked<'_>,
    key: &str,
    choices: &[(T, &str)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<T>> {
    let typed = node.prop(key)?;
    let text = typed.value.as_str()?;
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
    node: &Checked<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<DriftIgnore> {
    let ignores = node.child("drift").into_iter().flat_map(|d| d.children_named("ignore"));
    ignores
        .filter_map(|ignore| {
            let (text, span) = ignore.str_arg(0)?;
            let path = FieldPattern::parse(text)
                .map_err(|reason| {
                    diagnostics.push(Diagnostic::new(
                        Code::MalformedValue,
                        "the path of `ignore` is not a field path pattern",
                        span,
                        reason,
                    ))
                })
                .ok()?;
            Some(DriftIgnore {
                path,
                kind: ignore.prop("kind").and_then(|t| t.value.as_str()).map(str::to_owned),
                reason: ignore
                    .prop("reason")
                    .and_then(|t| t.value.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                span,
            })
        })
        .collect()
}

/// The metric conventions the backends paste into PromQL: metric and label names must be names
/// there, and the error-code pattern must be a regular expression Prometheus compiles (RE2) with
/// no `{{`, which Argo Rollouts would read as an argument of the analysis. (Label values are
/// escaped, so any text is safe there.)
pub(crate) fn check_observability(node: &Checked<'_>, diagnostics: &mut Vec<Diagnostic>) {
    let setting = |name: &str| node.child(name).and_then(|c| c.str_arg(0));
    for name in ["requests-metric", "duration-metric"] {
        if let Some((text, span)) = setting(name)
            && !is_prometheus_name(text, true)
        {
            diagnostics.push(not_a_name(name, text, span, "metric", "[a-zA-Z_:][a-zA-Z0-9_:]*"));
        }
    }
    if let Some((text, span)) = setting("service-label")
        && !is_prometheus_name(text, false)
    {
        diagnostics.push(not_a_name(
            "service-label",
            text,
            span,
            "label",
            "[a-zA-Z_][a-zA-Z0-9_]*",
        ));
    }
    if let Some((text, span)) = setting("error-codes") {
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
    node: &Checked<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<idpc_ir::SecretStore> {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut stores = Vec::new();
    for store in node.children_named("secret-store") {
        let Some((name, span)) = store.str_arg(0) else { continue };
        let Some(provider) =
            SecretProvider::ALL.iter().find(|(_, prefix)| *prefix == name).map(|(p, _)| *p)
        else {
            continue;
        };
        if let Some(first) = seen.insert(name, span) {
            diagnostics.push(duplicate_member("secret-store", name, span, first));
            continue;
        }
        let needed = match provider {
            SecretProvider::Vault => "server",
            SecretProvider::AwsSm => "region",
            SecretProvider::GcpSm => "project",
            SecretProvider::AzureKv => "vault-url",
        };
        if !store.has_prop(needed) {
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
        let settings = ["server", "role", "region", "project", "vault-url"]
            .iter()
            .filter_map(|key| {
                Some(((*key).to_owned(), store.prop(key)?.value.as_str()?.to_owned()))
            })
            .collect();
        stores.push(idpc_ir::SecretStore { provider, settings });
    }
    stores
}

/// The platform's `ingress`: a Gateway API gateway (`namespace/name`) or the NGINX controller.
pub(crate) fn ingress(
    node: &Checked<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<idpc_ir::Ingress> {
    let ingress = node.child("ingress")?;
    let (router, span) = ingress.str_arg(0)?;
    let text = |key: &str| ingress.prop(key).and_then(|t| t.value.as_str()).map(str::to_owned);
    let (router, default_namespace) = match router {
        "gateway-api" => {
            let gateway = ingress.prop("gateway");
            let parsed = gateway.and_then(|t| t.value.as_str()).and_then(|g| {
                let (namespace, name) = g.split_once('/')?;
                (idpc_ir::validate_dns_label(namespace).is_ok()
                    && idpc_ir::validate_dns_label(name).is_ok())
                .then(|| (namespace.to_owned(), name.to_owned()))
            });
            let Some((namespace, name)) = parsed else {
                let at = gateway.map_or(span, |t| t.span);
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
            idpc_ir::Router::Nginx { class: text("class").unwrap_or_else(|| "nginx".to_owned()) },
            "ingress-nginx".to_owned(),
        ),
    };
    Some(idpc_ir::Ingress { router, namespace: text("namespace").unwrap_or(default_namespace) })
}

/// The declared bucket bounds, sorted, or the defaults.
pub(crate) fn latency_buckets(
    observability: Option<&Checked<'_>>,
    defaults: &[u64],
) -> Vec<idpc_ir::Duration> {
    let declared = observability.and_then(|o| o.child("latency-buckets"));
    let mut buckets: Vec<idpc_ir::Duration> = match declared {
        Some(node) => node.args_from(0).filter_map(|t| t.value.as_duration()).collect(),
        None => defaults.iter().map(|ms| idpc_ir::Duration::from_millis(*ms)).collect(),
    };
    buckets.sort_unstable();
    buckets.dedup();
    buckets
}

/// How pods get a cloud identity: `workload-identity "aws" account=…` or `"gcp" project=…`.
pub(crate) fn identity(
    node: &Checked<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<idpc_ir::WorkloadIdentity> {
    let identity = node.child("workload-identity")?;
    let (cloud, span) = identity.str_arg(0)?;
    let (cloud, key) = match cloud {
        "aws" => (idpc_ir::Cloud::Aws, "account"),
        _ => (idpc_ir::Cloud::Gcp, "project"),
    };
    let Some(account) = identity.prop(key).and_then(|t| t.value.as_str()) else {
        diagnostics.push(
            Diagnostic::new(
                Code::MissingValue,
                format!("workload identity on this cloud needs `{key}`"),
                span,
                format!("no `{key}=`"),
            )
            .with_help(match cloud {
                idpc_ir::Cloud::Aws => "add the AWS account id: `account=\"123456789012\"`",
                idpc_ir::Cloud::Gcp => "add the Google Cloud project id: `project=\"acme-prod\"`",
            }),
        );
        return None;
    };
    Some(idpc_ir::WorkloadIdentity { cloud, account: account.to_owned() })
}

/// `rules "files"` (the default) or `rules "prometheus-operator"` in `observability`.
pub(crate) fn rule_format(observability: Option<&Checked<'_>>) -> idpc_ir::RuleFormat {
    match observability.and_then(|o| o.child_str("rules")).as_deref() {
        Some("prometheus-operator") => idpc_ir::RuleFormat::PrometheusOperator,
        _ => idpc_ir::RuleFormat::Files,
    }
}

/// Where Argo CD finds the committed output tree: `gitops repo=… path=… revision=…`.
pub(crate) fn gitops(node: &Checked<'_>) -> Option<idpc_ir::GitOps> {
    let g = node.child("gitops")?;
    let text = |key: &str, default: &str| {
        g.prop(key).and_then(|t| t.value.as_str()).unwrap_or(default).to_owned()
    };
    Some(idpc_ir::GitOps {
        repo: g.prop("repo")?.value.as_str()?.to_owned(),
        path: text("path", "generated").trim_matches('/').to_owned(),
        revision: text("revision", "HEAD"),
        namespace: text("namespace", "argocd"),
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
