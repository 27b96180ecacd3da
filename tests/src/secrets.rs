//! No secret reaches an output: the examples hold nothing credential-shaped, no artifact of any
//! example or of the hostile platform does, and a credential that only appears once a template
//! is rendered is a literal-secret diagnostic (E0306), not an internal error.

use idpc_diagnostics::Code;
use idpc_driver::{EmitError, Family};

use crate::support::{build_dir, compile_texts, examples, run_cli};

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

const PLATFORM: &str = r#"platform "p"
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
const MAIN: &str = "resource \"terraform_data\" \"this\" {\n  input = {\n    name = var.name\n    key  = \"AKIA{{kind.description}}\"\n  }\n}\n";
const OUTPUTS: &str = "output \"endpoint\" {\n  description = \"The endpoint.\"\n  value       = terraform_data.this.output.name\n}\n";
const VARIABLES: &str = "variable \"name\" {\n  type = string\n}\n";

#[test]
fn a_credential_assembled_by_a_template_is_a_diagnostic() {
    let compilation = compile_texts(&[
        ("platform.kdl", PLATFORM),
        ("store/main.tf.hbs", MAIN),
        ("store/outputs.tf.hbs", OUTPUTS),
        ("store/variables.tf.hbs", VARIABLES),
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

#[test]
fn a_build_that_would_write_a_credential_leaves_the_previous_tree_as_it_was() {
    // Artifacts are written into the staging tree as they are made; the one holding the
    // credential may come last. None of them reaches the output.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let files = [
        ("platform.kdl", PLATFORM.replace("IOSFODNN7EXAMPLE", "a store")),
        ("store/main.tf.hbs", MAIN.to_owned()),
        ("store/outputs.tf.hbs", OUTPUTS.to_owned()),
        ("store/variables.tf.hbs", VARIABLES.to_owned()),
    ];
    for (path, text) in &files {
        std::fs::create_dir_all(src.join(path).parent().unwrap()).unwrap();
        std::fs::write(src.join(path), text).unwrap();
    }
    let out = dir.path().join("out");
    let build = || run_cli(&["build", src.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let (code, _, err) = build();
    assert_eq!(code, 0, "{err}");
    let before = idpc_driver::read_tree(&out).unwrap();
    std::fs::write(src.join("platform.kdl"), PLATFORM).unwrap();
    let (code, _, err) = build();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0306") && err.contains("nothing written"), "{err}");
    assert_eq!(idpc_driver::read_tree(&out).unwrap(), before);
    let left: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 2, "no staging tree is left beside the output: {left:?}");
}
