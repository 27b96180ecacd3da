//! Spans, source files, diagnostics and their rendering.
//!
//! Every phase of idpc returns its result together with a `Vec<Diagnostic>`; nothing stops at the
//! first error. A diagnostic is plain data (a [`Code`], a message, labelled [`Span`]s and an
//! optional help line) until the command line renders it, as text through miette or as JSON.

mod code;
mod diagnostic;
mod quote;
mod render;
mod sources;
mod span;
mod suggest;

pub use code::{Code, CodeInfo, Phase};
pub use diagnostic::{Diagnostic, Label, Severity, has_errors, sort_and_dedup};
pub use quote::{QUOTE_MAX_CHARS, Quoted, quote};
pub use render::{
    JSON_FORMAT, MAX_MESSAGE, MAX_PER_FILE, MAX_PER_RUN, RenderOptions, SarifResult, SarifTool,
    clean_message, render_github, render_human, render_json, render_note, render_plain,
    render_short, sarif_log, sarif_results, within_limits,
};
pub use sources::{LineCol, SourceFile, Sources};
pub use span::{FileId, Span};
pub use suggest::{did_you_mean, similar_names, suggested_name};
