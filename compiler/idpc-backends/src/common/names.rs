//! Names that artifacts of different families use to refer to each other. One function per name,
//! so the family that defines a thing and the families that refer to it cannot disagree.
//!
//! Every name here is built from names that the checker validated by the one definition in
//! [`idpc_ir::names`]: DNS-1035 labels, so each one is also a valid Terraform identifier (with
//! `_` for `-`) and Rego package segment. A name with a fixed suffix (`<service>-canary`) fits
//! because of its kind's budget ([`idpc_ir::NameKind::max_len`]); a name joining two
//! declarations (`<service>-<resource>`, namespaces) is checked as a pair
//! ([`idpc_ir::validate_joined`]); names with no such guarantee are shortened with a hash
//! (Grafana uids here, Terraform instance names in the Terraform family).

use idpc_ir::{Platform, ResourceInstance, Service};

/// The Terraform output of a resource instance: `payments_api_db_host`.
pub fn terraform_output(service: &Service, resource: &ResourceInstance, output: &str) -> String {
    snake(&format!("{}_{}_{}", service.name, resource.name, output))
}

/// The Terraform module block of a resource instance: `payments_api_db`.
pub fn terraform_module(service: &Service, resource: &ResourceInstance) -> String {
    snake(&format!("{}_{}", service.name, resource.name))
}

/// The catalog name of a resource instance: `payments-api-db`.
pub fn catalog_resource(service: &Service, resource: &ResourceInstance) -> String {
    format!("{}-{}", service.name, resource.name)
}

/// The catalog user of a member email: the part before `@`.
pub fn catalog_user(email: &idpc_ir::Email) -> String {
    idpc_ir::names::catalog_user(email.local_part())
}

/// The uid of a service's Grafana dashboard, stable and at most 40 characters.
pub fn dashboard_uid(platform: &Platform, service: &Service) -> String {
    grafana_uid(format!("{}-{}", platform.name, service.name))
}

/// The uid of a team's Grafana dashboard folder, stable and at most 40 characters.
pub fn folder_uid(platform: &Platform, team: &str) -> String {
    grafana_uid(format!("{}-{team}", platform.name))
}

/// Grafana limits uids to 40 characters: a longer one keeps its first 31 and a hash of the rest.
fn grafana_uid(full: String) -> String {
    if full.len() <= 40 {
        return full;
    }
    let hash = fnv1a(full.as_bytes());
    // Cut on a character boundary, whatever the names hold.
    let cut = full.char_indices().nth(31).map_or(full.len(), |(i, _)| i);
    format!("{}-{hash:08x}", &full[..cut])
}

/// Lower snake case: `payments-api` → `payments_api`.
pub fn snake(text: &str) -> String {
    text.replace('-', "_")
}

/// A small, stable, dependency-free hash for shortening names.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The Kubernetes name of the stable `Service` of a rollout: the service's own name.
pub fn stable_service(service: &Service) -> String {
    service.name.clone()
}

/// The service account a service's pods run as: the service's own name.
pub fn service_account(service: &Service) -> String {
    service.name.clone()
}

/// The route (HTTPRoute or Ingress) of an exposed service: the service's own name.
pub fn route(service: &Service) -> String {
    service.name.clone()
}

/// The Secret holding the TLS certificate of an exposed service's Ingress.
pub fn tls_secret(service: &Service) -> String {
    format!("{}-tls", service.name)
}

/// The host an exposed service answers to in one environment: the declared host in the
/// production tier, `<environment>.<host>` elsewhere.
pub fn route_host(
    platform: &Platform,
    exposure: &idpc_ir::Exposure,
    deployment: &idpc_ir::Deployment,
) -> String {
    let environment = platform.environment(deployment.environment);
    if environment.tier == idpc_ir::Tier::Production {
        exposure.host.clone()
    } else {
        format!("{}.{}", environment.name, exposure.host)
    }
}

/// The `Service` that routes to the new version during a canary.
pub fn canary_service(service: &Service) -> String {
    format!("{}-canary", service.name)
}

/// The `Service` that routes to the preview during a blue-green rollout. The longest suffix:
/// [`idpc_ir::names::LONGEST_SERVICE_SUFFIX`].
pub fn preview_service(service: &Service) -> String {
    format!("{}-preview", service.name)
}

/// The `AnalysisTemplate` that measures a service's error ratio during a rollout.
pub fn analysis_template(service: &Service) -> String {
    format!("{}-error-ratio", service.name)
}

/// The Kubernetes `Secret` that holds a service's secrets, synced from the secrets manager.
pub fn secrets_object(service: &Service) -> String {
    format!("{}-secrets", service.name)
}

/// The Kubernetes `Secret` the Terraform root module writes a resource instance's outputs into,
/// in the service's namespace: `payments-api-db-connection`.
pub fn connection_secret(service: &Service, resource: &ResourceInstance) -> String {
    format!("{}-{}-connection", service.name, resource.name)
}

/// Whether the Terraform root module makes a connection Secret for a resource instance: when its
/// kind has a module and outputs.
pub fn has_connection_secret(platform: &Platform, resource: &ResourceInstance) -> bool {
    let kind = platform.kind(resource.kind);
    !kind.terraform.is_empty() && !kind.outputs.is_empty()
}

/// The key of one output in a connection Secret, which `envFrom` makes the variable the
/// service reads: `DB_HOST`; a secret output holds only where the secret is kept, and its key
/// says so: `DB_PASSWORD_REF`.
pub fn connection_key(resource: &ResourceInstance, output: &idpc_ir::KindOutput) -> String {
    let key = format!("{}_{}", resource.name, output.name).replace('-', "_").to_ascii_uppercase();
    if output.secret { format!("{key}_REF") } else { key }
}

/// The cloud identity of a service in one environment: `<environment>-<service>`, an IAM role
/// name (at most 64 characters) on AWS, a service account id (6 to 30) on Google Cloud;
/// shortened with a hash, or lengthened, to fit.
pub fn workload_identity(cloud: idpc_ir::Cloud, environment: &str, service: &Service) -> String {
    let full = format!("{environment}-{}", service.name);
    let limit = match cloud {
        idpc_ir::Cloud::Aws => 64,
        idpc_ir::Cloud::Gcp => 30,
    };
    let name = if full.len() <= limit {
        full.clone()
    } else {
        let keep = full[..limit - 9].trim_end_matches('-');
        format!("{keep}-{:08x}", fnv1a(full.as_bytes()))
    };
    if name.len() < 6 { format!("{name}-wi") } else { name }
}

/// What a service's Kubernetes service account is annotated with so that its pods take on the
/// service's cloud identity in one environment.
pub fn workload_identity_annotation(
    identity: &idpc_ir::WorkloadIdentity,
    environment: &str,
    service: &Service,
) -> (&'static str, String) {
    let name = workload_identity(identity.cloud, environment, service);
    match identity.cloud {
        idpc_ir::Cloud::Aws => {
            ("eks.amazonaws.com/role-arn", format!("arn:aws:iam::{}:role/{name}", identity.account))
        }
        idpc_ir::Cloud::Gcp => (
            "iam.gke.io/gcp-service-account",
            format!("{name}@{}.iam.gserviceaccount.com", identity.account),
        ),
    }
}

/// The Prometheus Operator `PrometheusRule` holding a service's SLO rules in one environment.
pub fn prometheus_rule(service: &Service) -> String {
    format!("{}-slos", service.name)
}

/// The recording rule of an SLO's error ratio over `window` (`5m`, `1h`, `30d`…).
pub fn slo_error_ratio_rule(window: &str) -> String {
    format!("idpc:slo_errors:ratio_rate{window}")
}

/// The recording rule holding an SLO's objective as a ratio (`0.999`).
pub const SLO_OBJECTIVE_RULE: &str = "idpc:slo_objective:ratio";

/// The recording rule holding the share of an SLO's error budget left over its window.
pub const SLO_BUDGET_REMAINING_RULE: &str = "idpc:slo_error_budget_remaining:ratio";

/// The recording rule holding the current burn rate (the 1h error ratio over the budget).
pub const SLO_BURN_RATE_RULE: &str = "idpc:slo_burn_rate:ratio_rate1h";

/// The alert that pages when an SLO's budget burns fast.
pub const PAGE_ALERT: &str = "SLOErrorBudgetBurnPage";

/// The alert that opens a ticket when an SLO's budget burns slowly.
pub const TICKET_ALERT: &str = "SLOErrorBudgetBurnTicket";

/// The path of a service's dashboard file in the Grafana family.
pub fn dashboard_path(platform: &Platform, service: &Service) -> String {
    format!("grafana/dashboards/{}/{}.json", platform.team(service.team).name, service.name)
}

/// The link to a service's dashboard for one environment, absolute when the platform names its
/// Grafana.
pub fn dashboard_url(platform: &Platform, service: &Service, environment: &str) -> String {
    let base = platform
        .observability
        .grafana_url
        .as_ref()
        .map_or("", |u| u.as_str().trim_end_matches('/'));
    format!(
        "{base}/d/{}/{}?var-environment={environment}",
        dashboard_uid(platform, service),
        service.name
    )
}

/// The OPA bundle root, also the package prefix of its policies: `idpc/acme` (`-` becomes `_`
/// so that packages need no quoting).
pub fn opa_root(platform: &Platform) -> String {
    format!("idpc/{}", snake(&platform.name))
}

/// The namespace Prometheus runs in, read from an in-cluster address such as
/// `http://prometheus.monitoring.svc:9090`; `None` for an address outside the cluster.
pub fn prometheus_namespace(platform: &Platform) -> Option<String> {
    let url = platform.observability.prometheus_url.as_str();
    let host = url.split("://").nth(1)?.split(['/', ':']).next()?;
    let labels: Vec<&str> = host.split('.').collect();
    (labels.len() >= 3 && labels[2] == "svc").then(|| labels[1].to_owned())
}

#[cfg(test)]
mod tests {
    use idpc_ir::names::{LONGEST_SERVICE_SUFFIX, MAX_SERVICE};
    use idpc_ir::validate_dns_label;

    use super::*;

    #[test]
    fn suffixed_service_names_fit_the_service_budget() {
        // `<service>-canary` and `<service>-preview` are Kubernetes `Service`s (DNS-1035 labels);
        // `-secrets` and `-error-ratio` name objects that may have longer names.
        let longest = "s".repeat(MAX_SERVICE);
        for suffix in ["-canary", LONGEST_SERVICE_SUFFIX] {
            assert!(validate_dns_label(&format!("{longest}{suffix}")).is_ok());
        }
    }

    #[test]
    fn grafana_uids_are_shortened_to_forty_characters() {
        assert_eq!(grafana_uid("acme-payments".to_owned()), "acme-payments");
        let long = grafana_uid(format!("acme-{}", "p".repeat(60)));
        assert_eq!(long.len(), 40);
        assert_eq!(long, grafana_uid(format!("acme-{}", "p".repeat(60))));
    }
}
