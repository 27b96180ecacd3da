//! Error recovery: a broken file still yields the nodes around the break, and one diagnostic per
//! mistake.

use idpc_diagnostics::{Code, FileId};

use crate::ast::{SourceFile, ValueKind};

fn parse(text: &str) -> (SourceFile, Vec<(Code, String, String)>) {
    let (_, diagnostics) = super::parse_checked(text);
    let parse = crate::parse(FileId(0), text);
    let described = diagnostics
        .iter()
        .map(|d| {
            let span = d.primary.as_ref().unwrap().span;
            (d.code, d.message.clone(), text[span.start as usize..span.end as usize].to_owned())
        })
        .collect();
    (parse.source_file.unwrap(), described)
}

fn names(file: &SourceFile) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<(&crate::ast::Node, usize)> =
        file.nodes.iter().rev().map(|n| (n, 0)).collect();
    while let Some((node, depth)) = stack.pop() {
        out.push(format!("{}{}", "  ".repeat(depth), node.name.text));
        stack.extend(node.children().iter().rev().map(|c| (c, depth + 1)));
    }
    out
}

#[test]
fn an_unclosed_block_closes_at_the_next_line_as_shallow() {
    let text = "platform \"p\"\nservice \"a\" {\n    image \"a:1\"\n    port 80\nservice \"b\" {\n    image \"b:1\"\n}\nteam \"t\"\n";
    let (file, diagnostics) = parse(text);
    assert_eq!(
        diagnostics,
        [(Code::KdlSyntax, "unclosed children block".to_owned(), "{".to_owned())]
    );
    assert_eq!(
        names(&file),
        ["platform", "service", "  image", "  port", "service", "  image", "team"]
    );
}

#[test]
fn an_unclosed_inner_block_closes_before_a_dedented_brace() {
    let text = "a {\n    b {\n        c 1\n    d 2\n}\ne 3\n";
    let (file, diagnostics) = parse(text);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(names(&file), ["a", "  b", "    c", "  d", "e"]);
}

#[test]
fn a_block_unclosed_at_the_end_keeps_its_nodes() {
    let (file, diagnostics) = parse("a 1\nb {\n    c\n");
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(names(&file), ["a", "b", "  c"]);
}

#[test]
fn balanced_files_ignore_indentation() {
    let (file, diagnostics) = parse("a {\nb {\nc\n}\n}\nd\n");
    assert!(diagnostics.is_empty());
    assert_eq!(names(&file), ["a", "  b", "    c", "d"]);
}

#[test]
fn a_property_without_a_value_points_at_the_property() {
    let text =
        "platform \"p\"\nteam \"t\" {\n    member \"a@p.dev\" role=\n    member \"b@p.dev\"\n}\n";
    let (file, diagnostics) = parse(text);
    assert_eq!(
        diagnostics,
        [(Code::KdlSyntax, "expected a property value".to_owned(), "role=".to_owned())]
    );
    assert_eq!(names(&file), ["platform", "team", "  member", "  member"]);
}

#[test]
fn garbage_inside_a_node_is_skipped() {
    let (file, diagnostics) = parse("a 1 ) 2 k=3\nb \"x\\q\" 4\nc 0n 5\n");
    assert_eq!(diagnostics.len(), 3, "{diagnostics:?}");
    let args: Vec<Vec<ValueKind>> =
        file.nodes.iter().map(|n| n.args.iter().map(|a| a.kind.clone()).collect()).collect();
    assert_eq!(
        args,
        [
            vec![ValueKind::Integer(1), ValueKind::Integer(2)],
            vec![ValueKind::Integer(4)],
            vec![ValueKind::Integer(5)],
        ]
    );
    assert_eq!(file.nodes[0].props.len(), 1);
}

#[test]
fn stray_closing_braces_are_one_diagnostic() {
    let (file, diagnostics) = parse("a\n}\n}\n}\nb\n");
    assert_eq!(diagnostics, [(Code::KdlSyntax, "unmatched `}`".to_owned(), "}\n}\n}".to_owned())]);
    assert_eq!(names(&file), ["a", "b"]);
}

#[test]
fn too_deep_blocks_are_reported_once_and_skipped() {
    let deep = format!("{}{}", "a { ".repeat(70), "} ".repeat(70));
    let text = format!("first\n{deep}\nlast\n");
    let (file, diagnostics) = parse(&text);
    assert_eq!(
        diagnostics,
        [(
            Code::NestingTooDeep,
            "children blocks nest deeper than 64 levels".to_owned(),
            "{".to_owned()
        )]
    );
    assert_eq!(file.nodes.len(), 3);
    assert_eq!(file.nodes[2].name.text, "last");
}

#[test]
fn kdl_version_one_is_refused() {
    let (_, diagnostics) = parse("/- kdl-version 1\nnode\n");
    assert_eq!(diagnostics.len(), 1);
    let (_, diagnostics) = parse("/- kdl-version 2\nnode\n");
    assert!(diagnostics.is_empty());
}

#[test]
fn integers_beyond_64_bits_are_diagnosed() {
    let (file, diagnostics) =
        parse("a 0xabcdef1234567890 170141183460469231731687303715884105728 1\n");
    // Neighbouring repeats merge into one diagnostic.
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(file.nodes[0].args.len(), 1);
}
