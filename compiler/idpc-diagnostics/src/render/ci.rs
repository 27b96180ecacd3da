//! Diagnostics for CI systems: GitHub Actions workflow commands and SARIF 2.1.0 for code scanning.
//!
//! Both stay within the limits per file and per run; every text is cut and escaped for its
//! target (workflow-command escapes, JSON).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::code::Code;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::render::plain::{one_line, severity_word};
use crate::render::{omitted_line, within_limits};
use crate::sources::Sources;

/// Renders diagnostics as GitHub Actions workflow commands, one per diagnostic:
/// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=E0202 unknown-reference::message`.
/// Secondary labels and the help line follow the message on lines of their own.
pub fn render_github(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let (shown, omitted) = within_limits(diagnostics);
    let mut out = String::new();
    for diagnostic in shown {
        let mut properties = Vec::new();
        if let Some(primary) = &diagnostic.primary {
            let start = sources.line_col(primary.span.file, primary.span.start);
            let end = sources.line_col(primary.span.file, primary.span.end);
            properties.push(format!("file={}", property(sources.path(primary.span.file))));
            properties.push(format!("line={}", start.line));
            properties.push(format!("col={}", start.column));
            properties.push(format!("endLine={}", end.line));
            properties.push(format!("endColumn={}", end.column));
        }
        let title = format!("{} {}", diagnostic.code, diagnostic.code.info().name);
        properties.push(format!("title={}", property(&title)));
        let mut message = one_line(&diagnostic.message);
        for label in diagnostic.primary.iter().chain(&diagnostic.secondary) {
            if !label.message.is_empty() {
                let _ =
                    write!(message, "\n{}: {}", place(label, sources), one_line(&label.message));
            }
        }
        if let Some(help) = &diagnostic.help {
            let _ = write!(message, "\nhelp: {}", one_line(help));
        }
        let _ = writeln!(
            out,
            "::{} {}::{}",
            severity_word(diagnostic.severity),
            properties.join(","),
            data(&message)
        );
    }
    if omitted > 0 {
        out.push_str(&omitted_line(omitted));
    }
    out
}

/// `file:line:col` of a label.
fn place(label: &Label, sources: &Sources) -> String {
    let at = sources.line_col(label.span.file, label.span.start);
    format!("{}:{}:{}", one_line(sources.path(label.span.file)), at.line, at.column)
}

/// The escapes of a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// The escapes of a workflow command's property value.
fn property(text: &str) -> String {
    data(&one_line(text)).replace(':', "%3A").replace(',', "%2C")
}

/// What SARIF says about the tool that ran.
#[derive(Clone, Debug)]
pub struct SarifTool<'a> {
    /// The tool's name, `idpc`.
    pub name: &'a str,
    /// Its version.
    pub version: &'a str,
    /// Where the explanations of the codes are: a URL that `#e0202` (the code, in lower case)
    /// is appended to.
    pub help_base: &'a str,
}

/// The SARIF results of some diagnostics (within the limits), for [`sarif_log`].
pub fn sarif_results(diagnostics: &[Diagnostic], sources: &Sources) -> Vec<SarifResult> {
    let (shown, _) = within_limits(diagnostics);
    shown.into_iter().map(|d| SarifResult { code: d.code, value: result(d, sources) }).collect()
}

/// One SARIF result and the code (rule) it reports.
#[derive(Clone, Debug)]
pub struct SarifResult {
    /// The code, whose rule the log lists.
    pub code: Code,
    /// The result object.
    pub value: Value,
}

/// A SARIF 2.1.0 log with one run: the tool with a rule per code the results name (in code
/// order), and the results. `omitted` counts the diagnostics the limits left out.
pub fn sarif_log(tool: &SarifTool<'_>, results: Vec<SarifResult>, omitted: usize) -> Value {
    let mut codes: Vec<Code> = results.iter().map(|r| r.code).collect();
    codes.sort();
    codes.dedup();
    let index: BTreeMap<Code, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules: Vec<Value> = codes.iter().map(|code| rule(*code, tool)).collect();
    let results: Vec<Value> = results
        .into_iter()
        .map(|mut r| {
            if let Value::Object(object) = &mut r.value {
                object.insert("ruleIndex".to_owned(), json!(index.get(&r.code).copied()));
            }
            r.value
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": tool.name,
                    "version": tool.version,
                    "informationUri": tool.help_base,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": { "omitted": omitted },
        }]
    })
}

fn rule(code: Code, tool: &SarifTool<'_>) -> Value {
    let info = code.info();
    let level = if code.is_warning() { "warning" } else { "error" };
    json!({
        "id": info.code,
        "name": info.name,
        "shortDescription": { "text": info.summary },
        "fullDescription": { "text": info.summary },
        "help": { "text": info.explanation, "markdown": info.explanation },
        "helpUri": format!("{}#{}", tool.help_base, info.code.to_lowercase()),
        "defaultConfiguration": { "level": level },
        "properties": { "phase": info.phase },
    })
}

fn result(diagnostic: &Diagnostic, sources: &Sources) -> Value {
    let level = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut text = one_line(&diagnostic.message);
    if let Some(help) = &diagnostic.help {
        let _ = write!(text, "\nhelp: {}", one_line(help));
    }
    let mut result = json!({
        "ruleId": diagnostic.code.as_str(),
        "level": level,
        "message": { "text": text },
    });
    if let Some(primary) = &diagnostic.primary {
        result["locations"] = json!([location(primary, sources, None)]);
    }
    if !diagnostic.secondary.is_empty() {
        let related: Vec<Value> = diagnostic
            .secondary
            .iter()
            .enumerate()
            .map(|(i, label)| location(label, sources, Some(i + 1)))
            .collect();
        result["relatedLocations"] = json!(related);
    }
    result
}

fn location(label: &Label, sources: &Sources, id: Option<usize>) -> Value {
    let start = sources.line_col(label.span.file, label.span.start);
    let end = sources.line_col(label.span.file, label.span.end);
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(sources.path(label.span.file)) },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }
    });
    if let Some(id) = id {
        location["id"] = json!(id);
    }
    if !label.message.is_empty() {
        location["message"] = json!({ "text": one_line(&label.message) });
    }
    location
}

/// A relative path as a URI reference: every byte but unreserved characters and `/`
/// percent-encoded.
pub(crate) fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
