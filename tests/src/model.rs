//! The resolved model: overlay order and the provenance of every value.

use idpc_diagnostics::Sources;
use idpc_ir::{Deployment, Layer, Origin, Platform};

use crate::support::compile_texts;

/// The overlay, with the two presets about limits and health checks switched off: the service
/// has neither, to show built-in defaults. One line per node keeps the line numbers below.
const TEXT: &str = r#"platform "p" { policy "resource-limits" enabled=#false; policy "health-checks" enabled=#false; }
team "t" { member "a@p.dev" role="lead"; member "b@p.dev"; }
environment "dev" tier="development"
environment "staging" tier="staging"
environment "prod" tier="production" { approval required=#true; }
environment "try-a" from="staging" owner="a@p.dev" ttl="1d" created="2026-11-01"
environment "try-b" from="staging" owner="a@p.dev" ttl="1d" created="2026-11-01"
service "web" team="t" {
    image "web:1.0.0"
    replicas 2
    requests cpu="250m"
    env "MODE" "normal"
    env "COLOR" "blue"
    resource "db" kind="postgres" {
        version "15"
    }
    override "staging" {
        replicas 3
        env "MODE" "staging"
    }
    override "try-b" {
        replicas 5
    }
    override "prod" {
        replicas 6
        requests memory="1Gi"
        resource "db" {
            storage "500Gi"
        }
    }
}
"#;

fn compile() -> (Platform, Sources) {
    let compilation = compile_texts(&[("p.kdl", TEXT)]);
    assert!(compilation.diagnostics.is_empty(), "{:?}", compilation.diagnostics);
    (compilation.platform.unwrap(), compilation.sources)
}

fn deployment<'a>(platform: &'a Platform, env: &str) -> &'a Deployment {
    platform.deployments.iter().find(|d| platform.environment(d.environment).name == env).unwrap()
}

/// (file, line, layer) of an origin.
fn place(sources: &Sources, origin: &Origin) -> (String, u32, Layer) {
    let span = origin.span.expect("a span");
    (
        sources.path(span.file).to_owned(),
        sources.line_col(span.file, span.start).line,
        origin.layer.clone(),
    )
}

fn here(line: u32, layer: Layer) -> (String, u32, Layer) {
    ("p.kdl".to_owned(), line, layer)
}

fn over(env: &str) -> Layer {
    Layer::Override { environment: env.to_owned() }
}

#[test]
fn overrides_win_and_remember_what_they_shadow() {
    let (platform, sources) = compile();
    let dev = deployment(&platform, "dev");
    assert_eq!(dev.replicas.value, 2);
    assert_eq!(place(&sources, &dev.replicas.origin), here(10, Layer::Service));
    assert!(dev.replicas.shadowed.is_empty());

    let prod = deployment(&platform, "prod");
    assert_eq!(prod.replicas.value, 6);
    assert_eq!(place(&sources, &prod.replicas.origin), here(25, over("prod")));
    assert_eq!(
        prod.replicas.shadowed.iter().map(|o| place(&sources, o)).collect::<Vec<_>>(),
        vec![here(10, Layer::Service)]
    );
}

#[test]
fn properties_override_one_by_one_and_unset_values_take_builtin_defaults() {
    let (platform, sources) = compile();
    let prod = deployment(&platform, "prod");
    assert_eq!(prod.cpu.to_string(), "250m");
    assert_eq!(place(&sources, &prod.cpu.origin), here(11, Layer::Service));
    assert_eq!(prod.memory.to_string(), "1Gi");
    assert_eq!(place(&sources, &prod.memory.origin), here(26, over("prod")));
    let dev = deployment(&platform, "dev");
    assert_eq!(dev.memory.to_string(), "128Mi");
    assert_eq!(dev.memory.origin, Origin::builtin());
    assert_eq!(dev.memory_limit.value, dev.memory.value);
}

#[test]
fn ephemeral_environments_take_their_base_override_unless_they_have_their_own() {
    let (platform, sources) = compile();
    let try_a = deployment(&platform, "try-a");
    assert_eq!(try_a.replicas.value, 3);
    assert_eq!(place(&sources, &try_a.replicas.origin), here(18, over("staging")));
    let try_b = deployment(&platform, "try-b");
    assert_eq!(try_b.replicas.value, 5);
    assert_eq!(place(&sources, &try_b.replicas.origin), here(22, over("try-b")));
    let shadowed: Vec<_> = try_b.replicas.shadowed.iter().map(|o| place(&sources, o)).collect();
    assert_eq!(shadowed, vec![here(18, over("staging")), here(10, Layer::Service)]);
    assert_eq!(try_b.namespace, "t-try-b");
    assert_eq!(platform.environment(try_b.environment).tier, idpc_ir::Tier::Staging);
}

#[test]
fn variables_override_by_name() {
    let (platform, sources) = compile();
    let staging = deployment(&platform, "staging");
    let vars: Vec<(&str, &str)> =
        staging.env.iter().map(|v| (v.name.as_str(), v.value.value.as_str())).collect();
    assert_eq!(vars, vec![("COLOR", "blue"), ("MODE", "staging")]);
    let mode = staging.env.iter().find(|v| v.name == "MODE").unwrap();
    assert_eq!(place(&sources, &mode.value.origin), here(19, over("staging")));
    assert_eq!(place(&sources, &mode.value.shadowed[0]), here(12, Layer::Service));
}

#[test]
fn resource_fields_resolve_through_kind_tier_defaults_to_the_stdlib_line() {
    let (platform, sources) = compile();
    let field = |env: &str, name: &str| {
        let d = deployment(&platform, env);
        d.resources[0].fields.iter().find(|(n, _)| n == name).unwrap().1.clone()
    };
    // Set by the service in every environment.
    let version = field("prod", "version");
    assert_eq!(version.value.render(), "15");
    assert_eq!(place(&sources, &version.origin), here(15, Layer::Service));
    // Set by the prod override, shadowing the kind's production default and its default.
    let storage = field("prod", "storage");
    assert_eq!(storage.value.render(), "500Gi");
    assert_eq!(place(&sources, &storage.origin), here(28, over("prod")));
    let shadowed: Vec<_> = storage.shadowed.iter().map(|o| place(&sources, o)).collect();
    assert_eq!(shadowed[0].0, "<stdlib>/kinds/postgres.kdl");
    assert_eq!(shadowed[0].2, Layer::KindTier { tier: "production".to_owned() });
    assert_eq!(shadowed[1].2, Layer::KindDefault);
    // Not set anywhere for prod but the kind's tier default.
    let ha = field("prod", "high-availability");
    assert_eq!(ha.value.render(), "true");
    assert_eq!(ha.origin.layer, Layer::KindTier { tier: "production".to_owned() });
    assert_eq!(sources.path(ha.origin.span.unwrap().file), "<stdlib>/kinds/postgres.kdl");
    // In development, the kind's plain default.
    let ha_dev = field("dev", "high-availability");
    assert_eq!(ha_dev.value.render(), "false");
    assert_eq!(ha_dev.origin.layer, Layer::KindDefault);
}

#[test]
fn error_rate_is_derived_from_the_availability_slo() {
    let text = TEXT.replace("    image \"web:1.0.0\"\n", "    image \"web:1.0.0\"\n    slo \"availability\" objective=\"99.9%\"\n    port \"http\" 80\n    deploy { rollback; }\n");
    let compilation = compile_texts(&[("p.kdl", &text)]);
    let platform = compilation.platform.unwrap_or_else(|| panic!("{:?}", compilation.diagnostics));
    let rollback = deployment(&platform, "prod").rollback.as_ref().unwrap();
    // 2% of a 30-day budget in one hour: 14.4 × 0.1% = 1.44%.
    assert_eq!(rollback.error_rate.to_string(), "1.44%");
    assert_eq!(rollback.error_rate.ratio(), "0.0144");
}
