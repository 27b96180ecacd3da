//! `idpc lsp` driven over stdio as an editor drives it, on a copy of `examples/acme`: every
//! answer is checked.

#![expect(clippy::disallowed_methods, reason = "the test drives the binary and reads fixtures")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails loudly")]

#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::path::{Path, PathBuf};

use lsp_client::{Client, copy_dir, uri};
use serde_json::{Value, json};

fn acme() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("acme");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    copy_dir(&example, &root);
    (dir, root)
}

/// The line and UTF-16 column of the first occurrence of `needle` plus `shift` characters.
fn position(text: &str, needle: &str, shift: usize) -> Value {
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle} not found"));
    let line = text[..offset].matches('\n').count();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].encode_utf16().count() + shift;
    json!({ "line": line, "character": column })
}

fn open(client: &mut Client, path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(path), "languageId": "kdl", "version": 1, "text": text } }),
    );
    text
}

fn at(path: &Path, text: &str, needle: &str, shift: usize) -> Value {
    json!({ "textDocument": { "uri": uri(path) }, "position": position(text, needle, shift) })
}

#[test]
fn an_editor_session_on_acme() {
    let (_dir, root) = acme();
    // Built once, so that a service's definition also lists its generated files.
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_idpc"))
        .arg("build")
        .arg(&root)
        .env("IDPC_TODAY", "2026-11-22")
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let mut client = Client::start(&root);
    let payments = root.join("services/payments.kdl");
    let text = open(&mut client, &payments);
    let first = client.diagnostics("services/payments.kdl");
    assert!(first.iter().all(|d| d["severity"] != 1), "acme has no errors: {first:?}");

    // Hover: the node's docs and its value in each environment.
    let hover = client.request("textDocument/hover", at(&payments, &text, "replicas 2", 2));
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.contains("How many instances run"), "{markdown}");
    assert!(markdown.contains("| `prod` | `replicas` | `4` |"), "{markdown}");

    // Definition of a team, in another file; of a service, with its generated files when built.
    let definition =
        client.request("textDocument/definition", at(&payments, &text, "team=\"payments\"", 7));
    assert_eq!(definition[0]["uri"], uri(&root.join("teams.kdl")));
    assert_eq!(definition[0]["range"]["start"], json!({ "line": 0, "character": 6 }));
    let definition = client
        .request("textDocument/definition", at(&payments, &text, "depends-on \"users-api\"", 13));
    assert_eq!(definition[0]["uri"], uri(&root.join("services/identity.kdl")));
    let generated: Vec<&str> = definition
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["uri"].as_str())
        .filter(|u| u.contains("/generated/"))
        .collect();
    let rollout = uri(&root.join("generated/argo-rollouts/prod/users-api.yaml"));
    assert!(generated.contains(&rollout.as_str()), "{generated:?}");
    assert!(generated.iter().all(|u| u.contains("users-api")), "{generated:?}");
    // Into the standard library.
    let definition =
        client.request("textDocument/definition", at(&payments, &text, "kind=\"postgres\"", 7));
    let stdlib = definition[0]["uri"].as_str().unwrap();
    assert!(stdlib.ends_with("/kinds/postgres.kdl"), "{stdlib}");
    let path = stdlib.strip_prefix("file://").unwrap();
    assert!(std::fs::read_to_string(path).unwrap().contains("kind \"postgres\""));

    // References of a team across files.
    let references = client.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": uri(&payments) },
            "position": position(&text, "team=\"payments\"", 7),
            "context": { "includeDeclaration": true },
        }),
    );
    let uris: Vec<&str> =
        references.as_array().unwrap().iter().map(|l| l["uri"].as_str().unwrap()).collect();
    assert!(uris.contains(&uri(&root.join("teams.kdl")).as_str()), "{uris:?}");
    assert!(uris.iter().filter(|u| u.ends_with("payments.kdl")).count() >= 2, "{uris:?}");

    // Completion of an enum value.
    let completion = client
        .request("textDocument/completion", at(&payments, &text, "criticality \"critical\"", 13));
    let labels: Vec<&str> =
        completion.as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"critical") && labels.contains(&"low"), "{labels:?}");

    // Symbols and semantic tokens.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri(&payments) } }),
    );
    assert!(symbols.as_array().unwrap().iter().any(|s| s["name"] == "payments-api"));
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": uri(&payments) } }),
    );
    let data = tokens["data"].as_array().unwrap();
    assert!(data.len() > 100 && data.len().is_multiple_of(5), "{}", data.len());
    // The first token is the comment on line 1 (type 5 in the legend: comment).
    let comment = text.lines().next().unwrap().encode_utf16().count();
    assert_eq!(&data[..5], &[json!(0), json!(0), json!(comment), json!(5), json!(0)]);
    // Then `service` (a node name, type 0) on line 3, and the declared name (type 7).
    assert_eq!(&data[5..10], &[json!(2), json!(0), json!(7), json!(0), json!(0)]);
    assert_eq!(&data[10..15], &[json!(0), json!(8), json!(14), json!(7), json!(1)]);

    // A typo: the diagnostic at its line, a quick fix that applies the suggestion.
    let typo = text.replacen("team=\"payments\"", "team=\"paymnts\"", 1);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&payments), "version": 2 }, "contentChanges": [{ "text": typo }] }),
    );
    let diagnostics = client.diagnostics("services/payments.kdl");
    let error = diagnostics.iter().find(|d| d["code"] == "E0202").expect("the unknown team");
    assert_eq!(error["range"]["start"]["line"], 2);
    assert!(error["message"].as_str().unwrap().contains("did you mean `payments`?"));
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri(&payments) }, "range": error["range"], "context": { "diagnostics": [error] } }),
    );
    let edit = &actions[0]["edit"]["changes"][uri(&payments)][0];
    assert_eq!(edit["newText"], "\"payments\"");
    assert_eq!(edit["range"], error["range"]);

    // Fixed: cleared.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&payments), "version": 3 }, "contentChanges": [{ "text": text }] }),
    );
    let cleared = client.diagnostics("services/payments.kdl");
    assert!(cleared.iter().all(|d| d["severity"] != 1), "{cleared:?}");

    // Rename a team in every file; refused for a taken name.
    let renamed = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri(&payments) }, "position": position(&text, "team=\"payments\"", 7), "newName": "billing" }),
    );
    let changes = renamed["changes"].as_object().unwrap();
    assert!(changes.contains_key(&uri(&root.join("teams.kdl"))));
    assert!(changes[&uri(&payments)].as_array().unwrap().iter().all(|e| e["newText"] == "billing"));
    let refused = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri(&payments) }, "position": position(&text, "team=\"payments\"", 7), "newName": "growth" }),
    );
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("already declared"),
        "{refused}"
    );

    // Formatting: a badly indented file comes back in the canonical layout.
    let messy = text.replacen("    replicas 2", "replicas    2", 1);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&payments), "version": 4 }, "contentChanges": [{ "text": messy }] }),
    );
    let edits = client.request("textDocument/formatting", json!({ "textDocument": { "uri": uri(&payments) }, "options": { "tabSize": 4, "insertSpaces": true } }));
    assert_eq!(edits[0]["newText"].as_str().unwrap(), text);
    client.finish();
}

/// An unclosed brace keeps hover, completion and definition working in the rest of the file
/// and in other files.
#[test]
fn a_broken_line_keeps_the_rest_working() {
    let (_dir, root) = acme();
    let mut client = Client::start(&root);
    let payments = root.join("services/payments.kdl");
    let text = open(&mut client, &payments);
    let _ = client.diagnostics("services/payments.kdl");
    let broken = text.replacen("    replicas 2\n", "    replicas 2 {\n", 1);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&payments), "version": 2 }, "contentChanges": [{ "text": broken }] }),
    );
    let diagnostics = client.diagnostics("services/payments.kdl");
    assert!(diagnostics.iter().any(|d| d["code"] == "E0100"), "{diagnostics:?}");
    assert!(diagnostics.iter().all(|d| d["code"] != "E0202"), "{diagnostics:?}");
    let hover = client.request("textDocument/hover", at(&payments, &broken, "interval=\"10s\"", 1));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("interval"));
    let definition = client
        .request("textDocument/definition", at(&payments, &broken, "depends-on \"users-api\"", 13));
    assert_eq!(definition[0]["uri"], uri(&root.join("services/identity.kdl")));
    let growth = root.join("services/growth.kdl");
    let growth_text = open(&mut client, &growth);
    let definition =
        client.request("textDocument/definition", at(&growth, &growth_text, "\"payments-api\"", 1));
    assert_eq!(definition[0]["uri"], uri(&payments), "{definition}");
    let completion = client
        .request("textDocument/completion", at(&payments, &broken, "criticality \"critical\"", 13));
    assert!(completion.as_array().unwrap().iter().any(|c| c["label"] == "critical"));
    client.finish();
}
