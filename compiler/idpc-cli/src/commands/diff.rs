//! `idpc diff`: drift between the description and the committed tree, or live state.
//!
//! Exit codes follow `diff(1)`: 0 no drift, 1 drift, 2 trouble.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

use idpc_diagnostics::{Code, Diagnostic, RenderOptions, Sources, render_human, render_plain};
use idpc_drift::{Class, Drift, Report, Rule};
use idpc_driver::Family;
use serde_json::{Value, json};
use similar::TextDiff;

use crate::args::{DiffArgs, Format};
use crate::report::{self, Ctx, FileFinding};
use crate::{EXIT_ERRORS, EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &DiffArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let against =
        args.against.clone().unwrap_or_else(|| super::build::default_out(&ctx.description()));
    let compilation = match report::load_and_compile(Some(&against), ctx, err) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let platform = match report::platform_or_trouble(ctx, &compilation, "comparing", out, err) {
        Ok(platform) => platform,
        Err(code) => return code,
    };
    if args.live.is_empty() && args.prometheus.is_none() {
        return committed(&against, platform, ctx, out, err);
    }
    let mut live = Vec::new();
    for dir in &args.live {
        match idpc_driver::live::read_exports(dir) {
            Ok(objects) => live.extend(objects),
            Err(error) => {
                ctx.trouble(err, format!("`{}`: {}", error.path, error.message));
                return EXIT_TROUBLE;
            }
        }
    }
    if let Some(url) = &args.prometheus {
        match idpc_driver::live::prometheus_rules(url) {
            Ok(objects) => live.extend(objects),
            Err(error) => {
                ctx.trouble(err, format!("`{}`: {}", error.path, error.message));
                return EXIT_TROUBLE;
            }
        }
    }
    let mut rules = idpc_drift::rules::shipped();
    rules.extend(platform.drift_ignores.iter().map(|ignore| {
        Rule {
            name: format!("ignore \"{}\"", ignore.path),
            kinds: ignore
                .kind
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .into_iter()
                .chain(ignore.kind.is_none().then(|| "*".to_owned()))
                .collect(),
            paths: vec![ignore.path.clone()],
            when: idpc_drift::rules::When::Always,
            reason: ignore.reason.clone(),
        }
    }));
    // What each artifact describes that the exports cover (only that is compared) is compared
    // as the artifact is made (in parallel); the artifacts themselves are not kept, nor what
    // they describe unless it drifted.
    let comparison = idpc_drift::Comparison::new(platform, live, &rules);
    // Only the families whose objects the exports cover are made.
    let families: Vec<Family> = Family::ALL
        .iter()
        .copied()
        .filter(|family| {
            let domain = idpc_drift::desired::domain_of_dir(family.name());
            domain.is_some_and(|domain| comparison.coverage().has(domain))
        })
        .collect();
    let emitted = idpc_driver::emit_each(platform, &families, &|artifact| {
        let coverage = comparison.coverage();
        let objects = idpc_drift::desired::wanted_objects_of(&artifact, &|key| coverage.keeps(key));
        comparison.add(&artifact.path, objects);
    });
    if let Err(error) = emitted {
        ctx.trouble(err, format!("the artifacts cannot be generated: {error:?}"));
        return EXIT_TROUBLE;
    }
    if comparison.coverage().has(idpc_drift::Domain::Terraform) {
        for object in idpc_drift::desired::terraform_modules(platform) {
            comparison.add(&object.origin.clone(), vec![object]);
        }
    }
    let report = comparison.finish();
    let code = if report.has_drift() { EXIT_ERRORS } else { EXIT_OK };
    match ctx.format {
        Format::Json => ctx.document(out, json_report(&report, &compilation.sources), code),
        Format::Human => human(&report, &compilation.sources, ctx, args.show_suppressed, out, err),
        _ => {
            let diagnostics: Vec<Diagnostic> = report.drifts.iter().map(diagnostic).collect();
            report::diagnostics(ctx, &diagnostics, &compilation.sources, out, err);
        }
    }
    code
}

/// Compares with the committed tree: a unified diff per file. Each artifact is compared with
/// its file as it is made, in parallel; only the files that differ are kept, with their diff.
fn committed(
    against: &std::path::Path,
    platform: &idpc_driver::Platform,
    ctx: &Ctx,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    if !against.is_dir() {
        let why = if against.exists() { "is not a directory" } else { "does not exist" };
        ctx.trouble(
            err,
            format!("`{}` {why}: name the generated tree with `--against`", against.display()),
        );
        return EXIT_TROUBLE;
    }
    // Files a build was told to adopt are the user's, left as they are: not extra.
    let adopted: BTreeSet<String> = idpc_driver::adopted_files(against).into_iter().collect();
    let on_disk = match idpc_driver::tree_files(against) {
        Ok(paths) => {
            paths.into_iter().filter(|p| !adopted.contains(p)).collect::<BTreeSet<String>>()
        }
        Err(error) => {
            ctx.trouble(err, format!("cannot read `{}`: {error}", against.display()));
            return EXIT_TROUBLE;
        }
    };
    let compared = Mutex::new(Compared::default());
    let emitted = idpc_driver::emit_each(platform, Family::ALL, &|artifact| {
        let file =
            on_disk.contains(&artifact.path).then(|| std::fs::read(against.join(&artifact.path)));
        let outcome = match file {
            Some(Ok(bytes)) if bytes == artifact.contents.as_bytes() => Ok(None),
            Some(Ok(bytes)) => {
                Ok(file_diff(&artifact.path, Some(&bytes), Some(&artifact.contents)))
            }
            None => Ok(file_diff(&artifact.path, None, Some(&artifact.contents))),
            Some(Err(error)) => Err(error),
        };
        let mut compared = compared.lock().unwrap_or_else(PoisonError::into_inner);
        compared.generated.push(artifact.path);
        match outcome {
            Ok(diff) => compared.differ.extend(diff),
            Err(error) => compared.failed = compared.failed.take().or(Some(error)),
        }
    });
    if let Err(error) = emitted {
        ctx.trouble(err, format!("the artifacts cannot be generated: {error:?}"));
        return EXIT_TROUBLE;
    }
    let Compared { generated, differ: mut files, failed } =
        compared.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(error) = failed {
        ctx.trouble(err, format!("cannot read `{}`: {error}", against.display()));
        return EXIT_TROUBLE;
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let generated: BTreeSet<String> = generated.into_iter().collect();
    let mut files: Vec<Value> = files.into_iter().map(|(_, file)| file).collect();
    for path in on_disk.iter().filter(|p| !generated.contains(p.as_str())) {
        let bytes = match std::fs::read(against.join(path)) {
            Ok(bytes) => bytes,
            Err(error) => {
                ctx.trouble(err, format!("cannot read `{}`: {error}", against.display()));
                return EXIT_TROUBLE;
            }
        };
        files.extend(file_diff(path, Some(&bytes), None).map(|(_, file)| file));
    }
    let artifacts = generated.len();
    let code = if files.is_empty() { EXIT_OK } else { EXIT_ERRORS };
    match ctx.format {
        Format::Json => {
            let body = json!({ "against": against.display().to_string(), "files": files });
            ctx.document(out, body, code);
        }
        Format::Short | Format::Github | Format::Sarif => {
            let shown = against.display().to_string();
            let findings: Vec<FileFinding> = files
                .iter()
                .map(|file| {
                    let path = file["path"].as_str().unwrap_or_default();
                    let class = match file["class"].as_str() {
                        Some("missing") => "missing",
                        Some("extra") => "extra",
                        _ => "changed",
                    };
                    FileFinding {
                        path: format!("{}/{path}", shown.trim_end_matches('/')),
                        class,
                        message: "differs from what the description generates".to_owned(),
                    }
                })
                .collect();
            report::file_findings(ctx, &findings, out, |_| {}, err);
        }
        _ => {
            for file in &files {
                let _ = out.write_all(file["diff"].as_str().unwrap_or_default().as_bytes());
            }
            if files.is_empty() {
                let _ = writeln!(
                    err,
                    "no drift: {} matches the description ({} files)",
                    against.display(),
                    artifacts
                );
            } else {
                let _ = writeln!(
                    err,
                    "{} file(s) in {} differ from what the description generates",
                    files.len(),
                    against.display()
                );
            }
        }
    }
    code
}

/// What the comparison with the committed tree has found, from every thread that makes
/// artifacts: the path of each generated file, the entry of each one that differs from its
/// committed file, and the first file that could not be read.
#[derive(Default)]
struct Compared {
    generated: Vec<String>,
    differ: Vec<(String, Value)>,
    failed: Option<std::io::Error>,
}

/// The entry of a file whose committed text (`None`: there is no such file) is not what the
/// description generates (`None`: nothing generates it), with its unified diff; `None` when the
/// two read the same as text. The side that is not there is `/dev/null`, as `git diff` has it.
fn file_diff(
    path: &str,
    committed: Option<&[u8]>,
    generated: Option<&str>,
) -> Option<(String, Value)> {
    let old = committed.map(String::from_utf8_lossy);
    if old.as_deref() == generated {
        return None;
    }
    let side = |there: bool, prefix: &str| {
        if there { format!("{prefix}/{path}") } else { "/dev/null".to_owned() }
    };
    let diff = TextDiff::from_lines(old.as_deref().unwrap_or_default(), generated.unwrap_or(""))
        .unified_diff()
        .context_radius(3)
        .header(&side(committed.is_some(), "a"), &side(generated.is_some(), "b"))
        .to_string();
    let class = match (committed, generated) {
        (None, _) => "missing",
        (_, None) => "extra",
        _ => "changed",
    };
    Some((path.to_owned(), json!({ "path": path, "class": class, "diff": diff })))
}

fn show(value: Option<&Value>) -> String {
    let text = value.map_or_else(
        || "absent".to_owned(),
        |v| match v {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        },
    );
    let text = text.replace('\n', " ");
    if text.chars().count() > 90 {
        format!("{}…`", text.chars().take(88).collect::<String>())
    } else {
        text
    }
}

fn diagnostic(drift: &Drift) -> Diagnostic {
    let (code, message) = match drift.class {
        Class::Changed => (
            Code::DriftChanged,
            format!(
                "{}: `{}` is {} live, {} generated",
                drift.key,
                drift.path,
                show(drift.live.as_ref()),
                show(drift.desired.as_ref())
            ),
        ),
        Class::MissingLive => {
            (Code::DriftMissingLive, format!("{} is generated but not live", drift.key))
        }
        Class::ExtraLive => (
            Code::DriftExtraLive,
            format!("{} is live and managed by idpc, but no longer generated", drift.key),
        ),
    };
    let places: Vec<String> = [
        drift.artifact.as_ref().map(|a| format!("generated in {a}")),
        drift.export.as_ref().map(|e| format!("live in {e}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let label = match drift.class {
        Class::Changed => "the value is declared here",
        Class::MissingLive => "declared here",
        Class::ExtraLive => "",
    };
    let diagnostic = match drift.span {
        Some(span) => Diagnostic::new(code, message, span, label),
        None => Diagnostic::global(code, message),
    };
    diagnostic.with_help(places.join("; "))
}

/// The report for people: each drift rendered like a diagnostic on standard output, a summary
/// on standard error.
fn human(
    report: &Report,
    sources: &Sources,
    ctx: &Ctx,
    show_suppressed: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    let diagnostics: Vec<Diagnostic> = report.drifts.iter().map(diagnostic).collect();
    let options = RenderOptions { color: ctx.color, width: 100 };
    let text = if ctx.graphical {
        render_human(&diagnostics, sources, options)
    } else {
        render_plain(&diagnostics, sources, options)
    };
    let _ = out.write_all(text.as_bytes());
    if show_suppressed {
        for suppressed in &report.suppressed {
            let _ = writeln!(
                out,
                "suppressed by {}: {} `{}` ({})",
                suppressed.rule, suppressed.key, suppressed.path, suppressed.reason
            );
        }
    }
    let domains: Vec<String> =
        report.domains.iter().map(|d| format!("{d:?}").to_lowercase()).collect();
    let _ = writeln!(
        err,
        "{} drift(s) in {} compared object(s) of {} ({} difference(s) suppressed by normalisation rules{})",
        report.drifts.len(),
        report.compared,
        if domains.is_empty() { "nothing".to_owned() } else { domains.join(", ") },
        report.suppressed.len(),
        if show_suppressed { "" } else { "; --show-suppressed lists them" }
    );
}

fn json_report(report: &Report, sources: &Sources) -> Value {
    let drifts: Vec<Value> = report
        .drifts
        .iter()
        .map(|d| {
            let source = d.span.map(|span| {
                let at = sources.line_col(span.file, span.start);
                json!({ "file": sources.path(span.file), "line": at.line, "column": at.column })
            });
            json!({
                "class": d.class.as_str(),
                "object": d.key.to_string(),
                "path": d.path.to_string(),
                "desired": d.desired,
                "live": d.live,
                "artifact": d.artifact,
                "export": d.export,
                "source": source,
            })
        })
        .collect();
    let suppressed: Vec<Value> = report
        .suppressed
        .iter()
        .map(|s| json!({ "object": s.key.to_string(), "path": s.path.to_string(), "rule": s.rule, "reason": s.reason }))
        .collect();
    json!({ "drift": report.has_drift(), "compared": report.compared, "drifts": drifts, "suppressed": suppressed })
}
