//! The service dependency graph: every cycle, reported with its path.
//!
//! `petgraph::algo::kosaraju_scc` finds every strongly connected component; each component with
//! more than one service, or a service that depends on itself, holds at least one cycle. One
//! diagnostic per component shows one cycle through it, edge by edge. Everything here is
//! iterative and linear in services plus edges, so a chain of 100,000 dependencies neither
//! overflows the stack nor takes long (petgraph's `tarjan_scc` recurses once per service).

use idpc_diagnostics::{Code, Diagnostic, Span, quote};
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// A cycle longer than this shows its first edges only.
const MAX_SHOWN: usize = 10;

/// One `depends-on` edge: from a service to another, written at `span`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Edge {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) span: Span,
}

/// Reports every dependency cycle among `names.len()` services.
pub(crate) fn check_cycles(names: &[&str], edges: &[Edge], diagnostics: &mut Vec<Diagnostic>) {
    let mut graph: DiGraph<usize, Span> = DiGraph::with_capacity(names.len(), edges.len());
    let nodes: Vec<NodeIndex> = (0..names.len()).map(|i| graph.add_node(i)).collect();
    for edge in edges {
        graph.add_edge(nodes[edge.from], nodes[edge.to], edge.span);
    }
    let mut self_loops: Vec<bool> = vec![false; names.len()];
    for edge in edges.iter().filter(|e| e.from == e.to) {
        self_loops[edge.from] = true;
    }
    let mut components: Vec<Vec<usize>> = kosaraju_scc(&graph)
        .into_iter()
        .map(|component| {
            let mut members: Vec<usize> = component.into_iter().map(|n| graph[n]).collect();
            members.sort_unstable();
            members
        })
        .filter(|members| members.len() > 1 || members.first().is_some_and(|&m| self_loops[m]))
        .collect();
    components.sort();
    // The edges leaving each service, in source order.
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (index, edge) in edges.iter().enumerate() {
        outgoing[edge.from].push(index);
    }
    for members in components {
        let path = cycle_through(&members, edges, &outgoing);
        let Some((first, rest)) = path.split_first() else { continue };
        let name = |i: usize| quote(names[i]);
        let names_in_cycle: Vec<String> =
            path.iter().take(MAX_SHOWN).map(|e| format!("`{}`", name(e.from))).collect();
        let message = if path.len() == 1 {
            format!("service `{}` depends on itself", name(first.from))
        } else if path.len() > MAX_SHOWN {
            format!(
                "services {} and {} more depend on each other in a cycle",
                names_in_cycle.join(", "),
                path.len() - MAX_SHOWN
            )
        } else {
            format!("services {} depend on each other in a cycle", join_and(&names_in_cycle))
        };
        let mut diagnostic = Diagnostic::new(
            Code::DependencyCycle,
            message,
            first.span,
            format!("`{}` depends on `{}`", name(first.from), name(first.to)),
        );
        for edge in rest.iter().take(MAX_SHOWN - 1) {
            diagnostic = diagnostic.with_label(
                edge.span,
                format!("`{}` depends on `{}`", name(edge.from), name(edge.to)),
            );
        }
        let extra = members.len() - path.len();
        let help = if extra > 0 {
            format!(
                "remove one of these dependencies; {extra} more service(s) are caught in the same tangle"
            )
        } else {
            "remove one of these dependencies: services must start and roll out in some order"
                .to_owned()
        };
        diagnostics.push(diagnostic.with_help(help));
    }
}

/// A shortest cycle from the first (lowest) member back to itself, staying inside the component.
fn cycle_through(members: &[usize], edges: &[Edge], outgoing: &[Vec<usize>]) -> Vec<Edge> {
    let Some(&start) = members.first() else { return Vec::new() };
    let inside = |n: usize| members.binary_search(&n).is_ok();
    // Breadth-first search for the shortest way back to `start`; edges are in source order, so
    // the result is deterministic.
    let mut previous: Vec<Option<Edge>> = vec![None; members.len()];
    let index = |n: usize| members.binary_search(&n).unwrap_or(0);
    let mut queue = std::collections::VecDeque::from([start]);
    let mut seen = vec![false; members.len()];
    seen[0] = true;
    while let Some(node) = queue.pop_front() {
        for edge in outgoing[node].iter().map(|&i| &edges[i]).filter(|e| inside(e.to)) {
            if edge.to == start {
                let mut path = vec![*edge];
                let mut at = node;
                while at != start {
                    let Some(prev) = previous[index(at)] else { break };
                    path.push(prev);
                    at = prev.from;
                }
                path.reverse();
                return path;
            }
            if !seen[index(edge.to)] {
                seen[index(edge.to)] = true;
                previous[index(edge.to)] = Some(*edge);
                queue.push_back(edge.to);
            }
        }
    }
    Vec::new()
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use idpc_diagnostics::FileId;

    use super::*;

    fn chain(n: usize, closed: bool) -> Vec<Diagnostic> {
        let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let span = Span::new(FileId(0), 0, 1);
        let mut edges: Vec<Edge> = (1..n).map(|i| Edge { from: i - 1, to: i, span }).collect();
        if closed {
            edges.push(Edge { from: n - 1, to: 0, span });
        }
        let mut diagnostics = Vec::new();
        check_cycles(&names, &edges, &mut diagnostics);
        diagnostics
    }

    #[test]
    fn a_chain_of_200000_services_has_no_cycle_and_no_recursion() {
        assert!(chain(200_000, false).is_empty());
    }

    #[test]
    fn a_cycle_of_200000_services_is_one_short_diagnostic() {
        let diagnostics = chain(200_000, true);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.contains("and 199990 more"), "{}", diagnostics[0].message);
        assert_eq!(diagnostics[0].secondary.len(), MAX_SHOWN - 1);
    }
}
