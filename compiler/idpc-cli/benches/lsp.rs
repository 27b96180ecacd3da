//! The language-server benchmark: `idpc lsp` (release) over stdio on a synthetic estate of
//! 10,000 services (or the sizes given), as an editor drives it. Prints, per size: the first
//! diagnostics after opening a file, then over repeated edits to that file the time from the
//! change to its diagnostics (policies included), hover and completion right after an edit and
//! on an unchanged description (medians and 95th percentiles), and the server's peak memory.
//!
//! `cargo bench -p idpc-cli --bench lsp` (add `-- 1000` for other sizes).

#![expect(clippy::disallowed_methods, reason = "a benchmark drives the binary")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a benchmark reports and fails loudly"
)]

#[path = "../tests/common/lsp_client.rs"]
mod lsp_client;

use std::time::{Duration, Instant};

use lsp_client::{Client, uri};
use serde_json::json;

const EDITS: usize = 20;

fn main() {
    let sizes: Vec<usize> =
        std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect::<Vec<_>>();
    let sizes = if sizes.is_empty() { vec![10_000] } else { sizes };
    println!(
        "| services | first diagnostics | edit → diagnostics p50 / p95 | hover after edit p50 / p95 | hover p50 / p95 | completion p50 / p95 | peak memory |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for services in sizes {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("estate");
        idpc_driver::synth::write_estate(&root, services).unwrap();
        let file = root.join(format!("services/svc-{:05}.kdl", services / 2));
        let text = std::fs::read_to_string(&file).unwrap();
        let suffix = format!("svc-{:05}.kdl", services / 2);
        let mut client = Client::start(&root);
        let start = Instant::now();
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri(&file), "languageId": "kdl", "version": 1, "text": text } }),
        );
        let first = client.diagnostics(&suffix);
        assert!(first.is_empty(), "{first:?}");
        let first = start.elapsed();
        let position = |needle: &str, shift: usize| {
            let offset = text.find(needle).unwrap();
            let line = text[..offset].matches('\n').count();
            let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1) + shift;
            json!({ "textDocument": { "uri": uri(&file) }, "position": { "line": line, "character": column } })
        };
        let hover_at = position("replicas 1", 2);
        let complete_at = position("team=\"team-", 7);
        let (mut publish, mut hover_after) = (Vec::new(), Vec::new());
        for edit in 0..EDITS {
            let edited = text.replacen("replicas 1", &format!("replicas {}", 1 + edit % 3), 1);
            // Hover right after the change, before the diagnostics are published.
            let start = Instant::now();
            client.notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri(&file), "version": edit + 2 }, "contentChanges": [{ "text": edited }] }),
            );
            let hover = client.request("textDocument/hover", hover_at.clone());
            hover_after.push(start.elapsed());
            assert!(hover["contents"]["value"].as_str().unwrap().contains("replicas"));
            let diagnostics = client.diagnostics(&suffix);
            publish.push(start.elapsed());
            assert!(diagnostics.is_empty(), "{diagnostics:?}");
        }
        let mut hover = Vec::new();
        let mut completion = Vec::new();
        for _ in 0..EDITS {
            let start = Instant::now();
            let _ = client.request("textDocument/hover", hover_at.clone());
            hover.push(start.elapsed());
            let start = Instant::now();
            let items = client.request("textDocument/completion", complete_at.clone());
            completion.push(start.elapsed());
            assert!(items.as_array().unwrap().len() >= services / 10);
        }
        let memory = peak_memory(client.pid());
        client.finish();
        println!(
            "| {services} | {} | {} | {} | {} | {} | {} |",
            ms(first),
            quantiles(&mut publish),
            quantiles(&mut hover_after),
            quantiles(&mut hover),
            quantiles(&mut completion),
            memory.map_or_else(|| "n/a".to_owned(), |m| format!("{} MiB", m >> 20)),
        );
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn quantiles(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    format!("{} / {}", ms(at(0.5)), ms(at(0.95)))
}

/// The peak resident memory of a process, from `/proc` (Linux).
fn peak_memory(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
