//! What keeps rendering a template finite: no partial includes itself, loops nest at most
//! [`MAX_LOOP_DEPTH`] deep, and the output has a cap.
//!
//! Handlebars renders a partial that includes itself (`{{#*inline "p"}}{{> p}}{{/inline}}`,
//! directly, through other partials, or through a block) by recursing until the stack overflows.
//! [`recursive_partial`] finds such a cycle before rendering, from the parsed template; a partial
//! whose name is computed (`{{> (lookup …)}}`) cannot be checked and is refused. Without
//! recursion, a template's output grows with its data; [`MAX_RENDERED_BYTES`] caps it all the same.
//! The output cap does not bound time: `{{#each}}` blocks nested in one another over lists of a
//! thousand entries, rendering nothing, would iterate a thousand to the power of their depth, so
//! loops may nest at most [`MAX_LOOP_DEPTH`] deep, counted through partials.

use std::collections::BTreeMap;

use handlebars::template::{Parameter, Template, TemplateElement};
use idpc_diagnostics::{Code, Diagnostic, quote};

use super::{TemplateText, place};

/// The most a template may render to: far beyond any Terraform module or scaffold file.
pub const MAX_RENDERED_BYTES: usize = 16 * 1024 * 1024;

/// A line and column in a template, where known.
type Place = Option<(usize, usize)>;

/// How deep `{{#each}}` blocks may nest, partials included: a kind's template loops over its
/// fields and, at most, over a list inside each.
pub const MAX_LOOP_DEPTH: usize = 2;

/// A partial included in a way that could recurse without end, as a diagnostic at the include.
pub(super) fn recursive_partial(
    template: TemplateText<'_>,
    name: &str,
    subject: &str,
) -> Option<Diagnostic> {
    // A template that does not parse is reported by the registry.
    let parsed = Template::compile(template.text).ok()?;
    let mut owners: BTreeMap<String, usize> = BTreeMap::from([(name.to_owned(), 0)]);
    let mut includes: Vec<Include> = Vec::new();
    // The deepest loop nesting inside each partial (by owner index) and where it is.
    let mut deepest: Vec<(usize, Place)> = vec![(0, None)];
    // The blocks left to visit, each with the partials its content renders within and the loops
    // it is inside (counted from the innermost partial).
    let mut stack: Vec<(&Template, Vec<usize>, usize)> = vec![(&parsed, vec![0], 0)];
    while let Some((block, within, loops)) = stack.pop() {
        for (index, element) in block.elements.iter().enumerate() {
            let position = block.mapping.get(index).map(|m| (m.0, m.1));
            match element {
                TemplateElement::HelperBlock(helper) => {
                    let each = helper.name.as_name() == Some("each");
                    let inner = loops + usize::from(each);
                    if let Some(&owner) = within.last() {
                        if deepest.len() <= owner {
                            deepest.resize(owner + 1, (0, None));
                        }
                        if inner > deepest[owner].0 {
                            deepest[owner] = (inner, position);
                        }
                    }
                    stack.extend(helper.template.iter().map(|t| (t, within.clone(), inner)));
                    stack.extend(helper.inverse.iter().map(|t| (t, within.clone(), loops)));
                }
                TemplateElement::DecoratorBlock(decorator) => {
                    let inline = decorator.name.as_name() == Some("inline");
                    let defined = decorator.params.first().and_then(partial_name);
                    let body = match (inline, defined) {
                        (true, Some(defined)) => {
                            let next = owners.len();
                            vec![*owners.entry(defined).or_insert(next)]
                        }
                        _ => within.clone(),
                    };
                    // An inline partial's body counts its loops from zero; its includes add them.
                    let depth = if inline { 0 } else { loops };
                    stack.extend(decorator.template.iter().map(|t| (t, body.clone(), depth)));
                }
                TemplateElement::PartialExpression(partial)
                | TemplateElement::PartialBlock(partial) => {
                    let Some(called) = partial_name(&partial.name) else {
                        return Some(dynamic(template, position, subject));
                    };
                    if called == "@partial-block" {
                        continue;
                    }
                    let next = owners.len();
                    let target = *owners.entry(called.clone()).or_insert(next);
                    includes.extend(within.iter().map(|&from| Include {
                        from,
                        to: target,
                        name: called.clone(),
                        position,
                        loops: if within.last() == Some(&from) { loops } else { 0 },
                    }));
                    // The content of `{{#> p}}…{{/p}}` renders inside `p`.
                    let mut inside = within.clone();
                    inside.push(target);
                    stack.extend(partial.template.iter().map(|t| (t, inside.clone(), loops)));
                }
                _ => {}
            }
        }
    }
    if let Some(cycle) = closing_include(owners.len(), &includes) {
        return Some(recursion(template, cycle, subject));
    }
    deepest.resize(owners.len(), (0, None));
    let (depth, position) = loop_depth(&deepest, &includes);
    (depth > MAX_LOOP_DEPTH).then(|| {
        Diagnostic::new(
            Code::TemplateError,
            format!("{subject} nests loops {depth} deep"),
            place(template, position, Some("each")),
            format!("the loop {depth} deep, counting those around it and the partials it is in"),
        )
        .with_help(format!(
            "loops may nest at most {MAX_LOOP_DEPTH} deep: a loop inside a loop inside a loop over lists of a thousand entries runs a billion times"
        ))
    })
}

/// The deepest loop nesting of the template (owner 0), following includes (the graph has no
/// cycle), and where the deepest loop is: the longest path, by a depth-first search with an
/// explicit stack, each partial settled once.
fn loop_depth(deepest: &[(usize, Place)], includes: &[Include]) -> (usize, Place) {
    let nodes = deepest.len();
    let mut outgoing: Vec<Vec<&Include>> = vec![Vec::new(); nodes];
    for include in includes {
        if include.from < nodes && include.to < nodes {
            outgoing[include.from].push(include);
        }
    }
    let mut best: Vec<Option<(usize, Place)>> = vec![None; nodes];
    let mut stack: Vec<usize> = vec![0];
    while let Some(&node) = stack.last() {
        if best[node].is_some() {
            stack.pop();
            continue;
        }
        let pending: Vec<usize> =
            outgoing[node].iter().map(|i| i.to).filter(|to| best[*to].is_none()).collect();
        if pending.is_empty() {
            let mut result = deepest[node];
            for include in &outgoing[node] {
                let (inner, at) = best[include.to].unwrap_or((0, None));
                if include.loops + inner > result.0 {
                    result = (include.loops + inner, at.or(include.position));
                }
            }
            best[node] = Some(result);
            stack.pop();
        } else {
            stack.extend(pending);
        }
    }
    best.first().copied().flatten().unwrap_or((0, None))
}

fn recursion(template: TemplateText<'_>, cycle: &Include, subject: &str) -> Diagnostic {
    Diagnostic::new(
            Code::TemplateError,
            format!("{subject} includes partial `{}` within itself", quote(&cycle.name)),
            place(template, cycle.position, Some(&cycle.name)),
            "this include renders the partial again, without end",
        )
        .with_help("a partial may not include itself, directly, through other partials or through a block: remove the include that closes the loop")
}

/// `{{> p}}` inside whatever renders `from` (the template itself is 0).
#[derive(Debug, Clone)]
struct Include {
    from: usize,
    to: usize,
    name: String,
    position: Option<(usize, usize)>,
    /// The loops around the include, within `from`.
    loops: usize,
}

/// The name of a partial as written: `p`, `"p"` or a path.
fn partial_name(parameter: &Parameter) -> Option<String> {
    match parameter {
        Parameter::Literal(serde_json::Value::String(name)) => Some(name.clone()),
        Parameter::Literal(_) | Parameter::Subexpression(_) => None,
        other => other.as_name().map(str::to_owned),
    }
}

fn dynamic(
    template: TemplateText<'_>,
    position: Option<(usize, usize)>,
    subject: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::TemplateError,
        format!("{subject} includes a partial whose name is computed"),
        place(template, position, None),
        "a computed partial name",
    )
    .with_help("write the partial's name out (`{{> name}}`), so that idpc can check it does not include itself")
}

/// The include that closes the first cycle a depth-first search from the template meets, found
/// with an explicit stack.
fn closing_include(nodes: usize, includes: &[Include]) -> Option<&Include> {
    let mut outgoing: Vec<Vec<&Include>> = vec![Vec::new(); nodes];
    for include in includes {
        outgoing[include.from].push(include);
    }
    // 0: not visited, 1: on the current path, 2: done.
    let mut state = vec![0u8; nodes];
    for root in 0..nodes {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            let Some(include) = outgoing[node].get(*next) else {
                state[node] = 2;
                path.pop();
                continue;
            };
            *next += 1;
            match state[include.to] {
                1 => return Some(include),
                0 => {
                    state[include.to] = 1;
                    path.push((include.to, 0));
                }
                _ => {}
            }
        }
    }
    None
}
