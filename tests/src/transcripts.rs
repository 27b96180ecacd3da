//! The docs say what the binary does: every transcript in the book and the README is run and
//! compared, and so is every listing of the files a build writes.
//!
//! A ```` ```text ```` block whose first line is `$ idpc …` is a transcript: the command is run
//! in-process (as of the harness's pinned day) and what it prints must be the rest of the block,
//! line for line (trailing spaces aside). Paths in commands are relative to the repository root,
//! except `shop`, the tutorial's platform, which the tutorial's own test builds step by step. A
//! ```` ```text,files=DIR ```` block lists the files under `DIR` after the transcripts before it.

use std::path::{Path, PathBuf};

use crate::support::{repo_root, run_cli, run_cli_in};

/// A fenced block: its place, info string and text.
struct Block {
    place: String,
    info: String,
    text: String,
}

fn blocks(file: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    current = Some((index + 1, info.trim().to_owned(), String::new()));
                }
            }
            Some((start, info, body)) => {
                if trimmed.starts_with("```") {
                    let place = format!(
                        "{}:{start}",
                        file.strip_prefix(repo_root()).unwrap_or(file).display()
                    );
                    blocks.push(Block {
                        place,
                        info: std::mem::take(info),
                        text: std::mem::take(body),
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

/// The words of a command line, with `"…"` and `'…'` quoting.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_owned() + "\n"
}

/// Runs a transcript's command with relative paths under `base` (the tutorial's directory for
/// `shop`, else the repository root); returns what it printed, with `base` taken out again.
fn run(command: &str, shop: Option<&Path>) -> String {
    let words = words(command.strip_prefix("$ idpc ").unwrap());
    let root = repo_root();
    let args: Vec<String> = words
        .iter()
        .map(|w| match shop {
            Some(shop) if w == "shop" || w.starts_with("shop/") => {
                shop.parent().unwrap().join(w).to_string_lossy().into_owned()
            }
            _ if w.starts_with("examples/") => root.join(w).to_string_lossy().into_owned(),
            _ => w.clone(),
        })
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let cwd = match shop {
        Some(shop) => shop.parent().unwrap().to_owned(),
        None => root.clone(),
    };
    let (_, out, err) = run_cli_in(&cwd, &args);
    let mut printed = out + &err;
    if let Some(shop) = shop {
        printed = printed.replace(&format!("{}/", shop.parent().unwrap().display()), "");
    }
    printed.replace(&format!("{}/", root.display()), "")
}

/// The files under `dir`, as `prefix/relative` lines, sorted.
fn listing(dir: &Path, prefix: &str) -> String {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let relative = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            format!("{prefix}/{relative}")
        })
        .collect();
    files.sort();
    files.join("\n") + "\n"
}

fn check_block(block: &Block, actual: &str, failures: &mut Vec<String>) {
    let expected = normalise(
        block
            .text
            .split_once('\n')
            .map_or("", |(first, rest)| if first.starts_with("$ ") { rest } else { &block.text }),
    );
    let actual = normalise(actual);
    if expected != actual && crate::support::bless() {
        bless(block, &actual);
        return;
    }
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .header("the book", "idpc")
            .to_string();
        failures.push(format!("{}:\n{diff}", block.place));
    }
}

/// Rewrites a block with what the binary printed (`IDPC_BLESS=1`), keeping its command line.
fn bless(block: &Block, actual: &str) {
    let (file, _) = block.place.rsplit_once(':').unwrap();
    let path = repo_root().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let old = format!("```{}\n{}```", block.info, block.text);
    let command = block.text.lines().next().filter(|l| l.starts_with("$ "));
    let new = match command {
        Some(command) => format!("```{}\n{command}\n{actual}```", block.info),
        None => format!("```{}\n{actual}```", block.info),
    };
    assert!(text.contains(&old), "{}: cannot find the block to bless", block.place);
    std::fs::write(&path, text.replacen(&old, &new, 1)).unwrap();
}

/// The tutorial's steps between its transcripts, in order: the edits it tells the reader to make.
const TUTORIAL_EDITS: &[(&str, &str, &str)] = &[
    // "Misspell the team".
    ("E0202", "service \"storefront\" team=\"web\"", "service \"storefront\" team=\"wbe\""),
    // "Remove the `limits` line and check again" (with the team spelt right again).
    ("P0002", "    limits memory=\"512Mi\"\n", ""),
];

#[test]
fn the_tutorial_does_what_it_says() {
    let file = repo_root().join("book/src/tutorial.md");
    let blocks = blocks(&file);
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    std::fs::create_dir_all(&shop).unwrap();
    let original = blocks.iter().find(|b| b.info == "kdl").unwrap().text.clone();
    let platform = shop.join("platform.kdl");
    std::fs::write(&platform, &original).unwrap();
    let mut failures = Vec::new();
    let mut ran = 0;
    for block in &blocks {
        if let Some(dir) = block.info.strip_prefix("text,files=") {
            let (code, _, err) = run_cli(&["build", shop.to_str().unwrap()]);
            assert_eq!(code, 0, "{err}");
            let under = shop.parent().unwrap().join(dir);
            let prefix = dir.strip_prefix("shop/").unwrap_or(dir);
            check_block(block, &listing(&under, prefix), &mut failures);
            ran += 1;
            continue;
        }
        let Some(command) = block.text.lines().next().filter(|l| l.starts_with("$ idpc ")) else {
            continue;
        };
        // The edit the prose asks for before this transcript, from the description as the
        // reader has it after the previous step.
        let mut text = original.clone();
        for (code, from, to) in TUTORIAL_EDITS {
            if block.text.contains(&format!("[{code}]"))
                || block.text.contains(&format!("\n{code}\n"))
            {
                assert!(text.contains(from), "the tutorial's platform lost `{from}`");
                text = text.replacen(from, to, 1);
            }
        }
        std::fs::write(&platform, &text).unwrap();
        check_block(block, &run(command, Some(&shop)), &mut failures);
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} transcripts ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The blocks the reader adds to the platform later ("Adding a database") check cleanly in
    // the tutorial's platform, not only beside another description.
    let added: Vec<&Block> = blocks.iter().filter(|b| b.info == "kdl,continues").collect();
    assert!(!added.is_empty());
    let mut text = original.clone();
    for block in added {
        text.push('\n');
        text.push_str(&block.text);
    }
    std::fs::write(&platform, &text).unwrap();
    let (code, _, err) = run_cli(&["check", shop.to_str().unwrap()]);
    assert_eq!(code, 0, "the tutorial's later blocks do not check in its platform:\n{err}");
}

#[test]
fn every_other_transcript_in_the_docs_prints_what_it_shows() {
    let root = repo_root();
    let mut files: Vec<PathBuf> = vec![root.join("README.md")];
    files.extend(
        walkdir::WalkDir::new(root.join("book/src"))
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .filter(|e| !e.path().ends_with("tutorial.md"))
            .map(|e| e.into_path()),
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in files {
        for block in blocks(&file) {
            let Some(command) = block.text.lines().next().filter(|l| l.starts_with("$ idpc "))
            else {
                continue;
            };
            assert!(!command.contains(" shop"), "{}: only the tutorial builds `shop`", block.place);
            check_block(&block, &run(command, None), &mut failures);
            ran += 1;
        }
    }
    assert!(ran >= 2, "only {ran} transcripts ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
