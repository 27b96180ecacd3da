//! Parsing speed: a synthetic estate of services (about 6.6 MB) parsed and lowered, in MB/s,
//! then a few hostile inputs that must stay linear. `cargo bench -p idpc-syntax` runs it.
//!
//! Speeds are for one core: the shortest wall-clock time of several runs after a warm-up, so
//! that a busy machine skews them less. Results are freed outside the timed part.

#![allow(clippy::print_stdout, reason = "a benchmark reports on the terminal")]
#![allow(missing_docs, reason = "a benchmark binary")]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use idpc_diagnostics::FileId;

/// The allocator the `idpc` binary uses, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let estate = estate(6_600_000);
    let mb = estate.len() as f64 / 1e6;
    let parse = best_of(10, || idpc_syntax::parse(FileId(0), &estate));
    let tree = best_of(10, || idpc_syntax::parse_tree(FileId(0), &estate));
    let (syntax, diagnostics) = idpc_syntax::parse_tree(FileId(0), &estate);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let lower = best_of(10, || idpc_syntax::lower(FileId(0), &syntax));

    println!(
        "estate {mb:.1} MB: lex+parse+lower {:.0} MB/s ({:.1} ms); lex+parse {:.0} MB/s ({:.1} ms); lower {:.1} ms",
        mb / parse.as_secs_f64(),
        parse.as_secs_f64() * 1e3,
        mb / tree.as_secs_f64(),
        tree.as_secs_f64() * 1e3,
        lower.as_secs_f64() * 1e3,
    );
    // The same estate as one file per service, as `idpc` reads a platform, every tree kept.
    let files: Vec<&str> = estate.split_inclusive("}\n\n").collect();
    let split = best_of(10, || {
        files
            .iter()
            .enumerate()
            .map(|(i, text)| idpc_syntax::parse(FileId(i as u32), text))
            .collect::<Vec<_>>()
    });
    println!(
        "estate as {} files: lex+parse+lower {:.0} MB/s ({:.1} ms)",
        files.len(),
        mb / split.as_secs_f64(),
        split.as_secs_f64() * 1e3,
    );
    if std::env::var_os("IDPC_BENCH_ESTATE_ONLY").is_some() {
        return;
    }
    let hostile = [
        ("5,000,000 tiny nodes", "a\n".repeat(5_000_000)),
        ("10 MB single-line string", format!("node \"{}\"\n", "x".repeat(10_000_000))),
        ("20,000 nested block comments", "/* ".repeat(20_000) + &"*/ ".repeat(20_000)),
        ("60,000 unmatched `}`", "}\n".repeat(60_000)),
        ("100,000 errors on one line", format!("node {}\n", "= ".repeat(100_000))),
        ("100,000 nested `{`", "a {".repeat(100_000)),
    ];
    for (name, text) in &hostile {
        let time = best_of(3, || idpc_syntax::parse(FileId(0), text));
        let diagnostics = idpc_syntax::parse(FileId(0), text).diagnostics.len();
        println!(
            "{name}: {:.1} MB in {:.1} ms, {diagnostics} diagnostics",
            text.len() as f64 / 1e6,
            time.as_secs_f64() * 1e3
        );
    }
}

/// The shortest of `runs` timed runs of `f`, after one untimed run.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    drop(f());
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            let result = f();
            let elapsed = start.elapsed();
            drop(result);
            elapsed
        })
        .min()
        .unwrap_or_default()
}

/// Services in the shape of a real estate, until `size` bytes.
fn estate(size: usize) -> String {
    let mut out = String::with_capacity(size + 1024);
    out.push_str("/- kdl-version 2\nplatform \"acme\"\n\n");
    let mut i = 0;
    while out.len() < size {
        let team = i % 37;
        let _ = write!(
            out,
            r##"// Service {i}, owned by team {team}.
service "svc-{i}" team="team-{team}" tier=(tier)"{tier}" {{
    image "registry.example.com/svc-{i}:1.{minor}.0"
    port "http" 8080 protocol="TCP"
    port "metrics" 0x2382
    replicas min=2 max={max}
    resources cpu="250m" memory="512Mi" /- gpu=1
    env "LOG_LEVEL" "info"
    env "FEATURE_FLAGS" #"{{"beta": true}}"#
    depends-on "svc-{dep}" optional=#false
    healthcheck path="/healthz" interval=10.5 timeout=2e0
    labels {{
        label "app.kubernetes.io/name" "svc-{i}"; label "cost-centre" "cc-{team}"
    }}
}}

"##,
            tier = ["critical", "standard", "batch"][i % 3],
            minor = i % 20,
            max = 3 + i % 7,
            dep = i.saturating_sub(1),
        );
        i += 1;
    }
    out
}
