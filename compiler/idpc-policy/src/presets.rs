//! The presets' settings as their Rego reads them.

use idpc_ir::{PRESETS, Platform};
use serde_json::{Map, Value, json};

/// `data.idpc.config`: each preset's settings, the platform's where it configures them.
pub(crate) fn config(platform: &Platform) -> Value {
    let mut config = Map::new();
    for preset in PRESETS {
        let settings = platform.preset_settings(preset);
        let tiers: Vec<&str> = settings.tiers.iter().map(|t| t.as_str()).collect();
        let providers: Vec<&str> = settings.providers.iter().map(|p| p.prefix()).collect();
        config.insert(
            preset.name.replace('-', "_"),
            json!({
                "tiers": tiers,
                "max_ttl": settings.max_ttl.to_string(),
                "max_ttl_seconds": settings.max_ttl.as_secs(),
                "providers": providers,
            }),
        );
    }
    Value::Object(config)
}
