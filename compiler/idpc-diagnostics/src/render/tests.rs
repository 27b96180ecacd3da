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
    assert_eq!(json.lines().count(), 2 * MAX_PER_FILE);
    assert_eq!(within_limits(&diagnostics).1, 39800);
    for text in [
        render_plain(&diagnostics, &sources, RenderOptions::default()),
        render_short(&diagnostics, &sources),
        render_github(&diagnostics, &sources),
    ] {
        assert!(text.ends_with(
            "… and 39800 more diagnostics not shown (at most 100 per file and 500 in all)\n"
        ));
        assert!(text.len() < 200_000, "{} bytes", text.len());
    }
    let sarif = sarif_results(&diagnostics, &sources);
    assert_eq!(sarif.len(), 2 * MAX_PER_FILE);
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

fn two_labels() -> (Sources, Vec<Diagnostic>) {
    let mut sources = Sources::new();
    let a = sources.add("services/a.kdl", "service \"a\" team=\"paymnts\" {\n}\n");
    let b = sources.add("teams.kdl", "team \"payments\"\n");
    let diagnostic = Diagnostic::new(
        Code::KdlSyntax,
        "unknown team `paymnts`",
        Span::new(a, 17, 26),
        "no such team",
    )
    .with_label(Span::new(b, 5, 15), "a team with a close name")
    .with_help("did you mean `payments`?");
    (sources, vec![diagnostic])
}

#[test]
fn plain_text_uses_rustc_layout() {
    let (sources, diagnostics) = two_labels();
    let out = render_plain(&diagnostics, &sources, RenderOptions::default());
    let code = diagnostics[0].code;
    let expected = format!(
        "error[{code}]: unknown team `paymnts`
 --> services/a.kdl:1:18
  |
1 | service \"a\" team=\"paymnts\" {{
  |                  ^^^^^^^^^ no such team
  |
  = note: a team with a close name
 --> teams.kdl:1:6
  |
1 | team \"payments\"
  |      ---------- a team with a close name
  |
  = help: did you mean `payments`?

"
    );
    assert_eq!(out, expected);
    let short = render_short(&diagnostics, &sources);
    assert_eq!(short, format!("services/a.kdl:1:18: error[{code}]: unknown team `paymnts`\n"));
}

#[test]
fn github_commands_escape_their_properties_and_message() {
    let mut sources = Sources::new();
    let file = sources.add("a,b:c%.kdl", "x\n");
    let diagnostic =
        Diagnostic::new(Code::KdlSyntax, "50% bad\nsecond line", Span::new(file, 0, 1), "");
    let out = render_github(&[diagnostic], &sources);
    assert!(
        out.starts_with("::error file=a%2Cb%3Ac%25.kdl,line=1,col=1,endLine=1,endColumn=2,title="),
        "{out}"
    );
    assert!(out.contains("::50%25 bad\\nsecond line\n"), "{out}");
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn sarif_names_each_rule_once_with_its_help() {
    let (sources, mut diagnostics) = two_labels();
    diagnostics.push(diagnostics[0].clone());
    let tool =
        SarifTool { name: "idpc", version: "0", help_base: "https://example.invalid/d.html" };
    let log = sarif_log(&tool, sarif_results(&diagnostics, &sources), 0);
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"].as_array().map(Vec::len), Some(1));
    assert_eq!(run["results"].as_array().map(Vec::len), Some(2));
    assert_eq!(run["results"][0]["ruleIndex"], 0);
    let uri = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "services/a.kdl");
    assert_eq!(ci::uri("<stdlib>/a b.kdl"), "%3Cstdlib%3E/a%20b.kdl");
}

#[test]
fn rebased_sources_prefix_every_path_but_embedded_ones() {
    let mut sources = Sources::new();
    let a = sources.add("services/a.kdl", "x");
    let s = sources.add("<stdlib>/kinds.kdl", "x");
    let rebased = sources.rebased(|p| format!("platform/{p}"));
    assert_eq!(rebased.path(a), "platform/services/a.kdl");
    assert_eq!(rebased.path(s), "<stdlib>/kinds.kdl");
}

#[test]
fn a_plain_caret_sits_under_its_text_after_wide_characters() {
    let text = "description \"日本語\"; replicas \"x\"\n";
    let start = text.find("\"x\"").unwrap();
    let (sources, diagnostics) = one(text, start, start + 3, "bad");
    let out = render_plain(&diagnostics, &sources, RenderOptions::default());
    // The column is counted in characters, as rustc does; the caret in a terminal's columns,
    // where each of the three characters takes two.
    assert!(out.contains("p.kdl:1:29"), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let shown = lines.iter().position(|l| l.contains("replicas")).unwrap();
    let caret = lines[shown + 1].find('^').unwrap();
    let prefix = &lines[shown][..lines[shown].find("\"x\"").unwrap()];
    let columns = prefix.chars().map(|c| if "日本語".contains(c) { 2 } else { 1 }).sum::<usize>();
    assert_eq!(caret, columns, "{out}");
}
