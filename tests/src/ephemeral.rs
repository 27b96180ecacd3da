//! Selective ephemeral environments: an ephemeral environment that names its services deploys
//! those and the services they depend on, and nothing else, in every family.

use std::collections::BTreeSet;

use idpc_driver::{Artifact, Family};

use crate::support::{compile_texts, team_files};

const PLATFORM: &str = r#"platform "shop" {
    registry "ghcr.io/shop"
    workload-identity "aws" account="210987654321"
    gitops repo="https://git.shop.dev/estate.git"
    observability {
        rules "prometheus-operator"
    }
}
team "web" {
    member "ada@shop.dev" role="lead"
}
environment "staging" tier="staging"
environment "try-cart" from="staging" owner="ada@shop.dev" ttl="3d" created="2026-11-16" {
    services "cart" "site"
}
service "site" team="web" {
    image "site:1.0.0"
    port "http" 8080
    limits memory="256Mi"
    deploy {
        healthcheck path="/healthz"
    }
    resource "media" kind="bucket"
    slo "availability" objective="99.5%"
}
service "cart" team="web" {
    image "cart:1.0.0"
    port "http" 8080
    limits memory="256Mi"
    deploy {
        healthcheck path="/healthz"
    }
    depends-on "pricing"
    resource "db" kind="postgres"
    slo "availability" objective="99.5%"
}
service "pricing" team="web" {
    image "pricing:1.0.0"
    port "http" 8080
    limits memory="256Mi"
    deploy {
        healthcheck path="/healthz"
    }
    resource "cache" kind="redis"
}
service "search" team="web" {
    image "search:1.0.0"
    port "http" 8080
    limits memory="256Mi"
    deploy {
        healthcheck path="/healthz"
    }
    resource "index" kind="bucket"
    slo "availability" objective="99.5%"
}
service "mailer" team="web" {
    image "mailer:1.0.0"
    port "http" 8080
    limits memory="256Mi"
    deploy {
        healthcheck path="/healthz"
    }
    resource "outbox" kind="queue"
}
"#;

fn build(text: &str) -> Vec<Artifact> {
    let compilation = compile_texts(&[("shop.kdl", text)]);
    let platform =
        compilation.platform.as_ref().unwrap_or_else(|| panic!("{:#?}", compilation.diagnostics));
    idpc_driver::emit(platform, Family::ALL).unwrap()
}

fn text<'a>(artifacts: &'a [Artifact], path: &str) -> &'a str {
    &artifacts.iter().find(|a| a.path == path).unwrap_or_else(|| panic!("no {path}")).contents
}

/// The services with a file under `dir/` (`dir/<service>.<suffix>`).
fn services_in(artifacts: &[Artifact], dir: &str, suffix: &str) -> BTreeSet<String> {
    artifacts
        .iter()
        .filter_map(|a| a.path.strip_prefix(dir)?.strip_suffix(suffix).map(str::to_owned))
        .filter(|s| !s.contains('/') && !s.contains('.'))
        .collect()
}

#[test]
fn an_ephemeral_environment_naming_two_services_deploys_them_and_creates_only_their_resources() {
    let artifacts = build(PLATFORM);
    let all: BTreeSet<String> =
        ["cart", "mailer", "pricing", "search", "site"].map(str::to_owned).into();
    // `cart` carries `pricing`, which it calls.
    let carried: BTreeSet<String> = ["cart", "pricing", "site"].map(str::to_owned).into();
    assert_eq!(services_in(&artifacts, "helm/staging/", ".values.yaml"), all);
    assert_eq!(services_in(&artifacts, "helm/try-cart/", ".values.yaml"), carried);
    assert_eq!(services_in(&artifacts, "argo-rollouts/try-cart/", ".yaml"), carried);
    // Rules of the carried services with SLOs only.
    let rules = services_in(&artifacts, "prometheus/try-cart/", ".prometheusrule.yaml");
    assert_eq!(rules, ["cart", "site"].map(str::to_owned).into());

    // Terraform: the modules of the carried services' resources, and nothing else.
    let resources = team_files(&artifacts, "try-cart");
    let modules: BTreeSet<&str> =
        resources.lines().filter_map(|l| l.strip_prefix("module \"")?.split('"').next()).collect();
    assert_eq!(modules, ["cart_db", "pricing_cache", "site_media"].into());
    assert_eq!(resources.matches("resource \"aws_iam_role\" ").count(), 3);
    let staging = team_files(&artifacts, "staging");
    assert_eq!(staging.matches("\nmodule \"").count(), 5);

    // Argo CD syncs exactly the carried services' files.
    let applications = text(&artifacts, "gitops/try-cart/applications.yaml");
    assert!(
        applications.contains("include: '{cart.yaml,pricing.yaml,site.yaml}'"),
        "{applications}"
    );

    // The access objects: a service account per carried service only.
    let access = text(&artifacts, "kubernetes/try-cart/web.yaml");
    let accounts: BTreeSet<String> = crate::support::documents(access)
        .iter()
        .filter(|d| d["kind"] == "ServiceAccount")
        .map(|d| d["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(accounts, carried);
}

#[test]
fn a_long_lived_environment_carries_every_service_and_unknown_services_are_errors() {
    let text = PLATFORM
        .replace(
            "environment \"staging\" tier=\"staging\"",
            "environment \"staging\" tier=\"staging\" {\n    services \"site\"\n}",
        )
        .replace("services \"cart\" \"site\"", "services \"cart\" \"sight\"");
    let compilation = compile_texts(&[("shop.kdl", &text)]);
    let messages: Vec<String> = compilation.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert!(
        messages.iter().any(|m| m.contains("`staging` is long-lived and carries every service")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("unknown service `sight`")), "{messages:?}");
}
