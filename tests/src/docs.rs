//! Documentation that is generated, and documentation that must compile.
//!
//! The node reference in `docs/language.md`, the stdlib reference and the diagnostics index in
//! the book are generated from the schema, the stdlib and the code registry; a test fails when
//! the committed text is stale (`IDPC_BLESS=1` rewrites it). Every ```` ```kdl ```` block in the
//! README, `docs/`, the book and the code explanations is compiled: a block without a `platform`
//! node gets a small prelude (a platform, a `payments` team and `dev`, `staging` and `prod`
//! environments; see [`PRELUDE`]) unless it is marked `standalone`; a block marked ```` ```kdl,fail=E0202 ```` must
//! fail with that code and no other (`fail=E0407+P0001`: with each of these codes and no other).
//! A block marked `continues` is added to the tutorial's platform by the tutorial's own test,
//! and checked there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use idpc_diagnostics::Code;
use idpc_ir::Platform;
use idpc_sema::schema::{Children, NodeSchema, language::TOP_LEVEL};

use crate::support::{bless, compile_texts, repo_root};

const BEGIN: &str = "<!-- BEGIN GENERATED: do not edit; `IDPC_BLESS=1 cargo test -p idpc-tests docs` rewrites it -->";
const END: &str = "<!-- END GENERATED -->";

/// The prelude added to documentation blocks that declare no platform.
/// Snippets show one feature at a time, so the prelude switches off the two presets that every
/// service in staging and production would otherwise have to satisfy (a memory limit and a
/// health check); the other presets hold, and the pages about policies use `standalone` blocks.
pub(crate) const PRELUDE: &str = r#"platform "acme" {
    registry "ghcr.io/acme"
    policy "resource-limits" enabled=#false
    policy "health-checks" enabled=#false
}
team "payments" { member "alice@acme.com" role="lead"; member "bob@acme.com"; }
environment "dev" tier="development"
environment "staging" tier="staging"
environment "prod" tier="production" { approval required=#true; }
"#;

fn node_reference() -> String {
    let mut out = String::new();
    fn walk(out: &mut String, path: &[&str], nodes: &'static [NodeSchema]) {
        for node in nodes {
            let mut here = path.to_vec();
            here.push(node.name);
            let _ = writeln!(out, "### `{}`\n", here.join(" › "));
            let _ = writeln!(out, "{}\n", node.doc);
            let _ = writeln!(out, "```text\n{}\n```\n", node.usage());
            let mut facts = Vec::new();
            if node.required {
                facts.push("required".to_owned());
            }
            facts.push(if node.repeatable {
                "may repeat".to_owned()
            } else {
                "at most once".to_owned()
            });
            let _ = writeln!(out, "{}.\n", capitalise(&facts.join(", ")));
            if !node.args.is_empty() {
                let _ = writeln!(out, "| argument | type | default |\n|---|---|---|");
                for arg in node.args {
                    let name = if arg.variadic {
                        format!("`{}…`", arg.name)
                    } else {
                        format!("`{}`", arg.name)
                    };
                    let default = arg
                        .default
                        .describe()
                        .map_or_else(String::new, |d| format!("{d}, without the node"));
                    let _ = writeln!(out, "| {name} | {} | {default} |", arg.ty.describe());
                }
                out.push('\n');
            }
            if !node.props.is_empty() {
                let _ = writeln!(
                    out,
                    "| property | type | | default | meaning |\n|---|---|---|---|---|"
                );
                for prop in node.props {
                    let required = if prop.required { "required" } else { "" };
                    let _ = writeln!(
                        out,
                        "| `{}` | {} | {required} | {} | {} |",
                        prop.name,
                        prop.ty.describe(),
                        prop.default.describe().unwrap_or_default(),
                        prop.doc
                    );
                }
                out.push('\n');
            }
            match node.children {
                Children::Nodes(children) => {
                    let names: Vec<String> =
                        children.iter().map(|c| format!("`{}`", c.name)).collect();
                    let _ = writeln!(out, "Children: {}.\n", names.join(", "));
                }
                Children::KindFields => {
                    let _ =
                        writeln!(out, "Children: the fields of the kind, each as `FIELD VALUE`.\n");
                }
                Children::None => {}
            }
            let _ = writeln!(out, "Example: `{}`\n", node.example);
            if let Children::Nodes(children) = node.children {
                walk(out, &here, children);
            }
        }
    }
    walk(&mut out, &[], TOP_LEVEL);
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn stdlib_reference(platform: &Platform) -> String {
    let mut out = String::new();
    for kind in &platform.kinds {
        let _ = writeln!(out, "## `{}`\n", kind.name);
        let _ = writeln!(out, "{}\n", kind.description.as_deref().unwrap_or(""));
        let _ = writeln!(
            out,
            "| field | type | default | development | staging | production | meaning |\n|---|---|---|---|---|---|---|"
        );
        for field in &kind.fields {
            let default = field
                .default
                .as_ref()
                .map_or_else(|| "*(required)*".to_owned(), |v| format!("`{}`", v.render()));
            let per_tier: Vec<String> = idpc_ir::Tier::ALL
                .iter()
                .map(|tier| {
                    field
                        .tier_defaults
                        .iter()
                        .find(|d| d.tier == *tier)
                        .map_or_else(String::new, |d| format!("`{}`", d.value.render()))
                })
                .collect();
            let ty = match &field.ty {
                idpc_ir::ValueType::Enum(choices) => format!("enum: {}", choices.join(", ")),
                idpc_ir::ValueType::Int { min, max } if *min > i64::MIN => {
                    format!("int {min}–{max}")
                }
                other => other.keyword().to_owned(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {ty} | {default} | {} | {} | {} | {} |",
                field.name,
                per_tier[0],
                per_tier[1],
                per_tier[2],
                field.doc.as_deref().unwrap_or("")
            );
        }
        let _ = writeln!(out, "\nOutputs:\n");
        for output in &kind.outputs {
            let secret = if output.secret { " (secret: passed on as a reference)" } else { "" };
            let _ = writeln!(
                out,
                "- `{}`: {}{secret}",
                output.name,
                output.doc.as_deref().unwrap_or("")
            );
        }
        out.push('\n');
    }
    out
}

fn diagnostics_index() -> String {
    let mut out = String::new();
    for code in Code::ALL {
        let info = code.info();
        let _ = writeln!(out, "## {} `{}`\n", info.code, info.name);
        // Demote the explanation's headings below this one.
        for line in info.explanation.lines() {
            if let Some(title) = line.strip_prefix("# ") {
                let _ = writeln!(out, "**{title}**");
            } else if line.starts_with("## ") {
                let _ = writeln!(out, "#{line}");
            } else {
                let _ = writeln!(out, "{line}");
            }
        }
        out.push('\n');
    }
    out
}

/// Replaces the generated section of `path` with `generated`, or checks that it is current.
fn generated_section(path: &Path, generated: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start =
        text.find(BEGIN).unwrap_or_else(|| panic!("{}: no generated section", path.display()));
    let end = text
        .find(END)
        .unwrap_or_else(|| panic!("{}: generated section not closed", path.display()));
    let fresh = format!("{}{BEGIN}\n\n{generated}{}", &text[..start], &text[end..]);
    if fresh == text {
        return None;
    }
    if bless() {
        std::fs::write(path, fresh).unwrap();
        return None;
    }
    Some(format!("{} is stale: run `IDPC_BLESS=1 cargo test -p idpc-tests docs`", path.display()))
}

#[test]
fn docs_generated_sections_are_fresh() {
    let stdlib = compile_texts(&[("platform.kdl", "platform \"stdlib\"\n")]).platform.unwrap();
    let root = repo_root();
    let stale: Vec<String> = [
        generated_section(&root.join("docs/language.md"), &node_reference()),
        generated_section(&root.join("book/src/reference/stdlib.md"), &stdlib_reference(&stdlib)),
        generated_section(&root.join("book/src/reference/diagnostics.md"), &diagnostics_index()),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// A fenced ```kdl block: where it is, its text, and the code it must fail with, if any.
struct Block {
    place: String,
    text: String,
    fail: Option<String>,
    /// Compiled as written, without the prelude.
    standalone: bool,
    /// Added to an earlier block of the same page (the tutorial's platform), whose test
    /// checks it there: not compiled on its own.
    continues: bool,
}

fn blocks(file: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, Option<String>, bool, bool, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if let Some(info) = trimmed.strip_prefix("```kdl") {
                    let options: Vec<&str> = info.split(',').map(str::trim).collect();
                    let fail =
                        options.iter().find_map(|o| o.strip_prefix("fail=")).map(str::to_owned);
                    let standalone = options.contains(&"standalone");
                    let continues = options.contains(&"continues");
                    current = Some((index + 1, fail, standalone, continues, String::new()));
                }
            }
            Some((start, fail, standalone, continues, body)) => {
                if trimmed.starts_with("```") {
                    let place = format!(
                        "{}:{start}",
                        file.strip_prefix(repo_root()).unwrap_or(file).display()
                    );
                    blocks.push(Block {
                        place,
                        text: std::mem::take(body),
                        fail: fail.take(),
                        standalone: *standalone,
                        continues: *continues,
                    });
                    current = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    blocks
}

fn markdown_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    for dir in ["docs", "book/src", "compiler/idpc-diagnostics/explanations", "examples", "stdlib"]
    {
        files.extend(
            walkdir::WalkDir::new(root.join(dir))
                .sort_by_file_name()
                .into_iter()
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
                .map(|e| e.into_path()),
        );
    }
    files
}

#[test]
fn every_kdl_block_in_the_docs_compiles() {
    let mut failures = Vec::new();
    let mut count = 0;
    for file in markdown_files() {
        for block in blocks(&file).into_iter().filter(|b| !b.continues) {
            count += 1;
            let declares_platform =
                block.text.lines().any(|l| l.trim_start().starts_with("platform "));
            let text = if declares_platform || block.standalone {
                block.text.clone()
            } else {
                format!("{PRELUDE}{}", block.text)
            };
            let compilation = compile_texts(&[("example.kdl", &text)]);
            let reported: Vec<String> = compilation
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            match &block.fail {
                None if !reported.is_empty() => failures.push(format!(
                    "{}: does not compile cleanly:\n  {}",
                    block.place,
                    reported.join("\n  ")
                )),
                Some(codes) => {
                    let codes: Vec<&str> = codes.split('+').collect();
                    let missing = codes.iter().any(|c| !reported.iter().any(|e| e.starts_with(c)));
                    let other = reported.iter().any(|e| !codes.iter().any(|c| e.starts_with(c)));
                    if missing || other {
                        failures.push(format!(
                            "{}: should fail with {} and nothing else:\n  {}",
                            block.place,
                            codes.join(" and "),
                            reported.join("\n  ")
                        ));
                    }
                }
                None => {}
            }
        }
    }
    assert!(count > 40, "only {count} blocks found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every ```` ```rego ```` block in the docs is a policy the engine accepts, and one under
/// `idpc.policies` runs on the example platform without an error.
#[test]
fn every_rego_block_in_the_docs_compiles() {
    let mut count = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines = text.lines().enumerate();
        while let Some((start, line)) = lines.next() {
            if line.trim_start() != "```rego" {
                continue;
            }
            let body: Vec<&str> = lines
                .by_ref()
                .map(|(_, l)| l)
                .take_while(|l| !l.trim_start().starts_with("```"))
                .collect();
            let place = format!(
                "{}:{}",
                file.strip_prefix(repo_root()).unwrap_or(&file).display(),
                start + 1
            );
            let mut engine = regorus::Engine::new();
            let package = engine
                .add_policy(place.clone(), body.join("\n"))
                .unwrap_or_else(|e| panic!("{place}: the engine refuses the policy:\n{e}"));
            if package.starts_with("data.idpc.policies.") {
                let dir = tempfile::tempdir().unwrap();
                crate::support::copy_dir(&repo_root().join("examples/acme"), dir.path());
                std::fs::write(dir.path().join("policy.rego"), body.join("\n")).unwrap();
                let compilation = crate::support::compile_dir_unchecked(dir.path());
                let codes: Vec<String> =
                    compilation.diagnostics.iter().map(|d| d.code.to_string()).collect();
                assert!(
                    codes.iter().all(|c| c != "P0101"),
                    "{place}: the policy fails on examples/acme: {codes:?}"
                );
            }
            count += 1;
        }
    }
    assert!(count >= 1, "no rego blocks found");
}

#[test]
fn no_kdl_block_looks_like_a_credential_unless_it_shows_one() {
    let mut hits = Vec::new();
    for file in markdown_files() {
        for block in blocks(&file).into_iter().filter(|b| b.fail.as_deref() != Some("E0306")) {
            hits.extend(
                block
                    .text
                    .lines()
                    .filter(|line| idpc_sema::contains_credential(line))
                    .map(|line| format!("{}: {line}", block.place)),
            );
        }
    }
    assert!(hits.is_empty(), "credential-shaped text in the docs:\n{}", hits.join("\n"));
}

/// The anchors mdBook gives a page's headings: lower case, spaces as `-`, other punctuation
/// dropped; a repeated heading gets `-1`, `-2`.
fn anchors(markdown: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        let Some(heading) = line.strip_prefix('#').filter(|_| !fenced) else { continue };
        let text = heading.trim_start_matches('#').trim();
        let slug: String = text
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        let count =
            seen.iter().filter(|s| **s == slug || s.starts_with(&format!("{slug}-"))).count();
        seen.push(if count == 0 { slug } else { format!("{slug}-{count}") });
    }
    seen
}

#[test]
fn every_relative_link_in_the_book_resolves() {
    let book = repo_root().join("book/src");
    let mut problems = Vec::new();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&book).into_iter().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let mut fenced = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            }
            if fenced {
                continue;
            }
            for piece in line.split("](").skip(1) {
                let Some(target) = piece.split(')').next() else { continue };
                let target = target.split_whitespace().next().unwrap_or_default();
                if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
                    continue;
                }
                checked += 1;
                let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
                let resolved = if file.is_empty() {
                    path.to_owned()
                } else {
                    path.parent().unwrap().join(file)
                };
                let place = format!("{}: `{target}`", path.strip_prefix(&book).unwrap().display());
                if !resolved.exists() {
                    problems.push(format!("{place}: no such file"));
                    continue;
                }
                if !anchor.is_empty() && resolved.extension().is_some_and(|e| e == "md") {
                    let headings = anchors(&std::fs::read_to_string(&resolved).unwrap());
                    if !headings.iter().any(|h| h == anchor) {
                        problems.push(format!("{place}: no heading with that anchor"));
                    }
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} links");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
