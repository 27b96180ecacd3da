//! What a root module adds around its resources so that services can use them: the connection
//! Secret of each resource instance in its service's namespace, and, with `workload-identity`,
//! the cloud identity of each service with the access its resources' kinds grant. Both are in
//! the file of the service's team.

use std::fmt::Write as _;

use idpc_ir::{Cloud, Deployment, Environment, Platform, WorkloadIdentity};

use super::context::{escape, key, quote};
use crate::common::k8s;
use crate::names;

/// One resource instance of a service in the environment, with its deployment.
pub(super) struct Use<'a> {
    pub(super) deployment: &'a Deployment,
    pub(super) resource: &'a idpc_ir::ResourceInstance,
}

/// Whether any of `uses` has a connection Secret (see [`connections`]): the root module then
/// configures the `kubernetes` provider.
pub(super) fn any_connection(platform: &Platform, uses: &[Use<'_>]) -> bool {
    uses.iter().any(|u| names::has_connection_secret(platform, u.resource))
}

/// The connection Secrets: a `kubernetes_secret_v1` per resource instance whose kind has outputs, in
/// every cluster of the environment, holding every output under the key the pods read it by;
/// `None` when there is none.
pub(super) fn connections(
    platform: &Platform,
    environment: &Environment,
    uses: &[Use<'_>],
) -> Option<String> {
    let mut out = String::from(
        "# The outputs of each resource, in a Secret in its service's namespace that the service's\n# pods read with `envFrom`. A secret output is only where the secret is kept (`…_REF`):\n# the service reads it there with its own identity.\n",
    );
    let mut any = false;
    // One copy per cluster, through the provider of that cluster's kubeconfig context.
    let clusters: Vec<Option<&str>> = if environment.clusters.is_empty() {
        vec![None]
    } else {
        environment.clusters.iter().map(|c| Some(c.as_str())).collect()
    };
    for Use { deployment, resource } in uses {
        if !names::has_connection_secret(platform, resource) {
            continue;
        }
        any = true;
        let service = platform.service(deployment.service);
        let module = names::terraform_module(service, resource);
        for cluster in &clusters {
            let (block, provider) = match cluster {
                Some(cluster) if clusters.len() > 1 => (
                    format!("{module}_{}", names::snake(cluster)),
                    format!("provider = kubernetes.{}\n\n", names::snake(cluster)),
                ),
                Some(cluster) => {
                    (module.clone(), format!("provider = kubernetes.{}\n\n", names::snake(cluster)))
                }
                None => (module.clone(), String::new()),
            };
            let _ = write!(
                out,
                "\nresource \"kubernetes_secret_v1\" \"{block}\" {{\n{provider}metadata {{\nname = {}\nnamespace = {}\nlabels = {{\n",
                quote(&names::connection_secret(service, resource)),
                quote(&deployment.namespace),
            );
            for (k, v) in k8s::deployment_labels(platform, deployment) {
                let _ = writeln!(out, "{} = {}", quote(&k), quote(&v));
            }
            out.push_str("}\n}\n\ndata = {\n");
            for output in &platform.kind(resource.kind).outputs {
                let _ = writeln!(
                    out,
                    "{} = module.{module}.{}",
                    key(&names::connection_key(resource, output)),
                    names::snake(&output.name)
                );
            }
            out.push_str("}\n}\n");
        }
    }
    any.then_some(out)
}

/// The `kubernetes` providers of the connection Secrets: one per cluster of the environment,
/// using the kubeconfig context named after it, or the current context when it names none.
pub(super) fn kubernetes_providers(environment: &Environment) -> String {
    if environment.clusters.is_empty() {
        return "\n# The cluster the connection Secrets are written to: the current context of the\n# kubeconfig that KUBE_CONFIG_PATH names.\nprovider \"kubernetes\" {}\n".to_owned();
    }
    let mut out = String::from(
        "\n# The clusters the connection Secrets are written to: the kubeconfig contexts named after\n# them in the kubeconfig that KUBE_CONFIG_PATH names.\n",
    );
    for (index, cluster) in environment.clusters.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let _ = write!(
            out,
            "provider \"kubernetes\" {{\n  alias          = \"{}\"\n  config_context = {}\n}}\n",
            names::snake(cluster),
            quote(cluster)
        );
    }
    out
}

/// What the identities of an environment's services share, for its `main.tf`: with AWS, the
/// cluster's OIDC issuer their roles trust.
pub(super) fn identity_shared(identity: &WorkloadIdentity) -> String {
    match identity.cloud {
        Cloud::Aws => "\nlocals {\n  # The cluster's OIDC issuer without `https://`: what follows `oidc-provider/` in the ARN.\n  oidc_issuer = element(split(\"oidc-provider/\", var.oidc_provider_arn), 1)\n}\n".to_owned(),
        Cloud::Gcp => String::new(),
    }
}

/// The identity of each of `deployments`' services: its cloud identity, which only its service
/// account may take on, allowed what the kinds of its resources (in `uses`) grant.
pub(super) fn identity(
    platform: &Platform,
    identity: &WorkloadIdentity,
    environment: &Environment,
    deployments: &[&Deployment],
    uses: &[Use<'_>],
) -> String {
    match identity.cloud {
        Cloud::Aws => aws(platform, identity, environment, deployments, uses),
        Cloud::Gcp => gcp(platform, identity, environment, deployments),
    }
}

fn aws(
    platform: &Platform,
    identity: &WorkloadIdentity,
    environment: &Environment,
    deployments: &[&Deployment],
    uses: &[Use<'_>],
) -> String {
    let mut out = format!(
        "# The IAM role of each service in `{}` (account {}): its service account takes it on\n# through the cluster's OIDC provider (IRSA), and it may do what its resources' kinds grant.\n",
        environment.name, identity.account
    );
    for deployment in deployments {
        let service = platform.service(deployment.service);
        let block = names::snake(&service.name);
        let subject = format!(
            "system:serviceaccount:{}:{}",
            deployment.namespace,
            names::service_account(service)
        );
        let _ = write!(
            out,
            "\nresource \"aws_iam_role\" \"{block}\" {{\nname = {}\ndescription = {}\n\nassume_role_policy = jsonencode({{\nVersion = \"2012-10-17\"\nStatement = [\n{{\nEffect = \"Allow\"\nAction = \"sts:AssumeRoleWithWebIdentity\"\nPrincipal = {{ Federated = var.oidc_provider_arn }}\nCondition = {{\nStringEquals = {{\n\"${{local.oidc_issuer}}:sub\" = {}\n\"${{local.oidc_issuer}}:aud\" = \"sts.amazonaws.com\"\n}}\n}}\n}},\n]\n}})\n}}\n",
            quote(&names::workload_identity(Cloud::Aws, &environment.name, service)),
            quote(&format!("The identity of {} in {}.", service.name, environment.name)),
            quote(&subject),
        );
        let mut statements = String::new();
        for Use { resource, .. } in
            uses.iter().filter(|u| u.deployment.service == deployment.service)
        {
            let kind = platform.kind(resource.kind);
            let module = names::terraform_module(service, resource);
            for grant in &kind.access {
                let actions: Vec<String> = grant.actions.iter().map(|a| quote(a)).collect();
                let target = format!("module.{module}.{}", names::snake(&grant.output));
                let target = if grant.suffix.is_empty() {
                    target
                } else {
                    format!("\"${{{target}}}{}\"", escape(&grant.suffix))
                };
                let _ = write!(
                    statements,
                    "{{\nEffect = \"Allow\"\nAction = [{}]\nResource = {target}\n}},\n",
                    actions.join(", ")
                );
            }
        }
        if !statements.is_empty() {
            let _ = write!(
                out,
                "\nresource \"aws_iam_role_policy\" \"{block}\" {{\nname = \"resources\"\nrole = aws_iam_role.{block}.id\n\npolicy = jsonencode({{\nVersion = \"2012-10-17\"\nStatement = [\n{statements}]\n}})\n}}\n"
            );
        }
    }
    out
}

fn gcp(
    platform: &Platform,
    identity: &WorkloadIdentity,
    environment: &Environment,
    deployments: &[&Deployment],
) -> String {
    let project = &identity.account;
    let mut out = format!(
        "# The Google service account of each service in `{}` (project {project}): its Kubernetes\n# service account may impersonate it through GKE Workload Identity.\n",
        environment.name
    );
    for deployment in deployments {
        let service = platform.service(deployment.service);
        let block = names::snake(&service.name);
        let member = format!(
            "serviceAccount:{project}.svc.id.goog[{}/{}]",
            deployment.namespace,
            names::service_account(service)
        );
        let _ = write!(
            out,
            "\nresource \"google_service_account\" \"{block}\" {{\nproject = {}\naccount_id = {}\ndisplay_name = {}\n}}\n\nresource \"google_service_account_iam_member\" \"{block}\" {{\nservice_account_id = google_service_account.{block}.name\nrole = \"roles/iam.workloadIdentityUser\"\nmember = {}\n}}\n",
            quote(project),
            quote(&names::workload_identity(Cloud::Gcp, &environment.name, service)),
            quote(&format!("{} in {}", service.name, environment.name)),
            quote(&member),
        );
    }
    out
}
