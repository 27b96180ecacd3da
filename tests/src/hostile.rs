//! Hostile but accepted values: a platform that puts quotes, backslashes, line breaks, braces,
//! template sequences (`${x}`, `%{`, `{{x}}`), YAML look-alikes (`no`, `- x`, `a: b`) and unicode
//! into every free-text setting still builds artifacts that every consumer parses: promtool reads
//! the rule files, a YAML 1.2 reader and a YAML 1.1 reader read every YAML file as the same
//! strings, serde_json every JSON file, regorus every `.rego` file, and `terraform fmt` every
//! `.tf` file.

use std::path::Path;

use idpc_driver::{Artifact, Family};

use crate::support::tools::{program, uninstallable_program};
use crate::support::{compile_texts, documents};

/// The hostile values, each of which the language accepts as free text.
const HOSTILE: &[&str] = &[
    "say \"hi\"",
    "back\\slash \\\" \\n",
    "two\nlines",
    "trailing newline\n",
    "brace } and {",
    "${x} and $${y}",
    "%{ if true }x%{ endif }",
    "{{x}} and {{ .Value }}",
    "é, 🚀 and \u{2028}",
    "no",
    "- item",
    "a: b # c",
    "'single'",
    "<<",
    "~",
    "0x1F",
    "1:20",
    "2001-12-14",
];

/// A KDL string literal holding `text`.
fn kdl(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() || c == '\u{2028}' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The value at `index`, cycling through [`HOSTILE`].
fn h(index: usize) -> String {
    kdl(HOSTILE[index % HOSTILE.len()])
}

/// The platform: every free-text setting holds a hostile value.
fn platform_files() -> Vec<(String, String)> {
    let env_vars: String =
        (0..HOSTILE.len()).map(|i| format!("    env \"V{i}\" {}\n", h(i))).collect();
    let platform = format!(
        r#"platform "hostile" {{
    description {d0}
    registry "ghcr.io/hostile"
    domain "hostile.example"
    observability {{
        grafana "https://grafana.example/a{{{{b}}}}/%{{c}}/${{d}}/\"q\\"
        default-receiver {d1}
        grafana-datasource {d2}
        requests-metric "http_requests_total:sum"
        duration-metric "_duration:seconds"
        error-codes "5\"\\d\\d|é|}}|\\\\|\n"
        service-label "app_kubernetes_io_name"
    }}
}}

team "crew" {{
    description {d3}
    member "ada@hostile.example" role="lead"
    member "bob@hostile.example"
    channel {d4}
    oncall {d5}
    cost-center {d6}
}}

environment "dev" tier="development" {{
    description {d7}
    region {d8}
}}
environment "prod" tier="production" {{
    description {d9}
    region {d10}
    cluster "prod-1"
    approval required=#true
}}

system "core" team="crew" {{
    description {d11}
}}

// {d12} {d13} {d14} {d15} {d16}
kind "widget" {{
    description {d2}
    field "label" type="string" default={d5} doc={d1}
    field "mode" type="enum" default="a\"b" doc={d6} {{
        one-of "a\"b" "c\\d" "${{x}}" "%{{y}}"
    }}
    output "endpoint" doc={d3}
}}

service "api" team="crew" {{
    description {d17}
    system "core"
    image "api:1.0.0"
    port "http" 8080
    requests cpu="100m" memory="128Mi"
    limits cpu="1" memory="256Mi"
{env_vars}    secret "TOKEN" from="vault:hostile/api#token"
    resource "db" kind="postgres" {{
        instance-class {d0}
        version {d9}
    }}
    resource "thing" kind="widget" {{
        label {d5}
        mode "${{x}}"
    }}
    deploy {{
        canary {{
            step weight=50 pause="5m"
            step weight=100
        }}
        healthcheck path={d2}
        rollback
    }}
    slo "availability" objective="99.9%"
    slo "latency" objective="99%" threshold="250ms"
    runbook "https://runbooks.example/{{{{x}}}}/\"%{{y}}/${{z}}\\"
    override "prod" {{
        replicas 2
    }}
}}
"#,
        d0 = h(0),
        d1 = h(1),
        d2 = h(2),
        d3 = h(3),
        d4 = h(4),
        d5 = h(5),
        d6 = h(6),
        d7 = h(7),
        d8 = h(8),
        d9 = h(9),
        d10 = h(10),
        d11 = h(11),
        d12 = h(12),
        d13 = h(13),
        d14 = h(14),
        d15 = h(15),
        d16 = h(16),
        d17 = h(17),
    );
    let templates = [
        (
            "main.tf.hbs",
            "# {{comment kind.description}}\n\nresource \"terraform_data\" \"this\" {\n  input = {\n    name  = var.name\n    label = {{var \"label\"}}\n    mode  = {{var \"mode\"}}\n    note  = \"{{kind.description}}\"\n  }\n}\n",
        ),
        (
            "variables.tf.hbs",
            "variable \"name\" {\n  type = string\n}\n\nvariable \"tags\" {\n  type    = map(string)\n  default = {}\n}\n{{#each kind.fields}}\n\nvariable \"{{variable}}\" {\n  description = {{hcl description}}\n  type        = {{type}}\n{{#if has_default}}\n  default     = {{hcl default}}\n{{/if}}\n{{#if validation}}\n\n  validation {\n    condition     = {{{validation.condition}}}\n    error_message = {{hcl validation.message}}\n  }\n{{/if}}\n}\n{{/each}}\n",
        ),
        (
            "outputs.tf.hbs",
            "output \"endpoint\" {\n  description = {{hcl kind.output.endpoint.description}}\n  value       = terraform_data.this.output.name\n}\n",
        ),
        ("versions.tf.hbs", "terraform {\n  required_version = \">= 1.5.0\"\n}\n"),
    ];
    let mut files = vec![("platform.kdl".to_owned(), platform)];
    files.extend(
        templates.iter().map(|(name, text)| (format!("widget/{name}"), (*text).to_owned())),
    );
    files
}

fn build() -> Vec<Artifact> {
    let files = platform_files();
    let texts: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let compilation = compile_texts(&texts);
    let rendered = idpc_diagnostics::render_human(
        &compilation.diagnostics,
        &compilation.sources,
        Default::default(),
    );
    let platform = compilation
        .platform
        .as_ref()
        .unwrap_or_else(|| panic!("the hostile platform does not compile:\n{rendered}"));
    idpc_driver::emit(platform, Family::ALL).unwrap_or_else(|e| panic!("{e:?}"))
}

fn write(dir: &Path, artifacts: &[Artifact]) {
    for artifact in artifacts {
        let path = dir.join(&artifact.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &artifact.contents).unwrap();
    }
}

#[test]
fn hostile_values_reach_the_artifacts() {
    let artifacts = build();
    let all: String = artifacts.iter().map(|a| a.contents.as_str()).collect();
    // The values are in the output, not dropped on the way.
    for needle in ["say", "two", "brace", "single", "é"] {
        assert!(all.contains(needle), "`{needle}` reaches no artifact");
    }
}

#[test]
fn every_yaml_file_reads_the_same_in_yaml_1_2_and_yaml_1_1() {
    let artifacts = build();
    let yaml: Vec<&Artifact> = artifacts.iter().filter(|a| a.path.ends_with(".yaml")).collect();
    assert!(yaml.len() > 5, "only {} YAML files", yaml.len());
    for artifact in &yaml {
        // YAML 1.2: serde_yaml reads every document.
        let documents = documents(&artifact.contents);
        assert!(!documents.is_empty(), "{}: no document", artifact.path);
        // YAML 1.1: no plain scalar that a YAML 1.1 reader would take for a non-string.
        for (number, line) in artifact.contents.lines().enumerate() {
            if let Some(scalar) = plain_scalar(line)
                && yaml_1_1_retypes(scalar)
            {
                panic!(
                    "{}:{}: `{scalar}` is a string in YAML 1.2 but not in YAML 1.1",
                    artifact.path,
                    number + 1
                );
            }
        }
    }
    // With PyYAML (a YAML 1.1 reader) on PATH, it must read every file as serde_yaml does.
    let Some(python) =
        uninstallable_program("every_yaml_file_reads_the_same_in_yaml_1_2_and_yaml_1_1", "python3")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &artifacts);
    let script = "import sys, json, yaml\nfor path in sys.argv[1:]:\n    docs = [d for d in yaml.safe_load_all(open(path, encoding='utf-8')) if d is not None]\n    print(json.dumps(docs))\n";
    let paths: Vec<String> =
        yaml.iter().map(|a| dir.path().join(&a.path).display().to_string()).collect();
    let output =
        std::process::Command::new(python).arg("-c").arg(script).args(&paths).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named 'yaml'") {
        println!("skip: every_yaml_file_reads_the_same_in_yaml_1_2_and_yaml_1_1: PyYAML not found");
        return;
    }
    assert!(output.status.success(), "PyYAML fails: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for (artifact, line) in yaml.iter().zip(stdout.lines()) {
        let theirs: serde_json::Value = serde_json::from_str(line).unwrap();
        let ours = serde_json::Value::Array(documents(&artifact.contents));
        assert_eq!(theirs, ours, "{}: PyYAML reads it differently", artifact.path);
    }
}

/// The value of a `key: value` or `- value` line when it is a plain scalar.
fn plain_scalar(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') {
        return None;
    }
    let value = match trimmed.strip_prefix("- ") {
        Some(item) => item.split_once(": ").map_or(item, |(_, v)| v),
        None => trimmed.split_once(": ").map(|(_, v)| v)?,
    };
    let quoted = value.starts_with(['\'', '"', '|', '>', '[', '{']);
    (!quoted && !value.is_empty()).then_some(value)
}

/// Whether a YAML 1.1 reader (PyYAML's resolver) types a plain scalar other than as a string,
/// where it is written as text: booleans, nulls, base-60 and underscored numbers, timestamps.
fn yaml_1_1_retypes(scalar: &str) -> bool {
    let word = ["y", "yes", "n", "no", "on", "off", "~", "null", "<<", "="];
    if word.iter().any(|w| scalar.eq_ignore_ascii_case(w)) {
        return true;
    }
    let sexagesimal = scalar.contains(':')
        && scalar.split(':').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let underscored = scalar.contains('_')
        && scalar.starts_with(|c: char| c.is_ascii_digit())
        && scalar.replace('_', "").parse::<f64>().is_ok();
    let date = scalar.len() == 10
        && scalar
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    sexagesimal || underscored || date
}

#[test]
fn every_json_file_parses() {
    for artifact in
        build().iter().filter(|a| a.path.ends_with(".json") || a.path.ends_with(".manifest"))
    {
        serde_json::from_str::<serde_json::Value>(&artifact.contents)
            .unwrap_or_else(|e| panic!("{}: {e}", artifact.path));
    }
}

#[test]
fn every_rego_file_parses() {
    let mut engine = regorus::Engine::new();
    let mut count = 0;
    for artifact in build().iter().filter(|a| a.path.ends_with(".rego")) {
        engine
            .add_policy(artifact.path.clone(), artifact.contents.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", artifact.path));
        count += 1;
    }
    assert!(count > 0, "no .rego file");
}

#[test]
fn promtool_accepts_the_hostile_rule_files() {
    let Some(promtool) = program("promtool_accepts_the_hostile_rule_files", "promtool") else {
        return;
    };
    let artifacts = build();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &artifacts);
    let files: Vec<String> = artifacts
        .iter()
        .filter(|a| a.path.ends_with(".rules.yaml"))
        .map(|a| a.path.clone())
        .collect();
    assert!(!files.is_empty(), "no rule files");
    let output = std::process::Command::new(promtool)
        .args(["check", "rules"])
        .args(&files)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "promtool check rules failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn terraform_fmt_accepts_the_hostile_modules() {
    let Some(terraform) =
        uninstallable_program("terraform_fmt_accepts_the_hostile_modules", "terraform")
    else {
        return;
    };
    let artifacts = build();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &artifacts);
    if let Err(diff) =
        crate::support::tools::terraform_fmt_check(&terraform, &dir.path().join("terraform"))
    {
        panic!("`terraform fmt` rejects or would change the generated files:\n{diff}");
    }
}
