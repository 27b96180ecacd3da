//! Workload identity and cloud access: each service account is annotated with the identity the
//! environment's Terraform creates for exactly that service account, and the identity may do
//! what the kinds of the service's resources grant, on those resources only.

use std::collections::BTreeSet;

use idpc_driver::{Artifact, Family};

use crate::support::tools::uninstallable_program;
use crate::support::{build_dir, compile_texts, documents, repo_root, team_files};

/// A platform on `cloud` with two services, one with a bucket and a queue.
fn platform(identity: &str) -> String {
    format!(
        r#"platform "shop" {{
    registry "ghcr.io/shop"
    {identity}
}}
team "web" {{
    member "ada@shop.dev" role="lead"
    member "bo@shop.dev"
}}
environment "dev" tier="development"
environment "prod" tier="production" {{
    cluster "prod-eu"
    cluster "prod-us"
    approval required=#true
}}
service "site" team="web" {{
    image "site:1.0.0"
    port "http" 8080
    limits memory="256Mi"
    deploy {{
        healthcheck path="/healthz"
    }}
    resource "media" kind="bucket"
    resource "jobs" kind="queue"
}}
service "worker" team="web" {{
    image "worker:1.0.0"
    port "http" 8080
    limits memory="256Mi"
    deploy {{
        healthcheck path="/healthz"
    }}
}}
"#
    )
}

fn build(text: &str) -> Vec<Artifact> {
    let compilation = compile_texts(&[("shop.kdl", text)]);
    let platform =
        compilation.platform.as_ref().unwrap_or_else(|| panic!("{:#?}", compilation.diagnostics));
    idpc_driver::emit(platform, Family::ALL).unwrap()
}

fn text<'a>(artifacts: &'a [Artifact], path: &str) -> &'a str {
    &artifacts.iter().find(|a| a.path == path).unwrap_or_else(|| panic!("no {path}")).contents
}

/// (namespace, service account, annotation) of every annotated service account.
fn annotations(artifacts: &[Artifact], key: &str) -> Vec<(String, String, String, String)> {
    let mut found = Vec::new();
    for artifact in artifacts.iter().filter(|a| a.path.starts_with("kubernetes/")) {
        let environment = artifact.path.split('/').nth(1).unwrap().to_owned();
        for document in documents(&artifact.contents) {
            if document["kind"] != "ServiceAccount" {
                continue;
            }
            let value = document["metadata"]["annotations"][key].as_str().unwrap().to_owned();
            found.push((
                environment.clone(),
                document["metadata"]["namespace"].as_str().unwrap().to_owned(),
                document["metadata"]["name"].as_str().unwrap().to_owned(),
                value,
            ));
        }
    }
    found
}

#[test]
fn every_service_account_takes_on_a_role_that_trusts_only_it() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let annotated = annotations(&artifacts, "eks.amazonaws.com/role-arn");
    assert!(annotated.len() > 30, "only {} service accounts", annotated.len());
    for (environment, namespace, account, arn) in annotated {
        let role = arn.strip_prefix("arn:aws:iam::123456789012:role/").unwrap();
        let identity = team_files(&artifacts, &environment);
        let block = identity
            .split("\nresource \"aws_iam_role\" ")
            .find(|b| b.contains(&format!("name        = \"{role}\"")))
            .unwrap_or_else(|| panic!("{environment}: no role {role}"));
        let subject = format!("\"system:serviceaccount:{namespace}:{account}\"");
        assert!(block.contains(&subject), "{role} does not trust {subject}:\n{block}");
        assert_eq!(block.matches("system:serviceaccount:").count(), 1);
    }
}

#[test]
fn a_role_may_do_what_its_resources_kinds_grant_on_those_resources() {
    let artifacts = build(&platform(r#"workload-identity "aws" account="210987654321""#));
    let identity = team_files(&artifacts, "prod");
    let site = identity.split("resource \"aws_iam_role_policy\" \"site\"").nth(1).unwrap();
    let site = site.split("\nresource ").next().unwrap();
    for expected in [
        "Resource = module.site_media.arn",
        "Resource = \"${module.site_media.arn}/*\"",
        "\"s3:GetObject\", \"s3:PutObject\", \"s3:DeleteObject\"",
        "Resource = module.site_jobs.arn",
        "\"sqs:ReceiveMessage\"",
    ] {
        assert!(site.contains(expected), "no `{expected}` in:\n{site}");
    }
    // A service without resources has a role and no policy.
    assert!(identity.contains("resource \"aws_iam_role\" \"worker\""));
    assert!(!identity.contains("resource \"aws_iam_role_policy\" \"worker\""));
    assert!(
        text(&artifacts, "terraform/prod/variables.tf").contains("variable \"oidc_provider_arn\"")
    );
    let accounts = annotations(&artifacts, "eks.amazonaws.com/role-arn");
    let arns: BTreeSet<&str> = accounts.iter().map(|a| a.3.as_str()).collect();
    assert!(arns.contains("arn:aws:iam::210987654321:role/prod-site"), "{arns:?}");
    assert!(arns.contains("arn:aws:iam::210987654321:role/dev-worker"), "{arns:?}");
}

#[test]
fn on_google_cloud_each_service_account_impersonates_its_own_google_service_account() {
    let artifacts = build(&platform(r#"workload-identity "gcp" project="shop-prod""#));
    let accounts = annotations(&artifacts, "iam.gke.io/gcp-service-account");
    assert_eq!(accounts.len(), 4);
    for (environment, namespace, account, email) in accounts {
        let id = email.strip_suffix("@shop-prod.iam.gserviceaccount.com").unwrap();
        assert!((6..=30).contains(&id.len()), "{id}");
        let identity = team_files(&artifacts, &environment);
        assert!(identity.contains(&format!("account_id   = \"{id}\"")), "{identity}");
        let member = format!("\"serviceAccount:shop-prod.svc.id.goog[{namespace}/{account}]\"");
        assert!(identity.contains(&member), "no {member} in:\n{identity}");
    }
    let versions = text(&artifacts, "terraform/dev/versions.tf");
    assert!(versions.contains("source  = \"hashicorp/google\""), "{versions}");
    assert!(text(&artifacts, "terraform/dev/providers.tf").contains("project = \"shop-prod\""));
}

#[test]
fn terraform_fmt_accepts_the_identities_of_both_clouds() {
    let test = "terraform_fmt_accepts_the_identities_of_both_clouds";
    let Some(terraform) = uninstallable_program(test, "terraform") else { return };
    for identity in [
        r#"workload-identity "aws" account="210987654321""#,
        r#"workload-identity "gcp" project="shop-prod""#,
    ] {
        let dir = tempfile::tempdir().unwrap();
        for artifact in build(&platform(identity)).iter().filter(|a| a.path.ends_with(".tf")) {
            let path = dir.path().join(&artifact.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &artifact.contents).unwrap();
        }
        if let Err(diff) = crate::support::tools::terraform_fmt_check(&terraform, dir.path()) {
            panic!("{identity}: `terraform fmt` would change the files:\n{diff}");
        }
    }
}

#[test]
fn an_identity_without_its_account_and_a_grant_on_an_unknown_output_are_errors() {
    let compilation = compile_texts(&[
        ("shop.kdl", &platform(r#"workload-identity "aws""#)),
        ("kinds.kdl", "kind \"cache\" {\n    output \"arn\"\n    access \"x:Get\" on=\"url\"\n}\n"),
    ]);
    let messages: Vec<String> = compilation.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert!(
        messages.iter().any(|m| m.contains("workload identity on this cloud needs `account`")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("unknown output `url`")), "{messages:?}");
}
