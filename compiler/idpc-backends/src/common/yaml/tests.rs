//! The YAML writer against serde_yaml, and the strings it must quote for YAML 1.1 readers.

use serde_json::{Value, json};

use super::*;

/// The writer this one replaced, over a tree of JSON values: the oracle of the direct
/// serializer.
mod tree {
    use serde_json::Value;

    use super::super::{Context, is_break, push_indent, write_scalar};

    pub(super) fn to_string(value: &Value) -> String {
        let mut out = String::new();
        node(&mut out, value, 0, Place::Top);
        out
    }

    fn scalar(text: &str, context: Context, indent: usize) -> String {
        let mut out = String::new();
        write_scalar(&mut out, text, context, indent);
        out
    }

    fn is_simple_key(key: &str) -> bool {
        key.len() <= 128 && !key.chars().any(is_break)
    }

    /// Where a node is written: what precedes it on its line.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Place {
        /// The document's root.
        Top,
        /// After `key:`, whose key starts at the given indentation.
        Value,
        /// After `- ` or after the `: ` of a complex key: a collection starts on the same line.
        Inline,
    }

    fn node(out: &mut String, value: &Value, indent: usize, place: Place) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                let inner = if place == Place::Top { 0 } else { indent + 2 };
                if place == Place::Value {
                    out.push('\n');
                }
                for (index, (key, value)) in map.iter().enumerate() {
                    if index > 0 || place == Place::Value {
                        push_indent(out, inner);
                    }
                    entry(out, key, value, inner);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                // In a mapping, a sequence is written at its key's indentation.
                let inner = match place {
                    Place::Top | Place::Value => indent,
                    Place::Inline => indent + 2,
                };
                if place == Place::Value {
                    out.push('\n');
                }
                for (index, item) in items.iter().enumerate() {
                    if index > 0 || place == Place::Value {
                        push_indent(out, inner);
                    }
                    out.push_str("- ");
                    if is_block_collection(item) {
                        node(out, item, inner, Place::Inline);
                    } else {
                        scalar_or_flow(out, item, inner + 2);
                    }
                }
            }
            _ => {
                if place != Place::Top {
                    out.push(' ');
                }
                scalar_or_flow(out, value, indent + 2);
            }
        }
    }

    /// One `key: value` pair of a block mapping whose keys start at `indent`; the cursor is at the
    /// key's place.
    fn entry(out: &mut String, key: &str, value: &Value, indent: usize) {
        if is_simple_key(key) {
            out.push_str(&scalar(key, Context::Key, indent));
            out.push(':');
            if is_block_collection(value) {
                node(out, value, indent, Place::Value);
            } else {
                out.push(' ');
                scalar_or_flow(out, value, indent + 2);
            }
        } else {
            out.push_str("? ");
            out.push_str(&scalar(key, Context::Block, indent + 2));
            if !out.ends_with('\n') {
                out.push('\n');
            }
            push_indent(out, indent);
            out.push(':');
            out.push(' ');
            if is_block_collection(value) {
                node(out, value, indent, Place::Inline);
            } else {
                scalar_or_flow(out, value, indent + 2);
            }
        }
    }

    /// A scalar or an empty collection, followed by the end of its line. `indent` is where the lines
    /// of a literal block start.
    fn scalar_or_flow(out: &mut String, value: &Value, indent: usize) {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => out.push_str(&scalar(s, Context::Block, indent)),
            Value::Array(_) => out.push_str("[]"),
            Value::Object(_) => out.push_str("{}"),
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }

    fn is_block_collection(value: &Value) -> bool {
        match value {
            Value::Object(map) => !map.is_empty(),
            Value::Array(items) => !items.is_empty(),
            _ => false,
        }
    }
}

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

/// A small deterministic generator of JSON trees, so that the direct serializer is compared with
/// the tree writer on shapes no hand-written case covers.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn value(&mut self, depth: usize) -> Value {
        let strings = STRINGS.iter().chain(YAML_1_1);
        match self.below(if depth == 0 { 4 } else { 7 }) {
            0 => Value::Null,
            1 => json!(self.below(2) == 0),
            2 => json!(strings.clone().nth(self.below(STRINGS.len() + YAML_1_1.len()))),
            3 => [json!(self.next() as i64), json!(0.25 * self.below(9) as f64)][self.below(2)]
                .clone(),
            4 | 5 => Value::Object(
                (0..self.below(4))
                    .map(|i| {
                        let key = strings.clone().nth(self.below(STRINGS.len())).copied();
                        (format!("{}{i}", key.unwrap_or("k")), self.value(depth - 1))
                    })
                    .collect(),
            ),
            _ => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
        }
    }
}

#[test]
fn writes_what_the_tree_writer_wrote() {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    for document in documents().into_iter().chain((0..3000).map(|_| random.value(5))) {
        assert_eq!(to_string(&document), tree::to_string(&document), "for {document}");
    }
}

#[test]
fn writes_enums_and_options_as_json_values_would() {
    #[derive(serde::Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(u8, &'static str),
        Struct { a: Vec<u8>, b: Option<u8> },
    }
    #[derive(serde::Serialize)]
    struct Holder {
        shapes: Vec<Shape>,
        none: Option<u8>,
        empty: std::collections::BTreeMap<u8, u8>,
        keyed: std::collections::BTreeMap<u8, Shape>,
        half: f64,
        nan: f64,
    }
    let holder = Holder {
        shapes: vec![
            Shape::Unit,
            Shape::Newtype(1),
            Shape::Tuple(2, "yes"),
            Shape::Struct { a: vec![], b: None },
            Shape::Struct { a: vec![3], b: Some(4) },
        ],
        none: None,
        empty: Default::default(),
        keyed: [(7, Shape::Tuple(1, "x"))].into_iter().collect(),
        half: 0.5,
        nan: f64::NAN,
    };
    let through_tree = tree::to_string(&serde_json::to_value(&holder).unwrap());
    assert_eq!(to_string(&holder), through_tree);
    assert!(through_tree.contains("- Tuple:\n  - 2\n  - 'yes'\n"), "{through_tree}");
}

/// The strings and YAML 1.1 cases above, and every string of up to `longest` characters over
/// `alphabet`.
fn cases_and_strings_over(alphabet: &str, longest: usize) -> Vec<String> {
    let mut texts: Vec<String> = STRINGS.iter().chain(YAML_1_1).map(|s| (*s).to_owned()).collect();
    let mut layer = vec![String::new()];
    for _ in 0..longest {
        layer = layer
            .iter()
            .flat_map(|prefix| alphabet.chars().map(move |c| format!("{prefix}{c}")))
            .collect();
        texts.extend(layer.iter().cloned());
    }
    texts
}

#[test]
fn the_ascii_line_shortcut_agrees_with_the_full_analysis() {
    // Every string of up to four characters over the ones that matter, and the cases above.
    let texts = cases_and_strings_over(" :#-?.'\"a,[]|%\t", 4);
    for text in texts {
        if let Some(plain) = ascii_line_plain_allowed(&text) {
            assert_eq!(plain, Analysis::of(&text).plain_allowed, "{text:?}");
        }
    }
}

#[test]
fn the_plain_word_shortcut_agrees_with_the_full_check() {
    // Every word of up to three characters over letters that start the special words, digits
    // and the word punctuation, and the cases above.
    let mut texts = cases_and_strings_over("nNtTfFyYoOlLeEsuU.xXbB019_-/:aiI+", 3);
    // Longer words, on both sides of the five letters of the longest special word.
    texts.extend(
        [
            "false",
            "FALSE",
            "falsey",
            "nullable",
            "trueish",
            "offset",
            "Online",
            "yes-no",
            "n12345",
            "0x1F2A3B",
            "123456",
            "1_000_000",
            "1.5e10",
            "1.5e10x",
            "2001-12-14",
        ]
        .map(str::to_owned),
    );
    let words = texts.iter().filter(|text| is_word(text)).count();
    assert!(words > 10_000, "{words} words");
    for text in texts {
        assert_eq!(plain_word(&text), is_word(&text) && !reads_as_non_string(&text), "{text:?}");
    }
}

#[test]
fn the_number_bytes_shortcut_agrees_with_the_full_check() {
    // Every string of up to three characters over the bytes of numbers, infinities, times and
    // timestamps and a few others, longer numbers and timestamps, and the cases above.
    let mut texts = cases_and_strings_over("019afAFxXoObBeEiInNtTyYzZ.+-_: q", 3);
    texts.extend(
        [
            "1_000.5e3",
            "-0x_1F",
            "+.INF",
            "-Infinity",
            "190:20:30.15",
            "1:20",
            "0o17",
            "0b1010",
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
            "2001-12-14 x",
            "2001-1-1",
            "12 34",
            "1.5 ",
            "375000000+37500x300 386262311+12311x59",
            "6h",
            "0.001",
            "99.9%",
            "1e3m",
            "10.0.0.1",
            "1,000",
            "1/2",
        ]
        .map(str::to_owned),
    );
    let numeric_start =
        |t: &String| t.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c));
    let numeric = texts.iter().filter(|t| numeric_start(t)).count();
    assert!(numeric > 5_000, "{numeric} texts");
    for text in texts.iter().filter(|t| numeric_start(t)) {
        assert_eq!(reads_as_non_string(text), reads_as_number(text), "{text:?}");
    }
}

#[test]
fn a_yaml_1_2_reader_reads_back_every_document() {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let mut failures = Vec::new();
    for document in documents().into_iter().chain((0..2000).map(|_| random.value(5))) {
        let ours = to_string(&document);
        match serde_saphyr::from_str::<Value>(&ours) {
            Ok(back) if back == document => {}
            Ok(back) => failures.push(format!("{ours:?} reads back as {back}")),
            Err(e) => failures.push(format!("{ours:?} does not parse: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_shared_value_is_written_as_a_copy_of_it_would_be_wherever_it_comes() {
    // The same labels as a field, as sequence elements (inline), nested deeper, as a key's value
    // in a map, and a shared scalar and empty map: written once per position and copied after,
    // they must read exactly as separate copies do.
    #[derive(serde::Serialize)]
    struct Doc<L> {
        first: L,
        second: L,
        list: Vec<L>,
        nested: Vec<Doc2<L>>,
        name: L,
        empty: L,
    }
    #[derive(serde::Serialize)]
    struct Doc2<L> {
        labels: L,
        again: L,
    }
    let labels = json!({ "team": "payments", "on": "yes", "multi": "a\nb", "list": [1, "x"] });
    let shared = Shared::new(labels.clone());
    let name = Shared::new(json!("no"));
    let empty = Shared::new(json!({}));
    let doc = Doc {
        first: shared.clone(),
        second: shared.clone(),
        list: vec![shared.clone(), shared.clone()],
        nested: vec![Doc2 { labels: shared.clone(), again: shared.clone() }],
        name: name.clone(),
        empty: empty.clone(),
    };
    let copies = Doc {
        first: labels.clone(),
        second: labels.clone(),
        list: vec![labels.clone(), labels.clone()],
        nested: vec![Doc2 { labels: labels.clone(), again: labels.clone() }],
        name: json!("no"),
        empty: json!({}),
    };
    let written = to_string(&doc);
    assert_eq!(written, to_string(&copies));
    assert!(written.contains("list:\n- team: payments\n"), "{written}");
    assert_eq!(written.matches("team: payments").count(), 6, "{written}");
    // Other serializers see the value itself.
    assert_eq!(serde_json::to_value(&doc).unwrap(), serde_json::to_value(&copies).unwrap());
}
