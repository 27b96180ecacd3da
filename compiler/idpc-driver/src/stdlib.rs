//! The standard library, embedded in the binary and compiled like any other file.

/// The stdlib files: virtual path and text.
pub const FILES: &[(&str, &str)] = &[
    ("<stdlib>/kinds/bucket.kdl", include_str!("../../../stdlib/kinds/bucket.kdl")),
    ("<stdlib>/kinds/kafka-topic.kdl", include_str!("../../../stdlib/kinds/kafka-topic.kdl")),
    ("<stdlib>/kinds/postgres.kdl", include_str!("../../../stdlib/kinds/postgres.kdl")),
    ("<stdlib>/kinds/queue.kdl", include_str!("../../../stdlib/kinds/queue.kdl")),
    ("<stdlib>/kinds/redis.kdl", include_str!("../../../stdlib/kinds/redis.kdl")),
];

/// Whether a display path names a stdlib file.
pub fn is_stdlib(path: &str) -> bool {
    path.starts_with("<stdlib>/")
}
