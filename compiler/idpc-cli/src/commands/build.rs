//! `idpc build`: compile and write the artifacts, or with `--check`, verify the written ones.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use idpc_diagnostics::Sources;
use idpc_driver::{Family, TreeDifference};

use crate::args::BuildArgs;
use crate::progress::Progress;
use crate::report::{self, Ctx, FileFinding};
use crate::{EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &BuildArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let families = match families(&args.targets) {
        Ok(families) => families,
        Err(message) => {
            ctx.trouble(err, message);
            return EXIT_TROUBLE;
        }
    };
    let description = ctx.description();
    let out_dir = args.out.clone().unwrap_or_else(|| default_out(&description));
    // Refuse a directory that must never be an output before any work: nothing is touched.
    if !args.check
        && let Err(refusal) = idpc_driver::check_output_dir(&out_dir, &description)
    {
        refused(ctx, err, &refusal);
        return EXIT_TROUBLE;
    }
    // A line on a terminal says what a long build is doing; it is erased before anything else
    // is printed.
    let progress = Progress::on_stderr(ctx.graphical);
    let code = build(args, ctx, &families, &out_dir, &description, &progress, out, err);
    progress.finish();
    code
}

#[expect(clippy::too_many_arguments, reason = "the steps of one command, in one place")]
fn build(
    args: &BuildArgs,
    ctx: &Ctx,
    families: &[Family],
    out_dir: &std::path::Path,
    description: &std::path::Path,
    progress: &Progress,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let start = Instant::now();
    progress.step(0);
    let trouble = |error: idpc_driver::LoadError, err: &mut dyn Write| {
        progress.pause(err);
        ctx.trouble(err, error);
        EXIT_TROUBLE
    };
    // A build with the inputs of the last one, over the tree it left, has nothing to do. If
    // the files look as they did when the last build read them, they are not read again. The
    // tree is looked at in the background while the files are found, read and checked.
    let (found, outputs) = idpc_driver::find_and_look(description, out_dir, !args.check);
    let (found, glance) = match found {
        Ok(found) => found,
        Err(error) => return trouble(error, err),
    };
    let context = context_digest(ctx, families, args);
    let glance = (!args.check).then_some(glance);
    let glanced = |g| idpc_driver::glanced(&outputs, g, &context);
    if let Some(files) = glance.as_ref().and_then(glanced) {
        return up_to_date(files, out_dir, progress, err);
    }
    let loaded = match found.read() {
        Ok(loaded) => loaded,
        Err(error) => return trouble(error, err),
    };
    let read = start.elapsed();
    let inputs = (!args.check).then(|| idpc_driver::inputs_digest(&loaded.files, &[&context]));
    let mut pending = None;
    if let Some(inputs) = &inputs {
        let (freshness, offered) = idpc_driver::examine(out_dir, &outputs, inputs, &context);
        pending = offered.filter(|_| !args.full);
        let mut ignored = |what: &str, why: &str| {
            progress.pause(err);
            let _ = writeln!(
                err,
                "note: the build {what} in {} is ignored ({why}); building in full",
                out_dir.display()
            );
        };
        match freshness {
            idpc_driver::Freshness::Current(files) => {
                // The next build with these files need not read them.
                if let Some(glance) = &glance {
                    idpc_driver::settle(out_dir, &outputs, glance);
                }
                return up_to_date(files, out_dir, progress, err);
            }
            idpc_driver::Freshness::Ignored(why) => ignored("stamp", &why),
            idpc_driver::Freshness::MemoryIgnored(why) => ignored("memory", &why),
            idpc_driver::Freshness::Stale => {}
        }
    }
    progress.step(1);
    // What the last build kept over the tree it left: its policies' results, and its units.
    let kept_policies = pending.as_ref().and_then(idpc_driver::Pending::policies);
    let (mut compilation, policies) =
        idpc_driver::compile_keeping(loaded.files, ctx.options(), kept_policies);
    let reuse =
        pending.filter(|_| compilation.platform.is_some()).and_then(idpc_driver::Pending::confirm);
    compilation.sources = ctx.rebase(std::mem::take(&mut compilation.sources));
    progress.pause(err);
    report::diagnostics(ctx, &compilation.diagnostics, &compilation.sources, out, err);
    let Some(platform) = compilation.platform.as_ref() else {
        report::held_back(ctx, compilation.held_back, err);
        let _ = writeln!(err, "nothing written: fix the errors above");
        return EXIT_ERRORS;
    };
    let start = Instant::now();
    progress.step(2);
    let scope = (!args.targets.is_empty()).then_some(families);
    // A build that printed warnings is stamped as such: the next one prints them again.
    let warned = !compilation.diagnostics.is_empty();
    let stamp = inputs.as_deref().map(|inputs| idpc_driver::Stamping {
        inputs,
        context: &context,
        glance: glance.as_ref(),
        warned,
    });
    let mut incremental = None;
    // Whether this build waited for another one into the same directory, in place or in full.
    let waited = Waited::default();
    let (code, files) = if let Some(written) = reuse.filter(|_| stamp.is_some()).and_then(|reuse| {
        let target = Target { out_dir, scope, description, stamp, memory: None, waited: &waited };
        edit_build(&target, args, reuse, platform, families, &policies).transpose()
    }) {
        progress.pause(err);
        waited.say(out_dir, err);
        match written {
            Ok((report, remade, units)) => {
                incremental = Some((remade, units));
                let files = report.added.len() + report.changed.len() + report.unchanged;
                report_written(out_dir, &report, err);
                (EXIT_OK, files)
            }
            Err(error) => write_failed(out_dir, error, ctx, &compilation.sources, out, err),
        }
    } else if args.check {
        let count = std::sync::atomic::AtomicUsize::new(0);
        let compared = idpc_driver::check_streamed(out_dir, scope, |sink| {
            let emitted = idpc_driver::emit_each(platform, families, &|artifact| {
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                sink(&artifact);
            });
            progress.step(3);
            emitted
        });
        let files = count.into_inner();
        match compared {
            Ok(differences) => {
                (check(out_dir, &differences, files, ctx, progress, out, err), files)
            }
            Err(idpc_driver::StreamError::Produce(error)) => {
                progress.pause(err);
                (emit_failed(error, ctx, &compilation.sources, out, err), 0)
            }
            Err(idpc_driver::StreamError::Write(error)) => {
                progress.pause(err);
                ctx.trouble(err, format!("cannot read `{}`: {error}", out_dir.display()));
                (EXIT_TROUBLE, 0)
            }
        }
    } else {
        let made = idpc_driver::Made::new(None);
        let memory = || idpc_driver::memory_of(platform, &made, &policies);
        let target =
            Target { out_dir, scope, description, stamp, memory: Some(&memory), waited: &waited };
        write(&target, args, ctx, progress, &compilation.sources, out, err, |sink| {
            // After a failed write, the families make nothing more: the build fails with it.
            let wants = |_| !sink.failed();
            let emitted = idpc_driver::emit_units(platform, families, &wants, &|unit, artifact| {
                made.record(unit, &artifact.path);
                sink.put(&artifact);
            });
            // What is left is putting the new tree in place.
            progress.step(3);
            emitted
        })
    };
    if args.timings {
        let t = compilation.timings;
        let _ = writeln!(
            err,
            "timings: read {:.1?}, parse {:.1?}, analyze {:.1?}, policies {:.1?}, {} {:.1?} ({} files){}{}",
            read,
            t.parse,
            t.analyze,
            t.policies,
            match incremental {
                Some((remade, units)) => format!("emit and write {remade} of {units} units"),
                None if args.check => "emit and compare".to_owned(),
                None => "emit and write".to_owned(),
            },
            start.elapsed(),
            files,
            // The tree is looked at beside the other steps, on whichever core is free.
            outputs.looked().map_or_else(String::new, |took| {
                format!(", the output tree looked at beside them {took:.1?}")
            }),
            idpc_driver::peak_memory()
                .map_or_else(String::new, |bytes| format!(", peak memory {} MiB", bytes >> 20))
        );
    }
    ctx.done_with((compilation, policies));
    code
}

/// Reports that the tree is the output of the same inputs; the exit code.
fn up_to_date(
    files: usize,
    out_dir: &std::path::Path,
    progress: &Progress,
    err: &mut dyn Write,
) -> u8 {
    progress.pause(err);
    let _ = writeln!(
        err,
        "up to date: {files} files in {} (nothing changed since the last build)",
        out_dir.display()
    );
    EXIT_OK
}

/// Reports why the backends produced nothing; the exit code.
fn emit_failed(
    error: idpc_driver::EmitError,
    ctx: &Ctx,
    sources: &Sources,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match error {
        idpc_driver::EmitError::Diagnostics(diagnostics) => {
            report::diagnostics(ctx, &diagnostics, sources, out, err);
            let _ = writeln!(err, "nothing written: fix the errors above");
            EXIT_ERRORS
        }
        idpc_driver::EmitError::Internal(message) => {
            let _ = writeln!(
                err,
                "internal error: {message}\nthis is a bug in idpc; nothing was written"
            );
            EXIT_INTERNAL
        }
    }
}

/// The digest of what a build's output depends on besides the files: idpc itself, the day
/// (waivers and expiries), the families and how foreign files are treated. A build after an
/// edit in the same context may reuse what the last one kept.
fn context_digest(ctx: &Ctx, families: &[Family], args: &BuildArgs) -> String {
    let families: Vec<&str> = families.iter().map(|f| f.name()).collect();
    let adopt = if args.adopt { "adopt" } else { "" };
    let parts = [crate::version::LONG, &ctx.today.to_string(), &families.join(","), adopt];
    idpc_driver::inputs_digest(&[], &parts)
}

/// A build after an edit: makes only what changed; `None` if the tree is not the one the last
/// build left, and the build must run in full.
fn edit_build(
    target: &Target<'_>,
    args: &BuildArgs,
    reuse: idpc_driver::Reuse,
    platform: &idpc_driver::Platform,
    families: &[Family],
    policies: &idpc_driver::PolicyCache,
) -> Result<Option<(idpc_driver::WriteReport, usize, usize)>, Written> {
    let on_wait = || target.waited.0.set(true);
    let options = target.options(args, Some(&on_wait));
    match idpc_driver::write_incremental(
        target.out_dir,
        &options,
        reuse,
        platform,
        families,
        policies,
    )? {
        idpc_driver::Incremental::Written { report, remade, units } => {
            Ok(Some((report, remade, units)))
        }
        idpc_driver::Incremental::Declined => Ok(None),
    }
}

/// Why a write did not happen.
type Written = idpc_driver::StreamError<idpc_driver::EmitError>;

fn families(targets: &[String]) -> Result<Vec<Family>, String> {
    if targets.is_empty() {
        return Ok(Family::ALL.to_vec());
    }
    let mut families = Vec::new();
    for name in targets.iter().flat_map(|t| t.split(',')) {
        let family = Family::parse(name.trim()).ok_or_else(|| {
            let known: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
            format!("unknown target `{name}`: the targets are {}", known.join(", "))
        })?;
        if !families.contains(&family) {
            families.push(family);
        }
    }
    families.sort();
    Ok(families)
}

pub(crate) fn default_out(path: &std::path::Path) -> PathBuf {
    if path.is_file() {
        path.parent()
            .map(|p| p.join(idpc_driver::DEFAULT_OUT))
            .unwrap_or_else(|| PathBuf::from(idpc_driver::DEFAULT_OUT))
    } else {
        path.join(idpc_driver::DEFAULT_OUT)
    }
}

fn refused(ctx: &Ctx, err: &mut dyn Write, refusal: &idpc_driver::Refusal) {
    ctx.trouble(err, format!("{refusal}; nothing was written"));
    if let Some(help) = refusal.help() {
        let _ = writeln!(err, "help: {help}");
    }
}

/// Where and how a build writes.
struct Target<'a> {
    out_dir: &'a std::path::Path,
    scope: Option<&'a [Family]>,
    description: &'a std::path::Path,
    stamp: Option<idpc_driver::Stamping<'a>>,
    memory: Option<&'a (dyn Fn() -> Option<Vec<u8>> + Sync)>,
    waited: &'a Waited,
}

/// Whether the build waited for another one into the same directory: a build after an edit
/// that waited finds the tree changed and runs in full, which then does not wait.
#[derive(Default)]
struct Waited(std::cell::Cell<bool>);

impl Waited {
    /// Says so, once.
    fn say(&self, out_dir: &std::path::Path, err: &mut dyn Write) {
        if self.0.take() {
            let _ = writeln!(
                err,
                "waited for another idpc build into {} to finish; this build ran after it",
                out_dir.display()
            );
        }
    }
}

impl<'a> Target<'a> {
    /// How to write there.
    fn options(
        &self,
        args: &BuildArgs,
        on_wait: Option<&'a dyn Fn()>,
    ) -> idpc_driver::WriteOptions<'a> {
        idpc_driver::WriteOptions {
            scope: self.scope,
            adopt: args.adopt,
            description: Some(self.description),
            on_wait,
            stamp: self.stamp,
            memory: self.memory,
        }
    }
}

/// Writes what `produce` makes; the exit code and the number of files generated.
#[expect(clippy::too_many_arguments, reason = "the steps of one command, in one place")]
fn write(
    target: &Target<'_>,
    args: &BuildArgs,
    ctx: &Ctx,
    progress: &Progress,
    sources: &Sources,
    out: &mut dyn Write,
    err: &mut dyn Write,
    produce: impl FnOnce(&idpc_driver::Sink<'_>) -> Result<(), idpc_driver::EmitError>,
) -> (u8, usize) {
    let out_dir = target.out_dir;
    let on_wait = || target.waited.0.set(true);
    let options = target.options(args, Some(&on_wait));
    let result = idpc_driver::write_streamed(out_dir, &options, produce);
    progress.pause(err);
    target.waited.say(out_dir, err);
    match result {
        Ok(report) => {
            let files = report.added.len() + report.changed.len() + report.unchanged;
            report_written(out_dir, &report, err);
            (EXIT_OK, files)
        }
        Err(error) => write_failed(out_dir, error, ctx, sources, out, err),
    }
}

/// Says what a write did.
fn report_written(
    out_dir: &std::path::Path,
    report: &idpc_driver::WriteReport,
    err: &mut dyn Write,
) {
    if report.is_noop() {
        let _ = writeln!(err, "up to date: {} files in {}", report.unchanged, out_dir.display());
    } else {
        let _ = writeln!(
            err,
            "wrote {}: {} added, {} changed, {} removed, {} unchanged",
            out_dir.display(),
            report.added.len(),
            report.changed.len(),
            report.removed.len(),
            report.unchanged
        );
    }
    if report.kept > 0 {
        let _ = writeln!(err, "kept {} file(s) idpc did not write, untouched", report.kept);
    }
    if let Some(recovered) = &report.recovered {
        let _ = writeln!(
            err,
            "warning: files appeared in {} during the build; they are kept in {}",
            out_dir.display(),
            recovered.display()
        );
    }
}

/// Reports why a write did not happen; the exit code, and no files.
fn write_failed(
    out_dir: &std::path::Path,
    error: Written,
    ctx: &Ctx,
    sources: &Sources,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> (u8, usize) {
    match error {
        idpc_driver::StreamError::Produce(error) => (emit_failed(error, ctx, sources, out, err), 0),
        idpc_driver::StreamError::Write(idpc_driver::WriteError::Refused(refusal)) => {
            refused(ctx, err, &refusal);
            (EXIT_TROUBLE, 0)
        }
        idpc_driver::StreamError::Write(idpc_driver::WriteError::Io(error)) => {
            ctx.trouble(
                err,
                format!(
                    "cannot write `{}`: {error}; the previous output is intact",
                    out_dir.display()
                ),
            );
            (EXIT_TROUBLE, 0)
        }
    }
}

/// Reports how the tree differs from what a build would write; the exit code.
fn check(
    out_dir: &std::path::Path,
    differences: &[TreeDifference],
    files: usize,
    ctx: &Ctx,
    progress: &Progress,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    progress.pause(err);
    match differences {
        [] => {
            let _ = writeln!(err, "up to date: {files} files in {}", out_dir.display());
            EXIT_OK
        }
        differences => {
            let shown = out_dir.display().to_string();
            let findings: Vec<FileFinding> = differences
                .iter()
                .map(|difference| {
                    let (class, path, message) = match difference {
                        TreeDifference::Missing(path) => {
                            ("missing", path, "generated, not on disk")
                        }
                        TreeDifference::Extra(path) => ("extra", path, "on disk, not generated"),
                        TreeDifference::Differs(path) => {
                            ("differs", path, "stale or edited by hand")
                        }
                        TreeDifference::Foreign(path) => {
                            ("foreign", path, "not written by idpc; a build refuses it")
                        }
                    };
                    let path = format!("{}/{path}", shown.trim_end_matches('/'));
                    FileFinding { path, class, message: message.to_owned() }
                })
                .collect();
            report::file_findings(
                ctx,
                &findings,
                out,
                |err| {
                    for difference in differences {
                        let line = match difference {
                            TreeDifference::Missing(path) => {
                                format!("missing:  {path} (generated, not on disk)")
                            }
                            TreeDifference::Extra(path) => {
                                format!("extra:    {path} (on disk, not generated)")
                            }
                            TreeDifference::Differs(path) => {
                                format!("differs:  {path} (stale or edited by hand)")
                            }
                            TreeDifference::Foreign(path) => {
                                format!(
                                    "foreign:  {path} (not written by idpc; a build refuses it)"
                                )
                            }
                        };
                        let _ = writeln!(err, "{line}");
                    }
                },
                err,
            );
            let _ = writeln!(
                err,
                "{} is out of date: {} file(s) differ; run `idpc build` and commit the result",
                out_dir.display(),
                differences.len()
            );
            EXIT_ERRORS
        }
    }
}
