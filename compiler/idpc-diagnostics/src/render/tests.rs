//! Rendering stays small and safe whatever the input: long lines, many diagnostics, control
//! characters, multi-byte text.

use super::*;
use crate::code::Code;

fn one(text: &str, start: usize, end: usize, message: &str) -> (Sources, Vec<Diagnostic>) {
    let mut sources = Sources::new();
    let file = sources.add("p.kdl", text.to_owned());
    let span = Span::new(file, start, end);
    (sources, vec![Diagnostic::new(Code::KdlSyntax, message, span, "here")])
}

#[test]
fn a_label_far_into_a_huge_line_is_drawn_from_a_window_with_its_real_column() {
    let mut text = "a".repeat(5_000_000);
    text.push_str("ERR");
    text.push_str(&"b".repeat(5_000_000));
    let (sources, diagnostics) = one(&text, 5_000_000, 5_000_003, "bad");
    let out = render_human(&diagnostics, &sources, RenderOptions::default());
    assert!(out.contains("[p.kdl:1:5000001]"), "{out}");
    assert!(out.contains("aaaERRbbb") && out.contains('…'), "{out}");
    assert!(out.len() < 2_000, "{} bytes", out.len());
    let json = render_json(&diagnostics, &sources);
    assert!(json.contains("\"column\":5000001"), "{json}");
}

#[test]
fn many_diagnostics_are_cut_to_the_limits_with_a_last_line() {
    let text = "x\n".repeat(50_000);
    let mut sources = Sources::new();
    let file = sources.add("p.kdl", text.clone());
    let other = sources.add("q.kdl", text);
    let mut diagnostics = Vec::new();
    for line in 0..20_000 {
        for f in [file, other] {
            let span = Span::new(f, line * 2, line * 2 + 1);
            diagnostics.push(Diagnostic::new(Code::KdlSyntax, "bad", span, "here"));
        }
    }
    let out = render_human(&diagnostics, &sources, RenderOptions::default());
    assert_eq!(out.matches("[p.kdl:").count(), MAX_PER_FILE);
    assert_eq!(out.matches("[q.kdl:").count(), MAX_PER_FILE);
    assert!(
        out.ends_with(
            "… and 39800 more diagnostics not shown (at most 100 per file and 500 in all)\n"
        ),
        "{}",
        &out[out.len() - 200..]
    );
    let json = render_json(&diagnostics, &sources);
    assert_eq!(json.lines().count(), 2 * MAX_PER_FILE + 1);
    assert!(json.ends_with("{\"omitted\":39800}\n"));
}

#[test]
fn control_characters_from_the_input_are_shown_escaped() {
    let text = "service \"\u{1b}[31mred\u{1b}[0m\" {\n  a\u{7}b\n}\n";
    let start = text.find("red").unwrap();
    let (sources, mut diagnostics) =
        one(text, start, start + 3, "name `\u{1b}]0;title\u{7}` is bad");
    diagnostics[0].help = Some("try \u{1b}[2J".to_owned());
    let out = render_human(&diagnostics, &sources, RenderOptions::default());
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("\\u{1b}[31mred"), "{out}");
    assert!(out.contains("\\u{1b}]0;title\\u{7}"), "{out}");
    let json = render_json(&diagnostics, &sources);
    assert!(!json.contains('\u{1b}'), "{json:?}");
}

#[test]
fn labels_keep_their_place_after_multi_byte_text_and_escapes() {
    let text = "née \u{1b} — «x» target here\n";
    let start = text.find("target").unwrap();
    let (sources, diagnostics) = one(text, start, start + 6, "bad");
    let out = render_human(&diagnostics, &sources, RenderOptions::default());
    // The caret line's label sits under `target`.
    let source_line = out.lines().find(|l| l.contains("target here")).unwrap();
    let caret_line = out.lines().find(|l| l.contains("┬")).unwrap();
    let column = |line: &str, needle: &str| line[..line.find(needle).unwrap()].chars().count();
    assert_eq!(column(caret_line, "─"), column(source_line, "target"), "{out}");
    let expected = format!("[p.kdl:1:{}]", text[..start].chars().count() + 1);
    assert!(out.contains(&expected), "{out}");
}

#[test]
fn a_long_message_is_cut() {
    let name = "n".repeat(10_000_000);
    let (sources, diagnostics) = one("x\n", 0, 1, &format!("unknown team `{name}`"));
    let out = render_human(&diagnostics, &sources, RenderOptions::default());
    assert!(out.len() < 3_000, "{}", out.len());
    assert!(render_json(&diagnostics, &sources).len() < 3_000);
}

#[test]
fn labels_past_the_end_and_far_apart_are_drawn() {
    let text = format!("first\n{}last", "mid\n".repeat(100));
    let mut sources = Sources::new();
    let file = sources.add("p.kdl", text.clone());
    let diagnostic = Diagnostic::new(Code::KdlSyntax, "bad", Span::new(file, 0, 5), "one")
        .with_label(Span::new(file, text.len(), text.len() + 10), "two");
    let out = render_human(&[diagnostic], &sources, RenderOptions::default());
    assert!(out.contains("one") && out.contains("two") && out.contains("102 │ last"), "{out}");
    assert!(!out.contains(" 50 │"), "{out}");
}
