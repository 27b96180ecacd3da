//! Policies in the model: the preset policies idpc ships, how a platform configures them, and
//! the waivers that exempt a service from one. The compiler runs them (the `idpc-policy` crate);
//! the OPA bundle carries the same settings and waivers to admission in production.

use idpc_diagnostics::{Code, Span};
use serde::Serialize;

use crate::platform::{Platform, Tier};
use crate::values::{Date, Duration, Email, SecretProvider};

/// A preset.
#[derive(Debug)]
pub struct Preset {
    /// Its name in `policy` and `waive` nodes, and its file `stdlib/policies/<name>.rego`.
    pub name: &'static str,
    /// Its diagnostic code.
    pub code: Code,
    /// The label at the offending value.
    pub label: &'static str,
    /// What to do about it.
    pub help: &'static str,
    /// The tiers it applies to unless configured (empty: it has no tiers).
    pub tiers: &'static [Tier],
}

/// Every preset.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "mutable-image-tags",
        code: Code::MutableImageTag,
        label: "not a version or a digest",
        help: "pin a version such as `image \"app:1.4.2\"` or a digest",
        tiers: &[Tier::Production],
    },
    Preset {
        name: "resource-limits",
        code: Code::MissingLimits,
        label: "no memory limit declared",
        help: "declare `limits memory=\"…\"`",
        tiers: &[Tier::Staging, Tier::Production],
    },
    Preset {
        name: "health-checks",
        code: Code::MissingHealthCheck,
        label: "no health check",
        help: "add `deploy { healthcheck path=\"/health\" }`",
        tiers: &[Tier::Staging, Tier::Production],
    },
    Preset {
        name: "production-approval",
        code: Code::ProductionWithoutApproval,
        label: "changes ship without approval",
        help: "add `approval required=#true`",
        tiers: &[],
    },
    Preset {
        name: "critical-services",
        code: Code::CriticalWithoutSlo,
        label: "declared critical here",
        help: "add `slo \"availability\" objective=\"99.9%\"` and `runbook \"https://…\"`",
        tiers: &[],
    },
    Preset {
        name: "ephemeral-environments",
        code: Code::EphemeralPolicy,
        label: "against the platform's rules for ephemeral environments",
        help: "make the owner a team member, and keep the ttl within the allowed maximum",
        tiers: &[],
    },
    Preset {
        name: "secrets-by-reference",
        code: Code::SecretsPolicy,
        label: "not a reference the platform accepts",
        help: "declare it with `secret \"NAME\" from=\"…\"` in a secrets manager the platform uses",
        tiers: &[],
    },
    Preset {
        name: "image-registry",
        code: Code::ImageOutsideRegistry,
        label: "not from the platform registry",
        help: "push the image to the platform registry and name it without a host, or exempt the service with `waive \"image-registry\" …`",
        tiers: &[Tier::Development, Tier::Staging, Tier::Production],
    },
];

/// The platform's configuration of one preset policy.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct PolicyConfig {
    /// The preset.
    pub name: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Whether its violations are warnings rather than errors.
    pub warning: bool,
    /// The tiers it applies to, when configured.
    pub tiers: Option<Vec<Tier>>,
    /// The longest TTL allowed, when configured.
    pub max_ttl: Option<Duration>,
    /// The secrets managers allowed, when configured.
    pub providers: Option<Vec<SecretProvider>>,
    /// Where the preset is named.
    pub span: Span,
}

/// An exemption of one service from one policy.
#[derive(Clone, Debug, Serialize, Hash)]
pub struct Waiver {
    /// The policy.
    pub policy: String,
    /// Why.
    pub reason: String,
    /// Who answers for it.
    pub owner: Email,
    /// The first day it no longer applies.
    pub expires: Date,
    /// Where the policy is named.
    pub span: Span,
    /// Where the expiry date is written.
    pub expires_span: Span,
}

/// A preset as the platform configures it: its own settings, else the preset's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PresetSettings {
    /// Whether it runs.
    pub enabled: bool,
    /// Whether its violations are warnings rather than errors.
    pub warning: bool,
    /// The tiers it applies to.
    pub tiers: Vec<Tier>,
    /// For `ephemeral-environments`: the longest TTL allowed.
    pub max_ttl: Duration,
    /// For `secrets-by-reference`: the secrets managers allowed.
    pub providers: Vec<SecretProvider>,
}

impl Preset {
    /// The preset of this name.
    pub fn named(name: &str) -> Option<&'static Preset> {
        PRESETS.iter().find(|p| p.name == name)
    }
}

impl Platform {
    /// How this platform configures `preset`.
    pub fn preset_settings(&self, preset: &Preset) -> PresetSettings {
        let configured = self.policies.iter().find(|c| c.name == preset.name);
        PresetSettings {
            enabled: configured.is_none_or(|c| c.enabled),
            warning: configured.is_some_and(|c| c.warning),
            tiers: configured
                .and_then(|c| c.tiers.clone())
                .unwrap_or_else(|| preset.tiers.to_vec()),
            max_ttl: configured.and_then(|c| c.max_ttl).unwrap_or(self.max_ephemeral_ttl),
            providers: configured
                .and_then(|c| c.providers.clone())
                .unwrap_or_else(|| SecretProvider::ALL.iter().map(|(p, _)| *p).collect()),
        }
    }
}
