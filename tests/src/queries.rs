//! The query layer on `examples/acme`: definition, references, hover, completion, rename and
//! symbols at positions found by their text, also inside a file with a syntax error.

use idpc_diagnostics::{Code, FileId, Span};
use idpc_query::{CompletionKind, Database, Snapshot};

use crate::support;

fn acme() -> Database {
    let loaded = idpc_driver::load(&support::repo_root().join("examples/acme"), None).unwrap();
    idpc_driver::database(&loaded.files)
}

fn compile(db: &mut Database) -> Snapshot {
    db.compile(idpc_query::Options { today: support::options().today, policies: false })
}

/// The file and the offset of the `nth` occurrence of `needle` in it, plus `shift` bytes.
fn at(snapshot: &Snapshot, path: &str, needle: &str, shift: usize) -> (FileId, u32) {
    let file = snapshot.file(path).unwrap_or_else(|| panic!("no file {path}"));
    let text = &snapshot.compilation.sources.get(file).unwrap().text;
    let start = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in {path}"));
    (file, (start + shift) as u32)
}

fn place(snapshot: &Snapshot, span: Span) -> (String, u32, String) {
    let sources = &snapshot.compilation.sources;
    let line = sources.line_col(span.file, span.start).line;
    (sources.path(span.file).to_owned(), line, sources.snippet(span).to_owned())
}

#[test]
fn definition_of_a_team_service_environment_and_kind_reference() {
    let snapshot = compile(&mut acme());
    let cases = [
        ("team=\"payments\"", 7, "teams.kdl", "payments"),
        ("depends-on \"users-api\"", 13, "services/identity.kdl", "users-api"),
        ("override \"prod\"", 11, "environments.kdl", "prod"),
        ("kind=\"postgres\"", 7, "<stdlib>/kinds/postgres.kdl", "postgres"),
    ];
    for (needle, shift, file, name) in cases {
        let (f, offset) = at(&snapshot, "services/payments.kdl", needle, shift);
        let found: Vec<_> =
            snapshot.definition(f, offset).into_iter().map(|s| place(&snapshot, s)).collect();
        assert_eq!(found.len(), 1, "{needle}: {found:?}");
        assert_eq!((found[0].0.as_str(), found[0].2.as_str()), (file, name), "{needle}");
    }
    // A port reference resolves within its service.
    let (f, offset) = at(&snapshot, "services/payments.kdl", "path=\"/health\" port=\"http\"", 21);
    let found = snapshot.definition(f, offset);
    assert_eq!(
        place(&snapshot, found[0]),
        ("services/payments.kdl".to_owned(), 8, "http".to_owned())
    );
}

#[test]
fn references_of_a_team_span_every_file() {
    let snapshot = compile(&mut acme());
    let (f, offset) = at(&snapshot, "teams.kdl", "team \"payments\"", 7);
    let refs = snapshot.references(f, offset, true);
    let files: std::collections::BTreeSet<String> =
        refs.iter().map(|s| place(&snapshot, *s).0).collect();
    assert!(files.contains("teams.kdl") && files.contains("services/payments.kdl"), "{files:?}");
    assert!(refs.iter().all(|s| snapshot.compilation.sources.snippet(*s) == "payments"));
    // From a use, the same set.
    let (f, use_offset) = at(&snapshot, "services/payments.kdl", "team=\"payments\"", 8);
    assert_eq!(snapshot.references(f, use_offset, true), refs);
}

#[test]
fn hover_shows_docs_and_the_value_in_each_environment() {
    let snapshot = compile(&mut acme());
    let (f, offset) = at(&snapshot, "services/payments.kdl", "replicas 2", 2);
    let hover = snapshot.hover(f, offset).unwrap();
    assert!(hover.markdown.contains("replicas"), "{}", hover.markdown);
    // Its resolved value per environment, with the line that set it.
    assert!(
        hover.markdown.contains(
            "| `prod` | `replicas` | `4` | services/payments.kdl:53 (override for `prod`)"
        ),
        "{}",
        hover.markdown
    );
    assert!(hover.markdown.contains("| `dev` | `replicas` | `1` |"), "{}", hover.markdown);
    // On a reference: the declaration.
    let (f, offset) = at(&snapshot, "services/payments.kdl", "team=\"payments\"", 8);
    let hover = snapshot.hover(f, offset).unwrap();
    assert!(
        hover.markdown.starts_with("**team** `payments` — declared in `teams.kdl`, line 1"),
        "{}",
        hover.markdown
    );
    // On a property key: its documentation.
    let (f, offset) = at(&snapshot, "services/payments.kdl", "interval=\"10s\"", 1);
    let hover = snapshot.hover(f, offset).unwrap();
    assert!(hover.markdown.starts_with("**interval**"), "{}", hover.markdown);
}

#[test]
fn completions_offer_nodes_properties_enum_values_and_declared_names() {
    let mut db = acme();
    let path = "services/payments.kdl";
    let original = db.sources().get(db.file(path).unwrap()).unwrap().text.to_string();
    let cases: [(&str, &str, CompletionKind); 4] = [
        ("    rep", "replicas", CompletionKind::Node),
        ("    depends-on \"", "ledger", CompletionKind::Name(idpc_ir::NameKind::Service)),
        ("    criticality \"", "critical", CompletionKind::Value),
        ("    port \"admin\" 9000 ", "protocol", CompletionKind::Property),
    ];
    for (typed, expected, kind) in cases {
        let edited = original.replacen(
            "    description \"Takes",
            &format!("{typed}\n    description \"Takes"),
            1,
        );
        db.set_file(path, edited.as_str(), None);
        let snapshot = compile(&mut db);
        let (f, offset) = at(&snapshot, path, typed, typed.len());
        let items = snapshot.completions(f, offset);
        assert!(
            items.iter().any(|i| i.label == expected && i.kind == kind),
            "{typed:?}: {:?}",
            items.iter().map(|i| &i.label).collect::<Vec<_>>()
        );
    }
    db.set_file(path, original.as_str(), None);
    let snapshot = compile(&mut db);
    // Top level.
    let (f, offset) = at(&snapshot, path, "service \"payments-api\"", 0);
    let items = snapshot.completions(f, offset);
    assert!(items.iter().any(|i| i.label == "environment"));
}

#[test]
fn rename_edits_every_use_and_refuses_a_taken_name() {
    let snapshot = compile(&mut acme());
    let (f, offset) = at(&snapshot, "teams.kdl", "team \"growth\"", 7);
    let edits = snapshot.rename(f, offset, "marketing").unwrap();
    assert!(edits.len() >= 2, "{edits:?}");
    assert!(edits.iter().all(|e| e.text == "marketing"));
    assert!(edits.iter().all(|e| snapshot.compilation.sources.snippet(e.span) == "growth"));
    let taken = snapshot.rename(f, offset, "payments").unwrap_err();
    assert!(taken.contains("already declared, at teams.kdl:1"), "{taken}");
    let invalid = snapshot.rename(f, offset, "Not_A_Label").unwrap_err();
    assert!(invalid.contains("is not a team name"), "{invalid}");
    let (f, offset) = at(&snapshot, "services/payments.kdl", "kind=\"postgres\"", 7);
    assert!(snapshot.rename(f, offset, "pg").unwrap_err().contains("standard library"));
}

#[test]
fn symbols_nest_ports_and_resources_in_their_service() {
    let snapshot = compile(&mut acme());
    let file = snapshot.file("services/payments.kdl").unwrap();
    let symbols = snapshot.symbols(file);
    let api = symbols.iter().find(|s| s.name == "payments-api").unwrap();
    let children: Vec<&str> = api.children.iter().map(|c| c.name.as_str()).collect();
    assert!(children.contains(&"http") && children.contains(&"db"), "{children:?}");
    assert!(snapshot.workspace_symbols("PAYMENTS").iter().any(|s| s.name == "payments-api"));
}

/// An unclosed brace in the middle of a file and a wrong type further down: both reported, no
/// "unknown" error elsewhere, and the broken file's names still resolve and answer queries.
#[test]
fn a_broken_file_keeps_its_declarations_and_the_queries_working() {
    let mut db = acme();
    let path = "teams.kdl";
    let text = db.sources().get(db.file(path).unwrap()).unwrap().text.to_string();
    let broken = text.replacen("team \"identity\" {", "team \"identity\" {\n    oncall \"x\" {", 1);
    let broken =
        format!("{broken}\nteam \"late\" {{\n    member \"late@acme.com\" role=\"chief\"\n}}\n");
    db.set_file(path, broken.as_str(), None);
    let snapshot = compile(&mut db);
    let codes: Vec<(Code, String)> = snapshot
        .compilation
        .diagnostics
        .iter()
        .map(|d| (d.code, d.primary.as_ref().map_or(String::new(), |p| place(&snapshot, p.span).0)))
        .collect();
    assert!(codes.contains(&(Code::KdlSyntax, "teams.kdl".to_owned())), "{codes:?}");
    assert!(codes.contains(&(Code::UnknownEnumValue, "teams.kdl".to_owned())), "{codes:?}");
    assert!(codes.iter().all(|(c, _)| *c != Code::UnknownReference), "{codes:?}");
    assert!(codes.iter().all(|(_, f)| f == "teams.kdl"), "{codes:?}");
    // References to the broken file's teams resolve; hover and completion work in it.
    let (f, offset) = at(&snapshot, "services/identity.kdl", "team=\"identity\"", 8);
    let found = snapshot.definition(f, offset);
    assert_eq!(place(&snapshot, found[0]).0, "teams.kdl");
    let (f, offset) = at(&snapshot, path, "team \"payments\"", 1);
    assert!(snapshot.hover(f, offset).is_some());
    let (f, offset) = at(&snapshot, path, "role=\"chief\"", 6);
    let items = snapshot.completions(f, offset);
    assert!(items.iter().any(|i| i.label == "lead"), "{items:?}");
}

/// Files are the unit: a file whose text did not change is not parsed again.
#[test]
fn an_unchanged_file_keeps_its_parse() {
    let mut db = acme();
    let first = compile(&mut db);
    let teams = first.file("teams.kdl").unwrap();
    let services = first.file("services/payments.kdl").unwrap();
    let text = db.sources().get(services).unwrap().text.to_string();
    db.set_file("services/payments.kdl", format!("{text}\n// edited\n").as_str(), None);
    let second = compile(&mut db);
    assert!(first.same_parse(&second, teams));
    assert!(!first.same_parse(&second, services));
}

/// Right after an edit, a refreshed snapshot answers from current trees and names, and says
/// that its values are those of the last complete check.
#[test]
fn a_refreshed_snapshot_has_current_names_and_earlier_values() {
    let mut db = acme();
    let first = compile(&mut db);
    let path = "services/payments.kdl";
    let text = first.compilation.sources.get(first.file(path).unwrap()).unwrap().text.to_string();
    // Two lines above everything: every offset in the file moves.
    let edited = format!("// one\n// two\n{text}");
    db.set_file(path, edited.as_str(), None);
    let refreshed = db.refresh(first);
    assert!(refreshed.stale);
    let (f, offset) = at(&refreshed, path, "team=\"payments\"", 7);
    assert_eq!(place(&refreshed, refreshed.definition(f, offset)[0]).0, "teams.kdl");
    let (f, offset) = at(&refreshed, path, "replicas 2", 2);
    let hover = refreshed.hover(f, offset).unwrap();
    assert!(hover.markdown.contains("| `prod` | `replicas` | `4` |"), "{}", hover.markdown);
    assert!(hover.markdown.contains("As of the last complete check"), "{}", hover.markdown);
    let compiled = compile(&mut db);
    assert!(!compiled.stale);
    let hover = compiled.hover(f, offset).unwrap();
    assert!(!hover.markdown.contains("As of the last complete check"));
}
