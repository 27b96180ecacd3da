//! The driver: the only library that touches the file system.
//!
//! It discovers a platform's `.kdl` files, adds the embedded standard library, parses every file
//! in parallel, analyses the whole, runs the backends, and writes the output tree atomically.
//! Commands in `idpc-cli` are thin layers over [`load`], [`compile`], [`emit`] and [`write`];
//! [`load_revision`] reads a description as it was at a git revision.
//! [`format`] finds and rewrites the files of `idpc fmt`.
//! [`scaffold`] renders and checks the new files of `idpc new`; [`import`] those of `idpc import`.

#![expect(clippy::disallowed_methods, reason = "this crate owns file-system I/O")]

mod discover;
pub mod format;
pub mod import;
pub mod live;
mod pipeline;
mod revision;
pub mod scaffold;
pub use idpc_query::stdlib;
pub mod synth;
pub use idpc_query::{expired, why};
mod workspace;
mod write;

pub use discover::{Discovery, declares_platform, discover};
pub use idpc_backends::Unit;
pub use idpc_backends::{Artifact, Family};
pub use idpc_ir::Platform;
pub use idpc_policy::{ActiveWaiver, Cache as PolicyCache};
pub use pipeline::{
    Compilation, EmitError, Options, Timings, compile, compile_keeping, compile_with, database,
    emit, emit_each, emit_units, today,
};
pub use revision::{RevisionError, load_revision};
pub use workspace::{DEFAULT_OUT, Found, Glance, LoadError, Loaded, SourceText, find, load};
pub use write::ready_to_look;
pub use write::{
    Freshness, Incremental, MEMORY, Made, Outputs, Pending, Reuse, STAMP, Stamping, examine,
    freshness, glanced, inputs_digest, look, memory_of, settle, write_incremental,
};
pub use write::{
    MANIFEST, Refusal, TreeDifference, WriteError, WriteOptions, WriteReport, adopted_files,
    check_output_dir, check_tree, read_tree, recorded_outputs, tree_files, write_tree,
};
pub use write::{Sink, StreamError, check_streamed, write_streamed};

/// Finds the description's files and glances at them (see [`Found::glance`]) while the output
/// tree under `out` is looked at in the background, if `look` (see [`look`]): the look goes on
/// while the build reads and checks the files, and the first step that needs it helps to finish
/// it.
pub fn find_and_look(
    description: &std::path::Path,
    out: &std::path::Path,
    look: bool,
) -> (Result<(Found, Glance), LoadError>, Outputs) {
    let outputs = if look { write::look(out) } else { Outputs::default() };
    let found = find(description, Some(out)).map(|found| {
        let glance = found.glance();
        (found, glance)
    });
    (found, outputs)
}

/// The peak resident memory of this process in bytes, where the system reports it (Linux).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
