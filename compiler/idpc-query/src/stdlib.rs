//! The standard library, embedded in the binary and compiled like any other file.

/// One stdlib file: its virtual path under `<stdlib>/` and its text.
macro_rules! file {
    ($path:literal) => {
        (concat!("<stdlib>/", $path), include_str!(concat!("../../../stdlib/", $path)))
    };
}

/// The stdlib files: virtual path and text. Kinds are `kinds/<kind>.kdl`, their Terraform
/// templates `kinds/<kind>/<file>.hbs`; the preset policies are `policies/<preset>.rego`.
pub const FILES: &[(&str, &str)] = &[
    file!("kinds/bucket.kdl"),
    file!("kinds/bucket/main.tf.hbs"),
    file!("kinds/bucket/outputs.tf.hbs"),
    file!("kinds/bucket/variables.tf.hbs"),
    file!("kinds/bucket/versions.tf.hbs"),
    file!("kinds/kafka-topic.kdl"),
    file!("kinds/kafka-topic/main.tf.hbs"),
    file!("kinds/kafka-topic/outputs.tf.hbs"),
    file!("kinds/kafka-topic/providers.tf.hbs"),
    file!("kinds/kafka-topic/variables.tf.hbs"),
    file!("kinds/kafka-topic/versions.tf.hbs"),
    file!("kinds/postgres.kdl"),
    file!("kinds/postgres/main.tf.hbs"),
    file!("kinds/postgres/outputs.tf.hbs"),
    file!("kinds/postgres/variables.tf.hbs"),
    file!("kinds/postgres/versions.tf.hbs"),
    file!("kinds/queue.kdl"),
    file!("kinds/queue/main.tf.hbs"),
    file!("kinds/queue/outputs.tf.hbs"),
    file!("kinds/queue/variables.tf.hbs"),
    file!("kinds/queue/versions.tf.hbs"),
    file!("kinds/redis.kdl"),
    file!("kinds/redis/main.tf.hbs"),
    file!("kinds/redis/outputs.tf.hbs"),
    file!("kinds/redis/variables.tf.hbs"),
    file!("kinds/redis/versions.tf.hbs"),
    file!("policies/critical-services.rego"),
    file!("policies/ephemeral-environments.rego"),
    file!("policies/health-checks.rego"),
    file!("policies/image-registry.rego"),
    file!("policies/mutable-image-tags.rego"),
    file!("policies/production-approval.rego"),
    file!("policies/resource-limits.rego"),
    file!("policies/secrets-by-reference.rego"),
];

/// The templates `idpc new` renders when a platform ships none of its own: virtual path and
/// text. They are not part of any description, so they are kept apart from [`FILES`] (and out of
/// `kinds/`, whose `.hbs` files are Terraform templates).
pub const SCAFFOLD: &[(&str, &str)] =
    &[file!("scaffold/environment.kdl.hbs"), file!("scaffold/service.kdl.hbs")];

/// Whether a display path names a stdlib file.
pub fn is_stdlib(path: &str) -> bool {
    path.starts_with("<stdlib>/")
}
