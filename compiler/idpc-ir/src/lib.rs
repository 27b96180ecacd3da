//! The resolved model of a platform: what every backend reads.
//!
//! The IR is plain data. References are typed ids that index the vectors of [`Platform`]; there
//! are no string look-ups. Values that overlays can change are [`Sourced`]: they remember the
//! span and the layer that set them and the layers they shadowed, so a diagnostic, a drift report
//! or `idpc why` can point at the line.
//!
//! **Invariant:** a `Platform` exists only for an error-free description; backends may rely on
//! every id being valid and every value being in range.

mod delivery;
mod ids;
pub mod names;
mod platform;
mod policy;
mod sourced;
mod values;

pub use delivery::{
    Cloud, Exposure, GitOps, Ingress, KindAccess, Liveness, Router, RuleFormat, SecretStore,
    WorkloadIdentity,
};
pub use ids::{EnvId, KindId, ServiceId, SystemId, TeamId};
pub use names::{NameKind, fold_accents, validate_declared, validate_dns_label, validate_joined};
pub use platform::*;
pub use policy::{PRESETS, PolicyConfig, Preset, PresetSettings, Waiver};
pub use sourced::{Layer, Origin, Sourced};
pub use values::*;
