//! A small HCL formatter that writes what `terraform fmt` writes, and the few readers the backend
//! needs on formatted text.
//!
//! The formatter follows `hclwrite`'s three passes: each line is split into a *lead*, an *assign*
//! cell (from a top-level `=` whose right-hand side closes on the line) and a trailing *comment*;
//! lines are indented by two spaces per level of brackets open at their start; tokens are spaced
//! by `hclwrite`'s rules; and the `=` and comment cells of consecutive lines are aligned. On top of
//! that it normalises blank lines, which `terraform fmt` leaves alone: runs collapse to one, and
//! none open or close a file or a block. Heredoc bodies are kept verbatim.

mod lex;

pub(crate) use lex::HclError;
use lex::{Kind, Line, Token, tokenize};

/// Formats HCL text as `terraform fmt` does, with blank lines normalised.
pub(crate) fn format(text: &str) -> Result<String, HclError> {
    let lines = tokenize(text)?;
    let lines = normalise_blank_lines(lines);
    Ok(layout(&lines))
}

/// [`format`], of a file whose top-level blocks each start after a blank line with one of
/// `starts` (`module "`, say) at the start of a line, and that has no heredoc: such a file is
/// cut before those blocks into slices of about [`SLICE`] bytes, formatted in parallel. A blank
/// line ends every alignment and no block is open where the file is cut, so each slice formats
/// as it does in the whole file; the slices are joined with the blank line that separated them.
/// The root modules' `main.tf`, `outputs.tf` and `connections.tf` are 2 MB each at 10,000
/// services with a database each.
pub(crate) fn format_sliced(text: &str, starts: &[&str]) -> Result<String, HclError> {
    use rayon::prelude::*;
    if text.contains("<<") {
        return format(text);
    }
    let slices = slices(text, starts);
    let formatted: Result<Vec<String>, HclError> = slices.par_iter().map(|s| format(s)).collect();
    match formatted {
        Ok(formatted) => Ok(formatted.join("\n")),
        // The whole file, for an error that points at its own line.
        Err(_) => format(text),
    }
}

/// The size of a slice [`format_sliced`] formats on its own.
const SLICE: usize = 64 * 1024;

/// `text` cut before blocks that start with one of `starts` after a blank line, into slices of
/// at least [`SLICE`] bytes (but the last); the blank line goes with the block after it.
fn slices<'t>(text: &'t str, starts: &[&str]) -> Vec<&'t str> {
    let mut slices = Vec::new();
    let mut start = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find("\n\n") {
        let cut = from + found + 1;
        from = cut + 1;
        let next = &text[from..];
        if cut - start >= SLICE && starts.iter().any(|s| next.starts_with(s)) {
            slices.push(&text[start..cut]);
            start = cut;
        }
    }
    slices.push(&text[start..]);
    slices
}

/// Collapses runs of blank lines and drops blank lines at the start and end of the file and
/// right inside a block's braces.
fn normalise_blank_lines(lines: Vec<Line<'_>>) -> Vec<Line<'_>> {
    let is_blank = |line: &Line<'_>| matches!(line, Line::Tokens(t) if t.is_empty());
    let opens = |line: &Line<'_>| match line {
        Line::Tokens(t) => t.iter().map(Token::brackets).sum::<i32>() > 0,
        Line::Verbatim(_) => false,
    };
    let closes = |line: &Line<'_>| match line {
        Line::Tokens(t) => t.first().is_some_and(|t| t.brackets() < 0),
        Line::Verbatim(_) => false,
    };
    let mut out: Vec<Line<'_>> = Vec::with_capacity(lines.len());
    let mut pending_blank = false;
    for line in lines {
        if is_blank(&line) {
            pending_blank = !out.is_empty() && !out.last().is_some_and(opens);
            continue;
        }
        if pending_blank && !closes(&line) {
            out.push(Line::Tokens(Vec::new()));
        }
        pending_blank = false;
        out.push(line);
    }
    out
}

/// One line split into `hclwrite`'s cells, each already spaced inside: the lead and the assign
/// cell (which starts with a space) are ranges of the text [`layout`] keeps for every line; the
/// comment is the comment token's text. The pads are the spaces alignment adds after the lead
/// and before the comment.
struct Cells<'t> {
    indent: usize,
    lead: std::ops::Range<usize>,
    assign: Option<std::ops::Range<usize>>,
    comment: Option<&'t str>,
    /// The width of the lead and of the assign cell, in characters.
    widths: (usize, usize),
    pads: (usize, usize),
}

/// A line ready for output.
enum Row<'t> {
    Cells(Cells<'t>),
    Blank,
    /// A line of a heredoc's body, kept as it is; it neither joins nor breaks an alignment.
    Heredoc(&'t str),
}

fn layout(lines: &[Line<'_>]) -> String {
    let mut indents: Vec<i32> = Vec::new();
    let mut cells = String::new();
    let mut rows: Vec<Row<'_>> = lines
        .iter()
        .map(|line| match line {
            Line::Verbatim(text) => Row::Heredoc(text),
            Line::Tokens(tokens) if tokens.is_empty() => Row::Blank,
            Line::Tokens(tokens) => Row::Cells(split_cells(tokens, &mut indents, &mut cells)),
        })
        .collect();
    align(&mut rows, |c| c.assign.is_some(), |c| c.widths.0, |c, pad| c.pads.0 = pad);
    align(
        &mut rows,
        |c| c.comment.is_some(),
        |c| c.widths.0 + c.pads.0 + c.widths.1,
        |c, pad| c.pads.1 = pad,
    );
    let mut out = String::with_capacity(cells.len() + cells.len() / 2);
    for row in &rows {
        match row {
            Row::Cells(c) => {
                push_spaces(&mut out, c.indent);
                out.push_str(&cells[c.lead.clone()]);
                push_spaces(&mut out, c.pads.0);
                if let Some(assign) = &c.assign {
                    out.push_str(&cells[assign.clone()]);
                }
                if let Some(comment) = c.comment {
                    push_spaces(&mut out, c.pads.1 + 1);
                    out.push_str(comment);
                }
            }
            Row::Blank => {}
            Row::Heredoc(text) => out.push_str(text),
        }
        out.push('\n');
    }
    out
}

fn push_spaces(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n(' ', count));
}

/// Splits a line into its cells, writing the spaced lead and assign cells at the end of `text`.
fn split_cells<'t>(tokens: &[Token<'t>], indents: &mut Vec<i32>, text: &mut String) -> Cells<'t> {
    let (body, comment) = match tokens.split_last() {
        Some((last, rest)) if last.kind == Kind::Comment && !rest.is_empty() => (rest, Some(last)),
        _ => (tokens, None),
    };
    let equals = body.iter().enumerate().skip(1).find(|(_, t)| t.kind == Kind::Equal);
    let (lead, assign) = match equals {
        Some((at, _)) if body[at..].iter().map(Token::brackets).sum::<i32>() == 0 => {
            (&body[..at], Some(&body[at..]))
        }
        _ => (body, None),
    };
    let heredoc_at =
        lead.iter().position(|t| t.kind == Kind::OHeredoc).map_or(lead.len(), |p| p + 1);
    let net: i32 = lead[..heredoc_at].iter().map(Token::brackets).sum::<i32>()
        + assign.map_or(0, |a| a.iter().map(Token::brackets).sum::<i32>());
    if net < 0 {
        let mut closed = -net;
        while closed > 0 {
            let Some(top) = indents.last_mut() else { break };
            if closed >= *top {
                closed -= *top;
                indents.pop();
            } else {
                *top -= closed;
                closed = 0;
            }
        }
    }
    let indent = 2 * indents.len();
    if net > 0 {
        indents.push(net);
    }
    let start = text.len();
    spaced(lead, text);
    let lead = start..text.len();
    let assign = assign.map(|a| {
        let start = text.len();
        text.push(' ');
        spaced(a, text);
        start..text.len()
    });
    let width = |range: &std::ops::Range<usize>| text[range.clone()].chars().count();
    let widths = (width(&lead), assign.as_ref().map_or(0, width));
    Cells { indent, lead, assign, comment: comment.map(|c| c.text), widths, pads: (0, 0) }
}

/// The tokens of one cell joined with `hclwrite`'s spacing, written at the end of `out`.
fn spaced(tokens: &[Token<'_>], out: &mut String) {
    let nil = Token { kind: Kind::Other, text: "" };
    for (i, token) in tokens.iter().enumerate() {
        out.push_str(token.text);
        let Some(after) = tokens.get(i + 1) else { break };
        let before = if i > 0 { &tokens[i - 1] } else { &nil };
        if space_after(token, before, after, i == 0) {
            out.push(' ');
        }
    }
}

fn space_after(subject: &Token<'_>, before: &Token<'_>, after: &Token<'_>, first: bool) -> bool {
    use Kind::*;
    let template_edge = |k: Kind| matches!(k, QuotedLit | OQuote | OHeredoc);
    match (subject.kind, after.kind) {
        (Ident, OParen) => false,
        (Ident, DoubleColon) | (DoubleColon, Ident) => false,
        (Dot, _) | (_, Dot) => false,
        (_, Comma) | (_, Ellipsis) => false,
        (Comma, _) => true,
        (s, a) if template_edge(s) || matches!(a, QuotedLit | CQuote) => false,
        (Ident, _) if subject.text == "in" && before.kind == Ident && !first => true,
        (Ident | Number, OBrack) => false,
        (_, OBrack) if subject.brackets() < 0 => false,
        (Bang, _) => false,
        (Minus, _) => {
            !(first
                || matches!(
                    before.kind,
                    OParen
                        | OBrace
                        | OBrack
                        | Equal
                        | Colon
                        | Comma
                        | Question
                        | Plus
                        | Star
                        | Slash
                        | Percent
                        | Minus
                        | Comparison
                        | Logic
                        | Bang
                ))
        }
        (OBrace, CBrace) => false,
        (OBrace, _) | (_, CBrace) => true,
        (TemplateInterp | TemplateControl, OBrace) => true,
        (CBrace, TemplateSeqEnd) => true,
        (TemplateSeqEnd, TemplateInterp | TemplateControl) => false,
        _ if subject.brackets() > 0 => false,
        _ if after.brackets() < 0 => false,
        _ => true,
    }
}

/// Pads one cell of every run of consecutive rows that have it, so that what follows the cell
/// lines up: `width` measures what comes before, `pad` adds the spaces.
fn align(
    rows: &mut [Row<'_>],
    has: impl Fn(&Cells<'_>) -> bool,
    width: impl Fn(&Cells<'_>) -> usize,
    pad: impl Fn(&mut Cells<'_>, usize),
) {
    let mut run: Vec<usize> = Vec::new();
    let flush = |run: &mut Vec<usize>, rows: &mut [Row<'_>]| {
        let max = run
            .iter()
            .filter_map(|i| match &rows[*i] {
                Row::Cells(c) => Some(width(c)),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        for i in run.drain(..) {
            if let Row::Cells(c) = &mut rows[i] {
                let w = width(c);
                pad(c, max - w);
            }
        }
    };
    for i in 0..rows.len() {
        match &rows[i] {
            Row::Heredoc(_) => {}
            Row::Cells(c) if has(c) => run.push(i),
            _ => flush(&mut run, rows),
        }
    }
    flush(&mut run, rows);
}

/// A top-level block of formatted HCL: its header (`variable "x"`) and its whole text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    /// The block type and labels, as written before `{`.
    pub(crate) header: String,
    /// The block's lines, from its header to its closing brace, with a final newline.
    pub(crate) text: String,
}

/// The top-level blocks of text that [`format`] wrote, with the comment lines right above each.
pub(crate) fn blocks(formatted: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in formatted.lines() {
        match &mut current {
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
                if line == "}"
                    && let Some((header, text)) = current.take()
                {
                    out.push(Block { header, text });
                }
            }
            None => {
                if let Some(header) = line.strip_suffix(" {") {
                    current = Some((header.to_owned(), format!("{line}\n")));
                } else if let Some(header) = line.strip_suffix(" {}") {
                    out.push(Block { header: header.to_owned(), text: format!("{line}\n") });
                }
            }
        }
    }
    out
}

/// A provider requirement of a module: its local name, source and version constraint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Requirement {
    /// The local name (`aws`).
    pub(crate) name: String,
    /// The source address (`hashicorp/aws`).
    pub(crate) source: Option<String>,
    /// The version constraint (`~> 5.0`).
    pub(crate) version: Option<String>,
}

/// The `required_providers` entries of formatted text (a module's `versions.tf`).
pub(crate) fn required_providers(formatted: &str) -> Vec<Requirement> {
    let mut out = Vec::new();
    let mut inside = false;
    let mut current: Option<Requirement> = None;
    for line in formatted.lines() {
        let trimmed = line.trim();
        if trimmed == "required_providers {" {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(requirement) = &mut current {
            if trimmed == "}" {
                out.extend(current.take());
            } else if let Some((key, value)) = trimmed.split_once('=') {
                let value = unquote(value.trim());
                match key.trim() {
                    "source" => requirement.source = value,
                    "version" => requirement.version = value,
                    _ => {}
                }
            }
        } else if trimmed == "}" {
            inside = false;
        } else if let Some(name) = trimmed.strip_suffix("= {").map(str::trim) {
            current = Some(Requirement { name: name.to_owned(), source: None, version: None });
        } else if let Some((name, rest)) = trimmed.split_once(" = {") {
            let mut requirement =
                Requirement { name: name.trim().to_owned(), source: None, version: None };
            for (key, value) in inline_pairs(rest.trim_end_matches('}')) {
                match key.as_str() {
                    "source" => requirement.source = Some(value),
                    "version" => requirement.version = Some(value),
                    _ => {}
                }
            }
            out.push(requirement);
        }
    }
    out
}

/// The `key = "value"` pairs of a one-line object, split at commas outside quotes.
fn inline_pairs(text: &str) -> Vec<(String, String)> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        match c {
            '\\' if quoted && !escaped => escaped = true,
            '"' if !escaped => quoted = !quoted,
            ',' if !quoted => parts.push(std::mem::take(&mut part)),
            _ => escaped = false,
        }
        if c != ',' || quoted {
            part.push(c);
        }
        if c != '\\' {
            escaped = false;
        }
    }
    parts.push(part);
    parts
        .iter()
        .filter_map(|p| {
            let (key, value) = p.split_once('=')?;
            Some((key.trim().to_owned(), unquote(value.trim())?))
        })
        .collect()
}

fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
}

#[cfg(test)]
mod tests;
