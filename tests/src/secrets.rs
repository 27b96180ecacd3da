//! No secret reaches an output: the examples hold nothing credential-shaped, no artifact of any
//! example or of the hostile platform does, and a credential that only appears once a template
//! is rendered is a literal-secret diagnostic (E0306), not an internal error.

use idpc_diagnostics::Code;
use idpc_driver::{EmitError, Family};

use crate::support::{build_dir, compile_texts, examples};

#[test]
fn no_example_file_looks_like_a_credential() {
    let mut hits = Vec::new();
    for example in examples() {
        for entry in walkdir::WalkDir::new(&example).into_iter().flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
            for (number, line) in text.lines().enumerate() {
                if idpc_sema::contains_credential(line) {
                    hits.push(format!("{}:{}: {line}", entry.path().display(), number + 1));
                }
            }
        }
    }
    assert!(hits.is_empty(), "credential-shaped text in the examples:\n{}", hits.join("\n"));
}

#[test]
fn no_artifact_of_an_example_looks_like_a_credential() {
    for example in examples() {
        for artifact in build_dir(&example) {
            assert!(
                !artifact.contents.lines().any(idpc_sema::contains_credential),
                "{}: credential-shaped text",
                artifact.path
            );
        }
    }
}

#[test]
fn a_credential_assembled_by_a_template_is_a_diagnostic() {
    let platform = r#"platform "p"
team "t" {
    member "sam@acme.com"
}
environment "dev" tier="development"

kind "store" {
    description "IOSFODNN7EXAMPLE"
    output "endpoint" doc="The endpoint."
}

service "web" team="t" {
    image "web:1.0.0"
    resource "files" kind="store"
}
"#;
    let main = "resource \"terraform_data\" \"this\" {\n  input = {\n    name = var.name\n    key  = \"AKIA{{kind.description}}\"\n  }\n}\n";
    let outputs = "output \"endpoint\" {\n  description = \"The endpoint.\"\n  value       = terraform_data.this.output.name\n}\n";
    let variables = "variable \"name\" {\n  type = string\n}\n";
    let compilation = compile_texts(&[
        ("platform.kdl", platform),
        ("store/main.tf.hbs", main),
        ("store/outputs.tf.hbs", outputs),
        ("store/variables.tf.hbs", variables),
    ]);
    let platform = compilation.platform.as_ref().expect("the description compiles");
    match idpc_driver::emit(platform, Family::ALL) {
        Err(EmitError::Diagnostics(diagnostics)) => {
            assert!(diagnostics.iter().all(|d| d.code == Code::LiteralSecret), "{diagnostics:?}");
            assert!(
                diagnostics.iter().any(|d| d.message.contains("terraform/modules/store/main.tf"))
            );
        }
        other => panic!("expected a literal-secret diagnostic, got {other:?}"),
    }
}
