//! The version `idpc --version` prints: the package's, with the commit and its date when the
//! binary was built from a git checkout (see `build.rs`).

/// The package's version.
pub(crate) const SHORT: &str = env!("CARGO_PKG_VERSION");
/// The version with the commit and its date, `0.1.0 (0123456789ab 2026-11-30)`.
pub(crate) const LONG: &str = env!("IDPC_LONG_VERSION");
