//! The Terraform family: `terraform fmt` accepts every generated file as it is, every output the
//! Helm values refer to exists, no output exposes a secret, every field reaches its module as a
//! variable, and templates are rendered strictly.

use std::collections::BTreeSet;

use idpc_diagnostics::Code;
use idpc_driver::{Artifact, Family, Unit};

use crate::support::tools::uninstallable_program;
use crate::support::{
    build_dir, compile_dir, compile_texts, examples, is_team_file, repo_root, team_files,
};

/// Every Terraform file of every family (the Terraform modules and the Vault policies).
fn terraform_files(artifacts: &[Artifact]) -> Vec<&Artifact> {
    artifacts.iter().filter(|a| a.path.ends_with(".tf")).collect()
}

/// The names of the top-level blocks of one type in HCL text: `output "x" {` → `x`.
fn block_names<'a>(text: &'a str, block: &str) -> BTreeSet<&'a str> {
    let prefix = format!("{block} \"");
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str())?.split_once('"').map(|(name, _)| name))
        .collect()
}

/// The top-level blocks of one type: (name, text from the header to the closing brace).
fn block_texts<'a>(text: &'a str, block: &str) -> Vec<(&'a str, String)> {
    let prefix = format!("{block} \"");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((name, _)) = line.strip_prefix(prefix.as_str()).and_then(|r| r.split_once('"'))
        else {
            continue;
        };
        let end = lines[i..].iter().position(|l| *l == "}").map_or(lines.len(), |p| i + p);
        out.push((name, lines[i..=end.min(lines.len() - 1)].join("\n")));
    }
    out
}

#[test]
fn terraform_fmt_accepts_every_generated_file() {
    let test = "terraform_fmt_accepts_every_generated_file";
    let Some(terraform) = uninstallable_program(test, "terraform") else { return };
    let mut checked = 0;
    for example in examples() {
        let artifacts = build_dir(&example);
        let files = terraform_files(&artifacts);
        if files.is_empty() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        for artifact in &files {
            let path = dir.path().join(&artifact.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &artifact.contents).unwrap();
            checked += 1;
        }
        // Every family's Terraform: the modules, the Vault policies, the Grafana access.
        if let Err(diff) = crate::support::tools::terraform_fmt_check(&terraform, dir.path()) {
            panic!(
                "{}: `terraform fmt` would change the generated files:\n{diff}",
                example.display()
            );
        }
    }
    assert!(checked > 20, "only {checked} Terraform files checked");
}

#[test]
fn every_output_the_helm_values_use_is_defined() {
    let mut checked = 0;
    for example in examples() {
        let artifacts = build_dir(&example);
        for values in artifacts.iter().filter(|a| a.path.ends_with(".values.yaml")) {
            let environment = values.path.split('/').nth(1).unwrap();
            let document: serde_yaml::Value = serde_yaml::from_str(&values.contents).unwrap();
            let Some(connections) = document.get("connections").and_then(|c| c.as_mapping()) else {
                continue;
            };
            let outputs_path = format!("terraform/{environment}/team-*.tf");
            let outputs = team_files(&artifacts, environment);
            let defined = block_names(&outputs, "output");
            for connection in connections.values() {
                for output in connection["outputs"].as_mapping().unwrap().values() {
                    let name = output["terraformOutput"].as_str().unwrap();
                    assert!(
                        defined.contains(name),
                        "{}: `{name}` is not in {outputs_path}",
                        values.path
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} outputs checked");
}

#[test]
fn no_output_exposes_a_secret_value() {
    let compilation = compile_dir(&repo_root().join("examples/acme"));
    let platform = compilation.platform.as_ref().unwrap();
    let artifacts = idpc_driver::emit(platform, &[Family::Terraform]).unwrap();
    let mut secrets = 0;
    for artifact in terraform_files(&artifacts) {
        for (name, text) in block_texts(&artifact.contents, "output") {
            for leak in
                ["random_password", ".result", "secret_string", "auth_token =", "password ="]
            {
                assert!(!text.contains(leak), "{}: output `{name}` uses `{leak}`", artifact.path);
            }
        }
    }
    for kind in &platform.kinds {
        let path = format!("terraform/modules/{}/outputs.tf", kind.name);
        let Some(outputs) = artifacts.iter().find(|a| a.path == path) else { continue };
        for output in kind.outputs.iter().filter(|o| o.secret) {
            let name = output.name.replace('-', "_");
            let (_, text) = block_texts(&outputs.contents, "output")
                .into_iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{path}: no output `{name}`"));
            assert!(
                text.contains("aws_secretsmanager_secret.") && text.contains(".arn"),
                "{path}: secret output `{name}` is not the ARN of where it is stored:\n{text}"
            );
            secrets += 1;
        }
    }
    assert!(secrets >= 3, "only {secrets} secret outputs checked");
}

/// The variable of a field, as the book's Terraform chapter states the rule.
fn variable_of(kind: &idpc_ir::Kind, field: &idpc_ir::KindField) -> String {
    let base = field.name.replace('-', "_");
    let unit = match field.ty {
        idpc_ir::ValueType::Duration => Some("seconds"),
        idpc_ir::ValueType::Memory => Some("bytes"),
        idpc_ir::ValueType::Cpu => Some("millicores"),
        idpc_ir::ValueType::Percent => Some("percent"),
        _ => None,
    };
    let base = match unit {
        Some(unit) if !base.ends_with(unit) => format!("{base}_{unit}"),
        _ => base,
    };
    let reserved = ["name", "tags", "source", "version", "providers", "count", "for_each"];
    let reserved = reserved.contains(&base.as_str())
        || ["lifecycle", "depends_on", "locals"].contains(&base.as_str());
    if reserved { format!("{}_{base}", kind.name.replace('-', "_")) } else { base }
}

#[test]
fn every_field_of_a_kind_is_a_variable_of_its_module_and_set_by_the_roots() {
    let compilation = compile_dir(&repo_root().join("examples/acme"));
    let platform = compilation.platform.as_ref().unwrap();
    let artifacts = idpc_driver::emit(platform, &[Family::Terraform]).unwrap();
    let mut kinds = 0;
    for kind in &platform.kinds {
        let path = format!("terraform/modules/{}/variables.tf", kind.name);
        let variables = artifacts
            .iter()
            .find(|a| a.path == path)
            .unwrap_or_else(|| panic!("{path} is missing: acme uses every kind"));
        let declared = block_names(&variables.contents, "variable");
        for field in &kind.fields {
            let variable = variable_of(kind, field);
            assert!(declared.contains(variable.as_str()), "{path}: no variable `{variable}`");
        }
        kinds += 1;
    }
    assert_eq!(kinds, 6, "the five stdlib kinds and search-index");
    let mut instances = 0;
    for root in artifacts.iter().filter(|a| is_team_file(&a.path)) {
        for (name, text) in block_texts(&root.contents, "module") {
            instances += 1;
            let source = text.lines().find_map(|l| l.trim().strip_prefix("source = \"../modules/"));
            let kind_name = source.unwrap().trim_end_matches('"');
            let kind = platform.kinds.iter().find(|k| k.name == kind_name).unwrap();
            for field in &kind.fields {
                let variable = variable_of(kind, field);
                let set = text.lines().any(|l| l.trim_start().starts_with(&format!("{variable} ")));
                assert!(set, "{}: module `{name}` does not set `{variable}`", root.path);
            }
        }
    }
    assert!(instances > 20, "only {instances} module blocks checked");
}

#[test]
fn modules_pin_terraform_and_every_provider() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let versions: Vec<&Artifact> =
        artifacts.iter().filter(|a| a.path.ends_with("/versions.tf")).collect();
    assert!(versions.len() >= 10);
    for artifact in versions {
        let text = &artifact.contents;
        assert!(text.contains("required_version = \">= "), "{}", artifact.path);
        let sources = text.lines().filter(|l| l.trim_start().starts_with("source ")).count();
        let pins = text.lines().filter(|l| l.trim_start().starts_with("version ")).count();
        assert!(
            sources > 0 && sources == pins,
            "{}: every provider needs a source and a version",
            artifact.path
        );
    }
}

#[test]
fn strict_rendering_refuses_an_unknown_variable() {
    let platform = r#"platform "p"
team "t" { member "a@b.co" }
environment "dev" tier="development"
kind "search" { field "nodes" type="int" default=1 doc="Nodes." }
service "s" team="t" {
    image "s:1.0.0"
    resource "index" kind="search"
}
"#;
    let compilation = compile_texts(&[
        ("platform.kdl", platform),
        ("search/main.tf.hbs", "locals {\n  nodes = {{kind.field.nodes.varible}}\n}\n"),
    ]);
    // `check` finds it, not only `build`: the compilation has the error and no platform.
    assert!(compilation.platform.is_none());
    let diagnostics = &compilation.diagnostics;
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic.code, Code::TemplateError);
    assert!(diagnostic.message.contains("`kind.field.nodes.varible`"), "{}", diagnostic.message);
    assert_eq!(diagnostic.help.as_deref(), Some("did you mean `variable`?"));
    let span = diagnostic.primary.as_ref().unwrap().span;
    assert_eq!(compilation.sources.path(span.file), "search/main.tf.hbs");
    assert_eq!(compilation.sources.line_col(span.file, span.start).line, 2);
}

#[test]
fn names_that_collide_in_terraform_are_errors() {
    // Found by `check` (the compilation), from the same code `build` runs.
    let emit_errors = |text: &str| -> Vec<Code> {
        let compilation = compile_texts(&[("platform.kdl", text)]);
        assert!(compilation.platform.is_none());
        compilation.diagnostics.iter().map(|d| d.code).collect()
    };
    let prelude = "platform \"p\"\nteam \"t\" { member \"a@b.co\" }\nenvironment \"dev\" tier=\"development\"\n";
    let services = format!(
        "{prelude}service \"a-b\" team=\"t\" {{\n    image \"x:1\"\n    resource \"c\" kind=\"queue\"\n}}\nservice \"a\" team=\"t\" {{\n    image \"x:1\"\n    resource \"b-c\" kind=\"queue\"\n}}\n"
    );
    assert_eq!(emit_errors(&services), [Code::NameCollision]);
}

#[test]
fn resources_of_ephemeral_environments_can_be_made_again_at_once() {
    // Every root module instance of an ephemeral environment tells its module so, and nowhere
    // else; the stdlib modules then keep no recovery window, deletion protection or final
    // snapshot that would block re-creating the same names.
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let file = |path: &str| artifacts.iter().find(|a| a.path == path).unwrap().contents.clone();
    let ephemeral = team_files(&artifacts, "checkout-v2");
    // The stdlib kinds that keep something beyond a deletion take the input; queues, Kafka topics
    // and acme's own search index keep nothing and do not.
    let taking: usize = ["postgres", "redis", "bucket"]
        .iter()
        .map(|kind| ephemeral.matches(&format!("source = \"../modules/{kind}\"")).count())
        .sum();
    assert!(taking > 3, "{ephemeral}");
    assert_eq!(ephemeral.matches("ephemeral = true").count(), taking, "{ephemeral}");
    for env in ["dev", "staging", "prod"] {
        let resources = team_files(&artifacts, env);
        assert!(resources.contains("module \"") && !resources.contains("ephemeral ="), "{env}");
    }
    for kind in ["postgres", "redis", "bucket"] {
        let main = file(&format!("terraform/modules/{kind}/main.tf"));
        for setting in [
            "recovery_window_in_days",
            "deletion_protection ",
            "skip_final_snapshot",
            "force_destroy",
        ] {
            for line in main.lines().filter(|l| l.trim_start().starts_with(setting)) {
                assert!(
                    line.contains("var.ephemeral") || line.contains("local.protected"),
                    "{kind}: `{line}` ignores ephemeral environments"
                );
            }
        }
    }
    let postgres = file("terraform/modules/postgres/main.tf");
    assert!(
        postgres.contains("protected = var.deletion_protection && !var.ephemeral"),
        "{postgres}"
    );
}

#[test]
fn each_team_owns_its_file_of_every_root_module_and_the_terraform_unit_the_rest() {
    // A build after an edit makes only the units whose inputs changed: an edit of one service's
    // resources makes its team's files of the root modules again, not every team's.
    let compilation = compile_dir(&repo_root().join("examples/acme"));
    let platform = compilation.platform.as_ref().unwrap();
    let made = |wants: &(dyn Fn(Unit) -> bool + Sync)| {
        let made = std::sync::Mutex::new(Vec::new());
        idpc_driver::emit_units(platform, &[Family::Terraform], wants, &|unit, artifact| {
            made.lock().unwrap().push((unit, artifact.path));
        })
        .unwrap();
        let mut made = made.into_inner().unwrap();
        made.sort();
        made
    };
    let all = made(&|_| true);
    let whole: BTreeSet<&str> = all.iter().map(|(_, path)| path.as_str()).collect();
    let built: BTreeSet<String> = build_dir(&repo_root().join("examples/acme"))
        .into_iter()
        .filter(|a| a.path.starts_with("terraform/"))
        .map(|a| a.path)
        .collect();
    assert_eq!(whole, built.iter().map(String::as_str).collect(), "the units make the family");
    let mut teams = 0;
    for (unit, path) in &all {
        let name = path.rsplit('/').next().unwrap();
        match unit {
            Unit::Team(team) => {
                let team = &platform.team(*team).name;
                assert_eq!(name, format!("team-{team}.tf"), "{path}");
                teams += 1;
            }
            Unit::Terraform => assert!(!name.starts_with("team-"), "{path}"),
            other => panic!("{path} is made by {other:?}"),
        }
    }
    assert!(teams >= 10, "only {teams} team files");
    // Asked for one team alone, the family makes that team's files and nothing else.
    let payments = platform.teams.iter().position(|t| t.name == "payments").unwrap();
    let payments = Unit::Team(idpc_ir::TeamId::from_index(payments));
    let alone = made(&|unit| unit == payments);
    let expected: Vec<_> = all.iter().filter(|(unit, _)| *unit == payments).cloned().collect();
    assert!(expected.len() >= 4, "{expected:?}");
    assert_eq!(alone, expected);
    let shared = made(&|unit| unit == Unit::Terraform);
    assert!(shared.iter().all(|(unit, _)| *unit == Unit::Terraform));
    assert_eq!(shared.len() + teams, all.len());
}
