//! A service's variables and secrets: each name once, and no plain variable named like a
//! credential that holds a literal value.

use std::collections::BTreeMap;

use idpc_diagnostics::{Code, Diagnostic, Span, quote};

use crate::diagnostics::Repeats;
use crate::schema::settings::{ENV, SECRET};
use crate::shape::Checked;
use crate::typeck;

/// The most variables and secrets one block may declare. A Rollout is one object of the API
/// server, which refuses objects above 1.5 MiB; a thousand variables stay well inside it.
pub(crate) const MAX_VARIABLES: usize = 1000;

/// Reports names declared twice among a block's `env` and `secret` nodes (repeats of one name
/// merged into one diagnostic), and literal credentials in variables named like secrets.
pub(crate) fn check(node: &Checked<'_>, diagnostics: &mut Vec<Diagnostic>) {
    let is_variable = |c: &&Checked<'_>| c.schema.name == ENV.name || c.schema.name == SECRET.name;
    let count = node.children.iter().filter(is_variable).count();
    if count > MAX_VARIABLES
        && let Some(extra) = node.children.iter().filter(is_variable).nth(MAX_VARIABLES)
    {
        diagnostics.push(
            Diagnostic::new(
                Code::OutOfRange,
                format!(
                    "{count} variables and secrets in one block; at most {MAX_VARIABLES} are allowed"
                ),
                extra.name_span(),
                format!("variable {} of {count}", MAX_VARIABLES + 1),
            )
            .with_help("a workload object above 1.5 MiB is refused by the API server; keep configuration in a ConfigMap or a file the service reads"),
        );
    }
    let mut seen: BTreeMap<&str, (Span, &str)> = BTreeMap::new();
    let mut repeats = Repeats::default();
    for (kind, child) in node.children.iter().filter_map(|c| {
        if c.schema.name == ENV.name {
            Some(("variable", c))
        } else if c.schema.name == SECRET.name {
            Some(("secret", c))
        } else {
            None
        }
    }) {
        let Some((name, span)) = child.str_arg(0) else { continue };
        if let Some(problem) = crate::services::variable_name_problem(name, span) {
            diagnostics.push(problem);
            continue;
        }
        if let Some((first, first_kind)) = seen.get(name) {
            let message = if *first_kind == kind {
                format!("{kind} `{name}` is declared twice", name = quote(name))
            } else {
                format!("`{name}` is both a plain variable and a secret", name = quote(name))
            };
            repeats.report(name, diagnostics, || {
                Diagnostic::new(Code::DuplicateDeclaration, message, span, "declared again here")
                    .with_label(*first, "first declared here")
            });
            continue;
        }
        seen.insert(name, (span, kind));
        if kind == "variable"
            && let Some(value) = child.node.args.get(1)
            && let idpc_syntax::ast::ValueKind::String(text) = &value.kind
            && !text.is_empty()
            && !typeck::contains_credential(text)
            && names_a_secret(name)
            && !text.contains("${")
        {
            diagnostics.push(typeck::literal_secret(
                value,
                &format!("variable `{name}`", name = quote(name)),
            ));
        }
    }
    repeats.finish(diagnostics);
}

/// Whether a variable's name says it holds a credential.
fn names_a_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"]
        .iter()
        .any(|w| upper.contains(w))
}
