//! `idpc init`: a new platform description that passes `idpc check`: the platform, one team,
//! two environments and one service, in the layout the book uses.
//!
//! Exit codes: 0 written; 2 the directory already holds a description, or trouble. Nothing is
//! written unless the skeleton compiles without a diagnostic.

use std::io::Write;
use std::path::Path;

use idpc_driver::SourceText;

use crate::args::InitArgs;
use crate::report::Ctx;
use crate::{EXIT_INTERNAL, EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &InitArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let dir = &args.path;
    if has_kdl(dir) {
        ctx.trouble(
            err,
            format!(
                "`{}` already holds .kdl files; `idpc init` starts a new description",
                dir.display()
            ),
        );
        return EXIT_TROUBLE;
    }
    let name = match &args.name {
        Some(name) => name.clone(),
        None => {
            let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
            slug(
                &absolute.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            )
        }
    };
    let files = skeleton(&name);
    let texts: Vec<SourceText> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".kdl"))
        .map(|(path, text)| SourceText {
            path: (*path).to_owned(),
            text: text.clone(),
            invalid_utf8_at: None,
        })
        .collect();
    let compilation = idpc_driver::compile_with(&texts, ctx.options());
    if compilation.platform.is_none() || !compilation.diagnostics.is_empty() {
        let first = compilation.diagnostics.first().map(|d| d.message.clone()).unwrap_or_default();
        if args.name.is_some() && compilation.diagnostics.iter().all(|d| d.primary.is_some()) {
            ctx.trouble(err, format!("`{name}` cannot name a platform: {first}"));
            return EXIT_TROUBLE;
        }
        let _ = writeln!(
            err,
            "internal error: the skeleton does not compile: {first}\nthis is a bug in idpc; nothing was written"
        );
        return EXIT_INTERNAL;
    }
    for (path, text) in &files {
        let target = dir.join(path);
        // A `.gitignore` already there is the user's: left as it is, with a word on the line
        // it should hold.
        if *path == ".gitignore" && std::fs::symlink_metadata(&target).is_ok() {
            let _ = writeln!(
                err,
                "note: `{}` exists and was left as it is; add `.idpc-stamp.*` to it",
                target.display()
            );
            continue;
        }
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::File::create_new(&target))
            .and_then(|mut file| file.write_all(text.as_bytes()));
        if let Err(error) = written {
            ctx.trouble(err, format!("cannot write `{}`: {error}", target.display()));
            return EXIT_TROUBLE;
        }
        let _ = writeln!(out, "{}", target.display());
    }
    let _ = writeln!(
        err,
        "created platform `{name}` in {}: run `idpc check {0}`, then `idpc build {0}`",
        dir.display()
    );
    EXIT_OK
}

fn has_kdl(dir: &Path) -> bool {
    walkdir_kdl(dir, 0)
}

/// Whether `dir` or a directory below it (a few levels deep) holds a `.kdl` file.
fn walkdir_kdl(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            depth < 4
                && !entry.file_name().to_string_lossy().starts_with('.')
                && walkdir_kdl(&path, depth + 1)
        } else {
            path.extension().is_some_and(|ext| ext == "kdl")
        }
    })
}

/// A platform name from a directory's name: lower-case letters, digits and `-` (accented
/// letters as their base letter).
fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in idpc_ir::fold_accents(text).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_owned();
    if slug.is_empty() || !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        format!("platform{}", if slug.is_empty() { String::new() } else { format!("-{slug}") })
    } else {
        slug
    }
}

/// The files of a new platform: (path, text).
fn skeleton(name: &str) -> Vec<(&'static str, String)> {
    let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
    vec![
        (
            ".gitignore",
            "# The generated tree is committed; what a build leaves for the next one on this
# machine (its stamp and memory, which hold inode numbers) is not.
.idpc-stamp.*
"
            .to_owned(),
        ),
        (
            "platform.kdl",
            format!(
                "// The platform: its name and registry, and where services run.
// `idpc check` reads every .kdl file in this directory and below.
platform \"{quoted}\" {{
    registry \"ghcr.io/{quoted}\"
}}

environment \"dev\" tier=\"development\"
environment \"prod\" tier=\"production\" {{
    approval required=#true
}}
"
            ),
        ),
        (
            "teams/platform.kdl",
            "// A team owns services and is paged for them. Changes to production need an approval by a
// member other than their author, so a team that ships there has at least two.
team \"platform\" {
    member \"lead@example.com\" role=\"lead\"
    member \"dev@example.com\"
    oncall \"platform-pager\"
}
"
            .to_owned(),
        ),
        (
            "services/hello.kdl",
            "// A service: its image, port and limits, how it deploys and what it promises.
service \"hello\" team=\"platform\" {
    image \"hello:0.1.0\"
    port \"http\" 8080
    limits memory=\"256Mi\"
    deploy {
        healthcheck path=\"/healthz\"
    }
    slo \"availability\" objective=\"99.5%\"
    override \"prod\" {
        replicas 2
    }
}
"
            .to_owned(),
        ),
    ]
}
