//! Secrets, materialised: the Kubernetes Secret each service's pods read is made by an External
//! Secrets `ExternalSecret` from the references in the description, so no value is ever written
//! anywhere idpc writes.
//!
//! - `secrets/<environment>/<service>.yaml`: the `ExternalSecret` `<service>-secrets` in the
//!   service's namespace, one entry per secret the service reads there, named as the variable the
//!   Rollout's `secretKeyRef` reads.
//! - `secrets/stores.yaml`: a `ClusterSecretStore` per secrets manager the platform declares with
//!   `secret-store` (per mount for Vault), usable only from the namespaces idpc manages.
//! - `secrets/vault/policies.tf`: for Vault, a `vault_policy` per team that may read exactly the
//!   paths of the secrets its services own or were granted, in any environment.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use idpc_ir::{Platform, SecretProvider, SecretRef, SecretStore};
use serde::Serialize;
use serde_json::{Value, json};

use crate::Artifact;
use crate::common::k8s::{Object, ObjectMeta};
use crate::common::{self, header_line, names};

/// The API version of External Secrets' objects.
const API_VERSION: &str = "external-secrets.io/v1";

/// An `ExternalSecret`'s spec.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalSecretSpec<'p> {
    refresh_interval: &'static str,
    secret_store_ref: StoreRef,
    target: Target<'p>,
    data: Vec<Entry<'p>>,
}

#[derive(Serialize)]
struct StoreRef {
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target<'p> {
    name: &'p str,
    creation_policy: &'static str,
    deletion_policy: &'static str,
}

/// One key of the Secret, and where the manager keeps its value.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'p> {
    secret_key: &'p str,
    remote_ref: RemoteRef<'p>,
}

#[derive(Serialize)]
struct RemoteRef<'p> {
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    property: Option<&'p str>,
}

pub(crate) fn emit(platform: &Platform) -> Vec<Artifact> {
    let mut artifacts = Vec::new();
    for deployment in platform.deployments.iter().filter(|d| !d.secrets.is_empty()) {
        let service = platform.service(deployment.service);
        let environment = platform.environment(deployment.environment);
        let labels = crate::common::k8s::deployment_labels(platform, deployment);
        // One store per object: the secrets of one service in one environment all come from
        // the managers they name; an ExternalSecret reads from one store, so a service that
        // mixes managers gets one object per store, all making the same Secret (merged).
        let mut by_store: BTreeMap<String, Vec<Entry<'_>>> = BTreeMap::new();
        for secret in &deployment.secrets {
            let reference = &secret.reference.value;
            let key = reference.key.as_deref();
            let (version, property) = match reference.provider {
                SecretProvider::GcpSm => (key, None),
                _ => (None, key),
            };
            let remote_ref = RemoteRef { key: remote_key(reference), version, property };
            let entry = Entry { secret_key: &secret.name, remote_ref };
            by_store.entry(store_name(reference)).or_default().push(entry);
        }
        let target = names::secrets_object(service);
        let several = by_store.len() > 1;
        let documents: Vec<Object<ExternalSecretSpec<'_>>> = by_store
            .into_iter()
            .enumerate()
            .map(|(index, (store, data))| Object {
                api_version: API_VERSION,
                kind: "ExternalSecret",
                metadata: ObjectMeta {
                    name: if several { format!("{target}-{store}") } else { target.clone() },
                    namespace: Some(deployment.namespace.clone()),
                    labels: labels.clone(),
                    annotations: BTreeMap::new(),
                },
                spec: ExternalSecretSpec {
                    refresh_interval: "1h",
                    secret_store_ref: StoreRef { kind: "ClusterSecretStore", name: store },
                    target: Target {
                        name: &target,
                        // The first object owns the Secret; the others add their keys to it.
                        creation_policy: if index == 0 { "Owner" } else { "Merge" },
                        deletion_policy: "Delete",
                    },
                    data,
                },
            })
            .collect();
        artifacts.push(common::yaml_documents(
            format!("secrets/{}/{}.yaml", environment.name, service.name),
            platform.file_path(service.file),
            &documents,
        ));
    }
    let used: BTreeSet<(SecretProvider, String)> = platform
        .deployments
        .iter()
        .flat_map(|d| d.secrets.iter())
        .map(|s| (s.reference.value.provider, store_name(&s.reference.value)))
        .collect();
    let stores: Vec<Value> = used
        .iter()
        .filter_map(|(provider, name)| {
            let declared = platform.secret_stores.iter().find(|s| s.provider == *provider)?;
            Some(cluster_store(name, declared))
        })
        .collect();
    if !stores.is_empty() {
        artifacts.push(common::yaml_documents(
            "secrets/stores.yaml".to_owned(),
            platform.file_path(platform.span.file),
            &stores,
        ));
    }
    if let Some(policies) = vault_policies(platform) {
        artifacts.push(policies);
    }
    artifacts
}

/// For Vault, the first part of the path is the mount: `payments/stripe` reads `stripe` in the
/// store of mount `payments`. For the other managers the path is the secret's name.
fn remote_key(reference: &SecretRef) -> String {
    match (reference.provider, reference.path.split_once('/')) {
        (SecretProvider::Vault, Some((_, rest))) => rest.to_owned(),
        (SecretProvider::AzureKv, Some((_, secret))) => secret.to_owned(),
        _ => reference.path.clone(),
    }
}

/// The `ClusterSecretStore` a reference is read through: `vault-<mount>`, or the provider's name.
pub(crate) fn store_name(reference: &SecretRef) -> String {
    match (reference.provider, reference.path.split_once('/')) {
        (SecretProvider::Vault, Some((mount, _))) => format!("vault-{}", dns_label(mount)),
        (provider, _) => provider.prefix().to_owned(),
    }
}

/// A mount name as a DNS label: lower case, other characters as `-`.
fn dns_label(text: &str) -> String {
    let label: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    label.trim_matches('-').chars().take(50).collect()
}

fn cluster_store(name: &str, store: &SecretStore) -> Value {
    let setting = |key: &str| store.settings.get(key).cloned().unwrap_or_default();
    // External Secrets authenticates as its own service account.
    let service_account = json!({ "name": "external-secrets", "namespace": "external-secrets" });
    let provider = match store.provider {
        SecretProvider::Vault => json!({ "vault": {
            "server": setting("server"),
            "path": name.strip_prefix("vault-").unwrap_or(name),
            "version": "v2",
            "auth": { "kubernetes": {
                "mountPath": "kubernetes",
                "role": setting("role"),
                "serviceAccountRef": service_account,
            }},
        }}),
        SecretProvider::AwsSm => json!({ "aws": {
            "service": "SecretsManager",
            "region": setting("region"),
            "auth": { "jwt": { "serviceAccountRef": service_account } },
        }}),
        SecretProvider::GcpSm => json!({ "gcpsm": {
            "projectID": setting("project"),
            "auth": { "workloadIdentity": {
                "serviceAccountRef": service_account,
            }},
        }}),
        SecretProvider::AzureKv => json!({ "azurekv": {
            "vaultUrl": setting("vault-url"),
            "authType": "WorkloadIdentity",
            "serviceAccountRef": service_account,
        }}),
    };
    json!({
        "apiVersion": API_VERSION,
        "kind": "ClusterSecretStore",
        "metadata": { "name": name, "labels": { "app.kubernetes.io/managed-by": "idpc" } },
        "spec": {
            "provider": provider,
            // Only the namespaces idpc manages may read through it.
            "conditions": [{ "namespaceSelector": {
                "matchLabels": { "app.kubernetes.io/managed-by": "idpc" },
            }}],
        },
    })
}

/// A `vault_policy` per team over the Vault paths its services own or were granted.
fn vault_policies(platform: &Platform) -> Option<Artifact> {
    let mut paths: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for deployment in &platform.deployments {
        let owner = platform.service(deployment.service).team;
        for secret in &deployment.secrets {
            let reference = &secret.reference.value;
            if reference.provider != SecretProvider::Vault {
                continue;
            }
            let Some((mount, rest)) = reference.path.split_once('/') else { continue };
            let path = format!("{mount}/data/{rest}");
            for team in std::iter::once(owner).chain(secret.readers.iter().copied()) {
                paths.entry(&platform.team(team).name).or_default().insert(path.clone());
            }
        }
    }
    if paths.is_empty() {
        return None;
    }
    let mut out = format!("# {}\n", header_line(platform.file_path(platform.span.file)));
    out.push_str(
        "\n# What each team's services may read in Vault: the secrets they own or were granted.\n",
    );
    out.push_str(
        "\nterraform {\n  required_providers {\n    vault = {\n      source  = \"hashicorp/vault\"\n      version = \">= 4.0\"\n    }\n  }\n}\n",
    );
    for (team, paths) in &paths {
        let _ = write!(
            out,
            "\nresource \"vault_policy\" \"{}\" {{\n  name   = \"{team}\"\n  policy = <<-EOT\n",
            names::snake(team)
        );
        for path in paths {
            let _ =
                write!(out, "    path \"{path}\" {{\n      capabilities = [\"read\"]\n    }}\n");
        }
        out.push_str("  EOT\n}\n");
    }
    Some(Artifact { path: "secrets/vault/policies.tf".to_owned(), contents: out })
}
