//! The new parser against the `kdl` crate: on every valid input of the spec suite and on
//! generated documents, both must produce the same [`crate::ast`] (names, values, spans,
//! annotations, children).

use super::generate::{Rng, document};

/// Parses `text` with both parsers and describes the first difference; an input the `kdl`
/// crate rejects is a failure here, where every input is valid.
fn compare(text: &str) -> Result<(), String> {
    match crate::from_kdl::agrees(text)? {
        true => Ok(()),
        false => Err("the kdl crate rejects it".to_owned()),
    }
}

#[test]
fn agrees_with_kdl_on_the_spec_suite() {
    let Some(dir) = super::spec::suite_dir() else { return };
    let mut failures = Vec::new();
    let mut compared = 0;
    for (name, input, expected) in super::spec::cases(&dir) {
        if expected.is_none() {
            continue;
        }
        compared += 1;
        if let Err(e) = compare(&input) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert_eq!(compared, 232);
    assert!(failures.is_empty(), "{} differ:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn agrees_with_kdl_on_generated_documents() {
    let mut failures = Vec::new();
    for seed in 0..3000 {
        let text = document(&mut Rng::new(seed));
        if let Err(e) = compare(&text) {
            failures.push(format!("seed {seed}: {text:?}\n{e}"));
        }
    }
    let shown: Vec<&String> = failures.iter().take(5).collect();
    assert!(failures.is_empty(), "{} of 3000 differ:\n{shown:#?}", failures.len());
}
