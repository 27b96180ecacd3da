//! The formatter: its layout on small cases, and on every valid input we have (the KDL suite,
//! the repository's files, generated documents) that it is idempotent, keeps every comment and
//! changes nothing the parser reads.

use std::path::{Path, PathBuf};

use idpc_diagnostics::FileId;

use super::generate::{Rng, document};
use super::print::canonical;
use crate::cst::SyntaxKind;
use crate::format;

/// Formats `input`, checking the result means the same, keeps every comment and is stable.
fn check(name: &str, input: &str) -> String {
    let output = format(input).unwrap_or_else(|e| panic!("{name}: not formatted: {e:?}"));
    let before = crate::parse(FileId(0), input);
    let after = crate::parse(FileId(0), &output);
    assert!(
        !after.has_errors(),
        "{name}: the output does not parse: {:?}\n{output}",
        after.diagnostics
    );
    let (Some(before_file), Some(after_file)) = (&before.source_file, &after.source_file) else {
        panic!("{name}: no tree");
    };
    assert_eq!(
        canonical(input, before_file),
        canonical(&output, after_file),
        "{name}: the meaning changed\n--- input\n{input}\n--- output\n{output}"
    );
    assert_eq!(comments(input), comments(&output), "{name}: comments changed\n{output}");
    assert_eq!(words(input), words(&output), "{name}: a token changed\n{output}");
    let again = format(&output).unwrap_or_else(|e| panic!("{name}: output not formatted: {e:?}"));
    assert_eq!(output, again, "{name}: not idempotent\n--- input\n{input}");
    layout_rules(name, &output);
    output
}

/// No whitespace at the end of a line, at most one blank line in a row, one final newline.
fn layout_rules(name: &str, output: &str) {
    let (tree, _) = crate::parse_tree(FileId(0), output);
    let kinds: Vec<SyntaxKind> = tree.tokens().map(|t| t.kind()).collect();
    for pair in kinds.windows(2) {
        assert!(
            !(pair[0] == SyntaxKind::Whitespace && pair[1] == SyntaxKind::Newline),
            "{name}: trailing whitespace\n{output}"
        );
    }
    for triple in kinds.windows(3) {
        assert!(
            triple.iter().any(|&k| k != SyntaxKind::Newline),
            "{name}: two blank lines\n{output}"
        );
    }
    assert!(kinds.last() != Some(&SyntaxKind::Whitespace), "{name}: trailing whitespace");
    assert!(
        output.is_empty()
            || output == "\u{FEFF}"
            || output.ends_with('\n') && !output.ends_with("\n\n"),
        "{name}"
    );
}

/// Every token but whitespace, `;` and `\\`, in order: what the formatter must keep verbatim.
fn words(text: &str) -> Vec<String> {
    let (tree, _) = crate::parse_tree(FileId(0), text);
    tree.tokens()
        .filter(|t| {
            !matches!(
                t.kind(),
                SyntaxKind::Whitespace
                    | SyntaxKind::Newline
                    | SyntaxKind::Semicolon
                    | SyntaxKind::Escline
            )
        })
        .map(|t| t.text().to_owned())
        .collect()
}

/// The text of every comment, in order.
fn comments(text: &str) -> Vec<String> {
    let (tree, _) = crate::parse_tree(FileId(0), text);
    tree.tokens()
        .filter(|t| matches!(t.kind(), SyntaxKind::LineComment | SyntaxKind::BlockComment))
        .map(|t| t.text().to_owned())
        .collect()
}

#[test]
fn layout() {
    let cases = [
        ("a", "a\n"),
        ("", ""),
        ("\n\n  \n", ""),
        ("a   1  key = 2 {\n b\n   c; d\n}", "a 1 key=2 {\n    b\n    c\n    d\n}\n"),
        ("a{b{c}}", "a {\n    b {\n        c\n    }\n}\n"),
        ("a {}", "a {}\n"),
        ("a {\n\n}", "a {}\n"),
        ("\n\n\na\n\n\n\nb\n\n\n", "a\n\nb\n"),
        ("a {\n\n  b\n\n}", "a {\n    b\n}\n"),
        ("( t )a ( u )1 k= ( v ) 2", "(t)a (u)1 k=(v)2\n"),
        ("/- a 1\nb /- 2 /- k=3 /- {\n x\n}", "/-a 1\nb /-2 /-k=3 /-{\n    x\n}\n"),
        ("a 1 \\\n  2 \\\n 3", "a 1 2 3\n"),
        ("a 1 \\ // why\n  2", "a 1 \\ // why\n    2\n"),
        ("a // end\n  // own\nb", "a // end\n// own\nb\n"),
        (
            "a {   // after brace\n b\n // before brace\n}",
            "a { // after brace\n    b\n    // before brace\n}\n",
        ),
        ("a /* x */ 1 /* y */\n/* z */ b", "a /* x */ 1 /* y */\n/* z */ b\n"),
        ("a; /* c */ b", "a /* c */\nb\n"),
        ("a // end of file", "a // end of file\n"),
        (
            "a \"\"\"\n    text  \n      more\n    \"\"\"",
            "a \"\"\"\n    text  \n      more\n    \"\"\"\n",
        ),
        ("\u{FEFF}a", "\u{FEFF}a\n"),
        ("/-kdl-version 2\n/-  a", "/- kdl-version 2\n/-a\n"),
        ("a\r\nb\r\n", "a\nb\n"),
        ("a 0x1F 1_000 #\"raw\"# \"q\\n\" #true", "a 0x1F 1_000 #\"raw\"# \"q\\n\" #true\n"),
    ];
    for (input, expected) in cases {
        assert_eq!(check(input, input), expected, "formatting {input:?}");
    }
}

#[test]
fn a_syntax_error_is_not_formatted() {
    let errors = format("a {\n").unwrap_err();
    assert!(!errors.is_empty());
    assert!(format("a \"unterminated").is_err());
}

#[test]
fn every_comment_is_kept_in_order() {
    let input = "// head\n/* block */ a /* between */ 1 /* after arg */ k=2 // end a\n\
                 // own line\nb { // after brace\n    /* first */ c /- d {\n        e // in slashdashed\n    }\n\
                     i /-{\n  // commented block\n  f\n}\n    // before brace\n} // after brace close\n\
                 /- g /* in slashdashed node */ 3\n/-\n// between slashdash and node\nh\n\
                 j (t /* in type */)1 \\ // continued\n  2\n// end of file";
    let output = check("comments", input);
    let expected = comments(input);
    assert_eq!(expected.len(), 17);
    for comment in &expected {
        assert!(output.contains(comment.as_str()), "{comment} is missing from\n{output}");
    }
    assert!(output.contains("k=2 // end a\n"));
    assert!(output.contains("b { // after brace\n"));
    assert!(output.contains("\n    // before brace\n} // after brace close\n"));
    assert!(output.contains("\n/-\n// between slashdash and node\nh\n"));
    assert!(output.ends_with("\n// end of file\n"));
}

#[test]
fn the_kdl_suite_formats_to_the_same_documents() {
    let Some(dir) = super::spec::suite_dir() else { return };
    let mut checked = 0;
    for (name, input, expected) in super::spec::cases(&dir) {
        if expected.is_some() {
            check(&name, &input);
            checked += 1;
        } else {
            assert!(format(&input).is_err(), "{name}: invalid, but formatted");
        }
    }
    assert!(checked > 150, "only {checked} valid cases");
}

#[test]
fn generated_documents_format_to_the_same_documents() {
    let mut rng = Rng::new(7);
    for i in 0..2000 {
        let input = document(&mut rng);
        check(&format!("document {i}"), &input);
    }
}

/// Every `.kdl` file under `dir`.
fn kdl_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            kdl_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "kdl") {
            files.push(path);
        }
    }
}

#[test]
fn the_repository_formats_to_the_same_documents() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "tests/ui"] {
        kdl_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    let mut formatted = 0;
    for path in files {
        let Ok(input) = String::from_utf8(std::fs::read(&path).unwrap()) else { continue };
        if crate::parse(FileId(0), &input).has_errors() {
            assert!(format(&input).is_err());
            continue;
        }
        check(&path.display().to_string(), &input);
        formatted += 1;
    }
    assert!(formatted > 20);
}

#[test]
fn awkward_places_for_comments_and_continuations() {
    let cases = [
        "a /- // c\n 1",
        "a \\ /* x */\n 1",
        "a \\",
        "a \\ // c",
        "a { b \\ // c\n 1 }",
        "a k= \\ // c\n 1",
        "a k=\\\n 1 /- // c\n 2",
        "a /- \\\n // c\n 2",
        "a k = /* c */ 1 ( /* t */ u8 )2",
        "/- a {\n b\n}\nc",
        "a {\n /- b\n}",
        "a;b{c;d}",
        "a; b; c;",
        "a /-{ x } { y }",
        "a {} /-{}",
        "/-\n\n a",
        "/- // c\n\n // d\n a",
        "a /-\n  1",
        "(t)a (t)\"s\" k=(t)1 /-(t)2",
        "a /* multi\nline */ 1",
        "/* multi\n  line */\na",
        "  /* one */ /* two */ a /* three */ ; /* four */ b",
        "a \"\"\"\n  x\n  \"\"\" 1",
        "a #\"\"\"\n  x\n  \"\"\"# k=1",
        "a { // c\n}",
        "a { /* c */ }",
        "a {\n b // c\n\n\n // d\n}",
        "a 1 \\\n\n b",
        "a; // c",
        "a /* c */; b",
        "/-a;b",
        "a\u{a0}1\t\t2",
        "a {\r\n b\r\n}\r\n",
        "a {\n}\n\n\n/* end */",
        "/- kdl-version 2\na",
        "\u{FEFF}// only a comment",
        "\u{FEFF}",
        "// only a comment",
        "/* only */",
        "a { b { c { d; e } } }",
        "a {\n  b\n  /- c {\n    d\n  }\n}",
    ];
    for input in cases {
        let output = check(input, input);
        if std::env::var_os("SHOW").is_some() {
            eprintln!("=== {input:?}\n{output}");
        }
    }
}
