//! Names that artifacts of different families use to refer to each other. One function per name,
//! so the family that defines a thing and the families that refer to it cannot disagree.

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
    email.local_part().to_ascii_lowercase().replace(['.', '+', '%'], "-")
}

/// The uid of a service's Grafana dashboard, stable and at most 40 characters.
pub fn dashboard_uid(platform: &Platform, service: &Service) -> String {
    let full = format!("{}-{}", platform.name, service.name);
    if full.len() <= 40 {
        return full;
    }
    let hash = fnv1a(full.as_bytes());
    format!("{}-{hash:08x}", &full[..31])
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
