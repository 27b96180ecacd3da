//! `idpc why`: where a service's value in an environment comes from, and what it overrode.

use std::io::Write;

use idpc_diagnostics::{Label, RenderOptions, Sources, Span, render_note};
use idpc_driver::why::{NotFound, Provenance, lookup};
use idpc_ir::{Layer, Origin};
use serde_json::{Value, json};

use crate::args::{Format, WhyArgs};
use crate::report::{self, Ctx};
use crate::{EXIT_ERRORS, EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &WhyArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let compilation = match report::load_and_compile(None, ctx, err) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let platform = match &compilation.platform {
        Some(platform) => platform,
        None => {
            report::diagnostics(ctx, &compilation.diagnostics, &compilation.sources, out, err);
            return EXIT_ERRORS;
        }
    };
    let selected = match lookup(platform, &args.service, &args.environment, args.field.as_deref()) {
        Ok(selected) => selected,
        Err(NotFound { what, name, hint }) => return unknown(ctx, err, what, &name, hint),
    };
    let selected: Vec<&Provenance> = selected.iter().collect();
    let (service, environment) = (&args.service, &args.environment);
    let sources = &compilation.sources;
    match (ctx.format, selected.as_slice()) {
        (Format::Json, _) => {
            let fields: Vec<Value> = selected.iter().map(|p| field_json(p, sources)).collect();
            let document =
                json!({ "service": service, "environment": environment, "fields": fields });
            ctx.document(out, document, EXIT_OK);
        }
        (_, [one]) => {
            let title = format!("`{service}` in `{environment}`: {} = {}", one.field, one.value);
            let _ = out.write_all(detail(&title, one, sources, ctx).as_bytes());
        }
        (_, many) => {
            let _ = writeln!(out, "`{service}` in `{environment}`");
            let _ = out.write_all(table(many, sources).as_bytes());
        }
    }
    EXIT_OK
}

fn unknown(ctx: &Ctx, err: &mut dyn Write, what: &str, name: &str, hint: Option<String>) -> u8 {
    let hint = hint.map_or_else(String::new, |h| format!("; {h}"));
    ctx.trouble(err, format!("no {what} `{name}`{hint}"));
    EXIT_TROUBLE
}

/// One value: the source that set it, and under it what it overrode.
fn detail(title: &str, p: &Provenance, sources: &Sources, ctx: &Ctx) -> String {
    let mut labels = Vec::new();
    if let Some(span) = p.origin.span {
        labels.push(Label::new(span, format!("set by the {}", p.origin.layer.describe())));
    }
    for origin in &p.shadowed {
        if let Some(span) = origin.span {
            labels.push(Label::new(span, format!("overridden: the {}", origin.layer.describe())));
        }
    }
    let mut help: Vec<String> = Vec::new();
    if p.origin.span.is_none() {
        help.push("nothing in the description sets it: this is idpc's built-in default".to_owned());
    }
    if p.shadowed.iter().any(|o| o.span.is_none() && o.layer == Layer::Builtin) {
        help.push("it replaces idpc's built-in default".to_owned());
    }
    help.extend(p.note.map(str::to_owned));
    let help = (!help.is_empty()).then(|| help.join("; "));
    let options = RenderOptions { color: ctx.color, width: 100 };
    render_note(title, &labels, help.as_deref(), sources, options)
}

/// Many values: one line each with the layer and the line that set them.
fn table(rows: &[&Provenance], sources: &Sources) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|p| {
            let overrode = p.shadowed.len();
            let layer = if overrode == 0 {
                p.origin.layer.describe()
            } else {
                format!("{} (overrides {overrode})", p.origin.layer.describe())
            };
            let at = p.origin.span.map_or_else(String::new, |s| place(s, sources));
            vec![p.field.clone(), p.value.clone(), layer, at]
        })
        .collect();
    report::table(&["FIELD", "VALUE", "SET BY", "AT"], &cells)
}

fn place(span: Span, sources: &Sources) -> String {
    let at = sources.line_col(span.file, span.start);
    format!("{}:{}:{}", sources.path(span.file), at.line, at.column)
}

fn origin_json(origin: &Origin, sources: &Sources) -> Value {
    let at = origin.span.map(|span| {
        let at = sources.line_col(span.file, span.start);
        json!({ "file": sources.path(span.file), "line": at.line, "column": at.column, "text": sources.snippet(span) })
    });
    json!({ "layer": origin.layer.describe(), "at": at })
}

fn field_json(p: &Provenance, sources: &Sources) -> Value {
    json!({
        "field": p.field,
        "value": p.value,
        "set_by": origin_json(&p.origin, sources),
        "overrode": p.shadowed.iter().map(|o| origin_json(o, sources)).collect::<Vec<_>>(),
        "note": p.note,
    })
}
