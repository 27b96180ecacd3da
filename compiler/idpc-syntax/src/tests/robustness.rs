//! Hostile and broken input: every input gives a tree holding every byte, no panic, a bounded
//! number of diagnostics, and time linear in the input (the inputs here would take minutes or
//! overflow the stack otherwise).

use idpc_diagnostics::{Code, Diagnostic, FileId};

use super::generate::{Rng, document};
use super::parse_checked;
use crate::errors::MAX_REPORTED;

/// Parses and lowers `text`, checking the tree is lossless and the diagnostics bounded.
fn survive(text: &str) -> Vec<Diagnostic> {
    let (_, diagnostics) = parse_checked(text);
    assert!(diagnostics.len() <= MAX_REPORTED + 1, "{} diagnostics", diagnostics.len());
    let parse = crate::parse(FileId(0), text);
    assert!(parse.source_file.is_some());
    diagnostics
}

#[test]
fn random_mutations_of_valid_documents() {
    const PIECES: &[&str] = &[
        "{",
        "}",
        "(",
        ")",
        "\"",
        "\"\"\"",
        "#",
        "#\"",
        "\"#",
        "/",
        "/-",
        "/*",
        "*/",
        "//",
        "\\",
        "=",
        ";",
        "\n",
        "\r",
        " ",
        "\t",
        "0x",
        "1.",
        "e",
        "_",
        "#true",
        "\u{FEFF}",
        "\u{7F}",
        "\u{2028}",
        "é",
        "\u{0}",
        "\\u{",
        "\\u{110000}",
        "[",
        "-",
        "+",
        ".",
    ];
    for seed in 0..1500 {
        let mut rng = Rng::new(seed);
        let mut text: Vec<char> = document(&mut rng).chars().collect();
        for _ in 0..1 + rng.below(6) {
            let at = rng.below(text.len() + 1);
            match rng.below(5) {
                0 if !text.is_empty() => {
                    let end = (at + 1 + rng.below(8)).min(text.len());
                    text.drain(at.min(end)..end);
                }
                1 => {
                    let end = (at + rng.below(20)).min(text.len());
                    let copy: Vec<char> = text[at.min(end)..end].to_vec();
                    text.splice(at..at, copy);
                }
                2 => text.truncate(at),
                _ => {
                    let piece = rng.pick(PIECES);
                    text.splice(at..at, piece.chars());
                }
            }
        }
        let text: String = text.into_iter().collect();
        survive(&text);
    }
}

#[test]
fn twenty_thousand_nested_block_comments() {
    let open = "/* ".repeat(20_000);
    let closed = format!("{open}{}node 1\n", "*/ ".repeat(20_000));
    assert!(survive(&closed).is_empty());
    let parse = crate::parse(FileId(0), &closed);
    assert_eq!(parse.source_file.unwrap().nodes.len(), 1);
    assert_eq!(survive(&open).len(), 1);
}

#[test]
fn sixty_thousand_unmatched_closing_braces() {
    for text in ["}".repeat(60_000), "}\n".repeat(60_000), format!("a\n{}b\n", "} ".repeat(60_000))]
    {
        let diagnostics = survive(&text);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    }
}

#[test]
fn a_million_tiny_nodes() {
    let text = "a;".repeat(1_000_000);
    assert!(survive(&text).is_empty());
    let parse = crate::parse(FileId(0), &text);
    assert_eq!(parse.source_file.unwrap().nodes.len(), 1_000_000);
}

#[test]
fn a_long_single_line_string() {
    let body = "x".repeat(4 << 20);
    let text = format!("node \"{body}\" #\"{body}\"#\n");
    assert!(survive(&text).is_empty());
    let unterminated = format!("node \"{body}");
    assert_eq!(survive(&unterminated).len(), 1);
}

#[test]
fn a_hundred_thousand_errors_on_one_line() {
    let samples = [
        format!("node {}\n", "= ".repeat(100_000)),
        format!("node {}\n", "\"a\"1".repeat(100_000)),
        format!("node {}\n", "] ".repeat(100_000)),
        format!("node {}\n", "0n ".repeat(100_000)),
        format!("{}\n", "() ".repeat(100_000)),
        format!("node {}\n", "\\x ".repeat(100_000)),
    ];
    for text in &samples {
        let diagnostics = survive(text);
        assert!(!diagnostics.is_empty());
    }
}

#[test]
fn deep_children_blocks_are_cut_at_the_limit() {
    for text in ["a {".repeat(100_000), format!("{}{}", "a {".repeat(100_000), "}".repeat(100_000))]
    {
        let diagnostics = survive(&text);
        assert_eq!(diagnostics.iter().filter(|d| d.code == Code::NestingTooDeep).count(), 1);
        let parse = crate::parse(FileId(0), &text);
        let mut depth = 0;
        let mut nodes = &parse.source_file.unwrap().nodes;
        while let Some(node) = nodes.first() {
            depth += 1;
            nodes = node.children.as_ref().unwrap_or(const { &Vec::new() });
        }
        // A top-level node and one node per block level.
        assert_eq!(depth, crate::MAX_DEPTH + 1);
    }
}

#[test]
fn every_byte_prefix_of_a_document_parses() {
    let text = document(&mut Rng::new(7));
    for (at, _) in text.char_indices() {
        survive(&text[..at]);
    }
}
