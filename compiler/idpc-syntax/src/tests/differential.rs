//! The new parser against the `kdl` crate: on every valid input of the spec suite and on
//! generated documents, both must produce the same [`crate::ast`] (names, values, spans,
//! annotations, children).

use idpc_diagnostics::FileId;

use super::generate::{Rng, document};
use crate::ast::SourceFile;

/// Parses `text` with both parsers and describes the first difference.
fn compare(text: &str) -> Result<(), String> {
    let ours = crate::parse(FileId(0), text);
    let theirs = crate::from_kdl::parse(FileId(0), text);
    let Some(expected) = theirs.source_file else {
        return Err(format!("the kdl crate rejects it: {:?}", theirs.diagnostics));
    };
    if ours.has_errors() {
        return Err(format!("we reject it: {:?}", ours.diagnostics));
    }
    let actual = ours.source_file.ok_or("no tree")?;
    let (a, b) = (render(&actual), render(&expected));
    if a == b {
        return Ok(());
    }
    let at = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
    let context =
        |s: &str| s.lines().skip(at.saturating_sub(3)).take(8).collect::<Vec<_>>().join("\n");
    Err(format!("trees differ at line {at}:\n--- ours\n{}\n--- kdl\n{}", context(&a), context(&b)))
}

fn render(file: &SourceFile) -> String {
    format!("{:#?}", file.nodes)
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
