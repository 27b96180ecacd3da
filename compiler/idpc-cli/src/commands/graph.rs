//! `idpc graph`: the services, their dependencies, teams and resources as Graphviz DOT, Mermaid
//! or JSON; with `--impact S`, what depends on `S`, directly or not, in each environment.
//!
//! Exit codes: 0 drawn; 1 errors in the description; 2 no such service, or trouble.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;

use idpc_diagnostics::did_you_mean;
use idpc_ir::{Platform, ServiceId};
use serde_json::{Value, json};

use crate::args::{Format, GraphArgs};
use crate::report::{self, Ctx};
use crate::{EXIT_OK, EXIT_TROUBLE};

pub(crate) fn run(args: &GraphArgs, ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let compilation = match report::load_and_compile(None, ctx, err) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let platform = match report::platform_or_trouble(ctx, &compilation, "drawing it", out, err) {
        Ok(platform) => platform,
        Err(code) => return code,
    };
    let mut find = |name: &str| -> Result<ServiceId, u8> {
        match platform.services.iter().position(|s| s.name == name) {
            Some(index) => Ok(ServiceId::from_index(index)),
            None => {
                let hint = did_you_mean(name, platform.services.iter().map(|s| s.name.as_str()))
                    .map_or_else(String::new, |h| format!("; {h}"));
                ctx.trouble(err, format!("no service `{name}`{hint}"));
                Err(EXIT_TROUBLE)
            }
        }
    };
    if let Some(name) = &args.impact {
        let service = match find(name) {
            Ok(service) => service,
            Err(code) => return code,
        };
        let impact = impact(platform, service);
        match ctx.format {
            Format::Json => {
                let environments: Vec<Value> = impact
                    .iter()
                    .map(
                        |(env, dependents)| json!({ "environment": env, "dependents": dependents }),
                    )
                    .collect();
                ctx.document(out, json!({ "service": name, "impact": environments }), EXIT_OK);
            }
            Format::Dot | Format::Mermaid => {
                let all: BTreeSet<usize> = dependents(platform, service, None);
                let shown: BTreeSet<usize> = all.into_iter().chain([service.index()]).collect();
                draw(platform, &shown, Some(service.index()), ctx.format, out);
            }
            _ => {
                let rows: Vec<Vec<String>> =
                    impact.iter().map(|(env, d)| vec![env.clone(), list(d)]).collect();
                let _ = writeln!(out, "what depends on `{name}`, directly or not:");
                let _ =
                    out.write_all(report::table(&["ENVIRONMENT", "DEPENDENTS"], &rows).as_bytes());
            }
        }
        return EXIT_OK;
    }
    let shown: BTreeSet<usize> = match &args.service {
        None => (0..platform.services.len()).collect(),
        Some(name) => {
            let service = match find(name) {
                Ok(service) => service,
                Err(code) => return code,
            };
            let mut shown = dependents(platform, service, None);
            shown.extend(dependencies(platform, service));
            shown.insert(service.index());
            shown
        }
    };
    let focus =
        args.service.as_ref().and_then(|n| platform.services.iter().position(|s| &s.name == n));
    match ctx.format {
        Format::Json => ctx.document(out, json_graph(platform, &shown), EXIT_OK),
        format => draw(platform, &shown, focus, format, out),
    }
    EXIT_OK
}

fn list(names: &[String]) -> String {
    if names.is_empty() { "(nothing)".to_owned() } else { names.join(", ") }
}

/// What depends on `service`, directly or not, in each environment it is deployed to: a
/// dependent counts in an environment when it and every service between it and `service` are
/// deployed there.
pub(crate) fn impact(platform: &Platform, service: ServiceId) -> Vec<(String, Vec<String>)> {
    platform
        .environments
        .iter()
        .enumerate()
        .filter(|(env, _)| deployed(platform, service.index(), *env))
        .map(|(env, environment)| {
            let names = dependents(platform, service, Some(env))
                .into_iter()
                .map(|s| platform.services[s].name.clone())
                .collect();
            (environment.name.clone(), names)
        })
        .collect()
}

fn deployed(platform: &Platform, service: usize, env: usize) -> bool {
    platform
        .deployments
        .iter()
        .any(|d| d.service.index() == service && d.environment.index() == env)
}

/// The services that depend on `service`, directly or not (in `env` only, when given).
fn dependents(platform: &Platform, service: ServiceId, env: Option<usize>) -> BTreeSet<usize> {
    let mut found = BTreeSet::new();
    let mut todo = vec![service.index()];
    while let Some(current) = todo.pop() {
        for (index, s) in platform.services.iter().enumerate() {
            let here = env.is_none_or(|env| deployed(platform, index, env));
            if here
                && s.depends_on.iter().any(|d| d.index() == current)
                && index != service.index()
                && found.insert(index)
            {
                todo.push(index);
            }
        }
    }
    found
}

/// The services `service` depends on, directly or not.
fn dependencies(platform: &Platform, service: ServiceId) -> BTreeSet<usize> {
    let mut found = BTreeSet::new();
    let mut todo = vec![service.index()];
    while let Some(current) = todo.pop() {
        for dependency in &platform.services[current].depends_on {
            if dependency.index() != service.index() && found.insert(dependency.index()) {
                todo.push(dependency.index());
            }
        }
    }
    found
}

/// A service's resources, over all its deployments: (name, kind), sorted.
fn resources(platform: &Platform, service: usize) -> BTreeSet<(String, String)> {
    platform
        .deployments_of(ServiceId::from_index(service))
        .flat_map(|d| &d.resources)
        .map(|r| (r.name.clone(), platform.kind(r.kind).name.clone()))
        .collect()
}

/// The `shown` services of each team, in order.
fn by_team(platform: &Platform, shown: &BTreeSet<usize>) -> Vec<Vec<usize>> {
    let mut by_team = vec![Vec::new(); platform.teams.len()];
    for &s in shown {
        by_team[platform.services[s].team.index()].push(s);
    }
    by_team
}

/// Draws the `shown` services, grouped by team, with their resources and the dependencies
/// between them, as DOT or Mermaid; `focus` is drawn bold.
fn draw(
    platform: &Platform,
    shown: &BTreeSet<usize>,
    focus: Option<usize>,
    format: Format,
    out: &mut dyn Write,
) {
    let text = if format == Format::Mermaid {
        mermaid(platform, shown, focus)
    } else {
        dot(platform, shown, focus)
    };
    let _ = out.write_all(text.as_bytes());
}

fn dot_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot(platform: &Platform, shown: &BTreeSet<usize>, focus: Option<usize>) -> String {
    let by_team = by_team(platform, shown);
    let mut out = format!("digraph {} {{\n", dot_string(&platform.name));
    out.push_str("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (t, team) in platform.teams.iter().enumerate() {
        let members = &by_team[t];
        if members.is_empty() {
            continue;
        }
        let _ =
            writeln!(out, "  subgraph {} {{", dot_string(&format!("cluster_team_{}", team.name)));
        let _ = writeln!(
            out,
            "    label={};\n    style=rounded;",
            dot_string(&format!("team {}", team.name))
        );
        for &s in members {
            let style = if Some(s) == focus { ", style=bold, penwidth=2" } else { "" };
            let name = &platform.services[s].name;
            let _ = writeln!(
                out,
                "    {} [label={}, shape=box{style}];",
                dot_string(&format!("service/{name}")),
                dot_string(name)
            );
            for (resource, kind) in resources(platform, s) {
                let id = dot_string(&format!("resource/{name}/{resource}"));
                let label = dot_string(&format!("{resource} ({kind})"));
                let _ = writeln!(out, "    {id} [label={label}, shape=cylinder];");
                let _ = writeln!(
                    out,
                    "    {} -> {id} [style=dashed, arrowhead=none];",
                    dot_string(&format!("service/{name}"))
                );
            }
        }
        out.push_str("  }\n");
    }
    for s in shown {
        let service = &platform.services[*s];
        for dependency in &service.depends_on {
            if shown.contains(&dependency.index()) {
                let _ = writeln!(
                    out,
                    "  {} -> {};",
                    dot_string(&format!("service/{}", service.name)),
                    dot_string(&format!("service/{}", platform.services[dependency.index()].name))
                );
            }
        }
    }
    out.push_str("}\n");
    out
}

/// A label in a Mermaid node: quoted, with `"` as an entity.
fn mermaid_label(text: &str) -> String {
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    format!("\"{}\"", text.replace('"', "#quot;"))
}

pub(crate) fn mermaid(
    platform: &Platform,
    shown: &BTreeSet<usize>,
    focus: Option<usize>,
) -> String {
    let by_team = by_team(platform, shown);
    let mut out = String::from("flowchart LR\n");
    for (t, team) in platform.teams.iter().enumerate() {
        let members = &by_team[t];
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph t{t}[{}]", mermaid_label(&format!("team {}", team.name)));
        for &s in members {
            let _ = writeln!(out, "    s{s}[{}]", mermaid_label(&platform.services[s].name));
            for (r, (resource, kind)) in resources(platform, s).into_iter().enumerate() {
                let _ = writeln!(
                    out,
                    "    s{s}r{r}[({})]",
                    mermaid_label(&format!("{resource}: {kind}"))
                );
                let _ = writeln!(out, "    s{s} -.- s{s}r{r}");
            }
        }
        out.push_str("  end\n");
    }
    for s in shown {
        for dependency in &platform.services[*s].depends_on {
            if shown.contains(&dependency.index()) {
                let _ = writeln!(out, "  s{s} --> s{}", dependency.index());
            }
        }
    }
    if let Some(focus) = focus {
        let _ = writeln!(out, "  style s{focus} stroke-width:3px");
    }
    out
}

fn json_graph(platform: &Platform, shown: &BTreeSet<usize>) -> Value {
    let services: Vec<Value> = shown
        .iter()
        .map(|s| {
            let service = &platform.services[*s];
            let environments: Vec<&str> = platform
                .deployments
                .iter()
                .filter(|d| d.service.index() == *s)
                .map(|d| platform.environment(d.environment).name.as_str())
                .collect();
            json!({
                "name": service.name,
                "team": platform.team(service.team).name,
                "system": service.system.map(|id| platform.system(id).name.clone()),
                "depends_on": service.depends_on.iter().map(|d| platform.service(*d).name.clone()).collect::<Vec<_>>(),
                "resources": resources(platform, *s).into_iter().map(|(name, kind)| json!({ "name": name, "kind": kind })).collect::<Vec<_>>(),
                "environments": environments,
            })
        })
        .collect();
    let teams: BTreeSet<&str> =
        shown.iter().map(|s| platform.team(platform.services[*s].team).name.as_str()).collect();
    json!({ "platform": platform.name, "teams": teams, "services": services })
}
