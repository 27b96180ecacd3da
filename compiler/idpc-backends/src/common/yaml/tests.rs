//! The YAML writer against serde_yaml, and the strings it must quote for YAML 1.1 readers.

use serde_json::{Value, json};

use super::*;

/// Strings that exercise every style decision of the writer.
const STRINGS: &[&str] = &[
    "plain",
    "payments-api",
    "",
    " leading space",
    "trailing space ",
    "a: b",
    "a:b",
    "a:",
    "a #b",
    "a#b",
    "#comment",
    "- dash",
    "-dash",
    "-",
    "? question",
    "?question",
    ":colon",
    "[flow]",
    "{flow}",
    "a,b",
    "&anchor",
    "*alias",
    "!tag",
    "|pipe",
    ">fold",
    "'quote",
    "it's",
    "\"double",
    "say \"hi\"",
    "%percent",
    "@at",
    "`tick",
    "---",
    "--- doc",
    "...",
    "back\\slash",
    "tab\there",
    "bell\u{7}",
    "nul\0",
    "del\u{7f}",
    "next\u{85}line",
    "nbsp\u{a0}",
    "bom\u{feff}",
    "émoji 🚀",
    "line\nbreak",
    "line\nbreak\n",
    "line\nbreak\n\n",
    "\n",
    "\nleading break",
    " leading\nspace",
    "trailing \nspace",
    "space\n after",
    "cr\rreturn",
    "crlf\r\nboth",
    "true",
    "True",
    "FALSE",
    "null",
    "Null",
    "~",
    "1",
    "-1",
    "+1",
    "010",
    "0x1F",
    "0o17",
    "0b101",
    "1.5",
    "1e3",
    ".5",
    "1.",
    ".inf",
    "-.inf",
    ".nan",
    "1.4.2",
    "v1.2",
    "5m",
    "512Mi",
    "${VAR}",
    "%{if}",
    "}",
    "{{args.canary-hash}}",
    "sum(rate(x{a=\"b\"}[5m]))",
    "http://prometheus.monitoring.svc:9090",
    "#payments",
    "key: value # comment",
    "svc-00001",
    "a.b/c-d_e",
    "1.4.2",
    "v1.2",
    "x",
    "a/b/",
];

/// Strings that serde_yaml 0.9 writes plain but a YAML 1.1 reader takes for another type.
const YAML_1_1: &[&str] = &[
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "tRuE",
    "nULL",
    "1_000",
    "0x_1F",
    "1:20",
    "-1:20:30",
    "190:20:30.15",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "<<",
    "=",
    "+.INF",
    "+inf",
];

fn documents() -> Vec<Value> {
    let mut documents = Vec::new();
    for text in STRINGS.iter().chain(YAML_1_1) {
        documents.push(json!(text));
        documents.push(json!({ "key": text, "next": 1 }));
        documents.push(json!({ *text: "value", "next": [text] }));
        documents.push(json!([text, { "nested": [text, { "deep": text }] }]));
        documents.push(json!({ "list": [[text], [[text]]], "map": { "inner": { "x": text } } }));
    }
    documents.push(json!({ "empty": {}, "none": [], "null": null, "n": 1.5, "b": false }));
    documents.push(json!([{}, [], { "a": [] }]));
    documents.push(json!({ "x".repeat(129): 1, "y": { "x".repeat(130): [1, 2] } }));
    documents
}

#[test]
fn writes_what_serde_yaml_writes_except_for_yaml_1_1_ambiguities() {
    let mut failures = Vec::new();
    for document in documents() {
        let ours = to_string(&document);
        let ambiguous = YAML_1_1.iter().any(|t| document.to_string().contains(&format!("\"{t}\"")));
        let uses_line_separators = document.to_string().contains(['\u{2028}', '\u{2029}']);
        if !ambiguous && !uses_line_separators {
            let theirs = serde_yaml::to_string(&document).unwrap();
            if ours != theirs {
                failures.push(format!("for {document}:\n ours: {ours:?}\ntheirs: {theirs:?}"));
                continue;
            }
        }
        match serde_yaml::from_str::<Value>(&ours) {
            Ok(back) if back == document => {}
            Ok(back) => failures.push(format!("{ours:?} reads back as {back}")),
            Err(e) => failures.push(format!("{ours:?} does not parse: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn quotes_every_string_a_yaml_1_1_reader_would_retype() {
    for text in YAML_1_1 {
        let written = to_string(&json!({ "key": text }));
        assert!(written.starts_with("key: '"), "{written}");
        assert!(reads_as_non_string(text), "{text}");
    }
    for text in ["plain", "1.4.2", "v1", "2001-12-14-backup", "12:60", "a1:20", "yesterday", "nop"]
    {
        assert!(!reads_as_non_string(text), "{text}");
    }
}

#[test]
fn line_separators_are_escaped() {
    assert_eq!(to_string(&json!("a\u{2028}b")), "\"a\\Lb\"\n");
}
